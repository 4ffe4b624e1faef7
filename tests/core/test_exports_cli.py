"""``gongzhi export`` (the exports by name) and ``gongzhi --xlsx`` as a viewer (issue 15,
item 3; issue 17 audit, items 2 and 8): personal data reaches a workbook only for an
operator who holds ``export.personal`` and asks for it."""

from __future__ import annotations

import json

from docx import Document
from openpyxl import load_workbook

from tests.cli import test_operators_cli as ops
from tests.cli.test_operators_cli import _street

cli = ops.cli  # the fixture: a fresh SQLite file, GONGZHI_PASSWORD set


def cells(path) -> list[list]:
    return [list(r) for r in load_workbook(path).active.iter_rows(values_only=True)]


def _accounts(cli) -> None:
    _street(cli)
    assert cli("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
    assert cli("login", "boss")[0] == 0
    assert cli("operator", "add", "view", "只读", "--role", "viewer")[0] == 0
    code, out, err = cli("request", "create", "-t", "13812345678 来电：楼道灯不亮", "-c", "hotline_12345",
                         "--category", "lighting", "-p", "荣雅园", "--reporter", "1")
    assert code == 0, err


def test_a_viewer_s_xlsx_listing_holds_no_personal_data(cli, tmp_path):
    _accounts(cli)
    assert cli("login", "view")[0] == 0
    # the audit's case: names and full household addresses, from `person find`
    code, out, err = cli("--xlsx", str(tmp_path / "p.xlsx"), "person", "find", "张")
    assert code == 0, err
    rows = cells(tmp_path / "p.xlsx")
    assert rows[0] == ["id", "姓名", "性别", "出生年", "手机", "住址"]
    assert rows[1][1] == rows[1][4] == rows[1][5] == "（已隐去）"
    text = json.dumps(rows, ensure_ascii=False)
    assert "张晓明" not in text and "1-701" not in text and "5678" not in text
    code, out, err = cli("--xlsx", str(tmp_path / "p2.xlsx"), "person", "find", "张", "--json", lang="en")
    assert code == 0, err
    text = json.dumps(cells(tmp_path / "p2.xlsx"), ensure_ascii=False)
    assert "张晓明" not in text and "1-701" not in text and "(withheld)" in text
    # the request list: phone numbers in a title masked, the reporter withheld
    code, out, err = cli("--xlsx", str(tmp_path / "r.xlsx"), "request", "list", "--json")
    assert code == 0, err
    text = json.dumps(cells(tmp_path / "r.xlsx"), ensure_ascii=False)
    assert "13812345678" not in text and "138****5678 来电：楼道灯不亮" in text
    header = cells(tmp_path / "r.xlsx")[0]
    assert cells(tmp_path / "r.xlsx")[1][header.index("reporter_id")] == "（已隐去）"
    # a listing of things keeps its names
    code, out, err = cli("--xlsx", str(tmp_path / "t.xlsx"), "place", "tree", "--json")
    assert code == 0, err
    assert "荣雅园" in json.dumps(cells(tmp_path / "t.xlsx"), ensure_ascii=False)
    # asking for personal data does not help a viewer: refused, no file
    code, out, err = cli("--xlsx", str(tmp_path / "asked.xlsx"), "--personal", "person", "find", "张", lang="en")
    assert code == 1 and "may not" in err and not (tmp_path / "asked.xlsx").exists()


def test_a_street_admin_gets_personal_data_only_when_asking(cli, tmp_path):
    _accounts(cli)
    code, out, err = cli("--xlsx", str(tmp_path / "a.xlsx"), "person", "find", "张")
    assert code == 0 and "张晓明" not in json.dumps(cells(tmp_path / "a.xlsx"), ensure_ascii=False)
    code, out, err = cli("--xlsx", str(tmp_path / "b.xlsx"), "--personal", "person", "find", "张")
    assert code == 0, err
    assert cells(tmp_path / "b.xlsx")[1][1] == "张晓明"
    code, out, err = cli("--personal", "person", "find", "张")  # only about a workbook
    assert code == 1 and "--personal" in err


def test_the_export_group_names_every_export(cli, tmp_path):
    _accounts(cli)
    code, out, err = cli("export", "--help")
    assert code == 0
    for name in ("requests", "open311", "rates", "overdue"):
        assert name in out
    code, out, err = cli("export", "requests", "--help")
    assert code == 0 and "--json" in out and "--personal" in out
    code, out, err = cli("export", "requests", "-o", str(tmp_path / "r.xlsx"), "--json")
    data = json.loads(out)
    assert code == 0 and (data["export"], data["rows"], data["personal"]) == ("requests", 1, False)
    text = json.dumps(cells(tmp_path / "r.xlsx"), ensure_ascii=False)
    assert "张晓明" not in text and "138****5678" in text
    code, out, err = cli("export", "requests", "-o", str(tmp_path / "r.csv"), "--personal")
    assert code == 0 and "张晓明" in (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    code, out, err = cli("export", "open311", "-o", str(tmp_path / "o.json"), "--json")
    data = json.loads(out)
    assert code == 0 and data["rows"] == 1 and data["services"] >= 1
    doc = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert doc[0]["service_request_id"].startswith("QY-") and "13812345678" not in doc[0]["description"]
    code, out, err = cli("export", "rates", "-o", str(tmp_path / "rates.docx"), "--by", "community", "--json")
    assert code == 0, err
    assert json.loads(out)["rows"] == 1
    assert Document(str(tmp_path / "rates.docx")).paragraphs[0].text == "三率统计"
    code, out, err = cli("export", "overdue", "-o", str(tmp_path / "late.docx"))
    assert code == 0 and "超期" in out
    assert Document(str(tmp_path / "late.docx")).paragraphs[0].text == "超期诉求清单"
    # never overwritten; a wrong suffix or a missing folder refused before any work
    code, out, err = cli("export", "rates", "-o", str(tmp_path / "rates.docx"))
    assert code == 1 and "已存在" in err
    code, out, err = cli("export", "overdue", "-o", str(tmp_path / "late.xlsx"), lang="en")
    assert code == 1 and err.startswith("error: invalid --output")
    code, out, err = cli("export", "requests", "-o", str(tmp_path / "no" / "r.csv"))
    assert code == 1 and not (tmp_path / "no").exists()
    # a viewer may export, never with personal data
    assert cli("login", "view")[0] == 0
    code, out, err = cli("export", "requests", "-o", str(tmp_path / "v.csv"), "--personal")
    assert code == 1 and "无权" in err and not (tmp_path / "v.csv").exists()
