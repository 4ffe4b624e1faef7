"""The counter's goods search: a :class:`~gongzhi.tui.widgets.pickers.ChoicePicker` over the shelf.

Goods are found by name (挂面), pinyin initials or full pinyin (``gm``, ``guamian``)
or their number (the goods' number in the goods list); the most redeemed come first.
Each match shows its price and stock. Enter on the empty box means "done": the
picker posts :class:`GoodsPicker.Done` and the counter asks to confirm the basket.
"""

from __future__ import annotations

from collections.abc import Iterable

from textual import on
from textual.message import Message
from textual.widgets import Input

from gongzhi.plugins.points_exchange.i18n import _
from gongzhi.plugins.points_exchange.queries import GoodsRow
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, PickerItem


class GoodsPicker(ChoicePicker):
    """Pick goods by typing; Enter on an empty box posts :class:`Done`."""

    class Done(Message):
        """Enter on the empty goods box: the basket is complete."""

        def __init__(self, picker: GoodsPicker) -> None:
            super().__init__()
            self.picker = picker

        @property
        def control(self) -> GoodsPicker:
            return self.picker

    def __init__(self, **kwargs) -> None:
        super().__init__((), **kwargs)
        self.rows: dict[int, GoodsRow] = {}

    def set_goods(self, goods: Iterable[GoodsRow]) -> None:
        self.rows = {g.id: g for g in goods}
        self.set_choices(
            [Choice(g.id, g.name, code=str(g.id), weight=g.redeemed) for g in self.rows.values()]
        )

    def _items(self, query: str) -> list[PickerItem]:
        items = []
        for c in self.matches(query)[: self.limit]:
            g = self.rows[c.value]
            stock = (
                _("{stock} in stock").format(stock=g.stock, unit=g.unit)
                if g.stock
                else _("out of stock")
            )
            prompt = f"{g.name}  ·  {g.price} " + _("pts") + f"  ·  {stock}  ·  #{g.id}"
            items.append(PickerItem(c.value, c.label, prompt))
        return items

    @on(Input.Submitted, ".picker-input")
    def _done_or_pick(self, event: Input.Submitted) -> None:
        if event.value.strip() or self._searching:
            return  # a search: the picker picks
        event.stop()
        event.prevent_default()  # not the base class's handler: nothing to pick
        self.post_message(self.Done(self))
