"""Snapshots of the secretary's screens on the small demo street (pytest-textual-snapshot):
the meeting at hand (the attendance grid by body, the agenda) at 100×30 in Chinese, and
the meetings at 160×45 in English. After an intended change:
``pytest tests/plugins/red_property/test_snapshots.py --snapshot-update`` and read the SVGs."""

from __future__ import annotations

import time_machine

from gongzhi.core.config import Settings
from gongzhi.core.plugins import PluginHost
from tests.plugins.red_property.test_field_fit import NOW, PLUGINS
from tests.tui.pilot import settle


def make_app(db, lang: str):
    from gongzhi.tui.app import GongzhiApp

    settings = Settings(language=lang, operator="联席会议记录人", database_url=db.url)
    host = PluginHost(settings, names=PLUGINS).load()
    host.upgrade(db)
    host.start(db)
    return GongzhiApp(db=db, settings=settings, host=host, clock=False)


def _still(app) -> None:
    for screen in app.screen_stack:
        for field in screen.query("Input"):
            field.cursor_blink = False


async def _tables_measured(pilot) -> None:
    """A DataTable sizes its columns to the rows added when it is next idle: until then
    they stand at their titles' widths (a snapshot taken then, under load, showed every
    column cut to its title). Wait for that before the snapshot."""
    from textual.widgets import DataTable

    from tests.tui.pilot import until

    tables = list(pilot.app.screen.query(DataTable))
    await until(pilot, lambda: not any(t._require_update_dimensions or t._updated_cells for t in tables))
    await pilot.pause()


def test_the_meeting_at_hand_at_100x30(snap_compare, small_demo):
    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.screens import MeetingScreen

    with small_demo.read_session() as s:
        (meeting,) = [m for m in svc.list_meetings(s, status="draft") if m.kind == "extraordinary"]

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(MeetingScreen(small_demo, meeting.id))
        await settle(pilot, debounce=0.2)
        _still(pilot.app)
        await _tables_measured(pilot)

    with time_machine.travel(NOW, tick=True):
        assert snap_compare(make_app(small_demo, "zh"), terminal_size=(100, 30), run_before=run_before)


def test_the_meetings_in_english_at_160x45(snap_compare, small_demo):
    from gongzhi.plugins.red_property.screens import RedPropertyScreen

    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(RedPropertyScreen(small_demo))
        await settle(pilot, debounce=0.2)
        _still(pilot.app)
        await _tables_measured(pilot)

    with time_machine.travel(NOW, tick=True):
        assert snap_compare(make_app(small_demo, "en"), terminal_size=(160, 45), run_before=run_before)
