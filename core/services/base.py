"""What every service shares: the actor, auditing, input checks, one transaction."""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlmodel import Session, SQLModel

from gongzhi.core.errors import DomainError
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.types import utcnow


@dataclass(frozen=True)
class Actor:
    """Who is acting: the operator at the keyboard (or a script, or a plugin)."""

    name: str
    person_id: int | None = None
    # the operator account acting (None: the implicit local operator or a script)
    operator_id: int | None = None
    # the account's role grants (core.permissions.Grant); None: no accounts on this
    # database, the one local operator acts as street_admin on the street
    grants: tuple[Any, ...] | None = None
    # the account's display name (the audit records ``name``, the login)
    display_name: str | None = None

    def __post_init__(self) -> None:
        # the name goes into every audit row: refuse what the column cannot hold
        name = (self.name or "").strip()
        if not name:
            raise DomainError("input.required", field="operator")
        if len(name) > 100:
            raise DomainError("input.too_long", field="operator", max=100, length=len(name))
        check_chars(name, "operator")

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


# fields that name something and sit on one line: no line breaks or tabs either
LINE_FIELDS = frozenset({"name", "name_zh", "name_en", "title", "code", "operator", "external_id", "reason"})


# characters that show as nothing but are not format characters (category Cf): the
# Hangul fillers and the blank Braille pattern, favourites for a name that looks empty
INVISIBLE = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# the text-direction embeddings, overrides and isolates: they reorder what is shown
# (a name shown backwards, a description that hides its end); refused in any text
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_invisible(ch: str) -> bool:
    """A format character (Unicode category Cf: zero-width space and joiners, the byte
    order mark, direction marks …) or another character that shows as nothing."""
    return ch in INVISIBLE or unicodedata.category(ch) == "Cf"


def check_chars(text: str, field: str, *, line: bool | None = None) -> str:
    """Refuse undecodable bytes (surrogates) anywhere, control characters anywhere,
    text-direction overrides anywhere, and in a one-line field (``line``; by default the
    name-like fields) line breaks, tabs and invisible characters (:func:`is_invisible`).
    A one-line field of nothing but whitespace and invisible characters is empty
    (``input.required``)."""
    if line is None:
        line = field in LINE_FIELDS
    invisible = False
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cs":
            raise DomainError("input.bad_encoding", value=text.encode("utf-8", "backslashreplace").decode("utf-8"))
        if cat == "Cc" and (line or ch not in "\n\r\t"):
            raise DomainError("input.control_chars", field=field)
        if line and ch in "\u2028\u2029":
            raise DomainError("input.control_chars", field=field)
        if ch in BIDI_CONTROLS or (line and is_invisible(ch)):
            invisible = True
    if invisible:
        if line and not "".join(ch for ch in text if not is_invisible(ch)).strip():
            raise DomainError("input.required", field=field)
        raise DomainError("input.invisible_chars", field=field)
    return text


def check_output_path(path: Path | str) -> Path:
    """A file about to be written: refused before any work if it exists, its folder is
    missing or is not a folder, or the folder cannot be written to."""
    path = Path(path).expanduser()
    if path.exists():
        raise DomainError("export.exists", path=str(path))
    if not path.parent.is_dir():
        raise DomainError("export.no_folder", path=str(path.parent))
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DomainError("export.not_writable", path=str(path.parent))
    return path


def save_new_file(path: Path, save: Callable[[Path], Any]) -> Path:
    """``save(tmp)`` writes the file under a temporary name beside ``path``, which it then
    becomes; a file that appeared at ``path`` meanwhile is never overwritten (nothing is left)."""
    tmp = path.with_name(f".{path.name}.part")
    try:
        save(tmp)
        if path.exists():
            raise DomainError("export.exists", path=str(path))
        tmp.rename(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def require_text(value: str | None, field: str, *, max_len: int) -> str:
    text = check_chars((value or "").strip(), field)
    if not text:
        raise DomainError("input.required", field=field)
    if len(text) > max_len:
        raise DomainError("input.too_long", field=field, max=max_len, length=len(text))
    return text


def optional_text(value: str | None, field: str, *, max_len: int) -> str:
    text = check_chars((value or "").strip(), field)
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


# the earliest a recorded fact may carry, and how far a clock may run ahead of this one
EARLIEST_FACT = datetime(2000, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=10)


def fact_time(at: datetime | None, field: str = "datetime") -> datetime:
    """The time of something that happened (a request raised, a step taken): never in the
    future (beyond a few minutes of clock skew) and not before 2000."""
    at = when(at)
    now = utcnow()
    if at > now + CLOCK_SKEW:
        raise DomainError("input.future_date", field=field, today=now.date().isoformat(), value=at.isoformat())
    if at < EARLIEST_FACT:
        raise DomainError("input.date_too_early", field=field, earliest=EARLIEST_FACT.date().isoformat(),
                          value=at.isoformat())
    return at


def text_match(session: Session, column, pattern: str):
    """``column LIKE pattern`` ignoring ASCII case on both databases.

    SQLite's LIKE already ignores ASCII case (and ILIKE there would cost a
    ``lower()`` per row); PostgreSQL needs ILIKE.
    """
    if session.get_bind().dialect.name == "postgresql":
        return column.ilike(pattern, escape="\\")
    return column.like(pattern, escape="\\")


def choice_of(values: tuple[str, ...] | list[str], value: str, field: str) -> str:
    """``value`` if it is one of ``values``, else ``input.invalid_choice``."""
    if value not in values:
        raise DomainError("input.invalid_choice", field=field, value=value, choices=", ".join(values))
    return value
