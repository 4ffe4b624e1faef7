"""Issue 15, item 7, for every append-only table of the core and the built-in plugins at
once: on SQLite ``INSERT OR REPLACE`` / ``REPLACE`` of an existing row is refused (REPLACE
deletes without firing the delete trigger), on PostgreSQL ``TRUNCATE`` is refused. The
tables are found by their guards (``gongzhi.core.migrations.triggers``), so a new append-only
table without the REPLACE guard fails here."""

from __future__ import annotations

from sqlalchemy import text

from gongzhi.core.db import Database
from tests.tamper import assert_replace_refused, assert_truncate_refused


def _sqlite_append_only(db: Database) -> dict[str, set[str]]:
    """Append-only tables (a ``<table>_no_update`` trigger) and the guards each has."""
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger'")).all()
    guarded = {t for t, name in rows if name == f"{t}_no_update"}
    return {t: {name for tt, name in rows if tt == t} for t in guarded}


def test_every_append_only_table_refuses_replace_on_sqlite(small_demo: Database):
    tables = _sqlite_append_only(small_demo)
    for expected in ("request_event", "audit_log", "points_transfer", "delib_ballot", "micro_rating",
                     "micro_allocation", "micro_spending", "micro_verdict", "redprop_action_note",
                     "redprop_addendum"):
        assert expected in tables
    without = sorted(t for t, guards in tables.items() if f"{t}_no_replace" not in guards)
    assert without == [], f"append-only tables that INSERT OR REPLACE can rewrite: {without}"
    tried = 0
    with small_demo.engine.connect() as conn:
        info = {t: list(conn.execute(text(f"PRAGMA table_info({t})"))) for t in tables}
        columns = {t: [c[1] for c in info[t]] for t in tables}
        keys = {t: {c[1] for c in info[t] if c[5]} for t in tables}  # primary-key columns
        # a table keyed otherwise (chain_checkpoint: by chain name) is tried by its rowid
        firsts = {t: conn.scalar(text(f"SELECT min({'id' if 'id' in columns[t] else 'rowid'}) FROM {t}"))
                  for t in tables}
    for table, first in sorted(firsts.items()):
        if first is None:  # no row in the demo: the guard's presence is checked above
            continue
        key = "id" if "id" in columns[table] else "rowid"
        column = next(c for c in columns[table] if c not in ("id", "hash") and c not in keys[table])
        with small_demo.engine.connect() as conn:
            value = conn.scalar(text(f"SELECT {column} FROM {table} WHERE {key} = :i"), {"i": first})
        changed = "改写" if isinstance(value, str) else (value or 0) + 1000
        assert_replace_refused(small_demo, table, first, column, changed, key)
        tried += 1
    assert tried >= 10


def test_every_append_only_table_refuses_truncate_on_postgresql(demo_street: Database):
    with demo_street.engine.connect() as conn:
        tables = sorted(conn.scalars(text(
            "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "WHERE g.tgname = c.relname || '_append_only'")))
        no_truncate = set(conn.scalars(text(
            "SELECT c.relname FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid "
            "WHERE g.tgname = c.relname || '_no_truncate'")))
        filled = {t for t in tables if conn.scalar(text(f"SELECT EXISTS (SELECT 1 FROM {t})"))}
    assert "points_transfer" in tables and "micro_rating" in tables and "redprop_action_note" in tables
    assert sorted(set(tables) - no_truncate) == [], "append-only tables that TRUNCATE can empty"
    for table in sorted(filled):
        assert_truncate_refused(demo_street, table)
    assert len(filled) >= 10
