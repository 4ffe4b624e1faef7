"""The demo street's love supermarket (爱心超市): a year of points, told through the services.

The article: the street runs a points exchange (积分兑换) — micro-grid workers earn
points for reporting information, taking part in services and mediating disputes;
residents for volunteering and sensible suggestions; the points buy daily goods
at the community's love supermarket. Here:

- the shelf: rice, oil, soap, towels, toothpaste … donated and bought in, restocked
  every quarter;
- a year of earnings under the seeded rules (积分标准): grid and micro-grid workers
  report, serve and mediate; riders (先蜂骑手) snap-and-report; volunteers volunteer
  and make suggestions. Mediations and suggestions need a second person's approval:
  most are approved a few days later, a few voided, the last fortnight's still wait;
- one earning recorded twice by mistake, reversed the next day; one towel found
  damaged at stocktaking;
- people redeem at the counter every month or two, what their points allow.

Everything goes through :mod:`gongzhi.plugins.points_exchange.services` in time order (so
every balance check sees the balance of that day), with idempotency keys
``demo:<seed>:<n>``: deterministic for a seed and a demo "now", and run once.
Bounded: at most :data:`PER_GROUP` people of each kind take part, so the street
scale costs little more than the small one. Afterwards ``verify()`` is clean.
"""

from __future__ import annotations

import heapq
import logging
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select

from gongzhi.core.errors import DomainError
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.orgs import Membership
from gongzhi.core.models.types import LOCAL_TZ, utcnow
from gongzhi.core.services.base import Actor

log = logging.getLogger(__name__)

# (name, unit, points price, stock per community's shelf)
GOODS: tuple[tuple[str, str, int, int], ...] = (
    ("大米（5公斤）", "袋", 100, 6),
    ("食用油（1.8升）", "桶", 80, 6),
    ("挂面", "包", 20, 20),
    ("鸡蛋（一盒）", "盒", 50, 10),
    ("酱油", "瓶", 20, 12),
    ("香皂", "块", 15, 30),
    ("毛巾", "条", 25, 20),
    ("牙膏", "支", 20, 20),
    ("洗衣液", "瓶", 45, 12),
    ("洗洁精", "瓶", 25, 12),
    ("卫生纸（10卷）", "提", 40, 12),
)

# people of each kind who take part, at most (small / street)
PER_GROUP = {"small": 4, "street": 15}
SUPERMARKET_CLERK = "爱心超市管理员"
APPROVER = "社区积分审核员"
# earnings are recorded by the community's points clerk, so that whoever opens the demo
# (a different operator) can approve the pending ones — a recorder never approves their own
RECORDER = "社区积分登记员"


@dataclass
class DemoPoints:
    """What the demo added (for tests and the log)."""

    people: int = 0
    goods: int = 0
    earnings: int = 0
    approved: int = 0
    voided: int = 0
    pending: int = 0
    redemptions: int = 0
    reversals: int = 0
    skipped: int = 0


def demo_now(session) -> datetime:
    """The demo street's "now" (the end of its history), as build_demo recorded it."""
    row = session.scalar(
        select(AuditLog.after)
        .where(AuditLog.action == "demo.build")
        .order_by(AuditLog.id.desc())
        .limit(1)
    )
    if isinstance(row, dict) and row.get("now"):
        try:
            return datetime.fromisoformat(row["now"]).astimezone(UTC)
        except ValueError:
            pass
    return utcnow()


def _holders(session, role: str) -> list[int]:
    today = date.today()
    return list(
        session.scalars(
            select(Membership.person_id)
            .where(
                Membership.role == role,
                or_(Membership.end_date.is_(None), Membership.end_date > today),
            )
            .distinct()
            .order_by(Membership.person_id)
        )
    )


def _at(day: date, rng: random.Random) -> datetime:
    """A working-hours moment of a local day."""
    t = time(rng.randint(8, 17), rng.choice((0, 10, 20, 30, 40, 50)))
    return datetime.combine(day, t, tzinfo=LOCAL_TZ).astimezone(UTC)


def build_love_supermarket(
    db, *, actor: Actor, seed: int = 2014, scale: str = "small"
) -> DemoPoints | None:
    """Stock the love supermarket and play a year of points (once; None when it is
    already there, or the street has nobody to take part)."""
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.models import Goods, Transfer

    out = DemoPoints()
    with db.session() as s:
        if (
            s.scalar(select(Transfer.id).where(Transfer.key.like(f"demo:{seed}:%")).limit(1))
            is not None
        ):
            return None
        rng = random.Random(f"gongzhi-demo/{seed}/points")
        per_group = PER_GROUP.get(scale, PER_GROUP["small"])

        def pick(ids: list[int], n: int) -> list[int]:
            return sorted(rng.sample(ids, min(n, len(ids))))

        grid = pick(
            sorted(set(_holders(s, "grid_worker")) | set(_holders(s, "micro_grid_worker"))),
            per_group,
        )
        riders = pick(_holders(s, "mobile_grid_worker"), per_group)
        volunteers = pick(
            [p for p in _holders(s, "volunteer") if p not in grid and p not in riders], per_group
        )
        if not grid and not riders and not volunteers:
            log.info("points demo: nobody in this street takes part; nothing added")
            return None
        out.people = len(grid) + len(riders) + len(volunteers)
        now = demo_now(s)
        s.rollback()

        clerk = Actor(SUPERMARKET_CLERK)
        approver = Actor(APPROVER)
        recorder = Actor(RECORDER)
        today = now.astimezone(LOCAL_TZ).date()
        rules_from = min(r.valid_from for r in svc.list_rules(s))
        first = max(today - timedelta(days=364), rules_from)
        s.rollback()
        counter = iter(range(1, 10**9))

        def key() -> str:
            return f"demo:{seed}:{next(counter)}"

        # -- the shelf: added empty, stocked at the start of the year, restocked each quarter
        goods: dict[int, tuple[str, int]] = {}
        for name, unit, price, stock in GOODS:
            existing = s.scalar(select(Goods).where(Goods.name == name))
            g = existing or svc.add_goods(
                s, actor=clerk, name=name, price=price, unit=unit, stock=0
            )
            goods[g.id] = (name, stock)
            out.goods += 1

        # the timeline: (when, order, action, args) — run in time order
        timeline: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
        seq = iter(range(10**9))

        def plan(at: datetime, action: str, *args: Any) -> None:
            if at < now:
                heapq.heappush(timeline, (at, next(seq), action, args))

        for quarter in range(4):
            day = first + timedelta(days=91 * quarter)
            for gid, (_name, stock) in goods.items():
                plan(
                    _at(day, rng),
                    "restock",
                    gid,
                    stock,
                    "purchase" if quarter else "donation",
                )

        months = [first + timedelta(days=30 * m) for m in range(13)]
        plan_for = (
            [(pid, ("grid_report", "grid_service", "grid_mediation")) for pid in grid]
            + [(pid, ("rider_report",)) for pid in riders]
            + [(pid, ("resident_volunteer", "resident_suggestion")) for pid in volunteers]
        )
        for pid, codes in plan_for:
            for start in months:
                for _ in range(1 if rng.random() < 0.7 else 2):
                    code = codes[0] if rng.random() < 0.6 else rng.choice(codes)
                    qty = rng.randint(1, 4) if code.endswith("_report") else 1
                    plan(
                        _at(start + timedelta(days=rng.randint(0, 29)), rng), "earn", pid, code, qty
                    )
                if rng.random() < 0.4:  # to the counter every two or three months
                    plan(_at(start + timedelta(days=rng.randint(5, 29)), rng), "redeem", pid)

        reversed_done = stocktake_done = False
        while timeline:
            at, _, action, args = heapq.heappop(timeline)
            try:
                if action == "restock":
                    gid, qty, kind = args
                    svc.restock(
                        s,
                        actor=clerk,
                        goods_id=gid,
                        quantity=qty,
                        kind=kind,
                        key=key(),
                        at=at,
                        note="爱心企业捐赠" if kind == "donation" else "社区采购",
                    )
                elif action == "earn":
                    pid, code, qty = args
                    res = svc.earn(
                        s,
                        actor=recorder,
                        person_id=pid,
                        rule_code=code,
                        quantity=qty,
                        key=key(),
                        at=at,
                        note="",
                    )
                    out.earnings += 1
                    t = res.transfer
                    if t.phase == "pending" and at < now - timedelta(days=14):
                        later = at + timedelta(days=rng.randint(1, 6))
                        plan(later, "void" if rng.random() < 0.1 else "approve", t.id)
                    elif (
                        not reversed_done
                        and code.endswith("_report")
                        and at > now - timedelta(days=120)
                    ):
                        # recorded twice by mistake: corrected the same day, before anything is spent
                        reversed_done = True
                        svc.reverse(
                            s,
                            actor=approver,
                            transfer_id=t.id,
                            key=key(),
                            at=at + timedelta(hours=2),
                            note="同一条信息重复录入，冲正",
                        )
                        out.reversals += 1
                elif action == "approve":
                    svc.approve(s, actor=approver, transfer_id=args[0], key=key(), at=at)
                    out.approved += 1
                elif action == "void":
                    svc.void(
                        s,
                        actor=approver,
                        transfer_id=args[0],
                        key=key(),
                        at=at,
                        note="核实后不符合积分标准",
                    )
                    out.voided += 1
                elif action == "redeem" and _redeem(s, svc, clerk, args[0], rng, key, at):
                    out.redemptions += 1
                    if not stocktake_done and at > now - timedelta(days=60):
                        stocktake_done = True
                        towel = next(gid for gid, (n, _) in goods.items() if n == "毛巾")
                        if svc.get_goods(s, towel).stock > 0:
                            svc.correct_stock(
                                s,
                                actor=clerk,
                                goods_id=towel,
                                quantity=-1,
                                key=key(),
                                at=at,
                                note="盘点发现一条毛巾受潮损坏",
                            )
                        s.rollback()
            except (
                DomainError
            ) as exc:  # a cap reached, a rule not in force …: as a clerk would, move on
                out.skipped += 1
                log.debug("points demo: %s %s skipped: %s", action, args, exc)
                s.rollback()
        # the approvals queue is never empty in the demo: the last days' mediation and suggestion
        for pid, code, days in (
            (grid[:1], "grid_mediation", 2),
            (volunteers[:1], "resident_suggestion", 1),
        ):
            for person in pid:
                try:
                    svc.earn(
                        s,
                        actor=recorder,
                        person_id=person,
                        rule_code=code,
                        key=key(),
                        at=now - timedelta(days=days),
                    )
                    out.earnings += 1
                except DomainError as exc:
                    out.skipped += 1
                    log.debug("points demo: a last %s skipped: %s", code, exc)
                    s.rollback()
        # the last days before "now": the volunteers (residents) volunteered on a few days,
        # so they come to the counter with points to spend (issue 13: residents with balances)
        for person in volunteers:
            for days in (3, 6, 9):
                day = (now - timedelta(days=days)).astimezone(LOCAL_TZ).date()
                try:
                    svc.earn(
                        s,
                        actor=recorder,
                        person_id=person,
                        rule_code="resident_volunteer",
                        quantity=2,
                        key=key(),
                        at=_at(day, rng),
                        note="社区志愿服务",
                    )
                    out.earnings += 1
                except DomainError as exc:
                    out.skipped += 1
                    log.debug("points demo: this month's volunteering skipped: %s", exc)
                    s.rollback()
        out.pending = len(svc.pending_approvals(s, limit=100_000))
        s.rollback()
    log.info("points demo: %s", out)
    return out


def _redeem(s, svc, clerk: Actor, person_id: int, rng: random.Random, key, at: datetime) -> bool:
    """A visit to the counter: a basket of what the person's points and the shelf allow."""
    from gongzhi.plugins.points_exchange.services import BasketItem

    account = svc.account_of(s, person_id)
    # people keep some points for later: they spend a half to all of what they have
    budget = (account.available if account else 0) * rng.choice((2, 3, 4)) // 4
    shelf = [g for g in svc.list_goods(s) if g.stock > 0]
    s.rollback()
    rng.shuffle(shelf)
    basket: list[BasketItem] = []
    for g in shelf:
        if len(basket) == 3:
            break
        if g.price <= budget:
            qty = min(g.stock, rng.randint(1, 2), budget // g.price)
            basket.append(BasketItem(g.id, qty, g.price))
            budget -= qty * g.price
    if not basket:
        return False
    svc.redeem(s, actor=clerk, person_id=person_id, items=basket, key=key(), at=at)
    return True
