"""Migrations: the core's Alembic environment against real SQLite files and a real PostgreSQL.

What is tested, and how:

- upgrade from an empty database gives exactly the models (``Database.check()`` is
  empty) with the append-only triggers in place, on SQLite and PostgreSQL;
- downgrade to base removes every core table and trigger; upgrading again is clean;
- ``ensure_ready()`` at start-up:
  * a brand-new SQLite file (no revision yet) is upgraded without a backup — there
    is nothing to back up;
  * a SQLite file already at head is left alone;
  * a SQLite file at an *older* revision is backed up, then upgraded. So that this
    does not depend on how many revisions the core has, the test builds a newer
    head: it copies the core's migration directory to a temporary folder, adds a
    test-only revision (a marker table) on top of the core's head and points
    ``gongzhi.core.db.MIGRATIONS_DIR`` at the copy. The real ``ensure_ready`` code then
    sees a database at the core's head that is one revision behind;
  * PostgreSQL is never upgraded at start-up: not at head (empty, or one revision
    behind the test head) it raises ``db.not_upgraded`` and writes nothing.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

import gongzhi.core.db
from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.models import CORE_TABLES
from tests.core.helpers import assert_messages_render, build_world, count_rows

MARKER = "zz_test_marker"
MARKER_REVISION = '''"""a test-only revision on top of the core's head"""
import sqlalchemy as sa
from alembic import op

revision = "zz_test_marker"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("gz_test_marker", sa.Column("id", sa.Integer(), primary_key=True))


def downgrade() -> None:
    op.drop_table("gz_test_marker")
'''


def tables(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        return set(inspect(conn).get_table_names())


def triggers(db: Database) -> set[str]:
    with db.engine.connect() as conn:
        if db.is_sqlite:
            sql = "select name from sqlite_master where type = 'trigger'"
        else:
            sql = "select tgname from pg_trigger where not tgisinternal"
        return set(conn.execute(text(sql)).scalars())


# what 0004 adds beside the models: the request search index and the triggers that
# keep it and request.community_id current
SQLITE_SEARCH_TABLES = {"request_fts", "request_fts_terms", "request_fts_data", "request_fts_idx",
                        "request_fts_docsize", "request_fts_config"}
SQLITE_SEARCH_TRIGGERS = {"request_fts_insert", "request_fts_update", "request_fts_delete",
                          "request_community_insert", "request_community_update", "place_community_update"}
PG_SEARCH_TRIGGERS = {"request_community", "place_community"}
# what 0005 adds: REPLACE refused on SQLite, TRUNCATE on PostgreSQL (issue 15, item 7)
SQLITE_NO_REPLACE_TRIGGERS = {"request_event_no_replace", "audit_log_no_replace"}
PG_NO_TRUNCATE_TRIGGERS = {"request_event_no_truncate", "audit_log_no_truncate"}
# what 0011 adds: the chains' heads (a table kept by triggers, no model) and its guards
CHECKPOINT_TABLES = {"chain_checkpoint"}
SQLITE_CHECKPOINT_TRIGGERS = {"request_event_checkpoint", "audit_log_checkpoint", "chain_checkpoint_no_update",
                              "chain_checkpoint_no_delete", "chain_checkpoint_no_replace"}
PG_CHECKPOINT_TRIGGERS = {"request_event_checkpoint", "audit_log_checkpoint", "chain_checkpoint_append_only",
                          "chain_checkpoint_no_truncate"}


def append_only_function_exists(db: Database) -> bool:
    with db.engine.connect() as conn:
        return bool(conn.execute(text("select count(*) from pg_proc where proname = 'gongzhi_append_only'")).scalar())


def _core_head() -> str:
    """The head of the core's own migration scripts."""
    return Database("sqlite://").head_revision()


# read once, before any test points the migration directory elsewhere
CORE_HEAD = _core_head()


def core_revisions() -> list[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(Database("sqlite://").alembic_config())
    return [r.revision for r in script.walk_revisions()]


@pytest.fixture
def newer_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Make the migration scripts' head a test revision one above the core's head."""
    head = CORE_HEAD
    copy = tmp_path / "migrations"
    shutil.copytree(gongzhi.core.db.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "versions" / f"{MARKER}.py").write_text(MARKER_REVISION.replace("{head}", head), encoding="utf-8")
    monkeypatch.setattr(gongzhi.core.db, "MIGRATIONS_DIR", copy)
    return MARKER


def test_upgrade_from_empty_sqlite_equals_the_models(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'new.sqlite'}")
    try:
        assert db.current_revision() is None
        db.upgrade()
        assert db.current_revision() == db.head_revision() == CORE_HEAD
        assert db.is_current()
        assert db.check() == []
        assert tables(db) == set(CORE_TABLES) | {"alembic_version"} | SQLITE_SEARCH_TABLES | CHECKPOINT_TABLES
        assert triggers(db) == {
            "request_event_no_update", "request_event_no_delete", "audit_log_no_update", "audit_log_no_delete",
        } | SQLITE_SEARCH_TRIGGERS | SQLITE_NO_REPLACE_TRIGGERS | SQLITE_CHECKPOINT_TRIGGERS
    finally:
        db.dispose()


def test_upgrade_from_empty_postgresql_equals_the_models(empty_pg_db):
    db = empty_pg_db
    assert db.current_revision() is None
    assert tables(db) == set()
    db.upgrade()
    assert db.is_current()
    assert db.check() == []
    assert tables(db) == set(CORE_TABLES) | {"alembic_version"} | CHECKPOINT_TABLES
    assert triggers(db) == {"request_event_append_only", "audit_log_append_only"} | PG_SEARCH_TRIGGERS \
        | PG_NO_TRUNCATE_TRIGGERS | PG_CHECKPOINT_TRIGGERS
    assert append_only_function_exists(db)


def test_downgrade_to_base_and_upgrade_again(db, actor):
    build_world(db, actor)  # the downgrade drops tables that hold rows
    db.downgrade("base")
    assert db.current_revision() is None
    assert tables(db) & set(CORE_TABLES) == set()
    assert triggers(db) == set()
    if not db.is_sqlite:
        assert not append_only_function_exists(db)
    db.upgrade()
    assert db.is_current()
    assert db.check() == []
    assert all(n == 0 for n in count_rows(db).values())
    assert len(triggers(db)) == (4 + len(SQLITE_SEARCH_TRIGGERS) + len(SQLITE_NO_REPLACE_TRIGGERS)
                                 + len(SQLITE_CHECKPOINT_TRIGGERS) if db.is_sqlite
                                 else 2 + len(PG_SEARCH_TRIGGERS) + len(PG_NO_TRUNCATE_TRIGGERS)
                                 + len(PG_CHECKPOINT_TRIGGERS))


def test_every_revision_steps_up_and_down(db):
    """Each revision of the chain upgrades and downgrades on its own (with data in
    the tables of the first one)."""
    chain = list(reversed(core_revisions()))  # oldest first
    assert chain[-1] == CORE_HEAD
    db.downgrade("base")
    for rev in chain:
        db.upgrade(rev)
        assert db.current_revision() == rev
    assert db.check() == []
    for rev in reversed(chain[:-1]):
        db.downgrade("-1")
        assert db.current_revision() == rev
    db.downgrade("-1")
    assert db.current_revision() is None
    assert tables(db) & set(CORE_TABLES) == set()
    db.upgrade()
    assert db.is_current() and db.check() == []


def test_check_reports_a_schema_that_drifted(db):
    with db.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_person_name"))
    diffs = db.check()
    assert any(d[0] == "add_index" and d[1].name == "ix_person_name" for d in diffs), diffs


def test_ensure_ready_upgrades_a_new_sqlite_file_without_backup(tmp_path):
    path = tmp_path / "gongzhi.sqlite"
    db = Database(f"sqlite:///{path}")
    try:
        assert db.ensure_ready() is None
        assert db.is_current() and db.check() == []
        assert not (tmp_path / "backups").exists()
        # at head: nothing to do, nothing copied
        assert db.ensure_ready() is None
        assert not (tmp_path / "backups").exists()
    finally:
        db.dispose()


def test_ensure_ready_backs_up_an_older_sqlite_file_before_upgrading(sqlite_db, actor, newer_head):
    db = sqlite_db
    w = build_world(db, actor)
    rows_before = count_rows(db)
    assert db.current_revision() == CORE_HEAD and db.head_revision() == newer_head

    backup = db.ensure_ready()

    assert backup is not None and backup.exists()
    assert backup.parent == db.sqlite_path.parent / "backups"
    assert f"pre-upgrade-{CORE_HEAD}" in backup.name
    assert db.current_revision() == MARKER
    assert "gz_test_marker" in tables(db)
    assert count_rows(db) == rows_before  # the upgrade kept the data
    # the copy is the database as it was: at 0001, without the new table, with the data
    conn = sqlite3.connect(backup)
    try:
        assert conn.execute("select version_num from alembic_version").fetchall() == [(CORE_HEAD,)]
        assert conn.execute("select count(*) from sqlite_master where name = 'gz_test_marker'").fetchone() == (0,)
        assert conn.execute("select name from place where id = ?", (w.street.id,)).fetchone() == ("青源街道",)
        assert conn.execute("select count(*) from audit_log").fetchone() == (rows_before["audit_log"],)
    finally:
        conn.close()
    # once at head, start-up does nothing more
    assert db.ensure_ready() is None
    assert len(list(backup.parent.iterdir())) == 1


def test_ensure_ready_refuses_an_empty_postgresql(empty_pg_db):
    with pytest.raises(DomainError) as info:
        empty_pg_db.ensure_ready()
    assert info.value.code == "db.not_upgraded"
    assert info.value.params["current"] == "-" and info.value.params["head"] == CORE_HEAD
    assert_messages_render(info.value)
    assert tables(empty_pg_db) == set()  # not even a version table


def test_ensure_ready_refuses_an_older_postgresql(pg_db, actor, newer_head):
    build_world(pg_db, actor)
    before = count_rows(pg_db)
    with pytest.raises(DomainError) as info:
        pg_db.ensure_ready()
    assert info.value.code == "db.not_upgraded"
    assert (info.value.params["current"], info.value.params["head"]) == (CORE_HEAD, newer_head)
    assert "gongzhi db upgrade" in info.value.message("en")
    assert pg_db.current_revision() == CORE_HEAD
    assert "gz_test_marker" not in tables(pg_db)
    assert count_rows(pg_db) == before
    # the operator's upgrade does it
    pg_db.upgrade()
    assert pg_db.current_revision() == MARKER and pg_db.ensure_ready() is None


def test_backup_is_for_sqlite_only(pg_db, sqlite_db, tmp_path):
    with pytest.raises(DomainError) as info:
        pg_db.backup()
    assert info.value.code == "db.backup_unsupported"
    target = sqlite_db.backup(tmp_path / "copy.sqlite")
    assert target.exists()
    with pytest.raises(FileExistsError):
        sqlite_db.backup(target)  # never overwrites


def test_unsupported_url():
    with pytest.raises(DomainError) as info:
        Database("mysql://user:secret@localhost/gongzhi")
    assert info.value.code == "db.unsupported_url"
    assert "secret" not in info.value.message("en")


def test_0003_gives_existing_places_their_pinyin_keys(db, actor):
    """Places written before 0003 are found by pinyin after the upgrade."""
    from gongzhi.core.services import places

    db.downgrade("0002")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO place (kind, name, path, notes, created_at) "
                          "VALUES ('street', '青源街道', '/x/', '', CURRENT_TIMESTAMP), "
                          "('community', '荣雅园社区', '/y/', '', CURRENT_TIMESTAMP)"))
    db.upgrade()
    with db.read_session() as s:
        keys = dict(s.execute(text("SELECT name, search_keys FROM place")).all())
        assert keys == {"青源街道": "|qyjd|qingyuanjiedao|", "荣雅园社区": "|ryysq|rongyayuanshequ|"}
        assert [p.name for p in places.search_places(s, "ryy")] == ["荣雅园社区"]


def test_0004_indexes_the_requests_of_an_existing_database(db, actor):
    """A populated database at 0003 gets its requests' communities, the search index
    over their text and the list's indexes; downgrading removes them again."""
    from gongzhi.core.services import requests as req_svc
    from gongzhi.core.services.requests import RequestFilter, count_requests, list_page
    from tests.core.helpers import new_request

    w = build_world(db, actor)
    lift = new_request(db, actor, w, title="电梯坏了", place_id=w.households[0].id)
    leak = new_request(db, actor, w, title="楼道漏水", description="QY 水管", place_id=w.compounds[1].id)
    db.downgrade("0003")
    assert "request_fts" not in tables(db)
    with db.engine.begin() as conn:  # a request written by the 0003 code
        conn.execute(text("INSERT INTO request (ref, channel, type, category_id, title, description, place_id, "
                          "anonymous, priority, status, created_at, created_by, updated_at) "
                          "SELECT 'QY-2026-009999', channel, type, category_id, '电梯异响', '', place_id, anonymous, "
                          "priority, status, created_at, created_by, updated_at FROM request WHERE id = :id"),
                     {"id": leak.id})
    db.upgrade()
    assert db.is_current() and db.check() == []
    with db.read_session() as s:
        old = req_svc.find_request(s, "QY-2026-009999")
        communities = dict(s.execute(text("SELECT id, community_id FROM request")).all())
        assert communities == {lift.id: w.communities[0].id, leak.id: w.communities[1].id,
                               old.id: w.communities[1].id}
        assert {r.id for r in list_page(s, RequestFilter(text="电梯")).rows} == {lift.id, old.id}
        assert count_requests(s, RequestFilter(text="水")) == 1
        assert count_requests(s, RequestFilter(text="qy")) == 3  # refs, and the description of one
        assert [r.id for r in list_page(s, RequestFilter(community_id=w.communities[0].id)).rows] == [lift.id]
    with db.engine.connect() as conn:
        indexes = {i["name"] for i in inspect(conn).get_indexes("request")}
    assert {"ix_request_community_created", "ix_request_category_created", "ix_request_channel_created"} <= indexes
    assert not {"ix_request_category_id", "ix_request_channel"} & indexes
    if not db.is_sqlite:
        with db.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_request_search'")) == 1
    # and back to 0003: the column, the index and the triggers go, the rows stay
    db.downgrade("0003")
    with db.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("request")}
        assert conn.scalar(text("SELECT count(*) FROM request")) == 3
    assert "community_id" not in columns and "request_fts" not in tables(db)
    assert not (SQLITE_SEARCH_TRIGGERS | PG_SEARCH_TRIGGERS) & triggers(db)


@pytest.mark.parametrize("target", ["-1", "+1", "0009+1", "head-1", "0010@head"])
def test_db_upgrade_refuses_a_relative_revision_in_one_line(sqlite_db, capsys, target):
    """Alembic's relative notation would reach the migration and end in a traceback
    (issue 15 audit, item 4): refused before anything is backed up or migrated."""
    from gongzhi.core.cli import main

    before = sqlite_db.current_revision()
    backups = sqlite_db.sqlite_path.parent / "backups"
    for lang, expected in (("zh", "错误：请写出目标版本号"), ("en", "error: name the target revision")):
        capsys.readouterr()
        assert main(["--db", sqlite_db.url, "--lang", lang, "db", "upgrade", "-r", target]) == 1
        out, err = capsys.readouterr()
        assert out == "" and err.startswith(expected) and err.count("\n") == 1, err
        assert target in err and "Traceback" not in err
    assert sqlite_db.current_revision() == before == CORE_HEAD
    assert not backups.exists()
