"""Counting a ranked round: 1,000 ballots × 10 options under Schulze and instant-runoff.

    .venv/bin/python benchmarks/bench_tally.py [--ballots 1000] [--options 10] [--seed 2014] [--repeat 21]

The rankings are random but seeded: each voter ranks a random number of options (1 to
all), drawn by popularity (a Plackett–Luce draw, so some options are liked more than
others and IRV has several rounds to run). ``tally`` is timed end to end, as the
plugin calls it when a round closes: it checks the rule and the roster, validates
every ballot, counts, and writes the explanation in two languages.

Baseline, measured in the same run on the same ballots: a bare plurality count of the
ballots' first preferences, ``collections.Counter(r[0] for r in rankings)`` and
``max`` — the least work any count of these ballots must do (one pass, no validation,
no explanation). ``ratio`` = tally / baseline (medians); it says how many bare passes
over the ballots a full, checked and explained count costs. ``tally_plurality`` (the
same first preferences counted by ``tally``) separates the fixed cost of validation
and explanation from the cost of the Schulze and IRV counts themselves.
"""

from __future__ import annotations

import argparse
import random
from collections import Counter

from _common import emit, log, machine, median_ms

from gongzhi.plugins.deliberation.rules import PRESETS, Ballot, Voter, tally, validate_ballot


def profile(n_ballots: int, n_options: int, seed: int) -> tuple[list[int], list[tuple[int, ...]]]:
    rng = random.Random(seed)
    options = list(range(1, n_options + 1))
    popularity = {o: rng.uniform(0.5, 3.0) for o in options}
    rankings = []
    for _ in range(n_ballots):
        # weighted random order (Efraimidis–Spirakis keys): popular options tend to come first
        order = sorted(options, key=lambda o: rng.random() ** (1 / popularity[o]), reverse=True)
        rankings.append(tuple(order[: rng.randint(1, n_options)]))
    return options, rankings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ballots", type=int, default=1000)
    ap.add_argument("--options", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args()

    options, rankings = profile(args.ballots, args.options, args.seed)
    voters = [Voter(i) for i in range(1, len(rankings) + 1)]
    ranked = [Ballot(i, ranking=r) for i, r in enumerate(rankings, start=1)]
    firsts = [Ballot(i, option_id=r[0]) for i, r in enumerate(rankings, start=1)]
    roster = {v.id: v for v in voters}

    def baseline() -> tuple[int, int]:
        counts = Counter(r[0] for r in rankings)
        return max(counts.items(), key=lambda item: (item[1], -item[0]))

    def validate_all() -> None:
        for b in ranked:
            validate_ballot(PRESETS["irv"], roster, b, options)

    runs = {
        "schulze": lambda: tally(PRESETS["schulze"], voters, ranked, options),
        "irv": lambda: tally(PRESETS["irv"], voters, ranked, options),
        "tally_plurality": lambda: tally(PRESETS["plurality"], voters, firsts, options),
        "validate_ballot_each": validate_all,
    }
    log("baseline …")
    base_ms = median_ms(baseline, args.repeat)
    # the baseline's plurality winner must be tally's: the same ballots, counted twice
    plurality = tally(PRESETS["plurality"], voters, firsts, options)
    assert plurality.winners == (baseline()[0],), (plurality.winners, baseline())

    out: dict = {
        "ballots": len(ranked),
        "options": len(options),
        "seed": args.seed,
        "repeat": args.repeat,
        "distinct_rankings": len(set(rankings)),
        "mean_ranking_length": round(sum(map(len, rankings)) / len(rankings), 2),
        "baseline": {
            "what": "collections.Counter over the ballots' first preferences + max: a bare plurality "
            "count, one pass, no validation, no explanation",
            "ms": base_ms,
        },
        "runs": {},
    }
    for name, fn in runs.items():
        log(f"{name} …")
        ms = median_ms(fn, args.repeat)
        entry: dict = {"ms": ms, "ratio": round(ms / base_ms, 1)}
        if name in ("schulze", "irv", "tally_plurality"):
            result = fn()
            entry |= {
                "outcome": result.outcome,
                "winners": list(result.winners),
                "explanation_lines": len(result.explanation),
            }
            if name == "irv":
                entry["irv_rounds"] = len(result.rounds)
            if name == "schulze":
                entry["order"] = result.totals["order"]
        out["runs"][name] = entry
    out["machine"] = machine()
    emit(out)


if __name__ == "__main__":
    main()
