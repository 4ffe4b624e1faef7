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

from gongzhi.core.services import Actor
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until

SIZE = (160, 50)


def text_of(label: Label) -> str:
    return str(label.render())


def build(db, ids: dict[str, int], *, hide_results: bool = False, preset: str = "simple_majority") -> dict[str, int]:  # noqa: F811
    """A consultation on the small street: three resident representatives (one already
    present), an expert (no vote), one option, and an open round on it."""
    from gongzhi.plugins.deliberation import services as svc

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
    from gongzhi.plugins.deliberation.screens import ConsultationScreen, DeliberationScreen

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
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Ballot, RoundResult

    app = make_app(plugins=("deliberation",))
    data = build(street_db, ids)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_consultation(app, pilot)
            people = screen.query_one("#delib-participants", DataTable)
            assert people.row_count == 4
            assert [str(people.get_row_at(i)[1]) for i in range(4)] == ["✓ 到场", "— 未到", "— 未到", "— 未到"]
            # the vote grid lists the three who vote, not the expert
            grid = screen.query_one("#delib-votes", DataTable)
            assert grid.row_count == 3
            assert "实时计票" in text_of(screen.query_one("#delib-tally", Label))

            # a round is open: the focus is on the vote grid, where the ballots are typed
            assert grid.has_focus
            # check in 单田芳 and 李秀英 with one key each on the participants
            people.focus()
            for _ in range(2):
                await pilot.press("down", "space")
                await settle(pilot)
            assert [str(people.get_row_at(i)[1]) for i in range(4)] == ["✓ 到场", "✓ 到场", "✓ 到场", "— 未到"]

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
    from gongzhi.plugins.deliberation.models import Ballot, RoundResult
    from gongzhi.plugins.deliberation.screens import ReasonScreen

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
    from gongzhi.plugins.deliberation import screens
    from gongzhi.tui import i18n

    i18n.set_language(lang)
    try:
        for cls in (screens.DeliberationScreen, screens.ConsultationScreen, screens.ParticipantTable,
                    screens.OptionTable, screens.VoteGrid, screens.ReasonScreen, screens.ConfirmCloseScreen,
                    screens.FromRequestScreen, screens.DecideScreen, screens.FormScreen,
                    screens.LinkRequestScreen, screens.MinutesScreen):
            for b in cls.BINDINGS:
                assert b.id and b.id.startswith("delib."), (cls, b)
                assert b.id in screens.BINDING_TEXT and b.description, (cls, b)
            assert cls.BINDING_TEXT is screens.BINDING_TEXT  # the Bilingual mixin translates them
        # one English id, the words from the plugin's gettext catalog
        assert screens._("Close round") == ("Close round" if lang == "en" else "关闭本轮并计票")
        assert screens.BINDING_TEXT["delib.close_round"] == ("关闭本轮并计票", "Close round")
        for name in ("translate_plugin_bindings", "lang_label", "enum_label"):  # no local copies left
            assert getattr(screens, name, None) is None or getattr(screens, name).__module__ != screens.__name__
    finally:
        i18n.set_language("zh")


async def run_palette(app, pilot, query: str) -> None:
    from textual.command import CommandPalette

    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    await settle(pilot, debounce=0.3)
    await pilot.press("enter")
    await settle(pilot)


def test_palette_opens_a_consultation_from_the_request_on_screen(make_app, street_db, ids):  # noqa: F811
    from gongzhi.core.models.requests import Request, RequestEvent
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.screens import ConsultationScreen, FromRequestScreen
    from gongzhi.tui.screens.request_detail import RequestDetailScreen

    app = make_app(plugins=("deliberation",))
    with street_db.read_session() as s:
        request_title = s.get(Request, ids["r1"]).title

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            # no request on screen: the command says one must be open, nothing is created
            await run_palette(app, pilot, "从诉求发起")
            assert not isinstance(app.screen, FromRequestScreen)
            assert any("请先打开一条诉求" in n.message for n in app._notifications)

            await pilot.press("f4")
            await settle(pilot)
            app.query_one("#requests").open_request(ids["r1"])
            await until(pilot, lambda: isinstance(app.screen, RequestDetailScreen))
            await settle(pilot)
            detail = app.screen
            await run_palette(app, pilot, "从诉求发起")
            await until(pilot, lambda: isinstance(app.screen, FromRequestScreen))
            await settle(pilot)
            box = app.screen.query_one("#delib-from-request-title", Input)
            assert box.value == request_title  # pre-filled with the request's title
            box.value = ""
            await pilot.press("enter")  # an empty title is refused, the modal stays
            await pilot.pause()
            assert isinstance(app.screen, FromRequestScreen)
            box.value = f"{request_title}（议事）"
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConsultationScreen))
            await settle(pilot)
            assert text_of(app.screen.query_one("#delib-title", Label)).startswith(f"{request_title}（议事）")
            assert any("已发起协商" in n.message for n in app._notifications)
            await pilot.press("escape")  # back to the request
            await settle(pilot)
            assert app.screen is detail
            timeline = detail.query_one("#timeline", DataTable)  # reloaded: the note is on it
            assert any("提交居民议事厅协商" in str(timeline.get_row_at(i)) for i in range(timeline.row_count))

    asyncio.run(inner())

    with street_db.read_session() as s:
        [c] = [c for c in svc.list_consultations(s) if c.title == f"{request_title}（议事）"]
        assert c.created_by == "测试办事员"
        assert svc.request_ids_of(s, c.id) == [ids["r1"]]
        notes = s.scalars(select(RequestEvent).where(RequestEvent.request_id == ids["r1"])).all()
        ours = [e for e in notes if (e.data or {}).get("source") == "deliberation"]
        assert len(ours) == 1
        assert ours[0].data["consultation_id"] == c.id
        assert ours[0].public_note == f"提交居民议事厅协商：{request_title}（议事）"


def test_record_the_decision_of_a_closed_round(make_app, street_db, ids):  # noqa: F811
    from gongzhi.core.models.requests import RequestEvent
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import ConsultationStatus
    from gongzhi.plugins.deliberation.screens import DecideScreen

    app = make_app(lang="en", plugins=("deliberation",))
    data = build(street_db, ids)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_section("plugin:deliberation")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            # the round is still open: no decision yet
            await pilot.press("d")
            await settle(pilot)
            assert app.screen is screen
            assert any("Close the open round first" in n.message for n in app._notifications)
            grid = screen.query_one("#delib-votes", DataTable)
            grid.focus()
            grid.move_cursor(row=0)
            await pilot.press("y")  # 张晓明, the one present, votes yes
            await settle(pilot)
            await pilot.press("c", "y")
            await settle(pilot)
            assert text_of(screen.query_one("#delib-tally", Label)).startswith("Result: adopted")

            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DecideScreen))
            modal = app.screen
            assert "On round 1" in text_of(modal.query_one("#delib-decide-basis", Label))
            await pilot.press("enter")  # no text: refused
            await pilot.pause()
            assert app.screen is modal
            modal.query_one("#delib-decide-text", Input).value = "Install 12 sockets in the shed"
            modal.query_one("#delib-decide-option", Input).value = "1"
            modal.query_one("#delib-decide-review", Input).value = "2027-13-01"
            await pilot.press("enter")  # a bad date: refused, with a reason
            await pilot.pause()
            assert app.screen is modal
            assert "YYYY-MM-DD" in text_of(modal.query_one("#delib-decide-error", Label))
            modal.query_one("#delib-decide-review", Input).value = "2027-03-01"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert any("Decision recorded" in n.message for n in app._notifications)
            assert "decided" in text_of(screen.query_one("#delib-title", Label)).lower()
            # once decided, d amends: the reason is required, the original stays on record
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DecideScreen))
            modal = app.screen
            assert "As first recorded: Install 12 sockets" in text_of(modal.query_one("#delib-decide-basis", Label))
            assert modal.query_one("#delib-decide-text", Input).value == "Install 12 sockets in the shed"
            modal.query_one("#delib-decide-text", Input).value = "Install 16 sockets in the shed"
            await pilot.press("ctrl+s")  # no reason: refused
            await pilot.pause()
            assert app.screen is modal
            assert "reason" in text_of(modal.query_one("#delib-decide-error", Label))
            modal.query_one("#delib-decide-reason", Input).value = "more e-bikes than counted"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            title = text_of(screen.query_one("#delib-title", Label))
            assert "decision: Install 16 sockets in the shed (amended 1×)" in title

    asyncio.run(inner())

    from datetime import date

    with street_db.read_session() as s:
        out = svc.outcome_of(s, data["consultation"])
        assert out.decision == "Install 12 sockets in the shed"
        assert (out.round_id, out.option_id, out.review_on) == (data["round"], data["option"], date(2027, 3, 1))
        assert out.decided_by == "测试办事员"
        now = svc.decision_in_force(s, data["consultation"])
        assert now.decision == "Install 16 sockets in the shed" and now.review_on == date(2027, 3, 1)
        assert [(a.reason, a.amended_by) for a in now.amendments] == [("more e-bikes than counted", "测试办事员")]
        assert svc.get_consultation(s, data["consultation"]).status == ConsultationStatus.decided
        notes = s.scalars(select(RequestEvent).where(RequestEvent.request_id == ids["r2"])).all()
        assert any((e.data or {}).get("outcome_id") == out.id for e in notes)
