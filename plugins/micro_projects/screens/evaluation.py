"""The year-end evaluation grid (满意度测评), like the council's vote grid: the closed-out
projects above with their tallies, and below, for the selected project, one row per
named representative of the community's meeting — each with the rating they gave it.
The paper ballots are read out one key each — ``1`` satisfied, ``2`` basically
satisfied, ``3`` dissatisfied — on the selected representative's row; the cursor moves
to the next representative once the rating is recorded. Rating a representative again
is a correction: a new row (append-only), and the latest counts. ``a`` adds a
representative (a registered person: every rating names its person). A key pressed
while a rating is still being saved is refused with a warning, never silently dropped;
a refused ballot leaves the cursor and the rows as they were.

``v`` judges the selected project (threshold — the street's by default — and the redo
deadline should it fail); ``r`` asks the residents' council (the deliberation plugin,
when enabled) for the project's round at the representatives' meeting, whose published
ballots come back as ratings and are judged by the same threshold; ``x`` exports its
community's annual review (.docx)."""

from __future__ import annotations

import contextlib
from datetime import date

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label
from textual.widgets.data_table import RowDoesNotExist

from gongzhi.plugins.micro_projects.i18n import N_, _, pair
from gongzhi.plugins.micro_projects.screens import forms
from gongzhi.plugins.micro_projects.screens.common import Translated, percent_text
from gongzhi.plugins.micro_projects.screens.forms import MicroForm
from gongzhi.plugins.micro_projects.screens.forms import parse_date as _date
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.forms import FormError, FormField

RATING_KEYS = {"1": "satisfied", "2": "basically_satisfied", "3": "dissatisfied"}
RATING_TEXT = {"satisfied": N_("Satisfied"), "basically_satisfied": N_("Basically"),
               "dissatisfied": N_("Dissatisfied")}


class EvaluationScreen(Translated, DbWork, Screen):
    BINDINGS = [
        Binding("1", "ballot('satisfied')", N_("Satisfied"), id="micro.rate_satisfied"),
        Binding("2", "ballot('basically_satisfied')", N_("Basically"), id="micro.rate_basically"),
        Binding("3", "ballot('dissatisfied')", N_("Dissatisfied"), id="micro.rate_dissatisfied"),
        # in the help and named on the status line (the footer at 100×30 keeps the ballots)
        Binding("a", "add_representative", N_("Add representative"), id="micro.add_representative", show=False),
        Binding("v", "verdict", N_("Verdict"), id="micro.verdict"),
        Binding("r", "round", N_("Round"), id="micro.request_round"),
        Binding("x", "export", N_("Review .docx"), id="micro.review_export"),
        Binding("escape", "app.pop_screen", N_("Back"), id="micro.back"),
    ]
    DEFAULT_CSS = """
    EvaluationScreen #micro-eval { height: 1fr; }
    EvaluationScreen #micro-eval-reps { height: 1fr; }
    """

    def __init__(self, db, year: int) -> None:
        super().__init__()
        self.db, self.year = db, year
        self.rows: list = []
        self.reps: list = []
        self.reps_of: int | None = None  # the project whose representatives are shown
        # representatives added on this screen who have not rated yet, per (community, year)
        self.added: dict[tuple[int, int], list] = {}
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="micro-eval-heading", classes="panel-title")
        yield DataTable(id="micro-eval", cursor_type="row", zebra_stripes=True)
        yield Label("", id="micro-eval-reps-heading", classes="panel-title")
        yield DataTable(id="micro-eval-reps", cursor_type="row", zebra_stripes=True)
        yield Label("", id="micro-eval-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.query_one("#micro-eval-reps", DataTable).focus()

    def relabel(self) -> None:
        table = self.query_one("#micro-eval", DataTable)
        table.clear(columns=True)
        for text in (N_("Code"), N_("Community"), N_("Project"), N_("Satisfied"), N_("Basically"),
                     N_("Dissatisfied"), N_("Dissatisfied share"), N_("Verdict")):
            table.add_column(_(text))
        reps = self.query_one("#micro-eval-reps", DataTable)
        reps.clear(columns=True)
        for text in (N_("Representative"), N_("Rating"), N_("Corrections")):
            reps.add_column(_(text))
        self.query_one("#micro-eval-heading", Label).update(_("Evaluation {year}").format(year=self.year))
        self.reload()

    # -- reading ------------------------------------------------------------------------

    def reload(self, then=None) -> None:
        from gongzhi.plugins.micro_projects.queries import evaluation_grid, representatives

        db, year = self.db, self.year
        table = self.query_one("#micro-eval", DataTable)
        keep = table.cursor_row
        chosen = self.rows[keep].row.id if self.rows and keep < len(self.rows) else None

        def fetch():
            with db.read_session() as s:
                rows = evaluation_grid(s, year)
                pid = chosen if any(g.row.id == chosen for g in rows) else (rows[0].row.id if rows else None)
                return rows, pid, (representatives(s, pid) if pid is not None else [])

        def show(found) -> None:
            rows, pid, reps = found
            self.show_rows(rows, pid)
            self.show_reps(pid, reps)
            if then is not None:
                then()

        self.db_work(fetch, show, group="micro-eval")

    def show_rows(self, rows: list, selected: int | None = None) -> None:
        from gongzhi.plugins.micro_projects.reports import fmt_share

        self.rows = rows
        table = self.query_one("#micro-eval", DataTable)
        table.clear()
        for g in rows:
            t = g.tally
            verdict = "" if g.verdict_redo is None else (_("Redo") if g.verdict_redo else _("Passed"))
            table.add_row(g.row.code, g.row.community.removesuffix("社区"), g.row.name, str(t.satisfied),
                          str(t.basically_satisfied), str(t.dissatisfied),
                          fmt_share(t.dissatisfied_share) if t.total else "", verdict, key=str(g.row.id))
        if selected is not None:
            with contextlib.suppress(RowDoesNotExist):
                table.move_cursor(row=table.get_row_index(str(selected)))
        self.status(_("{n} projects to evaluate; 1 satisfied · 2 basically · 3 dissatisfied · a adds a representative").format(n=len(rows)))

    def show_reps(self, project_id: int | None, reps: list) -> None:
        from gongzhi.plugins.micro_projects.queries import Representative

        g = self.selected()
        known = {r.name for r in reps}
        extra = [r for r in self.added.get((g.row.community_id, g.row.year), []) if r.name not in known] \
            if g is not None else []
        self.reps_of = project_id
        self.reps = [*reps, *(Representative(r.name, r.person_id, "", 0) for r in extra)]
        table = self.query_one("#micro-eval-reps", DataTable)
        keep = table.cursor_row
        table.clear()
        for i, r in enumerate(self.reps):
            table.add_row(r.name, _(RATING_TEXT[r.rating]) if r.rating else "",
                          str(r.corrections) if r.corrections else "", key=str(i))
        if self.reps:
            table.move_cursor(row=min(keep, len(self.reps) - 1))
        heading = _("Representatives: {code} {name}").format(code=g.row.code, name=g.row.name) if g else ""
        if g is not None and not self.reps:
            heading += _(" (none yet: press a to add one)")
        self.query_one("#micro-eval-reps-heading", Label).update(heading)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.data_table.id != "micro-eval" or event.row_key is None:
            return
        pid = int(event.row_key.value)
        if pid != self.reps_of:
            self._load_reps(pid)

    def _load_reps(self, pid: int, then=None) -> None:
        from gongzhi.plugins.micro_projects.queries import representatives

        db = self.db

        def fetch():
            with db.read_session() as s:
                return representatives(s, pid)

        def show(reps) -> None:
            self.show_reps(pid, reps)
            if then is not None:
                then()

        self.db_work(fetch, show, group="micro-eval-reps")

    def selected(self):
        table = self.query_one("#micro-eval", DataTable)
        if not self.rows or table.cursor_row >= len(self.rows):
            return None
        return self.rows[table.cursor_row]

    def selected_rep(self):
        table = self.query_one("#micro-eval-reps", DataTable)
        if not self.reps or table.cursor_row >= len(self.reps):
            return None
        return self.reps[table.cursor_row]

    def status(self, text: str) -> None:
        self.query_one("#micro-eval-status", Label).update(text)

    # -- ballots ------------------------------------------------------------------------

    def action_ballot(self, rating: str) -> None:
        from gongzhi.plugins.micro_projects import services as svc

        g = self.selected()
        if g is None:
            return
        if self.busy:  # refused visibly: the reader says the ballot again
            message = _("Still saving the last rating: press the key again when it is recorded")
            self.app.notify(message, severity="warning")
            self.status(message)
            return
        rep = self.selected_rep()
        if rep is None or self.reps_of != g.row.id:
            self.app.notify(_("Choose a representative first (a adds one)"), severity="warning")
            return
        db, pid, actor, index = self.db, g.row.id, self.app.actor, self.query_one("#micro-eval-reps", DataTable).cursor_row
        self.busy = True
        self.status(_("Saving {name}: {rating}…").format(name=rep.name, rating=_(RATING_TEXT[rating])))

        def write():
            with db.session() as s:
                return svc.rate(s, actor=actor, project_id=pid, ratings=[(rep.name, rating, rep.person_id)])

        def next_row() -> None:
            table = self.query_one("#micro-eval-reps", DataTable)
            if self.reps:
                table.move_cursor(row=min(index + 1, len(self.reps) - 1))
            self.status(_("{name}: {rating}").format(name=rep.name, rating=_(RATING_TEXT[rating])))

        def done(_result) -> None:
            self.busy = False
            self.reload(then=next_row)

        def failed(message: str) -> None:
            self.busy = False
            self.status("")
            self.app.show_error(message)

        self.db_work(write, done, group="micro-ballot", on_error=failed)

    def action_add_representative(self) -> None:
        g = self.selected()
        if g is None:
            return
        key, pid = (g.row.community_id, g.row.year), g.row.id

        def submit(values):
            from gongzhi.plugins.micro_projects.queries import Representative

            person_id = values["person"]
            if person_id is None:
                raise FormError(_("Choose the representative (a registered resident)"))
            db = self.db

            def find():
                from gongzhi.core.services.people import get_person

                with db.read_session() as s:
                    return Representative(get_person(s, person_id).name, person_id, "", 0)

            return find

        def focus_on(name: str) -> None:
            table = self.query_one("#micro-eval-reps", DataTable)
            names = [r.name for r in self.reps]
            if name in names:
                table.move_cursor(row=names.index(name))
            table.focus()

        def added(rep) -> None:
            if rep is None:
                return
            if any(r.name == rep.name for r in self.reps):
                self.app.notify(_("{name} is already on the grid").format(name=rep.name), severity="warning")
                focus_on(rep.name)
                return
            self.added.setdefault(key, []).append(rep)
            self._load_reps(pid, then=lambda: focus_on(rep.name))

        fields = [FormField("person", *pair(N_("Representative")), kind="person")]
        self.app.push_screen(MicroForm(pair(N_("Add representative")), fields, submit,
                                       form_id="micro-representative-form"), added)

    # -- verdict, round, export ---------------------------------------------------------

    def action_verdict(self) -> None:
        from gongzhi.plugins.micro_projects import services as svc

        g = self.selected()
        if g is None:
            return
        db, pid, actor, year = self.db, g.row.id, self.app.actor, self.year

        def submit(values):
            threshold = svc.parse_threshold(values["threshold"]) if values["threshold"] else None
            deadline = _date(values["deadline"])

            def write():
                with db.session() as s:
                    return svc.decide_evaluation(s, actor=actor, project_id=pid, threshold=threshold,
                                                 new_deadline=deadline)

            return write

        def fetch():
            with db.read_session() as s:
                return svc.redo_threshold(s)

        def show(limit) -> None:
            fields = [
                FormField("threshold", *pair(N_("Dissatisfaction threshold (%)")), value=percent_text(limit)),
                FormField("deadline", *pair(N_("Redo deadline, should it fail (YYYY-MM-DD)")),
                          value=date(year + 1, 6, 30).isoformat()),
            ]
            self.app.push_screen(MicroForm(pair(N_("Verdict")), fields, submit, form_id="micro-verdict-form"),
                                 self._judged)

        self.db_work(fetch, show, group="micro-form-choices")

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
