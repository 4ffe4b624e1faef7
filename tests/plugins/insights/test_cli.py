"""``gongzhi insights …`` end to end on a real database: the listings as JSON, the
chat import, a flagged topic turned into a request or an event in one step, and a
coded error in zh and en that writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from gongzhi.core import events
from gongzhi.core.models.requests import Request
from tests.plugins.insights.conftest import PLUGIN, add_request
from tests.plugins.insights.test_chat import EXPORT


@pytest.fixture
def site(gongzhi_site, sqlite_only):
    site = gongzhi_site(plugins=[PLUGIN], url=sqlite_only.url)
    site.street = sqlite_only.street
    return site


def ok(site, *args, lang=None):
    code, out, err = site.cli(*args, lang=lang)
    assert code == 0, (args, out, err)
    return out


def test_reports_as_json(site):
    st = site.street
    for i in range(14):  # 14 against the street's rate × residents = 7 expected: P(X ≥ 14) ≈ 0.012
        add_request(site.db, st, "盛康园高空抛物", compound="盛康园", category="high_rise_littering",
                    at=datetime(2026, 10, 2 + i, 3, tzinfo=UTC))
    for i in range(20):
        add_request(site.db, st, "路灯不亮", at=datetime(2026, 9, 3 + i, 3, tzinfo=UTC))
    words = json.loads(ok(site, "insights", "words", "2026-10", "--compound", "盛康园", "--json"))
    assert [w["term"] for w in words] == ["高空抛物", "盛康园"] or [w["term"] for w in words] == ["盛康园", "高空抛物"]
    assert {w["count"] for w in words} == {14}
    rising = json.loads(ok(site, "insights", "rising", "2026-10", "--json"))
    assert {r["term"] for r in rising} == {"高空抛物", "盛康园"} and rising[0]["before"] == 0
    spots = json.loads(ok(site, "insights", "hotspots", "2026-10", "--category", "高空抛物", "--json"))
    assert [s["compound"] for s in spots if s["flagged"]] == ["盛康园"]
    drill = json.loads(ok(site, "insights", "drill", "2026-10", "--compound", "盛康园", "--term", "高空抛物", "--json"))
    assert len(drill) == 14


def test_chat_to_action(site, tmp_path):
    path = tmp_path / "群.txt"
    path.write_text(EXPORT + "".join(f"2026-10-05 1{i}:00 居民{i}：高空抛物又来了\n" for i in range(8)),
                    encoding="utf-8")
    for i in range(20):  # the formal requests of those days say nothing about it
        add_request(site.db, site.street, "路灯不亮", at=datetime(2026, 10, 3 + i % 3, 3, tzinfo=UTC))
    out = json.loads(ok(site, "insights", "chat-import", str(path), "--compound", "盛康园", "--json"))
    assert out["messages"] == 12
    topics = json.loads(ok(site, "insights", "chat-heat", "--json"))
    assert topics[0]["term"] == "高空抛物" and topics[0]["flagged"]
    daily = json.loads(ok(site, "insights", "chat-heat", "--daily", "--json"))
    assert {"day": "2026-10-05", "term": "高空抛物", "messages": 8} in daily

    made = json.loads(ok(site, "insights", "act", "高空抛物", "request", "--json"))
    with site.db.read_session() as s:
        req = s.get(Request, made["request_id"])
        assert (req.channel, req.type, req.title) == ("wechat_group", "suggestion", "盛康园高空抛物问题（群聊热议）")
        assert req.place_id == site.street.compounds["盛康园"]

    seen = []
    stop = events.subscribe(lambda event, **kw: seen.append(kw) if event == "plugin_event" else None)
    try:
        ok(site, "insights", "act", "高空抛物", "micro_candidate")
        ok(site, "insights", "act", "高空抛物", "consultation")
    finally:
        stop()
    assert [(e["source"], e["name"]) for e in seen] == [("insights", "topic_to_micro_candidate"),
                                                        ("insights", "topic_to_consultation")]
    assert seen[0]["payload"]["term"] == "高空抛物" and seen[0]["payload"]["place_id"] == site.street.compounds["盛康园"]


def test_bad_input_is_one_line_and_writes_nothing(site, tmp_path):
    code, out, err = site.cli("insights", "words", "2026-13")
    assert code != 0 and "时段「2026-13」无效" in err
    code, out, err = site.cli("insights", "words", "2026-13", lang="en")
    assert code != 0 and "invalid period '2026-13'" in err
    with site.db.read_session() as s:
        before = s.scalar(select(func.count()).select_from(Request))
    code, out, err = site.cli("insights", "act", "不存在的话题", "request")
    assert code != 0 and "不存在的话题" in err
    code, out, err = site.cli("insights", "act", "高空抛物", "petition")
    assert code != 0 and "petition" in err
    with site.db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Request)) == before


def test_month_report_docx(site, tmp_path):
    from docx import Document

    st = site.street
    for i in range(14):
        add_request(site.db, st, "盛康园高空抛物", compound="盛康园", category="high_rise_littering",
                    at=datetime(2026, 10, 2 + i, 3, tzinfo=UTC))
    for i in range(20):
        add_request(site.db, st, "路灯不亮", at=datetime(2026, 9, 3 + i, 3, tzinfo=UTC))
    path = tmp_path / "十月民意分析.docx"
    data = json.loads(ok(site, "insights", "report", "2026-10", "-o", str(path), "--json"))
    assert data["rising"][0]["term"] in {"高空抛物", "盛康园"}
    doc = Document(str(path))
    assert doc.paragraphs[0].text == "民意数据库月度分析（2026-10）"
    tables = doc.tables
    assert len(tables) == 3  # words, rising, hot spots; no chat imported: (无)
    words = [row.cells[0].text for row in tables[0].rows[1:]]
    assert set(words[:2]) == {"高空抛物", "盛康园"}
    rising = {row.cells[0].text: row.cells[3].text for row in tables[1].rows[1:]}
    assert float(rising["高空抛物"]) >= 10.83
    assert [row.cells[0].text for row in tables[2].rows[1:]] == ["盛康园"]
    code, out, err = site.cli("insights", "report", "2026-10", "-o", str(path))
    assert code != 0 and "已存在" in err
