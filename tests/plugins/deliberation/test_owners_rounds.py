"""Owners' decisions (Civil Code art. 278) as a round kind inside a consultation: the owners'
register is the roster snapshot's units and areas; the four figures with their explanation
in ``round show``, the minutes (quoting the article) and the round file; at the 2/3 and 3/4
boundaries, area against head count, co-owners and absent owners — through the round, on
SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.rules import Ballot, Rule, Voter, check_rule, tally


def _consultation(site, actor, owners: list[list[tuple[str, str]]], *, category: str, title: str = "3号楼加装电梯"):
    """One participant per entry of ``owners`` (their units), all present, a motion and an open owners' round."""
    from gongzhi.plugins.deliberation import services as svc

    with site.db.session() as s:
        c = svc.create_consultation(s, actor=actor, title=title)
        ids = [svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", name=f"业主{i + 1}",
                                   present=True, units=units).id for i, units in enumerate(owners)]
        clerk = svc.add_participant(s, actor=actor, consultation_id=c.id, role="party_rep", name="社区书记",
                                    present=True).id
        o = svc.add_option(s, actor=actor, consultation_id=c.id, text="3号楼加装电梯一部")
        r = svc.open_round(s, actor=actor, consultation_id=c.id, rule=svc.make_rule(kind="owners", category=category),
                           option_ids=[o.id])
        return c.id, r.id, r.number, ids, clerk


def _vote(site, actor, round_id, ids, choices):
    from gongzhi.plugins.deliberation import services as svc

    with site.db.session() as s:
        for pid, choice in zip(ids, choices, strict=False):
            if choice:
                svc.record_ballot(s, actor=actor, round_id=round_id, participant_id=pid, choice=choice)


def _close(site, actor, round_id):
    from gongzhi.plugins.deliberation import services as svc

    with site.db.session() as s:
        res = svc.close_round(s, actor=actor, round_id=round_id)
        return res.outcome, {f["name"]: f for f in res.totals["owners"]["figures"]}


TWELVE = [[(f"3-{101 + i}", "10")] for i in range(12)]  # 12 owners, 10 m² each: 120 m²


@pytest.mark.parametrize(("category", "choices", "outcome"), [
    # major (加装电梯): 8 of 12 take part = exactly 2/3 of owners and of area; 6 of 8 = exactly 3/4 agree
    ("elevator", ["yes"] * 6 + ["no"] * 2, "adopted"),
    ("elevator", ["yes"] * 5 + ["no"] * 3, "rejected"),  # 5/8 < 3/4
    ("elevator", ["yes"] * 5 + ["no", "abstain", "abstain"], "rejected"),  # an abstention takes part, does not agree
    ("elevator", ["yes"] * 7, "no_quorum"),  # 7/12 < 2/3: no decision, whatever the votes
    # ordinary (选聘物业): more than half of those taking part; exactly half is not
    ("manager", ["yes"] * 4 + ["no"] * 4, "rejected"),
    ("manager", ["yes"] * 5 + ["no"] * 3, "adopted"),
])
def test_art_278_at_its_boundaries_through_a_round(site, actor, category, choices, outcome):
    _cid, rid, _n, ids, _clerk = _consultation(site, actor, TWELVE, category=category)
    _vote(site, actor, rid, ids, choices)
    got, figures = _close(site, actor, rid)
    assert got == outcome
    taking_part = len(choices)
    assert figures["participating_owners"]["part"] == f"{taking_part}/1"
    assert figures["participating_owners"]["whole"] == "12/1"
    assert figures["participating_area"]["part"] == f"{10 * taking_part}/1"
    assert figures["participating_area"]["whole"] == "120/1"
    assert figures["participating_owners"]["met"] is (taking_part * 3 >= 2 * 12)
    yes = choices.count("yes")
    assert figures["approving_owners"]["part"] == f"{yes}/1"
    assert figures["approving_owners"]["comparator"] == (">=" if category == "elevator" else ">")
    assert figures["approving_owners"]["required"] == ("3/4" if category == "elevator" else "1/2")


def test_area_and_head_count_can_disagree(site, actor):
    # one owner of a 100 m² unit and eleven of 10 m²: 210 m², 12 owners
    owners = [[("1-101", "100")], *[[(f"1-{102 + i}", "10")] for i in range(11)]]
    _cid, rid, _n, ids, _clerk = _consultation(site, actor, owners, category="elevator")
    # the big owner says no, seven others take part and six agree: 6/8 of the owners agree (3/4, met),
    # but only 60 of the 170 m² taking part (not 3/4): rejected on area alone
    _vote(site, actor, rid, ids, ["no", "yes", "yes", "yes", "yes", "yes", "yes", "no"])
    outcome, figures = _close(site, actor, rid)
    assert outcome == "rejected"
    assert figures["participating_area"]["part"] == "170/1" and figures["participating_area"]["met"]
    assert figures["approving_owners"]["share"] == "3/4" and figures["approving_owners"]["met"]
    assert figures["approving_area"]["share"] == "6/17" and not figures["approving_area"]["met"]


def test_co_owners_count_once_and_one_owner_of_two_units_once(site, actor):
    # 业主1 and 业主2 co-own 2-101; 业主3 owns 2-102 and 2-103; 业主4 … 业主6 one unit each
    owners = [[("2-101", "90")], [("2-101", "90")], [("2-102", "60"), ("2-103", "60")],
              [("2-104", "60")], [("2-105", "60")], [("2-106", "60")]]
    _cid, rid, _n, ids, _clerk = _consultation(site, actor, owners, category="manager")
    # the co-owners disagree: their unit takes part but does not agree
    _vote(site, actor, rid, ids, ["yes", "no", "yes", "yes"])
    outcome, figures = _close(site, actor, rid)
    assert figures["participating_owners"]["whole"] == "5/1"  # 5 owners, not 6 people or 6 units
    assert figures["participating_area"]["whole"] == "390/1"
    assert figures["participating_owners"]["part"] == "3/1" and figures["participating_area"]["part"] == "270/1"
    assert figures["approving_owners"]["part"] == "2/1" and figures["approving_area"]["part"] == "180/1"
    assert outcome == "no_quorum"  # 3/5 < 2/3 of the owners, though 270/390 > 2/3 of the area
    with site.db.read_session() as s:
        from gongzhi.plugins.deliberation import services as svc

        lines = [x["zh"] for x in svc.result_of(s, rid).explanation]
    assert any("意见不一致，计为参与表决但不计入同意" in x for x in lines)


def test_show_minutes_and_file_name_the_article_and_the_figures(site, actor, tmp_path):
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.export import tally_round_file
    from gongzhi.plugins.deliberation.minutes import build_minutes, to_markdown

    cid, rid, number, ids, clerk = _consultation(site, actor, TWELVE, category="elevator")
    with site.db.session() as s:  # someone without a unit is no owner: refused, nothing written
        with pytest.raises(DomainError) as e:
            svc.record_ballot(s, actor=actor, round_id=rid, participant_id=clerk, choice="yes")
        assert e.value.code == "delib.not_an_owner" and "社区书记" in e.value.message("zh")
        assert svc.current_ballots(s, rid) == []
    code, out, err = site.cli("deliberation", "vote", str(cid), str(number), "业主1", "o", "--reason", "噪音")
    assert code == 1  # an objection is not an owners' choice
    for i in range(8):
        code, out, err = site.cli("deliberation", "vote", str(cid), str(number), f"业主{i + 1}", "y" if i < 6 else "n")
        assert code == 0, err
    code, out, err = site.cli("deliberation", "round", "close", str(cid), str(number))
    assert code == 0, err
    assert "结果：通过" in out and "第二百七十八条第一款第（七）项" in out
    assert "参与表决的专有部分面积：80 平方米 / 120 平方米 = 2/3，须不少于 2/3：达到" in out
    assert "同意的业主人数（占参与表决人数）：6 人 / 8 人 = 3/4，须不少于 3/4：达到" in out
    code, out, err = site.cli("deliberation", "round", "show", str(cid), str(number), lang="en")
    assert code == 0, err
    assert "Civil Code art. 278 para. 1 item (7) and para. 2" in out and "owners taking part: 8 / 12 = 2/3" in out
    with site.db.read_session() as s:
        md = to_markdown(build_minutes(s, cid))
        data = svc.round_file(s, round_id=rid)
    assert "依据：《民法典》第二百七十八条第一款第（七）项、第二款" in md
    assert "| 参与表决的业主人数 | 8 / 12 | 2/3 | ≥ 2/3 | 达到 |" in md
    assert data["rule"]["category"] == "elevator"
    owner = next(v for v in data["voters"] if v.get("name") == "业主1")
    assert owner["units"] == [["3-101", "10"]]
    assert tally_round_file(json.loads(json.dumps(data))).matches is True


def test_the_participants_units_from_the_command_line(site, actor):
    cid = json.loads(site.cli("deliberation", "create", "荣诚园业主大会", "--json")[1])["id"]
    code, out, err = site.cli("deliberation", "participant", "add", str(cid), "--name", "张三", "--role",
                              "resident_rep", "--unit", "1-101:89.5", "--unit", "1-102:60.25", "--json")
    assert code == 0, err
    assert json.loads(out)["units"] == [{"unit": "1-101", "area": "89.5"}, {"unit": "1-102", "area": "60.25"}]
    for bad in ("1-101:八十", "1-101:0", "1-101:-3"):  # not a number, not more than 0
        code, out, err = site.cli("deliberation", "participant", "units", str(cid), "张三", "--unit", bad)
        assert code == 1 and "面积" in err, bad
    code, out, err = site.cli("deliberation", "participant", "units", str(cid), "张三", "--unit", "1-101:179/2",
                              "--unit", "1-101:3")
    assert code == 1  # one unit twice
    code, out, err = site.cli("deliberation", "participant", "units", str(cid), "张三", "--unit", "1-101:89.5")
    assert code == 0 and "1-101（89.5 平方米）" in out
    code, out, err = site.cli("deliberation", "round", "open", str(cid), "--kind", "owners", "--title", "选聘物业")
    assert code == 1 and "须指明事项类别" in err
    code, out, err = site.cli("deliberation", "round", "open", str(cid), "--kind", "yes_no", "--category", "elevator",
                              "--title", "x")
    assert code == 1 and "事项类别只适用于业主共同决定" in err


def test_the_rule_checks_its_category_and_refuses_a_quorum():
    from gongzhi.plugins.deliberation.rules import Quorum

    for bad in (Rule("owners"), Rule("owners", category="lift"),
                Rule("owners", category="elevator", quorum=Quorum("entitled", count=3))):
        with pytest.raises(DomainError):
            check_rule(bad)
    # pure: two co-owners listing one unit with two different areas is a roster error
    voters = [Voter(1, units=(("1-101", "80"),)), Voter(2, units=(("1-101", "81"),))]
    with pytest.raises(DomainError) as e:
        tally(Rule("owners", category="manager"), voters, [Ballot(1, choice="yes")], [])
    assert e.value.code == "delib.bad_roster"
