"""Pytest fixtures for plugin authors (and for gongzhi's own tests).

Use them from a plugin's test suite with ``pytest_plugins = ["gongzhi.core.testing"]``::

    def test_my_plugin(gongzhi_site):
        site = gongzhi_site(plugins=["myplugin"])          # temporary SQLite, migrated
        code, out, err = site.cli("myplugin", "list", "--json")
        with site.db.session() as s: ...

``put_on_path(tmp_path, monkeypatch, dist=…, version=…, entry_points=…, src=…)``
makes a package discoverable through a real ``.dist-info`` on ``sys.path``,
without installing it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from gongzhi.core.config import Settings, load_settings
from gongzhi.core.db import Database
from gongzhi.core.plugins import ENTRY_POINT_GROUP, PluginHost


@dataclass
class Site:
    """A street on a temporary database with chosen plugins enabled and migrated."""

    db: Database
    host: PluginHost
    settings: Settings
    plugins: list[str]
    _capsys: pytest.CaptureFixture[str]

    def cli(self, *args: str, lang: str | None = None) -> tuple[int, str, str]:
        """Run ``gongzhi --db <this site> ARGS`` in-process; returns (exit code, stdout, stderr)."""
        from gongzhi.core.cli import main

        self._capsys.readouterr()
        argv = ["--db", self.db.url] + (["--lang", lang] if lang else []) + list(args)
        code = main(argv)
        out, err = self._capsys.readouterr()
        return code, out, err


def put_on_path(
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    dist: str,
    version: str,
    entry_points: dict[str, str],
    src: Path | None = None,
) -> Path:
    """Write ``<dist>-<version>.dist-info`` under ``root`` and put it (and ``src``) on sys.path."""
    site = root / f"site-{dist}"
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    lines = [f"[{ENTRY_POINT_GROUP}]"] + [f"{k} = {v}" for k, v in entry_points.items()]
    (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    if src is not None:
        monkeypatch.syspath_prepend(str(src))
    importlib.invalidate_caches()
    return site


@pytest.fixture
def gongzhi_site(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Iterator[Callable[..., Site]]:
    """A factory: ``gongzhi_site(plugins=[...], url=None)`` → :class:`Site`."""
    made: list[Site] = []
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "gongzhi-data"))

    def make(plugins: list[str] | tuple[str, ...] = (), url: str | None = None) -> Site:
        names = list(plugins)
        monkeypatch.setenv("GONGZHI_PLUGINS", ",".join(names))
        settings = load_settings()
        db = Database(url or f"sqlite:///{tmp_path / f'site{len(made)}.sqlite'}")
        db.upgrade()
        host = PluginHost(settings, names=names).load()
        missing = [n for n in names if n not in host.names]
        if missing:
            raise RuntimeError(f"plugins failed to load: {host.failures}")
        host.upgrade(db)
        host.start(db)
        site = Site(db=db, host=host, settings=settings, plugins=names, _capsys=capsys)
        made.append(site)
        return site

    yield make
    for site in made:
        site.host.close()
        site.db.dispose()
