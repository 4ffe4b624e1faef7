"""Several clerks allocating the fund at once, on a real SQLite file (8 clerks) and a
real PostgreSQL server (32 clerks): the fund is never over-allocated, exactly as many
allocations succeed as the fund holds, the stored figure equals the sum of the
allocation rows, and no raw database error escapes. The same for spending against
one project's allocation. The naive read-check-write variant (:mod:`.naive`) fails
the first scenario — the proof that it can fail.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from functools import partial

import pytest
from sqlalchemy import func, select

from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.services import Actor
from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import Allocation, Fund, Project, Spending
from tests.plugins.micro_projects import naive

SETUP = Actor("并发测试预置")
JOIN_TIMEOUT = 120
YEAR = 2030


def clerk(i: int) -> Actor:
    return Actor(f"专干{i:02d}")


def workers_for(db: Database) -> int:
    return 8 if db.is_sqlite else 32


@pytest.fixture
def wide(db: Database) -> Iterator[Database]:
    """The test's database with a pool wide enough for every clerk at once."""
    shared = Database(db.url, pool_size=36)
    shared.street = db.street
    yield shared
    shared.dispose()


def funded_projects(db: Database, n: int, fund_total: int, allocate_each: int = 0, year: int = YEAR) -> list[int]:
    """``n`` feasible projects on a fresh list of ``year`` with a fund of ``fund_total``."""
    with db.session() as s:
        svc.set_fund(s, actor=SETUP, year=year, total=fund_total)
        plist = svc.create_list(s, actor=SETUP, community_id=db.street.other_community, year=year,
                                on=date(year, 1, 2))
        ids = [svc.add_project(s, actor=SETUP, list_id=plist.id,
                               data=svc.ProjectInput(name=f"项目{i}", budget=1)).id for i in range(n)]
        svc.advance_list(s, actor=SETUP, list_id=plist.id, to_phase="reviewing")
        for pid in ids:
            svc.decide_feasibility(s, actor=SETUP, project_id=pid, feasible=True)
            if allocate_each:
                svc.allocate(s, actor=SETUP, project_id=pid, amount=allocate_each)
    return ids


def run_together(db: Database, workers: int, job: Callable) -> list[str]:
    """Start ``workers`` threads together, each with its own writing session; each
    returns "ok", the refusal's code, or "crash: …"."""
    start = threading.Barrier(workers)
    results: list[str] = ["missing"] * workers

    def work(i: int) -> None:
        with db.session() as session:
            start.wait(timeout=60)
            try:
                job(session, i)
                results[i] = "ok"
            except DomainError as exc:
                results[i] = exc.code
            except Exception as exc:  # noqa: BLE001 - a crash is what the test looks for
                results[i] = f"crash: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"

    threads = [threading.Thread(target=work, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=JOIN_TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a clerk hung"
    return results


def over_allocation(db: Database, allocate: Callable, seed: int, year: int = YEAR) -> None:
    """Every clerk allocates the same amount to their own project; the fund holds
    only ``room`` of them."""
    rng = random.Random(seed)
    workers = workers_for(db)
    amount = rng.randint(1, 5_000) * 100
    room = rng.randint(1, workers // 2)
    total = amount * room + rng.randint(0, amount - 1)
    projects = funded_projects(db, workers, total, year=year)
    results = run_together(db, workers, lambda s, i: allocate(
        s, actor=clerk(i), project_id=projects[i], amount=amount))
    ctx = f"seed={seed} workers={workers} {Counter(results)}"
    assert not [r for r in results if r.startswith("crash")], ctx
    with db.read_session() as s:
        fund = s.scalars(select(Fund).where(Fund.year == year)).one()
        rows = s.scalar(select(func.coalesce(func.sum(Allocation.amount), 0)).where(Allocation.fund_id == fund.id))
        on_projects = s.scalar(select(func.sum(Project.allocated)).where(Project.id.in_(projects)))
    assert rows <= total, f"allocations of {rows} from a fund of {total}; {ctx}"
    assert results.count("ok") == room, f"{results.count('ok')} allocations where {room} fit; {ctx}"
    assert fund.allocated == rows == on_projects, f"stored {fund.allocated}, rows {rows}; {ctx}"
    assert set(results) == {"ok", "micro.fund_exceeded"}, ctx


def test_the_fund_is_never_over_allocated(wide: Database) -> None:
    for run in range(2):
        seed = random.SystemRandom().randrange(2**31)
        print(f"micro concurrency on {wide.dialect}: seed={seed}")
        over_allocation(wide, svc.allocate, seed, year=YEAR + run)


def test_spending_never_passes_the_allocation(wide: Database) -> None:
    workers = workers_for(wide)
    (project,) = funded_projects(wide, 1, 1_000_000_00, allocate_each=5 * 300_00)
    with wide.session() as s:
        plist = svc.get_list(s, svc.get_project(s, project).list_id)
        svc.advance_list(s, actor=SETUP, list_id=plist.id, to_phase="publicised")
        svc.advance_list(s, actor=SETUP, list_id=plist.id, to_phase="executing")
    results = run_together(wide, workers, lambda s, i: svc.spend(
        s, actor=clerk(i), project_id=project, amount=300_00, note=f"发票{i}"))
    assert Counter(results) == Counter({"ok": 5, "micro.overspent": workers - 5}), results
    with wide.read_session() as s:
        spent = s.scalar(select(func.sum(Spending.amount)).where(Spending.project_id == project))
        assert spent == s.get(Project, project).spent == 5 * 300_00


def test_the_naive_read_check_write_variant_fails(wide: Database) -> None:
    """Read, check in Python, write the computed figure in the next transaction: on
    both backends more clerks allocate than the fund holds."""
    workers = workers_for(wide)
    barrier = threading.Barrier(workers)

    def pause() -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=2)

    with pytest.raises(AssertionError, match="allocations") as failed:
        over_allocation(wide, partial(naive.allocate, pause=pause), seed=7)
    print(f"naive on {wide.dialect} failed, as it must: {failed.value}")
