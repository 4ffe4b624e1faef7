"""Fixtures for the deliberation plugin's database tests: a street with the plugin
enabled on the ``db`` fixture (a real SQLite file and a real PostgreSQL server),
and a small roundtable to vote at."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select, text

from gongzhi.core.services import Actor, categories, people, places, requests
from gongzhi.core.testing import Site, gongzhi_site, put_on_path  # noqa: F401  (fixture re-export)

PLUGIN = "deliberation"


@pytest.fixture
def site(gongzhi_site, db) -> Site:  # noqa: F811
    """Core + this plugin alone, migrated, on SQLite and on PostgreSQL."""
    return gongzhi_site(plugins=[PLUGIN], url=db.url)


@dataclass
class Table:
    """A consultation ready to vote: six resident representatives (present), a party
    representative, the property company, a contractor, an expert and an observer;
    three options; a linked request."""

    consultation_id: int
    request_id: int
    residents: list[int]
    party: int
    prop: int
    contractor: int
    expert: int
    observer: int
    options: list[int]
    person_ids: list[int]


@pytest.fixture
def actor() -> Actor:
    return Actor("议事厅主持人")


def make_table(db, actor: Actor, *, title: str = "荣诚园晾衣架") -> Table:
    from gongzhi.plugins.deliberation import services as svc

    with db.session() as s:
        street = places.create_place(s, actor=actor, kind="street", name=f"青源街道{title}")
        community = places.create_place(s, actor=actor, kind="community", name="荣诚园社区", parent_id=street.id)
        compound = places.create_place(s, actor=actor, kind="compound", name="荣诚园", parent_id=community.id)
        categories.ensure_default_categories(s, actor=actor)
        cat = categories.find_category(s, "facilities")
        req = requests.create_request(s, actor=actor, channel="walk_in", type="suggestion", category_id=cat.id,
                                      title="晾晒衣物不便", place_id=compound.id)
        names = ["许玉生", "王勇", "任凯", "张强", "张向明", "张立伟", "陈志远", "杨宇"]
        persons = [people.create_person(s, actor=actor, name=n).id for n in names]
        c = svc.create_consultation(s, actor=actor, title=title, place_id=compound.id, request_ids=[req.id])
        residents = [svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=pid,
                                         present=True).id for pid in persons[:6]]
        party = svc.add_participant(s, actor=actor, consultation_id=c.id, role="party_rep", person_id=persons[6],
                                    present=True).id
        prop = svc.add_participant(s, actor=actor, consultation_id=c.id, role="property_company",
                                   person_id=persons[7], present=True).id
        contractor = svc.add_participant(s, actor=actor, consultation_id=c.id, role="contractor",
                                         name="施工方代表", present=True).id
        expert = svc.add_participant(s, actor=actor, consultation_id=c.id, role="expert", name="专业人士",
                                     present=True).id
        observer = svc.add_participant(s, actor=actor, consultation_id=c.id, role="observer", name="网格员",
                                       present=True).id
        options = [svc.add_option(s, actor=actor, consultation_id=c.id, text=t).id
                   for t in ("阳台外加装", "中心广场集中设置", "楼间空地设置")]
        return Table(c.id, req.id, residents, party, prop, contractor, expert, observer, options, persons)


@pytest.fixture
def table(site, actor) -> Table:
    return make_table(site.db, actor)


# every table a write of this plugin (or its notes and audit) can touch
COUNTED = ("delib_consultation", "delib_consultation_request", "delib_participant", "delib_option", "delib_meeting",
           "delib_round", "delib_ballot", "delib_round_result", "delib_tie_break", "delib_outcome", "audit_log",
           "request_event")


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(text(t))).scalar_one() for t in COUNTED}


@pytest.fixture
def noticeboard(tmp_path, monkeypatch) -> str:
    """The example plugin (examples/noticeboard), discoverable through a real dist-info."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    put_on_path(tmp_path, monkeypatch, dist="gongzhi-noticeboard", version="0.1.0",
                entry_points={"noticeboard": "gongzhi_noticeboard.plugin"}, src=root / "examples" / "noticeboard")
    return "noticeboard"
