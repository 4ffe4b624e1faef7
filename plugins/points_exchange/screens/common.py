"""What the points exchange's screens share: binding texts, small helpers, the
confirmation and form dialogs, and :class:`PointsScreen`, the base of the section's screens."""

from __future__ import annotations

import re
import uuid
from dataclasses import replace
from typing import Any, ClassVar

from rich.text import Text
from textual.screen import Screen
from textual.widgets import DataTable, Input, Label

from gongzhi.core.errors import DomainError
from gongzhi.plugins.points_exchange.i18n import N_, _
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import DbWork, gate_bindings, permitted
from gongzhi.tui.widgets.bilingual import Bilingual
from gongzhi.tui.widgets.forms import ConfirmModal, FormField, FormModal, modal_binding_text
from gongzhi.tui.widgets.pickers import PersonPicker
from gongzhi.tui.widgets.writes import WriteThenReload

# binding id -> description (a message id of the plugin's catalog)
BINDING_TEXT: dict[str, str] = {
    "points.back": N_("Back"),
    "points.reload": N_("Reload"),
    "points.find_person": N_("Find resident"),
    "points.add_one": N_("Add one"),
    "points.remove_one": N_("Take one back"),
    "points.clear_basket": N_("Empty basket"),
    "points.checkout": N_("Redeem"),
    "points.earn": N_("Add points"),
    "points.approvals": N_("Approvals"),
    "points.ledger": N_("Ledger"),
    "points.goods": N_("Goods & stock"),
    "points.notice": N_("Notice"),  # this month's; shift+F9 asks which
    "points.notice_month": N_("Notice of a month"),
    "points.checkout_key": N_("Redeem"),
    "points.approve": N_("Approve"),
    "points.void": N_("Void"),
    "points.reverse": N_("Reverse"),
    "points.goods_add": N_("Add goods"),
    "points.restock": N_("Restock"),
    "points.correct_stock": N_("Correct stock"),
    "points.set_price": N_("Change price"),
    "points.receipt_print": N_("Print receipt"),
    "points.receipt_write": N_("Save as Word"),
    "points.receipt_close": N_("Close"),
    "points.form_save": N_("Save"),
    "points.form_cancel": N_("Cancel"),
}
# the shared dialogs' bindings (their words are the core's)
MODAL_TEXT = modal_binding_text("points")


def low_stock() -> int:
    """Goods with fewer than this many on the shelf are highlighted (the monthly
    report's threshold)."""
    from gongzhi.plugins.points_exchange.reports import LOW_STOCK

    return LOW_STOCK


def new_key(prefix: str) -> str:
    """A client-made idempotency key (≤ 64 characters): one per basket or form."""
    return f"{prefix}-{uuid.uuid4().hex}"


def error_text(code: str, **params: Any) -> str:
    """A service error's message in the UI's language (the same words the service uses)."""
    return DomainError(code, **params).message(i18n.language())


def search_hint() -> str:
    return _("name, pinyin initials or phone tail")


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
    """A confirmation (:class:`gongzhi.tui.widgets.forms.ConfirmModal`): a title and the lines to
    check (``#points-confirm-text``); ``y`` confirms, ``n`` / Esc declines."""

    BINDING_TEXT = MODAL_TEXT


class PointsForm(FormModal, prefix="points"):
    """The section's forms (:class:`gongzhi.tui.widgets.forms.FormModal`): ``submit(values)`` raises
    a :class:`DomainError` for a value it can tell is wrong (the service's own words)."""

    BINDING_TEXT = MODAL_TEXT


def field(key: str, label: str, **kwargs: Any) -> FormField:
    """A form row labelled with a message id (``field("name", N_("Name"))``), in the
    current language."""
    return FormField(key, _(label), _(label), **kwargs)


# what a binding writes needs (plugin.register_permissions): a role without the permission
# anywhere is not offered the key (the services still check)
gate_bindings(
    {
        "points.checkout": "points.redeem",
        "points.checkout_key": "points.redeem",
        "points.earn": "points.earn",
        "points.approve": "points.approve",
        "points.void": "points.approve",
        "points.reverse": "points.reverse",
        "points.goods_add": "points.goods",
        "points.restock": "points.goods",
        "points.correct_stock": "points.goods",
        "points.set_price": "points.goods",
    }
)


class Translated(Bilingual):
    """:class:`~gongzhi.tui.widgets.bilingual.Bilingual` with the bindings' descriptions from the
    plugin's gettext catalog: ``BINDING_TEXT`` maps a binding id to a message id; the
    bindings the operator's role may not use are left out."""

    BINDING_TEXT: ClassVar[dict[str, str]] = BINDING_TEXT  # type: ignore[assignment]

    def translate_own_bindings(self) -> None:
        bindings = self._bindings  # type: ignore[attr-defined]
        for key, items in list(bindings.key_to_bindings.items()):
            kept = [
                replace(b, description=_(self.BINDING_TEXT[b.id]))
                if b.id in self.BINDING_TEXT
                else b
                for b in items
                if permitted(self, b.id)  # type: ignore[arg-type]
            ]
            if kept:
                bindings.key_to_bindings[key] = kept
            else:
                del bindings.key_to_bindings[key]


# -- shared bits of the screens -----------------------------------------------------------------


class PointsScreen(WriteThenReload, Translated, DbWork, Screen):
    """Base of the section's screens: heading, column headers, a status and an error line;
    what a write did goes to the status line (and a notification), a refusal to the error
    line."""

    BINDING_TEXT = BINDING_TEXT
    FORM = PointsForm
    COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {}  # table id -> (key, message id)

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
            for key, label in cols:
                table.add_column(_(label), key=key)

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
