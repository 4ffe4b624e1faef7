"""The round file: what ``gongzhi deliberation export-round`` writes and ``tally`` reads.

A round file holds everything needed to recount a round without the database:
the rule, the options, the roster snapshot taken when the round closed (the
voters with their group, role, weight, presence and proxies), the current
ballots, and the stored result. :func:`tally_round_file` recounts it with the
pure rules and says whether the count matches the stored one. The format is
documented in docs/deliberation.md; ``FORMAT`` and ``VERSION`` name it.

The codec functions here (rule, voter, ballot ⇄ JSON) are also what the
services use to store rules and snapshots, so the database and the file speak
the same language. Nothing in this module touches the database: the services
build a round file from it (:func:`gongzhi.plugins.deliberation.services.round_file`) with
these codecs, so the imports run one way, services → export.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)
from gongzhi.plugins.deliberation import rules

FORMAT = "gongzhi.deliberation.round"
VERSION = 3  # 2: kinds ranked_choice (rule.top_k) and ranked_pairs; 3: elections with seats (rule.seats …);
# version 1 and 2 files still read

COMPARATORS, BASES, QUORUM_OF, KINDS = rules.COMPARATORS, rules.BASES, rules.QUORUM_OF, rules.KINDS


# -- fractions --------------------------------------------------------------------


def _bad_rule(detail: str) -> DomainError:
    return DomainError("delib.bad_rule", detail=detail, detail_en=detail)


def fraction_to_json(value: Fraction | None) -> str | None:
    if value is None:
        return None
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


# how the refusals name the fractions a rule holds
_FRACTION_NAMES = {"threshold": "通过比例", "quorum": "法定人数比例", "quorum.fraction": "法定人数比例"}


def fraction_from_json(value: Any, what: str) -> Fraction | None:
    """``"2/3"``, ``"1"`` or an integer → Fraction; floats are refused (exact arithmetic only)."""
    if value is None:
        return None
    zh = _FRACTION_NAMES.get(what, what)
    not_a_fraction = DomainError("delib.bad_rule", detail=f"{zh}须写成分数（如 2/3），不能用小数或百分数：{value}",
                                 detail_en=f"{what}: {value} (write a fraction such as \"2/3\")")
    if isinstance(value, bool | float):
        raise not_a_fraction
    text = str(value).strip()
    if not isinstance(value, int) and not re.fullmatch(r"[+-]?\d+(/\d+)?", text):
        # "0.66", "1e-1", "66%": refused, as the docs say (a fraction is written "2/3")
        raise not_a_fraction
    try:
        return Fraction(value) if isinstance(value, int) else Fraction(text)
    except (ValueError, ZeroDivisionError):
        raise DomainError("delib.bad_rule", detail=f"{zh}无效：{value}", detail_en=f"{what}: {value}") from None


# -- rules ------------------------------------------------------------------------


def rule_to_json(rule: rules.Rule) -> dict[str, Any]:
    q = rule.quorum
    return {
        "kind": rule.kind,
        "name": rule.name,
        "threshold": fraction_to_json(rule.threshold),
        "comparator": rule.comparator,
        "base": rule.base,
        "quorum": None if q is None else {"of": q.of, "fraction": fraction_to_json(q.fraction), "count": q.count},
        "per_group": list(rule.per_group),
        "veto_roles": None if rule.veto_roles is None else list(rule.veto_roles),
        **({} if rule.top_k is None else {"top_k": rule.top_k}),  # version 2; absent = every option
        **({} if rule.seats is None else {"seats": rule.seats}),  # version 3: stv, plurality_at_large, approval_seats
        # version 3: balance constraints and the candidates' attributes they count
        **({} if not rule.constraints else {"constraints": [
            {"attribute": k.attribute, "value": k.value, "min": k.min, "max": k.max} for k in rule.constraints]}),
        **({} if not rule.attributes else {"attributes": {str(oid): dict(pairs) for oid, pairs in rule.attributes}}),
        **({} if rule.rounding is None else {"rounding": rule.rounding}),  # version 3: stv's "scottish"
        **({} if rule.category is None else {"category": rule.category}),  # version 3: an owners' decision's matter
    }


def rule_from_json(data: Any) -> rules.Rule:
    """A :class:`rules.Rule` from its JSON form, checked field by field (``delib.bad_rule``)."""
    if not isinstance(data, dict):
        raise _bad_rule("rule must be an object")
    kind = data.get("kind")
    if kind not in KINDS:
        raise _bad_rule(f"kind: {kind!r} (one of {', '.join(KINDS)})")
    comparator = data.get("comparator", ">")
    if comparator not in COMPARATORS:
        raise _bad_rule(f"comparator: {comparator!r} (> or >=)")
    base = data.get("base", "YN")
    if base not in BASES:
        raise _bad_rule(f"base: {base!r} (one of {', '.join(BASES)})")
    threshold = fraction_from_json(data.get("threshold", "1/2"), "threshold")
    if threshold is None or not 0 < threshold <= 1:
        raise _bad_rule(f"threshold: {data.get('threshold')!r} (0 < t <= 1)")
    quorum = None
    q = data.get("quorum")
    if q is not None:
        if not isinstance(q, dict):
            raise _bad_rule("quorum must be an object")
        of = q.get("of", "entitled")
        if of not in QUORUM_OF:
            raise _bad_rule(f"quorum.of: {of!r} (entitled or present)")
        qf = fraction_from_json(q.get("fraction"), "quorum.fraction")
        if qf is not None and not 0 < qf <= 1:
            raise _bad_rule(f"quorum.fraction: {q.get('fraction')!r}")
        count = q.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            raise _bad_rule(f"quorum.count: {count!r}")
        if qf is None and count is None:
            raise _bad_rule("quorum needs a fraction or a count")
        quorum = rules.Quorum(of=of, fraction=qf, count=count)
    per_group = data.get("per_group") or []
    veto_roles = data.get("veto_roles")
    if not isinstance(per_group, list) or not all(isinstance(g, str) for g in per_group):
        raise _bad_rule("per_group must be a list of group names")
    if veto_roles is not None and (not isinstance(veto_roles, list) or not all(isinstance(r, str) for r in veto_roles)):
        raise _bad_rule("veto_roles must be a list of roles or null")
    top_k = data.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise _bad_rule(f"top_k: {top_k!r} (a whole number of at least 1)")
    seats = data.get("seats")
    if seats is not None and not (_is_int(seats) and seats >= 1):
        raise _bad_rule(f"seats: {seats!r} (a whole number of at least 1)")
    constraints = []
    raw = data.get("constraints") or []
    if not isinstance(raw, list):
        raise _bad_rule("constraints must be a list")
    for k in raw:
        if not isinstance(k, dict) or not isinstance(k.get("attribute"), str) or not isinstance(k.get("value"), str):
            raise _bad_rule(f"constraint: {k!r} (attribute, value, min, max)")
        lo, hi = k.get("min", 0), k.get("max")
        if not _is_int(lo) or (hi is not None and not _is_int(hi)):
            raise _bad_rule(f"constraint: {k!r} (min and max are whole numbers)")
        constraints.append(rules.Constraint(k["attribute"], k["value"], lo, hi))
    attributes = data.get("attributes") or {}
    if not isinstance(attributes, dict) or not all(
            isinstance(a, dict) and all(isinstance(x, str) and isinstance(y, str) for x, y in a.items())
            for a in attributes.values()):
        raise _bad_rule("attributes must map option ids to {attribute: value}")
    try:
        attrs = tuple(sorted((int(oid), tuple(sorted(a.items()))) for oid, a in attributes.items()))
    except ValueError:
        raise _bad_rule(f"attributes: option ids must be whole numbers: {sorted(attributes)!r}") from None
    rule = rules.Rule(
        kind=kind, threshold=threshold, comparator=comparator, base=base, quorum=quorum,
        per_group=tuple(per_group), veto_roles=None if veto_roles is None else tuple(veto_roles),
        name=str(data.get("name") or ""), top_k=top_k, seats=seats, constraints=tuple(constraints),
        attributes=attrs, rounding=data.get("rounding"), category=data.get("category"),
    )
    rules.check_rule(rule)  # what only the rules know: a base outside yes/no, veto roles …
    return rule


# -- voters and ballots -------------------------------------------------------------


def voter_to_json(v: rules.Voter, **extra: Any) -> dict[str, Any]:
    return {"id": v.id, **extra, "group": v.group, "role": v.role, "can_vote": v.can_vote, "weight": v.weight,
            "present": v.present, "proxy_for": v.proxy_for,
            # version 3: an owner's units, [[unit, area], …]; absent for everyone else
            **({"units": [[u, a] for u, a in v.units]} if v.units else {})}


def voter_from_json(data: Any) -> rules.Voter:
    if not isinstance(data, dict) or not _is_int(data.get("id")):
        raise DomainError("delib.export_invalid", detail=f"voter without an integer id: {data!r}")
    weight = data.get("weight", 1)
    if not _is_int(weight) or weight < 1:
        raise DomainError("delib.export_invalid", detail=f"voter {data['id']}: weight {weight!r}")
    proxy_for = data.get("proxy_for")
    if proxy_for is not None and not _is_int(proxy_for):
        raise DomainError("delib.export_invalid", detail=f"voter {data['id']}: proxy_for {proxy_for!r}")
    units = data.get("units") or []
    if not isinstance(units, list) or not all(
            isinstance(u, list) and len(u) == 2 and all(isinstance(x, str) for x in u) for u in units):
        raise DomainError("delib.export_invalid", detail=f"voter {data['id']}: units {units!r} ([[unit, area], …])")
    return rules.Voter(
        id=data["id"], group=str(data.get("group", "")), role=str(data.get("role", "resident_rep")),
        can_vote=bool(data.get("can_vote", True)), weight=weight, present=bool(data.get("present", True)),
        proxy_for=proxy_for, units=tuple((u, a) for u, a in units),
    )


def ballot_to_json(b: rules.Ballot, **extra: Any) -> dict[str, Any]:
    return {
        **extra,
        "voter": b.voter_id,
        "cast_by": b.cast_by,
        "choice": b.choice,
        "reason": b.reason,
        "ranking": list(b.ranking),
        "approvals": sorted(b.approvals),
        "option": b.option_id,
    }


def ballot_from_json(data: Any) -> rules.Ballot:
    if not isinstance(data, dict) or not _is_int(data.get("voter")):
        raise DomainError("delib.export_invalid", detail=f"ballot without an integer voter: {data!r}")
    ranking = data.get("ranking") or []
    approvals = data.get("approvals") or []
    for name, ids in (("ranking", ranking), ("approvals", approvals)):
        if not isinstance(ids, list) or not all(_is_int(i) for i in ids):
            raise DomainError("delib.export_invalid", detail=f"ballot of voter {data['voter']}: {name} {ids!r}")
    for name in ("cast_by", "option"):
        if data.get(name) is not None and not _is_int(data.get(name)):
            raise DomainError("delib.export_invalid", detail=f"ballot of voter {data['voter']}: {name} {data.get(name)!r}")
    choice = data.get("choice")
    if choice is not None and choice not in rules.CHOICES:
        raise DomainError("delib.export_invalid", detail=f"ballot of voter {data['voter']}: choice {choice!r}")
    return rules.Ballot(
        voter_id=data["voter"], cast_by=data.get("cast_by"), choice=choice, reason=str(data.get("reason") or ""),
        ranking=tuple(ranking), approvals=frozenset(approvals), option_id=data.get("option"),
    )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def result_json(result: rules.Result) -> dict[str, Any]:
    """``Result.as_dict()`` as it reads back from JSON (tuples become lists), for comparing."""
    return json.loads(json.dumps(result.as_dict(), ensure_ascii=False))


# -- recounting a file --------------------------------------------------------------


@dataclass
class Recount:
    """A round file recounted: the fresh result, the stored one (if the file has it),
    whether they agree (None when there is nothing to compare with), and the ballot rows
    the file flags as not belonging to the recorded sequence (hand-inserted rows,
    ``out_of_sequence``: a matching count is no proof then)."""

    result: rules.Result
    stored: dict[str, Any] | None
    matches: bool | None
    out_of_sequence: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"result": result_json(self.result), "stored": self.stored, "matches": self.matches,
                "out_of_sequence": list(self.out_of_sequence)}


def read_round_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DomainError("delib.export_invalid", detail=f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError("delib.export_invalid", detail=f"{path}: {exc}") from None
    if not isinstance(data, dict):
        raise DomainError("delib.export_invalid", detail=f"{path}: not a JSON object")
    return data


def _counted(d: Any) -> Any:
    """What a recount compares: everything but the explanation's wording, which may be
    improved between versions (e.g. "= 5" where 0.6.x wrote "= 5/1") without the count changing."""
    return {k: v for k, v in d.items() if k != "explanation"} if isinstance(d, dict) else d


def tally_round_file(data: dict[str, Any]) -> Recount:
    """Recount a round file (a dict as read from JSON) with the pure rules alone."""
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        raise DomainError("delib.export_invalid", detail=f"format {fmt!r}, expected {FORMAT!r}")
    version = data.get("version", VERSION)
    if not _is_int(version) or version > VERSION:
        raise DomainError("delib.export_invalid", detail=f"version {version!r}; this gongzhi reads up to {VERSION}")
    rule = rule_from_json(data.get("rule"))
    options = data.get("options", [])
    if not isinstance(options, list):
        raise DomainError("delib.export_invalid", detail="options must be a list")
    option_ids = []
    for o in options:
        oid = o.get("id") if isinstance(o, dict) else o
        if not _is_int(oid):
            raise DomainError("delib.export_invalid", detail=f"option without an integer id: {o!r}")
        option_ids.append(oid)
    voters_raw, ballots_raw = data.get("voters", []), data.get("ballots", [])
    if not isinstance(voters_raw, list) or not isinstance(ballots_raw, list):
        raise DomainError("delib.export_invalid", detail="voters and ballots must be lists")
    voters = [voter_from_json(v) for v in voters_raw]
    ballots = [ballot_from_json(b) for b in ballots_raw]
    seen: set[int] = set()
    for b in ballots:
        if b.voter_id in seen:
            raise DomainError("delib.export_invalid", detail=f"two current ballots for voter {b.voter_id}")
        seen.add(b.voter_id)
    names = {v["id"]: v["name"] for v in voters_raw
             if isinstance(v, dict) and _is_int(v.get("id")) and isinstance(v.get("name"), str)}
    result = rules.tally(rule, voters, ballots, option_ids, names=names)
    stored = data.get("result")
    matches = None if stored is None else _counted(result_json(result)) == _counted(stored)
    stray = data.get("out_of_sequence") or []
    if not isinstance(stray, list) or not all(isinstance(b, dict) for b in stray):
        raise DomainError("delib.export_invalid", detail="out_of_sequence must be a list of objects")
    return Recount(result=result, stored=stored, matches=matches, out_of_sequence=stray)


# -- writing a file ------------------------------------------------------------------


def write_json_file(data: dict[str, Any], path: Path) -> Path:
    """Write ``data`` to ``path`` (never overwriting), via a temporary name and a rename."""
    from gongzhi.core.services.base import (
        check_output_path,  # here: tally of a file loads no database code
    )

    path = check_output_path(path)  # refused before any work: exists, no folder, not writable
    tmp = path.with_name(f".{path.name}.part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path
