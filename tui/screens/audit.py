"""审计日志 / The audit log, for the street admin (issue 15, item 3).

Opened from the command palette ("Audit: audit log"), offered only to an operator who
holds ``audit.read``; the service checks it again. Filters as the CLI's ``gongzhi
audit list``: operator, action (a whole action or a prefix ending in "."), entity kind
and a start day; newest first, the latest 500. Actions and record kinds show by their
catalog labels (诉求状态变更, not ``request.transition``); a plugin's code without a label
shows as it is. The filters still take the codes, as the CLI does. Enter on a row shows what the row
recorded before and after the change (personal data is masked in the log itself).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Header, Input, Label, Static

from gongzhi.core.models.types import fmt_local
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.columns import Column, FittedTable

LIMIT = 500
EXPORT_LIMIT = 10_000_000  # the filter's whole list, for ctrl+e
DEBOUNCE_SECONDS = 0.2

# the core's actions and record kinds by their catalog labels; a plugin's code without a
# label here is shown as it is (its plugin names it)
ACTION_LABELS = {
    "request.create": N_("Request logged"),
    "request.transition": N_("Request status changed"),
    "request.dispatch": N_("Request dispatched"),
    "request.support": N_("Supporter added"),
    "request.note": N_("Note added"),
    "request.feedback": N_("Return visit recorded"),
    "request.export": N_("Requests exported"),
    "request.attach": N_("Attachments added"),
    "dispatch.report_in": N_("Department reported in"),
    "dispatch.result": N_("Department result"),
    "dispatch.rate": N_("Department rated"),
    "place.create": N_("Place added"),
    "place.update": N_("Place changed"),
    "place.move": N_("Place moved"),
    "place.delete": N_("Place deleted"),
    "place.import": N_("Places imported"),
    "person.create": N_("Person added"),
    "person.update": N_("Person changed"),
    "person.import": N_("People imported"),
    "person.reveal": N_("Personal data revealed"),
    "person.view_care_tags": N_("Care tags viewed"),
    "organisation.create": N_("Organisation added"),
    "organisation.import": N_("Organisations imported"),
    "membership.create": N_("Post given"),
    "membership.end": N_("Post ended"),
    "category.create": N_("Category added"),
    "category.update": N_("Category changed"),
    "operator.create": N_("Login created"),
    "operator.passwd": N_("Password changed"),
    "operator.grant": N_("Roles granted"),
    "operator.enable": N_("Login enabled"),
    "operator.disable": N_("Login disabled"),
    "operator.login_failed": N_("Failed login"),
    "demo.build": N_("Demo street built"),
}
ENTITY_LABELS = {
    "request": N_("Request record"),
    "requests": N_("Requests"),
    "request_event": N_("Request timeline entry"),
    "request_dispatch": N_("Dispatch record"),
    "request_feedback": N_("Return visit record"),
    "request_supporter": N_("Supporter record"),
    "request_attachment": N_("Attachment record"),
    "request_category": N_("Category"),
    "person": N_("Person"),
    "place": N_("Place"),
    "organisation": N_("Organisation"),
    "membership": N_("Post record"),
    "operator": N_("Login account"),
}


def action_label(code: str) -> str:
    """An audit action as people say it (request.transition → 诉求状态变更); a plugin's as its code."""
    return _(ACTION_LABELS[code]) if code in ACTION_LABELS else code


def entity_label(code: str) -> str:
    """A record kind as people say it (request_dispatch → 派单记录); a plugin's as its code."""
    return _(ENTITY_LABELS[code]) if code in ENTITY_LABELS else code


COLUMNS = (
    Column("at", N_("Time"), 16),
    Column("actor", N_("Operator"), 12, min_width=6),
    Column("action", N_("Action"), 22, min_width=10),
    Column("entity", N_("Entity"), 14, importance=2, min_width=8),
    Column("entity_id", N_("No."), 8, importance=3),
)


class AuditScreen(DbWork, Screen[None]):
    """The audit log, newest first, with filters; Enter shows a row's before and after."""

    DEFAULT_CSS = """
    AuditScreen .toolbar { height: auto; }
    AuditScreen .toolbar Input { width: 1fr; }
    AuditScreen #audit-table { height: 1fr; }
    AuditScreen #audit-detail { height: auto; max-height: 12; border: round $primary-background; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "close", N_("Back"), id="audit.close"),
        Binding("ctrl+f", "focus_filter", N_("Filter"), id="audit.filter"),
        Binding("ctrl+r", "reload", N_("Refresh"), id="audit.refresh"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, Any]] = []
        self.error = ""
        self._debounce: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Label(_("Audit log"), classes="panel-title")
            with Horizontal(classes="toolbar"):
                yield Input(placeholder=_("Operator (login)"), id="audit-who")
                yield Input(placeholder=_("Action, e.g. person.reveal or person."), id="audit-action")
                yield Input(placeholder=_("Entity kind, e.g. person"), id="audit-entity")
                yield Input(placeholder=_("From day, e.g. 2026-12-01"), id="audit-since")
            yield FittedTable(COLUMNS, id="audit-table", cursor_type="row", zebra_stripes=True)
            yield Label("", id="audit-status", classes="status-line")
            yield Static("", id="audit-detail", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#audit-detail", Static).display = False
        self.query_one("#audit-who", Input).focus()
        self.reload()

    # -- reading -------------------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        value = {k: self.query_one(f"#audit-{k}", Input).value.strip() for k in ("who", "action", "entity", "since")}
        return value

    def reload(self) -> None:
        db, actor, flt = self.app.db, self.app.actor, self.filters()

        def fetch() -> list[dict[str, Any]]:
            from gongzhi.core.cli.context import parse_local_datetime
            from gongzhi.core.services.audit import list_audit

            since: datetime | None = parse_local_datetime(flt["since"]) if flt["since"] else None
            with db.read_session() as s:
                return list_audit(s, actor=actor, who=flt["who"] or None, action=flt["action"] or None,
                                  entity=flt["entity"] or None, since=since, limit=LIMIT)

        self.db_work(fetch, self._show, group="audit", on_error=self._failed)

    def export_source(self, table):
        """``ctrl+e`` (tui.screens.table_export): every entry the filter finds, not the latest
        ``LIMIT``, in the table's columns."""
        from gongzhi.tui.screens.table_export import full_rows

        if table.id != "audit-table" or table.plan is None:
            return None
        actor, flt, plan = self.app.actor, self.filters(), table.plan

        def rows(s) -> tuple[list[str], list[list]]:
            from gongzhi.core.cli.context import parse_local_datetime
            from gongzhi.core.services.audit import list_audit

            since: datetime | None = parse_local_datetime(flt["since"]) if flt["since"] else None
            found = list_audit(s, actor=actor, who=flt["who"] or None, action=flt["action"] or None,
                               entity=flt["entity"] or None, since=since, limit=EXPORT_LIMIT)
            return full_rows(plan, ({"at": fmt_local(r["at"]), "actor": r["actor"], "action": r["action"],
                                     "entity": r["entity"],
                                     "entity_id": "" if r["entity_id"] is None else str(r["entity_id"])}
                                    for r in found))

        return rows

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows, self.error = rows, ""
        self.query_one("#audit-table", FittedTable).set_rows([
            ({"at": fmt_local(r["at"]), "actor": r["actor"], "action": action_label(r["action"]),
              "entity": entity_label(r["entity"]),
              "entity_id": "" if r["entity_id"] is None else str(r["entity_id"])}, str(r["id"]))
            for r in rows])
        text = _("{count} entries, newest first").format(count=len(rows))
        if len(rows) == LIMIT:
            text += " · " + _("the latest {limit} shown: narrow the filter").format(limit=LIMIT)
        self.query_one("#audit-status", Label).update(text)

    def _failed(self, message: str) -> None:
        self.error = message
        self.query_one("#audit-status", Label).update(message)
        self.app.notify(message, severity="error")

    # -- events --------------------------------------------------------------------

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.reload)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self.reload()
        self.query_one("#audit-table", FittedTable).focus()

    @on(DataTable.RowSelected, "#audit-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        row = next((r for r in self.rows if str(r["id"]) == event.row_key.value), None)
        detail = self.query_one("#audit-detail", Static)
        if row is None:
            return
        detail.display = True
        lines = [f"{fmt_local(row['at'])} · {row['actor']} · {action_label(row['action'])} · "
                 f"{entity_label(row['entity'])} {row['entity_id'] or ''}"]
        for title, value in ((_("Before"), row["before"]), (_("After"), row["after"])):
            body = "—" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)
            lines.append(f"{title}: {body}")
        detail.update("\n".join(lines))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_focus_filter(self) -> None:
        self.query_one("#audit-who", Input).focus()

    def action_reload(self) -> None:
        self.reload()
