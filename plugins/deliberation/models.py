"""The roundtable's tables (居民议事厅 / 圆桌会). Every name carries the prefix ``delib_``.

A consultation gathers participants, options and meetings; each vote is a round
with its rule; a ballot is never overwritten (a changed vote is a new row that
names the one it supersedes); a closed round keeps an immutable result with the
roster snapshot it was counted on, so it can always be recounted. Ballots, results
and tie-breaks are append-only at the database (triggers, see the migration).

Vocabularies are StrEnums whose words are in the plugin's catalog, as the core's are
(see vocab.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.chain import chained
from gongzhi.core.models.types import UTCDateTime, utcnow
from gongzhi.plugins.deliberation.vocab import (  # noqa: F401  (re-exported: the tables' vocabularies)
    CHOICE_LABELS,
    CHOOSING_KINDS,
    DEFAULT_GROUPS,
    GROUP_LABELS,
    LABELS,
    MOTION_KINDS,
    NON_VOTING_ROLES,
    OUTCOME_LABELS,
    VOCAB,
    WITHDRAWN,
    ConsultationStatus,
    Labelled,
    ParticipantRole,
    RoundKind,
    RoundState,
    TieBreakMethod,
    choice_label,
    group_label,
    outcome_label,
)

# -- tables -----------------------------------------------------------------------


class Consultation(SQLModel, table=True):
    """One question put to the roundtable (e.g. 荣诚园 drying racks)."""

    __tablename__ = "delib_consultation"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    issue: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    facilitator_id: int | None = Field(default=None, foreign_key="person.id")
    status: str = Field(default="draft", max_length=20, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ConsultationRequest(SQLModel, table=True):
    """A core request this consultation takes up."""

    __tablename__ = "delib_consultation_request"
    __table_args__ = (UniqueConstraint("consultation_id", "request_id", name="uq_delib_consultation_request"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="delib_consultation.id", index=True)
    request_id: int = Field(foreign_key="request.id", index=True)


class Participant(SQLModel, table=True):
    """Someone at the table. ``person_id`` may be empty for an outside party
    (a contractor's representative), whose ``name`` is then all we know."""

    __tablename__ = "delib_participant"
    __table_args__ = (UniqueConstraint("consultation_id", "person_id", name="uq_delib_participant_person"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="delib_consultation.id", index=True)
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    name: str = Field(max_length=100)
    role: str = Field(max_length=20)
    group: str = Field(max_length=40)
    can_vote: bool = True
    weight: int = 1
    present: bool = False
    # this participant holds the proxy of that (absent) participant
    proxy_for_id: int | None = Field(default=None, foreign_key="delib_participant.id")
    # the exclusive units they own, for owners' decisions: [{"unit": "1-101", "area": "89.5"}, …]
    units: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, default=list,
                                                                                server_default="[]"))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Option(SQLModel, table=True):
    """A proposal. An amendment is a new option that ``amends`` another; a withdrawn
    or merged option stays on record but goes on no new ballot."""

    __tablename__ = "delib_option"
    __table_args__ = (UniqueConstraint("consultation_id", "number", name="uq_delib_option_number"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="delib_consultation.id", index=True)
    number: int  # 1, 2, 3 … within the consultation: what the facilitator types
    text: str = Field(max_length=500)
    amends_id: int | None = Field(default=None, foreign_key="delib_option.id")
    proposed_by_id: int | None = Field(default=None, foreign_key="delib_participant.id")
    withdrawn: bool = False
    merged_into_id: int | None = Field(default=None, foreign_key="delib_option.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def active(self) -> bool:
        return not self.withdrawn and self.merged_into_id is None


class Meeting(SQLModel, table=True):
    """One sitting of the roundtable."""

    __tablename__ = "delib_meeting"
    __table_args__ = (UniqueConstraint("consultation_id", "number", name="uq_delib_meeting_number"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="delib_consultation.id", index=True)
    number: int
    held_at: datetime = Field(sa_type=UTCDateTime)
    venue: str = Field(default="", max_length=200)
    place_id: int | None = Field(default=None, foreign_key="place.id")
    # participant ids at the table, plus residents who came to listen
    attendance: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    others_attending: int = 0
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Round(SQLModel, table=True):
    """One vote: its rule, its ballot (``option_ids``), secret or named, and its state
    created → open → closed → published."""

    __tablename__ = "delib_round"
    __table_args__ = (UniqueConstraint("consultation_id", "number", name="uq_delib_round_number"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="delib_consultation.id", index=True)
    meeting_id: int | None = Field(default=None, foreign_key="delib_meeting.id")
    number: int
    title: str = Field(max_length=500)
    kind: str = Field(max_length=20)
    preset: str | None = Field(default=None, max_length=40)
    rule: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    option_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: bool = False
    hide_results: bool = False
    state: str = Field(default="created", max_length=20)
    # the round this one re-runs (after a tie), without some options
    follows_round_id: int | None = Field(default=None, foreign_key="delib_round.id")
    # secret rounds: the key of the anonymous voter tokens; erased at close, so that
    # nobody can link a ballot to a participant afterwards
    token_key: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    published_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


@chained
class Ballot(SQLModel, table=True):
    """One ballot as recorded. Append-only: a changed vote is a new row with the next
    ``seq`` for the same ``voter_key`` that names the row it ``supersedes``; the
    current ballot of a voter is the one with the highest ``seq``."""

    __tablename__ = "delib_ballot"
    __table_args__ = (
        UniqueConstraint("round_id", "voter_key", "seq", name="uq_delib_ballot_voter_seq"),
        # a ballot is superseded at most once: the history is a chain, never a tree
        UniqueConstraint("supersedes_id", name="uq_delib_ballot_supersedes"),
        Index("ix_delib_ballot_round_voter", "round_id", "voter_key"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="delib_round.id", index=True)
    # whose vote: null in a secret round, where voter_key is an anonymous token instead
    participant_id: int | None = Field(default=None, foreign_key="delib_participant.id")
    voter_key: str = Field(max_length=64)
    seq: int = 1
    supersedes_id: int | None = Field(default=None, foreign_key="delib_ballot.id")
    # the proxy holder who cast it on the voter's behalf (null = in person; null in secret rounds)
    cast_by_id: int | None = Field(default=None, foreign_key="delib_participant.id")
    by_proxy: bool = False
    choice: str | None = Field(default=None, max_length=10)
    reason: str = Field(default="", max_length=2000)
    ranking: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    approvals: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    option_id: int | None = Field(default=None, foreign_key="delib_option.id")
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # the hash chain (core.chain): over this row's content and the previous row's hash
    hash: str | None = Field(default=None, max_length=64)


class RoundResult(SQLModel, table=True):
    """The count of a closed round: the rule and roster snapshot it used, the ballots
    it counted and what came out. Append-only; recomputable from those alone."""

    __tablename__ = "delib_round_result"
    __table_args__ = (UniqueConstraint("round_id", name="uq_delib_round_result_round"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="delib_round.id")
    rule: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    # {"secret", "voters": [...], "roster": [...], "entitled", "present", "proxies", "options": [...]}
    snapshot: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    ballot_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    outcome: str = Field(max_length=20)
    winners: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    totals: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # [{"zh": …, "en": …}, …]
    explanation: list[dict[str, str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # rules.Result.as_dict(), verbatim: what a recount must reproduce
    result: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    computed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    computed_by: str = Field(max_length=100)


class TieBreak(SQLModel, table=True):
    """How the facilitator broke a tie the rules returned (never broken silently)."""

    __tablename__ = "delib_tie_break"
    __table_args__ = (UniqueConstraint("round_id", name="uq_delib_tie_break_round"),)

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="delib_round.id")
    method: str = Field(max_length=20)
    option_id: int = Field(foreign_key="delib_option.id")
    note: str = Field(default="", max_length=2000)
    recorded_by: str = Field(max_length=100)
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Outcome(SQLModel, table=True):
    """What the consultation decided."""

    __tablename__ = "delib_outcome"
    __table_args__ = (UniqueConstraint("consultation_id", name="uq_delib_outcome_consultation"),)

    id: int | None = Field(default=None, primary_key=True)
    consultation_id: int = Field(foreign_key="delib_consultation.id")
    round_id: int | None = Field(default=None, foreign_key="delib_round.id")
    option_id: int | None = Field(default=None, foreign_key="delib_option.id")
    decision: str = Field(max_length=2000)
    review_on: date | None = None
    decided_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    decided_by: str = Field(max_length=100)


class OutcomeAmendment(SQLModel, table=True):
    """A correction of a recorded decision. The decision as first recorded
    (:class:`Outcome`) is never changed; each amendment is a new row holding the whole
    decision as it now stands, the reason for the change, and who made it when. The
    decision in force is the latest amendment's (highest ``seq``), or the original.
    Both tables are append-only at the database (migration delib0002)."""

    __tablename__ = "delib_outcome_amendment"
    __table_args__ = (UniqueConstraint("outcome_id", "seq", name="uq_delib_outcome_amendment_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    outcome_id: int = Field(foreign_key="delib_outcome.id", index=True)
    seq: int  # 1, 2, 3 … per decision
    decision: str = Field(max_length=2000)
    option_id: int | None = Field(default=None, foreign_key="delib_option.id")
    review_on: date | None = None
    reason: str = Field(max_length=2000)
    amended_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    amended_by: str = Field(max_length=100)


class EvaluationRound(SQLModel, table=True):
    """A round opened at another plugin's request to rate one of its items — the
    micro-projects' year-end satisfaction evaluation (民生微实事满意度测评), heard by name
    through ``plugin_event`` (see :mod:`gongzhi.plugins.deliberation.evaluation`): whose item the
    round rates, which option stands for which rating, and the rule its result is judged
    by, sent back when the round is published. ``subject_id`` is the other plugin's id
    (no foreign key: that plugin may be disabled, its tables absent)."""

    __tablename__ = "delib_evaluation_round"
    __table_args__ = (
        UniqueConstraint("round_id", name="uq_delib_evaluation_round_round"),
        Index("ix_delib_evaluation_round_subject", "source", "subject_id"),
        Index("ix_delib_evaluation_round_scope", "source", "community_id", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    round_id: int = Field(foreign_key="delib_round.id")
    consultation_id: int = Field(foreign_key="delib_consultation.id")
    source: str = Field(max_length=40)  # the plugin that asked: "micro_projects"
    subject_id: int  # its item: the micro-project's id
    subject_code: str = Field(default="", max_length=100)  # WSS-2026-荣雅园-003
    community_id: int | None = Field(default=None, foreign_key="place.id")
    year: int
    # {str(option id): rating key}, e.g. {"12": "satisfied", "13": "basically_satisfied", …}
    option_keys: dict[str, str] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # the rule: redo when the share of "dissatisfied" is strictly over num/den (exact)
    threshold_num: int = 7
    threshold_den: int = 10
    redo_deadline: date | None = None
    requested_by: str = Field(default="", max_length=100)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
