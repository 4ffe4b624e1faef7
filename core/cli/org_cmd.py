"""``gongzhi org``: organisations and the posts people hold in them."""

from __future__ import annotations

import typer

from gongzhi.core.cli.context import console, parse_date, print_json, state, table, tr
from gongzhi.core.models.vocab import OrgKind, Role
from gongzhi.core.services import orgs as svc
from gongzhi.core.services.people import get_person
from gongzhi.core.services.places import find_place, get_place

app = typer.Typer(help="组织与任职 / organisations and memberships", no_args_is_help=True)


@app.command("list")
def list_(kind: str | None = typer.Option(None, "--kind"), as_json: bool = typer.Option(False, "--json")) -> None:
    """组织列表 / list organisations."""
    db = state.database()
    with db.read_session() as s:
        rows = [
            {"id": o.id, "kind": o.kind, "name": o.name, "place": get_place(s, o.place_id).name if o.place_id else None,
             "parent_id": o.parent_id, "members": len(svc.members_of(s, o.id))}
            for o in svc.organisations(s, kind=kind, actor=state.actor)
        ]
    if as_json:
        print_json(rows)
        return
    table(["id", tr("类型", "kind"), tr("名称", "name"), tr("地点", "place"), tr("在任人数", "members")],
          [[r["id"], OrgKind(r["kind"]).label(state.language), r["name"], r["place"] or "", r["members"]] for r in rows])


@app.command("add")
def add(
    kind: str = typer.Argument(..., help=", ".join(k.value for k in OrgKind)),
    name: str = typer.Argument(...),
    place: str | None = typer.Option(None, "--place"),
    parent: str | None = typer.Option(None, "--parent", help="上级组织 / parent organisation"),
) -> None:
    """新增组织 / add an organisation."""
    db = state.database()
    with db.session() as s:
        o = svc.create_organisation(s, actor=state.actor, kind=kind, name=name,
                                    place_id=find_place(s, place).id if place else None,
                                    parent_id=svc.find_organisation(s, parent).id if parent else None)
    console.print(tr(f"已新增组织 {o.name}（编号 {o.id}）", f"added organisation {o.name} (id {o.id})"), markup=False)


@app.command("members")
def members(org: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """组织在任成员 / current members of an organisation."""
    db = state.database()
    with db.read_session() as s:
        o = svc.find_organisation(s, org, actor=state.actor)
        rows = [
            {"membership_id": m.id, "person_id": m.person_id, "name": get_person(s, m.person_id).name,
             "role": m.role, "scope_place": get_place(s, m.scope_place_id).name if m.scope_place_id else None,
             "start_date": m.start_date}
            for m in svc.members_of(s, o.id)
        ]
    if as_json:
        print_json(rows)
        return
    table([tr("任职编号", "post id"), tr("姓名", "name"), tr("职务", "role"), tr("负责范围", "scope"), tr("起", "from")],
          [[r["membership_id"], r["name"], Role(r["role"]).label(state.language), r["scope_place"] or "",
            r["start_date"] or ""] for r in rows], title=o.name)


@app.command("join")
def join(
    person_id: int = typer.Argument(...),
    org: str = typer.Argument(...),
    role: str = typer.Option("member", "--role", help=", ".join(r.value for r in Role)),
    scope: str | None = typer.Option(None, "--scope", help="负责的网格/微网格 / grid or micro-grid covered"),
    start: str | None = typer.Option(None, "--start", help="YYYY-MM-DD"),
) -> None:
    """任职 / give a person a post in an organisation."""
    db = state.database()
    with db.session() as s:
        o = svc.find_organisation(s, org)
        m = svc.add_membership(s, actor=state.actor, person_id=person_id, organisation_id=o.id, role=role,
                               scope_place_id=find_place(s, scope).id if scope else None, start_date=parse_date(start))
    console.print(tr(f"已任职（编号 {m.id}）", f"post added (id {m.id})"), markup=False)


@app.command("leave")
def leave(membership_id: int = typer.Argument(...), end: str | None = typer.Option(None, "--end")) -> None:
    """结束任职 / end a post."""
    db = state.database()
    with db.session() as s:
        m = svc.end_membership(s, actor=state.actor, membership_id=membership_id, end_date=parse_date(end))
    console.print(tr(f"任职已于 {m.end_date} 结束", f"post ended on {m.end_date}"), markup=False)
