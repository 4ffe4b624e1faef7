"""Bad input through the core command groups: a clean refusal, never a traceback or a
wrong success (issue 15, item 5).

Every case runs in Chinese and in English on a copy of one small street built once for
the module (a real SQLite file, through the real command line), and asserts the exit
code (1 for a refused value, 2 for a usage error), exactly one line on stderr in the
chosen language, no traceback, and unchanged row counts in every core table.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from gongzhi.core.cli import main
from gongzhi.core.models import CORE_TABLES
from tests.dbs import sqlite_copy

STREET = (
    ("place", "add", "street", "青源街道"),
    ("place", "add", "community", "荣雅园社区", "--parent", "青源街道"),
    ("place", "add", "compound", "荣雅园", "--parent", "荣雅园社区"),
    ("person", "add", "张晓明", "--phone", "13812345678", "--birth-year", "1948"),
    ("org", "add", "department", "消防支队", "--place", "青源街道"),
    ("request", "create", "-t", "路灯昏暗", "-c", "walk_in", "--category", "lighting", "-p", "荣雅园",
     "--at", "2026-03-02 09:00"),
)
REF = "QY-2026-000001"
NEW_REQUEST = ("request", "create", "-t", "井盖松动", "-c", "walk_in", "--category", "lighting", "-p", "荣雅园")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small street, built once per module through the command line."""
    folder = tmp_path_factory.mktemp("bad-input")
    path = folder / "street.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGZHI_DATA_DIR", str(folder / "data"))
        mp.setenv("GONGZHI_LANG", "zh")
        for var in ("GONGZHI_DATABASE_URL", "GONGZHI_CONFIG", "GONGZHI_PLUGINS", "GONGZHI_OPERATOR"):
            mp.delenv(var, raising=False)
        assert main(["--db", f"sqlite:///{path}", "db", "upgrade", "--create"]) == 0
        for args in STREET:
            assert main(["--db", f"sqlite:///{path}", *args]) == 0, args
    return path


@pytest.fixture
def street(template: Path, tmp_path: Path, capsys):
    path = tmp_path / "street.sqlite"
    sqlite_copy(template, path).dispose()
    capsys.readouterr()

    def run(*args: str, lang: str) -> tuple[int, str, str]:
        code = main(["--db", f"sqlite:///{path}", "--lang", lang, *args])
        out, err = capsys.readouterr()
        return code, out, err

    run.path = path  # type: ignore[attr-defined]
    return run


def counts(path: Path) -> dict[str, int]:
    con = sqlite3.connect(path)
    try:
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in CORE_TABLES}
    finally:
        con.close()


BIG = "99999999999999999999999"  # beyond 64 bits

# (id, arguments, exit code, Chinese words, English words); "{empty}" is an empty file
CASES = [
    ("name-newline", ("person", "add", "张\n三"), 1, "不能含有控制字符或换行", "must not contain control characters"),
    ("name-bell", ("person", "add", "张\x07三"), 1, "控制字符", "control characters"),
    ("name-carriage-return", ("person", "add", "张\r三"), 1, "控制字符", "control characters"),
    ("name-surrogate", ("person", "add", "a\udcff"), 1, "不是有效的 UTF-8", "not valid UTF-8"),
    ("place-surrogate", ("place", "add", "street", "x\udcffy"), 1, "UTF-8", "UTF-8"),
    ("place-name-newline", ("place", "add", "community", "荣雅\n社区", "--parent", "青源街道"), 1, "控制字符",
     "control characters"),
    ("org-name-tab", ("org", "add", "department", "城管\t执法队", "--place", "青源街道"), 1, "控制字符",
     "control characters"),
    ("title-newline", (*NEW_REQUEST[:3], "井盖\n松动", *NEW_REQUEST[4:]), 1, "控制字符", "control characters"),
    ("description-escape", (*NEW_REQUEST, "-d", "松动\x1b[31m"), 1, "控制字符", "control characters"),
    ("operator-newline", ("--operator", "主任\n伪造", "person", "add", "李四"), 1, "操作员", "operator"),
    ("person-show-huge", ("person", "show", BIG), 2, "数字超出范围", "number is out of range"),
    ("request-list-offset-huge", ("request", "list", "--offset", BIG), 2, "数字超出范围", "number is out of range"),
    ("offset-huge-joined", ("request", "list", f"--offset={BIG}"), 2, "超出范围", "not in the range"),
    ("request-show-huge", ("request", "show", BIG), 2, "数字超出范围", "number is out of range"),
    ("org-members-huge", ("org", "members", BIG), 2, "数字超出范围", "number is out of range"),
    ("birth-year-huge", ("person", "add", "李四", "--birth-year", BIG), 2, "数字超出范围", "number is out of range"),
    ("reporter-huge", (*NEW_REQUEST, "--reporter", BIG), 2, "数字超出范围", "number is out of range"),
    ("sla-huge", ("category", "add", "wells", "--zh", "井盖", "--en", "Manholes", "--sla", f"1,2,3,{BIG}"), 1,
     "办理时限（小时）超出范围", "SLA hours is out of range"),
    ("find-empty", ("person", "find", ""), 1, "查找内容不能为空", "search text is required"),
    ("find-blank", ("person", "find", "   "), 1, "查找内容不能为空", "search text is required"),
    ("sort-unknown", ("request", "list", "--sort", "bogus"), 1, "--sort的取值「bogus」无效", "invalid --sort 'bogus'"),
    ("attachment-empty", (*NEW_REQUEST, "--attach", "{empty}"), 1, "空文件", "empty file"),
    ("request-in-2099", (*NEW_REQUEST, "--at", "2099-01-01 10:00"), 1, "不能晚于今天", "cannot be after today"),
    ("request-in-1999", (*NEW_REQUEST, "--at", "1999-12-31 10:00"), 1, "不能早于 2000-01-01",
     "cannot be before 2000-01-01"),
    ("dispatch-due-2001", ("request", "dispatch", REF, "--lead", "消防支队", "--due", "2001-01-01 10:00"), 1,
     "办理期限", "due date"),
    ("dispatch-due-2099", ("request", "dispatch", REF, "--lead", "消防支队", "--due", "2099-01-01 10:00"), 1,
     "办理期限", "due date"),
    ("export-missing-folder", ("request", "export", "-o", "/nonexistent-gongzhi/x.csv"), 1, "不存在",
     "does not exist"),
    ("export-unwritable", ("request", "export", "-o", "/proc/gongzhi-x.csv"), 1, "/proc", "/proc"),
    ("backup-missing-folder", ("db", "backup", "-o", "/nonexistent-gongzhi/x.sqlite"), 1, "不存在",
     "does not exist"),
    ("upgrade-unknown-revision", ("db", "upgrade", "-r", "zzzz"), 1, "没有这个数据库版本", "no such database revision"),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_bad_input_is_one_clean_line_and_writes_nothing(street, tmp_path: Path, lang: str) -> None:
    empty = tmp_path / "empty.jpg"
    empty.write_bytes(b"")
    before = counts(street.path)
    for case, args, code, zh, en in CASES:
        argv = tuple(str(empty) if a == "{empty}" else a for a in args)
        got, out, err = street(*argv, lang=lang)
        assert got == code, (case, got, out, err)
        assert "Traceback" not in err + out, case
        lines = err.strip().splitlines()
        assert len(lines) == 1, (case, err)
        assert (zh if lang == "zh" else en) in lines[0], (case, lines[0])
        if lang == "en":
            # English throughout, the user's own input aside
            shown = lines[0]
            for value in argv:
                shown = shown.replace(value, "")
            assert not HAN.search(shown), (case, lines[0])
        assert counts(street.path) == before, case
    assert not Path("/nonexistent-gongzhi").exists()  # no folder made for a typo


def test_the_limits_leave_good_input_alone(street) -> None:
    """The new checks refuse only the bad: a name, a past date and a due date in range pass."""
    before = counts(street.path)
    assert street("person", "add", "欧阳·娜娜", lang="zh")[0] == 0
    assert street(*NEW_REQUEST, "-d", "第一行\n第二行", "--at", "2026-03-03 08:00", lang="zh")[0] == 0
    code, out, err = street("request", "dispatch", REF, "--lead", "消防支队", "--due", "2026-03-20 18:00", lang="en")
    assert code == 0, err
    assert counts(street.path)["person"] == before["person"] + 1
