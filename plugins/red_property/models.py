"""The joint meeting's tables (红色物业联席会议). Every name carries the prefix ``redprop_``.

A meeting (community or compound) lists the bodies that must sit at it
(``redprop_meeting_body``), records who attended for which body
(``redprop_attendance``, one row per person: a cross-appointed person attends
for one body and is counted once), its agenda items, the resolutions taken on
them (with a yes/no/abstain count per body when put to a vote) and the action
items that follow from them. Action items live on after their meeting: their
progress notes are append-only, and every later meeting of the area follows
them up until they are done. When a meeting closes, the follow-up section it
heard is frozen into ``redprop_followup``; from then on the meeting's rows
cannot change at the database (triggers, see the migration) and corrections
are addenda (``redprop_addendum``, append-only).

Property micro-services (微服务, ``PropertyService``) are a separate log.

Vocabularies are StrEnums whose words are in the plugin's catalog
(``locale/<lang>/LC_MESSAGES/red_property.po``, context = the vocabulary's name), as the
core's are (see core/i18n.py): ``LABELS`` holds each code's English id.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.i18n import V_, Vocabulary
from gongzhi.core.models.types import UTCDateTime, utcnow

# -- vocabularies -----------------------------------------------------------------

VOCAB = Vocabulary("red_property", Path(__file__).resolve().parent / "locale")



class Labelled(StrEnum):
    """A StrEnum whose members have words in the plugin's catalog."""

    def label(self, lang: str = "zh") -> str:
        return VOCAB.label(self, lang)


class MeetingKind(Labelled):
    monthly = "monthly"
    extraordinary = "extraordinary"


class MeetingStatus(Labelled):
    draft = "draft"
    open = "open"
    closed = "closed"


class Decision(Labelled):
    consensus = "consensus"
    vote = "vote"


class ActionStatus(Labelled):
    """Stored statuses are open, in_progress, done, dropped; ``overdue`` is derived
    (open or in progress past the deadline) and never stored."""

    open = "open"
    in_progress = "in_progress"
    done = "done"
    overdue = "overdue"
    dropped = "dropped"


class ServiceKind(Labelled):
    free_repair = "free_repair"
    shopping = "shopping"
    other = "other"


class ServiceStatus(Labelled):
    requested = "requested"
    scheduled = "scheduled"
    done = "done"


# an action item still to be carried (its stored status)
UNFINISHED = frozenset({ActionStatus.open, ActionStatus.in_progress})
FINISHED = frozenset({ActionStatus.done, ActionStatus.dropped})

LABELS: dict[str, dict[str, str]] = {
    "MeetingKind": {
        "monthly": V_("monthly"),
        "extraordinary": V_("extraordinary"),
    },
    "MeetingStatus": {
        "draft": V_("draft"),
        "open": V_("open"),
        "closed": V_("closed"),
    },
    "Decision": {
        "consensus": V_("by consensus"),
        "vote": V_("by vote"),
    },
    "ActionStatus": {
        "open": V_("open"),
        "in_progress": V_("in progress"),
        "done": V_("done"),
        "overdue": V_("overdue"),
        "dropped": V_("dropped"),
    },
    "ServiceKind": {
        "free_repair": V_("free home repair"),
        "shopping": V_("shopping on someone's behalf"),
        "other": V_("other service"),
    },
    "ServiceStatus": {
        "requested": V_("requested"),
        "scheduled": V_("scheduled"),
        "done": V_("done"),
    },
}
VOCAB.add(LABELS)


# -- meetings -----------------------------------------------------------------------


class Meeting(SQLModel, table=True):
    """One joint meeting of a community or a compound. ``min_bodies`` is the quorum
    rule: null = every required body present; N = at least N of them."""

    __tablename__ = "redprop_meeting"
    __table_args__ = (Index("ix_redprop_meeting_place_held", "place_id", "held_at"),)

    id: int | None = Field(default=None, primary_key=True)
    place_id: int = Field(foreign_key="place.id")
    held_at: datetime = Field(sa_type=UTCDateTime)
    kind: str = Field(default="monthly", max_length=20)
    title: str = Field(default="", max_length=200)
    location: str = Field(default="", max_length=200)
    chair_id: int | None = Field(default=None, foreign_key="person.id")
    secretary_id: int | None = Field(default=None, foreign_key="person.id")
    status: str = Field(default="draft", max_length=20, index=True)
    min_bodies: int | None = None
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    opened_without_quorum: bool = False
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_by: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class MeetingBody(SQLModel, table=True):
    """A body (organisation) required at the meeting, in the order the minutes list them."""

    __tablename__ = "redprop_meeting_body"
    __table_args__ = (UniqueConstraint("meeting_id", "organisation_id", name="uq_redprop_meeting_body"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    seq: int = 1


class Attendance(SQLModel, table=True):
    """A person at the meeting for one body, through one of their posts (``membership_id``).
    One row per person and meeting: a cross-appointed person is counted once."""

    __tablename__ = "redprop_attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_redprop_attendance_person"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    membership_id: int = Field(foreign_key="membership.id")
    checked_in_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=100)


class AgendaItem(SQLModel, table=True):
    """One item of the agenda, written by hand or taken from an open request."""

    __tablename__ = "redprop_agenda_item"
    __table_args__ = (
        UniqueConstraint("meeting_id", "seq", name="uq_redprop_agenda_seq"),
        UniqueConstraint("meeting_id", "request_id", name="uq_redprop_agenda_request"),
    )

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    seq: int
    title: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    discussion: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)


class Resolution(SQLModel, table=True):
    """What the meeting decided on an agenda item, who answers for it and by when.
    ``consultation_id`` names a deliberation consultation by id only (no import,
    no foreign key: that plugin may not be enabled)."""

    __tablename__ = "redprop_resolution"
    __table_args__ = (UniqueConstraint("meeting_id", "seq", name="uq_redprop_resolution_seq"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    agenda_item_id: int = Field(foreign_key="redprop_agenda_item.id", index=True)
    seq: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    decided_by: str = Field(max_length=20)
    responsible_org_id: int = Field(foreign_key="organisation.id")
    responsible_person_id: int | None = Field(default=None, foreign_key="person.id")
    deadline: date
    consultation_id: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)


class ResolutionVote(SQLModel, table=True):
    """The yes / no / abstain count of one body's attendees on a resolution."""

    __tablename__ = "redprop_resolution_vote"
    __table_args__ = (UniqueConstraint("resolution_id", "organisation_id", name="uq_redprop_vote_body"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    resolution_id: int = Field(foreign_key="redprop_resolution.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id")
    yes: int = 0
    no: int = 0
    abstain: int = 0


class ActionItem(SQLModel, table=True):
    """Work that follows from a resolution. Lives on after its meeting (status and
    progress notes change), carried into every following meeting of the area
    (``place_id`` = the meeting's place) until done or dropped."""

    __tablename__ = "redprop_action_item"
    __table_args__ = (Index("ix_redprop_action_place_status", "place_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    resolution_id: int = Field(foreign_key="redprop_resolution.id", index=True)
    place_id: int = Field(foreign_key="place.id")
    title: str = Field(max_length=500)
    responsible_org_id: int = Field(foreign_key="organisation.id")
    responsible_person_id: int | None = Field(default=None, foreign_key="person.id")
    deadline: date
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    status: str = Field(default="open", max_length=20)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class ActionNote(SQLModel, table=True):
    """A line of an action item's history: progress, or a status change with its note
    (the note that ``done`` requires, the reason ``dropped`` requires). Append-only."""

    __tablename__ = "redprop_action_note"

    id: int | None = Field(default=None, primary_key=True)
    action_item_id: int = Field(foreign_key="redprop_action_item.id", index=True)
    # reported at this meeting (null = between meetings)
    meeting_id: int | None = Field(default=None, foreign_key="redprop_meeting.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    text: str = Field(sa_column=Column(Text, nullable=False))


class FollowUp(SQLModel, table=True):
    """An earlier action item as the meeting heard it (上次决议落实情况), frozen when
    the meeting closes: its status (``overdue`` included) and latest note then."""

    __tablename__ = "redprop_followup"
    __table_args__ = (UniqueConstraint("meeting_id", "action_item_id", name="uq_redprop_followup"),)

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    action_item_id: int = Field(foreign_key="redprop_action_item.id", index=True)
    seq: int
    status: str = Field(max_length=20)
    deadline: date
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class Addendum(SQLModel, table=True):
    """A correction to the record of a closed meeting (补记). Append-only."""

    __tablename__ = "redprop_addendum"

    id: int | None = Field(default=None, primary_key=True)
    meeting_id: int = Field(foreign_key="redprop_meeting.id", index=True)
    # what it corrects, in words the minutes print ("决议 2", "出席名单"); may be empty
    refers_to: str = Field(default="", max_length=200)
    text: str = Field(sa_column=Column(Text, nullable=False))
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    recorded_by: str = Field(max_length=100)


# -- property micro-services -----------------------------------------------------------


class PropertyService(SQLModel, table=True):
    """A micro-service (微服务) for a resident: requested → scheduled → done, and who did it."""

    __tablename__ = "redprop_service"
    __table_args__ = (Index("ix_redprop_service_compound_requested", "compound_id", "requested_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    compound_id: int = Field(foreign_key="place.id")
    resident_id: int = Field(foreign_key="person.id", index=True)
    description: str = Field(default="", max_length=1000)
    status: str = Field(default="requested", max_length=20, index=True)
    requested_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    scheduled_for: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    done_by_id: int | None = Field(default=None, foreign_key="person.id")
    done_by_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    result: str = Field(default="", max_length=1000)
    created_by: str = Field(default="", max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
