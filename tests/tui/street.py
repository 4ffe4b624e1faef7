"""A small, fixed street for UI tests: built through the real services, once per
session, then copied for each test (a real SQLite file every time)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gongzhi.core.db import Database
from gongzhi.core.services import Actor, categories, orgs, people, places, requests

# a fixed "now" keeps snapshots stable
NOW = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


def build_small_street(db: Database) -> dict[str, int]:
    """青源街道 with two communities, a few people, departments and requests."""
    a = Actor("测试办事员")
    ids: dict[str, int] = {}
    with db.session() as s:
        categories.ensure_default_categories(s, actor=a)
        street = places.create_place(s, actor=a, kind="street", name="青（广）源街道")
        ids["street"] = street.id
        for cname, compound, housing in (("荣雅园社区", "荣雅园", "public_rental"), ("荣乐园社区", "荣乐园", "relocation")):
            c = places.create_place(s, actor=a, kind="community", name=cname, parent_id=street.id)
            cp = places.create_place(s, actor=a, kind="compound", name=compound, parent_id=c.id, housing_type=housing)
            b = places.create_place(s, actor=a, kind="building", name=f"{compound}1号楼", parent_id=cp.id,
                                    housing_type=housing)
            mg = places.create_place(s, actor=a, kind="micro_grid", name=f"{compound}1号楼7-12层", parent_id=b.id,
                                     floor_from=7, floor_to=12)
            hh = places.create_place(s, actor=a, kind="household", name=f"{compound}1-701", parent_id=mg.id)
            places.create_place(s, actor=a, kind="poi", name=f"{compound}东门", parent_id=cp.id, poi_kind="gate")
            ids[cname], ids[compound], ids[f"{compound}-hh"], ids[f"{compound}-mg"] = c.id, cp.id, hh.id, mg.id
            rc = orgs.create_organisation(s, actor=a, kind="residents_committee", name=f"{cname}居委会", place_id=c.id)
            ids[f"{cname}-rc"] = rc.id
        for dept in ("消防救援站", "城管执法队", "供电公司"):
            ids[dept] = orgs.create_organisation(s, actor=a, kind="department", name=dept, place_id=street.id).id
        zhang = people.create_person(s, actor=a, name="张晓明", gender="male", birth_year=1948, phone="13812345678",
                                     household_id=ids["荣雅园-hh"], care_tags=["elderly_alone"])
        shan = people.create_person(s, actor=a, name="单田芳", gender="male", birth_year=1955, phone="13987654321",
                                    household_id=ids["荣乐园-hh"])
        li = people.create_person(s, actor=a, name="李秀英", gender="female", birth_year=1980, phone="13700001111")
        ids["张晓明"], ids["单田芳"], ids["李秀英"] = zhang.id, shan.id, li.id
        orgs.add_membership(s, actor=a, person_id=li.id, organisation_id=ids["荣雅园社区-rc"], role="micro_grid_worker",
                            scope_place_id=ids["荣雅园-mg"])
        lighting = categories.find_category(s, "lighting")
        charging = categories.find_category(s, "ebike_charging")
        r1 = requests.create_request(s, actor=a, channel="bench_meeting", type="help", category_id=lighting.id,
                                     title="夜间路灯昏暗", place_id=ids["荣雅园"], reporter_id=zhang.id,
                                     at=NOW - timedelta(days=10))
        requests.transition(s, actor=a, request_id=r1.id, to_status="accepted", at=NOW - timedelta(days=10))
        r2 = requests.create_request(s, actor=a, channel="wechat_group", type="report", category_id=charging.id,
                                     title="电动车充电难", place_id=ids["荣乐园"], reporter_id=shan.id,
                                     at=NOW - timedelta(days=3))
        r3 = requests.create_request(s, actor=a, channel="hotline_12345", type="complaint", category_id=lighting.id,
                                     title="楼道灯不亮", place_id=ids["荣乐园"], anonymous=True,
                                     at=NOW - timedelta(days=1))
        ids["r1"], ids["r2"], ids["r3"] = r1.id, r2.id, r3.id
    return ids
