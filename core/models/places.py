"""The place tree: street → community → compound → building → micro-grid → household,
plus points of interest hanging from any node."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.models.types import UTCDateTime, utcnow


class Place(SQLModel, table=True):
    __tablename__ = "place"
    __table_args__ = (
        UniqueConstraint("parent_id", "kind", "name", name="uq_place_sibling_name"),
        Index("ix_place_path", "path"),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20, index=True)
    name: str = Field(max_length=100)
    code: str | None = Field(default=None, max_length=40)
    parent_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    # materialised path of ids, "/1/4/17/", kept by the service on create and move
    path: str = Field(default="", max_length=200)
    # the community this node lies in (itself for a community); null above it
    community_id: int | None = Field(default=None, foreign_key="place.id", index=True)
    housing_type: str | None = Field(default=None, max_length=20)
    floor_from: int | None = None
    floor_to: int | None = None
    poi_kind: str | None = Field(default=None, max_length=20)
    notes: str = Field(default="", max_length=1000)
    # pinyin keys of the name, "|ryysq|rongyayuanshequ|" (core.pinyin.place_search_keys)
    search_keys: str = Field(default="", max_length=600, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
