"""Issue 15, item 8: a SQLite URL naming a file (or folder) that does not exist is refused,
nothing is created; ``db upgrade --create`` makes a database on purpose."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gongzhi.core.cli import main


def _listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.mark.parametrize("where", ["missing folder", "missing file"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_missing_sqlite_database_is_refused_and_nothing_is_created(tmp_path, capsys, where, lang):
    site = tmp_path / "site"
    site.mkdir()
    target = site / "typo" / "x.sqlite" if where == "missing folder" else site / "x.sqlite"
    before = _listing(tmp_path)
    code = main(["--db", f"sqlite:///{target}", "--lang", lang, "place", "add", "street", "青源街道"])
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1
    if lang == "zh":
        assert err.startswith("错误：数据库文件") and "不存在" in err and str(target) in err
    else:
        assert err.startswith("error: the database file") and "does not exist" in err and str(target) in err
    assert _listing(tmp_path) == before  # no folder, no file, no -wal/-shm


def test_a_missing_database_from_the_environment_is_refused(tmp_path, capsys, monkeypatch):
    target = tmp_path / "nowhere" / "site.sqlite"
    monkeypatch.setenv("GONGZHI_DATABASE_URL", f"sqlite:///{target}")
    assert main(["--lang", "en", "db", "check"]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert not target.parent.exists()


def test_db_upgrade_create_makes_a_new_database_on_purpose(tmp_path, capsys):
    target = tmp_path / "new" / "site.sqlite"
    url = f"sqlite:///{target}"
    assert main(["--db", url, "db", "upgrade"]) == 1
    assert not target.parent.exists()
    capsys.readouterr()
    assert main(["--db", url, "db", "upgrade", "--create"]) == 0
    assert target.is_file()
    capsys.readouterr()
    assert main(["--db", url, "place", "add", "street", "青源街道"]) == 0
    capsys.readouterr()
    # a new street starts with the default categories, as one made on first start does
    assert main(["--db", url, "category", "list"]) == 0
    assert "照明设施" in capsys.readouterr().out


def test_the_console_script_refuses_a_mistyped_database(tmp_path):
    exe = Path(sys.executable).with_name("gongzhi")
    target = tmp_path / "nonexistent" / "dir" / "x.db"
    result = subprocess.run([str(exe), "--db", f"sqlite:///{target}", "place", "tree"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1, result
    assert "不存在" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "nonexistent").exists()


def test_db_takes_a_plain_file_path_as_well_as_a_url(tmp_path, capsys, monkeypatch):
    """``--db street.sqlite`` (relative or absolute) and GONGZHI_DATABASE_URL=path mean
    that SQLite file; a missing one is still refused with its full path named."""
    monkeypatch.chdir(tmp_path)
    assert main(["--lang", "en", "--db", "site.sqlite", "db", "check"]) == 1
    assert str(tmp_path / "site.sqlite") in capsys.readouterr().err
    assert not (tmp_path / "site.sqlite").exists()
    assert main(["--db", "site.sqlite", "db", "upgrade", "--create"]) == 0
    assert (tmp_path / "site.sqlite").is_file()
    capsys.readouterr()
    assert main(["--db", str(tmp_path / "site.sqlite"), "place", "add", "street", "青源街道"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("GONGZHI_DATABASE_URL", "site.sqlite")
    assert main(["place", "tree"]) == 0
    assert "青源街道" in capsys.readouterr().out
