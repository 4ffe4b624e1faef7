"""What every service shares: the actor, auditing, input checks, one transaction."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from core.errors import DomainError
from core.models.audit import AuditLog
from core.models.types import utcnow


@dataclass(frozen=True)
class Actor:
    """Who is acting: the operator at the keyboard (or a script, or a plugin)."""

    name: str
    person_id: int | None = None

    def __post_init__(self) -> None:
        # the name goes into every audit row: refuse what the column cannot hold
        name = (self.name or "").strip()
        if not name:
            raise DomainError("input.required", field="operator")
        if len(name) > 100:
            raise DomainError("input.too_long", field="operator", max=100, length=len(name))

    def __str__(self) -> str:
        return self.name


def snapshot(obj: SQLModel | None, exclude: Iterable[str] = ()) -> dict[str, Any] | None:
    """A JSON-safe dict of a row's columns, for the audit log."""
    if obj is None:
        return None
    out: dict[str, Any] = {}
    for key, value in obj.model_dump().items():
        if key in exclude:
            continue
        if isinstance(value, datetime | date):
            value = value.isoformat()
        out[key] = value
    return out


def audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: int | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditLog(
            at=utcnow(),
            actor=actor.name,
            action=action,
            entity=entity,
            entity_id=entity_id,
            before=before,
            after=after,
        )
    )


@contextmanager
def transaction(session: Session) -> Iterator[Session]:
    """One unit of work: commit on success, roll back everything on any error."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


# -- input checks ------------------------------------------------------------


def require_text(value: str | None, field: str, *, max_len: int) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError("input.required", field=field)
    if len(text) > max_len:
        raise DomainError("input.too_long", field=field, max=max_len, length=len(text))
    return text


def optional_text(value: str | None, field: str, *, max_len: int) -> str:
    text = (value or "").strip()
    if len(text) > max_len:
        raise DomainError("input.too_long", field=field, max=max_len, length=len(text))
    return text


E = TypeVar("E", bound=StrEnum)


def choice(enum: type[E], value: str | E, field: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise DomainError(
            "input.invalid_choice",
            field=field,
            value=value,
            choices=", ".join(m.value for m in enum),
        ) from None


def escape_like(text: str) -> str:
    """Escape ``%``, ``_`` and the escape character itself for ``LIKE … ESCAPE '\\'``."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def when(at: datetime | None) -> datetime:
    """The time of an action: now, or the given timezone-aware time (never a naive one)."""
    if at is None:
        return utcnow()
    if at.tzinfo is None or at.utcoffset() is None:
        raise DomainError("input.naive_datetime")
    return at


def text_match(session: Session, column, pattern: str):
    """``column LIKE pattern`` ignoring ASCII case on both databases.

    SQLite's LIKE already ignores ASCII case (and ILIKE there would cost a
    ``lower()`` per row); PostgreSQL needs ILIKE.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")
