"""The command line end to end, in-process through core.cli.main, on a real SQLite file
(and the PostgreSQL server for the --db path)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from gongzhi.core.cli import main
from gongzhi.core.db import Database
from gongzhi.core.models import CORE_TABLES
from gongzhi.core.models.audit import AuditLog


@pytest.fixture
def cli(tmp_path: Path, capsys):
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    (tmp_path / "cli.sqlite").touch()  # an existing (empty) file: a missing one is refused

    def run(*args: str, lang: str | None = None) -> tuple[int, str, str]:
        argv = ["--db", url] + (["--lang", lang] if lang else []) + list(args)
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    run.url = url  # type: ignore[attr-defined]
    return run


def _counts(url: str) -> dict[str, int]:
    db = Database(url)
    from sqlalchemy import table

    with db.read_session() as s:
        out = {t: s.scalar(select(func.count()).select_from(table(t))) for t in CORE_TABLES}
    db.dispose()
    return out


def _street(cli) -> None:
    for args in (
        ("place", "add", "street", "青源街道"),
        ("place", "add", "community", "荣雅园社区", "--parent", "青源街道"),
        ("place", "add", "compound", "荣雅园", "--parent", "荣雅园社区", "--housing-type", "public_rental"),
        ("place", "add", "building", "1号楼", "--parent", "青源街道/荣雅园社区/荣雅园"),
        ("place", "add", "micro_grid", "1号楼7-12层", "--parent", "1号楼", "--floors", "7-12"),
        ("place", "add", "household", "1-701", "--parent", "1号楼7-12层"),
        ("person", "add", "张晓明", "--phone", "13812345678", "--household", "1-701", "--birth-year", "1948"),
        ("org", "add", "department", "消防支队", "--place", "青源街道"),
        ("org", "add", "department", "城管执法队", "--place", "青源街道"),
        ("org", "add", "residents_committee", "荣雅园社区居委会", "--place", "荣雅园社区"),
    ):
        code, out, err = cli(*args)
        assert code == 0, (args, out, err)


def test_closed_loop_through_the_cli(cli):
    _street(cli)
    code, out, _ = cli("request", "create", "-t", "路灯昏暗", "-c", "bench_meeting", "--category", "lighting",
                       "-p", "荣雅园", "--reporter", "1", "--json")
    assert code == 0
    ref = json.loads(out)["ref"]
    assert ref.startswith("QY-") and ref.endswith("-000001")
    steps = [
        ("request", "transition", ref, "accepted", "-n", "已受理"),
        ("request", "dispatch", ref, "--whistle", "--lead", "消防支队", "--assist", "城管执法队"),
        ("request", "report-in", ref, "--org", "消防支队"),
        ("request", "transition", ref, "in_progress"),
        ("request", "transition", ref, "resolved", "-n", "已更换路灯"),
        ("request", "feedback", ref, "--satisfaction", "satisfied", "--resolved", "yes", "--close"),
    ]
    for step in steps:
        code, out, err = cli(*step)
        assert code == 0, (step, out, err)
    code, out, _ = cli("request", "show", ref, "--json")
    data = json.loads(out)
    assert data["status"] == "closed"
    assert [e["to"] for e in data["timeline"] if e["kind"] == "transition"] == [
        "accepted", "dispatched", "in_progress", "resolved", "closed"]
    assert {d["organisation"] for d in data["dispatches"]} == {"消防支队", "城管执法队"}
    assert all(d["whistle"] for d in data["dispatches"])
    assert data["feedback"][0]["satisfaction"] == "satisfied"
    code, out, _ = cli("stats", "rates", "--json")
    row = json.loads(out)["rows"][0]
    assert (row["label"], row["response_rate"], row["resolution_rate"], row["satisfaction_rate"]) == (
        "荣雅园社区", 1.0, 1.0, 1.0)


def test_listings_take_json_and_mask_phones(cli):
    _street(cli)
    code, out, _ = cli("person", "find", "zxm", "--json")
    assert code == 0
    people = json.loads(out)
    assert [p["name"] for p in people] == ["张晓明"]
    assert people[0]["phone"] == "138****5678"
    assert "13812345678" not in out
    code, out, _ = cli("person", "find", "5678")
    assert "张晓明" in out and "13812345678" not in out
    for args in (("place", "tree", "--json"), ("org", "list", "--json"), ("category", "list", "--json"),
                 ("request", "list", "--json"), ("stats", "rates", "--json")):
        code, out, err = cli(*args)
        assert code == 0, (args, err)
        json.loads(out)


def test_reveal_shows_the_number_and_is_audited(cli):
    _street(cli)
    code, out, _ = cli("person", "show", "1", "--json")
    assert json.loads(out)["phone"] == "138****5678"
    code, out, _ = cli("person", "show", "1", "--reveal", "--reason", "回访", "--json")
    assert json.loads(out)["phone"] == "13812345678"
    db = Database(cli.url)
    with db.read_session() as s:
        reveals = s.scalars(select(AuditLog).where(AuditLog.action == "person.reveal")).all()
    db.dispose()
    assert len(reveals) == 1 and reveals[0].after["reason"] == "回访"


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (("person", "add", "李四", "--phone", "12345"), "手机号「12345」无效", "invalid phone '12345'"),
        (("person", "add", "李四", "--id-number", "110101199001011234"), "身份证号", "invalid ID number"),
        (("request", "create", "-t", "x", "-c", "bogus", "--category", "lighting", "-p", "荣雅园"),
         "渠道的取值「bogus」无效", "invalid channel 'bogus'"),
        (("request", "create", "-t", "x", "-c", "patrol", "--category", "nope", "-p", "荣雅园"),
         "找不到诉求类别", "request category not found"),
        (("request", "create", "-t", "x", "-c", "patrol", "--category", "lighting", "-p", "不存在"),
         "找不到地点", "place not found"),
        (("request", "create", "-t", "x", "-c", "patrol", "--category", "lighting", "-p", "荣雅园",
          "-d", "长" * 4001), "不能超过 4000", "at most 4000"),
        (("request", "create", "-t", "x", "-c", "patrol", "--category", "lighting", "-p", "荣雅园",
          "--attach", "/nonexistent/photo.jpg"), "附件文件不存在", "attachment file not found"),
        (("place", "delete", "荣雅园"), "下级地点", "child places"),
        (("place", "add", "household", "x", "--parent", "青源街道"), "不能放在", "cannot be placed"),
        (("stats", "rates", "--period", "2026-13"), "统计区间无效", "invalid period"),
        (("request", "show", "QY-2099-999999"), "找不到诉求", "request not found"),
    ],
)
def test_bad_input_is_one_line_in_the_users_language_and_writes_nothing(cli, args, zh, en):
    _street(cli)
    before = _counts(cli.url)
    code, out, err = cli(*args)
    assert code == 1
    assert zh in err and err.count("\n") == 1 and "Traceback" not in err
    code, out, err = cli(*args, lang="en")
    assert code == 1 and en in err and err.startswith("error: ")
    assert _counts(cli.url) == before


def test_illegal_transition_is_refused(cli):
    _street(cli)
    code, out, _ = cli("request", "create", "-t", "路灯", "-c", "patrol", "--category", "lighting", "-p", "荣雅园",
                       "--json")
    ref = json.loads(out)["ref"]
    before = _counts(cli.url)
    code, _, err = cli("request", "transition", ref, "closed")
    assert code == 1 and "不能从「已登记」变为「已归档」" in err
    code, _, err = cli("request", "feedback", ref, "--satisfaction", "satisfied")
    assert code == 1 and "尚未办结" in err
    assert _counts(cli.url) == before


def test_db_commands(cli, tmp_path):
    _street(cli)
    code, out, _ = cli("db", "check", "--json")
    assert code == 0 and json.loads(out)["ok"] is True
    target = tmp_path / "copy.sqlite"
    code, out, _ = cli("db", "backup", "-o", str(target))
    assert code == 0 and target.exists()
    copy = Database(f"sqlite:///{target}")
    with copy.read_session() as s:
        from gongzhi.core.models.people import Person

        assert s.scalar(select(Person.name)) == "张晓明"
    copy.dispose()
    code, _, err = cli("db", "backup", "-o", str(target))
    assert code == 1 and "不会覆盖" in err


def test_db_check_fails_on_an_unmigrated_database(tmp_path, capsys):
    (tmp_path / "empty.sqlite").touch()
    code = main(["--db", f"sqlite:///{tmp_path / 'empty.sqlite'}", "db", "check"])
    assert code == 1
    assert "不一致" in capsys.readouterr().err


def test_postgres_url_is_accepted(pg_db, capsys):
    code = main(["--db", pg_db.url, "place", "add", "street", "青源街道"])
    captured = capsys.readouterr()
    assert code == 0, captured
    code = main(["--db", pg_db.url, "place", "tree", "--json"])
    assert code == 0
    assert json.loads(capsys.readouterr().out)[0]["name"] == "青源街道"


def test_console_script_is_installed_and_runs(tmp_path):
    exe = Path(sys.executable).with_name("gongzhi")
    assert exe.exists(), "the gongzhi console script is not installed"
    (tmp_path / "x.sqlite").touch()
    result = subprocess.run([str(exe), "--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "--lang", "en", "person",
                             "add", "x", "--phone", "1"], capture_output=True, text=True, check=False)
    assert result.returncode == 1
    assert result.stderr.strip().startswith("error: invalid phone")


def test_attachments_added_later_all_or_none(cli, tmp_path):
    _street(cli)
    code, out, _ = cli("request", "create", "-t", "楼道漏水", "-c", "patrol", "--category", "lighting", "-p", "荣雅园",
                       "--json")
    ref = json.loads(out)["ref"]
    photo = tmp_path / "漏水照片.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    receipt = tmp_path / "维修回执.pdf"
    receipt.write_bytes(b"%PDF-1.4")
    before = _counts(cli.url)
    code, _, err = cli("request", "attach", ref, str(photo), str(tmp_path / "missing.jpg"))
    assert code == 1 and "附件文件不存在" in err
    assert _counts(cli.url) == before  # the good file was not kept either
    code, out, err = cli("request", "attach", ref, str(photo), str(receipt))
    assert code == 0, err
    assert "漏水照片.jpg" in out and "维修回执.pdf" in out
    code, out, _ = cli("request", "show", ref, "--json")
    shown = json.loads(out)
    assert [a["filename"] for a in shown["attachments"]] == ["漏水照片.jpg", "维修回执.pdf"]
    assert any(e["kind"] == "attachment" for e in shown["timeline"])


@pytest.mark.parametrize(
    ("args", "zh", "en"),
    [
        (("request", "create"), "缺少选项 '--title' / '-t'", "Missing option '--title' / '-t'"),
        (("request", "list", "--bogus"), "没有选项 --bogus", "No such option: --bogus"),
        (("request", "list", "--status"), "选项 --status 后面需要跟一个值", "requires an argument"),
        (("request", "list", "--limit", "abc"), "'--limit' 的取值无效：应为整数", "Invalid value for '--limit'"),
        (("request", "nosuch"), "没有命令「nosuch」", "No such command 'nosuch'"),
        (("reqest", "list"), "没有命令「reqest」（是否要用「request」？", "No such command 'reqest'"),
        (("request", "show", "a", "b"), "多余的参数：b", "unexpected extra argument"),
        (("request", "attach", "QY-1", "/no/such/file.jpg", "--bogus"), "没有选项 --bogus", "No such option"),
    ],
)
def test_usage_errors_speak_the_users_language(cli, args, zh, en):
    code, out, err = cli(*args)
    assert code == 2 and zh in err and err.startswith("用法错误：") and err.count("\n") == 1
    assert en.split("'")[0].strip() not in err  # no English wording left in the Chinese line
    code, out, err = cli(*args, lang="en")
    assert code == 2 and en in err and err.startswith("usage error: ")


def test_an_impossible_date_is_called_impossible_not_badly_written():
    from gongzhi.core.cli.context import parse_date
    from gongzhi.core.errors import DomainError

    for text, code in (("2026-02-30", "input.impossible_date"), ("2026-13-01", "input.impossible_date"),
                       ("2026/02/30", "input.invalid_date"), ("下周一", "input.invalid_date")):
        with pytest.raises(DomainError) as caught:
            parse_date(text)
        assert caught.value.code == code, text
    assert "没有这一天" in DomainError("input.impossible_date", value="2026-02-30").message("zh")
    assert "does not exist" in DomainError("input.impossible_date", value="2026-02-30").message("en")


def test_import_requests_dry_run_then_commit(cli, tmp_path):
    """``gongzhi import requests``: the dry run names every bad row in the chosen
    language and writes nothing; the commit imports; a re-import adds nothing."""
    _street(cli)  # a new database starts with the default categories, 照明设施 among them
    rows = [
        ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "来电号码"],
        ["202603050001", "2026/3/5 9:30", "照明设施", "路灯不亮", "荣雅园1号楼", "13812345678"],
        ["2.02603E+11", "2026年3月5日 9时30分", "照明设施", "路灯不亮", "荣雅园", ""],
    ]
    path = tmp_path / "12345.csv"
    path.write_bytes("\n".join(",".join(r) for r in rows).encode("gbk"))
    before = _counts(cli.url)
    code, out, err = cli("import", "requests", str(path), "--dry-run", lang="en")
    assert code == 1
    assert "2.02603E+11" in out and "dry run: nothing was written" in out
    assert _counts(cli.url) == before
    code, out, err = cli("import", "requests", str(path), "--profile", "12345")
    assert code == 1 and "1 行有错误，未写入任何数据" in err
    assert _counts(cli.url) == before
    code, out, err = cli("import", "requests", str(path), "--valid-only", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["created"], data["profile"], data["encoding"]) == (1, "12345", "gb18030")
    assert [(e["row"], e["code"]) for e in data["errors"]] == [(3, "import.scientific_ticket")]
    assert Path(data["error_file"]) == tmp_path / "12345.rejected.xlsx"
    code, out, err = cli("import", "requests", str(path), "--valid-only", "--json")
    data = json.loads(out)
    assert (data["created"], data["unchanged"]) == (0, 1)
    assert Path(data["error_file"]) == tmp_path / "12345.rejected-2.xlsx"


def test_import_people_register(cli, tmp_path):
    _street(cli)
    path = tmp_path / "花名册.csv"
    path.write_text("姓名,性别,联系电话,住址\n王芳,女,13911112222,荣雅园1号楼1号楼7-12层1-701\n"
                    "李雷,男,1391111,荣雅园\n", encoding="utf-8-sig")
    before = _counts(cli.url)
    code, out, err = cli("import", "people", str(path))
    assert code == 1 and _counts(cli.url) == before
    code, out, err = cli("import", "people", str(path), "--dry-run", "--json", lang="en")
    assert code == 1
    assert [(e["row"], e["column"], e["reason"]) for e in json.loads(out)["errors"]] == [
        (3, "联系电话", "invalid phone '1391111': expected an 11-digit mainland mobile number (1, then 3-9)"),
        (3, "住址", "the home must be a household; '荣雅园' is not"),
    ]
    code, out, err = cli("import", "people", str(path), "--valid-only", lang="en")
    assert code == 0, err
    assert "imported: 1 created, 0 updated, 0 unchanged" in out and "rejected rows written to" in out
    assert _counts(cli.url)["person"] == before["person"] + 1


def test_any_listing_goes_to_an_xlsx_workbook_with_xlsx(cli, tmp_path):
    from openpyxl import load_workbook

    assert cli("db", "upgrade", "--create")[0] == 0
    target = tmp_path / "categories.xlsx"
    code, out, err = cli("--xlsx", str(target), "category", "list", "--json")
    assert code == 0, err
    assert f"已写入 {target}" in out and "[" not in out.splitlines()[0]
    ws = load_workbook(target).active
    rows = list(ws.values)
    assert "code" in rows[0] and len(rows) > 5 and ws.freeze_panes == "A2"
    table_target = tmp_path / "rates.xlsx"  # a listing printed as a table goes the same way
    code, out, err = cli("--xlsx", str(table_target), "stats", "rates")
    assert code == 0, err
    assert list(load_workbook(table_target).active.values)[0][:2] == ("分组", "受理")
    code, _out, err = cli("--xlsx", str(target), "category", "list")  # never overwritten
    assert code == 1 and "已存在" in err
    code, _out, err = cli("--xlsx", str(tmp_path / "x.csv"), "category", "list")
    assert code == 1
    code, _out, err = cli("--xlsx", str(tmp_path / "no" / "x.xlsx"), "category", "list", lang="en")
    assert code == 1 and "the folder" in err and "does not exist" in err  # in the chosen language
