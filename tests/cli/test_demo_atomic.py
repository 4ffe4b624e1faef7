"""Issue 15, item 6: ``gongzhi demo`` on PostgreSQL is all or nothing — the build killed
with SIGKILL after it has started writing leaves the database as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import inspect, text

from gongzhi.core.plugins import available_plugins


def _counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in names}


def _writing(db, table: str) -> bool:
    """Another backend holds a write lock on ``table``: the build is inserting into it."""
    with db.engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = :t AND l.mode = 'RowExclusiveLock' AND l.pid <> pg_backend_pid()"),
            {"t": table}).scalar())


def test_a_killed_postgresql_demo_build_leaves_the_database_as_it_was(pg_db, tmp_path):
    exe = Path(sys.executable).with_name("gongzhi")
    env = {**os.environ, "GONGZHI_PLUGINS": ",".join(available_plugins())}
    # the schema first (a demo build migrates before it writes; that part may stay)
    up = subprocess.run([str(exe), "--db", pg_db.url, "db", "upgrade"], env=env, capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    before = _counts(pg_db)
    assert before["person"] == 0 and before["request"] == 0
    proc = subprocess.Popen([str(exe), "--db", pg_db.url, "demo", "--scale", "small", "--no-open", "--json",
                             "--now", "2026-11-01 09:00"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120
        # midway: the registry is written (uncommitted) and the requests are being inserted
        while not _writing(pg_db, "request_event"):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the build never reached the requests"
            time.sleep(0.05)
        assert _writing(pg_db, "person")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    # the server ends the dead client's transaction
    deadline = time.monotonic() + 30
    while _writing(pg_db, "person"):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert _counts(pg_db) == before
    # and a new run builds the whole street in its one transaction
    again = subprocess.run([str(exe), "--db", pg_db.url, "demo", "--scale", "small", "--no-open", "--json",
                            "--now", "2026-11-01 09:00"], env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    after = _counts(pg_db)
    assert after["person"] > 0 and after["request"] > 0 and after["points_transfer"] > before["points_transfer"]
    with pg_db.engine.connect() as conn:
        from gongzhi.core.chain import verify_chains

        assert verify_chains(conn) == []
