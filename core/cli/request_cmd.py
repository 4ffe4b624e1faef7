"""``gongzhi request`` and ``gongzhi category``: the closed loop from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from sqlalchemy import select

from gongzhi.core.cli.context import (
    console,
    parse_local_datetime,
    print_json,
    state,
    table,
    tr,
    vocab_label,
)
from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory
from gongzhi.core.models.types import fmt_local
from gongzhi.core.models.vocab import Channel, DispatchRole, Status
from gongzhi.core.services import categories as category_svc
from gongzhi.core.services import requests as svc
from gongzhi.core.services.orgs import find_organisation, get_organisation
from gongzhi.core.services.people import get_person
from gongzhi.core.services.places import find_place, full_name

app = typer.Typer(help="诉求 / requests", no_args_is_help=True)
category_app = typer.Typer(help="诉求类别 / request categories", no_args_is_help=True)


_label = vocab_label


def request_dict(session, r: Request, *, places: dict[int, str] | None = None,
                 cats: dict[int, RequestCategory] | None = None) -> dict[str, Any]:
    cat = (cats or {}).get(r.category_id) or session.get(RequestCategory, r.category_id)
    place_name = (places or {}).get(r.place_id)
    if place_name is None:
        place = session.get(Place, r.place_id)
        place_name = place.name if place else ""
    return {
        "ref": r.ref,
        "status": r.status,
        "channel": r.channel,
        "external_id": r.external_id,
        "type": r.type,
        "category": cat.code if cat else None,
        "title": r.title,
        "place_id": r.place_id,
        "place": place_name,
        "reporter_id": None if r.anonymous else r.reporter_id,
        "anonymous": r.anonymous,
        "priority": r.priority,
        "created_at": r.created_at,
        "due_at": r.due_at,
        "overdue": svc.is_overdue(r),
        "lead_org_id": r.lead_org_id,
        "duplicate_of_id": r.duplicate_of_id,
    }


def _filter(session, status, community, place, channel, category, overdue, text, reporter) -> svc.RequestFilter:
    """The list's (and the export's) filter options, resolved against the database."""
    return svc.RequestFilter(
        statuses=status,
        community_id=find_place(session, community).id if community else None,
        place_id=find_place(session, place).id if place else None,
        channel=channel,
        category_id=category_svc.find_category(session, category).id if category else None,
        overdue=overdue,
        text=text,
        reporter_query=reporter,
    )


@app.command("create")
def create(
    title: str = typer.Option(..., "--title", "-t", help="标题 / title"),
    channel: str = typer.Option(..., "--channel", "-c", help="渠道 / channel: " + ", ".join(c.value for c in Channel)),
    category: str = typer.Option(..., "--category", help="类别代码或名称 / category code or name"),
    place: str = typer.Option(..., "--place", "-p", help="地点 id、名称或路径 / place id, name or path"),
    type_: str = typer.Option("help", "--type", help="consult|help|complaint|report|suggestion"),
    description: str = typer.Option("", "--description", "-d"),
    reporter: int | None = typer.Option(None, "--reporter", help="反映人 id / reporter person id"),
    anonymous: bool = typer.Option(False, "--anonymous"),
    priority: str = typer.Option("normal", "--priority", help="low|normal|high|urgent"),
    external_id: str | None = typer.Option(None, "--external-id", help="外部工单号 / external ticket id"),
    lead: str | None = typer.Option(None, "--lead", help="牵头组织 / lead organisation"),
    attach: list[Path] = typer.Option([], "--attach", help="附件 / attachment file (repeatable)"),
    at: str | None = typer.Option(None, "--at", help="反映时间 / when raised, e.g. 2026-03-05 14:30"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """登记诉求 / log a request."""
    db = state.database()
    with db.session() as s:
        cat = category_svc.find_category(s, category)
        place_ = find_place(s, place)
        lead_id = find_organisation(s, lead).id if lead else None
        r = svc.create_request(
            s, actor=state.actor, channel=channel, type=type_, category_id=cat.id, title=title,
            place_id=place_.id, description=description, reporter_id=reporter, anonymous=anonymous,
            priority=priority, external_id=external_id, lead_org_id=lead_id, attachment_paths=attach,
            ref_prefix=state.settings.ref_prefix, attachment_max_mb=state.settings.attachment_max_mb,
            at=parse_local_datetime(at),
        )
        data = request_dict(s, r)
    if as_json:
        print_json(data)
    else:
        console.print(tr(f"已登记诉求 {r.ref}，办理时限 {fmt_local(r.due_at)}",
                         f"logged request {r.ref}, due {fmt_local(r.due_at)}"), markup=False)


@app.command("list")
def list_(
    status: list[str] = typer.Option([], "--status", "-s", help="状态（可重复）/ status (repeatable)"),
    community: str | None = typer.Option(None, "--community", help="社区 / community"),
    place: str | None = typer.Option(None, "--place", help="地点及其下级 / place and below"),
    channel: str | None = typer.Option(None, "--channel"),
    category: str | None = typer.Option(None, "--category"),
    overdue: bool = typer.Option(False, "--overdue", help="只看超期 / overdue only"),
    text: str = typer.Option("", "--text", "-q", help="标题/描述/编号 / text in title, description, ref"),
    reporter: str = typer.Option("", "--reporter", help="反映人姓名或拼音 / reporter name or pinyin"),
    sort: str = typer.Option("created", "--sort", help="created|due|status|ref|priority"),
    ascending: bool = typer.Option(False, "--asc"),
    limit: int = typer.Option(50, "--limit", min=1, max=10_000),
    offset: int = typer.Option(0, "--offset", min=0),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """诉求列表 / list requests."""
    if sort not in svc.SORTS:
        raise DomainError("input.invalid_choice", field="--sort", value=sort, choices=", ".join(svc.SORTS))
    db = state.database()
    with db.read_session() as s:
        flt = _filter(s, status, community, place, channel, category, overdue, text, reporter)
        page = svc.list_requests(s, flt, sort=sort, descending=not ascending, offset=offset, limit=limit,
                                 actor=state.actor)
        ids = {r.place_id for r in page.rows}
        places = dict(s.execute(select(Place.id, Place.name).where(Place.id.in_(ids))).all()) if ids else {}
        cats = {c.id: c for c in category_svc.list_categories(s)}
        rows = [request_dict(s, r, places=places, cats=cats) for r in page.rows]
    if as_json:
        print_json({"total": page.total, "offset": offset, "limit": limit, "requests": rows})
        return

    def cat_name(c: RequestCategory) -> str:
        return c.name_en if state.language == "en" else c.name_zh

    table(
        [tr("编号", "ref"), tr("状态", "status"), tr("渠道", "channel"), tr("类别", "category"),
         tr("标题", "title"), tr("地点", "place"), tr("登记", "created"), tr("时限", "due")],
        [
            [d["ref"], _label(Status, d["status"]) + (tr(" ⚠超期", " ⚠overdue") if d["overdue"] else ""),
             _label(Channel, d["channel"]), cat_name(cats[r.category_id]), d["title"], d["place"],
             fmt_local(d["created_at"]), fmt_local(d["due_at"])]
            for d, r in zip(rows, page.rows, strict=True)
        ],
        title=tr(f"共 {page.total} 件，显示 {offset + 1}–{offset + len(rows)}",
                 f"{page.total} in all, showing {offset + 1}-{offset + len(rows)}") if rows else None,
    )
    if not rows:
        console.print(tr("没有符合条件的诉求", "no matching requests"))


@app.command("export")
def export_(
    output: Path = typer.Option(..., "--output", "-o", help="CSV、.xlsx 或 Open311 的 .json 文件（不会覆盖已有文件）/ CSV, .xlsx or Open311 .json file (never overwritten)"),
    status: list[str] = typer.Option([], "--status", "-s"),
    community: str | None = typer.Option(None, "--community"),
    place: str | None = typer.Option(None, "--place"),
    channel: str | None = typer.Option(None, "--channel"),
    category: str | None = typer.Option(None, "--category"),
    overdue: bool = typer.Option(False, "--overdue"),
    text: str = typer.Option("", "--text", "-q"),
    reporter: str = typer.Option("", "--reporter"),
    personal: bool = typer.Option(False, "--personal", help="包含反映人姓名等个人信息（需导出个人信息权限）/ include "
                                  "reporters' names and other personal data (needs the export.personal permission)"),
) -> None:
    """导出诉求清单（CSV、.xlsx，或 .json 即 Open311 GeoReport v2）/ export requests to CSV, .xlsx or
    Open311 GeoReport v2 (.json: the requests, and the services beside it as NAME.services.json)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from gongzhi.core.services.exports import export_requests

    db = state.database()
    with db.session() as s:
        flt = _filter(s, status, community, place, channel, category, overdue, text, reporter)
        if output.suffix.lower() == ".json":
            from gongzhi.core.services.open311 import export_open311

            done = export_open311(s, actor=state.actor, path=output, flt=flt, lang=state.language)
            console.print(tr(f"已按 Open311 导出 {done.requests} 件诉求到 {done.requests_path}，"
                             f"{done.services} 个服务类别到 {done.services_path}",
                             f"exported {done.requests} requests as Open311 to {done.requests_path} and "
                             f"{done.services} services to {done.services_path}"), markup=False, highlight=False)
            return
        with Progress(TextColumn(tr("导出", "export")), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task("export", total=None)
            result = export_requests(s, actor=state.actor, path=output, flt=flt, lang=state.language, personal=personal,
                                     progress=lambda done, total: bar.update(task, completed=done, total=total))
    console.print(tr(f"已导出 {result.rows} 件诉求到 {result.path}", f"exported {result.rows} requests to {result.path}"),
                  markup=False, highlight=False)


@app.command("show")
def show(ref: str = typer.Argument(..., help="编号 / ref"), as_json: bool = typer.Option(False, "--json")) -> None:
    """诉求详情与办理时间线 / a request with its timeline."""
    db = state.database()
    with db.read_session() as s:
        r = svc.find_request(s, ref, actor=state.actor)
        data = request_dict(s, r)
        data["description"] = r.description
        data["place_path"] = full_name(s, find_place(s, r.place_id))
        data["timeline"] = [
            {"at": e.at, "actor": e.actor, "kind": e.kind, "from": e.from_status, "to": e.to_status,
             "public_note": e.public_note, "private_note": e.private_note, "data": e.data}
            for e in svc.timeline(s, r.id)
        ]
        org_names = svc.organisation_names(s, [d.organisation_id for d in svc.dispatches(s, r.id)])
        data["dispatches"] = [
            {"id": d.id, "organisation": org_names.get(d.organisation_id), "role": d.role, "whistle": d.whistle,
             "dispatched_at": d.dispatched_at, "reported_at": d.reported_at, "due_at": d.due_at,
             "result": d.result, "rating": d.rating}
            for d in svc.dispatches(s, r.id)
        ]
        data["feedback"] = [
            {"at": f.at, "contacted": f.contacted, "resolved": f.resolved, "satisfaction": f.satisfaction,
             "comment": f.comment}
            for f in svc.feedbacks(s, r.id)
        ]
        data["supporters"] = [get_person(s, x.person_id).name for x in svc.supporters(s, r.id)]
        data["attachments"] = [{"filename": a.filename, "sha256": a.sha256, "size": a.size} for a in svc.attachments(s, r.id)]
        if r.reporter_id and not r.anonymous:
            data["reporter"] = get_person(s, r.reporter_id).name
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{data['ref']}[/bold]  {data['title']}", highlight=False)
    console.print(
        tr("状态", "status") + f": {_label(Status, data['status'])}   "
        + tr("渠道", "channel") + f": {_label(Channel, data['channel'])}   "
        + tr("地点", "place") + f": {data['place_path']}   "
        + tr("时限", "due") + f": {fmt_local(data['due_at'])}"
        + (tr("（已超期）", " (overdue)") if data["overdue"] else ""),
        markup=False, highlight=False,
    )
    if data.get("reporter"):
        console.print(tr("反映人", "reporter") + f": {data['reporter']}", markup=False)
    if data["description"]:
        console.print(data["description"], markup=False)
    table(
        [tr("时间", "time"), tr("操作员", "actor"), tr("事项", "event"), tr("说明", "note")],
        [[fmt_local(e["at"]), e["actor"], _event_label(e), e["public_note"]] for e in data["timeline"]],
        title=tr("办理时间线", "timeline"),
    )
    if data["dispatches"]:
        table(
            [tr("单位", "organisation"), tr("角色", "role"), tr("吹哨", "whistle"), tr("报到", "reported"),
             tr("结果", "result"), tr("评分", "rating")],
            [[d["organisation"], _label(DispatchRole, d["role"]), "✓" if d["whistle"] else "",
              fmt_local(d["reported_at"]), d["result"], d["rating"] or ""] for d in data["dispatches"]],
            title=tr("派单 / 吹哨报到", "dispatches / whistle"),
        )


def _event_label(e: dict[str, Any]) -> str:
    kinds = {
        "created": ("登记", "created"), "transition": ("状态变更", "status"), "dispatch": ("派单", "dispatch"),
        "report_in": ("部门报到", "reported in"), "dispatch_result": ("办理结果", "result"),
        "rating": ("评分", "rating"), "feedback": ("回访", "feedback"), "attachment": ("附件", "attachment"),
        "supporter": ("附议", "supporter"), "note": ("备注", "note"),
    }
    zh, en = kinds.get(e["kind"], (e["kind"], e["kind"]))
    label = en if state.language == "en" else zh
    if e["kind"] == "transition":
        label += f" {_label(Status, e['from'])} → {_label(Status, e['to'])}"
    return label


@app.command("transition")
def transition_(
    ref: str = typer.Argument(...),
    to: str = typer.Argument(..., help="目标状态 / target status: " + ", ".join(s.value for s in Status)),
    note: str = typer.Option("", "--note", "-n", help="公开说明 / public note"),
    private_note: str = typer.Option("", "--private-note"),
    duplicate_of: str | None = typer.Option(None, "--duplicate-of", help="原诉求编号 / the original's ref"),
) -> None:
    """变更诉求状态 / move a request along its lifecycle (reopen = in_progress)."""
    db = state.database()
    with db.session() as s:
        r = svc.find_request(s, ref, actor=state.actor)
        original = svc.find_request(s, duplicate_of, actor=state.actor).id if duplicate_of else None
        previous = Status(r.status)
        svc.transition(s, actor=state.actor, request_id=r.id, to_status=to, public_note=note,
                       private_note=private_note, duplicate_of_id=original)
    console.print(f"{r.ref}: {_label(Status, previous.value)} → {_label(Status, r.status)}", markup=False)


@app.command("dispatch")
def dispatch_(
    ref: str = typer.Argument(...),
    lead: str | None = typer.Option(None, "--lead", help="主办单位 / lead organisation"),
    assist: list[str] = typer.Option([], "--assist", help="协办单位（可重复）/ assisting organisation"),
    whistle: bool = typer.Option(False, "--whistle", help="吹哨报到（派给职能部门）/ whistle to departments"),
    due: str | None = typer.Option(None, "--due", help="部门时限 / due time for the departments"),
    note: str = typer.Option("", "--note", "-n"),
) -> None:
    """派单或吹哨 / dispatch (or whistle) a request to organisations."""
    db = state.database()
    with db.session() as s:
        r = svc.find_request(s, ref, actor=state.actor)
        orgs = ([(find_organisation(s, lead).id, "lead")] if lead else []) + [
            (find_organisation(s, a).id, "assist") for a in assist
        ]
        rows = svc.dispatch(s, actor=state.actor, request_id=r.id, organisations=orgs, whistle=whistle,
                            due_at=parse_local_datetime(due), public_note=note)
        names = [get_organisation(s, d.organisation_id).name for d in rows]
    console.print(tr(f"{r.ref} 已派给：", f"{r.ref} dispatched to: ") + "、".join(names), markup=False)


@app.command("report-in")
def report_in_(
    ref: str = typer.Argument(...),
    organisation: str = typer.Option(..., "--org", help="报到单位 / reporting organisation"),
    note: str = typer.Option("", "--note", "-n"),
) -> None:
    """职能部门报到 / a department reports in on site."""
    db = state.database()
    with db.session() as s:
        r = svc.find_request(s, ref, actor=state.actor)
        org = find_organisation(s, organisation)
        row = next((d for d in svc.dispatches(s, r.id) if d.organisation_id == org.id), None)
        if row is None:
            raise DomainError("request.dispatch_not_found", ref=f"{r.ref}/{org.name}")
        svc.report_in(s, actor=state.actor, dispatch_id=row.id, note=note)
    console.print(tr(f"{org.name} 已报到", f"{org.name} reported in"), markup=False)


@app.command("attach")
def attach_(
    ref: str = typer.Argument(...),
    files: list[Path] = typer.Argument(..., help="附件文件（可多个）/ files to attach"),
) -> None:
    """补充附件（照片、回执等；全部成功或都不保存）/ attach files later (all or none)."""
    db = state.database()
    with db.session() as s:
        r = svc.find_request(s, ref, actor=state.actor)
        rows = svc.add_attachments(s, actor=state.actor, request_id=r.id, paths=files,
                                   max_mb=state.settings.attachment_max_mb)
        names = [a.filename for a in rows]
    console.print(tr(f"{r.ref} 已添加附件：", f"{r.ref} attachments added: ") + "、".join(names), markup=False)


@app.command("feedback")
def feedback_(
    ref: str = typer.Argument(...),
    satisfaction: str | None = typer.Option(None, "--satisfaction", help="satisfied|basically|dissatisfied"),
    resolved: str | None = typer.Option(None, "--resolved", help="yes|partly|no"),
    not_contacted: bool = typer.Option(False, "--not-contacted", help="未联系上 / reporter not reached"),
    comment: str = typer.Option("", "--comment"),
    reopen: bool = typer.Option(False, "--reopen", help="不满意则重新办理 / reopen (dissatisfied only)"),
    close: bool = typer.Option(False, "--close", help="回访后归档 / close after feedback"),
) -> None:
    """记录回访评价 / record feedback (回访) on a resolved request."""
    db = state.database()
    with db.session() as s:
        r = svc.find_request(s, ref, actor=state.actor)
        svc.record_feedback(s, actor=state.actor, request_id=r.id, contacted=not not_contacted,
                            resolved=resolved, satisfaction=satisfaction, comment=comment, reopen=reopen, close=close)
    console.print(tr(f"{r.ref} 回访已记录，当前「{_label(Status, r.status)}」",
                     f"{r.ref}: feedback recorded, now {_label(Status, r.status)}"), markup=False)


@category_app.command("list")
def category_list(as_json: bool = typer.Option(False, "--json")) -> None:
    """诉求类别及时限 / categories with their SLA hours."""
    db = state.database()
    with db.read_session() as s:
        cats = category_svc.list_categories(s)
        rows = [
            {"id": c.id, "code": c.code, "name_zh": c.name_zh, "name_en": c.name_en,
             "sla_hours": {"low": c.sla_low, "normal": c.sla_normal, "high": c.sla_high, "urgent": c.sla_urgent},
             "default_department_id": c.default_department_id, "active": c.active, "source": c.source}
            for c in cats
        ]
    if as_json:
        print_json(rows)
        return
    table(
        ["id", tr("代码", "code"), tr("名称", "name"), tr("时限（低/一般/高/紧急，小时）", "SLA h (low/normal/high/urgent)")],
        [[r["id"], r["code"], r["name_en"] if state.language == "en" else r["name_zh"],
          "/".join(str(v) for v in r["sla_hours"].values())] for r in rows],
    )


@category_app.command("add")
def category_add(
    code: str = typer.Argument(...),
    name_zh: str = typer.Option(..., "--zh"),
    name_en: str = typer.Option(..., "--en"),
    sla: str = typer.Option("240,120,48,24", "--sla", help="低,一般,高,紧急（小时）/ low,normal,high,urgent hours"),
    department: str | None = typer.Option(None, "--department", help="默认部门 / default department"),
) -> None:
    """新增诉求类别 / add a request category."""
    try:
        hours = tuple(int(x) for x in sla.split(","))
    except ValueError:
        raise DomainError("category.invalid_sla", value=sla) from None
    db = state.database()
    with db.session() as s:
        dept = find_organisation(s, department).id if department else None
        c = category_svc.create_category(s, actor=state.actor, code=code, name_zh=name_zh, name_en=name_en,
                                         sla=hours, default_department_id=dept)
    console.print(tr(f"已新增类别 {c.code}", f"added category {c.code}"), markup=False)

