"""Raw-SQL tampering, as someone with the database file or an owner's login would try it
(issue 15, item 7): shared by the core's and the plugins' tamper tests."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.db import Database


def row(db: Database, table: str, row_id: int, key: str = "id") -> dict:
    """One row by ``key`` (``rowid`` on SQLite for a table keyed otherwise)."""
    with db.engine.connect() as conn:
        return dict(conn.execute(text(f"SELECT * FROM {table} WHERE {key} = :id"), {"id": row_id}).mappings().one())


def count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()


def assert_replace_refused(db: Database, table: str, row_id: int, column: str, value, key: str = "id") -> None:
    """``INSERT OR REPLACE`` and ``REPLACE`` of an existing row through the plain sqlite3
    module (no pragmas of the app) are refused, and the row stays as it was."""
    assert db.is_sqlite
    before, rows = row(db, table, row_id, key), count(db, table)
    changed = {**before, column: value}
    cols = ", ".join(changed)
    marks = ", ".join("?" for _ in changed)
    conn = sqlite3.connect(db.sqlite_path)
    try:
        for verb in ("INSERT OR REPLACE", "REPLACE"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"), conn:
                conn.execute(f"{verb} INTO {table} ({cols}) VALUES ({marks})", list(changed.values()))
    finally:
        conn.close()
    assert row(db, table, row_id, key) == before
    assert count(db, table) == rows


def assert_truncate_refused(db: Database, table: str) -> None:
    assert not db.is_sqlite
    rows = count(db, table)
    assert rows > 0
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {table} CASCADE"))
    assert count(db, table) == rows
