"""Organisations (the party chain, committees, property companies, departments …)
and the memberships through which people hold posts — several at once."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from gongzhi.core.models.types import UTCDateTime, utcnow


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=30, index=True)
    name: str = Field(max_length=100, index=True)
    place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="organisation.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Membership(SQLModel, table=True):
    __tablename__ = "membership"

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    organisation_id: int = Field(foreign_key="organisation.id", index=True)
    role: str = Field(max_length=30, index=True)
    # the grid or micro-grid a grid worker covers; null = the organisation's place
    scope_place_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    start_date: date | None = None
    end_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
