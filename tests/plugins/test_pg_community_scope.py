"""Row-level security by community across the core and the built-in plugins, on the
small demo street in PostgreSQL (core migration 0010; redprop0002, micro0002,
insights0002, delib0006).

Every table with a community policy is checked in plain SQL through real logins in
the role ``gongzhi_app``: a login confined to some communities sees exactly the rows
of those communities (and the street-wide ones), an unconfined login sees all, and
re-inserting another community's row is refused. A table that reaches a place or a
request through its foreign keys must have a policy or a stated reason not to, so a
new community-owned table without one fails here.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from gongzhi.core.db import Database


def _place(col: str) -> str:
    return f"(SELECT community_id FROM place WHERE id = {col})"


def _request(col: str) -> str:
    return f"(SELECT community_id FROM request WHERE id = {col})"


_PROJECT = "(SELECT l.community_id FROM micro_project p JOIN micro_list l ON l.id = p.list_id WHERE p.id = t.project_id)"
_MEETING = f"(SELECT {_place('m.place_id')} FROM redprop_meeting m WHERE m.id = t.meeting_id)"
# a consultation's community: NULL without a place (the street's, seen by all), -1 at a place
# above the communities (the street itself: seen by unconfined logins only)
_HELD_AT = "CASE WHEN c.place_id IS NULL THEN NULL ELSE coalesce({place}, -1) END".format(place=_place("c.place_id"))


def _consultation(col: str) -> str:
    return f"(SELECT {_HELD_AT} FROM delib_consultation c WHERE c.id = {col})"


_ROUND = f"(SELECT {_consultation('r.consultation_id')} FROM delib_round r WHERE r.id = t.round_id)"

DELIB_OF_CONSULTATION = ("delib_consultation_request", "delib_participant", "delib_option", "delib_meeting",
                         "delib_round", "delib_outcome", "delib_evaluation_round")
DELIB = ("delib_consultation", *DELIB_OF_CONSULTATION, "delib_ballot", "delib_round_result", "delib_tie_break",
         "delib_outcome_amendment")

# the community each row belongs to, as an expression over the row ``t`` (read by the owner)
COMMUNITY_OF_ROW = {
    "place": "t.community_id",
    "person": _place("t.household_id"),
    "person_care_tag": f"(SELECT {_place('p.household_id')} FROM person p WHERE p.id = t.person_id)",
    "organisation": _place("t.place_id"),
    "membership": f"(SELECT {_place('o.place_id')} FROM organisation o WHERE o.id = t.organisation_id)",
    "request": "t.community_id",
    **{table: _request("t.request_id") for table in (
        "request_event", "request_dispatch", "request_feedback", "request_supporter", "request_attachment",
        "insights_doc", "insights_token")},
    "micro_list": "t.community_id",
    "micro_project": "(SELECT community_id FROM micro_list WHERE id = t.list_id)",
    "micro_objection": "(SELECT community_id FROM micro_list WHERE id = t.list_id)",
    **{table: _PROJECT for table in ("micro_project_request", "micro_milestone", "micro_allocation",
                                     "micro_spending", "micro_rating", "micro_verdict")},
    "redprop_meeting": _place("t.place_id"),
    **{table: _MEETING for table in ("redprop_meeting_body", "redprop_attendance", "redprop_agenda_item",
                                     "redprop_resolution", "redprop_resolution_vote", "redprop_followup",
                                     "redprop_addendum")},
    "redprop_action_item": _place("t.place_id"),
    "redprop_action_note": f"(SELECT {_place('a.place_id')} FROM redprop_action_item a WHERE a.id = t.action_item_id)",
    "redprop_service": _place("t.compound_id"),
    "insights_chat_import": _place("t.compound_id"),
    "insights_chat_heat": f"(SELECT {_place('i.compound_id')} FROM insights_chat_import i WHERE i.id = t.import_id)",
    "delib_consultation": _consultation("t.id"),
    **{table: _consultation("t.consultation_id") for table in DELIB_OF_CONSULTATION},
    **{table: _ROUND for table in ("delib_ballot", "delib_round_result", "delib_tie_break")},
    "delib_outcome_amendment": f"(SELECT {_consultation('o.consultation_id')} FROM delib_outcome o "
                               "WHERE o.id = t.outcome_id)",
}
# a row without a community is the whole street's there (a request always has one)
STREET_WIDE_WHEN_NULL = {"place", "person", "person_care_tag", "organisation", "membership",
                         "insights_chat_import", "insights_chat_heat", *DELIB}

# tables that reach a place or a request through their foreign keys but are not
# confined to a community, and why
NOT_SCOPED = {
    "operator_role": "operator accounts and their grants are the street's (street_admin manages them)",
    "request_category": "categories and their default departments are street-wide",
    "points_account": "the love supermarket is street-wide: one shop, one ledger for every community",
    "points_transfer": "the street-wide ledger (one hash chain, checked whole by points verify)",
    "points_stock_move": "the street-wide shop's stock",
    "db_login_scope": "the scopes themselves (read-only to the application role)",
}


_logins = itertools.count()


@contextmanager
def app_login(owner: Database, communities: list[int] | None = None) -> Iterator[Database]:
    """A new login in the role gongzhi_app, confined to ``communities`` when given."""
    name = f"gz_scope_{os.getpid()}_{next(_logins)}"
    admin = create_engine(owner.url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{name}" LOGIN IN ROLE gongzhi_app'))
        for community in communities or ():
            conn.execute(text("INSERT INTO db_login_scope (login, community_id) VALUES (:l, :c)"),
                         {"l": name, "c": community})
    db = Database(make_url(owner.url).set(username=name, password=None).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text("DELETE FROM db_login_scope WHERE login = :l"), {"l": name})
            conn.execute(text(f'DROP OWNED BY "{name}"'))
            conn.execute(text(f'DROP ROLE "{name}"'))
        admin.dispose()


def _scoped_tables(conn) -> list[str]:
    return list(conn.scalars(text(
        "SELECT tablename FROM pg_policies WHERE policyname = tablename || '_community_scope' ORDER BY 1")))


def _key(conn, table: str) -> list[str]:
    return list(conn.scalars(text(
        "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
        "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(:t AS regclass) AND i.indisprimary ORDER BY a.attnum"),
        {"t": table}))


def _rows(db: Database, table: str, key: list[str], community: str | None = None) -> set:
    cols = ", ".join(f"t.{k}" for k in key)
    extra = f", {community}" if community else ""
    with db.engine.connect() as conn:
        return set(conn.execute(text(f"SELECT {cols}{extra} FROM {table} t")).all())


def _communities(db: Database) -> list[int]:
    with db.engine.connect() as conn:
        return list(conn.scalars(text("SELECT id FROM place WHERE kind = 'community' ORDER BY id")))


def test_every_table_that_reaches_a_place_or_a_request_is_confined_or_says_why(demo_street: Database):
    with demo_street.engine.connect() as conn:
        edges = conn.execute(text(
            "SELECT c.conrelid::regclass::text, c.confrelid::regclass::text FROM pg_constraint c "
            "JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.contype = 'f' AND n.nspname = 'public'")).all()
        scoped = set(_scoped_tables(conn))
    reaches = {"place", "request"}
    while True:  # every table whose foreign keys lead to a place or a request
        more = {child for child, parent in edges if parent in reaches} - reaches
        if not more:
            break
        reaches |= more
    unconfined = sorted(t for t in reaches - scoped if t not in NOT_SCOPED)
    assert unconfined == [], f"community-owned tables without row-level security: {unconfined}"
    assert set(COMMUNITY_OF_ROW) == scoped, "every confined table needs its community in COMMUNITY_OF_ROW"
    for plugin_table in ("micro_project", "redprop_meeting", "insights_doc", "delib_consultation", "delib_ballot"):
        assert plugin_table in scoped


def test_a_confined_login_sees_exactly_its_communities_rows_in_every_confined_table(demo_street: Database):
    communities = _communities(demo_street)
    mine = communities[::2]  # every other community: several at once
    with demo_street.engine.connect() as conn:
        tables = _scoped_tables(conn)
        keys = {t: _key(conn, t) for t in tables}
    with app_login(demo_street) as street, app_login(demo_street, mine) as confined:
        for table in tables:
            owned = _rows(demo_street, table, keys[table], COMMUNITY_OF_ROW[table])
            everything = {row[:-1] for row in owned}
            expected = {row[:-1] for row in owned
                        if row[-1] in mine or (row[-1] is None and table in STREET_WIDE_WHEN_NULL)}
            assert expected and everything - expected, f"{table}: the demo must hold rows on both sides"
            assert _rows(street, table, keys[table]) == everything, table
            assert _rows(confined, table, keys[table]) == expected, table


def test_a_confined_login_cannot_write_another_communitys_rows(demo_street: Database):
    """Another community's row, written again through the confined login (its key left to
    the database where it is generated), is refused by the policy; updating or deleting
    such a row touches nothing."""
    communities = _communities(demo_street)
    mine = communities[::2]
    with demo_street.engine.connect() as conn:
        tables = _scoped_tables(conn)
        keys = {t: _key(conn, t) for t in tables}
        generated = {t: set(conn.scalars(text(
            "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
            "AND (column_default LIKE 'nextval%' OR is_generated = 'ALWAYS')"), {"t": t})) for t in tables}
        others = {}
        for table in tables:
            row = conn.execute(text(
                f"SELECT to_jsonb(t) FROM {table} t WHERE {COMMUNITY_OF_ROW[table]} IS NOT NULL "
                f"AND {COMMUNITY_OF_ROW[table]} <> ALL(:mine) LIMIT 1"), {"mine": mine}).scalar()
            others[table] = row
    with app_login(demo_street, mine) as confined:
        for table in tables:
            row = others[table]
            assert row is not None, f"{table}: the demo must hold another community's row"
            cols = [c for c in row if c not in generated[table]]
            listed = ", ".join(f"\"{c}\"" for c in cols)  # quoted: a column may be named "group"
            with confined.engine.connect() as conn, pytest.raises(DBAPIError) as caught:
                conn.execute(text(
                    f"INSERT INTO {table} ({listed}) SELECT {listed} FROM jsonb_populate_record(NULL::{table}, "
                    "CAST(:row AS jsonb))"), {"row": json.dumps(row)})
            assert caught.value.orig.sqlstate == "42501", f"{table}: {caught.value.orig}"
            where = " AND ".join(f"{k} = :{k}" for k in keys[table])
            params = {k: row[k] for k in keys[table]}
            with confined.engine.begin() as conn:  # out of sight: nothing to delete (or no right to delete)
                try:
                    assert conn.execute(text(f"DELETE FROM {table} WHERE {where}"), params).rowcount == 0, table
                except DBAPIError as e:
                    assert e.orig.sqlstate == "42501", f"{table}: {e.orig}"  # an append-only table
        with demo_street.engine.connect() as conn:  # nothing was removed
            for table in tables:
                where = " AND ".join(f"{k} = :{k}" for k in keys[table])
                assert conn.scalar(text(f"SELECT count(*) FROM {table} WHERE {where}"),
                                   {k: others[table][k] for k in keys[table]}) == 1, table


def _gongzhi(db: Database, *args: str, data) -> subprocess.CompletedProcess:
    env = {**os.environ, "GONGZHI_DATA_DIR": str(data), "GONGZHI_LANG": "en",
           "GONGZHI_PLUGINS": "insights,micro_projects,red_property,points_exchange"}
    for var in ("GONGZHI_DATABASE_URL", "GONGZHI_CONFIG", "GONGZHI_OPERATOR"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-c", "import sys; from gongzhi.tui.cli import main; sys.exit(main())",
                           "--db", db.url, *args], env=env, capture_output=True, text=True)


def test_bulk_writes_work_through_the_application_role(demo_street: Database, tmp_path):
    """PostgreSQL refuses ``COPY FROM`` on a table under row-level security: the bulk
    writer (the demo's, and the insights' sync) inserts row by row there instead."""
    mine = _communities(demo_street)[::2]
    with demo_street.engine.begin() as conn:
        conn.execute(text("DELETE FROM insights_token"))
        conn.execute(text("DELETE FROM insights_doc"))
        total = conn.scalar(text("SELECT count(*) FROM request"))
        theirs = conn.scalar(text("SELECT count(*) FROM request WHERE community_id = ANY(:m)"), {"m": mine})
    with app_login(demo_street, mine) as confined, app_login(demo_street) as street:
        done = _gongzhi(confined, "insights", "sync", data=tmp_path)
        assert done.returncode == 0, done.stderr
        with demo_street.engine.connect() as conn:  # its communities' requests only
            assert conn.scalar(text("SELECT count(*) FROM insights_doc")) == theirs
        done = _gongzhi(street, "insights", "sync", data=tmp_path)
        assert done.returncode == 0, done.stderr
    with demo_street.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM insights_doc")) == total
        assert conn.scalar(text("SELECT count(*) FROM insights_token")) > 0
