"""Take open property requests of the meeting's area onto its agenda, several at once.

The list (soonest due first) has the focus: ``space`` marks the highlighted request and
moves on, Enter takes the marked ones (or, with none marked, the highlighted one) in one
write. Typing filters the list (Chinese, pinyin initials or full pinyin, the request's
ref, its category or place): the first letter typed moves the focus into the filter box,
Down comes back to the list, Enter there takes the marked ones or the first match.
Dismissed with the titles taken, or None."""

from __future__ import annotations

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Label

from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.plugins.red_property.queries import CandidateRow, load_candidates
from gongzhi.plugins.red_property.screens.common import BINDING_TEXT, Bilingual, highlighted_key
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import t
from gongzhi.tui.widgets.pickers import Choice, filter_choices

CANDIDATE_COLUMNS = (("mark", *pair(N_("Pick"))), ("title", *pair(N_("Request"))), ("category", *pair(N_("Category"))),
                     ("place", *pair(N_("Place"))), ("due", *pair(N_("Due by"))), ("ref", *pair(N_("Ref"))))


class CandidateTable(Bilingual, DataTable):
    """The candidates; ``space`` marks the highlighted one."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("space", "mark", "Mark", id="redprop.mark_request")]

    def action_mark(self) -> None:
        self.screen.toggle_mark()


class AgendaPickScreen(Bilingual, DbWork, ModalScreen[list[str] | None]):
    """Open property requests of the area onto the agenda: mark several, Enter takes them."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="redprop.form_cancel")]
    DEFAULT_CSS = """
    AgendaPickScreen { align: center middle; }
    AgendaPickScreen > Vertical { width: 96%; max-width: 130; height: 80%; border: thick $accent;
                                  background: $surface; }
    AgendaPickScreen DataTable { height: 1fr; }
    AgendaPickScreen .error { color: $error; }
    """

    def __init__(self, db, meeting_id: int) -> None:
        super().__init__()
        self.db = db
        self.meeting_id = meeting_id
        self.rows: list[CandidateRow] = []
        self.shown: list[CandidateRow] = []
        self.marked: list[int] = []  # request ids, in the order marked
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("", classes="panel-title", id="redprop-candidates-title")
            yield Input(id="redprop-candidates-filter")
            yield CandidateTable(id="redprop-candidates", cursor_type="row", zebra_stripes=True)
            yield Label("", id="redprop-candidates-error", classes="error")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._labels()
        table = self.query_one("#redprop-candidates", DataTable)
        table.focus()
        db, mid = self.db, self.meeting_id

        def fetch() -> list[CandidateRow]:
            with db.read_session() as s:
                return load_candidates(s, mid)

        def show(rows: list[CandidateRow]) -> None:
            self.rows = rows
            self._show()
            if not rows:
                self._error(_("No open property request in this area"))

        self.db_work(fetch, show, group="redprop-candidates-read", on_error=self._error)

    def _labels(self) -> None:
        self.query_one("#redprop-candidates-title", Label).update(_("Onto the agenda: open property requests of the area (space marks, Enter takes; {count} marked)").format(count=len(self.marked)))
        self.query_one("#redprop-candidates-filter", Input).placeholder = _("type to filter: title, pinyin initials, ref, category or place")
        table = self.query_one("#redprop-candidates", DataTable)
        table.clear(columns=True)
        for key, zh, en in CANDIDATE_COLUMNS:
            table.add_column(t(zh, en), key=key)

    def refresh_language(self) -> None:
        super().refresh_language()
        self._labels()
        self._show()

    def _error(self, message: str) -> None:
        self.busy = False
        self.query_one("#redprop-candidates-error", Label).update(Text(message))

    def _show(self) -> None:
        query = self.query_one("#redprop-candidates-filter", Input).value.strip()
        if query:
            choices = [Choice(r.id, r.title, code=r.ref, keys=f"{r.category_zh} {r.category_en} {r.place}")
                       for r in self.rows]
            from gongzhi.core.pinyin import place_search_keys

            keys = {i: place_search_keys(r.title) + place_search_keys(r.category_zh) + place_search_keys(r.place)
                    for i, r in enumerate(self.rows)}  # each "|initials|full|": they join
            ids = [c.value for c in filter_choices(choices, query, keys)]
            by_id = {r.id: r for r in self.rows}
            self.shown = [by_id[i] for i in ids]
        else:
            self.shown = list(self.rows)
        table = self.query_one("#redprop-candidates", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in self.shown:
            mark = _("✓ yes") if r.id in self.marked else "○"
            table.add_row(mark, r.title, t(r.category_zh, r.category_en), r.place, r.due, r.ref, key=str(r.id))
        if self.shown:
            table.move_cursor(row=min(keep, len(self.shown) - 1))

    def toggle_mark(self) -> None:
        table = self.query_one("#redprop-candidates", DataTable)
        key = highlighted_key(table)
        if key is None:
            return
        rid = int(key)
        if rid in self.marked:
            self.marked.remove(rid)
        else:
            self.marked.append(rid)
        row = table.cursor_row
        self._labels_title_only()
        table.update_cell(key, "mark", _("✓ yes") if rid in self.marked else "○")
        table.move_cursor(row=min(row + 1, table.row_count - 1))

    def _labels_title_only(self) -> None:
        self.query_one("#redprop-candidates-title", Label).update(_("Onto the agenda: open property requests of the area (space marks, Enter takes; {count} marked)").format(count=len(self.marked)))

    def on_key(self, event: events.Key) -> None:
        table = self.query_one("#redprop-candidates", DataTable)
        box = self.query_one("#redprop-candidates-filter", Input)
        if table.has_focus and event.is_printable and event.character and event.character != " ":
            event.stop()
            event.prevent_default()
            box.focus()
            box.insert_text_at_cursor(event.character)
        elif box.has_focus and event.key == "down":
            event.stop()
            table.focus()

    @on(Input.Changed, "#redprop-candidates-filter")
    def _filter(self) -> None:
        self._show()

    @on(Input.Submitted, "#redprop-candidates-filter")
    def _submitted(self) -> None:
        self._take([r.id for r in self.shown[:1]])

    @on(DataTable.RowSelected, "#redprop-candidates")
    def _selected(self, event: DataTable.RowSelected) -> None:
        self._take([int(event.row_key.value)])

    def _take(self, fallback: list[int]) -> None:
        if self.busy:
            return
        ids = list(self.marked) or fallback
        if not ids:
            self._error(_("Mark the requests to take first (space)"))
            return
        db, actor, mid = self.db, self.app.actor, self.meeting_id

        def write() -> list[str]:
            with db.session() as s:  # one transaction: all of them or none
                return [svc.add_agenda_item(s, actor=actor, meeting_id=mid, request_id=rid).title for rid in ids]

        self.busy = True
        self.db_work(write, self.dismiss, group="redprop-candidates-write", on_error=self._error)

    def action_cancel(self) -> None:
        self.dismiss(None)
