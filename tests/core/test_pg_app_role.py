"""PostgreSQL hardening (issue 15, item 4; migration 0009): the application role may not
rewrite history, and a login confined to a community sees only its requests."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from core.db import Database
from core.services.base import Actor
from tests.core.helpers import build_world, new_request

_logins = itertools.count()


@contextmanager
def app_login(pg_db: Database) -> Iterator[tuple[str, Database]]:
    """A new login in the role gongzhi_app, and the database reached through it."""
    name = f"gz_clerk_{os.getpid()}_{next(_logins)}"
    admin = create_engine(pg_db.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN IN ROLE gongzhi_app'))
    db = Database(make_url(pg_db.url).set(username=name, password=None).render_as_string(hide_password=False))
    try:
        yield name, db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"DELETE FROM db_login_scope WHERE login = '{name}'"))
            conn.execute(text(f'DROP OWNED BY "{name}"'))
            conn.execute(text(f'DROP ROLE "{name}"'))
        admin.dispose()


def refused(db: Database, sql: str) -> str:
    """The SQLSTATE with which ``sql`` is refused (the test fails if it is not)."""
    with db.engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(text(sql))
    return caught.value.orig.sqlstate


def test_the_app_role_works_but_cannot_rewrite_history(pg_db: Database):
    actor = Actor("测试办事员")
    w = build_world(pg_db, actor)
    with app_login(pg_db) as (_name, clerk):
        made = new_request(clerk, actor, w)  # the services run as the app role: insert, timeline, audit
        with clerk.engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM request_event WHERE request_id = :r"), {"r": made.id}) >= 1
            assert conn.scalar(text("SELECT count(*) FROM audit_log")) >= 1
        insufficient, not_owner = "42501", "42501"
        for table in ("request_event", "audit_log"):
            assert refused(clerk, f"TRUNCATE {table}") == insufficient
            assert refused(clerk, f"UPDATE {table} SET id = id") == insufficient
            assert refused(clerk, f"DELETE FROM {table}") == insufficient
            assert refused(clerk, f"ALTER TABLE {table} DISABLE TRIGGER ALL") == not_owner
        assert refused(clerk, "TRUNCATE request") == insufficient
        assert refused(clerk, "DROP TABLE request") == not_owner
        assert refused(clerk, "INSERT INTO db_login_scope VALUES ('x', 1)") == insufficient
        assert refused(clerk, "UPDATE alembic_version SET version_num = '0001'") == insufficient
        with pg_db.engine.connect() as conn:  # nothing changed
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0009"


def test_a_login_confined_to_a_community_sees_and_logs_only_its_requests(pg_db: Database):
    actor = Actor("测试办事员")
    w = build_world(pg_db, actor)
    mine = new_request(pg_db, actor, w, place_id=w.compounds[0].id, title="盛康园路灯")
    new_request(pg_db, actor, w, place_id=w.compounds[1].id, title="荣雅园漏水")
    with app_login(pg_db) as (name, clerk):
        with clerk.engine.connect() as conn:  # not confined: everything
            assert conn.scalar(text("SELECT count(*) FROM request")) == 2
        with pg_db.engine.begin() as conn:
            conn.execute(text("INSERT INTO db_login_scope (login, community_id) VALUES (:l, :c)"),
                         {"l": name, "c": w.communities[0].id})
        with clerk.engine.connect() as conn:  # plain SQL, no application in between
            assert conn.execute(text("SELECT id, title FROM request")).all() == [(mine.id, "盛康园路灯")]
            assert conn.scalar(text("SELECT count(*) FROM request WHERE community_id = :c"),
                               {"c": w.communities[1].id}) == 0
        new_request(clerk, actor, w, place_id=w.compounds[0].id, title="盛康园又一件")  # its own: fine
        with pytest.raises(DBAPIError) as caught:  # another community's: refused by the policy
            new_request(clerk, actor, w, place_id=w.compounds[1].id, title="荣雅园一件")
        assert caught.value.orig.sqlstate == "42501"
    with pg_db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM request")) == 3


def test_db_check_warns_when_the_app_connects_as_a_superuser_or_owner(pg_db: Database, capsys):
    from core.cli import main

    def check(db: Database) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--db", db.url, "--lang", "en", "db", "check"])
        out, errs = capsys.readouterr()
        return code, out + errs

    code, said = check(pg_db)
    assert code == 0 and "connected as the superuser" in said, said
    with app_login(pg_db) as (_name, clerk):
        code, said = check(clerk)
        assert code == 0 and "warning" not in said, said
        assert clerk.login_warnings() == []


def test_a_login_is_confined_to_a_community_by_the_owner_only(pg_db: Database, capsys):
    from core.cli import main

    actor = Actor("测试办事员")
    w = build_world(pg_db, actor)
    with app_login(pg_db) as (name, clerk):
        code = main(["--db", pg_db.url, "db", "scope-login", name, "--community", w.communities[0].name])
        out, _errs = capsys.readouterr()
        assert code == 0 and f"登录 {name} 只能看到和登记 盛康社区 的诉求" in out
        code = main(["--db", pg_db.url, "db", "scope-login", name, "--community", w.compounds[0].name])
        _out, errs = capsys.readouterr()
        assert code == 1 and "不是社区" in errs
        code = main(["--db", clerk.url, "--lang", "en", "db", "scope-login", name, "--community",
                     w.communities[1].name])  # the clerk widening its own scope
        _out, errs = capsys.readouterr()
        assert code == 1 and "run it as the database owner" in errs
        with pg_db.engine.connect() as conn:
            assert conn.execute(text("SELECT login, community_id FROM db_login_scope")).all() == [
                (name, w.communities[0].id)]
            assert conn.scalar(text("SELECT count(*) FROM audit_log WHERE action = 'db.scope_login'")) == 1
