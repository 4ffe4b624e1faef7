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

from plugins.points_exchange.receipts import Receipt, receipt_path
from plugins.points_exchange.screens.approvals import ApprovalsScreen
from plugins.points_exchange.screens.common import (
    BINDING_TEXT,
    ConfirmScreen,
    PointsForm,
    PointsScreen,
)
from plugins.points_exchange.screens.counter import CounterScreen
from plugins.points_exchange.screens.earn import EarnScreen
from plugins.points_exchange.screens.goods import GoodsScreen
from plugins.points_exchange.screens.ledger import LedgerScreen
from plugins.points_exchange.screens.notice import choose_notice, export_notice, notice_path
from plugins.points_exchange.screens.receipt import ReceiptScreen

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
    "BINDING_TEXT",
    "PointsScreen",
    "ApprovalsScreen",
    "ConfirmScreen",
    "CounterScreen",
    "EarnScreen",
    "GoodsScreen",
    "LedgerScreen",
    "PointsForm",
    "Receipt",
    "ReceiptScreen",
    "choose_notice",
    "counter",
    "export_notice",
    "notice_path",
    "open_approvals",
    "open_earn",
    "open_goods",
    "receipt_path",
]
