"""Every invariant of the points ledger and the love supermarket's stock, checked
against the database: what ``gongzhi points verify`` runs (and exits non-zero on
any violation), and what the Hypothesis state machine asserts after every step.

1. The ledger balances: Σ debits = Σ credits over all accounts, posted and pending.
2. Each account's stored counters equal what its transfers add up to.
3. No counter is negative; no person's account is below zero
   (debits_posted + debits_pending ≤ credits_posted).
4. Each goods' stored stock equals Σ of its stock moves, and is ≥ 0.
5. Pairs are consistent: a post/void names a pending transfer with the same
   accounts and amount, at most one per pending; a reversal names a posted,
   non-reversal transfer, with the accounts swapped and the same amount, at most
   one per transfer; a redemption's amount is Σ quantity × price of its moves, and
   a reversed redemption's goods came back.

Read-only: one reading transaction, so the figures are one consistent snapshot.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session

from gongzhi.plugins.points_exchange.models import (
    Account,
    AccountKind,
    Goods,
    Phase,
    StockMove,
    Transfer,
)


@dataclass(frozen=True)
class Violation:
    """One broken invariant: ``check`` names it, ``subject`` what breaks it."""

    check: str
    subject: str
    detail: str

    def __str__(self) -> str:
        return f"{self.check}: {self.subject}: {self.detail}"


COUNTERS = ("debits_posted", "credits_posted", "debits_pending", "credits_pending")


def expected_counters(transfers: list[Transfer]) -> dict[int, dict[str, int]]:
    """Each account's four counters, recomputed from its transfers."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    for t in transfers:
        d, c, a = out[t.debit_account_id], out[t.credit_account_id], t.amount
        if t.phase == Phase.single:
            d["debits_posted"] += a
            c["credits_posted"] += a
        elif t.phase == Phase.pending:
            d["debits_pending"] += a
            c["credits_pending"] += a
        elif t.phase == Phase.post:
            d["debits_pending"] -= a
            d["debits_posted"] += a
            c["credits_pending"] -= a
            c["credits_posted"] += a
        else:
            d["debits_pending"] -= a
            c["credits_pending"] -= a
    return out


def verify(session: Session) -> list[Violation]:
    """All violations found (an empty list: the ledger and the stock are sound)."""
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # one snapshot for every query below: under READ COMMITTED each statement
        # would see the clerks' latest commits and report differences that are not there
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    out: list[Violation] = []
    accounts = list(session.scalars(select(Account).order_by(Account.id)))
    transfers = list(session.scalars(select(Transfer).order_by(Transfer.id)))
    by_id = {t.id: t for t in transfers}

    # 1. the ledger balances
    for posted_or_pending in ("posted", "pending"):
        debits = sum(getattr(a, f"debits_{posted_or_pending}") for a in accounts)
        credits = sum(getattr(a, f"credits_{posted_or_pending}") for a in accounts)
        if debits != credits:
            out.append(
                Violation(
                    "ledger_balances", posted_or_pending, f"Σ debits {debits} ≠ Σ credits {credits}"
                )
            )

    # 2. stored counters = Σ transfers; 3. none negative
    expected = expected_counters(transfers)
    for a in accounts:
        want = expected.get(a.id, dict.fromkeys(COUNTERS, 0))
        for name in COUNTERS:
            if getattr(a, name) != want[name]:
                out.append(
                    Violation(
                        "stored_balance",
                        f"account {a.id}",
                        f"{name} is {getattr(a, name)}, transfers add up to {want[name]}",
                    )
                )
            if getattr(a, name) < 0:
                out.append(
                    Violation("negative", f"account {a.id}", f"{name} is {getattr(a, name)}")
                )
        if a.kind == AccountKind.person and a.debits_posted + a.debits_pending > a.credits_posted:
            out.append(
                Violation(
                    "negative",
                    f"account {a.id}",
                    f"person's balance below zero: available {a.available}",
                )
            )

    # 4. stock = Σ moves ≥ 0
    sums = dict(
        session.execute(
            select(StockMove.goods_id, func.sum(StockMove.quantity)).group_by(StockMove.goods_id)
        ).all()
    )
    for g in session.scalars(select(Goods).order_by(Goods.id)):
        total = int(sums.get(g.id) or 0)
        if g.stock != total:
            out.append(
                Violation("stock", f"goods {g.id}", f"stock is {g.stock}, moves add up to {total}")
            )
        if g.stock < 0 or total < 0:
            out.append(
                Violation("stock", f"goods {g.id}", f"negative stock {g.stock} (moves {total})")
            )

    # 5. pairs
    posted_pendings = {t.pending_id for t in transfers if t.phase == Phase.post}
    resolutions: dict[int, int] = defaultdict(int)
    reversals: dict[int, int] = defaultdict(int)
    for t in transfers:
        if t.phase in (Phase.post, Phase.void):
            p = by_id.get(t.pending_id)
            resolutions[t.pending_id] += 1
            if p is None or p.phase != Phase.pending:
                out.append(
                    Violation(
                        "pending_pair",
                        f"transfer {t.id}",
                        f"{t.pending_id} is not a pending transfer",
                    )
                )
            elif (p.debit_account_id, p.credit_account_id, p.amount) != (
                t.debit_account_id,
                t.credit_account_id,
                t.amount,
            ):
                out.append(
                    Violation("pending_pair", f"transfer {t.id}", f"differs from pending {p.id}")
                )
        if t.reverses_id is not None:
            o = by_id.get(t.reverses_id)
            reversals[t.reverses_id] += 1
            if o is None or o.kind == "reversal" or o.phase in (Phase.post, Phase.void):
                out.append(
                    Violation(
                        "reversal_pair",
                        f"transfer {t.id}",
                        f"{t.reverses_id} is not a transfer that can be reversed",
                    )
                )
                continue
            if (o.debit_account_id, o.credit_account_id, o.amount) != (
                t.credit_account_id,
                t.debit_account_id,
                t.amount,
            ):
                out.append(
                    Violation(
                        "reversal_pair", f"transfer {t.id}", f"does not mirror transfer {o.id}"
                    )
                )
            if o.phase == Phase.pending and o.id not in posted_pendings:
                out.append(
                    Violation(
                        "reversal_pair",
                        f"transfer {t.id}",
                        f"reverses {o.id}, which was never posted",
                    )
                )
    for pending_id, n in resolutions.items():
        if n > 1:
            out.append(Violation("pending_pair", f"transfer {pending_id}", f"resolved {n} times"))
    for original_id, n in reversals.items():
        if n > 1:
            out.append(Violation("reversal_pair", f"transfer {original_id}", f"reversed {n} times"))

    moves_by_transfer: dict[int, list[StockMove]] = defaultdict(list)
    for m in session.scalars(select(StockMove).where(StockMove.transfer_id.is_not(None))):
        moves_by_transfer[m.transfer_id].append(m)
    for t in transfers:
        moves = moves_by_transfer.get(t.id, [])
        if t.kind == "redeem":
            total = sum(-m.quantity * (m.unit_price or 0) for m in moves if m.kind == "redemption")
            if total != t.amount or not moves:
                out.append(
                    Violation(
                        "redemption",
                        f"transfer {t.id}",
                        f"amount {t.amount}, its goods are worth {total}",
                    )
                )
        if (
            t.reverses_id is not None
            and by_id.get(t.reverses_id) is not None
            and by_id[t.reverses_id].kind == "redeem"
        ):
            taken = sorted(
                (m.goods_id, -m.quantity) for m in moves_by_transfer.get(t.reverses_id, [])
            )
            back = sorted((m.goods_id, m.quantity) for m in moves)
            if taken != back:
                out.append(
                    Violation(
                        "redemption",
                        f"transfer {t.id}",
                        "the reversal did not put back the goods the redemption took",
                    )
                )
    return out
