"""Bad input through ``gongzhi property …`` (issue 15, item 5): numbers beyond 64 bits,
control characters in names, output into a missing folder, facts dated in the future,
unknown choices; one line in Chinese and in English, no traceback, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.plugins.red_property.conftest import PLUGIN, row_counts

BIG = "99999999999999999999999"
HAN = re.compile(r"[\u4e00-\u9fff]")
MISSING = "/nonexistent-gongzhi"
HELD = "2026-03-05 09:00"

# (arguments, exit code, Chinese words, English words); "{m}" is the meeting made below
CASES = [
    (("property", "meeting", "show", BIG), 2, "数字超出范围", "number is out of range"),
    (("property", "meeting", "create", "荣雅园", "--at", HELD, "--min-bodies", BIG), 2, "数字超出范围",
     "number is out of range"),
    (("property", "meeting", "create", "荣雅园", "--at", HELD, "--title", "联席\n会议"), 1, "控制字符或换行",
     "control characters"),
    (("property", "meeting", "create", "荣雅园", "--at", HELD, "--location", "物业\x07办公室"), 1, "控制字符",
     "control characters"),
    (("property", "meeting", "create", "荣雅园", "--at", "2026-13-05 09:00"), 1, "2026-13-05", "2026-13-05"),
    (("property", "meeting", "create", "荣雅园", "--at", HELD, "--kind", "weekly"), 1, "weekly", "weekly"),
    (("property", "meeting", "check-in", "{m}", "王书记", "--for", "party", "--at", "2099-01-01 09:00"), 1,
     "不能晚于今天", "cannot be after today"),
    (("property", "minutes", "{m}", "-o", f"{MISSING}/minutes.docx"), 1, "不存在", "does not exist"),
    (("property", "service", "add", "吴大爷", "--at", "2099-01-01 09:00"), 1, "不能晚于今天",
     "cannot be after today"),
    (("property", "service", "add", "吴大爷", "--kind", "massage"), 1, "massage", "massage"),
]


@pytest.fixture
def site(gongzhi_site):
    return gongzhi_site(plugins=[PLUGIN])


def test_property_bad_input_is_one_clean_line_and_writes_nothing(site, street) -> None:
    code, out, err = site.cli("property", "meeting", "create", "荣雅园", "--at", HELD, "--json")
    assert code == 0, err
    meeting = re.search(r'"id": (\d+)', out).group(1)
    for lang in ("zh", "en"):
        for args, code, zh, en in CASES:
            args = tuple(a.replace("{m}", meeting) for a in args)
            before = row_counts(site.db)
            got, out, err = site.cli(*args, lang=lang)
            assert got == code, (lang, args, out, err)
            assert "Traceback" not in out + err
            lines = err.strip().splitlines()
            assert len(lines) == 1, (args, err)
            assert (zh if lang == "zh" else en) in lines[0], (lang, args, lines[0])
            if lang == "en":
                shown = lines[0]
                for value in args:
                    shown = shown.replace(value, "")
                assert not HAN.search(shown), (args, lines[0])
            assert row_counts(site.db) == before, args
    assert not Path(MISSING).exists()
