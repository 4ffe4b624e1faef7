"""``gongzhi db``: upgrade, check and back up the database."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from gongzhi.core.cli.context import console, err, print_json, state, tr

app = typer.Typer(help="数据库 / database operations", no_args_is_help=True)


@app.command("upgrade")
def upgrade(
    revision: str = typer.Option("head", "--revision", "-r", help="核心的目标版本 / core target revision"),
    plugin: str | None = typer.Option(None, "--plugin", "-p", help="只升级该插件 / only this plugin"),
    create: bool = typer.Option(False, "--create", help="SQLite 文件不存在时新建 / create the SQLite file if it does not exist"),
) -> None:
    """升级数据库结构：先核心，再按依赖顺序升级已启用插件 / migrate the core, then enabled plugins."""
    state.create_database = create
    db = state.database(ready=False)
    host = state.host
    if revision not in ("head", "heads", "base"):
        _check_revision(db, revision)
    current = db.current_revision()
    if db.is_sqlite and current is not None and current != db.head_revision():
        backup = db.backup(reason=f"pre-upgrade-{current}")
        console.print(tr(f"已备份：{backup}", f"backup: {backup}"), markup=False)
    if plugin is None:
        db.upgrade(revision)
        if current is None and revision in ("head", "heads"):
            # a brand-new street starts with the default request categories, as on first start
            from gongzhi.core.services.categories import ensure_default_categories

            with db.session() as s:
                ensure_default_categories(s, actor=state.actor)
        console.print(tr(f"核心数据库结构：{db.current_revision()}", f"core schema at {db.current_revision()}"),
                      markup=False)
    if host is not None and (plugin is not None or revision == "head"):
        for name in host.upgrade(db, plugin):
            console.print(tr(f"插件 {name}：{host.current_revision(db, name)}",
                             f"plugin {name} at {host.current_revision(db, name)}"), markup=False)


def _check_revision(db: Any, revision: str) -> None:
    """An unknown target revision is refused before anything is backed up or migrated."""
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    from gongzhi.core.errors import DomainError

    # relative targets (-1, +2, 0009+1, head-1) and branch syntax (x@y) are Alembic's own
    # notation: an upgrade cannot go down, and a clerk means a named revision
    if re.search(r"[+-]\d+$", revision) or "@" in revision:
        raise DomainError("db.relative_revision", revision=revision, head=db.head_revision())
    scripts = ScriptDirectory.from_config(db.alembic_config())
    try:
        found = scripts.get_revisions(revision)
    except (CommandError, KeyError, ValueError):
        found = ()
    if not found:
        raise DomainError("db.unknown_revision", revision=revision, head=db.head_revision())


@app.command("check")
def check(as_json: bool = typer.Option(False, "--json")) -> None:
    """检查数据库结构与模型一致 / check the schema matches the models."""
    db = state.database(ready=False)
    current, head = db.current_revision(), db.head_revision()
    diffs = [repr(d) for d in db.check()] if current is not None else ["schema not created"]
    ok = current == head and not diffs
    plugins = {}
    host = state.host
    for name in host.specs if host is not None else ():
        p_current, p_head = host.current_revision(db, name), host.head_revision(db, name)
        p_diffs = [repr(d) for d in host.check(db, name)] if p_current is not None else ["not migrated"]
        plugins[name] = {"current": p_current, "head": p_head, "differences": p_diffs}
        if p_current != p_head or p_diffs:
            ok = False
            diffs += [f"{name}: {d}" for d in p_diffs] or [f"{name}: at {p_current}, head {p_head}"]
    scoped = current is not None and db.login_is_scoped()
    broken = _broken_chains(db) if current is not None and not scoped else []
    heads = _head_mismatches(db) if current is not None and not scoped else []
    guards = _missing_guards(db) if current is not None else []
    if broken or heads or guards:
        ok = False
    warnings = db.login_warnings()
    if current is not None and not db.is_sqlite and not _has_operators(db):
        warnings.append(("db.no_operators", (
            "警告：这个共享数据库没有操作员账号，任何人都可以自称任何人，“双人复核”只比对名字；"
            "请用 gongzhi operator add 建立第一个街道管理员账号",
            "warning: this shared database has no operator accounts: anyone may act under any name and "
            "the four-eyes rule compares names only; add the first street admin with gongzhi operator add")))
    if scoped:  # it sees only its communities' rows: the chains cannot be walked from here
        warnings.append(("db.chains_not_checked", (
            "提示：当前登录按社区限定，未核对哈希链；请以数据库所有者运行 gongzhi db verify",
            "note: this login is confined to communities, so the hash chains were not checked: run "
            "gongzhi db verify as the database owner")))
    if as_json:
        print_json({"ok": ok, "current": current, "head": head, "differences": diffs, "plugins": plugins,
                    "broken_chains": [{"table": b.table, "id": b.id} for b in broken],
                    "chain_heads": [_head_json(m) for m in heads],
                    "missing_guards": [{"table": t, "trigger": g} for t, g in guards],
                    "warnings": [w for w, _text in warnings]})
    elif ok:
        console.print(tr(f"数据库结构正常（{current}）", f"schema is up to date ({current})"), markup=False)
    elif diffs or current != head:
        err(tr(f"数据库结构不一致：当前 {current}，最新 {head}", f"schema differs: at {current}, head {head}"))
        for d in diffs:
            err("  " + d)
    if not as_json:
        for b in broken:
            err(_broken_line(b))
        for m in heads:
            err(_head_line(m))
        for table, trigger in guards:
            err(tr(f"追加表保护缺失：表 {table} 没有（或停用了）触发器 {trigger}",
                   f"append-only guard missing: table {table} has no (or a disabled) trigger {trigger}"))
    if not as_json:
        for _code, (zh, en) in warnings:
            err(tr(zh, en))
    if not ok:
        raise typer.Exit(1)


def _broken_chains(db) -> list:
    from gongzhi.core.chain import verify_chains

    with db.engine.connect() as conn:
        return verify_chains(conn)


def _head_mismatches(db) -> list:
    from gongzhi.core.chain import check_heads

    with db.engine.connect() as conn:
        return check_heads(conn)


def _missing_guards(db) -> list[tuple[str, str]]:
    from gongzhi.core.chain import missing_guards

    with db.engine.connect() as conn:
        return missing_guards(conn)


def _has_operators(db) -> bool:
    from gongzhi.core.services.operators import has_operators_safe

    with db.read_session() as s:
        return has_operators_safe(s)


def _head_json(m) -> dict:
    return {"table": m.table, "expected": None if m.expected is None else
            {"rows": m.expected[0], "last_id": m.expected[1]},
            "found": {"rows": m.found[0], "last_id": m.found[1]}}


def _head_line(m) -> str:
    rows, last = m.found
    if m.expected is None:
        return tr(f"哈希链缺少检查点：表 {m.table}（现有 {rows} 行，最后编号 {last}）",
                  f"hash chain without its checkpoint: table {m.table} ({rows} rows, last id {last})")
    e_rows, e_last = m.expected
    return tr(f"哈希链末尾不符：表 {m.table} 按检查点应有 {e_rows} 行、最后编号 {e_last}，实有 {rows} 行、最后编号 {last}"
              "（末尾的记录被删除，或绕过触发器写入过）",
              f"hash chain end does not match: table {m.table} should have {e_rows} rows up to id {e_last} by its "
              f"checkpoint, and has {rows} rows up to id {last} (rows at its end were removed, or written past "
              "the trigger)")


def _broken_line(b) -> str:
    return tr(f"哈希链断裂：表 {b.table} 的第 {b.id} 行（该行或之前的记录被改动过）",
              f"hash chain broken: table {b.table}, row id {b.id} (this row or an earlier one was altered)")


@app.command("scope-login")
def scope_login(
    login: str = typer.Argument(..., metavar="LOGIN", help="PostgreSQL 登录名 / the PostgreSQL login"),
    community: str = typer.Option(..., "--community", help="社区名称或编号 / the community, by name or id"),
    remove: bool = typer.Option(False, "--remove", help="取消此社区 / take this community away"),
) -> None:
    """按社区限定数据库登录（行级权限）/ confine a PostgreSQL login to a community's rows (row-level security)."""
    from sqlalchemy import delete, text
    from sqlalchemy.exc import ProgrammingError

    from gongzhi.core.errors import DomainError
    from gongzhi.core.models.operators import DbLoginScope
    from gongzhi.core.services.base import audit
    from gongzhi.core.services.places import find_place

    db = state.database()
    if db.is_sqlite:
        raise DomainError("db.scope_postgresql_only")
    try:
        with db.session() as s:
            # before the look-up: a confined login does not even see other communities
            if not s.scalar(text("SELECT has_table_privilege('db_login_scope', 'INSERT')")):
                raise DomainError("db.scope_denied")
            place = find_place(s, community)
            if place.kind != "community":
                raise DomainError("db.scope_not_community", name=place.name)
            if remove:
                s.execute(delete(DbLoginScope).where(DbLoginScope.login == login,
                                                     DbLoginScope.community_id == place.id))
            elif s.get(DbLoginScope, (login, place.id)) is None:
                s.add(DbLoginScope(login=login, community_id=place.id))
            name = place.name
            change = {"login": login, "community_id": place.id}
            audit(s, state.actor, "db.scope_login", "db_login_scope", place.id,
                  before=change if remove else None, after=None if remove else change)
            s.commit()
    except ProgrammingError as e:
        if getattr(e.orig, "sqlstate", None) == "42501":  # insufficient_privilege
            raise DomainError("db.scope_denied") from None
        raise
    if remove:
        console.print(tr(f"登录 {login} 不再限于 {name}", f"the login {login} is no longer confined to {name}"),
                      markup=False)
    else:
        console.print(tr(f"登录 {login} 只能看到和写入 {name} 的数据（诉求、居民、地点、组织……）",
                         f"the login {login} now sees and writes only the rows of {name} (requests, residents, "
                         "places, organisations …)"), markup=False)


@app.command("verify")
def verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """逐行核对流水、时间线、审计和投票的哈希链 / check every hash chain end to end."""
    from gongzhi.core.chain import CHAINED

    db = state.database(ready=False)
    if db.login_is_scoped():
        from gongzhi.core.errors import DomainError

        raise DomainError("db.verify_scoped")
    broken = _broken_chains(db)
    heads = _head_mismatches(db)
    if as_json:
        print_json({"ok": not (broken or heads), "tables": list(CHAINED),
                    "broken": [{"table": b.table, "id": b.id} for b in broken],
                    "chain_heads": [_head_json(m) for m in heads]})
    elif not (broken or heads):
        console.print(tr(f"哈希链完整：{', '.join(CHAINED)}", f"hash chains intact: {', '.join(CHAINED)}"),
                      markup=False)
    else:
        for b in broken:
            err(_broken_line(b))
        for m in heads:
            err(_head_line(m))
    if broken or heads:
        raise typer.Exit(1)


@app.command("backup")
def backup(output: Path | None = typer.Option(None, "--output", "-o", help="备份文件 / target file")) -> None:
    """备份 SQLite 数据库（在线一致备份）/ online backup of the SQLite file. PostgreSQL: use pg_dump."""
    if output is not None:
        from gongzhi.core.services.base import check_output_path

        output = check_output_path(output)  # before any work: no folder is made for a typo
    db = state.database(ready=False)
    target = db.backup(output)
    console.print(tr(f"已备份到 {target}", f"backed up to {target}"), markup=False)
