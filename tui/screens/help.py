"""The help screen (``?``): every key of the app and of what is open, in the user's language.

It lists the bindings that carry an id (all of ours and the plugins'; a site remaps them
by that id) and the command palette's key, the ones hidden from the footer too. "Where"
says where a key works in words a clerk uses — everywhere, the section's name, this
dialog — never a widget's class name.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import translate_bindings


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", N_("Close"), id="help.close")]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form"):
            yield Label(_("Keys"), classes="panel-title")
            yield DataTable(id="keys", cursor_type="row")
        yield Footer()

    def _where(self, node) -> str:
        if node is self.app:
            return _("everywhere")
        sections = {s.key: s for s in getattr(self.app, "sections", [])}
        for ancestor in [node, *node.ancestors]:
            section = sections.get(getattr(ancestor, "id", None) or "")
            if section is not None:
                return section.label()
        if node.screen is not self.app.screen_stack[0]:
            return _("this window")
        return _("everywhere")

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
                    ours = b.id is not None or b.action == "command_palette"
                    if (key, b.action) in seen or not b.description or not ours:
                        continue
                    seen.add((key, b.action))
                    table.add_row(self.app.get_key_display(b), b.description, self._where(node))
        table.focus()

    async def action_dismiss(self, result: None = None) -> None:
        self.dismiss(None)
