"""PostgreSQL hardening (issue 15, item 4; migrations 0009 and 0010): the application role
may not rewrite history, and a login confined to a community sees only its rows."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.services import operators as op_svc
from gongzhi.core.services.base import Actor
from tests.core.helpers import build_world, new_request

PASSWORD = "correct horse 1"

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
            assert conn.scalar(text("SELECT version_num FROM alembic_version")) == pg_db.head_revision()


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
        # another community's: its place is out of sight (0010), so the service refuses with a
        # coded error; and in plain SQL the request's policy refuses the row
        with pytest.raises(DomainError) as caught:
            new_request(clerk, actor, w, place_id=w.compounds[1].id, title="荣雅园一件")
        assert caught.value.code == "place.not_found"
        assert refused(clerk, "INSERT INTO request (ref, channel, type, category_id, title, description, place_id, "
                       "anonymous, priority, status, created_at, created_by, updated_at) VALUES ('QY-X-1', "
                       f"'bench_meeting', 'help', {w.category.id}, '荣雅园一件', '', {w.compounds[1].id}, false, "
                       "'normal', 'submitted', now(), 'x', now())") == "42501"
    with pg_db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM request")) == 3


def test_db_check_warns_when_the_app_connects_as_a_superuser_or_owner(pg_db: Database, capsys):
    from gongzhi.core.cli import main

    def check(db: Database) -> tuple[int, str]:
        capsys.readouterr()
        code = main(["--db", db.url, "--lang", "en", "db", "check"])
        out, errs = capsys.readouterr()
        return code, out + errs

    code, said = check(pg_db)
    assert code == 0 and "connected as the superuser" in said, said
    with app_login(pg_db) as (_name, clerk):
        # a shared database without accounts: anyone is whoever they say (issue 15 audit, item 5)
        code, said = check(clerk)
        assert code == 0 and "connected as" not in said, said
        assert "warning: this shared database has no operator accounts" in said, said
        assert clerk.login_warnings() == []
        w = build_world(pg_db, Actor("测试办事员"))
        with pg_db.session() as s:
            op_svc.add_operator(s, actor=Actor("测试办事员"), login="boss", display_name="王主任",
                                password=PASSWORD, role="street_admin", place_id=w.street.id)
        code, said = check(clerk)
        assert code == 0 and "warning" not in said, said


def test_a_login_is_confined_to_a_community_by_the_owner_only(pg_db: Database, capsys):
    from gongzhi.core.cli import main

    actor = Actor("测试办事员")
    w = build_world(pg_db, actor)
    with app_login(pg_db) as (name, clerk):
        code = main(["--db", pg_db.url, "db", "scope-login", name, "--community", w.communities[0].name])
        out, _errs = capsys.readouterr()
        assert code == 0 and f"登录 {name} 只能看到和写入 盛康社区 的数据" in out
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


# -- row-level security on every community-owned core table (migration 0010) --

# each table's rows with the community they belong to (NULL: street-wide), read by the owner
COMMUNITY_OF = {
    "place": "SELECT id, community_id FROM place",
    "person": "SELECT p.id, h.community_id FROM person p LEFT JOIN place h ON h.id = p.household_id",
    "person_care_tag": "SELECT t.id, h.community_id FROM person_care_tag t JOIN person p ON p.id = t.person_id "
                       "LEFT JOIN place h ON h.id = p.household_id",
    "organisation": "SELECT o.id, pl.community_id FROM organisation o LEFT JOIN place pl ON pl.id = o.place_id",
    "membership": "SELECT m.id, pl.community_id FROM membership m JOIN organisation o ON o.id = m.organisation_id "
                  "LEFT JOIN place pl ON pl.id = o.place_id",
    "request": "SELECT id, community_id FROM request",
    **{t: f"SELECT c.id, r.community_id FROM {t} c JOIN request r ON r.id = c.request_id"
       for t in ("request_event", "request_dispatch", "request_feedback", "request_supporter", "request_attachment")},
}
# where a row without a community is shared by the whole street (a request always has one)
STREET_WIDE_WHEN_NULL = {"place", "person", "person_care_tag", "organisation", "membership"}


def _community_world(pg_db: Database) -> tuple[object, dict[str, int]]:
    """Two communities with a row of every community-owned core table in each."""
    actor = Actor("测试办事员")
    w = build_world(pg_db, actor)
    r1 = new_request(pg_db, actor, w, place_id=w.compounds[0].id, title="盛康园路灯")
    r2 = new_request(pg_db, actor, w, place_id=w.compounds[1].id, title="荣雅园漏水")
    zhang, li, wang = (w.people[n].id for n in ("zhang", "li", "wang"))
    with pg_db.engine.begin() as conn:
        c2_committee = conn.scalar(text(
            "INSERT INTO organisation (kind, name, place_id, created_at) "
            "VALUES ('residents_committee', '荣雅社区居委会', :p, now()) RETURNING id"), {"p": w.communities[1].id})
        for person, org in ((zhang, w.committee.id), (li, c2_committee), (wang, w.department.id)):
            conn.execute(text("INSERT INTO membership (person_id, organisation_id, role, created_at) "
                              "VALUES (:p, :o, 'member', now())"), {"p": person, "o": org})
        for person in (zhang, li, wang):
            conn.execute(text("INSERT INTO person_care_tag (person_id, tag) VALUES (:p, 'elderly_alone')"),
                         {"p": person})
        for r, who in ((r1.id, zhang), (r2.id, li)):
            conn.execute(text("INSERT INTO request_dispatch (request_id, organisation_id, role, whistle, "
                              "dispatched_at, result) VALUES (:r, :o, 'lead', false, now(), '')"),
                         {"r": r, "o": w.department.id})
            conn.execute(text("INSERT INTO request_feedback (request_id, at, actor, contacted, comment) "
                              "VALUES (:r, now(), 'x', true, '')"), {"r": r})
            conn.execute(text("INSERT INTO request_supporter (request_id, person_id, at) VALUES (:r, :p, now())"),
                         {"r": r, "p": who})
            conn.execute(text("INSERT INTO request_attachment (request_id, filename, stored_path, sha256, size, at, "
                              "actor) VALUES (:r, 'a.jpg', 'a.jpg', repeat('0', 64), 1, now(), 'x')"), {"r": r})
    return w, {"r1": r1.id, "r2": r2.id}


def _visible(db: Database, table: str) -> set[int]:
    with db.engine.connect() as conn:
        return set(conn.scalars(text(f"SELECT id FROM {table}")))


def test_a_community_login_sees_only_its_rows_in_every_core_table(pg_db: Database):
    w, _ = _community_world(pg_db)
    mine = w.communities[0].id
    with pg_db.engine.connect() as conn:
        owned = {t: conn.execute(text(sql)).all() for t, sql in COMMUNITY_OF.items()}
    with app_login(pg_db) as (name, clerk):
        for table, rows in owned.items():  # not confined: every row
            assert _visible(clerk, table) == {i for i, _c in rows}, table
        with pg_db.engine.begin() as conn:
            conn.execute(text("INSERT INTO db_login_scope (login, community_id) VALUES (:l, :c)"),
                         {"l": name, "c": mine})
        for table, rows in owned.items():  # confined to 盛康社区: its rows, and the street-wide ones
            expected = {i for i, c in rows if c == mine or (c is None and table in STREET_WIDE_WHEN_NULL)}
            hidden = {i for i, _c in rows} - expected
            assert hidden, f"{table}: the test data must hold another community's rows"
            assert expected, f"{table}: the test data must hold the community's own rows"
            assert _visible(clerk, table) == expected, table
        with clerk.engine.connect() as conn:  # a look-up by id of another community's row finds nothing
            assert conn.scalar(text("SELECT count(*) FROM person WHERE id = :p"), {"p": w.people["li"].id}) == 0
            assert conn.scalar(text("SELECT count(*) FROM place WHERE name = '荣雅园'")) == 0


def test_a_community_login_cannot_write_outside_its_community(pg_db: Database):
    w, reqs = _community_world(pg_db)
    li = w.people["li"].id
    with app_login(pg_db) as (name, clerk):
        with pg_db.engine.begin() as conn:
            conn.execute(text("INSERT INTO db_login_scope (login, community_id) VALUES (:l, :c)"),
                         {"l": name, "c": w.communities[0].id})
        denied = "42501"
        assert refused(clerk, "INSERT INTO person (name, gender, household_id, notes, search_keys, created_at, "
                       f"updated_at) VALUES ('赵六', 'unknown', {w.households[1].id}, '', '', now(), now())") == denied
        assert refused(clerk, "INSERT INTO place (kind, name, parent_id, path, community_id, notes, search_keys, "
                       f"created_at) VALUES ('building', '9号楼', {w.compounds[1].id}, '', NULL, '', '', now())") == denied
        assert refused(clerk, "INSERT INTO place (kind, name, parent_id, path, community_id, notes, search_keys, "
                       f"created_at) VALUES ('community', '新社区', {w.street.id}, '', NULL, '', '', now())") == denied
        assert refused(clerk, "INSERT INTO organisation (kind, name, place_id, created_at) "
                       f"VALUES ('owners_committee', '荣雅园业委会', {w.compounds[1].id}, now())") == denied
        assert refused(clerk, "INSERT INTO request_event (request_id, at, actor, kind, public_note, private_note) "
                       f"VALUES ({reqs['r2']}, now(), 'x', 'transition', '', '')") == denied
        assert refused(clerk, "INSERT INTO request_feedback (request_id, at, actor, contacted, comment) "
                       f"VALUES ({reqs['r2']}, now(), 'x', true, '')") == denied
        assert refused(clerk, f"INSERT INTO person_care_tag (person_id, tag) VALUES ({li}, 'disabled')") == denied
        # a post in a street-wide organisation (the department): read by all, written by the street
        assert refused(clerk, "INSERT INTO membership (person_id, organisation_id, role, created_at) "
                       f"VALUES ({w.people['zhang'].id}, {w.department.id}, 'member', now())") == denied
        # moving its own resident into another community's household is refused too
        assert refused(clerk, f"UPDATE person SET household_id = {w.households[1].id} "
                       f"WHERE id = {w.people['zhang'].id}") == denied
        with clerk.engine.begin() as conn:  # another community's rows are out of reach: nothing changes
            assert conn.execute(text("UPDATE person SET notes = 'x' WHERE id = :p"), {"p": li}).rowcount == 0
            assert conn.execute(text("DELETE FROM request_dispatch WHERE request_id = :r"),
                                {"r": reqs["r2"]}).rowcount == 0
        with pg_db.engine.connect() as conn:
            assert conn.scalar(text("SELECT notes FROM person WHERE id = :p"), {"p": li}) == ""
            assert conn.scalar(text("SELECT count(*) FROM request_dispatch WHERE request_id = :r"),
                               {"r": reqs["r2"]}) == 1


def test_the_app_works_through_a_community_login_and_keeps_the_chains(pg_db: Database, capsys):
    """The services run as a confined login: places, people and requests in its community,
    with timeline and audit rows appended to the street-wide hash chains."""
    from gongzhi.core.cli import main
    from gongzhi.core.services import people as people_svc
    from gongzhi.core.services import places as place_svc
    from gongzhi.core.services import requests as req_svc

    actor = Actor("测试办事员")
    w, reqs = _community_world(pg_db)
    new_request(pg_db, actor, w, place_id=w.compounds[1].id, title="荣雅园又一件")  # the chain's last row: hidden
    with app_login(pg_db) as (name, clerk):
        with pg_db.engine.begin() as conn:
            conn.execute(text("INSERT INTO db_login_scope (login, community_id) VALUES (:l, :c)"),
                         {"l": name, "c": w.communities[0].id})
        with clerk.session() as s:
            building = place_svc.create_place(s, actor=actor, kind="building", name="3号楼", parent_id=w.compounds[0].id)
            home = place_svc.create_place(s, actor=actor, kind="household", name="302", parent_id=building.id)
            person = people_svc.create_person(s, actor=actor, name="赵六", household_id=home.id)
        assert (building.community_id, home.community_id) == (w.communities[0].id, w.communities[0].id)
        made = new_request(clerk, actor, w, place_id=home.id, title="302漏水", reporter_id=person.id)
        with clerk.session() as s:
            req_svc.transition(s, actor=actor, request_id=made.id, to_status="accepted")
            assert [e.kind for e in req_svc.timeline(s, made.id)] == ["created", "transition"]
        # a street-level node: not for a community's login
        with pytest.raises(DBAPIError) as refusal, clerk.session() as s:
            place_svc.create_place(s, actor=actor, kind="community", name="新社区", parent_id=w.street.id)
        assert refusal.value.orig.sqlstate == "42501"
        capsys.readouterr()  # … and the CLI says so in one coded line
        code = main(["--db", clerk.url, "--lang", "en", "place", "add", "community", "新社区",
                     "--parent", w.street.name])
        _out, errs = capsys.readouterr()
        assert code == 1 and errs.startswith("error: this database login may not do that") and errs.count("\n") == 1, errs
        code = main(["--db", clerk.url, "--lang", "en", "db", "verify"])  # a confined login cannot see every row
        _out, errs = capsys.readouterr()
        assert code == 1 and "confined to communities" in errs, errs
    code = main(["--db", pg_db.url, "db", "verify"])  # the owner: every chain intact
    out, errs = capsys.readouterr()
    assert code == 0 and "哈希链完整" in out, out + errs


# -- the operator tables (migration 0011): read-only for the app role, written through
# -- SECURITY DEFINER functions that check the password and a street admin's session --

def _operator_rows(db: Database) -> tuple:
    with db.engine.connect() as conn:
        return tuple(conn.scalar(text(f"SELECT count(*) FROM {t}"))
                     for t in ("operator", "operator_role", "operator_session"))


def test_the_app_role_cannot_write_operator_tables_but_the_app_still_logs_in_and_manages_them(
        pg_db: Database, capsys, monkeypatch):
    from gongzhi.core.cli import main

    w = build_world(pg_db, Actor("测试办事员"))
    monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)
    with app_login(pg_db) as (_name, clerk):
        def run(*args: str) -> tuple[int, str]:
            capsys.readouterr()
            code = main(["--db", clerk.url, "--lang", "en", *args])
            out, errs = capsys.readouterr()
            return code, out + errs

        # the first account, through the app as the app role: street admin on the street only
        code, said = run("operator", "add", "first", "名")
        assert code == 1 and "must be street_admin on the street" in said, said
        code, said = run("operator", "add", "zz1", "名", "--role", "nosuch")
        assert code == 1 and "invalid role" in said, said
        assert _operator_rows(pg_db) == (0, 0, 0)
        with clerk.engine.begin() as conn:  # nor behind the app's back
            with pytest.raises(DBAPIError) as caught:
                conn.execute(text("SELECT gongzhi_operator_add(NULL, 'mallory', 'M', '$argon2id$x', 'viewer', "
                                  f"{w.street.id})"))
            assert caught.value.orig.sqlstate == "42501"
        assert run("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
        code, said = run("login", "boss")
        assert code == 0, said
        code, said = run("operator", "add", "grid", "网格员", "--role", "grid_worker", "--place", w.communities[0].name)
        assert code == 0, said
        assert run("operator", "grant", "grid", "viewer")[0] == 0
        assert run("operator", "passwd", "grid")[0] == 0
        assert run("operator", "disable", "grid")[0] == 0
        assert run("operator", "enable", "grid")[0] == 0
        monkeypatch.setenv("GONGZHI_PASSWORD", "wrong password")
        code, said = run("login", "grid")
        assert code == 1 and said.strip() == "error: wrong login or password", said
        monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)
        code, said = run("login", "grid")
        assert code == 0, said
        code, said = run("operator", "list", "--json")
        assert code == 0 and '"grid_worker"' in said and '"viewer"' in said, said
        assert run("logout")[0] == 0
        with pg_db.engine.connect() as conn:
            assert conn.execute(text("SELECT failed_attempts, disabled FROM operator WHERE login = 'grid'")).one() \
                == (0, False)
            assert conn.scalar(text("SELECT count(*) FROM operator_session WHERE ended_at IS NULL")) == 1  # boss
            actions = conn.execute(text("SELECT action FROM audit_log WHERE action LIKE 'operator.%' ORDER BY id"))
            assert actions.scalars().all() == [
                "operator.create", "operator.grant", "operator.login", "operator.create", "operator.grant",
                "operator.grant", "operator.passwd", "operator.disable", "operator.enable",
                "operator.login_failed", "operator.login", "operator.logout"]

        # what a clerk's database login cannot do in plain SQL
        before = _operator_rows(pg_db)
        grid = "(SELECT id FROM operator WHERE login = 'grid')"
        denied = "42501"
        assert refused(clerk, f"UPDATE operator_role SET role = 'street_admin' WHERE operator_id = {grid}") == denied
        assert refused(clerk, f"INSERT INTO operator_role (operator_id, role, place_id) VALUES ({grid}, "
                       f"'street_admin', {w.street.id})") == denied
        assert refused(clerk, "INSERT INTO operator_session (operator_id, token_hash, created_at, expires_at) "
                       f"VALUES ({grid}, repeat('a', 64), now(), now() + interval '1 hour')") == denied
        assert refused(clerk, "UPDATE operator SET password_hash = 'x', locked_until = NULL") == denied
        assert refused(clerk, "SELECT password_hash FROM operator") == denied
        assert refused(clerk, "DELETE FROM operator_session") == denied
        assert refused(clerk, "SELECT gongzhi_operator_manager('x')") == denied
        assert refused(clerk, "UPDATE chain_checkpoint SET row_count = 0") == denied
        assert refused(clerk, f"SELECT gongzhi_operator_grant('not a token', 'grid', 'street_admin', {w.street.id})") \
            == denied
        assert refused(clerk, "SELECT gongzhi_operator_set_password('not a token', 'boss', '$argon2id$v=19$x')") \
            == denied
        with clerk.engine.begin() as conn:  # a session needs the password: a guessed hash only counts a failure
            outcome = conn.execute(text("SELECT outcome FROM gongzhi_operator_login('grid', '$argon2id$guess', "
                                        "repeat('b', 64), 24)")).scalar_one()
            assert outcome == "failed"
        assert _operator_rows(pg_db) == before


def test_an_audit_row_the_app_role_forges_is_named_or_refused(pg_db: Database, capsys):
    """The app role appends audit rows with the hash it computes: a wrong hash is named by
    db verify, a row slipped in before the chain's head is refused."""
    from gongzhi.core.cli import main

    actor = Actor("测试办事员")
    new_request(pg_db, actor, build_world(pg_db, actor))
    with app_login(pg_db) as (_name, clerk):
        with clerk.engine.connect() as conn:
            first = conn.scalar(text("SELECT min(id) FROM audit_log"))
        assert refused(clerk, "INSERT INTO audit_log (id, at, actor, action, entity, hash) "
                       f"VALUES ({first - 1}, now(), '伪造的主任', 'x', 'x', repeat('0', 64))") == "42501"
        with clerk.engine.begin() as conn:
            forged = conn.scalar(text("INSERT INTO audit_log (at, actor, action, entity, hash) "
                                      "VALUES (now(), '伪造的主任', 'operator.grant', 'operator', repeat('0', 64)) "
                                      "RETURNING id"))
    capsys.readouterr()
    assert main(["--db", pg_db.url, "--lang", "en", "db", "verify"]) == 1
    assert f"hash chain broken: table audit_log, row id {forged}" in capsys.readouterr().err
