"""The ledger's mechanics: one transaction per operation, locks in one order,
conditional balance updates, idempotency keys. The public operations are in
:mod:`gongzhi.plugins.points_exchange.services`; this module is what they share.

Concurrency (docs/points.md, "Lock order"):

- Every operation is one transaction on a session from ``Database.session()``
  (``BEGIN IMMEDIATE`` on SQLite, so writers queue on the database lock).
- On PostgreSQL (READ COMMITTED) an operation first creates what it needs (a
  person's account on first need), then locks goods by id, then accounts by id
  (``SELECT … ORDER BY id FOR UPDATE``), and only then reads what it checks
  (caps, budget) and writes. One order for everyone: no lock cycle.
- Balances and stock change only by conditional UPDATEs (``… WHERE available >=
  :amount``); CHECK constraints stand behind them. Never read-check-write.
- The idempotency key, a pending transfer's resolution and a transfer's reversal
  are unique at the database. Two clerks racing on one of them: the loser's
  INSERT fails, :func:`atomic` rolls back and runs the operation again, and the
  second run sees the winner's row and answers "exists" (or the proper error).
  Serialization failures, deadlocks and a busy SQLite are retried the same way.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.services.base import transaction
from gongzhi.plugins.points_exchange import errors as _errors  # noqa: F401  (registers the codes)
from gongzhi.plugins.points_exchange.errors import COMPARED_FIELDS
from gongzhi.plugins.points_exchange.models import (
    Account,
    AccountKind,
    Goods,
    Phase,
    Rule,
    StockMove,
    Transfer,
    TransferState,
)

log = logging.getLogger(__name__)
T = TypeVar("T")

ATTEMPTS = 8
KEY_MAX = 64


# -- one transaction, retried on transient conflicts ------------------------------


def _transient(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in ("40001", "40P01", "23505"):  # serialization, deadlock, unique race
        return True
    text = str(orig if orig is not None else exc)
    if isinstance(exc, IntegrityError):
        return "UNIQUE constraint failed" in text
    return isinstance(exc, OperationalError) and "database is locked" in text


def atomic(session: Session, work: Callable[[], T]) -> T:
    """Run ``work()`` as one transaction of ``session``: commit on success, roll back
    on any error; after a transient conflict (a unique key taken by a concurrent
    transaction, a serialization failure, a deadlock, a busy SQLite) run it again
    from the start — ``work`` re-reads everything it needs."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction(session):
                return work()
        except DBAPIError as exc:
            if attempt == ATTEMPTS or not _transient(exc):
                raise
            log.info(
                "points: retrying after a transient conflict (%s), attempt %d", exc.orig, attempt
            )
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
    raise AssertionError("unreachable")


# -- keys -----------------------------------------------------------------------


def make_key(key: str | None) -> str:
    """The caller's idempotency key, checked; a fresh random one when none is given."""
    if key is None:
        return uuid.uuid4().hex
    text = str(key).strip()
    if not text or len(text) > KEY_MAX:
        raise DomainError("points.invalid_key", key=key)
    return text


def transfer_by_key(session: Session, key: str) -> Transfer | None:
    return session.scalar(select(Transfer).where(Transfer.key == key))


def move_by_key(session: Session, key: str) -> StockMove | None:
    return session.scalar(select(StockMove).where(StockMove.key == key))


# -- accounts ----------------------------------------------------------------------


def account_label(account: Account) -> str:
    """``person:12`` or ``system:issuance``: how idempotency compares accounts."""
    return (
        f"person:{account.person_id}"
        if account.kind == AccountKind.person
        else f"system:{account.code}"
    )


def system_account(session: Session, code: str) -> Account:
    account = session.scalar(select(Account).where(Account.code == code))
    if account is None:  # the migration creates them; a missing one is a broken database
        raise RuntimeError(f"points system account {code!r} is missing; run 'gongzhi db upgrade'")
    return account


def person_account(session: Session, person_id: int) -> Account | None:
    return session.scalar(select(Account).where(Account.person_id == person_id))


def ensure_person_account(session: Session, person_id: int) -> Account:
    """The person's account, created on first need (within the caller's transaction:
    if the operation fails, no account is left behind). Two clerks creating it at
    once: one INSERT fails on the unique person_id and :func:`atomic` retries."""
    account = person_account(session, person_id)
    if account is None:
        account = Account(kind=AccountKind.person.value, person_id=person_id)
        session.add(account)
        session.flush()
    return account


def lock_accounts(session: Session, ids: Iterable[int]) -> dict[int, Account]:
    """Lock accounts in id order (PostgreSQL ``FOR UPDATE``; SQLite already holds the
    database lock) and return them fresh from the database."""
    wanted = sorted(set(ids))
    rows = session.scalars(
        select(Account)
        .where(Account.id.in_(wanted))
        .order_by(Account.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {a.id: a for a in rows}


def lock_goods(session: Session, ids: Iterable[int]) -> dict[int, Goods]:
    """Lock goods in id order; always before any account (the one lock order)."""
    wanted = sorted(set(ids))
    rows = session.scalars(
        select(Goods)
        .where(Goods.id.in_(wanted))
        .order_by(Goods.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return {g.id: g for g in rows}


# -- balances ------------------------------------------------------------------------


def _exceeds(session: Session, account: Account, amount: int) -> DomainError:
    from gongzhi.core.models.people import Person

    person = session.get(Person, account.person_id) if account.person_id else None
    fresh = session.scalar(
        select(Account).where(Account.id == account.id).execution_options(populate_existing=True)
    )
    return DomainError(
        "points.exceeds_credits",
        person=person.name if person else account_label(account),
        available=fresh.available if fresh else 0,
        amount=amount,
    )


def _update(session: Session, account: Account, *, guard: int | None = None, **deltas: int) -> bool:
    """``UPDATE points_account SET counter = counter + delta … WHERE id = :id``, and,
    with ``guard``, ``AND credits_posted - debits_posted - debits_pending >= guard``
    on a person's account. True when the row was updated."""
    values = {name: getattr(Account, name) + delta for name, delta in deltas.items()}
    stmt = update(Account).where(Account.id == account.id)
    if guard is not None and account.kind == AccountKind.person:
        stmt = stmt.where(
            Account.credits_posted - Account.debits_posted - Account.debits_pending >= guard
        )
    result = session.execute(stmt.values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


def apply(session: Session, transfer: Transfer, accounts: dict[int, Account]) -> None:
    """Move the stored balances for one (already inserted) transfer, updating the
    two accounts in id order. A debit of a person's account that would take it
    below zero raises ``points.exceeds_credits``."""
    a = transfer.amount
    debit, credit = accounts[transfer.debit_account_id], accounts[transfer.credit_account_id]
    phase = Phase(transfer.phase)
    if phase == Phase.single:
        changes = {debit.id: dict(debits_posted=a), credit.id: dict(credits_posted=a)}
    elif phase == Phase.pending:
        changes = {debit.id: dict(debits_pending=a), credit.id: dict(credits_pending=a)}
    elif phase == Phase.post:
        changes = {
            debit.id: dict(debits_pending=-a, debits_posted=a),
            credit.id: dict(credits_pending=-a, credits_posted=a),
        }
    else:
        changes = {debit.id: dict(debits_pending=-a), credit.id: dict(credits_pending=-a)}
    for account_id in sorted(changes):
        account = accounts[account_id]
        # a new debit (posted at once, or reserved) must leave the account at or above zero
        guard = a if account_id == debit.id and phase in (Phase.single, Phase.pending) else None
        if not _update(session, account, guard=guard, **changes[account_id]):
            raise _exceeds(session, account, a)
    for account in (debit, credit):
        session.refresh(account)


def take_stock(session: Session, goods: Goods, quantity: int) -> bool:
    """``stock = stock - quantity WHERE stock >= quantity``; True when taken."""
    result = session.execute(
        update(Goods)
        .where(Goods.id == goods.id, Goods.stock >= quantity)
        .values(stock=Goods.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def put_stock(session: Session, goods: Goods, quantity: int) -> None:
    session.execute(
        update(Goods)
        .where(Goods.id == goods.id)
        .values(stock=Goods.stock + quantity)
        .execution_options(synchronize_session=False)
    )


# -- idempotency: what a key was used for ------------------------------------------


def content_of(session: Session, transfer: Transfer) -> dict[str, Any]:
    """The comparable content of a stored transfer (see :data:`COMPARED_FIELDS`)."""
    debit = session.get(Account, transfer.debit_account_id)
    credit = session.get(Account, transfer.credit_account_id)
    rule = session.get(Rule, transfer.rule_id) if transfer.rule_id else None
    moves = session.scalars(
        select(StockMove).where(StockMove.transfer_id == transfer.id).order_by(StockMove.goods_id)
    )
    return {
        "kind": transfer.kind,
        "debit_account": account_label(debit),
        "credit_account": account_label(credit),
        "amount": transfer.amount,
        "rule": rule.code if rule else None,
        "quantity": transfer.quantity,
        "flags": transfer.phase,
        "pending_id": transfer.pending_id,
        "reverses": transfer.reverses_id,
        "request": transfer.request_id,
        "basket": [
            (m.goods_id, -m.quantity, m.unit_price) for m in moves if m.kind == "redemption"
        ],
    }


def refuse_different(key: str, ref: int, stored: dict[str, Any], wanted: dict[str, Any]) -> None:
    """Raise ``points.exists_with_different_<field>`` for the first field (in the
    order of :data:`COMPARED_FIELDS`) where ``wanted`` differs from ``stored``."""
    differing = [f for f in COMPARED_FIELDS if f in wanted and stored.get(f) != wanted[f]]
    if differing:
        raise DomainError(
            f"points.exists_with_different_{differing[0]}",
            key=key,
            ref=ref,
            fields="、".join(COMPARED_FIELDS[f][0] for f in differing),
            fields_en=", ".join(COMPARED_FIELDS[f][1] for f in differing),
        )


def check_existing(session: Session, key: str, wanted: dict[str, Any]) -> Transfer | None:
    """The transfer stored under ``key`` when it has the wanted content (the caller
    answers "exists"); None when the key is new; refused when the content differs."""
    existing = transfer_by_key(session, key)
    if existing is not None:
        refuse_different(key, existing.id, content_of(session, existing), wanted)
    return existing


# -- states ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Resolution:
    """What became of transfers: post/void rows by pending id, reversals by reversed id."""

    resolved: dict[int, Transfer]
    reversals: dict[int, Transfer]

    def state(self, transfer: Transfer) -> TransferState:
        if transfer.phase in (Phase.post, Phase.void):
            return TransferState.posted if transfer.phase == Phase.post else TransferState.voided
        if transfer.phase == Phase.pending:
            r = self.resolved.get(transfer.id)
            if r is None:
                return TransferState.pending
            if r.phase == Phase.void:
                return TransferState.voided
        return TransferState.reversed if transfer.id in self.reversals else TransferState.posted


def resolution(session: Session, ids: Iterable[int]) -> Resolution:
    ids = list(set(ids))
    if not ids:
        return Resolution({}, {})
    resolved = {
        t.pending_id: t
        for t in session.scalars(select(Transfer).where(Transfer.pending_id.in_(ids)))
    }
    reversals = {
        t.reverses_id: t
        for t in session.scalars(select(Transfer).where(Transfer.reverses_id.in_(ids)))
    }
    return Resolution(resolved, reversals)


def state_of(session: Session, transfer: Transfer) -> TransferState:
    return resolution(session, [transfer.id]).state(transfer)
