"""People: residents and workers alike. Phone and ID numbers are personal data;
care tags are sensitive (see core.services.people for masking and reveal)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.models.types import UTCDateTime, utcnow


class Person(SQLModel, table=True):
    __tablename__ = "person"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, index=True)
    gender: str = Field(default="unknown", max_length=10)
    birth_year: int | None = None
    phone: str | None = Field(default=None, max_length=11)
    phone_tail: str | None = Field(default=None, max_length=4, index=True)
    id_number: str | None = Field(default=None, max_length=18, unique=True)
    household_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    notes: str = Field(default="", max_length=2000)
    # "|zxm|zhangxiaoming|": every reading of the name, rebuilt on each write
    search_keys: str = Field(default="", max_length=1000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class PersonCareTag(SQLModel, table=True):
    __tablename__ = "person_care_tag"
    __table_args__ = (UniqueConstraint("person_id", "tag", name="uq_person_care_tag"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    tag: str = Field(max_length=30)
