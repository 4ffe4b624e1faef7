"""``gongzhi micro …`` end to end on a real database: a list from requests to the
year-end verdict, listings as JSON, and one-line coded errors in zh and en that
write nothing."""

from __future__ import annotations

import json

import pytest
from docx import Document
from openpyxl import load_workbook

from gongzhi.core.models.requests import Request
from tests.plugins.micro_projects.conftest import row_counts


def ok(site, *args, lang=None) -> str:
    code, out, err = site.cli(*args, lang=lang)
    assert code == 0, (args, out, err)
    return out


def refs(site, street) -> list[str]:
    with site.db.read_session() as s:
        return [s.get(Request, r).ref for r in street.requests]


def test_a_year_through_the_command_line(site, street, tmp_path) -> None:
    r = refs(site, street)
    ok(site, "micro", "list-create", "荣雅园", "2026")
    out = ok(site, "micro", "from-request", "荣雅园", "2026", r[0], r[1], "--name", "荣雅园路灯增亮",
             "--content", "更换LED路灯", "--category", "facilities", "--deadline", "2026-06-30",
             "--budget", "4,200", "--org", "荣雅园社区居委会", "--person", "朱文东", "--place", "荣雅园")
    assert "WSS-2026-荣雅园-001" in out
    ok(site, "micro", "add", "荣雅园", "2026", "楼道照明", "--budget", "800")
    ok(site, "micro", "phase", "荣雅园", "2026", "reviewing")
    ok(site, "micro", "decide", "WSS-2026-荣雅园-001", "feasible")
    ok(site, "micro", "decide", "WSS-2026-荣雅园-002", "unfeasible", "--reason", "已纳入老旧小区改造")
    docx, xlsx = tmp_path / "公示.docx", tmp_path / "公示.xlsx"
    ok(site, "micro", "publicise", "荣雅园", "2026", "--days", "5", "--docx", str(docx), "--xlsx", str(xlsx),
       "--objection", "王芳=希望路灯选暖光")
    doc = Document(docx)
    assert doc.paragraphs[0].text == "荣雅园社区2026年民生微实事清单（公示）"
    assert doc.paragraphs[1].text.startswith("公示期：") and "至" in doc.paragraphs[1].text
    cells = [c.text for c in doc.tables[0].rows[1].cells]
    assert cells[:2] == ["WSS-2026-荣雅园-001", "荣雅园路灯增亮"] and cells[-1] == "4,200.00"
    assert len(doc.tables[0].rows) == 2  # the unfeasible one is not promised
    ws = load_workbook(xlsx).active
    assert ws["A1"].value == "荣雅园社区2026年民生微实事清单（公示）"
    assert [c.value for c in ws[4]][:2] == ["WSS-2026-荣雅园-001", "荣雅园路灯增亮"]
    ok(site, "micro", "publicise", "荣雅园", "2026", "--answer", "1=选用暖光灯具")
    ok(site, "micro", "phase", "荣雅园", "2026", "executing")
    ok(site, "micro", "allocate", "WSS-2026-荣雅园-001", "4200")
    ok(site, "micro", "progress", "WSS-2026-荣雅园-001", "60", "灯杆安装", "--photo", "p1.jpg")
    ok(site, "micro", "spend", "WSS-2026-荣雅园-001", "3,900.50", "灯具及安装")
    ok(site, "micro", "close", "WSS-2026-荣雅园-001", "--evidence", "完工.jpg", "--note", "居委会：已完成",
       "--on", "2026-06-20")
    shown = json.loads(ok(site, "micro", "show", "WSS-2026-荣雅园-001", "--json"))
    assert (shown["status"], shown["spent"], shown["allocated"]) == ("done", 390050, 420000)
    assert [q["status"] for q in shown["requests"]] == ["resolved", "resolved"]
    assert shown["milestones"][0]["photos"] == ["p1.jpg"]
    ok(site, "micro", "phase", "荣雅园", "2026", "evaluating")
    ratings = [f"--rating=代表{i}={'不满意' if i < 7 else '满意'}" for i in range(10)]
    out = ok(site, "micro", "evaluate", "WSS-2026-荣雅园-001", *ratings, "--decide", "--json")
    assert json.loads(out)["redo"] is False  # exactly 70 %: not redone
    listing = json.loads(ok(site, "micro", "list", "2026", "--json"))
    assert [(x["code"], x["status"]) for x in listing] == [("WSS-2026-荣雅园-001", "passed"),
                                                          ("WSS-2026-荣雅园-002", "rejected")]
    fund = json.loads(ok(site, "micro", "fund", "2026", "--json"))
    assert (fund["total"], fund["allocated"], fund["spent"]) == (100_000_00, 4200_00, 390050)
    report = tmp_path / "述职.docx"
    review = json.loads(ok(site, "micro", "review", "荣雅园", "2026", "--json"))
    assert (review["promised"], review["done_on_time"], review["redone"]) == (1, 1, 0)
    ok(site, "micro", "review", "荣雅园", "2026", "-o", str(report))
    text = "\n".join(c.text for t in Document(report).tables for row in t.rows for c in row.cells)
    assert "承诺项目\n1" in text and "满意率（满意＋基本满意）\n30.0%" in text
    lists = json.loads(ok(site, "micro", "lists", "2026", "--json"))
    assert [(x["community"], x["phase"]) for x in lists] == [("荣雅园社区", "evaluating")]


@pytest.mark.parametrize("lang,needle", [("zh", "超出"), ("en", "exceed")])
def test_errors_are_one_line_in_the_language_and_write_nothing(site, street, lang, needle) -> None:
    ok(site, "micro", "list-create", "荣雅园", "2026")
    ok(site, "micro", "add", "荣雅园", "2026", "座椅")
    ok(site, "micro", "phase", "荣雅园", "2026", "reviewing")
    ok(site, "micro", "decide", "1", "feasible")
    before = row_counts(site.db)
    code, out, err = site.cli("micro", "allocate", "1", "100001", lang=lang)
    assert code != 0 and needle in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    for args in (("micro", "allocate", "1", "-5"), ("micro", "phase", "荣雅园", "2026", "finished"),
                 ("micro", "show", "WSS-2099-无-001"), ("micro", "spend", "1", "1", "x"),
                 ("micro", "add", "荣雅园", "2026", "x", "--deadline", "2026-02-30")):
        code, out, err = site.cli(*args, lang=lang)
        assert code != 0 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (args, err)
    assert row_counts(site.db) == before
