"""Elections with several seats: STV (Droop, WIGM) on Wikipedia's published example and on
Hypothesis profiles against an independent implementation written here; plurality-at-large
and approval with N seats. Pure: no database."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.multiwinner import (
    approval_seats,
    droop_quota,
    plurality_at_large,
    stv,
)


def _profile(*groups):
    return [tuple(prefs) for n, prefs in groups for _ in range(n)]


def test_wikipedia_stv_example():
    # en.wikipedia.org/wiki/Single_transferable_vote, "Example": 20 voters, 3 seats, Droop quota 6
    ballots = _profile((4, ["Orange"]), (2, ["Pear", "Orange"]), (8, ["Chocolate", "Strawberry"]),
                       (4, ["Chocolate", "Hamburger"]), (1, ["Strawberry"]), (1, ["Hamburger"]))
    cands = ["Orange", "Pear", "Chocolate", "Strawberry", "Hamburger"]
    res = stv(ballots, cands, 3)
    assert res.quota == 6 and res.tie is None
    assert res.winners == ["Chocolate", "Orange", "Strawberry"]
    first = res.stages[0]
    assert first["action"] == "elect" and first["candidates"] == ["Chocolate"]
    assert first["totals"] == {"Orange": 4, "Pear": 2, "Chocolate": 12, "Strawberry": 1, "Hamburger": 1}
    # Chocolate's surplus of 6 goes on at 6/12: Strawberry 1 + 4 = 5, Hamburger 1 + 2 = 3
    transfer = next(s for s in res.stages if s["action"] == "transfer")
    assert transfer["surplus"] == 6
    after = res.stages[res.stages.index(transfer) + 1]["totals"]
    assert after["Strawberry"] == 5 and after["Hamburger"] == 3 and after["Chocolate"] == 6
    excluded = [s["candidates"][0] for s in res.stages if s["action"] == "exclude"]
    assert excluded == ["Pear", "Hamburger"]
    assert any(s["action"] == "elect" and s["candidates"] == ["Orange"] and s["totals"]["Orange"] == 6
               for s in res.stages)


def test_fractional_transfers_stay_exact():
    ballots = _profile((7, ["A", "B", "C"]), (2, ["A", "C"]), (3, ["C"]), (2, ["D", "B"]))
    res = stv(ballots, ["A", "B", "C", "D"], 2)
    assert res.quota == droop_quota(14, 2) == 5
    transfer = next(s for s in res.stages if s["action"] == "transfer")
    assert transfer["surplus"] == 4  # A has 9
    nxt = res.stages[res.stages.index(transfer) + 1]["totals"]
    assert nxt["B"] == Fraction(28, 9) and nxt["C"] == 3 + Fraction(8, 9)
    # D (2) is excluded and its ballots go to B: 28/9 + 2 = 46/9 ≥ 5, ahead of C's 35/9
    assert [s["candidates"] for s in res.stages if s["action"] == "exclude"] == [["D"]]
    assert res.stages[-1]["totals"]["B"] == Fraction(46, 9) and res.stages[-1]["totals"]["C"] == Fraction(35, 9)
    assert res.winners == ["A", "B"]


def test_an_unbreakable_exclusion_tie_is_returned():
    res = stv(_profile((3, ["A"]), (1, ["B"]), (1, ["C"])), ["A", "B", "C"], 2)
    assert res.winners == ["A"] and sorted(res.tie) == ["B", "C"]


def test_plurality_at_large_and_approval_with_seats():
    ballots = [{"甲", "乙"}, {"甲", "丙"}, {"乙", "丙"}, {"甲", "乙", "丙"}, {"丁"}]
    res = approval_seats(ballots, ["甲", "乙", "丙", "丁"], 2)
    assert res.totals == {"甲": 3, "乙": 3, "丙": 3, "丁": 1} and res.winners == [] and sorted(res.tie) == ["丙", "乙", "甲"]
    res = plurality_at_large(ballots, ["甲", "乙", "丙", "丁"], 2)  # the 3-mark ballot is invalid
    assert res.totals == {"甲": 2, "乙": 2, "丙": 2, "丁": 1} and res.tie is not None
    res = plurality_at_large([{"甲", "乙"}, {"乙", "丙"}, {"甲"}, {"甲"}, {"丙"}], ["甲", "乙", "丙"], 1)
    assert res.totals == {"甲": 2, "乙": 0, "丙": 1}  # two-mark ballots are invalid with one seat
    assert res.winners == ["甲"] and res.tie is None
    res = approval_seats([{"甲", "乙"}, {"甲"}, {"丙", "乙"}], ["甲", "乙", "丙"], 2)
    assert res.winners == ["甲", "乙"] and res.tie is None
    with pytest.raises(DomainError):
        approval_seats([{"戊"}], ["甲"], 1)
    with pytest.raises(DomainError):
        stv([("甲",)], ["甲", "乙"], 3)


# -- an independent STV (WIGM, Droop), written plainly, that reports whether any tie arose ----


def reference_stv(ballots, cands, seats):
    quota = len([b for b in ballots if b]) // (seats + 1) + 1
    papers = [{"prefs": list(b), "w": Fraction(1), "with": b[0]} for b in ballots if b]
    elected, out, queue, ambiguous = [], set(), [], False

    def cont():
        return [c for c in cands if c not in out and c not in elected]

    def tot():
        t = dict.fromkeys([c for c in cands if c not in out], Fraction(0))
        for p in papers:
            if p["with"] is not None:
                t[p["with"]] += p["w"]
        return t

    def move(c, f):
        left = cont()
        for p in papers:
            if p["with"] == c:
                p["w"] *= f
                p["with"] = next((x for x in p["prefs"] if x in left), None)

    while len(elected) < seats:
        t = tot()
        if len(cont()) <= seats - len(elected):
            elected += sorted(cont(), key=lambda c: -t[c])
            break
        new = [c for c in cont() if t[c] >= quota]
        if new:
            if len({t[c] for c in new}) < len(new):
                ambiguous = True
            new.sort(key=lambda c: -t[c])
            new = new[: seats - len(elected)]
            elected += new
            queue += new
            continue
        if queue:
            big = max(queue, key=lambda c: t[c])
            if [t[c] for c in queue].count(t[big]) > 1:
                ambiguous = True
            queue.remove(big)
            move(big, (t[big] - quota) / t[big])
            continue
        low = min(t[c] for c in cont())
        losers = [c for c in cont() if t[c] == low]
        if len(losers) > 1:
            ambiguous = True
        out.add(losers[0])
        move(losers[0], Fraction(1))
    return elected, ambiguous


CANDS = ["A", "B", "C", "D", "E"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.permutations(CANDS).flatmap(lambda p: st.integers(1, 5).map(lambda k: tuple(p[:k]))),
                min_size=1, max_size=25),
       st.integers(1, 3))
def test_stv_agrees_with_an_independent_implementation(ballots, seats):
    expected, ambiguous = reference_stv(ballots, CANDS, seats)
    assume(not ambiguous)
    res = stv(ballots, CANDS, seats)
    assert res.tie is None
    assert sorted(res.winners) == sorted(expected)
    assert len(res.winners) == seats
