"""``gongzhi import`` from the command line (issue 17 audit): approximate addresses are
never committed unconfirmed (``--confirm-approximate``), ``--valid-only`` refuses before
its transaction when the rejected rows could not be written, the dry run shows its
progress, and Ctrl+C in the middle of an import leaves nothing written."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from tests.cli import test_cli as base
from tests.cli.test_cli import _counts, _street

cli = base.cli  # the fixture: a fresh SQLite file, main() run in-process

ROWS = [
    ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址"],
    ["202603050001", "2026/3/5 9:30", "照明设施", "路灯不亮", "荣雅园1号楼"],  # exact
    ["202603050002", "2026/3/5 9:40", "照明设施", "楼道灯坏", "天津市北辰区荣雅园1栋"],  # approximate
    ["2.02603E+11", "2026/3/5 9:50", "照明设施", "路灯不亮", "荣雅园"],  # bad
]


def write(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes("\n".join(",".join(r) for r in rows).encode("gbk"))
    return path


@contextmanager
def unwritable(folder: Path):
    """The folder refuses new files, to root too (immutable), else by its rights."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(folder)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555)
        try:
            yield
        finally:
            folder.chmod(0o755)


def test_approximate_addresses_need_confirm_approximate(cli, tmp_path):
    _street(cli)
    path = write(tmp_path / "12345.csv", ROWS[:3])
    before = _counts(cli.url)
    code, out, err = cli("import", "requests", str(path), "--dry-run", "--json", lang="en")
    data = json.loads(out)
    assert code == 1 and [(e["row"], e["code"]) for e in data["errors"]] == [(3, "import.address_unconfirmed")]
    assert "--confirm-approximate" in data["errors"][0]["reason"]
    code, out, err = cli("import", "requests", str(path), "--dry-run", "--confirm-approximate", "--json")
    data = json.loads(out)
    assert code == 0 and data["errors"] == []
    assert [(w["row"], w["code"]) for w in data["warnings"]] == [(3, "import.address_approximate")]
    code, out, err = cli("import", "requests", str(path))  # all or nothing: refused
    assert code == 1 and "1 行有错误，未写入任何数据" in err and _counts(cli.url) == before
    code, out, err = cli("import", "requests", str(path), "--valid-only", "--json")  # dropped, kept aside
    data = json.loads(out)
    assert code == 0 and data["created"] == 1 and [e["row"] for e in data["errors"]] == [3]
    assert Path(data["error_file"]).exists()
    code, out, err = cli("import", "requests", str(path), "--confirm-approximate", "--json")
    data = json.loads(out)
    assert code == 0 and (data["created"], data["unchanged"]) == (1, 1)
    assert _counts(cli.url)["request"] == before["request"] + 2


def test_valid_only_refuses_before_writing_when_the_rejected_rows_have_nowhere_to_go(cli, tmp_path):
    _street(cli)
    folder = tmp_path / "share"
    folder.mkdir()
    path = write(folder / "12345.csv", [ROWS[0], ROWS[1], ROWS[3]])
    before = _counts(cli.url)
    with unwritable(folder):
        code, out, err = cli("import", "requests", str(path), "--valid-only", lang="en")
        assert code == 1
        assert err.strip() == (f"error: the workbook of rejected rows cannot be written in {folder}; nothing was "
                               "imported: use a folder you can write to, or leave out --valid-only")
        assert _counts(cli.url) == before
        code, out, err = cli("import", "requests", str(path), "--valid-only")
        assert code == 1 and err.startswith("错误：无法在") and _counts(cli.url) == before
    assert list(folder.iterdir()) == [path]
    code, out, err = cli("import", "requests", str(path), "--valid-only")  # writable again: imported
    assert code == 0 and _counts(cli.url)["request"] == before["request"] + 1


def test_the_dry_run_shows_its_progress(cli, tmp_path):
    _street(cli)
    rows = [ROWS[0]] + [[f"2026{n:08d}", "2026/3/5 9:30", "照明设施", "路灯", "荣雅园1号楼"] for n in range(1200)]
    path = write(tmp_path / "big.csv", rows)
    from gongzhi.core.cli import import_cmd

    seen: list[tuple[str, int, int]] = []
    real = import_cmd._Bar._show

    def spy(self, phase, label, done, total):
        seen.append((label, done, total))
        return real(self, phase, label, done, total)

    import_cmd._Bar._show = spy
    try:
        code, out, err = cli("import", "requests", str(path), "--dry-run", lang="en")
    finally:
        import_cmd._Bar._show = real
    assert code == 0
    assert [s for s in seen if s[0] == "checking"] == [("checking", 500, 1200), ("checking", 1000, 1200),
                                                        ("checking", 1200, 1200)]
    seen.clear()
    import_cmd._Bar._show = spy
    try:
        code, out, err = cli("import", "requests", str(path))
    finally:
        import_cmd._Bar._show = real
    assert code == 0
    phases = [label for label, *_ in seen]
    assert phases[:3] == ["检查"] * 3 and phases[-1] == "导入" and seen[-1][1:] == (1200, 1200)


def test_ctrl_c_mid_import_leaves_nothing(tmp_path):
    """SIGINT (Ctrl+C) to a real ``gongzhi import`` while it writes: exit 130, nothing written."""
    import csv
    import io

    from gongzhi.core.cli import main
    from gongzhi.core.db import Database
    from gongzhi.core.services import Actor
    from gongzhi.core.services import places as place_svc
    from tests.cli.test_import_kill import ROWS as KILL_ROWS  # noqa: F401 - same export maker
    from tests.cli.test_import_kill import _state, _wal_size, _write_lock_held
    from tests.core.helpers import count_rows

    db_path = tmp_path / "int.sqlite"
    url = f"sqlite:///{db_path}"
    assert main(["--db", url, "db", "upgrade", "--create"]) == 0
    assert main(["--db", url, "request", "list"]) == 0
    db = Database(url)
    with db.session() as s:
        actor = Actor("测试办事员")
        street = place_svc.create_place(s, actor=actor, kind="street", name="青源街道")
        community = place_svc.create_place(s, actor=actor, kind="community", name="盛康社区", parent_id=street.id)
        compound = place_svc.create_place(s, actor=actor, kind="compound", name="盛康园", parent_id=community.id)
        place_svc.create_place(s, actor=actor, kind="building", name="1号楼", parent_id=compound.id)
    before = count_rows(db)
    db.dispose()
    state = _state(db_path)
    export = tmp_path / "12345导出.csv"
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址"])
    for n in range(60_000):
        w.writerow([f"2026{n:08d}", f"2026/3/{n % 28 + 1} 9:{n % 60:02d}", "照明设施", f"路灯不亮 {n}", "盛康园1号楼"])
    export.write_bytes(buf.getvalue().encode("gbk"))

    child = subprocess.Popen([sys.executable, "-m", "gongzhi.core", "--db", url, "import", "requests", str(export)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 300
        while not _write_lock_held(db_path):
            assert child.poll() is None, "the import ended before it was seen writing"
            assert time.monotonic() < deadline
            time.sleep(0.02)
        wal = _wal_size(db_path)
        while _wal_size(db_path) < wal + 500_000 and time.monotonic() < deadline:
            assert child.poll() is None, "the import ended before it was interrupted"
            time.sleep(0.02)
        child.send_signal(signal.SIGINT)
        code = child.wait(60)
        err = child.stderr.read().decode()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert code == 130, err
    assert "已中断" in err and "Traceback" not in err
    db = Database(url)
    try:
        assert count_rows(db) == before
    finally:
        db.dispose()
    assert _state(db_path) == state
