"""Any list on screen to an .xlsx workbook (issue 17: every list view also as .xlsx).

``ctrl+e`` (an app key, shown in the help) writes the table that has the focus — or the
first list of the screen — as it is filtered: its columns and every row it holds (the
request list holds one page; F9 there exports the whole filtered list). The header is
frozen and the columns sized (core.services.sheets). The file is asked for first;
an existing one is never overwritten.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label

from gongzhi.core.errors import DomainError
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import translate_bindings


def table_rows(table: DataTable) -> tuple[list[str], list[list[str]]]:
    """The table's column titles and rows as plain text."""
    header = [Text.from_markup(str(c.label)).plain if not isinstance(c.label, Text) else c.label.plain
              for c in table.columns.values()]
    rows = []
    for i in range(table.row_count):
        rows.append([v.plain if isinstance(v, Text) else ("" if v is None else str(v)) for v in table.get_row_at(i)])
    return header, rows


def default_path(name: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Path.home() / f"{name}-{stamp}.xlsx"


class TableExportScreen(ModalScreen[Path | None]):
    """Where to write the list; Enter writes it."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="table_export.cancel")]

    def __init__(self, table: DataTable, name: str) -> None:
        super().__init__()
        self.header, self.rows = table_rows(table)
        self.name_ = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="table-export-form"):
            yield Label(_("Export this list to Excel (.xlsx)"), classes="panel-title")
            yield Label(_("{rows} rows, as shown").format(rows=len(self.rows)), classes="status-line")
            yield Label(_("File"), classes="field-label")
            yield Input(str(default_path(self.name_)), id="table-export-path")
            yield Label("", id="table-export-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Export"), id="table-export-start", variant="primary")
                yield Button(_("Cancel"), id="table-export-cancel")

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#table-export-path", Input).focus()

    @on(Input.Submitted, "#table-export-path")
    @on(Button.Pressed, "#table-export-start")
    def start(self) -> None:
        from gongzhi.core.services.base import check_output_path
        from gongzhi.core.services.sheets import write_xlsx

        raw = self.query_one("#table-export-path", Input).value.strip()
        try:
            path = Path(raw).expanduser()
            if path.suffix.lower() != ".xlsx":
                raise DomainError("input.invalid", field=_("File"), value=raw)
            write_xlsx(check_output_path(path), self.header, self.rows)
        except DomainError as exc:
            message = exc.message(i18n.language())
            self.query_one("#table-export-error", Label).update(message)
            self.app.notify(message, severity="error")
            return
        self.app.notify(_("Exported {rows} rows to {path}").format(rows=len(self.rows), path=path))
        self.dismiss(path)

    @on(Button.Pressed, "#table-export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
