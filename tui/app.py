"""The gongzhi app: header (street, operator), sidebar of sections, content, footer.

Core sections come first, then one per enabled plugin (from the
``register_sections`` hook), then Settings. Every binding has an id, so a site
remaps keys in its config (``[keys]`` table: binding id → key).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.compose import compose
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, Footer, Header, Label, ListItem, ListView

from core.config import Settings
from core.db import Database
from core.models.places import Place
from core.plugins import PluginHost
from core.services.base import Actor
from tui import i18n
from tui.i18n import N_, _
from tui.widgets.base import translate_bindings


@dataclass
class Section:
    key: str
    title: str  # an English message id (core) …
    title_zh: str | None = None  # … or the plugin's own two titles
    title_en: str | None = None
    view: type | None = None  # a core view class shown in the content area
    screen_factory: Any = None  # a plugin's screen factory, pushed on select

    def label(self) -> str:
        if self.title_zh is not None:
            return self.title_en if i18n.language() == "en" and self.title_en else self.title_zh
        return _(self.title)


def core_sections() -> list[Section]:
    from tui.screens.dashboard import DashboardView
    from tui.screens.orgs import OrgsView
    from tui.screens.people import PeopleView
    from tui.screens.places import PlacesView
    from tui.screens.requests import RequestsView

    return [
        Section("dashboard", N_("Dashboard"), view=DashboardView),
        Section("requests", N_("Requests"), view=RequestsView),
        Section("people", N_("People"), view=PeopleView),
        Section("places", N_("Places"), view=PlacesView),
        Section("orgs", N_("Organisations"), view=OrgsView),
    ]


def settings_section() -> Section:
    from tui.screens.settings import SettingsView

    return Section("settings", N_("Settings"), view=SettingsView)


class GongzhiApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "共治 gongzhi"
    COMMANDS = App.COMMANDS | set()  # extended in __init__ with the gongzhi provider
    BINDINGS = [
        Binding("question_mark", "help", N_("Help"), id="app.help"),
        Binding("f2", "toggle_language", N_("Language"), id="app.language"),
        Binding("f3", "section('dashboard')", N_("Dashboard"), id="section.dashboard", show=False),
        Binding("f4", "section('requests')", N_("Requests"), id="section.requests", show=False),
        Binding("f5", "section('people')", N_("People"), id="section.people", show=False),
        Binding("f6", "section('places')", N_("Places"), id="section.places", show=False),
        Binding("f7", "section('orgs')", N_("Organisations"), id="section.orgs", show=False),
        Binding("f8", "section('settings')", N_("Settings"), id="section.settings", show=False),
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True),
    ]

    def __init__(
        self, *, db: Database, settings: Settings, host: PluginHost | None = None, clock: bool = True
    ) -> None:
        from tui.commands import GongzhiCommands

        self.COMMANDS = App.COMMANDS | {GongzhiCommands}
        super().__init__()
        self.db = db
        self.settings = settings
        self.host = host
        self.clock = clock  # off in snapshot tests
        i18n.set_language(settings.language)
        self.sections = self._build_sections()

    # -- structure ---------------------------------------------------------------

    def _build_sections(self) -> list[Section]:
        sections = core_sections()
        if self.host is not None:
            for c in self.host.collect("register_sections"):
                title_zh, title_en, factory = c.args[:3]
                sections.append(Section(f"plugin:{c.key}", c.key, title_zh=title_zh, title_en=title_en,
                                        screen_factory=factory))
        sections.append(settings_section())
        return sections

    @property
    def actor(self) -> Actor:
        return Actor(self.settings.operator)

    def compose(self) -> ComposeResult:
        yield Header(show_clock=self.clock)
        with Horizontal(id="shell"):
            yield ListView(
                *[ListItem(Label(s.label()), id=f"nav-{s.key.replace(':', '-')}") for s in self.sections],
                id="sidebar",
            )
            with ContentSwitcher(id="content", initial="dashboard"):
                for s in self.sections:
                    if s.view is not None:
                        yield s.view(id=s.key)
        yield Footer()

    def on_mount(self) -> None:
        keys = getattr(self.settings, "keys", None) or {}
        if keys:
            self.set_keymap(keys)
        translate_bindings(self)
        self.sub_title = _("Operator: {name}").format(name=self.settings.operator)
        self._load_street_name()

    def _load_street_name(self) -> None:
        def fetch() -> str | None:
            with self.db.read_session() as s:
                return s.scalar(select(Place.name).where(Place.kind == "street").order_by(Place.id).limit(1))

        def show(name: str | None) -> None:
            self.title = "共治 gongzhi · " + (name or self.settings.street_name or _("no street yet"))

        self.run_worker(lambda: self.call_from_thread(show, fetch()), thread=True, group="title")

    # -- navigation ---------------------------------------------------------------

    @on(ListView.Selected, "#sidebar")
    def _nav(self, event: ListView.Selected) -> None:
        key = (event.item.id or "").removeprefix("nav-")
        section = next((s for s in self.sections if s.key.replace(":", "-") == key), None)
        if section is not None:
            self.show_section(section.key)

    def show_section(self, key: str) -> None:
        section = next((s for s in self.sections if s.key == key), None)
        if section is None:
            return
        if section.screen_factory is not None:
            self.push_screen(section.screen_factory(self.db))
            return
        self.query_one("#content", ContentSwitcher).current = key
        view = self.query_one(f"#{key}")
        if hasattr(view, "on_show_section"):
            view.on_show_section()
        nav = self.query_one("#sidebar", ListView)
        nav.index = self.sections.index(section)
        # move the focus into the section, so that its own keys (ctrl+n in the
        # request list …) work at once and typing goes to its first field
        first = next((w for w in view.query("*") if w.focusable), None)
        if first is not None:
            first.focus()

    def action_section(self, key: str) -> None:
        self.show_section(key)

    def action_new_request(self) -> None:
        self.show_section("requests")
        self.query_one("#requests").action_new_request()

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    async def action_toggle_language(self) -> None:
        await self.set_language("en" if i18n.language() == "zh" else "zh")

    async def set_language(self, lang: str) -> None:
        """Switch the UI language at once: bindings, sidebar and every view."""
        i18n.set_language(lang)
        self.settings.language = lang
        translate_bindings(self)
        await self._rebuild()
        for screen in self.screen_stack[1:]:
            # a plugin's screens (tui.widgets.bilingual.Bilingual) redraw themselves
            refresh = getattr(screen, "refresh_language", None)
            if callable(refresh):
                result = refresh()
                if asyncio.iscoroutine(result):
                    await result

    async def reload_plugins(self, host: PluginHost | None = None) -> None:
        """Swap in a new plugin host (after a plugin was enabled or disabled) and rebuild the sidebar.

        ``host`` is a loaded host; without one, the plugins in ``settings.plugins``
        are loaded off the UI thread (their tables must already be migrated:
        :func:`core.plugins.enable_plugin` does that). The old host stops
        receiving events; the new one starts.
        """
        if host is None:
            names = list(self.settings.plugins)
            host = await asyncio.to_thread(lambda: PluginHost(self.settings, names=names).load())
        host.start(self.db)
        old, self.host = self.host, host
        if old is not None and old is not host:
            old.close()
        self.sections = self._build_sections()
        await self._rebuild()

    async def _rebuild(self) -> None:
        """Compose the shell again (sidebar, views) and come back to the section shown before.

        The shell lives on the bottom screen; ``App.recompose`` would rebuild whatever
        screen is on top (a plugin's screen, a dialog), so the bottom one is rebuilt here.
        """
        shell = self.screen_stack[0]
        current = shell.query_one("#content", ContentSwitcher).current
        async with shell.batch():
            await shell.query("*").exclude(".-textual-system").remove()
            await shell.mount_all(compose(self))
        if current is not None and any(s.key == current and s.view is not None for s in self.sections):
            shell.query_one("#content", ContentSwitcher).current = current
            nav = shell.query_one("#sidebar", ListView)
            nav.index = next(i for i, s in enumerate(self.sections) if s.key == current)
        self.sub_title = _("Operator: {name}").format(name=self.settings.operator)
        self._load_street_name()
        self.refresh_bindings()

    def show_error(self, message: str) -> None:
        self.notify(message, title=_("Error"), severity="error", timeout=8)
