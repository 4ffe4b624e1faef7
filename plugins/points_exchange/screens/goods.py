"""物品与库存 / Goods and stock: add, restock, correct a count, change a price."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.plugins.points_exchange.i18n import N_, _
from gongzhi.plugins.points_exchange.queries import GoodsRow, load_goods
from gongzhi.plugins.points_exchange.screens.common import (
    PointsScreen,
    field,
    low_stock,
    new_key,
    parse_int,
)
from gongzhi.tui.widgets.bilingual import enum_label
from gongzhi.tui.widgets.forms import FormError

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
            ("name", N_("Goods")),
            ("unit", N_("Unit")),
            ("price", N_("Price")),
            ("stock", N_("Stock")),
            ("state", N_("State")),
            ("number", N_("No.")),
        )
    }

    def __init__(self, db) -> None:
        super().__init__(db)
        self.rows: list[GoodsRow] = []

    def heading(self) -> str:
        return _(
            "Goods and stock (fewer than {value} in red; n add, s restock, k correct, p price)"
        ).format(value=low_stock())

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
            state = _("on the shelf") if g.active else _("withdrawn")
            if g.active and g.stock < low_stock():
                low += 1
                stock = Text(str(g.stock), style="bold red")
                state = _("low stock")
            table.add_row(g.name, g.unit, str(g.price), stock, state, f"#{g.id}", key=str(g.id))
        if self.rows:
            table.move_cursor(row=min(keep, len(self.rows) - 1))
        self.query_one("#points-goods-status", Label).update(
            _("{n_rows} goods, {low} low").format(n_rows=len(self.rows), low=low)
        )

    def _current(self) -> GoodsRow | None:
        gid = self.highlighted("points-goods-list")
        return next((g for g in self.rows if g.id == gid), None)

    @staticmethod
    def _in_kinds() -> list[tuple[str, str]]:
        from gongzhi.plugins.points_exchange.models import MoveKind

        return [(enum_label(MoveKind, k), k) for k in ("donation", "purchase")]

    @staticmethod
    def _chosen_kind(values: dict[str, Any]) -> str:
        """The source chosen on the form (donated or bought; donated unless another is typed)."""
        if values["kind"] is None:
            raise FormError(_("Choose the source: donation or purchase"))
        return values["kind"]

    def action_add(self) -> None:
        from gongzhi.plugins.points_exchange import services as svc

        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], str]:
            price = parse_int(v["price"], "points.invalid_points")
            stock = parse_int(v["stock"] or "0")
            kind = self._chosen_kind(v)

            def write() -> str:
                with db.session() as s:
                    return svc.add_goods(
                        s,
                        actor=actor,
                        name=v["name"],
                        unit=v["unit"],
                        price=price,
                        stock=stock,
                        kind=kind,
                    ).name

            return write

        self.form_then_reload(
            _("Add goods"),
            [
                field("name", N_("Name")),
                field("unit", N_("Unit"), value="件"),
                field("price", N_("Points price")),
                field("stock", N_("Initial stock"), value="0"),
                field(
                    "kind",
                    N_("Source"),
                    kind="choice",
                    value="donation",
                    choices=self._in_kinds(),
                ),
            ],
            submit,
            lambda name: _("Added '{name}'").format(name=name),
            form_id="points-goods-add",
        )

    def action_restock(self) -> None:
        from gongzhi.plugins.points_exchange import services as svc

        g = self._current()
        if g is None:
            return
        db, actor, key = self.db, self.app.actor, new_key("restock")

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            quantity = parse_int(v["quantity"])
            kind = self._chosen_kind(v)

            def write() -> int:
                with db.session() as s:
                    svc.restock(
                        s,
                        actor=actor,
                        goods_id=g.id,
                        quantity=quantity,
                        kind=kind,
                        key=key,
                        note=v["note"],
                    )
                    return svc.get_goods(s, g.id).stock

            return write

        self.form_then_reload(
            _("Restock: {name} ({stock} now)").format(name=g.name, stock=g.stock, unit=g.unit),
            [
                field("quantity", N_("Quantity")),
                field(
                    "kind",
                    N_("Source"),
                    kind="choice",
                    value="donation",
                    choices=self._in_kinds(),
                ),
                field("note", N_("Note (optional)")),
            ],
            submit,
            lambda stock: _("'{name}' restocked: {stock}").format(name=g.name, stock=stock),
            form_id="points-restock",
        )

    def action_correct(self) -> None:
        from gongzhi.plugins.points_exchange import services as svc

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
            _("Correct: {name} ({stock} on record)").format(
                name=g.name, stock=g.stock, unit=g.unit
            ),
            [
                field("quantity", N_("Change (e.g. -2)")),
                field("note", N_("Reason (required)")),
            ],
            submit,
            lambda stock: _("'{name}' stock corrected: {stock}").format(name=g.name, stock=stock),
            form_id="points-correct",
        )

    def action_price(self) -> None:
        from gongzhi.plugins.points_exchange import services as svc

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
            _("Price of {name} (now {price})").format(name=g.name, price=g.price),
            [field("price", N_("New points price"), value=str(g.price))],
            submit,
            lambda price: _("'{name}' now costs {price}").format(name=g.name, price=price),
            form_id="points-price",
        )
