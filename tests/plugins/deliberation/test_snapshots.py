"""Snapshots (pytest-textual-snapshot) of the consultation screen with the demo's round
receiving ballots — everyone checked in, three ballots typed — at 100×30 and 160×45, in
Chinese and English: the footer's main keys first (k all present, z undo, c close), the
header naming the round receiving ballots, presence in words.

After an intended change: ``pytest tests/plugins/deliberation/test_snapshots.py
--snapshot-update`` and review the SVGs in ``tests/plugins/deliberation/__snapshots__/``.
"""

from __future__ import annotations

import pytest

from gongzhi.core.config import Settings
from gongzhi.core.plugins import PluginHost
from tests.plugins.deliberation.test_field_fit import PLUGINS
from tests.tui.pilot import settle, until


def steady(app) -> None:
    app.clear_notifications()
    app.set_focus(None)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(100, 30), (160, 45)], ids=["100x30", "160x45"])
def test_the_round_receiving_ballots(snap_compare, small_demo, lang, size):
    from gongzhi.plugins.deliberation.screens import ConsultationScreen, open_receiving_round
    from gongzhi.tui.app import GongzhiApp

    settings = Settings(language=lang, operator="测试办事员", database_url=small_demo.url)
    host = PluginHost(settings, names=PLUGINS).load()
    host.start(small_demo)
    app = GongzhiApp(db=small_demo, settings=settings, host=host, clock=False)

    async def run_before(pilot) -> None:
        await settle(pilot)
        open_receiving_round(app)
        await until(pilot, lambda: isinstance(app.screen, ConsultationScreen))
        await settle(pilot)
        for key in ("k", "y", "n", "y"):
            await pilot.press(key)
            await settle(pilot)
        steady(app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
