"""Owners' decisions (Civil Code art. 278; SPC interpretation art. 8–9; art. 1259 on 以上 and
过半数): every boundary, with exact fractions. Pure: no database."""

from __future__ import annotations

from fractions import Fraction

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.owners import CATEGORIES, Unit, owner_groups, owners_decision


def _flats(n: int, area: int | str = 10) -> list[Unit]:
    """n flats of the same area, each with its own owner o1 … on."""
    return [Unit(f"1-{i}", area, frozenset({f"o{i}"})) for i in range(1, n + 1)]


def _votes(yes: int, no: int = 0, abstain: int = 0, start: int = 1) -> dict[str, str]:
    out, i = {}, start
    for choice, k in (("yes", yes), ("no", no), ("abstain", abstain)):
        for _ in range(k):
            out[f"o{i}"] = choice
            i += 1
    return out


def _fig(res, name):
    return next(f for f in res.figures if f.name == name)


def test_two_thirds_participation_and_three_quarters_approval_exactly():
    units = _flats(12)  # 120 m², 12 owners; 8 take part = exactly 2/3 of both
    res = owners_decision("elevator", units, _votes(6, 2))
    assert res.outcome == "adopted" and res.major
    assert _fig(res, "participating_area").share == Fraction(2, 3)
    assert _fig(res, "participating_owners").share == Fraction(2, 3)
    assert _fig(res, "approving_area").share == Fraction(3, 4) and _fig(res, "approving_owners").share == Fraction(3, 4)
    assert all(f.met for f in res.figures)
    # one fewer yes: 5/8 < 3/4
    assert owners_decision("elevator", units, _votes(5, 3)).outcome == "rejected"
    # one fewer taking part: 7/12 < 2/3 — no decision at all, however they voted
    res = owners_decision("elevator", units, _votes(7))
    assert res.outcome == "no_quorum" and not _fig(res, "participating_owners").met


def test_more_than_half_excludes_exactly_half():
    units = _flats(12)
    res = owners_decision("manager", units, _votes(4, 4))
    assert not res.major and res.outcome == "rejected"
    assert _fig(res, "approving_owners").share == Fraction(1, 2) and not _fig(res, "approving_owners").met
    assert owners_decision("manager", units, _votes(5, 3)).outcome == "adopted"
    assert owners_decision("manager", units, _votes(4, 3, 1)).outcome == "rejected"  # an abstention takes part


def test_area_and_head_count_disagree():
    units = [Unit("A", 100, frozenset({"big"}))] + _flats(9)  # 190 m², 10 owners
    # the big flat and five small ones: 150/190 ≥ 2/3 of the area, but 6/10 < 2/3 of the owners
    res = owners_decision("other", units, {"big": "yes", **_votes(5)})
    assert res.outcome == "no_quorum"
    assert _fig(res, "participating_area").met and not _fig(res, "participating_owners").met
    # seven small flats: 7/10 of the owners, but 70/190 of the area
    res = owners_decision("other", units, _votes(7))
    assert res.outcome == "no_quorum"
    assert not _fig(res, "participating_area").met and _fig(res, "participating_owners").met
    # all take part; the big flat agrees alone: area 100/190 > 1/2, owners 1/10 — rejected
    res = owners_decision("other", units, {"big": "yes", **_votes(0, 9)})
    assert res.outcome == "rejected"
    assert _fig(res, "approving_area").met and not _fig(res, "approving_owners").met
    assert _fig(res, "approving_area").share == Fraction(100, 190)


def test_co_owners_count_once_and_an_owner_of_several_units_counts_once():
    units = [Unit("1-101", "89.5", frozenset({"张", "李"})),  # co-owners
             Unit("1-102", "60.25", frozenset({"王"})), Unit("1-103", "60.25", frozenset({"王"})),  # one owner, 2 units
             Unit("1-104", 70, frozenset({"赵"}))]
    groups = owner_groups(units)
    assert [sorted(p) for p, _ in groups] == [["张", "李"], ["王"], ["赵"]]
    res = owners_decision("covenant", units, {"张": "yes", "王": "yes"})
    assert res.owners == 3 and res.area == Fraction(280)
    assert _fig(res, "participating_owners").part == 2
    assert _fig(res, "participating_area").part == Fraction(179, 2) + Fraction(241, 2)  # 89.5 + 120.5 = 210 = 3/4
    assert res.outcome == "adopted"
    # co-owners who disagree took part, but their unit does not count as agreeing
    res = owners_decision("covenant", units, {"张": "yes", "李": "no", "王": "yes"})
    assert _fig(res, "participating_owners").part == 2 and _fig(res, "approving_owners").part == 1
    assert res.outcome == "rejected"  # 1/2 of the owners is not more than half
    assert any("意见不一致" in line["zh"] for line in res.explanation)
    # a person owning units that others co-own links them into one owner
    linked = owner_groups([Unit("a", 1, frozenset({"甲", "乙"})), Unit("b", 1, frozenset({"乙"})),
                           Unit("c", 1, frozenset({"丙"}))])
    assert len(linked) == 2


def test_absent_owners_count_in_the_whole_but_not_in_the_part():
    units = _flats(3)
    res = owners_decision("raise_funds", units, {"o1": "yes", "o2": "yes"})
    assert _fig(res, "participating_owners").whole == 3 and _fig(res, "approving_owners").whole == 2
    assert res.outcome == "adopted"
    assert owners_decision("raise_funds", units, {}).outcome == "no_quorum"


def test_each_figure_is_explained_and_the_article_named():
    res = owners_decision("elevator", _flats(12), _votes(6, 2))
    zh = "\n".join(line["zh"] for line in res.explanation)
    for needle in ("第二百七十八条第一款第（七）项", "第八条、第九条", "参与表决的专有部分面积：80 平方米 / 120 平方米 = 2/3，须不少于 2/3：达到",
                   "参与表决的业主人数：8 人 / 12 人 = 2/3", "同意的专有部分面积（占参与表决面积）：60 平方米 / 80 平方米 = 3/4，须不少于 3/4",
                   "同意的业主人数（占参与表决人数）：6 人 / 8 人 = 3/4", "结果：通过"):
        assert needle in zh, needle
    en = "\n".join(line["en"] for line in res.explanation)
    assert "art. 278 para. 1 item (7)" in en and "needs more than" not in en
    d = res.as_dict()
    assert d["figures"][2] == {"name": "approving_area", "part": "60/1", "whole": "80/1", "share": "3/4",
                               "required": "3/4", "comparator": ">=", "met": True}
    ordinary = owners_decision("manager", _flats(12), _votes(5, 3))
    assert "须超过 1/2" in "\n".join(line["zh"] for line in ordinary.explanation)


@pytest.mark.parametrize("category", sorted(CATEGORIES))
def test_every_category_has_its_threshold(category):
    item, major, _, _ = CATEGORIES[category]
    assert major == (item in (6, 7, 8))
    res = owners_decision(category, _flats(8), _votes(6, 2))  # 3/4 exactly
    assert res.outcome == "adopted"
    res = owners_decision(category, _flats(8), _votes(5, 3))  # 5/8: more than half, less than 3/4
    assert res.outcome == ("rejected" if major else "adopted")


def test_bad_registers_and_votes_are_refused():
    with pytest.raises(DomainError) as e:
        owners_decision("other", [Unit("a", 89.5, frozenset({"x"}))], {})
    assert e.value.code == "delib.bad_roster"
    with pytest.raises(DomainError):
        owners_decision("other", _flats(2), {"nobody": "yes"})
    with pytest.raises(DomainError):
        owners_decision("other", _flats(2), {"o1": "y"})
    with pytest.raises(DomainError):
        owners_decision("other", [Unit("a", 1, frozenset())], {})
    with pytest.raises(DomainError):
        owners_decision("other", [Unit("a", 1, frozenset({"x"})), Unit("a", 2, frozenset({"y"}))], {})
    with pytest.raises(DomainError) as e:
        owners_decision("nosuch", _flats(2), {})
    assert e.value.code == "delib.unknown_preset"


def test_owners_tally_from_the_command_line(site, tmp_path):
    import json

    path = tmp_path / "owners.json"
    units = [{"id": f"1-{i}", "area": "75.5" if i == 1 else 60, "owners": [f"o{i}"]} for i in range(1, 13)]
    units[1]["owners"] = ["o2", "o2b"]  # co-owners
    votes = {f"o{i}": "yes" for i in range(1, 7)} | {"o7": "no", "o8": "no"}
    path.write_text(json.dumps({"format": "gongzhi.deliberation.owners", "version": 1, "category": "elevator",
                                "units": units, "votes": votes}, ensure_ascii=False), encoding="utf-8")
    code, out, err = site.cli("deliberation", "owners-tally", str(path))
    assert code == 0, err
    assert "结果：通过" in out and "第二百七十八条第一款第（七）项" in out and "参与表决的业主人数：8 人 / 12 人 = 2/3" in out
    code, out, _ = site.cli("deliberation", "owners-tally", str(path), "--category", "manager", "--json")
    d = json.loads(out)
    assert code == 0 and d["major"] is False and d["figures"][3]["share"] == "3/4"
    votes["o2b"] = "no"  # the co-owners now disagree: 5 of 8 agree, less than 3/4
    path.write_text(json.dumps({"category": "elevator", "units": units, "votes": votes}), encoding="utf-8")
    code, out, _ = site.cli("deliberation", "owners-tally", str(path), lang="en")
    assert code == 1 and "voted differently" in out and "  result: rejected" in out
    units[0]["area"] = 75.5
    path.write_text(json.dumps({"category": "elevator", "units": units, "votes": {}}), encoding="utf-8")
    code, _, err = site.cli("deliberation", "owners-tally", str(path))
    assert code == 1 and err.count("\n") == 1 and "面积" in err
