"""The help screen (``?``): every key binding of the app and the current section."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from tui.i18n import N_, _
from tui.widgets.base import translate_bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", N_("Close"), id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form"):
            yield Label(_("Keys"), classes="panel-title")
            yield DataTable(id="keys", cursor_type="row")

    def on_mount(self) -> None:
        translate_bindings(self)
        table = self.query_one(DataTable)
        table.add_columns(_("Key"), _("Action"), _("Where"))
        seen = set()
        screens = [s for s in self.app.screen_stack if s is not self]
        nodes = [self.app] + screens + [w for s in screens for w in s.query("*") if w._bindings.key_to_bindings]
        for node in nodes:
            for key, bindings in node._bindings.key_to_bindings.items():
                for b in bindings:
                    if (key, b.action) in seen or not b.description:
                        continue
                    seen.add((key, b.action))
                    table.add_row(self.app.get_key_display(b), b.description, type(node).__name__)

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
