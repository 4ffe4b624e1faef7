"""The secretary's field tasks of issue 13 (T4, T6), each performed from the app's first
screen on the small demo street with every built-in plugin, within its keystroke budget.

The key sequences are the documentation of the fastest paths (docs/red_property.md,
"Fast paths"); free text (what the secretary types into a search box) is not counted.
The clock stands at the demo's "now" (2026-11-20 10:00, Asia/Shanghai), where "this
month" is November 2026."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import select
from textual.widgets import DataTable

from gongzhi.core.config import Settings
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.plugins import PluginHost
from tests.tui.pilot import Keys, settle, until

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ)
PLUGINS = ["deliberation", "red_property", "points_exchange"]
SIZE = (160, 45)


def make_app(db, lang: str = "zh"):
    from gongzhi.tui.app import GongzhiApp

    settings = Settings(language=lang, operator="联席会议记录人", database_url=db.url)
    host = PluginHost(settings, names=PLUGINS).load()
    host.upgrade(db)
    host.start(db)
    return GongzhiApp(db=db, settings=settings, host=host)


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_section(pilot, keys: Keys) -> None:
    """From the first screen: the command palette, "打开联席会议", Enter (2 keys)."""
    from gongzhi.plugins.red_property.screens import RedPropertyScreen

    await keys.press("ctrl+p")
    await keys.type("打开联席会议")
    await settle(pilot, debounce=0.3)
    await keys.press("enter")
    await until(pilot, lambda: isinstance(pilot.app.screen, RedPropertyScreen))
    await settle(pilot)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=True):
        yield


def test_t4_check_in_eight_and_take_three_requests_onto_the_agenda(small_demo, frozen):
    """T4: check in 8 attendees of a joint meeting, pull 3 open requests onto the agenda — ≤ 20 keys."""
    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.models import AgendaItem, Attendance
    from gongzhi.plugins.red_property.screens import MeetingScreen
    from gongzhi.plugins.red_property.screens.agenda_picker import AgendaPickScreen

    with small_demo.read_session() as s:
        (meeting,) = [m for m in svc.list_meetings(s, status="draft") if m.kind == "extraordinary"]
        mid = meeting.id
        bodies = [o.id for o in svc.bodies_of(s, mid)]
        roster = svc.meeting_roster(s, mid)
        candidates = [r.id for r in svc.candidate_requests(s, mid)]
    assert len(candidates) >= 3 and len(roster) >= 8
    app = make_app(small_demo)

    async def run() -> Keys:
        async with app.run_test(size=SIZE) as pilot:
            keys = Keys(pilot)
            await settle(pilot)
            await open_section(pilot, keys)
            # the meeting at hand is the first row: this month's extraordinary meeting, in draft
            table = app.screen.query_one("#redprop-meetings", DataTable)
            assert rows(table)[0][2:4] == ["临时会议", "筹备中"]
            await keys.press("enter")
            await until(pilot, lambda: isinstance(app.screen, MeetingScreen))
            await settle(pilot)
            screen = app.screen
            grid = screen.query_one("#redprop-roster", DataTable)
            assert grid.has_focus and grid.cursor_row == 0  # on the party organisation's row
            # space on a body's row: all of it; on a person: that one, for this body
            await keys.press("space")      # the party organisation: both its members (2)
            await keys.press("space")      # the residents' committee: those not in yet (3)
            await keys.press("down")       # the owners' committee → its first member
            await keys.press("space", "space")  # two owners (2)
            await keys.press("right")      # the next body: the property company
            await keys.press("space")      # its manager (1)
            await settle(pilot)
            # p: the open property requests of the compound; mark three, Enter takes them
            await keys.press("p")
            await until(pilot, lambda: isinstance(app.screen, AgendaPickScreen))
            await settle(pilot)
            picker = app.screen
            listed = picker.query_one("#redprop-candidates", DataTable)
            assert listed.row_count == len(candidates)
            await keys.press("space", "space", "space", "enter")
            await until(pilot, lambda: app.screen is screen)
            await settle(pilot)
            agenda = rows(screen.query_one("#redprop-agenda", DataTable))
            assert sum(1 for r in agenda if r[2].startswith("诉求 ")) == 3
            return keys

    keys = asyncio.run(run())
    with small_demo.read_session() as s:
        attending = list(s.scalars(select(Attendance).where(Attendance.meeting_id == mid)))
        assert len(attending) == 8, keys.log
        assert len({a.person_id for a in attending}) == 8
        assert {a.organisation_id for a in attending} == set(bodies)  # every body present
        assert svc.quorum(s, mid).met
        taken = list(s.scalars(select(AgendaItem.request_id).where(AgendaItem.meeting_id == mid,
                                                                   AgendaItem.request_id.is_not(None))))
        assert sorted(taken) == sorted(candidates[:3])  # the three soonest due
        from gongzhi.core.services import requests

        for rid in taken:  # each request's timeline says so
            assert any("议程" in (e.public_note or "") for e in requests.timeline(s, rid))
    assert keys.count <= 20, keys.log


def test_t6_the_months_minutes_in_one_word_file(small_demo, frozen, tmp_path, monkeypatch):
    """T6: export the month's joint-meeting minutes to Word — ≤ 6 keys."""
    from docx import Document

    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.screens.month_minutes import MonthMinutesScreen

    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "data"))
    with small_demo.read_session() as s:
        closed = svc.list_meetings(s, status="closed")
        month = [svc.meeting_label(s, m) for m in closed if svc.meeting_date(m).strftime("%Y-%m") == "2026-11"]
        others = [svc.meeting_label(s, m) for m in closed if svc.meeting_date(m).strftime("%Y-%m") != "2026-11"]
    assert len(month) == 2 and others
    app = make_app(small_demo)

    async def run() -> tuple[Keys, Path]:
        async with app.run_test(size=SIZE) as pilot:
            keys = Keys(pilot)
            await settle(pilot)
            await keys.press("ctrl+p")
            await keys.type("本月联席会议纪要")
            await settle(pilot, debounce=0.3)
            await keys.press("enter")
            await until(pilot, lambda: isinstance(app.screen, MonthMinutesScreen))
            await settle(pilot)
            dialog = app.screen
            assert dialog.widget("month").value == "2026-11"  # this month, filled in
            path = Path(dialog.widget("path").value)
            await keys.press("enter")
            await until(pilot, lambda: not isinstance(app.screen, MonthMinutesScreen))
            await settle(pilot)
            return keys, path

    keys, path = asyncio.run(run())
    assert path.suffix == ".docx" and path.is_file() and path.parent == tmp_path / "data" / "minutes"
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    for label in month:
        assert f"{label}纪要" in text
    for label in others:
        assert label not in text
    assert keys.count <= 6, keys.log


def test_attendance_grid_all_present_and_keys_faster_than_the_database(small_demo, frozen):
    """``a`` checks in everyone expected, each for the first body they are listed under;
    space pressed again and again without waiting is queued, never dropped."""
    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.screens import MeetingScreen
    from gongzhi.plugins.red_property.screens.attendance import parse_key

    with small_demo.read_session() as s:
        (meeting,) = [m for m in svc.list_meetings(s, status="draft") if m.kind == "extraordinary"]
        mid = meeting.id
        roster = svc.meeting_roster(s, mid)
    app = make_app(small_demo)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(MeetingScreen(small_demo, mid))
            await until(pilot, lambda: isinstance(app.screen, MeetingScreen))
            await settle(pilot)
            screen = app.screen
            grid = screen.query_one("#redprop-roster", DataTable)
            # five people, one key each (and one to pass the body row), no waiting: the cursor moves on
            grid.move_cursor(row=1)
            await pilot.press("space", "space", "down", "space", "space", "space")
            assert grid.cursor_row == 7
            await settle(pilot)
            with small_demo.read_session() as s:
                assert len(svc.attendance_of(s, mid)) == 5  # two under the party, three under the RC
            keys = [str(r.key.value) for r in grid.ordered_rows]
            marks = {keys[i]: str(grid.get_row_at(i)[0]) for i in range(grid.row_count)}
            with small_demo.read_session() as s:
                for a in svc.attendance_of(s, mid):
                    assert marks[f"p{a.person_id}:{a.organisation_id}"] == "✓"
            # a: everyone else too
            await pilot.press("a")
            await settle(pilot)
            with small_demo.read_session() as s:
                attending = {a.person_id: a.organisation_id for a in svc.attendance_of(s, mid)}
                assert svc.quorum(s, mid).met
            assert set(attending) == {r.person_id for r in roster}
            assert all(attending[r.person_id] in r.body_ids for r in roster)
            # space on a person: out again (by the database's word after the write)
            grid.move_cursor(row=1)
            pid, _ = parse_key(keys[1])
            await pilot.press("space")
            await settle(pilot)
            with small_demo.read_session() as s:
                assert pid not in {a.person_id for a in svc.attendance_of(s, mid)}

    asyncio.run(run())


PRIMARY = {
    # screen: the actions its footer must show, in both languages, at 100×30 and 160×45
    "meetings": ("new", "month_minutes", "actions"),
    # the meeting's course: check-in, the agenda, open, resolutions, close, the minutes
    "meeting": ("toggle", "all_present", "pick_request", "open_meeting", "resolution", "close_meeting",
                "minutes"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(100, 30), (160, 45)], ids=["100x30", "160x45"])
def test_footers_show_the_main_actions_first(small_demo, frozen, lang, size):
    """The meetings and the meeting screen: their main actions are in the footer, whole,
    inside the terminal and left of the palette key (not under ``^p``), in the chosen
    language (no English word in Chinese mode)."""
    from textual.widgets._footer import FooterKey

    from gongzhi.plugins.red_property.screens import MeetingScreen, RedPropertyScreen

    with small_demo.read_session() as s:
        from gongzhi.plugins.red_property import services as svc

        (meeting,) = [m for m in svc.list_meetings(s, status="draft") if m.kind == "extraordinary"]
    app = make_app(small_demo, lang=lang)

    async def run() -> dict[str, dict[str, str]]:
        seen: dict[str, dict[str, str]] = {}
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            for name, screen in (("meetings", RedPropertyScreen(small_demo)), ("meeting", MeetingScreen(small_demo, meeting.id))):
                app.push_screen(screen)
                await until(pilot, lambda s=screen: app.screen is s)
                await settle(pilot)
                await pilot.pause(0.2)
                footer = list(app.screen.query(FooterKey))
                keys = {k.action.split("(")[0].removeprefix("screen."): k for k in footer}
                limit = min([k.region.x for k in footer if k.has_class("-command-palette")] + [size[0]])
                seen[name] = {}
                for action in PRIMARY[name]:
                    key = keys.get(action)
                    assert key is not None, (name, action, sorted(keys))
                    assert key.region.width > 0 and key.region.right <= limit, (name, action, key.region, limit)
                    seen[name][action] = key.description
        return seen

    seen = asyncio.run(run())
    for name, shown in seen.items():
        for action, text in shown.items():
            assert text, (name, action)
            if lang == "zh":
                assert not any(c.isascii() and c.isalpha() for c in text), (name, action, text)
            else:
                assert text.isascii(), (name, action, text)


def test_a_resolution_on_a_draft_meeting_says_first_what_comes_first(small_demo, frozen):
    """``v`` before the meeting opens: no form to fill in vain; the notice names the key
    that comes first. The forms' choices prompt in the user's language."""
    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.screens import FormScreen, MeetingScreen

    with small_demo.read_session() as s:
        (meeting,) = [m for m in svc.list_meetings(s, status="draft") if m.kind == "extraordinary"]
    app = make_app(small_demo)

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(MeetingScreen(small_demo, meeting.id))
            await until(pilot, lambda: isinstance(app.screen, MeetingScreen))
            await settle(pilot)
            screen = app.screen
            await pilot.press("v")
            await settle(pilot)
            assert app.screen is screen
            assert any("按 o 开会" in n.message for n in app._notifications)
            await pilot.press("a", "o")
            await until(pilot, lambda: not isinstance(app.screen, MeetingScreen))
            await pilot.press("y")
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            await pilot.press("enter")  # the highlighted request
            await settle(pilot)
            agenda = screen.query_one("#redprop-agenda", DataTable)
            agenda.move_cursor(row=agenda.row_count - 1)
            await pilot.press("v")
            await until(pilot, lambda: isinstance(app.screen, FormScreen))
            from textual.widgets import Input, Select

            from gongzhi.tui.widgets.pickers import ChoicePicker

            assert {str(box.prompt) for box in app.screen.query(Select)} <= {"请选择"}
            # the responsible body and how it was decided are chosen by typing, asked in Chinese
            org, how = app.screen.widget("org"), app.screen.widget("decided_by")
            assert isinstance(org, ChoicePicker) and isinstance(how, ChoicePicker)
            assert org.query_one(Input).placeholder == "输入名称或拼音首字母"
            assert how.value == "consensus" and how.query_one(Input).value == "协商一致"

    asyncio.run(run())
