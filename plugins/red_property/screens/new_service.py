"""Log a micro-service for a resident (priority-care residents suggested first)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label

from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.plugins.red_property.models import (
    ServiceKind,
)
from gongzhi.plugins.red_property.screens.common import (
    BINDING_TEXT,
    Bilingual,
    enum_choices,
    highlighted_key,
    parse_when,
)
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.forms import (
    FormError,
)
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, PlacePicker


def kind_choices() -> list[Choice]:
    """The kinds of micro-service, chosen by typing (Chinese, pinyin, the code or the English word)."""
    return [Choice(value, label, value, keys=ServiceKind(value).label("en"))
            for label, value in enum_choices(ServiceKind)]


class NewServiceScreen(Bilingual, DbWork, ModalScreen[int | None]):
    """Log a micro-service: the compound, then a resident from the suggestions
    (priority-care residents first, marked only as such), the kind (free repair unless
    another is typed), what is needed and optionally when it is scheduled. Dismissed
    with the new service's id."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="redprop.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="redprop.form_save", priority=True),
    ]
    DEFAULT_CSS = """
    NewServiceScreen { align: center middle; }
    NewServiceScreen > VerticalScroll { width: 90; height: auto; max-height: 95%; border: thick $accent;
                                        background: $surface; padding: 0 1; }
    NewServiceScreen #redprop-newsvc-residents { height: 8; }
    """

    def __init__(self, db, compound: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.db = db
        self.compound = compound
        self.busy = False

    # the labels' message ids (the words are the plugin's catalog's, in the current language)
    TEXTS = {
        "title": N_("Log a property micro-service"),
        "kind": N_("Kind:"),
        "compound": N_("Compound:"),
        "query": N_("Resident (priority-care residents first; type a name or pinyin to filter):"),
        "description": N_("What is needed:"),
        "scheduled": N_("Scheduled for (optional, YYYY-MM-DD HH:MM):"),
    }

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id="redprop-newsvc"):
            yield Label(_(self.TEXTS["title"]), classes="panel-title", id="redprop-newsvc-title")
            yield Label(_(self.TEXTS["kind"]), id="redprop-newsvc-kind-label")
            yield ChoicePicker(kind_choices(), placeholder=_("type the kind or its pinyin initials"),
                               id="redprop-newsvc-kind")
            yield Label(_(self.TEXTS["compound"]), id="redprop-newsvc-compound-label")
            yield PlacePicker(kinds=("compound",), id="redprop-newsvc-compound")
            yield Label(_(self.TEXTS["query"]), id="redprop-newsvc-query-label")
            yield Input(id="redprop-newsvc-query")
            yield DataTable(id="redprop-newsvc-residents", cursor_type="row", zebra_stripes=True)
            yield Label(_(self.TEXTS["description"]), id="redprop-newsvc-description-label")
            yield Input(id="redprop-newsvc-description", max_length=1000)
            yield Label(_(self.TEXTS["scheduled"]), id="redprop-newsvc-scheduled-label")
            yield Input(id="redprop-newsvc-scheduled", placeholder="YYYY-MM-DD HH:MM")
            yield Label("", id="redprop-newsvc-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="redprop-newsvc-save", variant="primary")
                yield Button(_("Cancel"), id="redprop-newsvc-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        self.query_one("#redprop-newsvc-kind", ChoicePicker).choose(ServiceKind.free_repair.value)
        picker = self.query_one("#redprop-newsvc-compound", PlacePicker)
        if self.compound is not None:
            picker.select(*self.compound)
        picker.query_one(Input).focus()

    def _columns(self) -> None:
        table = self.query_one("#redprop-newsvc-residents", DataTable)
        table.clear(columns=True)
        table.add_column(_("Resident"), key="name")
        table.add_column(_("Priority care"), key="care")

    def refresh_language(self) -> None:
        super().refresh_language()
        for key, msgid in self.TEXTS.items():
            target = "redprop-newsvc-title" if key == "title" else f"redprop-newsvc-{key}-label"
            self.query_one(f"#{target}", Label).update(_(msgid))
        box = self.query_one("#redprop-newsvc-kind", ChoicePicker)
        value = box.value
        box.set_choices(kind_choices())
        box.query_one(Input).placeholder = _("type the kind or its pinyin initials")
        if value is not None:
            with box.prevent(ChoicePicker.Changed):
                box.choose(value)
        self._columns()
        self._suggest()

    @on(PlacePicker.Changed, "#redprop-newsvc-compound")
    def _compound(self, event: PlacePicker.Changed) -> None:
        self.compound = (event.value, event.text) if event.value is not None else None
        self._suggest()

    @on(Input.Changed, "#redprop-newsvc-query")
    def _query(self) -> None:
        self._suggest()

    def _suggest(self) -> None:
        table = self.query_one("#redprop-newsvc-residents", DataTable)
        if self.compound is None:
            table.clear()
            return
        db, cid = self.db, self.compound[0]
        query = self.query_one("#redprop-newsvc-query", Input).value

        def fetch() -> list[svc.ResidentSuggestion]:
            with db.read_session() as s:
                return svc.suggest_residents(s, compound_id=cid, query=query)

        def show(rows: list[svc.ResidentSuggestion]) -> None:
            table.clear()
            for r in rows:
                table.add_row(r.name, "★" + _("priority care") if r.priority_care else "",
                              key=str(r.person_id))

        self.db_work(fetch, show, group="redprop-newsvc-suggest",
                     on_error=lambda m: self.query_one("#redprop-newsvc-error", Label).update(Text(m)))

    @on(Button.Pressed, "#redprop-newsvc-save")
    def action_save(self) -> None:
        if self.busy:
            return
        error = self.query_one("#redprop-newsvc-error", Label)
        resident = highlighted_key(self.query_one("#redprop-newsvc-residents", DataTable))
        if self.compound is None:
            error.update(_("Pick the compound first"))
            return
        if resident is None:
            error.update(_("Highlight the resident in the list"))
            return
        try:
            scheduled = parse_when(self.query_one("#redprop-newsvc-scheduled", Input).value, *pair(N_("The scheduled time")))
        except FormError as exc:
            error.update(str(exc))
            return
        kind = self.query_one("#redprop-newsvc-kind", ChoicePicker).value
        if kind is None:
            error.update(_("Choose the kind of service"))
            return
        db, actor, cid = self.db, self.app.actor, self.compound[0]
        description = self.query_one("#redprop-newsvc-description", Input).value

        def write() -> int:
            with db.session() as s:
                return svc.log_service(s, actor=actor, kind=str(kind), resident_id=int(resident), compound_id=cid,
                                       description=description, scheduled_for=scheduled).id

        def failed(message: str) -> None:
            self.busy = False
            error.update(Text(message))

        self.busy = True
        self.db_work(write, self.dismiss, group="redprop-newsvc-write", on_error=failed)

    @on(Button.Pressed, "#redprop-newsvc-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
