"""The plugin's table. Its name carries the plugin's prefix, ``notice_``."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from gongzhi.core.models.types import UTCDateTime, utcnow


class NoticeItem(SQLModel, table=True):
    __tablename__ = "notice_item"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=4000)
    place_id: int | None = Field(default=None, foreign_key="place.id")
    request_id: int | None = Field(default=None, foreign_key="request.id")
    posted_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    posted_by: str = Field(max_length=100)
