"""Fixtures for the micro-projects' database tests: a street with the plugin enabled
on a real SQLite file and a real PostgreSQL server — two communities (荣雅园社区 with
its compound, 欢畅园社区), a residents' committee, a responsible person, three
residents' requests — and the fund of 2026 (100,000 yuan).

The migration and the street are built once per session into a template and each
test gets a fresh copy, as the points exchange's tests do.
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
from gongzhi.core.services import requests as core_requests
from gongzhi.core.testing import Site, gongzhi_site  # noqa: F401  (fixture re-export)
from tests.dbs import pg_database, sqlite_copy

PLUGIN = "micro_projects"
CLERK = Actor("微实事专干")
YEAR = 2026
FUND = 100_000_00  # fen


@dataclass
class Street:
    community: int
    compound: int
    other_community: int
    committee: int
    responsible: int
    residents: list[int]
    requests: list[int]


def make_street(db: Database, actor: Actor) -> Street:
    from gongzhi.plugins.micro_projects import services as svc

    with db.session() as s:
        street = places.create_place(s, actor=actor, kind="street", name="青源街道")
        community = places.create_place(s, actor=actor, kind="community", name="荣雅园社区", parent_id=street.id)
        compound = places.create_place(s, actor=actor, kind="compound", name="荣雅园", parent_id=community.id)
        other = places.create_place(s, actor=actor, kind="community", name="欢畅园社区", parent_id=street.id)
        categories.ensure_default_categories(s, actor=actor)
        category = categories.find_category(s, "facilities")
        committee = orgs.create_organisation(s, actor=actor, kind="residents_committee", name="荣雅园社区居委会",
                                             place_id=community.id)
        responsible = people.create_person(s, actor=actor, name="朱文东").id
        residents = [people.create_person(s, actor=actor, name=n).id for n in ("王芳", "李娜", "赵敏")]
        reqs = [
            core_requests.create_request(
                s, actor=actor, channel="bench_meeting", type="suggestion", category_id=category.id,
                title=title, place_id=compound.id, reporter_id=who,
            ).id
            for title, who in zip(("3号楼路灯太暗", "小区路灯不亮", "楼道照明差"), residents, strict=True)
        ]
        svc.set_fund(s, actor=actor, year=YEAR, total=FUND)
        return Street(community.id, compound.id, other.id, committee.id, responsible, residents, reqs)


def _build(db: Database) -> Street:
    host = PluginHost(Settings(), names=[PLUGIN]).load()
    host.upgrade(db)
    street = make_street(db, CLERK)
    db.dispose()
    return street


@pytest.fixture(scope="session")
def micro_sqlite_template(sqlite_template: Path, tmp_path_factory) -> tuple[Path, Street]:
    path = tmp_path_factory.mktemp("micro-template") / "micro.sqlite"
    return path, _build(sqlite_copy(sqlite_template, path))


@pytest.fixture(scope="session")
def micro_pg_template(pg_url: str, pg_template: str) -> Iterator[tuple[str, Street]]:
    with pg_database(pg_url, "gz_micro_template", template=pg_template) as db:
        yield make_url(db.url).database, _build(db)


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A fresh copy of the migrated street, on a real SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        path, street = request.getfixturevalue("micro_sqlite_template")
        db = sqlite_copy(path, tmp_path / "micro.sqlite")
        db.street = street
        yield db
        db.dispose()
    else:
        name, street = request.getfixturevalue("micro_pg_template")
        with pg_database(request.getfixturevalue("pg_url"), "gz_micro", template=name) as db:
            db.street = street
            yield db


@pytest.fixture
def sqlite_only(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    path, street = request.getfixturevalue("micro_sqlite_template")
    db = sqlite_copy(path, tmp_path / "micro.sqlite")
    db.street = street
    yield db
    db.dispose()


@pytest.fixture
def clerk() -> Actor:
    return CLERK


@pytest.fixture
def street(db) -> Street:
    return db.street


@pytest.fixture
def site(gongzhi_site, db) -> Site:  # noqa: F811
    """Core + this plugin alone, migrated, with the street of :func:`make_street`."""
    return gongzhi_site(plugins=[PLUGIN], url=db.url)


COUNTED = (
    "micro_fund", "micro_list", "micro_project", "micro_project_request", "micro_milestone",
    "micro_allocation", "micro_spending", "micro_objection", "micro_rating", "micro_verdict", "micro_setting",
    "audit_log", "request_event",
)


def row_counts(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(text(t))).scalar_one() for t in COUNTED}


def state_dump(db: Database) -> dict[str, list]:
    with db.engine.connect() as conn:
        return {
            "funds": conn.execute(text("SELECT id, total, allocated FROM micro_fund ORDER BY id")).all(),
            "lists": conn.execute(text("SELECT id, phase, next_seq FROM micro_list ORDER BY id")).all(),
            "projects": conn.execute(text(
                "SELECT id, status, progress, allocated, spent, feasibility FROM micro_project ORDER BY id"
            )).all(),
            "requests": conn.execute(text("SELECT id, status FROM request ORDER BY id")).all(),
        }
