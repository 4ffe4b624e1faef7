"""Bad input through ``gongzhi micro …`` (issue 15, item 5): output into a missing folder
is refused before the fund or the list changes, names refuse control characters, numbers
beyond 64 bits are a usage error; one line in Chinese and in English, nothing written."""

from __future__ import annotations

import re
from pathlib import Path

from tests.plugins.micro_projects.conftest import row_counts, state_dump

BIG = "99999999999999999999999"
HAN = re.compile(r"[\u4e00-\u9fff]")
MISSING = "/nonexistent-gongzhi"

# (arguments, exit code, Chinese words, English words)
CASES = [
    # --set would change the fund: the folder is checked first (it used to be written, then refused)
    (("micro", "fund", "2026", "--set", "900000", "--xlsx", f"{MISSING}/fund.xlsx"), 1, "不存在", "does not exist"),
    (("micro", "list-create", "荣雅园", "2026"), None, None, None),  # a list to publicise (written)
    (("micro", "publicise", "荣雅园", "2026", "--docx", f"{MISSING}/notice.docx"), 1, "不存在", "does not exist"),
    (("micro", "show", BIG), 2, "数字超出范围", "number is out of range"),
    (("micro", "publicise", "荣雅园", "2026", "--days", BIG), 2, "数字超出范围", "number is out of range"),
    (("micro", "add", "荣雅园", "2026", "楼道\n照明", "--budget", "800"), 1, "控制字符", "control characters"),
    (("micro", "add", "荣雅园", "2026", "楼道照明\x00", "--budget", "800"), 1, "控制字符", "control characters"),
]


def test_micro_bad_input_is_one_clean_line_and_writes_nothing(site, street) -> None:
    for lang in ("zh", "en"):
        for args, code, zh, en in CASES:
            if code is None:
                if lang == "zh":
                    got, out, err = site.cli(*args)
                    assert got == 0, err
                continue
            before, dump = row_counts(site.db), state_dump(site.db)
            got, out, err = site.cli(*args, lang=lang)
            assert got == code, (lang, args, out, err)
            assert "Traceback" not in out + err
            lines = err.strip().splitlines()
            assert len(lines) == 1, (args, err)
            assert (zh if lang == "zh" else en) in lines[0], (args, lines[0])
            if lang == "en":
                shown = lines[0]
                for value in args:
                    shown = shown.replace(value, "")
                assert not HAN.search(shown), (args, lines[0])
            assert row_counts(site.db) == before and state_dump(site.db) == dump, args
    assert not Path(MISSING).exists()
