"""Snapshots (pytest-textual-snapshot) of the love supermarket's counter on the small demo
street, at the small terminal size the issue names (100×30), in Chinese and English:
the resident found, two goods in the basket, the next step said under the boxes.

Time is frozen at the demo's "now" and the header clock is off. After an intended
change: ``pytest tests/plugins/points_exchange/test_snapshots.py --snapshot-update``
and review the SVGs in ``tests/plugins/points_exchange/__snapshots__/``.
"""

from __future__ import annotations

import pytest
import time_machine

from gongzhi.core.config import Settings
from gongzhi.core.plugins import PluginHost
from tests.tui.pilot import settle, until

NOW = "2026-11-20 10:00 +08:00"
PLUGINS = ["points_exchange", "deliberation", "red_property"]


def counter_with_a_basket(resident: str, goods: list[tuple[str, str]]):
    async def run_before(pilot) -> None:
        from gongzhi.plugins.points_exchange.screens import CounterScreen

        app = pilot.app
        await settle(pilot)
        app.show_section("plugin:points_exchange")
        await until(pilot, lambda: isinstance(app.screen, CounterScreen))
        await settle(pilot)
        await pilot.press(*resident)
        await settle(pilot, debounce=0.2)
        await pilot.press("enter")
        await settle(pilot)
        for name, quantity in goods:
            await pilot.press(*name)
            await settle(pilot, debounce=0.2)
            await pilot.press("enter")
            await settle(pilot)
            await pilot.press(*quantity, "enter")
            await settle(pilot)
        for field in app.screen.query("Input"):
            field.cursor_blink = False
        app.set_focus(None)  # a blinking cursor would make the picture depend on time
        await settle(pilot)

    return run_before


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_counter_at_100x30(snap_compare, small_demo, lang):
    from gongzhi.tui.app import GongzhiApp

    settings = Settings(language=lang, operator="爱心超市志愿者", database_url=small_demo.url)
    host = PluginHost(settings, names=PLUGINS).load()
    host.upgrade(small_demo)
    host.start(small_demo)
    app = GongzhiApp(db=small_demo, settings=settings, host=host, clock=False)
    with time_machine.travel(NOW, tick=True):
        assert snap_compare(
            app,
            terminal_size=(100, 30),
            run_before=counter_with_a_basket("swb", [("gm", "2"), ("xz", "1")]),
        )
