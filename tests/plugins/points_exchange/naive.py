"""A deliberately naive points ledger: read, check in Python, then write.

Kept in the tests only, as the proof that the concurrency tests can fail
(``test_concurrency.py``, "the naive variant"). It has the signatures of
:func:`gongzhi.plugins.points_exchange.services.earn` and ``redeem`` and writes the same
rows, but it does what the real ledger must never do:

- it reads the balance, the stock and the idempotency key, checks them in Python
  and then writes the values it computed (``SET stock = :read_stock - 1``), with
  no conditional UPDATE (``… WHERE stock >= 1``), no ``FOR UPDATE`` and no retry;
- by default it reads in one transaction and writes in the next, as a counter
  screen does when it shows the stock and the balance and the clerk then
  confirms (``split=True``). With ``split=False`` it reads and writes in one
  transaction: still unsafe on PostgreSQL under READ COMMITTED (a plain SELECT
  takes no lock), but accidentally safe on SQLite, where ``BEGIN IMMEDIATE``
  makes every writing transaction wait for the previous one before its first read.

``pause`` is called between the check and the write (the clerk looking at the
screen); the tests pass a barrier there so that every worker has read before any
writes, which makes the race certain instead of likely.

Its values never trip the CHECK constraints (each writer leaves what it read
minus one sale, which its own check allowed): the race shows as more winners
than there were items or points, as stored figures that disagree with the rows
(lost updates, which ``verify()`` reports), or as a raw unique-key error where
the real ledger answers "exists". It runs only on the tests' throwaway copies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import update
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.services import Actor
from gongzhi.plugins.points_exchange import ledger
from gongzhi.plugins.points_exchange.models import (
    Account,
    AccountKind,
    Goods,
    MoveKind,
    Phase,
    StockMove,
    SystemAccount,
    Transfer,
    TransferKind,
)
from gongzhi.plugins.points_exchange.services import BasketItem, TransferResult, rule_for


def _nothing() -> None:
    return None


def _end_read(session: Session, split: bool) -> None:
    if split:
        session.commit()


def _set_account(session: Session, account: Account, **values: int) -> None:
    # the naive write: absolute values computed from what was read, no WHERE guard
    session.execute(
        update(Account)
        .where(Account.id == account.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def redeem(
    session: Session,
    *,
    actor: Actor,
    person_id: int,
    items: Iterable[BasketItem | tuple[int, int, int]],
    key: str | None = None,
    note: str = "",
    split: bool = True,
    pause: Callable[[], None] = _nothing,
) -> TransferResult:
    """Redeem a basket by read-check-write. Same errors as the real one for an
    empty shelf or account (``points.out_of_stock``, ``points.exceeds_credits``),
    judged on what it read."""
    basket = sorted(
        (i if isinstance(i, BasketItem) else BasketItem(*i) for i in items),
        key=lambda i: i.goods_id,
    )
    key = ledger.make_key(key)
    amount = sum(i.quantity * i.price for i in basket)
    try:
        # read …
        existing = ledger.transfer_by_key(session, key)
        if existing is not None:
            return TransferResult("exists", existing)
        account = ledger.person_account(session, person_id)
        supermarket = ledger.system_account(session, SystemAccount.supermarket)
        goods = {i.goods_id: session.get(Goods, i.goods_id) for i in basket}
        read_stock = {gid: g.stock for gid, g in goods.items()}
        read_account = (account.debits_posted, account.available) if account else (0, 0)
        read_market = supermarket.credits_posted
        # … check in Python …
        for i in basket:
            if read_stock[i.goods_id] < i.quantity:
                g = goods[i.goods_id]
                raise DomainError(
                    "points.out_of_stock",
                    goods=g.name,
                    stock=g.stock,
                    quantity=i.quantity,
                    unit=g.unit,
                )
        if account is None or read_account[1] < amount:
            raise DomainError(
                "points.exceeds_credits",
                person=person_id,
                available=read_account[1],
                amount=amount,
            )
        _end_read(session, split)
        pause()
        # … then write what was computed
        row = Transfer(
            key=key,
            kind=TransferKind.redeem.value,
            phase=Phase.single.value,
            debit_account_id=account.id,
            credit_account_id=supermarket.id,
            amount=amount,
            note=note,
            recorded_by=actor.name,
        )
        session.add(row)
        session.flush()
        for i in basket:
            session.execute(
                update(Goods)
                .where(Goods.id == i.goods_id)
                .values(stock=read_stock[i.goods_id] - i.quantity)
                .execution_options(synchronize_session=False)
            )
            session.add(
                StockMove(
                    goods_id=i.goods_id,
                    kind=MoveKind.redemption.value,
                    quantity=-i.quantity,
                    unit_price=i.price,
                    transfer_id=row.id,
                    recorded_by=actor.name,
                )
            )
        _set_account(session, account, debits_posted=read_account[0] + amount)
        _set_account(session, supermarket, credits_posted=read_market + amount)
        session.commit()
        return TransferResult("created", row)
    except BaseException:
        session.rollback()
        raise


def earn(
    session: Session,
    *,
    actor: Actor,
    person_id: int,
    rule_code: str,
    quantity: int = 1,
    key: str | None = None,
    note: str = "",
    split: bool = True,
    pause: Callable[[], None] = _nothing,
) -> TransferResult:
    """Earn under a rule (posted at once; no roles, caps or budget) by
    read-check-write: the key is looked up, and if it is free the row is
    inserted — a concurrent twin fails on the unique key instead of "exists"."""
    key = ledger.make_key(key)
    try:
        existing = ledger.transfer_by_key(session, key)
        if existing is not None:
            return TransferResult("exists", existing)
        rule = rule_for(session, rule_code)
        amount = rule.points * quantity
        issuance = ledger.system_account(session, SystemAccount.issuance)
        account = ledger.person_account(session, person_id)
        read_issued = issuance.debits_posted
        read_credits = account.credits_posted if account else 0
        _end_read(session, split)
        pause()
        if account is None:
            account = Account(kind=AccountKind.person.value, person_id=person_id)
            session.add(account)
            session.flush()
        row = Transfer(
            key=key,
            kind=TransferKind.earn.value,
            phase=Phase.single.value,
            debit_account_id=issuance.id,
            credit_account_id=account.id,
            amount=amount,
            rule_id=rule.id,
            quantity=quantity,
            note=note,
            recorded_by=actor.name,
        )
        session.add(row)
        session.flush()
        _set_account(session, issuance, debits_posted=read_issued + amount)
        _set_account(session, account, credits_posted=read_credits + amount)
        session.commit()
        return TransferResult("created", row)
    except BaseException:
        session.rollback()
        raise
