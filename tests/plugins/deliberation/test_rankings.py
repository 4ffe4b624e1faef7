"""Loomio-style ranked choice (top-k picks score k…1) and ranked pairs, on published examples."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.rankings import loomio_ranked_choice, pairwise, ranked_pairs

# Wikipedia's Tennessee capital example: 42 % Memphis, 26 % Nashville, 15 % Chattanooga, 17 % Knoxville
M, N, C, K = "Memphis", "Nashville", "Chattanooga", "Knoxville"
TENNESSEE = [((M, N, C, K), 42), ((N, C, K, M), 26), ((C, K, N, M), 15), ((K, C, N, M), 17)]
CITIES = [M, N, C, K]


def test_loomio_top_k_scores():
    assert loomio_ranked_choice(TENNESSEE, CITIES, 1).winners == [M]  # k = 1 is plurality
    res = loomio_ranked_choice(TENNESSEE, CITIES, 2)
    assert res.scores == {M: 84, N: 94, C: 73, K: 49} and res.winners == [N]
    full = loomio_ranked_choice(TENNESSEE, CITIES, 4)
    # full Borda (3…0) on Wikipedia's page: M 126, N 194, C 173, K 107 — k…1 adds 1 per ballot
    assert {c: s - 100 for c, s in full.scores.items()} == {M: 126, N: 194, C: 173, K: 107}
    # only the top k count: a ballot ranking a single option scores k for it
    assert loomio_ranked_choice([((M,), 1), ((N, C), 1)], CITIES, 3).scores == {M: 3, N: 3, C: 2, K: 0}
    with pytest.raises(DomainError):
        loomio_ranked_choice(TENNESSEE, CITIES, 5)
    with pytest.raises(DomainError):
        loomio_ranked_choice([((M, M), 1)], CITIES, 2)


def test_ranked_pairs_tennessee():
    d = pairwise(TENNESSEE, CITIES)
    assert d[(C, K)] == 83 and d[(N, C)] == 68 and d[(N, M)] == 58
    res = ranked_pairs(TENNESSEE, CITIES)
    assert res.winners == [N] and not res.tied
    assert res.locked[0] == (C, K, 83)


def test_ranked_pairs_breaks_a_cycle_by_strength():
    # A>B 7, B>C 6, C>A 5 (weights): the weakest majority (C>A) is the one not locked
    ballots = [(("A", "B", "C"), 4), (("B", "C", "A"), 2), (("C", "A", "B"), 3)]
    d = pairwise(ballots, ["A", "B", "C"])
    assert (d[("A", "B")], d[("B", "C")], d[("C", "A")]) == (7, 6, 5)
    res = ranked_pairs(ballots, ["A", "B", "C"])
    assert res.winners == ["A"] and ("C", "A", 5) not in res.locked


def test_a_perfectly_symmetric_cycle_is_a_tie():
    ballots = [(("A", "B", "C"), 1), (("B", "C", "A"), 1), (("C", "A", "B"), 1)]
    res = ranked_pairs(ballots, ["A", "B", "C"])
    assert res.tied and sorted(res.winners) == ["A", "B", "C"]


# -- as round kinds: the rules' tally, the round file (version 2, version 1 still read), the CLI ---------


def test_ranked_choice_and_ranked_pairs_as_round_kinds():
    from gongzhi.plugins.deliberation.rules import Rule, check_rule, tally
    from tests.plugins.deliberation.test_rules import CITIES as IDS
    from tests.plugins.deliberation.test_rules import NASHVILLE, ranked_profile
    from tests.plugins.deliberation.test_rules import TENNESSEE as PROFILE

    voters, ballots = ranked_profile(PROFILE)
    res = tally(Rule("ranked_choice", top_k=2, name="custom"), voters, ballots, IDS)
    assert res.outcome == "adopted" and res.winners == (NASHVILLE,)
    assert res.totals["options"] == {"1": 84, "2": 94, "3": 73, "4": 49}
    assert "每张票的前 2 名依次得 2…1 分" in "\n".join(line.zh for line in res.explanation)
    full = tally(Rule("ranked_choice", name="custom"), voters, ballots, IDS)  # top_k None: every option
    assert full.totals["options"] == {"1": 226, "2": 294, "3": 273, "4": 207}
    res = tally(Rule("ranked_pairs", name="custom"), voters, ballots, IDS)
    assert res.outcome == "adopted" and res.winners == (NASHVILLE,)
    assert any("锁定：选项 #3 胜 #4（83 比 17）" in line.zh for line in res.explanation)
    with pytest.raises(DomainError):
        check_rule(Rule("borda", top_k=2))
    with pytest.raises(DomainError):
        check_rule(Rule("ranked_choice", top_k=0))


def test_round_file_version_2_carries_top_k_and_version_1_still_reads():
    from gongzhi.plugins.deliberation.export import (
        VERSION,
        rule_from_json,
        rule_to_json,
        tally_round_file,
    )
    from gongzhi.plugins.deliberation.rules import PRESETS, Rule

    assert VERSION == 3  # 3: elections with seats (test_seat_rounds.py); a version 2 file still reads
    d = rule_to_json(Rule("ranked_choice", top_k=3, name="custom"))
    assert d["top_k"] == 3 and rule_from_json(d).top_k == 3
    assert "top_k" not in rule_to_json(PRESETS["borda"])  # old rules are written as before
    with pytest.raises(DomainError):
        rule_from_json({**d, "top_k": "3"})
    v1 = {"format": "gongzhi.deliberation.round", "version": 1, "rule": rule_to_json(PRESETS["borda"]),
          "options": [{"id": 1}, {"id": 2}],
          "voters": [{"id": 1, "group": "residents", "role": "resident_rep", "can_vote": True, "weight": 1,
                      "present": True, "proxy_for": None}],
          "ballots": [{"voter": 1, "cast_by": None, "choice": None, "reason": "", "ranking": [2, 1],
                       "approvals": [], "option": None}]}
    assert tally_round_file(v1).result.winners == (2,)
    v2 = {**v1, "version": 2, "rule": d, "options": [{"id": 1}, {"id": 2}, {"id": 3}]}
    assert tally_round_file(v2).result.totals["options"] == {"1": 2, "2": 3, "3": 0}
    with pytest.raises(DomainError):
        tally_round_file({**v1, "version": VERSION + 1})


def test_a_ranked_choice_round_from_the_command_line(site, tmp_path):
    import json

    def ok(*args, lang=None):
        code, out, err = site.cli(*args, lang=lang)
        assert code == 0, err
        return out

    cid = str(json.loads(ok("deliberation", "create", "排序", "--json"))["id"])
    for name in ("甲", "乙", "丙"):
        ok("deliberation", "participant", "add", cid, "--name", name, "--role", "resident_rep", "--present")
    for text in ("东", "南", "西"):
        ok("deliberation", "option", "add", cid, text)
    r = json.loads(ok("deliberation", "round", "open", cid, "--kind", "ranked_choice", "--top-k", "2", "--json"))
    assert r["rule"]["top_k"] == 2 and r["kind"] == "ranked_choice"
    ok("deliberation", "vote", cid, "1", "甲", "--rank", "1,2,3")
    ok("deliberation", "vote", cid, "1", "乙", "--rank", "2,1,3")
    ok("deliberation", "vote", cid, "1", "丙", "--rank", "3,1,2")
    out = ok("deliberation", "round", "close", cid, "1")
    assert "选出方案 2" in out  # 东 2+1, 南 1+2+2 = 5, 西 1 → 南
    path = tmp_path / "r.json"
    ok("deliberation", "export-round", cid, "1", "-o", str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 3 and data["rule"]["top_k"] == 2
    assert "与存档结果一致" in ok("deliberation", "tally", str(path))
    code, _, err = site.cli("deliberation", "round", "open", cid, "--kind", "borda", "--top-k", "2")
    assert code == 1 and "top_k" in err
