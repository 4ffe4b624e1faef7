"""Regression tests for the defects of issue 16, through the real CLI on SQLite and PostgreSQL:
rounds addressed by consultation + visible number, inputs refused at the door, duplicate
ballots, check-outs that drop ballots, tamper evidence."""

from __future__ import annotations

import json
import re

from sqlalchemy import select, text

from tests.plugins.deliberation.conftest import row_counts


def _ok(site, *args, lang=None):
    code, out, err = site.cli(*args, lang=lang)
    assert code == 0, err
    return out


def _consultation(site, title: str, voters=("甲", "乙", "丙", "丁")) -> str:
    cid = str(json.loads(_ok(site, "deliberation", "create", title, "--json"))["id"])
    for name in voters:
        _ok(site, "deliberation", "participant", "add", cid, "--name", name, "--role", "resident_rep", "--present")
    _ok(site, "deliberation", "option", "add", cid, "方案一")
    return cid


def test_decimal_threshold_and_quorum_are_refused(site):
    cid = _consultation(site, "小数")
    before = row_counts(site.db)
    code, _, err = site.cli("deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1", "--threshold", "0.66")
    assert code == 1 and "表决规则无效" in err and "0.66" in err
    code, _, err = site.cli("deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1", "--quorum", "0.5",
                            lang="en")
    assert code == 1 and "invalid voting rule" in err and "0.5" in err
    assert row_counts(site.db) == before
    r = json.loads(_ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1", "--threshold", "2/3",
                       "--json"))
    assert r["rule"]["threshold"] == "2/3"


def test_unknown_group_is_refused_when_the_round_opens(site):
    cid = _consultation(site, "分组")
    before = row_counts(site.db)
    code, _, err = site.cli("deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1",
                            "--per-group", "residnts")
    assert code == 1 and "residnts" in err and "居民" in err  # the groups there are, by their labels
    code, _, err = site.cli("deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1",
                            "--per-group", "residnts", lang="en")
    assert code == 1 and "residents" in err
    assert row_counts(site.db) == before
    _ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1", "--per-group", "residents")


def test_a_ballot_goes_only_where_the_facilitator_sees_it_going(site):
    a = _consultation(site, "协商甲")
    b = _consultation(site, "协商乙")
    # 协商乙: round 1 closed, round 2 open; 协商甲: round 1 open
    b1 = json.loads(_ok(site, "deliberation", "round", "open", b, "--preset", "simple_majority", "--options", "1", "--json"))
    _ok(site, "deliberation", "round", "close", b, "1")
    a1 = json.loads(_ok(site, "deliberation", "round", "open", a, "--preset", "simple_majority", "--options", "1", "--json"))
    b2 = json.loads(_ok(site, "deliberation", "round", "open", b, "--preset", "simple_majority", "--options", "1", "--json"))
    assert (b1["number"], a1["number"], b2["number"]) == (1, 1, 2)
    assert b2["id"] != 2  # the global id of 协商乙's round 2 is not 2: typing "2" must still mean round 2
    out = _ok(site, "deliberation", "vote", b, "2", "甲", "y")
    assert "第 2 轮" in out
    shown = json.loads(_ok(site, "deliberation", "round", "show", b, "2", "--json"))
    assert shown["id"] == b2["id"] and shown["ballots"] == 1
    assert json.loads(_ok(site, "deliberation", "round", "show", a, "1", "--json"))["ballots"] == 0
    # round 1 of 协商乙 is closed and round 2 is the one receiving: refused, and says so
    before = row_counts(site.db)
    code, _, err = site.cli("deliberation", "vote", b, "1", "乙", "y")
    assert code == 1 and "不是「协商乙」当前进行中的轮次" in err and "当前：2" in err
    # a bare global id is not a round number here
    code, _, err = site.cli("deliberation", "vote", a, str(b2["id"]), "乙", "y", lang="en")
    assert code == 1 and "round not found" in err
    assert row_counts(site.db) == before
    _ok(site, "deliberation", "vote", a, "R1", "乙", "n")
    assert json.loads(_ok(site, "deliberation", "round", "show", a, "第1轮", "--json"))["ballots"] == 1


def test_the_same_ballot_twice_is_reported_unchanged(site):
    cid = _consultation(site, "重复")
    _ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1")
    _ok(site, "deliberation", "vote", cid, "1", "甲", "y")
    before = row_counts(site.db)
    out = _ok(site, "deliberation", "vote", cid, "1", "甲", "y")
    assert "未作改动" in out and "取代" not in out
    assert row_counts(site.db) == before
    data = json.loads(_ok(site, "deliberation", "vote", cid, "1", "甲", "yes", "--json"))
    assert data["unchanged"] is True and data["seq"] == 1
    out = _ok(site, "deliberation", "vote", cid, "1", "甲", "n", lang="en")
    assert "superseding" in out


def test_a_check_out_that_drops_ballots_asks_first(site):
    cid = _consultation(site, "离场")
    _ok(site, "deliberation", "participant", "proxy", cid, "乙", "丁")
    _ok(site, "deliberation", "checkin", cid, "丁", "--out")  # no ballot yet: nothing to warn about
    _ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1")
    _ok(site, "deliberation", "vote", cid, "1", "甲", "y")
    _ok(site, "deliberation", "vote", cid, "1", "乙", "y", "--on-behalf", "丁")
    before = row_counts(site.db)
    code, _, err = site.cli("deliberation", "checkin", cid, "甲", "--out")
    assert code == 1 and "甲" in err and "1 张选票" in err and "--yes" in err
    code, _, err = site.cli("deliberation", "checkin", cid, "乙", "--out", lang="en")
    assert code == 1 and "1 proxy vote" in err
    assert row_counts(site.db) == before
    _ok(site, "deliberation", "checkin", cid, "甲", "--out", "--yes")
    shown = json.loads(_ok(site, "deliberation", "show", cid, "--json"))
    assert [p["present"] for p in shown["participants"] if p["name"] == "甲"] == [False]
    _ok(site, "deliberation", "checkin", cid, "乙", "--out", "--yes")
    # the explanation names the people whose ballots were dropped, never their ids
    out = _ok(site, "deliberation", "round", "close", cid, "1")
    assert "参与者 甲 未到场" in out and "乙 不能代 丁 投票" in out
    assert not re.search(r"\d+ 不能代|参与者 \d", out)
    out = _ok(site, "deliberation", "round", "show", cid, "1", lang="en")
    assert "乙 cannot vote for 丁" in out


def test_quorum_line_and_docx_without_output(site):
    cid = _consultation(site, "法定人数")
    _ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1", "--quorum", "1/2")
    for name in ("甲", "乙"):
        _ok(site, "deliberation", "vote", cid, "1", name, "y")
    out = _ok(site, "deliberation", "round", "close", cid, "1")
    assert "的 1/2 = 2：达到" in out and "/1" not in out
    code, _, err = site.cli("deliberation", "minutes", cid, "--format", "docx")
    assert code == 1 and "-o" in err and "不能为空" not in err
    code, _, err = site.cli("deliberation", "minutes", cid, "--format", "docx", lang="en")
    assert code == 1 and "Word minutes go to a file" in err


def test_a_hand_reset_round_ends_in_a_coded_error(site):
    cid = _consultation(site, "重置")
    r = json.loads(_ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1", "--json"))
    _ok(site, "deliberation", "vote", cid, "1", "甲", "y")
    _ok(site, "deliberation", "round", "close", cid, "1")
    with site.db.engine.begin() as conn:
        conn.execute(text("UPDATE delib_round SET state = 'open' WHERE id = :id"), {"id": r["id"]})
    code, _, err = site.cli("deliberation", "round", "close", cid, "1")
    assert code == 1 and "已有计票结果" in err and "UNIQUE" not in err.upper() and err.count("\n") == 1


def test_export_flags_a_hand_inserted_ballot(site, tmp_path):
    from gongzhi.plugins.deliberation.models import Ballot

    cid = _consultation(site, "插票")
    r = json.loads(_ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1", "--json"))
    _ok(site, "deliberation", "vote", cid, "1", "甲", "y")
    _ok(site, "deliberation", "vote", cid, "1", "甲", "n")
    _ok(site, "deliberation", "round", "close", cid, "1")
    clean = json.loads(_ok(site, "deliberation", "export-round", cid, "1"))
    assert clean["out_of_sequence"] == []
    with site.db.session() as s:  # written to the table directly, as someone with the database would
        first = s.scalars(select(Ballot).where(Ballot.round_id == r["id"]).order_by(Ballot.id)).first()
        row = Ballot(round_id=r["id"], participant_id=first.participant_id + 1, voter_key=f"p{first.participant_id + 1}x",
                     seq=1, choice="yes", reason="", ranking=[], approvals=[], recorded_by="手工")
        s.add(row)
        s.commit()
        forged_id = row.id
    data = json.loads(_ok(site, "deliberation", "export-round", cid, "1"))
    assert [b["id"] for b in data["out_of_sequence"]] == [forged_id]
    assert "no_audit" in data["out_of_sequence"][0]["problems"]
    assert "after_close" in data["out_of_sequence"][0]["problems"]
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = site.cli("deliberation", "tally", str(path))
    assert code == 2  # the count matches, but the file is not what gongzhi recorded
    warning = next(line for line in out.splitlines() if "不属于记录序列" in line)
    assert "乙" in warning and str(forged_id) not in warning  # the voter it claims, not a row id
