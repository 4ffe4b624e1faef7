"""The gongzhi app: header (street, operator), sidebar of sections, content, footer.

Core sections come first, then one per enabled plugin (from the
``register_sections`` hook), then Settings. Every binding has an id, so a site
remaps keys in its config (``[keys]`` table: binding id → key). Plugin sections
get the number keys 1–9 in the order the sidebar shows them (``section.plugin.<name>``).

Start-up (issue 12, docs/performance.md "Start-up"): the shell paints before any
database or plugin module is imported. ``gongzhi`` alone hands the app no
database but a function that opens it (and upgrades an embedded SQLite after its
backup) and loads the plugins; the app runs it in a worker after the first frame.
Database work queued before that waits in its worker thread, never on the UI
thread. A section's view is imported and mounted when the section is first opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import App, ComposeResult
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.compose import compose
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher, Footer, Header, Label, ListItem, ListView

from gongzhi.core.config import Settings
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import translate_bindings

if TYPE_CHECKING:  # the database layer loads after the first frame
    from gongzhi.core.db import Database
    from gongzhi.core.plugins import PluginHost
    from gongzhi.core.services.base import Actor

PLUGIN_SECTION_KEYS = "123456789"
# what works while the login screen waits (its own submit and Textual's focus moves)
LOGIN_ACTIONS = frozenset({"quit", "app.quit", "submit", "focus_next", "focus_previous", "screen.focus_next",
                           "screen.focus_previous", "app.focus_next", "app.focus_previous"})


@dataclass
class Section:
    key: str
    title: str  # an English message id (core) …
    title_zh: str | None = None  # … or the plugin's own two titles
    title_en: str | None = None
    view: type | str | None = None  # a core view (class, or "module:Class" imported when first opened)
    screen_factory: Any = None  # a plugin's screen factory, pushed on select

    def label(self) -> str:
        if self.title_zh is not None:
            return self.title_en if i18n.language() == "en" and self.title_en else self.title_zh
        return _(self.title)

    def view_class(self) -> type:
        if isinstance(self.view, str):
            module, _sep, name = self.view.partition(":")
            self.view = getattr(importlib.import_module(module), name)
        assert isinstance(self.view, type)
        return self.view


def core_sections() -> list[Section]:
    return [
        Section("dashboard", N_("Dashboard"), view="gongzhi.tui.screens.dashboard:DashboardView"),
        Section("requests", N_("Requests"), view="gongzhi.tui.screens.requests:RequestsView"),
        Section("people", N_("People"), view="gongzhi.tui.screens.people:PeopleView"),
        Section("places", N_("Places"), view="gongzhi.tui.screens.places:PlacesView"),
        Section("orgs", N_("Organisations"), view="gongzhi.tui.screens.orgs:OrgsView"),
    ]


def settings_section() -> Section:
    return Section("settings", N_("Settings"), view="gongzhi.tui.screens.settings:SettingsView")


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
        # priority: also from a list's filter field (where an Input would take ctrl+e as
        # "end of line"; End does that); only where a list with rows is on screen
        Binding("ctrl+e", "export_table", N_("Export list (.xlsx)"), id="app.export_table", show=False,
                priority=True),
        Binding("ctrl+q", "quit", N_("Quit"), id="app.quit", priority=True),
    ]

    def __init__(
        self,
        *,
        db: Database | None = None,
        settings: Settings,
        host: PluginHost | None = None,
        clock: bool = True,
        open_database: Callable[[Callable[[str], None]], tuple[Database, PluginHost | None]] | None = None,
        notice: str | None = None,
        require_login: bool = False,
    ) -> None:
        """``db``: a ready database; or ``open_database(report)`` → (database, plugin host),
        run in a worker after the first frame (``report`` takes lines for the user).

        ``require_login``: always ask for an operator account (``gongzhi serve``: a
        browser session never acts as the server's user); a database without accounts
        is then refused."""
        from gongzhi.tui.commands import GongzhiCommands

        self.COMMANDS = App.COMMANDS | {GongzhiCommands}
        super().__init__()
        self.db = db
        self.settings = settings
        self.host = host
        self.clock = clock  # off in snapshot tests
        self.notice = notice
        self._open_database = open_database
        self._db_ready = threading.Event()
        self._db_ready_async = asyncio.Event()
        if db is not None and not require_login:
            self._db_ready.set()
            self._db_ready_async.set()
        self._plugin_keys: list[str] = []
        self.require_login = require_login
        self._login_actor: Actor | None = None
        self._login_token: str | None = None
        self._login_pending = False
        self._app_closing = False
        self._late_mounts: set[asyncio.Future[None]] = set()
        self._deferred_exit: asyncio.Task[None] | None = None
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
        """The logged-in operator account when the database has accounts (resolved from
        the ``gongzhi login`` token when the database was opened), else the local operator."""
        from gongzhi.core.cli.context import state
        from gongzhi.core.services.base import Actor

        if self._login_actor is not None:
            return self._login_actor
        if state._actor is not None and state._db is not None and state._db is self.db:
            return state._actor
        return Actor(self.settings.operator)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Until the login succeeds, only quitting works (no section, palette or plugin key)."""
        if self._login_pending and action not in LOGIN_ACTIONS:
            return False
        if action == "export_table" and self._export_target() is None:
            return False  # no list here: the key goes on to the focused widget
        return super().check_action(action, parameters)

    def _export_target(self):
        """The list ctrl+e writes: the focused one, else the screen's first shown with rows."""
        from textual.widgets import DataTable

        if isinstance(self.focused, DataTable) and self.focused.row_count:
            return self.focused
        shown = [t for t in self.screen.query(DataTable) if t.display and t.region.width and t.row_count]
        return shown[0] if shown else None

    def _operator_needed(self, db: Database) -> Actor | None | str:
        """Who the app acts as on ``db`` (worker thread): an account's actor, ``None`` for
        the local operator of a database without accounts, or ``"login"`` to ask.
        Raises DomainError when it must not open at all."""
        from gongzhi.core.cli.context import state
        from gongzhi.core.errors import DomainError
        from gongzhi.core.services.operators import has_operators_safe

        with db.read_session() as s:
            accounts = has_operators_safe(s)
        if not accounts:
            if self.require_login:
                raise DomainError("serve.no_operators")
            return None
        if self.require_login or state._db is not db:
            return "login"
        try:
            return state.actor
        except DomainError as exc:
            if exc.code in ("auth.login_required", "auth.session_expired"):
                return "login"
            raise

    def _ask_login(self, db: Database) -> None:
        from gongzhi.tui.screens.login import LoginScreen

        self._login_pending = True
        self.push_screen(LoginScreen(db, self._logged_in, street=self.settings.street_name or None))

    def _logged_in(self, actor: Actor, token: str) -> None:
        self._login_actor, self._login_token = actor, token
        self._login_pending = False
        self._show_operator()
        self._db_ready.set()
        self._db_ready_async.set()
        self.refresh_bindings()
        self._load_street_name()

    def _show_operator(self) -> None:
        # before the database is open the configured name (nothing imported before the first frame)
        known = self._login_actor is not None or self.db is not None
        actor = self.actor if known else None
        name = actor.name if actor is not None else self.settings.operator
        if actor is not None and actor.display_name and actor.display_name != name:
            name = _("{display_name} ({login})").format(display_name=actor.display_name, login=name)
        self.sub_title = _("Operator: {name}").format(name=name)

    def may(self, permission: str) -> bool:
        """Whether the operator holds ``permission`` on some place (issue 15: the app hides
        what the role cannot do; the services still check the place). True while nobody
        is logged in yet and for the local operator of a database without accounts."""
        actor = self._login_actor
        if actor is None and self.db is not None:
            actor = self.actor
        if actor is None or actor.grants is None:
            return True
        from gongzhi.core.permissions import role_permissions

        return any(permission in role_permissions(g.role) for g in actor.grants)

    def end_login(self) -> None:
        """End the session the login screen opened (called when the app has closed)."""
        token, self._login_token = self._login_token, None
        if token is None or self.db is None:
            return
        from gongzhi.core.services.operators import logout

        try:
            with self.db.session() as s:
                logout(s, token)
        except Exception:  # noqa: BLE001 - the session expires on its own
            pass

    @property
    def database_ready(self) -> bool:
        return self._db_ready.is_set()

    def wait_for_database(self, timeout: float | None = None) -> bool:
        """Block the calling worker thread until the database is open (never call on the UI
        thread); ``False`` when it timed out or the app is closing (before a login, say)."""
        self._db_ready.wait(timeout)
        return self._db_ready.is_set() and not self._app_closing

    def _release_waiting_work(self) -> None:
        # the workers still waiting for the database (it may never open: no login was
        # done) end instead of holding the app's shutdown
        self._app_closing = True
        self._db_ready.set()
        self._db_ready_async.set()

    def exit(self, *args: Any, **kwargs: Any) -> None:
        self._release_waiting_work()
        pending = [done for done in self._late_mounts if not done.done()]
        if pending:
            # a view is filling its frame: once exit() is called Textual refuses every
            # mount, and a widget caught half-mounted fails in its own handler; so the
            # exit waits for those mounts (a few milliseconds; no new ones start now)
            async def exit_when_mounted() -> None:
                await asyncio.wait(pending, timeout=5)
                App.exit(self, *args, **kwargs)

            self._deferred_exit = asyncio.get_running_loop().create_task(exit_when_mounted())
            return
        super().exit(*args, **kwargs)

    @property
    def closing(self) -> bool:
        """The app is on its way out: start no new work that mounts or reads."""
        return self._app_closing or not self.is_running

    @contextlib.asynccontextmanager
    async def late_mount(self) -> AsyncIterator[None]:
        """Mount widgets after the first frame (a view filling its frame) so that the app's
        shutdown waits for it: pruning a half-mounted tree fails inside Textual (a Select
        whose overlay is already gone, a panel unmounted under its new child)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._late_mounts.add(done)
        try:
            yield
        finally:
            done.set_result(None)
            self._late_mounts.discard(done)

    async def _shutdown(self) -> None:  # also reached without exit() (Pilot's run_test)
        self._release_waiting_work()
        if self._late_mounts:
            await asyncio.wait(list(self._late_mounts), timeout=5)
        await super()._shutdown()

    def _sidebar_items(self) -> list[ListItem]:
        return [ListItem(Label(s.label()), id=f"nav-{s.key.replace(':', '-')}") for s in self.sections]

    def compose(self) -> ComposeResult:
        yield Header(show_clock=self.clock)
        with Horizontal(id="shell"):
            yield ListView(*self._sidebar_items(), id="sidebar")
            # only the section shown is built; the others when first opened
            current = getattr(self, "_current_section", "dashboard")
            with ContentSwitcher(id="content", initial=current):
                section = next(s for s in self.sections if s.key == current)
                yield section.view_class()(id=current)
        yield Footer()

    def watch_app_focus(self, focus: bool) -> None:
        """A screen composed while the app had no focus gets no auto-focus from Textual,
        and regaining focus only restores a widget of the screen that lost it. In a browser
        (``gongzhi serve``) the tab starts blurred and the login screen is pushed then, so
        its name field would stay unfocused and every key typed would go nowhere: focus
        the screen's first field when the app gains focus (a focus event, or the first key
        or click), before that key is handled."""
        if focus and self._screen_stack and self.screen.focused is None:
            self.screen._update_auto_focus()

    def on_mount(self) -> None:
        keys = getattr(self.settings, "keys", None) or {}
        if keys:
            self.set_keymap(keys)
        translate_bindings(self)
        self._bind_plugin_sections()
        self._show_operator()
        if self.notice:
            self.notify(self.notice, timeout=10)
        if self.db is None:
            self.title = "共治 gongzhi · " + (self.settings.street_name or _("opening the database…"))
            self.call_after_refresh(self._start_database)
        elif self.require_login:
            # a ready database handed in: the same opening path settles who acts first
            db = self.db
            self._open_database = lambda report: (db, None)
            self.call_after_refresh(self._start_database)
        else:
            self._load_street_name()

    def _start_database(self) -> None:
        """Open the database and load the plugins in a worker (after the first frame)."""
        opener = self._open_database or _open_configured_database(self.settings)
        lines: list[str] = []

        def job() -> None:
            from gongzhi.core.errors import DomainError

            try:
                db, host = opener(lines.append)
                who = self._operator_needed(db)
            except DomainError as exc:
                self.call_from_thread(self.exit, None, 1, exc.message(i18n.language()))
                return
            except Exception as exc:  # noqa: BLE001 - say it in one line, as the CLI does
                detail = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
                self.call_from_thread(self.exit, None, 1, _("Database error: {detail}").format(detail=detail))
                return
            self.call_from_thread(self._database_opened, db, host, lines, who)

        self.run_worker(job, thread=True, group="open-database")

    async def _database_opened(self, db: Database, host: PluginHost | None, lines: list[str],
                               who: Actor | None | str = None) -> None:
        self.db = db
        if who == "login":
            self._ask_login(db)
        else:
            if who is not None:
                self._login_actor = who  # type: ignore[assignment]
                self._show_operator()
            self._db_ready.set()
            self._db_ready_async.set()
        for line in lines:
            self.notify(line, timeout=10)
        if host is not None and host is not self.host:
            self.host = host
            self.sections = self._build_sections()
            await self._refresh_sidebar()
            self._bind_plugin_sections()
            self.refresh_bindings()
        self._load_street_name()

    async def _refresh_sidebar(self) -> None:
        """Bring the sidebar in line with ``self.sections`` (the plugins' entries arrive late)."""
        nav = self.screen_stack[0].query_one("#sidebar", ListView)
        wanted = self._sidebar_items()
        ids = [item.id for item in wanted]
        for item in list(nav.children):
            if item.id not in ids:
                await item.remove()
        present = {item.id for item in nav.children}
        for i, item in enumerate(wanted):
            if item.id not in present:
                await nav.insert(i, [item])
        current = self.screen_stack[0].query_one("#content", ContentSwitcher).current
        keys = [s.key for s in self.sections]
        if current in keys:
            nav.index = keys.index(current)

    def _bind_plugin_sections(self) -> None:
        """Number keys 1–9 for the plugin sections, in sidebar order (ids ``section.plugin.<name>``)."""
        bindings = self._bindings.key_to_bindings
        for key in self._plugin_keys:
            bindings[key] = [b for b in bindings.get(key, []) if not (b.id or "").startswith("section.plugin.")]
            if not bindings[key]:
                del bindings[key]
        self._plugin_keys = []
        plugins = [s for s in self.sections if s.screen_factory is not None]
        for key, section in zip(PLUGIN_SECTION_KEYS, plugins, strict=False):
            name = section.key.removeprefix("plugin:")
            bindings.setdefault(key, []).append(
                Binding(key, f"section('{section.key}')", section.label(), show=False, id=f"section.plugin.{name}"))
            self._plugin_keys.append(key)

    def _load_street_name(self) -> None:
        if self.db is None:  # not open yet: _database_opened asks again
            return

        def fetch() -> str | None:
            from sqlalchemy import select

            from gongzhi.core.models.places import Place

            with self.db.read_session() as s:
                return s.scalar(select(Place.name).where(Place.kind == "street").order_by(Place.id).limit(1))

        def show(name: str | None) -> None:
            self.title = "共治 gongzhi · " + (name or self.settings.street_name or _("no street yet"))

        self.run_worker(lambda: self.call_from_thread(show, fetch()), thread=True, group="title")

    # -- navigation ---------------------------------------------------------------

    @on(ListView.Selected, "#sidebar")
    async def _nav(self, event: ListView.Selected) -> None:
        key = (event.item.id or "").removeprefix("nav-")
        section = next((s for s in self.sections if s.key.replace(":", "-") == key), None)
        if section is not None:
            await self.show_section(section.key)

    def show_section(self, key: str) -> AwaitComplete:
        """Show a section; its view is built the first time. Await the result to know it is shown."""
        section = next((s for s in self.sections if s.key == key), None)
        if section is None or self._login_pending:  # no way past the login (a click, the palette)
            return AwaitComplete(_nothing())
        if section.screen_factory is not None:
            self.push_screen(section.screen_factory(self.db))
            return AwaitComplete(_nothing())
        shell = self.screen_stack[0]
        view = next(iter(shell.query_one("#content", ContentSwitcher).query_children(f"#{key}")), None)
        if view is not None:
            self._shown(section, view)
            return AwaitComplete(_nothing())
        # a worker (not a bare task), so that whoever waits for the app's workers waits for this too
        worker = self.run_worker(self._build_and_show(section), group=f"section-{key}", exclusive=True)
        return AwaitComplete(worker.wait())

    async def _build_and_show(self, section: Section) -> None:
        await self._db_ready_async.wait()  # a view reads the database as soon as it mounts
        if self._app_closing:
            return
        switcher = self.screen_stack[0].query_one("#content", ContentSwitcher)
        view = next(iter(switcher.query_children(f"#{section.key}")), None)
        if view is None:
            view = section.view_class()(id=section.key)
            await switcher.mount(view)
        self._shown(section, view)

    def _shown(self, section: Section, view: Any) -> None:
        shell = self.screen_stack[0]
        shell.query_one("#content", ContentSwitcher).current = section.key
        self._current_section = section.key
        if hasattr(view, "on_show_section"):
            view.on_show_section()
        nav = shell.query_one("#sidebar", ListView)
        nav.index = self.sections.index(section)
        # move the focus into the section, so that its own keys (ctrl+n in the
        # request list …) work at once and typing goes to its first field
        first = next((w for w in view.query("*") if w.focusable), None)
        if first is not None:
            first.focus()

    async def action_section(self, key: str) -> None:
        await self.show_section(key)

    def action_command_palette(self) -> None:
        # a click on the header's icon runs this directly, past check_action
        if not self._login_pending:
            super().action_command_palette()

    def action_export_table(self) -> None:
        """The focused list (or the screen's first) to an .xlsx file (tui.screens.table_export)."""
        from textual.widgets import ContentSwitcher

        from gongzhi.tui.screens.table_export import TableExportScreen

        if self._login_pending:
            return
        table = self._export_target()
        if table is None:
            self.notify(_("No list with rows here to export."), severity="warning")
            return
        name = type(self.screen).__name__.removesuffix("Screen").lower()
        switcher = self.screen.query(ContentSwitcher)
        if self.screen is self.screen_stack[0] and switcher and switcher.first().current:
            name = str(switcher.first().current).replace("plugin:", "")
        self.push_screen(TableExportScreen(table, name or "list"))

    def action_new_request(self) -> AwaitComplete:
        """The request form over the request list (built first if it never was)."""
        if self._login_pending:
            return AwaitComplete(_nothing())
        if not self.may("request.create"):
            self.notify(_("Your role may not log requests."), severity="warning")
            return AwaitComplete(_nothing())

        async def go() -> None:
            await self.show_section("requests")
            self.query_one("#requests").action_new_request()

        return AwaitComplete(self.run_worker(go(), group="new-request", exclusive=True).wait())

    def may_import(self) -> bool:
        """Whether the operator may import anything (tui.screens.import_data.KINDS)."""
        from gongzhi.tui.screens.import_data import KINDS

        return any(self.may(permission) for _kind, _title, permission in KINDS)

    def open_import(self, kind: str | None = None, then: Callable[[bool], Any] | None = None) -> None:
        """The import screen (tui.screens.import_data), set to ``kind``; ``then(written)`` when it closes."""
        if self._login_pending:
            return
        if not self.may_import():
            self.notify(_("Your role may not import data."), severity="warning")
            return
        from gongzhi.tui.screens.import_data import ImportScreen

        self.push_screen(ImportScreen(kind), then)

    def action_help(self) -> None:
        from gongzhi.tui.screens.help import HelpScreen

        self.push_screen(HelpScreen())

    async def action_toggle_language(self) -> None:
        await self.set_language("en" if i18n.language() == "zh" else "zh")

    async def set_language(self, lang: str) -> None:
        """Switch the UI language at once: bindings, sidebar and every view."""
        i18n.set_language(lang)
        self.settings.language = lang
        translate_bindings(self)
        self._bind_plugin_sections()
        await self._rebuild()
        from gongzhi.tui.widgets.textual_strings import translate_header

        translate_header(self.screen_stack[0] if self.screen_stack else self)
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
        :func:`gongzhi.core.plugins.enable_plugin` does that). The old host stops
        receiving events; the new one starts.
        """
        if host is None:
            from gongzhi.core.plugins import PluginHost

            names = list(self.settings.plugins)
            host = await asyncio.to_thread(lambda: PluginHost(self.settings, names=names).load())
        host.start(self.db)
        old, self.host = self.host, host
        if old is not None and old is not host:
            old.close()
        self.sections = self._build_sections()
        self._bind_plugin_sections()
        await self._rebuild()

    async def _rebuild(self) -> None:
        """Compose the shell again (sidebar, views) and come back to the section shown before.

        The shell lives on the bottom screen; ``App.recompose`` would rebuild whatever
        screen is on top (a plugin's screen, a dialog), so the bottom one is rebuilt here.
        """
        shell = self.screen_stack[0]
        current = shell.query_one("#content", ContentSwitcher).current
        if current is None or not any(s.key == current and s.view is not None for s in self.sections):
            current = "dashboard"
        self._current_section = current  # compose builds this view alone
        async with shell.batch():
            await shell.query("*").exclude(".-textual-system").remove()
            await shell.mount_all(compose(self))
        if current is not None and any(s.key == current and s.view is not None for s in self.sections):
            nav = shell.query_one("#sidebar", ListView)
            nav.index = next(i for i, s in enumerate(self.sections) if s.key == current)
        self._show_operator()
        self._load_street_name()
        self.refresh_bindings()

    def show_error(self, message: str) -> None:
        self.notify(message, title=_("Error"), severity="error", timeout=8)


async def _nothing() -> None:
    return None


def _open_configured_database(settings: Settings) -> Callable[[Callable[[str], None]], tuple[Any, Any]]:
    """The default opener: the configured database, upgraded if it is an embedded SQLite."""

    def open_(report: Callable[[str], None]) -> tuple[Any, Any]:
        from gongzhi.core.db import Database

        db = Database(settings.database_url, create=settings.database_is_default)
        db.ensure_ready()
        return db, None

    return open_
