"""A project's page: what was promised, the money, its milestones and the requests it
came from. ``a`` allocates money from the year's fund (or takes unspent money back),
``s`` records spending, ``p`` records progress, ``c`` closes it out (evidence and the
responsible body's note), ``Esc`` goes back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label, Static

from gongzhi.core.errors import DomainError
from gongzhi.core.services.base import Actor
from gongzhi.plugins.micro_projects.i18n import N_, _
from gongzhi.plugins.micro_projects.screens import forms
from gongzhi.plugins.micro_projects.screens.common import (
    Translated,
    category_label,
    status_label,
    yuan,
)
from gongzhi.plugins.micro_projects.screens.forms import MicroForm
from gongzhi.plugins.micro_projects.screens.forms import parse_date as _date
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.forms import FormField

__all__ = ["MicroForm", "ProjectScreen", "_date"]


class ProjectScreen(Translated, DbWork, Screen):
    BINDINGS = [
        Binding("a", "allocate", N_("Allocate"), id="micro.allocate"),
        Binding("s", "spend", N_("Spend"), id="micro.spend"),
        Binding("p", "progress", N_("Progress"), id="micro.progress"),
        Binding("c", "close_out", N_("Close out"), id="micro.close_out"),
        Binding("escape", "app.pop_screen", N_("Back"), id="micro.back"),
    ]
    DEFAULT_CSS = """
    ProjectScreen DataTable { height: auto; max-height: 12; }
    """

    def __init__(self, db, project_id: int) -> None:
        super().__init__()
        self.db = db
        self.project_id = project_id
        self.detail = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Label("", id="micro-project-title", classes="panel-title")
            yield Static("", id="micro-project-info")
            yield Label("", id="micro-milestones-title", classes="panel-title")
            yield DataTable(id="micro-milestones", cursor_type="row", zebra_stripes=True)
            yield Label("", id="micro-requests-title", classes="panel-title")
            yield DataTable(id="micro-requests", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.query_one("#micro-milestones", DataTable).focus()

    def relabel(self) -> None:
        # fixed widths (cells): the page looks the same whatever order its rows arrive in
        for table_id, columns in (
            ("#micro-milestones", ((N_("Date"), 10), (N_("Progress"), 6), (N_("Note"), 40), (N_("Photos"), 30))),
            ("#micro-requests", ((N_("Ref"), 16), (N_("Title"), 40), (N_("Status"), 10), (N_("Reporter"), 12))),
        ):
            table = self.query_one(table_id, DataTable)
            table.clear(columns=True)
            for text, width in columns:
                table.add_column(_(text), width=width)
        self.query_one("#micro-milestones-title", Label).update(_("Milestones"))
        self.query_one("#micro-requests-title", Label).update(_("Linked requests"))
        self.reload()

    def reload(self) -> None:
        from gongzhi.plugins.micro_projects.queries import project_detail

        db, pid = self.db, self.project_id

        def fetch():
            with db.read_session() as s:
                return project_detail(s, pid)

        self.db_work(fetch, self.show_detail, group="micro-project")

    def show_detail(self, d) -> None:
        from gongzhi.core.models.vocab import Status
        from gongzhi.tui.i18n import label

        self.detail = d
        r = d.row
        self.query_one("#micro-project-title", Label).update(
            f"{r.code}  {r.name}  [{status_label(r.status)} {r.progress}%]")
        lines = [
            _("Community: {community}  Category: {category}  Deadline: {deadline}").format(
                community=r.community, category=category_label(r.category),
                deadline=r.deadline.isoformat() if r.deadline else "—"),
            _("Responsible: {org} / {person}").format(org=r.responsible_org or "—", person=r.responsible_person or "—"),
            _("Budget {budget} · allocated {allocated} · spent {spent} yuan").format(
                budget=yuan(r.budget), allocated=yuan(r.allocated), spent=yuan(r.spent)),
        ]
        if r.content:
            lines.append(_("Content: {text}").format(text=r.content))
        if r.expected_effect:
            lines.append(_("Expected effect: {text}").format(text=r.expected_effect))
        if d.places:
            lines.append(_("Places: {text}").format(text="、".join(d.places)))
        if d.close_note:
            lines.append(_("Closed out {on}: {note} (evidence: {evidence})").format(
                on=r.closed_on, note=d.close_note, evidence="、".join(d.close_evidence)))
        if d.tally.total:
            lines.append(_("Ratings: satisfied {s}, basically {b}, dissatisfied {d}").format(
                s=d.tally.satisfied, b=d.tally.basically_satisfied, d=d.tally.dissatisfied))
        self.query_one("#micro-project-info", Static).update("\n".join(lines))
        ms = self.query_one("#micro-milestones", DataTable)
        ms.clear()
        for m in d.milestones:
            ms.add_row(m.on_date.isoformat(), f"{m.progress}%", m.note, "、".join(m.photos))
        rq = self.query_one("#micro-requests", DataTable)
        rq.clear()
        for q in d.requests:
            try:
                status = label(Status(q.status))
            except ValueError:
                status = q.status
            rq.add_row(q.ref, q.title, status, q.reporter)

    def _actor(self) -> Actor:
        """The logged-in operator (with their grants), as the services check them."""
        return self.app.actor

    def action_progress(self) -> None:
        from gongzhi.plugins.micro_projects import services as svc

        current = self.detail.row.progress if self.detail else 0
        db, pid, actor = self.db, self.project_id, self._actor()

        def submit(values):
            text = values["progress"]
            if not text.isdigit():
                raise DomainError("micro.invalid_progress", value=text)
            on = _date(values["on"])
            photos = [p for p in values["photos"].replace("，", ",").split(",") if p.strip()]

            def write():
                with db.session() as s:
                    return svc.record_progress(s, actor=actor, project_id=pid, progress=int(text),
                                               note=values["note"], photos=photos, on=on)

            return write

        fields = [
            FormField("progress", _("Progress (0-100)"), _("Progress (0-100)"), value=str(current)),
            FormField("note", _("Note"), _("Note")),
            FormField("photos", _("Photos (comma-separated files)"), _("Photos (comma-separated files)")),
            FormField("on", _("Date (empty: today)"), _("Date (empty: today)")),
        ]
        self.app.push_screen(MicroForm(_("Record progress"), fields, submit, form_id="micro-progress-form"),
                             self._written)

    def action_close_out(self) -> None:
        from gongzhi.plugins.micro_projects import services as svc

        db, pid, actor = self.db, self.project_id, self._actor()

        def submit(values):
            evidence = [p for p in values["evidence"].replace("，", ",").split(",") if p.strip()]
            on = _date(values["on"])

            def write():
                with db.session() as s:
                    return svc.close_out(s, actor=actor, project_id=pid, evidence=evidence, note=values["note"],
                                         on=on)

            return write

        fields = [
            FormField("evidence", _("Evidence (comma-separated files)"), _("Evidence (comma-separated files)")),
            FormField("note", _("The responsible body's note"), _("The responsible body's note")),
            FormField("on", _("Date (empty: today)"), _("Date (empty: today)")),
        ]
        self.app.push_screen(MicroForm(_("Close out"), fields, submit, form_id="micro-close-form"), self._written)

    def action_allocate(self) -> None:
        forms.allocate(self, self._money_written, project_id=self.project_id)

    def action_spend(self) -> None:
        forms.spend(self, self.project_id, self._money_written)

    def _money_written(self, result) -> None:
        if result is not None:
            self.app.notify(_("{amount} yuan recorded").format(amount=yuan(result.amount)))
            self.reload()

    def _written(self, result) -> None:
        if result is not None:
            self.app.notify(_("Saved"))
            self.reload()
