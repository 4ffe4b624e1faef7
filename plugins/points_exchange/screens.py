"""The points exchange's TUI section (积分兑换 / 爱心超市), for the clerk who records
points and the volunteer at the love supermarket's counter.

- :class:`CounterScreen` — the section's main screen, the counter: find the resident
  (name or pinyin, :class:`~tui.widgets.pickers.PersonPicker`), see their balance,
  available and pending points; pick goods (Enter or ``+`` adds one, ``-`` takes one
  back, ``x`` empties the basket) with the basket's total against what is available
  shown live; ``c`` confirms (a dialog with the prices) and redeems; a receipt
  (transfer id and key; ``w`` writes it to a text file). Each basket carries one
  client-made idempotency key until it is redeemed, so a second Enter, or the same
  basket sent twice, redeems once.
- :class:`EarnScreen` (``e``) — record points earned: person, a rule in force today
  that admits the person's roles, quantity, note.
- :class:`ApprovalsScreen` (``a``) — pending earnings: ``a`` approves (another person
  than the recorder), ``v`` voids.
- :class:`LedgerScreen` (``l``) — a person's transfers with state, rule, signed amount
  and running balance; ``x`` reverses the highlighted posted transfer.
- :class:`GoodsScreen` (``g``) — goods and stock (low stock highlighted): ``n`` adds,
  ``s`` restocks, ``k`` corrects a stock count, ``p`` changes a price.

Every database call runs off the UI thread (:class:`tui.widgets.base.DbWork`) and
goes through :mod:`plugins.points_exchange.services`; a service's refusal is shown on
the screen in the user's language and nothing is written. Texts are (zh, en) pairs
(:mod:`tui.widgets.bilingual`); F2 relabels the open screens (``refresh_language``).
docs/points.md, "In the app", has the keys.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select

from core.errors import DomainError
from core.models.types import fmt_local
from tui import i18n
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, enum_label, t
from tui.widgets.forms import ConfirmModal, FormField, FormModal, export_path, modal_binding_text
from tui.widgets.pickers import PersonPicker
from tui.widgets.writes import WriteThenReload

# binding id -> (zh, en) descriptions
BINDING_TEXT: dict[str, tuple[str, str]] = {
    "points.back": ("返回", "Back"),
    "points.reload": ("刷新", "Reload"),
    "points.find_person": ("查找居民", "Find resident"),
    "points.add_one": ("加一件", "Add one"),
    "points.remove_one": ("减一件", "Take one back"),
    "points.clear_basket": ("清空清单", "Empty basket"),
    "points.checkout": ("确认兑换", "Redeem"),
    "points.earn": ("录入积分", "Record points"),
    "points.approvals": ("积分审核", "Approvals"),
    "points.ledger": ("积分明细", "Ledger"),
    "points.goods": ("物品库存", "Goods & stock"),
    "points.notice": ("导出积分公示", "Export the notice"),
    "points.approve": ("审核通过", "Approve"),
    "points.void": ("作废", "Void"),
    "points.reverse": ("冲正", "Reverse"),
    "points.goods_add": ("新增物品", "Add goods"),
    "points.restock": ("入库", "Restock"),
    "points.correct_stock": ("盘点更正", "Correct stock"),
    "points.set_price": ("改价", "Change price"),
    "points.receipt_write": ("存为文本", "Save as text"),
    "points.receipt_close": ("关闭", "Close"),
    **modal_binding_text("points"),
}


def low_stock() -> int:
    """Goods with fewer than this many on the shelf are highlighted (the monthly
    report's threshold)."""
    from plugins.points_exchange.reports import LOW_STOCK

    return LOW_STOCK


def new_key(prefix: str) -> str:
    """A client-made idempotency key (≤ 64 characters): one per basket or form."""
    return f"{prefix}-{uuid.uuid4().hex}"


def error_text(code: str, **params: Any) -> str:
    """A service error's message in the UI's language (the same words the service uses)."""
    return DomainError(code, **params).message(i18n.language())


def search_hint() -> str:
    return t("姓名、拼音首字母或手机尾号", "name, pinyin initials or phone tail")


def parse_int(text: str, code: str = "points.invalid_quantity", *, signed: bool = False) -> int:
    """A whole number typed in a form, or the service's own error for a bad one."""
    raw = text.strip()
    if re.fullmatch(r"[+-]?\d+" if signed else r"\d+", raw) is None:
        raise DomainError(code, value=raw or "—")
    return int(raw)


# -- plain data read off the UI thread ---------------------------------------------------------


@dataclass(frozen=True)
class GoodsRow:
    id: int
    name: str
    unit: str
    price: int
    stock: int
    active: bool


@dataclass(frozen=True)
class AccountView:
    person_id: int
    name: str
    balance: int
    available: int
    pending_in: int
    pending_out: int

    def line(self) -> str:
        text = t(
            f"{self.name} · 余额 {self.balance} 分 · 可用 {self.available} 分",
            f"{self.name} · balance {self.balance} · available {self.available}",
        )
        if self.pending_in:
            text += t(f" · 待审核 +{self.pending_in}", f" · pending +{self.pending_in}")
        return text


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    unit: str
    quantity: int
    price: int


@dataclass(frozen=True)
class Receipt:
    """What the counter prints after a redemption (``result`` "exists": the same
    basket had already been redeemed under its key, and nothing changed)."""

    transfer_id: int
    key: str
    result: str
    person: str
    lines: tuple[ReceiptLine, ...]
    total: int
    balance_after: int
    at: datetime
    operator: str

    def text(self) -> str:
        out = [
            t("爱心超市兑换小票", "Love supermarket receipt"),
            t(f"居民：{self.person}", f"Resident: {self.person}"),
            t(f"时间：{fmt_local(self.at)}", f"Time: {fmt_local(self.at)}"),
        ]
        for x in self.lines:
            out.append(
                f"  {x.name}  {x.quantity}{x.unit} × {x.price} = {x.quantity * x.price}"
                if i18n.language() == "zh"
                else f"  {x.name}  {x.quantity} × {x.price} = {x.quantity * x.price}"
            )
        out += [
            t(f"合计：{self.total} 分", f"Total: {self.total} points"),
            t(f"兑换后余额：{self.balance_after} 分", f"Balance after: {self.balance_after}"),
            t(f"转账编号：{self.transfer_id}", f"Transfer: {self.transfer_id}"),
            t(f"幂等键：{self.key}", f"Key: {self.key}"),
            t(f"经办：{self.operator}", f"Clerk: {self.operator}"),
        ]
        if self.result == "exists":
            out.append(
                t(
                    "（此清单已兑换过，未重复扣分）",
                    "(this basket had already been redeemed; nothing was taken twice)",
                )
            )
        return "\n".join(out)


def load_goods(session: Session, *, include_inactive: bool = False) -> list[GoodsRow]:
    from plugins.points_exchange import services as svc

    return [
        GoodsRow(g.id, g.name, g.unit, g.price, g.stock, g.active)
        for g in svc.list_goods(session, include_inactive=include_inactive)
    ]


def load_account(session: Session, person_id: int) -> AccountView:
    from core.services.people import get_person
    from plugins.points_exchange import services as svc

    s = svc.person_summary(session, person_id, recent=0)
    name = get_person(session, person_id).name
    return AccountView(person_id, name, s.balance, s.available, s.pending_in, s.pending_out)


def redeem_basket(db, actor, person_id: int, items: list, key: str) -> Receipt:
    """Redeem the basket (``BasketItem``s, with the prices shown) under ``key``; the receipt."""
    from core.services.people import get_person
    from plugins.points_exchange import services as svc

    with db.session() as s:
        res = svc.redeem(s, actor=actor, person_id=person_id, items=items, key=key)
        transfer, moves = res.transfer, res.moves
    with db.read_session() as s:
        lines = []
        for m in moves:
            g = svc.get_goods(s, m.goods_id)
            lines.append(ReceiptLine(g.name, g.unit, -m.quantity, m.unit_price or 0))
        return Receipt(
            transfer_id=transfer.id,
            key=transfer.key,
            result=res.result,
            person=get_person(s, person_id).name,
            lines=tuple(lines),
            total=transfer.amount,
            balance_after=svc.balance(s, person_id),
            at=transfer.created_at,
            operator=transfer.recorded_by,
        )


def receipt_path(transfer_id: int) -> Path:
    """``<data dir>/points/receipts/兑换小票-<transfer id>.txt``."""
    from core.config import data_dir

    name = t(f"兑换小票-{transfer_id}", f"receipt-{transfer_id}")
    return data_dir() / "points" / "receipts" / f"{name}.txt"


def amount_text(amount: int) -> str:
    return f"{amount:+d}"


# -- dialogs ------------------------------------------------------------------------------------


class ConfirmScreen(ConfirmModal, prefix="points"):
    """A confirmation (:class:`tui.widgets.forms.ConfirmModal`): a title and the lines to
    check (``#points-confirm-text``); ``y`` confirms, ``n`` / Esc declines."""

    BINDING_TEXT = BINDING_TEXT


class ReceiptScreen(Bilingual, DbWork, ModalScreen[None]):
    """The receipt on screen; ``w`` writes it to a text file in the data directory."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("w", "write", "Save as text", id="points.receipt_write"),
        Binding("escape", "close", "Close", id="points.receipt_close"),
    ]

    def __init__(self, receipt: Receipt) -> None:
        super().__init__()
        self.receipt = receipt
        self.written: Path | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="points-receipt-box"):
            yield Label(Text(self.receipt.text()), id="points-receipt-text")
            yield Label("", id="points-receipt-saved")
            with Horizontal(classes="buttons"):
                yield Button(t("关闭", "Close"), id="points-receipt-close", variant="primary")
                yield Button(t("存为文本（w）", "Save as text (w)"), id="points-receipt-write")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.query_one("#points-receipt-close", Button).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self.query_one("#points-receipt-text", Label).update(Text(self.receipt.text()))

    @on(Button.Pressed, "#points-receipt-close")
    def action_close(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#points-receipt-write")
    def action_write(self) -> None:
        receipt, path = self.receipt, receipt_path(self.receipt.transfer_id)

        def write() -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(receipt.text() + "\n", encoding="utf-8")
            return path

        def done(p: Path) -> None:
            self.written = p
            self.query_one("#points-receipt-saved", Label).update(
                Text(t(f"小票已保存：{p}", f"Receipt saved to {p}"))
            )

        self.db_work(write, done, group="points-receipt-write")


class PointsForm(FormModal, prefix="points"):
    """The section's forms (:class:`tui.widgets.forms.FormModal`): ``submit(values)`` raises
    a :class:`DomainError` for a value it can tell is wrong (the service's own words)."""

    BINDING_TEXT = BINDING_TEXT


class EarnScreen(Bilingual, DbWork, ModalScreen[str | None]):
    """Record points earned: the person (name or pinyin), a rule in force today that
    admits the person's roles (``earnable_rules``), the quantity and a note. One
    idempotency key per form: saving twice records once. Dismissed with what was
    recorded (a sentence), or None."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="points.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="points.form_save", priority=True),
    ]

    def __init__(self, db, person: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.db = db
        self.person = person
        self.key = new_key("earn")
        self.rules: dict[str, Any] = {}  # code -> Rule (the version in force today)
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id="points-earn-box"):
            yield Label(t("录入积分", "Record points earned"), classes="panel-title")
            yield Label(t("人员：", "Person:"))
            yield PersonPicker(
                placeholder=search_hint(),
                id="points-earn-person",
            )
            yield Label(
                t("积分标准（今日有效、适用于此人）：", "Rule (in force today, for this person):")
            )
            yield Select([], prompt=t("选择积分标准", "choose a rule"), id="points-earn-rule")
            yield Label("", id="points-earn-rule-info")
            yield Label(t("次数：", "Quantity:"))
            yield Input("1", id="points-earn-quantity", max_length=6)
            yield Label(t("备注（可空）：", "Note (optional):"))
            yield Input(id="points-earn-note", max_length=500)
            yield Label("", id="points-earn-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("保存", "Save"), id="points-earn-save", variant="primary")
                yield Button(t("取消", "Cancel"), id="points-earn-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        picker = self.query_one("#points-earn-person", PersonPicker)
        if self.person is not None:
            picker.select(*self.person)
            self.query_one("#points-earn-rule", Select).focus()
        else:
            picker.query_one(Input).focus()

    @on(PersonPicker.Changed, "#points-earn-person")
    def _person(self, event: PersonPicker.Changed) -> None:
        rules = self.query_one("#points-earn-rule", Select)
        self.rules = {}
        rules.set_options([])
        self.query_one("#points-earn-rule-info", Label).update("")
        if event.value is None:
            return
        db, pid = self.db, event.value

        def fetch() -> list:
            from plugins.points_exchange import services as svc

            with db.read_session() as s:
                return svc.earnable_rules(s, pid)

        self.db_work(fetch, self._rules, group="points-earn-rules", on_error=self._error)

    def _rules(self, rules: list) -> None:
        self.rules = {r.code: r for r in rules}
        select = self.query_one("#points-earn-rule", Select)
        select.set_options([(self._rule_label(r), r.code) for r in rules])
        if not rules:
            self._error(
                t("此人今日没有适用的积分标准", "No rule in force today admits this person")
            )
        elif len(rules) == 1:
            select.value = rules[0].code

    @staticmethod
    def _rule_label(rule) -> str:
        approval = t(" · 需审核", " · needs approval") if rule.needs_approval else ""
        return f"{rule.name(i18n.language())} · {rule.points} " + t("分", "pts") + approval

    @on(Select.Changed, "#points-earn-rule")
    def _rule(self, event: Select.Changed) -> None:
        rule = self.rules.get(event.value) if isinstance(event.value, str) else None
        info = ""
        if rule is not None:
            caps = []
            if rule.daily_cap:
                caps.append(t(f"每日上限 {rule.daily_cap} 分", f"daily cap {rule.daily_cap}"))
            if rule.monthly_cap:
                caps.append(t(f"每月上限 {rule.monthly_cap} 分", f"monthly cap {rule.monthly_cap}"))
            if rule.needs_approval:
                caps.append(t("须另一人审核", "a second person approves"))
            info = t("，", ", ").join(caps)
        self.query_one("#points-earn-rule-info", Label).update(Text(info))

    def _error(self, message: str) -> None:
        self.busy = False
        self.query_one("#points-earn-error", Label).update(Text(message))

    @on(Input.Submitted)
    @on(Button.Pressed, "#points-earn-save")
    def _submitted(self, event) -> None:
        if isinstance(event, Input.Submitted) and event.input.has_class("picker-input"):
            return  # Enter in the person search picks a person
        self.action_save()

    @on(Button.Pressed, "#points-earn-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from plugins.points_exchange import services as svc

        if self.busy:
            return
        person_id = self.query_one("#points-earn-person", PersonPicker).value
        if person_id is None:
            self._error(t("请先选择人员", "Choose a person first"))
            return
        code = self.query_one("#points-earn-rule", Select).value
        if not isinstance(code, str) or code not in self.rules:
            self._error(t("请选择积分标准", "Choose a rule"))
            return
        try:
            quantity = parse_int(self.query_one("#points-earn-quantity", Input).value)
        except DomainError as exc:
            self._error(exc.message(i18n.language()))
            return
        note = self.query_one("#points-earn-note", Input).value.strip()
        name = self.query_one("#points-earn-person", PersonPicker).text
        db, actor, key = self.db, self.app.actor, self.key

        def write() -> str:
            with db.session() as s:
                res = svc.earn(
                    s,
                    actor=actor,
                    person_id=person_id,
                    rule_code=code,
                    quantity=quantity,
                    note=note,
                    key=key,
                )
                tr = res.transfer
            if tr.phase == "pending":
                return t(
                    f"已录入 {name} +{tr.amount} 分，待另一人审核（转账 {tr.id}）",
                    f"Recorded {name} +{tr.amount}, pending approval by another person "
                    f"(transfer {tr.id})",
                )
            return t(
                f"已入账 {name} +{tr.amount} 分（转账 {tr.id}）",
                f"Posted {name} +{tr.amount} (transfer {tr.id})",
            )

        self.busy = True
        self.db_work(write, self.dismiss, group="points-earn-write", on_error=self._error)


# -- shared bits of the screens -----------------------------------------------------------------


class PointsScreen(WriteThenReload, Bilingual, DbWork, Screen):
    """Base of the section's screens: heading, column headers, a status and an error line;
    what a write did goes to the status line (and a notification), a refusal to the error
    line."""

    BINDING_TEXT = BINDING_TEXT
    FORM = PointsForm
    COLUMNS: dict[str, tuple[tuple[str, str, str], ...]] = {}  # table id -> (key, zh, en)

    def __init__(self, db) -> None:
        super().__init__()
        self.db = db
        self.busy = False

    def heading(self) -> str:
        return ""

    def _columns(self) -> None:
        for table_id, cols in self.COLUMNS.items():
            table = self.query_one(f"#{table_id}", DataTable)
            table.clear(columns=True)
            for key, zh, en in cols:
                table.add_column(t(zh, en), key=key)

    def _relabel(self) -> None:
        """Headings and column headers in the current language (on mount and on F2)."""
        self.query_one(".points-heading", Label).update(Text(self.heading()))
        self._columns()
        for picker in self.query(PersonPicker):
            picker.query_one(Input).placeholder = search_hint()

    def render_rows(self) -> None:
        """Fill the tables from what was loaded last."""

    def refresh_language(self) -> None:
        super().refresh_language()
        self._relabel()
        self.render_rows()

    def say(self, message: str) -> None:
        self.query_one(".points-error", Label).update("")
        self.query_one(".status-line", Label).update(Text(message))

    def fail(self, message: str) -> None:
        self.busy = False
        self.query_one(".points-error", Label).update(Text(message))

    def announce(self, message: str) -> None:
        self.say(message)
        self.app.notify(message)

    def write_failed(self, message: str) -> None:
        self.fail(message)

    def highlighted(self, table_id: str) -> int | None:
        table = self.query_one(f"#{table_id}", DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def action_back(self) -> None:
        self.app.pop_screen()

    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read what the screen shows again."""


# -- the counter ------------------------------------------------------------------------------


class CounterScreen(PointsScreen):
    """爱心超市 · 兑换柜台 / Love supermarket counter: the section's main screen."""

    DEFAULT_CSS = """
    CounterScreen #points-counter { height: 1fr; }
    CounterScreen #points-counter-left { width: 3fr; padding: 0 1; }
    CounterScreen #points-counter-right { width: 2fr; padding: 0 1; }
    CounterScreen #points-goods { height: 1fr; }
    CounterScreen #points-basket { height: 1fr; }
    CounterScreen .points-error { color: $error; height: auto; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="points.back"),
        Binding("p", "find_person", "Find resident", id="points.find_person"),
        Binding("plus,equals_sign", "add_one", "Add one", id="points.add_one"),
        Binding("minus", "remove_one", "Take one back", id="points.remove_one"),
        Binding("x", "clear_basket", "Empty basket", id="points.clear_basket"),
        Binding("c", "checkout", "Redeem", id="points.checkout"),
        Binding("e", "earn", "Record points", id="points.earn"),
        Binding("a", "approvals", "Approvals", id="points.approvals"),
        Binding("l", "ledger", "Ledger", id="points.ledger"),
        Binding("g", "goods", "Goods & stock", id="points.goods"),
        Binding("f9", "notice", "Export the notice", id="points.notice"),
        Binding("r", "reload", "Reload", id="points.reload"),
    ]
    COLUMNS = {
        "points-goods": (
            ("name", "物品", "Goods"),
            ("unit", "单位", "Unit"),
            ("price", "积分价", "Price"),
            ("stock", "库存", "Stock"),
            ("basket", "已选", "In basket"),
        ),
        "points-basket": (
            ("name", "物品", "Goods"),
            ("quantity", "数量", "Qty"),
            ("price", "单价", "Price"),
            ("subtotal", "小计", "Subtotal"),
        ),
    }

    def __init__(self, db) -> None:
        super().__init__(db)
        self.goods: dict[int, GoodsRow] = {}
        self.basket: dict[int, int] = {}  # goods id -> quantity, in the order picked
        self.basket_key = new_key("basket")
        self.account: AccountView | None = None
        self.receipt: Receipt | None = None  # the last one shown
        self.redemptions = 0  # baskets sent to the service (a test counts them)

    def heading(self) -> str:
        return t(
            "爱心超市 · 兑换柜台（p 找居民；回车/+ 加一件，- 减一件；c 确认兑换；"
            "e 录入积分；a 审核；l 明细；g 物品库存；F9 导出公示）",
            "Love supermarket counter (p find resident; Enter/+ add, - take back; c redeem; "
            "e record points; a approvals; l ledger; g goods & stock; F9 notice)",
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", classes="panel-title points-heading")
        with Horizontal(id="points-counter"):
            with Vertical(id="points-counter-left"):
                yield PersonPicker(
                    placeholder=search_hint(),
                    id="points-person",
                )
                yield Label("", id="points-account")
                yield DataTable(id="points-goods", cursor_type="row", zebra_stripes=True)
            with Vertical(id="points-counter-right"):
                yield Label("", id="points-basket-title", classes="panel-title")
                yield DataTable(id="points-basket", cursor_type="row")
                yield Label("", id="points-total")
                yield Label("", id="points-error", classes="points-error")
        yield Label("", id="points-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._relabel()
        self.query_one("#points-person", PersonPicker).query_one(Input).focus()
        self.reload()

    def _relabel(self) -> None:
        super()._relabel()
        self.query_one("#points-basket-title", Label).update(t("兑换清单", "Basket"))

    def on_screen_resume(self) -> None:
        self.reload()

    # -- loading ---------------------------------------------------------------------------

    def reload(self) -> None:
        db = self.db
        pid = self.account.person_id if self.account else None

        def fetch() -> tuple[list[GoodsRow], AccountView | None]:
            with db.read_session() as s:
                return load_goods(s), (load_account(s, pid) if pid else None)

        self.db_work(fetch, self._loaded, group="points-counter-read")

    def _loaded(self, found: tuple[list[GoodsRow], AccountView | None]) -> None:
        goods, account = found
        self.goods = {g.id: g for g in goods}
        self.basket = {gid: q for gid, q in self.basket.items() if gid in self.goods}
        if account is not None and self.account and account.person_id == self.account.person_id:
            self.account = account
        self.render_rows()

    @on(PersonPicker.Changed, "#points-person")
    def _person(self, event: PersonPicker.Changed) -> None:
        self.query_one("#points-error", Label).update("")
        if event.value is None:
            self.account = None
            self.render_rows()
            return
        db, pid = self.db, event.value

        def fetch() -> AccountView:
            with db.read_session() as s:
                return load_account(s, pid)

        def show(account: AccountView) -> None:
            self.account = account
            self.render_rows()
            self.query_one("#points-goods", DataTable).focus()

        self.db_work(fetch, show, group="points-counter-person", on_error=self.fail)

    # -- showing ------------------------------------------------------------------------------

    def total(self) -> int:
        return sum(q * self.goods[gid].price for gid, q in self.basket.items())

    def render_rows(self) -> None:
        account = self.query_one("#points-account", Label)
        if self.account is None:
            account.update(
                t("请先查找居民（姓名或拼音首字母）", "Find the resident first (name or pinyin)")
            )
        else:
            account.update(Text(self.account.line()))
        table = self.query_one("#points-goods", DataTable)
        keep = table.cursor_row
        table.clear()
        for g in self.goods.values():
            stock: str | Text = str(g.stock)
            if g.stock < low_stock():
                stock = Text(str(g.stock), style="bold red")
            in_basket = self.basket.get(g.id, 0)
            table.add_row(
                g.name,
                g.unit,
                str(g.price),
                stock,
                str(in_basket) if in_basket else "",
                key=str(g.id),
            )
        if self.goods:
            table.move_cursor(row=min(keep, len(self.goods) - 1))
        basket = self.query_one("#points-basket", DataTable)
        basket.clear()
        for gid, q in self.basket.items():
            g = self.goods[gid]
            line: str | Text = f"{q}{g.unit}" if i18n.language() == "zh" else str(q)
            if q > g.stock:
                line = Text(str(line) + t("（库存不足）", " (short)"), style="bold red")
            basket.add_row(g.name, line, str(g.price), str(q * g.price), key=str(gid))
        self._show_total()

    def _show_total(self) -> None:
        total = self.total()
        label = self.query_one("#points-total", Label)
        if self.account is None:
            label.update(Text(t(f"合计 {total} 分", f"Total {total} points")))
            return
        available = self.account.available
        if total > available:
            label.update(
                Text(
                    t(
                        f"合计 {total} 分 · 可用 {available} 分 · 超出 {total - available} 分",
                        f"Total {total} · available {available} · {total - available} short",
                    ),
                    style="bold red",
                )
            )
        else:
            label.update(
                Text(
                    t(
                        f"合计 {total} 分 · 可用 {available} 分 · 兑换后 {available - total} 分",
                        f"Total {total} · available {available} · after {available - total}",
                    )
                )
            )

    # -- the basket --------------------------------------------------------------------------

    @on(DataTable.RowSelected, "#points-goods")
    def _picked(self, event: DataTable.RowSelected) -> None:
        self._change(int(event.row_key.value), +1)

    def action_add_one(self) -> None:
        gid = self.highlighted("points-goods")
        if gid is not None:
            self._change(gid, +1)

    def action_remove_one(self) -> None:
        table = "points-basket" if self.query_one("#points-basket").has_focus else "points-goods"
        gid = self.highlighted(table)
        if gid is not None:
            self._change(gid, -1)

    def _change(self, gid: int, delta: int) -> None:
        if self.busy or gid not in self.goods:
            return
        q = self.basket.get(gid, 0) + delta
        if q > 0:
            self.basket[gid] = q
        else:
            self.basket.pop(gid, None)
        self.query_one("#points-error", Label).update("")
        self.render_rows()

    def action_clear_basket(self) -> None:
        if self.busy:
            return
        self.basket.clear()
        self.basket_key = new_key("basket")  # a new basket starts: a new key
        self.query_one("#points-error", Label).update("")
        self.render_rows()

    def action_find_person(self) -> None:
        self.query_one("#points-person", PersonPicker).query_one(Input).focus()

    def action_checkout(self) -> None:
        """Show the basket with its prices; confirmed, redeem it."""
        if self.busy:
            return
        if self.account is None:
            self.fail(t("请先查找居民", "Find the resident first"))
            return
        if not self.basket:
            self.fail(error_text("points.empty_basket"))
            return
        lines = []
        for gid, q in self.basket.items():
            g = self.goods[gid]
            lines.append(f"{g.name}  {q} × {g.price} = {q * g.price}")
        total, available = self.total(), self.account.available
        lines.append(t(f"合计：{total} 分", f"Total: {total} points"))
        lines.append(
            t(
                f"可用：{available} 分；兑换后：{available - total} 分",
                f"Available: {available}; after: {available - total}",
            )
        )
        title = t(f"为 {self.account.name} 兑换？", f"Redeem for {self.account.name}?")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.submit_basket()

        self.app.push_screen(ConfirmScreen(title, "\n".join(lines)), confirmed)

    def submit_basket(self) -> None:
        """Send the basket to the service under the basket's key, with the prices shown.
        Sent twice (a double Enter, a retry), the key makes it one redemption."""
        if self.account is None or not self.basket:
            return
        from plugins.points_exchange.services import BasketItem

        items = [BasketItem(gid, q, self.goods[gid].price) for gid, q in self.basket.items()]
        db, actor, pid, key = self.db, self.app.actor, self.account.person_id, self.basket_key
        self.busy = True
        self.redemptions += 1
        self.db_work(
            lambda: redeem_basket(db, actor, pid, items, key),
            self._redeemed,
            group="points-redeem",
            on_error=self._refused,
        )

    def _redeemed(self, receipt: Receipt) -> None:
        self.busy = False
        if self.receipt is not None and self.receipt.key == receipt.key:
            return  # the same basket answered twice: one receipt
        self.receipt = receipt
        self.basket.clear()
        self.basket_key = new_key("basket")
        self.say(
            t(
                f"已兑换：转账 {receipt.transfer_id}，{receipt.person} 余额 {receipt.balance_after} 分",
                f"Redeemed: transfer {receipt.transfer_id}; {receipt.person} now has "
                f"{receipt.balance_after}",
            )
        )
        self.reload()
        self.app.push_screen(ReceiptScreen(receipt))

    def _refused(self, message: str) -> None:
        # nothing was written (a changed price, short stock or credits …): show why and
        # read the shelf again, so that the next confirmation shows today's prices
        self.fail(message)
        self.reload()

    # -- the other screens -----------------------------------------------------------------------

    def action_earn(self) -> None:
        def done(message: str | None) -> None:
            if message:
                self.say(message)
                self.app.notify(message)

        self.app.push_screen(EarnScreen(self.db, self._current_person()), done)

    def _current_person(self) -> tuple[int, str] | None:
        return (self.account.person_id, self.account.name) if self.account else None

    def action_approvals(self) -> None:
        self.app.push_screen(ApprovalsScreen(self.db))

    def action_ledger(self) -> None:
        self.app.push_screen(LedgerScreen(self.db, self._current_person()))

    def action_goods(self) -> None:
        self.app.push_screen(GoodsScreen(self.db))

    def action_notice(self) -> None:
        export_notice(self.app, self.say)


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
            ("id", "编号", "No."),
            ("person", "人员", "Person"),
            ("rule", "积分标准", "Rule"),
            ("amount", "积分", "Points"),
            ("recorded_by", "录入人", "Recorded by"),
            ("at", "录入时间", "Recorded at"),
            ("note", "备注", "Note"),
        )
    }

    def __init__(self, db) -> None:
        super().__init__(db)
        self.lines: list = []

    def heading(self) -> str:
        return t(
            "积分审核 · 待审核的积分（a 审核通过，须由录入人以外的人审核；v 作废）",
            "Approvals · pending earnings (a approves: not by the recorder; v voids)",
        )

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
        from plugins.points_exchange import services as svc

        db = self.db

        def fetch() -> list:
            with db.read_session() as s:
                return svc.pending_approvals(s)

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
                x.rule_name,
                amount_text(x.amount),
                x.recorded_by,
                fmt_local(x.created_at),
                x.note,
                key=str(x.id),
            )
        if self.lines:
            table.move_cursor(row=min(keep, len(self.lines) - 1))
        self.query_one("#points-approvals-status", Label).update(
            t(f"共 {len(self.lines)} 笔待审核", f"{len(self.lines)} pending")
        )

    def _resolve(self, approve: bool) -> None:
        from plugins.points_exchange import services as svc

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
                t(f"转账 {tid} 已审核通过", f"Transfer {tid} approved")
                if approve
                else t(f"转账 {tid} 已作废", f"Transfer {tid} voided")
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
                t(f"作废转账 {tid}？", f"Void transfer {tid}?"),
                f"{x.person_name}  {x.rule_name}  {amount_text(x.amount)}",
            ),
            confirmed,
        )


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
            ("at", "时间", "Time"),
            ("id", "编号", "No."),
            ("kind", "类型", "Kind"),
            ("rule", "积分标准/说明", "Rule / note"),
            ("state", "状态", "State"),
            ("amount", "积分", "Points"),
            ("balance", "余额", "Balance"),
        )
    }

    def __init__(self, db, person: tuple[int, str] | None = None) -> None:
        super().__init__(db)
        self.person = person
        self.account: AccountView | None = None
        self.lines: list = []
        self.balances: list[int | None] = []

    def heading(self) -> str:
        return t(
            "积分明细（x 冲正所选的已入账转账）",
            "Ledger (x reverses the highlighted posted transfer)",
        )

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
        from plugins.points_exchange import services as svc

        if self.person is None:
            self.account, self.lines, self.balances = None, [], []
            self.render_rows()
            return
        db, pid = self.db, self.person[0]

        def fetch() -> tuple[AccountView, list, list[int | None]]:
            with db.read_session() as s:
                account = load_account(s, pid)
                lines = svc.person_transfers(s, pid, limit=200)
                return account, lines, svc.running_balances(lines, account.balance)

        def show(found: tuple[AccountView, list, list[int | None]]) -> None:
            self.account, self.lines, self.balances = found
            self.render_rows()

        self.db_work(fetch, show, group="points-ledger-read", on_error=self.fail)

    def render_rows(self) -> None:
        from plugins.points_exchange.models import SystemAccount, TransferKind, TransferState

        self.query_one("#points-ledger-account", Label).update(
            Text(self.account.line()) if self.account else t("请先查找人员", "Find a person first")
        )
        table = self.query_one("#points-ledger", DataTable)
        keep = table.cursor_row
        table.clear()
        for x, bal in zip(self.lines, self.balances, strict=True):
            what = x.rule_name or x.note
            if not what and x.counterparty in SystemAccount.__members__:
                what = enum_label(SystemAccount, x.counterparty)  # 爱心超市, 积分调整 …
            if x.reverses_id:
                what = t(f"冲正转账 {x.reverses_id}", f"reverses {x.reverses_id}")
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
            t(f"共 {len(self.lines)} 笔", f"{len(self.lines)} transfers")
        )

    def action_reverse(self) -> None:
        from plugins.points_exchange import services as svc
        from plugins.points_exchange.models import TransferKind

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
                lambda rid: t(
                    f"转账 {tid} 已冲正（冲正转账 {rid}）",
                    f"Transfer {tid} reversed (transfer {rid})",
                ),
            )

        body = (
            f"{fmt_local(x.created_at)}  {enum_label(TransferKind, x.kind)}  "
            f"{x.rule_name or x.note}  {amount_text(x.amount)}\n"
            + t(
                "冲正将按相反方向记一笔同额转账，原记录保留；兑换的物品退回库存。",
                "A reversal records the same amount the other way; the original stays. "
                "Redeemed goods go back on the shelf.",
            )
        )
        self.app.push_screen(
            ConfirmScreen(t(f"冲正转账 {tid}？", f"Reverse transfer {tid}?"), body), confirmed
        )


# -- goods and stock ------------------------------------------------------------------------


class GoodsScreen(PointsScreen):
    """物品与库存 / Goods and stock: low stock highlighted."""

    DEFAULT_CSS = """
    GoodsScreen #points-goods-list { height: 1fr; }
    GoodsScreen .points-error { color: $error; height: auto; }
    """
    BINDINGS = [
        Binding("escape", "back", "Back", id="points.back"),
        Binding("n", "add", "Add goods", id="points.goods_add"),
        Binding("s", "restock", "Restock", id="points.restock"),
        Binding("k", "correct", "Correct stock", id="points.correct_stock"),
        Binding("p", "price", "Change price", id="points.set_price"),
        Binding("r", "reload", "Reload", id="points.reload"),
    ]
    COLUMNS = {
        "points-goods-list": (
            ("name", "物品", "Goods"),
            ("unit", "单位", "Unit"),
            ("price", "积分价", "Price"),
            ("stock", "库存", "Stock"),
            ("state", "状态", "State"),
        )
    }

    def __init__(self, db) -> None:
        super().__init__(db)
        self.rows: list[GoodsRow] = []

    def heading(self) -> str:
        return t(
            f"物品与库存（库存少于 {low_stock()} 标红；n 新增，s 入库，k 盘点更正，p 改价）",
            f"Goods and stock (fewer than {low_stock()} in red; n add, s restock, k correct, "
            "p price)",
        )

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", classes="panel-title points-heading")
        yield DataTable(id="points-goods-list", cursor_type="row", zebra_stripes=True)
        yield Label("", id="points-goods-error", classes="points-error")
        yield Label("", id="points-goods-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._relabel()
        self.query_one("#points-goods-list", DataTable).focus()
        self.reload()

    def reload(self) -> None:
        db = self.db

        def fetch() -> list[GoodsRow]:
            with db.read_session() as s:
                return load_goods(s, include_inactive=True)

        def show(rows: list[GoodsRow]) -> None:
            self.rows = rows
            self.render_rows()

        self.db_work(fetch, show, group="points-goods-read")

    def render_rows(self) -> None:
        table = self.query_one("#points-goods-list", DataTable)
        keep = table.cursor_row
        table.clear()
        low = 0
        for g in self.rows:
            stock: str | Text = str(g.stock)
            state = t("在架", "on the shelf") if g.active else t("已下架", "withdrawn")
            if g.active and g.stock < low_stock():
                low += 1
                stock = Text(str(g.stock), style="bold red")
                state = t("库存偏低", "low stock")
            table.add_row(g.name, g.unit, str(g.price), stock, state, key=str(g.id))
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self.query_one("#points-goods-status", Label).update(
            t(f"共 {len(self.rows)} 种物品，{low} 种库存偏低", f"{len(self.rows)} goods, {low} low")
        )

    def _current(self) -> GoodsRow | None:
        gid = self.highlighted("points-goods-list")
        return next((g for g in self.rows if g.id == gid), None)

    @staticmethod
    def _in_kinds() -> list[tuple[str, str]]:
        from plugins.points_exchange.models import MoveKind

        return [(enum_label(MoveKind, k), k) for k in ("donation", "purchase")]

    def action_add(self) -> None:
        from plugins.points_exchange import services as svc

        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], str]:
            price = parse_int(v["price"], "points.invalid_points")
            stock = parse_int(v["stock"] or "0")

            def write() -> str:
                with db.session() as s:
                    return svc.add_goods(
                        s,
                        actor=actor,
                        name=v["name"],
                        unit=v["unit"],
                        price=price,
                        stock=stock,
                        kind=v["kind"],
                    ).name

            return write

        self.form_then_reload(
            t("新增物品", "Add goods"),
            [
                FormField("name", "名称", "Name"),
                FormField("unit", "单位", "Unit", value="件"),
                FormField("price", "积分价", "Points price"),
                FormField("stock", "初始库存", "Initial stock", value="0"),
                FormField(
                    "kind",
                    "来源",
                    "Source",
                    kind="select",
                    value="donation",
                    choices=self._in_kinds(),
                ),
            ],
            submit,
            lambda name: t(f"已新增物品「{name}」", f"Added '{name}'"),
            form_id="points-goods-add",
        )

    def action_restock(self) -> None:
        from plugins.points_exchange import services as svc

        g = self._current()
        if g is None:
            return
        db, actor, key = self.db, self.app.actor, new_key("restock")

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            quantity = parse_int(v["quantity"])

            def write() -> int:
                with db.session() as s:
                    svc.restock(
                        s,
                        actor=actor,
                        goods_id=g.id,
                        quantity=quantity,
                        kind=v["kind"],
                        key=key,
                        note=v["note"],
                    )
                    return svc.get_goods(s, g.id).stock

            return write

        self.form_then_reload(
            t(f"入库：{g.name}（现有 {g.stock}{g.unit}）", f"Restock: {g.name} ({g.stock} now)"),
            [
                FormField("quantity", "数量", "Quantity"),
                FormField(
                    "kind",
                    "来源",
                    "Source",
                    kind="select",
                    value="donation",
                    choices=self._in_kinds(),
                ),
                FormField("note", "备注（可空）", "Note (optional)"),
            ],
            submit,
            lambda stock: t(f"「{g.name}」已入库，库存 {stock}", f"'{g.name}' restocked: {stock}"),
            form_id="points-restock",
        )

    def action_correct(self) -> None:
        from plugins.points_exchange import services as svc

        g = self._current()
        if g is None:
            return
        db, actor, key = self.db, self.app.actor, new_key("correct")

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            quantity = parse_int(v["quantity"], signed=True)

            def write() -> int:
                with db.session() as s:
                    svc.correct_stock(
                        s, actor=actor, goods_id=g.id, quantity=quantity, note=v["note"], key=key
                    )
                    return svc.get_goods(s, g.id).stock

            return write

        self.form_then_reload(
            t(
                f"盘点更正：{g.name}（账面 {g.stock}{g.unit}）",
                f"Correct: {g.name} ({g.stock} on record)",
            ),
            [
                FormField("quantity", "增减数量（如 -2）", "Change (e.g. -2)"),
                FormField("note", "原因（必填）", "Reason (required)"),
            ],
            submit,
            lambda stock: t(
                f"「{g.name}」库存已更正为 {stock}", f"'{g.name}' stock corrected: {stock}"
            ),
            form_id="points-correct",
        )

    def action_price(self) -> None:
        from plugins.points_exchange import services as svc

        g = self._current()
        if g is None:
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            price = parse_int(v["price"], "points.invalid_points")

            def write() -> int:
                with db.session() as s:
                    return svc.set_price(s, actor=actor, goods_id=g.id, price=price).price

            return write

        self.form_then_reload(
            t(f"改价：{g.name}（现价 {g.price} 分）", f"Price of {g.name} (now {g.price})"),
            [FormField("price", "新积分价", "New points price", value=str(g.price))],
            submit,
            lambda price: t(f"「{g.name}」积分价改为 {price}", f"'{g.name}' now costs {price}"),
            form_id="points-price",
        )


# -- the public notice ---------------------------------------------------------------------------


def notice_path(month: str, fmt: str) -> Path:
    """``<data dir>/points/notices/积分公示-<YYYY-MM>-<YYYYMMDD-HHMMSS>.<fmt>`` (a new
    file each time: exports never overwrite)."""
    stem = t(f"积分公示-{month}", f"points-notice-{month}")
    return export_path("points", "notices", stem=stem, fmt=fmt, stamp="%Y%m%d-%H%M%S")


def export_notice(app, said: Callable[[str], Any] | None = None) -> None:
    """Ask for the month (default this one) and the format (Excel or Word), write the
    month's public notice (公示) into the data directory and say where."""
    from plugins.points_exchange import reports

    db = app.db

    def submit(v: dict[str, Any]) -> Callable[[], Path]:
        month = reports.parse_month(v["month"]).label  # a bad month is refused here
        path = notice_path(month, v["format"])

        def write() -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            with db.read_session() as s:
                return reports.write_notice(s, month, path, v["format"])

        return write

    def done(path: Path | None) -> None:
        if path is None:
            return
        message = t(f"积分公示已写入 {path}", f"The notice was written to {path}")
        if said is not None:
            said(message)
        app.notify(message)

    app.push_screen(
        PointsForm(
            t("导出积分公示", "Export the month's public notice"),
            [
                FormField(
                    "month", "月份（YYYY-MM）", "Month (YYYY-MM)", value=reports.this_month()
                ),
                FormField(
                    "format",
                    "格式",
                    "Format",
                    kind="select",
                    value="xlsx",
                    choices=[("Excel (.xlsx)", "xlsx"), ("Word (.docx)", "docx")],
                ),
            ],
            submit,
            form_id="points-notice",
        ),
        done,
    )


# -- entry points for the plugin's hooks --------------------------------------------------------


def counter(db) -> CounterScreen:
    return CounterScreen(db)


def open_earn(app) -> None:
    """The palette action: record points earned (reloads the screen beneath when saved)."""

    def done(message: str | None) -> None:
        if message:
            app.notify(message)

    app.push_screen(EarnScreen(app.db), done)


def open_approvals(app) -> None:
    app.push_screen(ApprovalsScreen(app.db))


def open_goods(app) -> None:
    app.push_screen(GoodsScreen(app.db))


__all__ = [
    "ApprovalsScreen",
    "ConfirmScreen",
    "CounterScreen",
    "EarnScreen",
    "GoodsScreen",
    "LedgerScreen",
    "PointsForm",
    "Receipt",
    "ReceiptScreen",
    "counter",
    "export_notice",
    "notice_path",
    "open_approvals",
    "open_earn",
    "open_goods",
    "receipt_path",
]
