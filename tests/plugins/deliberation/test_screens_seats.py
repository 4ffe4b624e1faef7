"""The vote grid takes ranks in every ranked round — instant runoff and STV as well as Borda
and Schulze (issue 16: only borda/schulze were treated as ranked) — and ticks in an
approval election with seats; under Pilot, on the real app."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Label

from gongzhi.core.services import Actor
from tests.plugins.deliberation.test_screens import SIZE, text_of
from tests.plugins.deliberation.test_screens_rounds import cells, open_it
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle


def build(db, ids, rules_):  # noqa: F811
    """Three present resident representatives, three options, and one round per rule
    (the last one opened is the one the grid shows)."""
    from gongzhi.plugins.deliberation import services as svc

    actor = Actor("议事厅主持人")
    with db.session() as s:
        c = svc.create_consultation(s, actor=actor, title="荣乐园业委会", place_id=ids["荣乐园"])
        ps = [svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=ids[n],
                                  present=True).id for n in ("张晓明", "单田芳", "李秀英")]
        os_ = [svc.add_option(s, actor=actor, consultation_id=c.id, text=f"候选人{i}").id for i in range(1, 4)]
        rounds = []
        for rule in rules_:
            r = svc.open_round(s, actor=actor, consultation_id=c.id, rule=rule)
            rounds.append(r.id)
            if len(rounds) < len(rules_):
                svc.close_round(s, actor=actor, round_id=r.id)
        return {"consultation": c.id, "people": ps, "options": os_, "rounds": rounds}


async def rank_rows(pilot, grid, rows):
    for row, ranks in enumerate(rows):
        for col, key in ranks:
            grid.move_cursor(row=row, column=col)
            await pilot.press(key)
        await pilot.press("enter")
        await settle(pilot)


def _ballots(db, round_id):
    from gongzhi.plugins.deliberation.models import Ballot

    with db.read_session() as s:
        rows = s.scalars(select(Ballot).where(Ballot.round_id == round_id).order_by(Ballot.id)).all()
        return [(b.participant_id, b.ranking, b.approvals) for b in rows]


@pytest.mark.parametrize(("kind", "seats"), [("irv", None), ("stv", 2)])
def test_ranks_in_an_irv_round_and_an_stv_election(make_app, street_db, ids, kind, seats):  # noqa: F811
    from gongzhi.plugins.deliberation import services as svc

    app = make_app(plugins=("deliberation",))
    data = build(street_db, ids, [svc.make_rule(kind=kind, seats=seats)])
    p1, p2, p3 = data["people"]
    o1, o2, o3 = data["options"]

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_it(app, pilot, data["consultation"])
            grid = screen.query_one("#delib-votes", DataTable)
            title = text_of(screen.query_one("#delib-round-title", Label))
            assert "名次" in title, title  # the ranked round's instructions
            grid.focus()
            await rank_rows(pilot, grid, [((2, "1"), (3, "2")), ((3, "1"), (4, "2")), ((2, "1"),)])
            assert [cells(grid, i)[-1] for i in range(3)] == ["已录", "已录", "已录"]
            assert cells(grid, 1)[2:5] == ["", "1", "2"]
            await pilot.press("c", "y")
            await settle(pilot)

    asyncio.run(inner())
    assert _ballots(street_db, data["rounds"][0]) == [(p1, [o1, o2], []), (p2, [o2, o3], []), (p3, [o1], [])]
    with street_db.read_session() as s:
        res = svc.result_of(s, data["rounds"][0])
        if kind == "irv":
            assert res.outcome == "adopted" and res.winners == [o1]  # 2 of 3 first preferences
        else:  # quota floor(3/3)+1 = 2: o1 elected; then o3 (1) is excluded and o2 takes the last seat
            assert res.outcome == "adopted" and res.winners == [o1, o2]
            assert [x["action"] for x in res.result["rounds"]][0] == "elect"


def test_ticks_in_an_approval_election(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.deliberation import services as svc

    app = make_app(plugins=("deliberation",))
    data = build(street_db, ids, [svc.make_rule(kind="approval_seats", seats=2)])
    p1, p2, p3 = data["people"]
    o1, o2, o3 = data["options"]

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_it(app, pilot, data["consultation"])
            grid = screen.query_one("#delib-votes", DataTable)
            grid.focus()
            for row, cols in enumerate(((2, 3), (3,), (3, 4))):
                for col in cols:
                    grid.move_cursor(row=row, column=col)
                    await pilot.press("space")
                await pilot.press("enter")
                await settle(pilot)
            assert cells(grid, 0)[2:] == ["✓", "✓", "", "已录"]

    asyncio.run(inner())
    assert _ballots(street_db, data["rounds"][0]) == [(p1, [], [o1, o2]), (p2, [], [o2]), (p3, [], [o2, o3])]


def test_an_owners_decision_is_voted_in_the_grid_like_a_motion(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.deliberation import services as svc

    app = make_app(plugins=("deliberation",))  # the plugin's tables exist once the app is made
    actor = Actor("议事厅主持人")
    with street_db.session() as s:
        c = svc.create_consultation(s, actor=actor, title="荣乐园选聘物业", place_id=ids["荣乐园"])
        ps = [svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=ids[n],
                                  present=True, units=[(f"5-{101 + i}", "80")]).id
              for i, n in enumerate(("张晓明", "单田芳", "李秀英"))]
        o = svc.add_option(s, actor=actor, consultation_id=c.id, text="续聘现物业公司")
        r = svc.open_round(s, actor=actor, consultation_id=c.id, rule=svc.make_rule(kind="owners", category="manager"),
                           option_ids=[o.id])
        cid, rid = c.id, r.id

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_it(app, pilot, cid)
            title = text_of(screen.query_one("#delib-round-title", Label))
            assert "业主共同决定" in title and "y 赞成" in title, title
            grid = screen.query_one("#delib-votes", DataTable)
            grid.focus()
            for row, key in enumerate(("y", "n", "y")):
                grid.move_cursor(row=row)
                await pilot.press(key)
                await settle(pilot)
            await pilot.press("c", "y")
            await settle(pilot)

    asyncio.run(inner())
    with street_db.read_session() as s:
        res = svc.result_of(s, rid)
        assert [(b.participant_id, b.choice) for b in svc.current_ballots(s, rid)] == list(zip(ps, ["yes", "no", "yes"],
                                                                                               strict=True))
        assert res.outcome == "adopted"  # 2 of the 3 owners and 160 of 240 m² taking part agree: more than half
        assert res.totals["owners"]["figures"][3]["part"] == "2/1"


def test_the_new_round_form_opens_an_election_and_an_owners_decision(make_app, street_db, ids):  # noqa: F811
    """Elections with seats and owners' decisions are chosen in the new-round form beside
    the presets; their own fields (seats, the category of matter) are asked for."""
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Round
    from gongzhi.tui.widgets.forms import FormModal
    from tests.plugins.deliberation.test_screens_rounds import pick
    from tests.tui.pilot import until

    app = make_app(plugins=("deliberation",))
    data = build(street_db, ids, [])

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_it(app, pilot, data["consultation"])
            for typed, field, good, refusal in (
                ("单记可让渡", "seats", "2", "席位数"),
                ("业主共同决定", "category", "加装电梯", "事项类别"),
            ):
                await pilot.press("v")
                await until(pilot, lambda: isinstance(app.screen, FormModal))
                form = app.screen
                await pick(pilot, form, "#delib-round-preset", typed)
                await pilot.press("ctrl+s")  # its own field missing: refused, nothing written
                await settle(pilot)
                assert app.screen is form and refusal in text_of(form.query_one("#delib-round-error", Label))
                if field == "seats":
                    form.query_one("#delib-round-seats").value = good
                else:
                    await pick(pilot, form, "#delib-round-category", good)
                    form.query_one("#delib-round-title").value = "3号楼加装电梯"  # a motion
                await pilot.press("ctrl+s")
                await settle(pilot)
                assert app.screen is screen, text_of(form.query_one("#delib-round-error", Label))
                if field == "seats":  # the election is closed before the next round opens
                    with street_db.session() as s:
                        r = s.scalars(select(Round).where(Round.consultation_id == data["consultation"])).one()
                        svc.close_round(s, actor=Actor("议事厅主持人"), round_id=r.id)
                    await settle(pilot)

    asyncio.run(inner())
    with street_db.read_session() as s:
        made = [svc.rule_of(r) for r in s.scalars(select(Round).where(Round.consultation_id == data["consultation"])
                                                        .order_by(Round.id))]
    assert [(r.kind, r.seats, r.category) for r in made] == [("stv", 2, None), ("owners", None, "elevator")]
