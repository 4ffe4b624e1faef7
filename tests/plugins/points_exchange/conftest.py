"""Fixtures for the points exchange's database tests: a street with the plugin
enabled on a real SQLite file and a real PostgreSQL server, its people (residents,
a grid worker, a rider), goods on the shelf, two clerks.

The plugin's migration and the street are built once per session into a template
(a SQLite file; a PostgreSQL template database) and each test gets a fresh copy,
as the core's ``db`` fixture does for the core's tables: the tests stay fast.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from gongzhi.core.config import Settings
from gongzhi.core.db import Database
from gongzhi.core.plugins import PluginHost
from gongzhi.core.services import Actor, categories, orgs, people, places
from gongzhi.core.testing import Site, gongzhi_site  # noqa: F401  (fixture re-export)
from tests.dbs import pg_database, sqlite_copy

PLUGIN = "points_exchange"
TEMPLATE_ACTOR = Actor("积分录入员")


@pytest.fixture
def clerk() -> Actor:
    return TEMPLATE_ACTOR


@pytest.fixture
def checker() -> Actor:
    return Actor("积分审核员")


@dataclass
class Street:
    """Places, a community's grid-worker organisation and a rider station, three
    residents, a grid worker, a rider; two goods (soap 5 points × 10, rice 20 × 1)."""

    compound_id: int
    category_id: int
    residents: list[int]
    grid_worker: int
    rider: int
    soap: int
    rice: int


def make_street(db, actor: Actor) -> Street:
    from gongzhi.plugins.points_exchange import services as svc

    with db.session() as s:
        street = places.create_place(s, actor=actor, kind="street", name="青源街道")
        community = places.create_place(
            s, actor=actor, kind="community", name="盛福园社区", parent_id=street.id
        )
        compound = places.create_place(
            s, actor=actor, kind="compound", name="盛福园", parent_id=community.id
        )
        categories.ensure_default_categories(s, actor=actor)
        category = categories.find_category(s, "facilities")
        committee = orgs.create_organisation(
            s,
            actor=actor,
            kind="residents_committee",
            name="盛福园社区居委会",
            place_id=community.id,
        )
        station = orgs.create_organisation(s, actor=actor, kind="rider_station", name="先蜂骑手站")
        residents = [
            people.create_person(s, actor=actor, name=n).id for n in ("王芳", "李娜", "赵敏")
        ]
        grid = people.create_person(s, actor=actor, name="张建国").id
        rider = people.create_person(s, actor=actor, name="刘骑手").id
        orgs.add_membership(
            s, actor=actor, person_id=grid, organisation_id=committee.id, role="micro_grid_worker"
        )
        orgs.add_membership(
            s, actor=actor, person_id=rider, organisation_id=station.id, role="mobile_grid_worker"
        )
        soap = svc.add_goods(s, actor=actor, name="香皂", unit="块", price=5, stock=10).id
        rice = svc.add_goods(s, actor=actor, name="大米", unit="袋", price=20, stock=1).id
        return Street(compound.id, category.id, residents, grid, rider, soap, rice)


def _build(db: Database) -> Street:
    host = PluginHost(Settings(), names=[PLUGIN]).load()
    host.upgrade(db)
    street = make_street(db, TEMPLATE_ACTOR)
    db.dispose()
    return street


@pytest.fixture(scope="session")
def points_sqlite_template(sqlite_template: Path, tmp_path_factory) -> tuple[Path, Street]:
    path = tmp_path_factory.mktemp("points-template") / "points.sqlite"
    return path, _build(sqlite_copy(sqlite_template, path))


@pytest.fixture(scope="session")
def points_pg_template(pg_url: str, pg_template: str) -> Iterator[tuple[str, Street]]:
    with pg_database(pg_url, "gz_points_template", template=pg_template) as db:
        yield make_url(db.url).database, _build(db)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the migrated street, on a real SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        path, street = request.getfixturevalue("points_sqlite_template")
        db = sqlite_copy(path, tmp_path / "points.sqlite")
        db.street = street
        yield db
        db.dispose()
    else:
        name, street = request.getfixturevalue("points_pg_template")
        with pg_database(request.getfixturevalue("pg_url"), "gz_points", template=name) as db:
            db.street = street
            yield db


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_db(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Database]:
    """One copy of the street per module and backend, for tests that make their own
    people and goods and leave the rest as they found it (the error table)."""
    if request.param == "sqlite":
        path, street = request.getfixturevalue("points_sqlite_template")
        db = sqlite_copy(path, tmp_path_factory.mktemp("points-shared") / "points.sqlite")
        db.street = street
        yield db
        db.dispose()
    else:
        name, street = request.getfixturevalue("points_pg_template")
        with pg_database(
            request.getfixturevalue("pg_url"), "gz_points_shared", template=name
        ) as db:
            db.street = street
            yield db


@pytest.fixture
def site(gongzhi_site, db) -> Site:  # noqa: F811
    """Core + this plugin alone, migrated, with the street of :func:`make_street`."""
    return gongzhi_site(plugins=[PLUGIN], url=db.url)


@pytest.fixture
def street(site, db) -> Street:
    return db.street


# every table a write of this plugin (or its audit) can touch
COUNTED = (
    "points_account",
    "points_transfer",
    "points_rule",
    "points_goods",
    "points_stock_move",
    "points_setting",
    "audit_log",
)


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {
            t: conn.execute(select(func.count()).select_from(text(t))).scalar_one() for t in COUNTED
        }


def state_dump(db) -> dict[str, list]:
    """Every row of the plugin's mutable tables: to show that nothing changed."""
    with db.engine.connect() as conn:
        return {
            "accounts": conn.execute(
                text(
                    "SELECT id, debits_posted, credits_posted, debits_pending, "
                    "credits_pending FROM points_account ORDER BY id"
                )
            ).all(),
            "goods": conn.execute(
                text("SELECT id, price, stock, active FROM points_goods ORDER BY id")
            ).all(),
            "settings": conn.execute(text("SELECT key FROM points_setting ORDER BY key")).all(),
        }
