"""What the section's screens show, read in as few queries as the lists need (plain data back,
read off the UI thread); the writes are in :mod:`gongzhi.plugins.red_property.services`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import fmt_local
from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.models import ActionStatus


def names_of(session, model, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


# -- reading (off the UI thread; plain data back) --------------------------------------------


@dataclass
class MeetingListRow:
    id: int
    title_zh: str
    title_en: str
    place: str
    when: str
    kind: str
    status: str
    present: int
    total: int
    needed: int
    headcount: int
    met: bool


STATUS_ORDER = {"open": 0, "draft": 1, "closed": 2}


def load_meetings(session, *, limit: int = 500) -> list[MeetingListRow]:
    """The meetings, the one at hand first: open, then draft (soonest first), then closed
    (newest first); with the quorum of bodies of each. Four queries, whatever the count."""
    from gongzhi.plugins.red_property.models import Attendance, Meeting, MeetingBody

    meetings = list(session.scalars(select(Meeting).order_by(Meeting.held_at.desc(), Meeting.id.desc())
                                    .limit(limit)))
    ids = [m.id for m in meetings]
    if not ids:
        return []
    places = names_of(session, Place, {m.place_id for m in meetings})
    required: dict[int, set[int]] = {}
    for mid, oid in session.execute(select(MeetingBody.meeting_id, MeetingBody.organisation_id)
                                    .where(MeetingBody.meeting_id.in_(ids))):
        required.setdefault(mid, set()).add(oid)
    present: dict[int, set[int]] = {}
    people: dict[int, set[int]] = {}
    for mid, oid, pid in session.execute(select(Attendance.meeting_id, Attendance.organisation_id,
                                                Attendance.person_id).where(Attendance.meeting_id.in_(ids))):
        present.setdefault(mid, set()).add(oid)
        people.setdefault(mid, set()).add(pid)
    out = []
    for m in meetings:
        place = places.get(m.place_id, str(m.place_id))
        day = svc.meeting_date(m).isoformat()
        title_zh = m.title or f"{day} {place}红色物业联席会议"
        title_en = m.title or f"joint meeting of {place}, {day}"
        bodies = required.get(m.id, set())
        n_present = len(bodies & present.get(m.id, set()))
        needed = len(bodies) if m.min_bodies is None else m.min_bodies
        out.append(MeetingListRow(m.id, title_zh, title_en, place, fmt_local(m.held_at), m.kind, m.status,
                                  n_present, len(bodies), needed, len(people.get(m.id, ())), n_present >= needed))
    by_status = {s: [r for r, m in zip(out, meetings, strict=True) if m.status == s] for s in STATUS_ORDER}
    by_status["draft"].reverse()  # the soonest first
    return [r for s in STATUS_ORDER for r in by_status[s]]


@dataclass
class FollowRow:
    action_id: int
    title: str
    status: str
    deadline: date
    note: str
    responsible: str
    origin_zh: str
    origin_en: str


@dataclass
class ItemRow:
    id: int
    seq: int
    title: str
    discussion: str
    request_ref: str | None
    resolutions: int


@dataclass
class ResolutionRow:
    id: int
    seq: int
    item_seq: int
    text: str
    decided_by: str
    votes: list[tuple[str, int, int, int]]
    org: str
    person: str
    deadline: date
    actions: list[tuple[int, str]]  # id, effective status


@dataclass
class MeetingDetail:
    id: int
    title_zh: str
    title_en: str
    place_id: int
    place: str
    when: str
    day: date
    kind: str
    status: str
    location: str
    chair: str
    secretary: str
    without_quorum: bool
    quorum: svc.Quorum
    roster: list[svc.RosterRow]
    org_names: dict[int, str]
    follow_ups: list[FollowRow]
    items: list[ItemRow]
    resolutions: list[ResolutionRow]
    addenda: list[tuple[str, str, str, str]]  # refers_to, text, when, by

    @property
    def bodies(self) -> list[tuple[int, str]]:
        """The bodies a resolution may name: the required ones, then others attending."""
        return [(b.organisation_id, b.name) for b in (*self.quorum.bodies, *self.quorum.others)]


def load_detail(session, meeting_id: int) -> MeetingDetail:
    m = svc.get_meeting(session, meeting_id)
    q = svc.quorum(session, m.id)
    roster = svc.meeting_roster(session, m.id)
    follow = svc.follow_ups(session, m.id)
    items = svc.agenda_items_of(session, m.id)
    resolutions = svc.resolutions_of(session, m.id)
    from gongzhi.plugins.red_property.models import ActionItem, ResolutionVote

    actions: dict[int, list] = {r.id: [] for r in resolutions}
    if resolutions:
        for a in session.scalars(select(ActionItem).where(ActionItem.resolution_id.in_(list(actions)))
                                 .order_by(ActionItem.id)):
            actions[a.resolution_id].append(a)
    org_ids = {oid for r in roster for oid in r.body_ids} | {r.attending_org_id for r in roster}
    org_ids |= {r.responsible_org_id for r in resolutions} | {f.action_item.responsible_org_id for f in follow}
    orgs = names_of(session, Organisation, org_ids)
    people = names_of(session, Person, {m.chair_id, m.secretary_id, *(r.responsible_person_id for r in resolutions)})
    refs = dict(session.execute(select(Request.id, Request.ref).where(
        Request.id.in_({i.request_id for i in items if i.request_id}))).all()) if items else {}
    origins = meeting_labels(session, {f.action_item.meeting_id for f in follow})
    seq_of = {i.id: i.seq for i in items}
    votes: dict[int, list[tuple[str, int, int, int]]] = {r.id: [] for r in resolutions}
    if resolutions:
        rows = list(session.scalars(select(ResolutionVote).where(ResolutionVote.resolution_id.in_(list(votes)))
                                    .order_by(ResolutionVote.id)))
        names = names_of(session, Organisation, {v.organisation_id for v in rows})
        for v in rows:
            votes[v.resolution_id].append((names.get(v.organisation_id, ""), v.yes, v.no, v.abstain))
    place = session.get(Place, m.place_id)
    return MeetingDetail(
        id=m.id, title_zh=svc.meeting_label(session, m), title_en=svc.meeting_label(session, m, "en"),
        place_id=m.place_id, place=place.name if place else "", when=fmt_local(m.held_at), day=svc.meeting_date(m),
        kind=m.kind, status=m.status, location=m.location, chair=people.get(m.chair_id, ""),
        secretary=people.get(m.secretary_id, ""), without_quorum=m.opened_without_quorum, quorum=q, roster=roster,
        org_names=orgs,
        follow_ups=[FollowRow(f.action_item.id, f.action_item.title, f.status, f.deadline, f.note,
                              orgs.get(f.action_item.responsible_org_id, ""), *origins[f.action_item.meeting_id])
                    for f in follow],
        items=[ItemRow(i.id, i.seq, i.title, i.discussion, refs.get(i.request_id),
                       sum(1 for r in resolutions if r.agenda_item_id == i.id)) for i in items],
        resolutions=[ResolutionRow(r.id, r.seq, seq_of.get(r.agenda_item_id, 0), r.text, r.decided_by, votes[r.id],
                                   orgs.get(r.responsible_org_id, ""), people.get(r.responsible_person_id, ""),
                                   r.deadline, [(a.id, svc.effective_status(a).value) for a in actions[r.id]])
                     for r in resolutions],
        addenda=[(a.refers_to, a.text, fmt_local(a.at), a.recorded_by) for a in svc.addenda_of(session, m.id)],
    )


@dataclass
class BoardRow:
    id: int
    status: str
    deadline: str
    days_overdue: int
    title: str
    owner: str
    meeting_zh: str
    meeting_en: str
    request_ref: str | None
    note: str


def meeting_labels(session, meeting_ids) -> dict[int, tuple[str, str]]:
    """(zh, en) labels of meetings, as :func:`~gongzhi.plugins.red_property.services.meeting_label`
    writes them: two queries for any number."""
    from gongzhi.plugins.red_property.models import Meeting

    ids = {i for i in meeting_ids if i is not None}
    if not ids:
        return {}
    meetings = list(session.scalars(select(Meeting).where(Meeting.id.in_(ids))))
    places = names_of(session, Place, {m.place_id for m in meetings})
    out = {}
    for m in meetings:
        place, day = places.get(m.place_id, str(m.place_id)), svc.meeting_date(m).isoformat()
        out[m.id] = (m.title or f"{day} {place}红色物业联席会议", m.title or f"joint meeting of {place}, {day}")
    return out


def latest_notes(session, action_ids) -> dict[int, str]:
    """The latest note of each action item: one query."""
    from sqlalchemy import func

    from gongzhi.plugins.red_property.models import ActionNote

    ids = list(action_ids)
    if not ids:
        return {}
    ranked = select(ActionNote.action_item_id, ActionNote.text, func.row_number().over(
        partition_by=ActionNote.action_item_id, order_by=(ActionNote.at.desc(), ActionNote.id.desc())).label("n")
    ).where(ActionNote.action_item_id.in_(ids)).subquery()
    return dict(session.execute(select(ranked.c.action_item_id, ranked.c.text).where(ranked.c.n == 1)).all())


def load_board(session, *, status: str, place_id: int | None) -> list[BoardRow]:
    """The action-item board: the items (overdue first), then their bodies, people,
    requests, meetings and latest notes, one query per kind."""
    wanted = None if status in ("unfinished", "all") else status
    items = svc.list_action_items(session, place_id=place_id, status=wanted, include_finished=status == "all")
    day = svc.today()
    orgs = names_of(session, Organisation, {a.responsible_org_id for a in items})
    people = names_of(session, Person, {a.responsible_person_id for a in items})
    rids = {a.request_id for a in items if a.request_id}
    refs = dict(session.execute(select(Request.id, Request.ref).where(Request.id.in_(rids))).all()) if rids else {}
    labels = meeting_labels(session, {a.meeting_id for a in items})
    notes = latest_notes(session, [a.id for a in items])
    out = []
    for a in items:
        effective = svc.effective_status(a, day)
        person = people.get(a.responsible_person_id, "")
        owner = orgs.get(a.responsible_org_id, "") + (f" · {person}" if person else "")
        zh, en = labels.get(a.meeting_id, ("", ""))
        overdue = (day - a.deadline).days if effective == ActionStatus.overdue else 0
        out.append(BoardRow(a.id, effective.value, a.deadline.isoformat(), overdue, a.title, owner, zh, en,
                            refs.get(a.request_id), notes.get(a.id, "")))
    return out


@dataclass
class ServiceRow:
    id: int
    requested: str
    compound: str
    resident: str
    kind: str
    status: str
    scheduled: str
    done_by: str
    description: str


@dataclass
class ServiceLog:
    rows: list[ServiceRow]
    counts: list[svc.ServiceCount]


def load_services(session, *, compound_id: int | None, status: str | None, kind: str | None,
                  month: str | None) -> ServiceLog:
    rows = svc.list_services(session, compound_id=compound_id, status=status, kind=kind)
    places = names_of(session, Place, {r.compound_id for r in rows})
    people = names_of(session, Person, {r.resident_id for r in rows} | {r.done_by_id for r in rows})
    orgs = names_of(session, Organisation, {r.done_by_org_id for r in rows})
    out = []
    for r in rows:
        by = " · ".join(x for x in (people.get(r.done_by_id, ""), orgs.get(r.done_by_org_id, "")) if x)
        out.append(ServiceRow(r.id, fmt_local(r.requested_at), places.get(r.compound_id, ""),
                              people.get(r.resident_id, ""), r.kind, r.status, fmt_local(r.scheduled_for), by,
                              r.description))
    return ServiceLog(out, svc.service_counts(session, month=month or None, compound_id=compound_id))


@dataclass
class CandidateRow:
    """An open property request the meeting could take onto its agenda."""

    id: int
    ref: str
    title: str
    category_zh: str
    category_en: str
    place: str
    due: str


def load_candidates(session, meeting_id: int) -> list[CandidateRow]:
    """The open property requests of the meeting's area not yet on its agenda, soonest due
    first (:func:`~gongzhi.plugins.red_property.services.candidate_requests`), with their category
    and place: three queries."""
    from gongzhi.core.models.requests import RequestCategory

    reqs = svc.candidate_requests(session, meeting_id)
    if not reqs:
        return []
    cats = {c.id: c for c in session.scalars(select(RequestCategory).where(
        RequestCategory.id.in_({r.category_id for r in reqs})))}
    places = names_of(session, Place, {r.place_id for r in reqs})
    out = []
    for r in reqs:
        cat = cats.get(r.category_id)
        out.append(CandidateRow(r.id, r.ref, r.title, cat.name_zh if cat else "", cat.name_en if cat else "",
                                places.get(r.place_id, ""), fmt_local(r.due_at)))
    return out
