"""People: add, edit, find (name, pinyin, phone tail), and reveal personal data.

Phone and ID numbers leave this module masked (138****5678) unless a caller asks
:func:`reveal_person` for one record, which is audited. Care tags are sensitive:
they appear only in :func:`person_detail` with ``include_care_tags=True``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, delete, or_, select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.people import Person, PersonCareTag
from gongzhi.core.models.places import Place
from gongzhi.core.models.types import utcnow
from gongzhi.core.models.vocab import CareTag, Gender, PlaceKind
from gongzhi.core.permissions import Scope, check, check_any, read_scope, requires
from gongzhi.core.pinyin import normalise_query, search_keys
from gongzhi.core.services.base import (
    Actor,
    audit,
    choice,
    escape_like,
    optional_text,
    require_text,
    snapshot,
    text_match,
    transaction,
)
from gongzhi.core.validation import mask_id_number, mask_phone, normalise_id_number, normalise_phone

_PRIVATE = ("phone", "id_number", "search_keys")


def _audit_view(person: Person) -> dict[str, Any]:
    """What the audit log keeps of a person: personal numbers masked."""
    data = snapshot(person, exclude=_PRIVATE) or {}
    data["phone"] = mask_phone(person.phone)
    data["id_number"] = mask_id_number(person.id_number)
    return data


def _get(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise DomainError("person.not_found", ref=person_id)
    return person


def home_of(session: Session, person_id: int) -> int | None:
    """Where a person lives (their household), the place their data belongs to."""
    return _get(session, person_id).household_id


@requires("person.read", lambda s, a: home_of(s, a["person_id"]), read=True)
def get_person(session: Session, person_id: int, *, actor: Actor | None = None) -> Person:
    """One person; with an ``actor``, refused outside the actor's places (a person
    without a household is street-wide)."""
    return _get(session, person_id)


def in_scope(scope: Scope):
    """People the scope may read: at a household inside it, or at none (street-wide)."""
    places = [Place.community_id.in_(scope.communities)] if scope.communities else []
    places += [Place.path.startswith(path, autoescape=True) for _id, path, _c in scope.below]
    return or_(Person.household_id.is_(None), Person.household_id.in_(select(Place.id).where(or_(*places))))


def _birth_year(value: int | None) -> int | None:
    if value is None:
        return None
    if not 1900 <= int(value) <= date.today().year:
        raise DomainError("person.invalid_birth_year", value=value)
    return int(value)


def _household(session: Session, household_id: int | None) -> int | None:
    if household_id is None:
        return None
    place = session.get(Place, household_id)
    if place is None:
        raise DomainError("place.not_found", ref=household_id)
    if place.kind != PlaceKind.household:
        raise DomainError("person.household_required")
    return place.id


def _care_tags(tags: list[str] | None) -> list[str]:
    out: list[str] = []
    for tag in tags or []:
        try:
            value = CareTag(tag).value
        except ValueError:
            raise DomainError(
                "person.invalid_care_tag", value=tag, choices=", ".join(t.value for t in CareTag)
            ) from None
        if value not in out:
            out.append(value)
    return out


def _unique_id_number(session: Session, id_number: str | None, person_id: int | None) -> None:
    if id_number is None:
        return
    other = session.scalar(select(Person).where(Person.id_number == id_number))
    if other is not None and other.id != person_id:
        raise DomainError("person.duplicate_id_number", name=other.name)


@requires("person.create", lambda s, a: a["household_id"])
def create_person(
    session: Session,
    *,
    actor: Actor,
    name: str,
    gender: str = "unknown",
    birth_year: int | None = None,
    phone: str | None = None,
    id_number: str | None = None,
    household_id: int | None = None,
    care_tags: list[str] | None = None,
    notes: str = "",
) -> Person:
    with transaction(session):
        if care_tags:  # sensitive: only who may see them may set them
            check(session, actor, "person.care_tags", household_id)
        name = require_text(name, "name", max_len=50)
        phone_ = normalise_phone(phone)
        id_ = normalise_id_number(id_number)
        _unique_id_number(session, id_, None)
        person = Person(
            name=name,
            gender=choice(Gender, gender, "gender").value,
            birth_year=_birth_year(birth_year),
            phone=phone_,
            phone_tail=phone_[-4:] if phone_ else None,
            id_number=id_,
            household_id=_household(session, household_id),
            notes=optional_text(notes, "notes", max_len=2000),
            search_keys=search_keys(name),
        )
        session.add(person)
        session.flush()
        tags = _care_tags(care_tags)
        for tag in tags:
            session.add(PersonCareTag(person_id=person.id, tag=tag))
        after = _audit_view(person) | {"care_tags": tags}
        audit(session, actor, "person.create", "person", person.id, None, after)
    return person


_UNSET: Any = object()


@requires("person.update", lambda s, a: home_of(s, a["person_id"]))
def update_person(
    session: Session,
    *,
    actor: Actor,
    person_id: int,
    name: str | None = None,
    gender: str | None = None,
    birth_year: int | None = _UNSET,
    phone: str | None = _UNSET,
    id_number: str | None = _UNSET,
    household_id: int | None = _UNSET,
    care_tags: list[str] | None = _UNSET,
    notes: str | None = None,
) -> Person:
    """Change the given fields; the pinyin search keys follow the name."""
    with transaction(session):
        person = _get(session, person_id)
        if household_id is not _UNSET:  # moving someone needs the right on both homes
            check(session, actor, "person.update", household_id)
        before = _audit_view(person) | {"care_tags": care_tags_of(session, person_id)}
        if name is not None:
            person.name = require_text(name, "name", max_len=50)
            person.search_keys = search_keys(person.name)
        if gender is not None:
            person.gender = choice(Gender, gender, "gender").value
        if birth_year is not _UNSET:
            person.birth_year = _birth_year(birth_year)
        if phone is not _UNSET:
            person.phone = normalise_phone(phone)
            person.phone_tail = person.phone[-4:] if person.phone else None
        if id_number is not _UNSET:
            id_ = normalise_id_number(id_number)
            _unique_id_number(session, id_, person.id)
            person.id_number = id_
        if household_id is not _UNSET:
            person.household_id = _household(session, household_id)
        if notes is not None:
            person.notes = optional_text(notes, "notes", max_len=2000)
        tags = before["care_tags"]
        if care_tags is not _UNSET:
            tags = _care_tags(care_tags)
            if sorted(tags) != sorted(before["care_tags"]):  # sensitive: only who may see them may change them
                check(session, actor, "person.care_tags", person.household_id)
            session.execute(delete(PersonCareTag).where(PersonCareTag.person_id == person.id))
            for tag in tags:
                session.add(PersonCareTag(person_id=person.id, tag=tag))
        person.updated_at = utcnow()
        session.flush()
        audit(session, actor, "person.update", "person", person.id, before, _audit_view(person) | {"care_tags": tags})
    return person


def care_tags_of(session: Session, person_id: int) -> list[str]:
    return list(
        session.scalars(
            select(PersonCareTag.tag).where(PersonCareTag.person_id == person_id).order_by(PersonCareTag.tag)
        )
    )


@dataclass
class Revealed:
    phone: str | None
    id_number: str | None


@requires("person.reveal", lambda s, a: home_of(s, a["person_id"]))
def reveal_person(session: Session, *, actor: Actor, person_id: int, reason: str = "") -> Revealed:
    """The unmasked phone and ID number of one person; the reveal itself is audited and
    needs a reason (a missing or blank one is refused, nothing written)."""
    with transaction(session):
        person = _get(session, person_id)
        if not (reason or "").strip():
            raise DomainError("person.reveal_reason_required")
        audit(
            session,
            actor,
            "person.reveal",
            "person",
            person.id,
            None,
            {"fields": ["phone", "id_number"], "reason": optional_text(reason, "reason", max_len=200)},
        )
    return Revealed(phone=person.phone, id_number=person.id_number)


@requires("person.care_tags", lambda s, a: home_of(s, a["person_id"]))
def view_care_tags(session: Session, *, actor: Actor, person_id: int) -> list[str]:
    """A person's care tags (sensitive); the viewing itself is audited."""
    with transaction(session):
        person = _get(session, person_id)
        tags = care_tags_of(session, person.id)
        audit(session, actor, "person.view_care_tags", "person", person.id, None, {"fields": ["care_tags"]})
    return tags


def person_row(person: Person) -> dict[str, Any]:
    """A person as listings and exports show them: personal numbers masked."""
    return {
        "id": person.id,
        "name": person.name,
        "gender": person.gender,
        "birth_year": person.birth_year,
        "phone": mask_phone(person.phone),
        "id_number": mask_id_number(person.id_number),
        "household_id": person.household_id,
    }


@requires("person.read", confine=True)
def find_people(session: Session, query: str, *, limit: int = 50, actor: Actor | None = None) -> list[Person]:
    """People whose name, pinyin (initials or full, any surname reading) or phone matches.

    Four digits search the phone tail; eleven digits the whole phone number, only for
    roles that handle calls (``person.find_by_phone``) when an ``actor`` is given.
    Exact names come first, then names that start with the query, then the rest.
    With an ``actor``, only the people of its places (and those without a household).
    """
    text = (query or "").strip()
    if not text:
        return []
    digits = text.replace(" ", "").replace("-", "")
    stmt = select(Person)
    scope = read_scope(session, actor, "person.read")
    if scope is not None:
        stmt = stmt.where(in_scope(scope))
    if digits.isdigit() and len(digits) == 4:
        stmt = stmt.where(Person.phone_tail == digits).order_by(Person.name, Person.id)
    elif digits.isdigit() and len(digits) == 11:
        if actor is not None:
            check_any(session, actor, "person.find_by_phone")
        stmt = stmt.where(Person.phone == digits).order_by(Person.name, Person.id)
    else:
        key = normalise_query(text)
        like = f"%{escape_like(text)}%"
        conditions = [text_match(session, Person.name, like)]
        if key and key.isascii():
            conditions.append(Person.search_keys.like(f"%|{escape_like(key)}%", escape="\\"))
        rank = case(
            (Person.name == text, 0),
            (Person.name.like(f"{escape_like(text)}%", escape="\\"), 1),
            else_=2,
        )
        stmt = stmt.where(or_(*conditions)).order_by(rank, Person.name, Person.id)
    return list(session.scalars(stmt.limit(limit)))

