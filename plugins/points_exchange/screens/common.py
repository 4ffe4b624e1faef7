"""What the points exchange's screens share: binding texts, small helpers, the
confirmation and form dialogs, and :class:`PointsScreen`, the base of the section's screens."""

from __future__ import annotations

import re
import uuid
from typing import Any

from rich.text import Text
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label

from core.errors import DomainError
from tui import i18n
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, t
from tui.widgets.forms import ConfirmModal, FormModal, modal_binding_text
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
    "points.notice": ("本月积分公示", "This month's notice"),
    "points.notice_month": ("选月份导出公示", "Notice of a month"),
    "points.checkout_key": ("确认兑换", "Redeem"),
    "points.approve": ("审核通过", "Approve"),
    "points.void": ("作废", "Void"),
    "points.reverse": ("冲正", "Reverse"),
    "points.goods_add": ("新增物品", "Add goods"),
    "points.restock": ("入库", "Restock"),
    "points.correct_stock": ("盘点更正", "Correct stock"),
    "points.set_price": ("改价", "Change price"),
    "points.receipt_print": ("打印小票", "Print receipt"),
    "points.receipt_write": ("存为 Word", "Save as Word"),
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


def amount_text(amount: int) -> str:
    return f"{amount:+d}"


# -- dialogs ------------------------------------------------------------------------------------


class ConfirmScreen(ConfirmModal, prefix="points"):
    """A confirmation (:class:`tui.widgets.forms.ConfirmModal`): a title and the lines to
    check (``#points-confirm-text``); ``y`` confirms, ``n`` / Esc declines."""

    BINDING_TEXT = BINDING_TEXT


class PointsForm(FormModal, prefix="points"):
    """The section's forms (:class:`tui.widgets.forms.FormModal`): ``submit(values)`` raises
    a :class:`DomainError` for a value it can tell is wrong (the service's own words)."""

    BINDING_TEXT = BINDING_TEXT


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
