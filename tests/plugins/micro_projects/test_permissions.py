"""Who may do what in the micro-projects (issue 15, item 2): the plugin's declared
permissions (``micro.manage``, ``micro.progress``, ``micro.fund``, ``micro.evaluate``)
checked by every writing service on the project's community — or, for the street's
fund, on the street — before anything is written; the same refusals through the CLI
with operator accounts; and the convention that every service taking an ``actor``
names a declared permission."""

from __future__ import annotations

import inspect
from datetime import date

import pytest

from gongzhi.core import permissions
from gongzhi.core.errors import DomainError
from gongzhi.core.services import operators as op_svc
from gongzhi.plugins.micro_projects import plugin
from gongzhi.plugins.micro_projects import services as svc
from tests.plugins.micro_projects.conftest import row_counts, state_dump
from tests.plugins.micro_projects.helpers import YEAR, advance, project_input

PASSWORD = "correct horse 1"
# the event handlers act for another plugin's published decision (its actor passed that
# plugin's checks); they take an actor only to name who wrote
EVENT_HANDLERS = {"propose_from_consultation", "propose_from_insight", "record_round_result"}


def declared() -> set[str]:
    for name, zh, en, roles in plugin.PERMISSIONS:
        permissions.declare(name, zh, en, roles, source=plugin.NAME)
    return {name for name, *_ in plugin.PERMISSIONS}


def test_every_service_taking_an_actor_checks_a_declared_permission():
    names = declared()
    missing, checked = [], {}
    for name, fn in inspect.getmembers(svc, inspect.isfunction):
        if fn.__module__ != svc.__name__ or name.startswith("_") or name in EVENT_HANDLERS:
            continue
        if "actor" not in inspect.signature(fn).parameters:
            continue
        src = inspect.getsource(fn)
        named = [p for p in names if f'"{p}"' in src]
        delegated = "return evaluate(session" in src  # decide_evaluation is evaluate without ratings
        if not (named or delegated):
            missing.append(name)
        checked[name] = named
    assert missing == []
    assert checked["set_fund"] == ["micro.fund"] and checked["rate"] == ["micro.evaluate"]
    assert len(checked) >= 18, sorted(checked)


def _operator(db, admin, login, role, place_id):
    with db.session() as s:
        op_svc.create_operator(s, actor=admin, login=login, display_name=login, password=PASSWORD)
        op_svc.grant_role(s, actor=admin, login=login, role=role, place_id=place_id)
        return op_svc.actor_of(s, op_svc.get_operator(s, login))


def _street_id(db) -> int:
    from sqlalchemy import select

    from gongzhi.core.models.places import Place

    with db.read_session() as s:
        return s.scalar(select(Place.id).where(Place.parent_id.is_(None)))


def denied(db, call) -> None:
    """``call(session)`` is refused as ``permission.denied`` and nothing is written."""
    before, dump = row_counts(db), state_dump(db)
    with db.session() as s, pytest.raises(DomainError) as info:
        call(s)
    assert info.value.code == "permission.denied", info.value.code
    assert info.value.message("zh") != info.value.message("en")
    assert row_counts(db) == before and state_dump(db) == dump


def test_roles_and_scopes_on_every_writing_service(db, clerk, street):
    declared()
    street_id = _street_id(db)
    viewer = _operator(db, clerk, "viewer", "viewer", street_id)
    ours = _operator(db, clerk, "sec-ry", "community_secretary", street.community)
    theirs = _operator(db, clerk, "sec-hc", "community_secretary", street.other_community)
    grid = _operator(db, clerk, "grid-ry", "grid_worker", street.community)
    chair = _operator(db, clerk, "chair-ry", "facilitator", street.community)
    admin = _operator(db, clerk, "admin", "street_admin", street_id)

    # the street's fund: street_admin on the street only
    for who in (viewer, ours):
        denied(db, lambda s, w=who: svc.set_fund(s, actor=w, year=YEAR + 1, total=100_00))
        denied(db, lambda s, w=who: svc.set_redo_threshold(s, actor=w, threshold="80"))
    with db.session() as s:
        svc.set_fund(s, actor=admin, year=YEAR + 1, total=100_00)

    # the community's list: its secretary, nobody else below the street
    for who in (viewer, theirs, grid, chair):
        denied(db, lambda s, w=who: svc.create_list(s, actor=w, community_id=street.community, year=YEAR))
    with db.session() as s:
        plist = svc.create_list(s, actor=ours, community_id=street.community, year=YEAR, on=date(YEAR, 1, 5))
        p = svc.add_project(s, actor=ours, list_id=plist.id, data=project_input(street))
    for who in (viewer, theirs):
        denied(db, lambda s, w=who: svc.add_project(s, actor=w, list_id=plist.id, data=project_input(street)))
        denied(db, lambda s, w=who: svc.advance_list(s, actor=w, list_id=plist.id, to_phase="reviewing"))
    advance(db, ours, plist.id, "reviewing")
    denied(db, lambda s: svc.decide_feasibility(s, actor=theirs, project_id=p.id, feasible=True))
    with db.session() as s:
        svc.decide_feasibility(s, actor=ours, project_id=p.id, feasible=True)
    advance(db, ours, plist.id, "publicised")
    denied(db, lambda s: svc.raise_objection(s, actor=theirs, list_id=plist.id, content="x", raised_by="王芳"))
    with db.session() as s:
        o = svc.raise_objection(s, actor=ours, list_id=plist.id, content="希望暖光", raised_by="王芳")
    denied(db, lambda s: svc.answer_objection(s, actor=viewer, objection_id=o.id, answer="好"))
    advance(db, ours, plist.id, "executing")

    # allocations come from the street's fund: not the community secretary's
    denied(db, lambda s: svc.allocate(s, actor=ours, project_id=p.id, amount=5_000_00))
    with db.session() as s:
        svc.allocate(s, actor=admin, project_id=p.id, amount=5_000_00)
    # progress: the secretary and the community's grid worker; spending and close-out: the secretary
    denied(db, lambda s: svc.record_progress(s, actor=theirs, project_id=p.id, progress=10, note="开工"))
    denied(db, lambda s: svc.spend(s, actor=grid, project_id=p.id, amount=100_00, note="材料"))
    with db.session() as s:
        svc.record_progress(s, actor=grid, project_id=p.id, progress=50, note="过半", on=date(YEAR, 3, 1))
        svc.spend(s, actor=ours, project_id=p.id, amount=100_00, note="材料", on=date(YEAR, 3, 2))
    denied(db, lambda s: svc.close_out(s, actor=grid, project_id=p.id, evidence=["a.jpg"], note="完成"))
    with db.session() as s:
        svc.close_out(s, actor=ours, project_id=p.id, evidence=["a.jpg"], note="完成", on=date(YEAR, 5, 1))
    advance(db, ours, plist.id, "evaluating", on=date(YEAR, 12, 1))

    # the evaluation: the meeting's facilitator, not the secretary it judges
    for who in (ours, viewer):
        denied(db, lambda s, w=who: svc.rate(s, actor=w, project_id=p.id, ratings=[("张三", "满意")]))
        denied(db, lambda s, w=who: svc.request_evaluation_round(s, actor=w, project_id=p.id))
    with db.session() as s:
        svc.rate(s, actor=chair, project_id=p.id, ratings=[("张三", "满意")])
    denied(db, lambda s: svc.decide_evaluation(s, actor=ours, project_id=p.id))
    with db.session() as s:
        assert svc.decide_evaluation(s, actor=chair, project_id=p.id).redo is False


def test_the_cli_refuses_a_viewer_and_another_community(site, street, monkeypatch):
    monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)
    def ok(*args):
        code, out, err = site.cli(*args)
        assert code == 0, (args, out, err)
        return out

    ok("operator", "add", "boss", "王主任", "--role", "street_admin")
    ok("login", "boss")
    ok("operator", "add", "view", "只读", "--role", "viewer")
    ok("operator", "add", "hc", "欢畅园书记", "--role", "community_secretary", "--place", "欢畅园社区")
    ok("operator", "add", "ry", "荣雅园书记", "--role", "community_secretary", "--place", "荣雅园社区")
    for login, args in (("view", ("micro", "fund", "2027", "--set", "100000")),
                        ("view", ("micro", "list-create", "荣雅园", "2026")),
                        ("view", ("micro", "threshold", "--set", "80")),
                        ("ry", ("micro", "fund", "2027", "--set", "100000")),
                        ("hc", ("micro", "list-create", "荣雅园", "2026"))):
        ok("login", login)
        for lang, word in (("zh", "无权"), ("en", "may not")):
            before, dump = row_counts(site.db), state_dump(site.db)
            code, out, err = site.cli(*args, lang=lang)
            assert code == 1 and len(err.strip().splitlines()) == 1, (login, args, err)
            assert word in err, (login, args, err)
            assert row_counts(site.db) == before and state_dump(site.db) == dump, (login, args)
    ok("login", "ry")
    ok("micro", "list-create", "荣雅园", "2026")
    ok("login", "boss")
    ok("micro", "fund", "2027", "--set", "100000")
