"""The permission matrix (issue 15): every service function that declares a permission
(``gongzhi.core.permissions.requires``) × every role × a target inside and outside the
role's place, called for real on one small street per database.

Generated from the declarations: a declared service without a row in :data:`CASES` fails
:func:`test_every_declared_service_has_a_case`, and what each call must do comes from the
declared permission and the roles that hold it, never from the table:

- an action or a one-row read is allowed iff the role holds the permission and the
  target lies in the role's place (street_admin, granted on the street, everywhere);
  refused with ``permission.denied`` otherwise, writing nothing;
- a list is refused only when the role holds the permission nowhere; otherwise it shows
  the target iff the target lies in the role's place.

Each role is granted on 盛康社区 (street_admin on the street); the targets inside are
盛康社区's, those outside 荣雅社区's. An account without any role is refused everything.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gongzhi.core import permissions
from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.models.requests import Request
from gongzhi.core.services import Actor
from gongzhi.core.services import audit as audit_svc
from gongzhi.core.services import categories as cat_svc
from gongzhi.core.services import open311 as open311_svc
from gongzhi.core.services import operators as op_svc
from gongzhi.core.services import orgs as org_svc
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.services import stats as stats_svc
from tests.core.helpers import World, build_world, count_rows, fresh_database, move
from tests.core.test_operators import plugin_service_modules

ADMIN = Actor("测试办事员")  # the implicit local operator: builds the street and the targets
NO_ROLE = "no_role"  # an account without any grant
ROLES = (*permissions.ROLES, NO_ROLE)
_n = itertools.count()


@dataclass
class Street:
    db: Database
    w: World
    actors: dict[str, Actor]
    # the targets by side: "in" (盛康社区, the roles' community) and "out" (荣雅社区)
    t: dict[str, dict[str, Any]]


@dataclass
class Case:
    """How to call one service on a side's target: ``call(s, actor, street, side, x)``,
    where ``x`` is what ``setup(street, side)`` made for this call beforehand (a fresh
    request, a fresh household …; the test's tmp folder when there is no setup); for a
    list, ``sees(result, street, side)`` says whether the side's target is in it."""

    call: Callable[..., Any]
    sees: Callable[[Any, Street, str], bool] | None = None
    setup: Callable[[Street, str], Any] | None = None


def _new_request(st: Street, side: str, *statuses: str) -> int:
    with st.db.session() as s:
        r = req_svc.create_request(s, actor=ADMIN, channel="bench_meeting", type="help",
                                   category_id=st.w.category.id, title=f"诉求{next(_n)}",
                                   place_id=st.t[side]["compound"])
    if statuses:
        move(st.db, ADMIN, r.id, *statuses)
    return r.id


def _new_dispatch(st: Street, side: str) -> int:
    rid = _new_request(st, side)
    with st.db.session() as s:
        rows = req_svc.dispatch(s, actor=ADMIN, request_id=rid, organisations=[(st.w.department.id, "lead")],
                                whistle=True)
    return rows[0].id


def _new_household(st: Street, side: str) -> int:
    with st.db.session() as s:
        return place_svc.create_place(s, actor=ADMIN, kind="household", name=f"{next(_n)}室",
                                      parent_id=st.t[side]["building"]).id


def _new_membership(st: Street, side: str) -> int:
    with st.db.session() as s:
        p = people_svc.create_person(s, actor=ADMIN, name=f"委员{next(_n)}", household_id=st.t[side]["household"])
        return org_svc.add_membership(s, actor=ADMIN, person_id=p.id, organisation_id=st.t[side]["org"],
                                      role="member").id


def _ids(rows) -> set[int]:
    return {r.id for r in rows}


def _file(tmp: Path) -> Path:
    path = tmp / f"photo{next(_n)}.jpg"
    path.write_bytes(b"\xff\xd8 a photo")
    return path


CASES: dict[str, Case] = {
    # -- people
    "people.get_person": Case(lambda s, a, st, side, x: people_svc.get_person(s, st.t[side]["person"], actor=a)),
    "people.find_people": Case(
        lambda s, a, st, side, x: people_svc.find_people(s, st.t[side]["person_name"], actor=a),
        lambda rows, st, side: st.t[side]["person"] in _ids(rows)),
    "people.create_person": Case(lambda s, a, st, side, x: people_svc.create_person(
        s, actor=a, name=f"新居民{next(_n)}", household_id=st.t[side]["household"])),
    "people.update_person": Case(lambda s, a, st, side, x: people_svc.update_person(
        s, actor=a, person_id=st.t[side]["person"], notes=f"走访{next(_n)}")),
    "people.reveal_person": Case(lambda s, a, st, side, x: people_svc.reveal_person(
        s, actor=a, person_id=st.t[side]["person"], reason="回访")),
    "people.view_care_tags": Case(lambda s, a, st, side, x: people_svc.view_care_tags(
        s, actor=a, person_id=st.t[side]["person"])),
    # -- places
    "places.get_place": Case(lambda s, a, st, side, x: place_svc.get_place(s, st.t[side]["compound"], actor=a)),
    "places.find_place": Case(lambda s, a, st, side, x: place_svc.find_place(
        s, st.t[side]["compound_name"], actor=a)),
    "places.search_places": Case(
        lambda s, a, st, side, x: place_svc.search_places(s, st.t[side]["compound_name"], actor=a),
        lambda rows, st, side: st.t[side]["compound"] in _ids(rows)),
    "places.children": Case(
        lambda s, a, st, side, x: place_svc.children(s, st.t[side]["community"], actor=a),
        lambda rows, st, side: st.t[side]["compound"] in _ids(rows)),
    "places.subtree": Case(
        lambda s, a, st, side, x: place_svc.subtree(s, place_svc.get_place(s, st.t[side]["building"]), actor=a),
        lambda rows, st, side: st.t[side]["building"] in _ids(rows)),
    "places.create_place": Case(lambda s, a, st, side, x: place_svc.create_place(
        s, actor=a, kind="household", name=f"{next(_n)}室", parent_id=st.t[side]["building"])),
    "places.update_place": Case(lambda s, a, st, side, x: place_svc.update_place(
        s, actor=a, place_id=st.t[side]["compound"], notes=f"备注{next(_n)}")),
    "places.move_place": Case(lambda s, a, st, side, x: place_svc.move_place(
        s, actor=a, place_id=x, new_parent_id=st.t[side]["grid"]), setup=_new_household),
    "places.delete_place": Case(lambda s, a, st, side, x: place_svc.delete_place(s, actor=a, place_id=x),
                                setup=_new_household),
    # -- organisations
    "orgs.get_organisation": Case(lambda s, a, st, side, x: org_svc.get_organisation(
        s, st.t[side]["org"], actor=a)),
    "orgs.find_organisation": Case(lambda s, a, st, side, x: org_svc.find_organisation(
        s, st.t[side]["org_name"], actor=a)),
    "orgs.organisations": Case(
        lambda s, a, st, side, x: org_svc.organisations(s, actor=a),
        lambda rows, st, side: st.t[side]["org"] in _ids(rows)),
    "orgs.members_of": Case(lambda s, a, st, side, x: org_svc.members_of(s, st.t[side]["org"], actor=a)),
    "orgs.memberships_of": Case(lambda s, a, st, side, x: org_svc.memberships_of(
        s, st.t[side]["person"], actor=a)),
    "orgs.create_organisation": Case(lambda s, a, st, side, x: org_svc.create_organisation(
        s, actor=a, kind="owners_committee", name=f"业委会{next(_n)}", place_id=st.t[side]["compound"])),
    "orgs.add_membership": Case(lambda s, a, st, side, x: org_svc.add_membership(
        s, actor=a, person_id=st.t[side]["person"], organisation_id=st.t[side]["org"], role="member",
        scope_place_id=x), setup=_new_household),
    "orgs.end_membership": Case(lambda s, a, st, side, x: org_svc.end_membership(s, actor=a, membership_id=x),
                                setup=_new_membership),
    # -- categories (street-wide: the same call on both sides)
    "categories.create_category": Case(lambda s, a, st, side, x: cat_svc.create_category(
        s, actor=a, code=f"cat{next(_n)}", name_zh="类别", name_en="category")),
    "categories.update_category": Case(lambda s, a, st, side, x: cat_svc.update_category(
        s, actor=a, category_id=st.w.category.id, sla=(240, 120, 48, 24))),
    # -- requests: reading
    "requests.get_request": Case(lambda s, a, st, side, x: req_svc.get_request(s, st.t[side]["request"], actor=a)),
    "requests.find_request": Case(lambda s, a, st, side, x: req_svc.find_request(
        s, st.t[side]["request_ref"], actor=a)),
    "requests.timeline": Case(lambda s, a, st, side, x: req_svc.timeline(s, st.t[side]["request"], actor=a)),
    "requests.dispatches": Case(lambda s, a, st, side, x: req_svc.dispatches(s, st.t[side]["request"], actor=a)),
    "requests.feedbacks": Case(lambda s, a, st, side, x: req_svc.feedbacks(s, st.t[side]["request"], actor=a)),
    "requests.supporters": Case(lambda s, a, st, side, x: req_svc.supporters(s, st.t[side]["request"], actor=a)),
    "requests.attachments": Case(lambda s, a, st, side, x: req_svc.attachments(
        s, st.t[side]["request"], actor=a)),
    "requests.list_requests": Case(
        lambda s, a, st, side, x: req_svc.list_requests(s, actor=a, limit=1000),
        lambda page, st, side: st.t[side]["request"] in _ids(page.rows)),
    "requests.list_page": Case(
        lambda s, a, st, side, x: req_svc.list_page(s, actor=a, limit=1000),
        lambda page, st, side: st.t[side]["request"] in _ids(page.rows)),
    "requests.count_requests": Case(
        lambda s, a, st, side, x: req_svc.count_requests(
            s, req_svc.RequestFilter(community_id=st.t[side]["community"]), actor=a),
        lambda n, st, side: n > 0),
    "requests.count_by_status": Case(
        lambda s, a, st, side, x: req_svc.count_by_status(s, actor=a),
        # the two targets are the only requests in these statuses
        lambda counts, st, side: counts.get(st.t[side]["request_status"], 0) > 0),
    "requests.scoped_conditions": Case(
        lambda s, a, st, side, x: set(s.scalars(select(Request.id).where(
            *req_svc.scoped_conditions(s, None, a, now=req_svc.utcnow())))),
        lambda ids, st, side: st.t[side]["request"] in ids),
    "stats.three_rates": Case(
        lambda s, a, st, side, x: stats_svc.three_rates(s, group_by="community", actor=a),
        lambda rows, st, side: st.t[side]["community"] in {r.group_id for r in rows}),
    "open311.export_open311": Case(
        lambda s, a, st, side, x: open311_svc.export_open311(
            s, actor=a, path=x / f"open311-{next(_n)}.json",
            flt=req_svc.RequestFilter(community_id=st.t[side]["community"])),
        lambda result, st, side: result.requests > 0),
    # -- requests: working on them
    "requests.create_request": Case(lambda s, a, st, side, x: req_svc.create_request(
        s, actor=a, channel="bench_meeting", type="help", category_id=st.w.category.id, title="井盖松动",
        place_id=st.t[side]["compound"])),
    "requests.transition": Case(lambda s, a, st, side, x: req_svc.transition(
        s, actor=a, request_id=x, to_status="accepted"), setup=_new_request),
    "requests.add_note": Case(lambda s, a, st, side, x: req_svc.add_note(
        s, actor=a, request_id=st.t[side]["request"], public_note="已电话联系")),
    "requests.add_supporter": Case(lambda s, a, st, side, x: req_svc.add_supporter(
        s, actor=a, request_id=x, person_id=st.t[side]["person"]), setup=_new_request),
    "requests.dispatch": Case(lambda s, a, st, side, x: req_svc.dispatch(
        s, actor=a, request_id=x, organisations=[(st.w.department.id, "lead")]), setup=_new_request),
    "requests.report_in": Case(lambda s, a, st, side, x: req_svc.report_in(s, actor=a, dispatch_id=x),
                               setup=_new_dispatch),
    "requests.record_dispatch_result": Case(lambda s, a, st, side, x: req_svc.record_dispatch_result(
        s, actor=a, dispatch_id=x, result="已修复"), setup=_new_dispatch),
    "requests.rate_dispatch": Case(lambda s, a, st, side, x: req_svc.rate_dispatch(
        s, actor=a, dispatch_id=x, rating=5), setup=_new_dispatch),
    "requests.record_feedback": Case(lambda s, a, st, side, x: req_svc.record_feedback(
        s, actor=a, request_id=x, contacted=True, satisfaction="satisfied"),
        setup=lambda st, side: _new_request(st, side, "accepted", "in_progress", "resolved")),
    "requests.add_attachments": Case(lambda s, a, st, side, x: req_svc.add_attachments(
        s, actor=a, request_id=st.t[side]["request"], paths=[_file(x)])),
    # -- the audit log (street-wide)
    "audit.list_audit": Case(lambda s, a, st, side, x: audit_svc.list_audit(s, actor=a, limit=5)),
}


def declared_services() -> dict[str, tuple[Callable[..., Any], permissions.Requirement]]:
    """Every declared service, core and plugins (their services modules imported)."""
    import importlib

    for m in ("people", "places", "orgs", "requests", "categories", "audit", "open311", "stats"):
        importlib.import_module(f"gongzhi.core.services.{m}")
    for m in plugin_service_modules():
        importlib.import_module(m)
    prefix = "gongzhi.core.services."
    return {k.removeprefix(prefix): v for k, v in permissions.SERVICES.items()}


def test_every_declared_service_has_a_case():
    """A service declaring a permission without a row here fails (and a row for a service
    that no longer declares one)."""
    assert sorted(declared_services()) == sorted(CASES)


# -- the street ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def street(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Street]:
    yield from _street(request, "sqlite", tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def pg_street(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Street]:
    yield from _street(request, "postgresql", tmp_path_factory.mktemp("matrix-pg"))


def _street(request: pytest.FixtureRequest, kind: str, tmp: Path) -> Iterator[Street]:
    with fresh_database(request, kind, tmp) as db:
        w = build_world(db, ADMIN)
        with db.session() as s:
            g2 = place_svc.create_place(s, actor=ADMIN, kind="micro_grid", name="1-6层", parent_id=w.buildings[1].id,
                                        floor_from=1, floor_to=6)
            committee2 = org_svc.create_organisation(s, actor=ADMIN, kind="residents_committee",
                                                     name="荣雅社区居委会", place_id=w.communities[1].id)
        targets: dict[str, dict[str, Any]] = {}
        for side, i, org, grid, status in (("in", 0, w.committee, w.micro_grids[0], "answered"),
                                           ("out", 1, committee2, g2, "not_responsible")):
            person = w.people["zhang" if i == 0 else "li"]
            targets[side] = {
                "community": w.communities[i].id, "compound": w.compounds[i].id,
                "compound_name": w.compounds[i].name, "building": w.buildings[i].id, "grid": grid.id,
                "household": w.households[i].id, "person": person.id, "person_name": person.name,
                "org": org.id, "org_name": org.name, "request_status": status,
            }
        st = Street(db, w, {}, targets)
        for side in ("in", "out"):
            rid = _new_request(st, side)
            with db.session() as s:
                targets[side]["request_ref"] = req_svc.get_request(s, rid).ref
            targets[side]["request"] = rid
            move(db, ADMIN, rid, targets[side]["request_status"])
        with db.session() as s:
            for role in ROLES:
                login = f"op-{role}".replace("_", "-")
                op_svc.create_operator(s, actor=ADMIN, login=login, display_name=role, password="correct horse 1")
                if role != NO_ROLE:
                    on = w.street if role == "street_admin" else w.communities[0]
                    op_svc.grant_role(s, actor=ADMIN, login=login, role=role, place_id=on.id)
                st.actors[role] = op_svc.actor_of(s, op_svc.get_operator(s, login))
        yield st


def _expect(role: str, req: permissions.Requirement, side: str) -> tuple[bool, bool]:
    """(allowed, sees the target): from the declaration and the roles holding it."""
    holds = role in permissions.registry()[req.permission].roles
    inside = side == "in" or role == "street_admin"
    street_wide = req.kind == "action" and req.place is None
    if street_wide:
        return holds and role == "street_admin", False
    if req.kind == "list":
        return holds, holds and inside
    return holds and inside, False


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(street: Street, role: str, name: str, tmp_path: Path):
    _run(street, role, name, tmp_path)


READS = sorted(n for n in CASES if n in declared_services() and declared_services()[n][1].kind != "action")


@pytest.mark.parametrize("name", READS)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_reads_on_postgresql(pg_street: Street, role: str, name: str, tmp_path: Path):
    """The reads and lists again on PostgreSQL, whose confining SQL differs; the actions'
    checks run in Python before any SQL, alike on both databases."""
    _run(pg_street, role, name, tmp_path)


def _run(street: Street, role: str, name: str, tmp_path: Path) -> None:
    fn, req = declared_services()[name]
    case = CASES[name]
    actor = street.actors[role]
    assert req.kind != "list" or case.sees is not None, f"{name}: a list needs its sees()"
    for side in ("in", "out"):
        allowed, sees = _expect(role, req, side)
        x = case.setup(street, side) if case.setup is not None else tmp_path
        before = count_rows(street.db) if not allowed else None
        with street.db.session() as s:
            if not allowed:
                with pytest.raises(DomainError) as info:
                    case.call(s, actor, street, side, x)
                assert info.value.code == "permission.denied", (role, name, side, str(info.value))
                assert info.value.message("zh") != info.value.message("en")
            else:
                result = case.call(s, actor, street, side, x)
                if case.sees is not None:
                    assert case.sees(result, street, side) is sees, (role, name, side, "sees the target")
        if not allowed:
            assert count_rows(street.db) == before, (role, name, side, "a refused call wrote")
