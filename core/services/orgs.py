"""Organisations and memberships. A person may hold several posts at once
(双向进入、交叉任职 is the norm, not an edge case); a post ends, it is never deleted."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import OrgKind, Role
from gongzhi.core.permissions import read_scope, requires
from gongzhi.core.services.base import Actor, audit, choice, require_text, snapshot, transaction
from gongzhi.core.services.people import get_person, home_of
from gongzhi.core.services.places import get_place
from gongzhi.core.services.places import in_scope as places_in_scope


def _get(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise DomainError("org.not_found", ref=org_id)
    return org


def place_of(session: Session, org_id: int) -> int | None:
    """The place an organisation belongs to (``None``: street-wide, a department)."""
    return _get(session, org_id).place_id


def _membership(session: Session, membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None:
        raise DomainError("membership.not_found", ref=membership_id)
    return membership


@requires("org.read", lambda s, a: place_of(s, a["org_id"]), read=True, above=True)
def get_organisation(session: Session, org_id: int, *, actor: Actor | None = None) -> Organisation:
    """One organisation; with an ``actor``, refused unless at a place it may read
    (its places and those above them) or street-wide."""
    return _get(session, org_id)


@requires("org.read", lambda s, a: _find(s, a["ref"]).place_id, read=True, above=True)
def find_organisation(session: Session, ref: str | int, *, actor: Actor | None = None) -> Organisation:
    """An organisation by id or unique name (see :func:`get_organisation`)."""
    return _find(session, ref)


def _find(session: Session, ref: str | int) -> Organisation:
    if isinstance(ref, int) or str(ref).isdigit():
        return _get(session, int(ref))
    rows = session.scalars(select(Organisation).where(Organisation.name == str(ref).strip()).limit(2)).all()
    if len(rows) != 1:
        raise DomainError("org.not_found", ref=ref)
    return rows[0]


@requires("org.manage", lambda s, a: a["place_id"])
def create_organisation(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    name: str,
    place_id: int | None = None,
    parent_id: int | None = None,
) -> Organisation:
    with transaction(session):
        kind_ = choice(OrgKind, kind, "kind")
        if place_id is not None:
            get_place(session, place_id)
        if parent_id is not None:
            get_organisation(session, parent_id)
        org = Organisation(
            kind=kind_.value,
            name=require_text(name, "name", max_len=100),
            place_id=place_id,
            parent_id=parent_id,
        )
        session.add(org)
        session.flush()
        audit(session, actor, "organisation.create", "organisation", org.id, None, snapshot(org))
    return org


@requires("org.manage", lambda s, a: place_of(s, a["organisation_id"]))
def add_membership(
    session: Session,
    *,
    actor: Actor,
    person_id: int,
    organisation_id: int,
    role: str,
    scope_place_id: int | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Membership:
    with transaction(session):
        person = get_person(session, person_id)
        org = get_organisation(session, organisation_id)
        role_ = choice(Role, role, "role")
        if scope_place_id is not None:
            get_place(session, scope_place_id)
        if start_date and end_date and end_date < start_date:
            raise DomainError("membership.invalid_dates")
        current = session.scalar(
            select(Membership).where(
                Membership.person_id == person_id,
                Membership.organisation_id == organisation_id,
                Membership.role == role_.value,
                Membership.scope_place_id.is_(None)
                if scope_place_id is None
                else Membership.scope_place_id == scope_place_id,
                or_(Membership.end_date.is_(None), Membership.end_date > date.today()),
            )
        )
        if current is not None:
            raise DomainError("membership.duplicate", person=person.name, org=org.name, role=role_.label("zh"),
                              role_en=role_.label("en"))
        membership = Membership(
            person_id=person_id,
            organisation_id=organisation_id,
            role=role_.value,
            scope_place_id=scope_place_id,
            start_date=start_date,
            end_date=end_date,
        )
        session.add(membership)
        session.flush()
        audit(session, actor, "membership.create", "membership", membership.id, None, snapshot(membership))
    return membership


@requires("org.manage", lambda s, a: place_of(s, _membership(s, a["membership_id"]).organisation_id))
def end_membership(session: Session, *, actor: Actor, membership_id: int, end_date: date | None = None) -> Membership:
    with transaction(session):
        membership = _membership(session, membership_id)
        if membership.end_date is not None and membership.end_date <= date.today():
            raise DomainError("membership.already_ended", date=membership.end_date.isoformat())
        end = end_date or date.today()
        if membership.start_date and end < membership.start_date:
            raise DomainError("membership.invalid_dates")
        before = snapshot(membership)
        membership.end_date = end
        session.flush()
        audit(session, actor, "membership.end", "membership", membership.id, before, snapshot(membership))
    return membership


@requires("person.read", lambda s, a: home_of(s, a["person_id"]), read=True)
def memberships_of(session: Session, person_id: int, *, current_only: bool = True,
                   actor: Actor | None = None) -> list[tuple[Membership, Organisation]]:
    """A person's posts (with an ``actor``: a person it may read)."""
    stmt = (
        select(Membership, Organisation)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.person_id == person_id)
    )
    if current_only:
        stmt = stmt.where(or_(Membership.end_date.is_(None), Membership.end_date > date.today()))
    return [(m, o) for m, o in session.execute(stmt.order_by(Organisation.kind, Organisation.name))]


@requires("org.read", lambda s, a: place_of(s, a["organisation_id"]), read=True, above=True)
def members_of(session: Session, organisation_id: int, *, current_only: bool = True,
               actor: Actor | None = None) -> list[Membership]:
    """An organisation's posts (with an ``actor``: an organisation it may read)."""
    stmt = select(Membership).where(Membership.organisation_id == organisation_id)
    if current_only:
        stmt = stmt.where(or_(Membership.end_date.is_(None), Membership.end_date > date.today()))
    return list(session.scalars(stmt.order_by(Membership.role, Membership.id)))


@requires("org.read", confine=True)
def organisations(session: Session, *, kind: str | None = None, actor: Actor | None = None) -> list[Organisation]:
    """Every organisation (of ``kind``); with an ``actor``, those at places it may read
    and the street-wide ones."""
    stmt = select(Organisation)
    scope = read_scope(session, actor, "org.read")
    if scope is not None:
        stmt = stmt.where(or_(Organisation.place_id.is_(None),
                              Organisation.place_id.in_(select(Place.id).where(places_in_scope(scope)))))
    if kind:
        stmt = stmt.where(Organisation.kind == choice(OrgKind, kind, "kind").value)
    return list(session.scalars(stmt.order_by(Organisation.kind, Organisation.name)))
