"""Fixtures for the insights plugin's tests: a small street with the plugin enabled
(and its event hooks bound) on a real SQLite file and a real PostgreSQL server —
青源街道 with 荣雅园社区 (compound 荣雅园) and 盛康园社区 (compound 盛康园), each with
residents in households, and the default categories.

The migration and the street are built once per session into a template and each
test gets a fresh copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from gongzhi.core.config import Settings
from gongzhi.core.db import Database
from gongzhi.core.plugins import PluginHost
from gongzhi.core.services import Actor, categories, people, places
from gongzhi.core.services import requests as core_requests
from gongzhi.core.testing import Site, gongzhi_site  # noqa: F401  (fixture re-export)
from tests.dbs import pg_database, sqlite_copy

PLUGIN = "insights"
CLERK = Actor("民意分析员")


@dataclass
class Street:
    street: int
    communities: dict[str, int]
    compounds: dict[str, int]
    buildings: dict[str, int]
    categories: dict[str, int]


def make_street(db: Database, actor: Actor, residents: dict[str, int] | None = None) -> Street:
    residents = residents or {"荣雅园": 30, "盛康园": 30}
    with db.session() as s:
        street = places.create_place(s, actor=actor, kind="street", name="青源街道")
        communities, compounds, buildings = {}, {}, {}
        for name, n in residents.items():
            c = places.create_place(s, actor=actor, kind="community", name=f"{name}社区", parent_id=street.id)
            k = places.create_place(s, actor=actor, kind="compound", name=name, parent_id=c.id)
            b = places.create_place(s, actor=actor, kind="building", name="1号楼", parent_id=k.id)
            communities[name], compounds[name], buildings[name] = c.id, k.id, b.id
            for i in range(n):
                h = places.create_place(s, actor=actor, kind="household", name=f"{101 + i}室", parent_id=b.id)
                people.create_person(s, actor=actor, name=f"{name}居民{i}", household_id=h.id)
        categories.ensure_default_categories(s, actor=actor)
        cats = {c.code: c.id for c in categories.list_categories(s)}
        s.commit()
        return Street(street.id, communities, compounds, buildings, cats)


def add_request(db: Database, street: Street, title: str, *, compound: str = "荣雅园", category: str = "other",
                at: datetime | None = None, description: str = "", channel: str = "walk_in") -> int:
    with db.session() as s:
        r = core_requests.create_request(
            s, actor=CLERK, channel=channel, type="report", category_id=street.categories[category],
            title=title, description=description, place_id=street.buildings[compound],
            at=at or datetime(2026, 10, 15, 2, tzinfo=UTC),
        )
        return r.id


def _build(db: Database) -> Street:
    host = PluginHost(Settings(), names=[PLUGIN]).load()
    host.upgrade(db)
    street = make_street(db, CLERK)
    db.dispose()
    return street


@pytest.fixture(scope="session")
def insights_sqlite_template(sqlite_template: Path, tmp_path_factory) -> tuple[Path, Street]:
    path = tmp_path_factory.mktemp("insights-template") / "insights.sqlite"
    return path, _build(sqlite_copy(sqlite_template, path))


@pytest.fixture(scope="session")
def insights_pg_template(pg_url: str, pg_template: str) -> Iterator[tuple[str, Street]]:
    with pg_database(pg_url, "gz_insights_template", template=pg_template) as db:
        yield make_url(db.url).database, _build(db)


def _bound(db: Database, street: Street) -> Iterator[Database]:
    host = PluginHost(Settings(), names=[PLUGIN]).load().start(db)
    db.street = street
    try:
        yield db
    finally:
        host.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the migrated street with the plugin's event hooks bound."""
    if request.param == "sqlite":
        path, street = request.getfixturevalue("insights_sqlite_template")
        db = sqlite_copy(path, tmp_path / "insights.sqlite")
        yield from _bound(db, street)
        db.dispose()
    else:
        name, street = request.getfixturevalue("insights_pg_template")
        with pg_database(request.getfixturevalue("pg_url"), "gz_insights", template=name) as db:
            yield from _bound(db, street)


@pytest.fixture
def sqlite_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    path, street = request.getfixturevalue("insights_sqlite_template")
    db = sqlite_copy(path, tmp_path / "insights.sqlite")
    yield from _bound(db, street)
    db.dispose()


@pytest.fixture
def street(db) -> Street:
    return db.street
