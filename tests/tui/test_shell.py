"""The app shell: header, remappable keys, command palette, help."""

from __future__ import annotations

import asyncio

from textual.widgets import ContentSwitcher

from gongzhi.core.config import Settings
from tests.tui.pilot import settle, until


def test_header_names_the_street_and_the_operator(make_app):
    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await until(pilot, lambda: "青（广）源街道" in app.title)
            assert app.sub_title == "操作员：测试办事员"

    asyncio.run(inner())


def test_the_header_icon_tooltip_speaks_the_chosen_language(make_app):
    from textual.widgets._header import HeaderIcon

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            assert str(app.query_one(HeaderIcon).tooltip) == "打开命令面板"
            await pilot.press("f2")
            await settle(pilot)
            assert str(app.query_one(HeaderIcon).tooltip) == "Open the command palette"
            await pilot.press("f2")
            await settle(pilot)
            assert str(app.query_one(HeaderIcon).tooltip) == "打开命令面板"

    asyncio.run(inner())


def test_a_site_remaps_keys_by_binding_id(make_app, street_db):
    async def inner() -> None:
        settings = Settings(language="zh", operator="测试办事员", database_url=street_db.url,
                            keys={"section.requests": "f12"})
        app = make_app(settings=settings)
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await pilot.press("f12")
            await settle(pilot)
            assert app.query_one("#content", ContentSwitcher).current == "requests"
            await pilot.press("f3")
            await settle(pilot)
            assert app.query_one("#content", ContentSwitcher).current == "dashboard"
            await pilot.press("f4")  # the old key no longer does it
            await settle(pilot)
            assert app.query_one("#content", ContentSwitcher).current == "dashboard"

    asyncio.run(inner())


def test_command_palette_opens_the_new_request_form(make_app):
    from gongzhi.tui.screens.request_form import RequestFormScreen

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+p")
            await pilot.pause(0.2)
            await pilot.press(*"诉求: 新建")
            await pilot.pause(0.5)
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, RequestFormScreen))
            assert app.query_one("#content", ContentSwitcher).current == "requests"

    asyncio.run(inner())


def test_help_lists_the_keys_in_the_current_language(make_app):
    from textual.widgets import DataTable

    from gongzhi.tui.screens.help import HelpScreen

    async def inner() -> None:
        app = make_app(lang="en")
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await pilot.press("question_mark")
            await until(pilot, lambda: isinstance(app.screen, HelpScreen))
            table = app.screen.query_one(DataTable)
            actions = {str(table.get_row_at(i)[1]) for i in range(table.row_count)}
            assert {"Help", "Language", "Quit"} <= actions

    asyncio.run(inner())


def test_keys_of_a_section_work_right_after_going_there(make_app):
    """F4 then ctrl+n opens the new-request form: going to a section puts the focus in it."""
    from textual.widgets import Input

    from gongzhi.tui.screens.request_form import RequestFormScreen

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await pilot.press("f4")
            await settle(pilot)
            assert app.focused is app.query_one("#req-text", Input)
            await pilot.press("ctrl+n")
            await until(pilot, lambda: isinstance(app.screen, RequestFormScreen))

    asyncio.run(inner())


def test_f2_redraws_a_plugin_screen_open_on_top_of_the_shell(make_app):
    """The shell is rebuilt by the app; a stacked Bilingual screen relabels itself."""
    from textual.app import ComposeResult
    from textual.binding import Binding
    from textual.screen import Screen
    from textual.widgets import Label

    from gongzhi.tui.widgets.bilingual import Bilingual, t

    class PluginScreen(Bilingual, Screen):
        BINDING_TEXT = {"demo.count": ("计票", "Count")}
        BINDINGS = [Binding("c", "count", "计票", id="demo.count")]

        def compose(self) -> ComposeResult:
            yield Label(t("议事厅", "Council"), id="title")

        def refresh_language(self) -> None:
            super().refresh_language()
            self.query_one("#title", Label).update(t("议事厅", "Council"))

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            screen = PluginScreen()
            await app.push_screen(screen)
            await settle(pilot)
            assert str(screen.query_one("#title", Label).render()) == "议事厅"
            await pilot.press("f2")
            await until(pilot, lambda: str(screen.query_one("#title", Label).render()) == "Council")
            [binding] = screen._bindings.key_to_bindings["c"]
            assert binding.description == "Count"
            assert app.screen is screen  # still on top

    asyncio.run(inner())


def test_plugin_palette_commands_carry_their_help_in_the_current_language(make_app):
    from gongzhi.tui.commands import GongzhiCommands

    async def inner(lang: str) -> dict[str, str]:
        app = make_app(lang=lang, plugins=("deliberation",))
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            provider = GongzhiCommands(app.screen)
            return {title: help_text for title, _cb, help_text in provider._commands()}

    zh = asyncio.run(inner("zh"))
    assert zh["议事: 打开议事厅"] == "协商事项、签到、表决与计票"
    en = asyncio.run(inner("en"))
    assert en["Deliberation: open the residents' council"] == "Consultations, check-in, voting and counting"


def test_a_read_that_finishes_after_its_screen_closed_is_dropped(make_app):
    """Escape pressed while a list still loads: the result must not reach the gone widgets."""
    import threading

    from textual.app import ComposeResult
    from textual.screen import Screen
    from textual.widgets import Label

    from gongzhi.tui.widgets.base import DbWork

    release = threading.Event()
    shown: list[str] = []

    class Slow(DbWork, Screen):
        def compose(self) -> ComposeResult:
            yield Label("", id="slow-label")

        def on_mount(self) -> None:
            def fetch() -> str:
                release.wait(5)
                return "rows"

            def show(rows: str) -> None:
                self.query_one("#slow-label", Label).update(rows)  # NoMatches once the screen is gone
                shown.append(rows)

            self.db_work(fetch, show, group="slow")

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            screen = Slow()
            await app.push_screen(screen)
            await pilot.pause(0.1)
            await app.pop_screen()
            await pilot.pause(0.1)
            release.set()
            for _ in range(20):
                await pilot.pause(0.05)
            assert shown == [] and not screen.is_attached
            assert app.is_running  # the app carried on

    asyncio.run(inner())


# -- start-up (issue 12): paint first, build sections when opened ---------------------

FIRST_FRAME_PROBE = """
import asyncio, json, sys
from pathlib import Path
from gongzhi.core.cli.context import state
from gongzhi.core.config import load_settings
from gongzhi.tui.app import GongzhiApp
from gongzhi.tui.cli import open_database

state.settings = load_settings()
seen = {}

class Probe(GongzhiApp):
    CSS_PATH = str(Path(sys.modules["gongzhi.tui.app"].__file__).parent / "app.tcss")

    def on_mount(self):
        # Textual runs this before GongzhiApp.on_mount (handlers run down the MRO), so the
        # probe is registered before the app's own after-refresh work: it sees the first refresh
        self.call_after_refresh(self._probe)

    def _probe(self):
        seen["modules"] = sorted(sys.modules)
        seen["sidebar"] = len(self.query("#sidebar ListItem"))
        seen["views"] = [w.id for w in self.query_one("#content").children]
        # the dashboard's frame: its titled panels (their tables are mounted just after)
        seen["dashboard_frame"] = [p.id for p in self.query(".dash-panel")]

async def main():
    app = Probe(settings=state.settings, open_database=open_database)
    async with app.run_test(size=(160, 50)) as pilot:
        while not app.database_ready:
            await pilot.pause(0.05)
        await app.workers.wait_for_complete()
        await pilot.pause(0.1)
        seen["after_views"] = [w.id for w in app.query_one("#content").children]
        seen["dashboard_tables"] = sorted(t.id for t in app.query("#dashboard DataTable"))
        seen["requests_before"] = bool(app.query("#req-table"))
        await pilot.press("f4")
        await pilot.pause(0.2)
        seen["requests_after"] = bool(app.query("#req-table"))
        seen["views_after_f4"] = [w.id for w in app.query_one("#content").children]
        seen["sidebar_after"] = [i.id for i in app.query("#sidebar ListItem")]
        seen["title"] = app.title
    print(json.dumps(seen))

asyncio.run(main())
"""


def test_the_first_frame_comes_before_the_database_and_sections_are_built_when_opened(street_db, tmp_path):
    """A fresh interpreter, as ``gongzhi`` starts: at the first refresh the shell and the
    dashboard's frame are there and neither SQLAlchemy, the database layer, the models nor
    any plugin has been imported; the database opens afterwards, the plugin sections join
    the sidebar, and the request list exists only once its section is opened."""
    import json
    import os
    import subprocess
    import sys

    street_db.dispose()
    env = {**os.environ, "GONGZHI_DATA_DIR": str(tmp_path / "data"), "GONGZHI_DATABASE_URL": street_db.url,
           "GONGZHI_PLUGINS": "deliberation,red_property,points_exchange", "GONGZHI_LANG": "zh"}
    probe = tmp_path / "probe.py"  # a file: Textual finds the app's CSS through the class's source
    probe.write_text(FIRST_FRAME_PROBE, encoding="utf-8")
    env["PYTHONPATH"] = ":".join(p for p in sys.path if p)
    out = subprocess.run([sys.executable, str(probe)], capture_output=True, text=True, env=env,
                         timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr[-3000:]
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    heavy = [m for m in seen["modules"]
             if m.split(".")[0] in ("sqlalchemy", "sqlmodel", "alembic", "pypinyin", "plugins")
             or m in ("gongzhi.core.db", "gongzhi.core.models", "gongzhi.core.plugins") or m.startswith(("gongzhi.core.services", "gongzhi.core.models."))]
    assert heavy == []
    assert seen["sidebar"] == 6  # five core sections and Settings: the plugins come with the database
    assert seen["views"] == ["dashboard"]
    assert seen["dashboard_frame"] == ["dash-status-panel", "dash-overdue-panel", "dash-today-panel",
                                       "dash-channels-panel", "dash-rates-panel"]
    assert seen["dashboard_tables"] == ["dash-overdue", "dash-rates", "dash-status", "dash-today"]
    assert seen["after_views"] == ["dashboard"]
    assert not seen["requests_before"] and seen["requests_after"]
    assert seen["views_after_f4"] == ["dashboard", "requests"]
    assert {"nav-plugin-deliberation", "nav-plugin-red_property", "nav-plugin-points_exchange"} <= set(
        seen["sidebar_after"])
    assert "青（广）源街道" in seen["title"]


def test_sections_are_built_when_first_opened(make_app):
    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            content = app.query_one("#content", ContentSwitcher)
            assert [w.id for w in content.children] == ["dashboard"]
            assert not app.query("#people-search")
            await pilot.press("f5")
            await settle(pilot)
            assert content.current == "people" and app.query("#people-search")
            await pilot.press("f3")
            await pilot.press("f5")  # built once: opening it again reuses it
            await settle(pilot)
            assert [w.id for w in content.children] == ["dashboard", "people"]

    asyncio.run(inner())


def test_plugin_sections_have_number_keys_in_sidebar_order(make_app, street_db):
    from textual.widgets import ListView

    async def inner() -> None:
        app = make_app(plugins=("deliberation", "red_property", "points_exchange"))
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            plugins = [s for s in app.sections if s.screen_factory is not None]
            assert len(plugins) == 3
            nav = [i.id for i in app.query_one("#sidebar", ListView).children]
            assert [f"nav-{s.key.replace(':', '-')}" for s in plugins] == [n for n in nav if "plugin" in n]
            for number, section in zip("123", plugins, strict=True):
                await pilot.press(number)
                await settle(pilot)
                factory_screen = type(section.screen_factory(app.db))
                assert type(app.screen) is factory_screen, (number, section.key)
                await pilot.press("escape")
                await settle(pilot)
            # the help lists them with the section's name
            await pilot.press("question_mark")
            await settle(pilot)
            from textual.widgets import DataTable

            table = app.screen.query_one(DataTable)
            rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
            assert ("1", plugins[0].label()) in {r[:2] for r in rows}

    asyncio.run(inner())


def test_plugin_section_keys_are_remapped_by_binding_id(make_app, street_db):
    async def inner() -> None:
        plugins = ("deliberation",)
        settings = Settings(language="zh", operator="测试办事员", database_url=street_db.url,
                            keys={"section.plugin.deliberation": "f12"})
        app = make_app(plugins=plugins, settings=settings)
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            base = app.screen
            await pilot.press("1")
            await settle(pilot)
            assert app.screen is base  # the old key no longer opens it
            await pilot.press("f12")
            await settle(pilot)
            assert app.screen is not base and "Deliberation" in type(app.screen).__name__

    asyncio.run(inner())


def test_an_embedded_database_is_upgraded_after_its_backup_once_the_app_shows(tmp_path, monkeypatch):
    """``gongzhi`` alone on a SQLite file one migration behind: the app paints, then its
    worker backs the file up and upgrades it, and the backup is named in a notification."""
    from gongzhi.core.cli.context import state
    from gongzhi.core.db import Database
    from gongzhi.tui.app import GongzhiApp
    from gongzhi.tui.cli import open_database

    monkeypatch.setenv("GONGZHI_PLUGINS", "")
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    old = Database(url)
    old.upgrade("0002")
    old.dispose()
    state.settings = Settings(language="zh", operator="测试办事员", database_url=url)
    state.host, state._db, state.db_url = None, None, None

    async def inner() -> None:
        app = GongzhiApp(settings=state.settings, open_database=open_database)
        async with app.run_test(size=(160, 50)) as pilot:
            assert app.db is None  # the first frame came before the database
            await until(pilot, lambda: app.database_ready, timeout=60)
            await settle(pilot)
            assert app.db.is_current()
            lines = [n.message for n in app._notifications]
            assert any("数据库已升级，升级前的备份" in line for line in lines), lines

    try:
        asyncio.run(inner())
    finally:
        if state._db is not None:
            state._db.dispose()
        state._db, state.host = None, None
    assert list((tmp_path / "backups").glob("site-*-pre-upgrade-0002.sqlite"))
