"""Importing the place tree and the organisations from Excel registers, with the same dry
run, one transaction, valid-rows-only choice and audit as the other imports
(:mod:`gongzhi.core.importing.requests`).

**Places** (``gongzhi import places FILE``): one row per place, its path written out in
columns from the community down — 社区, 小区, 楼栋, 微网格 (floors, optional), 户 (the
room). A row may stop at any level; the levels it names must not skip one (a building
needs its compound). Every place is made under the street (the root of the tree) through
:func:`gongzhi.core.services.places.create_place`; a place already there (same name under the
same parent) is reused, so re-importing a register adds nothing.

**Organisations** (``gongzhi import orgs FILE``): 名称, 类型 (a kind in words, Chinese or
English, or its code: 居委会 / residents committee / residents_committee) and optionally
所在地点 (a place's exact name); made through
:func:`gongzhi.core.services.orgs.create_organisation`. One already there (same name and kind) is
left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.importing.reading import Table
from gongzhi.core.importing.requests import ImportReport, RowIssue, _place_index, run_import
from gongzhi.core.importing.values import compact, half_width
from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import OrgKind, PlaceKind
from gongzhi.core.services import orgs as org_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services.base import Actor, audit

NAME_MAX = 100

# the place levels a register's columns name, top down: (kind, header names)
PLACE_LEVELS: tuple[tuple[PlaceKind, tuple[str, ...]], ...] = (
    (PlaceKind.community, ("社区", "所属社区", "community")),
    (PlaceKind.compound, ("小区", "所属小区", "compound")),
    (PlaceKind.building, ("楼栋", "楼号", "building")),
    (PlaceKind.micro_grid, ("微网格", "楼层段", "micro-grid")),
    (PlaceKind.household, ("户", "房号", "门牌", "household")),
)
ORG_COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("名称", "组织名称", "单位名称", "name"),
    "kind": ("类型", "组织类型", "kind"),
    "place": ("所在地点", "所属社区", "地点", "place"),
}


@dataclass
class PlannedPlaces:
    row: int
    path: list[tuple[PlaceKind, str]]  # top down, from the community
    new: int = 0  # how many of them the import makes


@dataclass
class PlannedOrg:
    row: int
    name: str
    kind: str
    place_id: int | None
    existing_id: int | None = None


def _columns(header: list[str], wanted: dict[str, tuple[str, ...]]) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    return {f: lowered.index(n.lower()) for f, names in wanted.items() for n in reversed(names)
            if n.lower() in lowered}


def _street(session: Session) -> Place:
    roots = list(session.scalars(select(Place).where(Place.parent_id.is_(None), Place.kind == "street")))
    if len(roots) != 1:
        raise DomainError("import.no_street")
    return roots[0]


# -- places ---------------------------------------------------------------------------


def plan_places(session: Session, table: Table) -> ImportReport:
    report = ImportReport(file=table.path, sha256=table.sha256, encoding=table.encoding, rows=len(table.rows))
    header = table.header
    cols = _columns(header, {kind.value: names for kind, names in PLACE_LEVELS})
    if PlaceKind.community.value not in cols:
        raise DomainError("import.missing_columns", columns=PLACE_LEVELS[0][1][0])
    street = _street(session)
    known = {(p.parent_id, p.kind, p.name): p.id for p in session.scalars(select(Place))}
    made: set[tuple[str, ...]] = set()  # paths this import makes (a row may share another's)
    first_row: dict[tuple[str, ...], int] = {}
    for rowno, cells in table.rows:
        issues: list[RowIssue] = []
        path: list[tuple[PlaceKind, str]] = []
        gap: str | None = None
        for kind, names in PLACE_LEVELS:
            i = cols.get(kind.value)
            raw = cells[i].strip() if i is not None and i < len(cells) else ""
            name = half_width(raw).strip()
            if not name:
                if gap is None and kind is not PlaceKind.micro_grid:  # a room may sit straight in a building
                    gap = header[i] if i is not None else names[0]
                continue
            if gap is not None:
                issues.append(RowIssue(rowno, header[i], raw, DomainError("import.place_gap", level=gap)))
                break
            if len(name) > NAME_MAX:
                issues.append(RowIssue(rowno, header[i], raw,
                                       DomainError("import.too_long", max=NAME_MAX, length=len(name))))
                break
            path.append((kind, name))
        if not path and not issues:
            issues.append(RowIssue(rowno, header[cols["community"]], "", DomainError("import.required")))
        if issues:
            report.errors.extend(issues)
            continue
        key = tuple(name for _k, name in path)
        if key in first_row:
            report.warnings.append(RowIssue(rowno, "", "", DomainError("import.duplicate_row", first=first_row[key])))
        first_row.setdefault(key, rowno)
        parent: int | None = street.id
        new = 0
        for depth, (kind, name) in enumerate(path):
            found = known.get((parent, kind.value, name)) if parent is not None else None
            if found is None:
                if key[: depth + 1] not in made:
                    made.add(key[: depth + 1])
                    new += 1
                parent = None  # below a place still to make, everything is new
            else:
                parent = found
        report.planned.append(PlannedPlaces(rowno, path, new))
    return report


def dry_run_places(db: Database, table: Table) -> ImportReport:
    with db.read_session() as s:
        return plan_places(s, table)


def commit_places(db: Database, table: Table, actor: Actor, *, valid_only: bool = False,
                  progress: Callable[[int, int], None] | None = None,
                  cancel: Callable[[], bool] | None = None) -> ImportReport:
    with db.read_session() as s:
        report = plan_places(s, table)
        street_id = _street(s).id
        # read before the import's transaction: a row's savepoint holds only its own writes
        known = {(pl.parent_id, pl.kind, pl.name): pl.id for pl in s.scalars(select(Place))}

    def write(session: Session, p: PlannedPlaces) -> None:
        parent, made = street_id, {}  # this row's new places join ``known`` once the row is whole
        for kind, name in p.path:
            key = (parent, kind.value, name)
            found = known.get(key) or made.get(key)
            if found is None:
                place = place_svc.create_place(session, actor=actor, kind=kind.value, name=name, parent_id=parent)
                audit(session, actor, "place.import", "place", place.id, None,
                      {"file": table.path.name, "sha256": table.sha256, "row": p.row})
                session.commit()
                found = made[key] = place.id
            parent = found
        known.update(made)
        if made:
            report.created += len(made)
        else:
            report.unchanged += 1

    return run_import(db, table, report, valid_only, write, progress=progress, cancel=cancel)


# -- organisations --------------------------------------------------------------------


def _org_kinds() -> dict[str, str]:
    """Every way a register writes a kind (code, Chinese, English; spaces and case aside) → the code."""
    out: dict[str, str] = {}
    for kind in OrgKind:
        for text in (kind.value, kind.label("zh"), kind.label("en")):
            out[compact(half_width(text)).lower().replace("'", "")] = kind.value
    # the long and short names registers use besides the vocabulary's own words
    out.update({"居民委员会": "residents_committee", "业主委员会": "owners_committee", "物业": "property_company",
                "物业公司": "property_company", "党委": "party_committee", "社区党委": "party_committee",
                "党支部": "party_branch", "党小组": "party_group"})
    return out


def plan_orgs(session: Session, table: Table) -> ImportReport:
    report = ImportReport(file=table.path, sha256=table.sha256, encoding=table.encoding, rows=len(table.rows))
    header = table.header
    cols = _columns(header, ORG_COLUMNS)
    missing = [ORG_COLUMNS[f][0] for f in ("name", "kind") if f not in cols]
    if missing:
        raise DomainError("import.missing_columns", columns="、".join(missing))
    kinds = _org_kinds()
    places = _place_index(session)
    place_names = dict(session.execute(select(Place.id, Place.name)).all())
    existing = {(o.name, o.kind): o.id for o in session.scalars(select(Organisation))}
    seen: dict[tuple[str, str], int] = {}
    for rowno, cells in table.rows:
        issues: list[RowIssue] = []

        def cell(fld: str, cells: list[str] = cells) -> str:
            i = cols.get(fld)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        name = half_width(cell("name")).strip()
        if not name:
            issues.append(RowIssue(rowno, header[cols["name"]], "", DomainError("import.required")))
        elif len(name) > NAME_MAX:
            issues.append(RowIssue(rowno, header[cols["name"]], name,
                                   DomainError("import.too_long", max=NAME_MAX, length=len(name))))
        raw = cell("kind")
        kind = kinds.get(compact(half_width(raw)).lower().replace("'", ""))
        if kind is None:
            issues.append(RowIssue(rowno, header[cols["kind"]], raw, DomainError(
                "import.unknown_value", choices="、".join(k.label("zh") for k in OrgKind))))
        raw, place_id = cell("place"), None
        if raw:
            found = places.get(compact(raw), set())
            if not found:
                issues.append(RowIssue(rowno, header[cols["place"]], raw, DomainError("import.address_not_found")))
            elif len(found) > 1:
                issues.append(RowIssue(rowno, header[cols["place"]], raw, DomainError(
                    "import.address_ambiguous", places="、".join(sorted(place_names[i] for i in found)))))
            else:
                place_id = next(iter(found))
        if issues:
            report.errors.extend(issues)
            continue
        assert kind is not None
        if (name, kind) in seen:
            report.errors.append(RowIssue(rowno, header[cols["name"]], name,
                                          DomainError("import.duplicate_row", first=seen[(name, kind)])))
            continue
        seen[(name, kind)] = rowno
        report.planned.append(PlannedOrg(rowno, name, kind, place_id, existing.get((name, kind))))
    return report


def dry_run_orgs(db: Database, table: Table) -> ImportReport:
    with db.read_session() as s:
        return plan_orgs(s, table)


def commit_orgs(db: Database, table: Table, actor: Actor, *, valid_only: bool = False,
                progress: Callable[[int, int], None] | None = None,
                cancel: Callable[[], bool] | None = None) -> ImportReport:
    with db.read_session() as s:
        report = plan_orgs(s, table)

    def write(session: Session, p: PlannedOrg) -> None:
        if p.existing_id is not None:
            report.unchanged += 1
            return
        org = org_svc.create_organisation(session, actor=actor, kind=p.kind, name=p.name, place_id=p.place_id)
        audit(session, actor, "organisation.import", "organisation", org.id, None,
              {"file": table.path.name, "sha256": table.sha256, "row": p.row})
        session.commit()
        report.created += 1

    return run_import(db, table, report, valid_only, write, progress=progress, cancel=cancel)


__all__ = ["commit_orgs", "commit_places", "dry_run_orgs", "dry_run_places", "plan_orgs", "plan_places"]
