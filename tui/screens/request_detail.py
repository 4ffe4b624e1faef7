"""One request in full: its fields, timeline, dispatches, feedback and supporters,
with a key for every action of the closed loop.

Keys: ``a`` accept, ``w`` whistle / dispatch, ``i`` report in, ``s`` start,
``r`` resolve, ``f`` feedback, ``o`` reopen, ``d`` duplicate, ``t`` any other
legal status change, ``e`` a department's result and rating, ``p`` add a
supporter. Each opens a dialog from :mod:`gongzhi.tui.screens.request_actions`; the core
decides what is legal and its refusal shows in the dialog. The screen returns
``True`` when anything was written, so the list behind it reloads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rich.text import Text
from sqlalchemy import select
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Label

from gongzhi.core.models.people import Person
from gongzhi.core.models.requests import (
    Request,
    RequestAttachment,
    RequestDispatch,
    RequestEvent,
    RequestFeedback,
)
from gongzhi.core.models.types import fmt_local, utcnow
from gongzhi.core.models.vocab import (
    Channel,
    DispatchRole,
    Priority,
    RequestType,
    ResolvedAnswer,
    Satisfaction,
    Status,
)
from gongzhi.core.services import categories as category_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as svc
from gongzhi.core.validation import mask_phone
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _, label
from gongzhi.tui.screens.request_actions import (
    ActionDialog,
    AttachDialog,
    DispatchDialog,
    DispatchResultDialog,
    DuplicateDialog,
    FeedbackDialog,
    ReportInDialog,
    SupporterDialog,
    TransitionDialog,
)
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.columns import Column, ColumnPlan, fit_columns

# what each kind of timeline event is called (RequestEvent.kind)
EVENT_KINDS = {
    "created": N_("logged"),
    "transition": N_("status change"),
    "dispatch": N_("dispatched"),
    "report_in": N_("reported in"),
    "dispatch_result": N_("department result"),
    "rating": N_("rated"),
    "feedback": N_("feedback"),
    "attachment": N_("attachment"),
    "supporter": N_("supporter added"),
    "note": N_("note"),
}

# the timeline's columns: on a narrow terminal the actor goes first, then the status change
TIMELINE_COLUMNS = (
    Column("time", N_("Time"), 16),
    Column("actor", N_("Actor"), 10, importance=3, min_width=6),  # an operator's name
    Column("event", N_("Event"), 17, min_width=8),  # "department result" in English
    Column("status", N_("Status"), 26, importance=2, min_width=9),  # "dispatched → in progress"
    Column("note", N_("Note"), 30, min_width=14, flex=True),
)

# the fields in the header grid: widget id suffix -> English label
FIELDS = (
    ("status", N_("Status")),
    ("channel", N_("Channel")),
    ("type", N_("Request type")),
    ("category", N_("Category")),
    ("priority", N_("Priority")),
    ("due", N_("Due")),
    ("place", N_("Place")),
    ("reporter", N_("Reporter")),
    ("lead", N_("Lead organisation")),
    ("raised", N_("Raised")),
    ("external", N_("External ticket")),
    ("duplicate", N_("Duplicate of")),
)


@dataclass
class Detail:
    """Everything the screen shows, read in one worker call."""

    request: Request
    category_zh: str
    category_en: str
    place_path: str
    reporter: Person | None
    lead_org: str
    duplicate_of: str
    overdue: bool
    events: list[RequestEvent]
    dispatches: list[RequestDispatch]
    feedbacks: list[RequestFeedback]
    supporters: list[tuple[str, str]]  # (name, via ref)
    attachments: list[RequestAttachment]
    org_names: dict[int, str] = field(default_factory=dict)
    person_names: dict[int, str] = field(default_factory=dict)


def load_detail(session: Any, request_id: int, actor: Any = None) -> Detail:
    request = svc.get_request(session, request_id, actor=actor)  # refused outside the actor's places
    category = category_svc.get_category(session, request.category_id)
    place = place_svc.get_place(session, request.place_id)
    reporter = session.get(Person, request.reporter_id) if request.reporter_id else None
    events = svc.timeline(session, request_id)
    dispatches = svc.dispatches(session, request_id)
    supporters = svc.supporters(session, request_id)
    org_ids = {d.organisation_id for d in dispatches}
    if request.lead_org_id:
        org_ids.add(request.lead_org_id)
    org_names = svc.organisation_names(session, org_ids)
    person_ids = {s.person_id for s in supporters}
    person_names = (
        dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids))).all())
        if person_ids
        else {}
    )
    via_ids = {s.via_request_id for s in supporters if s.via_request_id}
    if request.duplicate_of_id:
        via_ids.add(request.duplicate_of_id)
    refs = (
        dict(session.execute(select(Request.id, Request.ref).where(Request.id.in_(via_ids))).all())
        if via_ids
        else {}
    )
    return Detail(
        request=request,
        category_zh=category.name_zh,
        category_en=category.name_en,
        place_path=place_svc.full_name(session, place),
        reporter=reporter,
        lead_org=org_names.get(request.lead_org_id, "") if request.lead_org_id else "",
        duplicate_of=refs.get(request.duplicate_of_id, "") if request.duplicate_of_id else "",
        overdue=svc.is_overdue(request, utcnow()),
        events=events,
        dispatches=dispatches,
        feedbacks=svc.feedbacks(session, request_id),
        supporters=[
            (person_names.get(s.person_id, "?"), refs.get(s.via_request_id, "")) for s in supporters
        ],
        attachments=svc.attachments(session, request_id),
        org_names=org_names,
        person_names=person_names,
    )


def _t(value: object) -> Text:
    """A table cell or label that is never read as markup (user text may hold brackets)."""
    return Text("" if value is None else str(value))


def _status(value: str | None) -> str:
    return label(Status(value)) if value else ""


class RequestDetailScreen(DbWork, ModalScreen[bool]):
    """诉求详情 / Request detail."""

    DEFAULT_CSS = """
    RequestDetailScreen > #detail {
        width: 96%;
        height: 94%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    RequestDetailScreen #detail-heading {
        text-style: bold;
        width: 1fr;
    }
    RequestDetailScreen #fields {
        grid-size: 4;
        grid-columns: auto 1fr auto 1fr;
        grid-gutter: 0 2;
        height: auto;
    }
    RequestDetailScreen .key {
        color: $text-muted;
    }
    RequestDetailScreen DataTable {
        height: auto;
        max-height: 14;
    }
    RequestDetailScreen #description {
        height: auto;
        padding: 0 0 0 2;
    }
    """

    # the closed loop's steps first, in their order, then Close; the rarer actions are
    # kept off the footer (show=False) so that it fits 100 columns — ? lists them all
    BINDINGS = [
        Binding("a", "accept", N_("Accept"), id="request.accept"),
        Binding("w", "dispatch", N_("Whistle / dispatch"), id="request.dispatch"),
        Binding("i", "report_in", N_("Report in"), id="request.report_in"),
        Binding("s", "start", N_("Start"), id="request.start"),
        Binding("r", "resolve", N_("Resolve"), id="request.resolve"),
        Binding("f", "feedback", N_("Feedback"), id="request.feedback"),
        Binding("escape", "close", N_("Close"), id="request.close"),
        Binding("o", "reopen", N_("Reopen"), id="request.reopen", show=False),
        Binding("d", "duplicate", N_("Duplicate"), id="request.duplicate", show=False),
        Binding("t", "change_status", N_("Change status"), id="request.change_status", show=False),
        Binding("e", "dispatch_result", N_("Department result"), id="request.dispatch_result", show=False),
        Binding("p", "add_supporter", N_("Add supporter"), id="request.add_supporter", show=False),
        Binding("u", "attach", N_("Add attachments"), id="request.attach", show=False),
        Binding("ctrl+r", "reload", N_("Refresh"), id="request.refresh", show=False),
    ]

    def __init__(self, request_id: int) -> None:
        super().__init__()
        self.request_id = request_id
        self.detail: Detail | None = None
        self.changed = False
        self.timeline_plan: ColumnPlan | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="detail"):
            yield Label("", id="detail-heading")
            with Grid(id="fields"):
                for key, title in FIELDS:
                    yield Label(_(title), classes="key")
                    yield Label("", id=f"d-{key}", markup=False)
            yield Label(_("Description"), classes="panel-title")
            yield Label("", id="description", markup=False)
            yield Label(_("Timeline"), classes="panel-title")
            yield DataTable(id="timeline", cursor_type="row", zebra_stripes=True)
            yield Label(_("Dispatches"), classes="panel-title")
            yield DataTable(id="dispatches", cursor_type="row")
            yield Label(_("Feedback"), classes="panel-title")
            yield DataTable(id="feedback", cursor_type="row")
            with Vertical(id="more"):
                yield Label(_("Supporters"), classes="panel-title")
                yield Label("", id="supporters", markup=False)
                yield Label(_("Attachments"), classes="panel-title")
                yield Label("", id="attachments", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self._fit_timeline(self.app.size.width)
        columns = {
            "dispatches": (
                N_("Organisation"),
                N_("Lead / assist"),
                N_("Whistle"),
                N_("Dispatched"),
                N_("Reported in"),
                N_("Result"),
                N_("Rating"),
            ),
            "feedback": (
                N_("Time"),
                N_("Actor"),
                N_("Contacted"),
                N_("Resolved"),
                N_("Satisfaction"),
                N_("Comment"),
            ),
        }
        for table_id, titles in columns.items():
            self.query_one(f"#{table_id}", DataTable).add_columns(*[_(t) for t in titles])
        self.query_one("#detail-heading", Label).update(_("Loading…"))
        self.query_one("#timeline", DataTable).focus()
        self.reload()

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        db, request_id, actor = self.app.db, self.request_id, self.app.actor

        def fetch() -> Detail:
            with db.read_session() as s:
                return load_detail(s, request_id, actor)

        self.db_work(fetch, self._show, group="request-detail")

    def action_reload(self) -> None:
        self.reload()

    def _set(self, key: str, value: str) -> None:
        self.query_one(f"#d-{key}", Label).update(value)

    def _show(self, d: Detail) -> None:
        self.detail = d
        r = d.request
        lang = i18n.language()
        self.query_one("#detail-heading", Label).update(_t(f"{r.ref}  {r.title}"))
        self._set("status", label(Status(r.status)))
        self._set("channel", label(Channel(r.channel)))
        self._set("type", label(RequestType(r.type)))
        self._set("category", d.category_en if lang == "en" else d.category_zh)
        self._set("priority", label(Priority(r.priority)))
        due = fmt_local(r.due_at)
        if d.overdue:
            due += "  ⚠ " + _("overdue")
        self._set("due", due)
        self._set("place", d.place_path)
        if r.anonymous:
            reporter = _("anonymous")
        elif d.reporter is not None:
            reporter = "  ".join(x for x in (d.reporter.name, mask_phone(d.reporter.phone)) if x)
        else:
            reporter = _("not recorded")
        self._set("reporter", reporter)
        self._set("lead", d.lead_org or "—")
        self._set(
            "raised",
            _("{time} by {actor}").format(time=fmt_local(r.created_at), actor=r.created_by),
        )
        self._set("external", r.external_id or "—")
        self._set("duplicate", d.duplicate_of or "—")
        self.query_one("#description", Label).update(r.description or "—")

        self._fill_timeline(d)
        dispatches = self.query_one("#dispatches", DataTable)
        dispatches.clear()
        for x in d.dispatches:
            dispatches.add_row(
                _t(d.org_names.get(x.organisation_id, "?")),
                _t(label(DispatchRole(x.role))),
                _t(_("whistle") if x.whistle else ""),
                _t(fmt_local(x.dispatched_at)),
                _t(fmt_local(x.reported_at) if x.reported_at else _("waiting")),
                _t(x.result),
                _t(x.rating if x.rating is not None else ""),
            )
        feedback = self.query_one("#feedback", DataTable)
        feedback.clear()
        for f in d.feedbacks:
            feedback.add_row(
                _t(fmt_local(f.at)),
                _t(f.actor),
                _t(_("yes") if f.contacted else _("no")),
                _t(label(ResolvedAnswer(f.resolved)) if f.resolved else ""),
                _t(label(Satisfaction(f.satisfaction)) if f.satisfaction else ""),
                _t(f.comment),
            )
        supporters = [
            _("{name} (via {ref})").format(name=n, ref=via) if via else n for n, via in d.supporters
        ]
        self.query_one("#supporters", Label).update("、".join(supporters) or "—")
        files = [f"{a.filename} ({a.size:,} B)" for a in d.attachments]
        self.query_one("#attachments", Label).update("\n".join(files) or "—")

    def on_resize(self, event) -> None:
        self._fit_timeline(event.size.width)

    def _fit_timeline(self, width: int) -> None:
        """Plan the timeline's columns for the width (the note takes what is left, then "…")."""
        plan = fit_columns(TIMELINE_COLUMNS, max(width - 12, 40))
        if self.timeline_plan is not None and plan.widths == self.timeline_plan.widths:
            return
        self.timeline_plan = plan
        plan.apply(self.query_one("#timeline", DataTable))
        if self.detail is not None:
            self._fill_timeline(self.detail)

    def _fill_timeline(self, d: Detail) -> None:
        timeline = self.query_one("#timeline", DataTable)
        timeline.clear()
        for e in d.events:
            timeline.add_row(*self.timeline_plan.row({
                "time": fmt_local(e.at),
                "actor": e.actor,
                "event": _(EVENT_KINDS.get(e.kind, e.kind)),
                "status": self._status_change(e),
                "note": self._event_note(e, d),
            }))

    @staticmethod
    def _status_change(e: RequestEvent) -> str:
        if e.kind == "created":
            return label(Status.submitted)
        if e.to_status:
            return f"{_status(e.from_status)} → {_status(e.to_status)}"
        return ""

    @staticmethod
    def _event_note(e: RequestEvent, d: Detail) -> str:
        data = e.data or {}
        parts: list[str] = []
        if e.kind == "created" and data.get("channel"):
            parts.append(label(Channel(data["channel"])))
        elif e.kind == "dispatch":
            orgs = [
                f"{d.org_names.get(x.get('organisation_id'), '?')}（{label(DispatchRole(x.get('role', 'lead')))}）"
                for x in data.get("dispatches", [])
            ]
            parts.append(
                ("📯 " + _("whistle") + ": " if data.get("whistle") else "") + "、".join(orgs)
            )
        elif e.kind == "report_in" and data.get("organisation"):
            parts.append(str(data["organisation"]))
        elif e.kind == "rating" and data.get("rating") is not None:
            parts.append("★" * int(data["rating"]))
        elif e.kind == "feedback" and data.get("satisfaction"):
            parts.append(label(Satisfaction(data["satisfaction"])))
        elif e.kind == "supporter" and data.get("person_id") in d.person_names:
            parts.append(d.person_names[data["person_id"]])
        elif e.kind == "transition" and data.get("duplicate_of"):
            parts.append(_("duplicate of {ref}").format(ref=data["duplicate_of"]))
        if e.public_note:
            parts.append(e.public_note)
        return " · ".join(parts)

    # -- actions -------------------------------------------------------------------

    def _open(self, dialog: ActionDialog) -> None:
        def done(changed: bool | None) -> None:
            if changed:
                self.changed = True
                self.reload()

        self.app.push_screen(dialog, done)

    def _transition(self, target: Status | None, title: str, note_required: bool = False) -> None:
        if self.detail is None:
            return
        r = self.detail.request
        self._open(
            TransitionDialog(
                r.id, r.ref, Status(r.status), target, title=title, note_required=note_required
            )
        )

    def _ref(self) -> str:
        return self.detail.request.ref if self.detail else ""

    def action_accept(self) -> None:
        self._transition(Status.accepted, N_("Accept"))

    def action_start(self) -> None:
        self._transition(Status.in_progress, N_("Start"))

    def action_resolve(self) -> None:
        self._transition(Status.resolved, N_("Resolve"), note_required=True)

    def action_reopen(self) -> None:
        self._transition(Status.in_progress, N_("Reopen"), note_required=True)

    def action_change_status(self) -> None:
        self._transition(None, N_("Change status"))

    def action_dispatch(self) -> None:
        if self.detail is not None:
            current = Status(self.detail.request.status)
            self._open(DispatchDialog(self.request_id, self._ref(), current))

    def action_report_in(self) -> None:
        if self.detail is not None:
            self._open(ReportInDialog(self.request_id, self._ref()))

    def action_dispatch_result(self) -> None:
        if self.detail is not None:
            self._open(DispatchResultDialog(self.request_id, self._ref()))

    def action_feedback(self) -> None:
        if self.detail is not None:
            self._open(FeedbackDialog(self.request_id, self._ref()))

    def action_duplicate(self) -> None:
        if self.detail is not None:
            self._open(DuplicateDialog(self.request_id, self._ref()))

    def action_add_supporter(self) -> None:
        if self.detail is not None:
            self._open(SupporterDialog(self.request_id, self._ref()))

    def action_attach(self) -> None:
        if self.detail is not None:
            self._open(AttachDialog(self.request_id, self._ref()))

    def action_close(self) -> None:
        self.dismiss(self.changed)
