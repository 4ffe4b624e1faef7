"""The section follows the operator's role (issue 15): a viewer is not offered the keys
that write (a new meeting, the micro-service steps, the action items' steps); a
community secretary is. The services still check the place."""

from __future__ import annotations

from gongzhi.core.config import Settings
from gongzhi.core.plugins import PluginHost
from gongzhi.tui.app import GongzhiApp
from tests.tui.conftest import ids, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until
from tests.tui.test_login import sync
from tests.tui.test_roles import _binding_ids, _log_in, _operator

WRITES = {"redprop.new_meeting"}
READS = {"redprop.action_board", "redprop.services", "redprop.month_minutes"}


def _app(db) -> GongzhiApp:
    settings = Settings(language="zh", operator="本机操作员", database_url=db.url)
    host = PluginHost(settings, names=["red_property"]).load()
    host.upgrade(db)
    host.start(db)
    return GongzhiApp(settings=settings, open_database=lambda report: (db, host), require_login=True)


async def _section(app, pilot):
    from gongzhi.plugins.red_property.screens import RedPropertyScreen

    app.show_section("plugin:red_property")
    await until(pilot, lambda: isinstance(app.screen, RedPropertyScreen))
    await settle(pilot)
    return app.screen


@sync
async def test_a_viewer_is_not_offered_the_sections_writes(street_db, ids):  # noqa: F811
    from gongzhi.plugins.red_property.screens import ActionBoardScreen, ServiceLogScreen

    _operator(street_db, ids, "viewer1", "赵敏", "viewer")
    app = _app(street_db)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "viewer1")
        screen = await _section(app, pilot)
        shown = _binding_ids(screen)
        assert not shown & WRITES and shown >= READS, shown
        await pilot.press("n")  # nothing opens
        await settle(pilot)
        assert app.screen is screen
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ServiceLogScreen))
        await settle(pilot)
        assert not _binding_ids(app.screen) & {"redprop.new_service", "redprop.schedule_service",
                                               "redprop.done_service"}
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, ActionBoardScreen))
        await settle(pilot)
        assert not _binding_ids(app.screen) & {"redprop.start_action", "redprop.progress", "redprop.done_action",
                                               "redprop.drop_action"}
    app.end_login()


@sync
async def test_a_community_secretary_is_offered_them(street_db, ids):  # noqa: F811
    from gongzhi.plugins.red_property.screens import ServiceLogScreen

    _operator(street_db, ids, "sec1", "孙丽", "community_secretary")
    app = _app(street_db)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "sec1")
        screen = await _section(app, pilot)
        assert _binding_ids(screen) >= WRITES | READS
        await pilot.press("w")
        await until(pilot, lambda: isinstance(app.screen, ServiceLogScreen))
        await settle(pilot)
        assert {"redprop.new_service", "redprop.done_service"} <= _binding_ids(app.screen)
    app.end_login()
