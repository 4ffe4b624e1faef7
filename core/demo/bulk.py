"""Bulk inserts for the demo's bulk stages, at the driver's own speed.

The bulk stages build rows in Python with their ids chosen up front (so that
paths, foreign keys and the ids inside timeline data can be written in one
pass). Going through ``session.execute(insert(table), rows)`` costs SQLAlchemy's
per-row parameter processing — building a parameter dict per row and calling
each column type's bind processor — which measured 2.9× the raw inserts at
street scale. Here each table gets a row converter compiled once (dict → tuple,
values converted by the column's own bind processor where it has one, and a
direct formatter for :class:`~gongzhi.core.models.types.UTCDateTime` on SQLite that
stores exactly what the type stores), and the tuples go to the driver:

- SQLite: ``executemany`` through :meth:`Connection.exec_driver_sql`, in the
  caller's transaction;
- PostgreSQL (psycopg 3): ``COPY … FROM STDIN`` on the session's connection, in
  the caller's transaction; ``executemany`` instead where row-level security applies
  to the login (a login in the role ``gongzhi_app``), as PostgreSQL refuses COPY there.

Rows of a hash-chained table (:mod:`gongzhi.core.chain`: the request timeline) get their
``hash`` from a linker generated once per table (:func:`chain_linker`), which writes
the very text :func:`gongzhi.core.chain.row_hash` hashes without its per-value work. Rows can
be dicts or, with ``columns``, plain lists (no dict per row).

Triggers, constraints and indexes apply as for any insert; a stage may have its
tables' secondary indexes built once after its inserts instead
(:meth:`Inserter.indexes_built_after`, SQLite). Afterwards PostgreSQL's id sequences
are moved past the ids used, so that rows created later through the services do
not collide.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Table, func, select, text
from sqlmodel import Session

from gongzhi.core.chain import CHAINED, HASH_COLUMN, _lock_and_last, _norm, content_columns
from gongzhi.core.models.types import UTCDateTime

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

    convert.cache = cache  # read directly by generated code: a hit without a call
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
                  utc_text: Callable[[Any], str | None] | None = None, *,
                  positional: bool = False) -> Callable[[Any], tuple]:
    """A function ``row dict -> tuple of driver values`` for ``columns`` of ``table``
    (with ``positional``: ``row sequence -> …``, the values in the order of ``columns``).

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
        value = f"r[{i}]" if positional else f"r[{name!r}]"
        if proc is None:
            parts.append(value)
        elif isinstance(getattr(proc, "cache", None), dict):  # a remembering formatter: try its memory first
            env[f"p{i}"], env[f"c{i}"] = proc, proc.cache
            parts.append(f"(c{i}.get(v{i} := {value}) or p{i}(v{i}))")
        else:
            env[f"p{i}"] = proc
            parts.append(f"p{i}({value})")
    source = f"def convert(r):\n    return ({', '.join(parts)},)\n"
    exec(compile(source, f"<demo row converter for {table.name}>", "exec"), env)  # noqa: S102
    return env["convert"]


_JSON_TEXT = _json_text()


def utc_iso(utc_text: Callable[[Any], str | None] | None = None,
            cache_size: int = 200_000) -> Callable[[datetime], str]:
    """What :func:`gongzhi.core.chain.row_hash` makes of a datetime (``_norm``: UTC, ISO format with
    ``T``, microseconds and ``+00:00``; a naive value taken as UTC), remembered like
    :func:`sqlite_utc_text`. An aware value's text is made from ``utc_text``'s (the same
    instant, other separators), so each distinct time is formatted once for both."""
    text_of = utc_text or sqlite_utc_text(cache_size)
    cache: dict[datetime, str] = {}

    def iso(value: datetime) -> str:
        text = cache.get(value)
        if text is None:
            if value.tzinfo is None:
                text = value.replace(tzinfo=UTC).isoformat(timespec="microseconds")
            else:
                stored = text_of(value)  # "2026-11-01 01:00:00.000000"
                text = f"{stored[:10]}T{stored[11:]}+00:00"
            if len(cache) >= cache_size:
                cache.clear()
            cache[value] = text
        return text

    iso.cache = cache  # read directly by generated code: a hit without a call
    return iso


# the value types core.chain._norm returns unchanged (exact types: subclasses such as enums go to _norm)
_PLAIN = frozenset((str, int, float, bool))


def chain_linker(table: Table, iso: Callable[[datetime], str] | None = None,
                 columns: Sequence[str] | None = None) -> Callable[[Sequence[Any], str | None], str | None]:
    """A function ``link(rows, previous_hash) -> last hash`` that gives each row dict its
    ``hash`` (with ``columns``: appends it to each row list, whose values are those
    ``columns`` in order; a content column not among them counts as NULL, as a key
    missing from a dict does) exactly as :func:`gongzhi.core.chain.link_rows` does.

    :func:`gongzhi.core.chain.row_hash` hashes ``json.dumps([table, previous, content],
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)``, where
    ``content`` maps each non-NULL column but ``id`` and ``hash`` to its value through
    ``_norm``. Here that text is written directly by code generated once per table: the
    columns in sorted order, exact ``str`` values through the encoder's own string
    escaping, exact ``int`` values as ``repr`` (what the encoder writes), datetimes as their
    ``_norm`` text (formatted once per distinct value, :func:`utc_iso`), and any other
    value (JSON data, booleans, floats, enums …) through a type-dispatching copy of
    ``_norm`` and the very C encoder ``json.dumps`` would use with those arguments.
    ``tests/core/test_demo.py`` checks it against ``row_hash``.
    """
    if columns is not None and HASH_COLUMN in columns:
        raise ValueError(f"{HASH_COLUMN!r} is the linker's to append")
    iso = iso or utc_iso()
    encode = json.encoder.c_make_encoder
    if encode is None:  # no C accelerator: the reference implementation
        from gongzhi.core.chain import row_hash

        def link(rows, previous):
            for row in rows:
                values = dict(zip(columns, row, strict=True)) if columns is not None else row
                previous = row_hash(table, previous, values)
                if columns is not None:
                    row.append(previous)
                else:
                    row[HASH_COLUMN] = previous
            return previous

        return link
    text = json.encoder.encode_basestring  # the string escaping of json.dumps(..., ensure_ascii=False)
    # json.dumps(..., sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    encoder = encode(None, str, text, None, ":", ",", True, False, True)

    def norm(value):
        kind = type(value)
        if kind in _PLAIN or value is None:
            return value
        if kind is datetime:
            return iso(value)
        if kind is dict:
            return {(k if type(k) is str else str(k)): (v if type(v) in _PLAIN or v is None else norm(v))
                    for k, v in value.items()}
        if kind is list or kind is tuple:
            return [v if type(v) in _PLAIN or v is None else norm(v) for v in value]
        return _norm(value)

    def dumps(value) -> str:
        return "".join(encoder(norm(value), 0))

    env: dict[str, Any] = {"S": str, "I": int, "D": datetime, "iso": iso, "text": text, "dumps": dumps,
                           "remembered": getattr(iso, "cache", {}).get,
                           "repr": int.__repr__, "sha": hashlib.sha256, "H": HASH_COLUMN,
                           "head": "[" + text(table.name) + ","}
    lines = ["def link(rows, previous):", "    previous = previous or ''", "    for r in rows:", "        c = []"]
    for i, name in enumerate(sorted(content_columns(table))):  # the order sort_keys gives
        if columns is None:
            get = f"r.get({name!r})"
        elif name in columns:
            get = f"r[{list(columns).index(name)}]"
        else:
            continue
        env[f"k{i}"] = text(name) + ":"
        if isinstance(table.c[name].type, UTCDateTime):
            value = "'\"' + (remembered(v) or iso(v)) + '\"' if type(v) is D else dumps(v)"
        else:
            value = "text(v) if type(v) is S else repr(v) if type(v) is I else dumps(v)"
        lines += [f"        v = {get}", "        if v is not None:", f"            c.append(k{i} + ({value}))"]
    digest = "sha((head + text(previous) + ',{' + ','.join(c) + '}]').encode()).hexdigest()"
    lines += [f"        previous = r[H] = {digest}" if columns is None else
              f"        previous = {digest}\n        r.append(previous)",
              "    return previous or None"]
    exec(compile("\n".join(lines) + "\n", f"<demo chain linker for {table.name}>", "exec"), env)  # noqa: S102
    return env["link"]


class Inserter:
    """Id allocation and bulk inserts within the caller's transaction."""

    def __init__(self, session: Session, progress: Progress | None = None, batch: int = BATCH) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect
        self.progress = progress
        self.batch = batch
        self.counts: dict[str, int] = {}
        self._next: dict[str, int] = {}
        self._converters: dict[tuple[str, tuple[str, ...], bool], Callable[[Any], tuple]] = {}
        self._rls: dict[str, bool] = {}
        self._utc_text = sqlite_utc_text()  # one cache for every table: times recur across tables
        self._utc_iso = utc_iso(self._utc_text)
        self._linkers: dict[tuple[str, tuple[str, ...] | None], Callable[[Sequence[Any], str | None], str | None]] = {}
        # PostgreSQL tables written with INSERT … (executemany) instead of COPY: COPY FROM
        # refuses a table under row-level security for a role subject to it

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
        rows: Sequence[dict[str, Any]] | Sequence[list],
        *,
        columns: Sequence[str] | None = None,
        stage: str | None = None,
        done: int = 0,
        total: int | None = None,
    ) -> int:
        """Insert ``rows`` in batches; report ``(stage, done + n, total)`` after each batch.

        ``rows`` are dicts with the same keys, or, with ``columns``, lists of those columns'
        values in that order (no dict per row; a chained table's ``hash`` is appended to
        each list, so it is not among ``columns``)."""
        if not rows:
            self.counts.setdefault(table.name, 0)
            return 0
        positional = columns is not None
        names_key = tuple(columns) if positional else None
        if table.name in CHAINED:  # hash chains (core.chain), in id order, as link_rows gives them
            link = self._linkers.get((table.name, names_key))
            if link is None:
                link = self._linkers[(table.name, names_key)] = chain_linker(table, self._utc_iso, names_key)
            link(rows, _lock_and_last(self.session.connection(), table))
            if positional:
                columns = (*names_key, HASH_COLUMN)
        columns = tuple(columns) if positional else tuple(rows[0])
        key = (table.name, columns, positional)
        convert = self._converters.get(key)
        if convert is None:
            convert = self._converters[key] = row_converter(table, columns, self.dialect, self._utc_text,
                                                            positional=positional)
        conn = self.session.connection()
        names = ", ".join(columns)
        if self.dialect.name == "postgresql" and not self._row_security(conn, table):
            write = self._copy(conn, f"COPY {table.name} ({names}) FROM STDIN")
        else:  # SQLite; PostgreSQL where COPY FROM is refused (row-level security)
            mark = "%s" if self.dialect.name == "postgresql" else "?"
            sql = f"INSERT INTO {table.name} ({names}) VALUES ({', '.join([mark] * len(columns))})"

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

    @contextmanager
    def indexes_built_after(self, tables: Iterable[Table]) -> Iterator[None]:
        """On SQLite, build the secondary indexes of ``tables`` once after the bulk inserts
        instead of row by row: they are dropped and created again from their own stored
        SQL inside the caller's transaction (SQLite's DDL is transactional: a failure rolls
        both back). Inserting the street's request stage into a dozen indexes at random
        positions costs about three times the inserts themselves; sorting each index once
        costs a fraction. Indexes SQLite makes for ``PRIMARY KEY``/``UNIQUE`` constraints
        stay (they cannot be dropped); a ``UNIQUE`` index dropped here is checked when it is
        created again, so duplicates still fail the stage. Nothing to do on PostgreSQL.
        """
        if self.dialect.name != "sqlite":
            yield
            return
        conn = self.session.connection()
        names = [t.name for t in tables]
        marks = ", ".join("?" * len(names))
        indexes = conn.exec_driver_sql(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks}) ORDER BY rowid", tuple(names)).all()
        for name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{name}"')
        yield
        conn = self.session.connection()
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)

    def _row_security(self, conn, table: Table) -> bool:
        """Whether row-level security applies to this login on ``table`` (PostgreSQL:
        a login in the role gongzhi_app, migrations 0009 and 0010; the owner is exempt)."""
        if table.name not in self._rls:
            self._rls[table.name] = bool(conn.scalar(text("SELECT row_security_active(CAST(:t AS regclass))"),
                                                     {"t": table.name}))
        return self._rls[table.name]

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
