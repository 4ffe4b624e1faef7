"""Shared helpers for the benchmarks: machine description, timing, the cached street database."""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

CACHE = ROOT / ".bench"
STREET_DB = CACHE / "street.sqlite"
# every built-in plugin, as a street running all of them would have it (GONGZHI_PLUGINS)
ALL_PLUGINS = "deliberation,red_property,points_exchange,micro_projects,insights"


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


def compile_sources() -> None:
    """Byte-compile gongzhi's own packages, as an installed copy is (pip compiles what it
    installs; an editable checkout compiles on first import, unless PYTHONDONTWRITEBYTECODE
    is set, as on some CI machines). The floors (Textual, Typer) come compiled from their
    wheels: without this a start would also time the compiling of our sources."""
    import compileall

    for package in ("core", "tui", "plugins"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


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
    from gongzhi.core.db import Database
    from gongzhi.core.demo import build_demo

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


def ensure_current(path: Path | str) -> Path:
    """Upgrade a SQLite file (the cached street demo) to the head migration in place, if behind."""
    from gongzhi.core.db import Database

    path = Path(path)
    db = Database(f"sqlite:///{path}")
    try:
        if not db.is_current():
            log(f"upgrading {path} to {db.head_revision()} …")
            db.upgrade()
    finally:
        db.dispose()
    return path


def parse_backends(text: str | None, *, supported: tuple[str, ...] = ("sqlite", "postgresql")) -> list[str]:
    """``--backends`` (comma-separated ``sqlite``, ``postgresql``) → the known names, in order;
    an unknown name is an error, names a script does not measure are for the caller to ignore."""
    names = [b.strip() for b in (text or "").split(",") if b.strip()]
    for name in names:
        if name not in ("sqlite", "postgresql"):
            raise SystemExit(f"unknown backend {name!r} (sqlite, postgresql)")
    return [n for n in names if n in supported]


# -- summaries and the issue-12 table ------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0–1) by linear interpolation between the closest ranks."""
    xs = sorted(values)
    if not xs:
        raise ValueError("no values")
    pos = (len(xs) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def stats(values: list[float], digits: int = 3) -> dict:
    """``{"median", "p95", "runs"}`` of some timings (p95 is only meaningful with many runs)."""
    return {
        "median": round(statistics.median(values), digits),
        "p95": round(percentile(values, 0.95), digits),
        "runs": len(values),
    }


def table_row(
    row_id: str,
    *,
    backend: str,
    unit: str,
    gongzhi: dict,
    floor: dict | None = None,
    floor_what: str | None = None,
    goal: str,
    met: bool | None,
    ratio: float | None = None,
    note: str | None = None,
) -> dict:
    """One measured row of the issue-12 table, as ``bench_street.py`` reads it (see README)."""
    if ratio is None and floor and floor.get("median"):
        ratio = round(gongzhi["median"] / floor["median"], 2)
    row = {
        "id": row_id,
        "backend": backend,
        "unit": unit,
        "gongzhi": gongzhi,
        "floor": floor,
        "floor_what": floor_what,
        "ratio": ratio,
        "goal": goal,
        "met": met,
    }
    if note:
        row["note"] = note
    return row


# -- PostgreSQL ------------------------------------------------------------------------------


@contextmanager
def postgres(url: str | None = None) -> Iterator[Callable[[str], object]]:
    """``new(name)`` → a :class:`core.db.Database` on a new, empty PostgreSQL database.

    Without ``url``, on a throwaway local cluster started for the run (``tests/pg.py``, as the
    test suite does: fsync off), stopped afterwards.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from gongzhi.core.db import Database

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
                conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(db.url).database}" WITH (FORCE)'))
        admin.dispose()
        if cluster is not None:
            cluster.stop()
