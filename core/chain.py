"""Hash chains over the append-only tables (issue 15, item 7).

Each row of a chained table (the request timeline, the audit log, and what plugins
register: the points ledger, ballots) carries ``hash``: SHA-256 over the table's name,
the previous row's hash (by id) and the row's content (every column but ``id`` and
``hash``). Computed here, in the application, when a row is inserted — by the ORM
(:func:`_before_flush`) or by the demo's bulk writer (:func:`link_rows`) — under the
write lock: SQLite's ``BEGIN IMMEDIATE`` already serialises writers; on PostgreSQL a
transaction-scoped advisory lock per table is taken before the previous hash is read,
so chains never fork. :func:`verify_chains` walks every chain from its first row and
names the first row whose hash does not match (``gongzhi db verify``).

Someone who edits a row with raw SQL (an owner can drop or disable the append-only
triggers) must recompute every later hash to hide it; ``db verify`` run against a
copy of an earlier hash (a backup, a printed report) then shows the rewrite.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, event, func, select, text
from sqlalchemy.orm import Session

HASH_COLUMN = "hash"
HASH_LENGTH = 64

CHAINED: dict[str, Table] = {}  # table name -> table, in registration order


def chained(model: Any) -> Any:
    """Class decorator (or call) registering a model's table as a hash chain."""
    table = model.__table__
    CHAINED[table.name] = table
    return model


def _norm(value: Any) -> Any:
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return _norm(value.value)
    if isinstance(value, Mapping):
        return {str(k): _norm(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_norm(v) for v in value]
    return value


def content_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in ("id", HASH_COLUMN)]


def row_hash(table: Table, previous: str | None, values: Mapping[str, Any]) -> str:
    # NULL columns are left out, so a nullable column added later keeps old rows' hashes
    content = {name: _norm(v) for name in content_columns(table) if (v := values.get(name)) is not None}
    payload = json.dumps([table.name, previous or "", content], sort_keys=True, ensure_ascii=False,
                         separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _has_chain_head(conn) -> bool:
    """Whether the database has ``gongzhi_chain_head`` (PostgreSQL, migration 0010);
    asked once per pooled connection."""
    info = conn.connection.info
    if "gongzhi_chain_head" not in info:
        info["gongzhi_chain_head"] = conn.scalar(
            text("SELECT to_regprocedure('public.gongzhi_chain_head(regclass)') IS NOT NULL"))
    return info["gongzhi_chain_head"]


def _lock_and_last(conn, table: Table) -> str | None:
    """Take the chain's lock (PostgreSQL; SQLite writers are serialised already) and
    read its last hash. On PostgreSQL through ``gongzhi_chain_head`` (migration 0010):
    a login confined to a community by row-level security does not see the table's
    last row, only its hash through that function."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"gongzhi.chain.{table.name}"})
        if _has_chain_head(conn):
            return conn.scalar(text("SELECT gongzhi_chain_head(CAST(:t AS regclass))"), {"t": table.name})
    return conn.execute(
        select(table.c[HASH_COLUMN]).order_by(table.c.id.desc()).limit(1)
    ).scalar()


def link_rows(conn, table: Table, rows: Iterable[dict[str, Any]]) -> None:
    """Give each row dict (in id order, about to be inserted) its ``hash``."""
    if table.name not in CHAINED:
        return
    previous = _lock_and_last(conn, table)
    for row in rows:
        row[HASH_COLUMN] = previous = row_hash(table, previous, row)


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context, _instances) -> None:
    new: dict[str, list] = {}
    for obj in session.new:
        table = getattr(type(obj), "__table__", None)
        if table is not None and table.name in CHAINED:
            new.setdefault(table.name, []).append(obj)
    if not new:
        return
    conn = session.connection()
    for name, objs in new.items():
        table = CHAINED[name]
        # the unit of work inserts one table's rows in the order they were added
        objs.sort(key=lambda o: o._sa_instance_state.insert_order)
        previous = _lock_and_last(conn, table)
        columns = content_columns(table)
        for obj in objs:
            values = {c: getattr(obj, c, None) for c in columns}
            previous = row_hash(table, previous, values)
            setattr(obj, HASH_COLUMN, previous)


@dataclass(frozen=True)
class Break:
    table: str
    id: int


def _walk(conn, table: Table, batch: int = 5000) -> Iterator[Break]:
    previous: str | None = None
    last_id = None
    while True:
        stmt = select(table).order_by(table.c.id).limit(batch)
        if last_id is not None:
            stmt = stmt.where(table.c.id > last_id)
        rows = conn.execute(stmt).mappings().all()
        if not rows:
            return
        for row in rows:
            expected = row_hash(table, previous, row)
            if row[HASH_COLUMN] != expected:
                yield Break(table.name, row["id"])
                return
            previous = row[HASH_COLUMN]
            last_id = row["id"]


def verify_chains(conn, tables: Iterable[str] | None = None) -> list[Break]:
    """The first broken row of each chained table present in the database (empty: all hold)."""
    from sqlalchemy import inspect

    present = set(inspect(conn).get_table_names())
    out = []
    for name in tables if tables is not None else list(CHAINED):
        table = CHAINED[name]
        if name in present and HASH_COLUMN in {c["name"] for c in inspect(conn).get_columns(name)}:
            out.extend(_walk(conn, table))
    return out


def _as_stored(conn, model_table: Table) -> Table:
    """``model_table``'s columns that exist in the database now, with the model's types
    (a migration runs against the schema of its revision, not of the newest models)."""
    from sqlalchemy import Column, Integer, MetaData, String, inspect

    names = [c["name"] for c in inspect(conn).get_columns(model_table.name)]
    cols = [Column(n, model_table.c[n].type if n in model_table.c else String, primary_key=n == "id")
            if n != "id" else Column("id", Integer, primary_key=True) for n in names]
    return Table(model_table.name, MetaData(), *cols)


def add_chain(op, model_table: Table) -> None:
    """For a migration: add ``hash`` to an append-only table made by
    :func:`gongzhi.core.migrations.triggers.create_append_only` and hash its rows in id order
    (its update guard is lifted for that, and put back)."""
    import sqlalchemy as sa

    name = model_table.name
    op.add_column(name, sa.Column(HASH_COLUMN, sa.String(length=HASH_LENGTH), nullable=True))
    conn = op.get_bind()
    sqlite = conn.dialect.name == "sqlite"
    if sqlite:
        op.execute(f"DROP TRIGGER {name}_no_update")
    else:
        op.execute(f"ALTER TABLE {name} DISABLE TRIGGER {name}_append_only")
    table = _as_stored(conn, model_table)
    previous: str | None = None
    for row in conn.execute(select(table).order_by(table.c.id)).mappings().all():
        previous = row_hash(table, previous, row)
        conn.execute(table.update().where(table.c.id == row["id"]).values({HASH_COLUMN: previous}))
    if sqlite:
        op.execute(f"CREATE TRIGGER {name}_no_update BEFORE UPDATE ON {name} "
                   f"BEGIN SELECT RAISE(ABORT, '{name} is append-only'); END")
    else:
        op.execute(f"ALTER TABLE {name} ENABLE TRIGGER {name}_append_only")


def drop_chain(op, name: str) -> None:
    op.drop_column(name, HASH_COLUMN)


# -- the chains' heads and the append-only guards (migration 0011) -------------------

CHECKPOINT_TABLE = "chain_checkpoint"
# chains whose checkpoint the core's migrations keep (a plugin adds its own with
# gongzhi.core.migrations.checkpoints.create_chain_checkpoint: then its row is compared too)
CORE_CHECKPOINTED = ("request_event", "audit_log")
# append-only tables besides the chains (which are append-only too)
APPEND_ONLY: set[str] = {"request_event", "audit_log", CHECKPOINT_TABLE}


def append_only(model: Any) -> Any:
    """Class decorator (or call, with a table name) registering an append-only table whose
    guards ``gongzhi db check`` confirms (a chained table is registered already)."""
    APPEND_ONLY.add(model if isinstance(model, str) else model.__table__.name)
    return model


@dataclass(frozen=True)
class HeadMismatch:
    """A chain whose rows end elsewhere than its checkpoint says: rows removed at its end
    (or all of them), or added past the insert trigger. ``expected`` is None when the
    checkpoint row itself is missing."""

    table: str
    expected: tuple[int, int] | None  # (rows, last id) by the checkpoint
    found: tuple[int, int]  # (rows, last id) in the table


def check_heads(conn) -> list[HeadMismatch]:
    from sqlalchemy import inspect

    present = set(inspect(conn).get_table_names())
    if CHECKPOINT_TABLE not in present:
        return []
    heads = {chain: (int(last_id), last_hash, int(rows)) for chain, last_id, last_hash, rows in conn.execute(
        text(f"SELECT chain, last_id, last_hash, row_count FROM {CHECKPOINT_TABLE}"))}
    out = []
    for name in CHAINED:
        if name not in present or (name not in heads and name not in CORE_CHECKPOINTED):
            continue
        table = CHAINED[name]
        rows, last_id = conn.execute(select(func.count(), func.coalesce(func.max(table.c.id), 0))).one()
        last_hash = conn.scalar(select(table.c[HASH_COLUMN]).where(table.c.id == last_id)) if rows else None
        head = heads.get(name)
        if head is None:
            out.append(HeadMismatch(name, None, (rows, last_id)))
        elif (int(last_id), last_hash, int(rows)) != head:
            out.append(HeadMismatch(name, (head[2], head[0]), (int(rows), int(last_id))))
    return out


def missing_guards(conn) -> list[tuple[str, str]]:
    """(table, trigger) for each append-only guard that is missing or disabled: on SQLite
    ``<t>_no_update``, ``<t>_no_delete`` and ``<t>_no_replace``; on PostgreSQL
    ``<t>_append_only`` and ``<t>_no_truncate``; on both ``<t>_checkpoint`` for a chain
    with a checkpoint. The tables: those registered (:data:`APPEND_ONLY`, the chains) and
    any that carries one of these triggers (a plugin's)."""
    from sqlalchemy import inspect

    present = set(inspect(conn).get_table_names())
    if conn.dialect.name == "sqlite":
        kinds = ("no_update", "no_delete", "no_replace")
        live = {name for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))}
    elif conn.dialect.name == "postgresql":
        kinds = ("append_only", "no_truncate")
        live = {name for (name,) in conn.execute(text(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' AND c.relnamespace = current_schema()::regnamespace"))}
        every = {name for (name,) in conn.execute(text(
            "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND c.relnamespace = current_schema()::regnamespace"))}
    else:
        return []
    seen = every if conn.dialect.name == "postgresql" else live
    tables = {t for t in (*APPEND_ONLY, *CHAINED) if t in present}
    tables |= {t for t in present for kind in kinds if f"{t}_{kind}" in seen}
    checkpointed = set(CORE_CHECKPOINTED) if CHECKPOINT_TABLE in present else set()
    if checkpointed:
        checkpointed |= {c for (c,) in conn.execute(text(f"SELECT chain FROM {CHECKPOINT_TABLE}"))}
    out = []
    for table in sorted(tables):
        wanted = [f"{table}_{kind}" for kind in kinds]
        if table in checkpointed and table in present:
            wanted.append(f"{table}_checkpoint")
        out += [(table, trigger) for trigger in wanted if trigger not in live]
    return out
