"""A plugin section's main list: heading, one table, a status line; F2 relabels it.

A subclass names its widget ids, its heading and columns as (zh, en) pairs, reads its
rows off the UI thread (:meth:`ListSection.load`), and turns a row into cells
(:meth:`ListSection.cells`) and the status line (:meth:`ListSection.status`). The
list reloads when the screen comes back on top; the cursor keeps its place.

The table plans its columns for its width (:class:`gongzhi.tui.widgets.columns.FittedTable`):
``FIT`` gives a column's preferred width, importance, narrowest width and whether it
takes the room left (``{"title": (30, 1, 12, True)}``); a column not in ``FIT`` is as
wide as its widest cell, and the later such columns give way first on a narrow terminal.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from sqlmodel import Session
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import Bilingual, t
from gongzhi.tui.widgets.columns import Column, FittedTable


class ListSection(Bilingual, DbWork, Screen):
    HEADING: ClassVar[tuple[str, str]] = ("", "")
    COLUMNS: ClassVar[Sequence[tuple[str, str, str]]] = ()  # (key, zh, en)
    # key -> (preferred width, importance, narrowest width or None, takes the room left)
    FIT: ClassVar[dict[str, tuple[int, int, int | None, bool]]] = {}
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
        yield FittedTable(self._spec(), id=self.TABLE_ID, cursor_type="row", zebra_stripes=True)
        yield Label("", id=self.STATUS_ID, classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        self.query_one(f"#{self.TABLE_ID}", DataTable).focus()
        self.reload()

    def _spec(self) -> tuple[Column, ...]:
        """The columns in the current language (a title shown as it is: already translated)."""
        out = []
        for i, (key, zh, en) in enumerate(self.COLUMNS):
            title = t(zh, en)
            width, importance, narrowest, flex = self.FIT.get(key, (0, 1 if i < 2 else i, 6, False))
            out.append(Column(key, title, width, importance=importance, min_width=narrowest, flex=flex))
        return tuple(out)

    def _columns(self) -> None:
        self.query_one(f"#{self.HEADING_ID}", Label).update(t(*self.HEADING))
        table = self.query_one(f"#{self.TABLE_ID}", FittedTable)
        table.spec = self._spec()
        table.replan(force=True)

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
        table = self.query_one(f"#{self.TABLE_ID}", FittedTable)
        keep = table.cursor_row
        keys = [key for key, _zh, _en in self.COLUMNS]
        table.set_rows([(dict(zip(keys, self.cells(r), strict=True)), str(r.id)) for r in rows])
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one(f"#{self.STATUS_ID}", Label).update(self.status(rows))

    def action_reload(self) -> None:
        self.reload()
