"""The roundtable's TUI section in the real app under Pilot: open it from the sidebar,
open a consultation, check people in, type y / n / o on the vote grid, close the
round — and find the ballots and the result in the database.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Input, Label, ListView

from core.services import Actor
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until

SIZE = (160, 50)


def text_of(label: Label) -> str:
    return str(label.render())


def build(db, ids: dict[str, int], *, hide_results: bool = False, preset: str = "simple_majority") -> dict[str, int]:  # noqa: F811
    """A consultation on the small street: three resident representatives (one already
    present), an expert (no vote), one option, and an open round on it."""
    from plugins.deliberation import services as svc

    actor = Actor("议事厅主持人")
    with db.session() as s:
        c = svc.create_consultation(s, actor=actor, title="荣乐园充电桩", place_id=ids["荣乐园"],
                                    request_ids=[ids["r2"]])
        p1 = svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep",
                                 person_id=ids["张晓明"], present=True)
        p2 = svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=ids["单田芳"])
        p3 = svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=ids["李秀英"])
        ex = svc.add_participant(s, actor=actor, consultation_id=c.id, role="expert", name="电工老王")
        o = svc.add_option(s, actor=actor, consultation_id=c.id, text="在车棚加装 12 个充电口")
        r = svc.open_round(s, actor=actor, consultation_id=c.id, preset=preset, option_ids=[o.id],
                           hide_results=hide_results)
        return {"consultation": c.id, "p1": p1.id, "p2": p2.id, "p3": p3.id, "expert": ex.id, "option": o.id,
                "round": r.id}


async def open_consultation(app, pilot):
    from plugins.deliberation.screens import ConsultationScreen, DeliberationScreen

    await settle(pilot)
    nav = app.query_one("#sidebar", ListView)
    item = app.query_one("#nav-plugin-deliberation")
    assert text_of(item.query_one(Label)) == "居民议事厅"
    nav.focus()
    nav.index = nav.children.index(item)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, DeliberationScreen))
    await settle(pilot)
    table = app.screen.query_one("#delib-list", DataTable)
    assert table.row_count == 1
    assert [str(c) for c in table.get_row_at(0)] == ["荣乐园充电桩", "协商中", "荣乐园", "1"]
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, ConsultationScreen))
    await settle(pilot)
    return app.screen


def test_check_in_vote_and_close_a_round(make_app, street_db, ids):  # noqa: F811
    from plugins.deliberation import services as svc
    from plugins.deliberation.models import Ballot, RoundResult

    app = make_app(plugins=("deliberation",))
    data = build(street_db, ids)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_consultation(app, pilot)
            people = screen.query_one("#delib-participants", DataTable)
            assert people.row_count == 4
            assert [str(people.get_row_at(i)[4]) for i in range(4)] == ["✓", "—", "—", "—"]
            # the vote grid lists the three who vote, not the expert
            grid = screen.query_one("#delib-votes", DataTable)
            assert grid.row_count == 3
            assert "实时计票" in text_of(screen.query_one("#delib-tally", Label))

            # check in 单田芳 and 李秀英 with one key each
            assert people.has_focus
            for _ in range(2):
                await pilot.press("down", "space")
                await settle(pilot)
            assert [str(people.get_row_at(i)[4]) for i in range(4)] == ["✓", "✓", "✓", "—"]

            # yes, no, yes: the cursor moves on to the next voter after each
            grid.focus()
            grid.move_cursor(row=0)
            for key in "yny":
                await pilot.press(key)
                await settle(pilot)
            assert [str(grid.get_row_at(i)[2]) for i in range(3)] == ["赞成", "反对", "赞成"]
            live = text_of(screen.query_one("#delib-tally", Label))
            assert live.startswith("实时计票") and "赞成 2，反对 1，弃权 0" in live

            # close: confirm, then the outcome and its explanation
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            tally = text_of(screen.query_one("#delib-tally", Label))
            assert tally.startswith("结果：通过") and "赞成 2，反对 1" in tally
            rounds = screen.query_one("#delib-rounds", DataTable)
            assert [str(c) for c in rounds.get_row_at(0)][3:] == ["已计票", "通过"]

            # a vote in the closed round is refused on the screen, nothing written
            grid.focus()
            await pilot.press("n")
            await settle(pilot)

    asyncio.run(inner())

    with street_db.read_session() as s:
        present = {p.id: p.present for p in svc.participants_of(s, data["consultation"])}
        assert present == {data["p1"]: True, data["p2"]: True, data["p3"]: True, data["expert"]: False}
        ballots = s.scalars(select(Ballot).where(Ballot.round_id == data["round"]).order_by(Ballot.id)).all()
        assert [(b.participant_id, b.choice) for b in ballots] == [
            (data["p1"], "yes"), (data["p2"], "no"), (data["p3"], "yes")]
        assert all(b.recorded_by == "测试办事员" for b in ballots)
        res = s.scalar(select(RoundResult).where(RoundResult.round_id == data["round"]))
        assert res.outcome == "adopted"
        assert sorted(res.ballot_ids) == [b.id for b in ballots]


def test_objection_asks_for_a_reason_and_hidden_tally(make_app, street_db, ids):  # noqa: F811
    from plugins.deliberation.models import Ballot, RoundResult
    from plugins.deliberation.screens import ReasonScreen

    app = make_app(lang="en", plugins=("deliberation",))
    data = build(street_db, ids, hide_results=True, preset="consent_all_residents")

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_section("plugin:deliberation")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert "hidden until the round closes" in text_of(screen.query_one("#delib-tally", Label))
            grid = screen.query_one("#delib-votes", DataTable)
            grid.focus()
            await pilot.press("y")  # 张晓明 consents
            await settle(pilot)
            await pilot.press("o")  # 单田芳 objects: the reason is asked first
            await until(pilot, lambda: isinstance(app.screen, ReasonScreen))
            await pilot.press("enter")  # no reason: the modal stays
            await pilot.pause()
            assert isinstance(app.screen, ReasonScreen)
            app.screen.query_one("#delib-reason", Input).value = "stays absent"
            await pilot.press("escape")  # cancelled: nothing recorded
            await settle(pilot)
            assert app.screen is screen
            # check 单田芳 in, then her objection with its reason
            people = screen.query_one("#delib-participants", DataTable)
            people.focus()
            people.move_cursor(row=1)
            await pilot.press("space")
            await settle(pilot)
            grid.focus()
            grid.move_cursor(row=1)
            await pilot.press("o")
            await until(pilot, lambda: isinstance(app.screen, ReasonScreen))
            await pilot.press(*"too", "space", *"noisy", "enter")
            await settle(pilot)
            assert app.screen is screen
            assert str(grid.get_row_at(1)[2]) == "objection (too noisy)"
            # 李秀英 is absent and holds no proxy: the service refuses, the screen says why
            grid.move_cursor(row=2)
            await pilot.press("y")
            await settle(pilot)
            assert any("李秀英" in n.message and "absent" in n.message for n in app._notifications)
            assert str(grid.get_row_at(2)[2]) == ""
            await pilot.press("c", "y")
            await settle(pilot)
            tally = text_of(screen.query_one("#delib-tally", Label))
            assert tally.startswith("Result: rejected")

    asyncio.run(inner())

    with street_db.read_session() as s:
        ballots = s.scalars(select(Ballot).where(Ballot.round_id == data["round"]).order_by(Ballot.id)).all()
        assert [(b.participant_id, b.choice, b.reason) for b in ballots] == [
            (data["p1"], "yes", ""), (data["p2"], "object", "too noisy")]
        assert s.scalar(select(RoundResult.outcome).where(RoundResult.round_id == data["round"])) == "rejected"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_binding_has_an_id_and_a_description(lang):
    from plugins.deliberation import screens
    from tui import i18n

    i18n.set_language(lang)
    try:
        for cls in (screens.DeliberationScreen, screens.ConsultationScreen, screens.ParticipantTable,
                    screens.VoteGrid, screens.ReasonScreen, screens.ConfirmCloseScreen):
            for b in cls.BINDINGS:
                assert b.id and b.id.startswith("delib."), (cls, b)
                assert b.id in screens.BINDING_TEXT and b.description, (cls, b)
        assert screens.t("中", "en") == ("en" if lang == "en" else "中")
    finally:
        i18n.set_language("zh")
