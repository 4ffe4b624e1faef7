"""Places: create, update, move and (only when empty) delete nodes of the tree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import String, case, func, literal, or_, select, update
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.vocab import PLACE_PARENTS, HousingType, PlaceKind, PoiKind
from gongzhi.core.permissions import Scope, check, read_scope, requires
from gongzhi.core.pinyin import normalise_query, place_search_keys
from gongzhi.core.services.base import (
    Actor,
    audit,
    choice,
    escape_like,
    optional_text,
    require_text,
    snapshot,
    transaction,
)


def _get(session: Session, place_id: int) -> Place:
    place = session.get(Place, place_id)
    if place is None:
        raise DomainError("place.not_found", ref=place_id)
    return place


@requires("place.read", lambda s, a: a["place_id"], read=True, above=True)
def get_place(session: Session, place_id: int, *, actor: Actor | None = None) -> Place:
    """One place; with an ``actor``, refused unless inside its places or on the way to
    them (the street above a community is read; a neighbouring community is not)."""
    return _get(session, place_id)


def in_scope(scope: Scope):
    """The places a scope may read: inside it, or above it (the way to its places)."""
    inside = [Place.community_id.in_(scope.communities)] if scope.communities else []
    inside += [Place.path.startswith(path, autoescape=True) for _id, path, _c in scope.below]
    return or_(*inside, Place.id.in_(scope.above))


@requires("place.read", confine=True)
def search_places(session: Session, query: str, *, kinds: Sequence[str] = (), limit: int = 20,
                  actor: Actor | None = None) -> list[Place]:
    """Places whose name contains ``query``, whose code is ``query``, or whose name's
    pinyin keys start with it (``ryy`` → 荣雅园, ``rongya`` → 荣雅园社区). An exact name
    comes first, then higher levels of the tree (a community before its compounds).
    With an ``actor``, only the places it may read."""
    text = query.strip()
    if not text:
        return []
    conditions = [Place.name.like(f"%{escape_like(text)}%", escape="\\"), Place.code == text]
    key = normalise_query(text)
    if key.isascii() and key:
        conditions.append(Place.search_keys.like(f"%|{escape_like(key)}%", escape="\\"))
    stmt = select(Place).where(or_(*conditions))
    scope = read_scope(session, actor, "place.read")
    if scope is not None:
        stmt = stmt.where(in_scope(scope))
    if kinds:
        stmt = stmt.where(Place.kind.in_(list(kinds)))
    level = case({k.value: i for i, k in enumerate(PlaceKind)}, value=Place.kind, else_=99)
    exact = case((Place.name == text, 0), else_=1)
    return list(session.scalars(stmt.order_by(exact, level, Place.name, Place.id).limit(limit)).all())


@requires("place.read", lambda s, a: _find(s, a["ref"]).id, read=True, above=True)
def find_place(session: Session, ref: str | int, *, actor: Actor | None = None) -> Place:
    """A place by id, or by a unique name (or a ``/``-separated name path from the top);
    with an ``actor``, refused unless it may read it (see :func:`get_place`)."""
    return _find(session, ref)


def _find(session: Session, ref: str | int) -> Place:
    if isinstance(ref, int) or str(ref).isdigit():
        return _get(session, int(ref))
    text = str(ref).strip()
    parts = [p for p in text.split("/") if p]
    if not parts:
        raise DomainError("place.not_found", ref=ref)
    if len(parts) == 1:
        rows = session.scalars(select(Place).where(Place.name == parts[0]).limit(2)).all()
        if len(rows) != 1:
            raise DomainError("place.not_found", ref=ref)
        return rows[0]
    parent_id: int | None = None
    place = None
    for i, name in enumerate(parts):
        stmt = select(Place).where(Place.name == name)
        stmt = stmt.where(Place.parent_id.is_(None)) if i == 0 else stmt.where(Place.parent_id == parent_id)
        rows = session.scalars(stmt.limit(2)).all()
        if len(rows) != 1:
            raise DomainError("place.not_found", ref=ref)
        place = rows[0]
        parent_id = place.id
    assert place is not None
    return place


def _check_parent(kind: PlaceKind, parent: Place | None) -> None:
    allowed = PLACE_PARENTS[kind]
    parent_kind = PlaceKind(parent.kind) if parent is not None else None
    if parent_kind not in allowed:
        raise DomainError(
            "place.invalid_parent",
            kind=kind.label("zh"),
            kind_en=kind.label("en"),
            parent_kind=parent_kind.label("zh") if parent_kind else "顶层",
            parent_kind_en=parent_kind.label("en") if parent_kind else "top level",
        )


def _unique_sibling(session: Session, kind: PlaceKind, name: str, parent: Place | None, own_id: int | None) -> None:
    """Sibling names are unique per kind (the database enforces it below a parent):
    refuse with a domain error instead of failing on the constraint."""
    stmt = select(Place.id).where(
        Place.kind == kind.value,
        Place.name == name,
        Place.parent_id.is_(None) if parent is None else Place.parent_id == parent.id,
    )
    if own_id is not None:
        stmt = stmt.where(Place.id != own_id)
    if session.scalar(stmt.limit(1)) is not None:
        raise DomainError(
            "place.duplicate_name",
            name=name,
            kind=kind.label("zh"),
            kind_en=kind.label("en"),
            parent=parent.name if parent is not None else "顶层",
            parent_en=parent.name if parent is not None else "the top level",
        )


def _community_of(kind: PlaceKind, parent: Place | None, own_id: int | None) -> int | None:
    if kind == PlaceKind.community:
        return own_id
    return parent.community_id if parent is not None else None


@requires("place.manage", lambda s, a: a["parent_id"])
def create_place(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    name: str,
    parent_id: int | None = None,
    code: str | None = None,
    housing_type: str | None = None,
    floor_from: int | None = None,
    floor_to: int | None = None,
    poi_kind: str | None = None,
    notes: str = "",
) -> Place:
    with transaction(session):
        kind_ = choice(PlaceKind, kind, "kind")
        name = require_text(name, "name", max_len=100)
        parent = get_place(session, parent_id) if parent_id is not None else None
        _check_parent(kind_, parent)
        _unique_sibling(session, kind_, name, parent, None)
        housing = _housing(kind_, housing_type)
        floors = _floors(kind_, floor_from, floor_to)
        poi = choice(PoiKind, poi_kind or "other", "poi_kind").value if kind_ == PlaceKind.poi else None
        place = Place(
            kind=kind_.value,
            name=name,
            code=optional_text(code, "code", max_len=40) or None,
            parent_id=parent.id if parent else None,
            housing_type=housing,
            floor_from=floors[0],
            floor_to=floors[1],
            poi_kind=poi,
            notes=optional_text(notes, "notes", max_len=1000),
            search_keys=place_search_keys(name),
        )
        session.add(place)
        session.flush()
        place.path = f"{parent.path if parent else '/'}{place.id}/"
        place.community_id = _community_of(kind_, parent, place.id)
        session.flush()
        audit(session, actor, "place.create", "place", place.id, None, snapshot(place))
    return place


def _housing(kind: PlaceKind, housing_type: str | None) -> str | None:
    if not housing_type:
        return None
    if kind not in (PlaceKind.compound, PlaceKind.building):
        raise DomainError("place.housing_type_not_allowed")
    return choice(HousingType, housing_type, "housing_type").value


def _floors(kind: PlaceKind, floor_from: int | None, floor_to: int | None) -> tuple[int | None, int | None]:
    if floor_from is None and floor_to is None:
        return None, None
    if (
        floor_from is None
        or floor_to is None
        or floor_from < -5
        or floor_to < floor_from
        or floor_to > 200
    ):
        raise DomainError("place.invalid_floors", floor_from=floor_from, floor_to=floor_to)
    return floor_from, floor_to


_UNSET = object()


@requires("place.manage", lambda s, a: a["place_id"])
def update_place(
    session: Session,
    *,
    actor: Actor,
    place_id: int,
    name: str | None = None,
    code: str | None | object = _UNSET,
    housing_type: str | None | object = _UNSET,
    floor_from: int | None | object = _UNSET,
    floor_to: int | None | object = _UNSET,
    notes: str | None = None,
) -> Place:
    with transaction(session):
        place = get_place(session, place_id)
        before = snapshot(place)
        kind = PlaceKind(place.kind)
        if name is not None:
            new_name = require_text(name, "name", max_len=100)
            parent = get_place(session, place.parent_id) if place.parent_id is not None else None
            _unique_sibling(session, kind, new_name, parent, place.id)
            place.name = new_name
            place.search_keys = place_search_keys(new_name)
        if code is not _UNSET:
            place.code = optional_text(code, "code", max_len=40) or None  # type: ignore[arg-type]
        if housing_type is not _UNSET:
            place.housing_type = _housing(kind, housing_type)  # type: ignore[arg-type]
        if floor_from is not _UNSET or floor_to is not _UNSET:
            new_from = place.floor_from if floor_from is _UNSET else floor_from
            new_to = place.floor_to if floor_to is _UNSET else floor_to
            place.floor_from, place.floor_to = _floors(kind, new_from, new_to)  # type: ignore[arg-type]
        if notes is not None:
            place.notes = optional_text(notes, "notes", max_len=1000)
        session.flush()
        audit(session, actor, "place.update", "place", place.id, before, snapshot(place))
    return place


@requires("place.manage", lambda s, a: a["place_id"])
def move_place(session: Session, *, actor: Actor, place_id: int, new_parent_id: int) -> Place:
    """Hang a node (and its subtree) under another parent; its records stay attached."""
    with transaction(session):
        place = get_place(session, place_id)
        parent = get_place(session, new_parent_id)
        check(session, actor, "place.manage", parent.id)  # and on where it goes
        if parent.path.startswith(place.path):
            raise DomainError("place.cycle")
        kind = PlaceKind(place.kind)
        _check_parent(kind, parent)
        _unique_sibling(session, kind, place.name, parent, place.id)
        before = snapshot(place)
        old_path, new_path = place.path, f"{parent.path}{place.id}/"
        old_community = place.community_id
        new_community = _community_of(kind, parent, place.id)
        place.parent_id = parent.id
        session.flush()
        # rewrite the subtree's paths (and community) in one statement each
        session.execute(
            update(Place)
            .where(Place.path.startswith(old_path, autoescape=True))
            .values(path=literal(new_path, String) + func.substr(Place.path, len(old_path) + 1))
            .execution_options(synchronize_session=False)
        )
        if old_community != new_community and kind != PlaceKind.community:
            session.execute(
                update(Place)
                .where(Place.path.startswith(new_path, autoescape=True))
                .values(community_id=new_community)
                .execution_options(synchronize_session=False)
            )
        # reload the moved subtree's nodes this session holds; expire_all() would also
        # expire the caller's unrelated objects, unusable once the session is closed
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Place) and (obj.__dict__.get("path") or "").startswith(old_path):
                session.refresh(obj)
        place = get_place(session, place_id)
        audit(session, actor, "place.move", "place", place.id, before, snapshot(place))
    return place


@dataclass
class PlaceRecords:
    """What still points at a place (children and records), for delete checks."""

    children: int = 0
    records: dict[str, int] = field(default_factory=dict)


def place_records(session: Session, place_id: int) -> PlaceRecords:
    out = PlaceRecords()
    out.children = session.scalar(select(func.count()).where(Place.parent_id == place_id)) or 0
    checks = {
        "requests": select(func.count()).where(Request.place_id == place_id),
        "people": select(func.count()).where(Person.household_id == place_id),
        "organisations": select(func.count()).where(Organisation.place_id == place_id),
        "memberships": select(func.count()).where(Membership.scope_place_id == place_id),
    }
    for label, stmt in checks.items():
        n = session.scalar(stmt) or 0
        if n:
            out.records[label] = n
    return out


_RECORD_LABELS = {"requests": "诉求", "people": "居民", "organisations": "组织", "memberships": "任职"}


@requires("place.manage", lambda s, a: a["place_id"])
def delete_place(session: Session, *, actor: Actor, place_id: int) -> None:
    """Delete an empty node: one with no children and no records pointing at it."""
    with transaction(session):
        place = get_place(session, place_id)
        found = place_records(session, place_id)
        if found.children:
            raise DomainError("place.has_children", name=place.name, count=found.children)
        if found.records:
            raise DomainError(
                "place.has_records",
                name=place.name,
                what="、".join(f"{_RECORD_LABELS[k]} {v}" for k, v in found.records.items()),
                what_en=", ".join(f"{v} {k}" for k, v in found.records.items()),
            )
        before = snapshot(place)
        session.delete(place)
        session.flush()
        audit(session, actor, "place.delete", "place", place_id, before, None)


@requires("place.read", confine=True)
def children(session: Session, parent_id: int | None, *, actor: Actor | None = None) -> list[Place]:
    """The nodes right below ``parent_id`` (the top ones for ``None``); with an
    ``actor``, those it may read."""
    stmt = select(Place).where(
        Place.parent_id.is_(None) if parent_id is None else Place.parent_id == parent_id
    )
    scope = read_scope(session, actor, "place.read")
    if scope is not None:
        stmt = stmt.where(in_scope(scope))
    return list(session.scalars(stmt.order_by(Place.kind, Place.name)).all())


def ancestors(session: Session, place: Place) -> list[Place]:
    """The chain from the top down to ``place`` (inclusive)."""
    ids = [int(x) for x in place.path.strip("/").split("/") if x]
    rows = {p.id: p for p in session.scalars(select(Place).where(Place.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def full_name(session: Session, place: Place) -> str:
    return " / ".join(p.name for p in ancestors(session, place))


@requires("place.read", confine=True)
def subtree(session: Session, place: Place, *, max_depth: int | None = None,
            actor: Actor | None = None) -> list[Place]:
    """The node and everything below it, ordered by path (depth-first); with an
    ``actor``, what of it the actor may read."""
    stmt = select(Place).where(Place.path.startswith(place.path, autoescape=True))
    scope = read_scope(session, actor, "place.read")
    if scope is not None:
        stmt = stmt.where(in_scope(scope))
    rows = list(session.scalars(stmt).all())
    base_depth = place.path.count("/")
    if max_depth is not None:
        rows = [r for r in rows if r.path.count("/") - base_depth <= max_depth]
    return rows
