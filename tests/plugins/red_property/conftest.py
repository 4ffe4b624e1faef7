"""Fixtures for the red-property plugin's database tests: a small street with the
plugin enabled on the ``db`` fixture (a real SQLite file and a real PostgreSQL
server): one community with two compounds, the four bodies of the joint meeting,
and people who hold posts in several of them (交叉任职)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from sqlalchemy import func, select, text

from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.services import Actor, categories, orgs, people, places, requests
from gongzhi.core.testing import Site, gongzhi_site  # noqa: F401  (fixture re-export)

PLUGIN = "red_property"


@pytest.fixture
def site(gongzhi_site, db) -> Site:  # noqa: F811
    """Core + this plugin alone, migrated, on SQLite and on PostgreSQL."""
    return gongzhi_site(plugins=[PLUGIN], url=db.url)


@pytest.fixture
def actor() -> Actor:
    return Actor("联席会议秘书")


def at(y: int, m: int, d: int, hour: int = 9) -> datetime:
    """A local (Asia/Shanghai) time."""
    return datetime(y, m, d, hour, 0, tzinfo=LOCAL_TZ)


@dataclass
class Street:
    community: int
    compound: int  # 荣雅园
    other_compound: int  # 荣诚园
    household: int  # in 荣雅园
    other_household: int  # in 荣诚园
    party: int  # community party committee
    rc: int  # residents' committee
    owners: int  # 荣雅园 owners' committee
    prop: int  # 荣雅园 property company
    other_owners: int
    other_prop: int
    dept: int  # a department (not a meeting body)
    wang: int  # party secretary AND residents' committee director (cross-appointed)
    li: int  # residents' committee member
    zhao: int  # owners' committee chair AND party member (cross-appointed)
    sun: int  # property company manager
    zhou: int  # property company staff AND owners' committee member (cross-appointed)
    former: int  # left the owners' committee before 2026
    resident: int  # a plain resident of 荣雅园, no posts
    ids: dict[str, int]


def make_street(db, actor: Actor) -> Street:
    with db.session() as s:
        categories.ensure_default_categories(s, actor=actor)
        st = places.create_place(s, actor=actor, kind="street", name="青源街道")
        com = places.create_place(s, actor=actor, kind="community", name="荣雅园社区", parent_id=st.id)
        k1 = places.create_place(s, actor=actor, kind="compound", name="荣雅园", parent_id=com.id)
        k2 = places.create_place(s, actor=actor, kind="compound", name="荣诚园", parent_id=com.id)
        b1 = places.create_place(s, actor=actor, kind="building", name="1号楼", parent_id=k1.id)
        h1 = places.create_place(s, actor=actor, kind="household", name="1-101", parent_id=b1.id)
        b2 = places.create_place(s, actor=actor, kind="building", name="2号楼", parent_id=k2.id)
        h2 = places.create_place(s, actor=actor, kind="household", name="2-202", parent_id=b2.id)

        def org(kind, name, place):
            return orgs.create_organisation(s, actor=actor, kind=kind, name=name, place_id=place).id

        party = org("party_committee", "荣雅园社区党委", com.id)
        rc = org("residents_committee", "荣雅园社区居委会", com.id)
        owners = org("owners_committee", "荣雅园业主委员会", k1.id)
        prop = org("property_company", "荣雅园物业服务中心", k1.id)
        other_owners = org("owners_committee", "荣诚园业主委员会", k2.id)
        other_prop = org("property_company", "荣诚园物业服务中心", k2.id)
        dept = org("department", "城管执法队", st.id)

        def person(name, household=None):
            return people.create_person(s, actor=actor, name=name, household_id=household).id

        def post(pid, oid, role, **kw):
            orgs.add_membership(s, actor=actor, person_id=pid, organisation_id=oid, role=role, **kw)

        wang, li, zhao, sun, zhou, former = (person(n) for n in ("王书记", "李委员", "赵主任", "孙经理", "周师傅", "钱前任"))
        resident = person("吴大爷", h1.id)
        post(wang, party, "secretary")
        post(wang, rc, "director")
        post(li, rc, "member")
        post(zhao, owners, "chair")
        post(zhao, party, "party_member")
        post(sun, prop, "manager")
        post(zhou, prop, "staff")
        post(zhou, owners, "member")
        post(former, owners, "member", start_date=date(2020, 1, 1), end_date=date(2025, 6, 30))
        post(sun, other_prop, "manager")
        post(zhao, other_owners, "member")
        return Street(com.id, k1.id, k2.id, h1.id, h2.id, party, rc, owners, prop, other_owners, other_prop, dept,
                      wang, li, zhao, sun, zhou, former, resident, {})


@pytest.fixture
def street(site, actor) -> Street:
    return make_street(site.db, actor)


def open_meeting(db, actor: Actor, street: Street, when: datetime, **kw):
    """A compound meeting of 荣雅园 with all four bodies present, opened."""
    from gongzhi.plugins.red_property import services as svc

    with db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=when, chair_id=street.wang,
                               secretary_id=street.li, location="荣雅园党群服务站", **kw)
        for person, body in ((street.wang, street.party), (street.li, street.rc), (street.zhao, street.owners),
                             (street.sun, street.prop)):
            svc.check_in(s, actor=actor, meeting_id=m.id, person_id=person, organisation_id=body, at=when)
        svc.open_meeting(s, actor=actor, meeting_id=m.id, at=when)
        return m.id


def new_request(db, actor: Actor, place_id: int, *, title="3号楼电梯停运", category="elevator", when=None):
    with db.session() as s:
        cat = categories.find_category(s, category)
        return requests.create_request(s, actor=actor, channel="bench_meeting", type="help", category_id=cat.id,
                                       title=title, place_id=place_id, at=when).id


TABLES = ("redprop_meeting", "redprop_meeting_body", "redprop_attendance", "redprop_agenda_item",
          "redprop_resolution", "redprop_resolution_vote", "redprop_action_item", "redprop_action_note",
          "redprop_followup", "redprop_addendum", "redprop_service")
# every table a write of this plugin (or its notes and audit) can touch
COUNTED = (*TABLES, "audit_log", "request_event")


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(text(t))).scalar_one() for t in COUNTED}
