"""Fixtures for the UI: the real GongzhiApp on a real SQLite copy of a small street."""

from __future__ import annotations

from pathlib import Path

import pytest

from gongzhi.core.config import Settings
from gongzhi.core.db import Database
from gongzhi.core.plugins import PluginHost
from tests.dbs import sqlite_copy
from tests.tui.street import build_small_street


@pytest.fixture(scope="session")
def street_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("street") / "street.sqlite"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    ids = build_small_street(db)
    db.dispose()
    return path, ids


@pytest.fixture
def street_db(street_template, tmp_path: Path) -> Database:
    db = sqlite_copy(street_template[0], tmp_path / "street.sqlite")
    yield db
    db.dispose()


@pytest.fixture
def ids(street_template) -> dict[str, int]:
    return street_template[1]


@pytest.fixture
def make_app(street_db: Database):
    """``make_app(lang="zh", plugins=())`` → an unstarted GongzhiApp on the street copy."""
    from gongzhi.tui.app import GongzhiApp

    def make(lang: str = "zh", plugins: tuple[str, ...] = (), settings: Settings | None = None) -> GongzhiApp:
        settings = settings or Settings(language=lang, operator="测试办事员", database_url=street_db.url)
        host = PluginHost(settings, names=list(plugins)).load()
        host.upgrade(street_db)
        host.start(street_db)
        return GongzhiApp(db=street_db, settings=settings, host=host)

    return make
