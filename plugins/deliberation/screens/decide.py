"""The consultation's decision, or an amendment of it (a modal)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from gongzhi.plugins.deliberation.i18n import _
from gongzhi.plugins.deliberation.queries import DecisionRow, OptionRow
from gongzhi.plugins.deliberation.screens.common import BINDING_TEXT
from gongzhi.tui.widgets.bilingual import Bilingual


@dataclass
class Decision:
    decision: str
    option_id: int | None
    review_on: date | None
    reason: str = ""  # an amendment's reason


class DecideScreen(Bilingual, ModalScreen[Decision | None]):
    """The consultation's decision: its text, optionally the chosen option (by number)
    and a review date (YYYY-MM-DD). Amending a recorded decision (``current`` given)
    starts from the decision in force and asks for the reason too."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="delib.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="delib.form_save", priority=True),
    ]

    def __init__(self, basis: str, options: list[OptionRow], current: DecisionRow | None = None) -> None:
        super().__init__()
        self.basis = basis
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        cur = self.current
        numbers = {o.id: o.number for o in self.options}
        with Vertical(classes="form", id="delib-decide-box"):
            yield Label(_("Amend the decision (the original stays on record)")
                        if cur else _("Record the decision"), classes="panel-title")
            yield Label(self.basis, id="delib-decide-basis")
            yield Label(_("Decision:"))
            yield Input(cur.decision if cur else "", id="delib-decide-text", max_length=2000)
            yield Label(_("Chosen option number (optional):"))
            yield Input(str(numbers.get(cur.option_id, "")) if cur and cur.option_id else "",
                        id="delib-decide-option", max_length=6)
            yield Label(_("Review date (optional, YYYY-MM-DD):"))
            yield Input(cur.review_on.isoformat() if cur and cur.review_on else "", id="delib-decide-review",
                        max_length=10, placeholder="YYYY-MM-DD")
            if cur:
                yield Label(_("Reason for the amendment (required):"))
                yield Input(id="delib-decide-reason", max_length=2000)
            yield Label("", id="delib-decide-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="delib-decide-save", variant="primary")
                yield Button(_("Cancel"), id="delib-decide-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.query_one("#delib-decide-text", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#delib-decide-save")
    def action_save(self) -> None:
        error = self.query_one("#delib-decide-error", Label)
        text = self.query_one("#delib-decide-text", Input).value.strip()
        if not text:
            error.update(_("The decision needs a text"))
            return
        option_id = None
        number = self.query_one("#delib-decide-option", Input).value.strip()
        if number:
            found = [o.id for o in self.options if str(o.number) == number]
            if not found:
                error.update(_("No option numbered {number}").format(number=number))
                return
            option_id = found[0]
        review_on = None
        raw = self.query_one("#delib-decide-review", Input).value.strip()
        if raw:
            from gongzhi.core.errors import DomainError
            from gongzhi.core.validation import parse_day
            from gongzhi.tui.i18n import language

            try:
                review_on = parse_day(raw)
            except DomainError as exc:  # badly written, or a day the calendar lacks: said which
                error.update(exc.message(language()))
                return
        reason = ""
        if self.current is not None:
            reason = self.query_one("#delib-decide-reason", Input).value.strip()
            if not reason:
                error.update(_("An amendment needs its reason"))
                return
        self.dismiss(Decision(text, option_id, review_on, reason))

    @on(Button.Pressed, "#delib-decide-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

