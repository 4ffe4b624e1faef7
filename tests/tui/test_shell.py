"""The app shell: header, remappable keys, command palette, help."""

from __future__ import annotations

import asyncio

from textual.widgets import ContentSwitcher

from core.config import Settings
from tests.tui.pilot import settle, until


def test_header_names_the_street_and_the_operator(make_app):
    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(pilot)
            await until(pilot, lambda: "青（广）源街道" in app.title)
            assert app.sub_title == "操作员：测试办事员"

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
    from tui.screens.request_form import RequestFormScreen

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

    from tui.screens.help import HelpScreen

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

    from tui.screens.request_form import RequestFormScreen

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

    from tui.widgets.bilingual import Bilingual, t

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
    from tui.commands import GongzhiCommands

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

    from tui.widgets.base import DbWork

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
