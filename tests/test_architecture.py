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
        "import sys, core.cli, core.services.requests, core.services.stats, core.demo\n"
        "bad = sorted(m for m in sys.modules if m == 'tui' or m.startswith(('tui.', 'plugins.')) or m == 'textual')\n"
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
                if name.startswith("plugins.") and name.split(".")[1] != plugin.name:
                    offences.append(f"{path.relative_to(ROOT)} imports {name}")
    for path in (ROOT / "tui").rglob("*.py"):
        offences += [f"{path.relative_to(ROOT)} imports {n}" for n in _imports(path) if n.split(".")[0] == "plugins"]
    assert offences == []
