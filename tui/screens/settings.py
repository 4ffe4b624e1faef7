"""Settings: language, operator name, enabled plugins, and where the database lives.

Changes apply at once and are written to the site config file
(``gongzhi.core.config.update_config_file``), the same file ``gongzhi plugins enable``
edits. Enabling a plugin does what the command line does — checks its
dependencies, migrates its tables, records it in the config — then the app loads
a new plugin host and the plugin's section appears in the sidebar; disabling
hides it again and leaves its data untouched.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from rich.text import Text
from sqlalchemy.engine import make_url
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, RadioButton, RadioSet

from gongzhi.core.config import config_path, update_config_file
from gongzhi.core.errors import DomainError
from gongzhi.core.plugins import PluginHost, available_plugins, disable_plugin, enable_plugin
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.toggle import Toggle

OPERATOR_MAX = 50
LANGUAGES = (("zh", "中文"), ("en", "English"))  # each language in its own words


def description_in(description: str, lang: str) -> str:
    """A plugin's description in one language: plugins write ``"中文 / English"``."""
    zh, sep, en = description.partition(" / ")
    if not sep:
        return description
    return en.strip() if lang == "en" else zh.strip()


@dataclass
class PluginLine:
    name: str
    title: str
    detail: str
    active: bool


def hidden_password_url(url: str) -> str:
    """The database URL with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - never show a URL we cannot parse
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


class SettingsView(DbWork, Vertical):
    """设置 / Settings."""

    DEFAULT_CSS = """
    SettingsView > VerticalScroll {
        padding: 0 2;
    }
    SettingsView RadioSet {
        width: 30;
        height: auto;
    }
    SettingsView .setting-row {
        height: auto;
        margin-bottom: 1;
    }
    SettingsView #settings-operator {
        width: 40;
    }
    SettingsView .plugin-row {
        height: auto;
    }
    SettingsView .plugin-row Label {
        padding: 1 1 0 1;
    }
    SettingsView .hint {
        color: $text-muted;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "save_operator", N_("Save"), id="settings.save"),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.plugin_lines: list[PluginLine] = []

    def compose(self) -> ComposeResult:
        settings = self.app.settings
        lang = i18n.language()
        with VerticalScroll():
            yield Label(_("Language"), classes="panel-title")
            with RadioSet(id="settings-language"):
                for code, name in LANGUAGES:
                    yield RadioButton(name, value=code == lang, id=f"lang-{code}")
            if os.environ.get("GONGZHI_LANG"):
                yield Label(_("GONGZHI_LANG is set in the environment: it decides the language at the next start."),
                            classes="hint")

            yield Label(_("Operator"), classes="panel-title")
            yield Label(_("Your name, recorded with every change you make."), classes="hint")
            with Horizontal(classes="setting-row"):
                yield Input(value=settings.operator, max_length=OPERATOR_MAX, id="settings-operator")
                yield Button(_("Save"), id="settings-operator-save")
            if os.environ.get("GONGZHI_OPERATOR"):
                yield Label(_("GONGZHI_OPERATOR is set in the environment: it decides the operator at the next start."),
                            classes="hint")

            yield Label(_("Plugins"), classes="panel-title")
            yield Label(_("Installed is not enabled: switch a plugin on to add its tables and its section."),
                        classes="hint")
            yield Vertical(id="settings-plugins", classes="setting-row")

            yield Label(_("Database"), classes="panel-title")
            yield Label(hidden_password_url(self.app.db.url), id="settings-db")
            yield Label(_("Config file: {path}").format(path=config_path()), id="settings-config", classes="hint")

    def on_mount(self) -> None:
        translate_bindings(self)
        self.load_plugins()

    def on_show_section(self) -> None:
        self.load_plugins()

    # -- plugins -------------------------------------------------------------------

    def load_plugins(self) -> None:
        host = self.app.host
        lang = i18n.language()

        def fetch() -> list[PluginLine]:
            active = set(host.names) if host is not None else set()
            out = []
            for name, plugin in available_plugins().items():
                meta = host.metas.get(name) if host is not None else None
                title = (meta.title_en if lang == "en" else meta.title_zh) if meta else name
                parts = [name if meta else "", plugin.distribution, plugin.version,
                         _("built-in") if plugin.source == "built-in" else _("package")]
                if meta and meta.description:
                    parts.append(description_in(meta.description, lang))
                if host is not None and name in host.failures:
                    parts.append(_("failed to load: {detail}").format(detail=host.failures[name]))
                out.append(PluginLine(name, title, " · ".join(p for p in parts if p), name in active))
            return out

        self.db_work(fetch, self._show_plugins, group="settings-plugins")

    async def _show_plugins(self, lines: list[PluginLine]) -> None:
        if not self.is_attached:
            return
        self.plugin_lines = lines
        box = self.query_one("#settings-plugins", Vertical)
        await box.remove_children()
        if not lines:
            await box.mount(Label(_("No plugins are installed."), classes="hint"))
            return
        rows = []
        for line in lines:
            # the state in words (启用：开 / Enabled: on), not only in colour; Space flips it
            switch = Toggle(_("Enabled"), line.active, id=_switch_id(line.name), classes="plugin-switch")
            switch.plugin_name = line.name
            row = Horizontal(
                switch,
                Label(Text.assemble((line.title, "bold"), "  ", (line.detail, "dim"))),
                classes="plugin-row",
            )
            rows.append(row)
        await box.mount_all(rows)

    @on(Toggle.Changed, ".plugin-switch")
    def _toggle_plugin(self, event: Toggle.Changed) -> None:
        name = getattr(event.checkbox, "plugin_name", "")
        host = self.app.host
        active = list(host.names) if host is not None else []
        if event.value == (name in active):
            return
        switch = event.checkbox
        # one change at a time: each builds the next host from the current one
        for other in self.query(".plugin-switch"):
            other.disabled = True
        settings, db, enable = self.app.settings, self.app.db, event.value

        def work() -> PluginHost:
            if enable:
                enable_plugin(settings, db, name)  # dependencies, migrations, config: as the CLI does
                names = active + [name]
            else:
                if name in settings.plugins:  # not when only GONGZHI_PLUGINS enabled it for this run
                    disable_plugin(settings, name)
                names = [n for n in active if n != name]
            return PluginHost(settings, names=names).load()

        def done(new_host: PluginHost) -> None:
            message = _("Plugin {name} enabled") if enable else _("Plugin {name} disabled")
            self.app.notify(message.format(name=name))
            self.app.call_later(self.app.reload_plugins, new_host)

        def failed(message: str) -> None:
            self.app.show_error(message)
            if switch.is_attached:
                with switch.prevent(Toggle.Changed):
                    switch.value = not enable
            for other in self.query(".plugin-switch"):
                other.disabled = False

        self.db_work(work, done, group="settings-plugin-toggle", on_error=failed)

    # -- language ------------------------------------------------------------------

    @on(RadioSet.Changed, "#settings-language")
    def _language(self, event: RadioSet.Changed) -> None:
        lang = (event.pressed.id or "").removeprefix("lang-")
        if lang not in i18n.LOCALES or lang == i18n.language():
            return
        save_config(self.app, language=lang)
        # the app recomposes every view (this one too), so it switches from its own message loop
        self.app.call_later(self.app.set_language, lang)

    # -- operator ------------------------------------------------------------------

    @on(Input.Submitted, "#settings-operator")
    @on(Button.Pressed, "#settings-operator-save")
    def _operator(self) -> None:
        self.action_save_operator()

    def action_save_operator(self) -> None:
        box = self.query_one("#settings-operator", Input)
        name = box.value.strip()
        if not name:
            self.app.show_error(_("The operator name cannot be empty"))
            return
        if len(name) > OPERATOR_MAX:
            self.app.show_error(_("The operator name is too long"))
            return
        self.app.settings.operator = name  # the actor of every audit record from now on
        self.app.sub_title = _("Operator: {name}").format(name=name)

        save_config(self.app, _("Operator saved: {name}").format(name=name), operator=name)


def _switch_id(name: str) -> str:
    return "plugin-" + re.sub(r"[^A-Za-z0-9_-]", "_", name)


def save_config(app, done_message: str = "", **changes) -> None:
    """Write keys of the config file in a worker of the app (it outlives a recomposed view)."""

    def job() -> None:
        try:
            update_config_file(**changes)
        except DomainError as exc:
            app.call_from_thread(app.show_error, exc.message(i18n.language()))
        except OSError as exc:
            app.call_from_thread(app.show_error, _("Unexpected error: {detail}").format(detail=exc))
        else:
            if done_message:
                app.call_from_thread(app.notify, done_message)

    app.run_worker(job, thread=True, group="config-file", exit_on_error=False)
