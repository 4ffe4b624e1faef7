"""The action-item board (落实事项) across meetings, overdue first."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Select

from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.plugins.red_property.models import (
    ActionStatus,
)
from gongzhi.plugins.red_property.queries import (
    BoardRow,
    load_board,
)
from gongzhi.plugins.red_property.screens.common import (
    BINDING_TEXT,
    Bilingual,
    action_step,
    enum_text,
    highlighted_key,
)
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import t
from gongzhi.tui.widgets.pickers import PlacePicker

# -- the action-item board -----------------------------------------------------------------


BOARD_FILTERS: list[tuple[str, str, str]] = [
    ("unfinished", *pair(N_("unfinished (overdue first)"))),
    ("overdue", *pair(N_("overdue"))),
    ("open", *pair(N_("open"))),
    ("in_progress", *pair(N_("in progress"))),
    ("done", *pair(N_("done"))),
    ("dropped", *pair(N_("dropped"))),
    ("all", *pair(N_("all"))),
]
BOARD_COLUMNS = (("status", *pair(N_("Status"))), ("deadline", *pair(N_("Deadline"))), ("title", *pair(N_("Action item"))),
                 ("owner", *pair(N_("Responsible"))), ("meeting", *pair(N_("Meeting"))),
                 ("request", *pair(N_("Request"))), ("note", *pair(N_("Latest note"))))


class ActionBoardScreen(Bilingual, DbWork, Screen):
    """落实事项 / Action items across meetings: overdue first; s / g / d / x on the row."""

    DEFAULT_CSS = """
    ActionBoardScreen #redprop-board { height: 1fr; }
    ActionBoardScreen .toolbar { height: auto; }
    ActionBoardScreen #redprop-board-place { width: 1fr; }
    """
    BINDING_TEXT = BINDING_TEXT
    # by priority: the footer shows the first ones
    BINDINGS = [
        Binding("s", "step('start')", "Start", id="redprop.start_action"),
        Binding("g", "step('progress')", "Progress note", id="redprop.progress"),
        Binding("d", "step('done')", "Done", id="redprop.done_action"),
        Binding("x", "step('drop')", "Drop", id="redprop.drop_action"),
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("r", "reload", "Reload", id="redprop.reload", show=False),
    ]

    def __init__(self, db, *, status: str = "unfinished", place: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.db = db
        self.status = status
        self.place = place
        self.rows: list[BoardRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="redprop-board-heading", classes="panel-title")
        with Horizontal(classes="toolbar"):
            yield Select(self._filter_choices(), value=self.status, allow_blank=False, id="redprop-board-status",
                         classes="wide")
            yield PlacePicker(placeholder=_("filter by community/compound"),
                              kinds=("community", "compound"), id="redprop-board-place")
        yield DataTable(id="redprop-board", cursor_type="row", zebra_stripes=True)
        yield Label("", id="redprop-board-count", classes="status-line")
        yield Footer()

    @staticmethod
    def _filter_choices() -> list[tuple[str, str]]:
        return [(t(zh, en), key) for key, zh, en in BOARD_FILTERS]

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        if self.place is not None:
            self.query_one("#redprop-board-place", PlacePicker).select(*self.place)
        self.query_one("#redprop-board", DataTable).focus()
        self.reload()

    def _columns(self) -> None:
        self.query_one("#redprop-board-heading", Label).update(_("Action items across meetings, overdue first (s start, g progress, d done, x drop)"))
        table = self.query_one("#redprop-board", DataTable)
        table.clear(columns=True)
        for key, zh, en in BOARD_COLUMNS:
            table.add_column(t(zh, en), key=key)

    def refresh_language(self) -> None:
        super().refresh_language()
        self._columns()
        box = self.query_one("#redprop-board-status", Select)
        with box.prevent(Select.Changed):
            box.set_options(self._filter_choices())
            box.value = self.status
        self._show(self.rows)

    def on_screen_resume(self) -> None:
        self.reload()

    @on(Select.Changed, "#redprop-board-status")
    def _status(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and event.value != self.status:
            self.status = str(event.value)
            self.reload()

    @on(PlacePicker.Changed, "#redprop-board-place")
    def _place(self, event: PlacePicker.Changed) -> None:
        place = (event.value, event.text) if event.value is not None else None
        if place != self.place:
            self.place = place
            self.reload()

    def reload(self) -> None:
        db, status, place_id = self.db, self.status, self.place[0] if self.place else None

        def fetch() -> list[BoardRow]:
            with db.read_session() as s:
                return load_board(s, status=status, place_id=place_id)

        self.db_work(fetch, self._show, group="redprop-board")

    def _show(self, rows: list[BoardRow]) -> None:
        self.rows = rows
        table = self.query_one("#redprop-board", DataTable)
        keep = table.cursor_row
        table.clear()
        overdue = 0
        for r in rows:
            status = enum_text(ActionStatus, r.status)
            if r.days_overdue:
                overdue += 1
                status += _(" ({days_overdue} d)").format(days_overdue=r.days_overdue)
            table.add_row(status, r.deadline, r.title, r.owner, t(r.meeting_zh, r.meeting_en), r.request_ref or "",
                          r.note, key=str(r.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#redprop-board-count", Label).update(
            _("{count} items, {overdue} overdue").format(count=len(rows), overdue=overdue))

    def action_step(self, step: str) -> None:
        key = highlighted_key(self.query_one("#redprop-board", DataTable))
        row = next((r for r in self.rows if str(r.id) == key), None) if key else None
        if row is None:
            return
        action_step(self, step, row.id, row.title, self.reload)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
