"""The drill-down: the requests behind a hot spot (a compound) or a word, in a month."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.core.models.vocab import Status
from gongzhi.plugins.insights.i18n import N_, _
from gongzhi.plugins.insights.screens.common import Translated
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import enum_label


class DrillScreen(Translated, DbWork, Screen):
    BINDINGS = [Binding("escape", "app.pop_screen", N_("Back"), id="insights.drill_back")]

    def __init__(self, db, period, *, compound_id: int | None = None, term: str | None = None,
                 heading: str = "") -> None:
        super().__init__()
        self.db, self.period = db, period
        self.compound_id, self.term, self.heading = compound_id, term, heading
        self.rows: list[dict] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="insights-drill-title", classes="panel-title")
        yield DataTable(id="insights-drill", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        from gongzhi.plugins.insights.queries import requests_of

        db, period, compound_id, term = self.db, self.period, self.compound_id, self.term

        def fetch():
            with db.read_session() as s:
                return requests_of(s, period, compound_id=compound_id, term=term)

        self.db_work(fetch, self.show, group="insights-drill")

    def show(self, rows) -> None:
        self.rows = rows
        self.relabel()

    def relabel(self) -> None:
        self.query_one("#insights-drill-title", Label).update(
            _("{heading} · {period}: {count} requests").format(heading=self.heading, period=self.period.label,
                                                               count=len(self.rows)))
        table = self.query_one("#insights-drill", DataTable)
        table.clear(columns=True)
        table.add_columns(_("Ref"), _("Day"), _("Title"), _("Status"))
        for r in self.rows:
            table.add_row(r["ref"], r["day"], r["title"], enum_label(Status, r["status"]))
