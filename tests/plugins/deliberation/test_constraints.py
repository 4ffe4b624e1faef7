"""Balance constraints in elections with several seats ("at least K women", "at most M per
building"): Hill's doomed/guarded candidates in STV, skipped candidates and reserved
seats in plurality-at-large and approval, at their boundaries; a Hypothesis test that the
elected always meet constraints that some set of candidates can meet; and a round with
constraints from the CLI to the round file."""

from __future__ import annotations

import json
from itertools import combinations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.multiwinner import (
    Conformance,
    Constraint,
    approval_seats,
    check_constraints,
    plurality_at_large,
    stv,
)


def _profile(*groups):
    return [tuple(prefs) for n, prefs in groups for _ in range(n)]


BUILDING = {1: {"building": "A"}, 2: {"building": "A"}, 3: {"building": "B"}, 4: {"building": "B"},
            5: {"building": "C"}}
GENDER = {1: {"gender": "男"}, 2: {"gender": "男"}, 3: {"gender": "女"}, 4: {"gender": "女"}}


# -- STV ---------------------------------------------------------------------------------------


def test_stv_a_maximum_reached_dooms_the_rest_of_its_kind():
    ballots = _profile((4, [1, 2]), (3, [2, 1, 3]), (2, [3]), (1, [5, 3]))
    plain = stv(ballots, [1, 2, 3, 4, 5], 2)
    assert plain.winners == [1, 2]  # both from building A
    at_most = [Constraint("building", "A", max=1)]
    res = stv(ballots, [1, 2, 3, 4, 5], 2, constraints=at_most, attributes=BUILDING)
    assert res.winners == [1, 3]
    doomed = next(x for x in res.stages if x["action"] == "exclude_doomed")
    assert doomed["candidates"] == [2]
    # 2's three papers moved on at their value to 3 (1 is elected, no longer continuing)
    after = res.stages[res.stages.index(doomed) + 1]["totals"]
    assert after[3] == 5 and 2 not in after
    # the boundary: a maximum of 2 does not bind, the count is the plain one
    loose = stv(ballots, [1, 2, 3, 4, 5], 2, constraints=[Constraint("building", "A", max=2)], attributes=BUILDING)
    assert loose.winners == plain.winners and loose.stages == plain.stages


def test_stv_a_minimum_reserves_the_last_seat():
    ballots = _profile((4, [1]), (3, [2]), (2, [3]), (1, [4, 3]))
    plain = stv(ballots, [1, 2, 3, 4], 2)
    assert plain.winners == [1, 2]  # no woman
    res = stv(ballots, [1, 2, 3, 4], 2, constraints=[Constraint("gender", "女", min=1)], attributes=GENDER)
    assert res.winners == [1, 3]
    # 2 is doomed only once one seat is left and no woman is elected: not before
    first_doom = next(i for i, x in enumerate(res.stages) if x["action"] == "exclude_doomed")
    assert res.stages[first_doom]["candidates"] == [2]
    assert [x["action"] for x in res.stages[:first_doom]] == ["elect"]
    # the boundary: at least 0 is no constraint at all (refused in a rule), at least 2 women of 2 seats
    both = stv(ballots, [1, 2, 3, 4], 2, constraints=[Constraint("gender", "女", min=2)], attributes=GENDER)
    assert sorted(both.winners) == [3, 4]


def test_stv_never_excludes_a_guarded_candidate():
    # 3 seats, at least 1 woman, and one woman stands (3): she is guarded; though lowest, she stays
    ballots = _profile((6, [1]), (4, [2]), (3, [5]), (2, [6]), (1, [3]))  # 16 papers, quota 5
    attrs = {**GENDER, 5: {"gender": "男"}, 6: {"gender": "男"}}
    plain = stv(ballots, [1, 2, 3, 5, 6], 3)
    assert 3 not in plain.winners
    assert next(x for x in plain.stages if x["action"] == "exclude")["candidates"] == [3]
    res = stv(ballots, [1, 2, 3, 5, 6], 3, constraints=[Constraint("gender", "女", min=1)], attributes=attrs)
    assert res.winners == [1, 2, 3]
    excluded = [x for x in res.stages if x["action"] in ("exclude", "exclude_doomed")]
    assert excluded[0]["action"] == "exclude" and excluded[0]["candidates"] == [6]
    assert excluded[0]["guarded"] == [3]  # passed over, and the stage says so
    assert all(3 not in x["candidates"] for x in excluded)


def test_two_constraints_at_once_are_decided_together():
    # Hill's warning: each constraint alone would allow excluding the black woman; together they do not
    attrs = {1: {"race": "b", "sex": "m"}, 2: {"race": "b", "sex": "m"}, 3: {"race": "w", "sex": "f"},
             4: {"race": "w", "sex": "f"}, 5: {"race": "b", "sex": "f"}}
    ks = [Constraint("sex", "f", min=2), Constraint("race", "b", min=2)]
    conf = Conformance(ks, attrs, [1, 2, 3, 4, 5], 3)
    assert conf.possible([], [1, 2, 3, 4, 5])
    assert not conf.possible([], [1, 2, 3, 4])  # without 5: two women and two black people need 4 seats
    ballots = _profile((4, [1]), (4, [3]), (3, [2]), (3, [4]), (1, [5]))
    res = stv(ballots, [1, 2, 3, 4, 5], 3, constraints=ks, attributes=attrs)
    assert 5 in res.winners
    assert sum(attrs[c]["sex"] == "f" for c in res.winners) >= 2
    assert sum(attrs[c]["race"] == "b" for c in res.winners) >= 2


def test_unsatisfiable_constraints_are_refused():
    with pytest.raises(DomainError) as e:
        stv([(1,)], [1, 2, 3, 4], 2, constraints=[Constraint("gender", "女", min=3)], attributes=GENDER)
    assert e.value.code == "delib.constraints_unsatisfiable"
    assert "「gender=女」至少 3 席" in e.value.message("zh")
    with pytest.raises(DomainError):
        approval_seats([], [1, 2, 3, 4], 3, constraints=[Constraint("gender", "男", max=0),
                                                         Constraint("gender", "女", max=2)], attributes=GENDER)


# -- plurality-at-large and approval ------------------------------------------------------------


def test_approval_skips_a_candidate_over_a_maximum():
    ballots = [[1, 2], [1, 2], [2], [3], [1]]  # 1: 3, 2: 3, 3: 1, 4: 0
    plain = approval_seats(ballots, [1, 2, 3, 4], 2)
    assert sorted(plain.winners) == [1, 2]
    res = approval_seats(ballots, [1, 2, 3, 4], 2, constraints=[Constraint("building", "A", max=1)],
                         attributes=BUILDING)
    # 1 and 2 tie at the top and only one may be elected: a tie, nothing broken by id
    assert res.winners == [] and res.tie == [1, 2]
    ballots.append([1])  # now 1 leads: 1 elected, 2 skipped, 3 takes the second seat
    res = approval_seats(ballots, [1, 2, 3, 4], 2, constraints=[Constraint("building", "A", max=1)],
                         attributes=BUILDING)
    assert res.winners == [1, 3] and {"action": "skip", "candidates": [2]} in res.stages


def test_plurality_at_large_reserves_seats_for_an_unmet_minimum():
    ballots = [[1, 2], [1, 2], [1, 2], [3], [4], [2, 1], [1]]
    res = plurality_at_large(ballots, [1, 2, 3, 4], 2, constraints=[Constraint("gender", "女", min=1)],
                             attributes=GENDER)
    # 1 first (5 marks); then the last seat is reserved for a woman: 2 (4 marks) is skipped; 3 and 4 tie
    assert res.winners == [1] and res.tie == [3, 4]
    assert {"action": "skip", "candidates": [2]} in res.stages
    ballots.append([3])
    res = plurality_at_large(ballots, [1, 2, 3, 4], 2, constraints=[Constraint("gender", "女", min=1)],
                             attributes=GENDER)
    assert res.winners == [1, 3]


# -- always conformant --------------------------------------------------------------------------


def brute_force_possible(ks, attrs, cands, seats, elected, pool):
    need = seats - len(elected)
    if need < 0:
        return False
    for more in combinations(pool, need):
        chosen = [*elected, *more]
        if all(k.min <= sum(attrs.get(c, {}).get(k.attribute) == k.value for c in chosen)
               and (k.max is None or sum(attrs.get(c, {}).get(k.attribute) == k.value for c in chosen) <= k.max)
               for k in ks):
            return True
    return False


def _conforms(ks, attrs, elected):
    return all(k.min <= sum(attrs[c].get(k.attribute) == k.value for c in elected)
               and (k.max is None or sum(attrs[c].get(k.attribute) == k.value for c in elected) <= k.max)
               for k in ks)


@st.composite
def constrained_elections(draw):
    n = draw(st.integers(3, 7))
    cands = list(range(1, n + 1))
    seats = draw(st.integers(1, n - 1))
    attrs = {c: {"gender": draw(st.sampled_from(["男", "女"])), "building": draw(st.sampled_from(["1", "2", "3"]))}
             for c in cands}
    ks = []
    for attribute, values in (("gender", ["男", "女"]), ("building", ["1", "2", "3"])):
        if draw(st.booleans()):
            value = draw(st.sampled_from(values))
            lo = draw(st.integers(0, seats))
            hi = draw(st.one_of(st.none(), st.integers(lo, seats)))
            if lo or hi is not None:
                ks.append(Constraint(attribute, value, lo, hi))
    ballots = draw(st.lists(st.permutations(cands).map(lambda p: p[: max(1, len(p) - 2)]), min_size=1, max_size=25))
    return cands, seats, attrs, ks, ballots


@settings(max_examples=200, deadline=None)
@given(case=constrained_elections())
def test_elected_always_meet_satisfiable_constraints(case):
    cands, seats, attrs, ks, ballots = case
    satisfiable = brute_force_possible(ks, attrs, cands, seats, [], cands)
    assert Conformance(ks, attrs, cands, seats).possible([], cands) == satisfiable
    if not satisfiable:
        with pytest.raises(DomainError):
            check_constraints(ks, attrs, cands, seats)
        return
    for count in (stv, approval_seats, plurality_at_large):
        res = count(ballots, cands, seats, constraints=ks, attributes=attrs)
        if res.tie:  # a tie returned: those elected so far can still be completed conformantly
            rest = [c for c in cands if c not in res.winners]
            assert brute_force_possible(ks, attrs, cands, seats, res.winners, rest)
            continue
        assert len(res.winners) == seats and _conforms(ks, attrs, res.winners), (count.__name__, res)


# -- in a round: the rule, the CLI, the explanation, the round file ------------------------------


def test_a_constrained_stv_round_from_the_command_line(site, table, actor, tmp_path):
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.export import tally_round_file

    c1, c2, c3 = table.options
    cid = str(table.consultation_id)
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "stv", "--seats", "2",
                              "--attr", "1:楼栋=1号楼", "--attr", "2:楼栋=1号楼", "--attr", "3:楼栋=2号楼",
                              "--at-most", "楼栋=1号楼:1", "--json")
    assert code == 0, err
    r = json.loads(out)
    assert r["rule"]["constraints"] == [{"attribute": "楼栋", "value": "1号楼", "min": 0, "max": 1}]
    assert r["rule"]["attributes"] == {str(c1): {"楼栋": "1号楼"}, str(c2): {"楼栋": "1号楼"}, str(c3): {"楼栋": "2号楼"}}
    # 9 voters, quota 4: five rank 1 then 2, three rank 2 then 1, one ranks 3
    voters = [*table.residents, table.party, table.prop, table.contractor]
    with site.db.session() as s:
        for i, v in enumerate(voters):
            ranking = [c1, c2] if i < 5 else [c2, c1] if i < 8 else [c3]
            svc.record_ballot(s, actor=actor, round_id=r["id"], participant_id=v, ranking=ranking)
    code, out, err = site.cli("deliberation", "round", "close", cid, str(r["number"]))
    assert code == 0, err
    assert "名额条件：「楼栋=1号楼」至多 1 席（符合的候选人：方案1, 方案2）" in out
    assert "方案2 当选会使名额条件无法满足" in out
    with site.db.read_session() as s:
        res = svc.result_of(s, r["id"])
        assert res.winners == [c1, c3]  # plain STV would elect 1 and 2, both of building 1
        data = svc.round_file(s, round_id=r["id"])
    assert data["rule"]["constraints"][0]["max"] == 1
    assert tally_round_file(json.loads(json.dumps(data))).matches is True
    # constraints nobody can meet, and constraints outside an election, are refused at the door
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "stv", "--seats", "2",
                              "--attr", "1:性别=女", "--at-least", "性别=女:2")
    assert code == 1 and "名额条件无法同时满足" in err
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "borda", "--at-least", "性别=女:1")
    assert code == 1 and "名额条件只适用于多席位选举" in err
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "stv", "--seats", "2",
                              "--attr", "9:性别=女")
    assert code == 1 and "9" in err
    with site.db.read_session() as s:
        assert len(svc.rounds_of(s, table.consultation_id)) == 1  # none of the refused rounds was written
