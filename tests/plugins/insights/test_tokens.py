"""The token store: written when a request is written (the core's event hooks), kept
current when its text changes, and equal to a segmentation from scratch."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select, update

from gongzhi.core.models.requests import Request
from gongzhi.core.services import requests as core_requests
from gongzhi.plugins.insights.models import InsightsDoc, InsightsToken
from gongzhi.plugins.insights.queries import Filters, hot_words, parse_period
from gongzhi.plugins.insights.segment import segmenter_for
from gongzhi.plugins.insights.services import request_text, sync_tokens
from tests.plugins.insights.conftest import CLERK, add_request


def tokens(db, request_id: int) -> dict[str, int]:
    with db.session() as s:
        return dict(s.execute(select(InsightsToken.term, InsightsToken.count)
                              .where(InsightsToken.request_id == request_id)).all())


def test_tokens_written_on_create(db, street):
    rid = add_request(db, street, "荣雅园电瓶车飞线充电", description="您好，反映楼下有人飞线充电")
    assert tokens(db, rid) == {"荣雅园": 1, "电动车": 1, "飞线充电": 2, "楼下": 1}
    with db.session() as s:
        doc = s.get(InsightsDoc, rid)
        assert (doc.compound_id, doc.community_id) == (street.compounds["荣雅园"], street.communities["荣雅园"])
        assert doc.category_id == street.categories["other"] and doc.channel == "walk_in"
        assert doc.n_tokens == 5


def test_tokens_follow_an_edit(db, street):
    rid = add_request(db, street, "井盖丢了")
    assert tokens(db, rid) == {"井盖": 1}
    # the core has no edit service: a change of text is picked up at the next event ...
    with db.session() as s:
        s.execute(update(Request).where(Request.id == rid).values(title="楼道堆物严重", category_id=street.categories["sanitation"]))
        s.commit()
    with db.session() as s:
        core_requests.transition(s, actor=CLERK, request_id=rid, to_status="accepted")
    assert tokens(db, rid) == {"楼道堆物": 1}
    with db.session() as s:
        assert s.get(InsightsDoc, rid).category_id == street.categories["sanitation"]
    # ... and by the bulk sync
    with db.session() as s:
        s.execute(update(Request).where(Request.id == rid).values(title="电梯停运，电瓶车进电梯"))
        s.commit()
    assert sync_tokens(db)["segmented"] == 1
    assert tokens(db, rid) == {"电梯停运": 1, "电动车": 1, "电梯": 1}


def test_sync_is_idempotent_and_backfills(db, street):
    rid = add_request(db, street, "高空抛物砸坏车棚")
    with db.session() as s:  # an existing database: tokens missing
        s.execute(InsightsToken.__table__.delete())
        s.execute(InsightsDoc.__table__.delete())
        s.commit()
    assert tokens(db, rid) == {}
    assert sync_tokens(db) == {"requests": 1, "segmented": 1, "removed": 0}
    assert tokens(db, rid)["高空抛物"] == 1
    assert sync_tokens(db)["segmented"] == 0


def test_report_equals_segmentation_from_scratch(db, street):
    texts = ["荣雅园电瓶车飞线充电", "楼道堆物，消防通道堵了", "电梯停运，老人下不了楼", "盛康园有人高空抛物",
             "楼上扔东西砸到电动车", "路灯不亮", "井盖缺失", "盛康园高空抛物又发生了"]
    for i, t in enumerate(texts):
        add_request(db, street, t, compound="盛康园" if i % 2 else "荣雅园",
                    at=datetime(2026, 10, 3 + i, 2, tzinfo=UTC), description="希望尽快处理")
    period = parse_period("2026-10")
    with db.session() as s:
        report = {w.term: w.count for w in hot_words(s, period, Filters(), limit=1000)}
        seg = segmenter_for(s)
        scratch: Counter[str] = Counter()
        for r in s.scalars(select(Request)):
            scratch += seg.counts(request_text(r.title, r.description))
        only_sk = {w.term: w.count for w in hot_words(s, period, Filters(compound_id=street.compounds["盛康园"]), limit=1000)}
    assert report == dict(scratch)
    assert report["高空抛物"] == 3 and report["电动车"] == 2
    assert only_sk["高空抛物"] == 2  # the third (楼上扔东西) was in 荣雅园 and "飞线充电" not in only_sk


def test_hot_words_weighted_by_idf(db, street):
    # 路灯 in every request of the street, 井盖 only this month: the rarer word weighs more per count
    for day in range(1, 6):
        add_request(db, street, "路灯不亮", at=datetime(2026, 9, day, 2, tzinfo=UTC))
    for day in range(1, 4):
        add_request(db, street, "路灯 井盖", at=datetime(2026, 10, day, 2, tzinfo=UTC))
    with db.session() as s:
        words = {w.term: w for w in hot_words(s, parse_period("2026-10"))}
    assert words["路灯"].count == words["井盖"].count == 3
    assert words["井盖"].score > words["路灯"].score
    assert words["井盖"].idf > words["路灯"].idf


def test_hot_words_per_community_category_channel(db, street):
    add_request(db, street, "井盖缺失", compound="荣雅园", category="safety_hazard", channel="hotline_12345")
    add_request(db, street, "楼道堆物", compound="盛康园", category="safety_hazard", channel="walk_in")
    add_request(db, street, "路灯不亮", compound="盛康园", category="lighting", channel="hotline_12345")
    period = parse_period("2026-10")

    def terms(**kw) -> set[str]:
        with db.session() as s:
            return {w.term for w in hot_words(s, period, Filters(**kw))}

    assert terms(community_id=street.communities["盛康园"]) == {"楼道堆物", "路灯"}
    assert terms(category_id=street.categories["safety_hazard"]) == {"井盖", "缺失", "楼道堆物"}
    assert terms(channel="hotline_12345") == {"井盖", "缺失", "路灯"}
    assert terms(channel="hotline_12345", compound_id=street.compounds["盛康园"]) == {"路灯"}


def test_a_block_of_many_requests_is_segmented_in_one_bulk_pass(db, street, monkeypatch):
    """Requests written in one held block (as an import writes them) reach the index
    through events_in_bulk: below BULK_FROM one by one, from it in one sync_tokens pass;
    the tokens are those of a request written alone."""
    from gongzhi.core import events
    from gongzhi.plugins.insights import plugin as insights_plugin
    from gongzhi.plugins.insights import services as insights_services

    monkeypatch.setattr(insights_plugin, "BULK_FROM", 5)
    passes: list[int] = []
    real = insights_services.sync_tokens

    def counting(db_, **kw):
        passes.append(len(kw["request_ids"]))
        return real(db_, **kw)

    monkeypatch.setattr(insights_services, "sync_tokens", counting)
    for n, bulk in ((4, False), (6, True)):
        with events.held():
            made = [add_request(db, street, "荣雅园电瓶车飞线充电", description="您好，反映楼下有人飞线充电")
                    for _ in range(n)]
        assert passes == ([n] if bulk else []), n
        for rid in made:
            assert tokens(db, rid) == {"荣雅园": 1, "电动车": 1, "飞线充电": 2, "楼下": 1}
        passes.clear()
