"""The audit log: every write records who, when, what, and the values before and after."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from gongzhi.core.chain import chained
from gongzhi.core.models.types import UTCDateTime, utcnow


@chained
class AuditLog(SQLModel, table=True):
    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor: str = Field(max_length=100)
    action: str = Field(max_length=60, index=True)
    entity: str = Field(max_length=60)
    entity_id: int | None = Field(default=None, index=True)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    # the hash chain (core.chain): over this row's content and the previous row's hash
    hash: str | None = Field(default=None, max_length=64)
