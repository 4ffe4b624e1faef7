"""Issue 15, item 7: the request timeline and the audit log carry a hash chain that
``gongzhi db verify`` (and ``db check``) walk end to end, naming the first broken row —
on a real SQLite file and on PostgreSQL, after an owner's hand edit that bypasses the
append-only triggers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, text

from gongzhi.core.chain import Break, verify_chains
from gongzhi.core.cli import main
from tests.core.helpers import build_world, move, new_request


def _hand_edit(db, table: str, row_id: int, assignment: str) -> None:
    """What a table owner can do: lift the guard, UPDATE, put the guard back."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text(f"DROP TRIGGER {table}_no_update"))
            conn.execute(text(f"UPDATE {table} SET {assignment} WHERE id = {row_id}"))
            conn.execute(text(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                              f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"))
        else:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            conn.execute(text(f"UPDATE {table} SET {assignment} WHERE id = {row_id}"))
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))


def _ids(db, table: str) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.execute(text(f"SELECT id FROM {table} ORDER BY id")).scalars())


@pytest.fixture
def history(db, actor):
    w = build_world(db, actor)
    r = new_request(db, actor, w)
    move(db, actor, r.id, "accepted")
    return db


def test_every_row_is_chained_and_verifies(history):
    db = history
    with db.engine.connect() as conn:
        for table in ("request_event", "audit_log"):
            hashes = conn.execute(text(f"SELECT hash FROM {table} ORDER BY id")).scalars().all()
            assert len(hashes) >= 2 and all(h and len(h) == 64 for h in hashes)
            assert len(set(hashes)) == len(hashes)
        assert verify_chains(conn) == []
    assert main(["--db", db.url, "db", "verify"]) == 0


@pytest.mark.parametrize(("table", "assignment"), [
    ("request_event", "public_note = '已办结'"),
    ("audit_log", "actor = '伪造的主任'"),
])
def test_a_hand_edited_row_is_named_by_db_verify_and_db_check(history, capsys, table, assignment):
    db = history
    ids = _ids(db, table)
    victim = ids[len(ids) // 2]
    _hand_edit(db, table, victim, assignment)
    capsys.readouterr()
    assert main(["--db", db.url, "db", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"表 {table} 的第 {victim} 行" in err
    assert main(["--db", db.url, "--lang", "en", "db", "verify", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and {"table": table, "id": victim} in out["broken"]
    assert main(["--db", db.url, "--lang", "en", "db", "check"]) == 1
    assert f"hash chain broken: table {table}, row id {victim}" in capsys.readouterr().err
    with db.engine.connect() as conn:
        assert Break(table, victim) in verify_chains(conn)


def test_a_deleted_row_breaks_the_chain_at_the_next_one(history, capsys):
    db = history
    ids = _ids(db, "audit_log")
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
            conn.execute(text(f"DELETE FROM audit_log WHERE id = {ids[1]}"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
            conn.execute(text(f"DELETE FROM audit_log WHERE id = {ids[1]}"))
            conn.execute(text("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"))
    with db.engine.connect() as conn:
        assert verify_chains(conn) == [Break("audit_log", ids[2])]


def test_the_demo_bulk_rows_are_chained(small_demo):
    with small_demo.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM request_event WHERE hash IS NULL")).scalar_one() == 0
        assert verify_chains(conn) == []


def test_the_migration_hashes_existing_rows(history):
    """Rows written before 0005 (no hash) are chained by the upgrade, in id order."""
    db = history
    db.downgrade("0004")
    with db.engine.connect() as conn:
        assert "hash" not in {c["name"] for c in inspect(conn).get_columns("audit_log")}
    db.upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE hash IS NULL")).scalar_one() == 0
        assert verify_chains(conn) == []
