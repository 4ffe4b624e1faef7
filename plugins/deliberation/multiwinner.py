"""Elections with several seats (owners' committee, residents' representatives) — pure, exact.

- :func:`plurality_at_large`: each voter marks at most ``seats`` candidates; the ``seats``
  candidates with the most marks win.
- :func:`approval_seats`: each voter marks any number; the ``seats`` most approved win.
- :func:`stv`: single transferable vote with the Droop quota ``floor(valid / (seats + 1)) + 1``
  and the weighted inclusive Gregory method (WIGM): when an elected candidate has a
  surplus, *every* ballot currently counting for them moves on to its next continuing
  preference at its current value × surplus / their total. All values are Fractions (no
  rounding). Surpluses are transferred one at a time, largest first; when nobody reaches
  the quota and no surplus is left, the candidate with the fewest votes is excluded and
  their ballots move on at their current value. When the continuing candidates are no
  more than the seats left, they are all elected.

Ties (documented rules): among candidates reaching the quota at the same stage, the one
with more votes is declared first; equal surpluses and exclusion ties are broken
*backwards* — the candidate with fewer votes at the latest earlier stage where the tied
candidates differed is excluded (or transfers later). If they were equal at every stage,
nothing is decided by chance here: the result's ``tie`` names the tied candidates and
the stage, ``winners`` holds those elected so far, and the facilitator breaks it by a
recorded rule (lot), as single-winner ties are. The plurality and approval counts
return a ``tie`` when candidates tie at the last seat.

Candidates are any hashable ids (option ids in a round). Ballots name candidates best
first (STV) or as sets (plurality, approval); unknown candidates are refused.

**Balance constraints** (``constraints`` with the candidates' ``attributes``): "at least
K women", "at most M from building 3". A *conformant* result is a set of ``seats``
candidates meeting every constraint. Following I. D. Hill, "STV with constraints",
*Voting matters* 9 (1998) — and J. Otten, *Voting matters* 13 (2001), for several
constraints at once — a continuing candidate is **doomed** when no conformant result
that keeps those already elected includes them, and **guarded** when every such result
does. STV excludes the doomed at once (their papers move on at their current value, a
stage ``exclude_doomed``), never excludes a guarded candidate (the lowest candidate who
is not guarded is excluded instead; the stage lists the ``guarded`` passed over), and
elects a candidate at the quota only if that leaves a conformant result possible. So a
maximum, once reached, dooms the rest of its kind; a minimum, once the candidates of
its kind left are exactly what it still needs, guards them, and once the seats left are
exactly what it still needs, dooms everyone outside it. Plurality-at-large and approval
fill the seats in order of marks, skipping (stage ``skip``) a candidate whose election
would leave no conformant result — a maximum reached, or seats reserved for an unmet
minimum. Whether a conformant result is possible is decided exactly (a search over the
candidates grouped by which constraints they count for), never by trying one constraint
at a time. Constraints that no set of candidates can meet are refused before counting
(``delib.constraints_unsatisfiable``). Without constraints every function counts as before.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)

Cand = Hashable


@dataclass
class SeatsResult:
    method: str
    seats: int
    winners: list[Cand]
    tie: list[Cand] | None = None  # candidates tied for the last seat(s) or for exclusion
    quota: Fraction | None = None
    stages: list[dict[str, Any]] = field(default_factory=list)  # STV: the count at each stage
    totals: dict[Cand, Fraction] = field(default_factory=dict)  # plurality/approval marks


@dataclass(frozen=True)
class Constraint:
    """At least ``min`` and at most ``max`` (None: no maximum) of the elected have
    ``attribute`` equal to ``value`` (e.g. gender = 女, building = 3号楼)."""

    attribute: str
    value: str
    min: int = 0
    max: int | None = None

    def describe(self) -> tuple[str, str]:
        zh = [f"至少 {self.min} 席"] if self.min else []
        en = [f"at least {self.min}"] if self.min else []
        if self.max is not None:
            zh.append(f"至多 {self.max} 席")
            en.append(f"at most {self.max}")
        return (f"「{self.attribute}={self.value}」{'、'.join(zh)}",
                f"'{self.attribute}={self.value}' {' and '.join(en)} seat(s)")


class Conformance:
    """Whether ``elected`` can still be completed, from ``pool``, to a conformant result."""

    def __init__(self, constraints: Sequence[Constraint], attributes: dict[Cand, dict[str, str]],
                 candidates: Sequence[Cand], seats: int) -> None:
        self.constraints = tuple(constraints)
        self.seats = seats
        self.sig = {c: tuple(attributes.get(c, {}).get(k.attribute) == k.value for k in self.constraints)
                    for c in candidates}

    def possible(self, elected: Sequence[Cand], pool: Iterable[Cand]) -> bool:
        pool = list(pool)
        need = self.seats - len(elected)
        if need < 0 or len(pool) < need:
            return False
        ks = self.constraints
        if not ks:
            return True
        have = tuple(sum(self.sig[c][i] for c in elected) for i in range(len(ks)))
        if any(k.max is not None and have[i] > k.max for i, k in enumerate(ks)):
            return False
        groups: dict[tuple[bool, ...], int] = {}
        for c in pool:
            groups[self.sig[c]] = groups.get(self.sig[c], 0) + 1
        items = sorted(groups.items())
        # how many of each constraint's kind the groups from j on could still add
        room = [[0] * len(ks) for _ in range(len(items) + 1)]
        for j in range(len(items) - 1, -1, -1):
            sig, avail = items[j]
            room[j] = [room[j + 1][i] + (avail if sig[i] else 0) for i in range(len(ks))]
        seen: set[tuple[int, int, tuple[int, ...]]] = set()

        def search(j: int, left: int, counts: tuple[int, ...]) -> bool:
            if any(counts[i] + min(room[j][i], left) < k.min for i, k in enumerate(ks)):
                return False
            if j == len(items):
                return left == 0
            key = (j, left, counts)
            if key in seen:
                return False
            seen.add(key)
            sig, avail = items[j]
            for n in range(min(avail, left), -1, -1):
                new = tuple(counts[i] + (n if sig[i] else 0) for i in range(len(ks)))
                if any(k.max is not None and new[i] > k.max for i, k in enumerate(ks)):
                    continue
                if search(j + 1, left - n, new):
                    return True
            return False

        return search(0, need, have)


def check_constraints(constraints: Sequence[Constraint], attributes: dict[Cand, dict[str, str]],
                      candidates: Sequence[Cand], seats: int) -> Conformance:
    """The constraints' checker; ``delib.constraints_unsatisfiable`` when no conformant result exists."""
    conf = Conformance(constraints, attributes, candidates, seats)
    if not conf.possible([], candidates):
        zh = "；".join(k.describe()[0] for k in constraints)
        en = "; ".join(k.describe()[1] for k in constraints)
        raise DomainError("delib.constraints_unsatisfiable", seats=seats, constraints=zh, constraints_en=en)
    return conf


def _check(candidates: Sequence[Cand], seats: int) -> list[Cand]:
    cands = list(dict.fromkeys(candidates))
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1 or seats > len(cands):
        raise DomainError("delib.bad_rule", detail=f"席位数须在 1 到候选人数 {len(cands)} 之间：{seats!r}",
                          detail_en=f"seats must be between 1 and the {len(cands)} candidates: {seats!r}")
    return cands


def _unknown(c: Any) -> DomainError:
    return DomainError("delib.unknown_option", option=c)


def _top(method: str, totals: dict[Cand, Fraction], seats: int, conf: Conformance | None = None) -> SeatsResult:
    """The seats in order of marks; with constraints, skipping whoever would leave no
    conformant result; candidates equal at the last seat(s) that cannot all be elected: a tie."""
    if conf is None or not conf.constraints:
        order = sorted(totals, key=lambda c: -totals[c])
        cut = totals[order[seats - 1]]
        sure = [c for c in order if totals[c] > cut]
        at_cut = [c for c in order if totals[c] == cut]
        if len(sure) + len(at_cut) == seats:
            return SeatsResult(method, seats, sure + at_cut, totals=totals)
        return SeatsResult(method, seats, sure, tie=at_cut, totals=totals)
    elected: list[Cand] = []
    left = sorted(totals, key=lambda c: -totals[c])
    stages: list[dict[str, Any]] = []
    while len(elected) < seats and left:
        skip = [c for c in left if not conf.possible([*elected, c], [x for x in left if x != c])]
        if skip:
            left = [c for c in left if c not in skip]
            stages.append({"action": "skip", "candidates": skip})
            continue
        best = totals[left[0]]
        top = [c for c in left if totals[c] == best]
        rest = [c for c in left if c not in top]
        if len(top) == 1 or (len(elected) + len(top) <= seats and conf.possible([*elected, *top], rest)):
            elected += top
            left = rest
            stages.append({"action": "elect", "candidates": top})
            continue
        stages.append({"action": "tie", "candidates": top})
        return SeatsResult(method, seats, elected, tie=top, totals=totals, stages=stages)
    return SeatsResult(method, seats, elected, totals=totals, stages=stages)


def _weights(ballots: Iterable[Any], weights: Sequence[int] | None) -> list[tuple[Any, int]]:
    """Each ballot with its weight (a whole number ≥ 1; 1 when no weights are given)."""
    items = list(ballots)
    if weights is None:
        return [(b, 1) for b in items]
    ws = list(weights)
    if len(ws) != len(items) or any(isinstance(w, bool) or not isinstance(w, int) or w < 1 for w in ws):
        raise DomainError("delib.bad_rule", detail=f"权重须与选票一一对应且为正整数：{ws!r}",
                          detail_en=f"weights must match the ballots one to one and be whole numbers >= 1: {ws!r}")
    return list(zip(items, ws, strict=True))


def approval_seats(ballots: Iterable[Iterable[Cand]], candidates: Sequence[Cand], seats: int, *,
                   weights: Sequence[int] | None = None, constraints: Sequence[Constraint] = (),
                   attributes: dict[Cand, dict[str, str]] | None = None) -> SeatsResult:
    """Any number of marks per ballot; the ``seats`` most approved win (each mark counts the ballot's weight)."""
    cands = _check(candidates, seats)
    conf = check_constraints(constraints, attributes or {}, cands, seats) if constraints else None
    totals = {c: Fraction(0) for c in cands}
    for b, w in _weights(ballots, weights):
        marks = set(b)
        for c in marks:
            if c not in totals:
                raise _unknown(c)
            totals[c] += w
    return _top("approval", totals, seats, conf)


def plurality_at_large(ballots: Iterable[Iterable[Cand]], candidates: Sequence[Cand], seats: int, *,
                       weights: Sequence[int] | None = None, constraints: Sequence[Constraint] = (),
                       attributes: dict[Cand, dict[str, str]] | None = None) -> SeatsResult:
    """As approval, but a ballot marking more than ``seats`` candidates is invalid (not counted)."""
    cands = _check(candidates, seats)
    kept = [(set(b), w) for b, w in _weights(ballots, weights)]
    kept = [(b, w) for b, w in kept if len(b) <= seats]
    res = approval_seats([b for b, _ in kept], cands, seats, weights=[w for _, w in kept],
                         constraints=constraints, attributes=attributes)
    res.method = "plurality_at_large"
    return res


def droop_quota(valid: int, seats: int) -> Fraction:
    return Fraction(valid // (seats + 1) + 1)


ROUNDINGS = (None, "scottish")


def _five_places(value: Fraction) -> Fraction:
    """``value`` to five decimal places, any remainder being ignored (truncated, as the
    Scottish Local Government Elections Order 2007, sch. 1 r. 48(3), computes a transfer value)."""
    return Fraction(value.numerator * 100000 // value.denominator, 100000)


def stv(ballots: Iterable[Sequence[Cand]], candidates: Sequence[Cand], seats: int, *,
        weights: Sequence[int] | None = None, constraints: Sequence[Constraint] = (),
        attributes: dict[Cand, dict[str, str]] | None = None, rounding: str | None = None) -> SeatsResult:
    """Single transferable vote (Droop quota, WIGM). ``weights``: each ballot counts as that
    many identical papers (a participant's weight in a round). ``rounding``: None keeps every
    value exact; ``"scottish"`` computes each paper's transfer value as the Scottish Local
    Government Elections Order 2007 does (sch. 1 r. 48(3)): surplus × the paper's value ÷ the
    candidate's total, to five decimal places, any remainder being ignored."""
    if rounding not in ROUNDINGS:
        raise DomainError("delib.bad_rule", detail=f"未知的取整方式：{rounding!r}（可选：scottish）",
                          detail_en=f"unknown rounding {rounding!r} (choose from: scottish)")
    cands = _check(candidates, seats)
    conf = check_constraints(constraints, attributes or {}, cands, seats)
    known = set(cands)
    # each paper: its preferences, its current value, how many identical papers it stands for
    papers: list[list[Any]] = []
    for b, w in _weights(ballots, weights):
        prefs = tuple(dict.fromkeys(b))
        for c in prefs:
            if c not in known:
                raise _unknown(c)
        if prefs:
            papers.append([prefs, Fraction(1), w])
    quota = droop_quota(sum(p[2] for p in papers), seats)
    elected: list[Cand] = []
    excluded: set[Cand] = set()
    pending: list[Cand] = []  # elected, surplus not yet transferred
    history: list[dict[Cand, Fraction]] = []
    stages: list[dict[str, Any]] = []

    def continuing() -> list[Cand]:
        return [c for c in cands if c not in excluded and c not in elected]

    def next_holder(prefs: tuple[Cand, ...]) -> Cand | None:
        cont = set(continuing())
        return next((c for c in prefs if c in cont), None)

    at: list[Cand | None] = [p[0][0] for p in papers]  # who holds each paper now (None: exhausted)

    def count() -> dict[Cand, Fraction]:
        t = {c: Fraction(0) for c in cands if c not in excluded}
        for i, (_, value, n) in enumerate(papers):
            if at[i] is not None:
                t[at[i]] += value * n
        for c in elected:  # an elected candidate whose surplus has gone on keeps the quota
            if c not in pending:
                t[c] = quota
        return t

    def move_from(c: Cand, factor: Fraction) -> None:
        for i, paper in enumerate(papers):
            if at[i] == c:
                paper[1] = paper[1] * factor
                if rounding == "scottish":
                    paper[1] = _five_places(paper[1])
                at[i] = next_holder(paper[0])

    def backwards(tied: list[Cand], lowest: bool) -> list[Cand]:
        for past in reversed(history[:-1]):
            vals = {c: past.get(c, Fraction(0)) for c in tied}
            pick = min(vals.values()) if lowest else max(vals.values())
            narrowed = [c for c in tied if vals[c] == pick]
            if len(narrowed) < len(tied):
                tied = narrowed
                if len(tied) == 1:
                    return tied
        return tied

    while len(elected) < seats:
        totals = count()
        history.append(totals)
        cont = continuing()
        if conf.constraints:
            doomed = [c for c in cont if not conf.possible([*elected, c], [x for x in cont if x != c])]
            if doomed:
                excluded.update(doomed)
                for c in doomed:
                    move_from(c, Fraction(1))
                stages.append({"action": "exclude_doomed", "candidates": doomed, "totals": totals})
                continue
        if len(cont) <= seats - len(elected):
            elected += sorted(cont, key=lambda c: -totals[c])
            stages.append({"action": "elect_remaining", "candidates": list(cont), "totals": totals})
            break
        reached = sorted((c for c in cont if totals[c] >= quota), key=lambda c: -totals[c])
        if reached:
            now: list[Cand] = []
            for c in reached[: seats - len(elected)]:
                rest = [x for x in cont if x != c and x not in now]
                if conf.possible([*elected, *now, c], rest):
                    now.append(c)
                elif any(totals[x] == totals[c] for x in now):
                    # equal at the quota, and the constraints let only one of them in
                    tied = [x for x in reached if totals[x] == totals[c]]
                    stages.append({"action": "tie", "candidates": tied, "totals": totals})
                    return SeatsResult("stv", seats, elected, tie=tied, quota=quota, stages=stages)
            elected += now
            pending += now
            stages.append({"action": "elect", "candidates": now, "totals": totals})
            continue
        if pending:
            # the largest surplus first; equal surpluses: the backwards rule, then the order elected
            best = max(totals[c] for c in pending)
            c = backwards([c for c in pending if totals[c] == best], lowest=False)[0]
            surplus = totals[c] - quota
            pending.remove(c)
            move_from(c, surplus / totals[c] if totals[c] else Fraction(0))
            stages.append({"action": "transfer", "candidates": [c], "surplus": surplus, "totals": totals})
            continue
        guarded = [c for c in cont if conf.constraints and not conf.possible(elected, [x for x in cont if x != c])]
        open_ = [c for c in cont if c not in guarded]
        low = min(totals[c] for c in open_)
        tied = backwards([c for c in open_ if totals[c] == low], lowest=True)
        if len(tied) > 1:
            stages.append({"action": "tie", "candidates": tied, "totals": totals})
            return SeatsResult("stv", seats, elected, tie=tied, quota=quota, stages=stages)
        excluded.add(tied[0])
        move_from(tied[0], Fraction(1))
        passed = [c for c in guarded if totals[c] < totals[tied[0]] or (totals[c] == totals[tied[0]])]
        stages.append({"action": "exclude", "candidates": tied, "totals": totals,
                       **({"guarded": passed} if passed else {})})
    return SeatsResult("stv", seats, elected, quota=quota, stages=stages)
