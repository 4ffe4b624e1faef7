"""``gongzhi property …``: the joint meeting's secretary at the shell.

A meeting is named by its id or its label (its title, or "2026-03-05 荣雅园红色物业联席会议");
places, people and organisations by id or exact name (people also by a unique
partial name); a body of the meeting also by its kind (``party``, ``rc``,
``owners``, ``property`` or the core's kind codes); agenda items, resolutions,
action items and micro-services by id (``meeting show`` prints them). Every
listing takes ``--json``. Errors are DomainErrors: the core CLI prints them on one
line in the user's language, and nothing is written.

    gongzhi property meeting create 荣雅园 --at "2026-03-05 14:30" --chair 陈琳 --secretary 朱文东
    gongzhi property meeting check-in 1 范伟 --for owners
    gongzhi property meeting open 1
    gongzhi property agenda add 1 --request QY-2026-000123
    gongzhi property resolution add 3 "更换3号楼电梯主板" --body property --deadline 2026-03-31
    gongzhi property meeting close 1
    gongzhi property minutes 1 --format docx -o 纪要.docx
    gongzhi property actions --overdue --json
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import typer

from gongzhi.core.cli.context import (
    console,
    parse_date,
    parse_local_datetime,
    print_json,
    state,
    table,
    tr,
    vocab_label,
)
from gongzhi.core.cli.lazy import lazy
from gongzhi.core.errors import DomainError
from gongzhi.plugins.red_property import errors as _errors  # noqa: F401  (registers the redprop.* codes)

# the services load when a command runs, so that registering this group stays cheap
fmt_local = lazy("gongzhi.core.models.types", "fmt_local")
OrgKind = lazy("gongzhi.core.models.vocab", "OrgKind")
find_organisation = lazy("gongzhi.core.services.orgs", "find_organisation")
find_people = lazy("gongzhi.core.services.people", "find_people")
get_person = lazy("gongzhi.core.services.people", "get_person")
find_place = lazy("gongzhi.core.services.places", "find_place")
find_request = lazy("gongzhi.core.services.requests", "find_request")

app = typer.Typer(help="红色物业联席会议 / red-property joint meetings", no_args_is_help=True)
meeting_app = typer.Typer(help="联席会议 / joint meetings", no_args_is_help=True)
agenda_app = typer.Typer(help="议题 / agenda", no_args_is_help=True)
resolution_app = typer.Typer(help="决议 / resolutions", no_args_is_help=True)
action_app = typer.Typer(help="落实事项 / an action item", no_args_is_help=True)
service_app = typer.Typer(help="物业微服务 / property micro-services", no_args_is_help=True)
app.add_typer(meeting_app, name="meeting")
app.add_typer(agenda_app, name="agenda")
app.add_typer(resolution_app, name="resolution")
app.add_typer(action_app, name="action")
app.add_typer(service_app, name="service")

# short names for the four bodies of the joint meeting (``--for owners``)
# (the values are OrgKind codes, written out so that this module imports no model)
BODY_ALIASES: dict[str, str] = {
    "party": "party_committee", "党组织": "party_committee",
    "rc": "residents_committee", "居委会": "residents_committee",
    "owners": "owners_committee", "业委会": "owners_committee",
    "property": "property_company", "物业": "property_company",
}


# -- helpers ----------------------------------------------------------------------


def _svc():
    from gongzhi.plugins.red_property import services

    return services


def _label(enum_name: str, value: str) -> str:
    from gongzhi.plugins.red_property import models

    return vocab_label(getattr(models, enum_name), value)


def _person(s, ref: str) -> int:
    text = ref.strip()
    if text.isdigit():
        return get_person(s, int(text)).id
    found = find_people(s, text, limit=2, actor=state.actor)  # a full phone: call handlers only
    exact = [p for p in found if p.name == text]
    if len(exact) == 1:
        return exact[0].id
    if len(found) == 1:
        return found[0].id
    raise DomainError("person.not_found", ref=ref)


def _body(s, meeting_id: int | None, ref: str) -> int:
    """An organisation by id or name; among the meeting's bodies also by kind."""
    text = ref.strip()
    kind = BODY_ALIASES.get(text.lower(), text if text in OrgKind.__members__ else None)
    if kind is not None and meeting_id is not None:
        found = [o for o in _svc().bodies_of(s, meeting_id) if o.kind == kind]
        if len(found) == 1:
            return found[0].id
        raise DomainError("org.not_found", ref=ref)
    return find_organisation(s, text).id


def _meeting(s, ref: str):
    return _svc().find_meeting(s, ref)


def _echo(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _votes(s, meeting_id: int, given: list[str]) -> dict[int, tuple[int, int, int]]:
    """``--vote owners=3,0,1`` (yes, no, abstain of that body's attendees)."""
    out: dict[int, tuple[int, int, int]] = {}
    for text in given:
        body, sep, counts = text.partition("=")
        parts = [p for p in re.split(r"[,，/\s]+", counts.strip()) if p]
        if not sep or not body.strip() or len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise DomainError("input.invalid", field="--vote", value=text)
        out[_body(s, meeting_id, body)] = (int(parts[0]), int(parts[1]), int(parts[2]))
    return out


# -- meetings ---------------------------------------------------------------------


@meeting_app.command("create")
def meeting_create(
    place: str = typer.Argument(..., help="社区或小区 / community or compound"),
    at: str = typer.Option(..., "--at", help="会议时间 / when, e.g. 2026-03-05 14:30"),
    kind: str = typer.Option("monthly", "--kind", help="monthly 例会 | extraordinary 临时会议"),
    title: str = typer.Option("", "--title", help="会议名称（默认按日期和地点）/ title (default: date and place)"),
    location: str = typer.Option("", "--location", help="会议地点 / location"),
    chair: str | None = typer.Option(None, "--chair", help="主持人 / chair"),
    secretary: str | None = typer.Option(None, "--secretary", help="记录人 / secretary"),
    body: list[str] = typer.Option([], "--body", help="参会组织（可重复，默认四方）/ required body (repeatable; "
                                   "default: party organisation, residents' and owners' committees, property company)"),
    min_bodies: int | None = typer.Option(None, "--min-bodies", help="至少到会组织数（默认全部）/ quorum of bodies"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """召集联席会议（筹备中）/ call a joint meeting (draft)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        m = svc.create_meeting(
            s, actor=state.actor, place_id=find_place(s, place).id, held_at=parse_local_datetime(at), kind=kind,
            title=title, location=location, chair_id=_person(s, chair) if chair else None,
            secretary_id=_person(s, secretary) if secretary else None,
            body_ids=[_body(s, None, b) for b in body] or None, min_bodies=min_bodies,
        )
        data = svc.meeting_row(s, m)
    if as_json:
        print_json(data)
    else:
        _echo(tr(f"已召集联席会议 {m.id}：{data['title']}", f"joint meeting {m.id} called: {data['title']}"))


@meeting_app.command("list")
def meeting_list(
    place: str | None = typer.Option(None, "--place", "-p", help="社区或小区（含下级）/ place (and below)"),
    status: str | None = typer.Option(None, "--status", help="draft|open|closed"),
    year: int | None = typer.Option(None, "--year"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """联席会议列表（新的在前）/ list joint meetings, newest first."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        rows = [svc.meeting_row(s, m) for m in svc.list_meetings(
            s, place_id=find_place(s, place).id if place else None, status=status, year=year)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        _echo(tr("暂无联席会议", "no joint meetings"))
        return
    table(["id", tr("会议", "meeting"), tr("时间", "when"), tr("类型", "kind"), tr("状态", "status"),
           tr("到会组织", "bodies"), tr("人数", "people"), tr("决议", "resolutions")],
          [[r["id"], r["title"], fmt_local(_dt(r["held_at"])), _label("MeetingKind", r["kind"]),
            _label("MeetingStatus", r["status"]), f"{sum(b['present'] for b in r['bodies'])}/{len(r['bodies'])}",
            r["headcount"], r["resolutions"]] for r in rows])


def _dt(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


def meeting_detail(s, meeting_id: int) -> dict[str, Any]:
    """Everything ``meeting show`` prints, as plain data (the ``--json`` output)."""
    from gongzhi.core.models.orgs import Organisation
    from gongzhi.core.models.people import Person
    from gongzhi.core.models.requests import Request

    svc = _svc()
    m = svc.get_meeting(s, meeting_id)
    data = svc.meeting_row(s, m)
    names = {}

    def name(model, id_):
        if id_ is None:
            return ""
        if (model, id_) not in names:
            row = s.get(model, id_)
            names[model, id_] = row.name if row is not None else ""
        return names[model, id_]

    data["attendance"] = [{"person_id": a.person_id, "person": name(Person, a.person_id),
                           "organisation_id": a.organisation_id, "organisation": name(Organisation, a.organisation_id),
                           "checked_in_at": a.checked_in_at.isoformat()} for a in svc.attendance_of(s, m.id)]
    data["follow_ups"] = [{"action_item_id": f.action_item_id, "title": f.action_item.title, "status": f.status,
                           "deadline": f.deadline.isoformat(), "note": f.note,
                           "responsible_org": name(Organisation, f.action_item.responsible_org_id)}
                          for f in svc.follow_ups(s, m.id)]
    items = []
    for i in svc.agenda_items_of(s, m.id):
        req = s.get(Request, i.request_id) if i.request_id else None
        items.append({"id": i.id, "seq": i.seq, "title": i.title, "description": i.description,
                      "discussion": i.discussion, "request_id": i.request_id, "request_ref": req.ref if req else None})
    data["agenda"] = items
    data["resolution_list"] = [{
        "id": r.id, "seq": r.seq, "agenda_item_id": r.agenda_item_id, "text": r.text, "decided_by": r.decided_by,
        "responsible_org_id": r.responsible_org_id, "responsible_org": name(Organisation, r.responsible_org_id),
        "responsible_person_id": r.responsible_person_id, "responsible_person": name(Person, r.responsible_person_id),
        "deadline": r.deadline.isoformat(), "consultation_id": r.consultation_id,
        "votes": [{"organisation_id": v.organisation_id, "organisation": name(Organisation, v.organisation_id),
                   "yes": v.yes, "no": v.no, "abstain": v.abstain} for v in svc.votes_of(s, r.id)],
        "action_item_ids": [a.id for a in svc.action_items_of(s, resolution_id=r.id)],
    } for r in svc.resolutions_of(s, m.id)]
    data["addenda"] = [{"id": a.id, "at": a.at.isoformat(), "refers_to": a.refers_to, "text": a.text,
                        "recorded_by": a.recorded_by} for a in svc.addenda_of(s, m.id)]
    return data


@meeting_app.command("show")
def meeting_show(meeting: str = typer.Argument(..., help="会议 id 或名称 / meeting id or label"),
                 as_json: bool = typer.Option(False, "--json")) -> None:
    """会议详情：法定组织、出席、上次决议落实情况、议题、决议 / a meeting in full."""
    db = state.database()
    with db.read_session() as s:
        data = meeting_detail(s, _meeting(s, meeting).id)
    if as_json:
        print_json(data)
        return
    _echo(f"[{data['id']}] {data['title']} — {_label('MeetingStatus', data['status'])}")
    _echo(tr(f"时间：{fmt_local(_dt(data['held_at']))}  类型：{_label('MeetingKind', data['kind'])}  地点：{data['location'] or '—'}",
             f"when: {fmt_local(_dt(data['held_at']))}  kind: {_label('MeetingKind', data['kind'])}  "
             f"location: {data['location'] or '—'}"))
    _echo(tr(f"主持人：{data['chair'] or '—'}  记录人：{data['secretary'] or '—'}",
             f"chair: {data['chair'] or '—'}  secretary: {data['secretary'] or '—'}"))
    _print_quorum(data)
    by_org: dict[int, list[str]] = {}
    for a in data["attendance"]:
        by_org.setdefault(a["organisation_id"], []).append(a["person"])
    table([tr("参会组织", "body"), tr("出席", "attending")],
          [[b["name"], "、".join(by_org.pop(b["id"], [])) or tr("缺席", "absent")] for b in data["bodies"]]
          + [[next(a["organisation"] for a in data["attendance"] if a["organisation_id"] == oid)
              + tr("（列席）", " (not required)"), "、".join(people)] for oid, people in by_org.items()],
          title=tr("出席情况", "attendance"))
    if data["follow_ups"]:
        table(["id", tr("上次决议事项", "earlier action"), tr("责任单位", "body"), tr("时限", "deadline"),
               tr("状态", "status"), tr("最新进展", "latest note")],
              [[f["action_item_id"], f["title"], f["responsible_org"], f["deadline"], _label("ActionStatus", f["status"]),
                f["note"]] for f in data["follow_ups"]], title=tr("上次决议落实情况", "follow-up of earlier actions"))
    if data["agenda"]:
        table(["id", tr("序号", "no."), tr("议题", "item"), tr("关联诉求", "request"), tr("讨论情况", "discussion")],
              [[i["id"], i["seq"], i["title"], i["request_ref"] or "", i["discussion"]] for i in data["agenda"]],
              title=tr("议题", "agenda"))
    if data["resolution_list"]:
        table(["id", tr("序号", "no."), tr("决议", "resolution"), tr("方式", "how"), tr("责任单位", "body"),
               tr("责任人", "person"), tr("时限", "deadline"), tr("落实事项", "actions")],
              [[r["id"], r["seq"], r["text"], _label("Decision", r["decided_by"]), r["responsible_org"],
                r["responsible_person"], r["deadline"], " ".join(map(str, r["action_item_ids"]))]
               for r in data["resolution_list"]], title=tr("决议", "resolutions"))
    for a in data["addenda"]:
        _echo(tr("补记", "addendum") + f"（{fmt_local(_dt(a['at']))}，{a['recorded_by']}）"
              + (f"{a['refers_to']}：" if a["refers_to"] else "：") + a["text"])


def _print_quorum(data: dict[str, Any]) -> None:
    missing = [b["name"] for b in data["bodies"] if not b["present"]]
    present = len(data["bodies"]) - len(missing)
    if data["quorum_met"]:
        _echo(tr(f"法定组织：已到 {present}/{len(data['bodies'])}（须到 {data['quorum_needed']}），可以开会；出席 {data['headcount']} 人",
                 f"quorum of bodies: {present}/{len(data['bodies'])} present (need {data['quorum_needed']}), "
                 f"met; {data['headcount']} people"))
    else:
        _echo(tr(f"法定组织：已到 {present}/{len(data['bodies'])}（须到 {data['quorum_needed']}），未达到；缺少："
                 + "、".join(missing),
                 f"quorum of bodies: {present}/{len(data['bodies'])} present (need {data['quorum_needed']}), "
                 "not met; missing: " + ", ".join(missing)))


@meeting_app.command("quorum")
def meeting_quorum(meeting: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """开会前查看法定组织是否到齐 / the quorum of bodies as it stands."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        data = svc.meeting_row(s, _meeting(s, meeting))
    if as_json:
        print_json({k: data[k] for k in ("id", "bodies", "quorum_rule", "quorum_needed", "quorum_met", "headcount")})
    else:
        _print_quorum(data)


@meeting_app.command("bodies")
def meeting_bodies(
    meeting: str = typer.Argument(...),
    body: list[str] = typer.Argument(..., help="参会组织（按纪要顺序）/ the required bodies, in order"),
    min_bodies: int | None = typer.Option(None, "--min-bodies", help="至少到会组织数（默认全部）/ quorum of bodies"),
) -> None:
    """重新指定参会组织与法定组织数 / set the required bodies and the quorum rule."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        m = _meeting(s, meeting)
        orgs = svc.set_bodies(s, actor=state.actor, meeting_id=m.id, body_ids=[_body(s, m.id, b) for b in body],
                              min_bodies=min_bodies)
    _echo(tr("参会组织：", "bodies: ") + "、".join(o.name for o in orgs))


@meeting_app.command("check-in")
def meeting_check_in(
    meeting: str = typer.Argument(...),
    person: str = typer.Argument(..., help="出席人 / who attends"),
    for_: str | None = typer.Option(None, "--for", help="代表的组织（交叉任职者须指明）/ the body they attend for "
                                    "(required of a cross-appointed person)"),
    at: str | None = typer.Option(None, "--at", help="签到时间 / when"),
) -> None:
    """签到：某人代表一个组织出席 / check a person in for one body."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        m = _meeting(s, meeting)
        pid = _person(s, person)
        if for_ is not None:
            oid = _body(s, m.id, for_)
        else:
            required = {o.id for o in svc.bodies_of(s, m.id)}
            bodies = [o for o in svc.attendable_bodies(s, m.id, pid) if o.id in required]
            if len(bodies) != 1:
                who = get_person(s, pid).name
                if bodies:
                    raise DomainError("redprop.choose_body", person=who, orgs="、".join(o.name for o in bodies))
                raise DomainError("redprop.no_body_post", person=who)
            oid = bodies[0].id
        a = svc.check_in(s, actor=state.actor, meeting_id=m.id, person_id=pid, organisation_id=oid,
                         at=parse_local_datetime(at))
        q = svc.quorum(s, m.id)
        org = find_organisation(s, a.organisation_id).name
        who = get_person(s, pid).name
    _echo(tr(f"{who} 已签到，代表「{org}」；法定组织已到 {len(q.present)}/{len(q.bodies)}",
             f"{who} checked in for '{org}'; {len(q.present)}/{len(q.bodies)} bodies present"))


@meeting_app.command("cancel-check-in")
def meeting_cancel_check_in(meeting: str = typer.Argument(...), person: str = typer.Argument(...)) -> None:
    """撤销误签到 / take back a check-in made in error."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        m = _meeting(s, meeting)
        svc.cancel_check_in(s, actor=state.actor, meeting_id=m.id, person_id=_person(s, person))
    _echo(tr("已撤销签到", "check-in taken back"))


@meeting_app.command("open")
def meeting_open(
    meeting: str = typer.Argument(...),
    without_quorum: bool = typer.Option(False, "--without-quorum", help="不足法定组织数仍开会（记入纪要）/ "
                                        "open without a quorum of bodies (recorded in the minutes)"),
    at: str | None = typer.Option(None, "--at"),
) -> None:
    """开会 / open the meeting."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        m = svc.open_meeting(s, actor=state.actor, meeting_id=_meeting(s, meeting).id, without_quorum=without_quorum,
                             at=parse_local_datetime(at))
        label = svc.meeting_label(s, m, state.language)
    _echo(tr(f"会议已开始：{label}", f"meeting open: {label}")
          + (tr("（未达法定组织数）", " (without a quorum of bodies)") if m.opened_without_quorum else ""))


@meeting_app.command("close")
def meeting_close(meeting: str = typer.Argument(...), at: str | None = typer.Option(None, "--at")) -> None:
    """散会：记录定稿，之后只能补记 / close the meeting (its record freezes; corrections are addenda)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        m = svc.close_meeting(s, actor=state.actor, meeting_id=_meeting(s, meeting).id, at=parse_local_datetime(at))
        label = svc.meeting_label(s, m, state.language)
    _echo(tr(f"会议已结束：{label}", f"meeting closed: {label}"))


@meeting_app.command("addendum")
def meeting_addendum(
    meeting: str = typer.Argument(...),
    text: str = typer.Argument(..., help="补记内容 / the correction"),
    refers_to: str = typer.Option("", "--refers-to", help="更正对象，如“决议2” / what it corrects"),
) -> None:
    """已结束会议的补记（更正）/ add an addendum to a closed meeting."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        a = svc.add_addendum(s, actor=state.actor, meeting_id=_meeting(s, meeting).id, text=text, refers_to=refers_to)
    _echo(tr(f"已补记（{a.id}）", f"addendum recorded ({a.id})"))


# -- agenda -----------------------------------------------------------------------


@agenda_app.command("add")
def agenda_add(
    meeting: str = typer.Argument(...),
    title: str = typer.Argument("", help="议题（取自诉求时可省略）/ title (optional with --request)"),
    request: str | None = typer.Option(None, "--request", "-r", help="取自诉求（编号）/ from a request (ref)"),
    description: str = typer.Option("", "--description", help="情况说明 / description"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """添加议题：手写，或取自物业类诉求 / add an agenda item, by hand or from a property request."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        m = _meeting(s, meeting)
        item = svc.add_agenda_item(s, actor=state.actor, meeting_id=m.id, title=title, description=description,
                                   request_id=find_request(s, request).id if request else None)
        data = {"id": item.id, "meeting_id": m.id, "seq": item.seq, "title": item.title, "request_id": item.request_id}
    if as_json:
        print_json(data)
    else:
        _echo(tr(f"已添加议题{item.seq}（id {item.id}）：{item.title}", f"agenda item {item.seq} (id {item.id}): {item.title}"))


@agenda_app.command("candidates")
def agenda_candidates(meeting: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """可列入议程的物业类待办诉求 / open property requests the meeting could take up."""
    from gongzhi.core.models.requests import RequestCategory

    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        m = _meeting(s, meeting)
        rows = []
        for r in svc.candidate_requests(s, m.id):
            cat = s.get(RequestCategory, r.category_id)
            rows.append({"id": r.id, "ref": r.ref, "title": r.title, "status": r.status,
                         "category": cat.code if cat else "", "category_label": (cat.name_en if state.language == "en"
                                                                                 else cat.name_zh) if cat else "",
                         "due_at": r.due_at.isoformat() if r.due_at else None})
    if as_json:
        print_json(rows)
        return
    if not rows:
        _echo(tr("没有可列入议程的物业类诉求", "no open property requests in the area"))
        return
    table([tr("编号", "ref"), tr("类别", "category"), tr("诉求", "title"), tr("时限", "due")],
          [[r["ref"], r["category_label"], r["title"], fmt_local(_dt(r["due_at"])) if r["due_at"] else ""]
           for r in rows])


@agenda_app.command("discussion")
def agenda_discussion(
    item: int = typer.Argument(..., help="议题 id / agenda item id"),
    text: str = typer.Argument(..., help="讨论情况 / discussion notes"),
) -> None:
    """记录议题讨论情况 / record an agenda item's discussion notes."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        svc.update_agenda_item(s, actor=state.actor, agenda_item_id=item, discussion=text)
    _echo(tr("已记录讨论情况", "discussion notes recorded"))


# -- resolutions ------------------------------------------------------------------


@resolution_app.command("add")
def resolution_add(
    item: int = typer.Argument(..., help="议题 id / agenda item id"),
    text: str = typer.Argument(..., help="决议内容 / the resolution"),
    body: str | None = typer.Option(None, "--body", help="责任单位（必填）/ responsible body (required)"),
    person: str | None = typer.Option(None, "--person", help="责任人 / responsible person"),
    deadline: str | None = typer.Option(None, "--deadline", help="完成时限 YYYY-MM-DD（必填）/ deadline (required)"),
    vote: list[str] = typer.Option([], "--vote", help="表决票数，如 owners=3,0,1（赞成,反对,弃权；可重复）/ "
                                   "a body's yes,no,abstain count (repeatable); without it: by consensus"),
    consultation: int | None = typer.Option(None, "--consultation", help="居民议事厅协商编号 / deliberation consultation id"),
    action_title: str = typer.Option("", "--action", help="落实事项名称（默认同决议）/ the action item's title"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """作出决议（同时生成落实事项）/ take a resolution (its action item follows)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        it = svc.get_agenda_item(s, item)
        votes = _votes(s, it.meeting_id, vote)
        r = svc.add_resolution(
            s, actor=state.actor, agenda_item_id=it.id, text=text,
            responsible_org_id=_body(s, it.meeting_id, body) if body else None,
            responsible_person_id=_person(s, person) if person else None, deadline=parse_date(deadline),
            decided_by="vote" if votes else "consensus", votes=votes or None, consultation_id=consultation,
            action_title=action_title,
        )
        data = {"id": r.id, "meeting_id": r.meeting_id, "seq": r.seq, "text": r.text, "decided_by": r.decided_by,
                "deadline": r.deadline.isoformat(),
                "action_item_ids": [a.id for a in svc.action_items_of(s, resolution_id=r.id)]}
    if as_json:
        print_json(data)
    else:
        _echo(tr(f"已作出决议{r.seq}（id {r.id}），落实事项 {' '.join(map(str, data['action_item_ids']))}",
                 f"resolution {r.seq} (id {r.id}) taken; action item {' '.join(map(str, data['action_item_ids']))}"))


# -- action items -----------------------------------------------------------------


@app.command("actions")
def actions(
    overdue: bool = typer.Option(False, "--overdue", help="只看超期 / overdue only"),
    place: str | None = typer.Option(None, "--place", "-p", help="社区或小区（含下级）/ place (and below)"),
    status: str | None = typer.Option(None, "--status", help="open|in_progress|done|overdue|dropped"),
    meeting: str | None = typer.Option(None, "--meeting", help="某次会议的 / of one meeting"),
    all_: bool = typer.Option(False, "--all", help="含已完成、已撤销 / include finished ones"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """落实事项看板（超期在前）/ the action-item board across meetings, overdue first."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        rows = [svc.action_row(s, a) for a in svc.list_action_items(
            s, place_id=find_place(s, place).id if place else None, status=status, overdue=overdue,
            meeting_id=_meeting(s, meeting).id if meeting else None, include_finished=all_)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        _echo(tr("暂无落实事项", "no action items"))
        return
    table(["id", tr("事项", "action"), tr("责任单位", "body"), tr("责任人", "person"), tr("时限", "deadline"),
           tr("状态", "status"), tr("决议会议", "meeting"), tr("诉求", "request"), tr("最新进展", "latest note")],
          [[r["id"], r["title"], r["responsible_org"], r["responsible_person"], r["deadline"],
            _label("ActionStatus", r["status"]) + (tr(f"（{r['days_overdue']} 天）", f" ({r['days_overdue']} d)")
                                                   if r["days_overdue"] else ""),
            r["meeting"], r["request_ref"] or "", r["latest_note"]] for r in rows])


def _action_done(verb_zh: str, verb_en: str, item) -> None:
    _echo(tr(f"落实事项 {item.id} {verb_zh}", f"action item {item.id} {verb_en}"))


@action_app.command("show")
def action_show(action: int = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """落实事项及其进展记录 / an action item and its history."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        data = svc.action_row(s, svc.get_action_item(s, action))
        data["notes"] = [{"at": n.at.isoformat(), "actor": n.actor, "from_status": n.from_status,
                          "to_status": n.to_status, "text": n.text, "meeting_id": n.meeting_id}
                         for n in svc.action_notes(s, action)]
    if as_json:
        print_json(data)
        return
    _echo(f"[{data['id']}] {data['title']} — {_label('ActionStatus', data['status'])}")
    _echo(tr(f"责任单位：{data['responsible_org']}  责任人：{data['responsible_person'] or '—'}  时限：{data['deadline']}",
             f"body: {data['responsible_org']}  person: {data['responsible_person'] or '—'}  deadline: {data['deadline']}"))
    _echo(tr(f"决议会议：{data['meeting']}", f"meeting: {data['meeting']}")
          + (tr(f"  关联诉求：{data['request_ref']}", f"  request: {data['request_ref']}") if data["request_ref"] else ""))
    for n in data["notes"]:
        change = f"[{_label('ActionStatus', n['to_status'])}] " if n["to_status"] else ""
        _echo(f"  {fmt_local(_dt(n['at']))} {n['actor']}：{change}{n['text']}")


@action_app.command("start")
def action_start(action: int = typer.Argument(...), note: str = typer.Argument(""),
                 meeting: str | None = typer.Option(None, "--meeting", help="在某次会议上报告 / reported at"),
                 at: str | None = typer.Option(None, "--at")) -> None:
    """开始落实 / start work on an action item."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        item = svc.start_action(s, actor=state.actor, action_item_id=action, note=note,
                                meeting_id=_meeting(s, meeting).id if meeting else None, at=parse_local_datetime(at))
    _action_done("推进中", "in progress", item)


@action_app.command("progress")
def action_progress(action: int = typer.Argument(...), text: str = typer.Argument(..., help="进展 / progress"),
                    meeting: str | None = typer.Option(None, "--meeting", help="在某次会议上报告 / reported at"),
                    at: str | None = typer.Option(None, "--at")) -> None:
    """记录进展 / add a progress note."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        svc.add_progress(s, actor=state.actor, action_item_id=action, text=text,
                         meeting_id=_meeting(s, meeting).id if meeting else None, at=parse_local_datetime(at))
    _echo(tr(f"已记录落实事项 {action} 的进展", f"progress recorded on action item {action}"))


@action_app.command("done")
def action_done(action: int = typer.Argument(...),
                note: str = typer.Argument("", help="落实情况（必填）/ what was done (required)"),
                meeting: str | None = typer.Option(None, "--meeting", help="在某次会议上报告 / reported at"),
                at: str | None = typer.Option(None, "--at")) -> None:
    """办结（关联诉求随之办结）/ mark done (a linked request is resolved with it)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        item = svc.complete_action(s, actor=state.actor, action_item_id=action, note=note,
                                   meeting_id=_meeting(s, meeting).id if meeting else None,
                                   at=parse_local_datetime(at))
    _action_done("已完成", "done", item)


@action_app.command("drop")
def action_drop(action: int = typer.Argument(...),
                reason: str = typer.Argument("", help="撤销原因（必填）/ why (required)"),
                meeting: str | None = typer.Option(None, "--meeting", help="在某次会议上决定 / decided at"),
                at: str | None = typer.Option(None, "--at")) -> None:
    """撤销落实事项 / drop an action item, with the reason."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        item = svc.drop_action(s, actor=state.actor, action_item_id=action, reason=reason,
                               meeting_id=_meeting(s, meeting).id if meeting else None, at=parse_local_datetime(at))
    _action_done("已撤销", "dropped", item)


# -- minutes ----------------------------------------------------------------------


@app.command("minutes")
def minutes(
    meeting: str = typer.Argument(...),
    fmt: str = typer.Option("docx", "--format", help="docx|md"),
    output: Path | None = typer.Option(None, "--output", "-o", help="写入文件（不覆盖）/ file (never overwritten)"),
) -> None:
    """会议纪要（Word 或 Markdown，可打印张贴）/ the minutes, as .docx or Markdown (never overwrites)."""
    from gongzhi.plugins.red_property.minutes import build_minutes, to_markdown, write_minutes

    if fmt not in ("docx", "md"):
        raise DomainError("input.invalid_choice", field="--format", value=fmt, choices="docx, md")
    if output is not None:
        from gongzhi.core.services.base import check_output_path

        check_output_path(output)  # before any work
    db = state.database()
    with db.read_session() as s:
        m = _meeting(s, meeting)
        if output is None:
            if fmt == "docx":
                raise DomainError("input.required", field="--output")
            _echo(to_markdown(build_minutes(s, m.id)))
            return
        path = write_minutes(s, m.id, output, fmt=fmt)
    _echo(tr(f"纪要已写入 {path}", f"minutes written to {path}"))


@app.command("month-minutes")
def month_minutes(
    month: str | None = typer.Argument(None, help="YYYY-MM（默认本月）/ the month (default: this month)"),
    fmt: str = typer.Option("docx", "--format", help="docx|md"),
    output: Path = typer.Option(..., "--output", "-o", help="写入文件（不覆盖）/ file (never overwritten)"),
) -> None:
    """一个月内已结束的全部联席会议纪要，合成一个文件 / every meeting closed in a month, in one file."""
    from datetime import datetime

    from gongzhi.core.models.types import LOCAL_TZ
    from gongzhi.plugins.red_property.minutes import write_month_minutes

    if month is None:
        today = datetime.now(LOCAL_TZ)
        year, number = today.year, today.month
    else:
        found = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", month)
        if not found or not 1 <= int(found[2]) <= 12:
            raise DomainError("redprop.invalid_month", value=month)
        year, number = int(found[1]), int(found[2])
    if output is not None:
        from gongzhi.core.services.base import check_output_path

        check_output_path(output)  # before any work
    with state.database().read_session() as s:
        path = write_month_minutes(s, year, number, output, fmt=fmt)
    _echo(tr(f"{year}-{number:02d} 的联席会议纪要已写入 {path}", f"the minutes of {year}-{number:02d} written to {path}"))


# -- micro-services ---------------------------------------------------------------


def _service_row(s, x) -> dict[str, Any]:
    from gongzhi.core.models.orgs import Organisation
    from gongzhi.core.models.people import Person
    from gongzhi.core.models.places import Place

    def name(model, id_):
        row = s.get(model, id_) if id_ is not None else None
        return row.name if row is not None else ""

    return {"id": x.id, "kind": x.kind, "kind_label": _label("ServiceKind", x.kind), "status": x.status,
            "compound_id": x.compound_id, "compound": name(Place, x.compound_id), "resident_id": x.resident_id,
            "resident": name(Person, x.resident_id), "description": x.description,
            "requested_at": x.requested_at.isoformat(),
            "scheduled_for": x.scheduled_for.isoformat() if x.scheduled_for else None,
            "done_at": x.done_at.isoformat() if x.done_at else None, "done_by_id": x.done_by_id,
            "done_by": name(Person, x.done_by_id), "done_by_org_id": x.done_by_org_id,
            "done_by_org": name(Organisation, x.done_by_org_id), "result": x.result}


@service_app.command("add")
def service_add(
    resident: str = typer.Argument(..., help="服务对象 / the resident"),
    kind: str = typer.Option("free_repair", "--kind", help="free_repair 免费入户维修 | shopping 代购代买 | other"),
    compound: str | None = typer.Option(None, "--compound", help="小区（默认居民住址）/ compound (default: their home)"),
    description: str = typer.Option("", "--description", "-d", help="内容 / what is needed"),
    scheduled: str | None = typer.Option(None, "--scheduled", help="安排时间 / scheduled for"),
    at: str | None = typer.Option(None, "--at", help="登记时间 / when it was asked for"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """登记微服务 / log a micro-service for a resident."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        x = svc.log_service(s, actor=state.actor, kind=kind, resident_id=_person(s, resident),
                            compound_id=find_place(s, compound).id if compound else None, description=description,
                            scheduled_for=parse_local_datetime(scheduled), at=parse_local_datetime(at))
        data = _service_row(s, x)
    if as_json:
        print_json(data)
    else:
        _echo(tr(f"已登记微服务 {x.id}：{data['kind_label']}（{data['resident']}）",
                 f"micro-service {x.id} logged: {data['kind_label']} ({data['resident']})"))


@service_app.command("list")
def service_list(
    compound: str | None = typer.Option(None, "--compound", help="小区 / compound"),
    status: str | None = typer.Option(None, "--status", help="requested|scheduled|done"),
    kind: str | None = typer.Option(None, "--kind", help="free_repair|shopping|other"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """微服务记录（新的在前）/ the micro-service log, newest first."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        rows = [_service_row(s, x) for x in svc.list_services(
            s, compound_id=find_place(s, compound).id if compound else None, status=status, kind=kind)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        _echo(tr("暂无微服务记录", "no micro-services"))
        return
    table(["id", tr("服务", "service"), tr("小区", "compound"), tr("服务对象", "resident"), tr("内容", "what"),
           tr("状态", "status"), tr("登记", "requested"), tr("服务人", "done by")],
          [[r["id"], r["kind_label"], r["compound"], r["resident"], r["description"],
            _label("ServiceStatus", r["status"]), fmt_local(_dt(r["requested_at"])),
            "、".join(x for x in (r["done_by"], r["done_by_org"]) if x)] for r in rows])


@service_app.command("schedule")
def service_schedule(service: int = typer.Argument(...), when: str = typer.Argument(..., help="安排时间 / when")) -> None:
    """安排上门时间 / schedule a micro-service."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        x = svc.schedule_service(s, actor=state.actor, service_id=service, scheduled_for=parse_local_datetime(when))
    _echo(tr(f"微服务 {x.id} 已安排在 {fmt_local(x.scheduled_for)}", f"micro-service {x.id} scheduled for "
             f"{fmt_local(x.scheduled_for)}"))


@service_app.command("done")
def service_done(
    service: int = typer.Argument(...),
    by: str | None = typer.Option(None, "--by", help="服务人 / who did it"),
    by_org: str | None = typer.Option(None, "--by-org", help="服务单位 / the body that did it"),
    result: str = typer.Option("", "--result", help="服务结果 / result"),
    at: str | None = typer.Option(None, "--at"),
) -> None:
    """微服务完成（须记录服务人或服务单位）/ mark a micro-service done (who did it is required)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        x = svc.complete_service(s, actor=state.actor, service_id=service, done_by_id=_person(s, by) if by else None,
                                 done_by_org_id=find_organisation(s, by_org).id if by_org else None, result=result,
                                 at=parse_local_datetime(at))
    _echo(tr(f"微服务 {x.id} 已完成", f"micro-service {x.id} done"))


@service_app.command("counts")
def service_counts(
    month: str | None = typer.Option(None, "--month", help="YYYY 或 YYYY-MM / a year or a month"),
    compound: str | None = typer.Option(None, "--compound", help="小区 / compound"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """各小区每月微服务数 / monthly micro-service counts per compound."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        rows = [c.__dict__ | {"kind_label": _label("ServiceKind", c.kind)} for c in svc.service_counts(
            s, month=month, compound_id=find_place(s, compound).id if compound else None)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        _echo(tr("暂无微服务记录", "no micro-services"))
        return
    table([tr("小区", "compound"), tr("月份", "month"), tr("服务", "service"), tr("登记", "requested"),
           tr("完成", "done")], [[r["compound"], r["month"], r["kind_label"], r["requested"], r["done"]] for r in rows])


@service_app.command("suggest")
def service_suggest(
    compound: str = typer.Argument(..., help="小区 / compound"),
    query: str = typer.Option("", "--query", "-q", help="姓名或拼音 / name or pinyin"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """微服务对象建议：重点关爱人群在前 / residents to offer a service to, priority-care first."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        rows = [x.__dict__ for x in svc.suggest_residents(s, compound_id=find_place(s, compound).id, query=query)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        _echo(tr("没有符合条件的居民", "no matching residents"))
        return
    table(["id", tr("姓名", "name"), tr("重点关爱", "priority care")],
          [[r["person_id"], r["name"], "✓" if r["priority_care"] else ""] for r in rows])
