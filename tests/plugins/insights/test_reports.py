"""Rising topics and hot spots on constructed requests: a real rise or concentration
is found, noise is not; a hot spot drills down to its requests."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.plugins.insights.queries import hot_spots, parse_period, requests_of, rising_topics
from tests.plugins.insights.conftest import add_request


def _day(month: int, i: int) -> datetime:
    return datetime(2026, month, 1 + i % 28, 3, tzinfo=UTC)


def test_rising_topic_detected_noise_not(db, street):
    for i in range(30):  # September: street lights, one manhole cover, some noise complaints
        add_request(db, street, "井盖缺失" if i == 0 else ("噪音扰民" if i < 4 else "路灯不亮"), at=_day(9, i))
    for i in range(30):  # October: manhole covers rise for real, noise a little (chance)
        title = "井盖缺失" if i < 12 else ("噪音扰民" if i < 17 else "路灯不亮")
        add_request(db, street, title, at=_day(10, i))
    with db.session() as s:
        rows = {r.term: r for r in rising_topics(s, parse_period("2026-10"))}
    assert set(rows) == {"井盖", "缺失"}  # the title's two words rose together; 噪音 and 路灯 not
    assert rows["井盖"].now == 12 and rows["井盖"].before == 1 and rows["井盖"].g2 >= 10.83
    with db.session() as s:  # a looser threshold (p < 0.05) still does not call the noise a rise
        assert "噪音" not in {r.term for r in rising_topics(s, parse_period("2026-10"), threshold=3.84)}


def test_hot_spot_found_noise_not(db, street):
    for i in range(20):
        add_request(db, street, "有人高空抛物", compound="盛康园", category="high_rise_littering", at=_day(10, i))
    add_request(db, street, "高空抛物", compound="荣雅园", category="high_rise_littering", at=_day(10, 3))
    for i in range(6):  # sanitation: 6 against 4 among equal populations is chance
        add_request(db, street, "垃圾桶满溢", compound="盛康园", category="sanitation", at=_day(10, i))
    for i in range(4):
        add_request(db, street, "垃圾桶满溢", compound="荣雅园", category="sanitation", at=_day(10, i))
    period = parse_period("2026-10")
    with db.session() as s:
        spots = hot_spots(s, period, street.categories["high_rise_littering"])
        noise = hot_spots(s, period, street.categories["sanitation"])
        drill = requests_of(s, period, compound_id=street.compounds["盛康园"],
                            category_id=street.categories["high_rise_littering"])
    by = {h.compound: h for h in spots}
    assert by["盛康园"].flagged and not by["荣雅园"].flagged
    assert by["盛康园"].requests == 20 and by["盛康园"].residents == 30
    assert by["盛康园"].per_1000 == pytest.approx(666.67)
    assert by["盛康园"].p_value < 0.025
    assert not any(h.flagged for h in noise)
    assert len(drill) == 20 and {d["title"] for d in drill} == {"有人高空抛物"}


def test_bad_period_refused():
    with pytest.raises(DomainError) as e:
        parse_period("2026-13")
    assert e.value.code == "insights.invalid_period"
    assert parse_period("2026-12").end.isoformat() == "2027-01-01"
    assert parse_period("2026-11").previous().label == "2026-10"
    assert parse_period("2026-01").previous().label == "2025-12"
