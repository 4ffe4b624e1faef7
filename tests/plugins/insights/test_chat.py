"""The chat import: both common export layouts parsed; only (day, term, messages)
kept — no sender name, no message text; topics hot in chat but rare in requests
flagged (the 盛康园 高空抛物 case, from the demo)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import inspect, select, text

from gongzhi.core.errors import DomainError
from gongzhi.plugins.insights.chat import parse
from gongzhi.plugins.insights.models import InsightsChatHeat
from gongzhi.plugins.insights.queries import chat_heat, chat_topics
from gongzhi.plugins.insights.services import import_chat

EXPORT = """\
2026-10-03 08:15 张晓梅：昨晚又有人楼上扔东西，@王建国 你家车没事吧
2026-10-03 08:20 王建国：高空抛物太危险了
砸坏了车棚
李淑芬 2026/10/4 9:05
电瓶车飞线充电也没人管

[2026-10-04 21:30:12] 赵志强: 高空抛物必须管一管
"""
NAMES = ("张晓梅", "王建国", "李淑芬", "赵志强")


def test_both_layouts_parsed():
    msgs = parse(EXPORT)
    assert [(m.day, m.sender) for m in msgs] == [
        (date(2026, 10, 3), "张晓梅"), (date(2026, 10, 3), "王建国"),
        (date(2026, 10, 4), "李淑芬"), (date(2026, 10, 4), "赵志强")]
    assert msgs[1].text == "高空抛物太危险了\n砸坏了车棚"  # a continuation line joins its message
    assert msgs[2].text == "电瓶车飞线充电也没人管"


def test_import_keeps_no_names_nor_text(db, tmp_path):
    path = tmp_path / "群聊.txt"
    path.write_text(EXPORT, encoding="utf-8")
    out = import_chat(db, path, actor="民意分析员", group_label="盛康园群")
    assert out["messages"] == 4 and out["days"] == 2
    with db.session() as s:
        heat = {(r["day"], r["term"]): r["messages"] for r in chat_heat(s)}
        assert heat[("2026-10-03", "高空抛物")] == 2 and heat[("2026-10-04", "高空抛物")] == 1
        assert heat[("2026-10-04", "电动车")] == 1
        # every text column of every insights_ table: no name, no sentence of a message
        dump = []
        for table in [t for t in inspect(db.engine).get_table_names() if t.startswith("insights_chat")]:
            dump += [str(v) for row in s.execute(text(f"SELECT * FROM {table}")) for v in row]
    blob = "|".join(dump)
    for name in NAMES:
        assert name not in blob
        for part in (name[:2], name[1:]):  # nor a piece of it (晓梅, 建国 …)
            assert part not in blob.split("|")
    assert "太危险了" not in blob and "砸坏了车棚" not in blob


def test_same_export_twice_refused_and_bad_files(db, tmp_path):
    path = tmp_path / "群聊.txt"
    path.write_text(EXPORT, encoding="utf-8")
    import_chat(db, path, actor="a")
    with pytest.raises(DomainError) as e:
        import_chat(db, path, actor="a")
    assert e.value.code == "insights.chat_imported"
    empty = tmp_path / "空.txt"
    empty.write_text("没有时间的一行\n", encoding="utf-8")
    with pytest.raises(DomainError) as e:
        import_chat(db, empty, actor="a")
    assert e.value.code == "insights.chat_empty"
    with db.session() as s:
        assert s.scalar(select(InsightsChatHeat.import_id).where(InsightsChatHeat.import_id > 1)) is None


def test_demo_flags_the_shengkangyuan_case(small_demo):
    with small_demo.read_session() as s:
        topics = {t.term: t for t in chat_topics(s)}
    hot = topics["高空抛物"]
    assert hot.flagged and hot.g2 >= 10.83
    assert hot.chat_messages >= 20 and hot.requests / hot.requests_total < hot.chat_messages / hot.chat_total / 5
    assert [t.term for t in topics.values() if t.flagged][0] == "高空抛物"
