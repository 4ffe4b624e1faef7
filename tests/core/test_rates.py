"""The three rates (三率) on a hand-computed example.

Times are UTC; the street lives in Asia/Shanghai (UTC+8), so 2026-02-28 16:30Z is
already 1 March there. Communities: C1 (盛康社区), C2 (荣雅社区), C3 (a third one with
only a withdrawn request).

March 2026 (Shanghai calendar), community C1:

| req | raised (Z)        | first response       | now          | latest satisfaction |
|-----|-------------------|----------------------|--------------|---------------------|
| r1  | 03-02 02:00       | +2 h accepted        | resolved     | satisfied           |
| r2  | 03-05 00:00       | +30 h accepted       | closed       | basically           |
| r3  | 03-10 02:00       | +24 h exactly        | in_progress  | –                   |
| r4  | 03-11 00:00       | +1 h answered        | answered     | dissatisfied        |
| r5  | 03-12 00:00       | duplicate of r1      | (excluded)   |                     |
| r6  | 03-12 01:00       | withdrawn            | (excluded)   |                     |
| r7  | 03-15 00:00       | –                    | submitted    | –                   |
| r8  | 03-16 00:00       | +1 h                 | resolved (after a dissatisfied reopen) | satisfied, then a visit without answer |
| r9  | 02-28 16:30 (=03-01 00:30 local) | +1 h  | accepted     | –                   |

received 9, base 7 (r5, r6 out), responded 5 (r1 r3 r4 r8 r9), resolved 4 (r1 r2 r4 r8),
rated 4: satisfied 2, basically 1, dissatisfied 1.
response 5/7, resolution 4/7, satisfaction 3/4,
score (30·5/7 + 35·4/7 + 35·3/4)/100 = 379/560.
With basically counted at 50 %: satisfaction 5/8, score 709/1120.

C2 in March: r12 not_responsible (excluded); r13 accepted after 48 h then unable_to_fix;
r14 accepted after 3 h, resolved, basically satisfied:
base 2, responded 1, resolved 1, rated 1 → 1/2, 1/2, 1 → score 27/40 (at 50 %: 1/2, score 1/2).

C3 in March: r15 withdrawn → received 1, base 0: every rate and the score are None.

Outside March: r10 at 03-31 16:30Z (= 1 April local), accepted after 1 h (C1);
r11 on 02-15, responded, resolved, satisfied (C1).
"""

from __future__ import annotations

from datetime import timedelta
from fractions import Fraction

import pytest

from gongzhi.core.config import RateSettings
from gongzhi.core.errors import DomainError
from gongzhi.core.services import Actor
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.services.stats import group_labels, period_bounds, three_rates
from tests.core.helpers import at, build_world, fresh_database

H = timedelta(hours=1)


def _build(db, actor: Actor) -> dict:
    w = build_world(db, actor)
    c1, c2 = w.communities
    with db.session() as s:
        c3 = place_svc.create_place(s, actor=actor, kind="community", name="欢畅社区", parent_id=w.street.id)
        k3 = place_svc.create_place(s, actor=actor, kind="compound", name="欢畅园", parent_id=c3.id)

    def raise_(when: str, place_id: int | None = None) -> tuple[int, object]:
        t0 = at(when)
        with db.session() as s:
            r = req_svc.create_request(s, actor=actor, channel="bench_meeting", type="help",
                                       category_id=w.category.id, title="诉求", place_id=place_id or w.compounds[0].id,
                                       reporter_id=w.people["zhang"].id, at=t0)
        return r.id, t0

    def go(rid: int, *steps: tuple[str, object]) -> None:
        with db.session() as s:
            for status, when in steps:
                req_svc.transition(s, actor=actor, request_id=rid, to_status=status, at=when)

    def visit(rid: int, when, satisfaction: str | None, **kw) -> None:
        with db.session() as s:
            req_svc.record_feedback(s, actor=actor, request_id=rid, contacted=satisfaction is not None,
                                    satisfaction=satisfaction, at=when, **kw)

    # C1, March
    r1, t = raise_("2026-03-02 02:00", w.households[0].id)  # a household deep in C1
    go(r1, ("accepted", t + 2 * H), ("in_progress", t + 3 * H), ("resolved", t + 20 * H))
    visit(r1, t + 40 * H, "satisfied")
    r2, t = raise_("2026-03-05 00:00")
    go(r2, ("accepted", t + 30 * H))
    with db.session() as s:
        req_svc.dispatch(s, actor=actor, request_id=r2, organisations=[(w.department.id, "lead")], at=t + 31 * H)
    go(r2, ("resolved", t + 50 * H))
    visit(r2, t + 60 * H, "basically", close=True)
    r3, t = raise_("2026-03-10 02:00", w.micro_grids[0].id)
    go(r3, ("accepted", t + 24 * H), ("in_progress", t + 25 * H))
    r4, t = raise_("2026-03-11 00:00")
    go(r4, ("answered", t + 1 * H))
    visit(r4, t + 5 * H, "dissatisfied")
    r5, t = raise_("2026-03-12 00:00")
    with db.session() as s:
        req_svc.transition(s, actor=actor, request_id=r5, to_status="duplicate", duplicate_of_id=r1, at=t + H)
    r6, t = raise_("2026-03-12 01:00")
    go(r6, ("withdrawn", t + H))
    raise_("2026-03-15 00:00")  # r7 untouched
    r8, t = raise_("2026-03-16 00:00")
    go(r8, ("accepted", t + H), ("in_progress", t + 2 * H), ("resolved", t + 3 * H))
    visit(r8, t + 4 * H, "dissatisfied", reopen=True)
    go(r8, ("resolved", t + 10 * H))
    visit(r8, t + 11 * H, "satisfied")
    visit(r8, t + 12 * H, None)  # not reached: recorded, but no satisfaction
    r9, t = raise_("2026-02-28 16:30")
    go(r9, ("accepted", t + H))
    # C1 outside March
    r10, t = raise_("2026-03-31 16:30")
    go(r10, ("accepted", t + H))
    r11, t = raise_("2026-02-15 00:00")
    go(r11, ("accepted", t + H), ("in_progress", t + 2 * H), ("resolved", t + 3 * H))
    visit(r11, t + 4 * H, "satisfied", close=True)
    # C2, March
    r12, t = raise_("2026-03-20 00:00", w.compounds[1].id)
    go(r12, ("not_responsible", t + H))
    r13, t = raise_("2026-03-20 01:00", w.buildings[1].id)
    go(r13, ("accepted", t + 48 * H), ("unable_to_fix", t + 49 * H))
    r14, t = raise_("2026-03-21 00:00", w.compounds[1].id)
    go(r14, ("accepted", t + 3 * H), ("in_progress", t + 4 * H), ("resolved", t + 5 * H))
    visit(r14, t + 6 * H, "basically")
    # C3, March
    r15, t = raise_("2026-03-22 00:00", k3.id)
    go(r15, ("withdrawn", t + H))
    return {"c1": c1.id, "c2": c2.id, "c3": c3.id, "category": w.category.id}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def example(request, tmp_path_factory):
    with fresh_database(request, request.param, tmp_path_factory.mktemp("rates")) as db:
        ids = _build(db, Actor("测试办事员"))
        yield db, ids


def rates(db, period: str | None = None, group_by: str = "community", **settings):
    start, end = period_bounds(period) if period else (None, None)
    with db.read_session() as s:
        rows = three_rates(s, group_by=group_by, start=start, end=end, settings=RateSettings(**settings))
    return {r.group_id: r for r in rows}


def test_march_by_community(example):
    db, ids = example
    out = rates(db, "2026-03")
    assert set(out) == {ids["c1"], ids["c2"], ids["c3"]}
    c1 = out[ids["c1"]]
    assert (c1.received, c1.base, c1.responded, c1.resolved) == (9, 7, 5, 4)
    assert (c1.rated, c1.satisfied, c1.basically, c1.dissatisfied) == (4, 2, 1, 1)
    assert c1.response_rate == Fraction(5, 7)
    assert c1.resolution_rate == Fraction(4, 7)
    assert c1.satisfaction_rate == Fraction(3, 4)
    assert c1.score == Fraction(379, 560)
    assert all(isinstance(v, Fraction) for v in (c1.response_rate, c1.resolution_rate, c1.satisfaction_rate, c1.score))

    c2 = out[ids["c2"]]
    assert (c2.received, c2.base, c2.responded, c2.resolved, c2.rated) == (3, 2, 1, 1, 1)
    assert (c2.response_rate, c2.resolution_rate, c2.satisfaction_rate) == (Fraction(1, 2), Fraction(1, 2), 1)
    assert c2.score == Fraction(27, 40)

    c3 = out[ids["c3"]]
    assert (c3.received, c3.base, c3.rated) == (1, 0, 0)
    assert c3.response_rate is None and c3.resolution_rate is None
    assert c3.satisfaction_rate is None and c3.score is None
    assert c3.as_dict()["score"] is None


def test_basically_satisfied_counted_at_half(example):
    db, ids = example
    out = rates(db, "2026-03", basically_satisfied_percent=50)
    assert out[ids["c1"]].satisfaction_rate == Fraction(5, 8)
    assert out[ids["c1"]].score == Fraction(709, 1120)
    assert out[ids["c2"]].satisfaction_rate == Fraction(1, 2)
    assert out[ids["c2"]].score == Fraction(1, 2)
    # the other two rates do not move
    assert out[ids["c1"]].response_rate == Fraction(5, 7)


def test_response_hours_setting(example):
    db, ids = example
    # with 30 hours, r2 (first response after exactly 30 h) responds in time as well
    assert rates(db, "2026-03", response_hours=30)[ids["c1"]].response_rate == Fraction(6, 7)
    # with 23 hours, r3 (exactly 24 h) no longer does
    assert rates(db, "2026-03", response_hours=23)[ids["c1"]].response_rate == Fraction(4, 7)


def test_weights_setting(example):
    db, ids = example
    c1 = rates(db, "2026-03", weight_response=1, weight_resolution=1, weight_satisfaction=2)[ids["c1"]]
    assert c1.score == (Fraction(5, 7) + Fraction(4, 7) + 2 * Fraction(3, 4)) / 4


def test_all_together(example):
    db, _ = example
    (everything,) = rates(db, "2026-03", group_by="all").values()
    assert (everything.received, everything.base, everything.responded, everything.resolved) == (13, 9, 6, 5)
    assert (everything.satisfied, everything.basically, everything.dissatisfied) == (2, 2, 1)
    assert everything.response_rate == Fraction(2, 3)
    assert everything.resolution_rate == Fraction(5, 9)
    assert everything.satisfaction_rate == Fraction(4, 5)
    assert everything.score == Fraction(607, 900)


def test_by_category_and_channel(example):
    db, ids = example
    by_cat = rates(db, "2026-03", group_by="category")
    assert set(by_cat) == {ids["category"]} and by_cat[ids["category"]].received == 13
    by_channel = rates(db, "2026-03", group_by="channel")
    assert set(by_channel) == {"bench_meeting"} and by_channel["bench_meeting"].score == Fraction(607, 900)
    with db.read_session() as s:
        assert group_labels(s, "community")[ids["c1"]] == "盛康社区"
        assert group_labels(s, "channel", "en")["bench_meeting"] == "bench meeting"


def test_periods_follow_the_shanghai_calendar(example):
    db, ids = example
    april = rates(db, "2026-04")
    assert set(april) == {ids["c1"]}
    r10 = april[ids["c1"]]
    assert (r10.received, r10.base, r10.responded, r10.resolved) == (1, 1, 1, 0)
    assert r10.satisfaction_rate is None
    assert r10.score == Fraction(30, 65)  # only the rates that exist are weighted

    feb = rates(db, "2026-02")[ids["c1"]]
    assert feb.received == 1  # r11 only: r9 (28 Feb 16:30 UTC) is already March in Shanghai
    assert feb.score == 1

    assert rates(db, "2026-Q1")[ids["c1"]].received == 10  # March's nine and r11
    assert rates(db, "2026")[ids["c1"]].received == 11
    assert rates(db)[ids["c1"]].received == 11  # no period: everything
    assert rates(db, "2026-03-01..2026-03-10")[ids["c1"]].received == 4  # r9 r1 r2 r3, end day included
    assert rates(db, "2026-Q2")[ids["c1"]].received == 1
    assert rates(db, "2025") == {}


def test_period_bounds():
    start, end = period_bounds("2026-03")
    assert start.isoformat() == "2026-03-01T00:00:00+08:00" and end.isoformat() == "2026-04-01T00:00:00+08:00"
    assert period_bounds("2026-12")[1].isoformat() == "2027-01-01T00:00:00+08:00"
    assert period_bounds("2026-Q4")[0].isoformat() == "2026-10-01T00:00:00+08:00"
    assert period_bounds("2026-q4")[1].isoformat() == "2027-01-01T00:00:00+08:00"
    assert period_bounds("2026-Q2") == (period_bounds("2026-04")[0], period_bounds("2026-06")[1])
    assert period_bounds("2026") == (period_bounds("2026-01")[0], period_bounds("2026-12")[1])
    assert period_bounds("2026-01-01..2026-01-01")[1].isoformat() == "2026-01-02T00:00:00+08:00"


@pytest.mark.parametrize(
    "period",
    ["2026-13", "2026-00", "2026-Q5", "2026-Q0", "2026-Qx", "March", "", "26", "2026-3", "2026/03", "2026x03",
     "2026-03-10..2026-03-01", "2026-03-01..", "2026-02-30..2026-03-01", "abcd", "+202", "2026-03-01"],
)
def test_invalid_period(period):
    with pytest.raises(DomainError) as info:
        period_bounds(period)
    assert info.value.code == "request.invalid_period"
    assert period in info.value.message("zh") and period in info.value.message("en")


def test_invalid_grouping(example):
    db, _ = example
    with db.read_session() as s, pytest.raises(DomainError) as info:
        three_rates(s, group_by="weekday")
    assert info.value.code == "input.invalid_choice"
