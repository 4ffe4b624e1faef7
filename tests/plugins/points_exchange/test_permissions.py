"""Every write of the points exchange checks a permission the plugin declares (issue 15):
a viewer is refused with ``permission.denied`` and nothing is written; a points clerk
keeps the ledger and the shelf; street-wide policy (rules, settings, expiry, adjustments)
needs a grant on the street."""

from __future__ import annotations

import importlib
import inspect
from datetime import date

import pytest
from sqlalchemy import select

from gongzhi.core import permissions
from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.services import operators as op_svc
from gongzhi.plugins.points_exchange import plugin
from gongzhi.plugins.points_exchange import services as svc
from tests.plugins.points_exchange.conftest import row_counts, state_dump

MODULES = ("services", "receipts")
# public functions with an ``actor`` that only pass it to a checked service
DELEGATING = {
    "redeem_basket": "svc.redeem(",  # the counter's redemption
    "earn_for_request": "return earn(",  # the request hook: earn() checks points.earn
}


def _declared() -> set[str]:
    names: list[str] = []
    plugin.register_permissions(lambda name, *_a, **_k: names.append(name))
    return set(names)


def test_every_service_taking_an_actor_checks_a_declared_permission():
    """A new service with an ``actor`` and no check of the plugin's permissions fails here."""
    declared = _declared()
    missing = []
    for m in MODULES:
        mod = importlib.import_module(f"gongzhi.plugins.points_exchange.{m}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if fn.__module__ != mod.__name__ or name.startswith("_"):
                continue
            if "actor" not in inspect.signature(fn).parameters:
                continue
            src = inspect.getsource(fn)
            if name in DELEGATING:
                assert DELEGATING[name] in src, name
                continue
            if not any(f'"{p}"' in src for p in declared):
                missing.append(f"{m}.{name}")
    assert missing == []


def _places(db) -> tuple[int, int]:
    with db.read_session() as s:
        street = s.scalar(select(Place.id).where(Place.parent_id.is_(None)))
        community = s.scalar(select(Place.id).where(Place.kind == "community"))
    return street, community


def _account(db, admin, login, role, place_id):
    with db.session() as s:
        op_svc.create_operator(s, actor=admin, login=login, display_name=login, password="password 123")
        op_svc.grant_role(s, actor=admin, login=login, role=role, place_id=place_id)
        return op_svc.actor_of(s, op_svc.get_operator(s, login))


# (permission, the call) — every writing service of the plugin
CALLS = [
    ("points.earn", lambda s, a, st: svc.earn(s, actor=a, person_id=st.residents[0], rule_code="resident_volunteer")),
    ("points.redeem", lambda s, a, st: svc.redeem(s, actor=a, person_id=st.residents[0], items=[(st.soap, 1, 5)])),
    ("points.adjust", lambda s, a, st: svc.adjust(s, actor=a, person_id=st.residents[0], amount=50, note="补录")),
    ("points.goods", lambda s, a, st: svc.add_goods(s, actor=a, name="毛巾", price=3, stock=2)),
    ("points.goods", lambda s, a, st: svc.restock(s, actor=a, goods_id=st.soap, quantity=3)),
    ("points.goods", lambda s, a, st: svc.correct_stock(s, actor=a, goods_id=st.soap, quantity=-1, note="盘点")),
    ("points.goods", lambda s, a, st: svc.set_price(s, actor=a, goods_id=st.soap, price=6)),
    ("points.goods", lambda s, a, st: svc.set_goods_active(s, actor=a, goods_id=st.rice, active=False)),
    ("points.manage", lambda s, a, st: svc.update_settings(s, actor=a, budget_cap=500)),
    ("points.manage", lambda s, a, st: svc.create_rule(s, actor=a, code="tidy", name_zh="清理楼道", points=3,
                                                       roles=["resident"])),
    ("points.manage", lambda s, a, st: svc.revise_rule(s, actor=a, code="resident_volunteer", points=6)),
    ("points.manage", lambda s, a, st: svc.expire(s, actor=a, as_of=date(2027, 1, 1))),
]


def _refused(db, actor, call) -> None:
    before, dump = row_counts(db), state_dump(db)
    with db.session() as s, pytest.raises(DomainError) as info:
        call(s, actor, db.street)
    assert info.value.code == "permission.denied"
    assert row_counts(db) == before and state_dump(db) == dump


def test_a_viewer_is_refused_every_write_and_nothing_is_written(db, clerk):
    street, _ = _places(db)
    viewer = _account(db, clerk, "viewer", "viewer", street)
    for _perm, call in CALLS:
        _refused(db, viewer, call)
    with db.session() as s:  # approve, void and reverse need a transfer to act on
        t = svc.earn(s, actor=clerk, person_id=db.street.residents[0], rule_code="resident_suggestion").transfer.id
        posted = svc.earn(s, actor=clerk, person_id=db.street.residents[1], rule_code="resident_volunteer").transfer.id
    for call in (lambda s, a, st: svc.approve(s, actor=a, transfer_id=t),
                 lambda s, a, st: svc.void(s, actor=a, transfer_id=t),
                 lambda s, a, st: svc.reverse(s, actor=a, transfer_id=posted)):
        _refused(db, viewer, call)


def test_a_points_clerk_keeps_the_shelf_but_not_the_street_policy(db, clerk):
    street, community = _places(db)
    keeper = _account(db, clerk, "keeper", "points_clerk", community)  # a grant anywhere: the shelf
    for perm, call in CALLS:
        if perm in ("points.manage", "points.adjust"):
            _refused(db, keeper, call)
    with db.session() as s:
        svc.restock(s, actor=keeper, goods_id=db.street.soap, quantity=3)
        assert svc.get_goods(s, db.street.soap).stock == 13
        svc.adjust(s, actor=clerk, person_id=db.street.residents[0], amount=50, note="补录")
        svc.redeem(s, actor=keeper, person_id=db.street.residents[0], items=[(db.street.soap, 1, 5)])
    # street-wide policy: a street admin of one community is out of scope, of the street in it
    local_admin = _account(db, clerk, "local-admin", "street_admin", community)
    _refused(db, local_admin, CALLS[8][1])
    admin = _account(db, clerk, "admin", "street_admin", street)
    with db.session() as s:
        assert svc.update_settings(s, actor=admin, budget_cap=500).budget_cap == 500
        svc.adjust(s, actor=admin, person_id=db.street.residents[1], amount=20, note="补录")


def test_the_declared_permissions_reach_the_registry():
    from gongzhi.core.config import Settings
    from gongzhi.core.plugins import PluginHost

    PluginHost(Settings(), names=["points_exchange"]).load(models=False)
    reg = permissions.registry()
    for name in _declared():
        assert reg[name].source == "points_exchange"
    assert reg["points.goods"].roles == {"points_clerk", "street_admin"}
    assert reg["points.manage"].roles == {"street_admin"}


def test_cli_refuses_a_viewer_in_one_line_and_writes_nothing(site, street, monkeypatch):
    monkeypatch.setenv("GONGZHI_PASSWORD", "password 123")
    code, out, err = site.cli("--operator", "积分录入员", "operator", "add", "boss", "王主任", "--role", "street_admin")
    assert code == 0, out + err
    assert site.cli("login", "boss")[0] == 0
    assert site.cli("operator", "add", "view", "只读", "--role", "viewer")[0] == 0
    assert site.cli("operator", "add", "keeper", "管理员", "--role", "points_clerk")[0] == 0
    assert site.cli("login", "view")[0] == 0
    before, dump = row_counts(site.db), state_dump(site.db)
    for args in (("points", "goods", "add", "毛巾", "--price", "3"), ("points", "goods", "restock", "香皂", "2"),
                 ("points", "earn", "王芳", "resident_volunteer")):
        for lang, words in (("zh", "操作员「view」无权"), ("en", "operator 'view' may not")):
            code, out, err = site.cli(*args, lang=lang)
            assert code == 1 and out == "", (args, out, err)
            assert err.count("\n") == 1 and words in err, (args, err)
    assert row_counts(site.db) == before and state_dump(site.db) == dump
    assert site.cli("login", "keeper")[0] == 0
    code, out, err = site.cli("points", "goods", "restock", "香皂", "2", "--json")
    assert code == 0, err
