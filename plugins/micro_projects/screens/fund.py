"""The year's special fund: its total and what is allocated and spent, with a bar
chart by community and one by category. ``a`` allocates money to one of the year's
projects (or takes unspent money back), ``t`` sets the year's total, ``x`` exports it
as Excel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, Label

from gongzhi.plugins.micro_projects.i18n import N_, _
from gongzhi.plugins.micro_projects.screens.common import Translated, category_label, yuan
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.charts import Bar, BarChart


class FundScreen(Translated, DbWork, Screen):
    BINDINGS = [
        Binding("a", "allocate", N_("Allocate"), id="micro.fund_allocate"),
        Binding("t", "total", N_("Set total"), id="micro.fund_total"),
        Binding("x", "export", N_("Export .xlsx"), id="micro.fund_export"),
        Binding("escape", "app.pop_screen", N_("Back"), id="micro.back"),
    ]

    def __init__(self, db, year: int) -> None:
        super().__init__()
        self.db, self.year = db, year
        self.report = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Label("", id="micro-fund-title", classes="panel-title")
            yield Label("", id="micro-fund-summary")
            yield Label("", id="micro-fund-community-title", classes="panel-title")
            yield BarChart(id="micro-fund-community", max_label_width=12)
            yield Label("", id="micro-fund-category-title", classes="panel-title")
            yield BarChart(id="micro-fund-category", max_label_width=12)
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.relabel()

    def relabel(self) -> None:
        from gongzhi.plugins.micro_projects.queries import fund_report

        db, year = self.db, self.year

        def fetch():
            with db.read_session() as s:
                return fund_report(s, year)

        self.db_work(fetch, self.show_report, group="micro-fund")

    def show_report(self, report) -> None:
        self.report = report
        self.query_one("#micro-fund-title", Label).update(_("Special fund {year}").format(year=report.year))
        if report.total is None:
            summary = _("No fund has been set for {year}").format(year=report.year)
        else:
            summary = _("Total {total} · allocated {allocated} · spent {spent} · left {left} yuan").format(
                total=yuan(report.total), allocated=yuan(report.allocated), spent=yuan(report.spent),
                left=yuan(report.total - report.allocated))
        self.query_one("#micro-fund-summary", Label).update(summary)
        self.query_one("#micro-fund-community-title", Label).update(_("Allocated by community (yuan)"))
        self.query_one("#micro-fund-category-title", Label).update(_("Allocated by category (yuan)"))
        empty = _("Nothing allocated yet")
        self.query_one("#micro-fund-community", BarChart).set_bars(
            [Bar(x.key.removesuffix("社区"), x.allocated, f"{yuan(x.allocated)} / {yuan(x.spent)}")
             for x in report.by_community], empty=empty)
        self.query_one("#micro-fund-category", BarChart).set_bars(
            [Bar(category_label(x.key), x.allocated, yuan(x.allocated)) for x in report.by_category],
            empty=empty)

    def action_allocate(self) -> None:
        from gongzhi.plugins.micro_projects.screens import forms

        forms.allocate(self, self._written, year=self.year)

    def action_total(self) -> None:
        from gongzhi.plugins.micro_projects.screens import forms

        forms.fund_total(self, self.year, self.report.total if self.report else None, self._written)

    def _written(self, result) -> None:
        if result is not None:
            self.app.notify(_("Saved"))
            self.relabel()

    def action_export(self) -> None:
        from gongzhi.plugins.micro_projects.reports import write_fund_xlsx
        from gongzhi.tui.widgets.forms import export_path

        db, year = self.db, self.year
        path = export_path("micro", stem=f"{year}微实事专项资金", fmt="xlsx")

        def run():
            path.parent.mkdir(parents=True, exist_ok=True)
            with db.read_session() as s:
                return write_fund_xlsx(s, year, path)

        self.db_work(run, lambda p: self.app.notify(_("Written: {path}").format(path=p)), group="micro-export")
