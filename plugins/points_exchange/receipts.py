"""The love supermarket's receipt (兑换小票): what a redemption gave, for the resident.

- :func:`redeem_basket` — redeem a basket under its key and read back the receipt;
- :meth:`Receipt.text` — the receipt as lines (on screen, and what a printer gets);
- :func:`write_receipt_docx` — the receipt as Word (.docx), in the data directory;
- :func:`print_receipt` — the receipt to the counter's printer: the command of the
  ``receipt_printer`` setting (e.g. ``lp -d counter``) gets its text on standard
  input, which is how ``lp`` prints plain text without any further filter.

A receipt carries what the resident needs — the lines, the total, the balance after,
the time, the clerk and its number (the number the ledger shows) — and nothing
internal: no idempotency key, no account or rule codes.
"""

from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from gongzhi.core.errors import DomainError
from gongzhi.core.models.types import fmt_local
from gongzhi.plugins.points_exchange.i18n import _
from gongzhi.plugins.points_exchange.queries import ReceiptLine
from gongzhi.tui import i18n

PRINT_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Receipt:
    """What the counter prints after a redemption (``result`` "exists": the same
    basket had already been redeemed under its key, and nothing changed). ``key``
    stays in the program (the counter tells one basket's answers apart by it); it is
    never printed."""

    transfer_id: int
    key: str
    result: str
    person: str
    lines: tuple[ReceiptLine, ...]
    total: int
    balance_after: int
    at: datetime
    operator: str
    street: str = ""

    def title(self) -> str:
        return _("{street} love supermarket receipt").format(street=self.street).strip()

    def line_text(self, x: ReceiptLine) -> str:
        if i18n.language() == "zh":
            return f"{x.name}  {x.quantity}{x.unit} × {x.price} = {x.quantity * x.price}"
        return f"{x.name}  {x.quantity} × {x.price} = {x.quantity * x.price}"

    def head(self) -> list[str]:
        return [
            _("Resident: {person}").format(person=self.person),
            _("Time: {value}").format(value=fmt_local(self.at)),
        ]

    def foot(self) -> list[str]:
        out = [
            _("Total: {total} points").format(total=self.total),
            _("Balance after: {balance_after}").format(balance_after=self.balance_after),
            _("Clerk: {operator}").format(operator=self.operator),
            _("Receipt no.: {transfer_id}").format(transfer_id=self.transfer_id),
        ]
        if self.result == "exists":
            out.append(_("(this basket had already been redeemed; nothing was taken twice)"))
        return out

    def text(self) -> str:
        body = [f"  {self.line_text(x)}" for x in self.lines]
        return "\n".join([self.title(), *self.head(), *body, *self.foot()])


def redeem_basket(db, actor, person_id: int, items: list, key: str) -> Receipt:
    """Redeem the basket (``BasketItem``s, with the prices shown) under ``key``; the receipt."""
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.queries import load_account, receipt_lines
    from gongzhi.plugins.points_exchange.reports import street_name

    with db.session() as s:
        res = svc.redeem(s, actor=actor, person_id=person_id, items=items, key=key)
        transfer = res.transfer
        tid, tkey, amount, at, by = (
            transfer.id,
            transfer.key,
            transfer.amount,
            transfer.created_at,
            transfer.recorded_by,
        )
    with db.read_session() as s:
        account = load_account(s, person_id)
        return Receipt(
            transfer_id=tid,
            key=tkey,
            result=res.result,
            person=account.name,
            lines=receipt_lines(s, tid),
            total=amount,
            balance_after=account.balance,
            at=at,
            operator=by,
            street=street_name(s),
        )


def receipt_path(transfer_id: int, suffix: str = "docx") -> Path:
    """``<data dir>/points/receipts/兑换小票-<number>.docx``."""
    from gongzhi.core.config import data_dir

    name = _("receipt-{transfer_id}").format(transfer_id=transfer_id)
    return data_dir() / "points" / "receipts" / f"{name}.{suffix}"


def write_receipt_docx(receipt: Receipt, path: Path | None = None) -> Path:
    """The receipt as a Word file (a table of the lines); an existing file of the same
    receipt is kept, not written again."""
    from gongzhi.plugins.points_exchange.reports import Document, TableBlock, write_document

    path = path or receipt_path(receipt.transfer_id)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    zh = i18n.language() == "zh"
    rows = [
        [x.name, f"{x.quantity}{x.unit}" if zh else x.quantity, x.price, x.quantity * x.price]
        for x in receipt.lines
    ]
    doc = Document(
        title=receipt.title(),
        lines=receipt.head(),
        tables=[
            TableBlock(
                "",
                [_("Goods"), _("Qty"), _("Price"), _("Subtotal")],
                rows,
            )
        ],
        footer=receipt.foot(),
    )
    return write_document(doc, path, "docx")


def printer_command(setting: str | None) -> list[str] | None:
    """The ``receipt_printer`` setting as a command (None when no printer is set)."""
    if setting is None or not str(setting).strip():
        return None
    try:
        return shlex.split(str(setting))
    except ValueError as exc:
        raise DomainError("points.invalid_setting", key="receipt_printer", value=setting) from exc


def print_receipt(receipt: Receipt, setting: str | None) -> str | None:
    """Send the receipt's text to the configured printer command on standard input;
    the command that printed, or None when no printer is configured. A missing
    command, a failure or a timeout is ``points.print_failed``."""
    command = printer_command(setting)
    if command is None:
        return None
    try:
        done = subprocess.run(
            command,
            input=(receipt.text() + "\n").encode("utf-8"),
            capture_output=True,
            timeout=PRINT_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DomainError("points.print_failed", command=setting, detail=str(exc)) from exc
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise DomainError("points.print_failed", command=setting, detail=detail)
    return str(setting)


__all__ = [
    "Receipt",
    "ReceiptLine",
    "print_receipt",
    "printer_command",
    "receipt_path",
    "redeem_basket",
    "write_receipt_docx",
]
