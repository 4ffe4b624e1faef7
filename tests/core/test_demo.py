"""The demo street (core.demo): counts, invariants, the article's stories, determinism,
and refusal to build over existing data. Built at small scale (street scale is for
benchmarks/, it takes half a minute).

The read-only checks share one small street per backend (``built``, on SQLite and
PostgreSQL, from the session templates in conftest); tests that write or build
differently use the per-test ``db`` / ``sqlite_db`` fixtures.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from gongzhi.core.db import Database
from gongzhi.core.demo import DEFAULT_NOW, SCALES, STAGES, Scale, build_demo, overview
from gongzhi.core.demo.build import summarise
from gongzhi.core.demo.street import DEPARTMENTS
from gongzhi.core.errors import DomainError
from gongzhi.core.models import (
    AuditLog,
    Membership,
    Organisation,
    Person,
    PersonCareTag,
    Place,
    RefCounter,
    Request,
    RequestCategory,
    RequestDispatch,
    RequestEvent,
    RequestFeedback,
    RequestSupporter,
)
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.pinyin import search_keys
from gongzhi.core.services import Actor
from gongzhi.core.services.categories import DEFAULT_CATEGORIES
from gongzhi.core.services.places import create_place
from gongzhi.core.services.requests import create_request, replay_status
from gongzhi.core.validation import normalise_id_number, normalise_phone
from tests.dbs import pg_database, sqlite_copy

NAMED_COMPOUNDS = ("盛康园", "盛福园", "荣雅园", "荣诚园", "欢畅园", "荣乐园", "荣溪园")


def _places(session) -> dict[int, Place]:
    return {p.id: p for p in session.scalars(select(Place))}


def _orgs(session) -> dict[int, Organisation]:
    return {o.id: o for o in session.scalars(select(Organisation))}


def _story(session, summary, key: str) -> Request:
    return session.scalar(select(Request).where(Request.ref == summary.stories[key]))


def _events(session, request_id: int) -> list[RequestEvent]:
    return list(session.scalars(select(RequestEvent).where(RequestEvent.request_id == request_id)
                                .order_by(RequestEvent.id)))


@dataclass
class Built:
    db: Database
    summary: object
    progress: list[tuple[str, int, int]]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """The small demo street, built once per module on SQLite and on PostgreSQL."""
    data = tmp_path_factory.mktemp("demo-data")
    with ExitStack() as stack:
        if request.param == "sqlite":
            db = sqlite_copy(request.getfixturevalue("sqlite_template"), data / "demo.sqlite")
            stack.callback(db.dispose)
        else:
            db = stack.enter_context(pg_database(request.getfixturevalue("pg_url"), "gz_demo",
                                                 template=request.getfixturevalue("pg_template")))
        seen: list[tuple[str, int, int]] = []
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("GONGZHI_DATA_DIR", str(data))  # the services write attachment folders there
            summary = build_demo(db, actor=Actor("测试办事员"), progress=lambda *a: seen.append(a))
        yield Built(db, summary, seen)


@pytest.fixture
def demo(built):
    return built.summary


@pytest.fixture
def bdb(built) -> Database:
    return built.db


# -- counts -----------------------------------------------------------------------


def test_small_street_counts(bdb, demo):
    assert demo.scale == "small" and demo.seed == 2014 and demo.now == DEFAULT_NOW.isoformat()
    assert (demo.communities, demo.compounds, demo.micro_grids) == (15, 24, 196)
    assert demo.residents == SCALES["small"].residents
    assert 1500 <= demo.requests <= 1600
    assert demo.events > 5 * demo.requests
    assert demo.dispatches > 0 and demo.feedback > 0 and demo.supporters >= 3
    assert demo.open_requests > 0
    with bdb.read_session() as s:
        names = set(s.scalars(select(Place.name).where(Place.kind == "compound")))
        assert set(NAMED_COMPOUNDS) <= names
        street = s.scalar(select(Place).where(Place.kind == "street"))
        assert street.name == "青（广）源街道" and "北辰区" in street.notes
        o = overview(s, now=DEFAULT_NOW)
        assert o["street"] == "青（广）源街道"
        assert o["places"]["community"] == 15 and o["places"]["compound"] == 24
        assert o["places"]["micro_grid"] == 196
        assert o["people"] == demo.people and o["requests_total"] == demo.requests
        assert o["overdue"] == demo.overdue
        assert sum(o["requests"].values()) == demo.requests
        # the summary is what the database holds
        assert {k: v for k, v in summarise(s, now=DEFAULT_NOW).items()} == {
            k: getattr(demo, k) for k in summarise(s, now=DEFAULT_NOW)
        }


def test_housing_types_and_points_of_interest(bdb, demo):
    with bdb.read_session() as s:
        places = _places(s)
        compounds = {p.name: p for p in places.values() if p.kind == "compound"}
        assert {p.housing_type for p in compounds.values()} == {
            "public_rental", "relocation", "price_capped", "commodity"}
        assert compounds["盛康园"].housing_type == compounds["盛福园"].housing_type == "public_rental"
        assert all(p.housing_type for p in places.values() if p.kind == "building")
        assert {p.poi_kind for p in places.values() if p.kind == "poi"} >= {
            "gate", "street_lamp", "charging_shed", "notice_board"}
        # micro-grids: 5–6 floors of a high-rise public-rental building, concentrated in 盛康园/盛福园
        per_compound = Counter()
        for mg in (p for p in places.values() if p.kind == "micro_grid"):
            building = places[mg.parent_id]
            assert building.kind == "building" and building.housing_type == "public_rental"
            assert 5 <= mg.floor_to - mg.floor_from + 1 <= 6
            assert building.floor_from <= mg.floor_from <= mg.floor_to <= building.floor_to
            per_compound[places[building.parent_id].name] += 1
        assert per_compound["盛康园"] + per_compound["盛福园"] > 196 / 2
        # the stories' new facilities
        under = defaultdict(list)
        for p in places.values():
            if p.kind == "poi":
                under[places[p.parent_id].name].append(p)
        assert sum(p.poi_kind == "charging_shed" and p.name.startswith("智能充电车棚") for p in under["荣乐园"]) == 8
        assert sum(p.name.startswith("公共晾衣架") for p in under["荣诚园"]) == 6
        assert any(p.name == "通往菜市场小门" and p.poi_kind == "gate" for p in under["欢畅园"])


# -- invariants -------------------------------------------------------------------


def test_place_tree_invariants(bdb, demo):
    with bdb.read_session() as s:
        places = _places(s)
    for p in places.values():
        parent = places.get(p.parent_id)
        assert p.path == f"{parent.path if parent else '/'}{p.id}/", p
        if p.kind == "community":
            assert p.community_id == p.id
        else:
            assert p.community_id == (parent.community_id if parent else None), p
        if p.kind == "household":
            assert parent.kind in ("micro_grid", "building")
            if parent.kind == "building":
                assert not any(c.parent_id == parent.id and c.kind == "micro_grid" for c in places.values())
    # sibling names are unique (the database says so too)
    assert len({(p.parent_id, p.kind, p.name) for p in places.values()}) == len(places)


def test_people_invariants(bdb, demo):
    with bdb.read_session() as s:
        people = list(s.scalars(select(Person)))
        tags = Counter(s.scalars(select(PersonCareTag.tag)))
    assert len(people) == demo.people
    ref_year = DEFAULT_NOW.astimezone(LOCAL_TZ).year
    for p in people:
        assert p.search_keys == search_keys(p.name)
        assert 2 <= len(p.name) <= 3
        if p.phone is not None:
            assert normalise_phone(p.phone) == p.phone and p.phone_tail == p.phone[-4:]
        else:
            assert p.phone_tail is None
        if p.id_number is not None:
            assert normalise_id_number(p.id_number) == p.id_number
            assert int(p.id_number[6:10]) == p.birth_year
            assert int(p.id_number[16]) % 2 == (1 if p.gender == "male" else 0)
        assert p.created_at.tzinfo is not None
    residents = [p for p in people if p.household_id is not None]
    elderly = sum(ref_year - p.birth_year >= 60 for p in residents)
    assert elderly / len(residents) > 0.25  # skewed old, as the article says
    assert sum(p.id_number is not None for p in people) > len(people) / 5
    assert len({p.phone for p in people if p.phone}) == sum(1 for p in people if p.phone)
    assert tags  # some priority-care tags
    surnames = Counter(p.name[0] for p in people)
    assert surnames.most_common(1)[0][0] in "王李张刘陈"


def test_request_invariants(bdb, demo):
    with bdb.read_session() as s:
        requests = list(s.scalars(select(Request).order_by(Request.id)))
        events = defaultdict(list)
        for e in s.scalars(select(RequestEvent).order_by(RequestEvent.id)):
            events[e.request_id].append(e)
        counters = {c.year: c.last for c in s.scalars(select(RefCounter).where(RefCounter.prefix == "QY"))}
        feedback_ids = set(s.scalars(select(RequestFeedback.id)))
        dispatch_rows = {d.id: d for d in s.scalars(select(RequestDispatch))}
    numbers = defaultdict(list)
    for r in requests:
        timeline = events[r.id]
        assert timeline and timeline[0].kind == "created"
        assert r.status == replay_status(timeline), r.ref
        ats = [e.at for e in timeline]
        assert ats == sorted(ats), r.ref
        assert timeline[0].at == r.created_at <= DEFAULT_NOW
        assert r.due_at > r.created_at
        m = re.fullmatch(r"QY-(\d{4})-(\d{6})", r.ref)
        assert m and int(m.group(1)) == r.created_at.astimezone(LOCAL_TZ).year
        numbers[int(m.group(1))].append(int(m.group(2)))
        if r.status != "submitted":
            assert r.first_response_at is not None
        if r.status in ("resolved", "answered"):
            assert r.resolved_at is not None
        if r.status == "closed":
            assert r.closed_at is not None
        if r.status == "duplicate":
            assert r.duplicate_of_id is not None
        assert not (r.anonymous and r.reporter_id is not None)
        for e in timeline:
            if e.kind == "feedback":
                assert e.data["feedback_id"] in feedback_ids
            if e.kind in ("report_in", "dispatch_result", "rating"):
                assert dispatch_rows[e.data["dispatch_id"]].request_id == r.id
            if e.kind == "dispatch":
                assert all(dispatch_rows[d["id"]].request_id == r.id for d in e.data["dispatches"])
    # ref numbers: 1..n per year, and the counter sits on the last one
    for year, nums in numbers.items():
        assert sorted(nums) == list(range(1, len(nums) + 1))
        assert counters[year] == len(nums)
    statuses = Counter(r.status for r in requests)
    assert statuses["closed"] > 0.8 * len(requests)
    assert Counter(r.channel for r in requests).keys() >= {
        "bench_meeting", "hotline_12345", "jinzhitong", "wechat_group", "snapshot", "patrol"}


def test_later_requests_continue_the_sequences(db, actor):
    """Bulk ids and refs leave the counters and (on PostgreSQL) the id sequences consistent."""
    demo = build_demo(db, actor=actor)
    with db.session() as s:
        last_2026 = s.scalar(select(RefCounter.last).where(RefCounter.prefix == "QY", RefCounter.year == 2026))
        street = s.scalar(select(Place).where(Place.kind == "street"))
        category = s.scalar(select(RequestCategory).where(RequestCategory.code == "other"))
        r = create_request(s, actor=actor, channel="walk_in", type="help", category_id=category.id,
                           title="演示之后的新诉求", place_id=street.id,
                           at=datetime(2026, 11, 2, 2, 0, tzinfo=UTC))
        assert r.ref == f"QY-2026-{last_2026 + 1:06d}"
        assert r.id == demo.requests + 1
        place = create_place(s, actor=actor, kind="poi", name="新建设施", parent_id=street.id, poi_kind="other")
        assert place.id == s.scalar(select(func.max(Place.id)))


def test_categories_have_default_departments(bdb, demo):
    with bdb.read_session() as s:
        cats = {c.code: c for c in s.scalars(select(RequestCategory))}
        orgs = _orgs(s)
    assert set(cats) >= {code for code, *_ in DEFAULT_CATEGORIES}
    for code in ("lighting", "safety_hazard", "ebike_charging", "high_rise_littering", "sanitation"):
        assert orgs[cats[code].default_department_id].kind == "department"
    assert "消防" in orgs[cats["ebike_charging"].default_department_id].name


# -- organisations ------------------------------------------------------------------


def test_organisations_and_cross_appointments(bdb, demo):
    with bdb.read_session() as s:
        orgs = _orgs(s)
        places = _places(s)
        members = list(s.scalars(select(Membership)))
    by_kind = defaultdict(list)
    for o in orgs.values():
        by_kind[o.kind].append(o)
    assert len(by_kind["residents_committee"]) == 15
    assert len([o for o in by_kind["party_committee"] if places[o.place_id].kind == "community"]) == 15
    assert len(by_kind["party_branch"]) == len(by_kind["property_company"]) == len(by_kind["owners_committee"]) == 24
    dept_names = " ".join(o.name for o in by_kind["department"])
    assert all(word in dept_names for word in ("消防", "城管", "供电"))
    assert len(by_kind["department"]) == len(DEPARTMENTS)
    assert [o.name for o in by_kind["rider_station"]] == ["先蜂骑手加油站"]
    assert by_kind["volunteer_team"]
    # the 4-level chain: community party org → compound branch → building group → household hub
    assert by_kind["party_household_hub"]
    for hub in by_kind["party_household_hub"]:
        group = orgs[hub.parent_id]
        branch = orgs[group.parent_id]
        committee = orgs[branch.parent_id]
        assert (group.kind, branch.kind, committee.kind) == ("party_group", "party_branch", "party_committee")
        assert places[hub.place_id].kind == "household"
        assert places[group.place_id].kind == "building"
        assert places[branch.place_id].kind == "compound"
        assert places[committee.place_id].kind == "community"
        assert places[hub.place_id].path.startswith(places[group.place_id].path)
    posts = defaultdict(set)
    for m in members:
        posts[m.person_id].add(orgs[m.organisation_id].kind)
        if m.role == "micro_grid_worker":
            scope = places[m.scope_place_id]
            assert scope.kind == "micro_grid"
            assert scope.path.startswith(places[orgs[m.organisation_id].place_id].path)
        if m.role == "grid_worker":
            assert places[m.scope_place_id].kind == "compound"
    assert sum(m.role == "micro_grid_worker" for m in members) == 196
    assert {m.scope_place_id for m in members if m.role == "micro_grid_worker"} == {
        p.id for p in places.values() if p.kind == "micro_grid"}
    riders = [m for m in members if m.role == "mobile_grid_worker"]
    assert riders and all(orgs[m.organisation_id].kind == "rider_station" for m in riders)
    # 双向进入、交叉任职
    assert any({"residents_committee", "owners_committee"} <= kinds for kinds in posts.values())
    assert any({"property_company", "party_branch"} <= kinds for kinds in posts.values())
    assert any({"party_committee", "residents_committee"} <= kinds for kinds in posts.values())


# -- the article's stories -------------------------------------------------------------


def test_the_five_stories(bdb, demo):
    assert set(demo.stories) == {"lamps", "littering", "racks", "gate", "sheds"}
    with bdb.read_session() as s:
        places = _places(s)
        orgs = _orgs(s)
        stories = {k: _story(s, demo, k) for k in demo.stories}
        for key, r in stories.items():
            assert r.status == "closed", key
            tl = _events(s, r.id)
            assert r.status == replay_status(tl)
            assert [e.to_status for e in tl if e.kind == "transition"][-2:] == ["resolved", "closed"]
            fb = s.scalars(select(RequestFeedback).where(RequestFeedback.request_id == r.id)).all()
            assert [f.satisfaction for f in fb] == ["satisfied"]
            assert all(e.at <= DEFAULT_NOW for e in tl)

        def compound_of(r: Request) -> str:
            node = places[r.place_id]
            while node.kind != "compound":
                node = places[node.parent_id]
            return node.name

        lamps = stories["lamps"]
        assert lamps.channel == "bench_meeting" and compound_of(lamps) == "荣雅园"
        supporters = s.scalars(select(RequestSupporter).where(RequestSupporter.request_id == lamps.id)).all()
        assert len(supporters) >= 2
        ref_year = DEFAULT_NOW.astimezone(LOCAL_TZ).year
        elders = s.scalars(select(Person).where(Person.id.in_([x.person_id for x in supporters] + [lamps.reporter_id]))).all()
        assert all(ref_year - p.birth_year >= 60 for p in elders)
        dups = s.scalars(select(Request).where(Request.duplicate_of_id == lamps.id)).all()
        assert len(dups) == len(supporters) and all(d.channel == "bench_meeting" for d in dups)

        littering = stories["littering"]
        assert littering.channel == "wechat_group" and compound_of(littering) == "盛康园"
        assert "摄像头" in " ".join(e.public_note for e in _events(s, littering.id))

        racks = stories["racks"]
        assert compound_of(racks) == "荣诚园"
        notes = [e.public_note for e in _events(s, racks.id)]
        assert sum("协商会" in n for n in notes) >= 3
        assert any("6组" in n for n in notes)

        gate = stories["gate"]
        assert places[gate.place_id].name == "通往菜市场小门" and compound_of(gate) == "欢畅园"
        assert gate.resolved_at - gate.created_at <= timedelta(days=32)
        assert any("1.8米" in e.public_note for e in _events(s, gate.id))

        sheds = stories["sheds"]
        assert compound_of(sheds) == "荣乐园"
        whistles = s.scalars(select(RequestDispatch).where(RequestDispatch.request_id == sheds.id)).all()
        assert len(whistles) == 3 and all(d.whistle for d in whistles)
        names = [orgs[d.organisation_id].name for d in whistles]
        assert all(orgs[d.organisation_id].kind == "department" for d in whistles)
        assert any("消防" in n for n in names) and any("城管" in n for n in names) and any("供电" in n for n in names)
        assert all(d.reported_at and d.result and d.rating for d in whistles)
        kinds = Counter(e.kind for e in _events(s, sheds.id))
        assert kinds["report_in"] == 3 and kinds["dispatch_result"] == 3 and kinds["rating"] == 3
        assert sheds.resolved_at - sheds.created_at < timedelta(days=60)
        assert any("8处" in e.public_note for e in _events(s, sheds.id))


# -- determinism, refusal, progress ---------------------------------------------------------

_COMPARED = {
    "place": "select id, kind, name, parent_id, path, community_id, housing_type, floor_from, floor_to, poi_kind, created_at from place order by id",
    "person": "select id, name, gender, birth_year, phone, id_number, household_id, search_keys, created_at from person order by id",
    "person_care_tag": "select person_id, tag from person_care_tag order by id",
    "organisation": "select id, kind, name, place_id, parent_id from organisation order by id",
    "membership": "select person_id, organisation_id, role, scope_place_id, start_date, end_date from membership order by id",
    "request": "select id, ref, channel, title, description, place_id, reporter_id, status, priority, lead_org_id, created_at, due_at, resolved_at, closed_at from request order by id",
    "request_event": "select request_id, at, actor, kind, from_status, to_status, public_note from request_event order by id",
    "request_dispatch": "select request_id, organisation_id, role, whistle, dispatched_at, result, rating from request_dispatch order by id",
    "request_feedback": "select request_id, at, satisfaction, comment from request_feedback order by id",
    "ref_counter": "select prefix, year, last from ref_counter order by prefix, year",
}


def _dump(db: Database) -> dict[str, list]:
    with db.read_session() as s:
        return {name: [tuple(row) for row in s.execute(text(sql))] for name, sql in _COMPARED.items()}


def test_same_seed_same_street(sqlite_template, tmp_path, actor):
    dbs = [sqlite_copy(sqlite_template, tmp_path / f"demo{i}.sqlite") for i in range(3)]
    try:
        build_demo(dbs[0], seed=7, actor=actor)
        build_demo(dbs[1], seed=7, actor=actor)
        build_demo(dbs[2], seed=8, actor=actor)
        a, b, c = (_dump(db) for db in dbs)
    finally:
        for db in dbs:
            db.dispose()
    for name in _COMPARED:
        assert a[name] == b[name], name
    assert a["person"] != c["person"] and a["request"] != c["request"]
    # the geography does not depend on the seed, the people and their requests do
    assert [r[:3] for r in a["place"] if r[1] in ("community", "compound", "building", "micro_grid")] == [
        r[:3] for r in c["place"] if r[1] in ("community", "compound", "building", "micro_grid")]


def test_refuses_a_database_that_holds_data(db, actor):
    with db.session() as s:
        create_place(s, actor=actor, kind="street", name="另一条街道")
    tables = ("place", "person", "organisation", "membership", "request", "request_category",
              "audit_log", "ref_counter", "request_event")

    def counts():
        with db.read_session() as s:
            return {t: s.execute(text(f"select count(*) from {t}")).scalar_one() for t in tables}

    before = counts()
    seen = []
    with pytest.raises(DomainError) as err:
        build_demo(db, actor=actor, progress=lambda *a: seen.append(a))
    assert err.value.code == "demo.not_empty"
    assert counts() == before
    assert seen == []


def test_progress_and_audit(built):
    seen, summary = built.progress, built.summary
    stages = list(dict.fromkeys(stage for stage, _, _ in seen))
    assert stages == list(STAGES)
    for stage in STAGES:
        mine = [(d, t) for st, d, t in seen if st == stage]
        assert all(0 <= d <= t for d, t in mine)
        assert mine[-1][0] == mine[-1][1]
    assert max(t for st, _, t in seen if st == "requests") == SCALES["small"].requests
    with built.db.read_session() as s:
        bulk = s.scalars(select(AuditLog).where(AuditLog.action == "demo.build")).all()
        assert [a.entity for a in bulk] == ["places", "people", "organisations", "memberships", "requests"]
        assert all(a.actor == "测试办事员" and a.after["seed"] == 2014 for a in bulk)
        # the bulk rows are not audited one by one; the stories went through the services
        assert s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "request.create")) == (
            len(summary.stories) + 3)


def test_a_tiny_custom_scale(sqlite_db, actor):
    """A scaled-down street still has its whole geography, all posts filled and every story."""
    tiny = Scale("tiny", residents=40, requests=150, years=1, riders=2)
    now = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)
    summary = build_demo(sqlite_db, scale=tiny, seed=1, actor=actor, now=now)
    assert (summary.scale, summary.residents, summary.micro_grids) == ("tiny", 40, 196)
    assert summary.requests == 150 + len(summary.stories) + 3
    assert set(summary.stories) == {"lamps", "littering", "racks", "gate", "sheds"}
    with sqlite_db.read_session() as s:
        first = s.scalar(select(func.min(Request.created_at)))
        assert first >= now - timedelta(days=365 + 1)


def test_bad_arguments(sqlite_db, actor):
    with pytest.raises(DomainError) as err:
        build_demo(sqlite_db, scale="city", actor=actor)
    assert err.value.code == "input.invalid_choice"
    with pytest.raises(ValueError):
        build_demo(sqlite_db, actor=actor, now=datetime(2026, 1, 1))
    with sqlite_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Place)) == 0
        empty = overview(s)
    assert empty["street"] is None and empty["requests_total"] == 0 and empty["overdue"] == 0


# -- the bulk path stores what the models store -----------------------------------------------


def _comparable(values) -> tuple:
    # psycopg's Json wrapper (what SQLAlchemy hands psycopg for JSON) has no equality of its own
    return tuple(("Json", v.obj) if type(v).__name__ == "Json" else v for v in values)


@pytest.mark.parametrize("dialect_name", ["sqlite", "postgresql"])
def test_bulk_rows_are_converted_as_sqlalchemy_converts_them(dialect_name):
    """The demo's bulk inserts skip SQLAlchemy's per-row processing; the values handed to the
    driver must still be exactly what the column types would hand it (text stored on SQLite)."""
    from zoneinfo import ZoneInfo

    from sqlalchemy.dialects import postgresql, sqlite

    from gongzhi.core.demo.bulk import row_converter, sqlite_utc_text

    dialect = sqlite.dialect() if dialect_name == "sqlite" else postgresql.psycopg.dialect()
    table = RequestEvent.__table__
    columns = ("id", "request_id", "at", "actor", "kind", "from_status", "to_status", "public_note",
               "private_note", "data")
    convert = row_converter(table, columns, dialect, sqlite_utc_text(cache_size=3))
    times = [
        datetime(2026, 11, 1, 9, 0, tzinfo=LOCAL_TZ),
        datetime(2026, 11, 1, 1, 0, tzinfo=UTC),  # the same instant: the same text
        datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=LOCAL_TZ),
        datetime(2025, 7, 4, 12, 30, 5, 120, tzinfo=ZoneInfo("America/New_York")),
        datetime(2026, 1, 1, 0, 0, tzinfo=LOCAL_TZ),
    ]
    datas = [None, {"dispatch_id": 7, "organisation": "消防站", "dispatches": [{"id": 1, "role": "lead"}]},
             {"reopened_by_feedback": 3, "ok": True, "x": 1.5, "none": None}, "文本", [1, "二"]]
    for at in times * 2:  # twice: the second time from the converter's memory (which overflows)
        for data in datas:
            row = {"id": 1, "request_id": 2, "at": at, "actor": "张秀英（荣雅园社区）", "kind": "feedback",
                   "from_status": None, "to_status": "closed", "public_note": "满意", "private_note": "",
                   "data": data}
            expected = []
            for name in columns:
                process = table.c[name].type._cached_bind_processor(dialect)
                expected.append(process(row[name]) if process else row[name])
            assert _comparable(convert(row)) == _comparable(expected), (at, data)
    with pytest.raises(ValueError):
        convert({**row, "at": datetime(2026, 1, 1, 9, 0)})  # naive: refused, as the type refuses it


def test_the_search_index_and_communities_hold_every_demo_request(bdb):
    """The demo fills the search index after its bulk insert (SQLite) and writes each
    request's community itself: both agree with the rows, and the trigger is back."""
    from sqlalchemy import or_

    from gongzhi.core.models.places import Place
    from gongzhi.core.services.requests import RequestFilter, count_requests

    with bdb.read_session() as s:
        for query in ("漏水", "电梯", "灯", "QY-20", "没有这样的事"):
            like = f"%{query}%"
            brute = s.scalar(select(func.count()).select_from(Request).where(
                or_(Request.title.like(like), Request.description.like(like), Request.ref.like(like))))
            assert count_requests(s, RequestFilter(text=query)) == brute, query
        wrong = s.scalar(select(func.count()).select_from(Request).join(Place, Place.id == Request.place_id)
                         .where(Request.community_id.is_distinct_from(Place.community_id)))
        assert wrong == 0
        if bdb.url.startswith("sqlite"):
            names = set(s.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
            assert "request_fts_insert" in names


# -- the bulk path's hash chain, indexes and garbage collection --------------------------------


def test_the_bulk_linker_hashes_as_the_chain_does():
    """``gongzhi.core.demo.bulk.chain_linker`` writes the text ``gongzhi.core.chain.row_hash`` hashes by hand;
    for dict rows and for list rows (all columns or some) it must give the same hashes, also
    for values the demo never writes (enums, decimals, dates, odd keys and strings)."""
    import copy
    import enum
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    from gongzhi.core.chain import row_hash
    from gongzhi.core.demo.bulk import chain_linker, sqlite_utc_text, utc_iso
    from gongzhi.core.models.vocab import Status

    class Colour(enum.Enum):
        red = 1

    class Level(enum.IntEnum):
        high = 2

    table = RequestEvent.__table__
    columns = ["id", "request_id", "at", "actor", "kind", "from_status", "to_status", "public_note",
               "private_note", "data"]
    times = [datetime(2026, 11, 1, 9, 0, tzinfo=LOCAL_TZ), datetime(2026, 11, 1, 1, 0, tzinfo=UTC),
             datetime(2020, 1, 1, 12, 0), datetime(2025, 7, 4, 12, 30, 5, 120, tzinfo=ZoneInfo("America/New_York")),
             datetime(1, 1, 1, tzinfo=UTC)]
    datas = [None, {}, "文本", 3, 2.5, True, float("nan"), float("inf"), Decimal("3.10"), Level.high, [1, "二", None],
             {"dispatch_id": 7, "organisation": "消防站\"\\\n\x01\u2028", "dispatches": [{"id": 1, "role": "lead"}],
              "pair": (1, 2)},
             {1: "x", None: 3, "f": 1.5, "big": 10**30, "d": Decimal("1.10"), "day": date(2024, 2, 29),
              "e": Colour.red, "s": Status.closed, "when": times[0], "naive": times[2],
              "nested": {"n": [times[3], {"z": None}], "b": False}}]
    rows = []
    for i, at in enumerate(times):
        for data in datas:
            rows.append({"id": i, "request_id": 2, "at": at, "actor": "张\"秀英（荣雅园）", "kind": "feedback",
                         "from_status": None, "to_status": "closed", "public_note": "满意\t", "private_note": "",
                         "data": data})
            rows.append({"id": i, "request_id": Level.high, "at": date(2020, 1, 1), "actor": 5, "kind": Status.closed,
                         "from_status": True, "to_status": 1.5, "public_note": b"x", "private_note": "", "data": data})
    rows.append({"id": 1, "request_id": 3})  # the columns left out count as NULL

    def expected(start, names=None):
        previous, out = start, []
        for row in rows:
            values = row if names is None else {c: row.get(c) for c in names}
            previous = row_hash(table, previous, values)
            out.append(previous)
        return out

    some = [c for c in columns if c not in ("kind", "data")]
    for start in (None, "", "0" * 64, 'not "hex"'):
        # a tiny time cache, so that it is cleared and refilled on the way
        iso = utc_iso(sqlite_utc_text(cache_size=3), cache_size=2)
        dicts = copy.deepcopy(rows)
        last = chain_linker(table, iso)(dicts, start)
        assert [r["hash"] for r in dicts] == expected(start) and last == expected(start)[-1]
        for names in (columns, some):
            lists = [[r.get(c) for c in names] for r in copy.deepcopy(rows)]
            last = chain_linker(table, iso, names)(lists, start)
            assert [r[-1] for r in lists] == expected(start, names) and last == expected(start, names)[-1]
            assert all(len(r) == len(names) + 1 for r in lists)
    with pytest.raises(ValueError):
        chain_linker(table, None, [*columns, "hash"])


def test_the_bulk_stages_leave_the_schema_and_the_chains_as_they_were(built, request):
    """The requests' and the registry's indexes (and the search trigger) are dropped for the
    bulk inserts and made again from their stored SQL: the schema is the migrated one; the
    timeline's hash chain holds."""
    from gongzhi.core.chain import verify_chains

    with built.db.engine.connect() as conn:
        assert verify_chains(conn) == []
    if not built.db.url.startswith("sqlite"):
        return
    schema = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
    template = sqlite_copy(request.getfixturevalue("sqlite_template"), built.db.sqlite_path.with_name("schema.sqlite"))
    try:
        with template.engine.connect() as a, built.db.engine.connect() as b:
            assert b.execute(text(schema)).all() == a.execute(text(schema)).all()
            assert b.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    finally:
        template.dispose()


def test_a_failed_requests_stage_keeps_its_indexes(sqlite_db, actor, monkeypatch):
    """The indexes are dropped inside the stage's transaction: a stage that fails rolls the
    drop back with its rows."""
    from gongzhi.core.demo.requests_bulk import RequestBuilder

    schema = "SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name"
    with sqlite_db.engine.connect() as conn:
        before = conn.execute(text(schema)).all()
    built = RequestBuilder._build

    def fail_after_the_inserts(self):
        built(self)
        raise RuntimeError("boom")

    monkeypatch.setattr(RequestBuilder, "_build", fail_after_the_inserts)
    with pytest.raises(RuntimeError, match="boom"):
        build_demo(sqlite_db, scale=Scale("tiny", residents=40, requests=60, years=1, riders=2), actor=actor)
    with sqlite_db.engine.connect() as conn:
        assert conn.execute(text(schema)).all() == before
        assert conn.execute(text("SELECT count(*) FROM request")).scalar_one() == 0
        assert conn.execute(text("SELECT count(*) FROM person")).scalar_one() > 0  # the registry's stage stays


def test_the_build_gives_garbage_collection_back(sqlite_template, tmp_path, actor):
    import gc

    tiny = Scale("tiny", residents=40, requests=60, years=1, riders=2)
    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            db = sqlite_copy(sqlite_template, tmp_path / f"gc-{enabled}.sqlite")
            try:
                build_demo(db, scale=tiny, actor=actor)
            finally:
                db.dispose()
            assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
