"""物品与库存 / Goods and stock: add, restock, correct a count, change a price."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Label

from plugins.points_exchange.queries import GoodsRow, load_goods
from plugins.points_exchange.screens.common import PointsScreen, low_stock, new_key, parse_int
from tui.widgets.bilingual import enum_label, t
from tui.widgets.forms import FormField

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
