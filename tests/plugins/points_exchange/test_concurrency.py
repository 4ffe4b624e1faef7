"""Several clerks at once, on a real SQLite file and a real PostgreSQL server.

Each scenario starts 8 or 32 worker threads together (a ``threading.Barrier``),
each with its own writing session from one shared ``Database``, and checks what
must hold however the database interleaves them:

- the last item in stock: exactly one redemption, the others ``points.out_of_stock``;
- overdraft from many counters: exactly ⌊balance / price⌋ redemptions, the others
  ``points.exceeds_credits``;
- the same idempotency key from many clerks: one row, every other answer "exists";
- transfers in opposite directions (earn, redeem, reverse, adjust on the same
  accounts and goods): no deadlock or serialization error escapes, and the
  balances and the stock are what the successful operations add up to;
- a random mix while a reader runs ``verify()`` again and again: it never finds a
  violation, and ``verify()`` is clean at the end.

The workload of each run comes from a seed; three fresh seeds per test, printed
(``pytest -s``) and named in every failure message. Replay one with
``GONGZHI_POINTS_SEEDS=<seed>[,<seed>…] pytest tests/plugins/points_exchange/test_concurrency.py``.
Thread scheduling is the machine's, so a replay repeats the workload, not
necessarily the interleaving.

The naive read-check-write variant (:mod:`tests.plugins.points_exchange.naive`)
runs the first three scenarios and fails them — the proof that they can fail.
"""

from __future__ import annotations

import contextlib
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any, NamedTuple

import pytest
from sqlalchemy import event, func, select
from sqlmodel import Session

from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.models.types import utcnow
from gongzhi.core.services import Actor, people
from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.models import Transfer
from gongzhi.plugins.points_exchange.verify import verify
from tests.plugins.points_exchange import naive

WORKERS = (8, 32)
REPEATS = 3
SEEDS_ENV = "GONGZHI_POINTS_SEEDS"
JOIN_TIMEOUT = 120  # seconds; a hung worker fails the test instead of hanging the suite
SETUP = Actor("并发测试预置")


def seeds() -> list[int]:
    """The seeds of this run: given in the environment (a replay), else fresh ones."""
    given = os.environ.get(SEEDS_ENV, "").strip()
    if given:
        return [int(s) for s in given.split(",")]
    fresh = random.SystemRandom()
    return [fresh.randrange(1, 2**31) for _ in range(REPEATS)]


def clerk(i: int) -> Actor:
    return Actor(f"柜员{i:02d}")


# -- running workers together --------------------------------------------------------


@pytest.fixture
def wide(db: Database) -> Iterator[Database]:
    """The test's database opened again with a connection pool wide enough for every
    worker to hold a connection at once (the default pool holds 15): 32 clerks
    really are in their transactions together."""
    shared = Database(db.url, pool_size=max(WORKERS) + 4)
    assert shared.engine.pool.size() == max(WORKERS) + 4
    shared.street = db.street
    yield shared
    shared.dispose()


@dataclass(frozen=True)
class Outcome:
    """What one operation of one worker came to."""

    worker: int
    op: str
    result: str  # created | exists | refused | crash
    code: str = ""  # the error code of a refusal, the exception of a crash
    transfer_id: int | None = None
    effects: dict[tuple[str, int], int] = field(default_factory=dict)


def attempt(
    worker: int,
    op: str,
    call: Callable[[], Any],
    effects: dict[tuple[str, int], int] | None = None,
) -> Outcome:
    """Run one operation; a DomainError is a refusal, anything else a crash."""
    try:
        r = call()
    except DomainError as exc:
        return Outcome(worker, op, "refused", exc.code)
    except Exception as exc:  # noqa: BLE001 - a crash is what the tests look for
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return Outcome(worker, op, "crash", f"{type(exc).__name__}: {first_line}"[:300])
    transfer = getattr(r, "transfer", None)
    return Outcome(
        worker,
        op,
        getattr(r, "result", "created"),
        transfer_id=transfer.id if transfer is not None else None,
        effects=effects or {},
    )


def run_together(
    db: Database,
    workers: int,
    job: Callable[[Session, int], Outcome | list[Outcome]],
    reader: Callable[[threading.Event], None] | None = None,
) -> list[Outcome]:
    """Start ``workers`` threads together, each running ``job(session, i)`` on its
    own writing session (and ``reader(done)`` on one more thread, until they end)."""
    parties = workers + (1 if reader else 0)
    start = threading.Barrier(parties)
    done = threading.Event()
    results: list[list[Outcome]] = [[] for _ in range(workers)]

    def work(i: int) -> None:
        try:
            with db.session() as session:
                start.wait(timeout=60)
                out = job(session, i)
            results[i].extend(out if isinstance(out, list) else [out])
        except BaseException as exc:  # noqa: BLE001 - reported as an outcome
            results[i].append(Outcome(i, "worker", "crash", f"{type(exc).__name__}: {exc}"))

    def read() -> None:
        start.wait(timeout=60)
        reader(done)

    threads = [threading.Thread(target=work, args=(i,), name=f"clerk-{i}") for i in range(workers)]
    watcher = threading.Thread(target=read, name="reader") if reader else None
    for t in [*threads, *([watcher] if watcher else [])]:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_TIMEOUT)
    done.set()
    if watcher:
        watcher.join(timeout=JOIN_TIMEOUT)
    alive = [t.name for t in [*threads, *([watcher] if watcher else [])] if t.is_alive()]
    assert not alive, f"still running after {JOIN_TIMEOUT} s: {alive}"
    return [o for r in results for o in r]


def context(seed: int, workers: int, outcomes: list[Outcome]) -> str:
    tally = Counter((o.op, o.result, o.code) for o in outcomes if o.result != "crash")
    summary = ", ".join(
        f"{op} {res}{' ' + code if code else ''} ×{n}"
        for (op, res, code), n in sorted(tally.items())
    )
    return f"seed={seed} workers={workers} [{summary}] (replay: {SEEDS_ENV}={seed})"


def no_crash(outcomes: list[Outcome], ctx: str) -> None:
    crashes = [f"worker {o.worker} {o.op}: {o.code}" for o in outcomes if o.result == "crash"]
    assert not crashes, f"unhandled errors escaped: {crashes[:5]}; {ctx}"


def clean(db: Database, ctx: str) -> None:
    with db.read_session() as s:
        found = verify(s)
    assert found == [], f"verify() found {[str(v) for v in found[:5]]}; {ctx}"


# -- making the street's figures ------------------------------------------------------


def new_people(db: Database, tag: str, n: int, points: int = 0) -> list[int]:
    """``n`` new people, each granted ``points`` (an adjustment) when points > 0."""
    with db.session() as s:
        ids = [people.create_person(s, actor=SETUP, name=f"{tag}-{i}").id for i in range(n)]
        for person in ids:
            if points:
                svc.adjust(s, actor=SETUP, person_id=person, amount=points, note="并发测试预置积分")
    return ids


def new_goods(db: Database, tag: str, price: int, stock: int) -> int:
    with db.session() as s:
        return svc.add_goods(s, actor=SETUP, name=f"物品{tag}", price=price, stock=stock).id


def balances(db: Database, persons: list[int]) -> dict[int, int]:
    with db.read_session() as s:
        return {p: svc.balance(s, p) for p in persons}


def stocks(db: Database, goods: list[int]) -> dict[int, int]:
    with db.read_session() as s:
        return {g: svc.get_goods(s, g).stock for g in goods}


class Ops(NamedTuple):
    """The ledger operations a scenario calls: the services, or the naive variant."""

    earn: Callable[..., svc.TransferResult]
    redeem: Callable[..., svc.TransferResult]


REAL = Ops(earn=svc.earn, redeem=svc.redeem)


# -- the scenarios (each asserts; the naive variant must make them fail) ---------------


def last_item(db: Database, ops: Ops, workers: int, seed: int) -> None:
    """Every worker redeems the one item left on the shelf, for one of eight
    residents who all have points enough."""
    rng = random.Random(seed)
    price = rng.randint(1, 50)
    tag = f"末件{seed}-{workers}"
    buyers = new_people(db, tag, 8, price * rng.randint(1, 3))
    goods = new_goods(db, tag, price, stock=1)
    before = balances(db, buyers)

    def job(s: Session, i: int) -> Outcome:
        return attempt(
            i,
            "redeem",
            lambda: ops.redeem(
                s,
                actor=clerk(i),
                person_id=buyers[i % 8],
                items=[(goods, 1, price)],
                note="最后一件",
            ),
        )

    outcomes = run_together(db, workers, job)
    ctx = context(seed, workers, outcomes)
    no_crash(outcomes, ctx)
    winners = [o.worker for o in outcomes if o.result == "created"]
    assert len(winners) == 1, f"{len(winners)} clerks sold the last item; {ctx}"
    refused = [o.code for o in outcomes if o.result != "created"]
    assert refused == ["points.out_of_stock"] * (workers - 1), ctx
    assert stocks(db, [goods]) == {goods: 0}, ctx
    after = balances(db, buyers)
    assert after == {
        p: before[p] - (price if p == buyers[winners[0] % 8] else 0) for p in buyers
    }, ctx
    clean(db, ctx)


def overdraft(db: Database, ops: Ops, workers: int, seed: int) -> None:
    """Every worker redeems one item for the same resident, who has points for
    ⌊balance / price⌋ of them (fewer than there are workers and items)."""
    rng = random.Random(seed)
    price = rng.randint(1, 20)
    can = rng.randint(1, workers - 1)
    have = price * can + rng.randint(0, price - 1)
    tag = f"透支{seed}-{workers}"
    (person,) = new_people(db, tag, 1, have)
    goods = new_goods(db, tag, price, stock=workers)

    def job(s: Session, i: int) -> Outcome:
        return attempt(
            i,
            "redeem",
            lambda: ops.redeem(s, actor=clerk(i), person_id=person, items=[(goods, 1, price)]),
        )

    outcomes = run_together(db, workers, job)
    ctx = context(seed, workers, outcomes) + f" balance={have} price={price}"
    no_crash(outcomes, ctx)
    created = sum(o.result == "created" for o in outcomes)
    assert created == have // price, (
        f"{created} redemptions for {have // price} items' worth; {ctx}"
    )
    refused = [o.code for o in outcomes if o.result != "created"]
    assert refused == ["points.exceeds_credits"] * (workers - can), ctx
    assert balances(db, [person]) == {person: have - can * price}, ctx
    assert stocks(db, [goods]) == {goods: workers - can}, ctx
    clean(db, ctx)


def same_key(db: Database, ops: Ops, workers: int, seed: int) -> None:
    """Every worker submits the same operation under the same key: an earning for a
    resident who has no account yet (so the account is created in the race too),
    or a redemption."""
    rng = random.Random(seed)
    kind = rng.choice(["earn", "redeem"])
    tag = f"同键{seed}-{workers}"
    key = f"same-{seed}-{workers}"
    price = rng.randint(1, 30)
    (person,) = new_people(db, tag, 1, 0 if kind == "earn" else price * 2)
    goods = new_goods(db, tag, price, stock=1)

    def job(s: Session, i: int) -> Outcome:
        if kind == "earn":
            call = partial(
                ops.earn, s, actor=clerk(i), person_id=person, rule_code="resident_volunteer"
            )
        else:
            call = partial(
                ops.redeem, s, actor=clerk(i), person_id=person, items=[(goods, 1, price)]
            )
        return attempt(i, kind, lambda: call(key=key))

    outcomes = run_together(db, workers, job)
    ctx = context(seed, workers, outcomes) + f" {kind}"
    no_crash(outcomes, ctx)
    results = Counter(o.result for o in outcomes)
    assert results == {"created": 1, "exists": workers - 1}, ctx
    assert len({o.transfer_id for o in outcomes}) == 1, f"answers name different rows; {ctx}"
    with db.read_session() as s:
        rows = s.scalar(select(func.count()).select_from(Transfer).where(Transfer.key == key))
        assert rows == 1, ctx
        assert svc.balance(s, person) == (10 if kind == "earn" else price), ctx
        assert svc.get_goods(s, goods).stock == (1 if kind == "earn" else 0), ctx
    clean(db, ctx)


def opposite_directions(db: Database, ops: Ops, workers: int, seed: int) -> None:
    """Earnings (issuance → person), their reversals (person → issuance),
    redemptions of baskets (goods, person → supermarket), their reversals (goods
    back, supermarket → person) and adjustments both ways, on three residents and
    three goods, several workers on the same transfer: no deadlock or
    serialization error escapes; each transfer is reversed at most once; the
    balances and the stock are what the operations that succeeded add up to."""
    rng = random.Random(seed)
    tag = f"对向{seed}-{workers}"
    persons = new_people(db, tag, 3, 60)
    goods = [new_goods(db, f"{tag}-{k}", rng.randint(1, 9), stock=workers) for k in range(3)]
    price = dict(zip(goods, _prices(db, goods), strict=True))
    earns: list[tuple[int, int]] = []  # (transfer id, person)
    sales: list[tuple[int, int, dict[int, int]]] = []  # (transfer id, person, basket)
    with db.session() as s:
        for n, p in enumerate(persons):
            for days in (2, 3):  # earned on earlier days: today's cap stays free
                t = svc.earn(
                    s,
                    actor=SETUP,
                    person_id=p,
                    rule_code="resident_volunteer",
                    at=utcnow() - timedelta(days=days),
                    key=f"{tag}-e{n}{days}",
                ).transfer
                earns.append((t.id, p))
            basket = {g: 1 for g in goods}
            t = svc.redeem(
                s, actor=SETUP, person_id=p, items=[(g, 1, price[g]) for g in goods]
            ).transfer
            sales.append((t.id, p, basket))
    start_balance, start_stock = balances(db, persons), stocks(db, goods)
    plan = [rng.randrange(5) for _ in range(workers)]

    def job(s: Session, i: int) -> Outcome:
        rng_i = random.Random(seed * 1000 + i)
        person = rng_i.choice(persons)
        op = plan[i]
        if op == 0:
            return attempt(
                i,
                "earn",
                lambda: ops.earn(
                    s, actor=clerk(i), person_id=person, rule_code="resident_volunteer"
                ),
                {("person", person): 10},
            )
        if op == 1:
            tid, owner = rng_i.choice(earns)
            return attempt(
                i,
                f"reverse {tid}",
                lambda: svc.reverse(s, actor=clerk(i), transfer_id=tid),
                {("person", owner): -10},
            )
        if op == 2:
            chosen = rng_i.sample(goods, rng_i.randint(1, 3))  # the order the clerk picked them
            qty = {g: rng_i.randint(1, 2) for g in chosen}
            effects = {("person", person): -sum(qty[g] * price[g] for g in chosen)}
            effects |= {("goods", g): -qty[g] for g in chosen}
            return attempt(
                i,
                "redeem",
                lambda: ops.redeem(
                    s,
                    actor=clerk(i),
                    person_id=person,
                    items=[(g, qty[g], price[g]) for g in chosen],
                ),
                effects,
            )
        if op == 3:
            tid, owner, basket = rng_i.choice(sales)
            effects = {("person", owner): sum(q * price[g] for g, q in basket.items())}
            effects |= {("goods", g): q for g, q in basket.items()}
            return attempt(
                i,
                f"reverse {tid}",
                lambda: svc.reverse(s, actor=clerk(i), transfer_id=tid),
                effects,
            )
        amount = rng_i.choice([-25, -5, 5, 25])
        return attempt(
            i,
            "adjust",
            lambda: svc.adjust(s, actor=clerk(i), person_id=person, amount=amount, note="对向调整"),
            {("person", person): amount},
        )

    outcomes = run_together(db, workers, job)
    ctx = context(seed, workers, outcomes)
    no_crash(outcomes, ctx)
    allowed = {
        "points.already_reversed",
        "points.exceeds_credits",
        "points.out_of_stock",
        "points.daily_cap_reached",
    }
    unexpected = {o.code for o in outcomes if o.result == "refused"} - allowed
    assert not unexpected, f"unexpected refusals {unexpected}; {ctx}"
    reversed_ = Counter(
        o.op for o in outcomes if o.op.startswith("reverse") and o.result == "created"
    )
    assert all(n == 1 for n in reversed_.values()), f"reversed twice: {reversed_}; {ctx}"
    want_balance, want_stock = dict(start_balance), dict(start_stock)
    for o in outcomes:
        if o.result == "created":
            for (what, ident), delta in o.effects.items():
                (want_balance if what == "person" else want_stock)[ident] += delta
    assert balances(db, persons) == want_balance, ctx
    assert stocks(db, goods) == want_stock, ctx
    with db.read_session() as s:
        today = svc.day_bounds(utcnow())
        for p in persons:
            account = svc.account_of(s, p).id
            earned = svc.earned(s, *today, account_id=account, rule_code="resident_volunteer")
            assert earned <= 20, f"daily cap passed for person {p}: {earned}; {ctx}"
    clean(db, ctx)


def _prices(db: Database, goods: list[int]) -> list[int]:
    with db.read_session() as s:
        return [svc.get_goods(s, g).price for g in goods]


def random_mix(db: Database, ops: Ops, workers: int, seed: int) -> None:
    """Every worker runs a few random operations (earn, with or without approval;
    approve; void; redeem; reverse; restock; adjust; an expiry sweep) while one
    reader runs ``verify()`` over and over: it must never find anything."""
    tag = f"混合{seed}-{workers}"
    base = random.Random(seed)
    persons = new_people(db, tag, 4, 40)
    goods = [new_goods(db, f"{tag}-{k}", base.randint(1, 9), stock=5) for k in range(3)]
    price = dict(zip(goods, _prices(db, goods), strict=True))
    with db.session() as s:
        for n, p in enumerate(persons):  # something old for the expiry sweep to find
            svc.earn(
                s,
                actor=SETUP,
                person_id=p,
                rule_code="resident_volunteer",
                at=utcnow() - timedelta(days=3),
                key=f"{tag}-old{n}",
            )
    cutoff = utcnow() - timedelta(days=1)
    per_worker = max(2, 32 // workers)
    lock = threading.Lock()
    pending: list[tuple[int, int]] = []  # (transfer id, recorder)
    reversible: list[int] = []
    violations: list[str] = []
    rounds: list[int] = []

    def reader(done: threading.Event) -> None:
        while True:
            finished = done.is_set()
            with db.read_session() as s:
                found = verify(s)
            rounds.append(len(found))
            violations.extend(f"round {len(rounds)}: {v}" for v in found)
            if finished:
                return
            time.sleep(0.005)  # let the clerks have the interpreter between rounds

    def job(s: Session, i: int) -> list[Outcome]:
        rng = random.Random(seed * 1000 + i)
        out: list[Outcome] = []
        for _ in range(per_worker):
            person = rng.choice(persons)
            op = rng.choice(
                [
                    "earn",
                    "earn_pending",
                    "approve",
                    "void",
                    "redeem",
                    "reverse",
                    "restock",
                    "adjust",
                ]
                * 3
                + ["expire"]
            )
            with lock:
                mine = [(t, r) for t, r in pending if r != i]
                target = rng.choice(mine) if mine and op in ("approve", "void") else None
                back = rng.choice(reversible) if reversible and op == "reverse" else None
            if op == "earn" or op == "earn_pending" or (op in ("approve", "void") and not target):
                rule = "resident_volunteer" if op == "earn" else "resident_suggestion"
                o = attempt(
                    i,
                    "earn",
                    lambda p=person, r=rule: ops.earn(s, actor=clerk(i), person_id=p, rule_code=r),
                )
                if o.result == "created":
                    with lock:
                        (
                            pending.append((o.transfer_id, i))
                            if rule == "resident_suggestion"
                            else reversible.append(o.transfer_id)
                        )
            elif op in ("approve", "void"):
                call = svc.approve if op == "approve" else svc.void
                o = attempt(i, op, lambda c=call, t=target[0]: c(s, actor=clerk(i), transfer_id=t))
                if o.result == "created" and op == "approve":
                    with lock:
                        reversible.append(o.transfer_id)
            elif op == "redeem":
                chosen = rng.sample(goods, rng.randint(1, 2))
                items = [(g, rng.randint(1, 2), price[g]) for g in chosen]
                o = attempt(
                    i,
                    op,
                    lambda p=person, it=items: ops.redeem(s, actor=clerk(i), person_id=p, items=it),
                )
                if o.result == "created":
                    with lock:
                        reversible.append(o.transfer_id)
            elif op == "reverse" and back is not None:
                o = attempt(i, op, lambda t=back: svc.reverse(s, actor=clerk(i), transfer_id=t))
            elif op == "restock":
                g, q = rng.choice(goods), rng.randint(1, 3)
                o = attempt(
                    i, op, lambda g=g, q=q: svc.restock(s, actor=clerk(i), goods_id=g, quantity=q)
                )
            elif op == "expire":
                o = attempt(i, op, lambda: svc.expire(s, actor=clerk(i), cutoff=cutoff))
            else:
                amount = rng.choice([-15, -5, 5, 15])
                o = attempt(
                    i,
                    "adjust",
                    lambda p=person, a=amount: svc.adjust(
                        s, actor=clerk(i), person_id=p, amount=a, note="混合调整"
                    ),
                )
                if o.result == "created":
                    with lock:
                        reversible.append(o.transfer_id)
            out.append(o)
        return out

    outcomes = run_together(db, workers, job, reader=reader)
    ctx = context(seed, workers, outcomes)
    no_crash(outcomes, ctx)
    allowed = {
        "points.already_reversed",
        "points.exceeds_credits",
        "points.out_of_stock",
        "points.daily_cap_reached",
        "points.monthly_cap_reached",
        "points.pending_already_posted",
        "points.pending_already_voided",
    }
    unexpected = {o.code for o in outcomes if o.result == "refused"} - allowed
    assert not unexpected, f"unexpected refusals {unexpected}; {ctx}"
    assert rounds, f"the reader never ran; {ctx}"
    assert not violations, f"verify() found, while clerks worked: {violations[:5]}; {ctx}"
    clean(db, ctx)


# -- the tests ---------------------------------------------------------------------------


SCENARIOS = {
    "last_item": last_item,
    "overdraft": overdraft,
    "same_key": same_key,
    "opposite_directions": opposite_directions,
    "random_mix": random_mix,
}


@pytest.mark.parametrize("workers", WORKERS)
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_many_clerks_at_once(wide: Database, scenario: str, workers: int) -> None:
    for seed in seeds():
        print(f"points concurrency: {scenario} on {wide.dialect}, {workers} workers, seed={seed}")
        SCENARIOS[scenario](wide, REAL, workers, seed)


# -- the naive variant fails them ------------------------------------------------------


def barrier_pause(workers: int) -> Callable[[], None]:
    """For the naive variant, between its check and its write: every worker has read
    before any writes, so the race happens on every run instead of on most."""
    barrier = threading.Barrier(workers)

    def pause() -> None:
        # a worker that never comes (SQLite made it wait for the lock): go on without it
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=2)

    return pause


# what each scenario's failure says when the naive variant runs it
NAIVE_FAILS = {
    "last_item": "clerks sold the last item",
    "overdraft": "redemptions for",
    "same_key": "unhandled errors escaped",
}


@pytest.mark.parametrize("scenario", list(NAIVE_FAILS))
def test_the_naive_read_check_write_variant_fails_them(wide: Database, scenario: str) -> None:
    """Read in one transaction, check in Python, write in the next: on both backends
    the last item is sold to every clerk, the resident spends the same points eight
    times (stored figures that no longer add up: verify() sees the lost updates),
    and the same key makes a raw unique-key error instead of "exists"."""
    workers, seed = 8, seeds()[0]
    pause = barrier_pause(workers)
    ops = Ops(earn=partial(naive.earn, pause=pause), redeem=partial(naive.redeem, pause=pause))
    with pytest.raises(AssertionError, match=NAIVE_FAILS[scenario]) as failed:
        SCENARIOS[scenario](wide, ops, workers, seed)
    print(f"naive {scenario} on {wide.dialect} failed, as it must: {failed.value}")
    with wide.read_session() as s:
        found = {v.check for v in verify(s)}
    # lost updates leave stored figures that disagree with the rows; a refused twin does not
    if scenario == "same_key":
        assert found == set()
    else:
        assert {"stock", "stored_balance"} <= found, found


def test_the_naive_variant_in_one_transaction(wide: Database) -> None:
    """Read-check-write inside one transaction: PostgreSQL (READ COMMITTED, a plain
    SELECT locks nothing) still sells the last item to every clerk; SQLite is
    accidentally safe, because BEGIN IMMEDIATE makes each writing transaction wait
    for the previous one before its first read."""
    workers, seed = 8, seeds()[0]
    pause = barrier_pause(workers)
    ops = Ops(
        earn=partial(naive.earn, split=False, pause=pause),
        redeem=partial(naive.redeem, split=False, pause=pause),
    )
    if wide.is_sqlite:
        last_item(wide, ops, workers, seed)
    else:
        with pytest.raises(AssertionError, match=NAIVE_FAILS["last_item"]):
            last_item(wide, ops, workers, seed)


def test_verify_reads_one_snapshot_while_a_clerk_commits(wide: Database) -> None:
    """A clerk commits an earning between verify()'s first query (the accounts)
    and the next (the transfers): verify() still sees one moment of the ledger.
    (Under PostgreSQL's READ COMMITTED each statement would see the new transfer
    but not its balances, and report a violation that is not there.)"""
    (person,) = new_people(wide, "快照", 1)
    committed: list[int] = []
    started = threading.Event()

    def clerk_commits(conn, cursor, statement, *args) -> None:
        if not started.is_set() and "FROM points_account" in statement:
            started.set()  # once: the clerk's own statements pass through here too
            with wide.session() as w:
                t = svc.earn(w, actor=clerk(1), person_id=person, rule_code="resident_volunteer")
                committed.append(t.transfer.id)

    event.listen(wide.engine, "after_cursor_execute", clerk_commits)
    try:
        with wide.read_session() as s:
            found = verify(s)
    finally:
        event.remove(wide.engine, "after_cursor_execute", clerk_commits)
    assert committed, "the clerk never committed during verify()"
    assert found == [], [str(v) for v in found]
    with wide.read_session() as s:
        assert svc.balance(s, person) == 10
        assert verify(s) == []
