"""Loomio-style ranked choice (top-k picks score k…1) and ranked pairs, on published examples."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from plugins.deliberation.rankings import loomio_ranked_choice, pairwise, ranked_pairs

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
