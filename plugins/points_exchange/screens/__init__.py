"""The points exchange's TUI section (积分兑换 / 爱心超市), for the clerk who records
points and the volunteer at the love supermarket's counter. One screen per module:

- :mod:`.counter` — :class:`CounterScreen`, the section's main screen: find the
  resident (name or pinyin), see their balance, available and pending points; goods
  by name, pinyin or number with a quantity (:mod:`.goods_picker`), the basket's
  total against what is available shown live; Enter on the empty goods search (or
  ctrl+s) confirms and redeems. Each basket carries one client-made idempotency key
  until it is redeemed, so a second Enter, or the same basket sent twice, redeems once.
- :mod:`.receipt` — :class:`ReceiptScreen`: Enter prints (Word, and the configured
  printer), ``w`` saves the Word file.
- :mod:`.earn` — :class:`EarnScreen` (``e``): record points earned.
- :mod:`.approvals` — :class:`ApprovalsScreen` (``a``): approve (another person than
  the recorder) or void pending earnings.
- :mod:`.ledger` — :class:`LedgerScreen` (``l``): a person's transfers with the
  running balance; ``x`` reverses.
- :mod:`.goods` — :class:`GoodsScreen` (``g``): goods and stock.
- :mod:`.notice` — this month's public notice in one key (F9), or a chosen month.
- :mod:`.common` — what they share: binding texts, the dialogs, :class:`PointsScreen`.

What a screen shows is read by :mod:`gongzhi.plugins.points_exchange.queries` off the UI
thread (:class:`gongzhi.tui.widgets.base.DbWork`); writes go through
:mod:`gongzhi.plugins.points_exchange.services`; a refusal is shown in the user's language
and nothing is written. Words come from the plugin's gettext catalog
(:mod:`gongzhi.plugins.points_exchange.i18n`); F2 relabels the open screens
(``refresh_language``). docs/points.md, "In the app", has the keys and the fast paths.
"""

from __future__ import annotations

from gongzhi.plugins.points_exchange.receipts import Receipt, receipt_path
from gongzhi.plugins.points_exchange.screens.approvals import ApprovalsScreen
from gongzhi.plugins.points_exchange.screens.common import (
    BINDING_TEXT,
    ConfirmScreen,
    PointsForm,
    PointsScreen,
)
from gongzhi.plugins.points_exchange.screens.counter import CounterScreen
from gongzhi.plugins.points_exchange.screens.earn import EarnScreen
from gongzhi.plugins.points_exchange.screens.goods import GoodsScreen
from gongzhi.plugins.points_exchange.screens.ledger import LedgerScreen
from gongzhi.plugins.points_exchange.screens.notice import choose_notice, export_notice, notice_path
from gongzhi.plugins.points_exchange.screens.receipt import ReceiptScreen

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
