"""kill -9 in the middle of an import leaves the database as it was: the whole
import is one transaction (a real subprocess, a real SQLite file)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time

from core.cli import main
from core.db import Database
from core.services import Actor
from core.services import places as place_svc
from tests.core.helpers import count_rows

ROWS = 3000


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


def test_kill_9_mid_import_leaves_nothing(tmp_path, capsys):
    path = tmp_path / "kill.sqlite"
    url = f"sqlite:///{path}"
    assert main(["--db", url, "db", "upgrade", "--create"]) == 0  # a new file on purpose
    assert main(["--db", url, "request", "list"]) == 0  # migrated, plugins ready: the child only imports
    db = Database(url)
    actor = Actor("测试办事员")
    with db.session() as s:  # a new database has the default categories, 照明设施 among them
        street = place_svc.create_place(s, actor=actor, kind="street", name="青源街道")
        community = place_svc.create_place(s, actor=actor, kind="community", name="盛康社区", parent_id=street.id)
        place_svc.create_place(s, actor=actor, kind="compound", name="盛康园", parent_id=community.id)
    before = count_rows(db)
    db.dispose()
    capsys.readouterr()
    export = tmp_path / "12345.csv"
    lines = ["工单编号,受理时间,问题分类,诉求内容,事发地址"]
    lines += [f"2026{n:08d},2026-03-05 09:30,照明设施,路灯不亮 {n},盛康园" for n in range(ROWS)]
    export.write_text("\n".join(lines), encoding="utf-8")

    child = subprocess.Popen([sys.executable, "-m", "core", "--db", url, "import", "requests", str(export)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while not _write_lock_held(path):  # the import transaction is open: rows are being written
            assert child.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(0.5)  # some hundreds of rows into it
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
