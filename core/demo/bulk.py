"""Bulk inserts for the demo's bulk stages, at the driver's own speed.

The bulk stages build rows in Python with their ids chosen up front (so that
paths, foreign keys and the ids inside timeline data can be written in one
pass). Going through ``session.execute(insert(table), rows)`` costs SQLAlchemy's
per-row parameter processing — building a parameter dict per row and calling
each column type's bind processor — which measured 2.9× the raw inserts at
street scale. Here each table gets a row converter compiled once (dict → tuple,
values converted by the column's own bind processor where it has one, and a
direct formatter for :class:`~core.models.types.UTCDateTime` on SQLite that
stores exactly what the type stores), and the tuples go to the driver:

- SQLite: ``executemany`` through :meth:`Connection.exec_driver_sql`, in the
  caller's transaction;
- PostgreSQL (psycopg 3): ``COPY … FROM STDIN`` on the session's connection, in
  the caller's transaction.

Triggers, constraints and indexes apply as for any insert. Afterwards
PostgreSQL's id sequences are moved past the ids used, so that rows created
later through the services do not collide.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import JSON, Table, func, select, text
from sqlmodel import Session

from core.models.types import UTCDateTime

Progress = Callable[[str, int, int], None]

BATCH = 5000


def sqlite_utc_text(cache_size: int = 200_000) -> Callable[[Any], str | None]:
    """What :class:`UTCDateTime` stores on SQLite — naive UTC in SQLAlchemy's text format,
    ``2026-11-01 01:00:00.000000`` — without the type machinery.

    Remembers its last results: a request's times recur in its events, dispatches and
    feedback (1.5 million values, 0.6 million distinct at street scale).
    """
    cache: dict[Any, str] = {}

    def convert(value):
        if value is None:
            return None
        text = cache.get(value)
        if text is None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; gongzhi stores only timezone-aware times")
            text = value.astimezone(UTC).isoformat(" ", "microseconds")[:26]
            if len(cache) >= cache_size:
                cache.clear()
            cache[value] = text
        return text

    return convert


def _json_text() -> Callable[[Any], str]:
    """``json.dumps(value)`` with its default arguments (what SQLAlchemy's ``JSON`` type stores on
    SQLite), with the C encoder built once rather than per call."""
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return json.dumps
    encoder = make({}, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ": ", ", ",
                   False, False, True)

    def dumps(value):
        if isinstance(value, str):
            return json.encoder.encode_basestring_ascii(value)
        return "".join(encoder(value, 0))

    return dumps


def row_converter(table: Table, columns: Sequence[str], dialect,
                  utc_text: Callable[[Any], str | None] | None = None) -> Callable[[dict[str, Any]], tuple]:
    """A function ``row dict -> tuple of driver values`` for ``columns`` of ``table``.

    Each value is converted as SQLAlchemy would convert it for ``dialect`` (the column
    type's bind processor), except on SQLite ``UTCDateTime`` (formatted directly, by
    ``utc_text``) and plain ``JSON`` (``json.dumps``, encoder built once). The function
    is generated once per table and column list (as ``namedtuple`` does).
    """
    env: dict[str, Any] = {}
    parts = []
    sqlite = dialect.name == "sqlite"
    for i, name in enumerate(columns):
        col = table.c[name]
        if sqlite and isinstance(col.type, UTCDateTime):
            proc = utc_text or sqlite_utc_text()
        elif (sqlite and type(col.type) is JSON and not col.type.none_as_null
              and dialect._json_serializer is None):
            proc = _JSON_TEXT
        else:
            proc = col.type._cached_bind_processor(dialect)
        if proc is None:
            parts.append(f"r[{name!r}]")
        else:
            env[f"p{i}"] = proc
            parts.append(f"p{i}(r[{name!r}])")
    source = f"def convert(r):\n    return ({', '.join(parts)},)\n"
    exec(compile(source, f"<demo row converter for {table.name}>", "exec"), env)  # noqa: S102
    return env["convert"]


_JSON_TEXT = _json_text()


class Inserter:
    """Id allocation and bulk inserts within the caller's transaction."""

    def __init__(self, session: Session, progress: Progress | None = None, batch: int = BATCH) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.progress = progress
        self.batch = batch
        self.counts: dict[str, int] = {}
        self._next: dict[str, int] = {}
        self._converters: dict[tuple[str, tuple[str, ...]], Callable[[dict[str, Any]], tuple]] = {}
        self._utc_text = sqlite_utc_text()  # one cache for every table: times recur across tables

    def first_id(self, table: Table) -> int:
        """The first free id of ``table`` (read once; later calls continue from there)."""
        if table.name not in self._next:
            current = self.session.execute(select(func.max(table.c.id))).scalar()
            self._next[table.name] = (current or 0) + 1
        return self._next[table.name]

    def take_ids(self, table: Table, n: int) -> range:
        start = self.first_id(table)
        self._next[table.name] = start + n
        return range(start, start + n)

    def insert(
        self,
        table: Table,
        rows: Sequence[dict[str, Any]],
        *,
        stage: str | None = None,
        done: int = 0,
        total: int | None = None,
    ) -> int:
        """Insert ``rows`` (dicts with the same keys) in batches; report ``(stage, done + n, total)``
        after each batch."""
        if not rows:
            self.counts.setdefault(table.name, 0)
            return 0
        from core.chain import link_rows

        link_rows(self.session.connection(), table, rows)  # hash chains (core.chain), in id order
        columns = tuple(rows[0])
        key = (table.name, columns)
        convert = self._converters.get(key)
        if convert is None:
            convert = self._converters[key] = row_converter(table, columns, self.dialect, self._utc_text)
        conn = self.session.connection()
        names = ", ".join(columns)
        if self.dialect.name == "postgresql":
            write = self._copy(conn, f"COPY {table.name} ({names}) FROM STDIN")
        else:
            sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})"

            def write(params: list[tuple]) -> None:
                conn.exec_driver_sql(sql, params)

        n = 0
        for start in range(0, len(rows), self.batch):
            chunk = rows[start : start + self.batch]
            write([convert(r) for r in chunk])
            n += len(chunk)
            if self.progress is not None and stage is not None:
                self.progress(stage, done + n, total if total is not None else len(rows))
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        return n

    @staticmethod
    def _copy(conn, statement: str) -> Callable[[list[tuple]], None]:
        """``COPY … FROM STDIN`` on the session's own psycopg connection (same transaction)."""
        driver = conn.connection.driver_connection

        def write(params: list[tuple]) -> None:
            with driver.cursor() as cur, cur.copy(statement) as copy:
                for row in params:
                    copy.write_row(row)

        return write

    def fix_sequences(self, tables: Iterable[Table]) -> None:
        """On PostgreSQL, move each table's id sequence past the largest id in use."""
        if self.dialect.name != "postgresql":
            return
        for table in tables:
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                )
            )
