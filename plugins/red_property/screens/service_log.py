"""The micro-service log (物业微服务) and its monthly counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Input, Label, Select

from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.plugins.red_property.models import (
    ServiceKind,
    ServiceStatus,
)
from gongzhi.plugins.red_property.queries import (
    ServiceLog,
    ServiceRow,
    load_services,
)
from gongzhi.plugins.red_property.screens.common import (
    BINDING_TEXT,
    Bilingual,
    FormScreen,
    enum_choices,
    enum_text,
    highlighted_key,
    parse_when,
)
from gongzhi.plugins.red_property.screens.new_service import NewServiceScreen
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import t
from gongzhi.tui.widgets.forms import (
    FormError,
    FormField,
)
from gongzhi.tui.widgets.pickers import PlacePicker
from gongzhi.tui.widgets.writes import WriteThenReload

# -- the micro-service log -------------------------------------------------------------------


SERVICE_COLUMNS = (("requested", *pair(N_("Requested"))), ("compound", *pair(N_("Compound"))),
                   ("resident", *pair(N_("Resident"))), ("kind", *pair(N_("Kind"))), ("status", *pair(N_("Status"))),
                   ("scheduled", *pair(N_("Scheduled"))), ("done_by", *pair(N_("Done by"))),
                   ("description", *pair(N_("What"))))
COUNT_COLUMNS = (("compound", *pair(N_("Compound"))), ("month", *pair(N_("Month"))), ("kind", *pair(N_("Kind"))),
                 ("requested", *pair(N_("Logged"))), ("done", *pair(N_("Completed"))))


class ServiceLogScreen(WriteThenReload, Bilingual, DbWork, Screen):
    """微服务 / Micro-services: the log by compound, status and kind, and monthly counts."""

    DEFAULT_CSS = """
    ServiceLogScreen #redprop-svc-list { height: 2fr; }
    ServiceLogScreen #redprop-svc-counts { height: 1fr; }
    ServiceLogScreen .toolbar { height: auto; }
    ServiceLogScreen .toolbar Select { width: 24; }
    ServiceLogScreen #redprop-svc-month { width: 16; }
    """
    BINDING_TEXT = BINDING_TEXT
    FORM = FormScreen
    # by priority: the footer shows the first ones
    BINDINGS = [
        Binding("n", "new", "New micro-service", id="redprop.new_service"),
        Binding("s", "schedule", "Schedule", id="redprop.schedule_service"),
        Binding("d", "done", "Service done", id="redprop.done_service"),
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("r", "reload", "Reload", id="redprop.reload", show=False),
    ]

    def __init__(self, db) -> None:
        super().__init__()
        self.db = db
        self.service_log: ServiceLog | None = None
        self.compound: tuple[int, str] | None = None
        self.status: str | None = None
        self.kind: str | None = None
        self.month = str(datetime.now(LOCAL_TZ).year)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="redprop-svc-heading", classes="panel-title")
        with Horizontal(classes="toolbar"):
            yield PlacePicker(placeholder=_("compound (name or pinyin)"), kinds=("compound",),
                              id="redprop-svc-compound")
            yield Select(enum_choices(ServiceStatus), allow_blank=True, prompt=_("any status"),
                         id="redprop-svc-status")
            yield Select(enum_choices(ServiceKind), allow_blank=True, prompt=_("any kind"),
                         id="redprop-svc-kind")
            yield Input(self.month, placeholder="YYYY / YYYY-MM", id="redprop-svc-month")
        yield DataTable(id="redprop-svc-list", cursor_type="row", zebra_stripes=True)
        yield Label("", id="redprop-svc-counts-label", classes="panel-title")
        yield DataTable(id="redprop-svc-counts", cursor_type="row", zebra_stripes=True)
        yield Label("", id="redprop-svc-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        self.query_one("#redprop-svc-list", DataTable).focus()
        self.reload()

    def _columns(self) -> None:
        self.query_one("#redprop-svc-heading", Label).update(_("Property micro-services (n new, s schedule, d done)"))
        self.query_one("#redprop-svc-counts-label", Label).update(_("Monthly counts per compound and kind (month: YYYY or YYYY-MM)"))
        for sel, cols in (("#redprop-svc-list", SERVICE_COLUMNS), ("#redprop-svc-counts", COUNT_COLUMNS)):
            table = self.query_one(sel, DataTable)
            table.clear(columns=True)
            for key, zh, en in cols:
                table.add_column(t(zh, en), key=key)

    def refresh_language(self) -> None:
        super().refresh_language()
        self._columns()
        for sel, enum_cls, value, prompt in (("#redprop-svc-status", ServiceStatus, self.status, N_("any status")),
                                             ("#redprop-svc-kind", ServiceKind, self.kind, N_("any kind"))):
            box = self.query_one(sel, Select)
            with box.prevent(Select.Changed):
                box.prompt = _(prompt)
                box.set_options(enum_choices(enum_cls))
                if value is not None:
                    box.value = value
        if self.service_log is not None:
            self._show(self.service_log)

    def on_screen_resume(self) -> None:
        self.reload()

    @on(PlacePicker.Changed, "#redprop-svc-compound")
    def _compound(self, event: PlacePicker.Changed) -> None:
        self.compound = (event.value, event.text) if event.value is not None else None
        self.reload()

    @on(Select.Changed, "#redprop-svc-status")
    def _status(self, event: Select.Changed) -> None:
        self.status = None if event.value is Select.NULL else str(event.value)
        self.reload()

    @on(Select.Changed, "#redprop-svc-kind")
    def _kind(self, event: Select.Changed) -> None:
        self.kind = None if event.value is Select.NULL else str(event.value)
        self.reload()

    @on(Input.Changed, "#redprop-svc-month")
    def _month(self, event: Input.Changed) -> None:
        self.month = event.value.strip()
        self.reload()

    def reload(self) -> None:
        db = self.db
        compound_id = self.compound[0] if self.compound else None
        status, kind, month = self.status, self.kind, self.month
        error = self.query_one("#redprop-svc-error", Label)

        def fetch() -> ServiceLog:
            with db.read_session() as s:
                return load_services(s, compound_id=compound_id, status=status, kind=kind, month=month)

        def show(log: ServiceLog) -> None:
            error.update("")
            self._show(log)

        self.db_work(fetch, show, group="redprop-services", on_error=lambda m: error.update(Text(m)))

    def _show(self, log: ServiceLog) -> None:
        self.service_log = log
        table = self.query_one("#redprop-svc-list", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in log.rows:
            table.add_row(r.requested, r.compound, r.resident, enum_text(ServiceKind, r.kind),
                          enum_text(ServiceStatus, r.status), r.scheduled, r.done_by, r.description, key=str(r.id))
        if log.rows:
            table.move_cursor(row=min(keep, len(log.rows) - 1))
        counts = self.query_one("#redprop-svc-counts", DataTable)
        counts.clear()
        for i, c in enumerate(log.counts):
            counts.add_row(c.compound, c.month, enum_text(ServiceKind, c.kind), str(c.requested), str(c.done),
                           key=str(i))

    def _row(self) -> ServiceRow | None:
        key = highlighted_key(self.query_one("#redprop-svc-list", DataTable))
        return next((r for r in self.service_log.rows if str(r.id) == key), None) if self.service_log and key else None

    def action_new(self) -> None:
        def done(result: int | None) -> None:
            if result is not None:
                self.app.notify(_("Micro-service logged"))
                self.reload()

        self.app.push_screen(NewServiceScreen(self.db, self.compound), done)

    def action_schedule(self) -> None:
        row = self._row()
        if row is None:
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            when = parse_when(v["when"], *pair(N_("The scheduled time")))
            if when is None:
                raise FormError(_("The time is needed"))

            def write() -> int:
                with db.session() as s:
                    return svc.schedule_service(s, actor=actor, service_id=row.id, scheduled_for=when).id
            return write

        tomorrow = (datetime.now(LOCAL_TZ).date() + timedelta(days=1)).isoformat()
        self.form_then_reload(pair(N_("Schedule the micro-service for {resident}"), resident=row.resident),
                              [FormField("when", *pair(N_("Scheduled for")), value=f"{tomorrow} 09:00", placeholder="YYYY-MM-DD HH:MM")],
                              submit, pair(N_("Micro-service scheduled")), form_id="redprop-svc-schedule")

    def action_done(self) -> None:
        row = self._row()
        if row is None:
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    return svc.complete_service(s, actor=actor, service_id=row.id, done_by_id=v["by"],
                                                result=v["result"]).id
            return write

        self.form_then_reload(pair(N_("Micro-service done for {resident}"), resident=row.resident), [
            FormField("by", *pair(N_("Done by")), kind="person"),
            FormField("result", *pair(N_("Result (optional)"))),
        ], submit, pair(N_("Micro-service done")), form_id="redprop-svc-done")

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
