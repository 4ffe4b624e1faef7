"""``gongzhi operator``, ``gongzhi login`` / ``logout`` and ``gongzhi audit`` (issue 15).

Passwords are asked without echo; a script may pass one in ``GONGZHI_PASSWORD``
(never on the command line, where other users of the machine could read it).
"""

from __future__ import annotations

import os

import typer

from gongzhi.core.cli.context import (
    console,
    err,
    parse_local_datetime,
    print_json,
    read_token,
    state,
    table,
    tr,
    write_token,
)
from gongzhi.core.permissions import ROLE_TITLES, ROLES

app = typer.Typer(help="操作员账号 / operator accounts", no_args_is_help=True)
audit_app = typer.Typer(help="审计日志 / the audit log", no_args_is_help=True)


def _password(confirm: bool) -> str:
    env = os.environ.get("GONGZHI_PASSWORD")
    if env is not None:
        return env
    return typer.prompt(tr("密码", "password"), hide_input=True, confirmation_prompt=confirm)


@app.command("add")
def add(
    login_name: str = typer.Argument(..., metavar="LOGIN", help="账号 / login name"),
    display_name: str = typer.Argument(..., metavar="NAME", help="姓名 / display name"),
    role: str | None = typer.Option(None, "--role", help="角色 / role: " + ", ".join(ROLES)),
    place: str | None = typer.Option(None, "--place", help="角色所在地点 / the place the role is granted on"),
) -> None:
    """新建操作员账号 / add an operator account (password asked without echo)."""
    from gongzhi.core.services import operators as svc

    db = state.database()
    password = _password(confirm=True)
    with db.session() as s:
        # the place is found before anything is written; account and grant are one transaction
        place_id = _place_id(s, place) if role is not None or place is not None else None
        op = svc.add_operator(s, actor=state.actor, login=login_name, display_name=display_name,
                              password=password, role=role, place_id=place_id, token=_token())
    console.print(tr(f"已新建操作员 {op.login}（{op.display_name}）", f"added operator {op.login} ({op.display_name})"),
                  markup=False)


def _token() -> str | None:
    """The session token of this database, which the PostgreSQL functions that change
    accounts check again (migration 0011)."""
    return read_token(state.settings.database_url)


def _place_id(s, place: str | None) -> int:
    from sqlalchemy import select

    from gongzhi.core.models.places import Place
    from gongzhi.core.services.places import find_place

    if place:
        return find_place(s, place).id
    root = s.scalar(select(Place.id).where(Place.parent_id.is_(None)).order_by(Place.id))
    if root is None:
        from gongzhi.core.errors import DomainError

        raise DomainError("input.required", field="--place")
    return root


@app.command("grant")
def grant(
    login_name: str = typer.Argument(..., metavar="LOGIN"),
    role: str = typer.Argument(..., help="角色 / role: " + ", ".join(ROLES)),
    place: str | None = typer.Option(None, "--place", help="地点（默认街道）/ place (default: the street)"),
) -> None:
    """授予角色 / grant a role on a place."""
    from gongzhi.core.services import operators as svc

    db = state.database()
    with db.session() as s:
        row = svc.grant_role(s, actor=state.actor, login=login_name, role=role, place_id=_place_id(s, place),
                             token=_token())
        from gongzhi.core.services.places import get_place

        where = get_place(s, row.place_id).name
    console.print(tr(f"已授予 {login_name}「{ROLE_TITLES[role][0]}」于 {where}",
                     f"granted {login_name} {ROLE_TITLES[role][1]} on {where}"), markup=False)


@app.command("disable")
def disable(login_name: str = typer.Argument(..., metavar="LOGIN")) -> None:
    """停用账号（并结束其登录）/ disable an account (and end its sessions)."""
    from gongzhi.core.services import operators as svc

    db = state.database()
    with db.session() as s:
        svc.set_disabled(s, actor=state.actor, login=login_name, disabled=True, token=_token())
    console.print(tr(f"已停用 {login_name}", f"disabled {login_name}"), markup=False)


@app.command("enable")
def enable(login_name: str = typer.Argument(..., metavar="LOGIN")) -> None:
    """重新启用账号 / enable an account again."""
    from gongzhi.core.services import operators as svc

    db = state.database()
    with db.session() as s:
        svc.set_disabled(s, actor=state.actor, login=login_name, disabled=False, token=_token())
    console.print(tr(f"已启用 {login_name}", f"enabled {login_name}"), markup=False)


@app.command("passwd")
def passwd(login_name: str = typer.Argument(..., metavar="LOGIN")) -> None:
    """设置新密码（解除锁定）/ set a new password (clears a lock)."""
    from gongzhi.core.services import operators as svc

    db = state.database()
    password = _password(confirm=True)
    with db.session() as s:
        svc.set_password(s, actor=state.actor, login=login_name, password=password, token=_token())
    console.print(tr(f"已为 {login_name} 设置新密码", f"new password set for {login_name}"), markup=False)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """操作员与角色 / operators and their roles."""
    from gongzhi.core.services import operators as svc

    db = state.database()
    with db.read_session() as s:
        lines = svc.list_operators(s)
    rows = [{"login": o.login, "display_name": o.display_name, "disabled": o.disabled,
             "locked_until": o.locked_until,
             "roles": [{"role": r, "place_id": pid, "place": name} for r, pid, name in o.roles]} for o in lines]
    if as_json:
        print_json(rows)
        return
    lang = 1 if state.language == "en" else 0
    table([tr("账号", "login"), tr("姓名", "name"), tr("状态", "state"), tr("角色", "roles")],
          [[r["login"], r["display_name"], tr("停用", "disabled") if r["disabled"] else tr("正常", "active"),
            "; ".join(f"{ROLE_TITLES[x['role']][lang]}@{x['place']}" for x in r["roles"])] for r in rows])


def login(
    login_name: str = typer.Argument(..., metavar="LOGIN", help="账号 / login name"),
    hours: int = typer.Option(12, "--hours", min=1, max=24, help="有效时长（小时）/ hours the login lasts"),
) -> None:
    """登录本数据库（令牌存于用户配置目录，权限 0600）/ log in to this database."""
    from gongzhi.core.services import operators as svc

    db = state.database(login=False)
    password = _password(confirm=False)
    with db.session() as s:
        token, op = svc.login(s, login_name, password, hours=hours)
        name = op.display_name
    write_token(state.settings.database_url, token)
    console.print(tr(f"{name} 已登录，{hours} 小时内有效", f"{name} logged in for {hours} hours"), markup=False)


def logout() -> None:
    """退出登录 / log out of this database."""
    from gongzhi.core.services import operators as svc

    db = state.database(login=False)
    url = state.settings.database_url
    with db.session() as s:
        ended = svc.logout(s, read_token(url))
    write_token(url, None)
    if ended:
        console.print(tr("已退出登录", "logged out"))
    else:
        err(tr("本来就没有登录", "not logged in"))


@audit_app.command("list")
def audit_list(
    who: str | None = typer.Option(None, "--who", help="操作员 / operator"),
    action: str | None = typer.Option(None, "--action", help="动作，如 person.reveal 或 person. / action or prefix"),
    entity: str | None = typer.Option(None, "--entity", help="对象类型，如 person / entity kind"),
    entity_id: int | None = typer.Option(None, "--id", min=1, max=2**63 - 1, help="对象编号 / entity id"),
    since: str | None = typer.Option(None, "--since", help="起（含）/ from, YYYY-MM-DD [HH:MM]"),
    until: str | None = typer.Option(None, "--until", help="止（不含）/ until (exclusive)"),
    limit: int = typer.Option(200, "--limit", min=1, max=10000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """审计日志（街道管理员）/ the audit log, newest first (street admin only)."""
    from gongzhi.core.services.audit import list_audit

    db = state.database()
    with db.read_session() as s:
        rows = list_audit(s, actor=state.actor, who=who, action=action, entity=entity, entity_id=entity_id,
                          since=parse_local_datetime(since), until=parse_local_datetime(until), limit=limit)
    if as_json:
        print_json(rows)
        return
    table([tr("时间", "at"), tr("操作员", "operator"), tr("动作", "action"), tr("对象", "entity"), "id"],
          [[r["at"].isoformat(timespec="seconds"), r["actor"], r["action"], r["entity"], r["entity_id"]]
           for r in rows])
