"""Audit: every service write leaves one audit row (who, what, which entity, before and
after); personal numbers never reach the audit log unmasked; the request timeline and
the audit log are append-only in the database itself."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.errors import DomainError
from gongzhi.core.models import AuditLog
from gongzhi.core.services import Actor
from gongzhi.core.services import categories as cat_svc
from gongzhi.core.services import orgs as org_svc
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from tests.core.helpers import SAMPLE_ID_NUMBER, build_world, count_rows, move, new_request


def audit_rows(db, after_id: int = 0) -> list[AuditLog]:
    with db.read_session() as s:
        return list(s.scalars(select(AuditLog).where(AuditLog.id > after_id).order_by(AuditLog.id)))


def last_audit_id(db) -> int:
    rows = audit_rows(db)
    return rows[-1].id if rows else 0


def test_each_service_write_is_audited(db, tmp_path):
    clerk = Actor("李办事员")
    w = build_world(db, Actor("setup"))
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(b"\xff\xd8 lamp")
    r = new_request(db, Actor("setup"), w, reporter_id=w.people["li"].id)

    # (action, entity, call, what the 'after' must show) — one audit row per call
    checks = []

    def expect(action, entity, call, before=None, after=None):
        checks.append((action, entity, call, before, after))

    ids: dict[str, int] = {}

    def keep(key, obj):
        ids[key] = obj.id
        return obj

    expect("place.create", "place",
           lambda s: keep("poi", place_svc.create_place(s, actor=clerk, kind="poi", name="东门", parent_id=w.compounds[0].id,
                                                        poi_kind="gate")),
           after={"name": "东门", "kind": "poi", "poi_kind": "gate"})
    expect("place.update", "place",
           lambda s: place_svc.update_place(s, actor=clerk, place_id=ids["poi"], name="东小门", notes="宽度 1.8 米"),
           before={"name": "东门"}, after={"name": "东小门", "notes": "宽度 1.8 米"})
    expect("place.move", "place",
           lambda s: place_svc.move_place(s, actor=clerk, place_id=ids["poi"], new_parent_id=w.compounds[1].id),
           before={"parent_id": w.compounds[0].id}, after={"parent_id": w.compounds[1].id})
    expect("place.delete", "place", lambda s: place_svc.delete_place(s, actor=clerk, place_id=ids["poi"]),
           before={"name": "东小门"})
    expect("person.create", "person",
           lambda s: keep("person", people_svc.create_person(s, actor=clerk, name="赵六", phone="13512345678",
                                                             care_tags=["elderly_alone"])),
           after={"name": "赵六", "phone": "135****5678", "care_tags": ["elderly_alone"]})
    expect("person.update", "person",
           lambda s: people_svc.update_person(s, actor=clerk, person_id=ids["person"], name="赵小六", phone="13512340000"),
           before={"name": "赵六", "phone": "135****5678"}, after={"name": "赵小六", "phone": "135****0000"})
    expect("person.reveal", "person",
           lambda s: people_svc.reveal_person(s, actor=clerk, person_id=ids["person"], reason="核实住址"),
           after={"fields": ["phone", "id_number"], "reason": "核实住址"})
    expect("organisation.create", "organisation",
           lambda s: keep("org", org_svc.create_organisation(s, actor=clerk, kind="owners_committee", name="盛康园业委会",
                                                             place_id=w.compounds[0].id)),
           after={"kind": "owners_committee", "name": "盛康园业委会"})
    expect("membership.create", "membership",
           lambda s: keep("membership", org_svc.add_membership(s, actor=clerk, person_id=ids["person"],
                                                               organisation_id=ids["org"], role="chair")),
           after={"role": "chair", "end_date": None})
    expect("membership.end", "membership",
           lambda s: org_svc.end_membership(s, actor=clerk, membership_id=ids["membership"],
                                            end_date=date.today() + timedelta(days=30)),
           before={"end_date": None}, after={"end_date": (date.today() + timedelta(days=30)).isoformat()})
    expect("category.create", "request_category",
           lambda s: keep("category", cat_svc.create_category(s, actor=clerk, code="gate", name_zh="小门",
                                                              name_en="gate", sla=(100, 50, 20, 10))),
           after={"code": "gate", "sla_normal": 50})
    expect("category.update", "request_category",
           lambda s: cat_svc.update_category(s, actor=clerk, category_id=ids["category"], active=False),
           before={"active": True}, after={"active": False})
    expect("request.create", "request",
           lambda s: keep("request", req_svc.create_request(
               s, actor=clerk, channel="snapshot", type="report", category_id=w.category.id, title="路灯坏了",
               place_id=w.compounds[0].id, attachment_paths=[photo])),
           after={"title": "路灯坏了", "status": "submitted", "attachments": ["lamp.jpg"]})
    expect("request.transition", "request",
           lambda s: req_svc.transition(s, actor=clerk, request_id=r.id, to_status="accepted"),
           before={"status": "submitted"}, after={"status": "accepted"})
    expect("request.dispatch", "request",
           lambda s: keep("dispatch", req_svc.dispatch(s, actor=clerk, request_id=r.id, whistle=True,
                                                       organisations=[(w.department.id, "lead")])[0]),
           before={"status": "accepted"}, after={"status": "dispatched", "lead_org_id": w.department.id})
    expect("dispatch.report_in", "request_dispatch",
           lambda s: req_svc.report_in(s, actor=clerk, dispatch_id=ids["dispatch"]),
           before={"reported_at": None})
    expect("dispatch.result", "request_dispatch",
           lambda s: req_svc.record_dispatch_result(s, actor=clerk, dispatch_id=ids["dispatch"], result="已更换灯泡"),
           after={"result": "已更换灯泡"})
    expect("dispatch.rate", "request_dispatch",
           lambda s: req_svc.rate_dispatch(s, actor=clerk, dispatch_id=ids["dispatch"], rating=5),
           before={"rating": None}, after={"rating": 5})
    expect("request.support", "request_supporter",
           lambda s: req_svc.add_supporter(s, actor=clerk, request_id=r.id, person_id=w.people["wang"].id),
           after={"person_id": w.people["wang"].id, "request_id": r.id})
    expect("request.attach", "request_attachment",
           lambda s: req_svc.add_attachments(s, actor=clerk, request_id=r.id, paths=[photo]),
           after={"filename": "lamp.jpg"})
    expect("request.feedback", "request_feedback",
           lambda s: (req_svc.transition(s, actor=Actor("setup"), request_id=r.id, to_status="resolved"),
                      req_svc.record_feedback(s, actor=clerk, request_id=r.id, contacted=True,
                                              satisfaction="satisfied", close=True))[1],
           before={"status": "resolved"}, after={"status": "closed", "satisfaction": "satisfied"})

    for action, entity, call, before, after in checks:
        mark = last_audit_id(db)
        with db.session() as s:
            call(s)
        rows = [a for a in audit_rows(db, mark) if a.actor == clerk.name]
        assert [a.action for a in rows] == [action], f"{action}: {[a.action for a in rows]}"
        row = rows[0]
        assert row.entity == entity and row.entity_id is not None
        assert row.at is not None and row.at.tzinfo is not None
        for key, value in (before or {}).items():
            assert row.before is not None and row.before.get(key) == value, (action, key, row.before)
        for key, value in (after or {}).items():
            assert row.after is not None and row.after.get(key) == value, (action, key, row.after)
        if action.endswith(".create"):
            assert row.before is None
        if action == "place.delete":
            assert row.after is None


def test_personal_numbers_never_reach_the_audit_log_unmasked(db, actor):
    w = build_world(db, actor)  # 张晓明 with phone and ID number
    zhang = w.people["zhang"].id
    with db.session() as s:
        people_svc.update_person(s, actor=actor, person_id=zhang, phone="13887654321", notes="换了号码")
        people_svc.reveal_person(s, actor=actor, person_id=zhang, reason="回访")
        people_svc.update_person(s, actor=actor, person_id=zhang, id_number=None)
    rows = audit_rows(db)
    dump = json.dumps([[a.before, a.after] for a in rows], ensure_ascii=False)
    for secret in ("13812345678", "13887654321", SAMPLE_ID_NUMBER, "zhangxiaoming"):
        assert secret not in dump
    person_rows = [a for a in rows if a.entity == "person" and a.entity_id == zhang]
    assert [a.action for a in person_rows] == ["person.create", "person.update", "person.reveal", "person.update"]
    create, update, reveal, clear = person_rows
    assert create.after["phone"] == "138****5678" and create.after["id_number"] == "110***********002X"
    assert (update.before["phone"], update.after["phone"]) == ("138****5678", "138****4321")
    assert reveal.actor == actor.name and reveal.after["reason"] == "回访"
    assert (clear.before["id_number"], clear.after["id_number"]) == ("110***********002X", "")
    # listings mask too
    with db.read_session() as s:
        row = people_svc.person_row(people_svc.get_person(s, w.people["li"].id))
    assert row["phone"] == "139****1111"


def test_a_refused_write_leaves_no_audit_row(db, actor):
    w = build_world(db, actor)
    before = count_rows(db)["audit_log"]
    with db.session() as s, pytest.raises(DomainError, match="place.has_children"):
        place_svc.delete_place(s, actor=actor, place_id=w.street.id)
    assert count_rows(db)["audit_log"] == before


@pytest.mark.parametrize("table", ["request_event", "audit_log"])
@pytest.mark.parametrize("verb", ["update", "delete"])
def test_timeline_and_audit_log_are_append_only(db, actor, table, verb):
    w = build_world(db, actor)
    r = new_request(db, actor, w)
    move(db, actor, r.id, "accepted")
    before = count_rows(db)
    column = "actor"
    sql = f"UPDATE {table} SET {column} = 'mallory'" if verb == "update" else f"DELETE FROM {table}"
    with pytest.raises(DBAPIError, match="append-only"), db.engine.begin() as conn:
        conn.execute(text(sql))
    assert count_rows(db) == before
    with db.read_session() as s:
        assert "mallory" not in set(s.scalars(text(f"select actor from {table}")))
    # and inserting still works: the services keep writing
    move(db, actor, r.id, "in_progress")
    after = count_rows(db)
    assert after["request_event"] == before["request_event"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
