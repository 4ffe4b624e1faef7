"""Who may run the residents' council (issue 15, item 2): the plugin declares
``deliberation.manage`` and ``deliberation.record``; every service that takes an actor and
writes checks one of them on the consultation's place before writing. A viewer and a
community secretary of another community are refused (coded, one line, nothing written)
through the services and the CLI; a facilitator of the consultation's community is not;
the TUI does not offer a viewer the keys it may not use."""

from __future__ import annotations

import asyncio
import importlib
import inspect
import json

import pytest
from sqlalchemy import select

from gongzhi.core import permissions
from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.services import operators as op_svc
from gongzhi.core.services import places
from gongzhi.plugins.deliberation import services as svc
from tests.plugins.deliberation.conftest import row_counts
from tests.tui.test_login import PASSWORD  # the app's login test logs in with it

MODULES = ("services", "evaluation")  # the plugin's modules with services that take an actor


def _place(db, name: str) -> int:
    with db.read_session() as s:
        return s.scalar(select(Place.id).where(Place.name == name))


def _operator(db, admin, login: str, role: str, place_id: int):
    with db.session() as s:
        op_svc.create_operator(s, actor=admin, login=login, display_name=login.upper(), password=PASSWORD)
        op_svc.grant_role(s, actor=admin, login=login, role=role, place_id=place_id)
        return op_svc.actor_of(s, op_svc.get_operator(s, login))


@pytest.fixture
def people(site, table, actor):
    """The table's community (荣诚园社区) and another one; a viewer of the street, the other
    community's secretary, the table community's facilitator and grid worker."""
    community = _place(site.db, "荣诚园社区")
    with site.db.session() as s:
        street = s.get(Place, community).parent_id
        other = places.create_place(s, actor=actor, kind="community", name="荣雅园社区", parent_id=street).id
    return {
        "street": street, "community": community, "other": other,
        "viewer": _operator(site.db, actor, "view", "viewer", street),
        "stranger": _operator(site.db, actor, "sec2", "community_secretary", other),
        "facilitator": _operator(site.db, actor, "host", "facilitator", community),
        "grid": _operator(site.db, actor, "grid", "grid_worker", community),
    }


def _refused(db, fn) -> None:
    before = row_counts(db)
    with db.session() as s, pytest.raises(DomainError) as info:
        fn(s)
    assert info.value.code == "permission.denied", info.value.code
    assert row_counts(db) == before


def _writes(t, place_id):
    """One call of every writing service, on the table's consultation (``t``)."""
    return {
        "create_consultation": lambda s, a: svc.create_consultation(s, actor=a, title="新议题", place_id=place_id),
        "add_participant": lambda s, a: svc.add_participant(s, actor=a, consultation_id=t.consultation_id,
                                                            role="resident_rep", name="新代表"),
        "add_option": lambda s, a: svc.add_option(s, actor=a, consultation_id=t.consultation_id, text="新方案"),
        "add_meeting": lambda s, a: svc.add_meeting(s, actor=a, consultation_id=t.consultation_id),
        "open_round": lambda s, a: svc.open_round(s, actor=a, consultation_id=t.consultation_id,
                                                  preset="simple_majority", option_ids=[t.options[0]]),
        "set_proxy": lambda s, a: svc.set_proxy(s, actor=a, participant_id=t.residents[0],
                                                proxy_for_id=t.residents[1]),
        "withdraw_option": lambda s, a: svc.withdraw_option(s, actor=a, option_id=t.options[2]),
        "checkin": lambda s, a: svc.checkin(s, actor=a, participant_id=t.residents[0], present=False),
        "withdraw_consultation": lambda s, a: svc.withdraw_consultation(s, actor=a,
                                                                        consultation_id=t.consultation_id),
    }


def test_the_plugin_declares_its_permissions(site):
    reg = permissions.registry()
    assert reg["deliberation.manage"].roles == {"street_admin", "facilitator", "community_secretary"}
    assert reg["deliberation.record"].roles == {"street_admin", "facilitator", "community_secretary", "grid_worker"}
    assert reg["deliberation.manage"].source == "deliberation"


def test_every_service_taking_an_actor_names_a_declared_permission(site):
    """The convention of tests/core/test_operators.py, for the plugin: a new service with an
    ``actor`` and no permission check fails here."""
    declared = [p for p in permissions.registry() if p.startswith("deliberation.")]
    missing = []
    for m in MODULES:
        mod = importlib.import_module(f"gongzhi.plugins.deliberation.{m}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_"):
                continue
            if "actor" not in inspect.signature(fn).parameters:
                continue
            if not any(f'"{p}"' in inspect.getsource(fn) for p in declared):
                missing.append(f"{m}.{name}")
    assert missing == []


def test_a_viewer_and_another_communitys_secretary_are_refused_and_nothing_is_written(site, table, people):
    db = site.db
    for who in ("viewer", "stranger"):
        for call in _writes(table, people["community"]).values():
            _refused(db, lambda s, c=call, a=people[who]: c(s, a))
    # a consultation without a place is street-wide: a community's secretary may not make one
    _refused(db, lambda s: svc.create_consultation(s, actor=people["stranger"], title="全街道议题"))


def test_a_grid_worker_records_ballots_but_does_not_run_the_round(site, table, people, actor):
    db = site.db
    with db.session() as s:
        r = svc.open_round(s, actor=people["facilitator"], consultation_id=table.consultation_id,
                           preset="simple_majority", option_ids=[table.options[0]])
        svc.record_ballot(s, actor=people["grid"], round_id=r.id, participant_id=table.residents[0], choice="y")
        svc.checkin(s, actor=people["grid"], participant_id=table.residents[5], present=False)
    _refused(db, lambda s: svc.close_round(s, actor=people["grid"], round_id=r.id))
    _refused(db, lambda s: svc.record_ballot(s, actor=people["viewer"], round_id=r.id,
                                             participant_id=table.residents[1], choice="y"))
    _refused(db, lambda s: svc.record_ballot(s, actor=people["stranger"], round_id=r.id,
                                             participant_id=table.residents[1], choice="y"))
    _refused(db, lambda s: svc.undo_ballot(s, actor=people["viewer"], round_id=r.id,
                                           participant_id=table.residents[0]))


def test_a_facilitator_of_the_community_runs_the_whole_consultation(site, table, people):
    host = people["facilitator"]
    with site.db.session() as s:
        c = svc.create_consultation(s, actor=host, title="荣诚园充电桩", place_id=_place(site.db, "荣诚园"))
        p = svc.add_participant(s, actor=host, consultation_id=c.id, role="resident_rep", name="甲", present=True)
        o = svc.add_option(s, actor=host, consultation_id=c.id, text="加装充电口")
        r = svc.open_round(s, actor=host, consultation_id=c.id, preset="simple_majority", option_ids=[o.id])
        svc.record_ballot(s, actor=host, round_id=r.id, participant_id=p.id, choice="y")
        svc.close_round(s, actor=host, round_id=r.id)
        svc.publish_round(s, actor=host, round_id=r.id)
        out = svc.decide(s, actor=host, consultation_id=c.id, decision="加装", round_id=r.id)
        assert out.decided_by == "host"
    # but not a consultation of the whole street (no place): that needs a grant on the street
    _refused(site.db, lambda s: svc.create_consultation(s, actor=host, title="全街道议题"))


# -- through the command line ----------------------------------------------------------


def _cli_ok(site, *args, lang=None):
    code, out, err = site.cli(*args, lang=lang)
    assert code == 0, (args, err)
    return out


def test_the_cli_refuses_a_viewer_and_an_out_of_scope_secretary_in_one_line(site, monkeypatch):
    monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)
    for args in (("place", "add", "street", "青源街道"),
                 ("place", "add", "community", "荣诚园社区", "--parent", "青源街道"),
                 ("place", "add", "community", "荣雅园社区", "--parent", "青源街道"),
                 ("place", "add", "compound", "荣诚园", "--parent", "荣诚园社区")):
        _cli_ok(site, *args)
    _cli_ok(site, "operator", "add", "boss", "王主任", "--role", "street_admin")
    _cli_ok(site, "login", "boss")
    _cli_ok(site, "operator", "add", "view", "只读", "--role", "viewer")
    _cli_ok(site, "operator", "add", "sec2", "荣雅园书记", "--role", "community_secretary", "--place", "荣雅园社区")
    _cli_ok(site, "operator", "add", "host", "主持人", "--role", "facilitator", "--place", "荣诚园社区")

    # a viewer may list and show, not create
    _cli_ok(site, "login", "view")
    _cli_ok(site, "deliberation", "list")
    before = row_counts(site.db)
    code, out, err = site.cli("deliberation", "create", "荣诚园晾衣架", "--place", "荣诚园")
    assert code == 1 and out == "" and err.strip() == "错误：操作员「view」无权主持议事（发起协商、开启与结束表决、公布结果、作出决定）"
    code, out, err = site.cli("deliberation", "create", "荣诚园晾衣架", "--place", "荣诚园", lang="en")
    assert code == 1 and err.strip() == ("error: operator 'view' may not run consultations (create them, open and "
                                         "close rounds, publish, decide)")
    assert row_counts(site.db) == before

    # another community's secretary: refused on this community's compound
    _cli_ok(site, "login", "sec2")
    before = row_counts(site.db)  # the login is audited
    code, _, err = site.cli("deliberation", "create", "荣诚园晾衣架", "--place", "荣诚园")
    assert code == 1 and "无权" in err and err.count("\n") == 1
    assert row_counts(site.db) == before

    # the community's facilitator: allowed, and the audit names the account
    _cli_ok(site, "login", "host")
    cid = json.loads(_cli_ok(site, "deliberation", "create", "荣诚园晾衣架", "--place", "荣诚园", "--json"))["id"]
    _cli_ok(site, "deliberation", "participant", "add", str(cid), "--name", "甲", "--role", "resident_rep", "--present")
    _cli_ok(site, "deliberation", "option", "add", str(cid), "集中设置")
    _cli_ok(site, "deliberation", "round", "open", str(cid), "--preset", "simple_majority", "--options", "1")

    # the viewer may not vote either, and nothing is written
    _cli_ok(site, "login", "view")
    before = row_counts(site.db)
    code, _, err = site.cli("deliberation", "vote", str(cid), "1", "甲", "y")
    assert code == 1 and err.strip() == "错误：操作员「view」无权议事签到与录入选票"
    code, _, err = site.cli("deliberation", "round", "close", str(cid), "1", lang="en")
    assert code == 1 and "may not run consultations" in err
    assert row_counts(site.db) == before
    with site.db.read_session() as s:
        assert svc.get_consultation(s, cid).created_by == "host"


# -- the app ---------------------------------------------------------------------------


def test_the_app_does_not_offer_a_viewer_the_councils_keys(site, table, people, actor):
    """Logged in as a viewer, the consultation shows no key to run it or to vote; the
    facilitator of its community has them all."""
    from gongzhi.core.config import Settings
    from gongzhi.plugins.deliberation.screens import ConsultationScreen
    from gongzhi.tui.app import GongzhiApp
    from tests.tui.pilot import settle, until
    from tests.tui.test_roles import _log_in

    with site.db.session() as s:
        svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                       option_ids=[table.options[0]])
    manage = {"delib.new_round", "delib.close_round", "delib.decide", "delib.add_participant", "delib.publish_round"}
    record = {"delib.checkin_all", "delib.vote_undo"}

    def keys(node) -> set[str]:
        return {b.id for bs in node._bindings.key_to_bindings.values() for b in bs if b.id}

    async def shown(login: str) -> tuple[set[str], set[str], set[str]]:
        settings = Settings(language="zh", operator="本机操作员", database_url=site.db.url)
        app = GongzhiApp(settings=settings, open_database=lambda report: (site.db, site.host), require_login=True)
        async with app.run_test(size=(160, 50)) as pilot:
            await _log_in(app, pilot, login)
            app.push_screen(ConsultationScreen(site.db, table.consultation_id))
            await until(pilot, lambda: isinstance(app.screen, ConsultationScreen) and app.screen.detail is not None)
            await settle(pilot)
            screen = app.screen
            grid = keys(screen.query_one("#delib-votes"))
            people_keys = keys(screen.query_one("#delib-participants"))
            own = keys(screen)
            # a key left out does nothing either: 'v' opens no new-round form
            await pilot.press("v")
            await settle(pilot)
            opened = app.screen is not screen
        app.end_login()
        return own | people_keys | grid, grid, {"opened"} if opened else set()

    own, grid, opened = asyncio.run(shown("view"))
    assert not own & (manage | record) and not grid and not opened
    assert "delib.minutes" in own and "delib.back" in own  # reading stays
    own, grid, _ = asyncio.run(shown("host"))
    assert manage | record <= own and "delib.vote_yes" in grid and "delib.checkin" in own
