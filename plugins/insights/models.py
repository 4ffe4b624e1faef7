"""The insights tables (prefix ``insights_``).

``insights_doc`` — one row per segmented request: the hash of the text segmented
(so an edited request is re-segmented) and the request's dimensions copied for
aggregation (day, community, compound, category, channel).
``insights_token`` — (request, term, count).
``insights_chat_import`` / ``insights_chat_heat`` — a chat export's summary and its
messages per (day, term); no names, no message text.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from gongzhi.core.models.types import UTCDateTime, utcnow


class InsightsDoc(SQLModel, table=True):
    __tablename__ = "insights_doc"
    __table_args__ = (Index("ix_insights_doc_day", "day"),)

    request_id: int = Field(primary_key=True, foreign_key="request.id")
    text_hash: str = Field(max_length=40)
    day: date
    community_id: int | None = Field(default=None, index=True)
    compound_id: int | None = Field(default=None, index=True)
    category_id: int = Field(index=True)
    channel: str = Field(max_length=20)
    n_tokens: int = 0


class InsightsToken(SQLModel, table=True):
    __tablename__ = "insights_token"
    __table_args__ = (Index("ix_insights_token_term", "term"),)

    request_id: int = Field(primary_key=True, foreign_key="insights_doc.request_id")
    term: str = Field(primary_key=True, max_length=40)
    count: int = 1


class InsightsChatImport(SQLModel, table=True):
    __tablename__ = "insights_chat_import"

    id: int | None = Field(default=None, primary_key=True)
    group_label: str = Field(max_length=100)
    compound_id: int | None = Field(default=None, foreign_key="place.id")
    messages: int = 0
    first_day: date | None = None
    last_day: date | None = None
    text_hash: str = Field(max_length=64, unique=True)
    imported_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    imported_by: str = Field(default="", max_length=100)


class InsightsChatHeat(SQLModel, table=True):
    __tablename__ = "insights_chat_heat"

    import_id: int = Field(primary_key=True, foreign_key="insights_chat_import.id")
    day: date = Field(primary_key=True)
    term: str = Field(primary_key=True, max_length=40)
    messages: int = 0
