"""Owners' decisions (业主共同决定) as the Civil Code art. 278 sets them — pure, exact.

Participation (参与表决): at least 2/3 of the exclusive floor area **and** at least 2/3 of
the owners. Approval, out of those who took part:

- **major matters** (art. 278 (6)–(8): raising maintenance funds; rebuilding or altering
  buildings and their facilities — 加装电梯 counts here; changing the use of common parts
  or running a business on them): at least 3/4 of the participating area **and** at least
  3/4 of the participating owners;
- **other matters** (art. 278 (1)–(5), (9)): more than half of both.

"以上" includes the figure (≥), "过半数" excludes exactly half (>) — Civil Code art. 1259.

The two bases are counted from the owners' register as the SPC interpretation on
building-unit ownership (法释〔2009〕7号, rev. 2020) art. 8–9 sets them: the area is each
exclusive unit's registered floor area; the head count is one per exclusive unit, with
co-owners of a unit counting once and one owner of several units counting once. Here
units that share an owner are one *owner* (a connected group of units and people): its
area is the sum of its units' areas and it counts once. An owner's vote is cast by any
of its people; if its people vote differently, it took part but its vote is ``split``
and counts for neither side (said in the explanation).

Everything is :class:`fractions.Fraction`; every one of the four figures is explained.
Nothing here touches the database; a round's owners' register comes from the
participants' ``unit``/``area`` (see docs/deliberation-rules.md, "Owners' decisions").
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)

TWO_THIRDS = Fraction(2, 3)
THREE_QUARTERS = Fraction(3, 4)
HALF = Fraction(1, 2)

# category -> (art. 278 item, major?, Chinese, English)
CATEGORIES: dict[str, tuple[int, bool, str, str]] = {
    "procedure_rules": (1, False, "制定和修改业主大会议事规则", "adopting or amending the owners' assembly procedure rules"),
    "covenant": (2, False, "制定和修改管理规约", "adopting or amending the management covenant"),
    "committee": (3, False, "选举业主委员会或者更换业主委员会成员", "electing or replacing owners' committee members"),
    "manager": (4, False, "选聘和解聘物业服务企业或者其他管理人", "hiring or dismissing the property service company or other manager"),
    "use_funds": (5, False, "使用建筑物及其附属设施的维修资金", "using the maintenance funds"),
    "raise_funds": (6, True, "筹集建筑物及其附属设施的维修资金", "raising maintenance funds"),
    "rebuild": (7, True, "改建、重建建筑物及其附属设施（含加装电梯）", "rebuilding or altering buildings and facilities (incl. adding a lift)"),
    "elevator": (7, True, "加装电梯（改建建筑物及其附属设施）", "adding a lift (altering a building and its facilities)"),
    "common_use": (8, True, "改变共有部分的用途或者利用共有部分从事经营活动", "changing the use of common parts or running a business on them"),
    "other": (9, False, "有关共有和共同管理权利的其他重大事项", "other major matters of common ownership and management"),
}
CHOICES = ("yes", "no", "abstain")
_ZH_ITEMS = "一二三四五六七八九"


@dataclass(frozen=True)
class Unit:
    """An exclusive unit (专有部分) as the property register has it."""

    id: str
    area: Fraction  # registered exclusive floor area, m²
    owners: frozenset[str]  # the people registered as its owners (co-owners: several)


@dataclass(frozen=True)
class Figure:
    """One of the four figures: ``part`` of ``whole`` against ``required`` with ``comparator``."""

    name: str
    part: Fraction
    whole: Fraction
    required: Fraction
    comparator: str  # ">=" (以上) or ">" (过半数)
    met: bool

    @property
    def share(self) -> Fraction | None:
        return None if self.whole == 0 else self.part / self.whole

    def as_dict(self) -> dict[str, Any]:
        f = self.share
        return {"name": self.name, "part": _f(self.part), "whole": _f(self.whole),
                "share": None if f is None else _f(f), "required": _f(self.required),
                "comparator": self.comparator, "met": self.met}


@dataclass
class OwnersResult:
    outcome: str  # adopted | rejected | no_quorum
    category: str
    major: bool
    article: tuple[str, str]
    figures: list[Figure]
    owners: int
    area: Fraction
    explanation: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "category": self.category, "major": self.major,
                "article": {"zh": self.article[0], "en": self.article[1]},
                "figures": [f.as_dict() for f in self.figures], "owners": self.owners, "area": _f(self.area),
                "explanation": self.explanation}


def _f(x: Fraction) -> str:
    return f"{x.numerator}/{x.denominator}"


def _show(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _bad(zh: str, en: str) -> DomainError:
    return DomainError("delib.bad_roster", detail=zh, detail_en=en)


def exact_area(value: Any) -> Fraction:
    """``"89.5"``, ``"179/2"``, ``89`` → Fraction; a float is refused (exact arithmetic only).
    An area, unlike a threshold, is a measurement and may be written as a decimal."""
    if isinstance(value, bool | float):
        raise _bad(f"面积须写成精确数（如 \"89.5\"）：{value!r}", f"write an area exactly (e.g. \"89.5\"): {value!r}")
    try:
        a = Fraction(value) if isinstance(value, int | Fraction) else Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError):
        raise _bad(f"面积无效：{value!r}", f"invalid area: {value!r}") from None
    if a <= 0:
        raise _bad(f"面积须大于 0：{value!r}", f"an area must be more than 0: {value!r}")
    return a


def owner_groups(units: Iterable[Unit]) -> list[tuple[frozenset[str], list[Unit]]]:
    """The owners as SPC art. 9 counts them: units sharing an owner are one owner.
    Returns (people, units) per owner, in the order of each owner's first unit."""
    units = list(units)
    ids = [u.id for u in units]
    if len(set(ids)) != len(ids):
        raise _bad("单元编号重复", "a unit appears twice in the register")
    parent = list(range(len(units)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_unit_of: dict[str, int] = {}
    for i, u in enumerate(units):
        if not u.owners:
            raise _bad(f"单元 {u.id} 没有登记业主", f"unit {u.id} has no registered owner")
        for person in u.owners:
            if person in first_unit_of:
                parent[find(i)] = find(first_unit_of[person])
            else:
                first_unit_of[person] = i
    groups: dict[int, list[int]] = {}
    for i in range(len(units)):
        groups.setdefault(find(i), []).append(i)
    out = []
    for members in sorted(groups.values(), key=min):
        us = [units[i] for i in members]
        out.append((frozenset().union(*(u.owners for u in us)), us))
    return out


def owners_decision(category: str, units: Iterable[Unit], votes: Mapping[str, str], *,
                    label: Callable[[frozenset[str]], tuple[str, str]] | None = None) -> OwnersResult:
    """Count an owners' decision. ``votes`` maps a person (as in ``Unit.owners``) to
    ``yes``/``no``/``abstain``; a person who did not vote is simply absent from it.
    ``label`` names an owner's people in the explanation, (Chinese, English); by default
    their register names joined."""
    if category not in CATEGORIES:
        raise DomainError("delib.unknown_preset", value=category, choices=", ".join(CATEGORIES))
    item, major, zh_cat, en_cat = CATEGORIES[category]
    units = [Unit(u.id, exact_area(u.area), frozenset(u.owners)) for u in units]
    if not units:
        raise _bad("业主名册为空", "the owners' register is empty")
    groups = owner_groups(units)
    known = set().union(*(people for people, _ in groups))
    for person, choice in votes.items():
        if person not in known:
            raise _bad(f"{person} 不在业主名册上", f"{person} is not in the owners' register")
        if choice not in CHOICES:
            raise _bad(f"{person} 的表决意见无效：{choice!r}", f"{person}'s vote is not yes/no/abstain: {choice!r}")

    lines: list[dict[str, str]] = []

    def ex(zh: str, en: str) -> None:
        lines.append({"zh": zh, "en": en})

    article = (f"《民法典》第二百七十八条第一款第（{_ZH_ITEMS[item - 1]}）项、第二款；"
               "《最高人民法院关于审理建筑物区分所有权纠纷案件适用法律若干问题的解释》第八条、第九条",
               f"Civil Code art. 278 para. 1 item ({item}) and para. 2; SPC interpretation on building-unit "
               "ownership art. 8–9")
    ex(f"事项：{zh_cat}（{'重大事项，须参与表决者四分之三以上同意' if major else '一般事项，须参与表决者过半数同意'}）",
       f"matter: {en_cat} ({'major: 3/4 of those taking part must agree' if major else 'ordinary: more than half of those taking part must agree'})")
    ex(f"依据：{article[0]}", f"under: {article[1]}")

    total_area = sum((u.area for u in units), Fraction(0))
    total_owners = len(groups)
    part_area = yes_area = Fraction(0)
    part_n = yes_n = 0
    for people, us in groups:
        choices = {votes[p] for p in people if p in votes}
        if not choices:
            continue
        area = sum((u.area for u in us), Fraction(0))
        part_area += area
        part_n += 1
        zh_who, en_who = label(people) if label else ("、".join(sorted(people)), ", ".join(sorted(people)))
        unit_ids = "、".join(u.id for u in us)
        if len(choices) > 1:
            ex(f"{zh_who}（{unit_ids}）意见不一致，计为参与表决但不计入同意",
               f"{en_who} ({', '.join(u.id for u in us)}) voted differently: taking part, not counted as agreeing")
            continue
        if choices == {"yes"}:
            yes_area += area
            yes_n += 1
    ex(f"专有部分总面积 {_show(total_area)} 平方米，业主总人数 {total_owners} 人（一个专有部分按一人计，"
       f"共有人按一人计，同一业主拥有多个专有部分按一人计）",
       f"total exclusive area {_show(total_area)} m², {total_owners} owners (one per unit; co-owners count once; "
       "an owner of several units counts once)")

    def figure(name: str, zh: str, en: str, part: Fraction, whole: Fraction, required: Fraction,
               comparator: str, unit_zh: str, unit_en: str) -> Figure:
        met = whole > 0 and (part >= required * whole if comparator == ">=" else part > required * whole)
        share = "—" if whole == 0 else _show(part / whole)
        need_zh = ("不少于" if comparator == ">=" else "超过") + f" {_show(required)}"
        need_en = ("at least" if comparator == ">=" else "more than") + f" {_show(required)}"
        ex(f"{zh}：{_show(part)}{unit_zh} / {_show(whole)}{unit_zh} = {share}，须{need_zh}：{'达到' if met else '未达到'}",
           f"{en}: {_show(part)}{unit_en} / {_show(whole)}{unit_en} = {share}, needs {need_en}: "
           f"{'met' if met else 'not met'}")
        return Figure(name, part, whole, required, comparator, met)

    figures = [
        figure("participating_area", "参与表决的专有部分面积", "exclusive area taking part", part_area, total_area,
               TWO_THIRDS, ">=", " 平方米", " m²"),
        figure("participating_owners", "参与表决的业主人数", "owners taking part", Fraction(part_n),
               Fraction(total_owners), TWO_THIRDS, ">=", " 人", ""),
    ]
    required, comparator = (THREE_QUARTERS, ">=") if major else (HALF, ">")
    figures += [
        figure("approving_area", "同意的专有部分面积（占参与表决面积）", "agreeing area (of the area taking part)",
               yes_area, part_area, required, comparator, " 平方米", " m²"),
        figure("approving_owners", "同意的业主人数（占参与表决人数）", "agreeing owners (of those taking part)",
               Fraction(yes_n), Fraction(part_n), required, comparator, " 人", ""),
    ]
    if not (figures[0].met and figures[1].met):
        outcome = "no_quorum"
        ex("参与表决的面积或人数未达三分之二，不能作出共同决定", "less than 2/3 of the area or of the owners took part: "
           "no decision can be made")
    else:
        outcome = "adopted" if figures[2].met and figures[3].met else "rejected"
        ex(f"结果：{'通过' if outcome == 'adopted' else '不通过'}", f"result: {outcome}")
    return OwnersResult(outcome, category, major, article, figures, total_owners, total_area, lines)
