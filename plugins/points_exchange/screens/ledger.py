"""积分明细 / Ledger: a person's transfers with the balance after each; reversal."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Label

from gongzhi.core.models.types import fmt_local
from gongzhi.plugins.points_exchange.i18n import N_, _
from gongzhi.plugins.points_exchange.queries import AccountView, LedgerView, load_ledger
from gongzhi.plugins.points_exchange.screens.common import (
    ConfirmScreen,
    PointsScreen,
    amount_text,
    new_key,
    search_hint,
)
from gongzhi.tui import i18n
from gongzhi.tui.widgets.bilingual import enum_label
from gongzhi.tui.widgets.pickers import PersonPicker

# -- a person's ledger ------------------------------------------------------------------------


class LedgerScreen(PointsScreen):
    """积分明细 / Ledger: one person's transfers, newest first, with the balance after each."""

    DEFAULT_CSS = """
    LedgerScreen #points-ledger { height: 1fr; }
    LedgerScreen .points-error { color: $error; height: auto; }
    """
    WRITE_GROUP = "points-ledger-write"
    BINDINGS = [
        Binding("escape", "back", "Back", id="points.back"),
        Binding("x", "reverse", "Reverse", id="points.reverse"),
        Binding("r", "reload", "Reload", id="points.reload"),
    ]
    COLUMNS = {
        "points-ledger": (
            ("at", N_("Time")),
            ("id", N_("No.")),
            ("kind", N_("Kind")),
            ("rule", N_("Rule / note")),
            ("state", N_("State")),
            ("amount", N_("Points")),
            ("balance", N_("Balance")),
        )
    }

    def __init__(self, db, person: tuple[int, str] | None = None) -> None:
        super().__init__(db)
        self.person = person
        self.account: AccountView | None = None
        self.lines: list = []
        self.balances: list[int | None] = []

    def heading(self) -> str:
        return _("Ledger (x reverses the highlighted posted transfer)")

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", classes="panel-title points-heading")
        yield PersonPicker(
            placeholder=search_hint(),
            id="points-ledger-person",
        )
        yield Label("", id="points-ledger-account")
        yield DataTable(id="points-ledger", cursor_type="row", zebra_stripes=True)
        yield Label("", id="points-ledger-error", classes="points-error")
        yield Label("", id="points-ledger-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._relabel()
        if self.person is not None:
            self.query_one("#points-ledger-person", PersonPicker).select(*self.person)
            self.query_one("#points-ledger", DataTable).focus()
        else:
            self.query_one("#points-ledger-person", PersonPicker).query_one(Input).focus()

    @on(PersonPicker.Changed, "#points-ledger-person")
    def _person(self, event: PersonPicker.Changed) -> None:
        self.person = (event.value, event.text) if event.value is not None else None
        self.reload()
        if event.value is not None:
            self.query_one("#points-ledger", DataTable).focus()

    def reload(self) -> None:
        if self.person is None:
            self.account, self.lines, self.balances = None, [], []
            self.render_rows()
            return
        db, pid = self.db, self.person[0]

        def fetch() -> LedgerView:
            with db.read_session() as s:
                return load_ledger(s, pid)

        def show(found: LedgerView) -> None:
            self.account, self.lines, self.balances = found.account, found.lines, found.balances
            self.render_rows()

        self.db_work(fetch, show, group="points-ledger-read", on_error=self.fail)

    def render_rows(self) -> None:
        from gongzhi.plugins.points_exchange.models import (
            SystemAccount,
            TransferKind,
            TransferState,
        )

        self.query_one("#points-ledger-account", Label).update(
            Text(self.account.line()) if self.account else _("Find a person first")
        )
        table = self.query_one("#points-ledger", DataTable)
        keep = table.cursor_row
        table.clear()
        for x, bal in zip(self.lines, self.balances, strict=True):
            what = x.rule_label(i18n.language()) or x.note
            if not what and x.counterparty in SystemAccount.__members__:
                what = enum_label(SystemAccount, x.counterparty)  # 爱心超市, 积分调整 …
            if x.reverses_id:
                what = _("reverses {reverses_id}").format(reverses_id=x.reverses_id)
            state: str | Text = enum_label(TransferState, x.state)
            if x.state in (TransferState.pending, TransferState.voided, TransferState.reversed):
                state = Text(state, style="italic")
            table.add_row(
                fmt_local(x.created_at),
                str(x.id),
                enum_label(TransferKind, x.kind),
                what,
                state,
                amount_text(x.amount),
                "" if bal is None else str(bal),
                key=str(x.id),
            )
        if self.lines:
            table.move_cursor(row=min(keep, len(self.lines) - 1))
        self.query_one("#points-ledger-status", Label).update(
            _("{n_lines} transfers").format(n_lines=len(self.lines))
        )

    def action_reverse(self) -> None:
        from gongzhi.plugins.points_exchange import services as svc
        from gongzhi.plugins.points_exchange.models import TransferKind

        tid = self.highlighted("points-ledger")
        if tid is None or self.busy:
            return
        x = next(x for x in self.lines if x.id == tid)
        db, actor, key = self.db, self.app.actor, new_key("reverse")

        def write() -> int:
            with db.session() as s:
                return svc.reverse(s, actor=actor, transfer_id=tid, key=key).transfer.id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            self.query_one(".points-error", Label).update("")
            self.write_then_reload(
                write,
                lambda rid: _("Transfer {tid} reversed (transfer {rid})").format(tid=tid, rid=rid),
            )

        body = (
            f"{fmt_local(x.created_at)}  {enum_label(TransferKind, x.kind)}  "
            f"{x.rule_label(i18n.language()) or x.note}  {amount_text(x.amount)}\n"
            + _(
                "A reversal records the same amount the other way; the original stays. Redeemed goods go back on the shelf."
            )
        )
        self.app.push_screen(
            ConfirmScreen(_("Reverse transfer {tid}?").format(tid=tid), body), confirmed
        )
