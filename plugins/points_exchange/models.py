"""The points exchange's tables. Every name carries the prefix ``points_``.

The ledger (docs/points.md):

- ``points_account``: one per person who takes part (created on first need) and
  four system accounts (issuance, supermarket, expired, adjustment). Balances are
  stored as four counters, as TigerBeetle's: posted and pending, debits and credits.
  A person's account obeys ``debits_posted + debits_pending <= credits_posted``
  (a CHECK constraint, and every debit is a conditional UPDATE that says so).
- ``points_transfer``: append-only (triggers refuse UPDATE and DELETE), one row per
  client-made idempotency ``key``. Its ``phase`` says how it moves balances:
  ``single`` (posted at once), ``pending`` (reserves), ``post`` / ``void`` (resolves
  the pending transfer ``pending_id``, at most once: a unique constraint). A posted
  transfer is corrected by one reversing transfer (``reverses_id``, unique).
- ``points_rule``: the earning rules (积分标准), versioned and append-only; a
  transfer names the exact rule version it used and keeps its points.
- ``points_goods`` + ``points_stock_move``: goods with a stored stock (CHECK ≥ 0)
  that always equals the sum of their append-only stock moves (账物相符).
- ``points_setting``: the plugin's settings (budget cap, expiry policy, the rules
  a resolved request earns), shared by every clerk of a database.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.chain import chained
from gongzhi.core.i18n import V_, Vocabulary
from gongzhi.core.models.types import UTCDateTime, utcnow

# -- vocabularies -----------------------------------------------------------------
# their words are in the plugin's catalog (locale/<lang>/LC_MESSAGES/points_exchange.po,
# context = the vocabulary's name); LABELS holds each code's English id (core/i18n.py)

VOCAB = Vocabulary("points_exchange", Path(__file__).resolve().parent / "locale")



class Labelled(StrEnum):
    """A StrEnum whose members have words in the plugin's catalog."""

    def label(self, lang: str = "zh") -> str:
        return VOCAB.label(self, lang)


class AccountKind(Labelled):
    person = "person"
    system = "system"


class SystemAccount(Labelled):
    """The ledger's counterparties: points are issued from ``issuance``, spent into
    ``supermarket``, swept into ``expired``; ``adjustment`` takes manual grants and
    deductions."""

    issuance = "issuance"
    supermarket = "supermarket"
    expired = "expired"
    adjustment = "adjustment"


class TransferKind(Labelled):
    earn = "earn"
    redeem = "redeem"
    reversal = "reversal"
    expiry = "expiry"
    adjustment = "adjustment"


class Phase(Labelled):
    single = "single"  # posted at once
    pending = "pending"  # reserved, waiting for approval
    post = "post"  # posts a pending transfer
    void = "void"  # voids a pending transfer


class TransferState(Labelled):
    """What a transfer (as the clerk sees it) has become; derived, never stored."""

    pending = "pending"
    posted = "posted"
    voided = "voided"
    reversed = "reversed"


class MoveKind(Labelled):
    donation = "donation"
    purchase = "purchase"
    redemption = "redemption"
    correction = "correction"
    reversal = "reversal"


class ExpiryPolicy(Labelled):
    none = "none"
    calendar_year = "calendar_year"
    rolling = "rolling"


class BudgetPeriod(Labelled):
    month = "month"
    year = "year"


# who may earn under a rule: the core's membership roles, plus "resident" = anyone
RESIDENT = "resident"

LABELS: dict[str, dict[str, str]] = {
    "AccountKind": {"person": V_("person"), "system": V_("system")},
    "SystemAccount": {
        "issuance": V_("issuance"),
        "supermarket": V_("love supermarket"),
        "expired": V_("expired"),
        "adjustment": V_("adjustment"),
    },
    "TransferKind": {
        "earn": V_("earning"),
        "redeem": V_("redemption"),
        "reversal": V_("reversal"),
        "expiry": V_("expiry"),
        "adjustment": V_("adjustment"),
    },
    "Phase": {
        "single": V_("posted at once"),
        "pending": V_("pending"),
        "post": V_("approval"),
        "void": V_("void"),
    },
    "TransferState": {
        "pending": V_("pending"),
        "posted": V_("posted"),
        "voided": V_("voided"),
        "reversed": V_("reversed"),
    },
    "MoveKind": {
        "donation": V_("donation"),
        "purchase": V_("purchase"),
        "redemption": V_("redemption"),
        "correction": V_("correction"),
        "reversal": V_("reversal"),
    },
    "ExpiryPolicy": {
        "none": V_("never"),
        "calendar_year": V_("at the end of each calendar year"),
        "rolling": V_("rolling"),
    },
    "BudgetPeriod": {"month": V_("per month"), "year": V_("per year")},
}
VOCAB.add(LABELS)


# -- tables -----------------------------------------------------------------------


class Account(SQLModel, table=True):
    """A ledger account: a person's, or one of the system accounts (``code``)."""

    __tablename__ = "points_account"
    __table_args__ = (
        CheckConstraint("kind IN ('person', 'system')", name="ck_points_account_kind"),
        CheckConstraint(
            "(kind = 'person' AND person_id IS NOT NULL AND code IS NULL) OR "
            "(kind = 'system' AND person_id IS NULL AND code IS NOT NULL)",
            name="ck_points_account_owner",
        ),
        CheckConstraint(
            "debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 AND credits_pending >= 0",
            name="ck_points_account_counters",
        ),
        # debits_must_not_exceed_credits, on every person's account
        CheckConstraint(
            "kind = 'system' OR debits_posted + debits_pending <= credits_posted",
            name="ck_points_account_not_negative",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=10)
    person_id: int | None = Field(default=None, foreign_key="person.id", unique=True)
    code: str | None = Field(default=None, max_length=20, unique=True)
    # 64-bit on both databases: the issuance account sums a street's every earning, for years
    debits_posted: int = Field(default=0, sa_type=BigInteger)
    credits_posted: int = Field(default=0, sa_type=BigInteger)
    debits_pending: int = Field(default=0, sa_type=BigInteger)
    credits_pending: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def balance(self) -> int:
        """Posted credits less posted debits: what the account holds."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What can still be debited: the balance less pending debits."""
        return self.credits_posted - self.debits_posted - self.debits_pending


class Rule(SQLModel, table=True):
    """One version of an earning rule (积分标准). Append-only: a change is a new
    version, in force from its ``valid_from``; the rule for a day is its highest
    version with ``valid_from`` on or before that day, if that day is not after
    the version's ``valid_to``."""

    __tablename__ = "points_rule"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_points_rule_code_version"),
        CheckConstraint("points > 0", name="ck_points_rule_points"),
        CheckConstraint("version >= 1", name="ck_points_rule_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, index=True)
    version: int
    name_zh: str = Field(max_length=100)
    name_en: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=1000)
    points: int
    # membership roles that may earn under this rule; "resident" = anyone
    roles: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    daily_cap: int | None = None  # points one person may earn under this rule per day
    monthly_cap: int | None = None  # … per calendar month
    needs_approval: bool = False  # a second person approves (approver ≠ recorder)
    valid_from: date
    valid_to: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(default="", max_length=100)

    def name(self, lang: str = "zh") -> str:
        return self.name_en if lang == "en" and self.name_en else self.name_zh


@chained
class Transfer(SQLModel, table=True):
    """One immutable ledger entry. See the module docstring for ``phase``."""

    __tablename__ = "points_transfer"
    __table_args__ = (
        CheckConstraint("amount > 0", name="ck_points_transfer_amount"),
        CheckConstraint(
            "debit_account_id <> credit_account_id", name="ck_points_transfer_accounts"
        ),
        CheckConstraint(
            "phase IN ('single', 'pending', 'post', 'void')", name="ck_points_transfer_phase"
        ),
        CheckConstraint(
            "(phase IN ('post', 'void')) = (pending_id IS NOT NULL)",
            name="ck_points_transfer_pending_id",
        ),
        CheckConstraint(
            "reverses_id IS NULL OR (phase = 'single' AND kind = 'reversal')",
            name="ck_points_transfer_reversal",
        ),
        Index("ix_points_transfer_debit_created", "debit_account_id", "created_at"),
        Index("ix_points_transfer_credit_created", "credit_account_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64, unique=True)  # the client-made idempotency key
    kind: str = Field(max_length=20, index=True)
    phase: str = Field(max_length=10)
    debit_account_id: int = Field(foreign_key="points_account.id")
    credit_account_id: int = Field(foreign_key="points_account.id")
    amount: int = Field(sa_type=BigInteger)
    rule_id: int | None = Field(default=None, foreign_key="points_rule.id", index=True)
    quantity: int = 1  # how many times the rule's points (e.g. 3 reports)
    pending_id: int | None = Field(default=None, foreign_key="points_transfer.id", unique=True)
    reverses_id: int | None = Field(default=None, foreign_key="points_transfer.id", unique=True)
    request_id: int | None = Field(default=None, foreign_key="request.id", index=True)
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(max_length=100)
    recorded_by_person_id: int | None = Field(default=None, foreign_key="person.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # the hash chain (core.chain): over this row's content and the previous row's hash
    hash: str | None = Field(default=None, max_length=64)


class Goods(SQLModel, table=True):
    """Goods on the love supermarket's shelf. ``stock`` is stored (checked ≥ 0 and
    changed only by conditional updates) and always equals Σ of its stock moves."""

    __tablename__ = "points_goods"
    __table_args__ = (
        CheckConstraint("price > 0", name="ck_points_goods_price"),
        CheckConstraint("stock >= 0", name="ck_points_goods_stock"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    unit: str = Field(default="件", max_length=20)
    price: int  # points per unit
    stock: int = 0
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class StockMove(SQLModel, table=True):
    """One append-only change of stock: + in (donation, purchase, a redemption
    reversed), − out (redemption), ± correction (stocktaking)."""

    __tablename__ = "points_stock_move"
    __table_args__ = (
        CheckConstraint("quantity <> 0", name="ck_points_stock_move_quantity"),
        Index("ix_points_stock_move_goods", "goods_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    goods_id: int = Field(foreign_key="points_goods.id")
    kind: str = Field(max_length=20)
    quantity: int  # signed
    unit_price: int | None = None  # the points price a redemption was made at
    transfer_id: int | None = Field(default=None, foreign_key="points_transfer.id", index=True)
    reverses_move_id: int | None = Field(
        default=None, foreign_key="points_stock_move.id", unique=True
    )
    key: str | None = Field(default=None, max_length=64, unique=True)  # restock idempotency
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Setting(SQLModel, table=True):
    """One setting of the plugin (see :class:`gongzhi.plugins.points_exchange.services.PointsSettings`)."""

    __tablename__ = "points_setting"

    key: str = Field(primary_key=True, max_length=40)
    value: Any = Field(default=None, sa_column=Column(JSON, nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_by: str = Field(default="", max_length=100)
