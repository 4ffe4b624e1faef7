"""A plugin section's main list: heading, one table, a status line; F2 relabels it.

A subclass names its widget ids, its heading and columns as (zh, en) pairs, reads its
rows off the UI thread (:meth:`ListSection.load`), and turns a row into cells
(:meth:`ListSection.cells`) and the status line (:meth:`ListSection.status`). The
list reloads when the screen comes back on top; the cursor keeps its place.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlmodel import Session
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, t


class ListSection(Bilingual, DbWork, Screen):
    HEADING: ClassVar[tuple[str, str]] = ("", "")
    COLUMNS: ClassVar[Sequence[tuple[str, str, str]]] = ()  # (key, zh, en)
    HEADING_ID: ClassVar[str] = ""
    TABLE_ID: ClassVar[str] = ""
    STATUS_ID: ClassVar[str] = ""

    def __init__(self, db) -> None:
        super().__init__()
        self.db = db
        self.rows: list[Any] = []

    # -- what a subclass gives ------------------------------------------------------

    def load(self, session: Session) -> list[Any]:
        raise NotImplementedError

    def cells(self, row: Any) -> Sequence[Any]:
        raise NotImplementedError

    def status(self, rows: list[Any]) -> str:
        return ""

    # -- the frame --------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id=self.HEADING_ID, classes="panel-title")
        yield DataTable(id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        yield Label("", id=self.STATUS_ID, classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        self.query_one(f"#{self.TABLE_ID}", DataTable).focus()
        self.reload()

    def _columns(self) -> None:
        self.query_one(f"#{self.HEADING_ID}", Label).update(t(*self.HEADING))
        table = self.query_one(f"#{self.TABLE_ID}", DataTable)
        table.clear(columns=True)
        for key, zh, en in self.COLUMNS:
            table.add_column(t(zh, en), key=key)

    def refresh_language(self) -> None:
        super().refresh_language()
        self._columns()
        self._show(self.rows)

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        db = self.db

        def fetch() -> list[Any]:
            with db.read_session() as s:
                return self.load(s)

        self.db_work(fetch, self._show, group=self.TABLE_ID)

    def _show(self, rows: list[Any]) -> None:
        self.rows = rows
        table = self.query_one(f"#{self.TABLE_ID}", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            table.add_row(*self.cells(r), key=str(r.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one(f"#{self.STATUS_ID}", Label).update(self.status(rows))

    def action_reload(self) -> None:
        self.reload()
