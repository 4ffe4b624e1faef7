"""Request categories: the defaults, lookup, and SLA changes that move the due time of new requests."""

from __future__ import annotations

from datetime import timedelta

from gongzhi.core.services import categories as cat_svc
from tests.core.helpers import at, build_world, count_rows, new_request


def test_default_categories_are_added_once(db, actor):
    with db.session() as s:
        assert cat_svc.ensure_default_categories(s, actor=actor) == len(cat_svc.DEFAULT_CATEGORIES)
    before = count_rows(db)
    with db.session() as s:
        assert cat_svc.ensure_default_categories(s, actor=actor) == 0
    assert count_rows(db) == before
    assert before["audit_log"] == len(cat_svc.DEFAULT_CATEGORIES)
    with db.read_session() as s:
        codes = [c.code for c in cat_svc.list_categories(s)]
        assert codes == [c[0] for c in cat_svc.DEFAULT_CATEGORIES]
        littering = cat_svc.find_category(s, "high_rise_littering")
        assert (littering.name_zh, littering.sla_urgent) == ("高空抛物", 8)
        assert cat_svc.find_category(s, "高空抛物").id == littering.id
        assert cat_svc.find_category(s, "objects thrown from height").id == littering.id
        assert cat_svc.find_category(s, str(littering.id)).id == littering.id


def test_sla_change_applies_to_new_requests_only(db, actor):
    w = build_world(db, actor)
    raised = at("2026-03-02 00:00")
    old = new_request(db, actor, w, priority="high", at=raised)
    with db.session() as s:
        cat_svc.update_category(s, actor=actor, category_id=w.category.id, sla=(100, 50, 10, 5))
    new = new_request(db, actor, w, priority="high", at=raised)
    assert old.due_at == raised + timedelta(hours=48)
    assert new.due_at == raised + timedelta(hours=10)
    with db.session() as s:
        cat_svc.update_category(s, actor=actor, category_id=w.category.id, active=False)
    with db.read_session() as s:
        assert [c.id for c in cat_svc.list_categories(s, active_only=True)] == []
        assert [c.id for c in cat_svc.list_categories(s)] == [w.category.id]
