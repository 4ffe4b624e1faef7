"""Operators, roles scoped to places, login sessions, the permission registry (issue 15)."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
from datetime import timedelta

import pytest
from sqlalchemy import select

from gongzhi.core import permissions
from gongzhi.core.config import load_settings
from gongzhi.core.errors import DomainError
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.operators import Operator, OperatorSession
from gongzhi.core.models.types import utcnow
from gongzhi.core.plugins import PluginHost, available_plugins
from gongzhi.core.services import Actor
from gongzhi.core.services import operators as op_svc
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.services.audit import list_audit
from tests.core.helpers import build_world, count_rows, expect_rejected, new_request

PASSWORD = "correct horse 1"


def _operator(db, actor, login, role=None, place_id=None):
    with db.session() as s:
        op_svc.create_operator(s, actor=actor, login=login, display_name=login.upper(), password=PASSWORD)
        if role is not None:
            op_svc.grant_role(s, actor=actor, login=login, role=role, place_id=place_id)
        return op_svc.actor_of(s, op_svc.get_operator(s, login))


# -- accounts and sessions -----------------------------------------------------------


def test_the_password_is_kept_as_an_argon2_hash_and_the_token_as_a_sha256(db, actor):
    w = build_world(db, actor)
    _operator(db, actor, "clerk", "grid_worker", w.communities[0].id)
    with db.session() as s:
        assert op_svc.has_operators(s)
        row = s.scalar(select(Operator).where(Operator.login == "clerk"))
        assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
        token, _ = op_svc.login(s, "clerk", PASSWORD)
        stored = s.scalars(select(OperatorSession.token_hash)).all()
        assert token not in stored and len(stored) == 1 and len(stored[0]) == 64
        me = op_svc.actor_from_token(s, token)
        assert me.name == "clerk" and [g.role for g in me.grants] == ["grid_worker"]


def test_a_wrong_password_is_refused_and_audited_and_locks_after_five(db, actor):
    build_world(db, actor)
    _operator(db, actor, "clerk")
    with db.session() as s:
        for _ in range(op_svc.MAX_FAILURES):
            with pytest.raises(DomainError) as info:
                op_svc.login(s, "clerk", "wrong password")
            assert info.value.code == "auth.failed"
        # locked now: even the right password is refused until the lock ends
        with pytest.raises(DomainError) as info:
            op_svc.login(s, "clerk", PASSWORD)
        assert info.value.code == "auth.locked"
        failed = s.scalars(select(AuditLog).where(AuditLog.action == "operator.login_failed")).all()
        assert len(failed) == op_svc.MAX_FAILURES + 1
        assert "locked_until" in failed[op_svc.MAX_FAILURES - 1].after
        later = utcnow() + timedelta(minutes=op_svc.LOCK_MINUTES + 1)
        token, _ = op_svc.login(s, "clerk", PASSWORD, now=later)
        assert token


def test_an_unknown_login_is_refused_like_a_wrong_password_and_audited(db, actor):
    build_world(db, actor)
    _operator(db, actor, "clerk")
    with db.session() as s, pytest.raises(DomainError) as info:
        op_svc.login(s, "nobody", PASSWORD)
    assert info.value.code == "auth.failed"
    with db.read_session() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.action == "operator.login_failed")).all()
    assert [r.after["login"] for r in rows] == ["nobody"]


def test_a_token_expires_and_logout_ends_it(db, actor):
    build_world(db, actor)
    _operator(db, actor, "clerk")
    with db.session() as s:
        token, _ = op_svc.login(s, "clerk", PASSWORD)
        with pytest.raises(DomainError) as info:
            op_svc.actor_from_token(s, token, now=utcnow() + timedelta(hours=op_svc.SESSION_HOURS, seconds=1))
        assert info.value.code == "auth.session_expired"
        assert op_svc.logout(s, token)
        with pytest.raises(DomainError) as info:
            op_svc.actor_from_token(s, token)
        assert info.value.code == "auth.login_required"


def test_a_disabled_account_cannot_log_in_and_its_sessions_end(db, actor):
    build_world(db, actor)
    _operator(db, actor, "clerk")
    with db.session() as s:
        token, _ = op_svc.login(s, "clerk", PASSWORD)
        op_svc.set_disabled(s, actor=actor, login="clerk")
        with pytest.raises(DomainError) as info:
            op_svc.actor_from_token(s, token)
        assert info.value.code == "auth.login_required"
        with pytest.raises(DomainError) as info:
            op_svc.login(s, "clerk", PASSWORD)
        assert info.value.code == "auth.disabled"


def test_only_an_operator_manager_makes_accounts(db, actor):
    w = build_world(db, actor)
    secretary = _operator(db, actor, "sec", "community_secretary", w.communities[0].id)
    expect_rejected(db, "permission.denied", lambda s: op_svc.create_operator(
        s, actor=secretary, login="mallory", display_name="M", password=PASSWORD))
    expect_rejected(db, "operator.weak_password", lambda s: op_svc.create_operator(
        s, actor=actor, login="short", display_name="S", password="1234567"))
    expect_rejected(db, "operator.invalid_login", lambda s: op_svc.create_operator(
        s, actor=actor, login="bad name", display_name="S", password=PASSWORD))
    expect_rejected(db, "input.invalid_choice", lambda s: op_svc.grant_role(
        s, actor=actor, login="sec", role="king", place_id=w.street.id))


# -- roles and scopes in the services ------------------------------------------------


def test_reveal_needs_a_non_blank_reason_and_writes_nothing_without_one(db, actor):
    w = build_world(db, actor)
    pid = w.people["zhang"].id
    for reason in ("", "   "):
        expect_rejected(db, "person.reveal_reason_required",
                        lambda s, r=reason: people_svc.reveal_person(s, actor=actor, person_id=pid, reason=r))


def test_a_community_secretary_works_in_their_community_only(db, actor):
    w = build_world(db, actor)
    sec = _operator(db, actor, "sec", "community_secretary", w.communities[0].id)
    zhang, li = w.people["zhang"].id, w.people["li"].id  # 盛康社区 / 荣雅社区
    with db.session() as s:
        assert people_svc.reveal_person(s, actor=sec, person_id=zhang, reason="回访").phone == "13812345678"
        people_svc.update_person(s, actor=sec, person_id=zhang, notes="独居")
    expect_rejected(db, "permission.denied",
                    lambda s: people_svc.reveal_person(s, actor=sec, person_id=li, reason="回访"))
    expect_rejected(db, "permission.denied", lambda s: people_svc.update_person(s, actor=sec, person_id=li, notes="x"))
    # moving someone out of the community needs the right on the new home too
    expect_rejected(db, "permission.denied", lambda s: people_svc.update_person(
        s, actor=sec, person_id=zhang, household_id=w.households[1].id))


def test_a_viewer_reads_but_neither_reveals_nor_logs_nor_dispatches(db, actor):
    w = build_world(db, actor)
    viewer = _operator(db, actor, "view", "viewer", w.street.id)
    req = new_request(db, actor, w)
    expect_rejected(db, "permission.denied",
                    lambda s: people_svc.reveal_person(s, actor=viewer, person_id=w.people["zhang"].id, reason="x"))
    expect_rejected(db, "permission.denied", lambda s: req_svc.create_request(
        s, actor=viewer, channel="bench_meeting", type="help", category_id=w.category.id, title="t",
        place_id=w.compounds[0].id))
    expect_rejected(db, "permission.denied", lambda s: req_svc.dispatch(
        s, actor=viewer, request_id=req.id, organisations=[(w.department.id, "lead")]))
    expect_rejected(db, "permission.denied", lambda s: req_svc.transition(
        s, actor=viewer, request_id=req.id, to_status="withdrawn"))


def test_a_grid_worker_logs_requests_in_the_grid_but_does_not_dispatch_or_close(db, actor):
    w = build_world(db, actor)
    grid = _operator(db, actor, "grid", "grid_worker", w.compounds[0].id)
    with db.session() as s:
        req = req_svc.create_request(s, actor=grid, channel="bench_meeting", type="help", category_id=w.category.id,
                                     title="路灯不亮", place_id=w.buildings[0].id)
    expect_rejected(db, "permission.denied", lambda s: req_svc.create_request(
        s, actor=grid, channel="bench_meeting", type="help", category_id=w.category.id, title="t",
        place_id=w.compounds[1].id))
    expect_rejected(db, "permission.denied", lambda s: req_svc.dispatch(
        s, actor=grid, request_id=req.id, organisations=[(w.department.id, "lead")]))
    expect_rejected(db, "permission.denied", lambda s: req_svc.transition(
        s, actor=grid, request_id=req.id, to_status="not_responsible"))


def test_lookup_by_full_phone_only_for_roles_that_handle_calls(db, actor):
    w = build_world(db, actor)
    viewer = _operator(db, actor, "view", "viewer", w.street.id)
    grid = _operator(db, actor, "grid", "grid_worker", w.compounds[0].id)
    with db.read_session() as s:
        assert [p.name for p in people_svc.find_people(s, "13812345678", actor=grid)] == ["张晓明"]
        assert [p.name for p in people_svc.find_people(s, "5678", actor=viewer)] == ["张晓明"]
        with pytest.raises(DomainError) as info:
            people_svc.find_people(s, "13812345678", actor=viewer)
        assert info.value.code == "permission.denied"


def test_the_audit_log_is_for_street_admins_and_filters(db, actor):
    w = build_world(db, actor)
    admin = _operator(db, actor, "boss", "street_admin", w.street.id)
    sec = _operator(db, actor, "sec", "community_secretary", w.communities[0].id)
    with db.session() as s:
        people_svc.reveal_person(s, actor=sec, person_id=w.people["zhang"].id, reason="回访")
    with db.read_session() as s:
        rows = list_audit(s, actor=admin, who="sec", action="person.reveal")
        assert [(r["actor"], r["after"]["reason"]) for r in rows] == [("sec", "回访")]
        assert {r["action"] for r in list_audit(s, actor=admin, action="person.")} >= {"person.create", "person.reveal"}
        assert list_audit(s, actor=admin, entity="person", since=utcnow() + timedelta(hours=1)) == []
        with pytest.raises(DomainError) as info:
            list_audit(s, actor=sec)
        assert info.value.code == "permission.denied"


# -- the permission matrix, generated from the registry ------------------------------


@pytest.fixture(scope="module")
def every_permission() -> dict[str, permissions.Permission]:
    """The core's permissions and every installed plugin's (declared through the hook)."""
    host = PluginHost(load_settings(), names=sorted(available_plugins())).load(models=False)
    declared = host.declare_permissions()
    assert "points.approve" in declared  # the hook reaches the registry
    return permissions.registry()


@pytest.mark.parametrize("role", permissions.ROLES)
def test_permission_matrix_every_permission_by_role_in_and_out_of_scope(sqlite_db, actor, role, every_permission):
    """Granted on 盛康社区: in scope below it, out of scope in 荣雅社区 and street-wide;
    street_admin granted on the street holds everything everywhere."""
    w = build_world(sqlite_db, actor)
    on = w.street if role == "street_admin" else w.communities[0]
    who = _operator(sqlite_db, actor, f"op-{role}".replace("_", "-"), role, on.id)
    inside, outside = w.households[0].id, w.households[1].id
    with sqlite_db.read_session() as s:
        for name, perm in every_permission.items():
            holds = role in perm.roles
            assert permissions.allowed(s, who, name, inside) is holds, (role, name, "in scope")
            expected_out = holds and role == "street_admin"
            assert permissions.allowed(s, who, name, outside) is expected_out, (role, name, "out of scope")
            assert permissions.allowed(s, who, name, None) is expected_out, (role, name, "street-wide")
    # the implicit local operator of a database without accounts holds every permission
    with sqlite_db.read_session() as s:
        assert all(permissions.allowed(s, Actor("local"), n, outside) for n in every_permission)


SERVICE_MODULES = ["people", "places", "orgs", "requests", "categories", "operators", "audit", "exports",
                   "open311", "stats"]


# services that act on a decision another part has already checked and published (an event
# reaching a plugin): the actor only names who wrote; listed here by name, each with its reason
EVENT_HANDLERS = {
    "propose_from_consultation": "micro: a decided consultation (deliberation checked who decided)",
    "propose_from_insight": "micro: an insights topic turned into a proposal by a checked action",
    "record_round_result": "micro: a published evaluation round's result",
    "earn_for_request": "points: a resolved request (the core checked the transition)",
}


def _unchecked_services(modules: list[str]) -> list[str]:
    """Public functions of ``modules`` that take an ``actor`` and declare no permission:
    neither through ``permissions.requires`` (the ``__requires__`` it leaves) nor by
    naming a declared permission in their source (the plugins' convention)."""
    missing = []
    for m in modules:
        mod = importlib.import_module(m)
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_"):
                continue
            if "actor" not in inspect.signature(fn).parameters:
                continue
            src = inspect.getsource(fn)
            named = [p for p in permissions.registry() if f'"{p}"' in src]
            declared = getattr(fn, "__requires__", None)
            if declared is not None:
                assert declared.permission in permissions.registry(), (name, declared.permission)
            delegated = any(call in src for call in ("_manage(session", "create_category(session",
                                                     "return evaluate(session"))
            if not (declared or named or delegated) and name not in ("login",) and name not in EVENT_HANDLERS:
                missing.append(f"{m}.{name}")
    return missing


def test_every_service_taking_an_actor_checks_a_declared_permission():
    """A new core service function with an ``actor`` and no permission check fails here."""
    assert _unchecked_services([f"gongzhi.core.services.{m}" for m in SERVICE_MODULES]) == []


def plugin_service_modules() -> list[str]:
    """Every installed plugin's ``services`` module (gongzhi.plugins.*.services)."""
    out = []
    for plugin in available_plugins().values():
        name = plugin.module.rsplit(".", 1)[0] + ".services"
        if importlib.util.find_spec(name) is not None:
            out.append(name)
    return sorted(out)


def test_every_plugin_service_taking_an_actor_checks_a_declared_permission():
    """The same for the plugins' services (their permissions declared through the
    ``register_permissions`` hook, checked by name or by ``permissions.requires``)."""
    host = PluginHost(load_settings(), names=sorted(available_plugins())).load(models=False)
    host.declare_permissions()
    modules = plugin_service_modules()
    assert len(modules) >= 4, modules  # deliberation, micro_projects, points_exchange, red_property
    assert _unchecked_services(modules) == []


def test_rows_unchanged_by_a_refused_login(db, actor):
    build_world(db, actor)
    _operator(db, actor, "clerk")
    before = count_rows(db)
    with db.session() as s, pytest.raises(DomainError):
        op_svc.login(s, "clerk", "nope nope")
    after = count_rows(db)
    # only the audit row of the failure is added (and the counter moved)
    assert after["audit_log"] == before["audit_log"] + 1
    assert {k: v for k, v in after.items() if k != "audit_log"} == {k: v for k, v in before.items() if k != "audit_log"}


def test_care_tags_only_for_street_admins_and_the_persons_community_secretary(db, actor):
    w = build_world(db, actor)
    zhang = w.people["zhang"].id  # 盛康社区
    ours = _operator(db, actor, "sec1", "community_secretary", w.communities[0].id)
    theirs = _operator(db, actor, "sec2", "community_secretary", w.communities[1].id)
    grid = _operator(db, actor, "grid", "grid_worker", w.communities[0].id)
    with db.session() as s:
        assert people_svc.view_care_tags(s, actor=ours, person_id=zhang) == []
    for other in (theirs, grid):
        expect_rejected(db, "permission.denied",
                        lambda s, o=other: people_svc.view_care_tags(s, actor=o, person_id=zhang))


def test_care_tags_are_set_only_by_who_may_see_them(db, actor):
    """A grid worker may register and edit residents, not give or change their care tags
    (sensitive data); the community secretary may. Unchanged tags pass through an edit."""
    w = build_world(db, actor)
    zhang, home = w.people["zhang"].id, w.households[0].id  # 盛康社区
    grid = _operator(db, actor, "grid", "grid_worker", w.communities[0].id)
    ours = _operator(db, actor, "sec1", "community_secretary", w.communities[0].id)
    expect_rejected(db, "permission.denied", lambda s: people_svc.create_person(
        s, actor=grid, name="赵六", household_id=home, care_tags=["elderly_alone"]))
    expect_rejected(db, "permission.denied", lambda s: people_svc.update_person(
        s, actor=grid, person_id=zhang, care_tags=["disabled"]))
    with db.session() as s:
        people_svc.create_person(s, actor=grid, name="赵六", household_id=home, care_tags=[])  # none given: fine
        people_svc.update_person(s, actor=ours, person_id=zhang, care_tags=["disabled"])
        people_svc.update_person(s, actor=grid, person_id=zhang, notes="已走访", care_tags=["disabled"])  # unchanged
        assert people_svc.care_tags_of(s, zhang) == ["disabled"]
