"""Column types shared by core and plugin models."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware datetime stored as UTC on SQLite and PostgreSQL alike.

    SQLite keeps no zone, so values are normalised to UTC on the way in and
    marked UTC on the way out; a naive value is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; gongzhi stores only timezone-aware times")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        if dialect.name != "sqlite":
            return super().result_processor(dialect, coltype)
        # SQLite hands back the stored text ("2026-12-05 08:16:57.565093", always UTC):
        # one C-level parse with the zone set, instead of SQLAlchemy's regular-expression
        # parse and then process_result_value (a list of 100 requests has 200 of them)
        parse = datetime.fromisoformat

        def process(value):
            if value is None:
                return None
            if isinstance(value, str):
                try:  # stored without a zone; "+00:00" parses 6× faster than replace(tzinfo=)
                    return parse(value + "+00:00")
                except ValueError:  # a zone written by something else: honour it
                    value = parse(value)
            return self.process_result_value(value, dialect)

        return process


def local(dt: datetime | None) -> datetime | None:
    """The same instant in Asia/Shanghai, for display."""
    return dt.astimezone(LOCAL_TZ) if dt is not None else None


def fmt_local(dt: datetime | None, seconds: bool = False) -> str:
    if dt is None:
        return ""
    return local(dt).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")
