"""Importing residents from a community's Excel register (花名册) through
:func:`gongzhi.core.services.people.create_person`, with the same dry run, one transaction,
valid-rows-only choice and audit as ticket imports (:mod:`gongzhi.core.importing.requests`).

A person already registered (same ID number; without one, same name and phone) is
left as it is, so re-importing a register adds nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.importing.addresses import AddressMatcher, Match
from gongzhi.core.importing.reading import Table
from gongzhi.core.importing.requests import ImportReport, RowIssue, _place_index, run_import
from gongzhi.core.importing.values import _SCIENTIFIC, half_width, parse_datetime
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import PlaceKind
from gongzhi.core.services import people as people_svc
from gongzhi.core.services.base import Actor, audit
from gongzhi.core.validation import normalise_id_number, normalise_phone

# field → the header names a register may carry (the first one found is used)
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "居民姓名"),
    "gender": ("性别",),
    "birth": ("出生年份", "出生日期", "出生年月"),
    "phone": ("联系电话", "手机号", "手机号码", "电话"),
    "id_number": ("身份证号", "公民身份号码", "身份证号码"),
    "address": ("住址", "房号", "现住址", "地址"),
    "notes": ("备注",),
}
GENDERS = {"男": "male", "女": "female", "male": "male", "female": "female", "m": "male", "f": "female"}


@dataclass
class PlannedPerson:
    row: int
    name: str
    gender: str
    birth_year: int | None
    phone: str | None
    id_number: str | None
    household_id: int | None
    notes: str
    existing_id: int | None = None


def plan_people(session: Session, table: Table, actor: Actor | None = None, *,
                progress: Callable[[int, int], None] | None = None) -> ImportReport:
    """Check every row against the database, with ``create_person``'s own checks (control
    characters in the name and notes; given the ``actor``, ``person.create`` on the
    household), each tied to its column and value; writes nothing."""
    from gongzhi.core.importing.checks import Checks
    from gongzhi.core.services.base import check_chars

    checks = Checks(session, actor) if actor is not None else None
    report = ImportReport(file=table.path, sha256=table.sha256, encoding=table.encoding, rows=len(table.rows))
    header = table.header
    cols = {f: header.index(n) for f, names in COLUMNS.items() for n in reversed(names) if n in header}
    if "name" not in cols:
        raise DomainError("import.missing_columns", columns=COLUMNS["name"][0])
    addresses = AddressMatcher(session, _place_index(session))
    kinds = dict(session.execute(select(Place.id, Place.kind)).all())
    names = dict(session.execute(select(Place.id, Place.name)).all())
    ids_seen: dict[str, int] = {}
    planned: list[PlannedPerson] = []
    for rowno, cells in table.rows:
        issues: list[RowIssue] = []

        def cell(fld: str, cells: list[str] = cells) -> str:
            i = cols.get(fld)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        def bad(fld: str, exc: DomainError, raw: str) -> None:
            issues.append(RowIssue(rowno, header[cols[fld]], raw, exc))  # noqa: B023

        name = cell("name")
        if not name:
            bad("name", DomainError("import.required"), name)
        elif len(name) > 50:
            bad("name", DomainError("import.too_long", max=50, length=len(name)), name)
        else:
            try:
                check_chars(name, "name")
            except DomainError as exc:
                bad("name", exc, name)
        if cell("notes"):
            try:
                check_chars(cell("notes"), "notes")
            except DomainError as exc:
                bad("notes", exc, cell("notes"))
        raw = cell("gender")
        gender = GENDERS.get(half_width(raw).lower(), "unknown" if not raw else None)
        if gender is None:
            bad("gender", DomainError("import.unknown_value", choices="男、女"), raw)
        raw, birth = cell("birth"), None
        if raw:
            value = half_width(raw)
            try:
                birth = int(value) if value.isdigit() and len(value) == 4 else parse_datetime(value).year
            except DomainError as exc:
                bad("birth", exc, raw)
        raw, phone = cell("phone"), None
        try:
            phone = normalise_phone(half_width(raw)) if raw else None
        except DomainError as exc:
            bad("phone", exc, raw)
        raw, id_number = cell("id_number"), None
        if raw and _SCIENTIFIC.fullmatch(half_width(raw)):
            bad("id_number", DomainError("import.scientific_number"), raw)
        elif raw:
            try:
                id_number = normalise_id_number(half_width(raw))
            except DomainError as exc:
                bad("id_number", exc, raw)
        if id_number:
            if id_number in ids_seen:
                bad("id_number", DomainError("import.duplicate_row", first=ids_seen[id_number]), raw)
            else:
                ids_seen[id_number] = rowno
        raw, household = cell("address"), None
        if raw:
            found = addresses.match(raw)
            if isinstance(found, Match):  # read approximately: a household is used, listed for review
                if kinds[found.place_id] == PlaceKind.household:
                    household = found.place_id
                    report.warnings.append(RowIssue(rowno, header[cols["address"]], raw, DomainError(
                        "import.address_approximate", place=addresses.path_text(found.place_id))))
                else:
                    bad("address", DomainError("import.not_a_household", place=names[found.place_id]), raw)
            elif not found:
                bad("address", DomainError("import.address_not_found"), raw)
            elif len(found) > 1:
                bad("address", DomainError("import.address_ambiguous",
                                           places="、".join(sorted(names[i] for i in found))), raw)
            elif kinds[next(iter(found))] != PlaceKind.household:
                bad("address", DomainError("import.not_a_household", place=names[next(iter(found))]), raw)
            else:
                household = next(iter(found))
        if checks is not None and (household is not None or not raw):
            try:
                checks.allowed("person.create", household)
            except DomainError as exc:
                bad("address" if "address" in cols else "name", exc, raw if "address" in cols else name)
        if progress is not None and rowno % 500 == 0:
            progress(rowno, len(table.rows))
        if issues:
            report.errors.extend(issues)
            continue
        planned.append(PlannedPerson(rowno, name, gender, birth, phone, id_number, household, cell("notes")))

    by_id = {i: pid for pid, i in session.execute(
        select(Person.id, Person.id_number).where(Person.id_number.in_([p.id_number for p in planned if p.id_number])))}
    phones = [p.phone for p in planned if p.phone and not p.id_number]
    by_name_phone = {(n, ph): pid for pid, n, ph in session.execute(
        select(Person.id, Person.name, Person.phone).where(Person.phone.in_(phones)))} if phones else {}
    for p in planned:
        p.existing_id = by_id.get(p.id_number) if p.id_number else by_name_phone.get((p.name, p.phone))
    report.planned = planned
    if progress is not None:
        progress(len(table.rows), len(table.rows))
    return report


def dry_run(db: Database, table: Table, actor: Actor | None = None, *, confirm_approximate: bool = False,
            progress: Callable[[int, int], None] | None = None) -> ImportReport:
    from gongzhi.core.importing.review import settle

    with db.read_session() as s:
        return settle(plan_people(s, table, actor, progress=progress), confirm_approximate=confirm_approximate)


def commit(db: Database, table: Table, actor: Actor, *, valid_only: bool = False,
           progress: Callable[[int, int], None] | None = None,
           cancel: Callable[[], bool] | None = None,
           rejected: dict[int, tuple[str, str, DomainError]] | None = None, batched: bool = True,
           confirm_approximate: bool = False, places: dict[int, int] | None = None,
           planning: Callable[[int, int], None] | None = None) -> ImportReport:
    """Write the register's new residents in one transaction (in batches:
    :func:`gongzhi.core.importing.batch.commit_people_batched`; ``batched=False``: each through
    :func:`gongzhi.core.services.people.create_person`). ``rejected``: rows the clerk refused on
    review, ``places`` the rows re-pointed to a household, ``confirm_approximate`` whether the
    approximate address matches left are confirmed (:func:`gongzhi.core.importing.review.settle`)."""
    from gongzhi.core.importing.review import settle

    with db.read_session() as s:
        report = settle(plan_people(s, table, actor, progress=planning), rejected=rejected, places=places,
                        confirm_approximate=confirm_approximate)
    if batched:
        from gongzhi.core.importing.batch import commit_people_batched

        return commit_people_batched(db, table, report, actor, valid_only=valid_only, progress=progress,
                                     cancel=cancel)

    def write(session: Session, p: PlannedPerson) -> None:
        if p.existing_id is not None:
            report.unchanged += 1
            return
        person = people_svc.create_person(
            session, actor=actor, name=p.name, gender=p.gender, birth_year=p.birth_year, phone=p.phone,
            id_number=p.id_number, household_id=p.household_id, notes=p.notes)
        audit(session, actor, "person.import", "person", person.id, None,
              {"file": table.path.name, "sha256": table.sha256, "row": p.row})
        session.commit()
        report.created += 1

    return run_import(db, table, report, valid_only, write, progress=progress, cancel=cancel)
