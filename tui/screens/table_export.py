"""Any list on screen to an .xlsx workbook (issue 17: every list view also as .xlsx).

``ctrl+e`` (an app key, shown in the help) writes the table that has the focus — or the
first list of the screen — as it is filtered: its columns, and the whole filtered list,
not only the rows loaded. A section whose list is capped or paged (people: the first
100; the audit log: the latest 500; requests: one page) says how to read it whole with
``export_source(table)``: a function of a database session, made on the UI thread with
the filter of the moment and run in a worker, returning the table's columns' titles and
every row, whole (:func:`full_rows`). Other lists are written as they are. The header is
frozen and the columns sized (core.services.sheets). The file is asked for first; an
existing one is never overwritten.

Personal data (people's names, phones, households, reporters; numbers typed into the
text) is withheld as ``gongzhi export`` withholds it (core.services.sheets.strip_table),
unless the operator holds ``export.personal`` and switches it on here (off by default).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label
from textual.worker import Worker, WorkerState

from gongzhi.core.errors import DomainError
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import translate_bindings
from gongzhi.tui.widgets.toggle import Toggle

# the sections whose lists are of things, not people: their "name" columns are kept
THING_SECTIONS = frozenset({"places", "orgs", "dashboard", "settings", "help"})


def plain(value: Any) -> str:
    return value.plain if isinstance(value, Text) else ("" if value is None else str(value))


def table_rows(table: DataTable) -> tuple[list[str], list[list[str]]]:
    """The table's column titles and rows as plain text."""
    header = [Text.from_markup(str(c.label)).plain if not isinstance(c.label, Text) else c.label.plain
              for c in table.columns.values()]
    rows = []
    for i in range(table.row_count):
        rows.append([plain(v) for v in table.get_row_at(i)])
    return header, rows


def full_rows(plan: Any, rows: Any) -> tuple[list[str], list[list[Any]]]:
    """The planned columns' whole titles and each row's whole values (``rows``: mappings by
    column key), not cut to the width the screen gives them."""
    columns = plan.columns
    return [_(c.title) for c in columns], [[plain(r.get(c.key, "")) for c in columns] for r in rows]


def export_source(table: DataTable) -> Callable[[Any], tuple[list[str], list[list[Any]]]] | None:
    """How to read the table's whole filtered list: from the first of its ancestors that
    knows (``export_source(table)``), else None (the table holds its whole list)."""
    for node in table.ancestors_with_self:
        source = getattr(node, "export_source", None)
        if callable(source) and node is not table:
            found = source(table)
            if found is not None:
                return found
    return None


def default_path(name: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Path.home() / f"{name}-{stamp}.xlsx"


class TableExportScreen(ModalScreen[Path | None]):
    """Where to write the list; Enter writes it (the whole filtered list, in a worker)."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="table_export.cancel")]

    def __init__(self, table: DataTable, name: str) -> None:
        super().__init__()
        self.header, self.rows = table_rows(table)
        self.source = export_source(table)
        self.name_ = name
        self.worker: Worker | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="table-export-form"):
            yield Label(_("Export this list to Excel (.xlsx)"), classes="panel-title")
            shown = (_("the whole filtered list") if self.source is not None
                     else _("{rows} rows, as shown").format(rows=len(self.rows)))
            yield Label(shown, classes="status-line", id="table-export-rows")
            yield Label(_("File"), classes="field-label")
            yield Input(str(default_path(self.name_)), id="table-export-path")
            personal = Toggle(_("Personal data"), False, on_text=_("included (names and numbers as recorded)"),
                              off_text=_("left out (names withheld, numbers masked)"), id="table-export-personal")
            personal.display = self.app.may("export.personal")
            yield personal
            yield Label("", id="table-export-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Export"), id="table-export-start", variant="primary")
                yield Button(_("Cancel"), id="table-export-cancel")

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#table-export-path", Input).focus()

    def _error(self, message: str) -> None:
        self.query_one("#table-export-error", Label).update(message)
        self.app.notify(message, severity="error")
        self.query_one("#table-export-start", Button).disabled = False

    @on(Input.Submitted, "#table-export-path")
    @on(Button.Pressed, "#table-export-start")
    def start(self) -> None:
        from gongzhi.core.services.base import check_output_path

        if self.worker is not None and self.worker.is_running:
            return
        raw = self.query_one("#table-export-path", Input).value.strip()
        try:
            path = Path(raw).expanduser()
            if path.suffix.lower() != ".xlsx":
                raise DomainError("input.invalid", field=_("File"), value=raw)
            check_output_path(path)  # before any work
        except DomainError as exc:
            self._error(exc.message(i18n.language()))
            return
        toggle = self.query_one("#table-export-personal", Toggle)
        personal = bool(toggle.display and toggle.value)
        header, shown, source, lang, db = self.header, self.rows, self.source, i18n.language(), self.app.db
        names = self.name_ not in THING_SECTIONS
        self.query_one("#table-export-start", Button).disabled = True

        def job() -> tuple[Path, int] | str:
            from gongzhi.core.services.sheets import strip_table, write_xlsx

            try:
                titles, rows = header, shown
                if source is not None:
                    with db.read_session() as s:
                        titles, rows = source(s)
                if not personal:
                    rows = strip_table(titles, rows, names=names, lang=lang)
                return write_xlsx(check_output_path(path), titles, rows), len(rows)
            except DomainError as exc:
                return exc.message(lang)

        self.worker = self.run_worker(job, thread=True, exclusive=True, group="table-export")

    @on(Worker.StateChanged)
    def _finished(self, event: Worker.StateChanged) -> None:
        if event.worker is not self.worker or event.state != WorkerState.SUCCESS:
            if event.worker is self.worker and event.state == WorkerState.ERROR:
                self._error(str(event.worker.error))
            return
        result = event.worker.result
        if isinstance(result, str):
            self._error(result)
            return
        path, rows = result
        self.app.notify(_("Exported {rows} rows to {path}").format(rows=rows, path=path))
        self.dismiss(path)

    @on(Button.Pressed, "#table-export-cancel")
    def action_cancel(self) -> None:
        if self.worker is not None and self.worker.is_running:
            self.worker.cancel()
        self.dismiss(None)
