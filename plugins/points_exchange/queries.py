"""What the points exchange's screens show, read as plain data (one query per list).

The screens call these off the UI thread (:class:`gongzhi.tui.widgets.base.DbWork`) and keep
the frozen results; writes go through :mod:`gongzhi.plugins.points_exchange.services`.

- :func:`load_goods` — the shelf, with how often each goods item was redeemed (the
  counter's goods search lists the most used first): one query.
- :func:`load_account` — a person's name, balance, available and pending points:
  one query.
- :func:`receipt_lines` — the lines of a redemption with the goods' names and units:
  one query (not one per line).
- :func:`load_ledger` — a person's account and transfers with the balance after each;
  :func:`load_approvals` — the approvals queue. Both read the transfers with their
  accounts, people, rules and resolutions in a fixed number of queries
  (``services._lines`` batches them), whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.plugins.points_exchange.i18n import _


@dataclass(frozen=True)
class GoodsRow:
    id: int
    name: str
    unit: str
    price: int
    stock: int
    active: bool
    redeemed: int = 0  # how many redemption lines named it (the most used first)


@dataclass(frozen=True)
class AccountView:
    person_id: int
    name: str
    balance: int
    available: int
    pending_in: int
    pending_out: int

    def line(self) -> str:
        text = _("{name} · balance {balance} · available {available}").format(
            name=self.name, balance=self.balance, available=self.available
        )
        if self.pending_in:
            text += _(" · pending +{pending_in}").format(pending_in=self.pending_in)
        return text


@dataclass(frozen=True)
class ReceiptLine:
    name: str
    unit: str
    quantity: int
    price: int


def load_goods(session: Session, *, include_inactive: bool = False) -> list[GoodsRow]:
    """Goods by name, each with the number of redemption lines that named it."""
    from gongzhi.plugins.points_exchange.models import Goods, MoveKind, StockMove

    used = (
        select(StockMove.goods_id, func.count().label("n"))
        .where(StockMove.kind == MoveKind.redemption.value)
        .group_by(StockMove.goods_id)
        .subquery()
    )
    stmt = select(Goods, func.coalesce(used.c.n, 0)).outerjoin(used, used.c.goods_id == Goods.id)
    if not include_inactive:
        stmt = stmt.where(Goods.active.is_(True))
    return [
        GoodsRow(g.id, g.name, g.unit, g.price, g.stock, g.active, int(n))
        for g, n in session.execute(stmt.order_by(Goods.name))
    ]


def load_account(session: Session, person_id: int) -> AccountView:
    """The person's name and points (all 0 without an account yet)."""
    from gongzhi.core.models.people import Person
    from gongzhi.plugins.points_exchange.models import Account

    row = session.execute(
        select(
            Person.name,
            Account.credits_posted,
            Account.debits_posted,
            Account.credits_pending,
            Account.debits_pending,
        )
        .outerjoin(Account, Account.person_id == Person.id)
        .where(Person.id == person_id)
    ).first()
    if row is None:
        raise DomainError("person.not_found", ref=person_id)
    name, cp, dp, cpend, dpend = row
    cp, dp, cpend, dpend = cp or 0, dp or 0, cpend or 0, dpend or 0
    return AccountView(person_id, name, cp - dp, cp - dp - dpend, cpend, dpend)


def receipt_lines(session: Session, transfer_id: int) -> tuple[ReceiptLine, ...]:
    """A redemption's lines (goods, unit, quantity taken, unit price), in move order."""
    from gongzhi.plugins.points_exchange.models import Goods, MoveKind, StockMove

    rows = session.execute(
        select(Goods.name, Goods.unit, StockMove.quantity, StockMove.unit_price)
        .join(Goods, Goods.id == StockMove.goods_id)
        .where(
            StockMove.transfer_id == transfer_id,
            StockMove.kind == MoveKind.redemption.value,
        )
        .order_by(StockMove.id)
    )
    return tuple(ReceiptLine(name, unit, -q, price or 0) for name, unit, q, price in rows)


@dataclass(frozen=True)
class LedgerView:
    account: AccountView
    lines: list  # services.TransferLine, newest first
    balances: list[int | None]  # the balance after each line (None: it moved nothing)


def load_ledger(session: Session, person_id: int, *, limit: int = 200) -> LedgerView:
    """What the ledger screen shows for a person."""
    from gongzhi.plugins.points_exchange import services as svc

    account = load_account(session, person_id)
    lines = svc.person_transfers(session, person_id, limit=limit)
    return LedgerView(account, lines, svc.running_balances(lines, account.balance))


def load_approvals(session: Session, *, limit: int = 200) -> list:
    """The approvals queue (``services.TransferLine``), oldest first."""
    from gongzhi.plugins.points_exchange import services as svc

    return svc.pending_approvals(session, limit=limit)
