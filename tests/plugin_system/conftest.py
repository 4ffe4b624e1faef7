"""The example plugin (examples/noticeboard) made discoverable through a real
dist-info on sys.path, plus small throwaway plugins written as real modules."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from gongzhi.core.testing import gongzhi_site, put_on_path  # noqa: F401  (fixture re-export)

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_SRC = ROOT / "examples" / "noticeboard"


@pytest.fixture
def noticeboard(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    put_on_path(tmp_path, monkeypatch, dist="gongzhi-noticeboard", version="0.1.0",
                entry_points={"noticeboard": "gongzhi_noticeboard.plugin"}, src=EXAMPLE_SRC)
    return "noticeboard"


@pytest.fixture
def write_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Write a one-module plugin ``<name>`` with the given source and make it discoverable."""

    def make(name: str, source: str) -> str:
        src = tmp_path / f"src-{name}"
        src.mkdir()
        (src / f"gz_test_{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        put_on_path(tmp_path, monkeypatch, dist=f"gz-test-{name}", version="9.9",
                    entry_points={name: f"gz_test_{name}"}, src=src)
        return name

    return make
