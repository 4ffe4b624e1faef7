"""The section: the year's micro-projects across the street, by community and status.

Enter opens a project; ``f`` the fund, ``e`` the evaluation grid; ``[`` / ``]`` the
year before / after; ``s`` cycles the status filter; ``x`` exports the selected
project's community list as the publicity notice (.docx) and ``X`` as Excel; ``n``
enters a new project on a list still collecting or reviewing (directly or from
requests), ``l`` opens a community's list for the year; ``o`` shows the objections
raised against the year's lists and answers them.
"""

from __future__ import annotations

from collections import Counter

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.plugins.micro_projects.i18n import N_, _
from gongzhi.plugins.micro_projects.screens.common import (
    Translated,
    category_label,
    status_label,
    yuan,
)
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.columns import Column, FittedTable

STATUS_CYCLE = (None, "planned", "in_progress", "done", "redo", "passed", "candidate", "rejected")


class BoardScreen(Translated, DbWork, Screen):
    BINDINGS = [
        Binding("enter", "open", N_("Open"), id="micro.open"),
        Binding("f", "fund", N_("Fund"), id="micro.fund"),
        Binding("e", "evaluate", N_("Evaluation"), id="micro.evaluate"),
        Binding("x", "export('docx')", N_("Notice .docx"), id="micro.export_docx"),
        Binding("X", "export('xlsx')", N_("Notice .xlsx"), id="micro.export_xlsx"),
        Binding("n", "new_project", N_("New project"), id="micro.new_project"),
        Binding("l", "new_list", N_("New list"), id="micro.new_list"),
        Binding("s", "status", N_("Status filter"), id="micro.status"),
        Binding("o", "objections", N_("Objections"), id="micro.objections", show=False),
        Binding("left_square_bracket", "year(-1)", N_("Year before"), id="micro.year_before"),
        Binding("right_square_bracket", "year(1)", N_("Year after"), id="micro.year_after"),
        Binding("escape", "app.pop_screen", N_("Back"), id="micro.back"),
    ]

    def __init__(self, db, year: int | None = None) -> None:
        super().__init__()
        from gongzhi.plugins.micro_projects.services import today

        self.db = db
        self.year = year or today().year
        self.status_filter: str | None = None
        self.rows: list = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="micro-board-heading", classes="panel-title")
        yield FittedTable((), id="micro-board", cursor_type="row", zebra_stripes=True)
        yield Label("", id="micro-board-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.query_one("#micro-board", DataTable).focus()

    def on_screen_resume(self) -> None:
        self.reload()

    def relabel(self) -> None:
        table = self.query_one("#micro-board", FittedTable)
        # most important first to stay on a narrow terminal: code, project, status; then
        # community, progress, category, deadline, money, linked requests
        table.spec = tuple(
            Column(key, _(text), 0, importance=importance, min_width=narrowest, flex=key == "name")
            for key, text, importance, narrowest in (
                ("code", N_("Code"), 1, None), ("community", N_("Community"), 3, 6), ("name", N_("Project"), 1, 8),
                ("category", N_("Category"), 5, 6), ("status", N_("Status"), 2, 6),
                ("progress", N_("Progress"), 4, None), ("deadline", N_("Deadline"), 6, None),
                ("budget", N_("Budget (yuan)"), 7, None), ("spent", N_("Spent"), 8, None),
                ("requests", N_("Requests"), 9, None)))
        table.replan(force=True)
        self.reload()

    def reload(self) -> None:
        from gongzhi.plugins.micro_projects.queries import board

        db, year, status = self.db, self.year, self.status_filter

        def fetch():
            with db.read_session() as s:
                return board(s, year, status=status)

        self.db_work(fetch, self.show_rows, group="micro-board")

    def show_rows(self, rows: list) -> None:
        from gongzhi.plugins.micro_projects.services import today

        self.rows = rows
        table = self.query_one("#micro-board", FittedTable)
        keep = table.cursor_row
        now = today()
        table.set_rows([
            ({"code": r.code, "community": r.community.removesuffix("社区"), "name": r.name,
              "category": category_label(r.category), "status": status_label(r.status) + (
                  _(" (late)") if r.overdue(now) else ""),
              "progress": f"{r.progress}%", "deadline": r.deadline.isoformat() if r.deadline else "",
              "budget": yuan(r.budget), "spent": yuan(r.spent), "requests": str(r.requests) if r.requests else ""},
             str(r.id))
            for r in rows])
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        heading = _("Micro-projects {year}").format(year=self.year)
        if self.status_filter:
            heading += " · " + status_label(self.status_filter)
        self.query_one("#micro-board-heading", Label).update(heading)
        counts = Counter(r.status for r in rows)
        parts = [f"{status_label(k)} {v}" for k, v in sorted(counts.items())]
        late = sum(1 for r in rows if r.overdue(now))
        line = _("{n} projects").format(n=len(rows)) + ("：" if lang_is_zh() else ": ") + "，".join(parts)
        if late:
            line += " · " + _("{n} late").format(n=late)
        self.query_one("#micro-board-status", Label).update(line)

    def selected(self):
        table = self.query_one("#micro-board", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        # Enter on the table selects its row: that opens the project
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        from gongzhi.plugins.micro_projects.screens.project import ProjectScreen

        row = self.selected()
        if row is not None:
            self.app.push_screen(ProjectScreen(self.db, row.id))

    def action_fund(self) -> None:
        from gongzhi.plugins.micro_projects.screens.fund import FundScreen

        self.app.push_screen(FundScreen(self.db, self.year))

    def action_evaluate(self) -> None:
        from gongzhi.plugins.micro_projects.screens.evaluation import EvaluationScreen

        self.app.push_screen(EvaluationScreen(self.db, self.year))

    def action_objections(self) -> None:
        from gongzhi.plugins.micro_projects.screens.objections import ObjectionsScreen

        self.app.push_screen(ObjectionsScreen(self.db, self.year))

    def action_new_project(self) -> None:
        from gongzhi.plugins.micro_projects.screens import forms

        row = self.selected()
        forms.new_project(self, self.year, self._added, community_id=row.community_id if row else None)

    def _added(self, project) -> None:
        if project is not None:
            self.app.notify(_("Added {code}").format(code=project.code))
            self.reload()

    def action_new_list(self) -> None:
        from gongzhi.plugins.micro_projects.screens import forms

        forms.new_list(self, self.year, self._list_opened)

    def _list_opened(self, plist) -> None:
        if plist is not None:
            self.app.notify(_("List opened for {year}: add its projects with n").format(year=plist.year))
            if plist.year != self.year:
                self.year = plist.year
            self.reload()

    def action_status(self) -> None:
        i = STATUS_CYCLE.index(self.status_filter)
        self.status_filter = STATUS_CYCLE[(i + 1) % len(STATUS_CYCLE)]
        self.reload()

    def action_year(self, step: int) -> None:
        self.year += step
        self.reload()

    def action_export(self, fmt: str) -> None:
        from gongzhi.plugins.micro_projects.models import Project
        from gongzhi.plugins.micro_projects.reports import (
            write_publicity_docx,
            write_publicity_xlsx,
        )
        from gongzhi.tui.widgets.forms import export_path

        row = self.selected()
        if row is None:
            self.app.show_error(_("Choose a project of the list to export first"))
            return
        db = self.db
        path = export_path("micro", stem=f"{row.community}{row.year}微实事公示", fmt=fmt)
        write = write_publicity_docx if fmt == "docx" else write_publicity_xlsx

        def run():
            path.parent.mkdir(parents=True, exist_ok=True)
            with db.read_session() as s:
                return write(s, s.get(Project, row.id).list_id, path)

        self.db_work(run, lambda p: self.app.notify(_("Written: {path}").format(path=p)), group="micro-export")


def lang_is_zh() -> bool:
    from gongzhi.plugins.micro_projects.screens.common import lang

    return lang() == "zh"
