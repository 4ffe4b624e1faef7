"""The deliberation rules: published examples, bases and thresholds, consent, quorum,
proxies and weights, ballot validation, and properties checked with hypothesis."""

from __future__ import annotations

import dataclasses
import json
import random
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import MESSAGES, DomainError
from gongzhi.plugins.deliberation.rules import (
    BASES,
    CHOICES,
    KINDS,
    PRESETS,
    ROLES,
    SEAT_KINDS,
    Ballot,
    Line,
    Quorum,
    Result,
    Rule,
    Voter,
    check_rule,
    ranking_from_ranks,
    tally,
    validate_ballot,
)

# -- helpers ----------------------------------------------------------------------------


def yes_no_round(
    *choices: str | None, weights: dict[int, int] | None = None
) -> tuple[list[Voter], list[Ballot]]:
    """Voters 1..n, all present, voter i casting choices[i-1]."""
    weights = weights or {}
    voters = [Voter(i, weight=weights.get(i, 1)) for i in range(1, len(choices) + 1)]
    reason = {"object": "理由"}
    ballots = [
        Ballot(i, choice=c, reason=reason.get(c or "", "")) for i, c in enumerate(choices, start=1)
    ]
    return voters, ballots


def ranked_profile(groups: list[tuple[int, tuple[int, ...]]]) -> tuple[list[Voter], list[Ballot]]:
    voters, ballots = [], []
    for count, ranking in groups:
        for _ in range(count):
            vid = len(voters) + 1
            voters.append(Voter(vid))
            ballots.append(Ballot(vid, ranking=ranking))
    return voters, ballots


def text(result: Result, lang: str = "en") -> str:
    return "\n".join(getattr(line, lang) for line in result.explanation)


def code_of(excinfo: pytest.ExceptionInfo[DomainError]) -> str:
    return excinfo.value.code


def floats_in(value: object) -> list[object]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in floats_in(v)]
    return []


# -- published examples -----------------------------------------------------------------

A, B, C, D, E = 1, 2, 3, 4, 5
LETTER = {"A": A, "B": B, "C": C, "D": D, "E": E}
# Wikipedia, "Schulze method", the 45-voter example
SCHULZE_45 = {
    "ACBED": 5,
    "ADECB": 5,
    "BEDAC": 8,
    "CABED": 3,
    "CAEBD": 7,
    "CBADE": 2,
    "DCEBA": 7,
    "EBADC": 8,
}


def test_schulze_45_voter_example() -> None:
    voters, ballots = ranked_profile(
        [(n, tuple(LETTER[c] for c in s)) for s, n in SCHULZE_45.items()]
    )
    result = tally(PRESETS["schulze"], voters, ballots, [A, B, C, D, E])
    assert result.outcome == "adopted"
    assert result.winners == (E,)
    assert result.totals["order"] == [[E], [A], [C], [B], [D]]
    pairwise = result.rounds[0]["pairwise"]
    # the matrix of pairwise preferences as printed in the article
    assert pairwise == [
        [0, 20, 26, 30, 22],
        [25, 0, 16, 33, 18],
        [19, 29, 0, 17, 24],
        [15, 12, 28, 0, 14],
        [23, 27, 21, 31, 0],
    ]
    assert result.rounds[0]["strongest_paths"] == [
        [0, 28, 28, 30, 24],
        [25, 0, 28, 33, 24],
        [25, 29, 0, 29, 24],
        [25, 28, 28, 0, 24],
        [25, 28, 28, 31, 0],
    ]


MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE = 1, 2, 3, 4
TENNESSEE = [
    (42, (MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE)),
    (26, (NASHVILLE, CHATTANOOGA, KNOXVILLE, MEMPHIS)),
    (15, (CHATTANOOGA, KNOXVILLE, NASHVILLE, MEMPHIS)),
    (17, (KNOXVILLE, CHATTANOOGA, NASHVILLE, MEMPHIS)),
]
CITIES = [MEMPHIS, NASHVILLE, CHATTANOOGA, KNOXVILLE]


def test_tennessee_irv_elects_knoxville() -> None:
    voters, ballots = ranked_profile(TENNESSEE)
    result = tally(PRESETS["irv"], voters, ballots, CITIES)
    assert (result.outcome, result.winners) == ("adopted", (KNOXVILLE,))
    assert [r["eliminated"] for r in result.rounds] == [[CHATTANOOGA], [NASHVILLE], []]
    assert result.rounds[1]["votes"] == {"1": 42, "2": 26, "4": 32}
    assert result.rounds[2]["votes"] == {"1": 42, "4": 58}
    assert "round 3: #4 has 58, more than half" in text(result)
    assert "第 3 轮：#4 得 58 票，超过半数" in text(result, "zh")


def test_tennessee_borda_elects_nashville() -> None:
    voters, ballots = ranked_profile(TENNESSEE)
    result = tally(PRESETS["borda"], voters, ballots, CITIES)
    assert (result.outcome, result.winners) == ("adopted", (NASHVILLE,))
    assert result.totals["options"] == {"1": 126, "2": 194, "3": 173, "4": 107}


def test_tennessee_schulze_elects_nashville() -> None:
    voters, ballots = ranked_profile(TENNESSEE)
    result = tally(PRESETS["schulze"], voters, ballots, CITIES)
    assert (result.outcome, result.winners) == ("adopted", (NASHVILLE,))
    assert result.totals["order"] == [[NASHVILLE], [CHATTANOOGA], [KNOXVILLE], [MEMPHIS]]


def test_tennessee_plurality_elects_memphis() -> None:
    voters, ranked = ranked_profile(TENNESSEE)
    ballots = [Ballot(b.voter_id, option_id=b.ranking[0]) for b in ranked]
    result = tally(PRESETS["plurality"], voters, ballots, CITIES)
    assert (result.outcome, result.winners) == ("adopted", (MEMPHIS,))
    assert result.totals["options"] == {"1": 42, "2": 26, "3": 15, "4": 17}


def test_condorcet_paradox_is_an_explicit_tie_under_schulze() -> None:
    voters, ballots = ranked_profile([(1, (A, B, C)), (1, (B, C, A)), (1, (C, A, B))])
    result = tally(PRESETS["schulze"], voters, ballots, [A, B, C])
    assert result.outcome == "tie"
    assert result.winners == (A, B, C)
    assert result.totals["order"] == [[A, B, C]]
    assert "does not break ties" in text(result)


# -- yes/no: bases, thresholds, comparators -----------------------------------------------


def test_the_base_changes_the_outcome() -> None:
    voters, ballots = yes_no_round(
        "yes", "yes", "yes", "yes", "no", "no", "no", "abstain", "abstain"
    )
    on_yn = tally(Rule("yes_no", base="YN"), voters, ballots, [])
    on_yna = tally(Rule("yes_no", base="YNA"), voters, ballots, [])
    assert on_yn.outcome == "adopted"  # 4 × 2 = 8 > 1 × 7
    assert on_yna.outcome == "rejected"  # 4 × 2 = 8 > 1 × 9 fails
    assert on_yn.rounds[0]["lhs"] == 8 and on_yn.rounds[0]["rhs"] == 7
    assert on_yna.rounds[0]["rhs"] == 9


def test_exact_two_thirds_boundary() -> None:
    voters, ballots = yes_no_round(*["yes"] * 6, *["no"] * 3)
    at_least = tally(Rule("yes_no", Fraction(2, 3), ">="), voters, ballots, [])
    more_than = tally(Rule("yes_no", Fraction(2, 3), ">"), voters, ballots, [])
    assert at_least.outcome == "adopted"
    assert more_than.outcome == "rejected"
    assert at_least.rounds[0]["lhs"] == at_least.rounds[0]["rhs"] == 18
    assert "6 × 3 = 18 ≥ 2 × 9 = 18" in text(at_least)
    assert (
        PRESETS["two_thirds"].comparator == ">="
        and tally(PRESETS["two_thirds"], voters, ballots, []).outcome == "adopted"
    )


def test_a_tied_simple_majority_fails() -> None:
    voters, ballots = yes_no_round("yes", "yes", "no", "no", "abstain")
    result = tally(PRESETS["simple_majority"], voters, ballots, [])
    assert result.outcome == "rejected"
    assert "a tie is not a majority" in text(result)


def test_absolute_majority_counts_everyone_entitled() -> None:
    voters, ballots = yes_no_round("yes", "yes", "yes", "no", None)
    voters += [Voter(6, present=False), Voter(7, present=False)]
    result = tally(PRESETS["absolute_majority"], voters, ballots, [])
    assert result.totals["base"] == {"name": "entitled", "weight": 7}
    assert result.outcome == "rejected"  # 3 of 7 is not more than half
    voters[5] = Voter(6, present=True)  # one of the absent comes in and votes yes: 4 of 7
    assert (
        tally(PRESETS["absolute_majority"], voters, [*ballots, Ballot(6, choice="yes")], []).outcome
        == "adopted"
    )


def test_unanimity_is_every_valid_ballot_yes() -> None:
    assert tally(PRESETS["unanimity"], *yes_no_round("yes", "yes", "yes"), []).outcome == "adopted"
    assert (
        tally(PRESETS["unanimity"], *yes_no_round("yes", "yes", "abstain"), []).outcome
        == "rejected"
    )
    assert tally(PRESETS["unanimity"], *yes_no_round("yes", "yes", "no"), []).outcome == "rejected"
    # nobody saying no, abstentions allowed: the same threshold on base YN
    assert (
        tally(Rule("yes_no", Fraction(1), ">=", "YN"), *yes_no_round("yes", "abstain"), []).outcome
        == "adopted"
    )


def test_blank_ballots_count_only_in_the_cast_base() -> None:
    voters, ballots = yes_no_round("yes", "yes", "no", None)
    on_valid = tally(Rule("yes_no", base="valid"), voters, ballots, [])
    on_cast = tally(Rule("yes_no", base="cast"), voters, ballots, [])
    assert on_valid.outcome == "adopted"  # 2 of 3 valid
    assert on_cast.outcome == "rejected"  # 2 of 4 cast is not more than half
    assert on_cast.totals["ballots"]["blank"] == 1


def test_nothing_passes_on_an_empty_base() -> None:
    voters, ballots = yes_no_round("abstain", "abstain")
    result = tally(Rule("yes_no", Fraction(1, 2), ">=", "YN"), voters, ballots, [])
    assert result.outcome == "rejected"
    assert "the base is 0" in text(result)


# -- consent --------------------------------------------------------------------------------


def test_one_objection_fails_consent() -> None:
    voters, ballots = yes_no_round("yes", "yes", "no", "abstain", "object")
    result = tally(Rule("consent"), voters, ballots, [])
    assert result.outcome == "rejected"
    assert result.rounds[0]["objections"] == [
        {"voter": 5, "cast_by": None, "role": "resident_rep", "reason": "理由", "blocks": True}
    ]
    # disagreeing without objecting does not block
    voters, ballots = yes_no_round("yes", "yes", "no", "abstain")
    assert tally(Rule("consent"), voters, ballots, []).outcome == "adopted"


def test_a_non_residents_objection_does_not_block_consent_of_all_residents() -> None:
    rule = PRESETS["consent_all_residents"]
    assert rule.veto_roles == ("resident_rep",)
    voters = [
        Voter(1),
        Voter(2),
        Voter(3, role="property_company", group="property"),
        Voter(4, role="contractor"),
    ]
    ballots = [
        Ballot(1, choice="yes"),
        Ballot(2, choice="yes"),
        Ballot(3, choice="object", reason="晾衣架影响消防通道"),
        Ballot(4, choice="object", reason="工期太紧"),
    ]
    result = tally(rule, voters, ballots, [])
    assert result.outcome == "adopted"
    assert [o["blocks"] for o in result.rounds[0]["objections"]] == [False, False]
    assert "晾衣架影响消防通道" in text(
        result, "zh"
    )  # recorded, with its reason, though it does not block
    blocked = tally(rule, voters, [*ballots[:1], Ballot(2, choice="object", reason="挡光")], [])
    assert blocked.outcome == "rejected"


def test_an_objection_without_a_reason_is_refused() -> None:
    voters = {1: Voter(1)}
    with pytest.raises(DomainError) as e:
        validate_ballot(Rule("consent"), voters, Ballot(1, choice="object", reason="  "), [])
    assert code_of(e) == "delib.objection_needs_reason"
    # in a recount from a file it is an invalid ballot, listed, and blocks nothing
    result = tally(
        Rule("consent"),
        [Voter(1), Voter(2)],
        [Ballot(1, choice="object"), Ballot(2, choice="yes")],
        [],
    )
    assert result.outcome == "adopted"
    assert result.totals["ballots"]["invalid"] == 1
    assert "invalid ballot: participant 1's objection must give a reason" in text(result)


def test_consent_with_no_valid_ballot_is_not_adopted() -> None:
    assert tally(Rule("consent"), [Voter(1)], [], []).outcome == "rejected"


# -- quorum, weights, proxies, absence -----------------------------------------------------------


def test_no_quorum_is_not_rejected() -> None:
    voters, ballots = yes_no_round("yes", "yes")
    voters += [Voter(i, present=False) for i in range(3, 7)]
    rule = Rule("yes_no", quorum=Quorum("entitled", fraction=Fraction(1, 2)))
    result = tally(rule, voters, ballots, [])
    assert result.outcome == "no_quorum"
    assert result.totals["quorum"]["met"] is False
    assert result.totals["quorum"]["required_weight"] == "3/1"
    assert "not a rejection" in text(result)
    voters[2] = dataclasses.replace(voters[2], present=True)  # a third of six shows up: 3 >= 3
    assert tally(rule, voters, ballots, []).outcome == "adopted"


def test_quorum_of_present_counts_who_voted() -> None:
    voters, ballots = yes_no_round("yes", "no", None)
    voters += [Voter(4), Voter(5)]  # present, did not vote
    rule = Rule("yes_no", quorum=Quorum("present", count=4))
    assert tally(rule, voters, ballots, []).outcome == "no_quorum"
    assert (
        tally(
            Rule("yes_no", quorum=Quorum("present", fraction=Fraction(3, 5))), voters, ballots, []
        ).outcome
        == "rejected"
    )


def test_weights_apply_to_numerator_and_denominator() -> None:
    voters, ballots = yes_no_round("yes", "no", "no", weights={1: 3})
    result = tally(Rule("yes_no"), voters, ballots, [])
    assert result.outcome == "adopted"  # 3 yes against 2 no, though one person against two
    assert result.rounds[0]["yes"] == 3 and result.rounds[0]["base_weight"] == 5
    on_entitled = tally(
        Rule("yes_no", base="entitled"), [*voters, Voter(4, weight=2, present=False)], ballots, []
    )
    assert on_entitled.rounds[0]["base_weight"] == 7
    assert on_entitled.outcome == "rejected"  # 3 × 2 = 6 > 7 fails


def test_a_proxy_vote_counts_only_if_the_holder_is_present() -> None:
    principal = Voter(2, present=False)
    holder = Voter(3, present=True, proxy_for=2)
    voters = [Voter(1), principal, holder]
    ballots = [Ballot(1, choice="no"), Ballot(2, cast_by=3, choice="yes"), Ballot(3, choice="yes")]
    counted = tally(Rule("yes_no"), voters, ballots, [])
    assert counted.outcome == "adopted"
    assert counted.totals["roster"]["attending"] == {
        "count": 3,
        "weight": 3,
    }  # represented counts as attending
    absent_holder = [Voter(1), principal, dataclasses.replace(holder, present=False)]
    result = tally(Rule("yes_no"), absent_holder, ballots[:2], [])
    assert result.totals["ballots"]["not_counted"] == 1
    assert result.outcome == "rejected"
    assert (
        "not counted: a proxy cannot be passed on and its holder must be present: 3 cannot vote for 2"
        in text(result)
    )
    with pytest.raises(DomainError) as e:
        validate_ballot(Rule("yes_no"), {v.id: v for v in absent_holder}, ballots[1], [])
    assert code_of(e) == "delib.proxy_chain"


def test_an_absent_voter_who_did_not_vote_is_not_an_abstention() -> None:
    voters, ballots = yes_no_round("yes", "yes", "no")
    voters.append(Voter(4, present=False))
    on_yna = tally(Rule("yes_no", base="YNA"), voters, ballots, [])
    assert on_yna.totals["choices"]["abstain"] == {"count": 0, "weight": 0}
    assert on_yna.rounds[0]["base_weight"] == 3
    assert on_yna.outcome == "adopted"  # 2 of 3; 2 of 4 would have failed
    present = tally(Rule("yes_no", base="entitled_present"), voters, ballots, [])
    assert present.rounds[0]["base_weight"] == 3 and present.outcome == "adopted"
    # only the entitled base counts them
    assert tally(Rule("yes_no", base="entitled"), voters, ballots, []).outcome == "rejected"


def test_an_in_person_ballot_from_someone_marked_absent_does_not_count() -> None:
    voters = [Voter(1), Voter(2, present=False)]
    result = tally(Rule("yes_no"), voters, [Ballot(1, choice="no"), Ballot(2, choice="yes")], [])
    assert result.outcome == "rejected"
    assert "not counted: participant 2 is absent" in text(result)


# -- per stakeholder group ------------------------------------------------------------------------


def test_each_group_must_pass_on_its_own() -> None:
    voters = [Voter(i, group="residents") for i in range(1, 7)] + [
        Voter(7, group="property", role="property_company"),
        Voter(8, group="property", role="property_company"),
    ]
    ballots = [Ballot(i, choice="yes") for i in range(1, 7)] + [
        Ballot(7, choice="no"),
        Ballot(8, choice="no"),
    ]
    rule = Rule("yes_no", per_group=("residents", "property"))
    result = tally(rule, voters, ballots, [])
    assert result.rounds[0]["passed"] is True  # 6 of 8 overall
    assert result.totals["groups"]["residents"]["passed"] is True
    assert result.totals["groups"]["property"]["passed"] is False
    assert result.outcome == "rejected"
    assert "passed overall, but not in: property" in text(result)
    ballots[-1] = Ballot(8, choice="yes")
    assert (
        tally(
            Rule("yes_no", Fraction(1, 2), ">=", per_group=("residents", "property")),
            voters,
            ballots,
            [],
        ).outcome
        == "adopted"
    )


def test_a_group_with_nobody_entitled_fails() -> None:
    voters, ballots = yes_no_round("yes")
    assert tally(Rule("yes_no", per_group=("property",)), voters, ballots, []).outcome == "rejected"


# -- choosing: ties and details ---------------------------------------------------------------------


def test_plurality_tie_is_returned() -> None:
    voters = [Voter(i) for i in range(1, 5)]
    ballots = [
        Ballot(1, option_id=A),
        Ballot(2, option_id=B),
        Ballot(3, option_id=A),
        Ballot(4, option_id=B),
    ]
    result = tally(PRESETS["plurality"], voters, ballots, [A, B, C])
    assert (result.outcome, result.winners) == ("tie", (A, B))


def test_approval_counts_each_approval() -> None:
    voters = [Voter(i) for i in range(1, 4)]
    ballots = [
        Ballot(1, approvals=frozenset({A, B})),
        Ballot(2, approvals=frozenset({B})),
        Ballot(3, approvals=frozenset({C, B})),
    ]
    result = tally(PRESETS["approval"], voters, ballots, [A, B, C])
    assert result.winners == (B,) and result.totals["options"] == {"1": 1, "2": 3, "3": 1}


def test_borda_scores_partial_rankings_from_the_top_and_unranked_zero() -> None:
    voters = [Voter(1), Voter(2, weight=2)]
    ballots = [Ballot(1, ranking=(A,)), Ballot(2, ranking=(C, B))]
    result = tally(PRESETS["borda"], voters, ballots, [A, B, C])
    # n = 3: 1st 2 points, 2nd 1, 3rd and unranked 0
    assert result.totals["options"] == {"1": 2, "2": 2, "3": 4}
    assert result.winners == (C,)


def test_irv_tie_for_elimination_is_not_broken() -> None:
    voters, ballots = ranked_profile([(4, (A,)), (3, (B, C)), (3, (C, B))])
    result = tally(PRESETS["irv"], voters, ballots, [A, B, C])
    # eliminating B first elects C, eliminating C first elects B; A cannot win either way
    assert result.outcome == "tie"
    assert result.winners == (B, C)
    assert result.totals["tie"] == {"stage": "elimination", "round": 1, "options": [B, C]}
    assert result.rounds[0]["branches"] == {"2": [C], "3": [B]}
    assert "the rule does not choose" in text(result)
    assert "若先淘汰 #2：#3 当选" in text(result, "zh")


def test_irv_tie_for_elimination_that_cannot_change_the_winner() -> None:
    voters, ballots = ranked_profile([(5, (A,)), (2, (B, A)), (2, (C, A)), (2, (D, A))])
    result = tally(PRESETS["irv"], voters, ballots, [A, B, C, D])
    assert (result.outcome, result.winners) == ("adopted", (A,))
    assert result.rounds[0]["tied"] == [B, C, D]
    assert result.rounds[0]["branches"] == {"2": [A], "3": [A], "4": [A]}
    assert "the tie does not matter" in text(result)
    assert "tie" not in result.totals


def test_irv_eliminates_a_tie_together_when_the_order_cannot_matter() -> None:
    voters, ballots = ranked_profile([(5, (A,)), (4, (B,)), (1, (C, B)), (1, (D, B))])
    result = tally(PRESETS["irv"], voters, ballots, [A, B, C, D])
    assert result.rounds[0]["eliminated"] == [C, D] and result.rounds[0]["bulk"] is True
    assert (result.outcome, result.winners) == ("adopted", (B,))


def test_irv_tie_for_the_win() -> None:
    voters, ballots = ranked_profile([(2, (A, C)), (2, (B, C)), (1, (C,))])
    result = tally(PRESETS["irv"], voters, ballots, [A, B, C])
    assert (result.outcome, result.winners) == ("tie", (A, B))
    assert result.totals["tie"]["stage"] == "win"
    assert result.rounds[-1]["exhausted"] == 1


def test_choosing_with_only_abstentions_chooses_nothing() -> None:
    voters = [Voter(1), Voter(2)]
    for kind in ("plurality", "approval", "borda", "irv", "schulze"):
        result = tally(
            PRESETS[kind],
            voters,
            [Ballot(1, choice="abstain"), Ballot(2, choice="abstain")],
            [A, B],
        )
        assert result.outcome == "rejected", kind


# -- validation -----------------------------------------------------------------------------------------

ROSTER = {
    1: Voter(1),
    2: Voter(2, can_vote=False, role="observer"),
    3: Voter(3, present=False),  # represented by 4
    4: Voter(4, proxy_for=3),
    5: Voter(5, proxy_for=4, present=True),  # holds 4's proxy, though 4 is present
    6: Voter(6, present=False, proxy_for=7),  # an absent holder
    7: Voter(7, present=False),
    8: Voter(8, present=False),  # absent, nobody holds the proxy
    9: Voter(9, present=False, proxy_for=10),  # 11 → 9 → 10 is a chain
    10: Voter(10, present=False),
    11: Voter(11, proxy_for=9),
}
OPTS = [A, B, C]

REFUSALS = [
    ("ranking with a repeat", PRESETS["irv"], Ballot(1, ranking=(A, B, A)), "delib.bad_ranking"),
    (
        "ranking of an unknown option",
        PRESETS["schulze"],
        Ballot(1, ranking=(A, 9)),
        "delib.bad_ranking",
    ),
    (
        "plurality: unknown option",
        PRESETS["plurality"],
        Ballot(1, option_id=9),
        "delib.unknown_option",
    ),
    (
        "approval: unknown option",
        PRESETS["approval"],
        Ballot(1, approvals=frozenset({A, 9})),
        "delib.unknown_option",
    ),
    (
        "non-voting participant",
        PRESETS["simple_majority"],
        Ballot(2, choice="yes"),
        "delib.not_entitled",
    ),
    (
        "not on the roster",
        PRESETS["simple_majority"],
        Ballot(99, choice="yes"),
        "delib.not_entitled",
    ),
    (
        "proxy chain",
        PRESETS["simple_majority"],
        Ballot(10, cast_by=11, choice="yes"),
        "delib.proxy_chain",
    ),
    (
        "proxy held by an absent holder",
        PRESETS["simple_majority"],
        Ballot(7, cast_by=6, choice="yes"),
        "delib.proxy_chain",
    ),
    (
        "no proxy held",
        PRESETS["simple_majority"],
        Ballot(8, cast_by=1, choice="yes"),
        "delib.no_proxy",
    ),
    (
        "principal present",
        PRESETS["simple_majority"],
        Ballot(4, cast_by=5, choice="yes"),
        "delib.proxy_lapsed",
    ),
    ("absent, in person", PRESETS["simple_majority"], Ballot(8, choice="yes"), "delib.not_present"),
    (
        "object outside consent",
        PRESETS["simple_majority"],
        Ballot(1, choice="object", reason="x"),
        "delib.choice_not_allowed",
    ),
    (
        "ranking in a yes/no round",
        PRESETS["simple_majority"],
        Ballot(1, ranking=(A,)),
        "delib.choice_not_allowed",
    ),
    (
        "unknown choice",
        PRESETS["consent_all_residents"],
        Ballot(1, choice="maybe"),
        "delib.choice_not_allowed",
    ),
    ("yes in a ranking round", PRESETS["irv"], Ballot(1, choice="yes"), "delib.choice_not_allowed"),
    (
        "approvals in a plurality round",
        PRESETS["plurality"],
        Ballot(1, approvals=frozenset({A})),
        "delib.choice_not_allowed",
    ),
    (
        "abstention with a ranking",
        PRESETS["borda"],
        Ballot(1, choice="abstain", ranking=(A,)),
        "delib.choice_not_allowed",
    ),
    (
        "objection without reason",
        PRESETS["consent_all_residents"],
        Ballot(1, choice="object"),
        "delib.objection_needs_reason",
    ),
    (
        "base for a ranking round",
        Rule("irv", base="YNA"),
        Ballot(1, ranking=(A,)),
        "delib.base_not_allowed",
    ),
    (
        "base for consent",
        Rule("consent", base="entitled"),
        Ballot(1, choice="yes"),
        "delib.base_not_allowed",
    ),
    (
        "unknown base",
        Rule("yes_no", base="present"),
        Ballot(1, choice="yes"),
        "delib.base_not_allowed",
    ),
    ("float threshold", Rule("yes_no", threshold=0.5), Ballot(1, choice="yes"), "delib.bad_rule"),  # type: ignore[arg-type]
    (
        "misspelt veto role",
        Rule("consent", veto_roles=("resident",)),
        Ballot(1, choice="yes"),
        "delib.bad_rule",
    ),
    (
        "per-group outside yes/no",
        Rule("consent", per_group=("residents",)),
        Ballot(1, choice="yes"),
        "delib.bad_rule",
    ),
    ("unknown kind", Rule("range"), Ballot(1), "delib.bad_rule"),
]


@pytest.mark.parametrize(
    ("rule", "ballot", "code"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_validate_ballot_refuses(rule: Rule, ballot: Ballot, code: str) -> None:
    with pytest.raises(DomainError) as e:
        validate_ballot(rule, ROSTER, ballot, OPTS)
    assert code_of(e) == code
    for lang in ("zh", "en"):
        message = e.value.message(lang)
        assert message and "{" not in message, message


ACCEPTED = [
    ("yes in person", PRESETS["simple_majority"], Ballot(1, choice="yes")),
    ("blank", PRESETS["simple_majority"], Ballot(1)),
    ("proxy for an absent voter", PRESETS["simple_majority"], Ballot(3, cast_by=4, choice="no")),
    ("cast_by themselves", PRESETS["simple_majority"], Ballot(1, cast_by=1, choice="abstain")),
    (
        "objection with reason",
        PRESETS["consent_all_residents"],
        Ballot(1, choice="object", reason="挡光"),
    ),
    ("partial ranking", PRESETS["irv"], Ballot(1, ranking=(C,))),
    ("abstention in a choosing round", PRESETS["schulze"], Ballot(1, choice="abstain")),
    ("plurality", PRESETS["plurality"], Ballot(1, option_id=B)),
    ("approval of none is blank", PRESETS["approval"], Ballot(1)),
]


@pytest.mark.parametrize(
    ("rule", "ballot"), [r[1:] for r in ACCEPTED], ids=[r[0] for r in ACCEPTED]
)
def test_validate_ballot_accepts(rule: Rule, ballot: Ballot) -> None:
    assert validate_ballot(rule, ROSTER, ballot, OPTS) is None


@pytest.mark.parametrize(
    ("ranks", "expected"),
    [
        ({A: 2, B: 1, C: 3}, (B, A, C)),
        ({C: 1}, (C,)),
        ({}, ()),
    ],
)
def test_ranks_from_the_grid_become_a_ranking(
    ranks: dict[int, int], expected: tuple[int, ...]
) -> None:
    assert ranking_from_ranks(ranks) == expected


@pytest.mark.parametrize(
    "ranks", [{A: 1, B: 2, C: 4}, {A: 2, B: 3}, {A: 1, B: 1, C: 2}, {A: 0, B: 1}]
)
def test_ranks_with_gaps_or_repeats_are_refused(ranks: dict[int, int]) -> None:
    with pytest.raises(DomainError) as e:
        ranking_from_ranks(ranks)
    assert code_of(e) == "delib.bad_ranking"


def test_unusable_inputs_are_refused_by_tally() -> None:
    with pytest.raises(DomainError) as e:
        tally(Rule("yes_no"), [Voter(1)], [Ballot(1, choice="yes"), Ballot(1, choice="no")], [])
    assert code_of(e) == "delib.duplicate_ballot"
    for roster in (
        [Voter(1), Voter(1)],
        [Voter(1, weight=0)],
        [Voter(1, role="mayor")],
        [Voter(1, proxy_for=1)],
        [Voter(1, proxy_for=3), Voter(2, proxy_for=3), Voter(3)],
    ):
        with pytest.raises(DomainError) as e:
            tally(Rule("yes_no"), roster, [], [])
        assert code_of(e) == "delib.bad_roster"
    with pytest.raises(DomainError) as e:
        tally(PRESETS["irv"], [Voter(1)], [], [A, A])
    assert code_of(e) == "input.invalid"
    with pytest.raises(DomainError) as e:
        check_rule(Rule("yes_no", quorum=Quorum("entitled")))
    assert code_of(e) == "delib.bad_rule"


def test_every_delib_code_has_both_languages() -> None:
    delib = {k: v for k, v in MESSAGES.items() if k.startswith("delib.")}
    assert {
        "delib.not_entitled",
        "delib.proxy_chain",
        "delib.objection_needs_reason",
        "delib.bad_ranking",
        "delib.unknown_option",
        "delib.choice_not_allowed",
        "delib.base_not_allowed",
    } <= set(delib)
    assert all(zh and en for zh, en in delib.values())


def test_presets() -> None:
    assert set(PRESETS) == {
        "simple_majority",
        "absolute_majority",
        "two_thirds",
        "unanimity",
        "consent_all_residents",
        "plurality",
        "approval",
        "borda",
        "irv",
        "schulze",
    }
    for name, rule in PRESETS.items():
        assert rule.name == name
        check_rule(rule)


# -- properties -----------------------------------------------------------------------------------------

THRESHOLDS = [Fraction(1, 2), Fraction(2, 3), Fraction(3, 4), Fraction(1)]
GROUPS = ["residents", "property", "party"]


@st.composite
def rosters(draw: st.DrawFn, min_size: int = 0) -> list[Voter]:
    n = draw(st.integers(min_size, 12))
    voters = []
    for i in range(1, n + 1):
        voters.append(
            Voter(
                i,
                group=draw(st.sampled_from(GROUPS)),
                role=draw(st.sampled_from(ROLES)),
                can_vote=draw(st.sampled_from([True, True, True, False])),
                weight=draw(st.integers(1, 3)),
                present=draw(st.sampled_from([True, True, True, False])),
            )
        )
    # a few proxies: a present holder for an absent voter, and some that break the rules
    absent = [v.id for v in voters if not v.present]
    holders = [v.id for v in voters]
    taken: set[int] = set()
    for principal in absent:
        if holders and draw(st.booleans()):
            holder = draw(st.sampled_from(holders))
            h = voters[holder - 1]
            if holder != principal and h.proxy_for is None and principal not in taken:
                voters[holder - 1] = dataclasses.replace(h, proxy_for=principal)
                taken.add(principal)
    return voters


yes_no_rules = st.builds(
    Rule,
    kind=st.just("yes_no"),
    threshold=st.sampled_from(THRESHOLDS),
    comparator=st.sampled_from([">", ">="]),
    base=st.sampled_from(BASES),
    quorum=st.none()
    | st.builds(
        Quorum,
        of=st.sampled_from(["entitled", "present"]),
        fraction=st.sampled_from(THRESHOLDS),
        count=st.none() | st.integers(1, 4),
    ),
    per_group=st.sampled_from([(), ("residents",), ("residents", "property")]),
)


@st.composite
def yes_no_ballots(draw: st.DrawFn, voters: list[Voter]) -> list[Ballot]:
    ballots = []
    for v in voters:
        if not draw(st.booleans()):
            continue
        holder = next((h.id for h in voters if h.proxy_for == v.id), None)
        cast_by = holder if holder is not None and draw(st.booleans()) else None
        ballots.append(
            Ballot(
                v.id, cast_by=cast_by, choice=draw(st.sampled_from(["yes", "no", "abstain", None]))
            )
        )
    return ballots


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_adding_a_yes_vote_never_turns_adopted_into_rejected(data: st.DataObject) -> None:
    rule = data.draw(yes_no_rules)
    voters = data.draw(rosters())
    ballots = data.draw(yes_no_ballots(voters))
    before = tally(rule, voters, ballots, [])
    # a newcomer who votes yes
    newcomer = Voter(
        100, group=data.draw(st.sampled_from(GROUPS)), weight=data.draw(st.integers(1, 3))
    )
    after_new = tally(rule, [*voters, newcomer], [*ballots, Ballot(100, choice="yes")], [])
    # or someone present and entitled who had not voted, or had voted otherwise, now votes yes
    voted = {b.voter_id: b for b in ballots}
    eligible = [v for v in voters if v.can_vote and v.present]
    changed = None
    if eligible:
        v = data.draw(st.sampled_from(eligible))
        changed = tally(
            rule,
            voters,
            [*(b for b in ballots if b.voter_id != v.id), Ballot(v.id, choice="yes")],
            [],
        )
        assert (
            v.id not in voted
            or voted[v.id].choice != "yes"
            or changed.as_dict() == before.as_dict()
        )
    if before.outcome == "adopted":
        assert after_new.outcome == "adopted", text(after_new)
        if changed is not None:
            assert changed.outcome == "adopted", text(changed)


@st.composite
def any_round(draw: st.DrawFn) -> tuple[Rule, list[Voter], list[Ballot], list[int]]:
    kind = draw(st.sampled_from(KINDS))
    options = draw(st.lists(st.integers(1, 30), min_size=2, max_size=6, unique=True))
    if kind == "yes_no":
        rule = draw(yes_no_rules)
    elif kind == "consent":
        rule = Rule(
            "consent",
            veto_roles=draw(st.none() | st.just(("resident_rep",))),
            quorum=draw(st.none() | st.just(Quorum("present", count=2))),
        )
    elif kind == "owners":
        rule = Rule("owners", category=draw(st.sampled_from(["manager", "elevator"])))
    else:
        rule = Rule(
            kind, quorum=draw(st.none() | st.just(Quorum("entitled", fraction=Fraction(1, 3)))),
            seats=draw(st.integers(1, len(options))) if kind in SEAT_KINDS else None,
        )
    voters = draw(rosters(min_size=1))
    if kind == "owners":  # an owners' register: units shared by some voters (co-owners), one area per unit
        voters = [dataclasses.replace(v, units=((f"u{v.id % 3}", str(40 + v.id % 3)),)) if v.id % 4 else v
                  for v in voters]
        assume(any(v.units and v.can_vote for v in voters))
    ballots = []
    for v in voters:
        if not draw(st.booleans()):
            continue
        holder = next((h.id for h in voters if h.proxy_for == v.id), None)
        cast_by = (
            holder
            if holder is not None and draw(st.booleans())
            else draw(st.sampled_from([None, None, 1]))
        )
        # a little of everything, valid or not, so that invalid ballots are counted in every order too
        form = draw(st.sampled_from(["choice", "ranking", "approvals", "option", "blank"]))
        choice = draw(st.sampled_from(CHOICES)) if form == "choice" else None
        ballots.append(
            Ballot(
                v.id,
                cast_by=cast_by,
                choice=choice,
                reason=draw(st.sampled_from(["", "理由"])),
                ranking=tuple(draw(st.permutations(options))[: draw(st.integers(0, len(options)))])
                if form == "ranking"
                else (),
                approvals=frozenset(draw(st.lists(st.sampled_from(options))))
                if form == "approvals"
                else frozenset(),
                option_id=draw(st.sampled_from(options)) if form == "option" else None,
            )
        )
    return rule, voters, ballots, options


@settings(max_examples=300, deadline=None)
@given(case=any_round(), seed=st.integers(0, 2**32 - 1))
def test_the_result_does_not_depend_on_order(
    case: tuple[Rule, list[Voter], list[Ballot], list[int]], seed: int
) -> None:
    rule, voters, ballots, options = case
    rng = random.Random(seed)
    shuffled = [list(x) for x in (voters, ballots, options)]
    for x in shuffled:
        rng.shuffle(x)
    assert tally(rule, voters, ballots, options).as_dict() == tally(rule, *shuffled).as_dict()


def _export(rule: Rule, voters: list[Voter], ballots: list[Ballot], options: list[int]) -> str:
    """A file such as export-round writes, for the round trip below."""

    def plain(obj: object) -> object:
        if isinstance(obj, Fraction):
            return f"{obj.numerator}/{obj.denominator}"
        if isinstance(obj, frozenset):
            return sorted(obj)
        if isinstance(obj, tuple):
            return list(obj)
        return obj

    def asdict(obj: object) -> dict:
        return {k: plain(v) for k, v in dataclasses.asdict(obj).items()}  # type: ignore[call-overload]

    rule_d = asdict(rule)
    rule_d["quorum"] = None if rule.quorum is None else asdict(rule.quorum)
    return json.dumps(
        {
            "rule": rule_d,
            "voters": [asdict(v) for v in voters],
            "ballots": [asdict(b) for b in ballots],
            "options": options,
        },
        ensure_ascii=False,
    )


def _import(text_: str) -> tuple[Rule, list[Voter], list[Ballot], list[int]]:
    doc = json.loads(text_)
    r = dict(doc["rule"])
    q = r.pop("quorum")
    quorum = (
        None
        if q is None
        else Quorum(q["of"], None if q["fraction"] is None else Fraction(q["fraction"]), q["count"])
    )
    rule = Rule(
        **{
            **r,
            "threshold": Fraction(r["threshold"]),
            "quorum": quorum,
            "per_group": tuple(r["per_group"]),
            "veto_roles": None if r["veto_roles"] is None else tuple(r["veto_roles"]),
        }
    )
    ballots = [
        Ballot(**{**b, "ranking": tuple(b["ranking"]), "approvals": frozenset(b["approvals"])})
        for b in doc["ballots"]
    ]
    voters = [Voter(**{**v, "units": tuple(tuple(u) for u in v.get("units", []))}) for v in doc["voters"]]
    return rule, voters, ballots, doc["options"]


@settings(max_examples=300, deadline=None)
@given(case=any_round())
def test_as_dict_is_json_safe_and_an_exported_round_recounts_the_same(
    case: tuple[Rule, list[Voter], list[Ballot], list[int]],
) -> None:
    result = tally(*case)
    stored = result.as_dict()
    assert json.loads(json.dumps(stored, ensure_ascii=False)) == stored
    assert list(stored) == ["outcome", "winners", "totals", "explanation", "rounds"]
    assert not floats_in(stored)
    assert stored["outcome"] in ("adopted", "rejected", "tie", "no_quorum")
    assert all(isinstance(line, Line) and line.zh and line.en for line in result.explanation)
    assert tally(*_import(_export(*case))).as_dict() == stored


def _irv_by_brute_force(
    rankings: list[tuple[int, ...]], continuing: frozenset[int]
) -> frozenset[int]:
    """Plain IRV, one elimination at a time, trying every way of breaking every tie."""
    votes = dict.fromkeys(continuing, 0)
    for ranking in rankings:
        top = next((o for o in ranking if o in continuing), None)
        if top is not None:
            votes[top] += 1
    live = sum(votes.values())
    best = max(votes.values())
    if live and 2 * best > live:
        return frozenset(o for o, v in votes.items() if v == best)
    if len(set(votes.values())) == 1:
        return frozenset(continuing)
    low = min(votes.values())
    return frozenset().union(
        *(_irv_by_brute_force(rankings, continuing - {o}) for o, v in votes.items() if v == low)
    )


@settings(max_examples=400, deadline=None)
@given(
    rankings=st.lists(
        st.permutations([1, 2, 3, 4, 5]).flatmap(
            lambda p: st.integers(1, 5).map(lambda k: tuple(p[:k]))
        ),
        min_size=1,
        max_size=12,
    )
)
def test_irv_ties_end_exactly_where_plain_irv_could_end(rankings: list[tuple[int, ...]]) -> None:
    voters = [Voter(i) for i in range(1, len(rankings) + 1)]
    ballots = [Ballot(i, ranking=r) for i, r in enumerate(rankings, start=1)]
    result = tally(PRESETS["irv"], voters, ballots, [1, 2, 3, 4, 5])
    possible = _irv_by_brute_force(rankings, frozenset({1, 2, 3, 4, 5}))
    assert set(result.winners) == possible
    assert result.outcome == ("adopted" if len(possible) == 1 else "tie")


@settings(max_examples=200, deadline=None)
@given(
    rankings=st.lists(
        st.permutations([1, 2, 3, 4]).flatmap(
            lambda p: st.integers(0, 4).map(lambda k: tuple(p[:k]))
        ),
        min_size=1,
        max_size=15,
    )
)
def test_schulze_elects_a_condorcet_winner(rankings: list[tuple[int, ...]]) -> None:
    voters = [Voter(i) for i in range(1, len(rankings) + 1)]
    ballots = [Ballot(i, ranking=r) for i, r in enumerate(rankings, start=1)]
    result = tally(PRESETS["schulze"], voters, ballots, [1, 2, 3, 4])
    if not any(rankings):
        assert result.outcome == "rejected"
        return
    d = result.rounds[0]["pairwise"]
    condorcet = [i + 1 for i in range(4) if all(d[i][j] > d[j][i] for j in range(4) if j != i)]
    assert result.winners
    if condorcet:
        assert result.winners == (condorcet[0],)


# -- the documentation's worked examples are what tally says ------------------------------------------

DOC = Path(__file__).resolve().parents[3] / "docs" / "deliberation-rules.md"


def _doc_block(heading: str) -> list[str]:
    section = DOC.read_text(encoding="utf-8").split(heading, 1)[1]
    block = section.split("```", 2)[1]
    return [line for line in block.splitlines() if line.strip()]


def test_doc_example_yes_no_matches_tally() -> None:
    voters = [Voter(1, group="residents", proxy_for=9)]
    voters += [Voter(i, group="residents") for i in range(2, 9)]
    voters += [
        Voter(9, group="residents", present=False),
        Voter(10, group="property", role="property_company"),
        Voter(11, group="property", role="property_company"),
        Voter(12, role="observer", can_vote=False),
        Voter(13, group="residents", present=False),
    ]
    choices = {
        1: "yes",
        2: "yes",
        3: "yes",
        4: "yes",
        5: "yes",
        6: "no",
        7: "no",
        8: "abstain",
        10: "no",
        11: "abstain",
    }
    ballots = [Ballot(i, choice=c) for i, c in choices.items()]
    ballots += [Ballot(9, cast_by=1, choice="yes"), Ballot(12, choice="yes")]
    result = tally(Rule("yes_no", Fraction(2, 3), ">=", "YN"), voters, ballots, [])
    lines = [line.zh for line in result.explanation] + [line.en for line in result.explanation]
    assert _doc_block("## 例一") == lines
    assert (
        tally(Rule("yes_no", Fraction(2, 3), ">=", "YNA"), voters, ballots, []).outcome
        == "rejected"
    )
    assert tally(PRESETS["absolute_majority"], voters, ballots, []).outcome == "rejected"


def test_doc_example_irv_matches_tally() -> None:
    voters, ballots = ranked_profile(TENNESSEE)
    result = tally(Rule("irv"), voters, ballots, CITIES)
    skip = 3  # the rule, roster and ballot lines, which the document leaves out
    lines = [line.zh for line in result.explanation[skip:]] + [
        line.en for line in result.explanation[skip:]
    ]
    assert _doc_block("## 例二") == lines
