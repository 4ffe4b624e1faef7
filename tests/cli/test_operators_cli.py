"""``gongzhi operator``, ``login``/``logout``, ``audit list`` and the actor of a shared
database, end to end through core.cli.main on a real SQLite file (issue 15)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import select

from gongzhi.core.cli import main
from gongzhi.core.cli.context import session_file
from gongzhi.core.db import Database
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.operators import OperatorSession

PASSWORD = "correct horse 1"


@pytest.fixture
def cli(tmp_path: Path, capsys, monkeypatch):
    (tmp_path / 'cli.sqlite').touch()  # an existing (empty) file: a missing one is refused
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)

    def run(*args: str, lang: str | None = None) -> tuple[int, str, str]:
        argv = ["--db", url] + (["--lang", lang] if lang else []) + list(args)
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    run.url = url  # type: ignore[attr-defined]
    return run


def _audit(url: str, action: str) -> list[AuditLog]:
    db = Database(url)
    with db.read_session() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))
    db.dispose()
    return rows


def _street(cli) -> None:
    for args in (
        ("place", "add", "street", "青源街道"),
        ("place", "add", "community", "荣雅园社区", "--parent", "青源街道"),
        ("place", "add", "compound", "荣雅园", "--parent", "荣雅园社区"),
        ("place", "add", "building", "1号楼", "--parent", "荣雅园"),
        ("place", "add", "household", "1-701", "--parent", "1号楼"),
        ("person", "add", "张晓明", "--phone", "13812345678", "--household", "1-701"),
    ):
        code, out, err = cli(*args)
        assert code == 0, (args, out, err)


def test_without_accounts_the_local_operator_acts_as_before(cli, monkeypatch):
    _street(cli)
    monkeypatch.setenv("GONGZHI_OPERATOR", "王主任")
    code, out, err = cli("person", "show", "1", "--reveal", "--reason", "回访", "--json")
    assert code == 0, err
    assert json.loads(out)["phone"] == "13812345678"
    assert [r.actor for r in _audit(cli.url, "person.reveal")] == ["王主任"]


def test_reveal_without_a_reason_is_refused_and_writes_nothing(cli):
    _street(cli)
    for extra in ((), ("--reason", ""), ("--reason", "   ")):
        code, out, err = cli("person", "show", "1", "--reveal", *extra)
        assert code == 1 and out == ""
        assert err.strip() == "错误：查看完整号码必须填写原因（--reason）"
    code, _, err = cli("person", "show", "1", "--reveal", lang="en")
    assert code == 1 and err.strip() == "error: revealing the numbers needs a reason (--reason)"
    assert _audit(cli.url, "person.reveal") == []


def test_with_accounts_a_token_is_the_actor_and_a_claimed_name_is_refused(cli, monkeypatch):
    _street(cli)
    assert cli("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
    # from now on the database has accounts: no login, no actor
    code, out, err = cli("person", "show", "1")
    assert code == 1 and out == "" and "gongzhi login" in err
    monkeypatch.setenv("GONGZHI_OPERATOR", "伪造的主任")
    code, _, err = cli("person", "show", "1", lang="en")
    assert code == 1 and "GONGZHI_OPERATOR" in err
    monkeypatch.delenv("GONGZHI_OPERATOR")
    code, _, err = cli("--operator", "伪造的主任", "person", "find", "张")
    assert code == 1 and "GONGZHI_OPERATOR" in err

    code, out, err = cli("login", "boss")
    assert code == 0, err
    path = session_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = json.loads(path.read_text())[cli.url]
    db = Database(cli.url)
    with db.read_session() as s:
        hashes = list(s.scalars(select(OperatorSession.token_hash)))
    db.dispose()
    assert token not in hashes and len(hashes) == 1

    code, out, err = cli("person", "show", "1", "--reveal", "--reason", "回访", "--json")
    assert code == 0, err
    assert [r.actor for r in _audit(cli.url, "person.reveal")] == ["boss"]

    assert cli("logout")[0] == 0
    assert cli("person", "find", "张")[0] == 1


def test_failed_logins_lock_the_account_and_are_audited(cli, monkeypatch):
    _street(cli)
    assert cli("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
    monkeypatch.setenv("GONGZHI_PASSWORD", "wrong password")
    for _ in range(5):
        code, _, err = cli("login", "boss")
        assert code == 1 and err.strip() == "错误：账号或密码错误"
    monkeypatch.setenv("GONGZHI_PASSWORD", PASSWORD)
    code, _, err = cli("login", "boss", lang="en")
    assert code == 1 and "locked" in err
    assert len(_audit(cli.url, "operator.login_failed")) == 6
    assert not session_file().exists()


def test_roles_limit_the_cli(cli, monkeypatch):
    _street(cli)
    assert cli("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
    assert cli("login", "boss")[0] == 0
    code, _, err = cli("operator", "add", "view", "只读", "--role", "viewer")
    assert code == 0, err
    assert cli("operator", "add", "grid", "网格员", "--role", "grid_worker", "--place", "荣雅园社区")[0] == 0
    code, out, _ = cli("operator", "list", "--json")
    assert [(o["login"], [r["role"] for r in o["roles"]]) for o in json.loads(out)] == [
        ("boss", ["street_admin"]), ("grid", ["grid_worker"]), ("view", ["viewer"])]

    assert cli("login", "view")[0] == 0
    code, _, err = cli("person", "find", "13812345678")
    assert code == 1 and "无权" in err
    code, out, _ = cli("person", "find", "5678", "--json")
    assert code == 0 and json.loads(out)[0]["phone"] == "138****5678"
    code, _, err = cli("person", "show", "1", "--reveal", "--reason", "回访")
    assert code == 1 and "无权" in err
    code, _, err = cli("audit", "list", "--json", lang="en")
    assert code == 1 and err.strip() == "error: operator 'view' may not read the audit log"

    assert cli("login", "grid")[0] == 0
    code, out, _ = cli("person", "find", "13812345678", "--json")
    assert code == 0 and [p["name"] for p in json.loads(out)] == ["张晓明"]
    code, out, err = cli("person", "show", "1", "--reveal", "--reason", "上门核实", "--json")
    assert code == 0 and json.loads(out)["phone"] == "13812345678"

    assert cli("login", "boss")[0] == 0
    code, out, err = cli("audit", "list", "--json", "--who", "grid", "--action", "person.reveal",
                         "--entity", "person", "--since", "2000-01-01", "--until", "2999-01-01")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["actor"], r["after"]["reason"]) for r in rows] == [("grid", "上门核实")]
    code, out, _ = cli("audit", "list", "--json", "--until", "2000-01-01")
    assert code == 0 and json.loads(out) == []


def test_plugin_commands_find_a_person_by_full_phone_only_for_call_handlers(cli, monkeypatch):
    """A plugin's person argument goes through the same rule as ``person find``: a viewer
    names a resident by the phone's last four digits, not by the whole number."""
    monkeypatch.setenv("GONGZHI_PLUGINS", "points_exchange")
    _street(cli)
    code, out, err = cli("db", "upgrade")
    assert code == 0, out + err
    assert cli("operator", "add", "boss", "王主任", "--role", "street_admin")[0] == 0
    assert cli("login", "boss")[0] == 0
    assert cli("operator", "add", "view", "只读", "--role", "viewer")[0] == 0
    assert cli("login", "view")[0] == 0
    code, out, err = cli("points", "balance", "5678")
    assert code == 0, err
    code, _, err = cli("points", "balance", "13812345678", lang="en")
    assert code == 1 and "may not" in err and err.count("\n") == 1, err
    assert cli("login", "boss")[0] == 0
    code, out, err = cli("points", "balance", "13812345678")
    assert code == 0, err


# -- issue 15 audit, item 1: a refused `operator add` writes nothing -----------------

def _counts(url: str) -> dict[str, int]:
    from sqlalchemy import text

    db = Database(url)
    with db.engine.connect() as conn:
        out = {t: conn.scalar(text(f"SELECT count(*) FROM {t}"))
               for t in ("operator", "operator_role", "operator_session", "audit_log")}
    db.dispose()
    return out


@pytest.mark.parametrize(("args", "zh", "en"), [
    (("--role", "nosuch"), "角色的取值「nosuch」无效", "invalid role 'nosuch'"),
    (("--role", "viewer", "--place", "没有这个地方"), "没有这个地方", "没有这个地方"),
    ((), "第一个操作员账号必须是街道上的街道管理员", "the first operator account must be street_admin on the street"),
    (("--role", "grid_worker", "--place", "荣雅园社区"), "第一个操作员账号必须是", "must be street_admin on the street"),
    (("--role", "street_admin", "--place", "荣雅园社区"), "第一个操作员账号必须是", "must be street_admin on the street"),
])
def test_a_refused_operator_add_creates_no_account(cli, args, zh, en):
    """A bad role or place, or a first account that could lock the street out: one coded
    line in either language, and no account, grant or audit row."""
    _street(cli)
    before = _counts(cli.url)
    for lang, expected in (("zh", zh), ("en", en)):
        code, out, err = cli("operator", "add", "zz1", "名", *args, lang=lang)
        assert code == 1 and out == "", (out, err)
        assert expected in err and err.count("\n") == 1, err
        assert err.startswith("错误：" if lang == "zh" else "error: "), err
    assert _counts(cli.url) == before


def test_the_first_account_is_street_admin_on_the_street_and_made_in_one_step(cli):
    _street(cli)
    before = _counts(cli.url)
    code, _, err = cli("operator", "add", "first", "王主任", "--role", "street_admin")
    assert code == 0, err
    after = _counts(cli.url)
    assert (after["operator"], after["operator_role"]) == (before["operator"] + 1, before["operator_role"] + 1)
    assert [r.action for r in _audit(cli.url, "operator.create") + _audit(cli.url, "operator.grant")] == [
        "operator.create", "operator.grant"]
    # with a street admin in place, an account without a role is fine again (granted later)
    assert cli("login", "first")[0] == 0
    code, _, err = cli("operator", "add", "later", "李四")
    assert code == 0, err
    before = _counts(cli.url)
    code, _, err = cli("operator", "add", "zz2", "名", "--role", "nosuch", lang="en")
    assert code == 1 and "invalid role 'nosuch'" in err
    assert _counts(cli.url) == before
