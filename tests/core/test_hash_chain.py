"""Issue 15, item 7: the request timeline and the audit log carry a hash chain that
``gongzhi db verify`` (and ``db check``) walk end to end, naming the first broken row —
on a real SQLite file and on PostgreSQL, after an owner's hand edit that bypasses the
append-only triggers."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.chain import Break, HeadMismatch, check_heads, missing_guards, verify_chains
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


# -- the chains' heads (migration 0011): rows removed at the end are seen too --------

def _delete_past_the_guard(db, table: str, where: str) -> None:
    """What a table owner (or whoever holds the SQLite file) can do: lift the delete guard,
    delete, put the guard back."""
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text(f"DROP TRIGGER {table}_no_delete"))
            conn.execute(text(f"DELETE FROM {table} WHERE {where}"))
            conn.execute(text(f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                              f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"))
        else:
            conn.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only"))
            conn.execute(text(f"DELETE FROM {table} WHERE {where}"))
            conn.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only"))


@pytest.fixture
def longer_history(db, actor):
    w = build_world(db, actor)
    for i in range(3):
        r = new_request(db, actor, w, title=f"第{i}件")
        move(db, actor, r.id, "accepted")
    return db


def test_the_checkpoint_follows_every_insert(longer_history):
    db = longer_history
    with db.engine.connect() as conn:
        for table in ("request_event", "audit_log"):
            rows, last = conn.execute(text(f"SELECT count(*), max(id) FROM {table}")).one()
            last_hash = conn.scalar(text(f"SELECT hash FROM {table} WHERE id = {last}"))
            assert conn.execute(text("SELECT row_count, last_id, last_hash FROM chain_checkpoint WHERE chain = :c"),
                                {"c": table}).one() == (rows, last, last_hash)
        assert check_heads(conn) == []


@pytest.mark.parametrize(("table", "keep"), [("request_event", 2), ("audit_log", 3), ("audit_log", 0)])
def test_rows_removed_at_the_end_are_named_by_db_verify_and_db_check(longer_history, capsys, table, keep):
    """The chain that is left verifies row by row; its checkpoint does not match."""
    db = longer_history
    ids = _ids(db, table)
    assert len(ids) > keep + 1
    _delete_past_the_guard(db, table, f"id > {ids[keep - 1]}" if keep else "1 = 1")
    with db.engine.connect() as conn:
        assert verify_chains(conn) == []  # what is left is a valid chain
        assert check_heads(conn) == [HeadMismatch(table, (len(ids), ids[-1]), (keep, ids[keep - 1] if keep else 0))]
    capsys.readouterr()
    assert main(["--db", db.url, "db", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"哈希链末尾不符：表 {table} 按检查点应有 {len(ids)} 行、最后编号 {ids[-1]}" in err, err
    assert main(["--db", db.url, "--lang", "en", "db", "verify", "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["ok"] is False and out["broken"] == []
    assert out["chain_heads"] == [{"table": table, "expected": {"rows": len(ids), "last_id": ids[-1]},
                                   "found": {"rows": keep, "last_id": ids[keep - 1] if keep else 0}}]
    assert main(["--db", db.url, "--lang", "en", "db", "check"]) == 1
    assert f"hash chain end does not match: table {table} should have {len(ids)} rows" in capsys.readouterr().err


def test_the_checkpoint_only_moves_forward_and_a_row_before_the_head_is_refused(longer_history):
    db = longer_history
    for sql in ("UPDATE chain_checkpoint SET row_count = row_count - 1, last_id = last_id - 1",
                "DELETE FROM chain_checkpoint",
                "INSERT INTO audit_log (id, at, actor, action, entity, hash) "
                "VALUES (0, CURRENT_TIMESTAMP, 'x', 'x', 'x', 'x')"):
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text(sql))
    if db.is_sqlite:  # and REPLACE, which deletes without firing the delete trigger
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("INSERT OR REPLACE INTO chain_checkpoint VALUES ('audit_log', 1, NULL, 1)"))
    else:
        with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
            conn.execute(text("TRUNCATE chain_checkpoint"))
    with db.engine.connect() as conn:
        assert check_heads(conn) == [] and verify_chains(conn) == []


def test_db_check_names_a_missing_or_disabled_append_only_guard(history, capsys):
    db = history
    with db.engine.connect() as conn:
        assert missing_guards(conn) == []
    capsys.readouterr()
    assert main(["--db", db.url, "--lang", "en", "db", "check"]) == 0
    gone = "request_event_no_delete" if db.is_sqlite else "request_event_append_only"
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text(f"DROP TRIGGER {gone}"))
            conn.execute(text("DROP TRIGGER chain_checkpoint_no_replace"))
        else:
            conn.execute(text(f"ALTER TABLE request_event DISABLE TRIGGER {gone}"))
            conn.execute(text("DROP TRIGGER chain_checkpoint_no_truncate ON chain_checkpoint"))
    other = "chain_checkpoint_no_replace" if db.is_sqlite else "chain_checkpoint_no_truncate"
    with db.engine.connect() as conn:
        assert missing_guards(conn) == [("chain_checkpoint", other), ("request_event", gone)]
    capsys.readouterr()
    assert main(["--db", db.url, "--lang", "en", "db", "check", "--json"]) == 1
    said = json.loads(capsys.readouterr().out)
    assert said["ok"] is False and {"table": "request_event", "trigger": gone} in said["missing_guards"]
    assert main(["--db", db.url, "db", "check"]) == 1
    assert f"追加表保护缺失：表 request_event 没有（或停用了）触发器 {gone}" in capsys.readouterr().err
