"""The opinion database's writes check ``insights.manage`` (issue 15): importing a chat
on its compound, turning a topic into a request or an event on the place it lands on, a
backfill run from the shell. A viewer and another community's secretary are refused with
``permission.denied`` and nothing is written; the community's secretary and grid worker
may. The listings stay open to every role."""

from __future__ import annotations

import importlib
import inspect
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from gongzhi.core.errors import DomainError
from gongzhi.core.services import operators as op_svc
from gongzhi.plugins.insights import plugin
from gongzhi.plugins.insights import services as svc
from tests.plugins.insights.conftest import CLERK, PLUGIN, add_request
from tests.plugins.insights.test_chat import EXPORT

PASSWORD = "password 123"
COUNTED = ("insights_doc", "insights_token", "insights_chat_import", "insights_chat_heat", "request", "audit_log")
HOT = "".join(f"2026-10-05 1{i}:00 居民{i}：高空抛物又来了\n" for i in range(8))


def _declared() -> set[str]:
    names: list[str] = []
    plugin.register_permissions(lambda name, *_a, **_k: names.append(name))
    return set(names)


def test_every_service_taking_an_actor_checks_a_declared_permission():
    declared = _declared()
    assert declared == {"insights.manage"}
    mod = importlib.import_module("gongzhi.plugins.insights.services")
    missing = [name for name, fn in inspect.getmembers(mod, inspect.isfunction)
               if fn.__module__ == mod.__name__ and not name.startswith("_")
               and "actor" in inspect.signature(fn).parameters
               and not any(f'"{p}"' in inspect.getsource(fn) for p in declared)]
    assert missing == []


def row_counts(db) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t: conn.execute(select(func.count()).select_from(text(t))).scalar_one() for t in COUNTED}


def _account(db, login, role, place_id):
    with db.session() as s:
        op_svc.create_operator(s, actor=CLERK, login=login, display_name=login, password=PASSWORD)
        op_svc.grant_role(s, actor=CLERK, login=login, role=role, place_id=place_id)
        return op_svc.actor_of(s, op_svc.get_operator(s, login))


def _refused(db, call) -> None:
    before = row_counts(db)
    with pytest.raises(DomainError) as info:
        call()
    assert info.value.code == "permission.denied"
    assert row_counts(db) == before


def test_chat_import_and_topics_need_insights_manage_on_their_place(db, street, tmp_path):
    chat = tmp_path / "群.txt"
    chat.write_text(EXPORT + HOT, encoding="utf-8")
    for i in range(20):
        add_request(db, street, "路灯不亮", at=datetime(2026, 10, 3 + i % 3, 3, tzinfo=UTC))
    viewer = _account(db, "viewer", "viewer", street.street)
    outsider = _account(db, "sec-ry", "community_secretary", street.communities["荣雅园"])
    secretary = _account(db, "sec-sk", "community_secretary", street.communities["盛康园"])
    grid = _account(db, "grid-sk", "grid_worker", street.communities["盛康园"])
    for who in (viewer, outsider):
        _refused(db, lambda who=who: svc.import_chat(db, chat, actor=who, compound="盛康园"))
    _refused(db, lambda: svc.import_chat(db, chat, actor=secretary))  # no compound: the street's
    _refused(db, lambda: svc.sync_tokens(db, actor=viewer))
    assert svc.import_chat(db, chat, actor=grid, compound="盛康园")["messages"] == 12
    for who in (viewer, outsider):
        for action in ("request", "consultation"):
            _refused(db, lambda who=who, action=action: svc.act_on_topic(db, "高空抛物", action, actor=who,
                                                                       compound="盛康园"))
    made = svc.act_on_topic(db, "高空抛物", "request", actor=secretary, compound="盛康园")
    assert made["place_id"] == street.compounds["盛康园"]
    assert svc.sync_tokens(db, actor=grid)["requests"] == 21


def test_the_cli_refuses_a_viewer_and_an_out_of_scope_secretary(gongzhi_site, sqlite_only, tmp_path, monkeypatch):
    site = gongzhi_site(plugins=[PLUGIN], url=sqlite_only.url)
    chat = tmp_path / "群.txt"
    chat.write_text(EXPORT + HOT, encoding="utf-8")
    monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)
    assert site.cli("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
    assert site.cli("login", "boss")[0] == 0
    for login, role, place in (("view", "viewer", "荣雅园社区"), ("sec-ry", "community_secretary", "荣雅园社区"),
                               ("sec-sk", "community_secretary", "盛康园社区")):
        code, out, err = site.cli("operator", "add", login, login, "--role", role, "--place", place)
        assert code == 0, out + err
    for login in ("view", "sec-ry"):
        assert site.cli("login", login)[0] == 0
        before = row_counts(site.db)
        for lang, words in (("zh", f"操作员「{login}」无权管理民意数据库"),
                            ("en", f"operator '{login}' may not manage the opinion database")):
            code, out, err = site.cli("insights", "chat-import", str(chat), "--compound", "盛康园", lang=lang)
            assert code == 1 and out == "" and err.count("\n") == 1 and words in err, (login, out, err)
        code, _, err = site.cli("insights", "sync")
        assert (code == 1) is (login == "view"), err  # a community secretary holds it somewhere
        assert row_counts(site.db) == before or login != "view"
        code, out, err = site.cli("insights", "chat-heat", "--json")  # reading is open to every role
        assert code == 0 and json.loads(out) == [], err
    assert site.cli("login", "sec-sk")[0] == 0
    code, out, err = site.cli("insights", "chat-import", str(chat), "--compound", "盛康园", "--json")
    assert code == 0 and json.loads(out)["messages"] == 12, err
    assert site.cli("login", "sec-ry")[0] == 0
    code, _, err = site.cli("insights", "act", "高空抛物", "consultation", "--compound", "盛康园")
    assert code == 1 and "无权" in err
