"""The app's participants × options grid and the rest of a consultation's life under
Pilot: ranks typed per cell or as an ordering, approval ticks, a plurality tie broken
by a recorded rule, publishing, the decision, closing, the minutes, forms for
participants / options / meetings / rounds, linking a request, a new consultation from
the list — and F2 while the consultation is open. Each refusal comes from the service,
is shown in the user's language, and writes nothing."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from textual.widgets import Checkbox, DataTable, Input, Label

from gongzhi.core.services import Actor
from gongzhi.tui.widgets.pickers import ChoicePicker
from tests.plugins.deliberation.test_screens import SIZE, run_palette, text_of
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until


def build(db, ids, *, preset: str, options: int = 3) -> dict[str, int]:  # noqa: F811
    """Three resident representatives, all present, ``options`` options and an open round."""
    from gongzhi.plugins.deliberation import services as svc

    actor = Actor("议事厅主持人")
    with db.session() as s:
        c = svc.create_consultation(s, actor=actor, title="荣乐园充电桩", place_id=ids["荣乐园"])
        ps = [svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=ids[n],
                                  present=True).id for n in ("张晓明", "单田芳", "李秀英")]
        os_ = [svc.add_option(s, actor=actor, consultation_id=c.id, text=f"方案文本{i}").id
               for i in range(1, options + 1)]
        r = svc.open_round(s, actor=actor, consultation_id=c.id, preset=preset)
        return {"consultation": c.id, "people": ps, "options": os_, "round": r.id}


async def open_it(app, pilot, cid: int):
    from gongzhi.plugins.deliberation.screens import ConsultationScreen

    await settle(pilot)
    app.push_screen(ConsultationScreen(app.db, cid))
    await until(pilot, lambda: isinstance(app.screen, ConsultationScreen))
    await settle(pilot)
    return app.screen


async def pick(pilot, form, selector: str, typed: str) -> ChoicePicker:
    """Choose in a form's ChoicePicker as a user does: empty its box, type (Chinese, pinyin
    initials, a number …), Enter takes the best match."""
    picker = form.query_one(selector, ChoicePicker)
    picker.query_one(Input).focus()
    await pilot.pause()
    await pilot.press("end", "ctrl+u", *typed, "enter")
    await pilot.pause()
    return picker


def errors(app) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


def cells(grid: DataTable, row: int) -> list[str]:
    return [str(c) for c in grid.get_row_at(row)]


def test_ranks_typed_in_cells_or_as_an_ordering(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.deliberation.models import Ballot
    from gongzhi.plugins.deliberation.screens import FormScreen

    app = make_app(plugins=("deliberation",))
    data = build(street_db, ids, preset="borda")
    p1, p2, p3 = data["people"]
    o1, o2, o3 = data["options"]

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_it(app, pilot, data["consultation"])
            grid = screen.query_one("#delib-votes", DataTable)
            assert [str(c.label) for c in grid.columns.values()] == ["表决人", "到场", "方案1", "方案2", "方案3", "表决"]
            grid.focus()
            # 张晓明: 2, 1, 3 in the option cells, then Enter records the row
            for col, key in ((2, "2"), (3, "1"), (4, "3")):
                grid.move_cursor(row=0, column=col)
                await pilot.press(key)
            assert cells(grid, 0)[2:] == ["2*", "1*", "3*", "未录入（回车录入）"]
            await pilot.press("enter")
            await settle(pilot)
            assert cells(grid, 0)[2:] == ["2", "1", "3", "已录"]
            # 单田芳: 1 and 3 — a gap: the service refuses it, nothing written, the draft stays
            for col, key in ((2, "1"), (3, "3")):
                grid.move_cursor(row=1, column=col)
                await pilot.press(key)
            await pilot.press("enter")
            await settle(pilot)
            assert any(m.startswith("排序无效") for m in errors(app))
            assert cells(grid, 1)[2:4] == ["1*", "3*"]
            grid.move_cursor(row=1, column=3)
            await pilot.press("2", "enter")  # fixed: 1, 2
            await settle(pilot)
            assert cells(grid, 1)[2:] == ["1", "2", "", "已录"]
            # 李秀英 by an ordering: an unknown option number is refused in the form
            grid.move_cursor(row=2, column=0)
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            form.query_one("#delib-order-numbers", Input).value = "3 9"
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is form
            assert "找不到方案：9" in text_of(form.query_one("#delib-order-error", Label))
            form.query_one("#delib-order-numbers", Input).value = "3>1>2"
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen
            assert cells(grid, 2)[2:] == ["2", "3", "1", "已录"]
            live = text_of(screen.query_one("#delib-tally", Label))
            assert live.startswith("实时计票") and "方案1" in live

            # F2: the open consultation relabels its tables and its grid in English
            await pilot.press("f2")
            await settle(pilot)
            assert app.screen is screen
            assert [str(c.label) for c in grid.columns.values()] == ["Voter", "Present", "Opt 1", "Opt 2", "Opt 3",
                                                                     "Ballot"]
            people = screen.query_one("#delib-participants", DataTable)
            assert [str(c.label) for c in people.columns.values()] == ["Name", "Present", "Votes", "Role", "Group"]
            assert str(people.get_row_at(0)[3]) == "residents' representative"
            assert text_of(screen.query_one("#delib-options-label", Label)).startswith("Options")
            assert text_of(screen.query_one("#delib-tally", Label)).startswith("Live tally")
            assert cells(grid, 0)[-1] == "recorded"
            assert any(b.description == "Close round" for b in screen._bindings.key_to_bindings["c"])

            # closed: a rank typed now is refused on the screen, nothing written
            await pilot.press("c", "y")
            await settle(pilot)
            grid.focus()
            grid.move_cursor(row=0, column=2)
            await pilot.press("1", "enter")
            await settle(pilot)
            assert any("not open" in n.message for n in app._notifications)

    asyncio.run(inner())

    with street_db.read_session() as s:
        rows = s.scalars(select(Ballot).where(Ballot.round_id == data["round"]).order_by(Ballot.id)).all()
        assert [(b.participant_id, b.ranking) for b in rows] == [(p1, [o2, o1, o3]), (p2, [o1, o2]),
                                                                 (p3, [o3, o1, o2])]


def test_a_plurality_tie_broken_published_decided_closed_and_the_minutes(  # noqa: F811
        make_app, street_db, ids, tmp_path, monkeypatch):  # noqa: F811
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Ballot
    from gongzhi.plugins.deliberation.screens import (
        ConfirmCloseScreen,
        DecideScreen,
        FormScreen,
        MinutesScreen,
    )

    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "data"))
    app = make_app(lang="en", plugins=("deliberation",))
    data = build(street_db, ids, preset="plurality", options=2)
    p1, p2, _p3 = data["people"]
    o1, o2 = data["options"]

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_it(app, pilot, data["consultation"])
            grid = screen.query_one("#delib-votes", DataTable)
            grid.focus()
            grid.move_cursor(row=0, column=2)
            await pilot.press("space")  # 张晓明 picks option 1 with space on its cell
            await settle(pilot)
            grid.move_cursor(row=1, column=0)
            await pilot.press("7")  # no option 7: the service says so
            await settle(pilot)
            assert any("option not found: 7" in m for m in errors(app))
            await pilot.press("2")  # 单田芳 picks option 2 by its number
            await settle(pilot)
            assert cells(grid, 0)[2:4] == ["●", ""] and cells(grid, 1)[2:4] == ["", "●"]
            await pilot.press("c", "y")
            await settle(pilot)
            tally = text_of(screen.query_one("#delib-tally", Label))
            assert tally.startswith("Result: a tie (b settles the tie)")

            # the tie, broken by drawing lots for option 2
            await pilot.press("b")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            form.query_one("#delib-tie-option", Input).value = "2"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert any("Tie broken by the recorded rule: option 2" in n.message for n in app._notifications)
            await pilot.press("u")  # published
            await settle(pilot)
            rounds = screen.query_one("#delib-rounds", DataTable)
            assert str(rounds.get_row_at(0)[3]) == "published"

            # decided on the round (the tie-break's option), then closed
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, DecideScreen))
            app.screen.query_one("#delib-decide-text", Input).value = "Sockets in the shed"
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmCloseScreen))
            assert "Close this consultation" in text_of(app.screen.query_one("#delib-confirm-question", Label))
            await pilot.press("y")
            await settle(pilot)
            assert "closed" in text_of(screen.query_one("#delib-title", Label))

            # the minutes, Word: the path defaults into the data dir and follows the format
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(app.screen, MinutesScreen))
            form = app.screen
            path_box = form.query_one("#delib-minutes-path", Input)
            assert path_box.value.startswith(str(tmp_path / "data" / "minutes" / "council-minutes-"))
            assert path_box.value.endswith(".md")
            form.widget("format").choose("docx")  # the format is a ChoicePicker (tui.widgets.forms)
            await pilot.pause()
            assert path_box.value.endswith(".docx")
            written = path_box.value
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert text_of(screen.query_one("#delib-status", Label)) == f"Minutes written to {written}"
            # again to the same path: refused in the form, the file is not overwritten
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(app.screen, MinutesScreen))
            app.screen.query_one("#delib-minutes-path", Input).value = written
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "will not be overwritten" in text_of(app.screen.query_one("#delib-minutes-error", Label))
            await pilot.press("escape")
            await settle(pilot)
            return written

    written = asyncio.run(inner())

    import zipfile
    from pathlib import Path

    with zipfile.ZipFile(Path(written)) as z:
        body = z.read("word/document.xml").decode("utf-8")
    assert "Sockets in the shed" in body and "drawing lots" in body
    with street_db.read_session() as s:
        rows = s.scalars(select(Ballot).where(Ballot.round_id == data["round"]).order_by(Ballot.id)).all()
        assert [(b.participant_id, b.option_id) for b in rows] == [(p1, o1), (p2, o2)]
        tb = svc.tie_break_of(s, data["round"])
        assert (tb.method, tb.option_id, tb.recorded_by) == ("lot", o2, "测试办事员")
        assert svc.get_round(s, data["round"]).state == "published"
        assert svc.outcome_of(s, data["consultation"]).option_id == o2
        assert svc.get_consultation(s, data["consultation"]).status == "closed"


def test_forms_for_people_options_meetings_rounds_and_requests(make_app, street_db, ids):  # noqa: F811
    from gongzhi.core.models.requests import Request
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.screens import (
        ConsultationScreen,
        DeliberationScreen,
        FormScreen,
        LinkRequestScreen,
    )
    from gongzhi.tui.screens.request_detail import RequestDetailScreen

    app = make_app(plugins=("deliberation",))

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_section("plugin:deliberation")
            await until(pilot, lambda: isinstance(app.screen, DeliberationScreen))
            await settle(pilot)
            # a new consultation from the list: an empty title is refused by the service
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            await pilot.press("ctrl+s")
            await settle(pilot)
            # the refusal stands beside the field it names (and in a notification)
            assert "标题不能为空" in text_of(app.screen.query_one("#delib-new-title-error", Label))
            app.screen.query_one("#delib-new-title", Input).value = "荣雅园路灯"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, ConsultationScreen))
            await settle(pilot)
            screen = app.screen

            # a participant from the register with the person picker
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            # the choices' defaults are chosen already; the optional proxy is left empty
            assert form.query_one("#delib-participant-role", ChoicePicker).value == "resident_rep"
            assert form.query_one("#delib-participant-votes", ChoicePicker).value == "default"
            assert form.query_one("#delib-participant-proxy", ChoicePicker).value is None
            form.query_one("#delib-participant-person").select(ids["张晓明"], "张晓明")
            form.query_one("#delib-participant-present", Checkbox).value = True
            await pilot.press("ctrl+s")
            await settle(pilot)
            # an outsider with a proxy: a weight of 0 is refused by the service
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            form.query_one("#delib-participant-name", Input).value = "物业王经理"
            role = await pick(pilot, form, "#delib-participant-role", "wyqy")  # 物业企业
            assert role.value == "property_company" and role.text == "物业企业"
            form.query_one("#delib-participant-weight", Input).value = "0"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "权重须是不小于 1 的整数" in text_of(form.query_one("#delib-participant-error", Label))
            form.query_one("#delib-participant-weight", Input).value = "2"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            people = screen.query_one("#delib-participants", DataTable)
            assert [str(people.get_row_at(i)[0]) for i in range(2)] == ["张晓明", "物业王经理"]
            assert str(people.get_row_at(1)[2]) == "有 ×2"

            # options: two, then an amendment of option 1 that withdraws it
            for text in ("加装两盏路灯", "更换灯泡"):
                await pilot.press("i")
                await until(pilot, lambda: isinstance(app.screen, FormScreen))
                app.screen.query_one("#delib-option-text", Input).value = text
                await pilot.press("ctrl+s")
                await settle(pilot)
            await pilot.press("i")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            form.query_one("#delib-option-text", Input).value = "加装两盏太阳能路灯"
            amends = await pick(pilot, form, "#delib-option-amends", "1")  # by the option's number
            assert amends.value == svc_option_id(street_db, 1)
            form.query_one("#delib-option-withdraw", Checkbox).value = True
            await pilot.press("ctrl+s")
            await settle(pilot)
            options = screen.query_one("#delib-options", DataTable)
            assert [str(options.get_row_at(i)[2]) for i in range(3)] == ["已撤回", "有效", "有效（修正方案1）"]

            # a meeting: a bad time is refused in the form; then recorded with who is present
            await pilot.press("m")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            form.query_one("#delib-meeting-when", Input).value = "明天"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert "YYYY-MM-DD HH:MM" in text_of(form.query_one("#delib-meeting-error", Label))
            form.query_one("#delib-meeting-when", Input).value = "2026-05-01 19:00"
            form.query_one("#delib-meeting-venue", Input).value = "社区议事厅"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen

            # a round: Schulze among the withdrawn option and another is refused; 2 and 3 is fine, not started
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            assert form.query_one("#delib-round-preset", ChoicePicker).value == "simple_majority"
            assert form.query_one("#delib-round-meeting", ChoicePicker).value is None  # optional: empty
            # the rule emptied: refused in the form, nothing written
            preset = form.query_one("#delib-round-preset", ChoicePicker)
            preset.query_one(Input).focus()
            await pilot.press("end", "ctrl+u", "ctrl+s")
            await settle(pilot)
            assert app.screen is form
            assert "请选择表决规则" in text_of(form.query_one("#delib-round-error", Label))
            preset = await pick(pilot, form, "#delib-round-preset", "secf")  # 舒尔茨法（排序）
            assert preset.value == "schulze"
            form.query_one("#delib-round-options", Input).value = "1 2"
            form.query_one("#delib-round-start", Checkbox).value = False
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "方案 1 已撤回或已合并" in text_of(form.query_one("#delib-round-error", Label))
            form.query_one("#delib-round-options", Input).value = "2 3"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            rounds = screen.query_one("#delib-rounds", DataTable)
            assert [str(c) for c in rounds.get_row_at(0)][2:4] == ["舒尔茨法", "未开始"]
            await pilot.press("s")
            await settle(pilot)
            assert str(rounds.get_row_at(0)[3]) == "表决中"

            # link a request by its ref: an unknown ref is refused
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.query_one("#delib-link-ref", Input).value = "NO-SUCH"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "找不到诉求" in text_of(app.screen.query_one("#delib-link-error", Label))
            app.screen.query_one("#delib-link-ref", Input).value = ref_of(street_db, ids["r1"])
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            assert ref_of(street_db, ids["r1"]) in text_of(screen.query_one("#delib-title", Label))

            # from a request's page, the palette adds it to this consultation
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("f4")
            await settle(pilot)
            app.query_one("#requests").open_request(ids["r2"])
            await until(pilot, lambda: isinstance(app.screen, RequestDetailScreen))
            await settle(pilot)
            await run_palette(app, pilot, "加入已有协商")
            await until(pilot, lambda: isinstance(app.screen, LinkRequestScreen))
            await settle(pilot)
            table = app.screen.query_one("#delib-link-list", DataTable)
            assert [str(table.get_row_at(i)[0]) for i in range(table.row_count)] == ["荣雅园路灯"]
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RequestDetailScreen))
            await settle(pilot)
            assert any("已加入协商" in n.message for n in app._notifications)

    asyncio.run(inner())

    with street_db.read_session() as s:
        [c] = [c for c in svc.list_consultations(s) if c.title == "荣雅园路灯"]
        people = svc.participants_of(s, c.id)
        assert [(p.name, p.role, p.weight, p.present, p.person_id) for p in people] == [
            ("张晓明", "resident_rep", 1, True, ids["张晓明"]), ("物业王经理", "property_company", 2, False, None)]
        [m] = svc.meetings_of(s, c.id)
        assert (m.venue, m.attendance) == ("社区议事厅", [people[0].id])
        [r] = svc.rounds_of(s, c.id)
        assert (r.kind, r.state, [svc.get_option(s, o).number for o in r.option_ids]) == ("schulze", "open", [2, 3])
        assert svc.request_ids_of(s, c.id) == sorted([ids["r1"], ids["r2"]])
        assert s.get(Request, ids["r2"]) is not None


def svc_option_id(db, number: int) -> int:
    from gongzhi.plugins.deliberation import services as svc

    with db.read_session() as s:
        [c] = [c for c in svc.list_consultations(s) if c.title == "荣雅园路灯"]
        return svc.option_by_number(s, c.id, number).id


def ref_of(db, request_id: int) -> str:
    from gongzhi.core.models.requests import Request

    with db.read_session() as s:
        return s.get(Request, request_id).ref
