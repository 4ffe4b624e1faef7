"""Shared helpers for the benchmarks: machine description, timing, the cached street database."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = ROOT / ".bench"
STREET_DB = CACHE / "street.sqlite"


def machine() -> dict:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    import sqlalchemy

    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "os": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "sqlalchemy": sqlalchemy.__version__,
        # other work on the machine skews absolute times (ratios less so)
        "load_average_1m_at_end": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def median_ms(fn: Callable[[], object], repeat: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def emit(result: dict) -> None:
    print(json.dumps(result, ensure_ascii=False, indent=2))


def raw_connect(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection with the pragmas core.db sets."""
    con = sqlite3.connect(path, isolation_level=None)
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA busy_timeout=10000")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    return con


def ensure_street_db(path: Path | str = STREET_DB, seed: int = 2014) -> Path:
    """The street-scale demo database, built once and cached (``.bench/`` is git-ignored)."""
    path = Path(path)
    if path.exists():
        return path
    from core.db import Database
    from core.demo import build_demo

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".building.sqlite")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    log(f"building the street-scale demo into {path} (about a minute) …")
    db = Database(f"sqlite:///{tmp}")
    db.upgrade()
    os.environ.setdefault("GONGZHI_DATA_DIR", str(path.parent / "data"))
    summary = build_demo(db, scale="street", seed=seed)
    db.dispose()
    con = sqlite3.connect(tmp)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    tmp.replace(path)
    log(f"built in {summary.seconds} s: {summary.people} people, {summary.requests} requests")
    return path
