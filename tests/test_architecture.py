"""The shape of the code base: import direction, import hygiene, lint."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def test_import_contracts_hold():
    result = subprocess.run([str(BIN / "lint-imports")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_and_cli_import_no_plugin_and_no_ui():
    code = (
        "import sys, gongzhi.core.cli, gongzhi.core.services.requests, gongzhi.core.services.stats, gongzhi.core.demo\n"
        "bad = sorted(m for m in sys.modules if m == 'gongzhi.tui' or m.startswith(('gongzhi.tui.', 'gongzhi.plugins.'))"
        " or m == 'textual')\n"
        "print(','.join(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""


def test_ruff_is_clean():
    result = subprocess.run([str(BIN / "ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


def _imports(path: Path) -> set[str]:
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_plugins_never_import_each_other_and_the_ui_imports_none_by_name():
    plugin_dirs = [p for p in (ROOT / "plugins").iterdir() if p.is_dir() and (p / "__init__.py").exists()]
    offences = []
    for plugin in plugin_dirs:
        for path in plugin.rglob("*.py"):
            for name in _imports(path):
                if name.startswith("gongzhi.plugins.") and name.split(".")[2] != plugin.name:
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
    for path in (ROOT / "tui").rglob("*.py"):
        offences += [f"{path.relative_to(ROOT)} imports {n}" for n in _imports(path) if n.startswith("gongzhi.plugins")]
    assert offences == []


def test_nothing_imports_the_folders_by_their_bare_names():
    """The installed import names are gongzhi.core, gongzhi.tui and gongzhi.plugins (issue 19):
    `core`, `tui` and `plugins` belong to other distributions on PyPI. From the clone's root the
    folders would still import under their bare names, so this checks every module's imports."""
    bare = ("core", "tui", "plugins")
    offences = []
    for folder in ("core", "tui", "plugins", "tests", "benchmarks", "scripts", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            if "build" in path.relative_to(ROOT).parts:
                continue
            offences += [f"{path.relative_to(ROOT)} imports {n}" for n in _imports(path)
                         if n.split(".")[0] in bare]
    assert offences == []


def test_every_package_folder_is_in_the_distribution():
    """pyproject.toml lists the core's packages by hand (the folders map to gongzhi.*)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {"gongzhi." + ".".join(p.parent.relative_to(ROOT).parts)
             for folder in ("core", "tui") for p in (ROOT / folder).rglob("__init__.py")}
    assert found == listed
    assert not (ROOT / "plugins" / "__init__.py").exists()  # gongzhi.plugins is a namespace
