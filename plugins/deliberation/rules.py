"""Decision rules for roundtable consultations (居民议事厅 / 圆桌会): pure, exact, explained.

Everything here is a pure function of a rule, the roster snapshot taken when the round
closed, the current ballots and the option ids: no database, no clock, and no I/O but
the plugin's catalog read for the words of the explanations (a kind's and a base's
names, :mod:`gongzhi.plugins.deliberation.vocab`). Arithmetic is exact (``int`` and
:class:`fractions.Fraction`, never ``float``), so a result stored in the database can be
recomputed byte for byte from an exported file. Every result carries its explanation,
round by round, in Chinese and English, and a tie is returned as ``outcome == "tie"``;
nothing here ever breaks a tie.

The semantics are documented in ``docs/deliberation-rules.md``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)
from gongzhi.plugins.deliberation.multiwinner import Constraint  # noqa: F401  (re-exported: rules.Constraint)
from gongzhi.plugins.deliberation.vocab import VOCAB

CHOICES = ("yes", "no", "abstain", "object")  # y / n / a / o

KINDS = ("yes_no", "consent", "plurality", "approval", "borda", "irv", "schulze", "ranked_choice", "ranked_pairs",
         "stv", "plurality_at_large", "approval_seats", "owners")
# the kinds that vote yes / no / abstain on one motion; "owners" is an owners' decision
# under the Civil Code art. 278 (owners.py), its bases counted from the voters' units
MOTION_KINDS = ("yes_no", "consent", "owners")
# elections with several seats (multiwinner.py): the round's options are the candidates
SEAT_KINDS = ("stv", "plurality_at_large", "approval_seats")
CHOOSING_KINDS = ("plurality", "approval", "borda", "irv", "schulze", "ranked_choice", "ranked_pairs", *SEAT_KINDS)
RANKING_KINDS = ("borda", "irv", "schulze", "ranked_choice", "ranked_pairs", "stv")
# the kinds whose ballot is a set of marked options
APPROVAL_KINDS = ("approval", "plurality_at_large", "approval_seats")
BASES = ("YN", "YNA", "valid", "cast", "entitled", "entitled_present")
COMPARATORS = (">", ">=")
ROLES = ("resident_rep", "party_rep", "property_company", "contractor", "expert", "observer")
QUORUM_OF = ("entitled", "present")
OUTCOMES = ("adopted", "rejected", "tie", "no_quorum")
# a kind's and a base's names in the explanations and refusals: the vocabularies
# "RuleKind" and "RuleBase" of the plugin's catalog (vocab.py, VOCAB.pair)

# validate_ballot codes that keep a ballot out of the count altogether (it was not cast by
# someone entitled to cast it); every other refusal makes it a cast but invalid ballot.
_NOT_COUNTED = frozenset(
    {
        "delib.not_entitled",
        "delib.not_present",
        "delib.no_proxy",
        "delib.proxy_lapsed",
        "delib.proxy_chain",
        "delib.not_an_owner",
    }
)


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Voter:
    """A participant's standing when the round closed (the roster snapshot)."""

    id: int  # participant id
    group: str = ""  # stakeholder group, e.g. "residents", "property"
    role: str = "resident_rep"  # resident_rep | party_rep | property_company | contractor | expert | observer
    can_vote: bool = True
    weight: int = 1  # >= 1
    present: bool = True
    proxy_for: int | None = None  # this voter holds the proxy of that (absent) voter id
    # owners' decisions: the exclusive units this voter owns, as (unit id, area as an exact number "89.5")
    units: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Ballot:
    """One (current, not superseded) ballot."""

    voter_id: int  # whose vote it is
    cast_by: int | None = None  # the proxy holder who cast it (None = the voter in person)
    choice: str | None = None  # yes/no kinds: one of CHOICES (object only in consent rounds)
    reason: str = ""  # required for "object"
    ranking: tuple[int, ...] = ()  # IRV/Borda/Schulze: option ids, best first (may be partial)
    approvals: frozenset[int] = frozenset()  # approval: option ids approved
    option_id: int | None = None  # plurality: the chosen option


@dataclass(frozen=True)
class Quorum:
    """Who must show up before a round can decide anything.

    ``of="entitled"``: the entitled who attend (in person or by a present proxy holder) are
    measured against all entitled. ``of="present"``: those who cast a ballot are measured
    against those who attend. ``fraction`` is compared in weight, ``count`` in people; both
    are "at least", and when both are set both must be met.
    """

    of: str = "entitled"
    fraction: Fraction | None = None
    count: int | None = None


@dataclass(frozen=True)
class Rule:
    """How a round decides. ``threshold``/``comparator``/``base``/``per_group`` are for
    ``yes_no``; ``veto_roles`` for ``consent``; ``quorum`` for every kind."""

    kind: str  # "yes_no" | "consent" | "plurality" | "approval" | "borda" | "irv" | "schulze"
    threshold: Fraction = Fraction(1, 2)
    comparator: str = ">"  # ">" or ">="
    base: str = "YN"  # YN | YNA | valid | cast | entitled | entitled_present   (yes_no only)
    quorum: Quorum | None = None
    per_group: tuple[str, ...] = ()  # yes_no: each named stakeholder group must pass on its own too
    veto_roles: tuple[str, ...] | None = (
        None  # consent: only objections from these roles block (None = any)
    )
    name: str = ""  # preset name, for display
    top_k: int | None = None  # ranked_choice: how many top picks score (k, k-1 … 1); None = every option
    seats: int | None = None  # stv / plurality_at_large / approval_seats: how many are elected
    # elections with seats: balance constraints on the candidates' attributes (multiwinner.Constraint),
    # and the attributes: ((option id, ((attribute, value), …)), …)
    constraints: tuple[Constraint, ...] = ()
    attributes: tuple[tuple[int, tuple[tuple[str, str], ...]], ...] = ()
    rounding: str | None = None  # stv: None = exact; "scottish" = transfer values to 5 places, truncated
    category: str | None = None  # owners: the matter (owners.CATEGORIES), which sets the majority and the article

    def attribute_map(self) -> dict[int, dict[str, str]]:
        return {oid: dict(pairs) for oid, pairs in self.attributes}


PRESETS: dict[str, Rule] = {
    "simple_majority": Rule("yes_no", Fraction(1, 2), ">", "YN", name="simple_majority"),
    "absolute_majority": Rule("yes_no", Fraction(1, 2), ">", "entitled", name="absolute_majority"),
    "two_thirds": Rule("yes_no", Fraction(2, 3), ">=", "YN", name="two_thirds"),
    "unanimity": Rule("yes_no", Fraction(1), ">=", "YNA", name="unanimity"),
    "consent_all_residents": Rule(
        "consent", veto_roles=("resident_rep",), name="consent_all_residents"
    ),
    "plurality": Rule("plurality", name="plurality"),
    "approval": Rule("approval", name="approval"),
    "borda": Rule("borda", name="borda"),
    "irv": Rule("irv", name="irv"),
    "schulze": Rule("schulze", name="schulze"),
}


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Line:
    """One line of an explanation, in Chinese and English."""

    zh: str
    en: str


@dataclass
class Result:
    """The outcome of a round, with the figures and the reasoning that led to it.

    ``outcome``: adopted | rejected | tie | no_quorum. For the choosing kinds "adopted"
    means one winner, "tie" several (the options the count could not separate), and
    "rejected" that no valid ballot expressed any preference.
    """

    outcome: str
    winners: tuple[int, ...] = ()
    totals: dict = field(default_factory=dict)
    explanation: list[Line] = field(default_factory=list)
    rounds: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        """JSON-safe (str keys, lists, ints, bools, strings; fractions as "n/d") and stable:
        ``json.loads(json.dumps(r.as_dict())) == r.as_dict()``."""
        return {
            "outcome": self.outcome,
            "winners": [int(o) for o in self.winners],
            "totals": _jsonable(self.totals),
            "explanation": [{"zh": line.zh, "en": line.en} for line in self.explanation],
            "rounds": _jsonable(self.rounds),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, Fraction):
        return _frac(value)
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return [_jsonable(v) for v in sorted(value)]
    if isinstance(value, Line):
        return {"zh": value.zh, "en": value.en}
    # floats included: a result must never hold one
    raise TypeError(f"not JSON-safe in a result: {value!r}")


def _frac(f: Fraction) -> str:
    return f"{f.numerator}/{f.denominator}"


def _show(f: Fraction) -> str:
    """A fraction as an explanation line says it: ``2/3``; a whole number as itself
    (``5``, never ``5/1``). Stored totals keep :func:`_frac` so old results still match."""
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


# --------------------------------------------------------------------------- checks


def _bad_rule(zh: str, en: str) -> DomainError:
    return DomainError("delib.bad_rule", detail=zh, detail_en=en)


def _is_exact(x: object) -> bool:
    return isinstance(x, Fraction | int) and not isinstance(x, bool)


def _show(x: object) -> str:
    """A figure as people write it: a fraction "4/3" (never ``Fraction(4, 3)``), a whole
    number "1", anything else as given (``0.66``, ``'2/3'``)."""
    if isinstance(x, Fraction):
        return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"
    if _is_exact(x):
        return str(x)
    return repr(x)


def _fraction_problem(x: object, what_zh: str, what_en: str) -> tuple[str, str] | None:
    """Why ``x`` is no fraction in (0, 1]: a decimal (never exact) or a figure out of range."""
    if not _is_exact(x):
        return (f"{what_zh}须写成分数（如 2/3），不能用小数：{_show(x)}",
                f"{what_en} must be written as a fraction such as 2/3, never a decimal: {_show(x)}")
    if not 0 < x <= 1:
        return (f"{what_zh}须大于 0 且不超过 1：{_show(x)}", f"{what_en} must be above 0 and at most 1: {_show(x)}")
    return None


def role_pair(role: str) -> tuple[str, str]:
    """A participant's role as people say it (居民代表 / residents' representative)."""
    return VOCAB.pair("ParticipantRole", role)


def rule_name_pair(name: str) -> tuple[str, str]:
    """A rule's name as people say it: a preset's label (简单多数), "parameters changed" for
    an adjusted preset (``simple_majority*``), "custom rule" for a rule built from its kind."""
    base, adjusted = name.removesuffix("*"), name.endswith("*")
    if base in VOCAB.ids.get("Preset", {}):
        zh, en = VOCAB.pair("Preset", base)
    elif base in VOCAB.ids.get("RuleName", {}):
        zh, en = VOCAB.pair("RuleName", base)
    else:
        return name, name
    if adjusted:
        more_zh, more_en = VOCAB.pair("RuleName", "adjusted")
        zh, en = f"{zh}，{more_zh}", f"{en}, {more_en}"
    return zh, en


def check_rule(rule: Rule) -> None:
    """Raise ``delib.bad_rule`` or ``delib.base_not_allowed`` when a rule cannot be applied."""
    if rule.kind not in KINDS:
        raise _bad_rule(
            f"未知的表决方式「{rule.kind}」（可选：{'、'.join(KINDS)}）",
            f"unknown kind '{rule.kind}' (choose from: {', '.join(KINDS)})",
        )
    zh_kind, en_kind = VOCAB.pair("RuleKind", rule.kind)
    if rule.top_k is not None and (rule.kind != "ranked_choice" or isinstance(rule.top_k, bool)
                                   or not isinstance(rule.top_k, int) or rule.top_k < 1):
        raise _bad_rule(f"计分名次数 top_k 只适用于前 k 名计分，且须为正整数：{rule.top_k!r}",
                        f"top_k applies to ranked choice only and must be a whole number of at least 1: {rule.top_k!r}")
    if rule.kind in SEAT_KINDS:
        if isinstance(rule.seats, bool) or not isinstance(rule.seats, int) or rule.seats < 1:
            raise _bad_rule(f"{zh_kind}须给出席位数（正整数）：{rule.seats!r}",
                            f"{en_kind} needs the number of seats (a whole number of at least 1): {rule.seats!r}")
    elif rule.seats is not None:
        raise _bad_rule(f"席位数只适用于多席位选举，不适用于{zh_kind}",
                        f"seats apply to elections with several seats, not {en_kind}")
    if rule.kind == "owners":
        from gongzhi.plugins.deliberation.owners import CATEGORIES

        if rule.category not in CATEGORIES:
            raise _bad_rule(f"业主共同决定须指明事项类别：{rule.category!r}（可选：{'、'.join(CATEGORIES)}）",
                            f"an owners' decision needs its category of matter: {rule.category!r} "
                            f"(choose from: {', '.join(CATEGORIES)})")
        if rule.quorum is not None:
            raise _bad_rule("业主共同决定的参与门槛由《民法典》第二百七十八条规定（面积与人数均三分之二以上），不另设法定人数",
                            "an owners' decision has the participation the Civil Code art. 278 sets (2/3 of the area "
                            "and of the owners); it takes no other quorum")
    elif rule.category is not None:
        raise _bad_rule(f"事项类别只适用于业主共同决定，不适用于{zh_kind}",
                        f"a category of matter applies to owners' decisions, not {en_kind}")
    if rule.rounding is not None and (rule.kind != "stv" or rule.rounding not in ("scottish",)):
        raise _bad_rule(f"取整方式只适用于单记可让渡投票，且只能是 scottish：{rule.rounding!r}",
                        f"a rounding applies to the single transferable vote only and must be 'scottish': "
                        f"{rule.rounding!r}")
    if (rule.constraints or rule.attributes) and rule.kind not in SEAT_KINDS:
        raise _bad_rule(f"名额条件只适用于多席位选举，不适用于{zh_kind}",
                        f"balance constraints apply to elections with several seats, not {en_kind}")
    for k in rule.constraints:
        if (not isinstance(k, Constraint) or not isinstance(k.attribute, str) or not k.attribute.strip()
                or not isinstance(k.value, str) or not k.value.strip()
                or isinstance(k.min, bool) or not isinstance(k.min, int) or k.min < 0
                or (k.max is not None and (isinstance(k.max, bool) or not isinstance(k.max, int) or k.max < k.min))
                or (k.min == 0 and k.max is None)):
            raise _bad_rule(f"名额条件须有属性与取值、至少数（≥ 0）或至多数（≥ 至少数）：{k!r}",
                            f"a constraint needs an attribute and a value, and a minimum (>= 0) or a maximum "
                            f"(>= the minimum): {k!r}")
    for oid, pairs in rule.attributes:
        if (isinstance(oid, bool) or not isinstance(oid, int)
                or not all(isinstance(a, str) and a.strip() and isinstance(v, str) for a, v in pairs)):
            raise _bad_rule(f"候选人属性无效：{oid!r} {pairs!r}", f"invalid candidate attributes: {oid!r} {pairs!r}")
    allowed = BASES if rule.kind == "yes_no" else ("YN",)
    if rule.base not in allowed:
        # only a yes/no round has a base; the others keep the default and ignore it
        raise DomainError(
            "delib.base_not_allowed",
            base=rule.base,
            kind=zh_kind,
            kind_en=en_kind,
            allowed=", ".join(allowed) if rule.kind == "yes_no" else "—",
        )
    problem = _fraction_problem(rule.threshold, "通过比例", "the threshold")
    if problem is not None:
        raise _bad_rule(*problem)
    if rule.comparator not in COMPARATORS:
        raise _bad_rule(
            f"比较方式只能是 > 或 >=：{rule.comparator!r}",
            f"the comparator must be > or >=: {rule.comparator!r}",
        )
    if rule.per_group:
        if rule.kind != "yes_no":
            raise _bad_rule(
                f"分组各自通过只适用于赞成/反对表决，不适用于{zh_kind}",
                f"per-group majorities apply to yes/no rounds, not {en_kind}",
            )
        if len(set(rule.per_group)) != len(rule.per_group) or not all(
            isinstance(g, str) and g for g in rule.per_group
        ):
            raise _bad_rule(
                f"分组名称须不为空且不重复：{list(rule.per_group)}",
                f"group names must be non-empty and distinct: {list(rule.per_group)}",
            )
    if rule.veto_roles is not None:
        if rule.kind != "consent":
            raise _bad_rule(
                f"限定异议角色只适用于无异议表决，不适用于{zh_kind}",
                f"veto roles apply to consent rounds, not {en_kind}",
            )
        unknown = [r for r in rule.veto_roles if r not in ROLES]
        if unknown or not rule.veto_roles:
            # a misspelt role would silently let every objection through
            raise _bad_rule(
                f"异议角色无效：{unknown or '（空）'}（可选：{'、'.join(ROLES)}）",
                f"invalid veto roles: {unknown or '(none)'} (choose from: {', '.join(ROLES)})",
            )
    q = rule.quorum
    if q is not None:
        if q.of not in QUORUM_OF:
            raise _bad_rule(
                f"法定人数的计算对象只能是 entitled 或 present：{q.of!r}",
                f"a quorum is of 'entitled' or 'present': {q.of!r}",
            )
        if q.fraction is None and q.count is None:
            raise _bad_rule("法定人数须给出比例或人数", "a quorum needs a fraction or a count")
        problem = None if q.fraction is None else _fraction_problem(q.fraction, "法定人数比例", "the quorum fraction")
        if problem is not None:
            raise _bad_rule(*problem)
        if q.count is not None and (
            not _is_exact(q.count) or isinstance(q.count, Fraction) or q.count < 1
        ):
            raise _bad_rule(
                f"法定人数须是正整数：{q.count!r}",
                f"the quorum count must be a positive whole number: {q.count!r}",
            )


def _check_roster(voters: Iterable[Voter], names: Mapping[int, str] | None = None) -> dict[int, Voter]:
    """The roster by voter id; ``delib.bad_roster`` naming the voter (by ``names`` where
    given, as the CLI's recount of a file has them) when it cannot be counted on."""
    names = names or {}

    def who(vid: object) -> str:
        return names.get(vid, str(vid)) if isinstance(vid, int) else str(vid)

    roster: dict[int, Voter] = {}
    held: dict[int, int] = {}
    for v in sorted(voters, key=lambda v: v.id):
        if v.id in roster:
            raise DomainError(
                "delib.bad_roster",
                detail=f"参与者 {who(v.id)} 重复出现",
                detail_en=f"participant {who(v.id)} appears twice",
            )
        if not _is_exact(v.weight) or isinstance(v.weight, Fraction) or v.weight < 1:
            raise DomainError(
                "delib.bad_roster",
                detail=f"参与者 {who(v.id)} 的权重须是不小于 1 的整数：{_show(v.weight)}",
                detail_en=f"participant {who(v.id)}'s weight must be a whole number >= 1: {_show(v.weight)}",
            )
        for unit in v.units:
            if (not isinstance(unit, tuple) or len(unit) != 2 or not isinstance(unit[0], str) or not unit[0].strip()
                    or not isinstance(unit[1], str)):
                raise DomainError("delib.bad_roster", detail=f"参与者 {who(v.id)} 的专有部分登记无效：{unit!r}",
                                  detail_en=f"participant {who(v.id)} has an invalid unit: {unit!r}")
        if v.role not in ROLES:
            raise DomainError(
                "delib.bad_roster",
                detail=f"参与者 {who(v.id)} 的角色「{v.role}」无效（可选：{'、'.join(role_pair(r)[0] for r in ROLES)}）",
                detail_en=f"participant {who(v.id)} has an unknown role '{v.role}' (choose from: {', '.join(ROLES)})",
            )
        if v.proxy_for is not None:
            if v.proxy_for == v.id:
                raise DomainError(
                    "delib.bad_roster",
                    detail=f"参与者 {who(v.id)} 不能受自己委托",
                    detail_en=f"participant {who(v.id)} cannot hold their own proxy",
                )
            if v.proxy_for in held:
                raise DomainError(
                    "delib.bad_roster",
                    detail=f"参与者 {who(v.proxy_for)} 的委托同时交给了 {who(held[v.proxy_for])} 和 {who(v.id)}",
                    detail_en=f"{who(v.proxy_for)}'s proxy is held by both {who(held[v.proxy_for])} and {who(v.id)}",
                )
            held[v.proxy_for] = v.id
        roster[v.id] = v
    return roster


def _check_options(options: Iterable[int], rule: Rule) -> tuple[int, ...]:
    opts = list(options)
    if not all(isinstance(o, int) and not isinstance(o, bool) for o in opts) or len(
        set(opts)
    ) != len(opts):
        raise DomainError("input.invalid", field="options", value=repr(opts))
    if rule.kind in CHOOSING_KINDS and len(opts) < 2:
        raise DomainError("input.invalid", field="options", value=f"{opts} (< 2)")
    if rule.kind in SEAT_KINDS and rule.seats is not None and rule.seats > len(opts):
        raise DomainError("delib.too_many_seats", seats=rule.seats, count=len(opts))
    strangers = sorted(oid for oid, _ in rule.attributes if oid not in set(opts))
    if strangers:
        raise DomainError("delib.unknown_option", option=strangers[0])
    if rule.constraints:
        from gongzhi.plugins.deliberation.multiwinner import check_constraints

        check_constraints(rule.constraints, rule.attribute_map(), sorted(opts), int(rule.seats or 0))
    return tuple(sorted(opts))


def ranking_from_ranks(ranks: Mapping[int, int]) -> tuple[int, ...]:
    """Turn the vote-recording grid's ranks ({option id: 1, 2, 3 …}) into a ranking.

    Ranks must run 1, 2, … k without gaps or repeats (a partial ranking leaves options
    out). Raises ``delib.bad_ranking`` otherwise.
    """
    positions = sorted(ranks.values())
    if any(not isinstance(r, int) or isinstance(r, bool) for r in positions):
        raise DomainError(
            "delib.bad_ranking",
            detail=f"名次须是整数：{positions}",
            detail_en=f"ranks must be whole numbers: {positions}",
        )
    if len(set(positions)) != len(positions):
        raise DomainError(
            "delib.bad_ranking",
            detail=f"名次重复：{positions}",
            detail_en=f"repeated ranks: {positions}",
        )
    if positions != list(range(1, len(positions) + 1)):
        raise DomainError(
            "delib.bad_ranking",
            detail=f"名次须从 1 起连续，不能跳号：{positions}",
            detail_en=f"ranks must run 1, 2, 3 … without gaps: {positions}",
        )
    return tuple(o for o, _ in sorted(ranks.items(), key=lambda item: item[1]))


def _not_allowed(rule: Rule, zh: str, en: str) -> DomainError:
    zh_kind, en_kind = VOCAB.pair("RuleKind", rule.kind)
    return DomainError(
        "delib.choice_not_allowed", kind=zh_kind, kind_en=en_kind, what=zh, what_en=en
    )


def _check_standing(voters: Mapping[int, Voter], ballot: Ballot) -> Voter:
    voter = voters.get(ballot.voter_id)
    if voter is None or not voter.can_vote:
        raise DomainError("delib.not_entitled", voter=ballot.voter_id)
    if ballot.cast_by is None or ballot.cast_by == ballot.voter_id:
        if not voter.present:
            raise DomainError("delib.not_present", voter=voter.id)
        return voter
    holder = voters.get(ballot.cast_by)
    if holder is None or holder.proxy_for != voter.id:
        # follow the holder's proxy onwards: reaching the voter that way is a chain
        seen: set[int] = set()
        step = holder
        while step is not None and step.proxy_for is not None and step.proxy_for not in seen:
            seen.add(step.proxy_for)
            if step.proxy_for == voter.id:
                raise DomainError("delib.proxy_chain", holder=ballot.cast_by, voter=voter.id)
            step = voters.get(step.proxy_for)
        raise DomainError("delib.no_proxy", holder=ballot.cast_by, voter=voter.id)
    if voter.present:
        raise DomainError("delib.proxy_lapsed", voter=voter.id)
    if not holder.present:
        raise DomainError("delib.proxy_chain", holder=holder.id, voter=voter.id)
    return voter


def _check_content(rule: Rule, ballot: Ballot, options: frozenset[int]) -> None:
    kind = rule.kind
    has_ranking, has_approvals, has_option = (
        bool(ballot.ranking),
        bool(ballot.approvals),
        ballot.option_id is not None,
    )
    if kind in MOTION_KINDS:
        if has_ranking or has_approvals or has_option:
            raise _not_allowed(
                rule,
                "排序或选项（本轮只投赞成、反对、弃权）",
                "a ranking or an option (this round takes yes/no/abstain)",
            )
        if ballot.choice is None:
            return  # a blank ballot: cast, not valid
        if ballot.choice not in CHOICES or (ballot.choice == "object" and kind != "consent"):
            raise _not_allowed(rule, f"选择「{ballot.choice}」", f"the choice '{ballot.choice}'")
        if ballot.choice == "object" and not ballot.reason.strip():
            raise DomainError("delib.objection_needs_reason", voter=ballot.voter_id)
        return
    # choosing kinds: a preference of the round's shape, or an explicit abstention
    if ballot.choice is not None:
        if ballot.choice != "abstain":
            raise _not_allowed(rule, f"选择「{ballot.choice}」", f"the choice '{ballot.choice}'")
        if has_ranking or has_approvals or has_option:
            raise _not_allowed(rule, "弃权票上的偏好", "preferences on an abstention")
        return
    if kind == "plurality":
        if has_ranking or has_approvals:
            raise _not_allowed(
                rule,
                "排序或多选（本轮只选一个选项）",
                "a ranking or approvals (this round takes one option)",
            )
        if has_option and ballot.option_id not in options:
            raise DomainError("delib.unknown_option", option=ballot.option_id)
        return
    if kind in APPROVAL_KINDS:
        if has_ranking or has_option:
            raise _not_allowed(
                rule,
                "排序或单选（本轮为认可投票）",
                "a ranking or a single option (this round takes approvals)",
            )
        unknown = sorted(o for o in ballot.approvals if o not in options)
        if unknown:
            raise DomainError("delib.unknown_option", option=unknown[0])
        if kind == "plurality_at_large" and rule.seats is not None and len(ballot.approvals) > rule.seats:
            raise DomainError("delib.too_many_marks", seats=rule.seats, count=len(ballot.approvals))
        return
    # ranking kinds
    if has_approvals or has_option:
        raise _not_allowed(
            rule,
            "多选或单选（本轮须排序）",
            "approvals or a single option (this round takes a ranking)",
        )
    ranking = ballot.ranking
    unknown = [o for o in ranking if o not in options]
    if unknown:
        raise DomainError(
            "delib.bad_ranking",
            detail=f"没有编号为 {unknown[0]} 的选项",
            detail_en=f"there is no option {unknown[0]}",
        )
    if len(set(ranking)) != len(ranking):
        repeated = sorted(o for o, n in Counter(ranking).items() if n > 1)
        raise DomainError(
            "delib.bad_ranking",
            detail=f"选项 {repeated[0]} 排了不止一次",
            detail_en=f"option {repeated[0]} is ranked more than once",
        )


def validate_ballot(
    rule: Rule, voters: dict[int, Voter], ballot: Ballot, options: list[int]
) -> None:
    """Raise :class:`~gongzhi.core.errors.DomainError` when ``ballot`` is not acceptable in a round
    run under ``rule`` with this roster and these options; return ``None`` when it is.

    A blank ballot (no choice, no preference) is acceptable: it is recorded as cast and
    counts only in the ``cast`` base. Codes: ``delib.not_entitled``, ``delib.not_present``,
    ``delib.no_proxy``, ``delib.proxy_lapsed``, ``delib.proxy_chain``,
    ``delib.objection_needs_reason``, ``delib.bad_ranking``, ``delib.unknown_option``,
    ``delib.choice_not_allowed``, ``delib.base_not_allowed`` and ``delib.bad_rule``.
    """
    check_rule(rule)
    voter = _check_standing(voters, ballot)
    if rule.kind == "owners" and not voter.units:
        raise DomainError("delib.not_an_owner", voter=voter.id)
    _check_content(rule, ballot, frozenset(options))


def _is_blank(ballot: Ballot) -> bool:
    return (
        ballot.choice is None
        and not ballot.ranking
        and not ballot.approvals
        and ballot.option_id is None
    )


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class _Cast:
    ballot: Ballot
    voter: Voter  # whose vote it is (the principal, for a proxy vote)
    valid: bool
    blank: bool

    @property
    def weight(self) -> int:
        return self.voter.weight


@dataclass
class _Scope:
    """The figures of one scope: the whole roster, or one stakeholder group."""

    entitled_n: int = 0
    entitled_w: int = 0
    attending_n: int = 0
    attending_w: int = 0
    cast: list[_Cast] = field(default_factory=list)

    @property
    def voted_n(self) -> int:
        return len(self.cast)

    @property
    def voted_w(self) -> int:
        return sum(c.weight for c in self.cast)


def _scope(roster: Mapping[int, Voter], cast: list[_Cast], group: str | None = None) -> _Scope:
    holders_present = {
        v.proxy_for for v in roster.values() if v.present and v.proxy_for is not None
    }
    s = _Scope()
    for v in roster.values():
        if not v.can_vote or (group is not None and v.group != group):
            continue
        s.entitled_n += 1
        s.entitled_w += v.weight
        if v.present or v.id in holders_present:
            s.attending_n += 1
            s.attending_w += v.weight
    s.cast = [c for c in cast if group is None or c.voter.group == group]
    return s


class _Explainer:
    def __init__(self, weighted: bool) -> None:
        self.lines: list[Line] = []
        self.weighted = weighted

    def add(self, zh: str, en: str) -> None:
        self.lines.append(Line(zh, en))

    def people(self, n: int, w: int) -> tuple[str, str]:
        if self.weighted:
            return f"{n} 人（权重 {w}）", f"{n} ({'person' if n == 1 else 'people'}, weight {w})"
        return f"{n} 人", f"{n}"


def _opt(o: int) -> str:
    return f"#{o}"


def _opts(options: Iterable[int]) -> str:
    return ", ".join(_opt(o) for o in options)


def _scores_text(
    scores: Mapping[int, int], unit_zh: str = "", unit_en: str = ""
) -> tuple[str, str]:
    order = sorted(scores, key=lambda o: (-scores[o], o))
    return (
        "，".join(f"{_opt(o)} {scores[o]}{unit_zh}" for o in order),
        ", ".join(f"{_opt(o)} {scores[o]}{unit_en}" for o in order),
    )


def tally(rule: Rule, voters: list[Voter], ballots: list[Ballot], options: list[int], *,
          names: Mapping[int, str] | None = None) -> Result:
    """Count a closed round. Pure: the same inputs give the same Result whatever the order
    of ``voters``, ``ballots`` and ``options``.

    Ballots that were not cast by someone entitled to cast them (unknown or non-voting
    voter, an absent voter in person, a proxy that is missing, lapsed, chained or held by an
    absent holder) are not counted; ballots that break the round's form are counted as cast
    but invalid; both are listed in the explanation. Raises ``delib.bad_rule``,
    ``delib.base_not_allowed``, ``delib.bad_roster``, ``delib.duplicate_ballot`` or
    ``input.invalid`` (options) when the inputs themselves are unusable.
    """
    check_rule(rule)
    roster = _check_roster(voters, names)
    opts = _check_options(options, rule)
    option_set = frozenset(opts)
    seen = Counter(b.voter_id for b in ballots)
    twice = sorted(v for v, n in seen.items() if n > 1)
    if twice:
        raise DomainError("delib.duplicate_ballot", voter=twice[0])

    ex = _Explainer(weighted=any(v.weight != 1 for v in roster.values()))
    zh_kind, en_kind = VOCAB.pair("RuleKind", rule.kind)
    zh_name, en_name = rule_name_pair(rule.name) if rule.name else ("", "")
    ex.add(
        f"表决方式：{zh_kind}{' · ' + zh_name if zh_name else ''}",
        f"rule: {en_kind}{' · ' + en_name if en_name else ''}",
    )

    cast: list[_Cast] = []
    not_counted = 0
    for b in sorted(ballots, key=lambda b: b.voter_id):
        try:
            voter = _check_standing(roster, b)
            if rule.kind == "owners" and not voter.units:
                raise DomainError("delib.not_an_owner", voter=voter.id)
        except DomainError as e:
            not_counted += 1
            ex.add(f"不计入：{e.message('zh')}", f"not counted: {e.message('en')}")
            continue
        try:
            _check_content(rule, b, option_set)
        except DomainError as e:
            cast.append(_Cast(b, voter, valid=False, blank=False))
            ex.add(f"无效票：{e.message('zh')}", f"invalid ballot: {e.message('en')}")
            continue
        blank = _is_blank(b)
        cast.append(_Cast(b, voter, valid=not blank, blank=blank))

    whole = _scope(roster, cast)
    valid = [c for c in cast if c.valid]
    zh_e, en_e = ex.people(whole.entitled_n, whole.entitled_w)
    zh_a, en_a = ex.people(whole.attending_n, whole.attending_w)
    zh_v, en_v = ex.people(whole.voted_n, whole.voted_w)
    ex.add(
        f"名册：有表决权 {zh_e}，到场或由到场受托人代表 {zh_a}，投票 {zh_v}",
        f"roster: entitled {en_e}, present or represented by a present proxy {en_a}, voted {en_v}",
    )
    blank_n = sum(1 for c in cast if c.blank)
    invalid_n = len(cast) - len(valid)
    ex.add(
        f"选票：收到 {len(ballots)} 张，计入 {len(cast)} 张（有效 {len(valid)}，无效 {invalid_n}，其中空白 {blank_n}），不计入 {not_counted} 张",
        f"ballots: {len(ballots)} received, {len(cast)} cast ({len(valid)} valid, {invalid_n} invalid of which {blank_n} blank), {not_counted} not counted",
    )

    totals: dict[str, Any] = {
        "roster": {
            "entitled": {"count": whole.entitled_n, "weight": whole.entitled_w},
            "attending": {"count": whole.attending_n, "weight": whole.attending_w},
            "voted": {"count": whole.voted_n, "weight": whole.voted_w},
        },
        "ballots": {
            "received": len(ballots),
            "not_counted": not_counted,
            "cast": len(cast),
            "valid": len(valid),
            "invalid": invalid_n,
            "blank": blank_n,
        },
        "weights": {"cast": whole.voted_w, "valid": sum(c.weight for c in valid)},
    }
    rounds: list[dict] = []

    if rule.kind in MOTION_KINDS:
        totals["choices"] = _choice_totals(valid)

    quorum_ok = _quorum(rule.quorum, whole, totals, ex)
    if not quorum_ok:
        return Result("no_quorum", (), totals, ex.lines, rounds)

    if rule.kind == "yes_no":
        outcome = _decide_yes_no(rule, roster, cast, whole, totals, rounds, ex)
        return Result(outcome, (), totals, ex.lines, rounds)
    if rule.kind == "consent":
        outcome = _decide_consent(rule, valid, totals, rounds, ex)
        return Result(outcome, (), totals, ex.lines, rounds)
    if rule.kind == "owners":
        outcome = _decide_owners(rule, roster, valid, totals, rounds, ex)
        return Result(outcome, (), totals, ex.lines, rounds)

    expressing = [c for c in valid if c.ballot.choice is None]
    if not expressing:
        ex.add(
            "没有一张有效票表达了偏好，本轮没有选出结果",
            "no valid ballot expressed a preference; nothing is chosen",
        )
        return Result("rejected", (), totals, ex.lines, rounds)
    if rule.kind in SEAT_KINDS:
        winners, tied = _decide_seats(rule, expressing, opts, totals, rounds, ex)
        if tied:
            ex.add(
                f"结果：已选出 {_opts(winners) or '（无）'}；{_opts(tied)} 并列争余下的 {rule.seats - len(winners)} 席，"
                "规则不替主持人打破平局：按事先记录的规则（如抽签）决定",
                f"result: elected {_opts(winners) or '(none)'}; {_opts(tied)} tie for the remaining "
                f"{rule.seats - len(winners)} seat(s); the rule does not break ties: the facilitator applies a recorded "
                "tie-break (e.g. lot)",
            )
            return Result("tie", tuple(winners), totals, ex.lines, rounds)
        ex.add(f"结果：{_opts(winners)} 当选（{rule.seats} 席）",
               f"result: {_opts(winners)} elected ({rule.seats} seat(s))")
        return Result("adopted", tuple(winners), totals, ex.lines, rounds)
    decide = {
        "plurality": _decide_plurality,
        "approval": _decide_approval,
        "borda": _decide_borda,
        "irv": _decide_irv,
        "schulze": _decide_schulze,
        "ranked_choice": lambda e, o, t, r, x: _decide_ranked_choice(rule.top_k, e, o, t, r, x),
        "ranked_pairs": _decide_ranked_pairs,
    }[rule.kind]
    winners = decide(expressing, opts, totals, rounds, ex)
    outcome = "adopted" if len(winners) == 1 else "tie"
    if outcome == "tie":
        ex.add(
            f"结果：{_opts(winners)} 并列，规则不替主持人打破平局：可按事先记录的规则决定，或去掉末位选项另开一轮",
            f"result: {_opts(winners)} tie; the rule does not break ties: the facilitator applies a recorded "
            "tie-break or opens a new round without the last option",
        )
    else:
        ex.add(
            f"结果：选项 {_opt(winners[0])} 当选", f"result: option {_opt(winners[0])} is chosen"
        )
    return Result(outcome, tuple(winners), totals, ex.lines, rounds)


def _choice_totals(valid: list[_Cast]) -> dict[str, dict[str, int]]:
    out = {c: {"count": 0, "weight": 0} for c in CHOICES}
    for c in valid:
        out[c.ballot.choice]["count"] += 1  # type: ignore[index]
        out[c.ballot.choice]["weight"] += c.weight  # type: ignore[index]
    return out


def _quorum(q: Quorum | None, whole: _Scope, totals: dict, ex: _Explainer) -> bool:
    if q is None:
        return True
    if q.of == "entitled":
        measured_n, measured_w, pool_w = whole.attending_n, whole.attending_w, whole.entitled_w
        zh_what, en_what = "到场（含委托）", "present or represented"
        zh_pool, en_pool = "有表决权者", "entitled"
    else:
        measured_n, measured_w, pool_w = whole.voted_n, whole.voted_w, whole.attending_w
        zh_what, en_what = "投票", "voted"
        zh_pool, en_pool = "到场者", "present"
    ok = measured_n > 0  # nobody at all is never a quorum
    info: dict[str, Any] = {"of": q.of, "measured": {"count": measured_n, "weight": measured_w}}
    if q.fraction is not None:
        need = q.fraction * pool_w
        met = measured_w >= need
        ok = ok and met
        info["fraction"] = _frac(Fraction(q.fraction))
        info["required_weight"] = _frac(Fraction(need))
        ex.add(
            f"法定人数（比例）：{zh_what}权重 {measured_w}，须不少于{zh_pool}权重 {pool_w} 的 {_show(Fraction(q.fraction))} = {_show(Fraction(need))}：{'达到' if met else '未达到'}",
            f"quorum (fraction): {en_what} weight {measured_w}, needs at least {_show(Fraction(q.fraction))} of {en_pool} weight {pool_w} = {_show(Fraction(need))}: {'met' if met else 'not met'}",
        )
    if q.count is not None:
        met = measured_n >= q.count
        ok = ok and met
        info["required_count"] = q.count
        ex.add(
            f"法定人数（人数）：{zh_what} {measured_n} 人，须不少于 {q.count} 人：{'达到' if met else '未达到'}",
            f"quorum (count): {en_what} {measured_n}, needs at least {q.count}: {'met' if met else 'not met'}",
        )
    info["met"] = ok
    totals["quorum"] = info
    if not ok:
        ex.add(
            "未达到法定人数：本轮不作决定（不等于否决）",
            "no quorum: the round decides nothing (this is not a rejection)",
        )
    return ok


def _yes_no_test(rule: Rule, s: _Scope, label: tuple[str, str] | None, ex: _Explainer) -> dict:
    valid = [c for c in s.cast if c.valid]
    w = {c: sum(x.weight for x in valid if x.ballot.choice == c) for c in ("yes", "no", "abstain")}
    base = {
        "YN": w["yes"] + w["no"],
        "YNA": w["yes"] + w["no"] + w["abstain"],
        "valid": sum(x.weight for x in valid),
        "cast": s.voted_w,
        "entitled": s.entitled_w,
        "entitled_present": s.attending_w,
    }[rule.base]
    t = Fraction(rule.threshold)
    lhs, rhs = w["yes"] * t.denominator, t.numerator * base
    passed = base > 0 and (lhs > rhs if rule.comparator == ">" else lhs >= rhs)
    zh_scope, en_scope = (f"「{label[0]}」组：", f"group '{label[1]}': ") if label else ("", "")
    zh_base, en_base = VOCAB.pair("RuleBase", rule.base)
    ex.add(
        f"{zh_scope}赞成 {w['yes']}，反对 {w['no']}，弃权 {w['abstain']}；基数为{zh_base} = {base}",
        f"{en_scope}yes {w['yes']}, no {w['no']}, abstain {w['abstain']}; the base is {en_base} = {base}",
    )
    cmp = "≥" if rule.comparator == ">=" else ">"
    if base == 0:
        ex.add(
            f"{zh_scope}基数为 0，无从计算比例：不通过",
            f"{en_scope}the base is 0, so nothing can pass: rejected",
        )
    else:
        holds_zh, holds_en = ("成立", "holds") if passed else ("不成立", "does not hold")
        ex.add(
            f"{zh_scope}须 赞成 × {t.denominator} {cmp} {t.numerator} × 基数：{w['yes']} × {t.denominator} = {lhs} {cmp} {t.numerator} × {base} = {rhs}，{holds_zh}：{'通过' if passed else '不通过'}",
            f"{en_scope}needs yes × {t.denominator} {cmp} {t.numerator} × base: {w['yes']} × {t.denominator} = {lhs} {cmp} {t.numerator} × {base} = {rhs} {holds_en}: {'adopted' if passed else 'rejected'}",
        )
        if not passed and w["yes"] == w["no"] and rule.base == "YN":
            ex.add(
                f"{zh_scope}赞成与反对票数相同，平票不构成多数",
                f"{en_scope}yes and no are tied; a tie is not a majority",
            )
    return {
        "scope": "group" if label else "all",
        "group": label[1] if label else "",
        "yes": w["yes"],
        "no": w["no"],
        "abstain": w["abstain"],
        "base": rule.base,
        "base_weight": base,
        "threshold": _frac(t),
        "comparator": rule.comparator,
        "lhs": lhs,
        "rhs": rhs,
        "passed": passed,
    }


def _decide_yes_no(
    rule: Rule,
    roster: Mapping[int, Voter],
    cast: list[_Cast],
    whole: _Scope,
    totals: dict,
    rounds: list[dict],
    ex: _Explainer,
) -> str:
    overall = _yes_no_test(rule, whole, None, ex)
    rounds.append(overall)
    totals["base"] = {"name": rule.base, "weight": overall["base_weight"]}
    passed = overall["passed"]
    if rule.per_group:
        groups: dict[str, Any] = {}
        for g in sorted(rule.per_group):
            s = _scope(roster, cast, g)
            ex.add(
                f"「{g}」组须单独通过：有表决权 {ex.people(s.entitled_n, s.entitled_w)[0]}，投票 {ex.people(s.voted_n, s.voted_w)[0]}",
                f"group '{g}' must pass on its own: entitled {ex.people(s.entitled_n, s.entitled_w)[1]}, voted {ex.people(s.voted_n, s.voted_w)[1]}",
            )
            test = _yes_no_test(rule, s, (g, g), ex)
            rounds.append(test)
            groups[g] = {
                "yes": test["yes"],
                "no": test["no"],
                "abstain": test["abstain"],
                "base_weight": test["base_weight"],
                "passed": test["passed"],
            }
            passed = passed and test["passed"]
        totals["groups"] = groups
        failed = [g for g, v in groups.items() if not v["passed"]]
        if failed and overall["passed"]:
            ex.add(
                f"总体通过，但以下分组未通过：{'、'.join(failed)}",
                f"passed overall, but not in: {', '.join(failed)}",
            )
    outcome = "adopted" if passed else "rejected"
    ex.add(f"结果：{'通过' if passed else '不通过'}", f"result: {outcome}")
    return outcome


def _decide_consent(
    rule: Rule, valid: list[_Cast], totals: dict, rounds: list[dict], ex: _Explainer
) -> str:
    roles = rule.veto_roles
    objections = []
    for c in valid:
        if c.ballot.choice != "object":
            continue
        blocks = roles is None or c.voter.role in roles
        objections.append(
            {
                "voter": c.voter.id,
                "cast_by": c.ballot.cast_by,
                "role": c.voter.role,
                "reason": c.ballot.reason.strip(),
                "blocks": blocks,
            }
        )
        role_zh, role_en = role_pair(c.voter.role)
        if blocks:
            ex.add(
                f"参与者 {c.voter.id}（{role_zh}）提出异议，理由：{c.ballot.reason.strip()}——构成阻止",
                f"participant {c.voter.id} ({role_en}) objects: {c.ballot.reason.strip()} — this blocks",
            )
        else:
            ex.add(
                f"参与者 {c.voter.id}（{role_zh}）提出异议，理由：{c.ballot.reason.strip()}——其角色不在可阻止的角色（{'、'.join(role_pair(r)[0] for r in roles or ())}）之列，记录在案但不阻止",
                f"participant {c.voter.id} ({role_en}) objects: {c.ballot.reason.strip()} — recorded, but only {', '.join(role_pair(r)[1] for r in roles or ())} can block",
            )
    choices = totals["choices"]
    ex.add(
        f"同意 {choices['yes']['count']}，不同意但不阻止 {choices['no']['count']}，弃权 {choices['abstain']['count']}，异议 {choices['object']['count']}",
        f"agree {choices['yes']['count']}, disagree without blocking {choices['no']['count']}, abstain {choices['abstain']['count']}, object {choices['object']['count']}",
    )
    blocking = [o for o in objections if o["blocks"]]
    if not valid:
        outcome = "rejected"
        ex.add(
            "没有有效票，无从确认无异议：不通过",
            "no valid ballot, so consent cannot be established: rejected",
        )
    elif blocking:
        outcome = "rejected"
        ex.add(
            f"结果：有 {len(blocking)} 项阻止性异议，不通过",
            f"result: {len(blocking)} blocking objection(s): rejected",
        )
    else:
        outcome = "adopted"
        ex.add("结果：无阻止性异议，通过", "result: no blocking objection: adopted")
    rounds.append(
        {
            "veto_roles": list(roles) if roles is not None else None,
            "objections": objections,
            "blocking": len(blocking),
        }
    )
    return outcome


def _top(scores: Mapping[int, int]) -> list[int]:
    best = max(scores.values())
    return sorted(o for o, s in scores.items() if s == best)


def _decide_plurality(
    expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict], ex: _Explainer
) -> list[int]:
    scores = dict.fromkeys(opts, 0)
    for c in expressing:
        scores[c.ballot.option_id] += c.weight  # type: ignore[index]
    totals["options"] = {str(o): scores[o] for o in opts}
    zh, en = _scores_text(scores)
    ex.add(
        f"每张票投给一个选项，得票最多者当选：{zh}", f"one option per ballot, most votes wins: {en}"
    )
    winners = _top(scores)
    rounds.append({"scores": {str(o): scores[o] for o in opts}, "winners": winners})
    return winners


def _decide_approval(
    expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict], ex: _Explainer
) -> list[int]:
    scores = dict.fromkeys(opts, 0)
    for c in expressing:
        for o in c.ballot.approvals:
            scores[o] += c.weight
    totals["options"] = {str(o): scores[o] for o in opts}
    zh, en = _scores_text(scores)
    ex.add(
        f"每张票可认可任意多个选项，各得 1 票（按权重），认可最多者当选：{zh}",
        f"each ballot approves any number of options, one vote each (weighted); most approvals wins: {en}",
    )
    winners = _top(scores)
    rounds.append({"scores": {str(o): scores[o] for o in opts}, "winners": winners})
    return winners


def _decide_ranked_choice(
    top_k: int | None, expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict],
    ex: _Explainer,
) -> list[int]:
    from gongzhi.plugins.deliberation.rankings import loomio_ranked_choice

    k = min(top_k or len(opts), len(opts))
    res = loomio_ranked_choice([(r, w) for r, w in _piles(expressing).items()], list(opts), k)
    totals["options"] = {str(o): res.scores[o] for o in opts}
    zh, en = _scores_text(res.scores, " 分", " points")
    ex.add(
        f"每张票的前 {k} 名依次得 {k}…1 分，其余不得分（按权重），总分最高者当选：{zh}",
        f"each ballot's top {k} picks score {k} … 1, the rest nothing (weighted); highest total wins: {en}",
    )
    winners = [o for o in opts if o in res.winners]
    rounds.append({"points": list(range(k, 0, -1)), "scores": {str(o): res.scores[o] for o in opts},
                   "winners": winners})
    return winners


def _decide_ranked_pairs(
    expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict], ex: _Explainer
) -> list[int]:
    from gongzhi.plugins.deliberation.rankings import pairwise, ranked_pairs

    piles = [(r, w) for r, w in _piles(expressing).items()]
    d = pairwise(piles, list(opts))
    res = ranked_pairs(piles, list(opts))
    totals["pairwise"] = {f"{a}>{b}": v for (a, b), v in sorted(d.items())}
    for a, b, strength in res.locked:
        ex.add(f"锁定：选项 {_opt(a)} 胜 {_opt(b)}（{strength} 比 {d[(b, a)]}）",
               f"locked: option {_opt(a)} over {_opt(b)} ({strength} to {d[(b, a)]})")
    winners = [o for o in opts if o in res.winners]
    rounds.append({"locked": [[a, b, s] for a, b, s in res.locked], "winners": winners})
    return winners


def _decide_borda(
    expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict], ex: _Explainer
) -> list[int]:
    n = len(opts)
    scores = dict.fromkeys(opts, 0)
    for c in expressing:
        for position, o in enumerate(c.ballot.ranking):
            scores[o] += (n - 1 - position) * c.weight
    totals["options"] = {str(o): scores[o] for o in opts}
    zh, en = _scores_text(scores, " 分", " points")
    ex.add(
        f"排第 1 位得 {n - 1} 分，第 2 位得 {n - 2} 分……第 {n} 位得 0 分，未排入的选项得 0 分（按权重），总分最高者当选：{zh}",
        f"1st place scores {n - 1}, 2nd {n - 2} … {n}th 0, unranked options 0 (weighted); highest total wins: {en}",
    )
    winners = _top(scores)
    rounds.append(
        {
            "points": list(range(n - 1, -1, -1)),
            "scores": {str(o): scores[o] for o in opts},
            "winners": winners,
        }
    )
    return winners


def _piles(expressing: list[_Cast]) -> Counter[tuple[int, ...]]:
    piles: Counter[tuple[int, ...]] = Counter()
    for c in expressing:
        piles[tuple(c.ballot.ranking)] += c.weight
    return piles


@dataclass(frozen=True)
class _IrvStep:
    votes: dict[int, int]
    exhausted: int
    live: int
    decision: str  # "win" | "tie_win" | "eliminate" | "tie_elimination"
    options: list[int]  # the winner, the tied leaders, those eliminated, or those tied for last


def _irv_step(piles: Mapping[tuple[int, ...], int], continuing: frozenset[int]) -> _IrvStep:
    votes = dict.fromkeys(sorted(continuing), 0)
    exhausted = 0
    for ranking, w in piles.items():
        top = next((o for o in ranking if o in continuing), None)
        if top is None:
            exhausted += w
        else:
            votes[top] += w
    live = sum(votes.values())
    leaders = _top(votes)
    if live > 0 and 2 * votes[leaders[0]] > live:
        return _IrvStep(votes, exhausted, live, "win", leaders[:1])
    if len(leaders) == len(continuing):
        return _IrvStep(votes, exhausted, live, "tie_win", leaders)
    ascending = sorted(votes, key=lambda o: (votes[o], o))
    tied_low = [o for o in ascending if votes[o] == votes[ascending[0]]]
    if len(tied_low) == 1:
        return _IrvStep(votes, exhausted, live, "eliminate", tied_low)
    # several tie for last: eliminate together the smallest group of lowest options whose
    # combined votes are fewer than the next option's. None of them can overtake it, so
    # eliminating them one by one in any order ends the same way: no tie is broken.
    running = 0
    for k, o in enumerate(ascending[:-1], start=1):
        running += votes[o]
        if k >= len(tied_low) and running < votes[ascending[k]]:
            return _IrvStep(votes, exhausted, live, "eliminate", sorted(ascending[:k]))
    return _IrvStep(votes, exhausted, live, "tie_elimination", sorted(tied_low))


def _irv_possible_winners(
    piles: Mapping[tuple[int, ...], int],
    continuing: frozenset[int],
    memo: dict[frozenset[int], frozenset[int]],
) -> frozenset[int]:
    """Every option that wins under some way of breaking the elimination ties from here on."""
    if continuing not in memo:
        step = _irv_step(piles, continuing)
        if step.decision in ("win", "tie_win"):
            memo[continuing] = frozenset(step.options)
        elif step.decision == "eliminate":
            memo[continuing] = _irv_possible_winners(piles, continuing - set(step.options), memo)
        else:
            memo[continuing] = frozenset().union(
                *(_irv_possible_winners(piles, continuing - {o}, memo) for o in step.options)
            )
    return memo[continuing]


def _decide_irv(
    expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict], ex: _Explainer
) -> list[int]:
    piles = _piles(expressing)
    continuing = frozenset(opts)
    number = 0
    while True:
        number += 1
        step = _irv_step(piles, continuing)
        votes, live = step.votes, step.live
        if number == 1:
            totals["options"] = {str(o): votes[o] for o in sorted(votes)}
        rec: dict[str, Any] = {
            "round": number,
            "votes": {str(o): votes[o] for o in sorted(votes)},
            "exhausted": step.exhausted,
            "continuing": live,
            "eliminated": [],
            "bulk": False,
            "winner": None,
            "tied": [],
        }
        rounds.append(rec)
        half = _frac(Fraction(live, 2)) if live % 2 else str(live // 2)
        zh, en = _scores_text(votes)
        ex.add(
            f"第 {number} 轮：{zh}（用尽的票 {step.exhausted}，仍有效 {live}，过半数须超过 {half}）",
            f"round {number}: {en} ({step.exhausted} exhausted, {live} continuing; a majority is more than {half})",
        )
        if step.decision == "win":
            winner = step.options[0]
            rec["winner"] = winner
            ex.add(
                f"第 {number} 轮：{_opt(winner)} 得 {votes[winner]} 票，超过半数",
                f"round {number}: {_opt(winner)} has {votes[winner]}, more than half",
            )
            return [winner]
        if step.decision == "tie_win":
            rec["tied"] = step.options
            ex.add(
                f"第 {number} 轮：剩余选项 {_opts(step.options)} 票数相同，无法分出胜负",
                f"round {number}: the remaining options {_opts(step.options)} have equal votes; no winner",
            )
            totals["tie"] = {"stage": "win", "round": number, "options": step.options}
            return step.options
        if step.decision == "tie_elimination":
            tied = step.options
            rec["tied"] = tied
            ex.add(
                f"第 {number} 轮：{_opts(tied)} 并列最少（各 {votes[tied[0]]} 票），合计不少于下一名，须看先淘汰哪一个",
                f"round {number}: {_opts(tied)} tie for last ({votes[tied[0]]} each) and together are not below the "
                "next option, so it depends on which goes first",
            )
            # follow every way of breaking it (and any later tie) to see whether it matters
            memo: dict[frozenset[int], frozenset[int]] = {}
            branches = {
                o: sorted(_irv_possible_winners(piles, continuing - {o}, memo)) for o in tied
            }
            rec["branches"] = {str(o): branches[o] for o in tied}
            for o in tied:
                ex.add(
                    f"  若先淘汰 {_opt(o)}：{_opts(branches[o])} {'当选' if len(branches[o]) == 1 else '之一当选（视后续平局而定）'}",
                    f"  if {_opt(o)} goes first: {_opts(branches[o])} {'wins' if len(branches[o]) == 1 else 'could win (depending on later ties)'}",
                )
            possible = sorted(set().union(*branches.values()))
            if len(possible) == 1:
                rec["winner"] = possible[0]
                ex.add(
                    f"第 {number} 轮：无论先淘汰谁，都是 {_opt(possible[0])} 当选，平局不影响结果",
                    f"round {number}: whichever goes first, {_opt(possible[0])} wins; the tie does not matter",
                )
                return possible
            totals["tie"] = {"stage": "elimination", "round": number, "options": tied}
            ex.add(
                f"第 {number} 轮：先淘汰谁会改变结果，规则不替主持人决定；可能当选的是 {_opts(possible)}",
                f"round {number}: which goes first changes the result and the rule does not choose; "
                f"the possible winners are {_opts(possible)}",
            )
            return possible
        eliminate = step.options
        rec["eliminated"] = eliminate
        rec["bulk"] = len(eliminate) > 1
        if len(eliminate) == 1:
            ex.add(
                f"第 {number} 轮：无人过半，淘汰票数最少的 {_opt(eliminate[0])}，其选票转给各票上排在后面且仍在的选项",
                f"round {number}: no majority; {_opt(eliminate[0])} has fewest votes and is eliminated, "
                "its ballots pass to their next continuing option",
            )
        else:
            ex.add(
                f"第 {number} 轮：无人过半；{_opts(eliminate)} 并列最少，合计仍少于下一名，无论先淘汰谁结果都相同，一并淘汰",
                f"round {number}: no majority; {_opts(eliminate)} tie for last but together have fewer votes "
                "than the next option, so the order cannot matter: eliminated together",
            )
        continuing = continuing - set(eliminate)


def _decide_schulze(
    expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict], ex: _Explainer
) -> list[int]:
    n = len(opts)
    index = {o: i for i, o in enumerate(opts)}
    d = [[0] * n for _ in range(n)]
    for ranking, w in _piles(expressing).items():
        ranked = [index[o] for o in ranking]
        unranked = [i for i in range(n) if i not in set(ranked)]
        for pos, i in enumerate(ranked):
            row = d[i]
            for j in ranked[pos + 1 :]:
                row[j] += w
            for j in unranked:  # a ranked option is preferred to every unranked one
                row[j] += w
    p = [[d[i][j] if d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            pji = p[j][i]
            if not pji:
                continue
            for k in range(n):
                if k != i and k != j:
                    via = min(pji, p[i][k])
                    if via > p[j][k]:
                        p[j][k] = via
    winners = [opts[i] for i in range(n) if all(p[i][j] >= p[j][i] for j in range(n) if j != i)]
    remaining = list(range(n))
    order: list[list[int]] = []
    while remaining:
        tier = [
            i for i in remaining if all(p[i][j] >= p[j][i] for j in remaining if j != i)
        ] or remaining
        order.append([opts[i] for i in tier])
        remaining = [i for i in remaining if i not in tier]
    totals["order"] = order
    ex.add(
        "第 1 步：两两比较，数出每对选项中更偏好哪一个（排入的选项优于未排入的）",
        "step 1: compare every pair: how many prefer one to the other (a ranked option beats an unranked one)",
    )
    for i in range(n):
        for j in range(i + 1, n):
            a, b = opts[i], opts[j]
            if d[i][j] > d[j][i]:
                rel_zh, rel_en = f"{_opt(a)} 胜", f"{_opt(a)} wins"
            elif d[j][i] > d[i][j]:
                rel_zh, rel_en = f"{_opt(b)} 胜", f"{_opt(b)} wins"
            else:
                rel_zh, rel_en = "持平", "tied"
            ex.add(
                f"  {_opt(a)} 对 {_opt(b)}：{d[i][j]} 比 {d[j][i]}，{rel_zh}",
                f"  {_opt(a)} vs {_opt(b)}: {d[i][j]} to {d[j][i]}, {rel_en}",
            )
    ex.add(
        "第 2 步：求最强路径（一条路径的强度是其中最弱一环的胜方票数），A 的最强路径不弱于 B 到 A 的，即 A 不败于 B",
        "step 2: strongest paths (a path is as strong as its weakest link, counted in winning votes); "
        "A is not beaten by B when A's strongest path to B is at least as strong as B's to A",
    )
    ex.add(
        "排序：" + " > ".join("=".join(_opt(o) for o in tier) for tier in order),
        "order: " + " > ".join("=".join(_opt(o) for o in tier) for tier in order),
    )
    ex.add(f"不败于任何选项的：{_opts(winners)}", f"beaten by no option: {_opts(winners)}")
    rounds.append(
        {
            "options": list(opts),
            "pairwise": d,
            "strongest_paths": p,
            "order": order,
            "winners": winners,
        }
    )
    return winners


# --------------------------------------------------------------------------- several seats


def _val(f: Fraction) -> str:
    """A vote total as the stages show it: a whole number as itself, a value with at most
    five decimal places (the Scottish count) as a decimal, anything else as ``n/d``."""
    f = Fraction(f)
    if f.denominator == 1:
        return str(f.numerator)
    if 100000 % f.denominator == 0:
        whole, part = divmod(f.numerator * 100000 // f.denominator, 100000)
        return f"{whole}.{part:05d}".rstrip("0")
    return f"{f.numerator}/{f.denominator}"


def _num(f: Fraction) -> int | Fraction:
    """A whole vote total is stored as an integer, any other as a fraction ("n/d")."""
    f = Fraction(f)
    return f.numerator if f.denominator == 1 else f


def _totals_text(totals: Mapping[int, Fraction]) -> str:
    order = sorted(totals, key=lambda o: (-totals[o], o))
    return ", ".join(f"{_opt(o)} {_val(totals[o])}" for o in order)


_STAGE_WORDS = {  # action: (zh, en), {who} the candidates
    "elect": ("{who} 达到当选票数，当选", "{who} reach the quota and are elected"),
    "transfer": ("{who} 的盈余票按比例转移", "the surplus of {who} is transferred"),
    "exclude": ("{who} 票数最少，被淘汰，其选票按现值转给下一个仍在的候选人",
                "{who} have fewest votes and are excluded; their ballots pass on at their current value"),
    "elect_remaining": ("{who} 人数不多于剩余席位，全部当选", "{who} are no more than the seats left and are all elected"),
    "exclude_doomed": ("{who} 当选会使名额条件无法满足（已达上限，或余下席位须留给未满的下限），被排除，其选票按现值转给下一个仍在的候选人",
                       "{who} cannot be elected without leaving the constraints unmet (a maximum reached, or the seats "
                       "left are reserved for an unmet minimum) and are excluded; their ballots pass on at their current "
                       "value"),
    "tie": ("{who} 并列，且在此前各阶段票数都相同，规则不替主持人决定",
            "{who} tie, and were equal at every earlier stage; the rule does not choose"),
}


def _decide_seats(
    rule: Rule, expressing: list[_Cast], opts: tuple[int, ...], totals: dict, rounds: list[dict], ex: _Explainer
) -> tuple[list[int], list[int]]:
    """An election with ``rule.seats`` seats among the round's options; returns (elected, tied)."""
    from gongzhi.plugins.deliberation import multiwinner

    seats = int(rule.seats or 0)
    totals["seats"] = seats
    attrs = rule.attribute_map()
    balance = {"constraints": rule.constraints, "attributes": attrs}
    if rule.constraints:
        totals["constraints"] = [{"attribute": k.attribute, "value": k.value, "min": k.min, "max": k.max}
                                 for k in rule.constraints]
        for k in rule.constraints:
            zh, en = k.describe()
            kind_of = [o for o in opts if attrs.get(o, {}).get(k.attribute) == k.value]
            ex.add(f"名额条件：{zh}（符合的候选人：{_opts(kind_of) or '无'}）",
                   f"constraint: {en} (candidates it counts: {_opts(kind_of) or 'none'})")
    if rule.kind == "stv":
        piles = _piles(expressing)
        res = multiwinner.stv(list(piles), list(opts), seats, weights=list(piles.values()), rounding=rule.rounding,
                              **balance)
        totals["quota"] = _num(res.quota)
        first = res.stages[0]["totals"] if res.stages else {}
        totals["options"] = {str(o): _num(first.get(o, Fraction(0))) for o in opts}
        valid_w = sum(piles.values())
        ex.add(
            f"单记可让渡投票，{seats} 席；当选票数（德鲁普商数）= ⌊{valid_w} ÷ ({seats} + 1)⌋ + 1 = {_val(res.quota)}",
            f"single transferable vote, {seats} seat(s); quota (Droop) = floor({valid_w} / ({seats} + 1)) + 1 = "
            f"{_val(res.quota)}",
        )
        if rule.rounding == "scottish":
            totals["rounding"] = "scottish"
            ex.add("转移值按苏格兰地方选举规则计算：盈余 × 选票现值 ÷ 该候选人总票数，算至小数点后五位，余数舍去"
                   "（The Scottish Local Government Elections Order 2007 附表 1 第 48(3) 条）",
                   "transfer values as the Scottish local election rules compute them: surplus × the paper's value "
                   "÷ the candidate's total, to five decimal places, any remainder ignored (The Scottish Local "
                   "Government Elections Order 2007, sch. 1 r. 48(3))")
        for number, stage in enumerate(res.stages, start=1):
            action, who = stage["action"], list(stage["candidates"])
            entry: dict[str, Any] = {"stage": number, "action": action, "candidates": who,
                                     "totals": {str(o): _num(v) for o, v in stage["totals"].items()}}
            zh_do, en_do = _STAGE_WORDS[action]
            extra_zh = extra_en = ""
            if action == "transfer":
                entry["surplus"] = _num(stage["surplus"])
                extra_zh = f"（盈余 {_val(stage['surplus'])}）"
                extra_en = f" (surplus {_val(stage['surplus'])})"
            if stage.get("guarded"):
                entry["guarded"] = list(stage["guarded"])
                extra_zh += f"（{_opts(stage['guarded'])} 票数更少或相同，但淘汰会使名额条件无法满足，受保护）"
                extra_en += (f" ({_opts(stage['guarded'])} had no more votes but are guarded: excluding them would "
                             "leave the constraints unmet)")
            rounds.append(entry)
            ex.add(f"第 {number} 阶段：{_totals_text(stage['totals'])}；{zh_do.format(who=_opts(who))}{extra_zh}",
                   f"stage {number}: {_totals_text(stage['totals'])}; {en_do.format(who=_opts(who))}{extra_en}")
    else:
        fn = multiwinner.plurality_at_large if rule.kind == "plurality_at_large" else multiwinner.approval_seats
        marks: Counter[frozenset[int]] = Counter()
        for c in expressing:
            marks[frozenset(c.ballot.approvals)] += c.weight
        res = fn([sorted(m) for m in marks], list(opts), seats, weights=list(marks.values()), **balance)
        totals["options"] = {str(o): _num(res.totals[o]) for o in opts}
        zh_how = f"每张票最多选 {seats} 人" if rule.kind == "plurality_at_large" else "每张票可选任意多人"
        en_how = (f"each ballot marks at most {seats}" if rule.kind == "plurality_at_large"
                  else "each ballot marks any number")
        ex.add(f"{zh_how}，得票最多的 {seats} 人当选：{_totals_text(res.totals)}",
               f"{en_how}; the {seats} with the most marks are elected: {_totals_text(res.totals)}")
        rounds.append({"scores": {str(o): _num(res.totals[o]) for o in opts}, "elected": list(res.winners),
                       "tied": list(res.tie or []),
                       **({"stages": [{"action": x["action"], "candidates": list(x["candidates"])}
                                      for x in res.stages]} if rule.constraints else {})})
        for x in res.stages:
            if x["action"] == "skip":
                ex.add(f"{_opts(x['candidates'])} 当选会使名额条件无法满足（已达上限，或余下席位须留给未满的下限），跳过",
                       f"{_opts(x['candidates'])} skipped: electing them would leave the constraints unmet (a maximum "
                       "reached, or the seats left are reserved for an unmet minimum)")
    totals["elected"] = list(res.winners)
    if res.tie:
        totals["tie"] = {"candidates": sorted(res.tie), "seats_left": seats - len(res.winners)}
    return list(res.winners), sorted(res.tie or [])


# --------------------------------------------------------------------------- owners' decisions


def _decide_owners(
    rule: Rule, roster: Mapping[int, Voter], valid: list[_Cast], totals: dict, rounds: list[dict], ex: _Explainer
) -> str:
    """An owners' decision (Civil Code art. 278) counted by :func:`owners.owners_decision`: the
    owners' register is the roster's units (voters who may vote and own a unit; a unit listed by
    several voters is co-owned, and its area must agree); the votes are the valid ballots."""
    from gongzhi.plugins.deliberation.owners import Unit, exact_area, owners_decision

    areas: dict[str, Fraction] = {}
    holders: dict[str, set[str]] = {}
    for v in roster.values():
        if not v.can_vote:
            continue
        for unit, area in v.units:
            a = exact_area(area)
            if unit in areas and areas[unit] != a:
                raise DomainError("delib.bad_roster", detail=f"单元 {unit} 的面积登记不一致：{_show(areas[unit])} 与 {_show(a)}",
                                  detail_en=f"unit {unit} is registered with two areas: {_show(areas[unit])} and {_show(a)}")
            areas[unit] = a
            holders.setdefault(unit, set()).add(str(v.id))
    if not areas:
        raise DomainError("delib.bad_roster", detail="名册上没有登记专有部分的业主",
                          detail_en="nobody on the roster owns a unit")
    units = [Unit(u, areas[u], frozenset(holders[u])) for u in sorted(areas)]
    votes = {str(c.voter.id): c.ballot.choice for c in valid if c.ballot.choice in ("yes", "no", "abstain")}

    def label(people: frozenset[str]) -> tuple[str, str]:
        ids = sorted(int(p) for p in people)
        return "、".join(f"参与者 {i}" for i in ids), ", ".join(f"participant {i}" for i in ids)

    res = owners_decision(str(rule.category), units, votes, label=label)
    for line in res.explanation:
        ex.add(line["zh"], line["en"])
    d = res.as_dict()
    del d["explanation"]
    totals["owners"] = d
    rounds.append({"figures": d["figures"], "article": d["article"], "outcome": res.outcome})
    return res.outcome
