"""Requests (诉求) and everything on their timeline: events, dispatches (whistle),
feedback, supporters and attachments; request categories with their SLA."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.chain import chained
from gongzhi.core.models.types import UTCDateTime, utcnow


class RequestCategory(SQLModel, table=True):
    __tablename__ = "request_category"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True)
    name_zh: str = Field(max_length=60)
    name_en: str = Field(max_length=60)
    # SLA in hours per priority: the due time is the creation time plus these
    sla_low: int = 240
    sla_normal: int = 120
    sla_high: int = 48
    sla_urgent: int = 24
    default_department_id: int | None = Field(default=None, foreign_key="organisation.id")
    active: bool = True
    # "core", or the plugin that contributed it
    source: str = Field(default="core", max_length=40)


class RefCounter(SQLModel, table=True):
    """Per-prefix, per-year sequence behind request ref numbers (QY-2026-000123)."""

    __tablename__ = "ref_counter"

    prefix: str = Field(primary_key=True, max_length=10)
    year: int = Field(primary_key=True)
    last: int = 0


class Request(SQLModel, table=True):
    __tablename__ = "request"
    __table_args__ = (
        Index("ix_request_status_created", "status", "created_at"),
        Index("ix_request_place_status", "place_id", "status"),
        Index("ix_request_status_due", "status", "due_at"),
        # every filter of the request list, with its default order (newest first)
        Index("ix_request_community_created", "community_id", "created_at"),
        Index("ix_request_category_created", "category_id", "created_at"),
        Index("ix_request_channel_created", "channel", "created_at"),
        # one request per external ticket (12345, Jinzhitong): re-imports add nothing (0008)
        Index("uq_request_channel_external_id", "channel", "external_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    ref: str = Field(max_length=20, unique=True)
    channel: str = Field(max_length=20)
    external_id: str | None = Field(default=None, max_length=60)
    type: str = Field(max_length=20)
    category_id: int = Field(foreign_key="request_category.id")
    title: str = Field(max_length=200)
    description: str = Field(default="", max_length=4000)
    place_id: int = Field(foreign_key="place.id")
    # the community of ``place_id``, copied here so the list filters a community through
    # one index; kept by database triggers (on insert, on a new place_id, and when a
    # place moves to another community), never written by hand. See migration 0004.
    community_id: int | None = Field(default=None)
    reporter_id: int | None = Field(default=None, foreign_key="person.id", index=True)
    anonymous: bool = False
    priority: str = Field(default="normal", max_length=10)
    status: str = Field(default="submitted", max_length=20)
    lead_org_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    duplicate_of_id: int | None = Field(default=None, foreign_key="request.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    created_by: str = Field(default="", max_length=100)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    first_response_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


@chained
class RequestEvent(SQLModel, table=True):
    """One append-only line of a request's timeline."""

    __tablename__ = "request_event"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    # created | transition | dispatch | report_in | dispatch_result | rating |
    # feedback | attachment | supporter
    kind: str = Field(max_length=20)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    public_note: str = Field(default="", max_length=2000)
    private_note: str = Field(default="", max_length=2000)
    data: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # the hash chain (core.chain): over this row's content and the previous row's hash
    hash: str | None = Field(default=None, max_length=64)


class RequestDispatch(SQLModel, table=True):
    """A request dispatched to an organisation; a whistle (吹哨报到) when to departments."""

    __tablename__ = "request_dispatch"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    role: str = Field(default="lead", max_length=10)
    whistle: bool = False
    dispatched_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reported_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    result: str = Field(default="", max_length=2000)
    result_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    rating: int | None = None
    rated_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class RequestFeedback(SQLModel, table=True):
    """A return visit (回访): did we reach the reporter, is it solved, are they satisfied."""

    __tablename__ = "request_feedback"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
    contacted: bool = True
    resolved: str | None = Field(default=None, max_length=10)
    satisfaction: str | None = Field(default=None, max_length=20)
    comment: str = Field(default="", max_length=2000)


class RequestSupporter(SQLModel, table=True):
    """A person who raised the same request (e.g. the reporter of a duplicate)."""

    __tablename__ = "request_supporter"
    __table_args__ = (UniqueConstraint("request_id", "person_id", name="uq_request_supporter"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    via_request_id: int | None = Field(default=None, foreign_key="request.id")
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RequestAttachment(SQLModel, table=True):
    __tablename__ = "request_attachment"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="request.id", index=True)
    filename: str = Field(max_length=255)
    stored_path: str = Field(max_length=500)
    sha256: str = Field(max_length=64)
    size: int
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    actor: str = Field(max_length=100)
