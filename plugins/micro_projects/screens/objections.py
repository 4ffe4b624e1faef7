"""The objections raised against the year's lists while they were posted (张榜公示期间的
异议), with their answers: community, project (if one was named), who raised it, when,
what, and the answer. ``a`` answers the selected objection (dated today); an answered
one is refused with the day it was answered."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.plugins.micro_projects.i18n import N_, _
from gongzhi.plugins.micro_projects.screens.common import Translated
from gongzhi.tui.widgets.base import DbWork


class ObjectionsScreen(Translated, DbWork, Screen):
    BINDINGS = [
        Binding("a", "answer", N_("Answer"), id="micro.objection_answer"),
        Binding("escape", "app.pop_screen", N_("Back"), id="micro.back"),
    ]

    def __init__(self, db, year: int) -> None:
        super().__init__()
        self.db, self.year = db, year
        self.rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="micro-objections-heading", classes="panel-title")
        yield DataTable(id="micro-objections", cursor_type="row", zebra_stripes=True)
        yield Label("", id="micro-objections-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.query_one("#micro-objections", DataTable).focus()

    def relabel(self) -> None:
        table = self.query_one("#micro-objections", DataTable)
        table.clear(columns=True)
        for text in (N_("No."), N_("Community"), N_("Project"), N_("Raised by"), N_("Date"), N_("Objection"),
                     N_("Answer"), N_("Answered on")):
            table.add_column(_(text))
        self.query_one("#micro-objections-heading", Label).update(_("Objections {year}").format(year=self.year))
        self.reload()

    def reload(self) -> None:
        from gongzhi.plugins.micro_projects.queries import objections

        db, year = self.db, self.year

        def fetch():
            with db.read_session() as s:
                return objections(s, year)

        self.db_work(fetch, self.show_rows, group="micro-objections")

    def show_rows(self, rows: list) -> None:
        self.rows = rows
        table = self.query_one("#micro-objections", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            table.add_row(str(r.id), r.community.removesuffix("社区"), r.project_code, r.raised_by,
                          r.raised_on.isoformat(), r.content, r.answer,
                          r.answered_on.isoformat() if r.answered_on else "", key=str(r.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        waiting = sum(1 for r in rows if r.answered_on is None)
        self.query_one("#micro-objections-status", Label).update(
            _("{n} objections, {waiting} not answered").format(n=len(rows), waiting=waiting))

    def selected(self):
        table = self.query_one("#micro-objections", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def action_answer(self) -> None:
        from gongzhi.plugins.micro_projects.screens import forms

        row = self.selected()
        if row is None:
            return
        forms.answer_objection(self, row.id, self._answered)

    def _answered(self, objection) -> None:
        if objection is not None:
            self.app.notify(_("Objection {id} answered").format(id=objection.id))
            self.reload()
