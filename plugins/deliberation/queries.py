"""What the roundtable's screens show, read in one go per list (the writes are in
:mod:`gongzhi.plugins.deliberation.services`): plain data back, no query per row."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, or_, select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.plugins.deliberation.models import (
    WITHDRAWN,
    Ballot,
    Consultation,
    ConsultationRequest,
    Round,
    RoundResult,
    RoundState,
    TieBreak,
)


def receiving_round(session: Session) -> tuple[int, int] | None:
    """(consultation id, round id) of the newest round receiving ballots, or None."""
    row = session.execute(
        select(Round.consultation_id, Round.id).join(Consultation, Consultation.id == Round.consultation_id)
        .where(Round.state == RoundState.open.value).order_by(Round.opened_at.desc(), Round.id.desc()).limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


@dataclass
class ConsultationRow:
    id: int
    title: str
    status: str
    place: str
    rounds: int


@dataclass
class ParticipantRow:
    id: int
    name: str
    role: str
    group: str
    can_vote: bool
    present: bool
    proxy_for: int | None
    weight: int = 1


@dataclass
class BallotCell:
    choice: str | None
    reason: str
    by_proxy: bool
    ranking: list[int] = field(default_factory=list)
    approvals: list[int] = field(default_factory=list)
    option_id: int | None = None


@dataclass
class OptionRow:
    id: int
    number: int
    text: str
    active: bool
    amends: int | None = None  # the number of the option it amends
    withdrawn: bool = False
    merged_into: int | None = None  # the number of the option it was merged into


@dataclass
class RoundRow:
    id: int
    number: int
    title: str
    kind: str
    state: str
    secret: bool
    hide_results: bool
    outcome: str | None
    option_ids: list[int] = field(default_factory=list)
    # participant id -> their current ballot (named rounds); a secret round keeps only who voted
    ballots: dict[int, BallotCell] = field(default_factory=dict)
    voted: set[int] = field(default_factory=set)
    # explanation lines ({"zh", "en"}) of the stored result or of the live tally; None: hidden
    lines: list[dict[str, str]] | None = None
    winners: list[int] = field(default_factory=list)
    tie_broken: bool = False


@dataclass
class DecisionRow:
    decision: str  # in force
    option_id: int | None
    review_on: date | None
    original: str
    amendments: list[tuple[int, str, str]]  # seq, decision, reason
    round_id: int | None


@dataclass
class Detail:
    id: int
    title: str
    status: str
    place: str
    participants: list[ParticipantRow]
    options: list[OptionRow]
    rounds: list[RoundRow]
    meetings: list[tuple[int, int, str, str]] = field(default_factory=list)  # id, number, when, venue
    requests: list[str] = field(default_factory=list)
    decision: DecisionRow | None = None

    @property
    def numbers(self) -> dict[int, int]:
        return {o.id: o.number for o in self.options}

    @property
    def names(self) -> dict[int, str]:
        return {p.id: p.name for p in self.participants}


def load_consultations(session: Session) -> list[ConsultationRow]:
    """The list: the consultations, newest first, with their place and number of rounds
    (three queries, whatever the number of consultations)."""
    from gongzhi.plugins.deliberation import services as svc

    cons = svc.list_consultations(session)
    if not cons:
        return []
    places = dict(session.execute(select(Place.id, Place.name).where(
        Place.id.in_({c.place_id for c in cons if c.place_id}))).all())
    counts = dict(session.execute(select(Round.consultation_id, func.count(Round.id))
                                  .where(Round.consultation_id.in_([c.id for c in cons]))
                                  .group_by(Round.consultation_id)).all())
    return [ConsultationRow(c.id, c.title, c.status, places.get(c.place_id, ""), counts.get(c.id, 0)) for c in cons]


def current_ballots_of(session: Session, round_ids: list[int]) -> list[Ballot]:
    """Each voter's current ballot in each of ``round_ids``, in one query (a voter whose
    latest row is a withdrawal has none), in id order."""
    if not round_ids:
        return []
    latest = (select(Ballot.round_id, Ballot.voter_key, func.max(Ballot.seq).label("seq"))
              .where(Ballot.round_id.in_(round_ids)).group_by(Ballot.round_id, Ballot.voter_key).subquery())
    return list(session.scalars(select(Ballot).join(
        latest, (Ballot.round_id == latest.c.round_id) & (Ballot.voter_key == latest.c.voter_key)
        & (Ballot.seq == latest.c.seq))
        .where(or_(Ballot.choice.is_(None), Ballot.choice != WITHDRAWN)).order_by(Ballot.id)))


def load_detail(session: Session, consultation_id: int) -> Detail:
    """One consultation as its screen shows it: a query per list (participants, options,
    rounds, their results, tie-breaks and current ballots, meetings, requests), never one
    per row; only a round receiving ballots with a visible tally is counted live."""
    from gongzhi.core.models.requests import Request
    from gongzhi.core.models.types import fmt_local
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.export import result_json

    c = svc.get_consultation(session, consultation_id)
    place = session.get(Place, c.place_id).name if c.place_id else ""
    people = svc.participants_of(session, c.id)
    all_rounds = svc.rounds_of(session, c.id)
    ids = [r.id for r in all_rounds]
    results = {res.round_id: res for res in session.scalars(
        select(RoundResult).where(RoundResult.round_id.in_(ids)))} if ids else {}
    broken = set(session.scalars(select(TieBreak.round_id).where(TieBreak.round_id.in_(ids)))) if ids else set()
    ballots: dict[int, list[Ballot]] = {rid: [] for rid in ids}
    for b in current_ballots_of(session, ids):
        ballots[b.round_id].append(b)
    rounds = []
    for r in all_rounds:
        res = results.get(r.id)
        row = RoundRow(r.id, r.number, r.title, r.kind, r.state, r.secret, r.hide_results,
                       res.outcome if res is not None else None, option_ids=list(r.option_ids))
        current = ballots[r.id]
        if not r.secret:
            row.ballots = {b.participant_id: BallotCell(b.choice, b.reason, b.by_proxy, list(b.ranking),
                                                        list(b.approvals), b.option_id) for b in current}
            row.voted = set(row.ballots)
        elif r.state == RoundState.open and r.token_key:
            keys = {b.voter_key for b in current}
            row.voted = {p.id for p in people if svc.voter_key(r, p.id) in keys}
        if res is not None:
            row.lines = list(res.explanation)
            row.winners = list(res.winners)
            row.tie_broken = r.id in broken
        elif r.state == RoundState.open and not r.hide_results:
            try:
                row.lines = list(result_json(svc.live_tally(session, round_id=r.id))["explanation"])
            except DomainError:
                row.lines = None
        rounds.append(row)
    options = svc.options_of(session, c.id)
    number_of = {o.id: o.number for o in options}
    now = svc.decision_in_force(session, c.id)
    decision = None if now is None else DecisionRow(
        now.decision, now.option_id, now.review_on, now.outcome.decision,
        [(a.seq, a.decision, a.reason) for a in now.amendments], now.outcome.round_id)
    refs = list(session.scalars(select(Request.ref).join(
        ConsultationRequest, ConsultationRequest.request_id == Request.id)
        .where(ConsultationRequest.consultation_id == c.id).order_by(Request.id)))
    return Detail(
        id=c.id, title=c.title, status=c.status, place=place,
        participants=[ParticipantRow(p.id, p.name, p.role, p.group, p.can_vote, p.present, p.proxy_for_id, p.weight)
                      for p in people],
        options=[OptionRow(o.id, o.number, o.text, o.active, number_of.get(o.amends_id), o.withdrawn,
                           number_of.get(o.merged_into_id)) for o in options],
        rounds=rounds,
        meetings=[(m.id, m.number, fmt_local(m.held_at), m.venue) for m in svc.meetings_of(session, c.id)],
        requests=refs,
        decision=decision,
    )
