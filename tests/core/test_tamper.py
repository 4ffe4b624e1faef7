"""Issue 15, item 7: the request timeline and the audit log hold against REPLACE on
SQLite and TRUNCATE on PostgreSQL (UPDATE and DELETE: test_migrations / test_audit)."""

from __future__ import annotations

from sqlalchemy import text

from tests.core.helpers import build_world, new_request
from tests.tamper import assert_replace_refused, assert_truncate_refused


def _first_ids(db) -> tuple[int, int]:
    with db.engine.connect() as conn:
        event = conn.execute(text("SELECT min(id) FROM request_event")).scalar_one()
        audit = conn.execute(text("SELECT min(id) FROM audit_log")).scalar_one()
    assert event is not None and audit is not None
    return event, audit


def test_append_only_core_tables_hold_against_replace_and_truncate(db, actor):
    new_request(db, actor, build_world(db, actor))
    event, audit = _first_ids(db)
    if db.is_sqlite:
        assert_replace_refused(db, "request_event", event, "public_note", "改写的记录")
        assert_replace_refused(db, "audit_log", audit, "actor", "伪造的主任")
    else:
        assert_truncate_refused(db, "request_event")
        assert_truncate_refused(db, "audit_log")


def test_a_plain_insert_still_works(db, actor):
    """The BEFORE INSERT guard lets new rows in (every service writes audit rows)."""
    world = build_world(db, actor)
    with db.engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    from gongzhi.core.services import people as people_svc

    with db.session() as s:
        people_svc.create_person(s, actor=actor, name="赵六", household_id=world.households[0].id)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() > before
