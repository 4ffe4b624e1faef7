"""积分审核 / Approvals: pending earnings, approved by a second person or voided."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.core.models.types import fmt_local
from gongzhi.plugins.points_exchange.i18n import N_, _
from gongzhi.plugins.points_exchange.queries import load_approvals
from gongzhi.plugins.points_exchange.screens.common import ConfirmScreen, PointsScreen, amount_text
from gongzhi.tui import i18n

# -- approvals ------------------------------------------------------------------------------


class ApprovalsScreen(PointsScreen):
    """积分审核 / Approvals: earnings pending approval, oldest first."""

    DEFAULT_CSS = """
    ApprovalsScreen #points-approvals { height: 1fr; }
    ApprovalsScreen .points-error { color: $error; height: auto; }
    """
    WRITE_GROUP = "points-approvals-write"
    BINDINGS = [
        Binding("escape", "back", "Back", id="points.back"),
        Binding("a", "approve", "Approve", id="points.approve"),
        Binding("v", "void", "Void", id="points.void"),
        Binding("r", "reload", "Reload", id="points.reload"),
    ]
    COLUMNS = {
        "points-approvals": (
            ("id", N_("No.")),
            ("person", N_("Person")),
            ("rule", N_("Rule")),
            ("amount", N_("Points")),
            ("recorded_by", N_("Recorded by")),
            ("at", N_("Recorded at")),
            ("note", N_("Note")),
        )
    }

    def __init__(self, db) -> None:
        super().__init__(db)
        self.lines: list = []

    def heading(self) -> str:
        return _("Approvals · pending earnings (a approves: not by the recorder; v voids)")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", classes="panel-title points-heading")
        yield DataTable(id="points-approvals", cursor_type="row", zebra_stripes=True)
        yield Label("", id="points-approvals-error", classes="points-error")
        yield Label("", id="points-approvals-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._relabel()
        self.query_one("#points-approvals", DataTable).focus()
        self.reload()

    def reload(self) -> None:
        db = self.db

        def fetch() -> list:
            with db.read_session() as s:
                return load_approvals(s)

        def show(lines: list) -> None:
            self.lines = lines
            self.render_rows()

        self.db_work(fetch, show, group="points-approvals-read")

    def render_rows(self) -> None:
        table = self.query_one("#points-approvals", DataTable)
        keep = table.cursor_row
        table.clear()
        for x in self.lines:
            table.add_row(
                str(x.id),
                x.person_name,
                x.rule_label(i18n.language()),
                amount_text(x.amount),
                x.recorded_by,
                fmt_local(x.created_at),
                x.note,
                key=str(x.id),
            )
        if self.lines:
            table.move_cursor(row=min(keep, len(self.lines) - 1))
        self.query_one("#points-approvals-status", Label).update(
            _("{n_lines} pending").format(n_lines=len(self.lines))
        )

    def _resolve(self, approve: bool) -> None:
        from gongzhi.plugins.points_exchange import services as svc

        tid = self.highlighted("points-approvals")
        if tid is None or self.busy:
            return
        db, actor = self.db, self.app.actor
        fn = svc.approve if approve else svc.void

        def write() -> int:
            with db.session() as s:
                return fn(s, actor=actor, transfer_id=tid).transfer.id

        self.query_one(".points-error", Label).update("")
        self.write_then_reload(
            write,
            lambda _row: (
                _("Transfer {tid} approved").format(tid=tid)
                if approve
                else _("Transfer {tid} voided").format(tid=tid)
            ),
        )

    def action_approve(self) -> None:
        self._resolve(True)

    def action_void(self) -> None:
        tid = self.highlighted("points-approvals")
        if tid is None or self.busy:
            return
        x = next(x for x in self.lines if x.id == tid)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._resolve(False)

        self.app.push_screen(
            ConfirmScreen(
                _("Void transfer {tid}?").format(tid=tid),
                f"{x.person_name}  {x.rule_label(i18n.language())}  {amount_text(x.amount)}",
            ),
            confirmed,
        )
