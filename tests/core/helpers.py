"""Shared builders and checks for the core service tests (no mocks: real databases)."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, table
from sqlmodel import Session

from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.models import CORE_TABLES
from gongzhi.core.services import Actor
from gongzhi.core.services import categories as cat_svc
from gongzhi.core.services import orgs as org_svc
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.validation import id_check_digit
from tests.dbs import pg_database, sqlite_copy

# a sample number printed in GB 11643 explanations; its check digit is X
SAMPLE_ID_NUMBER = "11010519491231002X"
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_shared_counter = itertools.count()


def make_id_number(region: str = "120113", birth: str = "19800101", seq: str = "123") -> str:
    first17 = f"{region}{birth}{seq}"
    return first17 + id_check_digit(first17)


_TABLES = sorted(CORE_TABLES)
_COUNT_ALL = select(*(select(func.count()).select_from(table(name)).scalar_subquery() for name in _TABLES))


def count_rows(db: Database) -> dict[str, int]:
    """Rows of every core table (in one query), read in a fresh session."""
    with db.read_session() as s:
        return dict(zip(_TABLES, s.execute(_COUNT_ALL).one(), strict=True))


def assert_messages_render(err: DomainError) -> None:
    """Both languages render fully: no ``{field}`` left over, non-empty, and different."""
    zh, en = err.message("zh"), err.message("en")
    for msg in (zh, en):
        assert msg.strip()
        assert not _PLACEHOLDER.search(msg), f"{err.code}: unfilled placeholder in {msg!r}"
    assert zh != en


def expect_rejected(db: Database, code: str, call: Callable[[Session], Any]) -> DomainError:
    """Run ``call`` in a fresh writing session: it must raise ``code`` and write nothing."""
    before = count_rows(db)
    with db.session() as s, pytest.raises(DomainError) as info:
        call(s)
    assert info.value.code == code, f"expected {code}, got {info.value.code}: {info.value}"
    assert_messages_render(info.value)
    assert count_rows(db) == before, f"{code}: a rejected call changed row counts"
    return info.value


def at(text: str) -> datetime:
    """An aware UTC datetime from ``YYYY-MM-DD HH:MM`` (UTC)."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@dataclass
class World:
    """A small street: two communities, compounds, buildings, micro-grids, households,
    a department, a residents' committee, a category with known SLA, a few people."""

    street: Any
    communities: list[Any]
    compounds: list[Any]
    buildings: list[Any]
    micro_grids: list[Any]
    households: list[Any]
    category: Any
    department: Any
    department2: Any
    committee: Any
    people: dict[str, Any] = field(default_factory=dict)


def build_world(db: Database, actor: Actor) -> World:
    with db.session() as s:
        street = place_svc.create_place(s, actor=actor, kind="street", name="青源街道")
        c1 = place_svc.create_place(s, actor=actor, kind="community", name="盛康社区", parent_id=street.id)
        c2 = place_svc.create_place(s, actor=actor, kind="community", name="荣雅社区", parent_id=street.id)
        k1 = place_svc.create_place(s, actor=actor, kind="compound", name="盛康园", parent_id=c1.id,
                                    housing_type="public_rental")
        k2 = place_svc.create_place(s, actor=actor, kind="compound", name="荣雅园", parent_id=c2.id)
        b1 = place_svc.create_place(s, actor=actor, kind="building", name="1号楼", parent_id=k1.id)
        b2 = place_svc.create_place(s, actor=actor, kind="building", name="2号楼", parent_id=k2.id)
        g1 = place_svc.create_place(s, actor=actor, kind="micro_grid", name="1-6层", parent_id=b1.id,
                                    floor_from=1, floor_to=6)
        h1 = place_svc.create_place(s, actor=actor, kind="household", name="101", parent_id=g1.id)
        h2 = place_svc.create_place(s, actor=actor, kind="household", name="201", parent_id=b2.id)
        category = cat_svc.create_category(s, actor=actor, code="lighting", name_zh="照明设施",
                                           name_en="street lighting", sla=(240, 120, 48, 24))
        dept = org_svc.create_organisation(s, actor=actor, kind="department", name="城管科")
        dept2 = org_svc.create_organisation(s, actor=actor, kind="department", name="供电所")
        committee = org_svc.create_organisation(s, actor=actor, kind="residents_committee",
                                                name="盛康社区居委会", place_id=c1.id)
        zhang = people_svc.create_person(s, actor=actor, name="张晓明", phone="13812345678",
                                         id_number=SAMPLE_ID_NUMBER, household_id=h1.id)
        li = people_svc.create_person(s, actor=actor, name="李四", phone="13900001111", household_id=h2.id)
        wang = people_svc.create_person(s, actor=actor, name="王五")
    return World(
        street=street,
        communities=[c1, c2],
        compounds=[k1, k2],
        buildings=[b1, b2],
        micro_grids=[g1],
        households=[h1, h2],
        category=category,
        department=dept,
        department2=dept2,
        committee=committee,
        people={"zhang": zhang, "li": li, "wang": wang},
    )


def new_request(db: Database, actor: Actor, w: World, **kw: Any):
    """Create a request with sensible defaults; keyword arguments override them."""
    args: dict[str, Any] = dict(
        channel="bench_meeting",
        type="help",
        category_id=w.category.id,
        title="路灯不亮",
        place_id=w.compounds[0].id,
        description="盛康园3号楼前路灯昏暗",
    )
    args.update(kw)
    with db.session() as s:
        return req_svc.create_request(s, actor=actor, **args)


def move(db: Database, actor: Actor, request_id: int, *statuses: str, when: datetime | None = None) -> None:
    """Walk a request through the given statuses (each a legal transition)."""
    with db.session() as s:
        for status in statuses:
            req_svc.transition(s, actor=actor, request_id=request_id, to_status=status, at=when)


@contextmanager
def fresh_database(request: pytest.FixtureRequest, kind: str, tmp: Path) -> Iterator[Database]:
    """A migrated, empty database of ``kind`` copied from the session templates of
    tests/conftest.py: for fixtures wider than one test (module-scoped streets).
    While it lives, the data directory points into ``tmp`` (the per-test isolation
    of conftest.py is not yet in force when a module-scoped fixture is built)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GONGZHI_DATA_DIR", str(tmp / "data"))
        if kind == "sqlite":
            yield from _fresh_sqlite(request, tmp)
        else:
            yield from _fresh_pg(request)


def _fresh_sqlite(request: pytest.FixtureRequest, tmp: Path) -> Iterator[Database]:
    db = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp / "shared.sqlite")
    try:
        yield db
    finally:
        db.dispose()


def _fresh_pg(request: pytest.FixtureRequest) -> Iterator[Database]:
    with pg_database(request.getfixturevalue("pg_url"), "gz_shared",
                     template=request.getfixturevalue("pg_template")) as db:
        yield db
