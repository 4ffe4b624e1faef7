"""``gongzhi deliberation …`` in-process through core.cli.main, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import zipfile

from gongzhi.core.services import Actor, categories, people, places, requests


def _ok(site, *args, lang=None):
    code, out, err = site.cli(*args, lang=lang)
    assert code == 0, err
    return out


def _street(site) -> str:
    actor = Actor("clerk")
    with site.db.session() as s:
        street = places.create_place(s, actor=actor, kind="street", name="青源街道")
        community = places.create_place(s, actor=actor, kind="community", name="荣诚园社区", parent_id=street.id)
        places.create_place(s, actor=actor, kind="compound", name="荣诚园", parent_id=community.id)
        categories.ensure_default_categories(s, actor=actor)
        cat = categories.find_category(s, "facilities")
        r = requests.create_request(s, actor=actor, channel="walk_in", type="suggestion", category_id=cat.id,
                                    title="晾晒衣物不便", place_id=community.id)
        for name in ("许玉生", "王勇", "任凯", "张强"):
            people.create_person(s, actor=actor, name=name)
        return r.ref


def test_a_consultation_from_the_command_line(site, tmp_path):
    ref = _street(site)
    out = _ok(site, "deliberation", "create", "荣诚园晾衣架", "--request", ref, "--place", "荣诚园",
              "--issue", "户型原因晾晒不便", "--json")
    c = json.loads(out)
    assert c["requests"] == [ref] and c["status"] == "draft"
    cid = str(c["id"])
    for name in ("许玉生", "王勇", "任凯", "张强"):
        _ok(site, "deliberation", "participant", "add", cid, "--person", name, "--role", "resident_rep", "--present")
    _ok(site, "deliberation", "participant", "add", cid, "--name", "施工方代表", "--role", "contractor")
    _ok(site, "deliberation", "participant", "add", cid, "--name", "网格员", "--role", "observer", "--present")
    _ok(site, "deliberation", "checkin", cid, "施工方代表")
    _ok(site, "deliberation", "checkin", cid, "张强", "--out")
    _ok(site, "deliberation", "participant", "proxy", cid, "任凯", "张强")
    for text in ("阳台外加装", "中心广场", "楼间空地"):
        _ok(site, "deliberation", "option", "add", cid, text)
    _ok(site, "deliberation", "option", "add", cid, "楼间光照充足处设6组", "--amends", "3")
    _ok(site, "deliberation", "option", "withdraw", cid, "1")
    _ok(site, "deliberation", "option", "merge", cid, "2", "--into", "4")
    _ok(site, "deliberation", "meeting", "add", cid, "--venue", "社区议事厅", "--others", "12", "--notes", "现场勘测")

    # a ranking round: ranks typed as the grid has them, for the options in ballot order (3, 4)
    rid = str(json.loads(_ok(site, "deliberation", "round", "open", cid, "--preset", "borda", "--meeting", "1",
                             "--json"))["number"])
    _ok(site, "deliberation", "vote", cid, rid, "许玉生", "--rank", "2,1")
    _ok(site, "deliberation", "vote", cid, rid, "王勇", "--rank", "1,2")
    out = _ok(site, "deliberation", "vote", cid, rid, "王勇", "--rank", "2,1")
    assert "取代" in out
    _ok(site, "deliberation", "vote", cid, rid, "任凯", "--rank", "1,-")
    _ok(site, "deliberation", "vote", cid, rid, "任凯", "--rank", "-,1", "--on-behalf", "张强")
    code, _, err = site.cli("deliberation", "vote", cid, rid, "施工方代表", "--rank", "1,3")
    assert code == 1 and err.count("\n") == 1 and "排序无效" in err  # a gap
    code, _, err = site.cli("deliberation", "vote", cid, rid, "网格员", "--rank", "1,2")
    assert code == 1 and "没有表决权" in err
    code, _, err = site.cli("deliberation", "vote", cid, rid, "施工方代表", "--rank", "1,1")
    assert code == 1 and "排序无效" in err
    code, _, err = site.cli("--lang", "en", "deliberation", "vote", cid, rid, "施工方代表", "y")
    assert code == 1 and "does not accept" in err
    out = _ok(site, "deliberation", "round", "show", cid, rid)
    assert "实时计票" in out
    out = _ok(site, "deliberation", "round", "close", cid, rid)
    assert "结果：通过" in out and "方案4" in out
    _ok(site, "deliberation", "publish", cid, rid)

    # the final round: consent of all residents, an objection needs a reason
    rid2 = str(json.loads(_ok(site, "deliberation", "round", "open", cid, "--preset", "consent_all_residents",
                              "--options", "4", "--json"))["number"])
    for name in ("许玉生", "王勇", "任凯"):
        _ok(site, "deliberation", "vote", cid, rid2, name, "y")
    _ok(site, "deliberation", "vote", cid, rid2, "任凯", "y", "--on-behalf", "张强")
    code, _, err = site.cli("deliberation", "vote", cid, rid2, "施工方代表", "o")
    assert code == 1 and "须说明理由" in err
    _ok(site, "deliberation", "vote", cid, rid2, "施工方代表", "o", "--reason", "工期紧")
    out = _ok(site, "deliberation", "round", "close", cid, rid2)
    assert "结果：通过" in out and "施工方代表" in out
    code, _, err = site.cli("deliberation", "vote", cid, rid2, "许玉生", "n")
    assert code == 1 and "不能投票" in err  # the round is closed
    _ok(site, "deliberation", "decide", cid, "安装6组公共晾衣架", "--round", rid2, "--review", "2027-03-01")

    shown = json.loads(_ok(site, "deliberation", "show", cid, "--json"))
    assert shown["status"] == "decided" and shown["outcome"]["decision"] == "安装6组公共晾衣架"
    assert [o["active"] for o in shown["options"]] == [False, False, True, True]
    assert [r["result"]["outcome"] for r in shown["rounds"]] == ["adopted", "adopted"]
    assert [c["id"] for c in json.loads(_ok(site, "deliberation", "list", "--json", "--status", "decided"))] == [c["id"]]
    out = _ok(site, "deliberation", "show", cid)
    assert "荣诚园晾衣架" in out and "并入方案 4" in out
    timeline = json.loads(_ok(site, "request", "show", ref, "--json"))
    notes = [e["public_note"] for e in timeline["timeline"] if e["kind"] == "note"]
    assert notes == ["提交居民议事厅协商：荣诚园晾衣架", "居民议事厅已作出决定：安装6组公共晾衣架"]

    # transparency: export, then recount from the file alone
    path = tmp_path / "round.json"
    out = _ok(site, "deliberation", "export-round", cid, rid2, "--json", "-o", str(path))
    assert path.exists()
    code, _, err = site.cli("deliberation", "export-round", cid, rid2, "--json", "-o", str(path))
    assert code == 1 and "不会覆盖" in err
    out = _ok(site, "deliberation", "tally", str(path))
    assert "与存档结果一致" in out and "施工方代表" in out
    recount = json.loads(_ok(site, "deliberation", "tally", str(path), "--json"))
    assert recount["matches"] is True and recount["result"]["outcome"] == "adopted"
    forged = json.loads(path.read_text(encoding="utf-8"))
    forged["ballots"][0]["choice"] = "object"
    forged["ballots"][0]["reason"] = "伪造"
    forged_path = tmp_path / "forged.json"
    forged_path.write_text(json.dumps(forged, ensure_ascii=False), encoding="utf-8")
    code, out, _ = site.cli("deliberation", "tally", str(forged_path))
    assert code == 1 and "不一致" in out
    code, out, _ = site.cli("deliberation", "tally", str(forged_path), lang="en")
    assert code == 1 and "does NOT match" in out

    # minutes
    md = _ok(site, "deliberation", "minutes", cid)
    for needle in ("居民议事厅会议纪要：荣诚园晾衣架", "出席：", "异议及理由", "施工方代表：工期紧（记录在案，不阻止）",
                   "改票：1 张", "决定", "复查日期：2027-03-01"):
        assert needle in md, needle
    docx_path = tmp_path / "minutes.docx"
    _ok(site, "deliberation", "minutes", cid, "--format", "docx", "-o", str(docx_path))
    with zipfile.ZipFile(docx_path) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "荣诚园晾衣架" in body and "工期紧" in body
    en = _ok(site, "deliberation", "minutes", cid, lang="en")
    assert "Residents' council minutes" in en and "Objections and their reasons" in en


def test_listing_and_errors_in_english(site):
    out = _ok(site, "deliberation", "list")
    assert "暂无协商事项" in out
    code, _, err = site.cli("deliberation", "show", "404", lang="en")
    assert code == 1 and err.strip() == "error: consultation not found: 404"
    code, _, err = site.cli("deliberation", "round", "open", "x", "--preset", "borda")
    assert code == 1 and "找不到协商事项" in err
    cid = str(json.loads(_ok(site, "deliberation", "create", "议题", "--json"))["id"])
    code, _, err = site.cli("deliberation", "round", "open", cid, "--preset", "borda", "--base", "YNA", lang="en")
    assert code == 1 and "does not fit" in err
    code, _, err = site.cli("deliberation", "round", "open", cid, "--preset", "nosuch")
    assert code == 1 and "没有名为「nosuch」的表决规则" in err
    code, _, err = site.cli("deliberation", "round", "open", cid, "--preset", "simple_majority", "--threshold", "3/2")
    assert code == 1 and "表决规则无效" in err
    code, _, err = site.cli("deliberation", "minutes", cid, "--format", "pdf")
    assert code == 1


def test_a_custom_rule_and_a_tie(site, tmp_path):
    cid = str(json.loads(_ok(site, "deliberation", "create", "议题", "--json"))["id"])
    for name in ("甲", "乙"):
        _ok(site, "deliberation", "participant", "add", cid, "--name", name, "--role", "resident_rep", "--present")
    _ok(site, "deliberation", "participant", "add", cid, "--name", "物业", "--role", "property_company", "--present")
    for text in ("方案甲", "方案乙", "方案丙"):
        _ok(site, "deliberation", "option", "add", cid, text)
    r = json.loads(_ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority",
                       "--per-group", "residents,property", "--title", "是否同意方案甲", "--options", "1", "--json"))
    assert r["rule"]["per_group"] == ["residents", "property"] and r["preset"] is None
    rid = str(r["number"])
    _ok(site, "deliberation", "vote", cid, rid, "甲", "y")
    _ok(site, "deliberation", "vote", cid, rid, "乙", "y")
    _ok(site, "deliberation", "vote", cid, rid, "物业", "n")
    out = _ok(site, "deliberation", "round", "close", cid, rid)
    assert "未通过" in out  # the property company's group did not pass
    # group labels as the roster shows them, not the codes
    assert "「物业」组须单独通过" in out and "以下分组未通过：物业" in out and "「property」" not in out
    out = _ok(site, "deliberation", "round", "show", cid, rid, lang="en")
    assert "group 'property company' must pass" in out and "but not in: property company" in out
    rid2 = str(json.loads(_ok(site, "deliberation", "round", "open", cid, "--preset", "plurality", "--hide-results",
                              "--secret", "--json"))["number"])
    _ok(site, "deliberation", "vote", cid, rid2, "甲", "--option", "1")
    _ok(site, "deliberation", "vote", cid, rid2, "乙", "--option", "2")
    out = _ok(site, "deliberation", "round", "show", cid, rid2)
    assert "计票前不显示结果" in out
    out = _ok(site, "deliberation", "round", "close", cid, rid2)
    assert "平局" in out
    rerun = _ok(site, "deliberation", "round", "rerun", cid, rid2)
    assert "第 3 轮" in rerun
    _ok(site, "deliberation", "round", "break-tie", cid, rid2, "--option", "2", "--method", "lot", "--note", "抽签")
    code, _, err = site.cli("deliberation", "decide", cid, "方案乙", "--round", rid2)
    assert code == 1 and "还在进行" in err  # the re-run round is still open
