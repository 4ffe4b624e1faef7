"""Roles scoped to places for the joint meeting and the micro-services (issue 15): the
plugin declares ``property.manage`` and ``property.service``; every write checks one on the
meeting's (or the service's) place before it writes. A viewer and a secretary of another
community are refused with ``permission.denied`` and nothing is written; a secretary of
the community and the compound's property secretary run the meeting."""

from __future__ import annotations

import importlib
import inspect
import json
import re
from datetime import date

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.core.services import operators as op_svc
from gongzhi.core.services import places
from gongzhi.plugins.red_property import plugin
from gongzhi.plugins.red_property import services as svc
from tests.plugins.red_property.conftest import PLUGIN, at, new_request, open_meeting, row_counts

PASSWORD = "password 123"
WHEN = at(2026, 3, 5)


def _declared() -> set[str]:
    names: list[str] = []
    plugin.register_permissions(lambda name, *_a, **_k: names.append(name))
    return set(names)


def test_every_service_taking_an_actor_checks_a_declared_permission():
    """A new service with an ``actor`` and no check of the plugin's permissions fails here."""
    declared = _declared()
    assert declared == {"property.manage", "property.service"}
    missing = []
    mod = importlib.import_module("gongzhi.plugins.red_property.services")
    for name, fn in inspect.getmembers(mod, inspect.isfunction):
        if fn.__module__ != mod.__name__ or name.startswith("_"):
            continue
        if "actor" in inspect.signature(fn).parameters and not any(f'"{p}"' in inspect.getsource(fn)
                                                                     for p in declared):
            missing.append(name)
    assert missing == []


def _account(db, admin, login, role, place_id):
    with db.session() as s:
        op_svc.create_operator(s, actor=admin, login=login, display_name=login, password=PASSWORD)
        op_svc.grant_role(s, actor=admin, login=login, role=role, place_id=place_id)
        return op_svc.actor_of(s, op_svc.get_operator(s, login))


def _other_community(db, actor, street) -> int:
    with db.session() as s:
        root = places.get_place(s, street.community).parent_id
        return places.create_place(s, actor=actor, kind="community", name="盛康社区", parent_id=root).id


def _refused(db, actor, call) -> None:
    before = row_counts(db)
    with db.session() as s, pytest.raises(DomainError) as info:
        call(s, actor)
    assert info.value.code == "permission.denied"
    assert row_counts(db) == before


def _writes(street, meeting: int, agenda_item: int, resolution: int, action: int, service: int):
    """Every write of the plugin, as (permission, call)."""
    m = meeting
    return [
        ("property.manage", lambda s, a: svc.create_meeting(s, actor=a, place_id=street.compound, held_at=WHEN)),
        ("property.manage", lambda s, a: svc.update_meeting(s, actor=a, meeting_id=m, title="改期")),
        ("property.manage", lambda s, a: svc.set_bodies(s, actor=a, meeting_id=m, body_ids=[street.party])),
        ("property.manage", lambda s, a: svc.check_in(s, actor=a, meeting_id=m, person_id=street.zhou,
                                                      organisation_id=street.owners, at=WHEN)),
        ("property.manage", lambda s, a: svc.cancel_check_in(s, actor=a, meeting_id=m, person_id=street.li)),
        ("property.manage", lambda s, a: svc.add_agenda_item(s, actor=a, meeting_id=m, title="楼道堆物")),
        ("property.manage", lambda s, a: svc.update_agenda_item(s, actor=a, agenda_item_id=agenda_item,
                                                                discussion="讨论")),
        ("property.manage", lambda s, a: svc.add_resolution(s, actor=a, agenda_item_id=agenda_item, text="清理",
                                                            responsible_org_id=street.prop,
                                                            deadline=date(2026, 4, 1))),
        ("property.manage", lambda s, a: svc.add_action_item(s, actor=a, resolution_id=resolution, title="张贴通知",
                                                             responsible_org_id=street.rc,
                                                             deadline=date(2026, 4, 1))),
        ("property.manage", lambda s, a: svc.start_action(s, actor=a, action_item_id=action, at=WHEN)),
        ("property.manage", lambda s, a: svc.add_progress(s, actor=a, action_item_id=action, text="进行中",
                                                          at=WHEN)),
        ("property.manage", lambda s, a: svc.drop_action(s, actor=a, action_item_id=action, reason="不再需要",
                                                         at=WHEN)),
        ("property.manage", lambda s, a: svc.complete_action(s, actor=a, action_item_id=action, note="已清理",
                                                             at=WHEN)),
        ("property.manage", lambda s, a: svc.close_meeting(s, actor=a, meeting_id=m, at=WHEN)),
        ("property.service", lambda s, a: svc.log_service(s, actor=a, kind="free_repair", resident_id=street.resident,
                                                          at=WHEN)),
        ("property.service", lambda s, a: svc.schedule_service(s, actor=a, service_id=service, scheduled_for=WHEN)),
        ("property.service", lambda s, a: svc.complete_service(s, actor=a, service_id=service,
                                                               done_by_org_id=street.prop, at=WHEN)),
    ]


def _world(site, actor, street):
    db = site.db
    m = open_meeting(db, actor, street, WHEN)
    with db.session() as s:
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m, title="电梯维修").id
        r = svc.add_resolution(s, actor=actor, agenda_item_id=item, text="一周内修好", responsible_org_id=street.prop,
                               deadline=date(2026, 3, 12))
        action = svc.action_items_of(s, meeting_id=m)[0].id
        service = svc.log_service(s, actor=actor, kind="free_repair", resident_id=street.resident, at=WHEN).id
        return m, item, r.id, action, service


def test_a_viewer_and_an_out_of_scope_secretary_are_refused_every_write(site, street, actor):
    db = site.db
    other = _other_community(db, actor, street)
    writes = _writes(street, *_world(site, actor, street))
    viewer = _account(db, actor, "viewer", "viewer", street.community)
    outsider = _account(db, actor, "sec-other", "community_secretary", other)
    grid_other = _account(db, actor, "grid-other", "grid_worker", other)
    neighbour = _account(db, actor, "prop-k2", "property_secretary", street.other_compound)
    for perm, call in writes:
        for who in (viewer, outsider, neighbour):
            _refused(db, who, call)
        if perm == "property.service":
            _refused(db, grid_other, call)


def test_the_communitys_secretary_and_the_compounds_property_secretary_run_their_meetings(site, street, actor):
    db = site.db
    secretary = _account(db, actor, "sec", "community_secretary", street.community)
    prop = _account(db, actor, "prop", "property_secretary", street.compound)
    grid = _account(db, actor, "grid", "grid_worker", street.community)
    # the compound's property secretary: a 荣雅园 meeting from draft to close
    m = open_meeting(db, prop, street, WHEN)
    with db.session() as s:
        item = svc.add_agenda_item(s, actor=prop, meeting_id=m, title="电梯维修")
        svc.add_resolution(s, actor=prop, agenda_item_id=item.id, text="一周内修好", responsible_org_id=street.prop,
                           deadline=date(2026, 3, 12))
        action = svc.action_items_of(s, meeting_id=m)[0].id
        svc.start_action(s, actor=prop, action_item_id=action, at=WHEN)
        svc.close_meeting(s, actor=prop, meeting_id=m, at=WHEN)
        assert svc.get_meeting(s, m).closed_by == "prop"
        # … but not the community's own meeting, nor one of the other compound
        for place in (street.community, street.other_compound):
            with pytest.raises(DomainError) as info:
                svc.create_meeting(s, actor=prop, place_id=place, held_at=WHEN)
            assert info.value.code == "permission.denied"
        # the community's secretary: a community meeting, and the compound's action item
        community_meeting = svc.create_meeting(s, actor=secretary, place_id=street.community, held_at=WHEN)
        assert community_meeting.created_by == "sec"
        svc.complete_action(s, actor=secretary, action_item_id=action, note="已修好", at=WHEN)
        # a grid worker logs and completes a micro-service in the community, but runs no meeting
        service = svc.log_service(s, actor=grid, kind="free_repair", resident_id=street.resident, at=WHEN)
        svc.complete_service(s, actor=grid, service_id=service.id, done_by_id=street.zhou, at=WHEN)
        with pytest.raises(DomainError) as info:
            svc.add_progress(s, actor=grid, action_item_id=action, text="看过了", at=WHEN)
        assert info.value.code == "permission.denied"


def test_a_property_secretary_cannot_resolve_a_request_through_an_action_item(site, street, actor):
    """Completing an action item resolves its request through the core, whose rule holds:
    resolving is for the community secretary (request.close); nothing is written."""
    db = site.db
    prop = _account(db, actor, "prop", "property_secretary", street.compound)
    rid = new_request(db, actor, street.household)
    m = open_meeting(db, actor, street, WHEN)
    with db.session() as s:
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m, request_id=rid)
        svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text="修电梯", responsible_org_id=street.prop,
                           deadline=date(2026, 3, 12))
        action = svc.action_items_of(s, meeting_id=m)[0].id
    _refused(db, prop, lambda s, a: svc.complete_action(s, actor=a, action_item_id=action, note="已修好", at=WHEN))
    with db.read_session() as s:
        assert svc.get_action_item(s, action).status == "open"


@pytest.fixture
def cli_site(gongzhi_site):
    return gongzhi_site(plugins=[PLUGIN])


def test_the_cli_refuses_a_viewer_and_an_out_of_scope_secretary(cli_site, actor, monkeypatch):
    from tests.plugins.red_property.conftest import make_street

    site = cli_site
    street = make_street(site.db, actor)
    other = _other_community(site.db, actor, street)
    monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)
    with site.db.session() as s:
        other_name = places.get_place(s, other).name
    assert site.cli("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
    assert site.cli("login", "boss")[0] == 0
    for login, role, place in (("view", "viewer", "荣雅园社区"), ("sec-other", "community_secretary", other_name),
                               ("sec", "community_secretary", "荣雅园社区")):
        code, out, err = site.cli("operator", "add", login, login, "--role", role, "--place", place)
        assert code == 0, out + err
    create = ("property", "meeting", "create", "荣雅园", "--at", "2026-03-05 09:00", "--json")
    for login in ("view", "sec-other"):
        assert site.cli("login", login)[0] == 0
        for lang, words in (("zh", f"操作员「{login}」无权管理红色物业联席会议"),
                            ("en", f"operator '{login}' may not run red-property joint meetings")):
            before = row_counts(site.db)
            code, out, err = site.cli(*create, lang=lang)
            assert code == 1 and out == "" and err.count("\n") == 1, (login, out, err)
            assert words in err, err
            assert row_counts(site.db) == before
        before = row_counts(site.db)
        code, out, err = site.cli("property", "service", "add", "吴大爷")
        # the viewer sees 吴大爷 (荣雅园) and may not serve him; the other community's secretary
        # does not even see him: people outside one's places are hidden (issue 15, reads)
        refusal = "无权登记和办理物业微服务" if login == "view" else "找不到居民：吴大爷"
        assert code == 1 and refusal in err, err
        assert row_counts(site.db) == before
    assert site.cli("login", "sec")[0] == 0
    code, out, err = site.cli(*create)
    assert code == 0, err
    meeting = json.loads(out)["id"]
    code, out, err = site.cli("property", "meeting", "show", str(meeting), "--json")
    assert code == 0 and re.search(r'"status": "draft"', out), err
    assert site.cli("login", "sec-other")[0] == 0
    code, _, err = site.cli("property", "meeting", "check-in", str(meeting), "王书记", "--for", "party")
    assert code == 1 and "无权" in err
