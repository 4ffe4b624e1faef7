"""A Scottish council count reproduced: STV with ``rounding="scottish"`` (The Scottish Local
Government Elections Order 2007, sch. 1 r. 45–52: Droop quota, weighted inclusive Gregory
transfers, each paper's transfer value = surplus × its value ÷ the candidate's total, to
five decimal places with any remainder ignored) on the City of Edinburgh Council's published
preference profiles of 4 May 2017 (tests/plugins/deliberation/data/README.md).

What is checked against published figures, and what is not:

- Almond: the four elected **and the stage at which each was elected** (Lang 1, Young 2,
  Hutchison 3, Work 10) as published. A Scottish stage is the first count or one transfer
  (a surplus or an exclusion), so the stage of an election is 1 + the transfers before it.
- Southside/Newington: the **first preferences** of all five candidates and the four elected,
  as published.
- The transfer values follow r. 48(3). This is checked by recomputing, independently in this
  test, Lang's transfer value (3237/6079 truncated to 0.53248) and Young's stage-2 total from
  the profile.
- The per-stage totals are **not** compared with a published results sheet: none was found.
  They are checked to carry at most five decimal places and to differ from the exact count's.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from gongzhi.plugins.deliberation.multiwinner import _five_places, stv
from gongzhi.plugins.deliberation.rules import Ballot, Rule, Voter, tally

DATA = Path(__file__).parent / "data"


def read_blt(name: str):
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    n, seats = map(int, lines[0].split())
    ballots, weights, i = [], [], 1
    while lines[i] != "0":
        parts = list(map(int, lines[i].split()))
        assert parts[-1] == 0
        weights.append(parts[0])
        ballots.append(parts[1:-1])
        i += 1
    names = [line.strip('"').replace("  ", " ") for line in lines[i + 1 : i + 1 + n]]
    return names, seats, ballots, weights


def scottish_stage_of_election(res) -> dict:
    stage, out = 1, {}
    for s in res.stages:
        if s["action"] in ("transfer", "exclude"):
            stage += 1
        if s["action"] in ("elect", "elect_remaining"):
            out.update(dict.fromkeys(s["candidates"], stage))
    return out


def test_a_transfer_value_is_truncated_to_five_places():
    assert _five_places(Fraction(3237, 6079)) == Fraction(53248, 100000)  # 0.532489… → 0.53248, not 0.53249
    assert _five_places(Fraction(2, 3)) == Fraction(66666, 100000)
    assert _five_places(Fraction(1, 2)) == Fraction(1, 2)


def test_almond_2017_elects_the_published_four_at_the_published_stages():
    names, seats, ballots, weights = read_blt("edinburgh-2017-ward-01-almond.blt")
    assert seats == 4 and len(names) == 10 and sum(weights) == 14207
    idx = {name: i + 1 for i, name in enumerate(names)}
    res = stv(ballots, list(range(1, 11)), 4, weights=weights, rounding="scottish")
    assert res.quota == 14207 // 5 + 1 == 2842 and res.tie is None
    stage = {names[c - 1]: s for c, s in scottish_stage_of_election(res).items()}
    assert stage == {"Kevin LANG": 1, "Louise YOUNG": 2, "Graham HUTCHISON": 3, "Norrie WORK": 10}

    # r. 48(3), recomputed here from the profile: Lang's 6079 first-preference papers (value 1) go on at
    # 3237 × 1 / 6079 to five places; Young gains 0.53248 for each of them whose next preference is hers
    lang, young = idx["Kevin LANG"], idx["Louise YOUNG"]
    first = dict.fromkeys(range(1, 11), 0)
    to_young = 0
    for b, w in zip(ballots, weights, strict=True):
        first[b[0]] += w
        if b[0] == lang and len(b) > 1 and b[1] == young:
            to_young += w
    assert first[lang] == 6079 and first[young] == 1138
    transfer = res.stages[1]
    assert transfer["action"] == "transfer" and transfer["candidates"] == [lang] and transfer["surplus"] == 3237
    after = res.stages[2]["totals"]
    assert after[young] == 1138 + to_young * Fraction(53248, 100000)
    # every Scottish total has at most five decimal places; the exact count's do not, and differ
    assert all(100000 % v.denominator == 0 for s in res.stages for v in s["totals"].values())
    exact = stv(ballots, list(range(1, 11)), 4, weights=weights)
    assert exact.stages[2]["totals"][young] != after[young]
    assert [s["action"] for s in exact.stages] == [s["action"] for s in res.stages]


def test_southside_newington_2017_first_preferences_and_the_elected_as_published():
    names, seats, ballots, weights = read_blt("edinburgh-2017-ward-15-southside-newington.blt")
    res = stv(ballots, list(range(1, len(names) + 1)), seats, weights=weights, rounding="scottish")
    first = {names[c - 1]: int(v) for c, v in res.stages[0]["totals"].items()}
    assert first == {"Cameron ROSE": 3151, "Alison DICKIE": 2403, "Steve BURGESS": 2381, "Ian PERRY": 2354,
                     "Dan FARTHING": 1410}
    assert res.quota == 11699 // 5 + 1 == 2340
    assert {names[c - 1] for c in res.winners} == {"Steve BURGESS", "Alison DICKIE", "Ian PERRY", "Cameron ROSE"}
    assert set(scottish_stage_of_election(res).values()) == {1}  # all four reach 2340 at the first count


def test_the_scottish_count_as_a_round_rule():
    names, seats, ballots, weights = read_blt("edinburgh-2017-ward-01-almond.blt")
    # one voter per distinct ballot, weighted by how many cast it
    voters = [Voter(i, weight=w) for i, w in enumerate(weights, start=1)]
    papers = [Ballot(i, ranking=tuple(b)) for i, b in enumerate(ballots, start=1)]
    res = tally(Rule("stv", seats=4, rounding="scottish"), voters, papers, list(range(1, 11)))
    assert res.outcome == "adopted" and [names[c - 1] for c in res.winners] == [
        "Kevin LANG", "Louise YOUNG", "Graham HUTCHISON", "Norrie WORK"]
    assert res.totals["rounding"] == "scottish" and res.totals["quota"] == 2842
    text = "\n".join(line.zh for line in res.explanation)
    assert "第 48(3) 条" in text and "#10 3652.90304" in text  # Young after Lang's surplus, five places
    d = res.as_dict()
    assert d["rounds"][2]["totals"]["10"] == "11415322/3125"  # = 3652.90304, exact in the stored result


@pytest.mark.parametrize("bad", [Rule("borda", rounding="scottish"), Rule("stv", seats=2, rounding="irish")])
def test_rounding_belongs_to_stv_alone(bad):
    from gongzhi.core.errors import DomainError
    from gongzhi.plugins.deliberation.rules import check_rule

    with pytest.raises(DomainError) as e:
        check_rule(bad)
    assert e.value.code == "delib.bad_rule"


def test_rounding_from_the_command_line(site, table):
    import json

    cid = str(table.consultation_id)
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "stv", "--seats", "2",
                              "--rounding", "scottish", "--json")
    assert code == 0, err
    assert json.loads(out)["rule"]["rounding"] == "scottish"
    code, out, err = site.cli("deliberation", "round", "open", cid, "--kind", "borda", "--rounding", "scottish")
    assert code == 1 and "取整方式只适用于单记可让渡投票" in err
