"""Two more ways to count rankings — pure, exact, beside rules.py's Borda and Schulze.

- :func:`loomio_ranked_choice`: as Loomio's "ranked choice" poll: each ballot's top ``k``
  picks score k, k−1, …, 1 (the rest nothing); the highest total wins. With ``k`` equal to
  the number of options and full rankings it picks what full Borda (n−1 … 0) picks; with
  ``k = 1`` it is plurality.
- :func:`ranked_pairs` (Tideman): a second Condorcet method. Pairwise majorities are
  locked in, strongest first (strength = votes for the winning side, then the margin),
  unless they would close a cycle; the winner is the option nothing is locked over.
  Majorities of equal strength are locked as a group: when the order within the group
  would change the winner, the result is a tie between the possible winners (returned,
  never broken by chance).

A ballot is a ranking (option ids, best first; unranked options come after every ranked
one, equal among themselves) with a whole-number weight.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import permutations
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)

Opt = Hashable


@dataclass
class RankResult:
    method: str
    winners: list[Opt]  # one winner, or several when tied
    tied: bool
    scores: dict[Opt, int] = field(default_factory=dict)
    locked: list[tuple[Opt, Opt, int]] = field(default_factory=list)  # ranked pairs: (winner, loser, strength)


def _ballots(ballots: Iterable[tuple[Sequence[Opt], int]], options: Sequence[Opt]) -> list[tuple[tuple, int]]:
    known = set(options)
    out = []
    for ranking, weight in ballots:
        r = tuple(ranking)
        if len(set(r)) != len(r) or not set(r) <= known:
            raise DomainError("delib.bad_ranking", detail=f"排序有重复或未知方案：{list(r)}",
                              detail_en=f"a ranking repeats or names an unknown option: {list(r)}")
        out.append((r, weight))
    return out


def loomio_ranked_choice(ballots: Iterable[tuple[Sequence[Opt], int]], options: Sequence[Opt], k: int) -> RankResult:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= len(options):
        raise DomainError("delib.bad_rule", detail=f"计分名次数 k 须在 1 到 {len(options)} 之间：{k!r}",
                          detail_en=f"k (picks scored) must be between 1 and {len(options)}: {k!r}")
    scores = dict.fromkeys(options, 0)
    for ranking, w in _ballots(ballots, options):
        for pos, o in enumerate(ranking[:k]):
            scores[o] += (k - pos) * w
    best = max(scores.values())
    winners = [o for o in options if scores[o] == best]
    return RankResult("loomio_ranked_choice", winners, len(winners) > 1, scores=scores)


def pairwise(ballots: Iterable[tuple[Sequence[Opt], int]], options: Sequence[Opt]) -> dict[tuple[Opt, Opt], int]:
    """d[(a, b)]: the weight preferring a to b (a ranked option beats every unranked one)."""
    d = {(a, b): 0 for a in options for b in options if a != b}
    for ranking, w in _ballots(ballots, options):
        ranked = list(ranking)
        rest = [o for o in options if o not in set(ranked)]
        for i, a in enumerate(ranked):
            for b in ranked[i + 1:] + rest:
                d[(a, b)] += w
    return d


def _reaches(edges: set[tuple[Opt, Opt]], start: Opt, goal: Opt) -> bool:
    seen, todo = {start}, [start]
    while todo:
        x = todo.pop()
        if x == goal:
            return True
        for a, b in edges:
            if a == x and b not in seen:
                seen.add(b)
                todo.append(b)
    return False


def _lock(groups: list[list[tuple[Opt, Opt, int]]], choose) -> set[tuple[Opt, Opt]]:
    edges: set[tuple[Opt, Opt]] = set()
    for group in groups:
        for a, b, _ in choose(group):
            if not _reaches(edges, b, a):
                edges.add((a, b))
    return edges


def ranked_pairs(ballots: Iterable[tuple[Sequence[Opt], int]], options: Sequence[Opt]) -> RankResult:
    options = list(dict.fromkeys(options))
    d = pairwise(ballots, options)
    majorities = [(a, b, d[(a, b)]) for (a, b) in d if d[(a, b)] > d[(b, a)]]
    key = {(a, b): (d[(a, b)], d[(a, b)] - d[(b, a)]) for a, b, _ in majorities}
    majorities.sort(key=lambda m: key[(m[0], m[1])], reverse=True)
    groups: list[list[tuple[Opt, Opt, int]]] = []
    for m in majorities:
        if groups and key[(groups[-1][0][0], groups[-1][0][1])] == key[(m[0], m[1])]:
            groups[-1].append(m)
        else:
            groups.append([m])

    def sources(edges: set[tuple[Opt, Opt]]) -> list[Opt]:
        return [o for o in options if not any(b == o for _, b in edges)]

    possible: set[Opt] = set()
    first_edges = None
    # every order within each equal-strength group (small groups; large ones fall back to two orders)
    orders = [list(permutations(g)) if len(g) <= 4 else [tuple(g), tuple(reversed(g))] for g in groups]

    def walk(i: int, chosen: list[tuple]) -> None:
        nonlocal first_edges
        if i == len(orders):
            edges = _lock([list(c) for c in chosen], lambda g: g)
            if first_edges is None:
                first_edges = edges
            possible.update(sources(edges))
            return
        for order in orders[i]:
            walk(i + 1, chosen + [order])
            if len(possible) == len(options):
                return

    walk(0, [])
    winners = [o for o in options if o in possible] or list(options)
    locked = [(a, b, d[(a, b)]) for a, b, _ in majorities if first_edges and (a, b) in first_edges]
    return RankResult("ranked_pairs", winners, len(winners) > 1, locked=locked)


def describe(res: RankResult) -> dict[str, Any]:
    return {"method": res.method, "winners": res.winners, "tied": res.tied, "scores": res.scores,
            "locked": [list(x) for x in res.locked]}
