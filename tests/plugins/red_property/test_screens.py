"""The red-property section in the real app under Pilot, on a real SQLite copy of the
small street: a meeting created, people checked in for their bodies (a cross-appointed
one choosing his), the quorum shown, the agenda opened by the follow-up of an earlier
action and taking a request, a resolution with its action item, the meeting closed,
the action completed on the board (its request resolved); a micro-service logged,
scheduled and done; F2 relabels the open screens.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
from datetime import date, datetime

import pytest
from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Label, ListView, Select

from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.services import Actor, categories, orgs, people, requests
from gongzhi.tui.widgets.pickers import ChoicePicker
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until

SIZE = (180, 60)
SECRETARY = Actor("联席会议秘书")


def text_of(label: Label) -> str:
    return str(label.render())


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def bodies(db, ids: dict[str, int]) -> dict[str, int]:  # noqa: F811
    """The four bodies of 荣雅园's joint meeting and their people: 王书记 is party
    secretary and residents' committee director (cross-appointed), 李秀英 already
    works for the residents' committee; an earlier meeting left an action overdue;
    an elevator request waits in 荣雅园."""
    from gongzhi.plugins.red_property import services as svc

    a = SECRETARY
    out: dict[str, int] = {"rc": ids["荣雅园社区-rc"]}
    with db.session() as s:
        out["party"] = orgs.create_organisation(s, actor=a, kind="party_committee", name="荣雅园社区党委",
                                                place_id=ids["荣雅园社区"]).id
        out["owners"] = orgs.create_organisation(s, actor=a, kind="owners_committee", name="荣雅园业委会",
                                                 place_id=ids["荣雅园"]).id
        out["prop"] = orgs.create_organisation(s, actor=a, kind="property_company", name="荣雅园物业",
                                               place_id=ids["荣雅园"]).id
        for name in ("王书记", "赵主任", "孙经理"):
            out[name] = people.create_person(s, actor=a, name=name).id
        for person, org, role in (("王书记", "party", "secretary"), ("王书记", "rc", "director"),
                                  ("赵主任", "owners", "chair"), ("孙经理", "prop", "manager")):
            orgs.add_membership(s, actor=a, person_id=out[person], organisation_id=out[org], role=role)
        elevator = categories.find_category(s, "elevator")
        out["request"] = requests.create_request(s, actor=a, channel="bench_meeting", type="help",
                                                 category_id=elevator.id, title="3号楼电梯停运",
                                                 place_id=ids["荣雅园"]).id
        # last month's meeting: its action item is unfinished and overdue
        held = datetime(2026, 10, 15, 9, 0, tzinfo=LOCAL_TZ)
        m = svc.create_meeting(s, actor=a, place_id=ids["荣雅园"], held_at=held)
        for person, org in (("王书记", "party"), ("赵主任", "owners"), ("孙经理", "prop")):
            svc.check_in(s, actor=a, meeting_id=m.id, person_id=out[person], organisation_id=out[org], at=held)
        svc.check_in(s, actor=a, meeting_id=m.id, person_id=ids["李秀英"], organisation_id=out["rc"], at=held)
        svc.open_meeting(s, actor=a, meeting_id=m.id, at=held)
        item = svc.add_agenda_item(s, actor=a, meeting_id=m.id, title="楼道堆物清理", at=held)
        r = svc.add_resolution(s, actor=a, agenda_item_id=item.id, text="物业一周内清理楼道堆物",
                               responsible_org_id=out["prop"], deadline=date(2026, 11, 1), at=held)
        out["earlier"], out["earlier_action"] = m.id, svc.action_items_of(s, resolution_id=r.id)[0].id
        svc.close_meeting(s, actor=a, meeting_id=m.id, at=held)
    return out


async def open_section(app, pilot):
    from gongzhi.plugins.red_property.screens import RedPropertyScreen

    await settle(pilot)
    nav = app.query_one("#sidebar", ListView)
    item = app.query_one("#nav-plugin-red_property")
    assert text_of(item.query_one(Label)) == "红色物业"
    nav.focus()
    nav.index = nav.children.index(item)
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(app.screen, RedPropertyScreen))
    await settle(pilot)
    return app.screen


async def save(pilot) -> None:
    await pilot.press("ctrl+s")
    await settle(pilot)


async def choose(pilot, picker, typed: str) -> None:
    """Choose in a ChoicePicker as a clerk does: into its box (all of it selected on the way in,
    or emptied when already there), type (pinyin initials …), Enter."""
    box = picker.query_one(Input)
    if box.has_focus:
        await pilot.press("end", "ctrl+u")
    else:
        box.focus()
    await pilot.pause()
    await pilot.press(*typed, "enter")
    await settle(pilot)


def test_a_joint_meeting_from_check_in_to_the_action_board(make_app, street_db, ids, tmp_path):  # noqa: F811
    from gongzhi.core.models.requests import Request, RequestEvent
    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.models import ActionNote, Meeting, Resolution
    from gongzhi.plugins.red_property.screens import (
        ActionBoardScreen,
        AgendaPickScreen,
        CheckInScreen,
        ConfirmScreen,
        FormScreen,
        MeetingScreen,
        RedPropertyScreen,
    )

    app = make_app(plugins=("red_property",))
    b = bodies(street_db, ids)
    target = tmp_path / "联席会议纪要.docx"

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            listing = await open_section(app, pilot)
            table = listing.query_one("#redprop-meetings", DataTable)
            [earlier] = rows(table)
            # by importance: when, where, kind, status, quorum; the title (date and place again) last
            assert earlier == ["2026-10-15 09:00", "荣雅园", "例会", "已结束", "组织 4/4（需 4）· 4 人 · 已达法定",
                               "2026-10-15 荣雅园红色物业联席会议"]

            # n: a new meeting, with a bad time first (refused on the form, nothing written)
            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            form.widget("place").select(ids["荣雅园"], "荣雅园")
            form.widget("chair").select(b["王书记"], "王书记")
            form.widget("secretary").select(ids["李秀英"], "李秀英")
            form.widget("location").value = "荣雅园党群服务站"
            form.widget("when").value = "2026-11-31 09:00"
            await save(pilot)
            assert app.screen is form
            # an impossible day says so (not a "format" error); a wrong form says the form
            assert text_of(form.query_one("#redprop-new-meeting-error", Label)) == "会议时间：没有这一天：2026-11-31 09:00"
            form.widget("when").value = "11月25日下午"
            await save(pilot)
            assert app.screen is form
            assert "YYYY-MM-DD HH:MM" in text_of(form.query_one("#redprop-new-meeting-error", Label))
            form.widget("when").value = "2026-11-25 14:30"
            await save(pilot)
            await until(pilot, lambda: isinstance(app.screen, MeetingScreen))
            await settle(pilot)
            screen = app.screen
            title = text_of(screen.query_one("#redprop-title", Label))
            assert title.startswith("2026-11-25 荣雅园红色物业联席会议 · 筹备中 · 2026-11-25 14:30 · 例会")
            assert "荣雅园党群服务站" in title and "主持 王书记" in title and "记录 李秀英" in title

            # the attendance grid by body: each required body's row, then its people (a
            # cross-appointed person under each of their bodies, their own body's people first)
            roster = screen.query_one("#redprop-roster", DataTable)
            assert roster.has_focus
            grid = rows(roster)
            assert [r[1].strip() for r in grid] == ["荣雅园社区党委", "王书记", "荣雅园社区居委会", "李秀英", "王书记",
                                                    "荣雅园业委会", "赵主任", "荣雅园物业", "孙经理"]
            assert grid[0] == ["✗", "荣雅园社区党委", "已到 0/1 人"]
            assert grid[1] == ["○", "  王书记", "未签到 · 兼居委会"]
            assert grid[4] == ["○", "  王书记", "未签到 · 兼党组织"]
            quorum = text_of(screen.query_one("#redprop-quorum", Label))
            assert "未达到开会条件：缺少荣雅园社区党委、荣雅园社区居委会、荣雅园业委会、荣雅园物业" in quorum

            # space on a person checks them in for the body of the row, and moves on
            for row in (3, 6, 8):  # 李秀英, 赵主任, 孙经理
                roster.move_cursor(row=row)
                await pilot.press("space")
                assert roster.cursor_row == min(row + 1, 8)
                await settle(pilot)
            quorum = text_of(screen.query_one("#redprop-quorum", Label))
            assert "✓ 荣雅园社区居委会（1）" in quorum and "✗ 荣雅园社区党委" in quorum
            assert "缺少荣雅园社区党委（" in quorum
            # c: by name; the cross-appointed 王书记 chooses the one body he stands for
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, CheckInScreen))
            dialog = app.screen
            dialog.query_one("#redprop-checkin-person").select(b["王书记"], "王书记")
            await settle(pilot)
            box = dialog.query_one("#redprop-checkin-body", ChoicePicker)
            assert [c.label for c in box.choices] == ["荣雅园社区党委", "荣雅园社区居委会"]
            assert box.query_one(Input).placeholder == "选择代表的组织"
            assert box.value is None  # cross-appointed: nothing chosen for him
            assert "交叉任职" in text_of(dialog.query_one("#redprop-checkin-error", Label))
            await save(pilot)  # no body chosen yet: refused
            assert app.screen is dialog
            await choose(pilot, box, "dw")  # 党委, by its pinyin initials
            assert box.value == b["party"]
            await save(pilot)
            assert app.screen is screen
            await settle(pilot)
            grid = rows(roster)
            assert grid[1][0] == "✓" and grid[1][2] == "已签到 · 兼居委会"
            assert grid[4][0] == "·" and grid[4][2] == "已代表党组织出席 · 兼党组织"
            assert grid[3][:1] == ["✓"] and grid[2][2] == "已到 1/2 人"  # 王书记 stands for the party
            assert grid[0] == ["✓", "荣雅园社区党委", "已到 1/1 人 · 全部出席"]
            quorum = text_of(screen.query_one("#redprop-quorum", Label))
            assert "法定组织 · 出席 4 人" in quorum and "已达到开会条件（4/4" in quorum
            # space on his row under the residents' committee moves him over, and back
            roster.move_cursor(row=4)
            await pilot.press("space")
            await settle(pilot)
            assert rows(roster)[4][0] == "✓" and rows(roster)[1][0] == "·"
            assert "缺少荣雅园社区党委（" in text_of(screen.query_one("#redprop-quorum", Label))
            roster.move_cursor(row=1)
            await pilot.press("space")
            await settle(pilot)
            assert rows(roster)[1][0] == "✓"
            # space on a body's row when all of it is in: nothing to do, said so
            roster.move_cursor(row=0)
            await pilot.press("space")
            await settle(pilot)
            assert any("都已签到" in n.message for n in app._notifications)
            assert roster.cursor_row == 2  # on to the next body
            with street_db.read_session() as s:
                mid = screen.meeting_id
                assert {a.person_id: a.organisation_id for a in svc.attendance_of(s, mid)}[b["王书记"]] == b["party"]
            # c: someone with no post on the meeting date cannot stand for a body
            await pilot.press("c")
            await until(pilot, lambda: isinstance(app.screen, CheckInScreen))
            dialog = app.screen
            dialog.query_one("#redprop-checkin-person").select(ids["张晓明"], "张晓明")
            await settle(pilot)
            assert "未在任何组织任职" in text_of(dialog.query_one("#redprop-checkin-error", Label))
            await pilot.press("escape")
            await settle(pilot)

            # o: open (confirmed)
            await pilot.press("o")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await settle(pilot)
            assert " · 进行中 · " in text_of(screen.query_one("#redprop-title", Label))

            # the agenda opens with last month's unfinished action
            agenda = screen.query_one("#redprop-agenda", DataTable)
            [follow] = rows(agenda)
            assert follow[0] == "落实1" and follow[1] == "物业一周内清理楼道堆物"
            assert follow[3].startswith("已超期 · 时限 2026-11-01")
            # p: take the elevator request onto the agenda
            await pilot.press("p")
            await until(pilot, lambda: isinstance(app.screen, AgendaPickScreen))
            await settle(pilot)
            picks = app.screen.query_one("#redprop-candidates", DataTable)
            assert [r[:3] for r in rows(picks)] == [["○", "3号楼电梯停运", "电梯"]]
            # typing filters (pinyin initials); no match leaves nothing to take
            await pilot.press(*"xyz")
            await settle(pilot)
            assert picks.row_count == 0
            await pilot.press("backspace", "backspace", "backspace", *"dt")
            await settle(pilot)
            assert [r[1] for r in rows(picks)] == ["3号楼电梯停运"]
            await pilot.press("enter")  # Enter in the filter takes the first match
            await settle(pilot)
            assert app.screen is screen
            follow, item = rows(agenda)
            assert item[0] == "1" and item[1] == "3号楼电梯停运" and item[2].startswith("诉求 ")

            # v on the item: without a responsible body the service refuses, on the form
            agenda.move_cursor(row=1)
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            form.widget("text").value = "物业联系电梯维保单位两周内修复"
            await save(pilot)
            assert app.screen is form
            assert text_of(form.query_one("#redprop-resolution-error", Label)) == "决议必须指定责任单位"
            assert form.widget("decided_by").value == "consensus"  # the default, chosen already
            await choose(pilot, form.widget("decided_by"), "bj")  # 表决
            assert form.widget("decided_by").value == "vote"
            form.widget(f"votes-{b['prop']}").value = "1/0/0"
            form.widget(f"votes-{b['owners']}").value = "1/0"
            await choose(pilot, form.widget("org"), "wy")  # 荣雅园物业
            assert form.widget("org").value == b["prop"]
            form.widget("person").select(b["孙经理"], "孙经理")
            await save(pilot)
            assert app.screen is form
            assert "赞成/反对/弃权" in text_of(form.query_one("#redprop-resolution-error", Label))
            form.widget(f"votes-{b['owners']}").value = "1/0/0"
            form.widget("deadline").value = "2026-12-10"
            await save(pilot)
            assert app.screen is screen
            await settle(pilot)
            [res] = rows(screen.query_one("#redprop-resolutions", DataTable))
            assert res[:3] == ["1", "1", "物业联系电梯维保单位两周内修复"]
            assert res[3] == "表决 荣雅园业委会 1/0/0；荣雅园物业 1/0/0"
            assert res[4:] == ["荣雅园物业 · 孙经理", "2026-12-10", "未开始"]

            # x: close (confirmed); the record is frozen afterwards
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await settle(pilot)
            assert " · 已结束 · " in text_of(screen.query_one("#redprop-title", Label))
            await pilot.press("i")
            await settle(pilot)
            assert app.screen is screen
            assert any("会议已结束" in n.message for n in app._notifications)
            # b: an addendum corrects it
            await pilot.press("b")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.widget("refers_to").value = "出席名单"
            app.screen.widget("text").value = "周师傅列席"
            await save(pilot)
            assert "[出席名单] 周师傅列席" in text_of(screen.query_one("#redprop-addenda", Label))
            # F9: the minutes, written by the plugin's writer (an existing file is refused on the form)
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.widget("path").value = str(target)
            await save(pilot)
            assert app.screen is screen
            assert f"纪要已写入 {target}" in text_of(screen.query_one("#redprop-status", Label))
            await pilot.press("f9")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.widget("path").value = str(target)
            await save(pilot)
            assert "文件已存在" in text_of(app.screen.query_one("#redprop-minutes-error", Label))
            await pilot.press("escape")
            await settle(pilot)

            # F2 relabels the open meeting screen, and back
            await pilot.press("f2")
            await settle(pilot)
            assert text_of(screen.query_one("#redprop-title", Label)).startswith(
                "joint meeting of 荣雅园, 2026-11-25 · closed · 2026-11-25 14:30 · monthly")
            assert "Quorum met (4/4" in text_of(screen.query_one("#redprop-quorum", Label))
            assert [str(c.label) for c in roster.ordered_columns] == ["In", "Body / name", "State"]
            assert rows(roster)[1][2].startswith("checked in · also RC")
            assert rows(agenda)[0][0] == "F1" and rows(agenda)[1][2].startswith("request QY-")
            assert rows(screen.query_one("#redprop-resolutions", DataTable))[0][3].startswith("by vote")
            assert "Closed: the record is frozen" in text_of(screen.query_one("#redprop-status", Label))
            await pilot.press("f2")
            await settle(pilot)
            assert " · 已结束 · " in text_of(screen.query_one("#redprop-title", Label))

            # the board: the overdue earlier action first, then ours
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, RedPropertyScreen))
            await settle(pilot)
            assert len(rows(table)) == 2
            await pilot.press("a")
            await until(pilot, lambda: isinstance(app.screen, ActionBoardScreen))
            await settle(pilot)
            board_screen = app.screen
            board = board_screen.query_one("#redprop-board", DataTable)
            first, second = rows(board)
            assert first[0].startswith("已超期（") and first[2] == "物业一周内清理楼道堆物"
            assert second[0] == "未开始" and second[2] == "物业联系电梯维保单位两周内修复"
            assert second[5].startswith("QY-")
            # d on ours: a note is required (the service says so, on the form)
            board.move_cursor(row=1)
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            await save(pilot)
            assert app.screen is form
            assert text_of(form.query_one("#redprop-action-done-error", Label)) == "标记完成必须填写落实情况说明"
            form.widget("note").value = "电梯已修复并通过检验"
            await save(pilot)
            assert app.screen is board_screen
            await settle(pilot)
            assert [r[2] for r in rows(board)] == ["物业一周内清理楼道堆物"]
            # g: a progress note on the earlier one
            await pilot.press("g")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.widget("note").value = "已清理一半"
            await save(pilot)
            assert rows(board)[0][6] == "已清理一半"
            # the filter shows what is done
            box = board_screen.query_one("#redprop-board-status", Select)
            box.value = "done"
            await settle(pilot)
            assert [r[0] for r in rows(board)] == ["已完成"]

            # F2: the board and the meetings list under it speak English
            await pilot.press("f2")
            await settle(pilot)
            assert str(board.ordered_columns[0].label) == "Status"
            assert rows(board)[0][0] == "done"
            assert "Action items across meetings" in text_of(board_screen.query_one("#redprop-board-heading", Label))
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, RedPropertyScreen))
            await settle(pilot)
            assert "Red-property joint meetings" in text_of(app.screen.query_one("#redprop-heading", Label))
            assert rows(table)[0][5] == "joint meeting of 荣雅园, 2026-11-25"

    asyncio.run(inner())

    with street_db.read_session() as s:
        [m] = [m for m in s.scalars(select(Meeting)) if m.id != b["earlier"]]
        assert (m.status, m.created_by, m.location, m.chair_id) == ("closed", "测试办事员", "荣雅园党群服务站", b["王书记"])
        q = svc.quorum(s, m.id)
        assert q.met and q.headcount == 4
        assert {a.person_id: a.organisation_id for a in svc.attendance_of(s, m.id)}[b["王书记"]] == b["party"]
        assert s.scalar(select(func.count()).select_from(Resolution).where(Resolution.meeting_id == m.id)) == 1
        [item] = svc.agenda_items_of(s, m.id)
        assert item.request_id == b["request"]
        [action] = svc.action_items_of(s, meeting_id=m.id)
        assert action.status == "done" and action.request_id == b["request"]
        assert svc.action_notes(s, action.id)[-1].text == "电梯已修复并通过检验"
        # the linked request was resolved through the core, with a note naming the meeting
        assert s.get(Request, b["request"]).status == "resolved"
        notes = [e.public_note for e in s.scalars(select(RequestEvent).where(RequestEvent.request_id == b["request"]))]
        assert any("2026-11-25 荣雅园红色物业联席会议决议已落实：电梯已修复并通过检验" in (n or "") for n in notes)
        earlier = svc.get_action_item(s, b["earlier_action"])
        assert earlier.status == "open"
        assert [n.text for n in s.scalars(select(ActionNote).where(ActionNote.action_item_id == earlier.id))] == [
            "已清理一半"]
        [addendum] = svc.addenda_of(s, m.id)
        assert (addendum.refers_to, addendum.text) == ("出席名单", "周师傅列席")

    from docx import Document

    cells = {c.text for table in Document(str(target)).tables for row in table.rows for c in row.cells}
    assert {"王书记", "荣雅园社区党委", "物业联系电梯维保单位两周内修复"} <= cells


def test_micro_services_logged_scheduled_and_done(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.screens import (
        FormScreen,
        NewServiceScreen,
        RedPropertyScreen,
        ServiceLogScreen,
    )

    app = make_app(plugins=("red_property",))
    with street_db.session() as s:
        # a second resident of 荣雅园, no care tag: 张晓明 (elderly living alone) comes first
        neighbour = people.create_person(s, actor=SECRETARY, name="艾大妈", household_id=ids["荣雅园-hh"]).id
        handyman = people.create_person(s, actor=SECRETARY, name="周师傅").id

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_section("plugin:red_property")
            await until(pilot, lambda: isinstance(app.screen, RedPropertyScreen))
            await settle(pilot)
            await pilot.press("w")
            await until(pilot, lambda: isinstance(app.screen, ServiceLogScreen))
            await settle(pilot)
            log = app.screen
            listing = log.query_one("#redprop-svc-list", DataTable)
            assert listing.row_count == 0

            await pilot.press("n")
            await until(pilot, lambda: isinstance(app.screen, NewServiceScreen))
            dialog = app.screen
            await save(pilot)  # no compound yet: refused
            assert app.screen is dialog
            assert "小区" in text_of(dialog.query_one("#redprop-newsvc-error", Label))
            dialog.query_one("#redprop-newsvc-compound").select(ids["荣雅园"], "荣雅园")
            await settle(pilot)
            residents = dialog.query_one("#redprop-newsvc-residents", DataTable)
            assert rows(residents) == [["张晓明", "★重点关爱"], ["艾大妈", ""]]
            dialog.query_one("#redprop-newsvc-query", Input).value = "adm"  # pinyin initials
            await settle(pilot)
            assert rows(residents) == [["艾大妈", ""]]
            dialog.query_one("#redprop-newsvc-query", Input).value = ""
            await settle(pilot)
            residents.move_cursor(row=0)
            kind = dialog.query_one("#redprop-newsvc-kind", ChoicePicker)
            assert kind.value == "free_repair"  # the default, chosen already
            await choose(pilot, kind, "dg")  # 代购代买 …
            assert kind.value == "shopping"
            await choose(pilot, kind, "mfrh")  # … no: 免费入户维修
            assert kind.value == "free_repair"
            residents.move_cursor(row=0)
            dialog.query_one("#redprop-newsvc-description", Input).value = "厨房水龙头漏水"
            await save(pilot)
            assert app.screen is log
            await settle(pilot)
            [row] = rows(listing)
            assert row[1:6] == ["荣雅园", "张晓明", "免费入户维修", "已登记", ""]
            assert row[7] == "厨房水龙头漏水"

            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            app.screen.widget("when").value = "2026-11-27 10:00"
            await save(pilot)
            assert rows(listing)[0][4:6] == ["已安排", "2026-11-27 10:00"]
            # d without who did it: the service refuses on the form
            await pilot.press("d")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            form = app.screen
            await save(pilot)
            assert app.screen is form
            assert text_of(form.query_one("#redprop-svc-done-error", Label)) == "完成的微服务须记录服务人"
            form.widget("by").select(handyman, "周师傅")
            form.widget("result").value = "更换阀芯"
            await save(pilot)
            assert app.screen is log
            assert rows(listing)[0][4] == "已完成" and rows(listing)[0][6] == "周师傅"
            counts = log.query_one("#redprop-svc-counts", DataTable)
            month = datetime.now(LOCAL_TZ).strftime("%Y-%m")
            assert rows(counts) == [["荣雅园", month, "免费入户维修", "1", "1"]]
            # a bad month filter is shown, in the user's language
            log.query_one("#redprop-svc-month", Input).value = "2026-13"
            await settle(pilot)
            assert "月份无效" in text_of(log.query_one("#redprop-svc-error", Label))
            log.query_one("#redprop-svc-month", Input).value = month
            await settle(pilot)
            assert text_of(log.query_one("#redprop-svc-error", Label)) == ""

            await pilot.press("f2")
            await settle(pilot)
            assert rows(listing)[0][3:5] == ["free home repair", "done"]
            assert str(counts.ordered_columns[3].label) == "Logged"  # the count of services logged (the list says when: "Requested")
            assert "Property micro-services" in text_of(log.query_one("#redprop-svc-heading", Label))

    asyncio.run(inner())

    with street_db.read_session() as s:
        [done] = svc.list_services(s)
        assert (done.resident_id, done.status, done.done_by_id, done.result) == (ids["张晓明"], "done", handyman,
                                                                                 "更换阀芯")
        assert done.kind == "free_repair" and done.created_by == "测试办事员"
        assert neighbour not in {x.resident_id for x in svc.list_services(s)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_binding_has_an_id_and_both_languages(lang):
    from gongzhi.plugins.red_property import screens
    from gongzhi.tui import i18n

    i18n.set_language(lang)
    try:
        import importlib
        import pkgutil

        classes = []
        for info in pkgutil.iter_modules(screens.__path__):  # one screen per module of the package
            module = importlib.import_module(f"{screens.__name__}.{info.name}")
            classes += [c for c in vars(module).values() if isinstance(c, type) and c.__module__ == module.__name__
                        and getattr(c, "BINDINGS", None)]
        assert len(classes) >= 10
        for cls in classes:
            for b in cls.BINDINGS:
                assert b.id and b.id.startswith("redprop."), (cls, b)
                assert b.id in screens.BINDING_TEXT, (cls, b)
            assert cls.BINDING_TEXT is screens.BINDING_TEXT  # the Bilingual mixin translates them
        assert all(zh and en and zh != en for zh, en in screens.BINDING_TEXT.values())
    finally:
        i18n.set_language("zh")


def test_palette_puts_the_request_on_screen_on_a_meeting_agenda(make_app, street_db, ids):  # noqa: F811
    from textual.command import CommandPalette

    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.screens import (
        ActionBoardScreen,
        PickListScreen,
        ServiceLogScreen,
    )
    from gongzhi.tui.screens.request_detail import RequestDetailScreen

    app = make_app(plugins=("red_property",))
    b = bodies(street_db, ids)
    with street_db.session() as s:
        m = svc.create_meeting(s, actor=SECRETARY, place_id=ids["荣雅园"],
                               held_at=datetime(2026, 11, 25, 9, 0, tzinfo=LOCAL_TZ))

    async def palette(pilot, query: str) -> None:
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*query)
        await settle(pilot, debounce=0.3)
        await pilot.press("enter")
        await settle(pilot)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            # the palette's entries: the board and the micro-service log open from anywhere
            entries = {c.key: c.args[1] for c in app.host.collect("register_palette_commands")}
            entries["红色物业: 落实事项看板"](app)
            await until(pilot, lambda: isinstance(app.screen, ActionBoardScreen))
            await pilot.press("escape")
            entries["红色物业: 物业微服务"](app)
            await until(pilot, lambda: isinstance(app.screen, ServiceLogScreen))
            await pilot.press("escape")
            # with no request on screen the command says so
            await settle(pilot)
            entries["红色物业: 把诉求列入联席会议议程"](app)
            await settle(pilot)
            assert any("请先打开一条诉求" in n.message for n in app._notifications)
            await pilot.press("f4")
            await settle(pilot)
            app.query_one("#requests").open_request(b["request"])
            await until(pilot, lambda: isinstance(app.screen, RequestDetailScreen))
            await settle(pilot)
            detail = app.screen
            await palette(pilot, "列入联席会议议程")
            await until(pilot, lambda: isinstance(app.screen, PickListScreen))
            await settle(pilot)
            meetings = app.screen.query_one("#redprop-agenda-from-request", DataTable)
            assert [r[0] for r in rows(meetings)] == ["2026-11-25 荣雅园红色物业联席会议"]
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is detail
            assert any("诉求已列入" in n.message for n in app._notifications)
            timeline = detail.query_one("#timeline", DataTable)  # reloaded: the note is on it
            assert any("列入2026-11-25 荣雅园红色物业联席会议议程" in str(timeline.get_row_at(i))
                       for i in range(timeline.row_count))

    asyncio.run(inner())

    with street_db.read_session() as s:
        assert [(i.request_id, i.title) for i in svc.agenda_items_of(s, m.id)] == [(b["request"], "3号楼电梯停运")]
