"""The roundtable's writes and reads. Every write is one service call: validate,
write, audit, commit — then, outside the transaction, timeline notes on the linked
requests and plugin events. Bad input raises a :class:`DomainError` (``delib.*``)
and writes nothing.

Services take keyword arguments only (``session`` first), the acting operator as
``actor``, and ids (the CLI turns names and option numbers into ids). Times are
``at=`` (timezone-aware, default now) so that records can be backdated, as the
core's services allow.

Ballots are append-only: :func:`record_ballot` never updates a row; a changed vote
is a new row with the next ``seq`` that names the row it supersedes. In a secret
round a ballot carries no participant, only an anonymous token (an HMAC of the
participant under the round's key); the key is erased when the round closes, and
from then on nobody can link a ballot to a participant through the database.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.requests import Request
from gongzhi.core.plugins import fire_plugin_event
from gongzhi.core.services.base import (
    Actor,
    audit,
    optional_text,
    require_text,
    snapshot,
    transaction,
    when,
)
from gongzhi.core.services.base import choice as pick
from gongzhi.core.services.people import get_person
from gongzhi.core.services.places import get_place
from gongzhi.core.services.requests import add_note, get_request
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)
from gongzhi.plugins.deliberation import rules
from gongzhi.plugins.deliberation.export import (
    FORMAT,
    VERSION,
    ballot_to_json,
    result_json,
    rule_from_json,
    rule_to_json,
    voter_to_json,
)
from gongzhi.plugins.deliberation.models import (
    CHOOSING_KINDS,
    DEFAULT_GROUPS,
    MOTION_KINDS,
    NON_VOTING_ROLES,
    VOCAB,
    WITHDRAWN,
    Ballot,
    Consultation,
    ConsultationRequest,
    ConsultationStatus,
    Meeting,
    Option,
    Outcome,
    OutcomeAmendment,
    Participant,
    ParticipantRole,
    Round,
    RoundKind,
    RoundResult,
    RoundState,
    TieBreak,
    TieBreakMethod,
)

log = logging.getLogger(__name__)

SOURCE = "deliberation"  # the source of timeline notes and plugin events

# y / n / a / o, as the facilitator types them
CHOICE_KEYS = {"y": "yes", "n": "no", "a": "abstain", "o": "object"}
EDITABLE = (ConsultationStatus.draft, ConsultationStatus.open)


# -- lookups ------------------------------------------------------------------------


def get_consultation(session: Session, consultation_id: int) -> Consultation:
    c = session.get(Consultation, consultation_id)
    if c is None:
        raise DomainError("delib.consultation_not_found", ref=consultation_id)
    return c


def find_consultation(session: Session, ref: str | int) -> Consultation:
    """A consultation by id or exact title."""
    text = str(ref).strip()
    if text.isdigit():
        return get_consultation(session, int(text))
    found = list(session.scalars(select(Consultation).where(Consultation.title == text).limit(2)))
    if len(found) != 1:
        raise DomainError("delib.consultation_not_found", ref=ref)
    return found[0]


def get_participant(session: Session, participant_id: int, consultation_id: int | None = None) -> Participant:
    p = session.get(Participant, participant_id)
    if p is None or (consultation_id is not None and p.consultation_id != consultation_id):
        raise DomainError("delib.participant_not_found", ref=participant_id)
    return p


def find_participant(session: Session, consultation_id: int, ref: str | int) -> Participant:
    """A participant of the consultation by participant id or exact name."""
    text = str(ref).strip()
    if text.isdigit():
        return get_participant(session, int(text), consultation_id)
    found = list(session.scalars(select(Participant).where(
        Participant.consultation_id == consultation_id, Participant.name == text).limit(2)))
    if len(found) != 1:
        raise DomainError("delib.participant_not_found", ref=ref)
    return found[0]


def get_option(session: Session, option_id: int, consultation_id: int | None = None) -> Option:
    o = session.get(Option, option_id)
    if o is None or (consultation_id is not None and o.consultation_id != consultation_id):
        raise DomainError("delib.option_not_found", ref=option_id)
    return o


def option_by_number(session: Session, consultation_id: int, number: int) -> Option:
    o = session.scalar(select(Option).where(Option.consultation_id == consultation_id, Option.number == number))
    if o is None:
        raise DomainError("delib.option_not_found", ref=number)
    return o


def get_meeting(session: Session, meeting_id: int, consultation_id: int | None = None) -> Meeting:
    m = session.get(Meeting, meeting_id)
    if m is None or (consultation_id is not None and m.consultation_id != consultation_id):
        raise DomainError("delib.meeting_not_found", ref=meeting_id)
    return m


def get_round(session: Session, round_id: int) -> Round:
    r = session.get(Round, round_id)
    if r is None:
        raise DomainError("delib.round_not_found", ref=round_id)
    return r


def find_round(session: Session, consultation_id: int, ref: str | int) -> Round:
    """A round as the facilitator sees it: its number in the consultation (``4``, ``第4轮``,
    ``R4``). Never a global id: with several consultations voting, "round 4" is the 4th
    round of *this* consultation."""
    text = str(ref).strip().upper().removeprefix("第").removesuffix("轮").removeprefix("R").strip()
    if not text.isdigit():
        raise DomainError("delib.round_not_found", ref=ref)
    r = session.scalar(select(Round).where(Round.consultation_id == consultation_id, Round.number == int(text)))
    if r is None:
        raise DomainError("delib.round_not_found", ref=ref)
    return r


def _lock_round(session: Session, round_id: int) -> Round:
    """The round, locked for the rest of the transaction (PostgreSQL ``FOR UPDATE``;
    on SQLite the writing transaction already holds the database lock), so that a
    ballot and the close of its round never interleave."""
    r = session.scalar(select(Round).where(Round.id == round_id).with_for_update()
                       .execution_options(populate_existing=True))
    if r is None:
        raise DomainError("delib.round_not_found", ref=round_id)
    return r


def _may(session: Session, actor: Actor, permission: str, place_id: int | None) -> None:
    """Refuse (``permission.denied``) unless ``actor`` holds the plugin's ``permission``
    (declared in :func:`gongzhi.plugins.deliberation.plugin.register_permissions`) on the
    consultation's place; a consultation without a place is street-wide and needs a grant
    on the street, as the core's street-wide actions do. An actor without grants (a
    database without operator accounts, the demo, scripts) holds them all."""
    if actor.grants is None:
        return
    from gongzhi.core.permissions import check, registry

    if permission not in registry():  # the host declares them on load; a bare import here
        from gongzhi.core.permissions import declare
        from gongzhi.plugins.deliberation import plugin

        plugin.register_permissions(lambda n, zh, en, roles=(): declare(n, zh, en, roles, source=plugin.NAME))
    check(session, actor, permission, place_id)


def _where(session: Session, r: Round) -> dict[str, Any]:
    """How a message names a round: its number in the consultation and the consultation's
    title (never the global id, which nobody sees)."""
    c = session.get(Consultation, r.consultation_id)
    return {"ref": r.number, "title": c.title if c is not None else ""}


def participants_of(session: Session, consultation_id: int) -> list[Participant]:
    return list(session.scalars(select(Participant).where(Participant.consultation_id == consultation_id)
                                .order_by(Participant.id)))


def options_of(session: Session, consultation_id: int) -> list[Option]:
    return list(session.scalars(select(Option).where(Option.consultation_id == consultation_id)
                                .order_by(Option.number)))


def meetings_of(session: Session, consultation_id: int) -> list[Meeting]:
    return list(session.scalars(select(Meeting).where(Meeting.consultation_id == consultation_id)
                                .order_by(Meeting.number)))


def rounds_of(session: Session, consultation_id: int) -> list[Round]:
    return list(session.scalars(select(Round).where(Round.consultation_id == consultation_id)
                                .order_by(Round.number)))


def request_ids_of(session: Session, consultation_id: int) -> list[int]:
    return list(session.scalars(select(ConsultationRequest.request_id)
                                .where(ConsultationRequest.consultation_id == consultation_id)
                                .order_by(ConsultationRequest.request_id)))


def result_of(session: Session, round_id: int) -> RoundResult | None:
    return session.scalar(select(RoundResult).where(RoundResult.round_id == round_id))


def tie_break_of(session: Session, round_id: int) -> TieBreak | None:
    return session.scalar(select(TieBreak).where(TieBreak.round_id == round_id))


def outcome_of(session: Session, consultation_id: int) -> Outcome | None:
    return session.scalar(select(Outcome).where(Outcome.consultation_id == consultation_id))


def amendments_of(session: Session, outcome_id: int) -> list[OutcomeAmendment]:
    """A decision's amendments, oldest first."""
    return list(session.scalars(select(OutcomeAmendment).where(OutcomeAmendment.outcome_id == outcome_id)
                                .order_by(OutcomeAmendment.seq)))


@dataclass(frozen=True)
class DecisionInForce:
    """The decision as it now stands: the original, or its latest amendment."""

    outcome: Outcome
    decision: str
    option_id: int | None
    review_on: date | None
    amendments: list[OutcomeAmendment]


def decision_in_force(session: Session, consultation_id: int) -> DecisionInForce | None:
    out = outcome_of(session, consultation_id)
    if out is None:
        return None
    amendments = amendments_of(session, out.id)
    last = amendments[-1] if amendments else out
    return DecisionInForce(out, last.decision, last.option_id, last.review_on, amendments)


def list_consultations(session: Session, *, status: str | None = None, limit: int = 200) -> list[Consultation]:
    stmt = select(Consultation).order_by(Consultation.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Consultation.status == pick(ConsultationStatus, status, "status").value)
    return list(session.scalars(stmt))


def consultations_for_request(session: Session, request_id: int) -> list[Consultation]:
    return list(session.scalars(select(Consultation).join(
        ConsultationRequest, ConsultationRequest.consultation_id == Consultation.id)
        .where(ConsultationRequest.request_id == request_id).order_by(Consultation.id)))


# -- small checks -------------------------------------------------------------------


def _editable(c: Consultation) -> None:
    if c.status not in EDITABLE:
        status = ConsultationStatus(c.status)
        raise DomainError("delib.consultation_locked", ref=c.title, status=status.label("zh"),
                          status_en=status.label("en"))


def _touch(c: Consultation, at: datetime, *, opens: bool = True) -> None:
    """Note a change; the first meeting or round moves a draft consultation to open."""
    c.updated_at = at
    if opens and c.status == ConsultationStatus.draft:
        c.status = ConsultationStatus.open.value


def _next_number(session: Session, model, consultation_id: int) -> int:
    return (session.scalar(select(func.max(model.number)).where(model.consultation_id == consultation_id)) or 0) + 1


def _open_rounds(session: Session, consultation_id: int) -> list[Round]:
    return list(session.scalars(select(Round).where(Round.consultation_id == consultation_id,
                                                    Round.state == RoundState.open.value)))


def _note_requests(session: Session, actor: Actor, request_ids: Iterable[int], note: str, data: dict[str, Any],
                   at: datetime) -> None:
    """Timeline notes on linked requests, written after our own commit (each in its own
    transaction, as an event would be): a failure is logged and undoes nothing."""
    for rid in request_ids:
        try:
            add_note(session, actor=actor, request_id=rid, public_note=note, source=SOURCE, data=data, at=at)
        except Exception:  # noqa: BLE001 - the consultation is committed; a note must not undo it
            log.exception("deliberation: could not add a timeline note to request %s", rid)


# -- consultations -------------------------------------------------------------------


def consultation_from_insight(db, payload: dict[str, Any], actor: Actor | None = None) -> Consultation | None:
    """A topic flagged in the opinion database (the insights plugin's
    ``topic_to_consultation``, read by name; never imported) opens a draft consultation
    on its place, with the evidence as its issue. Heard twice, it opens one: a draft with
    the same title on the same place is the same consultation."""
    actor = actor or Actor("民意数据库")
    title = str(payload.get("title") or payload.get("term") or "").strip()[:200]
    place_id = payload.get("place_id")
    if not title:
        return None
    with db.session() as session:
        _may(session, actor, "deliberation.manage", place_id)
        same = session.scalar(select(Consultation.id).where(
            Consultation.title == title, Consultation.status == ConsultationStatus.draft.value,
            Consultation.place_id.is_(None) if place_id is None else Consultation.place_id == place_id))
        if same is not None:
            return None
        return create_consultation(session, actor=actor, title=title, issue=str(payload.get("summary") or ""),
                                   place_id=place_id)


def create_consultation(
    session: Session,
    *,
    actor: Actor,
    title: str,
    issue: str = "",
    place_id: int | None = None,
    facilitator_id: int | None = None,
    request_ids: Sequence[int] = (),
    at: datetime | None = None,
) -> Consultation:
    """A new consultation (draft), optionally taking up requests: each gets a timeline note."""
    at = when(at)
    with transaction(session):
        title = require_text(title, "title", max_len=200)
        issue = optional_text(issue, "description", max_len=20_000)
        if place_id is not None:
            get_place(session, place_id)
        _may(session, actor, "deliberation.manage", place_id)
        if facilitator_id is not None:
            get_person(session, facilitator_id)
        rids = list(dict.fromkeys(request_ids))
        for rid in rids:
            get_request(session, rid)
        c = Consultation(title=title, issue=issue, place_id=place_id, facilitator_id=facilitator_id,
                         status=ConsultationStatus.draft.value, created_at=at, created_by=actor.name, updated_at=at)
        session.add(c)
        session.flush()
        for rid in rids:
            session.add(ConsultationRequest(consultation_id=c.id, request_id=rid))
        audit(session, actor, "delib.consultation.create", "delib_consultation", c.id, None,
              snapshot(c) | {"request_ids": rids})
    _note_requests(session, actor, rids, f"提交居民议事厅协商：{c.title}", {"consultation_id": c.id}, at)
    return c


def link_request(session: Session, *, actor: Actor, consultation_id: int, request_id: int,
                 at: datetime | None = None) -> ConsultationRequest:
    """Take up one more request (e.g. from the request page's palette command)."""
    at = when(at)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        get_request(session, request_id)
        exists = session.scalar(select(ConsultationRequest).where(
            ConsultationRequest.consultation_id == c.id, ConsultationRequest.request_id == request_id))
        if exists is not None:
            return exists
        link = ConsultationRequest(consultation_id=c.id, request_id=request_id)
        session.add(link)
        session.flush()
        audit(session, actor, "delib.consultation.link_request", "delib_consultation_request", link.id, None,
              snapshot(link))
    _note_requests(session, actor, [request_id], f"提交居民议事厅协商：{c.title}", {"consultation_id": c.id}, at)
    return link


def close_consultation(session: Session, *, actor: Actor, consultation_id: int,
                       at: datetime | None = None) -> Consultation:
    """A decided consultation is closed (its decision carried out, or filed); needs
    ``"deliberation.manage"`` on its place (checked in :func:`_set_status`)."""
    return _set_status(session, actor, consultation_id, ConsultationStatus.closed, (ConsultationStatus.decided,), at)


def withdraw_consultation(session: Session, *, actor: Actor, consultation_id: int,
                          at: datetime | None = None) -> Consultation:
    """A consultation that will not be decided here (e.g. the issue went away); needs
    ``"deliberation.manage"`` on its place (checked in :func:`_set_status`)."""
    return _set_status(session, actor, consultation_id, ConsultationStatus.withdrawn, EDITABLE, at)


def _set_status(session: Session, actor: Actor, consultation_id: int, to: ConsultationStatus,
                allowed: Iterable[ConsultationStatus], at: datetime | None) -> Consultation:
    at = when(at)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        before = snapshot(c)
        if c.status not in {s.value for s in allowed}:
            frm = ConsultationStatus(c.status)
            raise DomainError("delib.illegal_status", ref=c.title, from_status=frm.label("zh"),
                              from_status_en=frm.label("en"), to_status=to.label("zh"), to_status_en=to.label("en"))
        still = _open_rounds(session, c.id)
        if still:
            raise DomainError("delib.round_still_open", **_where(session, still[0]))
        c.status, c.updated_at = to.value, at
        audit(session, actor, f"delib.consultation.{to.value}", "delib_consultation", c.id, before, snapshot(c))
    return c


# -- participants ------------------------------------------------------------------------


def add_participant(
    session: Session,
    *,
    actor: Actor,
    consultation_id: int,
    role: str,
    person_id: int | None = None,
    name: str | None = None,
    group: str | None = None,
    can_vote: bool | None = None,
    weight: int = 1,
    present: bool = False,
    proxy_for_id: int | None = None,
    units: Sequence[tuple[str, Any]] | None = None,
) -> Participant:
    """Seat someone at the table. A person from the register (``person_id``), or an
    outside party known by ``name`` alone. The group defaults from the role
    (resident_rep → residents …); experts and observers do not vote unless told.
    ``units``: the exclusive units they own, ``(unit, area)`` with the area exact
    (``"89.5"``), for owners' decisions (see :func:`set_units`)."""
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        role_ = pick(ParticipantRole, role, "role")
        if person_id is not None:
            person = get_person(session, person_id)
            taken = session.scalar(select(Participant).where(Participant.consultation_id == c.id,
                                                             Participant.person_id == person_id))
            if taken is not None:
                raise DomainError("delib.duplicate_participant", name=person.name)
            name = optional_text(name, "name", max_len=100) or person.name
        else:
            name = require_text(name, "name", max_len=100)
        group = optional_text(group, "group", max_len=40) or DEFAULT_GROUPS[role_.value]
        if isinstance(weight, bool) or not isinstance(weight, int) or weight < 1:
            raise DomainError("delib.invalid_weight", value=weight)
        p = Participant(consultation_id=c.id, person_id=person_id, name=name, role=role_.value, group=group,
                        can_vote=(role_.value not in NON_VOTING_ROLES) if can_vote is None else bool(can_vote),
                        weight=weight, present=bool(present), units=_units(units or ()))
        session.add(p)
        session.flush()
        if proxy_for_id is not None:
            _check_proxy(session, p, proxy_for_id)
            p.proxy_for_id = proxy_for_id
        audit(session, actor, "delib.participant.add", "delib_participant", p.id, None, snapshot(p))
    return p


def _units(units: Iterable[tuple[str, Any]]) -> list[dict[str, str]]:
    """``[(unit, area)]`` → the stored form, each area exact (a float or a non-positive area
    refused, ``delib.bad_roster``) and no unit twice (``input.invalid``)."""
    from gongzhi.plugins.deliberation.owners import exact_area

    out: list[dict[str, str]] = []
    for unit, area in units:
        unit = require_text(unit, "unit", max_len=40)
        a = exact_area(area)
        if any(u["unit"] == unit for u in out):
            raise DomainError("input.invalid", field="unit", value=unit)
        out.append({"unit": unit, "area": _exact_text(a)})
    return out


def _exact_text(a: Any) -> str:
    """An exact area as stored: ``89.5`` when it has a finite decimal form, else ``179/3``."""
    from fractions import Fraction

    a = Fraction(a)
    for places in range(0, 11):
        scaled = a * 10**places
        if scaled.denominator == 1:
            if places == 0:
                return str(scaled.numerator)
            whole, part = divmod(scaled.numerator, 10**places)
            return f"{whole}.{part:0{places}d}"
    return f"{a.numerator}/{a.denominator}"


def set_units(session: Session, *, actor: Actor, participant_id: int, units: Sequence[tuple[str, Any]]) -> Participant:
    """The exclusive units (专有部分) a participant owns, with their registered areas: the
    owners' register an owners' decision round counts from (co-owners list the same unit
    with the same area). Replaces the list; an empty list makes them no owner."""
    with transaction(session):
        p = get_participant(session, participant_id)
        c = get_consultation(session, p.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        before = snapshot(p)
        p.units = _units(units)
        audit(session, actor, "delib.participant.units", "delib_participant", p.id, before, snapshot(p))
    return p


def _check_proxy(session: Session, holder: Participant, giver_id: int) -> Participant:
    giver = get_participant(session, giver_id, holder.consultation_id)
    if giver.id == holder.id:
        raise DomainError("delib.proxy_self", name=holder.name)
    other = session.scalar(select(Participant).where(Participant.proxy_for_id == giver.id,
                                                     Participant.id != holder.id))
    if other is not None:
        raise DomainError("delib.proxy_taken", giver=giver.name, holder=other.name)
    return giver


def set_proxy(session: Session, *, actor: Actor, participant_id: int, proxy_for_id: int | None) -> Participant:
    """``participant`` now holds the proxy of ``proxy_for`` (None: gives it back).
    Each holder holds one proxy and each proxy has one holder; whether a proxy vote
    counts (the holder present, no chain) is for the rules to say when it is cast."""
    with transaction(session):
        p = get_participant(session, participant_id)
        c = get_consultation(session, p.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        before = snapshot(p)
        if proxy_for_id is not None:
            _check_proxy(session, p, proxy_for_id)
        p.proxy_for_id = proxy_for_id
        audit(session, actor, "delib.participant.proxy", "delib_participant", p.id, before, snapshot(p))
    return p


def checkin(session: Session, *, actor: Actor, participant_id: int, present: bool = True,
            confirm_drop: bool = False) -> Participant:
    """Mark a participant present (or gone). The roster is snapshotted when a round closes.

    A check-out drops the participant's ballots, and those they cast as proxy holder, in
    every open round at close (the presence-at-close rule): refused
    (``delib.checkout_drops``, naming them and the count) unless ``confirm_drop``."""
    with transaction(session):
        p = get_participant(session, participant_id)
        c = get_consultation(session, p.consultation_id)
        _may(session, actor, "deliberation.record", c.place_id)
        _editable(c)
        if p.present == bool(present):
            return p
        if not present and not confirm_drop:
            _refuse_drops(session, [p])
        before = snapshot(p)
        p.present = bool(present)
        audit(session, actor, "delib.participant.checkin" if present else "delib.participant.checkout",
              "delib_participant", p.id, before, snapshot(p))
    return p


# -- options -------------------------------------------------------------------------------


def add_option(session: Session, *, actor: Actor, consultation_id: int, text: str, amends_id: int | None = None,
               proposed_by_id: int | None = None, at: datetime | None = None) -> Option:
    """A proposal, numbered 1, 2, 3 … in the consultation; ``amends_id`` makes it an amendment."""
    at = when(at)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        text = require_text(text, "description", max_len=500)
        if amends_id is not None:
            get_option(session, amends_id, c.id)
        if proposed_by_id is not None:
            get_participant(session, proposed_by_id, c.id)
        o = Option(consultation_id=c.id, number=_next_number(session, Option, c.id), text=text, amends_id=amends_id,
                   proposed_by_id=proposed_by_id, created_at=at)
        session.add(o)
        _touch(c, at, opens=False)
        session.flush()
        audit(session, actor, "delib.option.amend" if amends_id else "delib.option.add", "delib_option", o.id,
              None, snapshot(o))
    return o


def amend_option(session: Session, *, actor: Actor, option_id: int, text: str, withdraw_original: bool = False,
                 proposed_by_id: int | None = None, at: datetime | None = None) -> Option:
    """An amended version of an option, as a new option; the original may be withdrawn with it."""
    original = get_option(session, option_id)
    _may(session, actor, "deliberation.manage", get_consultation(session, original.consultation_id).place_id)
    if withdraw_original:
        _option_free(session, original)
    amended = add_option(session, actor=actor, consultation_id=original.consultation_id, text=text,
                         amends_id=original.id, proposed_by_id=proposed_by_id, at=at)
    if withdraw_original:
        withdraw_option(session, actor=actor, option_id=original.id)
    return amended


def _option_free(session: Session, o: Option) -> None:
    """An option on the ballot of an open round cannot change under the voters."""
    if not o.active:
        raise DomainError("delib.option_inactive", ref=o.number)
    for r in _open_rounds(session, o.consultation_id):
        if o.id in r.option_ids:
            raise DomainError("delib.option_in_open_round", ref=o.number, round=r.number)


def withdraw_option(session: Session, *, actor: Actor, option_id: int) -> Option:
    with transaction(session):
        o = get_option(session, option_id)
        c = get_consultation(session, o.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        _option_free(session, o)
        before = snapshot(o)
        o.withdrawn = True
        audit(session, actor, "delib.option.withdraw", "delib_option", o.id, before, snapshot(o))
    return o


def merge_options(session: Session, *, actor: Actor, option_id: int, into_id: int) -> Option:
    """Fold one option into another (their proposers agree to one text)."""
    with transaction(session):
        o = get_option(session, option_id)
        c = get_consultation(session, o.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        target = get_option(session, into_id, o.consultation_id)
        if target.id == o.id:
            raise DomainError("delib.merge_into_self", ref=o.number)
        _option_free(session, o)
        if not target.active:
            raise DomainError("delib.option_inactive", ref=target.number)
        before = snapshot(o)
        o.merged_into_id = target.id
        audit(session, actor, "delib.option.merge", "delib_option", o.id, before, snapshot(o))
    return o


# -- meetings -----------------------------------------------------------------------------------


def add_meeting(
    session: Session,
    *,
    actor: Actor,
    consultation_id: int,
    held_at: datetime | None = None,
    venue: str = "",
    place_id: int | None = None,
    attendance: Sequence[int] = (),
    others_attending: int = 0,
    notes: str = "",
) -> Meeting:
    """A sitting of the roundtable: when, where, who sat at the table (participant ids),
    how many residents came to listen, and the minutes notes."""
    held_at = when(held_at)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        if place_id is not None:
            get_place(session, place_id)
        ids = list(dict.fromkeys(attendance))
        for pid in ids:
            get_participant(session, pid, c.id)
        if isinstance(others_attending, bool) or not isinstance(others_attending, int) or others_attending < 0:
            raise DomainError("input.invalid", field="others_attending", value=others_attending)
        m = Meeting(consultation_id=c.id, number=_next_number(session, Meeting, c.id), held_at=held_at,
                    venue=optional_text(venue, "venue", max_len=200), place_id=place_id, attendance=ids,
                    others_attending=others_attending, notes=optional_text(notes, "notes", max_len=20_000))
        session.add(m)
        _touch(c, held_at)
        session.flush()
        audit(session, actor, "delib.meeting.add", "delib_meeting", m.id, None, snapshot(m))
    return m


def record_meeting_notes(session: Session, *, actor: Actor, meeting_id: int, notes: str,
                         attendance: Sequence[int] | None = None) -> Meeting:
    """Write (or correct) a meeting's minutes notes and attendance; audited with before and after."""
    with transaction(session):
        m = get_meeting(session, meeting_id)
        c = get_consultation(session, m.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        before = snapshot(m)
        m.notes = optional_text(notes, "notes", max_len=20_000)
        if attendance is not None:
            ids = list(dict.fromkeys(attendance))
            for pid in ids:
                get_participant(session, pid, m.consultation_id)
            m.attendance = ids
        audit(session, actor, "delib.meeting.notes", "delib_meeting", m.id, before, snapshot(m))
    return m


# -- rounds ---------------------------------------------------------------------------------------


def make_rule(
    preset: str | None = None,
    *,
    kind: str | None = None,
    threshold: Any = None,
    comparator: str | None = None,
    base: str | None = None,
    quorum_of: str | None = None,
    quorum_fraction: Any = None,
    quorum_count: int | None = None,
    per_group: Sequence[str] | None = None,
    veto_roles: Sequence[str] | None = None,
    top_k: int | None = None,
    seats: int | None = None,
    constraints: Sequence[rules.Constraint] | None = None,
    attributes: dict[int, dict[str, str]] | None = None,
    rounding: str | None = None,
    category: str | None = None,
) -> rules.Rule:
    """A rule from a preset, with any parameter overridden, or built from ``kind`` up.

    Fractions as ``"2/3"`` or :class:`~fractions.Fraction` (never a float). A base
    given for a round that is not yes/no is refused (``delib.base_not_allowed``)."""
    from gongzhi.plugins.deliberation.export import fraction_from_json

    if preset is not None:
        if preset not in rules.PRESETS:
            raise DomainError("delib.unknown_preset", value=preset, choices=", ".join(rules.PRESETS))
        rule = rules.PRESETS[preset]
        if kind is not None and kind != rule.kind:
            raise DomainError("delib.bad_rule", detail=f"预设 {preset} 的方式是 {rule.kind}，不是 {kind}",
                              detail_en=f"preset {preset} is a {rule.kind} rule, not {kind}")
    else:
        if kind is None:
            raise DomainError("input.required", field="kind")
        rule = rules.Rule(kind=pick(RoundKind, kind, "kind").value, name="custom")
    changes: dict[str, Any] = {}
    if threshold is not None:
        changes["threshold"] = fraction_from_json(threshold, "threshold")
    if comparator is not None:
        changes["comparator"] = comparator
    if base is not None:
        if rule.kind != RoundKind.yes_no:
            k = RoundKind(rule.kind)
            raise DomainError("delib.base_not_allowed", base=base, kind=k.label("zh"), kind_en=k.label("en"),
                              allowed="—")
        changes["base"] = base
    if quorum_of is not None or quorum_fraction is not None or quorum_count is not None:
        changes["quorum"] = rules.Quorum(of=quorum_of or "entitled",
                                         fraction=fraction_from_json(quorum_fraction, "quorum"),
                                         count=quorum_count)
    if per_group is not None:
        changes["per_group"] = tuple(per_group)
    if veto_roles is not None:
        changes["veto_roles"] = tuple(veto_roles) or None
    if top_k is not None:
        changes["top_k"] = top_k
    if seats is not None:
        changes["seats"] = seats
    if constraints is not None:
        changes["constraints"] = tuple(constraints)
    if rounding is not None:
        changes["rounding"] = rounding
    if category is not None:
        changes["category"] = category
    if attributes is not None:
        changes["attributes"] = tuple(sorted((oid, tuple(sorted(a.items()))) for oid, a in attributes.items()))
    if changes:
        rule = replace(rule, **changes)
        if preset is not None:
            rule = replace(rule, name=f"{preset}*")  # a preset, adjusted: say so wherever it is shown
    rules.check_rule(rule)
    return rule


def open_round(
    session: Session,
    *,
    actor: Actor,
    consultation_id: int,
    preset: str | None = None,
    rule: rules.Rule | None = None,
    option_ids: Sequence[int] | None = None,
    title: str = "",
    secret: bool = False,
    hide_results: bool = False,
    meeting_id: int | None = None,
    follows_round_id: int | None = None,
    start: bool = True,
    at: datetime | None = None,
) -> Round:
    """A new round under a preset or a custom rule, opened at once unless ``start=False``.

    Choosing kinds put every active option on the ballot unless ``option_ids`` says
    which (at least two); a yes/no or consent round votes on one motion: an option
    (``option_ids=[id]``) or just its ``title``."""
    at = when(at)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        if (preset is None) == (rule is None):
            raise DomainError("delib.bad_rule", detail="须给出预设或自定义规则之一",
                              detail_en="give either a preset or a rule")
        rule = make_rule(preset) if rule is None else rule
        rules.check_rule(rule)
        kind = pick(RoundKind, rule.kind, "kind")
        if option_ids is None:
            ids = [o.id for o in options_of(session, c.id) if o.active] if kind in CHOOSING_KINDS else []
        else:
            ids = list(dict.fromkeys(option_ids))
        opts = [get_option(session, oid, c.id) for oid in ids]
        for o in opts:
            if not o.active:
                raise DomainError("delib.option_inactive", ref=o.number)
        if kind in CHOOSING_KINDS and len(opts) < 2:
            raise DomainError("delib.too_few_options", kind=kind.label("zh"), kind_en=kind.label("en"),
                              count=len(opts))
        if kind in MOTION_KINDS and len(opts) > 1:
            raise DomainError("delib.motion_one_option", count=len(opts))
        if rule.seats is not None and rule.seats > len(opts):
            raise DomainError("delib.too_many_seats", seats=rule.seats, count=len(opts))
        on_ballot = {o.id for o in opts}
        for oid, _pairs in rule.attributes:
            if oid not in on_ballot:
                o = session.get(Option, oid)
                if o is None or o.consultation_id != c.id:
                    raise DomainError("delib.unknown_option", option=oid)
                raise DomainError("delib.option_not_on_ballot", option=o.number, round=_next_number(session, Round, c.id))
        if rule.constraints:
            from gongzhi.plugins.deliberation.multiwinner import check_constraints

            check_constraints(rule.constraints, rule.attribute_map(), [o.id for o in opts], int(rule.seats or 0))
        if meeting_id is not None:
            get_meeting(session, meeting_id, c.id)
        if rule.per_group:
            rule = replace(rule, per_group=_groups_of(session, c.id, rule.per_group))
        if follows_round_id is not None and get_round(session, follows_round_id).consultation_id != c.id:
            raise DomainError("delib.round_not_found", ref=follows_round_id)
        if not (title or "").strip():
            if kind in MOTION_KINDS and opts:
                title = f"表决方案 {opts[0].number}：{opts[0].text}"
            elif rule.seats is not None:
                title = "从候选 " + "、".join(str(o.number) for o in opts) + f" 中选出 {rule.seats} 人"
            elif kind in CHOOSING_KINDS:
                title = "在方案 " + "、".join(str(o.number) for o in opts) + " 中选择"
        title = require_text(title, "title", max_len=500)
        if start:  # the rule and the ballot checked first: a bad input is named as such
            _one_open_round(session, c)
        r = Round(consultation_id=c.id, meeting_id=meeting_id, number=_next_number(session, Round, c.id),
                  title=title, kind=kind.value, preset=preset if preset and rule.name == preset else None,
                  rule=rule_to_json(rule), option_ids=[o.id for o in opts], secret=bool(secret),
                  hide_results=bool(hide_results), follows_round_id=follows_round_id, created_at=at)
        if start:
            _start(r, at)
        session.add(r)
        _touch(c, at)
        session.flush()
        audit(session, actor, "delib.round.open" if start else "delib.round.create", "delib_round", r.id, None,
              snapshot(r, exclude=("token_key",)))
    return r


def _groups_of(session: Session, consultation_id: int, wanted: Iterable[str]) -> tuple[str, ...]:
    """The groups a per-group rule names, as stored (``residents``): each given by its code
    or by its label in either language (居民 / residents); one no voting participant is in
    is refused (``delib.unknown_group``), listing the groups there are by their labels."""
    from gongzhi.plugins.deliberation.vocab import group_label

    known = sorted({p.group for p in participants_of(session, consultation_id) if p.can_vote})
    by_word = {}
    for g in known:
        for word in (g, group_label(g, "zh"), group_label(g, "en")):
            by_word.setdefault(word, g)
    wanted = [str(g).strip() for g in wanted]
    unknown = [g for g in wanted if g not in by_word]
    if unknown:
        raise DomainError("delib.unknown_group", groups="、".join(unknown), groups_en=", ".join(unknown),
                          known="、".join(group_label(g, "zh") for g in known) or "—",
                          known_en=", ".join(group_label(g, "en") for g in known) or "—")
    out = tuple(dict.fromkeys(by_word[g] for g in wanted))
    if len(out) != len(wanted):  # the same group twice, by code and by label
        raise DomainError("delib.bad_rule", detail=f"分组名称须不重复：{'、'.join(wanted)}",
                          detail_en=f"group names must be distinct: {', '.join(wanted)}")
    return out


def _one_open_round(session: Session, c: Consultation) -> None:
    """A consultation takes ballots in one round at a time (issue 16: with several open, a
    ballot typed for "round 2" could land in the wrong one): refused while another is open."""
    still = _open_rounds(session, c.id)
    if still:
        r = min(still, key=lambda x: x.number)
        raise DomainError("delib.round_already_open", ref=r.number, title=c.title, consultation=c.id)


def _start(r: Round, at: datetime) -> None:
    r.state, r.opened_at = RoundState.open.value, at
    if r.secret:
        r.token_key = secrets.token_hex(32)


def start_round(session: Session, *, actor: Actor, round_id: int, at: datetime | None = None) -> Round:
    """created → open."""
    at = when(at)
    with transaction(session):
        r = _lock_round(session, round_id)
        c = get_consultation(session, r.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        _require_state(session, r, (RoundState.created,), RoundState.open)
        _one_open_round(session, c)
        before = snapshot(r, exclude=("token_key",))
        _start(r, at)
        audit(session, actor, "delib.round.start", "delib_round", r.id, before, snapshot(r, exclude=("token_key",)))
    return r


def _require_state(session: Session, r: Round, allowed: Iterable[RoundState], to: RoundState) -> None:
    if r.state not in {s.value for s in allowed}:
        frm = RoundState(r.state)
        raise DomainError("delib.illegal_round_state", **_where(session, r), state=frm.label("zh"),
                          state_en=frm.label("en"),
                          to_state=to.label("zh"), to_state_en=to.label("en"))


def rule_of(r: Round | RoundResult) -> rules.Rule:
    return rule_from_json(r.rule)


def voter_key(r: Round, participant_id: int) -> str:
    """Named rounds: ``p<id>``. Secret rounds: an HMAC of the participant under the
    round's key — the same participant always gets the same token in the round (so a
    second ballot supersedes the first), and without the key nobody can tell whose it is."""
    if not r.secret:
        return f"p{participant_id}"
    if not r.token_key:
        from sqlalchemy.orm import object_session

        session = object_session(r)
        where = _where(session, r) if session is not None else {"ref": r.number, "title": ""}
        raise DomainError("delib.round_not_open", **where, state=RoundState(r.state).label("zh"),
                          state_en=RoundState(r.state).label("en"))
    return hmac.new(bytes.fromhex(r.token_key), f"{r.id}:{participant_id}".encode(), hashlib.sha256).hexdigest()


def _voter_units(p: Participant) -> tuple[tuple[str, str], ...]:
    return tuple((u["unit"], u["area"]) for u in (p.units or []))


def live_voter(p: Participant) -> rules.Voter:
    return rules.Voter(id=p.id, group=p.group, role=p.role, can_vote=p.can_vote, weight=p.weight,
                       present=p.present, proxy_for=p.proxy_for_id, units=_voter_units(p))


def normalise_choice(value: str | None) -> str | None:
    if value is None:
        return None
    text = value.strip().lower()
    return CHOICE_KEYS.get(text, text) or None


def _humanise(exc: DomainError, people: dict[int, Participant], options: dict[int, Option]) -> DomainError:
    """The rules speak in ids; the facilitator thinks in names and option numbers."""
    params = dict(exc.params)
    for key in ("voter", "holder"):
        pid = params.get(key)
        if isinstance(pid, int) and pid in people:
            params[key] = people[pid].name  # a name, never an id (and "#14" would read as option 14)
    oid = params.get("option")
    if isinstance(oid, int) and oid in options:
        params["option"] = options[oid].number
    return DomainError(exc.code, **params)


def current_ballots(session: Session, round_id: int) -> list[Ballot]:
    """Each voter's latest ballot (the highest ``seq`` per voter key), in id order; a
    voter whose latest row is a withdrawal (:data:`WITHDRAWN`, an undone ballot) has none."""
    latest = (select(Ballot.voter_key, func.max(Ballot.seq).label("seq")).where(Ballot.round_id == round_id)
              .group_by(Ballot.voter_key).subquery())
    return list(session.scalars(select(Ballot).join(
        latest, (Ballot.voter_key == latest.c.voter_key) & (Ballot.seq == latest.c.seq))
        .where(Ballot.round_id == round_id, or_(Ballot.choice.is_(None), Ballot.choice != WITHDRAWN))
        .order_by(Ballot.id)))


def ballot_history(session: Session, round_id: int) -> list[Ballot]:
    """Every ballot of the round, superseded ones included, in the order recorded."""
    return list(session.scalars(select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.id)))


def out_of_sequence(session: Session, round_id: int) -> list[dict[str, Any]]:
    """Ballot rows that do not belong to the round's recorded sequence — rows written to
    the table by hand rather than by :func:`record_ballot` / :func:`undo_ballot`. Every
    recorded ballot has its audit entry, sits in its voter's chain (seq 1, 2 … each
    superseding the one before) and was recorded before the round closed. Returns
    ``{"id", "seq", "voter_key", "voter", "name", "problems": [...]}`` per suspicious row,
    in id order: ``voter`` is the participant (a named round) or the pseudonym of the
    roster snapshot (a secret round, once counted; None when the token matches nobody),
    ``name`` the participant's name in a named round (None otherwise)."""
    from gongzhi.core.models.audit import AuditLog

    r = get_round(session, round_id)
    rows = ballot_history(session, round_id)
    ids = [b.id for b in rows]
    audited = set(session.scalars(select(AuditLog.entity_id).where(
        AuditLog.entity == "delib_ballot", AuditLog.entity_id.in_(ids)))) if ids else set()
    chains: dict[str, list[Ballot]] = {}
    for b in rows:
        chains.setdefault(b.voter_key, []).append(b)
    out = []
    for b in rows:
        problems = []
        if b.id not in audited:
            problems.append("no_audit")
        chain = sorted(chains[b.voter_key], key=lambda x: (x.seq, x.id))
        pos = chain.index(b)
        expected_prev = chain[pos - 1].id if pos else None
        if b.seq != pos + 1 or b.supersedes_id != expected_prev:
            problems.append("broken_chain")
        if r.closed_at is not None and b.recorded_at is not None and b.recorded_at > r.closed_at:
            problems.append("after_close")
        if problems:
            voter, name = _stray_voter(session, r, b)
            out.append({"id": b.id, "seq": b.seq, "voter_key": b.voter_key, "voter": voter, "name": name,
                        "problems": problems})
    return out


def _stray_voter(session: Session, r: Round, b: Ballot) -> tuple[int | None, str | None]:
    """Whom a row out of sequence claims to be: (participant id, name) in a named round;
    (pseudonym, None) in a counted secret round; (None, None) when nobody matches."""
    if not r.secret:
        if b.participant_id is None:
            return None, None
        p = session.get(Participant, b.participant_id)
        return b.participant_id, (p.name if p is not None and p.consultation_id == r.consultation_id else None)
    res = result_of(session, r.id)
    tokens = {e.get("token"): e.get("id") for e in (res.snapshot.get("voters", []) if res else [])}
    return tokens.get(b.voter_key), None


def superseded_ids(session: Session, round_id: int) -> set[int]:
    return set(session.scalars(select(Ballot.supersedes_id).where(
        Ballot.round_id == round_id, Ballot.supersedes_id.is_not(None))))


def record_ballot(
    session: Session,
    *,
    actor: Actor,
    round_id: int,
    participant_id: int,
    choice: str | None = None,
    ranking: Sequence[int] = (),
    ranks: dict[int, int] | None = None,
    approvals: Iterable[int] = (),
    option_id: int | None = None,
    reason: str = "",
    cast_by_id: int | None = None,
    at: datetime | None = None,
) -> Ballot:
    """Record ``participant``'s ballot, cast in person or by the proxy holder ``cast_by_id``.

    Checked against the live roster by :func:`rules.validate_ballot` (entitled,
    present, proxies, the round's form, objections with reasons, rankings without
    gaps or repeats, known options). A later ballot from the same voter supersedes the
    earlier one as a new row; the same ballot again is recognised and writes nothing.
    ``choice`` takes yes/no/abstain/object or y/n/a/o. Preferences name option ids:
    ``ranking`` best first, or ``ranks`` as the vote grid has them ({option id: 1, 2 …},
    no gaps or repeats), ``approvals``, or ``option_id`` (plurality)."""
    at = when(at)
    with transaction(session):
        r = _lock_round(session, round_id)
        c = get_consultation(session, r.consultation_id)
        _may(session, actor, "deliberation.record", c.place_id)
        _editable(c)
        if r.state != RoundState.open:
            st = RoundState(r.state)
            others = [o for o in _open_rounds(session, c.id) if o.id != r.id]
            if others:  # the facilitator typed the wrong round: say which one is receiving
                raise DomainError("delib.round_not_current", ref=r.number, title=c.title,
                                  current="、".join(str(o.number) for o in others))
            raise DomainError("delib.round_not_open", ref=r.number, title=c.title, state=st.label("zh"),
                              state_en=st.label("en"))
        if result_of(session, r.id) is not None:
            # the round says "open" but a count is stored: its state was reset outside gongzhi
            raise DomainError("delib.round_has_result", ref=r.number, title=c.title)
        voter = get_participant(session, participant_id, c.id)
        if cast_by_id is not None:
            get_participant(session, cast_by_id, c.id)
        people = {p.id: p for p in participants_of(session, c.id)}
        options = {o.id: o for o in options_of(session, c.id)}
        approvals = list(approvals)
        if len(set(approvals)) != len(approvals):
            raise DomainError("delib.bad_ranking", detail="认可的选项有重复", detail_en="an option is approved twice")
        choosing = r.kind in CHOOSING_KINDS  # a motion round refuses any preference (the rules say so)
        if ranks:
            if ranking:
                raise DomainError("delib.bad_ranking", detail="排序与名次只能给一种", detail_en="give a ranking or ranks, not both")
            if choosing:
                _on_ballot(r, list(ranks), options)
            ranking = rules.ranking_from_ranks(ranks)
        if choosing:
            _on_ballot(r, [*ranking, *approvals, *([option_id] if option_id is not None else [])], options)
        ballot = rules.Ballot(
            voter_id=voter.id,
            cast_by=None if cast_by_id in (None, voter.id) else cast_by_id,
            choice=normalise_choice(choice),
            reason=optional_text(reason, "reason", max_len=2000),
            ranking=tuple(ranking),
            approvals=frozenset(approvals),
            option_id=option_id,
        )
        try:
            rules.validate_ballot(rule_of(r), {pid: live_voter(p) for pid, p in people.items()}, ballot,
                                  list(r.option_ids))
        except DomainError as exc:
            raise _humanise(exc, people, options) from None
        key = voter_key(r, voter.id)
        previous = session.scalar(select(Ballot).where(Ballot.round_id == r.id, Ballot.voter_key == key)
                                  .order_by(Ballot.seq.desc()).limit(1))
        row = Ballot(
            round_id=r.id, participant_id=None if r.secret else voter.id, voter_key=key,
            seq=1 if previous is None else previous.seq + 1, supersedes_id=None if previous is None else previous.id,
            cast_by_id=None if r.secret else ballot.cast_by, by_proxy=ballot.cast_by is not None,
            choice=ballot.choice, reason=ballot.reason, ranking=list(ballot.ranking),
            approvals=sorted(ballot.approvals), option_id=ballot.option_id, recorded_by=actor.name, recorded_at=at,
        )
        if previous is not None and _same_vote(previous, row):
            return previous  # the same ballot entered twice: nothing new to record
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise DomainError("delib.ballot_conflict", ref=r.number, title=c.title) from None
        audit(session, actor, "delib.ballot.supersede" if previous is not None else "delib.ballot.record",
              "delib_ballot", row.id, None, snapshot(row))
    return row


def latest_ballot_id(session: Session, round_id: int, participant_id: int) -> int | None:
    """The id of ``participant``'s latest ballot row in the round (None: none yet)."""
    r = get_round(session, round_id)
    return session.scalar(select(Ballot.id).where(Ballot.round_id == r.id,
                                                  Ballot.voter_key == voter_key(r, participant_id))
                          .order_by(Ballot.seq.desc()).limit(1))


def ballots_dropped_by_checkout(session: Session, participant_id: int) -> tuple[int, int]:
    """What checking ``participant`` out would drop at close in the consultation's open
    rounds: (their own current ballots, the ballots they cast as proxy holder)."""
    p = get_participant(session, participant_id)
    own = proxied = 0
    for r in _open_rounds(session, p.consultation_id):
        for b in current_ballots(session, r.id):
            if b.voter_key == voter_key(r, p.id) and not b.by_proxy:
                own += 1
            elif b.by_proxy and (b.cast_by_id == p.id if not r.secret else
                                 p.proxy_for_id is not None and b.voter_key == voter_key(r, p.proxy_for_id)):
                proxied += 1
    return own, proxied


def checkout_drops(session: Session, participants: Iterable[Participant]) -> DomainError | None:
    """The refusal a check-out of ``participants`` gets when it would drop ballots or proxy
    votes at close (``delib.checkout_drops``, naming the people), or None when it drops none."""
    names, own, proxied = [], 0, 0
    for p in participants:
        o, x = ballots_dropped_by_checkout(session, p.id)
        if o or x:
            names.append(p.name)
            own, proxied = own + o, proxied + x
    if not names:
        return None
    return DomainError("delib.checkout_drops", names="、".join(names), names_en=", ".join(names), ballots=own,
                       proxies=proxied, how="须确认后才能离场", how_en="confirm to check them out anyway")


def _refuse_drops(session: Session, participants: Iterable[Participant]) -> None:
    err = checkout_drops(session, participants)
    if err is not None:
        raise err


def _undo_row_ids(session: Session, ids: Sequence[int]) -> set[int]:
    """Which of these ballot rows :func:`undo_ballot` wrote (its audit entry says so)."""
    from gongzhi.core.models.audit import AuditLog

    if not ids:
        return set()
    return set(session.scalars(select(AuditLog.entity_id).where(
        AuditLog.entity == "delib_ballot", AuditLog.action == "delib.ballot.undo", AuditLog.entity_id.in_(ids))))


def _standing(chain: Sequence[Ballot], undo_ids: set[int]) -> list[Ballot]:
    """The recorded ballots of one voter's chain (in ``seq`` order) that still stand, oldest
    first: each recorded ballot is laid on the pile and each undo takes the top one off, so
    the top is the current ballot and the one under it is what an undo brings back."""
    pile: list[Ballot] = []
    for b in chain:
        if b.id in undo_ids:
            if pile:
                pile.pop()
        else:
            pile.append(b)
    return pile


def undo_ballot(session: Session, *, actor: Actor, round_id: int, participant_id: int,
                at: datetime | None = None) -> Ballot | None:
    """Take back ``participant``'s current ballot in an open round (the vote grid's undo of
    the last ballot): append-only like every ballot, a new row supersedes it and holds what
    was current before — the ballot it superseded, or a withdrawal (:data:`WITHDRAWN`: no
    current ballot) when it was the voter's first. Undo again takes back the ballot so
    brought back in its turn (never the one just undone). Returns the ballot now current,
    or None. Refused (``delib.nothing_to_undo``) when the voter has no current ballot."""
    at = when(at)
    with transaction(session):
        r = _lock_round(session, round_id)
        c = get_consultation(session, r.consultation_id)
        _may(session, actor, "deliberation.record", c.place_id)
        _editable(c)
        if r.state != RoundState.open:
            st = RoundState(r.state)
            others = [o for o in _open_rounds(session, c.id) if o.id != r.id]
            if others:  # the facilitator typed the wrong round: say which one is receiving
                raise DomainError("delib.round_not_current", ref=r.number, title=c.title,
                                  current="、".join(str(o.number) for o in others))
            raise DomainError("delib.round_not_open", ref=r.number, title=c.title, state=st.label("zh"),
                              state_en=st.label("en"))
        voter = get_participant(session, participant_id, c.id)
        key = voter_key(r, voter.id)
        chain = list(session.scalars(select(Ballot).where(Ballot.round_id == r.id, Ballot.voter_key == key)
                                     .order_by(Ballot.seq)))
        last = chain[-1] if chain else None
        standing = _standing(chain, _undo_row_ids(session, [b.id for b in chain]))
        if last is None or last.choice == WITHDRAWN or not standing:
            raise DomainError("delib.nothing_to_undo", voter=voter.name)
        before = standing[-2] if len(standing) > 1 else None
        restore = before is not None and before.choice != WITHDRAWN
        row = Ballot(
            round_id=r.id, participant_id=last.participant_id, voter_key=key, seq=last.seq + 1, supersedes_id=last.id,
            cast_by_id=before.cast_by_id if restore else None, by_proxy=before.by_proxy if restore else False,
            choice=before.choice if restore else WITHDRAWN, reason=before.reason if restore else "",
            ranking=list(before.ranking) if restore else [], approvals=list(before.approvals) if restore else [],
            option_id=before.option_id if restore else None, recorded_by=actor.name, recorded_at=at,
        )
        session.add(row)
        try:
            session.flush()
        except IntegrityError:
            raise DomainError("delib.ballot_conflict", ref=r.number, title=c.title) from None
        audit(session, actor, "delib.ballot.undo", "delib_ballot", row.id, snapshot(last), snapshot(row))
    return row if restore else None


def last_recorded_voter(session: Session, *, round_id: int, recorded_by: str) -> int | None:
    """The participant whose ballot ``recorded_by`` (an operator's name) recorded last in
    the open round and that still stands as their current ballot — what the vote grid's
    ``z`` takes back with :func:`undo_ballot`, whenever and wherever it was recorded (an
    earlier visit of the screen, the CLI). Ballots undone since, or changed since by
    someone else, are passed over; after an undo, the ballot it brought back counts as
    recorded when it first was. None: nothing of theirs to undo (or the round is not open)."""
    r = get_round(session, round_id)
    if r.state != RoundState.open:
        return None
    rows = ballot_history(session, r.id)
    undo_ids = _undo_row_ids(session, [b.id for b in rows])
    chains: dict[str, list[Ballot]] = {}
    for b in sorted(rows, key=lambda b: (b.seq, b.id)):
        chains.setdefault(b.voter_key, []).append(b)
    tops = [pile[-1] for pile in (_standing(chain, undo_ids) for chain in chains.values())
            if pile and pile[-1].recorded_by == recorded_by and pile[-1].choice != WITHDRAWN]
    if not tops:
        return None
    latest = max(tops, key=lambda b: b.id)
    if latest.participant_id is not None:
        return latest.participant_id
    # a secret round: the token is matched against the round's key (kept while it is open)
    return next((p.id for p in participants_of(session, r.consultation_id)
                 if voter_key(r, p.id) == latest.voter_key), None)


def checkin_all(session: Session, *, actor: Actor, consultation_id: int, present: bool = True,
                except_ids: Iterable[int] = (), confirm_drop: bool = False) -> list[Participant]:
    """Everyone at the table checked in (or out) in one step — but ``except_ids``, who are
    marked the other way; returns the participants whose presence changed. Checking out
    people whose ballots would drop at close is refused unless ``confirm_drop`` (as
    :func:`checkin`)."""
    changed = []
    skip = set(except_ids)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.record", c.place_id)
        _editable(c)
        people = participants_of(session, c.id)
        if not confirm_drop:
            _refuse_drops(session, [p for p in people if p.present and bool(present) == (p.id in skip)])
        for p in people:
            want = bool(present) != (p.id in skip)
            if p.present == want:
                continue
            before = snapshot(p)
            p.present = want
            audit(session, actor, "delib.participant.checkin" if want else "delib.participant.checkout",
                  "delib_participant", p.id, before, snapshot(p))
            changed.append(p)
    return changed


def _on_ballot(r: Round, option_ids: Iterable[int], options: dict[int, Option]) -> None:
    for oid in option_ids:
        if oid in r.option_ids:
            continue
        if oid in options:
            raise DomainError("delib.option_not_on_ballot", option=options[oid].number, round=r.number)
        raise DomainError("delib.unknown_option", option=oid)


def _same_vote(a: Ballot, b: Ballot) -> bool:
    fields = ("participant_id", "cast_by_id", "by_proxy", "choice", "reason", "ranking", "approvals", "option_id")
    return all(getattr(a, f) == getattr(b, f) for f in fields)


# -- counting -----------------------------------------------------------------------------------


@dataclass
class CountInput:
    """What a count is made of: the rule, the voters, the ballots, the options."""

    rule: rules.Rule
    voters: list[rules.Voter]
    ballots: list[rules.Ballot]
    option_ids: list[int]


def _voters_and_ballots(r: Round, people: list[Participant], rows: list[Ballot]
                        ) -> tuple[list[dict[str, Any]], list[rules.Voter], list[rules.Ballot]]:
    """The roster snapshot's voters and the ballots that refer to them.

    Named rounds use participant ids. Secret rounds use pseudonyms: participants are
    numbered 1, 2, 3 … in the order of their tokens (random-looking, and unlinkable
    once the key is gone); each voter in the snapshot keeps its token so that the
    ballots can be matched again for a recount."""
    if not r.secret:
        voters = [live_voter(p) for p in people]
        entries = [voter_to_json(v, name=p.name) for v, p in zip(voters, people, strict=True)]
        ballots = [rules.Ballot(voter_id=b.participant_id, cast_by=b.cast_by_id, choice=b.choice, reason=b.reason,
                                ranking=tuple(b.ranking), approvals=frozenset(b.approvals), option_id=b.option_id)
                   for b in rows]
        return entries, voters, ballots
    tokens = {p.id: voter_key(r, p.id) for p in people}
    pseudo = {pid: n for n, (pid, _) in enumerate(sorted(tokens.items(), key=lambda kv: kv[1]), start=1)}
    voters, entries = [], []
    for p in sorted(people, key=lambda p: pseudo[p.id]):
        v = rules.Voter(id=pseudo[p.id], group=p.group, role=p.role, can_vote=p.can_vote, weight=p.weight,
                        present=p.present, proxy_for=pseudo.get(p.proxy_for_id) if p.proxy_for_id else None,
                        units=_voter_units(p))
        voters.append(v)
        entries.append(voter_to_json(v, token=tokens[p.id]))
    return entries, voters, _secret_ballots(entries, rows)


def _secret_ballots(entries: list[dict[str, Any]], rows: list[Ballot]) -> list[rules.Ballot]:
    by_token = {e["token"]: e["id"] for e in entries}
    holder_of = {e["proxy_for"]: e["id"] for e in entries if e.get("proxy_for") is not None}
    out = []
    for b in rows:
        vid = by_token.get(b.voter_key)
        if vid is None:  # a participant who is no longer on the roster: cannot happen, participants stay
            continue
        out.append(rules.Ballot(voter_id=vid, cast_by=holder_of.get(vid) if b.by_proxy else None, choice=b.choice,
                                reason=b.reason, ranking=tuple(b.ranking), approvals=frozenset(b.approvals),
                                option_id=b.option_id))
    return out


def _roster(people: list[Participant], secret: bool) -> list[dict[str, Any]]:
    """The named roster for the minutes. A secret round's roster leaves proxies out
    (their number is in the snapshot), so it cannot be joined to the pseudonyms."""
    out = []
    for p in people:
        entry = {"participant_id": p.id, "name": p.name, "role": p.role, "group": p.group,
                 "can_vote": p.can_vote, "weight": p.weight, "present": p.present,
                 **({"units": list(p.units)} if p.units else {})}
        if not secret:
            entry["proxy_for"] = p.proxy_for_id
        out.append(entry)
    return out


def live_tally(session: Session, *, round_id: int) -> rules.Result:
    """The count so far, on the live roster — refused while the round hides its results."""
    r = get_round(session, round_id)
    if r.state in (RoundState.closed, RoundState.published):
        return stored_result(session, round_id=round_id)
    if r.hide_results:
        raise DomainError("delib.results_hidden", **_where(session, r))
    people = participants_of(session, r.consultation_id)
    if r.secret and not r.token_key:
        raise DomainError("delib.round_not_open", **_where(session, r), state=RoundState(r.state).label("zh"),
                          state_en=RoundState(r.state).label("en"))
    _, voters, ballots = _voters_and_ballots(r, people, current_ballots(session, r.id))
    return rules.tally(rule_of(r), voters, ballots, list(r.option_ids))


def stored_result(session: Session, *, round_id: int) -> rules.Result:
    res = result_of(session, round_id)
    if res is None:
        raise DomainError("delib.round_not_closed", **_where(session, get_round(session, round_id)))
    d = res.result
    return rules.Result(outcome=d["outcome"], winners=tuple(d["winners"]), totals=d["totals"],
                        explanation=[rules.Line(x["zh"], x["en"]) for x in d["explanation"]], rounds=d["rounds"])


def close_round(session: Session, *, actor: Actor, round_id: int, at: datetime | None = None) -> RoundResult:
    """Close the round: snapshot the roster, count the current ballots with the rules,
    store the result (append-only), and erase a secret round's token key."""
    at = when(at)
    with transaction(session):
        r = _lock_round(session, round_id)
        c = get_consultation(session, r.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _require_state(session, r, (RoundState.open,), RoundState.closed)
        if result_of(session, r.id) is not None:
            # the round says "open" but a result is stored: its state was reset outside gongzhi
            raise DomainError("delib.round_already_counted", ref=r.number, title=c.title)
        people = participants_of(session, c.id)
        options = {o.id: o for o in options_of(session, c.id)}
        rows = current_ballots(session, r.id)
        entries, voters, ballots = _voters_and_ballots(r, people, rows)
        rule = rule_of(r)
        result = rules.tally(rule, voters, ballots, list(r.option_ids))
        entitled = [p for p in people if p.can_vote]
        snap = {
            "secret": r.secret,
            "taken_at": at.isoformat(),
            "voters": entries,
            "roster": _roster(people, r.secret),
            "entitled": {"count": len(entitled), "weight": sum(p.weight for p in entitled)},
            "present": {"count": sum(1 for p in entitled if p.present),
                        "weight": sum(p.weight for p in entitled if p.present)},
            "proxies": sum(1 for p in people if p.proxy_for_id is not None),
            "options": [{"id": oid, "number": options[oid].number, "text": options[oid].text}
                        for oid in r.option_ids],
        }
        d = result_json(result)
        res = RoundResult(round_id=r.id, rule=rule_to_json(rule), snapshot=snap, ballot_ids=[b.id for b in rows],
                          outcome=d["outcome"], winners=d["winners"], totals=d["totals"],
                          explanation=d["explanation"], result=d, computed_at=at, computed_by=actor.name)
        session.add(res)
        before = snapshot(r, exclude=("token_key",))
        r.state, r.closed_at, r.token_key = RoundState.closed.value, at, None
        c.updated_at = at
        session.flush()
        audit(session, actor, "delib.round.close", "delib_round", r.id, before, snapshot(r, exclude=("token_key",)))
        audit(session, actor, "delib.round_result.create", "delib_round_result", res.id, None,
              {"round_id": r.id, "outcome": res.outcome, "winners": res.winners, "ballots": len(rows)})
    return res


def recount_input(session: Session, *, round_id: int) -> CountInput:
    """What the stored result was computed from: its rule, its roster snapshot, its ballots."""
    r = get_round(session, round_id)
    res = result_of(session, round_id)
    if res is None:
        raise DomainError("delib.round_not_closed", **_where(session, r))
    rows = [session.get(Ballot, bid) for bid in res.ballot_ids]
    entries = res.snapshot["voters"]
    voters = [rules.Voter(id=e["id"], group=e["group"], role=e["role"], can_vote=e["can_vote"], weight=e["weight"],
                          present=e["present"], proxy_for=e["proxy_for"],
                          units=tuple((u, a) for u, a in e.get("units", []))) for e in entries]
    if res.snapshot.get("secret"):
        ballots = _secret_ballots(entries, rows)
    else:
        ballots = [rules.Ballot(voter_id=b.participant_id, cast_by=b.cast_by_id, choice=b.choice, reason=b.reason,
                                ranking=tuple(b.ranking), approvals=frozenset(b.approvals), option_id=b.option_id)
                   for b in rows]
    return CountInput(rule=rule_from_json(res.rule), voters=voters, ballots=ballots, option_ids=list(r.option_ids))


class Recounted(NamedTuple):
    """A stored round counted again: the fresh result, whether it matches the stored one,
    and the round's ballot rows that do not belong to the recorded sequence
    (:func:`out_of_sequence`: rows written to the table by hand)."""

    result: rules.Result
    matches: bool
    out_of_sequence: list[dict[str, Any]]


def recount(session: Session, *, round_id: int) -> Recounted:
    """Count a closed round again from its snapshot and ballots, and flag ballot rows out
    of sequence (a matching count over a table someone wrote to is no proof)."""
    inp = recount_input(session, round_id=round_id)
    fresh = rules.tally(inp.rule, inp.voters, inp.ballots, inp.option_ids)
    from gongzhi.plugins.deliberation.export import _counted

    same = _counted(result_json(fresh)) == _counted(result_of(session, round_id).result)
    return Recounted(fresh, same, out_of_sequence(session, round_id))


def publish_round(session: Session, *, actor: Actor, round_id: int, at: datetime | None = None) -> Round:
    """closed → published (announced to residents); other plugins hear ``round_published``."""
    at = when(at)
    with transaction(session):
        r = _lock_round(session, round_id)
        _may(session, actor, "deliberation.manage", get_consultation(session, r.consultation_id).place_id)
        _require_state(session, r, (RoundState.closed,), RoundState.published)
        before = snapshot(r, exclude=("token_key",))
        r.state, r.published_at = RoundState.published.value, at
        audit(session, actor, "delib.round.publish", "delib_round", r.id, before, snapshot(r, exclude=("token_key",)))
        res = result_of(session, r.id)
        payload = {"consultation_id": r.consultation_id, "round_id": r.id, "title": r.title,
                   "outcome": res.outcome if res else None, "winners": list(res.winners) if res else []}
    fire_plugin_event(SOURCE, "round_published", payload)
    _report_evaluation(session, r.id)
    return r


def _report_evaluation(session: Session, round_id: int) -> None:
    """A round another plugin asked for (the micro-projects' evaluation) sends its result
    back (``evaluation_round_published``, :mod:`gongzhi.plugins.deliberation.evaluation`). After
    the commit: a failure is logged and never undoes the publication."""
    from gongzhi.plugins.deliberation.evaluation import report_result

    try:
        report_result(session, round_id=round_id)
    except Exception:  # noqa: BLE001 - the round is published; the report must not undo it
        log.exception("deliberation: could not report evaluation round %s", round_id)


def break_tie(session: Session, *, actor: Actor, round_id: int, option_id: int, method: str, note: str = "",
              at: datetime | None = None) -> TieBreak:
    """Record how the facilitator broke a tie the count returned: by lot, the chair's
    casting vote, the earliest proposal, or another rule stated in ``note``."""
    at = when(at)
    with transaction(session):
        r = _lock_round(session, round_id)
        c = get_consultation(session, r.consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        _editable(c)
        res = result_of(session, r.id)
        if res is None:
            raise DomainError("delib.round_not_closed", **_where(session, r))
        if res.outcome != "tie":
            raise _outcome_error(session, "delib.round_not_tied", r, res.outcome)
        if tie_break_of(session, r.id) is not None:
            raise DomainError("delib.tie_already_broken", **_where(session, r))
        o = get_option(session, option_id, r.consultation_id)
        if r.kind in rules.SEAT_KINDS:
            # an election tied for its last seat(s): the pick must be one of the tied, for the one seat left
            tie = res.totals.get("tie") or {}
            if o.id not in tie.get("candidates", []):
                raise DomainError("delib.not_a_winner", option=o.number, **_where(session, r))
            if tie.get("seats_left") != 1:
                raise DomainError("delib.seat_tie_needs_rerun", **_where(session, r), seats=tie.get("seats_left"))
        elif o.id not in res.winners:
            raise DomainError("delib.not_a_winner", option=o.number, **_where(session, r))
        m = pick(TieBreakMethod, method, "method")
        note = optional_text(note, "notes", max_len=2000)
        if m == TieBreakMethod.other and not note:
            raise DomainError("input.required", field="notes")
        tb = TieBreak(round_id=r.id, method=m.value, option_id=o.id, note=note, recorded_by=actor.name,
                      recorded_at=at)
        session.add(tb)
        session.flush()
        audit(session, actor, "delib.round.break_tie", "delib_tie_break", tb.id, None, snapshot(tb))
    return tb


def rerun_round(session: Session, *, actor: Actor, round_id: int, without: Sequence[int] | None = None,
                title: str = "", meeting_id: int | None = None, at: datetime | None = None) -> Round:
    """After a tie, a new round under the same rule without some options: by default
    those the count did not tie at the top; ``without`` names them (option ids)."""
    r = get_round(session, round_id)
    _may(session, actor, "deliberation.manage", get_consultation(session, r.consultation_id).place_id)
    res = result_of(session, r.id)
    if res is None:
        raise DomainError("delib.round_not_closed", **_where(session, r))
    if res.outcome != "tie":
        raise _outcome_error(session, "delib.round_not_tied", r, res.outcome)
    if tie_break_of(session, r.id) is not None:
        raise DomainError("delib.tie_already_broken", **_where(session, r))
    rule = rule_of(r)
    if r.kind in rules.SEAT_KINDS:
        # an election: a new vote among the tied candidates for the seats still to fill (the elected
        # keep theirs); balance constraints count those already elected
        tie = res.totals.get("tie") or {}
        tied, left = list(tie.get("candidates", [])), int(tie.get("seats_left") or 0)
        if without is not None:
            tied = [oid for oid in tied if oid not in set(without)]
        drop = {oid for oid in r.option_ids if oid not in tied}
        elected = list(res.winners)
        attrs = rule.attribute_map()
        constraints = []
        for k in rule.constraints:
            have = sum(1 for oid in elected if attrs.get(oid, {}).get(k.attribute) == k.value)
            lo, hi = max(0, k.min - have), None if k.max is None else k.max - have
            if lo or hi is not None:
                constraints.append(rules.Constraint(k.attribute, k.value, lo, hi))
        rule = replace(rule, seats=min(left, max(len(tied), 1)), constraints=tuple(constraints),
                       attributes=tuple((oid, pairs) for oid, pairs in rule.attributes if oid in tied))
    else:
        drop = set(without) if without is not None else {oid for oid in r.option_ids if oid not in res.winners}
    unknown = sorted(drop - set(r.option_ids))
    if unknown:
        raise DomainError("delib.option_not_found", ref=unknown[0])
    if not drop and not (r.kind in rules.SEAT_KINDS and res.winners):
        raise DomainError("delib.rerun_needs_option", **_where(session, r))
    keep = [oid for oid in r.option_ids if oid not in drop]
    return open_round(session, actor=actor, consultation_id=r.consultation_id, rule=rule, option_ids=keep,
                      title=title or r.title, secret=r.secret, hide_results=r.hide_results,
                      meeting_id=meeting_id if meeting_id is not None else r.meeting_id, follows_round_id=r.id,
                      at=at)


def _outcome_error(session: Session, code: str, r: Round, outcome: str) -> DomainError:
    zh, en = VOCAB.pair("Outcome", outcome)
    return DomainError(code, **_where(session, r), outcome=zh, outcome_en=en)


def effective_winner(session: Session, r: Round) -> int | None:
    """The option a closed round chose: its single winner, the tie-break's choice, or
    (a yes/no or consent round) its motion when adopted. None when it chose nothing."""
    res = result_of(session, r.id)
    if res is None:
        return None
    if r.kind in rules.SEAT_KINDS:
        return None  # an election chose several: they are in the result's winners, not one option
    if res.outcome == "adopted":
        if r.kind in MOTION_KINDS:
            return r.option_ids[0] if r.option_ids else None
        return res.winners[0] if res.winners else None
    if res.outcome == "tie":
        tb = tie_break_of(session, r.id)
        return tb.option_id if tb else None
    return None


def decide(
    session: Session,
    *,
    actor: Actor,
    consultation_id: int,
    decision: str,
    round_id: int | None = None,
    option_id: int | None = None,
    review_on: date | None = None,
    at: datetime | None = None,
) -> Outcome:
    """Record what the consultation decided, on the strength of a closed round that
    adopted something (or broke its tie) or of the discussion alone; the linked
    requests get a timeline note and other plugins hear ``consultation_decided``."""
    at = when(at)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        if c.status == ConsultationStatus.decided or outcome_of(session, c.id) is not None:
            raise DomainError("delib.already_decided", ref=c.title)
        _editable(c)
        still = _open_rounds(session, c.id)
        if still:
            raise DomainError("delib.round_still_open", **_where(session, still[0]))
        decision = require_text(decision, "description", max_len=2000)
        chosen = None
        if round_id is not None:
            r = get_round(session, round_id)
            if r.consultation_id != c.id:
                raise DomainError("delib.round_not_found", ref=round_id)
            res = result_of(session, r.id)
            if res is None:
                raise DomainError("delib.round_not_closed", **_where(session, r))
            adopted = res.outcome == "adopted" or (res.outcome == "tie" and tie_break_of(session, r.id) is not None)
            if not adopted:
                raise _outcome_error(session, "delib.round_not_adopted", r, res.outcome)
            chosen = effective_winner(session, r)
        if option_id is not None:
            o = get_option(session, option_id, c.id)
            if round_id is not None and chosen is not None and o.id != chosen:
                raise DomainError("delib.not_a_winner", option=o.number, **_where(session, r))
            chosen = o.id
        out = Outcome(consultation_id=c.id, round_id=round_id, option_id=chosen, decision=decision,
                      review_on=review_on, decided_at=at, decided_by=actor.name)
        session.add(out)
        before = snapshot(c)
        c.status, c.updated_at = ConsultationStatus.decided.value, at
        session.flush()
        audit(session, actor, "delib.consultation.decide", "delib_outcome", out.id, before,
              snapshot(out) | {"status": c.status})
        request_ids = request_ids_of(session, c.id)
        option_text = session.get(Option, chosen).text if chosen else None
        payload = {"consultation_id": c.id, "title": c.title, "outcome_id": out.id, "decision": decision,
                   "option_id": chosen, "option_text": option_text, "round_id": round_id,
                   "review_on": review_on.isoformat() if review_on else None, "place_id": c.place_id,
                   "request_ids": request_ids}
    _note_requests(session, actor, request_ids, f"居民议事厅已作出决定：{decision}",
                   {"consultation_id": c.id, "outcome_id": out.id}, at)
    fire_plugin_event(SOURCE, "consultation_decided", payload)
    return out


_KEEP: Any = object()  # amend_decision: "leave this part of the decision as it is"


def amend_decision(
    session: Session,
    *,
    actor: Actor,
    consultation_id: int,
    reason: str,
    decision: str | None = None,
    option_id: Any = _KEEP,
    review_on: Any = _KEEP,
    at: datetime | None = None,
) -> OutcomeAmendment:
    """Correct a recorded decision without rewriting it: a new, append-only amendment
    row with the whole decision as it now stands and the ``reason`` (required).

    Parts not given stay as they are (``option_id=None`` / ``review_on=None`` clear
    them). Only a decided consultation is amended (a closed or withdrawn one is filed).
    A decision that rests on a round keeps that round's choice: the option can change
    only to what the round chose (otherwise open a new round). An amendment that
    changes nothing is refused. The linked requests get a timeline note and other
    plugins hear ``decision_amended``."""
    at = when(at)
    with transaction(session):
        c = get_consultation(session, consultation_id)
        _may(session, actor, "deliberation.manage", c.place_id)
        out = outcome_of(session, c.id)
        if out is None or c.status != ConsultationStatus.decided:
            if out is None:
                raise DomainError("delib.not_decided", ref=c.title)
            _editable(c)  # closed / withdrawn: filed, no longer changes
        reason = require_text(reason, "reason", max_len=2000)
        now = decision_in_force(session, c.id)
        new_text = now.decision if decision is None else require_text(decision, "description", max_len=2000)
        new_option = now.option_id if option_id is _KEEP else option_id
        new_review = now.review_on if review_on is _KEEP else review_on
        if new_option is not None:
            o = get_option(session, new_option, c.id)
            if out.round_id is not None:
                chosen = effective_winner(session, get_round(session, out.round_id))
                if chosen is not None and o.id != chosen:
                    raise DomainError("delib.not_a_winner", option=o.number,
                                      **_where(session, get_round(session, out.round_id)))
        if (new_text, new_option, new_review) == (now.decision, now.option_id, now.review_on):
            raise DomainError("delib.amendment_no_change", ref=c.title)
        row = OutcomeAmendment(outcome_id=out.id, seq=len(now.amendments) + 1, decision=new_text,
                               option_id=new_option, review_on=new_review, reason=reason, amended_at=at,
                               amended_by=actor.name)
        session.add(row)
        c.updated_at = at
        session.flush()
        audit(session, actor, "delib.consultation.amend_decision", "delib_outcome_amendment", row.id,
              {"decision": now.decision, "option_id": now.option_id,
               "review_on": now.review_on.isoformat() if now.review_on else None}, snapshot(row))
        request_ids = request_ids_of(session, c.id)
        payload = {"consultation_id": c.id, "title": c.title, "outcome_id": out.id, "amendment_id": row.id,
                   "seq": row.seq, "decision": new_text, "option_id": new_option,
                   "review_on": new_review.isoformat() if new_review else None, "reason": reason,
                   "place_id": c.place_id, "request_ids": request_ids}
    _note_requests(session, actor, request_ids, f"居民议事厅决定已修正（{reason}）：{new_text}",
                   {"consultation_id": c.id, "outcome_id": out.id, "amendment_id": row.id}, at)
    fire_plugin_event(SOURCE, "decision_amended", payload)
    return row


# -- reading for the CLI, the minutes and the round file ----------------------------------------


def round_dict(session: Session, r: Round, *, show_hidden: bool = False) -> dict[str, Any]:
    res = result_of(session, r.id)
    tb = tie_break_of(session, r.id)
    history = ballot_history(session, r.id)
    current = len({b.voter_key for b in history})
    out: dict[str, Any] = {
        "id": r.id, "number": r.number, "title": r.title, "kind": r.kind, "preset": r.preset, "rule": r.rule,
        "secret": r.secret, "hide_results": r.hide_results, "state": r.state, "meeting_id": r.meeting_id,
        "follows_round_id": r.follows_round_id, "option_ids": list(r.option_ids),
        "opened_at": r.opened_at, "closed_at": r.closed_at, "published_at": r.published_at,
        "ballots": current, "ballot_rows": len(history),
        "result": None, "tie_break": None,
    }
    if res is not None:
        out["result"] = {"outcome": res.outcome, "winners": list(res.winners), "totals": res.totals,
                         "explanation": res.explanation}
    elif r.state == RoundState.open and (show_hidden or not r.hide_results):
        try:
            out["live"] = result_json(live_tally(session, round_id=r.id))
        except DomainError:
            out["live"] = None
    if tb is not None:
        out["tie_break"] = {"method": tb.method, "option_id": tb.option_id, "note": tb.note,
                            "recorded_by": tb.recorded_by, "recorded_at": tb.recorded_at}
    return out


def consultation_dict(session: Session, c: Consultation, *, full: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": c.id, "title": c.title, "status": c.status, "place_id": c.place_id,
        "facilitator_id": c.facilitator_id, "created_at": c.created_at, "created_by": c.created_by,
        "updated_at": c.updated_at,
    }
    refs = dict(session.execute(select(Request.id, Request.ref).where(
        Request.id.in_(request_ids_of(session, c.id)))).all())
    out["requests"] = [refs[k] for k in sorted(refs)]
    if not full:
        return out
    out["issue"] = c.issue
    out["participants"] = [
        {"id": p.id, "person_id": p.person_id, "name": p.name, "role": p.role, "group": p.group,
         "can_vote": p.can_vote, "weight": p.weight, "present": p.present, "proxy_for": p.proxy_for_id,
         "units": list(p.units or [])}
        for p in participants_of(session, c.id)
    ]
    out["options"] = [
        {"id": o.id, "number": o.number, "text": o.text, "amends_id": o.amends_id, "withdrawn": o.withdrawn,
         "merged_into_id": o.merged_into_id, "active": o.active}
        for o in options_of(session, c.id)
    ]
    out["meetings"] = [
        {"id": m.id, "number": m.number, "held_at": m.held_at, "venue": m.venue, "attendance": list(m.attendance),
         "others_attending": m.others_attending, "notes": m.notes}
        for m in meetings_of(session, c.id)
    ]
    out["rounds"] = [round_dict(session, r) for r in rounds_of(session, c.id)]
    now = decision_in_force(session, c.id)
    o = now.outcome if now else None
    out["outcome"] = None if o is None else {
        "id": o.id, "decision": o.decision, "option_id": o.option_id, "round_id": o.round_id,
        "review_on": o.review_on, "decided_at": o.decided_at, "decided_by": o.decided_by,
        # the decision in force (the latest amendment's, or the original) and the history
        "current": {"decision": now.decision, "option_id": now.option_id, "review_on": now.review_on},
        "amendments": [{"seq": a.seq, "decision": a.decision, "option_id": a.option_id, "review_on": a.review_on,
                        "reason": a.reason, "amended_at": a.amended_at, "amended_by": a.amended_by}
                       for a in now.amendments],
    }
    return out


def round_file(session: Session, *, round_id: int, exported_by: str = "") -> dict[str, Any]:
    """The round file (see :mod:`gongzhi.plugins.deliberation.export` and docs/deliberation.md)."""
    from gongzhi.core.models.types import utcnow

    r = get_round(session, round_id)
    res = result_of(session, r.id)
    if res is None:
        raise DomainError("delib.round_not_closed", **_where(session, r))
    c = get_consultation(session, r.consultation_id)
    inp = recount_input(session, round_id=r.id)
    rows = {b.id: b for b in ballot_history(session, r.id)}
    ballots = []
    for bid, b in zip(res.ballot_ids, inp.ballots, strict=True):
        extra: dict[str, Any] = {}
        if not r.secret:
            row = rows[bid]
            extra = {"id": row.id, "seq": row.seq, "recorded_at": row.recorded_at.isoformat(),
                     "recorded_by": row.recorded_by}
        ballots.append(ballot_to_json(b, **extra))
    ballots.sort(key=lambda b: b["voter"])
    counted = set(res.ballot_ids)
    stray = out_of_sequence(session, r.id)
    flagged = {b["id"] for b in stray}
    # superseded: the recorded ballots the count passed over; rows out of sequence are listed apart
    superseded = [b for b in rows.values() if b.id not in counted and b.id not in flagged]
    tb = tie_break_of(session, r.id)
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": utcnow().isoformat(),
        "exported_by": exported_by,
        "consultation": {"id": c.id, "title": c.title},
        "round": {"id": r.id, "number": r.number, "title": r.title, "kind": r.kind, "preset": r.preset,
                  "secret": r.secret, "state": r.state,
                  "opened_at": r.opened_at.isoformat() if r.opened_at else None,
                  "closed_at": r.closed_at.isoformat() if r.closed_at else None,
                  "published_at": r.published_at.isoformat() if r.published_at else None},
        "rule": res.rule,
        "options": res.snapshot["options"],
        "voters": [{k: v for k, v in e.items() if k != "token"} for e in res.snapshot["voters"]],
        "roster": {k: res.snapshot[k] for k in ("entitled", "present", "proxies")},
        "ballots": ballots,
        "superseded": [] if r.secret else [
            {"id": b.id, "voter": b.participant_id, "seq": b.seq, "choice": b.choice, "reason": b.reason,
             "ranking": list(b.ranking), "approvals": list(b.approvals), "option": b.option_id,
             "recorded_at": b.recorded_at.isoformat(), "recorded_by": b.recorded_by}
            for b in sorted(superseded, key=lambda b: b.id)
        ],
        "superseded_count": len(superseded),
        # rows that record_ballot did not write (hand-inserted, out of chain, after close)
        "out_of_sequence": stray,
        "result": res.result,
        "tie_break": None if tb is None else {"method": tb.method, "option": tb.option_id, "note": tb.note,
                                              "recorded_by": tb.recorded_by,
                                              "recorded_at": tb.recorded_at.isoformat()},
    }
