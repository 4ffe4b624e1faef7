"""Demo street generation rate (rows/s) against raw sqlite3 ``executemany`` of the same rows.

    .venv/bin/python benchmarks/bench_demo.py --scale street

1. ``build_demo`` into a fresh, migrated SQLite file (everything: planning the street,
   pinyin keys, simulating every request's timeline, SQLAlchemy Core inserts, the
   five stories through the services). Time spent inside the batched inserts is
   measured separately.
2. Baseline: the very rows it wrote, read back, inserted with plain ``sqlite3``
   ``executemany`` into another fresh, migrated file (same schema, indexes, triggers
   and pragmas), table by table in one transaction.

Prints JSON; ``ratio`` = demo seconds / raw seconds (how many times slower than
bare inserts the whole generation is).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from _common import emit, log, machine, raw_connect

from core.db import Database
from core.demo import build_demo
from core.demo.bulk import Inserter

# foreign-key order
TABLES = (
    "place", "person", "person_care_tag", "organisation", "membership", "request_category", "ref_counter",
    "request", "request_event", "request_dispatch", "request_feedback", "request_supporter",
    "request_attachment", "audit_log",
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="small", choices=("small", "street"))
    ap.add_argument("--seed", type=int, default=2014)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="gongzhi-bench-") as tmp:
        os.environ["GONGZHI_DATA_DIR"] = str(Path(tmp) / "data")
        demo_path, raw_path = Path(tmp) / "demo.sqlite", Path(tmp) / "raw.sqlite"
        for p in (demo_path, raw_path):
            db = Database(f"sqlite:///{p}")
            db.upgrade()
            db.dispose()

        # -- the demo, with time inside the batched inserts measured apart
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

        Inserter.insert = timed_insert
        db = Database(f"sqlite:///{demo_path}")
        log(f"building the {args.scale} demo …")
        start = time.perf_counter()
        try:
            summary = build_demo(db, scale=args.scale, seed=args.seed, progress=progress)
        finally:
            Inserter.insert = original
        demo_seconds = time.perf_counter() - start
        db.dispose()
        # when each stage finished, counted from the start of build_demo
        stages = {stage: round(t - start, 2) for stage, t in sorted(stage_done.items(), key=lambda kv: kv[1])}

        # -- the same rows through raw sqlite3
        src = raw_connect(demo_path)
        rows: dict[str, list[tuple]] = {}
        columns: dict[str, list[str]] = {}
        for table in TABLES:
            cur = src.execute(f"SELECT * FROM {table} ORDER BY rowid")
            columns[table] = [d[0] for d in cur.description]
            rows[table] = cur.fetchall()
        src.close()
        counts = {t: len(r) for t, r in rows.items()}
        total = sum(counts.values())
        log(f"raw sqlite3 executemany of {total} rows …")
        dst = raw_connect(raw_path)
        start = time.perf_counter()
        dst.execute("BEGIN IMMEDIATE")
        for table in TABLES:
            cols = columns[table]
            sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})"
            dst.executemany(sql, rows[table])
        dst.execute("COMMIT")
        raw_seconds = time.perf_counter() - start
        dst.close()

    emit({
        "benchmark": "demo generation vs raw sqlite3 executemany",
        "scale": args.scale,
        "seed": args.seed,
        "rows": counts,
        "total_rows": total,
        "demo": {
            "seconds": round(demo_seconds, 2),
            "rows_per_s": round(total / demo_seconds),
            "insert_seconds": round(insert_seconds, 2),
            "stage_finished_at_s": stages,
        },
        "raw_sqlite_executemany": {"seconds": round(raw_seconds, 2), "rows_per_s": round(total / raw_seconds)},
        "ratio": round(demo_seconds / raw_seconds, 2),
        "ratio_inserts_only": round(insert_seconds / raw_seconds, 2),
        "summary": {k: v for k, v in summary.as_dict().items() if k != "stories"},
        "machine": machine(),
    })


if __name__ == "__main__":
    main()
