"""``gongzhi place``: the place tree."""

from __future__ import annotations

import typer
from sqlalchemy import func, select

from gongzhi.core.cli.context import console, print_json, state, tr
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import utcnow
from gongzhi.core.models.vocab import OPEN_STATUSES, HousingType, PlaceKind, PoiKind
from gongzhi.core.services import places as svc
from gongzhi.core.services.requests import scoped_conditions

app = typer.Typer(help="地点 / places", no_args_is_help=True)


def _node_label(p: Place, open_count: int) -> str:
    kind = PlaceKind(p.kind).label(state.language)
    extra = []
    if p.housing_type:
        extra.append(HousingType(p.housing_type).label(state.language))
    if p.floor_from is not None:
        extra.append(tr(f"{p.floor_from}–{p.floor_to}层", f"floors {p.floor_from}-{p.floor_to}"))
    if p.poi_kind:
        extra.append(PoiKind(p.poi_kind).label(state.language))
    if open_count:
        extra.append(tr(f"在办诉求 {open_count}", f"{open_count} open"))
    return f"{p.name} [{kind}]" + (f" ({'，'.join(extra) if state.language == 'zh' else ', '.join(extra)})" if extra else "")


@app.command("tree")
def tree(
    root: str | None = typer.Argument(None, help="起点 / start node (id, name or path)"),
    depth: int = typer.Option(2, "--depth", min=0, max=10, help="显示层数 / levels below the start"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """地点树（含在办诉求数）/ the place tree with open request counts."""
    db = state.database()
    with db.read_session() as s:
        roots = [svc.find_place(s, root, actor=state.actor)] if root else svc.children(s, None, actor=state.actor)
        nodes: list[Place] = []
        for r in roots:
            nodes += svc.subtree(s, r, max_depth=depth, actor=state.actor)
        open_direct = dict(
            s.execute(
                select(Request.place_id, func.count())
                .where(Request.status.in_([x.value for x in OPEN_STATUSES]),
                       *scoped_conditions(s, None, state.actor, now=utcnow()))  # the actor's only
                .group_by(Request.place_id)
            ).all()
        )
        all_places = dict(s.execute(select(Place.id, Place.path)).all()) if open_direct else {}
    # open requests on a node count for all its ancestors too
    open_total: dict[int, int] = {}
    for place_id, n in open_direct.items():
        for anc in all_places.get(place_id, "").strip("/").split("/"):
            if anc:
                open_total[int(anc)] = open_total.get(int(anc), 0) + n
    if as_json:
        print_json([
            {"id": n.id, "kind": n.kind, "name": n.name, "parent_id": n.parent_id, "path": n.path,
             "community_id": n.community_id, "housing_type": n.housing_type, "floor_from": n.floor_from,
             "floor_to": n.floor_to, "poi_kind": n.poi_kind, "open_requests": open_total.get(n.id, 0)}
            for n in nodes
        ])
        return
    if not nodes:
        console.print(tr("还没有地点；可先运行 gongzhi demo", "no places yet; try gongzhi demo"))
        return
    root_depth = min(r.path.count("/") for r in roots)
    for n in sorted(nodes, key=lambda x: [int(i) for i in x.path.strip("/").split("/")]):
        indent = "  " * (n.path.count("/") - root_depth)
        console.print(f"{indent}{_node_label(n, open_total.get(n.id, 0))}", markup=False, highlight=False)


@app.command("add")
def add(
    kind: str = typer.Argument(..., help="street|community|compound|building|micro_grid|household|poi"),
    name: str = typer.Argument(...),
    parent: str | None = typer.Option(None, "--parent", help="上级 / parent (id, name or path)"),
    housing_type: str | None = typer.Option(None, "--housing-type", help="public_rental|relocation|price_capped|commodity"),
    floors: str | None = typer.Option(None, "--floors", help="楼层范围 / floor range, e.g. 7-12"),
    poi_kind: str | None = typer.Option(None, "--poi-kind", help="gate|street_lamp|charging_shed|notice_board|other"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """新增地点 / add a place."""
    from gongzhi.core.errors import DomainError

    floor_from = floor_to = None
    if floors:
        try:
            a, b = floors.split("-", 1)
            floor_from, floor_to = int(a), int(b)
        except ValueError:
            raise DomainError("place.invalid_floors", floor_from=floors, floor_to="") from None
    db = state.database()
    with db.session() as s:
        parent_id = svc.find_place(s, parent).id if parent else None
        p = svc.create_place(s, actor=state.actor, kind=kind, name=name, parent_id=parent_id,
                             housing_type=housing_type, floor_from=floor_from, floor_to=floor_to, poi_kind=poi_kind)
    if as_json:
        print_json({"id": p.id, "kind": p.kind, "name": p.name, "path": p.path})
    else:
        console.print(tr(f"已新增 {p.name}（编号 {p.id}）", f"added {p.name} (id {p.id})"), markup=False)


@app.command("move")
def move(place: str = typer.Argument(...), new_parent: str = typer.Argument(...)) -> None:
    """移动地点（其记录随之保留）/ move a node under another parent; its records stay."""
    db = state.database()
    with db.session() as s:
        p = svc.move_place(s, actor=state.actor, place_id=svc.find_place(s, place).id,
                           new_parent_id=svc.find_place(s, new_parent).id)
        path = svc.full_name(s, p)
    console.print(tr(f"已移动：{path}", f"moved: {path}"), markup=False)


@app.command("delete")
def delete(place: str = typer.Argument(...)) -> None:
    """删除空地点（无下级、无记录）/ delete an empty place."""
    db = state.database()
    with db.session() as s:
        p = svc.find_place(s, place)
        svc.delete_place(s, actor=state.actor, place_id=p.id)
    console.print(tr(f"已删除 {p.name}", f"deleted {p.name}"), markup=False)
