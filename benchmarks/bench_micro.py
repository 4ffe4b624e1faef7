"""Micro-projects: the street's list and fund report at 150 projects a year × 10 years,
and the evaluation tally of 200 representatives × 150 projects, on SQLite and on
PostgreSQL.

    .venv/bin/python benchmarks/bench_micro.py [--backends sqlite,postgresql] [--pg-url URL]
        [--years 10] [--projects 150] [--representatives 200] [--repeat 51] [--seed 2014]

PostgreSQL is a throwaway cluster started with the machine's own binaries
(``benchmarks/_common.postgres``, i.e. ``tests/pg.py`` as the test suite does: fsync off),
or ``--pg-url`` to use a server you have.

Per backend, a fresh migrated database (a temporary SQLite file; a new PostgreSQL
database): 15 communities, a fund per year, ``--projects`` projects a year spread over
the communities (each with an allocation and two spendings), and for the latest year
``--representatives`` ratings of every project plus 5 % corrections (a representative
rated again: the latest counts). Rows are bulk-inserted and respect the invariants (the
fund's allocated and each project's spent are what the rows add up to); the same seed
gives the same rows on both backends (PostgreSQL is ANALYZEd after the load, as other
benchmarks do; autovacuum would have done it on a real street's database).

Timed, each as the median of ``--repeat`` runs in a fresh reading session:

- ``board``: :func:`gongzhi.plugins.micro_projects.queries.board` of the latest year (what the
  TUI board and ``gongzhi micro list`` show). Floor: the same columns by hand-written
  SQL on a plain driver connection (sqlite3; psycopg on PostgreSQL).
- ``fund_report``: :func:`queries.fund_report` (by community and by category). Floor:
  the two GROUP BYs by hand-written SQL.
- ``tally``: :func:`queries.tallies` of the year's 150 projects (the evaluation grid).
  Floor: a plain ``COUNT(*) GROUP BY project, rating`` that ignores corrections (a
  lower bound: it does less).

``ratio`` = service time ÷ floor time, measured in the same run on the same database.
Prints one JSON document (``results`` by backend; progress on stderr).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, date, datetime
from pathlib import Path

from _common import emit, log, machine, median_ms, parse_backends, postgres, raw_connect
from sqlalchemy import insert, text

from gongzhi.core.config import Settings
from gongzhi.core.db import Database
from gongzhi.core.models.places import Place
from gongzhi.core.plugins import PluginHost
from gongzhi.plugins.micro_projects import queries
from gongzhi.plugins.micro_projects.models import (
    CATEGORIES,
    Allocation,
    Fund,
    Project,
    ProjectList,
    RatingRecord,
    Spending,
)

RATINGS = ("satisfied", "basically_satisfied", "dissatisfied")


def build(db: Database, years: int, per_year: int, reps: int, seed: int) -> int:
    rng = random.Random(seed)
    db.upgrade()
    PluginHost(Settings(), names=["micro_projects"]).load().upgrade(db)
    now = datetime.now(UTC)
    last = 2026
    first = last - years + 1
    with db.engine.begin() as con:
        street = con.execute(insert(Place).values(kind="street", name="青源街道", path="", created_at=now)).inserted_primary_key[0]
        communities = []
        for i in range(15):
            cid = con.execute(insert(Place).values(kind="community", name=f"社区{i:02d}", parent_id=street,
                                                   path=f"/{street}/", created_at=now)).inserted_primary_key[0]
            communities.append(cid)
        cats = list(CATEGORIES)
        pid = 0
        for year in range(first, last + 1):
            lists = {}
            for cid in communities:
                lists[cid] = con.execute(insert(ProjectList).values(
                    community_id=cid, year=year, phase="evaluating" if year == last else "finished",
                    collecting_on=date(year, 1, 5), next_seq=per_year + 1, created_at=now, created_by="bench",
                )).inserted_primary_key[0]
            projects, allocations, spendings = [], [], []
            total_alloc = 0
            for n in range(per_year):
                pid += 1
                cid = communities[n % 15]
                budget = rng.randrange(500, 5000) * 100
                spent = [budget // 3, budget // 4]
                projects.append(dict(
                    id=pid, code=f"WSS-{year}-社区{communities.index(cid):02d}-{n:03d}", list_id=lists[cid],
                    name=f"项目{n}", content="", category=rng.choice(cats), place_ids=[],
                    deadline=date(year, 6, 30), expected_effect="", budget=budget, allocated=budget,
                    spent=sum(spent), feasibility="feasible", feasibility_reason="",
                    status="done" if year == last else "passed", progress=100, source="direct", source_ref="",
                    closed_on=date(year, 6, 1), close_evidence=[], close_note="", created_at=now,
                    created_by="bench", updated_at=now,
                ))
                total_alloc += budget
                allocations.append(dict(project_id=pid, amount=budget, note="", recorded_by="bench", created_at=now))
                for x in spent:
                    spendings.append(dict(project_id=pid, amount=x, spent_on=date(year, 5, 1), note="材料",
                                          recorded_by="bench", created_at=now))
            fund = con.execute(insert(Fund).values(year=year, total=total_alloc + 1_000_00, allocated=total_alloc,
                                                   created_at=now, created_by="bench")).inserted_primary_key[0]
            con.execute(insert(Project), projects)
            con.execute(insert(Allocation), [a | {"fund_id": fund} for a in allocations])
            con.execute(insert(Spending), spendings)
            if year == last:
                ratings = []
                for p in projects:
                    for r in range(reps):
                        ratings.append(dict(project_id=p["id"], year=year, representative=f"代表{r:03d}",
                                            rating=rng.choice(RATINGS), via="grid", recorded_by="bench",
                                            created_at=now))
                    for r in rng.sample(range(reps), reps // 20):  # corrections: a new row, the latest counts
                        ratings.append(dict(project_id=p["id"], year=year, representative=f"代表{r:03d}",
                                            rating=rng.choice(RATINGS), via="grid", recorded_by="bench",
                                            created_at=now))
                con.execute(insert(RatingRecord), ratings)
        if not db.is_sqlite:  # the projects were inserted with their ids: move the sequence past them
            con.execute(text("SELECT setval(pg_get_serial_sequence('micro_project', 'id'), "
                             "(SELECT max(id) FROM micro_project))"))
            con.execute(text("ANALYZE"))  # statistics, as autovacuum would have them on a street's database
    db.dispose()
    return last


def measure(db: Database, raw: Callable[[str, tuple], list], year: int, args: argparse.Namespace) -> dict:
    """The three timings and their floors on one backend; ``raw(sql, params)`` runs
    hand-written SQL (``?`` placeholders) on a plain driver connection."""

    def board() -> int:
        with db.read_session() as s:
            return len(queries.board(s, year))

    def board_floor() -> int:
        return len(raw(
            "SELECT p.id, p.code, p.name, l.community_id, c.name, l.year, l.phase, p.category, p.status, "
            "p.progress, p.deadline, p.closed_on, p.budget, p.allocated, p.spent, o.name, pe.name, "
            "(SELECT count(*) FROM micro_project_request r WHERE r.project_id = p.id), p.redo_of_id "
            "FROM micro_project p JOIN micro_list l ON l.id = p.list_id JOIN place c ON c.id = l.community_id "
            "LEFT JOIN organisation o ON o.id = p.responsible_org_id LEFT JOIN person pe "
            "ON pe.id = p.responsible_person_id WHERE l.year = ? ORDER BY c.name, p.code", (year,)))

    def fund() -> int:
        with db.read_session() as s:
            r = queries.fund_report(s, year)
            return len(r.by_community) + len(r.by_category)

    def fund_floor() -> int:
        a = raw(
            "SELECT c.name, count(*), sum(p.budget), sum(p.allocated), sum(p.spent) FROM micro_project p "
            "JOIN micro_list l ON l.id = p.list_id JOIN place c ON c.id = l.community_id "
            "WHERE l.year = ? AND p.status <> 'rejected' GROUP BY c.name ORDER BY c.name", (year,))
        b = raw(
            "SELECT p.category, count(*), sum(p.budget), sum(p.allocated), sum(p.spent) FROM micro_project p "
            "JOIN micro_list l ON l.id = p.list_id WHERE l.year = ? AND p.status <> 'rejected' "
            "GROUP BY p.category", (year,))
        raw("SELECT total, allocated FROM micro_fund WHERE year = ?", (year,))
        return len(a) + len(b)

    with db.read_session() as s:
        ids = [r.id for r in queries.board(s, year)]

    def tally() -> int:
        with db.read_session() as s:
            return len(queries.tallies(s, ids, year))

    def tally_floor() -> int:
        return len(raw("SELECT project_id, rating, count(*) FROM micro_rating WHERE year = ? "
                       "GROUP BY project_id, rating", (year,)))

    assert board() == board_floor() == args.projects
    assert fund() == fund_floor()
    assert tally() == args.projects
    results = {}
    for name, fn, floor in (("board", board, board_floor), ("fund_report", fund, fund_floor),
                            ("tally", tally, tally_floor)):
        ms, base = median_ms(fn, args.repeat), median_ms(floor, args.repeat)
        results[name] = {"ms": ms, "floor_ms": base, "ratio": round(ms / base, 2) if base else None}
        log(f"{db.engine.dialect.name} {name}: {ms} ms (floor {base} ms)")
    return results


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--backends", default="sqlite,postgresql", help="sqlite, postgresql or both, comma-separated")
    ap.add_argument("--pg-url", default=None, help="an existing server (default: a throwaway cluster)")
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--projects", type=int, default=150)
    ap.add_argument("--representatives", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=51)
    ap.add_argument("--seed", type=int, default=2014)
    args = ap.parse_args()
    backends = parse_backends(args.backends)
    results: dict = {}
    with ExitStack() as stack:
        for backend in backends:
            log(f"{backend}: building {args.projects} projects × {args.years} years, "
                f"{args.representatives} representatives × {args.projects} projects …")
            if backend == "sqlite":
                path = Path(tempfile.mkdtemp(prefix="bench-micro-")) / "micro.sqlite"
                db = Database(f"sqlite:///{path}")
                year = build(db, args.years, args.projects, args.representatives, args.seed)
                con = raw_connect(path)

                def raw(sql: str, params: tuple, con=con) -> list:
                    return con.execute(sql, params).fetchall()
            else:
                new_pg = stack.enter_context(postgres(args.pg_url))
                db = new_pg("bench_micro")
                year = build(db, args.years, args.projects, args.representatives, args.seed)
                con = db.engine.raw_connection()
                cur = con.cursor()

                def raw(sql: str, params: tuple, con=con, cur=cur) -> list:
                    cur.execute(sql.replace("?", "%s"), params)
                    rows = cur.fetchall()
                    con.rollback()  # as a reading session ends its transaction
                    return rows
            results[backend] = measure(db, raw, year, args)
            con.close()
            db.dispose()
    emit({"benchmark": "micro_projects", "years": args.years, "projects_per_year": args.projects,
          "representatives": args.representatives, "seed": args.seed, "results": results, "machine": machine()})


if __name__ == "__main__":
    main()
