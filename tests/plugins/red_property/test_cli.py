"""``gongzhi property …`` in-process through core.cli.main, on a real SQLite file:
a meeting run from the shell (check-in with cross-appointed people, agenda from a
request, resolutions, close, addendum), the action board with ``--overdue``, an
action item that resolves its request, the minutes written once, the micro-service
log; every bad input one line in the user's language, with nothing written."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from docx import Document

from gongzhi.plugins.red_property import services as svc
from tests.plugins.red_property.conftest import PLUGIN, new_request, row_counts


@pytest.fixture
def site(gongzhi_site):
    """A site on a real SQLite file: the command line adds no database work of its own
    (the services under it are tested on PostgreSQL too), so once is enough here."""
    return gongzhi_site(plugins=[PLUGIN])


def _ok(site, *args, lang=None) -> str:
    code, out, err = site.cli(*args, lang=lang)
    assert code == 0, err
    return out


def _refused(site, *args, lang=None) -> str:
    """The command fails with one line on stderr and writes nothing."""
    before = row_counts(site.db)
    code, out, err = site.cli(*args, lang=lang)
    assert code == 1 and err.count("\n") == 1, (out, err)
    assert row_counts(site.db) == before
    return err


def test_a_meeting_run_from_the_shell(site, street, tmp_path):
    day = svc.today() - timedelta(days=20)
    held = f"{day.isoformat()} 09:00"
    ref_id = new_request(site.db, site_actor(), street.compound, title="3号楼电梯停运")
    other = new_request(site.db, site_actor(), street.compound, title="南门口车辆乱停", category="parking")
    with site.db.read_session() as s:
        from gongzhi.core.services.requests import get_request

        ref, other_ref = get_request(s, ref_id).ref, get_request(s, other).ref

    m = json.loads(_ok(site, "property", "meeting", "create", "荣雅园", "--at", held, "--chair", "王书记",
                       "--secretary", "李委员", "--location", "荣雅园物业办公室", "--json"))
    mid = str(m["id"])
    assert [b["name"] for b in m["bodies"]] == ["荣雅园社区党委", "荣雅园社区居委会", "荣雅园业主委员会", "荣雅园物业服务中心"]
    assert m["status"] == "draft" and m["chair"] == "王书记"
    q = json.loads(_ok(site, "property", "meeting", "quorum", mid, "--json"))
    assert (q["quorum_met"], q["quorum_needed"], q["headcount"]) == (False, 4, 0)

    # check-in: a cross-appointed person must say which body; each person once
    err = _refused(site, "property", "meeting", "check-in", mid, "王书记")
    assert "多个参会组织任职" in err and "--for" in err
    _ok(site, "property", "meeting", "check-in", mid, "王书记", "--for", "party")
    err = _refused(site, "property", "meeting", "check-in", mid, "王书记", "--for", "rc")
    assert "只计一次" in err
    err = _refused(site, "property", "meeting", "check-in", mid, "钱前任", "--for", "owners")
    assert "未在「荣雅园业主委员会」任职" in err
    _ok(site, "property", "meeting", "check-in", mid, "李委员")  # only on the residents' committee
    _ok(site, "property", "meeting", "check-in", mid, "赵主任", "--for", "业委会")
    out = _refused(site, "property", "meeting", "open", mid)
    assert "荣雅园物业服务中心" in out
    out = _ok(site, "property", "meeting", "check-in", mid, "孙经理")
    assert "代表「荣雅园物业服务中心」" in out and "4/4" in out
    out = _ok(site, "property", "meeting", "quorum", mid)
    assert "已到 4/4" in out and "可以开会" in out
    _ok(site, "property", "meeting", "open", mid)

    # the agenda: a property request from the area, and one by hand
    cands = json.loads(_ok(site, "property", "agenda", "candidates", mid, "--json"))
    assert {c["ref"] for c in cands} == {ref, other_ref}
    item = json.loads(_ok(site, "property", "agenda", "add", mid, "--request", ref, "--json"))
    assert item["title"] == "3号楼电梯停运" and item["seq"] == 1
    hand = json.loads(_ok(site, "property", "agenda", "add", mid, "加装充电桩", "--json"))
    _refused(site, "property", "agenda", "add", mid)  # neither a title nor a request
    _ok(site, "property", "agenda", "discussion", str(item["id"]), "物业称主板需更换")

    # resolutions: a responsible body and a deadline not before the meeting are required
    overdue_on, later = (day + timedelta(days=5)).isoformat(), (svc.today() + timedelta(days=30)).isoformat()
    err = _refused(site, "property", "resolution", "add", str(item["id"]), "更换电梯主板", "--deadline", overdue_on)
    assert "必须指定责任单位" in err
    err = _refused(site, "property", "resolution", "add", str(item["id"]), "更换电梯主板", "--body", "property",
                   "--deadline", (day - timedelta(days=1)).isoformat())
    assert "早于会议日期" in err
    err = _refused(site, "property", "resolution", "add", str(item["id"]), "更换电梯主板", "--body", "property",
                   "--deadline", overdue_on, "--vote", "owners=1,0")
    assert "--vote" in err
    r1 = json.loads(_ok(site, "property", "resolution", "add", str(item["id"]), "更换电梯主板", "--body", "property",
                        "--person", "孙经理", "--deadline", overdue_on, "--json"))
    r2 = json.loads(_ok(site, "property", "resolution", "add", str(hand["id"]), "东侧加装充电桩", "--body", "property",
                        "--deadline", later, "--vote", "party=1,0,0", "--vote", "rc=1,0,0", "--vote", "owners=0,0,1",
                        "--vote", "property=1,0,0", "--json"))
    assert r1["decided_by"] == "consensus" and r2["decided_by"] == "vote"
    a1, a2 = r1["action_item_ids"][0], r2["action_item_ids"][0]

    shown = json.loads(_ok(site, "property", "meeting", "show", mid, "--json"))
    assert [a["person"] for a in shown["attendance"]] == ["王书记", "李委员", "赵主任", "孙经理"]
    assert [i["request_ref"] for i in shown["agenda"]] == [ref, None]
    assert shown["resolution_list"][1]["votes"][2] == {"organisation_id": street.owners, "organisation": "荣雅园业主委员会",
                                                       "yes": 0, "no": 0, "abstain": 1}
    _ok(site, "property", "meeting", "close", mid)
    err = _refused(site, "property", "agenda", "add", mid, "补一个议题")
    assert "补记" in err
    _ok(site, "property", "meeting", "addendum", mid, "赵主任代表业委会出席", "--refers-to", "出席名单")
    label = f"{day.isoformat()} 荣雅园红色物业联席会议"
    out = _ok(site, "property", "meeting", "show", label)
    assert "已结束" in out and "补记" in out and "出席名单：赵主任代表业委会出席" in out
    listed = json.loads(_ok(site, "property", "meeting", "list", "--place", "荣雅园社区", "--json"))
    assert [x["id"] for x in listed] == [int(mid)] and listed[0]["status"] == "closed"

    # the action board: overdue first; --overdue keeps only those
    board = json.loads(_ok(site, "property", "actions", "--json"))
    assert [(a["id"], a["status"]) for a in board] == [(a1, "overdue"), (a2, "open")]
    assert board[0]["days_overdue"] == (svc.today() - day).days - 5 and board[0]["request_ref"] == ref
    assert [a["id"] for a in json.loads(_ok(site, "property", "actions", "--overdue", "--json"))] == [a1]
    assert json.loads(_ok(site, "property", "actions", "--place", "荣诚园", "--json")) == []
    _ok(site, "property", "action", "start", str(a1), "已订购主板")
    _ok(site, "property", "action", "progress", str(a1), "主板到货")
    err = _refused(site, "property", "action", "done", str(a1))
    assert "必须填写落实情况说明" in err
    _ok(site, "property", "action", "done", str(a1), "电梯主板已更换，恢复运行")
    request = json.loads(_ok(site, "request", "show", ref, "--json"))
    assert request["status"] == "resolved"
    assert any(label in (e["public_note"] or "") for e in request["timeline"])
    _refused(site, "property", "action", "drop", str(a2))  # a reason is required
    _ok(site, "property", "action", "drop", str(a2), "供电容量不足")
    detail = json.loads(_ok(site, "property", "action", "show", str(a1), "--json"))
    assert [n["to_status"] for n in detail["notes"]] == ["in_progress", None, "done"]
    assert [a["status"] for a in json.loads(_ok(site, "property", "actions", "--all", "--json"))] == ["done", "dropped"]

    # the minutes, written once
    path = tmp_path / "纪要.docx"
    out = _ok(site, "property", "minutes", mid, "--format", "docx", "-o", str(path))
    assert str(path) in out
    tables = Document(str(path)).tables
    assert [row.cells[0].text for row in tables[1].rows][1:] == ["荣雅园社区党委", "荣雅园社区居委会", "荣雅园业主委员会",
                                                                "荣雅园物业服务中心"]
    size = path.stat().st_size
    err = _refused(site, "property", "minutes", mid, "--format", "docx", "-o", str(path))
    assert "不会覆盖" in err and path.stat().st_size == size
    md = _ok(site, "property", "minutes", mid, "--format", "md")
    assert "## 四、会议决议" in md and "| 决议2 | 合计 | 3 | 0 | 1 |" in md
    _refused(site, "property", "minutes", mid, "--format", "pdf", "-o", str(tmp_path / "x.pdf"))
    assert not (tmp_path / "x.pdf").exists()
    # the month's minutes in one file; a bad or empty month refused
    month = day.strftime("%Y-%m")
    whole = tmp_path / "本月纪要.docx"
    assert str(whole) in _ok(site, "property", "month-minutes", month, "-o", str(whole))
    assert any(p.text == f"{label}纪要" for p in Document(str(whole)).paragraphs)
    assert "没有已结束的联席会议" in _refused(site, "property", "month-minutes", "2001-01", "-o", str(tmp_path / "a.docx"))
    assert "月份无效" in _refused(site, "property", "month-minutes", "2026-13", "-o", str(tmp_path / "b.docx"))
    assert not (tmp_path / "a.docx").exists() and not (tmp_path / "b.docx").exists()


def site_actor():
    from gongzhi.core.services import Actor

    return Actor("联席会议秘书")


def test_micro_services_from_the_shell(site, street):
    x = json.loads(_ok(site, "property", "service", "add", "吴大爷", "--kind", "free_repair", "-d", "卫生间水龙头漏水",
                       "--json"))
    assert (x["compound"], x["status"], x["kind_label"]) == ("荣雅园", "requested", "免费入户维修")
    err = _refused(site, "property", "service", "add", "王书记")
    assert "未登记住址" in err
    err = _refused(site, "property", "service", "add", "吴大爷", "--kind", "cleaning")
    assert "cleaning" in err
    sid = str(x["id"])
    _ok(site, "property", "service", "schedule", sid, f"{(svc.today() + timedelta(days=1)).isoformat()} 10:00")
    err = _refused(site, "property", "service", "done", sid)
    assert "服务人" in err
    _ok(site, "property", "service", "done", sid, "--by", "周师傅", "--by-org", "荣雅园物业服务中心", "--result", "已更换阀芯")
    _ok(site, "property", "service", "add", "吴大爷", "--kind", "shopping", "-d", "代买米面油")
    rows = json.loads(_ok(site, "property", "service", "list", "--json"))
    assert [(r["kind"], r["status"]) for r in rows] == [("shopping", "requested"), ("free_repair", "done")]
    assert rows[1]["done_by"] == "周师傅" and rows[1]["done_by_org"] == "荣雅园物业服务中心"
    assert [r["id"] for r in json.loads(_ok(site, "property", "service", "list", "--status", "done", "--json"))] == [
        int(sid)]
    month = svc.today().strftime("%Y-%m")
    counts = json.loads(_ok(site, "property", "service", "counts", "--month", month, "--json"))
    assert [(c["compound"], c["month"], c["kind"], c["requested"], c["done"]) for c in counts] == [
        ("荣雅园", month, "free_repair", 1, 1), ("荣雅园", month, "shopping", 1, 0)]
    out = _ok(site, "property", "service", "counts")
    assert "免费入户维修" in out and "代购代买" in out
    _refused(site, "property", "service", "counts", "--month", "2026-13")
    err = _refused(site, "property", "service", "counts", "--month", "2026-13", lang="en")
    assert "invalid month" in err
    suggested = json.loads(_ok(site, "property", "service", "suggest", "荣雅园", "--json"))
    assert [p["name"] for p in suggested] == ["吴大爷"]


def test_listings_when_empty_and_errors_in_english(site):
    assert "暂无联席会议" in _ok(site, "property", "meeting", "list")
    assert json.loads(_ok(site, "property", "meeting", "list", "--json")) == []
    assert "暂无落实事项" in _ok(site, "property", "actions")
    assert json.loads(_ok(site, "property", "actions", "--overdue", "--json")) == []
    assert "暂无微服务记录" in _ok(site, "property", "service", "list")
    code, _, err = site.cli("property", "meeting", "show", "404", lang="en")
    assert code == 1 and err.strip() == "error: joint meeting not found: 404"
    code, _, err = site.cli("property", "meeting", "show", "没有这个会议")
    assert code == 1 and err.strip() == "错误：找不到联席会议：没有这个会议"
    code, _, err = site.cli("property", "meeting", "create", "nowhere", "--at", "2026-03-05 14:30")
    assert code == 1 and "找不到地点" in err
