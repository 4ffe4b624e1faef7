"""The demo street's build rate against raw ``executemany`` of the same rows (issue 12, the demo row).

    .venv/bin/python benchmarks/bench_demo.py --scale street            # ~1 min per run on 2 cores
    .venv/bin/python benchmarks/bench_demo.py --scale small --repeat 5  # seconds
    .venv/bin/python benchmarks/bench_demo.py --scale street --backends sqlite,postgresql

What ``gongzhi demo --scale street`` does, in process, into a freshly migrated database
(core and plugin migrations are not timed):

1. ``build_demo`` — planning the street, pinyin keys, simulating every request's
   timeline, the bulk inserts (time inside them reported as ``insert_seconds``), the
   five stories through the services;
2. the plugins' demo data (the ``demo_data`` hook of every installed plugin, as the
   command runs it; ``--plugins none`` for the core alone), each plugin timed.

Floor: the very rows the demo wrote into the core's tables (everything the bulk stages,
the stories and the plugins' demo data put there), read back and inserted with the
driver's plain ``executemany`` (sqlite3 / psycopg) into another freshly migrated
database with the same schema, indexes and triggers (plugins' too), table by table in
foreign-key order, in one transaction. The plugins' own tables are left out of the
floor: their triggers guard state (a closed meeting's attendance is frozen), so their
final rows cannot be replayed table by table; they are ~1 % of the rows, and leaving
them out makes the floor faster, so the ratio errs against the demo. Demo and floor runs alternate (``--repeat``); the
figures are medians.

``ratio`` = demo seconds / floor seconds; ``share_of_raw_rate`` = 1 / ratio (the demo's
rows/s as a share of the floor's); the goal is ≥ 0.5. ``plugin_share`` is the plugins'
part of the demo's time. Prints one JSON document; its ``table`` rows are what
``bench_street.py`` reads (see README.md).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from _common import emit, log, machine, postgres, raw_connect, stats, table_row
from sqlalchemy import MetaData, text

from gongzhi.core.config import Settings
from gongzhi.core.db import Database
from gongzhi.core.demo import build_demo
from gongzhi.core.demo.bulk import Inserter
from gongzhi.core.plugins import PluginHost, available_plugins
from gongzhi.core.services.base import Actor

GOAL_SHARE = 0.5
ACTOR = Actor("gongzhi demo")


def plugin_host(names: list[str]) -> PluginHost:
    return PluginHost(Settings(), names=names).load()


def migrate(db: Database, host: PluginHost) -> None:
    db.upgrade()
    host.upgrade(db)


# -- the demo ------------------------------------------------------------------------


def run_demo(db: Database, host: PluginHost, *, scale: str, seed: int) -> dict:
    """Build the demo as ``gongzhi demo`` does; timings of its parts."""
    insert_seconds = 0.0
    original = Inserter.insert

    def timed_insert(self, *a, **k):
        nonlocal insert_seconds
        start = time.perf_counter()
        try:
            return original(self, *a, **k)
        finally:
            insert_seconds += time.perf_counter() - start

    stage_done: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        stage_done[stage] = time.perf_counter()

    host.start(db)
    Inserter.insert = timed_insert
    start, cpu = time.perf_counter(), time.process_time()
    try:
        build_demo(db, scale=scale, seed=seed, actor=ACTOR, progress=progress)
    finally:
        Inserter.insert = original
    core_seconds = time.perf_counter() - start
    # the hook's implementations in the order pluggy calls them, each timed
    plugins: dict[str, float] = {}
    given = {"db": db, "actor": ACTOR, "seed": seed, "scale": scale}
    for impl in reversed(host.pm.hook.demo_data.get_hookimpls()):
        t = time.perf_counter()
        impl.function(**{name: given[name] for name in impl.argnames})
        plugins[impl.plugin_name] = round(time.perf_counter() - t, 3)
    seconds = time.perf_counter() - start
    cpu_seconds = time.process_time() - cpu
    host.close()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "core_seconds": core_seconds,
        "insert_seconds": insert_seconds,
        "plugin_seconds": sum(plugins.values()),
        "plugins": plugins,
        "stage_finished_at_s": {s: round(t - start, 2) for s, t in sorted(stage_done.items(), key=lambda kv: kv[1])},
    }


# -- the floor: the same rows through the driver's executemany --------------------------------


def _data_tables(db: Database) -> dict[str, list[str]]:
    """Tables holding rows, in foreign-key order (no version tables, no FTS/virtual tables),
    with their primary-key columns."""
    with db.engine.connect() as conn:
        if db.is_sqlite:
            names = [r[1] for r in conn.exec_driver_sql("PRAGMA table_list") if r[0] == "main" and r[2] == "table"]
        else:
            names = list(conn.scalars(text(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'")))
    names = [n for n in names if not n.startswith("sqlite_") and not n.endswith("alembic_version")]
    meta = MetaData()
    meta.reflect(db.engine, only=names)
    return {t.name: [c.name for c in t.primary_key.columns] for t in meta.sorted_tables}


def core_tables(tmp: Path) -> set[str]:
    """The tables the core's migrations create (a scratch SQLite file, migrated once)."""
    db = Database(f"sqlite:///{tmp / 'core-schema.sqlite'}")
    db.upgrade()
    try:
        return set(_data_tables(db))
    finally:
        db.dispose()


def read_rows(db: Database, only: set[str] | None = None) -> tuple[dict[str, list[str]], dict[str, list[tuple]]]:
    """Every row of every data table (of ``only``), as the driver returns them (columns, rows by table)."""
    columns: dict[str, list[str]] = {}
    rows: dict[str, list[tuple]] = {}
    keys = _data_tables(db)
    tables = [t for t in keys if only is None or t in only]
    if db.is_sqlite:
        con = raw_connect(db.sqlite_path)
        for t in tables:
            cur = con.execute(f"SELECT * FROM {t} ORDER BY rowid")
            columns[t] = [d[0] for d in cur.description]
            rows[t] = cur.fetchall()
        con.close()
        return columns, rows
    from psycopg.types.json import Json

    raw = db.engine.raw_connection()
    try:
        cur = raw.driver_connection.cursor()
        # generated columns (request.search_vector) are the server's to fill, on both sides
        cur.execute("SELECT table_name, column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND is_generated = 'ALWAYS'")
        generated: dict[str, set[str]] = {}
        for table, column in cur.fetchall():
            generated.setdefault(table, set()).add(column)
        for t in tables:
            order = f" ORDER BY {_names(keys[t])}" if keys[t] else ""  # rows in id order, as inserted
            cur.execute(f'SELECT * FROM "{t}" LIMIT 0')
            wanted = [d.name for d in cur.description if d.name not in generated.get(t, set())]
            cur.execute(f'SELECT {_names(wanted)} FROM "{t}"{order}')
            columns[t] = [d.name for d in cur.description]
            json_cols = {i for i, d in enumerate(cur.description) if d.type_code in (114, 3802)}  # json, jsonb
            data = cur.fetchall()
            if json_cols:
                data = [tuple(Json(v) if i in json_cols and v is not None else v for i, v in enumerate(r))
                        for r in data]
            rows[t] = data
    finally:
        raw.close()
    return columns, rows


def _count_rows(db: Database, exclude: set[str]) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one()
                for t in _data_tables(db) if t not in exclude}


def _names(columns: list[str]) -> str:
    return ", ".join(f'"{c}"' for c in columns)


def missing_rows(db: Database, columns: dict[str, list[str]], rows: dict[str, list[tuple]]) -> dict[str, list[tuple]]:
    """The rows that a freshly migrated ``db`` lacks: migrations seed some (categories, settings,
    their audit records), and the demo's database holds the same ones under the same keys."""
    keys = _data_tables(db)
    present_cols, present = read_rows(db)
    out = {}
    for t, cols in columns.items():
        pk = [cols.index(c) for c in keys.get(t) or cols]
        have = {tuple(r[i] for i in pk) for r in present.get(t, ())}
        out[t] = [r for r in rows[t] if tuple(r[i] for i in pk) not in have] if have else rows[t]
    return out


def run_floor(db: Database, columns: dict[str, list[str]], rows: dict[str, list[tuple]]) -> tuple[float, float]:
    """Insert the rows with plain ``executemany``, one transaction; (seconds, CPU seconds of this process)."""
    cpu = time.process_time()
    if db.is_sqlite:
        con = raw_connect(db.sqlite_path)
        start = time.perf_counter()
        con.execute("BEGIN IMMEDIATE")
        # checked at COMMIT: a few plugin rows refer to rows of their own table with higher ids
        con.execute("PRAGMA defer_foreign_keys=ON")
        for t, cols in columns.items():
            sql = f"INSERT INTO \"{t}\" ({_names(cols)}) VALUES ({', '.join('?' * len(cols))})"
            con.executemany(sql, rows[t])
        con.execute("COMMIT")
        seconds = time.perf_counter() - start
        con.close()
        return seconds, time.process_time() - cpu
    raw = db.engine.raw_connection()
    try:
        conn = raw.driver_connection
        start = time.perf_counter()
        with conn.cursor() as cur:
            for t, cols in columns.items():
                if rows[t]:
                    sql = f"INSERT INTO \"{t}\" ({_names(cols)}) VALUES ({', '.join(['%s'] * len(cols))})"
                    cur.executemany(sql, rows[t])
        conn.commit()
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        raw.close()


# -- one backend ------------------------------------------------------------------------------


def bench_backend(backend: str, new_db, *, scale: str, seed: int, repeat: int, plugins: list[str],
                  core: set[str]) -> dict:
    demos: list[dict] = []
    floors: list[float] = []
    floor_cpu: list[float] = []
    counts: dict[str, int] = {}
    for i in range(repeat):
        host = plugin_host(plugins)
        demo_db, floor_db = new_db(f"demo{i}"), new_db(f"floor{i}")
        for db in (demo_db, floor_db):
            migrate(db, host)
        log(f"[{backend}] run {i + 1}/{repeat}: building the {scale} demo with {', '.join(plugins) or 'no plugins'} …")
        demos.append(run_demo(demo_db, host, scale=scale, seed=seed))
        log(f"[{backend}]   demo {demos[-1]['seconds']:.1f} s; reading its rows back …")
        columns, rows = read_rows(demo_db, only=core)
        counts = {t: len(r) for t, r in rows.items()}
        rows = missing_rows(floor_db, columns, rows)
        plugin_rows = _count_rows(demo_db, exclude=core)
        log(f"[{backend}]   floor: executemany of {sum(counts.values())} rows …")
        seconds, cpu = run_floor(floor_db, columns, rows)
        floors.append(seconds)
        floor_cpu.append(cpu)
        log(f"[{backend}]   floor {floors[-1]:.1f} s")
        del columns, rows
        for db in (demo_db, floor_db):
            db.dispose()
    total = sum(counts.values())  # rows in the core's tables: the floor's rows
    demo_s = statistics.median(d["seconds"] for d in demos)
    floor_s = statistics.median(floors)
    ratio = demo_s / floor_s
    plugin_s = statistics.median(d["plugin_seconds"] for d in demos)
    median_run = sorted(demos, key=lambda d: d["seconds"])[len(demos) // 2]
    return {
        "rows": counts,
        "total_rows": total,
        "plugin_table_rows": plugin_rows,
        "demo": {
            "seconds": stats([d["seconds"] for d in demos], 2),
            "cpu_seconds": stats([d["cpu_seconds"] for d in demos], 2),
            "rows_per_s": round(total / demo_s),
            "core_seconds": stats([d["core_seconds"] for d in demos], 2),
            "insert_seconds": stats([d["insert_seconds"] for d in demos], 2),
            "plugin_seconds": stats([d["plugin_seconds"] for d in demos], 2),
            "plugins_s": median_run["plugins"],
            "stage_finished_at_s": median_run["stage_finished_at_s"],
        },
        "floor": {"what": "raw executemany of the same rows", "seconds": stats(floors, 2),
                  "cpu_seconds": stats(floor_cpu, 2), "rows_per_s": round(total / floor_s)},
        "ratio": round(ratio, 2),
        "share_of_raw_rate": round(1 / ratio, 3),
        "plugin_share": round(plugin_s / demo_s, 3),
        # CPU time of this process (the PostgreSQL server's own work is not in it): steadier than
        # wall time on a loaded machine, for SQLite a cross-check of the ratio
        "ratio_cpu": round(statistics.median(d["cpu_seconds"] for d in demos) / statistics.median(floor_cpu), 2),
        "ratio_inserts_only": round(statistics.median(d["insert_seconds"] for d in demos) / floor_s, 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="street", choices=("small", "street"))
    ap.add_argument("--seed", type=int, default=2014)
    ap.add_argument("--backends", default="sqlite", help="sqlite, postgresql or both, comma-separated")
    ap.add_argument("--repeat", type=int, default=None, help="interleaved demo/floor runs (default 1 street, 3 small)")
    ap.add_argument("--plugins", default="all", help="all (as `gongzhi demo`), none, or names, comma-separated")
    ap.add_argument("--pg-url", default=None, help="an existing PostgreSQL server (default: a throwaway cluster)")
    args = ap.parse_args()
    repeat = args.repeat or (1 if args.scale == "street" else 3)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if args.plugins == "all":
        plugins = list(available_plugins())
    elif args.plugins == "none":
        plugins = []
    else:
        plugins = [p.strip() for p in args.plugins.split(",") if p.strip()]

    results: dict[str, dict] = {}
    table: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-demo-") as tmp, ExitStack() as stack:
        os.environ["GONGZHI_DATA_DIR"] = str(Path(tmp) / "data")
        core = core_tables(Path(tmp))
        for backend in backends:
            if backend == "sqlite":
                def new_db(name: str) -> Database:
                    return Database(f"sqlite:///{Path(tmp) / name}.sqlite")
            elif backend == "postgresql":
                new_db = stack.enter_context(postgres(args.pg_url))
            else:
                raise SystemExit(f"unknown backend {backend!r} (sqlite, postgresql)")
            r = results[backend] = bench_backend(backend, new_db, scale=args.scale, seed=args.seed,
                                                 repeat=repeat, plugins=plugins, core=core)
            table.append(table_row(
                "demo", backend=backend, unit="s",
                gongzhi=r["demo"]["seconds"], floor=r["floor"]["seconds"],
                floor_what="raw executemany of the same rows", ratio=r["ratio"],
                goal="≥ 50 % of raw rate", met=r["share_of_raw_rate"] >= GOAL_SHARE,
                note=(f"scale {args.scale}; {r['share_of_raw_rate']:.0%} of the raw rate; "
                      f"plugins {r['plugin_share']:.0%} of the time"),
            ))
    emit({
        "benchmark": "demo build vs raw executemany of the same rows",
        "scale": args.scale,
        "seed": args.seed,
        "plugins": plugins,
        "repeat": repeat,
        "backends": results,
        "table": table,
        "machine": machine(),
    })


if __name__ == "__main__":
    main()
