"""Each built-in plugin is its own distribution (issue 19): wheels are built from the
folders, installed into fresh virtual environments — the core alone, the core and one
plugin (installed later, migrated on enable), everything — and ``gongzhi plugins list``
shows exactly what is installed.

The wheels are built with pip, from copies of the folders (the working tree is left
clean). The fresh environments get the third-party packages of this test environment
through a path file (never gongzhi's own distributions, editable finders or entry points),
so the test needs no network for them; ``pip check`` then proves that every installed
distribution's declared requirements are met. Commands run outside the clone, so nothing
is imported from the working tree.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ("deliberation", "red_property", "points_exchange", "micro_projects", "insights")
DISTS: dict[str, Path] = {
    "gongzhi": ROOT,
    **{f"gongzhi-{p.replace('_', '-')}": ROOT / "plugins" / p for p in PLUGINS},
    "gongzhi-noticeboard": ROOT / "examples" / "noticeboard",
}
IGNORE = shutil.ignore_patterns("__pycache__", "build", "*.egg-info", "*.sqlite*", ".pytest_cache")


def _copy_source(name: str, folder: Path, into: Path) -> Path:
    target = into / name
    if folder == ROOT:  # the core's distribution: the core and the UI
        target.mkdir()
        for item in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / item, target / item)
        for package in ("core", "tui"):
            shutil.copytree(ROOT / package, target / package, ignore=IGNORE)
    else:
        shutil.copytree(folder, target, ignore=IGNORE)
    return target


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    sources, out = tmp_path_factory.mktemp("sources"), tmp_path_factory.mktemp("wheels")
    for name, folder in DISTS.items():
        source = _copy_source(name, folder, sources)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)],
                       check=True, cwd=sources, timeout=600, capture_output=True)
    found = {name: list(out.glob(f"{name.replace('-', '_')}-*.whl")) for name in DISTS}
    assert all(len(w) == 1 for w in found.values()), found
    for name, (wheel,) in found.items():  # everything under gongzhi/ (or the example's own name)
        with zipfile.ZipFile(wheel) as z:
            tops = {n.split("/")[0] for n in z.namelist() if ".dist-info/" not in n}
        assert tops == ({"gongzhi_noticeboard"} if name == "gongzhi-noticeboard" else {"gongzhi"}), (name, tops)
    return {name: w[0] for name, w in found.items()}


class Venv:
    """A fresh virtual environment; third-party packages shared from this one by a .pth."""

    def __init__(self, path: Path) -> None:
        self.path = path
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, timeout=300)
        deps = path / "shared-deps"
        deps.mkdir()
        site = Path(sysconfig.get_paths()["purelib"])
        for entry in site.iterdir():
            low = entry.name.lower()
            if low.startswith(("gongzhi", "__editable__", "_gongzhi", "pip", "setuptools", "_distutils_hack",
                               "distutils-precedence")) or low.endswith(".pth"):
                continue
            (deps / entry.name).symlink_to(entry)
        purelib = subprocess.run([self.bin("python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 check=True, capture_output=True, text=True).stdout.strip()
        Path(purelib, "_shared_deps.pth").write_text(f"{deps}\n", encoding="utf-8")
        self.home = path / "home"
        self.home.mkdir()

    def bin(self, name: str) -> str:
        return str(self.path / "bin" / name)

    def install(self, *wheels: Path) -> None:
        subprocess.run([self.bin("pip"), "install", "-q", "--no-deps", "--no-index", *map(str, wheels)],
                       check=True, timeout=300, capture_output=True)

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GONGZHI_", "PYTHON"))}
        env |= {"HOME": str(self.home), "GONGZHI_DATA_DIR": str(self.home / "data"),
                "GONGZHI_CONFIG_DIR": str(self.home / "config"), "GONGZHI_LANG": "en"}
        done = subprocess.run(list(args), cwd=self.home, env=env, capture_output=True, text=True, timeout=300)
        if check:
            assert done.returncode == 0, done.stdout + done.stderr
        return done

    def gongzhi(self, *args: str) -> subprocess.CompletedProcess:
        return self.run(self.bin("gongzhi"), *args)

    def plugins(self, db: str) -> list[str]:
        return sorted(p["name"] for p in json.loads(self.gongzhi("--db", db, "plugins", "list", "--json").stdout))


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_the_core_alone_then_a_plugin_installed_later_migrates_on_enable(wheels, tmp_path):
    venv = Venv(tmp_path / "venv")
    venv.install(wheels["gongzhi"])
    venv.run(venv.bin("pip"), "check")
    db_file = tmp_path / "street.sqlite"
    db = f"sqlite:///{db_file}"
    venv.gongzhi("--db", db, "db", "upgrade", "--create")
    assert venv.plugins(db) == []
    # the core and the UI come from the environment, with their catalogs; no plugin does
    probe = venv.run(venv.bin("python"), "-c", "import gongzhi.core as core, gongzhi.tui.i18n as i; "
                     "print(core.__file__); print(i.catalog('zh')['Requests']); import gongzhi.plugins.deliberation",
                     check=False)
    assert probe.returncode != 0 and "No module named 'gongzhi.plugins" in probe.stderr
    # nothing claims the generic top-level names other distributions use (issue 19)
    bare = venv.run(venv.bin("python"), "-c", "import importlib.util as u; "
                    "print([n for n in ('core', 'tui', 'plugins') if u.find_spec(n)])")
    assert bare.stdout.strip() == "[]"
    assert str(venv.path) in probe.stdout.splitlines()[0] and probe.stdout.splitlines()[1] == "诉求"
    assert not {t for t in _tables(db_file) if t.startswith("delib_")}

    venv.install(wheels["gongzhi-deliberation"])  # installed later
    venv.run(venv.bin("pip"), "check")
    assert venv.plugins(db) == ["deliberation"]
    venv.gongzhi("--db", db, "plugins", "enable", "deliberation")
    assert {"delib_consultation", "deliberation_alembic_version"} <= _tables(db_file)
    listed = json.loads(venv.gongzhi("--db", db, "plugins", "list", "--json").stdout)
    assert listed[0]["source"] == "built-in" and listed[0]["migration"] == "up to date"
    assert "tally" in venv.gongzhi("--db", db, "deliberation", "--help").stdout


def test_everything_and_a_third_party_plugin(wheels, tmp_path):
    venv = Venv(tmp_path / "venv")
    venv.install(*wheels.values())
    venv.run(venv.bin("pip"), "check")
    db = f"sqlite:///{tmp_path / 'street.sqlite'}"
    venv.gongzhi("--db", db, "db", "upgrade", "--create")
    assert venv.plugins(db) == sorted([*PLUGINS, "noticeboard"])
    listed = {p["name"]: p["source"] for p in json.loads(venv.gongzhi("--db", db, "plugins", "list", "--json").stdout)}
    assert listed["noticeboard"] == "package" and {listed[p] for p in PLUGINS} == {"built-in"}
    # a plugin's catalogs, migrations and data travel in its wheel
    probe = venv.run(venv.bin("python"), "-c", "from pathlib import Path; import gongzhi.plugins.insights as p, "
                     "gongzhi.plugins.deliberation.i18n as d; root = Path(p.__file__).parent; "
                     "print((root / 'data' / 'keywords.txt').exists(), (root / 'migrations' / 'script.py.mako').exists()); "
                     "print(d.pair('Vote')[0])")
    assert probe.stdout.split() == ["True", "True", "表决权"]  # the plugin's own word for Vote
