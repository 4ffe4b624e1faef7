"""The joint meeting's writes and reads (红色物业联席会议), and the micro-service log.

Every write is one service call: validate, write, audit, commit — then, outside
the transaction, plugin events. Bad input raises a :class:`DomainError`
(``redprop.*``, see :mod:`.errors`) and writes nothing.

Services take keyword arguments only (``session`` first), the acting operator as
``actor`` and ids (the CLI and the screens turn names into ids). Times are
timezone-aware (``at=`` defaults to now, so records can be backdated); dates
(deadlines, "the meeting date") are calendar days in Asia/Shanghai.

The life of a meeting: ``create_meeting`` (draft; its required bodies default to
the community party organisation, the residents' committee, the owners'
committee and the property company of its area) → ``check_in`` people for the
body they stand for → ``quorum`` says which bodies are present or missing →
``open_meeting`` → agenda (``add_agenda_item``, ``candidate_requests``; the
follow-up of earlier action items, ``follow_ups``, comes first by itself) →
``add_resolution`` (each makes its action item) → ``close_meeting``, which
freezes the record; corrections are ``add_addendum``. Action items live on:
``start_action``, ``add_progress``, ``complete_action`` (which resolves a linked
request through the core's request service), ``drop_action``.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person, PersonCareTag
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory
from gongzhi.core.models.types import local, utcnow
from gongzhi.core.models.vocab import OPEN_STATUSES, TRANSITIONS, OrgKind, PlaceKind, Status
from gongzhi.core.plugins import fire_plugin_event
from gongzhi.core.services.base import (
    Actor,
    audit,
    check_chars,
    fact_time,
    snapshot,
    transaction,
    when,
)
from gongzhi.core.services.orgs import get_organisation
from gongzhi.core.services.people import get_person
from gongzhi.core.services.places import get_place
from gongzhi.core.services.requests import add_note, get_request, transition
from gongzhi.plugins.red_property import errors as _errors  # noqa: F401  (registers the redprop.* messages)
from gongzhi.plugins.red_property.models import (
    FINISHED,
    UNFINISHED,
    ActionItem,
    ActionNote,
    ActionStatus,
    Addendum,
    AgendaItem,
    Attendance,
    Decision,
    FollowUp,
    Meeting,
    MeetingBody,
    MeetingKind,
    MeetingStatus,
    PropertyService,
    Resolution,
    ResolutionVote,
    ServiceKind,
    ServiceStatus,
)

log = logging.getLogger(__name__)

SOURCE = "red_property"  # the source of timeline notes and plugin events

# the four bodies of the joint meeting, in the order the minutes list them
DEFAULT_BODY_KINDS: tuple[OrgKind, ...] = (
    OrgKind.party_committee,
    OrgKind.residents_committee,
    OrgKind.owners_committee,
    OrgKind.property_company,
)
# request categories whose open requests the meeting may take up: the plugin's own
# (plugin.CATEGORIES) and the core's 物业服务
PROPERTY_CATEGORY_CODES: tuple[str, ...] = (
    "repair", "sanitation", "parking", "elevator", "safety_hazard", "property_service",
)
TEXT_MAX = 4000
NOTE_MAX = 1000


# -- small helpers ------------------------------------------------------------------


def today() -> date:
    """Today in Asia/Shanghai (deadlines and "overdue" are counted in local days)."""
    return local(utcnow()).date()


def meeting_date(meeting: Meeting) -> date:
    """The local calendar day of the meeting."""
    return local(meeting.held_at).date()


def _path_ids(place: Place) -> list[int]:
    return [int(x) for x in place.path.strip("/").split("/") if x]


def _under(place: Place):
    """Places at or below ``place`` (its subtree, by materialised path)."""
    return select(Place.id).where(Place.path.startswith(place.path, autoescape=True))


def _member_on(session: Session, person_id: int, organisation_id: int, day: date) -> Membership | None:
    """A post the person held in the organisation on ``day`` (the earliest started, if several)."""
    return session.scalar(
        select(Membership)
        .where(
            Membership.person_id == person_id,
            Membership.organisation_id == organisation_id,
            or_(Membership.start_date.is_(None), Membership.start_date <= day),
            or_(Membership.end_date.is_(None), Membership.end_date > day),
        )
        .order_by(Membership.id)
        .limit(1)
    )


def _closed_error(session: Session, meeting: Meeting) -> DomainError:
    return DomainError("redprop.meeting_closed", ref=meeting_label(session, meeting))


def _editable(session: Session, meeting: Meeting) -> None:
    """Draft and open meetings take changes; a closed one is frozen (addenda only)."""
    if meeting.status == MeetingStatus.closed:
        raise _closed_error(session, meeting)


def _require_open(session: Session, meeting: Meeting, what: tuple[str, str]) -> None:
    _editable(session, meeting)
    if meeting.status != MeetingStatus.open:
        status = MeetingStatus(meeting.status)
        raise DomainError("redprop.meeting_not_open", ref=meeting_label(session, meeting), status=status.label("zh"),
                          status_en=status.label("en"), what=what[0], what_en=what[1])


def _may(session: Session, actor: Actor, permission: str, place_id: int) -> None:
    """The plugin's declared permission (plugin.register_permissions) on the meeting's or
    the micro-service's place, checked before anything is written: a secretary granted on
    a community may act on its compounds' meetings, not on another community's. An actor
    without grants (a database without operator accounts, the demo, scripts) holds them all."""
    if actor.grants is None:
        return
    from gongzhi.core.permissions import check, registry

    if permission not in registry():  # the host declares them on load; a bare import here
        from gongzhi.core.permissions import declare
        from gongzhi.plugins.red_property import plugin

        plugin.register_permissions(lambda n, zh, en, roles=(): declare(n, zh, en, roles, source=plugin.NAME))
    check(session, actor, permission, place_id)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


# text fields on one line (no line breaks or tabs either)
ONE_LINE = frozenset({"title", "location", "refers_to", "kind", "status", "decided_by"})
# the fields this plugin names in its input errors, as the user sees them
FIELDS: dict[str, tuple[str, str]] = {
    "title": ("标题", "title"),
    "text": ("决议内容", "resolution text"),
    "addendum": ("补记内容", "addendum text"),
    "description": ("说明", "description"),
    "location": ("会议地点", "location"),
    "discussion": ("讨论情况", "discussion notes"),
    "refers_to": ("更正对象", "what it corrects"),
    "note": ("进展说明", "note"),
    "reason": ("原因", "reason"),
    "result": ("服务结果", "result"),
    "kind": ("类型", "kind"),
    "status": ("状态", "status"),
    "decided_by": ("决议方式", "how it was decided"),
}


def _text(value: str | None, field: str, *, max_len: int, required: bool = False) -> str:
    """Trimmed text, checked for presence and length, with bilingual field names."""
    zh, en = FIELDS[field]
    text = (value or "").strip()
    try:
        check_chars(text, field, line=field in ONE_LINE)
    except DomainError as e:
        if e.code != "input.control_chars":
            raise  # undecodable bytes: the core's own message
        one_line = field in ONE_LINE
        raise DomainError("redprop.control_chars", field=zh, field_en=en, line="或换行" if one_line else "",
                          line_en=" or line breaks" if one_line else "") from None
    if required and not text:
        raise DomainError("redprop.required", field=zh, field_en=en)
    if len(text) > max_len:
        raise DomainError("redprop.too_long", field=zh, field_en=en, max=max_len, length=len(text))
    return text


def pick(enum, value, field: str):
    """A vocabulary member, or a bilingual error listing the choices."""
    try:
        return enum(value)
    except ValueError:
        zh, en = FIELDS[field]
        raise DomainError("redprop.invalid_choice", field=zh, field_en=en, value=value,
                          choices=", ".join(m.value for m in enum)) from None


# -- lookups ------------------------------------------------------------------------


def get_meeting(session: Session, meeting_id: int) -> Meeting:
    m = session.get(Meeting, meeting_id)
    if m is None:
        raise DomainError("redprop.meeting_not_found", ref=meeting_id)
    return m


def get_agenda_item(session: Session, agenda_item_id: int) -> AgendaItem:
    a = session.get(AgendaItem, agenda_item_id)
    if a is None:
        raise DomainError("redprop.agenda_item_not_found", ref=agenda_item_id)
    return a


def get_resolution(session: Session, resolution_id: int) -> Resolution:
    r = session.get(Resolution, resolution_id)
    if r is None:
        raise DomainError("redprop.resolution_not_found", ref=resolution_id)
    return r


def get_action_item(session: Session, action_item_id: int) -> ActionItem:
    a = session.get(ActionItem, action_item_id)
    if a is None:
        raise DomainError("redprop.action_not_found", ref=action_item_id)
    return a


def get_service(session: Session, service_id: int) -> PropertyService:
    s = session.get(PropertyService, service_id)
    if s is None:
        raise DomainError("redprop.service_not_found", ref=service_id)
    return s


def meeting_label(session: Session, meeting: Meeting, lang: str = "zh") -> str:
    """How the meeting is named in notes and errors: its title, or
    "2026-03-05 荣雅园红色物业联席会议" / "joint meeting of 荣雅园, 2026-03-05"."""
    if meeting.title:
        return meeting.title
    place = session.get(Place, meeting.place_id)
    name = place.name if place is not None else str(meeting.place_id)
    day = meeting_date(meeting).isoformat()
    return f"joint meeting of {name}, {day}" if lang == "en" else f"{day} {name}红色物业联席会议"


def list_meetings(
    session: Session,
    *,
    place_id: int | None = None,
    status: str | None = None,
    year: int | None = None,
    limit: int = 500,
) -> list[Meeting]:
    """Meetings, newest first; ``place_id`` takes that place and everything below it
    (a community lists its compounds' meetings too); ``year`` is the local year."""
    stmt = select(Meeting)
    if place_id is not None:
        stmt = stmt.where(Meeting.place_id.in_(_under(get_place(session, place_id))))
    if status is not None:
        stmt = stmt.where(Meeting.status == pick(MeetingStatus, status, "status").value)
    rows = list(session.scalars(stmt.order_by(Meeting.held_at.desc(), Meeting.id.desc())))
    if year is not None:
        rows = [m for m in rows if meeting_date(m).year == year]
    return rows[:limit]


def bodies_of(session: Session, meeting_id: int) -> list[Organisation]:
    """The meeting's required bodies, in order."""
    return list(session.scalars(
        select(Organisation).join(MeetingBody, MeetingBody.organisation_id == Organisation.id)
        .where(MeetingBody.meeting_id == meeting_id).order_by(MeetingBody.seq, MeetingBody.id)))


def attendance_of(session: Session, meeting_id: int) -> list[Attendance]:
    return list(session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id)
                                .order_by(Attendance.checked_in_at, Attendance.id)))


def agenda_items_of(session: Session, meeting_id: int) -> list[AgendaItem]:
    return list(session.scalars(select(AgendaItem).where(AgendaItem.meeting_id == meeting_id)
                                .order_by(AgendaItem.seq)))


def resolutions_of(session: Session, meeting_id: int, *, agenda_item_id: int | None = None) -> list[Resolution]:
    stmt = select(Resolution).where(Resolution.meeting_id == meeting_id)
    if agenda_item_id is not None:
        stmt = stmt.where(Resolution.agenda_item_id == agenda_item_id)
    return list(session.scalars(stmt.order_by(Resolution.seq)))


def votes_of(session: Session, resolution_id: int) -> list[ResolutionVote]:
    return list(session.scalars(select(ResolutionVote).where(ResolutionVote.resolution_id == resolution_id)
                                .order_by(ResolutionVote.id)))


def action_items_of(session: Session, *, meeting_id: int | None = None,
                    resolution_id: int | None = None) -> list[ActionItem]:
    """The action items a meeting (or one resolution) gave rise to."""
    stmt = select(ActionItem)
    if meeting_id is not None:
        stmt = stmt.where(ActionItem.meeting_id == meeting_id)
    if resolution_id is not None:
        stmt = stmt.where(ActionItem.resolution_id == resolution_id)
    return list(session.scalars(stmt.order_by(ActionItem.id)))


def action_notes(session: Session, action_item_id: int) -> list[ActionNote]:
    return list(session.scalars(select(ActionNote).where(ActionNote.action_item_id == action_item_id)
                                .order_by(ActionNote.at, ActionNote.id)))


def addenda_of(session: Session, meeting_id: int) -> list[Addendum]:
    return list(session.scalars(select(Addendum).where(Addendum.meeting_id == meeting_id)
                                .order_by(Addendum.at, Addendum.id)))


# -- meetings -----------------------------------------------------------------------


def default_bodies(session: Session, place_id: int) -> list[Organisation]:
    """The four bodies of a meeting at ``place_id`` (a community or compound): for
    each kind, the nearest organisation at the place or above it (a compound's
    meeting takes its community's party organisation and residents' committee);
    where there is none above, every one of that kind below it (a community's
    meeting takes the owners' committees and property companies of its compounds).
    A kind with no organisation in the area is an error: register it, or name the
    bodies of the meeting yourself."""
    place = get_place(session, place_id)
    chain = _path_ids(place)
    depth = {pid: i for i, pid in enumerate(chain)}
    out: list[Organisation] = []
    for kind in DEFAULT_BODY_KINDS:
        above = list(session.scalars(select(Organisation).where(Organisation.kind == kind.value,
                                                                Organisation.place_id.in_(chain))))
        if above:
            deepest = max(depth[o.place_id] for o in above)
            found = sorted((o for o in above if depth[o.place_id] == deepest), key=lambda o: o.id)
        else:
            found = list(session.scalars(
                select(Organisation).where(Organisation.kind == kind.value,
                                           Organisation.place_id.in_(_under(place)))
                .order_by(Organisation.name, Organisation.id)))
        if not found:
            raise DomainError("redprop.body_kind_missing", place=place.name, kind=kind.label("zh"),
                              kind_en=kind.label("en"))
        out.extend(o for o in found if o.id not in {x.id for x in out})
    return out


def _check_bodies(session: Session, body_ids: Sequence[int], min_bodies: int | None) -> list[Organisation]:
    orgs = []
    for oid in body_ids:
        org = get_organisation(session, oid)
        if any(o.id == org.id for o in orgs):
            raise DomainError("redprop.duplicate_body", org=org.name)
        orgs.append(org)
    if not orgs:
        raise DomainError("redprop.no_bodies")
    if min_bodies is not None and (not _int(min_bodies) or not 1 <= min_bodies <= len(orgs)):
        raise DomainError("redprop.invalid_min_bodies", value=min_bodies, max=len(orgs))
    return orgs


def _meeting_place(session: Session, place_id: int) -> Place:
    place = get_place(session, place_id)
    if place.kind not in (PlaceKind.community, PlaceKind.compound):
        kind = PlaceKind(place.kind)
        raise DomainError("redprop.meeting_place_kind", place=place.name, kind=kind.label("zh"),
                          kind_en=kind.label("en"))
    return place


def _person_or_none(session: Session, person_id: int | None) -> int | None:
    return get_person(session, person_id).id if person_id is not None else None


def create_meeting(
    session: Session,
    *,
    actor: Actor,
    place_id: int,
    held_at: datetime,
    kind: str = "monthly",
    title: str = "",
    location: str = "",
    chair_id: int | None = None,
    secretary_id: int | None = None,
    body_ids: Sequence[int] | None = None,
    min_bodies: int | None = None,
    at: datetime | None = None,
) -> Meeting:
    """A new meeting (draft) of a community or a compound. ``body_ids`` lists the
    required bodies (organisations) in order; by default :func:`default_bodies`.
    ``min_bodies`` is the quorum rule: None = every required body present, N = at
    least N of them."""
    at = when(at)
    with transaction(session):
        place = _meeting_place(session, place_id)
        _may(session, actor, "property.manage", place.id)
        held_at = when(held_at)
        kind_ = pick(MeetingKind, kind, "kind")
        title = _text(title, "title", max_len=200)
        location = _text(location, "location", max_len=200)
        chair = _person_or_none(session, chair_id)
        secretary = _person_or_none(session, secretary_id)
        orgs = (_check_bodies(session, body_ids, min_bodies) if body_ids is not None
                else _check_bodies(session, [o.id for o in default_bodies(session, place.id)], min_bodies))
        m = Meeting(place_id=place.id, held_at=held_at, kind=kind_.value, title=title, location=location,
                    chair_id=chair, secretary_id=secretary, status=MeetingStatus.draft.value,
                    min_bodies=min_bodies, created_at=at, created_by=actor.name, updated_at=at)
        session.add(m)
        session.flush()
        for seq, org in enumerate(orgs, start=1):
            session.add(MeetingBody(meeting_id=m.id, organisation_id=org.id, seq=seq))
        audit(session, actor, "redprop.meeting.create", "redprop_meeting", m.id, None,
              snapshot(m) | {"body_ids": [o.id for o in orgs]})
    return m


_KEEP: Any = object()


def update_meeting(
    session: Session,
    *,
    actor: Actor,
    meeting_id: int,
    held_at: datetime | None = None,
    kind: str | None = None,
    title: str | None = None,
    location: str | None = None,
    chair_id: int | None = _KEEP,
    secretary_id: int | None = _KEEP,
    at: datetime | None = None,
) -> Meeting:
    """Change the particulars of a draft or open meeting (None / not given = keep).
    A new date may not fall after a deadline already set at the meeting."""
    at = when(at)
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        before = snapshot(m)
        if held_at is not None:
            m.held_at = when(held_at)
            day = meeting_date(m)
            for r in resolutions_of(session, m.id):
                if r.deadline < day:
                    raise DomainError("redprop.deadline_before_meeting", deadline=r.deadline.isoformat(),
                                      meeting_date=day.isoformat())
        if kind is not None:
            m.kind = pick(MeetingKind, kind, "kind").value
        if title is not None:
            m.title = _text(title, "title", max_len=200)
        if location is not None:
            m.location = _text(location, "location", max_len=200)
        if chair_id is not _KEEP:
            m.chair_id = _person_or_none(session, chair_id)
        if secretary_id is not _KEEP:
            m.secretary_id = _person_or_none(session, secretary_id)
        m.updated_at = at
        session.flush()
        audit(session, actor, "redprop.meeting.update", "redprop_meeting", m.id, before, snapshot(m))
    return m


def set_bodies(
    session: Session,
    *,
    actor: Actor,
    meeting_id: int,
    body_ids: Sequence[int],
    min_bodies: int | None = None,
    at: datetime | None = None,
) -> list[Organisation]:
    """Replace the required bodies and the quorum rule of a draft or open meeting."""
    at = when(at)
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        orgs = _check_bodies(session, body_ids, min_bodies)
        before = snapshot(m) | {"body_ids": [o.id for o in bodies_of(session, m.id)]}
        session.execute(delete(MeetingBody).where(MeetingBody.meeting_id == m.id))
        for seq, org in enumerate(orgs, start=1):
            session.add(MeetingBody(meeting_id=m.id, organisation_id=org.id, seq=seq))
        m.min_bodies, m.updated_at = min_bodies, at
        session.flush()
        audit(session, actor, "redprop.meeting.set_bodies", "redprop_meeting", m.id, before,
              snapshot(m) | {"body_ids": [o.id for o in orgs]})
    return orgs


# -- attendance and quorum --------------------------------------------------------------


def check_in(
    session: Session,
    *,
    actor: Actor,
    meeting_id: int,
    person_id: int,
    organisation_id: int,
    at: datetime | None = None,
) -> Attendance:
    """Record that a person attends for one body. They must hold a post in that body
    on the meeting date; a person already checked in (for any body) is refused, so a
    cross-appointed person stands for one body and is counted once."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        person = get_person(session, person_id)
        org = get_organisation(session, organisation_id)
        day = meeting_date(m)
        already = session.scalar(select(Attendance).where(Attendance.meeting_id == m.id,
                                                          Attendance.person_id == person.id))
        if already is not None:
            raise DomainError("redprop.already_attending", person=person.name,
                              org=get_organisation(session, already.organisation_id).name)
        post = _member_on(session, person.id, org.id, day)
        if post is None:
            raise DomainError("redprop.not_a_member", person=person.name, org=org.name, date=day.isoformat())
        row = Attendance(meeting_id=m.id, person_id=person.id, organisation_id=org.id, membership_id=post.id,
                         checked_in_at=at, recorded_by=actor.name)
        session.add(row)
        session.flush()
        audit(session, actor, "redprop.attendance.check_in", "redprop_attendance", row.id, None, snapshot(row))
    return row


def cancel_check_in(session: Session, *, actor: Actor, meeting_id: int, person_id: int) -> None:
    """Take back a check-in made in error (draft or open meeting); the audit log keeps it."""
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        person = get_person(session, person_id)
        row = session.scalar(select(Attendance).where(Attendance.meeting_id == m.id,
                                                      Attendance.person_id == person.id))
        if row is None:
            raise DomainError("redprop.attendance_not_found", person=person.name)
        before = snapshot(row)
        session.delete(row)
        session.flush()
        audit(session, actor, "redprop.attendance.cancel", "redprop_attendance", before["id"], before, None)


@dataclass(frozen=True)
class BodyPresence:
    """One body at the meeting and who attends for it."""

    organisation_id: int
    name: str
    kind: str
    required: bool
    attendee_ids: tuple[int, ...]

    @property
    def present(self) -> bool:
        return bool(self.attendee_ids)


@dataclass(frozen=True)
class Quorum:
    """Which required bodies are present or missing, under the meeting's rule.

    ``needed`` is how many required bodies must be present (all of them, or the
    meeting's ``min_bodies``); ``headcount`` counts people, each once."""

    rule: str  # "all" | "min"
    needed: int
    bodies: tuple[BodyPresence, ...]  # the required bodies, in order
    others: tuple[BodyPresence, ...]  # bodies people attend for that are not required
    headcount: int

    @property
    def present(self) -> list[BodyPresence]:
        return [b for b in self.bodies if b.present]

    @property
    def missing(self) -> list[BodyPresence]:
        return [b for b in self.bodies if not b.present]

    @property
    def met(self) -> bool:
        return len(self.present) >= self.needed


def quorum(session: Session, meeting_id: int) -> Quorum:
    """The quorum of bodies as it stands (shown before the meeting opens)."""
    m = get_meeting(session, meeting_id)
    rows = attendance_of(session, m.id)
    by_org: dict[int, list[int]] = {}
    for a in rows:
        by_org.setdefault(a.organisation_id, []).append(a.person_id)
    required = bodies_of(session, m.id)
    bodies = tuple(BodyPresence(o.id, o.name, o.kind, True, tuple(by_org.get(o.id, ()))) for o in required)
    req_ids = {o.id for o in required}
    other_ids = [oid for oid in by_org if oid not in req_ids]
    others = tuple(BodyPresence(o.id, o.name, o.kind, False, tuple(by_org[o.id]))
                   for o in (get_organisation(session, oid) for oid in other_ids))
    needed = len(bodies) if m.min_bodies is None else m.min_bodies
    return Quorum(rule="all" if m.min_bodies is None else "min", needed=needed, bodies=bodies, others=others,
                  headcount=len({a.person_id for a in rows}))


def open_meeting(session: Session, *, actor: Actor, meeting_id: int, without_quorum: bool = False,
                 at: datetime | None = None) -> Meeting:
    """Draft → open. Refused without a quorum of bodies unless ``without_quorum``,
    which is recorded on the meeting (and printed in the minutes)."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        if m.status != MeetingStatus.draft:
            _illegal_meeting_status(session, m, MeetingStatus.open)
        q = quorum(session, m.id)
        if not q.met and not without_quorum:
            raise DomainError("redprop.no_quorum", ref=meeting_label(session, m),
                              missing="、".join(b.name for b in q.missing))
        before = snapshot(m)
        m.status, m.opened_at, m.updated_at = MeetingStatus.open.value, at, at
        m.opened_without_quorum = not q.met
        session.flush()
        audit(session, actor, "redprop.meeting.open", "redprop_meeting", m.id, before,
              snapshot(m) | {"present_body_ids": [b.organisation_id for b in q.present]})
    return m


def _illegal_meeting_status(session: Session, m: Meeting, to: MeetingStatus) -> None:
    frm = MeetingStatus(m.status)
    raise DomainError("redprop.illegal_meeting_status", ref=meeting_label(session, m), from_status=frm.label("zh"),
                      from_status_en=frm.label("en"), to_status=to.label("zh"), to_status_en=to.label("en"))


def close_meeting(session: Session, *, actor: Actor, meeting_id: int, at: datetime | None = None) -> Meeting:
    """Open → closed. The follow-up section the meeting heard is frozen with it, and
    from now on nothing of its record changes (corrections are addenda). Fires the
    plugin event ``meeting_closed``."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        if m.status != MeetingStatus.open:
            _illegal_meeting_status(session, m, MeetingStatus.closed)
        rows = follow_ups(session, m.id, on=local(at).date())
        for seq, row in enumerate(rows, start=1):
            session.add(FollowUp(meeting_id=m.id, action_item_id=row.action_item.id, seq=seq, status=row.status,
                                 deadline=row.deadline, note=row.note))
        # the follow-up rows go in before the meeting is marked closed (the triggers
        # refuse rows of a closed meeting)
        session.flush()
        before = snapshot(m)
        m.status, m.closed_at, m.closed_by, m.updated_at = MeetingStatus.closed.value, at, actor.name, at
        session.flush()
        audit(session, actor, "redprop.meeting.close", "redprop_meeting", m.id, before,
              snapshot(m) | {"follow_up_action_ids": [r.action_item.id for r in rows]})
    payload = {
        "meeting_id": m.id,
        "place_id": m.place_id,
        "held_at": m.held_at.isoformat(),
        "title": meeting_label(session, m),
        "resolution_ids": [r.id for r in resolutions_of(session, m.id)],
        "action_item_ids": [a.id for a in action_items_of(session, meeting_id=m.id)],
    }
    fire_plugin_event(SOURCE, "meeting_closed", payload)
    return m


def add_addendum(session: Session, *, actor: Actor, meeting_id: int, text: str, refers_to: str = "",
                 at: datetime | None = None) -> Addendum:
    """A correction to a closed meeting's record (补记), printed after its minutes."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        if m.status != MeetingStatus.closed:
            raise DomainError("redprop.not_addendum_time", ref=meeting_label(session, m))
        row = Addendum(meeting_id=m.id, text=_text(text, "addendum", max_len=TEXT_MAX, required=True),
                       refers_to=_text(refers_to, "refers_to", max_len=200), at=at, recorded_by=actor.name)
        session.add(row)
        session.flush()
        audit(session, actor, "redprop.addendum.add", "redprop_addendum", row.id, None, snapshot(row))
    return row


# -- agenda ----------------------------------------------------------------------------


def _property_category_ids(session: Session, codes: Iterable[str] | None) -> dict[int, RequestCategory]:
    wanted = list(codes) if codes is not None else list(PROPERTY_CATEGORY_CODES)
    return {c.id: c for c in session.scalars(select(RequestCategory).where(RequestCategory.code.in_(wanted)))}


def _requests_in_follow_up(session: Session) -> Any:
    return select(ActionItem.request_id).where(ActionItem.request_id.is_not(None),
                                               ActionItem.status.in_([s.value for s in UNFINISHED]))


def candidate_requests(
    session: Session,
    meeting_id: int,
    *,
    category_codes: Iterable[str] | None = None,
    limit: int = 200,
) -> list[Request]:
    """Open requests of the property categories in the meeting's area that the
    meeting could take up: not yet on its agenda and not already followed by an
    unfinished action item. Soonest due first."""
    m = get_meeting(session, meeting_id)
    place = get_place(session, m.place_id)
    cats = _property_category_ids(session, category_codes)
    if not cats:
        return []
    on_agenda = select(AgendaItem.request_id).where(AgendaItem.meeting_id == m.id,
                                                    AgendaItem.request_id.is_not(None))
    stmt = (
        select(Request)
        .where(
            Request.status.in_([s.value for s in OPEN_STATUSES]),
            Request.category_id.in_(list(cats)),
            Request.place_id.in_(_under(place)),
            Request.id.not_in(on_agenda),
            Request.id.not_in(_requests_in_follow_up(session)),
        )
        .order_by(Request.due_at.is_(None), Request.due_at, Request.id)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _check_request(session: Session, m: Meeting, request_id: int,
                   category_codes: Iterable[str] | None = None) -> Request:
    req = get_request(session, request_id)
    status = Status(req.status)
    if status not in OPEN_STATUSES:
        raise DomainError("redprop.request_not_open", ref=req.ref, status=status.label("zh"),
                          status_en=status.label("en"))
    cats = _property_category_ids(session, category_codes)
    if req.category_id not in cats:
        own = session.get(RequestCategory, req.category_id)
        raise DomainError("redprop.request_not_property", ref=req.ref, category=own.name_zh, category_en=own.name_en,
                          allowed="、".join(c.name_zh for c in cats.values()) or "-")
    place = get_place(session, m.place_id)
    req_place = get_place(session, req.place_id)
    if not req_place.path.startswith(place.path):
        raise DomainError("redprop.request_outside_area", ref=req.ref, place=place.name)
    taken = session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == m.id,
                                                       AgendaItem.request_id == req.id))
    if taken is not None:
        raise DomainError("redprop.request_on_agenda", ref=req.ref)
    return req


def add_agenda_item(
    session: Session,
    *,
    actor: Actor,
    meeting_id: int,
    title: str = "",
    description: str = "",
    request_id: int | None = None,
    category_codes: Iterable[str] | None = None,
    at: datetime | None = None,
) -> AgendaItem:
    """An agenda item written by hand (``title``), or taken from an open request of
    a property category in the meeting's area (``request_id``; the title defaults
    to the request's and the request's timeline says it is on the agenda)."""
    at = when(at)
    with transaction(session):
        m = get_meeting(session, meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        req = _check_request(session, m, request_id, category_codes) if request_id is not None else None
        title = (_text(title, "title", max_len=200, required=True) if req is None
                 else _text(title, "title", max_len=200) or req.title)
        seq = (session.scalar(select(func.max(AgendaItem.seq)).where(AgendaItem.meeting_id == m.id)) or 0) + 1
        item = AgendaItem(meeting_id=m.id, seq=seq, title=title,
                          description=_text(description, "description", max_len=TEXT_MAX),
                          request_id=req.id if req else None, created_at=at, created_by=actor.name)
        session.add(item)
        session.flush()
        audit(session, actor, "redprop.agenda.add", "redprop_agenda_item", item.id, None, snapshot(item))
        if req is not None:
            # the core's note commits this transaction with it: both or neither
            add_note(session, actor=actor, request_id=req.id, source=SOURCE, at=at,
                     public_note=f"列入{meeting_label(session, m)}议程",
                     data={"meeting_id": m.id, "agenda_item_id": item.id})
    return item


def update_agenda_item(
    session: Session,
    *,
    actor: Actor,
    agenda_item_id: int,
    title: str | None = None,
    description: str | None = None,
    discussion: str | None = None,
) -> AgendaItem:
    """Change an item's title, description or discussion notes (None = keep) while
    the meeting is draft or open."""
    with transaction(session):
        item = get_agenda_item(session, agenda_item_id)
        m = get_meeting(session, item.meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _editable(session, m)
        before = snapshot(item)
        if title is not None:
            item.title = _text(title, "title", max_len=200, required=True)
        if description is not None:
            item.description = _text(description, "description", max_len=TEXT_MAX)
        if discussion is not None:
            item.discussion = _text(discussion, "discussion", max_len=20_000)
        session.flush()
        audit(session, actor, "redprop.agenda.update", "redprop_agenda_item", item.id, before, snapshot(item))
    return item


# -- follow-up of earlier action items (上次决议落实情况) --------------------------------------


def effective_status(item: ActionItem, on: date | None = None) -> ActionStatus:
    """The stored status, or ``overdue`` for an open / in-progress item past its deadline."""
    status = ActionStatus(item.status)
    if status in UNFINISHED and item.deadline < (on or today()):
        return ActionStatus.overdue
    return status


@dataclass(frozen=True)
class FollowUpRow:
    """An earlier action item as a meeting hears it: status and latest note (live for
    a draft or open meeting, as frozen at close for a closed one)."""

    action_item: ActionItem
    status: str
    deadline: date
    note: str

    @property
    def action_item_id(self) -> int:
        return self.action_item.id


def _latest_note(session: Session, action_item_id: int) -> str:
    row = session.scalar(select(ActionNote.text).where(ActionNote.action_item_id == action_item_id)
                         .order_by(ActionNote.at.desc(), ActionNote.id.desc()).limit(1))
    return row or ""


def follow_ups(session: Session, meeting_id: int, *, on: date | None = None) -> list[FollowUpRow]:
    """The follow-up section that opens the meeting's agenda: every action item of an
    earlier meeting of the same area (the meeting's place or below it) that is not
    done or dropped — carried into every meeting until it is — plus those finished
    since the previous meeting of the area closed, reported once. A closed meeting returns
    the section as it was frozen at its close. Oldest meeting first."""
    m = get_meeting(session, meeting_id)
    if m.status == MeetingStatus.closed:
        rows = session.execute(select(FollowUp, ActionItem).join(ActionItem, ActionItem.id == FollowUp.action_item_id)
                               .where(FollowUp.meeting_id == m.id).order_by(FollowUp.seq)).all()
        return [FollowUpRow(a, f.status, f.deadline, f.note) for f, a in rows]
    place = get_place(session, m.place_id)
    earlier = (select(Meeting.id).where(Meeting.place_id.in_(_under(place)), Meeting.held_at < m.held_at,
                                        Meeting.id != m.id))
    previous = session.scalar(select(Meeting).where(Meeting.id.in_(earlier))
                              .order_by(Meeting.held_at.desc(), Meeting.id.desc()).limit(1))
    if previous is None:
        return []
    # what the previous meeting heard (finished before it closed) is not repeated
    since = previous.closed_at or previous.held_at
    keep = or_(ActionItem.status.in_([s.value for s in UNFINISHED]), ActionItem.finished_at > since)
    items = session.execute(
        select(ActionItem).join(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.meeting_id.in_(earlier), keep)
        .order_by(Meeting.held_at, ActionItem.id)).scalars().all()
    day = on or today()
    return [FollowUpRow(a, effective_status(a, day).value, a.deadline, _latest_note(session, a.id)) for a in items]


@dataclass(frozen=True)
class Agenda:
    """A meeting's agenda: the follow-up section first, then its own items."""

    follow_ups: list[FollowUpRow] = field(default_factory=list)
    items: list[AgendaItem] = field(default_factory=list)


def agenda(session: Session, meeting_id: int) -> Agenda:
    return Agenda(follow_ups=follow_ups(session, meeting_id), items=agenda_items_of(session, meeting_id))


# -- resolutions --------------------------------------------------------------------------


def _check_responsible(session: Session, m: Meeting, responsible_org_id: int | None,
                       responsible_person_id: int | None, deadline: date | None) -> Organisation:
    if responsible_org_id is None:
        raise DomainError("redprop.responsible_body_required")
    org = get_organisation(session, responsible_org_id)
    if responsible_person_id is not None:
        person = get_person(session, responsible_person_id)
        day = meeting_date(m)
        if _member_on(session, person.id, org.id, day) is None:
            raise DomainError("redprop.not_a_member", person=person.name, org=org.name, date=day.isoformat())
    if deadline is None:
        raise DomainError("redprop.deadline_required")
    if isinstance(deadline, datetime) or not isinstance(deadline, date):
        raise DomainError("input.invalid_date", value=deadline)
    if deadline < meeting_date(m):
        raise DomainError("redprop.deadline_before_meeting", deadline=deadline.isoformat(),
                          meeting_date=meeting_date(m).isoformat())
    return org


def _check_votes(session: Session, m: Meeting, votes: Mapping[int, Sequence[int]]) -> list[tuple[int, int, int, int]]:
    present: dict[int, int] = {}
    for a in attendance_of(session, m.id):
        present[a.organisation_id] = present.get(a.organisation_id, 0) + 1
    out = []
    for oid, counts in votes.items():
        org = get_organisation(session, oid)
        if len(tuple(counts)) != 3 or not all(_int(c) and c >= 0 for c in counts):
            raise DomainError("redprop.vote_invalid", org=org.name, value=tuple(counts))
        if org.id not in present:
            raise DomainError("redprop.vote_body_absent", org=org.name)
        yes, no, abstain = counts
        if yes + no + abstain > present[org.id]:
            raise DomainError("redprop.vote_exceeds_attendance", org=org.name, present=present[org.id],
                              total=yes + no + abstain)
        out.append((org.id, yes, no, abstain))
    yes, no = sum(v[1] for v in out), sum(v[2] for v in out)
    if not yes > no:
        raise DomainError("redprop.vote_not_carried", yes=yes, no=no)
    return out


def add_resolution(
    session: Session,
    *,
    actor: Actor,
    agenda_item_id: int,
    text: str,
    responsible_org_id: int | None,
    deadline: date | None,
    responsible_person_id: int | None = None,
    decided_by: str = "consensus",
    votes: Mapping[int, Sequence[int]] | None = None,
    consultation_id: int | None = None,
    action_title: str = "",
    request_id: int | None = None,
    at: datetime | None = None,
) -> Resolution:
    """A resolution on an agenda item of an open meeting, and its action item.

    ``responsible_org_id`` (required) answers for it, ``responsible_person_id``
    (optional) must hold a post in that body; ``deadline`` may not be before the
    meeting date. ``decided_by`` is ``consensus`` (no counts) or ``vote`` with
    ``votes`` = {organisation id: (yes, no, abstain)} counted among that body's
    attendees; a vote carries when yes outnumber no. ``consultation_id`` links a
    deliberation consultation by id only. The action item takes ``action_title``
    (default: the text) and the agenda item's request unless ``request_id`` is given.
    """
    at = when(at)
    with transaction(session):
        item = get_agenda_item(session, agenda_item_id)
        m = get_meeting(session, item.meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _require_open(session, m, ("作出决议", "take resolutions"))
        text = _text(text, "text", max_len=TEXT_MAX, required=True)
        org = _check_responsible(session, m, responsible_org_id, responsible_person_id, deadline)
        decision = pick(Decision, decided_by, "decided_by")
        if decision == Decision.vote:
            if not votes:
                raise DomainError("redprop.vote_needs_counts")
            counts = _check_votes(session, m, votes)
        else:
            if votes:
                raise DomainError("redprop.consensus_no_counts")
            counts = []
        if consultation_id is not None and (not _int(consultation_id) or consultation_id < 1):
            raise DomainError("redprop.invalid_consultation", value=consultation_id)
        link = request_id if request_id is not None else item.request_id
        if link is not None:
            get_request(session, link)
        seq = (session.scalar(select(func.max(Resolution.seq)).where(Resolution.meeting_id == m.id)) or 0) + 1
        r = Resolution(meeting_id=m.id, agenda_item_id=item.id, seq=seq, text=text, decided_by=decision.value,
                       responsible_org_id=org.id, responsible_person_id=responsible_person_id, deadline=deadline,
                       consultation_id=consultation_id, created_at=at, created_by=actor.name)
        session.add(r)
        session.flush()
        for oid, yes, no, abstain in counts:
            session.add(ResolutionVote(meeting_id=m.id, resolution_id=r.id, organisation_id=oid, yes=yes, no=no,
                                       abstain=abstain))
        action = _new_action(session, m, r, title=_text(action_title, "title", max_len=500) or text[:500],
                             org_id=org.id, person_id=responsible_person_id, deadline=deadline, request_id=link,
                             at=at)
        session.flush()
        audit(session, actor, "redprop.resolution.add", "redprop_resolution", r.id, None,
              snapshot(r) | {"votes": [list(c) for c in counts], "action_item_id": action.id})
    return r


def _new_action(session: Session, m: Meeting, r: Resolution, *, title: str, org_id: int, person_id: int | None,
                deadline: date, request_id: int | None, at: datetime) -> ActionItem:
    action = ActionItem(meeting_id=m.id, resolution_id=r.id, place_id=m.place_id, title=title,
                        responsible_org_id=org_id, responsible_person_id=person_id, deadline=deadline,
                        request_id=request_id, status=ActionStatus.open.value, created_at=at, updated_at=at)
    session.add(action)
    session.flush()
    return action


def add_action_item(
    session: Session,
    *,
    actor: Actor,
    resolution_id: int,
    title: str,
    responsible_org_id: int | None,
    deadline: date | None,
    responsible_person_id: int | None = None,
    request_id: int | None = None,
    at: datetime | None = None,
) -> ActionItem:
    """A further action item of a resolution (one is made with every resolution),
    while its meeting is open; the same checks as a resolution's."""
    at = when(at)
    with transaction(session):
        r = get_resolution(session, resolution_id)
        m = get_meeting(session, r.meeting_id)
        _may(session, actor, "property.manage", m.place_id)
        _require_open(session, m, ("添加落实事项", "add action items"))
        title = _text(title, "title", max_len=500, required=True)
        org = _check_responsible(session, m, responsible_org_id, responsible_person_id, deadline)
        if request_id is not None:
            get_request(session, request_id)
        action = _new_action(session, m, r, title=title, org_id=org.id, person_id=responsible_person_id,
                             deadline=deadline, request_id=request_id, at=at)
        audit(session, actor, "redprop.action.add", "redprop_action_item", action.id, None, snapshot(action))
    return action


# -- action items ------------------------------------------------------------------------


def _check_meeting_ref(session: Session, meeting_id: int | None) -> int | None:
    if meeting_id is None:
        return None
    m = get_meeting(session, meeting_id)
    _editable(session, m)
    return m.id


def _unfinished(item: ActionItem) -> None:
    status = ActionStatus(item.status)
    if status in FINISHED:
        raise DomainError("redprop.action_finished", ref=item.id, status=status.label("zh"),
                          status_en=status.label("en"))


def _set_action_status(session: Session, actor: Actor, item: ActionItem, to: ActionStatus, text: str,
                       meeting_id: int | None, at: datetime) -> ActionNote:
    before = snapshot(item)
    frm = item.status
    item.status, item.updated_at = to.value, at
    if to in FINISHED:
        item.finished_at = at
    note = ActionNote(action_item_id=item.id, meeting_id=meeting_id, at=at, actor=actor.name, from_status=frm,
                      to_status=to.value, text=text)
    session.add(note)
    session.flush()
    audit(session, actor, f"redprop.action.{to.value}", "redprop_action_item", item.id, before,
          snapshot(item) | {"note_id": note.id})
    return note


def start_action(session: Session, *, actor: Actor, action_item_id: int, note: str = "",
                 meeting_id: int | None = None, at: datetime | None = None) -> ActionItem:
    """Open → in progress (work has begun), with an optional note."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        item = get_action_item(session, action_item_id)
        _may(session, actor, "property.manage", item.place_id)
        _unfinished(item)
        if item.status != ActionStatus.open:
            frm = ActionStatus(item.status)
            raise DomainError("redprop.illegal_action_status", ref=item.id, from_status=frm.label("zh"),
                              from_status_en=frm.label("en"), to_status=ActionStatus.in_progress.label("zh"),
                              to_status_en=ActionStatus.in_progress.label("en"))
        text = _text(note, "note", max_len=NOTE_MAX) or "开始落实"
        _set_action_status(session, actor, item, ActionStatus.in_progress, text,
                           _check_meeting_ref(session, meeting_id), at)
    return item


def add_progress(session: Session, *, actor: Actor, action_item_id: int, text: str,
                 meeting_id: int | None = None, at: datetime | None = None) -> ActionNote:
    """A progress note (append-only), optionally as reported at a (draft or open) meeting."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        item = get_action_item(session, action_item_id)
        _may(session, actor, "property.manage", item.place_id)
        _unfinished(item)
        note = ActionNote(action_item_id=item.id, meeting_id=_check_meeting_ref(session, meeting_id), at=at,
                          actor=actor.name, text=_text(text, "note", max_len=NOTE_MAX, required=True))
        item.updated_at = at
        session.add(note)
        session.flush()
        audit(session, actor, "redprop.action.progress", "redprop_action_note", note.id, None, snapshot(note))
    return note


def drop_action(session: Session, *, actor: Actor, action_item_id: int, reason: str,
                meeting_id: int | None = None, at: datetime | None = None) -> ActionItem:
    """Open / in progress → dropped, with the reason (required). It is no longer carried."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        item = get_action_item(session, action_item_id)
        _may(session, actor, "property.manage", item.place_id)
        _unfinished(item)
        reason = (reason or "").strip()
        if not reason:
            raise DomainError("redprop.action_reason_required")
        reason = _text(reason, "reason", max_len=NOTE_MAX, required=True)
        _set_action_status(session, actor, item, ActionStatus.dropped, reason,
                           _check_meeting_ref(session, meeting_id), at)
    return item


def _path_to_resolved(current: Status) -> list[Status] | None:
    """The shortest legal way from ``current`` to resolved through the core's
    TRANSITIONS, passing only through accepted / in progress (never through
    dispatched, which only a dispatch can reach). [] when already resolved or
    closed; None when the request cannot be resolved (answered, withdrawn …)."""
    if current in (Status.resolved, Status.closed):
        return []
    allowed = {Status.accepted, Status.in_progress, Status.resolved}
    queue: deque[tuple[Status, list[Status]]] = deque([(current, [])])
    seen = {current}
    while queue:
        status, path = queue.popleft()
        for nxt in sorted(TRANSITIONS[status] & allowed):
            if nxt in seen:
                continue
            if nxt == Status.resolved:
                return [*path, nxt]
            seen.add(nxt)
            queue.append((nxt, [*path, nxt]))
    return None


STEP_NOTES: dict[Status, str] = {
    Status.accepted: "经{meeting}受理",
    Status.in_progress: "按{meeting}决议办理：{title}",
    Status.resolved: "{meeting}决议已落实：{note}",
}


def complete_action(session: Session, *, actor: Actor, action_item_id: int, note: str,
                    meeting_id: int | None = None, at: datetime | None = None) -> ActionItem:
    """Open / in progress → done; the note on what was done is required.

    A linked request is moved to resolved through the core's request service, with
    timeline notes naming the meeting that took the resolution. A request not yet
    in progress passes legally through the lifecycle (submitted → accepted →
    in progress → resolved; a dispatched one goes straight to resolved); one
    already resolved or closed only gets a note; one that ended otherwise
    (answered, withdrawn …) is left as it is, with a note. All of it is one
    transaction: the core's first step commits the action item with it. Fires the
    plugin event ``action_item_done``.
    """
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        item = get_action_item(session, action_item_id)
        _may(session, actor, "property.manage", item.place_id)
        _unfinished(item)
        text = (note or "").strip()
        if not text:
            raise DomainError("redprop.action_note_required")
        text = _text(text, "note", max_len=NOTE_MAX, required=True)
        reported_at = _check_meeting_ref(session, meeting_id)
        origin = get_meeting(session, item.meeting_id)
        label = meeting_label(session, origin)
        req = get_request(session, item.request_id) if item.request_id is not None else None
        path = _path_to_resolved(Status(req.status)) if req is not None else None
        if req is not None and actor.grants is not None:
            # the core's steps below commit one by one: its own rule (resolving is
            # request.close) is checked here first, so a refusal leaves nothing half done
            from gongzhi.core.permissions import check

            check(session, actor, "request.close" if path else "request.update", req.place_id)
        _set_action_status(session, actor, item, ActionStatus.done, text, reported_at, at)
        if req is not None:
            data = {"meeting_id": origin.id, "action_item_id": item.id, "source": SOURCE}
            if path:
                for step in path:
                    transition(session, actor=actor, request_id=req.id, to_status=step.value, at=at,
                               public_note=STEP_NOTES[step].format(meeting=label, title=item.title, note=text))
            else:
                add_note(session, actor=actor, request_id=req.id, source=SOURCE, data=data, at=at,
                         public_note=f"{label}决议已落实：{text}")
    fire_plugin_event(SOURCE, "action_item_done", {
        "action_item_id": item.id,
        "meeting_id": item.meeting_id,
        "resolution_id": item.resolution_id,
        "place_id": item.place_id,
        "request_id": item.request_id,
        "title": item.title,
        "note": text,
    })
    return item


def list_action_items(
    session: Session,
    *,
    place_id: int | None = None,
    meeting_id: int | None = None,
    status: str | None = None,
    overdue: bool = False,
    include_finished: bool = False,
    on: date | None = None,
    limit: int = 1000,
) -> list[ActionItem]:
    """The action-item board across meetings: overdue first, then by deadline.
    ``place_id`` takes that place and below; ``status`` is an effective status
    (``overdue`` included); finished items only with ``include_finished`` or a
    finished ``status``."""
    day = on or today()
    stmt = select(ActionItem)
    if place_id is not None:
        stmt = stmt.where(ActionItem.place_id.in_(_under(get_place(session, place_id))))
    if meeting_id is not None:
        stmt = stmt.where(ActionItem.meeting_id == meeting_id)
    wanted = pick(ActionStatus, status, "status") if status is not None else None
    if overdue:
        wanted = ActionStatus.overdue
    if wanted is None and not include_finished:
        stmt = stmt.where(ActionItem.status.in_([s.value for s in UNFINISHED]))
    rows = list(session.scalars(stmt.order_by(ActionItem.deadline, ActionItem.id)))
    if wanted is not None:
        rows = [a for a in rows if effective_status(a, day) == wanted]
    rows.sort(key=lambda a: (effective_status(a, day) != ActionStatus.overdue, a.deadline, a.id))
    return rows[:limit]


def action_row(session: Session, item: ActionItem, *, on: date | None = None) -> dict[str, Any]:
    """An action item as a plain dict (for ``--json`` and the board)."""
    day = on or today()
    status = effective_status(item, day)
    org = session.get(Organisation, item.responsible_org_id)
    person = session.get(Person, item.responsible_person_id) if item.responsible_person_id else None
    req = session.get(Request, item.request_id) if item.request_id else None
    origin = get_meeting(session, item.meeting_id)
    return {
        "id": item.id,
        "title": item.title,
        "status": status.value,
        "status_label": status.label("zh"),
        "deadline": item.deadline.isoformat(),
        "days_overdue": (day - item.deadline).days if status == ActionStatus.overdue else 0,
        "responsible_org_id": item.responsible_org_id,
        "responsible_org": org.name if org else "",
        "responsible_person_id": item.responsible_person_id,
        "responsible_person": person.name if person else "",
        "meeting_id": item.meeting_id,
        "meeting": meeting_label(session, origin),
        "resolution_id": item.resolution_id,
        "place_id": item.place_id,
        "request_id": item.request_id,
        "request_ref": req.ref if req else None,
        "latest_note": _latest_note(session, item.id),
        "finished_at": item.finished_at.isoformat() if item.finished_at else None,
    }


def meeting_row(session: Session, m: Meeting) -> dict[str, Any]:
    """A meeting as a plain dict (for ``--json`` and lists)."""
    place = session.get(Place, m.place_id)
    chair = session.get(Person, m.chair_id) if m.chair_id else None
    secretary = session.get(Person, m.secretary_id) if m.secretary_id else None
    q = quorum(session, m.id)
    return {
        "id": m.id,
        "title": meeting_label(session, m),
        "place_id": m.place_id,
        "place": place.name if place else "",
        "held_at": m.held_at.isoformat(),
        "date": meeting_date(m).isoformat(),
        "kind": m.kind,
        "status": m.status,
        "location": m.location,
        "chair": chair.name if chair else "",
        "secretary": secretary.name if secretary else "",
        "bodies": [{"id": b.organisation_id, "name": b.name, "kind": b.kind, "present": b.present,
                    "attendees": list(b.attendee_ids)} for b in q.bodies],
        "quorum_rule": q.rule,
        "quorum_needed": q.needed,
        "quorum_met": q.met,
        "headcount": q.headcount,
        "opened_without_quorum": m.opened_without_quorum,
        "agenda_items": len(agenda_items_of(session, m.id)),
        "resolutions": len(resolutions_of(session, m.id)),
    }


# -- property micro-services (微服务) ---------------------------------------------------------


def compound_of(session: Session, place_id: int) -> Place | None:
    """The compound a place lies in (itself if it is one), or None."""
    place = get_place(session, place_id)
    ids = _path_ids(place)
    return session.scalar(select(Place).where(Place.id.in_(ids), Place.kind == PlaceKind.compound.value))


def _compound(session: Session, compound_id: int) -> Place:
    place = get_place(session, compound_id)
    if place.kind != PlaceKind.compound:
        raise DomainError("redprop.not_a_compound", place=place.name)
    return place


def log_service(
    session: Session,
    *,
    actor: Actor,
    kind: str,
    resident_id: int,
    compound_id: int | None = None,
    description: str = "",
    scheduled_for: datetime | None = None,
    at: datetime | None = None,
) -> PropertyService:
    """A micro-service requested for a resident (``at`` = when it was asked for). The
    compound defaults to the resident's home; given, the resident must live there
    (when their home is on record). With ``scheduled_for`` it starts as scheduled."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        kind_ = pick(ServiceKind, kind, "kind")
        person = get_person(session, resident_id)
        home = compound_of(session, person.household_id) if person.household_id is not None else None
        if compound_id is None:
            if home is None:
                raise DomainError("redprop.compound_required", person=person.name)
            compound = home
        else:
            compound = _compound(session, compound_id)
            if home is not None and home.id != compound.id:
                raise DomainError("redprop.resident_outside_compound", person=person.name, place=compound.name)
        _may(session, actor, "property.service", compound.id)
        row = PropertyService(kind=kind_.value, compound_id=compound.id, resident_id=person.id,
                              description=_text(description, "description", max_len=1000),
                              status=(ServiceStatus.scheduled if scheduled_for else ServiceStatus.requested).value,
                              requested_at=at, scheduled_for=when(scheduled_for) if scheduled_for else None,
                              created_by=actor.name, updated_at=at)
        session.add(row)
        session.flush()
        audit(session, actor, "redprop.service.add", "redprop_service", row.id, None, snapshot(row))
    return row


def _service_status(s: PropertyService, to: ServiceStatus, allowed: Iterable[ServiceStatus]) -> None:
    if s.status not in {a.value for a in allowed}:
        frm = ServiceStatus(s.status)
        raise DomainError("redprop.illegal_service_status", ref=s.id, from_status=frm.label("zh"),
                          from_status_en=frm.label("en"), to_status=to.label("zh"), to_status_en=to.label("en"))


def schedule_service(session: Session, *, actor: Actor, service_id: int, scheduled_for: datetime,
                     at: datetime | None = None) -> PropertyService:
    """Requested (or scheduled: moved) → scheduled for a time."""
    at = when(at)
    with transaction(session):
        s = get_service(session, service_id)
        _may(session, actor, "property.service", s.compound_id)
        _service_status(s, ServiceStatus.scheduled, (ServiceStatus.requested, ServiceStatus.scheduled))
        before = snapshot(s)
        s.status, s.scheduled_for, s.updated_at = ServiceStatus.scheduled.value, when(scheduled_for), at
        session.flush()
        audit(session, actor, "redprop.service.schedule", "redprop_service", s.id, before, snapshot(s))
    return s


def complete_service(
    session: Session,
    *,
    actor: Actor,
    service_id: int,
    done_by_id: int | None = None,
    done_by_org_id: int | None = None,
    result: str = "",
    at: datetime | None = None,
) -> PropertyService:
    """Requested / scheduled → done, by a person and/or a body (one is required)."""
    at = fact_time(at)  # a fact: never in the future
    with transaction(session):
        s = get_service(session, service_id)
        _may(session, actor, "property.service", s.compound_id)
        _service_status(s, ServiceStatus.done, (ServiceStatus.requested, ServiceStatus.scheduled))
        if done_by_id is None and done_by_org_id is None:
            raise DomainError("redprop.service_done_by_required")
        if done_by_id is not None:
            get_person(session, done_by_id)
        if done_by_org_id is not None:
            get_organisation(session, done_by_org_id)
        before = snapshot(s)
        s.status, s.done_at, s.updated_at = ServiceStatus.done.value, at, at
        s.done_by_id, s.done_by_org_id = done_by_id, done_by_org_id
        s.result = _text(result, "result", max_len=1000)
        session.flush()
        audit(session, actor, "redprop.service.done", "redprop_service", s.id, before, snapshot(s))
    return s


def list_services(
    session: Session,
    *,
    compound_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 500,
) -> list[PropertyService]:
    """The micro-service log, newest first."""
    stmt = select(PropertyService)
    if compound_id is not None:
        stmt = stmt.where(PropertyService.compound_id == compound_id)
    if status is not None:
        stmt = stmt.where(PropertyService.status == pick(ServiceStatus, status, "status").value)
    if kind is not None:
        stmt = stmt.where(PropertyService.kind == pick(ServiceKind, kind, "kind").value)
    return list(session.scalars(stmt.order_by(PropertyService.requested_at.desc(), PropertyService.id.desc())
                                .limit(limit)))


@dataclass(frozen=True)
class ResidentSuggestion:
    """A resident to offer a micro-service to. ``priority_care`` says only that the
    person is in a priority-care group, never which (care tags are sensitive)."""

    person_id: int
    name: str
    household_id: int | None
    priority_care: bool


def suggest_residents(session: Session, *, compound_id: int, query: str = "",
                      limit: int = 20) -> list[ResidentSuggestion]:
    """Residents of a compound for the micro-service form: priority-care residents
    first, then by name (pinyin order); ``query`` matches the name, its pinyin or initials."""
    from gongzhi.core.pinyin import normalise_query
    from gongzhi.core.services.base import escape_like, text_match

    compound = _compound(session, compound_id)
    care = select(PersonCareTag.person_id).distinct()
    stmt = select(Person, Person.id.in_(care).label("care")).where(Person.household_id.in_(_under(compound)))
    q = (query or "").strip()
    if q:
        key = normalise_query(q)
        conds = [text_match(session, Person.name, f"%{escape_like(q)}%")]
        if key and key.isascii():
            conds.append(Person.search_keys.like(f"%|{escape_like(key)}%", escape="\\"))
        stmt = stmt.where(or_(*conds))
    # by pinyin (search_keys), the order a Chinese list is read in, the same on both databases
    rows = session.execute(stmt.order_by(Person.id.in_(care).desc(), Person.search_keys, Person.id)
                           .limit(limit)).all()
    return [ResidentSuggestion(p.id, p.name, p.household_id, bool(c)) for p, c in rows]


@dataclass(frozen=True)
class ServiceCount:
    """Micro-services of one kind requested in one compound in one local month, and
    how many of those are done."""

    compound_id: int
    compound: str
    month: str  # YYYY-MM
    kind: str
    requested: int
    done: int


def service_counts(session: Session, *, month: str | None = None,
                   compound_id: int | None = None) -> list[ServiceCount]:
    """Monthly counts per compound and kind (months of the request, Asia/Shanghai).
    ``month`` is ``YYYY`` (a year) or ``YYYY-MM``."""
    if month is not None:
        text = str(month).strip()
        ok = (len(text) == 4 and text.isdigit()) or (
            len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit()
            and 1 <= int(text[5:]) <= 12)
        if not ok:
            raise DomainError("redprop.invalid_month", value=month)
    stmt = select(PropertyService.compound_id, PropertyService.requested_at, PropertyService.kind,
                  PropertyService.status)
    if compound_id is not None:
        stmt = stmt.where(PropertyService.compound_id == compound_id)
    counts: dict[tuple[int, str, str], list[int]] = {}
    for cid, requested_at, kind, status in session.execute(stmt):
        ym = local(requested_at).strftime("%Y-%m")
        if month is not None and not ym.startswith(str(month).strip()):
            continue
        c = counts.setdefault((cid, ym, kind), [0, 0])
        c[0] += 1
        c[1] += status == ServiceStatus.done
    names = dict(session.execute(select(Place.id, Place.name).where(Place.id.in_({k[0] for k in counts}))).all())
    kinds = list(ServiceKind)
    return [ServiceCount(cid, names.get(cid, ""), ym, kind, n, done)
            for (cid, ym, kind), (n, done) in sorted(
                counts.items(), key=lambda kv: (names.get(kv[0][0], ""), kv[0][0], kv[0][1],
                                                kinds.index(ServiceKind(kv[0][2]))))]


# -- who may attend (for the check-in screen) --------------------------------------------------


def _posts_on(day: date):
    """The conditions of a post held on ``day`` (started on or before it, not ended by it)."""
    return (or_(Membership.start_date.is_(None), Membership.start_date <= day),
            or_(Membership.end_date.is_(None), Membership.end_date > day))


def attendable_bodies(session: Session, meeting_id: int, person_id: int) -> list[Organisation]:
    """The bodies a person may attend the meeting for: every organisation they hold a
    post in on the meeting date, the meeting's required bodies first (in their order),
    then the others by name. A cross-appointed person gets several and chooses one."""
    m = get_meeting(session, meeting_id)
    person = get_person(session, person_id)
    orgs = {o.id: o for _, o in posts_on(session, person.id, meeting_date(m))}
    order = {o.id: i for i, o in enumerate(bodies_of(session, m.id))}
    return sorted(orgs.values(), key=lambda o: (o.id not in order, order.get(o.id, 0), o.name, o.id))


@dataclass(frozen=True)
class RosterRow:
    """A person the meeting expects (a post in a required body on the meeting date) or
    who attends it. ``body_ids`` are the required bodies they may stand for, in the
    meeting's order (more than one: cross-appointed); ``attending_org_id`` is the body
    they are checked in for (possibly one that is not required), or None."""

    person_id: int
    name: str
    body_ids: tuple[int, ...]
    attending_org_id: int | None

    @property
    def present(self) -> bool:
        return self.attending_org_id is not None

    @property
    def cross_appointed(self) -> bool:
        return len(self.body_ids) > 1


def meeting_roster(session: Session, meeting_id: int) -> list[RosterRow]:
    """The check-in list: everyone with a post in a required body on the meeting date,
    and anyone checked in for another body; by the first body they may stand for (the
    meeting's order), then by name (pinyin); those of other bodies last."""
    m = get_meeting(session, meeting_id)
    order = {o.id: i for i, o in enumerate(bodies_of(session, m.id))}
    posts: dict[int, set[int]] = {}
    if order:
        for pid, oid in session.execute(
                select(Membership.person_id, Membership.organisation_id)
                .where(Membership.organisation_id.in_(list(order)), *_posts_on(meeting_date(m)))):
            posts.setdefault(pid, set()).add(oid)
    attending = {a.person_id: a.organisation_id for a in attendance_of(session, m.id)}
    ids = set(posts) | set(attending)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}
    rows = [RosterRow(pid, people[pid].name, tuple(sorted(posts.get(pid, ()), key=order.__getitem__)),
                      attending.get(pid)) for pid in ids]
    return sorted(rows, key=lambda r: (order[r.body_ids[0]] if r.body_ids else len(order),
                                       people[r.person_id].search_keys or "", r.person_id))


# -- lookups for the command line, the minutes and the screens -------------------------------


def find_meeting(session: Session, ref: str | int) -> Meeting:
    """A meeting by id, or by its label exactly as :func:`meeting_label` prints it (its
    title, or "2026-03-05 荣雅园红色物业联席会议"); a label two meetings share is not found."""
    text = str(ref).strip()
    if text.isdigit():
        return get_meeting(session, int(text))
    found = [m for m in session.scalars(select(Meeting).where(or_(Meeting.title == text, Meeting.title == "")))
             if meeting_label(session, m) == text]
    if len(found) != 1:
        raise DomainError("redprop.meeting_not_found", ref=ref)
    return found[0]


def posts_on(session: Session, person_id: int, day: date) -> list[tuple[Membership, Organisation]]:
    """Every post the person holds on ``day`` (start on or before it, end after it), with
    its organisation, oldest post first: how a cross-appointed person's posts are shown."""
    return [(m, o) for m, o in session.execute(
        select(Membership, Organisation).join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.person_id == person_id,
               or_(Membership.start_date.is_(None), Membership.start_date <= day),
               or_(Membership.end_date.is_(None), Membership.end_date > day))
        .order_by(Membership.start_date, Membership.id)).all()]
