"""The receipt dialog (兑换小票) shown after a redemption.

Enter (or ``p``) prints: the receipt is saved as Word (.docx) in
``<data dir>/points/receipts/`` and, when the ``receipt_printer`` setting names a
printer command (``lp -d counter``), its text goes to that printer too. ``w`` only
saves the .docx; Esc closes.
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

from gongzhi.core.errors import DomainError
from gongzhi.plugins.points_exchange.i18n import _
from gongzhi.plugins.points_exchange.receipts import Receipt, print_receipt, write_receipt_docx
from gongzhi.plugins.points_exchange.screens.common import BINDING_TEXT, Translated
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import DbWork


class ReceiptScreen(Translated, DbWork, ModalScreen[None]):
    """The receipt on screen; Enter / ``p`` prints (Word file, and the printer when one
    is configured), ``w`` saves the Word file only."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("p", "print", "Print receipt", id="points.receipt_print"),
        Binding("w", "write", "Save as Word", id="points.receipt_write"),
        Binding("escape", "close", "Close", id="points.receipt_close"),
    ]

    def __init__(self, receipt: Receipt) -> None:
        super().__init__()
        self.receipt = receipt
        self.written: Path | None = None
        self.printed_to: str | None = None  # the printer command that printed it

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="points-receipt-box"):
            yield Label(Text(self.receipt.text()), id="points-receipt-text")
            yield Label("", id="points-receipt-saved")
            with Horizontal(classes="buttons"):
                yield Button("", id="points-receipt-print", variant="primary")
                yield Button("", id="points-receipt-write")
                yield Button("", id="points-receipt-close")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._relabel()
        self.query_one("#points-receipt-print", Button).focus()  # Enter prints

    def _relabel(self) -> None:
        self.query_one("#points-receipt-print", Button).label = _("Print (p)")
        self.query_one("#points-receipt-write", Button).label = _("Save as Word (w)")
        self.query_one("#points-receipt-close", Button).label = _("Close (Esc)")

    def refresh_language(self) -> None:
        super().refresh_language()
        self._relabel()
        self.query_one("#points-receipt-text", Label).update(Text(self.receipt.text()))

    @on(Button.Pressed, "#points-receipt-close")
    def action_close(self) -> None:
        self.dismiss(None)

    def _say(self, message: str, *, error: bool = False) -> None:
        self.query_one("#points-receipt-saved", Label).update(
            Text(message, style="bold red" if error else "")
        )
        self.app.notify(message, severity="error" if error else "information")

    @on(Button.Pressed, "#points-receipt-write")
    def action_write(self) -> None:
        self._run(to_printer=False)

    @on(Button.Pressed, "#points-receipt-print")
    def action_print(self) -> None:
        self._run(to_printer=True)

    def _run(self, *, to_printer: bool) -> None:
        receipt, db = self.receipt, self.app.db
        lang = i18n.language()

        def work() -> tuple[Path, str | None, str | None]:
            from gongzhi.plugins.points_exchange import services as svc

            path = write_receipt_docx(receipt)
            if not to_printer:
                return path, None, None
            with db.read_session() as s:
                setting = svc.get_settings(s).receipt_printer
            try:
                return path, print_receipt(receipt, setting), None
            except DomainError as exc:  # the .docx is saved; say why it did not print
                return path, None, exc.message(lang)

        def done(found: tuple[Path, str | None, str | None]) -> None:
            path, printer, failed = found
            self.written, self.printed_to = path, printer
            if failed:
                self._say(failed, error=True)
            elif printer:
                self._say(_("Receipt printed and saved to {path}").format(path=path))
            elif to_printer:
                self._say(
                    _(
                        'No printer is set; the receipt was saved to {path} (set one: gongzhi points settings set receipt_printer "lp -d PRINTER")'
                    ).format(path=path)
                )
            else:
                self._say(_("Receipt saved to {path}").format(path=path))

        self.db_work(
            work, done, group="points-receipt-write", on_error=lambda m: self._say(m, error=True)
        )
