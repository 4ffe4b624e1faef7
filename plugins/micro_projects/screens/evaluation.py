"""The year-end evaluation grid (满意度测评): one row per closed-out project, the
ballots of the residents' representatives counted one key each — ``1`` satisfied,
``2`` basically satisfied, ``3`` dissatisfied — as the paper ballots are read out.
A refused ballot leaves the cursor and the other rows as they were. ``v`` judges the
selected project (threshold, and the redo deadline should it fail); ``r`` asks the
residents' council (the deliberation plugin, when enabled) for the project's round at
the representatives' meeting, whose published ballots come back as ratings and are
judged by the same threshold; ``x`` exports its community's annual review (.docx)."""

from __future__ import annotations

from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.core.services.base import Actor
from gongzhi.plugins.micro_projects.i18n import N_, _
from gongzhi.plugins.micro_projects.screens import forms
from gongzhi.plugins.micro_projects.screens.common import Translated
from gongzhi.plugins.micro_projects.screens.forms import MicroForm
from gongzhi.plugins.micro_projects.screens.forms import parse_date as _date
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.forms import FormField

RATING_KEYS = {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"}


class EvaluationScreen(Translated, DbWork, Screen):
    BINDINGS = [
        Binding("1", "ballot('satisfied')", N_("Satisfied"), id="micro.rate_satisfied"),
        Binding("2", "ballot('basically_satisfied')", N_("Basically"), id="micro.rate_basically"),
        Binding("3", "ballot('dissatisfied')", N_("Dissatisfied"), id="micro.rate_dissatisfied"),
        Binding("v", "verdict", N_("Verdict"), id="micro.verdict"),
        Binding("r", "round", N_("Round"), id="micro.request_round"),
        Binding("x", "export", N_("Review .docx"), id="micro.review_export"),
        Binding("escape", "app.pop_screen", N_("Back"), id="micro.back"),
    ]

    def __init__(self, db, year: int) -> None:
        super().__init__()
        self.db, self.year = db, year
        self.rows: list = []
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="micro-eval-heading", classes="panel-title")
        yield DataTable(id="micro-eval", cursor_type="row", zebra_stripes=True)
        yield Label("", id="micro-eval-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.query_one("#micro-eval", DataTable).focus()

    def relabel(self) -> None:
        table = self.query_one("#micro-eval", DataTable)
        table.clear(columns=True)
        for text in (N_("Code"), N_("Community"), N_("Project"), N_("Satisfied"), N_("Basically"),
                     N_("Dissatisfied"), N_("Dissatisfied share"), N_("Verdict")):
            table.add_column(_(text))
        self.query_one("#micro-eval-heading", Label).update(_("Evaluation {year}").format(year=self.year))
        self.reload()

    def reload(self) -> None:
        from gongzhi.plugins.micro_projects.queries import evaluation_grid

        db, year = self.db, self.year

        def fetch():
            with db.read_session() as s:
                return evaluation_grid(s, year)

        self.db_work(fetch, self.show_rows, group="micro-eval")

    def show_rows(self, rows: list) -> None:
        from gongzhi.plugins.micro_projects.reports import fmt_share

        self.rows = rows
        table = self.query_one("#micro-eval", DataTable)
        keep = table.cursor_row
        table.clear()
        for g in rows:
            t = g.tally
            verdict = "" if g.verdict_redo is None else (_("Redo") if g.verdict_redo else _("Passed"))
            table.add_row(g.row.code, g.row.community.removesuffix("社区"), g.row.name, str(t.satisfied),
                          str(t.basically_satisfied), str(t.dissatisfied),
                          fmt_share(t.dissatisfied_share) if t.total else "", verdict, key=str(g.row.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#micro-eval-status", Label).update(
            _("{n} projects to evaluate; 1 satisfied · 2 basically · 3 dissatisfied").format(n=len(rows)))

    def selected(self):
        table = self.query_one("#micro-eval", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def _actor(self) -> Actor:
        return Actor(self.app.settings.operator)

    def action_ballot(self, rating: str) -> None:
        from gongzhi.plugins.micro_projects import services as svc

        g = self.selected()
        if g is None or self.busy:
            return
        db, pid, actor, number = self.db, g.row.id, self._actor(), g.tally.total + 1
        self.busy = True

        def write():
            with db.session() as s:
                return svc.rate(s, actor=actor, project_id=pid,
                                ratings=[(_("Representative {n}").format(n=number), rating)])

        def done(_result) -> None:
            self.busy = False
            self.reload()

        def failed(message: str) -> None:
            self.busy = False
            self.app.show_error(message)

        self.db_work(write, done, group="micro-ballot", on_error=failed)

    def action_verdict(self) -> None:
        from gongzhi.plugins.micro_projects import services as svc

        g = self.selected()
        if g is None:
            return
        db, pid, actor = self.db, g.row.id, self._actor()

        def submit(values):
            threshold = svc.parse_threshold(values["threshold"] or "70")
            deadline = _date(values["deadline"])

            def write():
                with db.session() as s:
                    return svc.decide_evaluation(s, actor=actor, project_id=pid, threshold=threshold,
                                                 new_deadline=deadline)

            return write

        fields = [
            FormField("threshold", _("Dissatisfaction threshold (%)"), _("Dissatisfaction threshold (%)"),
                      value="70"),
            FormField("deadline", _("Redo deadline, should it fail (YYYY-MM-DD)"),
                      _("Redo deadline, should it fail (YYYY-MM-DD)"),
                      value=date(self.year + 1, 6, 30).isoformat()),
        ]
        self.app.push_screen(MicroForm(_("Verdict"), fields, submit, form_id="micro-verdict-form"), self._judged)

    def action_round(self) -> None:
        g = self.selected()
        if g is None:
            return
        forms.round_request(self, g.row.id, self.year, self._asked)

    def _asked(self, payload) -> None:
        if payload is not None:
            self.app.notify(_("Round asked for {code}: it opens in the residents' council when that plugin is "
                              "enabled; otherwise enter the ratings here").format(code=payload["code"]), timeout=8)

    def _judged(self, verdict) -> None:
        if verdict is not None:
            self.app.notify(_("Redo ordered") if verdict.redo else _("Passed"))
            self.reload()

    def action_export(self) -> None:
        from gongzhi.plugins.micro_projects.reports import write_annual_review_docx
        from gongzhi.tui.widgets.forms import export_path

        g = self.selected()
        if g is None:
            return
        db, year, community_id = self.db, self.year, g.row.community_id
        path = export_path("micro", stem=f"{g.row.community}{year}述职评议", fmt="docx")

        def run():
            path.parent.mkdir(parents=True, exist_ok=True)
            with db.read_session() as s:
                return write_annual_review_docx(s, community_id, year, path)

        self.db_work(run, lambda p: self.app.notify(_("Written: {path}").format(path=p)), group="micro-export")
