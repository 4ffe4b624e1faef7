"""Bad input through ``gongzhi points …`` (issue 15, item 5): numbers beyond range, facts
dated in the future, names with control characters and output into a missing folder are
refused with one line in Chinese and in English, the exit code says which (2 for a usage
error), and nothing is written."""

from __future__ import annotations

import re
from pathlib import Path

from tests.plugins.points_exchange.conftest import row_counts, state_dump

CLERK = "积分录入员"
BIG = "99999999999999999999999"  # beyond 64 bits
HAN = re.compile(r"[\u4e00-\u9fff]")

# (arguments, exit code, Chinese words, English words)
CASES = [
    (("points", "redeem", "王芳", f"香皂:{BIG}", "--yes"), 1, "数量超出范围", "quantity is out of range"),
    (("points", "goods", "add", "肥皂", "--price", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "goods", "add", "肥皂", "--price", "9999999999"), 1, "积分超出范围", "points is out of range"),
    (("points", "approve", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "balance", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "goods", "price", "香皂", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "earn", "王芳", "resident_volunteer", "--qty", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "earn", "王芳", "resident_volunteer", "--at", "2099-01-01 10:00"), 1, "不能晚于今天",
     "cannot be after today"),
    (("points", "earn", "王芳", "resident_volunteer", "--at", "1999-06-01 10:00"), 1, "不能早于 2000-01-01",
     "cannot be before 2000-01-01"),
    (("points", "goods", "add", "肥\n皂", "--price", "3"), 1, "控制字符", "control characters"),
    (("points", "notice", "--month", "2026-11", "-o", "/nonexistent-gongzhi/notice.xlsx"), 1, "不存在",
     "does not exist"),
    (("points", "redeem", "王芳", "香皂:1", "--yes"), 1, "可用积分为 0", "has 0 points available"),
    # the rule by its English name in English (was the Chinese one)
    (("points", "earn", "王芳", "grid_report"), 1, "不能按「上报信息」获得积分", "cannot earn under"),
]


def test_points_bad_input_is_one_clean_line_in_either_language(site, street) -> None:
    before, dump = row_counts(site.db), state_dump(site.db)
    for lang in ("zh", "en"):
        for args, code, zh, en in CASES:
            got, out, err = site.cli("--operator", CLERK, *args, lang=lang)
            assert got == code, (lang, args, out, err)
            assert "Traceback" not in out + err
            lines = err.strip().splitlines()
            assert len(lines) == 1, (args, err)
            assert (zh if lang == "zh" else en) in lines[0], (args, lines[0])
            if lang == "en":  # English throughout, the user's own input aside
                shown = lines[0]
                for value in args:
                    shown = shown.replace(value, "")
                assert not HAN.search(shown), (args, lines[0])
            assert row_counts(site.db) == before and state_dump(site.db) == dump, args
    assert not Path("/nonexistent-gongzhi").exists()
