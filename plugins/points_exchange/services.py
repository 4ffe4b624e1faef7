"""The points exchange's writes and reads: the API the CLI, the TUI, exports and
the concurrency tests build on.

Every write is one service call and one transaction: validate, lock (goods by id,
then accounts by id), write, audit, commit — retried from the start after a
transient conflict (:func:`gongzhi.plugins.points_exchange.ledger.atomic`). Bad input
raises a :class:`DomainError` (``points.*``, see :mod:`.errors`) and writes
nothing. Services take keyword arguments only, ``session`` first: a session from
``Database.session()`` (``BEGIN IMMEDIATE`` on SQLite), the acting operator as
``actor``; ``at=`` (timezone-aware, default now) backdates a record.

Ledger operations take an idempotency ``key`` (1-64 characters, made by the
client; a random one when omitted) and return a :class:`TransferResult` whose
``result`` is ``"created"`` or ``"exists"`` (the same key with the same content
came back: nothing changed). The same key with different content is refused
with ``points.exists_with_different_<field>``.

Ledger operations:
    :func:`earn`, :func:`approve`, :func:`void`, :func:`reverse`, :func:`redeem`,
    :func:`adjust`, :func:`expire`, :func:`earn_for_request` (the request hook).
Rules: :func:`create_rule`, :func:`revise_rule`, :func:`rule_for`, :func:`list_rules`,
    :func:`rule_versions`.
Goods: :func:`add_goods`, :func:`restock`, :func:`correct_stock`, :func:`set_price`,
    :func:`set_goods_active`, :func:`get_goods`, :func:`find_goods`, :func:`list_goods`,
    :func:`stock_moves`.
Settings: :func:`get_settings`, :func:`update_settings`.
Reads: :func:`person_summary`, :func:`person_transfers`, :func:`pending_approvals`,
    :func:`get_transfer`, :func:`find_transfer`, :func:`transfer_line`, :func:`balance`.
    For screens: :func:`earnable_rules`, :func:`running_balances`.
Checks: :func:`gongzhi.plugins.points_exchange.verify.verify`.
"""

from __future__ import annotations

import logging
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.people import Person
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import LOCAL_TZ, fmt_local, local
from gongzhi.core.models.vocab import Role
from gongzhi.core.services.base import (
    Actor,
    audit,
    fact_time,
    optional_text,
    require_text,
    snapshot,
    when,
)
from gongzhi.core.services.orgs import memberships_of
from gongzhi.core.services.people import get_person
from gongzhi.plugins.points_exchange import ledger
from gongzhi.plugins.points_exchange.ledger import atomic, make_key
from gongzhi.plugins.points_exchange.models import (
    RESIDENT,
    Account,
    AccountKind,
    BudgetPeriod,
    ExpiryPolicy,
    Goods,
    MoveKind,
    Phase,
    Rule,
    Setting,
    StockMove,
    SystemAccount,
    Transfer,
    TransferKind,
    TransferState,
)

log = logging.getLogger(__name__)

PLUGIN_ACTOR = "plugin:points_exchange"


@dataclass(frozen=True)
class TransferResult:
    """The answer of a ledger operation: ``result`` is ``"created"`` or ``"exists"``;
    ``transfer`` the row under the key; ``moves`` the stock moves it wrote (a
    redemption, or a redemption's reversal)."""

    result: str
    transfer: Transfer
    moves: tuple[StockMove, ...] = ()

    @property
    def created(self) -> bool:
        return self.result == "created"


@dataclass(frozen=True)
class MoveResult:
    """The answer of a stock operation with a key: ``"created"`` or ``"exists"``."""

    result: str
    move: StockMove

    @property
    def created(self) -> bool:
        return self.result == "created"


@dataclass(frozen=True)
class BasketItem:
    """One line of a basket: goods, how many, and the unit price the clerk showed
    (and the resident confirmed). A changed price refuses the redemption."""

    goods_id: int
    quantity: int
    price: int


# -- time ---------------------------------------------------------------------------


def _local_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def day_bounds(at: datetime) -> tuple[datetime, datetime]:
    """The local (Asia/Shanghai) day around ``at``, as UTC bounds [start, end)."""
    d = local(at).date()
    return _local_midnight(d), _local_midnight(d + timedelta(days=1))


def month_bounds(at: datetime) -> tuple[datetime, datetime]:
    d = local(at).date().replace(day=1)
    nxt = (d + timedelta(days=32)).replace(day=1)
    return _local_midnight(d), _local_midnight(nxt)


def year_bounds(at: datetime) -> tuple[datetime, datetime]:
    y = local(at).year
    return _local_midnight(date(y, 1, 1)), _local_midnight(date(y + 1, 1, 1))


def _months_before(d: date, months: int) -> date:
    y, m = divmod(d.year * 12 + (d.month - 1) - months, 12)
    m += 1
    day = d.day
    while True:
        try:
            return date(y, m, day)
        except ValueError:
            day -= 1


# -- settings -------------------------------------------------------------------------

# the rule a resolved request earns its reporter, by the reporter's role
DEFAULT_REQUEST_RULES: dict[str, str] = {
    "grid_worker": "grid_report",
    "micro_grid_worker": "grid_report",
    "mobile_grid_worker": "rider_report",
}


@dataclass(frozen=True)
class PointsSettings:
    """The plugin's settings, kept in ``points_setting`` (one row per key) so that
    every clerk of a shared database works under the same policy.

    - ``budget_cap``: points that may be issued (earned, not voided or reversed)
      per ``budget_period`` (``month`` / ``year``); None = no cap.
    - ``expiry_policy``: ``none`` (default), ``calendar_year`` (points expire at the
      end of the year they were posted in) or ``rolling`` (``expiry_months`` after
      they were posted); :func:`expire` sweeps.
    - ``request_rules``: role → rule code, what a resolved request earns its reporter.
    - ``receipt_printer``: the command the counter sends a receipt's text to on
      standard input (``lp -d counter``); None = no printer, the receipt is saved as
      Word (.docx) only.
    """

    budget_cap: int | None = None
    budget_period: str = BudgetPeriod.month.value
    expiry_policy: str = ExpiryPolicy.none.value
    expiry_months: int = 12
    request_rules: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_REQUEST_RULES))
    receipt_printer: str | None = None


SETTING_KEYS = tuple(PointsSettings.__dataclass_fields__)


def get_settings(session: Session) -> PointsSettings:
    stored = {s.key: s.value for s in session.scalars(select(Setting))}
    return PointsSettings(**{k: v for k, v in stored.items() if k in SETTING_KEYS})


def _check_setting(session: Session, key: str, value: Any) -> Any:
    def bad() -> DomainError:
        return DomainError("points.invalid_setting", key=key, value=value)

    if key not in SETTING_KEYS:
        raise bad()
    if key == "budget_cap":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise bad()
        return value
    if key == "budget_period":
        if value not in BudgetPeriod.__members__:
            raise bad()
        return value
    if key == "expiry_policy":
        if value not in ExpiryPolicy.__members__:
            raise bad()
        return value
    if key == "expiry_months":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 120:
            raise bad()
        return value
    if key == "receipt_printer":
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise bad()
        try:
            if not shlex.split(value):
                raise bad()
        except ValueError as exc:
            raise bad() from exc
        return value.strip()
    # request_rules
    if not isinstance(value, dict):
        raise bad()
    roles = {r.value for r in Role}
    for role, code in value.items():
        if role not in roles or not isinstance(code, str):
            raise bad()
        if session.scalar(select(Rule.id).where(Rule.code == code).limit(1)) is None:
            raise DomainError("points.rule_not_found", ref=code)
    return dict(value)


def update_settings(session: Session, *, actor: Actor, **changes: Any) -> PointsSettings:
    """Change settings (``budget_cap=500``, ``expiry_policy="rolling"`` …); audited."""
    _may(session, actor, "points.manage", street_wide=True)

    def work() -> PointsSettings:
        before = get_settings(session)
        for key, value in changes.items():
            value = _check_setting(session, key, value)
            row = session.get(Setting, key)
            if row is None:
                session.add(Setting(key=key, value=value, updated_by=actor.name))
            else:
                row.value = value
                row.updated_by = actor.name
                row.updated_at = when(None)
        session.flush()
        after = get_settings(session)
        audit(
            session,
            actor,
            "points.settings",
            "points_setting",
            None,
            before.__dict__,
            after.__dict__,
        )
        return after

    return atomic(session, work)


# -- rules ----------------------------------------------------------------------------

EARNER_ROLES = (RESIDENT, *(r.value for r in Role))


def rule_versions(session: Session, code: str) -> list[Rule]:
    return list(session.scalars(select(Rule).where(Rule.code == code).order_by(Rule.version)))


def rule_for(session: Session, code: str, on: date | None = None) -> Rule:
    """The version of rule ``code`` in force on day ``on`` (default today, local):
    the highest version whose ``valid_from`` is on or before the day — refused
    when the day is past that version's ``valid_to`` or before any version."""
    on = on or local(when(None)).date()
    row = session.scalar(
        select(Rule)
        .where(Rule.code == code, Rule.valid_from <= on)
        .order_by(Rule.version.desc())
        .limit(1)
    )
    if row is None or (row.valid_to is not None and on > row.valid_to):
        versions = rule_versions(session, code)
        if not versions:
            raise DomainError("points.rule_not_found", ref=code)
        shown = row or versions[0]
        raise DomainError(
            "points.rule_not_valid",
            code=code,
            date=on.isoformat(),
            valid_from=shown.valid_from.isoformat(),
            valid_to=shown.valid_to.isoformat() if shown.valid_to else "—",
        )
    return row


def list_rules(session: Session, *, on: date | None = None) -> list[Rule]:
    """The latest version of every rule (``on`` given: the version in force that day,
    leaving out rules not in force)."""
    codes = list(session.scalars(select(Rule.code).distinct().order_by(Rule.code)))
    if on is None:
        return [rule_versions(session, c)[-1] for c in codes]
    out = []
    for c in codes:
        try:
            out.append(rule_for(session, c, on))
        except DomainError:
            continue
    return out


def _rule_fields(
    *,
    name_zh: str,
    name_en: str,
    description: str,
    points: int,
    roles: Sequence[str],
    daily_cap: int | None,
    monthly_cap: int | None,
    valid_from: date,
    valid_to: date | None,
) -> dict[str, Any]:
    for value in (points, daily_cap, monthly_cap):
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int) or value <= 0
        ):
            raise DomainError("points.invalid_points", value=value)
        if value is not None and value > MAX_WHOLE:
            raise DomainError("input.out_of_range", field="points", value=value, min=1, max=MAX_WHOLE)
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise DomainError("input.required", field="role")
    for role in roles:
        if role not in EARNER_ROLES:
            raise DomainError("points.invalid_role", value=role, choices=", ".join(EARNER_ROLES))
    if valid_to is not None and valid_to < valid_from:
        raise DomainError("points.invalid_dates", valid_from=valid_from, valid_to=valid_to)
    return dict(
        name_zh=require_text(name_zh, "name_zh", max_len=100),
        name_en=optional_text(name_en, "name_en", max_len=200),
        description=optional_text(description, "description", max_len=1000),
        points=points,
        roles=roles,
        daily_cap=daily_cap,
        monthly_cap=monthly_cap,
        valid_from=valid_from,
        valid_to=valid_to,
    )


def create_rule(
    session: Session,
    *,
    actor: Actor,
    code: str,
    name_zh: str,
    points: int,
    roles: Sequence[str],
    name_en: str = "",
    description: str = "",
    daily_cap: int | None = None,
    monthly_cap: int | None = None,
    needs_approval: bool = False,
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> Rule:
    """A new earning rule (version 1). ``roles``: core membership roles, or
    ``"resident"`` for anyone."""
    _may(session, actor, "points.manage", street_wide=True)
    code = require_text(code, "code", max_len=40)
    values = _rule_fields(
        name_zh=name_zh,
        name_en=name_en,
        description=description,
        points=points,
        roles=roles,
        daily_cap=daily_cap,
        monthly_cap=monthly_cap,
        valid_from=valid_from or local(when(None)).date(),
        valid_to=valid_to,
    )

    def work() -> Rule:
        if rule_versions(session, code):
            raise DomainError("points.rule_exists", code=code)
        rule = Rule(
            code=code,
            version=1,
            needs_approval=bool(needs_approval),
            created_by=actor.name,
            **values,
        )
        session.add(rule)
        session.flush()
        audit(session, actor, "points.rule_create", "points_rule", rule.id, None, snapshot(rule))
        return rule

    return atomic(session, work)


def revise_rule(session: Session, *, actor: Actor, code: str, **changes: Any) -> Rule:
    """A new version of rule ``code``: the latest version with ``changes`` applied
    (any of name_zh, name_en, description, points, roles, daily_cap, monthly_cap,
    needs_approval, valid_from — default today — and valid_to). Transfers made under
    earlier versions keep their points. To retire a rule, revise it with a ``valid_to``."""
    _may(session, actor, "points.manage", street_wide=True)
    allowed = {
        "name_zh",
        "name_en",
        "description",
        "points",
        "roles",
        "daily_cap",
        "monthly_cap",
        "needs_approval",
        "valid_from",
        "valid_to",
    }
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise DomainError("input.invalid", field="field", value=", ".join(unknown))

    def work() -> Rule:
        versions = rule_versions(session, code)
        if not versions:
            raise DomainError("points.rule_not_found", ref=code)
        last = versions[-1]
        merged = (
            {k: getattr(last, k) for k in allowed}
            | {"valid_from": local(when(None)).date()}
            | changes
        )
        needs_approval = bool(merged.pop("needs_approval"))
        values = _rule_fields(**merged)
        rule = Rule(
            code=code,
            version=last.version + 1,
            needs_approval=needs_approval,
            created_by=actor.name,
            **values,
        )
        session.add(rule)
        session.flush()
        audit(
            session,
            actor,
            "points.rule_revise",
            "points_rule",
            rule.id,
            snapshot(last),
            snapshot(rule),
        )
        return rule

    return atomic(session, work)


def roles_of(session: Session, person_id: int) -> set[str]:
    """The person's current membership roles (a person with none is a resident)."""
    return {m.role for m, _ in memberships_of(session, person_id)}


def _check_role(session: Session, person: Person, rule: Rule) -> None:
    if RESIDENT in rule.roles or roles_of(session, person.id) & set(rule.roles):
        return
    raise DomainError(
        "points.role_not_allowed",
        person=person.name,
        rule=rule.name_zh,
        rule_en=rule.name_en or rule.name_zh,
        roles=", ".join(rule.roles),
    )


# -- earning ----------------------------------------------------------------------------


# made once: building an alias is costly (its column proxies), and a reused alias
# keeps the statement cache warm — the caps are checked on every earning
_RESOLVED, _REVERSAL, _APPROVAL = aliased(Transfer), aliased(Transfer), aliased(Transfer)


def _live_earnings(start: datetime, end: datetime):
    """Earn transfers (posted at once or pending) made in [start, end), leaving out
    voided and reversed ones: what counts against caps and the budget."""
    resolved, reversal = _RESOLVED, _REVERSAL
    return and_(
        Transfer.kind == TransferKind.earn.value,
        Transfer.phase.in_((Phase.single.value, Phase.pending.value)),
        Transfer.created_at >= start,
        Transfer.created_at < end,
        ~exists().where(resolved.pending_id == Transfer.id, resolved.phase == Phase.void.value),
        ~exists().where(reversal.reverses_id == Transfer.id),
    )


def earned(
    session: Session,
    start: datetime,
    end: datetime,
    *,
    account_id: int | None = None,
    rule_code: str | None = None,
) -> int:
    """Points earned in [start, end) — posted or pending, not voided or reversed —
    by one account and/or under one rule code (any version), or in total."""
    stmt = select(func.coalesce(func.sum(Transfer.amount), 0)).where(_live_earnings(start, end))
    if account_id is not None:
        stmt = stmt.where(Transfer.credit_account_id == account_id)
    if rule_code is not None:
        stmt = stmt.join(Rule, Rule.id == Transfer.rule_id).where(Rule.code == rule_code)
    return int(session.scalar(stmt) or 0)


def posted_earnings(start: datetime, end: datetime):
    """A WHERE clause on :class:`Transfer`: earnings made in [start, end) that are
    posted — at once, or pending and since approved — and not reversed (nor
    voided). What the public notice, the leaderboards and the monthly report count:
    a month's earnings are those recorded in it, net of reversals, pending ones left out."""
    approval = _APPROVAL
    return and_(
        _live_earnings(start, end),
        or_(
            Transfer.phase == Phase.single.value,
            exists().where(approval.pending_id == Transfer.id, approval.phase == Phase.post.value),
        ),
    )


def _check_caps(
    session: Session, person: Person, account: Account, rule: Rule, amount: int, at: datetime
) -> None:
    for cap, bounds, code in (
        (rule.daily_cap, day_bounds, "points.daily_cap_reached"),
        (rule.monthly_cap, month_bounds, "points.monthly_cap_reached"),
    ):
        if cap is None:
            continue
        so_far = earned(session, *bounds(at), account_id=account.id, rule_code=rule.code)
        if so_far + amount > cap:
            raise DomainError(
                code, person=person.name, rule=rule.name_zh, rule_en=rule.name_en or rule.name_zh, earned=so_far, amount=amount, cap=cap
            )


def _check_budget(session: Session, amount: int, at: datetime) -> None:
    settings = get_settings(session)
    if settings.budget_cap is None:
        return
    if settings.budget_period == BudgetPeriod.year:
        start, end = year_bounds(at)
        period = f"{local(at).year}"
    else:
        start, end = month_bounds(at)
        period = local(at).strftime("%Y-%m")
    issued = earned(session, start, end)
    if issued + amount > settings.budget_cap:
        raise DomainError(
            "points.budget_exceeded",
            period=period,
            issued=issued,
            amount=amount,
            cap=settings.budget_cap,
        )


# the largest quantity, points figure or stock taken (a price × quantity stays far inside
# 64 bits): checked before anything is written, so nothing reaches the database as an
# integer it cannot hold (a stock of 9.22e18 + 12 made `points verify` fail on overflow)
MAX_WHOLE = 1_000_000_000
MAX_STOCK = MAX_WHOLE
# the largest amount one transfer moves (a year's carry-over by hand can pass 2**31; sums
# of many such stay far inside 64 bits)
MAX_AMOUNT = 1_000_000_000_000


def _positive(value: Any, code: str = "points.invalid_quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError(code, value=value)
    if value > MAX_WHOLE:
        field = "quantity" if code == "points.invalid_quantity" else "points"
        raise DomainError("input.out_of_range", field=field, value=value, min=1, max=MAX_WHOLE)
    return value


def _may(session: Session, actor: Actor, permission: str, *, street_wide: bool = False) -> None:
    """The plugin's declared permission (plugin.register_permissions), checked before
    anything is written. The ledger and the shelf are the street's: a grant anywhere
    suffices (core.permissions.check_any); policy (``street_wide``: rules, settings,
    expiry, hand adjustments) needs a grant on the street. An actor without grants (a
    database without operator accounts, the demo, scripts) holds them all."""
    if actor.grants is None:
        return
    from gongzhi.core.permissions import check, check_any, registry

    if permission not in registry():  # the host declares them on load; a bare import here
        from gongzhi.core.permissions import declare

        from . import plugin

        plugin.register_permissions(lambda n, zh, en, roles=(): declare(n, zh, en, roles,
                                                                        source=plugin.NAME))
    if street_wide:
        check(session, actor, permission, None)
    else:
        check_any(session, actor, permission)


def earn(
    session: Session,
    *,
    actor: Actor,
    person_id: int,
    rule_code: str,
    quantity: int = 1,
    key: str | None = None,
    note: str = "",
    request_id: int | None = None,
    at: datetime | None = None,
) -> TransferResult:
    """Record points earned by a person under the rule in force on that day:
    ``rule.points × quantity``, from the issuance account. A rule that needs
    approval makes a pending transfer (:func:`approve` / :func:`void`), otherwise
    it is posted at once. Checks the rule's roles, its daily and monthly caps
    (pending earnings count) and the budget cap.

    Errors: ``points.rule_not_found``, ``points.rule_not_valid``,
    ``points.role_not_allowed``, ``points.daily_cap_reached``,
    ``points.monthly_cap_reached``, ``points.budget_exceeded``,
    ``points.exists_with_different_*``, ``person.not_found``."""
    _may(session, actor, "points.earn")
    key = make_key(key)
    at = fact_time(at)
    quantity = _positive(quantity)
    note = optional_text(note, "notes", max_len=500)
    wanted = {
        "kind": TransferKind.earn.value,
        "debit_account": "system:issuance",
        "credit_account": f"person:{person_id}",
        "rule": rule_code,
        "quantity": quantity,
        "request": request_id,
    }

    def work() -> TransferResult:
        existing = ledger.check_existing(session, key, wanted)
        if existing is not None:
            return TransferResult("exists", existing)
        person = get_person(session, person_id)
        rule = rule_for(session, rule_code, local(at).date())
        _check_role(session, person, rule)
        amount = rule.points * quantity
        if amount > MAX_AMOUNT:
            raise DomainError("input.out_of_range", field="points", value=amount, min=1, max=MAX_AMOUNT)
        issuance = ledger.system_account(session, SystemAccount.issuance)
        account = ledger.ensure_person_account(session, person_id)
        accounts = ledger.lock_accounts(session, [issuance.id, account.id])
        _check_caps(session, person, account, rule, amount, at)
        _check_budget(session, amount, at)
        transfer = Transfer(
            key=key,
            kind=TransferKind.earn.value,
            phase=(Phase.pending if rule.needs_approval else Phase.single).value,
            debit_account_id=issuance.id,
            credit_account_id=account.id,
            amount=amount,
            rule_id=rule.id,
            quantity=quantity,
            request_id=request_id,
            note=note,
            recorded_by=actor.name,
            recorded_by_person_id=actor.person_id,
            created_at=at,
        )
        session.add(transfer)
        session.flush()
        ledger.apply(session, transfer, accounts)
        audit(
            session, actor, "points.earn", "points_transfer", transfer.id, None, snapshot(transfer)
        )
        return TransferResult("created", transfer)

    return atomic(session, work)


def _resolve(
    session: Session,
    *,
    actor: Actor,
    transfer_id: int,
    key: str | None,
    phase: Phase,
    note: str,
    at: datetime | None,
) -> TransferResult:
    # the caller (approve, void) has checked points.approve
    key = make_key(key)
    at = fact_time(at)
    note = optional_text(note, "notes", max_len=500)
    wanted = {"flags": phase.value, "pending_id": transfer_id}

    def work() -> TransferResult:
        existing = ledger.check_existing(session, key, wanted)
        if existing is not None:
            return TransferResult("exists", existing)
        pending = get_transfer(session, transfer_id)
        if pending.phase != Phase.pending:
            raise DomainError("points.not_pending", ref=transfer_id)
        done = session.scalar(select(Transfer).where(Transfer.pending_id == pending.id))
        if done is not None:
            code = (
                "points.pending_already_posted"
                if done.phase == Phase.post
                else "points.pending_already_voided"
            )
            raise DomainError(code, ref=pending.id, by=done.id)
        if phase == Phase.post and (
            pending.recorded_by == actor.name
            or (actor.person_id is not None and actor.person_id == pending.recorded_by_person_id)
        ):
            raise DomainError(
                "points.approver_is_recorder", ref=pending.id, recorder=pending.recorded_by
            )
        accounts = ledger.lock_accounts(
            session, [pending.debit_account_id, pending.credit_account_id]
        )
        row = Transfer(
            key=key,
            kind=pending.kind,
            phase=phase.value,
            debit_account_id=pending.debit_account_id,
            credit_account_id=pending.credit_account_id,
            amount=pending.amount,
            rule_id=pending.rule_id,
            quantity=pending.quantity,
            pending_id=pending.id,
            request_id=pending.request_id,
            note=note,
            recorded_by=actor.name,
            recorded_by_person_id=actor.person_id,
            created_at=at,
        )
        session.add(row)
        session.flush()
        ledger.apply(session, row, accounts)
        action = "points.approve" if phase == Phase.post else "points.void"
        audit(session, actor, action, "points_transfer", row.id, snapshot(pending), snapshot(row))
        return TransferResult("created", row)

    return atomic(session, work)


def approve(
    session: Session,
    *,
    actor: Actor,
    transfer_id: int,
    key: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> TransferResult:
    """Post a pending transfer (a second person's approval). The result's transfer
    is the new ``post`` row; its ``pending_id`` is ``transfer_id``.

    Errors: ``points.transfer_not_found``, ``points.not_pending``,
    ``points.pending_already_posted``, ``points.pending_already_voided``,
    ``points.approver_is_recorder``, ``points.exists_with_different_*``."""
    _may(session, actor, "points.approve")
    return _resolve(
        session, actor=actor, transfer_id=transfer_id, key=key, phase=Phase.post, note=note, at=at
    )


def void(
    session: Session,
    *,
    actor: Actor,
    transfer_id: int,
    key: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> TransferResult:
    """Void a pending transfer (refused at approval, or recorded in error); anyone,
    the recorder too, may void. Errors as :func:`approve`, less the recorder check."""
    _may(session, actor, "points.approve")
    return _resolve(
        session, actor=actor, transfer_id=transfer_id, key=key, phase=Phase.void, note=note, at=at
    )


def reverse(
    session: Session,
    *,
    actor: Actor,
    transfer_id: int,
    key: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> TransferResult:
    """Correct a posted transfer by one reversing transfer (same amount, accounts
    swapped; ``reverses_id`` = the original). The id of a two-phase transfer's
    ``post`` row stands for its pending transfer. Reversing a redemption puts its
    goods back on the shelf (``reversal`` stock moves).

    Errors: ``points.transfer_not_found``, ``points.not_posted`` (pending or voided),
    ``points.cannot_reverse_reversal``, ``points.already_reversed``,
    ``points.exceeds_credits`` (the points were spent), ``points.exists_with_different_*``."""
    _may(session, actor, "points.reverse")
    key = make_key(key)
    at = fact_time(at)
    note = optional_text(note, "notes", max_len=500)

    def work() -> TransferResult:
        original = get_transfer(session, transfer_id)
        if original.pending_id is not None:
            original = get_transfer(session, original.pending_id)
        existing = ledger.check_existing(
            session, key, {"kind": TransferKind.reversal.value, "reverses": original.id}
        )
        if existing is not None:
            return TransferResult("exists", existing, _moves_of(session, existing.id))
        if original.kind == TransferKind.reversal:
            raise DomainError("points.cannot_reverse_reversal", ref=original.id)
        state = ledger.state_of(session, original)
        if state in (TransferState.pending, TransferState.voided):
            raise DomainError(
                "points.not_posted",
                ref=original.id,
                state=state.label("zh"),
                state_en=state.label("en"),
            )
        done = session.scalar(select(Transfer).where(Transfer.reverses_id == original.id))
        if done is not None:
            raise DomainError("points.already_reversed", ref=original.id, reversal=done.id)
        out_moves = [m for m in _moves_of(session, original.id) if m.kind == MoveKind.redemption]
        goods = ledger.lock_goods(session, [m.goods_id for m in out_moves])
        accounts = ledger.lock_accounts(
            session, [original.debit_account_id, original.credit_account_id]
        )
        row = Transfer(
            key=key,
            kind=TransferKind.reversal.value,
            phase=Phase.single.value,
            debit_account_id=original.credit_account_id,
            credit_account_id=original.debit_account_id,
            amount=original.amount,
            rule_id=original.rule_id,
            quantity=original.quantity,
            reverses_id=original.id,
            note=note,
            recorded_by=actor.name,
            recorded_by_person_id=actor.person_id,
            created_at=at,
        )
        session.add(row)
        session.flush()
        ledger.apply(session, row, accounts)
        moves = []
        for m in sorted(out_moves, key=lambda m: m.goods_id):
            _room_for(goods[m.goods_id], -m.quantity)
            ledger.put_stock(session, goods[m.goods_id], -m.quantity)
            moves.append(
                StockMove(
                    goods_id=m.goods_id,
                    kind=MoveKind.reversal.value,
                    quantity=-m.quantity,
                    unit_price=m.unit_price,
                    transfer_id=row.id,
                    reverses_move_id=m.id,
                    note=note,
                    recorded_by=actor.name,
                    created_at=at,
                )
            )
        session.add_all(moves)
        session.flush()
        for g in goods.values():
            session.refresh(g)
        audit(
            session,
            actor,
            "points.reverse",
            "points_transfer",
            row.id,
            snapshot(original),
            snapshot(row),
        )
        return TransferResult("created", row, tuple(moves))

    return atomic(session, work)


def adjust(
    session: Session,
    *,
    actor: Actor,
    person_id: int,
    amount: int,
    key: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> TransferResult:
    """A manual grant (``amount`` > 0, from the adjustment account) or deduction
    (``amount`` < 0, refused below zero) with a note saying why; audited."""
    _may(session, actor, "points.adjust", street_wide=True)
    if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
        raise DomainError("points.invalid_points", value=amount)
    if abs(amount) > MAX_AMOUNT:
        raise DomainError("input.out_of_range", field="points", value=amount, min=-MAX_AMOUNT, max=MAX_AMOUNT)
    key = make_key(key)
    at = fact_time(at)
    note = require_text(note, "notes", max_len=500)
    me, other = f"person:{person_id}", "system:adjustment"
    debit, credit = (other, me) if amount > 0 else (me, other)
    wanted = {
        "kind": TransferKind.adjustment.value,
        "debit_account": debit,
        "credit_account": credit,
        "amount": abs(amount),
    }

    def work() -> TransferResult:
        existing = ledger.check_existing(session, key, wanted)
        if existing is not None:
            return TransferResult("exists", existing)
        get_person(session, person_id)
        system = ledger.system_account(session, SystemAccount.adjustment)
        account = ledger.ensure_person_account(session, person_id)
        accounts = ledger.lock_accounts(session, [system.id, account.id])
        d, c = (system, account) if amount > 0 else (account, system)
        row = Transfer(
            key=key,
            kind=TransferKind.adjustment.value,
            phase=Phase.single.value,
            debit_account_id=d.id,
            credit_account_id=c.id,
            amount=abs(amount),
            note=note,
            recorded_by=actor.name,
            recorded_by_person_id=actor.person_id,
            created_at=at,
        )
        session.add(row)
        session.flush()
        ledger.apply(session, row, accounts)
        audit(session, actor, "points.adjust", "points_transfer", row.id, None, snapshot(row))
        return TransferResult("created", row)

    return atomic(session, work)


# -- the love supermarket's counter ------------------------------------------------------


def _basket(items: Iterable[BasketItem | tuple[int, int, int]]) -> list[BasketItem]:
    basket = [i if isinstance(i, BasketItem) else BasketItem(*i) for i in items]
    if not basket:
        raise DomainError("points.empty_basket")
    seen: set[int] = set()
    for item in basket:
        _positive(item.quantity)
        _positive(item.price, "points.invalid_points")
        if item.goods_id in seen:
            raise DomainError("points.duplicate_goods", goods=item.goods_id)
        seen.add(item.goods_id)
    return sorted(basket, key=lambda i: i.goods_id)


def redeem(
    session: Session,
    *,
    actor: Actor,
    person_id: int,
    items: Iterable[BasketItem | tuple[int, int, int]],
    key: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> TransferResult:
    """Redeem a basket at the love supermarket, all or nothing: one transfer from the
    person to the supermarket account for Σ quantity × price, each item's stock
    decreased, one ``redemption`` stock move per item. ``items`` are
    :class:`BasketItem` (or ``(goods_id, quantity, price)``) with the unit price the
    clerk showed; if a price has changed since, nothing is redeemed.

    Errors (checked in this order): ``points.empty_basket``,
    ``points.invalid_quantity``, ``points.duplicate_goods``,
    ``points.goods_not_found``, ``points.goods_inactive``, ``points.price_changed``,
    ``points.out_of_stock``, ``points.exceeds_credits``,
    ``points.exists_with_different_*``, ``person.not_found``."""
    _may(session, actor, "points.redeem")
    basket = _basket(items)
    key = make_key(key)
    at = fact_time(at)
    note = optional_text(note, "notes", max_len=500)
    amount = sum(i.quantity * i.price for i in basket)
    if amount > MAX_AMOUNT:  # each line is in range; their sum must be too
        raise DomainError("input.out_of_range", field="points", value=amount, min=1, max=MAX_AMOUNT)
    wanted = {
        "kind": TransferKind.redeem.value,
        "debit_account": f"person:{person_id}",
        "credit_account": "system:supermarket",
        "amount": amount,
        "basket": [(i.goods_id, i.quantity, i.price) for i in basket],
    }

    def work() -> TransferResult:
        existing = ledger.check_existing(session, key, wanted)
        if existing is not None:
            return TransferResult("exists", existing, _moves_of(session, existing.id))
        get_person(session, person_id)
        account = ledger.ensure_person_account(session, person_id)
        supermarket = ledger.system_account(session, SystemAccount.supermarket)
        goods = ledger.lock_goods(session, [i.goods_id for i in basket])
        for item in basket:
            g = goods.get(item.goods_id)
            if g is None:
                raise DomainError("points.goods_not_found", ref=item.goods_id)
            if not g.active:
                raise DomainError("points.goods_inactive", name=g.name)
        for item in basket:
            g = goods[item.goods_id]
            if g.price != item.price:
                raise DomainError(
                    "points.price_changed", goods=g.name, shown=item.price, price=g.price
                )
        accounts = ledger.lock_accounts(session, [account.id, supermarket.id])
        row = Transfer(
            key=key,
            kind=TransferKind.redeem.value,
            phase=Phase.single.value,
            debit_account_id=account.id,
            credit_account_id=supermarket.id,
            amount=amount,
            note=note,
            recorded_by=actor.name,
            recorded_by_person_id=actor.person_id,
            created_at=at,
        )
        session.add(row)
        session.flush()
        for item in basket:
            g = goods[item.goods_id]
            if not ledger.take_stock(session, g, item.quantity):
                raise DomainError(
                    "points.out_of_stock",
                    goods=g.name,
                    stock=g.stock,
                    quantity=item.quantity,
                    unit=g.unit,
                )
        ledger.apply(session, row, accounts)
        moves = [
            StockMove(
                goods_id=i.goods_id,
                kind=MoveKind.redemption.value,
                quantity=-i.quantity,
                unit_price=i.price,
                transfer_id=row.id,
                note=note,
                recorded_by=actor.name,
                created_at=at,
            )
            for i in basket
        ]
        session.add_all(moves)
        session.flush()
        for g in goods.values():
            session.refresh(g)
        audit(
            session,
            actor,
            "points.redeem",
            "points_transfer",
            row.id,
            None,
            snapshot(row) | {"basket": [(i.goods_id, i.quantity, i.price) for i in basket]},
        )
        return TransferResult("created", row, tuple(moves))

    return atomic(session, work)


# -- goods and stock ------------------------------------------------------------------------


def get_goods(session: Session, goods_id: int) -> Goods:
    g = session.get(Goods, goods_id)
    if g is None:
        raise DomainError("points.goods_not_found", ref=goods_id)
    return g


def find_goods(session: Session, ref: str | int) -> Goods:
    """Goods by id or exact name."""
    text = str(ref).strip()
    if text.isdigit():
        return get_goods(session, int(text))
    g = session.scalar(select(Goods).where(Goods.name == text))
    if g is None:
        raise DomainError("points.goods_not_found", ref=ref)
    return g


def list_goods(
    session: Session, *, include_inactive: bool = False, below: int | None = None
) -> list[Goods]:
    """Goods by name; ``below=N``: only those with fewer than N in stock (low stock)."""
    stmt = select(Goods)
    if not include_inactive:
        stmt = stmt.where(Goods.active.is_(True))
    if below is not None:
        stmt = stmt.where(Goods.stock < below)
    return list(session.scalars(stmt.order_by(Goods.name)))


def stock_moves(session: Session, goods_id: int, *, limit: int | None = None) -> list[StockMove]:
    stmt = select(StockMove).where(StockMove.goods_id == goods_id).order_by(StockMove.id.desc())
    return list(session.scalars(stmt.limit(limit) if limit else stmt))


def _moves_of(session: Session, transfer_id: int) -> tuple[StockMove, ...]:
    return tuple(
        session.scalars(
            select(StockMove)
            .where(StockMove.transfer_id == transfer_id)
            .order_by(StockMove.goods_id)
        )
    )


def add_goods(
    session: Session,
    *,
    actor: Actor,
    name: str,
    price: int,
    unit: str = "件",
    stock: int = 0,
    kind: str = MoveKind.donation.value,
    note: str = "",
) -> Goods:
    """New goods on the shelf; an initial ``stock`` arrives as one donation (or
    purchase) stock move."""
    _may(session, actor, "points.goods")
    name = require_text(name, "name", max_len=100)
    unit = require_text(unit, "unit", max_len=20)
    price = _positive(price, "points.invalid_points")
    if isinstance(stock, bool) or not isinstance(stock, int) or stock < 0:
        raise DomainError("points.invalid_quantity", value=stock)
    if stock > MAX_STOCK:
        raise DomainError("points.stock_too_high", goods=name, stock=stock, unit=unit, max=MAX_STOCK)
    kind = _in_kind(kind)

    def work() -> Goods:
        if session.scalar(select(Goods.id).where(Goods.name == name)) is not None:
            raise DomainError("points.goods_exists", name=name)
        g = Goods(name=name, unit=unit, price=price, stock=stock)
        session.add(g)
        session.flush()
        if stock:
            session.add(
                StockMove(
                    goods_id=g.id, kind=kind, quantity=stock, note=note, recorded_by=actor.name
                )
            )
        audit(session, actor, "points.goods_add", "points_goods", g.id, None, snapshot(g))
        return g

    return atomic(session, work)


def _room_for(goods: Goods, quantity: int) -> None:
    """Refuse stock arriving that would take ``goods`` above :data:`MAX_STOCK`."""
    if goods.stock + quantity > MAX_STOCK:
        raise DomainError("points.stock_too_high", goods=goods.name, stock=goods.stock + quantity,
                          unit=goods.unit, max=MAX_STOCK)


def _in_kind(kind: str) -> str:
    if kind not in (MoveKind.donation, MoveKind.purchase):
        raise DomainError(
            "input.invalid_choice", field="kind", value=kind, choices="donation, purchase"
        )
    return str(kind)


def _stock_move(
    session: Session,
    *,
    actor: Actor,
    goods_id: int,
    quantity: int,
    kind: str,
    key: str | None,
    note: str,
    at: datetime | None,
) -> MoveResult:
    key_ = None if key is None else make_key(key)
    at = fact_time(at)
    note = optional_text(note, "notes", max_len=500)

    def work() -> MoveResult:
        if key_ is not None:
            existing = ledger.move_by_key(session, key_)
            if existing is not None:
                ledger.refuse_different(
                    key_,
                    existing.id,
                    {
                        "goods": existing.goods_id,
                        "move_kind": existing.kind,
                        "quantity": existing.quantity,
                    },
                    {"goods": goods_id, "move_kind": kind, "quantity": quantity},
                )
                return MoveResult("exists", existing)
        g = ledger.lock_goods(session, [goods_id]).get(goods_id)
        if g is None:
            raise DomainError("points.goods_not_found", ref=goods_id)
        before = snapshot(g)
        if quantity < 0 and not ledger.take_stock(session, g, -quantity):
            raise DomainError(
                "points.out_of_stock", goods=g.name, stock=g.stock, quantity=-quantity, unit=g.unit
            )
        if quantity > 0:
            _room_for(g, quantity)
            ledger.put_stock(session, g, quantity)
        move = StockMove(
            goods_id=g.id,
            kind=kind,
            quantity=quantity,
            key=key_,
            note=note,
            recorded_by=actor.name,
            created_at=at,
        )
        session.add(move)
        session.flush()
        session.refresh(g)
        audit(
            session,
            actor,
            f"points.stock_{kind}",
            "points_goods",
            g.id,
            before,
            snapshot(g) | {"move_id": move.id, "quantity": quantity},
        )
        return MoveResult("created", move)

    return atomic(session, work)


def restock(
    session: Session,
    *,
    actor: Actor,
    goods_id: int,
    quantity: int,
    kind: str = MoveKind.donation.value,
    key: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> MoveResult:
    """Goods arrive: a ``donation`` or ``purchase`` stock move of ``quantity`` > 0.
    With a ``key`` the same restock submitted twice is recorded once."""
    _may(session, actor, "points.goods")
    return _stock_move(
        session,
        actor=actor,
        goods_id=goods_id,
        quantity=_positive(quantity),
        kind=_in_kind(kind),
        key=key,
        note=note,
        at=at,
    )


def correct_stock(
    session: Session,
    *,
    actor: Actor,
    goods_id: int,
    quantity: int,
    note: str,
    key: str | None = None,
    at: datetime | None = None,
) -> MoveResult:
    """A stocktaking correction (± ``quantity``, never to below zero), with its reason."""
    _may(session, actor, "points.goods")
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0:
        raise DomainError("points.invalid_correction")
    if abs(quantity) > MAX_STOCK:
        raise DomainError("input.out_of_range", field="quantity", value=quantity, min=-MAX_STOCK, max=MAX_STOCK)
    note = require_text(note, "notes", max_len=500)
    return _stock_move(
        session,
        actor=actor,
        goods_id=goods_id,
        quantity=quantity,
        kind=MoveKind.correction.value,
        key=key,
        note=note,
        at=at,
    )


def set_price(session: Session, *, actor: Actor, goods_id: int, price: int) -> Goods:
    """A new points price; a basket confirmed at the old price is then refused."""
    _may(session, actor, "points.goods")
    price = _positive(price, "points.invalid_points")

    def work() -> Goods:
        g = ledger.lock_goods(session, [goods_id]).get(goods_id)
        if g is None:
            raise DomainError("points.goods_not_found", ref=goods_id)
        before = snapshot(g)
        g.price = price
        g.updated_at = when(None)
        session.flush()
        audit(session, actor, "points.price_set", "points_goods", g.id, before, snapshot(g))
        return g

    return atomic(session, work)


def set_goods_active(session: Session, *, actor: Actor, goods_id: int, active: bool) -> Goods:
    """Take goods off the shelf (or back); their stock and moves stay."""
    _may(session, actor, "points.goods")

    def work() -> Goods:
        g = ledger.lock_goods(session, [goods_id]).get(goods_id)
        if g is None:
            raise DomainError("points.goods_not_found", ref=goods_id)
        before = snapshot(g)
        g.active = bool(active)
        g.updated_at = when(None)
        session.flush()
        audit(session, actor, "points.goods_active", "points_goods", g.id, before, snapshot(g))
        return g

    return atomic(session, work)


# -- expiry -----------------------------------------------------------------------------------


def expiry_cutoff(settings: PointsSettings, as_of: date) -> datetime | None:
    """Points posted before this instant expire, under the policy, on day ``as_of``:
    ``calendar_year`` → 1 January of that year; ``rolling`` → ``expiry_months``
    earlier; ``none`` → None (nothing expires)."""
    if settings.expiry_policy == ExpiryPolicy.calendar_year:
        return _local_midnight(date(as_of.year, 1, 1))
    if settings.expiry_policy == ExpiryPolicy.rolling:
        return _local_midnight(_months_before(as_of, settings.expiry_months))
    return None


def expirable(session: Session, account: Account, cutoff: datetime) -> int:
    """What expires of an account at ``cutoff``, first in, first out: credits posted
    before the cutoff that later debits (redemptions, earlier expiries, reversals)
    have not used up — and never more than is available."""
    before = session.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.credit_account_id == account.id,
            Transfer.phase.in_((Phase.single.value, Phase.post.value)),
            Transfer.created_at < cutoff,
        )
    )
    return max(0, min(int(before or 0) - account.debits_posted, account.available))


def expire(
    session: Session, *, actor: Actor, as_of: date | None = None, cutoff: datetime | None = None
) -> list[Transfer]:
    """The expiry sweep: for every person's account, move what expired (see
    :func:`expirable`) to the ``expired`` account. The cutoff comes from the policy
    (``as_of`` default today) or is given. Idempotent: each account's expiry at a
    cutoff has the key ``expiry:<account id>:<cutoff, to the microsecond>``, and a second sweep finds
    nothing more to expire. One transaction per account (a sweep that stops half
    way is simply run again). Returns the transfers created."""
    _may(session, actor, "points.manage", street_wide=True)
    if cutoff is None:
        as_of = as_of or local(when(None)).date()
        cutoff = expiry_cutoff(get_settings(session), as_of)
        if cutoff is None:
            return []
    cutoff = when(cutoff)
    stamp = cutoff.astimezone(UTC).strftime("%Y%m%dT%H%M%S.%f")
    candidates = list(
        session.scalars(
            select(Account.id)
            .where(
                Account.kind == AccountKind.person.value,
                Account.credits_posted - Account.debits_posted - Account.debits_pending > 0,
            )
            .order_by(Account.id)
        )
    )
    session.rollback()  # end the reading transaction before the writes
    created: list[Transfer] = []
    for account_id in candidates:
        key = f"expiry:{account_id}:{stamp}"

        def work(account_id: int = account_id, key: str = key) -> Transfer | None:
            if ledger.transfer_by_key(session, key) is not None:
                return None
            expired = ledger.system_account(session, SystemAccount.expired)
            accounts = ledger.lock_accounts(session, [account_id, expired.id])
            amount = expirable(session, accounts[account_id], cutoff)
            if amount <= 0:
                return None
            row = Transfer(
                key=key,
                kind=TransferKind.expiry.value,
                phase=Phase.single.value,
                debit_account_id=account_id,
                credit_account_id=expired.id,
                amount=amount,
                note=f"{fmt_local(cutoff)} 前入账的积分过期",
                recorded_by=actor.name,
                recorded_by_person_id=actor.person_id,
            )
            session.add(row)
            session.flush()
            ledger.apply(session, row, accounts)
            audit(session, actor, "points.expire", "points_transfer", row.id, None, snapshot(row))
            return row

        row = atomic(session, work)
        if row is not None:
            created.append(row)
    return created


# -- the request hook ------------------------------------------------------------------------


def request_key(request_id: int) -> str:
    """The idempotency key of what a resolved request earns: one per request."""
    return f"request:{request_id}"


def earn_for_request(db: Any, *, request_id: int, actor: str) -> TransferResult | None:
    """A request reported by a grid worker or rider has been resolved: its reporter
    earns the rule that ``request_rules`` maps their role to (pending approval where
    the rule says so) — once per request, however often it is resolved again.
    Returns None (and logs why) when nothing is earned: no or anonymous reporter,
    no mapped role, already earned, or a rule check refused (caps, budget …)."""
    with db.session() as session:
        req = session.get(Request, request_id)
        if req is None or req.reporter_id is None or req.anonymous:
            return None
        key = request_key(request_id)
        if ledger.transfer_by_key(session, key) is not None:
            return None
        roles = roles_of(session, req.reporter_id)
        mapping = get_settings(session).request_rules
        code = next((c for role, c in mapping.items() if role in roles), None)
        if code is None:
            return None
        ref = req.ref
        session.rollback()
        try:
            who = Actor(actor) if (actor or "").strip() else Actor(PLUGIN_ACTOR)
            return earn(
                session,
                actor=who,
                person_id=req.reporter_id,
                rule_code=code,
                key=key,
                request_id=request_id,
                note=f"诉求 {ref} 已办结",
            )
        except DomainError as exc:
            log.info("points: request %s earns nothing: %s", ref, exc)
            return None


# -- reads ---------------------------------------------------------------------------------------


def get_transfer(session: Session, transfer_id: int) -> Transfer:
    t = session.get(Transfer, transfer_id)
    if t is None:
        raise DomainError("points.transfer_not_found", ref=transfer_id)
    return t


def find_transfer(session: Session, ref: str | int) -> Transfer:
    """A transfer by id or by its idempotency key."""
    text = str(ref).strip()
    if text.isdigit():
        t = session.get(Transfer, int(text))
        if t is not None:
            return t
    t = ledger.transfer_by_key(session, text)
    if t is None:
        raise DomainError("points.transfer_not_found", ref=ref)
    return t


def account_of(session: Session, person_id: int) -> Account | None:
    """The person's account, or None if they never took part (reads create nothing)."""
    return ledger.person_account(session, person_id)


def balance(session: Session, person_id: int) -> int:
    """Posted points the person holds (0 without an account)."""
    account = account_of(session, person_id)
    return account.balance if account else 0


@dataclass(frozen=True)
class TransferLine:
    """One transfer as a person's ledger shows it. ``amount`` is signed from the
    person's side (+ earned, − spent); ``state`` is derived (pending / posted /
    voided / reversed); ``counterparty`` a system account code or ``person:<id>``."""

    id: int
    key: str
    kind: str
    phase: str
    state: str
    amount: int
    person_id: int | None
    person_name: str
    counterparty: str
    rule_code: str | None
    rule_version: int | None
    rule_name: str
    note: str
    recorded_by: str
    created_at: datetime
    reverses_id: int | None
    resolved_by_id: int | None
    reversed_by_id: int | None
    rule_name_en: str = ""

    def rule_label(self, lang: str = "zh") -> str:
        """The rule's name in ``lang`` (the Chinese one when it has no English name)."""
        return self.rule_name_en if lang == "en" and self.rule_name_en else self.rule_name

    def as_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["created_at"] = self.created_at.isoformat()
        return data


def _lines(
    session: Session, transfers: list[Transfer], person_account_id: int | None
) -> list[TransferLine]:
    if not transfers:
        return []
    res = ledger.resolution(session, [t.id for t in transfers])
    account_ids = {t.debit_account_id for t in transfers} | {t.credit_account_id for t in transfers}
    accounts = {
        a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))
    }
    person_ids = {a.person_id for a in accounts.values() if a.person_id}
    names = (
        dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(person_ids))).all())
        if person_ids
        else {}
    )
    rule_ids = {t.rule_id for t in transfers if t.rule_id}
    rules = (
        {r.id: r for r in session.scalars(select(Rule).where(Rule.id.in_(rule_ids)))}
        if rule_ids
        else {}
    )
    out = []
    for t in transfers:
        debit, credit = accounts[t.debit_account_id], accounts[t.credit_account_id]
        if person_account_id is None:
            mine = credit if credit.kind == AccountKind.person else debit
        else:
            mine = credit if credit.id == person_account_id else debit
        other = debit if mine is credit else credit
        sign = 1 if mine is credit else -1
        rule = rules.get(t.rule_id) if t.rule_id else None
        resolved = res.resolved.get(t.id)
        reversed_by = res.reversals.get(t.id)
        out.append(
            TransferLine(
                id=t.id,
                key=t.key,
                kind=t.kind,
                phase=t.phase,
                state=res.state(t).value,
                amount=sign * t.amount,
                person_id=mine.person_id,
                person_name=names.get(mine.person_id, ""),
                counterparty=ledger.account_label(other)
                if other.kind == AccountKind.person
                else other.code,
                rule_code=rule.code if rule else None,
                rule_version=rule.version if rule else None,
                rule_name=rule.name_zh if rule else "",
                rule_name_en=(rule.name_en or "") if rule else "",
                note=t.note,
                recorded_by=t.recorded_by,
                created_at=t.created_at,
                reverses_id=t.reverses_id,
                resolved_by_id=resolved.id if resolved else None,
                reversed_by_id=reversed_by.id if reversed_by else None,
            )
        )
    return out


def transfer_line(session: Session, transfer_id: int) -> TransferLine:
    return _lines(session, [get_transfer(session, transfer_id)], None)[0]


def person_transfers(
    session: Session, person_id: int, *, limit: int = 50, offset: int = 0
) -> list[TransferLine]:
    """A person's ledger, newest first: each transfer once (a two-phase earning shows
    as its pending transfer, with its state; the post/void rows are not repeated)."""
    account = account_of(session, person_id)
    if account is None:
        return []
    rows = list(
        session.scalars(
            select(Transfer)
            .where(
                or_(
                    Transfer.debit_account_id == account.id,
                    Transfer.credit_account_id == account.id,
                ),
                Transfer.phase.in_((Phase.single.value, Phase.pending.value)),
            )
            .order_by(Transfer.created_at.desc(), Transfer.id.desc())
            .offset(offset)
            .limit(limit)
        )
    )
    return _lines(session, rows, account.id)


def pending_approvals(session: Session, *, limit: int = 200) -> list[TransferLine]:
    """The approvals queue: pending transfers not yet posted or voided, oldest first."""
    resolved = aliased(Transfer)
    rows = list(
        session.scalars(
            select(Transfer)
            .where(
                Transfer.phase == Phase.pending.value,
                ~exists().where(resolved.pending_id == Transfer.id),
            )
            .order_by(Transfer.created_at, Transfer.id)
            .limit(limit)
        )
    )
    return _lines(session, rows, None)


@dataclass(frozen=True)
class PersonSummary:
    """What the person page and the counter show: ``balance`` (posted), ``available``
    (less pending debits), ``pending_in`` (earned, awaiting approval), totals of
    earned and redeemed points (net of reversals), and the most recent transfers."""

    person_id: int
    account_id: int | None
    balance: int
    available: int
    pending_in: int
    pending_out: int
    earned: int
    redeemed: int
    recent: list[TransferLine]

    def as_json(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["recent"] = [line.as_json() for line in self.recent]
        return data


def _net(session: Session, account_id: int, kind: str, credit: bool) -> int:
    """Posted ``kind`` transfers into (``credit``) or out of the account, net of reversals."""
    side = Transfer.credit_account_id if credit else Transfer.debit_account_id
    original = aliased(Transfer)
    gross = session.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            side == account_id,
            Transfer.kind == kind,
            Transfer.phase.in_((Phase.single.value, Phase.post.value)),
        )
    )
    back_side = Transfer.debit_account_id if credit else Transfer.credit_account_id
    backed = session.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0))
        .join(original, original.id == Transfer.reverses_id)
        .where(back_side == account_id, original.kind == kind)
    )
    return int(gross or 0) - int(backed or 0)


def person_summary(session: Session, person_id: int, *, recent: int = 10) -> PersonSummary:
    get_person(session, person_id)
    account = account_of(session, person_id)
    if account is None:
        return PersonSummary(person_id, None, 0, 0, 0, 0, 0, 0, [])
    return PersonSummary(
        person_id=person_id,
        account_id=account.id,
        balance=account.balance,
        available=account.available,
        pending_in=account.credits_pending,
        pending_out=account.debits_pending,
        earned=_net(session, account.id, TransferKind.earn.value, True),
        redeemed=_net(session, account.id, TransferKind.redeem.value, False),
        recent=person_transfers(session, person_id, limit=recent),
    )


def person_panel_text(session: Session, person_id: int, lang: str = "zh") -> str:
    """The person page's panel (hook ``register_person_panels``): balance and recent
    transfers, in ``lang`` (``zh`` or ``en``)."""
    en = lang == "en"
    s = person_summary(session, person_id, recent=5)
    if s.account_id is None:
        return "No points yet" if en else "尚无积分记录"
    head = f"Balance {s.balance} points" if en else f"积分余额 {s.balance} 分"
    if s.pending_in:
        head += f" (+{s.pending_in} awaiting approval)" if en else f"（待审核 +{s.pending_in}）"
    head += (f"; earned {s.earned} in all, redeemed {s.redeemed}" if en
             else f"；累计获得 {s.earned}，已兑换 {s.redeemed}")
    lines = [head]
    for line in s.recent:
        what = line.rule_label(lang) or TransferKind(line.kind).label(lang)
        lines.append(
            f"{fmt_local(line.created_at)}  {line.amount:+d}  {what}  "
            f"[{TransferState(line.state).label(lang)}]"
        )
    return "\n".join(lines)


def earnable_rules(session: Session, person_id: int, *, on: date | None = None) -> list[Rule]:
    """The rules a person may earn under on day ``on`` (default today, local): the
    versions in force that day (:func:`list_rules`) whose roles admit the person
    (the same check :func:`earn` makes). What the earning entry offers."""
    person = get_person(session, person_id)
    out = []
    for rule in list_rules(session, on=on or local(when(None)).date()):
        try:
            _check_role(session, person, rule)
        except DomainError:
            continue
        out.append(rule)
    return out


def running_balances(lines: Sequence[TransferLine], balance: int) -> list[int | None]:
    """The person's balance after each of ``lines`` (a ledger, newest first, as
    :func:`person_transfers` gives it), counted back from the current ``balance``:
    posted and reversed transfers moved the balance (a reversal is a line of its
    own); pending and voided ones did not (None)."""
    out: list[int | None] = []
    running = balance
    for line in lines:
        if line.state in (TransferState.pending.value, TransferState.voided.value):
            out.append(None)
            continue
        out.append(running)
        running -= line.amount
    return out


__all__ = [
    "BasketItem",
    "MoveResult",
    "PersonSummary",
    "PointsSettings",
    "TransferLine",
    "TransferResult",
    "account_of",
    "add_goods",
    "adjust",
    "approve",
    "balance",
    "correct_stock",
    "create_rule",
    "earn",
    "earn_for_request",
    "earnable_rules",
    "earned",
    "expirable",
    "expire",
    "expiry_cutoff",
    "find_goods",
    "find_transfer",
    "get_goods",
    "get_settings",
    "get_transfer",
    "list_goods",
    "list_rules",
    "pending_approvals",
    "person_panel_text",
    "person_summary",
    "person_transfers",
    "redeem",
    "request_key",
    "restock",
    "reverse",
    "revise_rule",
    "roles_of",
    "running_balances",
    "rule_for",
    "rule_versions",
    "set_goods_active",
    "set_price",
    "stock_moves",
    "transfer_line",
    "update_settings",
    "void",
]
