"""Start-up of the command line (issue 12) and of plain ``gongzhi`` after a demo (issue 13).

The import checks run the real console script in a fresh interpreter and read
``sys.modules`` when the command is done: ``--help``, the recount of a round file
and ``plugins list`` never import SQLAlchemy, Alembic, SQLModel or pypinyin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gongzhi.core.cli import main
from gongzhi.core.config import data_dir

HEAVY = ("sqlalchemy", "alembic", "sqlmodel", "pypinyin")
ALL_PLUGINS = "deliberation,red_property,points_exchange"

RUN_AND_LIST = """
import json, sys
from gongzhi.tui.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
print("\\n@@" + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _run(tmp_path: Path, *args: str, plugins: str = ALL_PLUGINS, **env: str) -> tuple[int, str, list[str]]:
    environment = {**os.environ, "GONGZHI_DATA_DIR": str(tmp_path / "data"), "GONGZHI_PLUGINS": plugins,
                   "GONGZHI_LANG": "zh", "PYTHONPATH": ":".join(p for p in sys.path if p), **env}
    environment.pop("GONGZHI_DATABASE_URL", None) if "GONGZHI_DATABASE_URL" not in env else None
    out = subprocess.run([sys.executable, "-c", RUN_AND_LIST, *args], capture_output=True, text=True,
                         env=environment, timeout=120, cwd=str(tmp_path))
    text, _, tail = out.stdout.rpartition("\n@@")
    assert tail, out.stderr[-2000:]
    data = json.loads(tail)
    return data["code"], text, data["modules"]


def _heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if m.split(".")[0] in HEAVY or m in ("gongzhi.core.db", "gongzhi.core.models")]


def _round_file(path: Path) -> Path:
    from gongzhi.plugins.deliberation import rules
    from gongzhi.plugins.deliberation.export import FORMAT, VERSION, result_json, tally_round_file

    data = {
        "format": FORMAT, "version": VERSION,
        "rule": {"kind": "yes_no", "base": "YN", "threshold": "1/2", "comparator": ">"},
        "options": [{"id": 1, "number": 1, "text": "加装晾衣架"}],
        "voters": [{"id": i, "name": f"居民{i}"} for i in range(1, 6)],
        "ballots": [{"voter": i, "choice": "yes" if i <= 3 else "no"} for i in range(1, 6)],
    }
    data["result"] = result_json(tally_round_file(data).result)
    assert rules.CHOICES  # the file is recounted by the pure rules
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_help_imports_no_database_layer(tmp_path):
    code, out, modules = _run(tmp_path, "--help")
    assert code == 0
    assert "request" in out and "deliberation" in out and "points" in out  # core and plugin groups listed
    assert _heavy(modules) == []
    assert not any(m.startswith("gongzhi.core.services") for m in modules)


def test_tally_of_a_file_imports_no_database_layer(tmp_path):
    path = _round_file(tmp_path / "round.json")
    code, out, modules = _run(tmp_path, "deliberation", "tally", str(path))
    assert code == 0, out
    assert "与存档结果一致" in out
    assert _heavy(modules) == []
    # only the plugin whose group runs has its command module imported, and no emoji table
    assert "gongzhi.plugins.deliberation.cli" in modules
    assert not {"gongzhi.plugins.points_exchange.cli", "gongzhi.plugins.red_property.cli", "rich._emoji_codes"} & set(modules)
    code, out, modules = _run(tmp_path, "deliberation", "tally", str(path), "--json")
    assert code == 0 and json.loads(out)["matches"] is True
    assert _heavy(modules) == []


def test_plugins_list_on_an_up_to_date_database_imports_no_database_layer(tmp_path):
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    code, _, _ = _run(tmp_path, "--db", url, "db", "upgrade", "--create")
    assert code == 0
    code, out, modules = _run(tmp_path, "--db", url, "plugins", "list", "--json")
    assert code == 0
    listed = {p["name"]: p for p in json.loads(out)}
    assert all(listed[n]["migration"] == "up to date" for n in ALL_PLUGINS.split(","))
    assert _heavy(modules) == []


def test_plugins_list_still_migrates_a_database_that_is_behind(tmp_path):
    """The quick read is only a shortcut: a new (empty) file is migrated as before."""
    url = f"sqlite:///{tmp_path / 'new.sqlite'}"
    (tmp_path / "new.sqlite").touch()
    code, out, modules = _run(tmp_path, "--db", url, "plugins", "list", "--json")
    assert code == 0
    assert {p["migration"] for p in json.loads(out) if p["enabled"]} == {"up to date"}
    assert "sqlalchemy" in {m.split(".")[0] for m in modules}


def test_red_property_body_aliases_are_org_kinds():
    from gongzhi.core.models.vocab import OrgKind
    from gongzhi.plugins.red_property.cli import BODY_ALIASES

    assert set(BODY_ALIASES.values()) <= set(OrgKind.__members__)


# -- plain `gongzhi` after `gongzhi demo --no-open` (issue 13, point 8) ---------------------


def test_plain_gongzhi_opens_the_demo_when_no_database_is_configured(capsys, monkeypatch):
    monkeypatch.delenv("GONGZHI_DATABASE_URL", raising=False)
    monkeypatch.setenv("GONGZHI_PLUGINS", "")
    assert main(["demo", "--no-open", "--now", "2026-11-01 09:00"]) == 0
    capsys.readouterr()
    assert main([]) == 0  # outside a terminal: the overview of what it opened
    out, err = capsys.readouterr()
    assert "打开演示街道" in err and str(data_dir() / "demo.sqlite") in err
    assert len(err.strip().splitlines()) == 1
    assert "青（广）源街道" in out
    assert not (data_dir() / "gongzhi.sqlite").exists()


def test_plain_gongzhi_says_how_to_get_a_street_when_there_is_none(capsys, monkeypatch):
    monkeypatch.delenv("GONGZHI_DATABASE_URL", raising=False)
    monkeypatch.setenv("GONGZHI_PLUGINS", "")
    assert main(["--lang", "en", "--operator", "x"]) == 0
    err = capsys.readouterr().err
    assert err.strip().splitlines()[0].startswith("no database yet: `gongzhi demo` builds the demo street")


@pytest.mark.parametrize("configured", ["env", "option"])
def test_a_configured_database_is_opened_without_a_hint(capsys, monkeypatch, tmp_path, configured):
    monkeypatch.setenv("GONGZHI_PLUGINS", "")
    (data_dir() / "demo.sqlite").write_bytes(b"")  # a demo exists, but the site named its database
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    (tmp_path / "site.sqlite").touch()
    if configured == "env":
        monkeypatch.setenv("GONGZHI_DATABASE_URL", url)
        args: list[str] = []
    else:
        args = ["--db", url]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "演示" not in err and "gongzhi demo" not in err
    assert (tmp_path / "site.sqlite").exists()
