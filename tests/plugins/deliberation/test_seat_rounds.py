"""Elections with several seats as round kinds (issue 16): ``stv``, ``plurality_at_large`` and
``approval_seats`` inside a consultation — the round's options are the candidates; ballots
through the services, the CLI and the round file (version 3); the stages in ``round show``,
the minutes and the file. The counting functions themselves are tested on published
examples in test_multiwinner.py."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.rules import (
    Ballot,
    Rule,
    Voter,
    check_rule,
    tally,
    validate_ballot,
)

# -- pure: the rules' tally --------------------------------------------------------------

# Wikipedia's STV example (20 voters, 3 seats): 1 Orange, 2 Pear, 3 Chocolate, 4 Strawberry, 5 Hamburger
WIKI = [(4, (1,)), (2, (2, 1)), (8, (3, 4)), (4, (3, 5)), (1, (4,)), (1, (5,))]


def _voters_and_ballots(profile, weights=False):
    voters, ballots, vid = [], [], 0
    for n, ranking in profile:
        copies = [(n, ranking)] if weights else [(1, ranking)] * n
        for w, r in copies:
            vid += 1
            voters.append(Voter(vid, weight=w))
            ballots.append(Ballot(vid, ranking=r))
    return voters, ballots


def test_stv_round_kind_counts_the_published_example_with_its_stages():
    voters, ballots = _voters_and_ballots(WIKI)
    res = tally(Rule("stv", seats=3, name="custom"), voters, ballots, [1, 2, 3, 4, 5])
    assert res.outcome == "adopted" and res.winners == (3, 1, 4)  # in the order elected
    assert res.totals["seats"] == 3 and res.totals["quota"] == 6 and res.totals["elected"] == [3, 1, 4]
    assert res.totals["options"] == {"1": 4, "2": 2, "3": 12, "4": 1, "5": 1}  # first preferences
    actions = [(r["action"], r["candidates"]) for r in res.rounds]
    assert actions[0] == ("elect", [3]) and actions[1] == ("transfer", [3])
    assert res.rounds[1]["surplus"] == 6
    assert res.rounds[2]["totals"]["4"] == 5 and res.rounds[2]["totals"]["5"] == 3  # 1 + 8 × 1/2, 1 + 4 × 1/2
    assert [c for a, c in actions if a == "exclude"] == [[2], [5]]
    text = "\n".join(line.zh for line in res.explanation)
    assert "当选票数（德鲁普商数）= ⌊20 ÷ (3 + 1)⌋ + 1 = 6" in text
    assert "第 2 阶段：" in text and "盈余 6" in text and "结果：#3, #1, #4 当选（3 席）" in text
    d = res.as_dict()
    assert json.loads(json.dumps(d)) == d


def test_a_weighted_voter_counts_as_that_many_identical_ballots():
    one_each = tally(Rule("stv", seats=3), *_voters_and_ballots(WIKI), [1, 2, 3, 4, 5])
    weighted = tally(Rule("stv", seats=3), *_voters_and_ballots(WIKI, weights=True), [1, 2, 3, 4, 5])
    assert weighted.winners == one_each.winners and weighted.rounds == one_each.rounds


def test_fractional_totals_are_exact_in_the_stages():
    # test_multiwinner's exact case: A 9 of 14 papers, quota 5, surplus 4 at 4/9
    profile = [(7, (1, 2, 3)), (2, (1, 3)), (3, (3,)), (2, (4, 2))]
    res = tally(Rule("stv", seats=2), *_voters_and_ballots(profile), [1, 2, 3, 4])
    after = res.rounds[2]["totals"]
    assert after["2"] == Fraction(28, 9) and after["3"] == Fraction(35, 9)
    assert res.as_dict()["rounds"][2]["totals"]["2"] == "28/9"
    assert res.winners == (1, 2)


def test_plurality_at_large_and_approval_seats_as_round_kinds():
    voters = [Voter(i) for i in range(1, 7)]
    marks = [{1, 2}, {1, 3}, {1, 2}, {2}, {3, 4}, {1, 2, 3, 4}]
    ballots = [Ballot(v.id, approvals=frozenset(m)) for v, m in zip(voters, marks, strict=True)]
    rule = Rule("plurality_at_large", seats=2)
    with pytest.raises(DomainError) as e:
        validate_ballot(rule, {v.id: v for v in voters}, ballots[-1], [1, 2, 3, 4])
    assert e.value.code == "delib.too_many_marks"
    res = tally(rule, voters, ballots, [1, 2, 3, 4])
    # the ballot with four marks is invalid: 1 has 3, 2 has 3, 3 has 2, 4 has 1
    assert res.totals["ballots"]["invalid"] == 1 and res.totals["options"] == {"1": 3, "2": 3, "3": 2, "4": 1}
    assert res.outcome == "adopted" and sorted(res.winners) == [1, 2]
    res = tally(Rule("approval_seats", seats=2), voters, ballots, [1, 2, 3, 4])
    assert res.totals["options"] == {"1": 4, "2": 4, "3": 3, "4": 2} and sorted(res.winners) == [1, 2]
    # 3 seats: 3 and 4 would need to be separated … they are not tied here; a tie at the last seat is
    tie = tally(Rule("approval_seats", seats=1), voters[:2], ballots[:2], [1, 2, 3])
    assert tie.outcome == "adopted" and tie.winners == (1,)
    tie = tally(Rule("approval_seats", seats=2), voters[:2], ballots[:2], [1, 2, 3])
    assert tie.outcome == "tie" and tie.winners == (1,) and tie.totals["tie"] == {"candidates": [2, 3],
                                                                                    "seats_left": 1}


def test_seats_are_checked():
    for bad in (Rule("stv"), Rule("stv", seats=0), Rule("approval_seats", seats=True), Rule("borda", seats=2)):
        with pytest.raises(DomainError) as e:
            check_rule(bad)
        assert e.value.code == "delib.bad_rule"
    with pytest.raises(DomainError) as e:
        tally(Rule("stv", seats=4), [Voter(1)], [], [1, 2, 3])
    assert e.value.code == "delib.too_many_seats"
    assert "4 seats but only 3 candidates" in e.value.message("en")


# -- in a consultation: services, CLI, round file, minutes ---------------------------------


def _five_candidates(site, actor, table):
    from gongzhi.plugins.deliberation import services as svc

    with site.db.session() as s:
        extra = [svc.add_option(s, actor=actor, consultation_id=table.consultation_id, text=t).id
                 for t in ("候选人丁", "候选人戊")]
    return table.options + extra


def test_an_stv_round_end_to_end(site, table, actor, tmp_path):
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.export import VERSION, tally_round_file
    from gongzhi.plugins.deliberation.minutes import build_minutes, to_markdown

    cands = _five_candidates(site, actor, table)
    c1, c2, c3, c4, c5 = cands
    with site.db.session() as s:
        rule = svc.make_rule(kind="stv", seats=2)
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, rule=rule, title="选举业委会委员 2 名")
        rid, number = r.id, r.number
        assert r.option_ids == cands and r.rule["seats"] == 2
    # 9 voters, quota floor(9/3)+1 = 4: five rank 1 then 2, one ranks 2, two rank 3 then 4, one 4 then 3
    voters = [*table.residents, table.party, table.prop, table.contractor]
    rankings = {0: [c1, c2], 1: [c1, c2], 2: [c1, c2], 3: [c1, c2], 5: [c2], 6: [c3, c4], 7: [c3, c4]}
    with site.db.session() as s:
        for i, ranking in rankings.items():
            svc.record_ballot(s, actor=actor, round_id=rid, participant_id=voters[i], ranking=ranking)
        with pytest.raises(DomainError) as e:  # a ranking with a repeat writes nothing
            svc.record_ballot(s, actor=actor, round_id=rid, participant_id=voters[8], ranks={c4: 1, c3: 1})
        assert e.value.code == "delib.bad_ranking"
    # two ballots through the CLI: ranks for the options in ballot order
    names = {}
    with site.db.read_session() as s:
        names = {p.id: p.name for p in svc.participants_of(s, table.consultation_id)}
    cid = str(table.consultation_id)
    code, out, err = site.cli("deliberation", "vote", cid, str(number), names[voters[4]], "--rank", "1,2")
    assert code == 0, err
    code, out, err = site.cli("deliberation", "vote", cid, str(number), names[voters[8]], "--rank", "-,-,2,1")
    assert code == 0, err
    code, out, err = site.cli("deliberation", "round", "close", cid, str(number))
    assert code == 0, err
    assert "当选（2 席）1 阳台外加装、3 楼间空地设置" in out, out
    assert "第 1 阶段：" in out and "盈余 1" in out
    with site.db.read_session() as s:
        res = svc.result_of(s, rid)
        assert res.outcome == "adopted" and res.winners == [c1, c3]
        actions = [(x["action"], x["candidates"]) for x in res.result["rounds"]]
        assert actions == [("elect", [c1]), ("transfer", [c1]), ("exclude", [c5]), ("exclude", [c4]),
                           ("exclude", [c2]), ("elect_remaining", [c3])]
        assert res.result["rounds"][2]["totals"][str(c2)] == 2  # 1 + 5 papers × 1/5
        assert svc.effective_winner(s, svc.get_round(s, rid)) is None  # an election chose several
        minutes = to_markdown(build_minutes(s, table.consultation_id))
        data = svc.round_file(s, round_id=rid)
    assert "席位：2，当选票数 4，当选：方案1、方案3" in minutes and "第 6 阶段" in minutes
    assert data["version"] == VERSION == 3 and data["rule"]["seats"] == 2
    again = tally_round_file(json.loads(json.dumps(data)))
    assert again.matches is True and again.result.winners == (c1, c3)
    code, out, err = site.cli("deliberation", "round", "show", cid, str(number), lang="en")
    assert code == 0, err
    assert "stage 2:" in out and "surplus 1" in out and "elected (2 seat(s)) 1、3" in out


def test_approval_seats_and_plurality_at_large_rounds_by_services_and_cli(site, table, actor):
    from gongzhi.plugins.deliberation import services as svc

    c1, c2, c3 = table.options
    cid = str(table.consultation_id)
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "plurality_at_large", "--seats", "2",
                              "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["rule"]["seats"] == 2 and r["title"].endswith("中选出 2 人")
    with site.db.read_session() as s:
        names = {p.id: p.name for p in svc.participants_of(s, table.consultation_id)}
    code, out, err = site.cli("deliberation", "vote", cid, str(r["number"]), names[table.residents[0]],
                              "--approve", "1,2,3")
    assert code == 1 and "最多选 2 人" in err
    with site.db.read_session() as s:
        assert svc.current_ballots(s, r["id"]) == []  # refused: nothing written
    for i, marks in enumerate([[c1, c2], [c1, c3], [c2], [c1]]):
        with site.db.session() as s:
            svc.record_ballot(s, actor=actor, round_id=r["id"], participant_id=table.residents[i], approvals=marks)
    with site.db.session() as s:
        res = svc.close_round(s, actor=actor, round_id=r["id"])
        assert res.outcome == "adopted" and sorted(res.winners) == [c1, c2]
        assert res.totals["options"] == {str(c1): 3, str(c2): 2, str(c3): 1}
    # too many seats for the candidates: refused when the round opens
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "approval_seats", "--seats", "4")
    assert code == 1 and "席位数 4 多于候选人数 3" in err
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "borda", "--seats", "2")
    assert code == 1 and "席位数只适用于多席位选举" in err


def test_a_tied_last_seat_is_broken_by_a_recorded_rule_or_a_new_round_among_the_tied(site, table, actor):
    from gongzhi.plugins.deliberation import services as svc

    c1, c2, c3 = table.options
    with site.db.session() as s:
        rule = svc.make_rule(kind="approval_seats", seats=2)
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, rule=rule)
        for pid, marks in zip(table.residents, [[c1, c2], [c1, c3], [c1]], strict=False):
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, approvals=marks)
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.outcome == "tie" and res.winners == [c1]
        assert res.totals["tie"] == {"candidates": [c2, c3], "seats_left": 1}
        with pytest.raises(DomainError) as e:  # the elected one is not what the tie is about
            svc.break_tie(s, actor=actor, round_id=r.id, option_id=c1, method="lot")
        assert e.value.code == "delib.not_a_winner"
        new = svc.rerun_round(s, actor=actor, round_id=r.id)
        assert new.option_ids == [c2, c3] and new.rule["seats"] == 1 and new.follows_round_id == r.id
        tb = svc.break_tie(s, actor=actor, round_id=r.id, option_id=c3, method="lot", note="抽签")
        assert tb.option_id == c3


def test_two_tied_seats_need_a_new_round(site, table, actor):
    from gongzhi.plugins.deliberation import services as svc

    c1, c2, c3 = table.options
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id,
                           rule=svc.make_rule(kind="approval_seats", seats=2))
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], approvals=[c1, c2, c3])
        svc.close_round(s, actor=actor, round_id=r.id)
        with pytest.raises(DomainError) as e:
            svc.break_tie(s, actor=actor, round_id=r.id, option_id=c2, method="lot")
        assert e.value.code == "delib.seat_tie_needs_rerun"
        with pytest.raises(DomainError) as e:  # the same candidates for the same seats: say whom to leave out
            svc.rerun_round(s, actor=actor, round_id=r.id)
        assert e.value.code == "delib.rerun_needs_option"
        new = svc.rerun_round(s, actor=actor, round_id=r.id, without=[c3])
        assert new.option_ids == [c1, c2] and new.rule["seats"] == 2
