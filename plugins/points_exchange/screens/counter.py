"""爱心超市 · 兑换柜台 / the love supermarket's counter: the section's main screen."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import DataTable, Footer, Header, Input, Label

from gongzhi.core.errors import DomainError
from gongzhi.plugins.points_exchange.i18n import N_, _
from gongzhi.plugins.points_exchange.queries import AccountView, GoodsRow, load_account, load_goods
from gongzhi.plugins.points_exchange.receipts import Receipt, redeem_basket
from gongzhi.plugins.points_exchange.screens.approvals import ApprovalsScreen
from gongzhi.plugins.points_exchange.screens.common import (
    ConfirmScreen,
    PointsScreen,
    error_text,
    low_stock,
    new_key,
    parse_int,
    search_hint,
)
from gongzhi.plugins.points_exchange.screens.earn import EarnScreen
from gongzhi.plugins.points_exchange.screens.goods import GoodsScreen
from gongzhi.plugins.points_exchange.screens.goods_picker import GoodsPicker
from gongzhi.plugins.points_exchange.screens.ledger import LedgerScreen
from gongzhi.plugins.points_exchange.screens.notice import choose_notice, export_notice
from gongzhi.plugins.points_exchange.screens.receipt import ReceiptScreen
from gongzhi.tui import i18n
from gongzhi.tui.widgets.pickers import PersonPicker

# -- the counter ------------------------------------------------------------------------------


class CounterScreen(PointsScreen):
    """爱心超市 · 兑换柜台 / Love supermarket counter: the section's main screen."""

    DEFAULT_CSS = """
    CounterScreen #points-counter { height: 1fr; }
    CounterScreen #points-counter-left { width: 3fr; padding: 0 1; }
    CounterScreen #points-counter-right { width: 2fr; padding: 0 1; }
    CounterScreen #points-pick-row { height: auto; }
    CounterScreen #points-goods-pick { width: 1fr; }
    CounterScreen #points-quantity-label { width: auto; padding: 1 1 0 1; }
    CounterScreen #points-quantity { width: 8; }
    CounterScreen #points-pick-hint { color: $text-muted; height: auto; width: 1fr; }
    CounterScreen #points-account { width: 1fr; }
    CounterScreen #points-goods { height: 1fr; }
    CounterScreen #points-basket { height: 1fr; }
    CounterScreen .points-error { color: $error; height: auto; }
    """

    # in priority order (the footer shows the first ones on a small terminal: all seven at
    # 100 columns, in short words, with the list focused); ctrl+s and F9 work from the
    # search boxes too
    BINDINGS = [
        Binding("ctrl+s", "checkout", "Redeem", id="points.checkout", priority=True),
        Binding("f9", "notice", "Notice", id="points.notice"),
        Binding("escape", "back", "Back", id="points.back"),
        Binding("c", "checkout", "Redeem", id="points.checkout_key", show=False),
        Binding("plus,equals_sign", "add_one", "Add one", id="points.add_one", show=False),
        Binding("minus", "remove_one", "Take one back", id="points.remove_one", show=False),
        Binding("x", "clear_basket", "Empty basket", id="points.clear_basket", show=False),
        Binding("p", "find_person", "Find resident", id="points.find_person", show=False),
        Binding("e", "earn", "Add points", id="points.earn"),
        Binding("a", "approvals", "Approvals", id="points.approvals"),
        Binding("l", "ledger", "Ledger", id="points.ledger"),
        Binding("g", "goods", "Goods & stock", id="points.goods"),
        Binding(
            "shift+f9", "notice_month", "Notice of a month", id="points.notice_month", show=False
        ),
        Binding("r", "reload", "Reload", id="points.reload", show=False),
    ]
    COLUMNS = {
        "points-goods": (
            ("name", N_("Goods")),
            ("unit", N_("Unit")),
            ("price", N_("Price")),
            ("stock", N_("Stock")),
            ("basket", N_("In basket")),
            ("number", N_("No.")),
        ),
        "points-basket": (
            ("name", N_("Goods")),
            ("quantity", N_("Qty")),
            ("price", N_("Price")),
            ("subtotal", N_("Subtotal")),
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
        return _(
            "Love supermarket counter (resident → goods Enter, qty Enter → Enter on empty redeems)"
        )

    @staticmethod
    def goods_hint() -> str:
        return _("goods: name, pinyin initials or number")

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
                with Horizontal(id="points-pick-row"):
                    yield GoodsPicker(placeholder=self.goods_hint(), id="points-goods-pick")
                    yield Label("", id="points-quantity-label")
                    yield Input("1", id="points-quantity", max_length=4)
                yield Label("", id="points-pick-hint")
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
        self.query_one("#points-basket-title", Label).update(_("Basket"))
        self.query_one("#points-quantity-label", Label).update(_("Qty"))
        self.query_one("#points-goods-pick", GoodsPicker).query_one(
            Input
        ).placeholder = self.goods_hint()
        self._hint()

    def _hint(self) -> None:
        """What comes next, said before any typing."""
        if self.account is None:
            text = _("First find the resident: name, pinyin initials or phone tail, Enter picks")
        elif not self.basket:
            text = _("Type the goods and Enter, then the quantity and Enter (↓ lists every item)")
        else:
            text = _("Add more goods; Enter on the empty goods box (or ctrl+s) redeems")
        self.query_one("#points-pick-hint", Label).update(Text(text))

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
        self.query_one("#points-goods-pick", GoodsPicker).set_goods(goods)
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
            self.query_one("#points-goods-pick", GoodsPicker).query_one(Input).focus()

        self.db_work(fetch, show, group="points-counter-person", on_error=self.fail)

    # -- showing ------------------------------------------------------------------------------

    def total(self) -> int:
        return sum(q * self.goods[gid].price for gid, q in self.basket.items())

    def render_rows(self) -> None:
        account = self.query_one("#points-account", Label)
        if self.account is None:
            account.update("")  # the hint below says what comes first
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
                f"#{g.id}",  # the goods' number: typed in the goods search
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
                line = Text(str(line) + _(" (short)"), style="bold red")
            basket.add_row(g.name, line, str(g.price), str(q * g.price), key=str(gid))
        self._show_total()
        self._hint()

    def _show_total(self) -> None:
        total = self.total()
        label = self.query_one("#points-total", Label)
        if self.account is None:
            label.update(Text(_("Total {total} points").format(total=total)))
            return
        available = self.account.available
        if total > available:
            label.update(
                Text(
                    _("Total {total} · available {available} · {amount} short").format(
                        total=total, available=available, amount=total - available
                    ),
                    style="bold red",
                )
            )
        else:
            label.update(
                Text(
                    _("Total {total} · available {available} · after {amount}").format(
                        total=total, available=available, amount=available - total
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

    # -- goods by typing, with a quantity ------------------------------------------------------

    @on(GoodsPicker.Changed, "#points-goods-pick")
    def _goods_chosen(self, event: GoodsPicker.Changed) -> None:
        if event.value is None:
            return
        quantity = self.query_one("#points-quantity", Input)
        quantity.value = "1"
        quantity.focus()  # the whole "1" is selected: typing replaces it

    @on(Input.Submitted, "#points-quantity")
    def _quantity(self, event: Input.Submitted) -> None:
        event.stop()
        picker = self.query_one("#points-goods-pick", GoodsPicker)
        gid = picker.value
        if gid is None:
            self.pick_error(_("Type the goods and press Enter first"))
            picker.query_one(Input).focus()
            return
        try:
            q = parse_int(event.value)
            if q <= 0:
                raise DomainError("points.invalid_quantity", value=event.value.strip())
        except DomainError as exc:
            self.pick_error(exc.message(i18n.language()))
            return
        self._change(gid, q)
        picker.clear()
        event.input.value = "1"
        picker.query_one(Input).focus()

    def pick_error(self, message: str) -> None:
        """A wrong goods or quantity: said right under the boxes, and in a notification."""
        self.query_one("#points-pick-hint", Label).update(Text(message, style="bold red"))
        self.app.notify(message, severity="error")

    @on(GoodsPicker.Done, "#points-goods-pick")
    def _goods_done(self, event: GoodsPicker.Done) -> None:
        self.action_checkout()

    def action_find_person(self) -> None:
        self.query_one("#points-person", PersonPicker).query_one(Input).focus()

    def action_checkout(self) -> None:
        """Show the basket with its prices; confirmed, redeem it."""
        if self.busy:
            return
        if self.account is None:
            self._refuse(_("Find the resident first"))
            self.action_find_person()
            return
        if not self.basket:
            self._refuse(error_text("points.empty_basket"))
            return
        lines = []
        for gid, q in self.basket.items():
            g = self.goods[gid]
            lines.append(f"{g.name}  {q} × {g.price} = {q * g.price}")
        total, available = self.total(), self.account.available
        lines.append(_("Total: {total} points").format(total=total))
        lines.append(
            _("Available: {available}; after: {amount}").format(
                available=available, amount=available - total
            )
        )
        title = _("Redeem for {name}?").format(name=self.account.name)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.submit_basket()

        self.app.push_screen(ConfirmScreen(title, "\n".join(lines)), confirmed)

    def submit_basket(self) -> None:
        """Send the basket to the service under the basket's key, with the prices shown.
        Sent twice (a double Enter, a retry), the key makes it one redemption."""
        if self.account is None or not self.basket:
            return
        from gongzhi.plugins.points_exchange.services import BasketItem

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
            _("Redeemed: transfer {transfer_id}; {person} now has {balance_after}").format(
                transfer_id=receipt.transfer_id,
                person=receipt.person,
                balance_after=receipt.balance_after,
            )
        )
        self.reload()
        self.app.push_screen(ReceiptScreen(receipt))

    def _refused(self, message: str) -> None:
        # nothing was written (a changed price, short stock or credits …): show why and
        # read the shelf again, so that the next confirmation shows today's prices
        self.fail(message)
        self.app.notify(message, severity="error")
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

    def action_notice_month(self) -> None:
        choose_notice(self.app, self.say)

    def _refuse(self, message: str) -> None:
        """Why an action cannot be done now: beside the basket and in a notification."""
        self.fail(message)
        self.app.notify(message, severity="warning")
