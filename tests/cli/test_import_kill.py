"""kill -9 in the middle of a 100,000-row import leaves the database as it was: the
whole import is one transaction (a real subprocess, a real SQLite file), the search
index's trigger the batched path suspends inside it included."""

from __future__ import annotations

import csv
import io
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gongzhi.core.cli import main
from gongzhi.core.db import Database
from gongzhi.core.services import Actor
from gongzhi.core.services import places as place_svc
from tests.core.helpers import count_rows

ROWS = 100_000
STATUSES = ("待受理", "已受理", "办理中", "已办结", "已回访")


@pytest.fixture(scope="session")
def big_export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 100,000-row 12345 export in GBK (made once per session)."""
    path = tmp_path_factory.mktemp("kill") / "12345导出.csv"
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "工单状态", "答复内容"])
    for n in range(ROWS):
        status = STATUSES[n % len(STATUSES)]
        w.writerow([f"2026{n:08d}", f"2026/3/{n % 28 + 1} 9:{n % 60:02d}", "照明设施", f"路灯不亮，晚上很黑 {n}",
                    "盛康园 1号楼" if n % 3 else "天津市盛康园1栋", status,
                    "已修复" if status in ("已办结", "已回访") else ""])
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


def _write_lock_held(path) -> bool:
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _wal_size(path: Path) -> int:
    wal = Path(f"{path}-wal")
    return wal.stat().st_size if wal.exists() else 0


def _state(path: Path) -> tuple:
    conn = sqlite3.connect(path)
    try:
        return (conn.execute("PRAGMA integrity_check").fetchall(),
                conn.execute("SELECT prefix, year, last FROM ref_counter ORDER BY 1, 2").fetchall(),
                conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name").fetchall(),
                conn.execute("SELECT count(*) FROM request_fts_terms").fetchall())
    finally:
        conn.close()


def test_kill_9_mid_import_leaves_nothing(tmp_path, capsys, big_export):
    path = tmp_path / "kill.sqlite"
    url = f"sqlite:///{path}"
    assert main(["--db", url, "db", "upgrade", "--create"]) == 0  # a new file on purpose
    assert main(["--db", url, "request", "list"]) == 0  # migrated, plugins ready: the child only imports
    db = Database(url)
    actor = Actor("测试办事员")
    with db.session() as s:  # a new database has the default categories, 照明设施 among them
        street = place_svc.create_place(s, actor=actor, kind="street", name="青源街道")
        community = place_svc.create_place(s, actor=actor, kind="community", name="盛康社区", parent_id=street.id)
        compound = place_svc.create_place(s, actor=actor, kind="compound", name="盛康园", parent_id=community.id)
        place_svc.create_place(s, actor=actor, kind="building", name="1号楼", parent_id=compound.id)
    before = count_rows(db)
    db.dispose()
    state = _state(path)
    assert ("request_fts_insert",) in state[2]
    capsys.readouterr()

    child = subprocess.Popen([sys.executable, "-m", "gongzhi.core", "--db", url, "import", "requests", str(big_export),
                              "--confirm-approximate"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 300
        while not _write_lock_held(path):  # the plan is done; the import transaction is open
            assert child.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        # its first batches are being written: uncommitted pages spill into the WAL
        wal = _wal_size(path)
        while _wal_size(path) < wal + 1_000_000 and time.monotonic() < deadline:
            assert child.poll() is None, "the import ended before it was killed"
            time.sleep(0.02)
        assert _wal_size(path) >= wal + 1_000_000, "no rows were seen being written"
        child.kill()
        assert child.wait(30) == -9
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    db = Database(url)
    try:
        assert count_rows(db) == before
    finally:
        db.dispose()
    assert _state(path) == state  # intact, the counter where it was, every trigger in place
