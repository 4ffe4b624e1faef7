"""Bad input through ``gongzhi insights …`` (issue 15, item 5): numbers beyond 64 bits or
out of a listing's range, an unknown channel, control characters in a label, a chat
export with a day that does not exist or lies after today, output into a missing folder,
unknown choices; one line in Chinese and in English (exit 1, 2 for a usage error), no
traceback, nothing written — on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from tests.plugins.insights.conftest import PLUGIN, add_request
from tests.plugins.insights.test_chat import EXPORT

BIG = "99999999999999999999999"  # beyond 64 bits
HAN = re.compile(r"[\u4e00-\u9fff]")
MISSING = "/nonexistent-gongzhi"
COUNTED = ("insights_doc", "insights_token", "insights_chat_import", "insights_chat_heat", "request",
           "request_event", "audit_log")

# (arguments, exit code, Chinese words, English words); {chat}, {bad_day}, {future}, {blank}
# are files written below
CASES = [
    (("insights", "words", "2026-13"), 1, "时段「2026-13」无效", "invalid period '2026-13'"),
    (("insights", "words", ""), 1, "时段「」无效", "invalid period ''"),
    (("insights", "words", "2026-10..2026-01-01"), 1, "无效", "invalid period"),
    (("insights", "words", "2026-10", "--limit", BIG), 2, "数字超出范围", "number is out of range"),
    (("insights", "words", "2026-10", "--limit", "0"), 1, "--limit 超出范围", "--limit is out of range"),
    (("insights", "words", "2026-10", "--limit", "-5"), 1, "--limit 超出范围", "--limit is out of range"),
    (("insights", "words", "2026-10", "--channel", "carrier_pigeon"), 1, "渠道的取值「carrier_pigeon」无效",
     "invalid channel 'carrier_pigeon'"),
    (("insights", "words", "2026-10", "--compound", "不存在园"), 1, "找不到地点", "place not found"),
    (("insights", "words", "2026-10", "--category", "不存在"), 1, "找不到诉求类别", "request category not found"),
    (("insights", "rising", "2026-10", "--threshold", "nan"), 1, "--threshold 超出范围",
     "--threshold is out of range"),
    (("insights", "rising", "2026-10", "--threshold", "-1"), 1, "--threshold 超出范围",
     "--threshold is out of range"),
    (("insights", "rising", "2026-10", "--threshold", "abc"), 2, "应为数字", "valid number"),
    (("insights", "rising", "2026-10", "--min-count", BIG), 2, "数字超出范围", "number is out of range"),
    (("insights", "rising", "2026-10", "--min-count", "-3"), 1, "--min-count 超出范围",
     "--min-count is out of range"),
    (("insights", "hotspots", "2026-10", "--category", "不存在"), 1, "找不到诉求类别",
     "request category not found"),
    (("insights", "drill", "2026-13"), 1, "时段「2026-13」无效", "invalid period '2026-13'"),
    (("insights", "chat-import", f"{MISSING}/chat.txt"), 1, "无法读取群聊导出文件", "cannot read the chat export"),
    (("insights", "chat-import", "{blank}"), 1, "没有可识别的消息", "no messages recognised"),
    (("insights", "chat-import", "{bad_day}"), 1, "第 2 行的日期不存在", "line 2 of the chat export has a date"),
    (("insights", "chat-import", "{future}"), 1, "晚于今天", "after today"),
    (("insights", "chat-import", "{chat}", "--label", "盛康园\n居民群"), 1, "不能含有控制字符或换行",
     "must not contain control characters"),
    (("insights", "chat-import", "{chat}", "--compound", "不存在园"), 1, "找不到地点", "place not found"),
    (("insights", "act", "高空抛物", "petition"), 1, "行动「petition」无效", "invalid action 'petition'"),
    (("insights", "act", "不存在的话题", "request"), 1, "不在群聊热度中", "is not in the chat heat"),
    (("insights", "report", "2026-10", "-o", f"{MISSING}/report.docx"), 1, "不存在", "does not exist"),
    (("insights", "report", "2026-13"), 1, "时段「2026-13」无效", "invalid period '2026-13'"),
]


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(text(t))).scalar_one() for t in COUNTED}


@pytest.fixture
def site(gongzhi_site, db):
    site = gongzhi_site(plugins=[PLUGIN], url=db.url)
    site.street = db.street
    return site


def _files(tmp_path: Path) -> dict[str, str]:
    files = {
        "chat": EXPORT,
        "blank": "\n\n   \n",
        "bad_day": "2026-10-03 08:15 张晓梅：楼道灯不亮\n2026-02-30 09:00 王建国：高空抛物\n",
        "future": "2026-10-03 08:15 张晓梅：楼道灯不亮\n2099-01-01 09:00 王建国：高空抛物\n",
    }
    out = {}
    for name, content in files.items():
        path = tmp_path / f"{name}.txt"
        path.write_text(content, encoding="utf-8")
        out[name] = str(path)
    return out


def test_insights_bad_input_is_one_clean_line_and_writes_nothing(site, tmp_path) -> None:
    add_request(site.db, site.street, "盛康园高空抛物", compound="盛康园")
    files = _files(tmp_path)
    before = row_counts(site.db)
    for lang in ("zh", "en"):
        for args, code, zh, en in CASES:
            args = tuple(a.format(**files) if a.startswith("{") else a for a in args)
            got, out, err = site.cli(*args, lang=lang)
            assert got == code, (lang, args, out, err)
            assert "Traceback" not in out + err
            lines = err.strip().splitlines()
            assert len(lines) == 1, (args, err)
            assert (zh if lang == "zh" else en) in lines[0], (lang, args, lines[0])
            if lang == "en":  # English throughout, the user's own input aside
                shown = lines[0]
                for value in sorted(args, key=len, reverse=True):
                    shown = shown.replace(value, "")
                assert not HAN.search(shown), (args, lines[0])
            assert row_counts(site.db) == before, args
    assert not Path(MISSING).exists()
    # the same file, good: imported once
    got, out, err = site.cli("insights", "chat-import", files["chat"], "--label", "盛康园居民群")
    assert got == 0, err
