"""Bad input through ``gongzhi deliberation …`` (issue 15, item 5; the issue's "Tests that
must exist": a table-driven bad-input test per command group): numbers beyond 64 bits,
control characters and line breaks in names, output into a missing folder, unknown
choices, decimal and out-of-range fractions, unknown people, rounds, groups and options,
a second open round. Each is exit 1 (2 for usage), one line in Chinese and in English,
no traceback, nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.plugins.deliberation.conftest import row_counts

BIG = "99999999999999999999999"
HAN = re.compile(r"[\u4e00-\u9fff]")
MISSING = "/nonexistent-gongzhi-delib"
OPEN = ("deliberation", "round", "open", "{c}", "--preset", "simple_majority", "--options", "1")

# (arguments, exit code, Chinese words, English words); "{c}" is the consultation made below,
# which has one participant (甲), one option and round 1 open
CASES = [
    (("deliberation", "show", BIG), 2, "数字超出范围", "number is out of range"),
    (("deliberation", "participant", "add", "{c}", "--name", "乙", "--role", "resident_rep", "--weight", BIG), 2,
     "数字超出范围", "number is out of range"),
    (("deliberation", "option", "withdraw", "{c}", BIG), 2, "数字超出范围", "number is out of range"),
    (("deliberation", "vote", "{c}", BIG, "甲", "y"), 2, "数字超出范围", "number is out of range"),
    (("deliberation", "meeting", "add", "{c}", "--others", BIG), 2, "数字超出范围", "number is out of range"),
    (("deliberation", "round", "open", "{c}", "--kind", "stv", "--seats", BIG), 2, "数字超出范围",
     "number is out of range"),
    (("deliberation", "create", "议\x07题"), 1, "控制字符", "control characters"),
    (("deliberation", "create", "议\n题"), 1, "控制字符或换行", "control characters"),
    (("deliberation", "participant", "add", "{c}", "--name", "丙\x07", "--role", "resident_rep"), 1, "控制字符",
     "control characters"),
    (("deliberation", "option", "add", "{c}", "方案\x1b二"), 1, "控制字符", "control characters"),
    (("deliberation", "export-round", "{c}", "1", "-o", f"{MISSING}/round.json"), 1, "不存在", "does not exist"),
    (("deliberation", "minutes", "{c}", "-o", f"{MISSING}/minutes.md"), 1, "不存在", "does not exist"),
    (("deliberation", "minutes", "{c}", "--format", "pdf"), 1, "pdf", "pdf"),
    (("deliberation", "list", "--status", "pending"), 1, "pending", "pending"),
    (("deliberation", "round", "open", "{c}", "--preset", "supermajority"), 1, "supermajority", "supermajority"),
    (("deliberation", "participant", "add", "{c}", "--name", "丙", "--role", "mayor"), 1, "mayor", "mayor"),
    (("deliberation", "participant", "add", "{c}", "--name", "丙", "--role", "resident_rep", "--weight", "0"), 1,
     "权重", "weight"),
    (("deliberation", "checkin", "{c}", "无名氏"), 1, "找不到参与人", "participant not found"),
    (("deliberation", "vote", "{c}", "R9", "甲", "y"), 1, "找不到表决轮次", "round not found"),
    (("deliberation", "vote", "{c}", "1", "甲", "y", "--option", "7"), 1, "没有编号为 7 的选项", "no option 7"),
    (("deliberation", "decide", "{c}", "决定", "--review", "2026-13-01"), 1, "2026-13-01", "2026-13-01"),
    (("deliberation", "tally", f"{MISSING}/round.json"), 1, "表决文件无效", "invalid round file"),
    # the round rules, refused before the round opens (another round is open too: the rule is checked first)
    ((*OPEN, "--threshold", "0.66"), 1, "不能用小数", "write a fraction"),
    ((*OPEN, "--threshold", "4/3"), 1, "不超过 1：4/3", "at most 1: 4/3"),
    ((*OPEN, "--quorum", "50%"), 1, "法定人数比例须写成分数", "quorum"),
    ((*OPEN, "--per-group", "residnts"), 1, "现有分组：居民", "groups here: residents"),
    # a second round while round 1 is open
    (OPEN, 1, "第 1 轮还在表决", "round 1 of 'lamps' is still open"),
]


def _ok(site, *args):
    code, out, err = site.cli(*args)
    assert code == 0, (args, err)
    return out


def test_deliberation_bad_input_is_one_clean_line_and_writes_nothing(site) -> None:
    c = str(json.loads(_ok(site, "deliberation", "create", "lamps", "--json"))["id"])
    _ok(site, "deliberation", "participant", "add", c, "--name", "甲", "--role", "resident_rep", "--present")
    _ok(site, "deliberation", "option", "add", c, "路灯")
    _ok(site, *(a.replace("{c}", c) for a in OPEN))
    for lang in ("zh", "en"):
        for args, code, zh, en in CASES:
            args = tuple(a.replace("{c}", c) for a in args)
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
