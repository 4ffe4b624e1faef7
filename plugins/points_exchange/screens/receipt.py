"""The receipt dialog (兑换小票) shown after a redemption."""


from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label

# binding id -> (zh, en) descriptions
from plugins.points_exchange.receipts import Receipt, receipt_path
from plugins.points_exchange.screens.common import BINDING_TEXT
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, t


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
