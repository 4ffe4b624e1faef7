"""Command-palette provider: core and plugin commands titled "area: action"."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import Hit, Hits, Provider

from tui import i18n
from tui.i18n import _


class GongzhiCommands(Provider):
    """Go to a section, create a request, switch language — and what plugins register."""

    def _commands(self) -> list[tuple[str, Callable[[], object], str]]:
        app = self.app
        out: list[tuple[str, Callable[[], object], str]] = []
        for s in app.sections:  # type: ignore[attr-defined]
            out.append((_("Go to: {section}").format(section=s.label()), partial(app.show_section, s.key),
                        _("Open this section")))
        out.append((_("Requests: new request"), app.action_new_request, _("Log a new request")))  # type: ignore[attr-defined]
        out.append((_("Settings: switch language"), app.action_toggle_language, "中文 / English"))  # type: ignore[attr-defined]
        host = app.host  # type: ignore[attr-defined]
        if host is not None:
            for c in host.collect("register_palette_commands"):
                english = i18n.language() == "en"
                title = c.args[0] if english and c.args else c.key
                action = c.args[1] if len(c.args) > 1 else None
                help_text = c.kwargs.get("help_en" if english else "help_zh") or c.plugin
                out.append((title, partial(self._run_plugin_action, action), help_text))
        return out

    def _run_plugin_action(self, action: object) -> None:
        if callable(action):
            action(self.app)
        elif isinstance(action, str) and action.startswith("show_section:"):
            self.app.show_section("plugin:" + action.split(":", 1)[1])  # type: ignore[attr-defined]

    async def discover(self) -> Hits:
        for title, callback, help_text in self._commands():
            yield Hit(1.0, title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback, help_text in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)
