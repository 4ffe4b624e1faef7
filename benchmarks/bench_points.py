"""Points exchange: redemptions per second with 1 and 8 clients, and a balance lookup
at 1,000,000 transfers, on SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/bench_points.py [--backends sqlite,postgresql]
        [--redemptions 400] [--transfers 1000000] [--repeat 201] [--seed 2014]

PostgreSQL is a throwaway cluster started with the machine's own binaries
(``tests/pg.py``, as the test suite does: fsync off), or ``--pg-url`` to use one.

1. **Redemptions per second.** A fresh migrated database with eight residents (one
   per client, points enough) and four goods (stock enough). Each client thread, with
   its own writing session, redeems a random basket of one or two goods
   ``--redemptions`` times (``services.redeem``: the whole transaction: key, person,
   goods locked, accounts locked, conditional updates, transfer, stock moves,
   audit). Baseline, in the same run, on the same database and the same sessions
   (``BEGIN IMMEDIATE`` on SQLite): a plain transaction inserting one row into a
   scratch table. ``ratio`` = baseline transactions/s ÷ redemptions/s: how many
   plain write transactions one redemption costs. ``verify()`` must be clean after.
2. **Balance lookup at 1,000,000 transfers.** 10,000 residents and 1,000,000
   transfers (three earnings for every redemption, each redemption with its stock
   move), made by bulk inserts that respect the ledger's invariants (the stored
   counters and stock are what the rows add up to; ``verify()`` clean, checked
   once when built). The SQLite file is cached in ``.bench/`` (git-ignored;
   delete it to rebuild); PostgreSQL is loaded from the same rows each run.
   Timed: ``services.balance`` in a fresh reading session (what ``points balance``
   and the counter do), ``services.person_summary`` (the person page: balance,
   earned and redeemed net of reversals, the ten most recent transfers); baseline:
   the stored balance by hand-written SQL on a plain driver connection. For
   comparison, the balance summed from the transfers (what a ledger without stored
   balances would pay) by hand-written SQL.

Prints one JSON document (progress on stderr).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import CACHE, emit, log, machine
from sqlalchemy import bindparam, create_engine, insert, select, text
from sqlalchemy.engine import make_url

from gongzhi.core.config import Settings
from gongzhi.core.db import Database
from gongzhi.core.models.people import Person
from gongzhi.core.plugins import PluginHost
from gongzhi.core.services import Actor, people
from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.models import Account, Goods, Rule, StockMove, Transfer
from gongzhi.plugins.points_exchange.verify import verify

PLUGIN = "points_exchange"
CLERK = Actor("基准柜员")
BASELINE_DDL = (
    "CREATE TABLE bench_baseline (id {pk}, client INTEGER NOT NULL, n INTEGER NOT NULL, "
    "note VARCHAR(100) NOT NULL, created_at TIMESTAMP NOT NULL)"
)


# -- databases --------------------------------------------------------------------------


def migrate(db: Database) -> None:
    db.upgrade()
    PluginHost(Settings(), names=[PLUGIN]).load().upgrade(db)


@contextmanager
def postgres(url: str | None) -> Iterator[Callable[[str], Database]]:
    """``new(name)`` → a new, empty PostgreSQL database on a throwaway cluster."""
    cluster = None
    if url is None:
        from tests.pg import Cluster

        cluster = Cluster()
        url = cluster.start()
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    made: list[Database] = []

    def new(name: str) -> Database:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        db = Database(make_url(url).set(database=name).render_as_string(hide_password=False))
        made.append(db)
        return db

    try:
        yield new
    finally:
        for db in made:
            db.dispose()
            with admin.connect() as conn:
                conn.execute(
                    text(f'DROP DATABASE IF EXISTS "{make_url(db.url).database}" WITH (FORCE)')
                )
        admin.dispose()
        if cluster is not None:
            cluster.stop()


# -- 1. redemptions per second ---------------------------------------------------------------


def together(clients: int, op: Callable[[int, int], None], per_client: int) -> float:
    """Wall seconds for ``clients`` threads, started together, each running
    ``op(client, n)`` ``per_client`` times."""
    start = threading.Barrier(clients + 1)
    errors: list[BaseException] = []

    def run(c: int) -> None:
        try:
            start.wait()
            for n in range(per_client):
                op(c, n)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    began = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    if errors:
        raise errors[0]
    return wall


def throughput(db: Database, per_client: int, seed: int) -> dict:
    migrate(db)
    pk = "INTEGER PRIMARY KEY" if db.is_sqlite else "SERIAL PRIMARY KEY"
    with db.engine.begin() as conn:
        conn.execute(text(BASELINE_DDL.format(pk=pk)))
    with db.session() as s:
        residents = [people.create_person(s, actor=CLERK, name=f"兑换居民{c}").id for c in range(8)]
        for p in residents:
            svc.adjust(s, actor=CLERK, person_id=p, amount=10**6, note="基准测试预置积分")
        goods = {
            svc.add_goods(s, actor=CLERK, name=f"基准物品{k}", price=k + 1, stock=10**7).id: k + 1
            for k in range(4)
        }
    rng = random.Random(seed)
    baskets = [
        [
            (g, rng.randint(1, 3), goods[g])
            for g in sorted(rng.sample(sorted(goods), rng.randint(1, 2)))
        ]
        for _ in range(997)
    ]
    out: dict = {}
    for clients in (1, 8):
        sessions = [db.session() for _ in range(clients)]

        def plain(c: int, n: int, sessions=sessions) -> None:
            s = sessions[c]
            s.execute(
                text(
                    "INSERT INTO bench_baseline (client, n, note, created_at) VALUES (:c, :n, :note, :at)"
                ),
                {"c": c, "n": n, "note": "基准", "at": datetime.now(UTC)},
            )
            s.commit()

        def redemption(c: int, n: int, sessions=sessions) -> None:
            svc.redeem(
                sessions[c],
                actor=CLERK,
                person_id=residents[c],
                items=baskets[(c * 131 + n) % len(baskets)],
            )

        for name, op in (("baseline", plain), ("redeem", redemption)):
            log(f"  {db.dialect}: {name}, {clients} client(s) × {per_client} …")
            together(clients, op, max(10, per_client // 10))  # warm up
            wall = together(clients, op, per_client)
            out.setdefault(name, {})[f"{clients}_clients_per_s"] = round(
                clients * per_client / wall, 1
            )
        for s in sessions:
            s.close()
    with db.read_session() as s:
        problems = verify(s)
    assert problems == [], problems[:5]
    for clients in (1, 8):
        k = f"{clients}_clients_per_s"
        out[f"ratio_{clients}_clients"] = round(out["baseline"][k] / out["redeem"][k], 2)
    out["verify_clean"] = True
    return out


# -- 2. a ledger of 1,000,000 transfers ---------------------------------------------------------


PERSONS = 10_000
GOODS = ((f"大米{k}", 20 + k) for k in range(5))
CHUNK = 50_000


def build_ledger(db: Database, transfers: int, seed: int) -> dict:
    """Bulk-load ``transfers`` transfers that respect every invariant, then update the
    stored counters and stock to what they add up to."""
    migrate(db)
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    step = timedelta(days=730) / transfers
    with db.engine.begin() as conn:
        system = dict(
            conn.execute(select(Account.code, Account.id).where(Account.code.is_not(None))).all()
        )
        rule_id = conn.execute(
            select(Rule.id).where(Rule.code == "resident_volunteer", Rule.version == 1)
        ).scalar_one()
        points = conn.execute(select(Rule.points).where(Rule.id == rule_id)).scalar_one()
        conn.execute(
            insert(Person),
            [
                dict(
                    name=f"居民{i:05d}",
                    gender="unknown",
                    birth_year=None,
                    phone=None,
                    phone_tail=None,
                    id_number=None,
                    household_id=None,
                    notes="",
                    search_keys=f"|jm{i:05d}|",
                    created_at=start,
                    updated_at=start,
                )
                for i in range(PERSONS)
            ],
        )
        person_ids = list(conn.execute(select(Person.id).order_by(Person.id)).scalars())
        conn.execute(
            insert(Account),
            [
                dict(
                    kind="person",
                    person_id=p,
                    code=None,
                    debits_posted=0,
                    credits_posted=0,
                    debits_pending=0,
                    credits_pending=0,
                    created_at=start,
                )
                for p in person_ids
            ],
        )
        accounts = dict(
            conn.execute(
                select(Account.person_id, Account.id).where(Account.person_id.is_not(None))
            ).all()
        )
        goods = []
        for name, price in GOODS:
            g = conn.execute(
                insert(Goods).returning(Goods.id),
                dict(
                    name=name,
                    unit="袋",
                    price=price,
                    stock=0,
                    active=True,
                    created_at=start,
                    updated_at=start,
                ),
            ).scalar_one()
            goods.append((g, price))
        initial = transfers  # stock enough for every redemption
        conn.execute(
            insert(StockMove),
            [
                dict(
                    goods_id=g,
                    kind="donation",
                    quantity=initial,
                    unit_price=None,
                    transfer_id=None,
                    reverses_move_id=None,
                    key=None,
                    note="",
                    recorded_by="bench",
                    created_at=start,
                )
                for g, _ in goods
            ],
        )

    balance = dict.fromkeys(person_ids, 0)
    debits = dict.fromkeys(person_ids, 0)
    credits = dict.fromkeys(person_ids, 0)
    taken = {g: 0 for g, _ in goods}
    issued = spent = 0
    next_id = 1
    built = time.perf_counter()
    while next_id <= transfers:
        rows, moves = [], []
        for tid in range(next_id, min(next_id + CHUNK, transfers + 1)):
            p = person_ids[rng.randrange(PERSONS)]
            at = start + step * tid
            g, price = goods[rng.randrange(len(goods))]
            redeem = rng.random() < 0.25 and balance[p] >= price
            if redeem:
                debit, credit, amount = accounts[p], system["supermarket"], price
                balance[p] -= amount
                debits[p] += amount
                spent += amount
                taken[g] += 1
                moves.append(
                    dict(
                        goods_id=g,
                        kind="redemption",
                        quantity=-1,
                        unit_price=price,
                        transfer_id=tid,
                        reverses_move_id=None,
                        key=None,
                        note="",
                        recorded_by="bench",
                        created_at=at,
                    )
                )
            else:
                debit, credit, amount = system["issuance"], accounts[p], points
                balance[p] += amount
                credits[p] += amount
                issued += amount
            rows.append(
                dict(
                    id=tid,
                    key=f"bench-{tid}",
                    kind="redeem" if redeem else "earn",
                    phase="single",
                    debit_account_id=debit,
                    credit_account_id=credit,
                    amount=amount,
                    rule_id=None if redeem else rule_id,
                    quantity=1,
                    pending_id=None,
                    reverses_id=None,
                    request_id=None,
                    note="",
                    recorded_by="bench",
                    recorded_by_person_id=None,
                    created_at=at,
                )
            )
        with db.engine.begin() as conn:
            conn.execute(insert(Transfer), rows)
            if moves:
                conn.execute(insert(StockMove), moves)
        next_id += len(rows)
        log(f"  {db.dialect}: {next_id - 1:,} transfers …")
    with db.engine.begin() as conn:
        conn.execute(
            Account.__table__.update()
            .where(Account.__table__.c.id == bindparam("aid"))
            .values(debits_posted=bindparam("d"), credits_posted=bindparam("c")),
            [{"aid": accounts[p], "d": debits[p], "c": credits[p]} for p in person_ids],
        )
        for code, d, c in (("issuance", issued, 0), ("supermarket", 0, spent)):
            conn.execute(
                text(
                    "UPDATE points_account SET debits_posted = :d, credits_posted = :c WHERE id = :id"
                ),
                {"d": d, "c": c, "id": system[code]},
            )
        for g, _ in goods:
            conn.execute(
                text("UPDATE points_goods SET stock = :s WHERE id = :id"),
                {"s": initial - taken[g], "id": g},
            )
        if not db.is_sqlite:
            for table in ("points_transfer",):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
            conn.execute(text("ANALYZE"))
    load_s = time.perf_counter() - built
    began = time.perf_counter()
    with db.read_session() as s:
        problems = verify(s)
    verify_s = time.perf_counter() - began
    assert problems == [], [str(p) for p in problems[:5]]
    return {
        "transfers": transfers,
        "persons": PERSONS,
        "load_seconds": round(load_s, 1),
        "verify_seconds": round(verify_s, 1),
        "verify_clean": True,
    }


def cached_sqlite_ledger(transfers: int, seed: int) -> tuple[Path, dict]:
    path = CACHE / f"points-{transfers}-{seed}.sqlite"
    if path.exists():
        return path, {
            "transfers": transfers,
            "persons": PERSONS,
            "cached": str(path.relative_to(CACHE.parent)),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building.sqlite")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    db = Database(f"sqlite:///{tmp}")
    built = build_ledger(db, transfers, seed)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    tmp.replace(path)
    return path, built


def median_ms(times: list[float]) -> float:
    times = sorted(times)
    return round(times[len(times) // 2] * 1000, 3)


def lookups(db: Database, repeat: int, seed: int) -> dict:
    rng = random.Random(seed)
    with db.read_session() as s:
        pairs = s.execute(
            select(Account.person_id, Account.id).where(Account.person_id.is_not(None))
        ).all()
    sample = [pairs[rng.randrange(len(pairs))] for _ in range(repeat)]
    raw_conn = db.engine.raw_connection()
    cur = raw_conn.cursor()
    mark = "?" if db.is_sqlite else "%s"
    stored_sql = (
        f"SELECT credits_posted - debits_posted FROM points_account WHERE person_id = {mark}"
    )
    summed_sql = (
        f"SELECT COALESCE(SUM(CASE WHEN credit_account_id = {mark} THEN amount ELSE 0 END), 0) - "
        f"COALESCE(SUM(CASE WHEN debit_account_id = {mark} THEN amount ELSE 0 END), 0) FROM points_transfer "
        f"WHERE phase IN ('single', 'post') AND (credit_account_id = {mark} OR debit_account_id = {mark})"
    )

    def time_each(fn: Callable[[int, int], object]) -> list[float]:
        for p, a in sample[:5]:
            fn(p, a)
        out = []
        for p, a in sample:
            began = time.perf_counter()
            fn(p, a)
            out.append(time.perf_counter() - began)
        return out

    def service(p: int, _a: int) -> int:
        with db.read_session() as s:
            return svc.balance(s, p)

    def summary(p: int, _a: int) -> object:
        with db.read_session() as s:
            return svc.person_summary(s, p)

    def stored(p: int, _a: int) -> int:
        cur.execute(stored_sql, (p,))
        return cur.fetchone()[0]

    def summed(_p: int, a: int) -> int:
        cur.execute(summed_sql, (a, a, a, a))
        return cur.fetchone()[0]

    # the service, the raw stored balance and the sum of the transfers must agree
    for p, a in sample[:20]:
        assert service(p, a) == stored(p, a) == summed(p, a), (p, a)
        raw_conn.rollback()
    base = median_ms(time_each(stored))
    raw_conn.rollback()
    out = {
        "baseline": {
            "what": "SELECT credits_posted - debits_posted FROM points_account WHERE person_id = ? "
            "on a plain driver connection",
            "ms": base,
        },
        "balance": {"ms": median_ms(time_each(service))},
        "person_summary": {"ms": median_ms(time_each(summary))},
        "summed_from_transfers": {"ms": median_ms(time_each(summed))},
    }
    raw_conn.rollback()
    raw_conn.close()
    for k in ("balance", "person_summary", "summed_from_transfers"):
        out[k]["ratio"] = round(out[k]["ms"] / base, 1)
    return out


# -- main ---------------------------------------------------------------------------------------


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--redemptions", type=int, default=400, help="per client")
    ap.add_argument("--transfers", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=201, help="balance lookups timed")
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument(
        "--pg-url", default=None, help="an existing server (default: a throwaway cluster)"
    )
    ap.add_argument("--skip", default="", help="throughput and/or lookup")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    skip = set(args.skip.split(","))
    result: dict = {"redemptions_per_client": args.redemptions, "seed": args.seed, "runs": {}}
    pg = postgres(args.pg_url) if "postgresql" in backends else _none()
    with tempfile.TemporaryDirectory(prefix="bench-points-") as tmp, pg as new_pg:
        for backend in backends:
            run: dict = {}
            if "throughput" not in skip:
                log(f"{backend}: redemptions per second …")
                db = (
                    Database(f"sqlite:///{tmp}/throughput.sqlite")
                    if backend == "sqlite"
                    else new_pg("bench_points_tp")
                )
                run["redemptions"] = throughput(db, args.redemptions, args.seed)
                db.dispose()
            if "lookup" not in skip:
                log(f"{backend}: a ledger of {args.transfers:,} transfers …")
                if backend == "sqlite":
                    path, built = cached_sqlite_ledger(args.transfers, args.seed)
                    db = Database(f"sqlite:///{path}")
                else:
                    db = new_pg("bench_points_1m")
                    built = build_ledger(db, args.transfers, args.seed)
                run["ledger"] = built
                log(f"{backend}: balance lookups …")
                run["balance_lookup"] = lookups(db, args.repeat, args.seed)
                db.dispose()
            result["runs"][backend] = run
    result["machine"] = machine()
    emit(result)


@contextmanager
def _none() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
