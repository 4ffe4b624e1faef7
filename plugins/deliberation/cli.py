"""``gongzhi deliberation …``: the roundtable from the command line.

Consultations by id or exact title; participants by id or name; options by their
number in the consultation (1, 2, 3 …); rounds by the consultation and the round's
number in it (``vote 荣诚园晾衣架 2 …``), never by a bare global id. Every listing takes
``--json``. Errors are DomainErrors: the core CLI prints them on one line.
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
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)

# the services load when a command runs, so that registering this group stays cheap
fmt_local = lazy("gongzhi.core.models.types", "fmt_local")
find_people = lazy("gongzhi.core.services.people", "find_people")
get_person = lazy("gongzhi.core.services.people", "get_person")
find_place = lazy("gongzhi.core.services.places", "find_place")
find_request = lazy("gongzhi.core.services.requests", "find_request")

app = typer.Typer(help="居民议事厅 / residents' council (roundtable consultation voting)", no_args_is_help=True)
participant_app = typer.Typer(help="参与人 / participants", no_args_is_help=True)
option_app = typer.Typer(help="方案 / options", no_args_is_help=True)
meeting_app = typer.Typer(help="协商会议 / meetings", no_args_is_help=True)
round_app = typer.Typer(help="表决轮次 / rounds", no_args_is_help=True)
app.add_typer(participant_app, name="participant")
app.add_typer(option_app, name="option")
app.add_typer(meeting_app, name="meeting")
app.add_typer(round_app, name="round")


# -- helpers ----------------------------------------------------------------------


def _svc():
    from gongzhi.plugins.deliberation import services

    return services


def _label(enum_name: str, value: str) -> str:
    from gongzhi.plugins.deliberation import vocab

    return vocab_label(getattr(vocab, enum_name), value)


def _group(code: str) -> str:
    """A stakeholder group as the roster shows it (居民 / residents), one typed as typed."""
    from gongzhi.plugins.deliberation.vocab import group_label

    return group_label(code, state.language)


def _outcome(value: str | None) -> str:
    from gongzhi.plugins.deliberation.vocab import outcome_label

    return outcome_label(value, state.language)


def _numbers(text: str | None, what: str) -> list[int]:
    """``"3,1,2"`` → [3, 1, 2]; ``-`` or ``0`` → 0 (an unranked option in ``--rank``)."""
    if text is None:
        return []
    out = []
    for part in re.split(r"[,，\s]+", text.strip()):
        if not part:
            continue
        if part == "-":
            out.append(0)
            continue
        if not part.isdigit():
            raise DomainError("input.invalid", field=what, value=text)
        out.append(int(part))
    return out


def _words(text: str) -> list[str]:
    return [x for x in re.split(r"[,，\s]+", text.strip()) if x]


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


ROUND_HELP = "轮次编号（本协商的第几轮）/ the round's number in the consultation"


def _round(s, consultation: str, ref: str):
    """The round the facilitator sees: consultation + its number there."""
    svc = _svc()
    c = svc.find_consultation(s, consultation)
    return svc.find_round(s, c.id, ref)


def _option_ids(s, consultation_id: int, numbers: list[int]) -> list[int]:
    from sqlalchemy import select

    from gongzhi.plugins.deliberation.models import Option

    by_number = dict(s.execute(select(Option.number, Option.id).where(Option.consultation_id == consultation_id)).all())
    out = []
    for n in numbers:
        if n not in by_number:
            raise DomainError("delib.unknown_option", option=n)
        out.append(by_number[n])
    return out


def _option_numbers(s, ids) -> dict[int, int]:
    from sqlalchemy import select

    from gongzhi.plugins.deliberation.models import Option

    ids = list(ids)
    if not ids:
        return {}
    return dict(s.execute(select(Option.id, Option.number).where(Option.id.in_(ids))).all())


def render_line(line: dict[str, str], numbers: dict[int, int], names: dict[int, str] | None = None) -> str:
    """An explanation line in the chosen language, option ids (#17) shown as their
    numbers in the consultation (方案2 / option 2), participant ids as names."""
    from gongzhi.plugins.deliberation.minutes import render_line as render

    return render(line, numbers, state.language, names)


def _print_result(result: dict[str, Any], numbers: dict[int, int], texts: dict[int, str] | None = None,
                  names: dict[int, str] | None = None) -> None:
    texts = texts or {}
    winners = [f"{numbers.get(w, w)}" + (f" {texts[w]}" if w in texts else "") for w in result.get("winners", [])]
    seats = result.get("totals", {}).get("seats")
    chosen = tr(f"；当选（{seats} 席）", f"; elected ({seats} seat(s)) ") if seats else tr("；选出方案 ", "; chosen option(s) ")
    console.print(tr(f"结果：{_outcome(result['outcome'])}", f"result: {_outcome(result['outcome'])}")
                  + (chosen + "、".join(winners) if winners else ""),
                  markup=False, highlight=False)
    for line in result.get("explanation", []):
        console.print("  " + render_line(line, numbers, names), markup=False, highlight=False)


# -- consultations ----------------------------------------------------------------


@app.command("create")
def create(
    title: str = typer.Argument(..., help="议题 / title"),
    issue: str = typer.Option("", "--issue", help="问题说明 / what the issue is"),
    place: str | None = typer.Option(None, "--place", "-p", help="地点 / place"),
    facilitator: str | None = typer.Option(None, "--facilitator", help="主持人（居民 id 或姓名）/ facilitator person"),
    request: list[str] = typer.Option([], "--request", "-r", help="关联诉求编号（可重复）/ request ref (repeatable)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """发起协商 / open a consultation (optionally from requests, which get a timeline note)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.create_consultation(
            s, actor=state.actor, title=title, issue=issue,
            place_id=find_place(s, place).id if place else None,
            facilitator_id=_person(s, facilitator) if facilitator else None,
            request_ids=[find_request(s, ref).id for ref in request],
        )
        data = svc.consultation_dict(s, c, full=False)
    if as_json:
        print_json(data)
    else:
        console.print(tr(f"已发起协商 {c.id}：{c.title}", f"consultation {c.id} opened: {c.title}"), markup=False)


@app.command("list")
def list_(
    status: str | None = typer.Option(None, "--status", help="draft|open|decided|closed|withdrawn"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """协商列表 / list consultations."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        rows = [svc.consultation_dict(s, c, full=False) for c in svc.list_consultations(s, status=status)]
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(tr("暂无协商事项", "no consultations"))
        return
    table(["id", tr("议题", "title"), tr("状态", "status"), tr("关联诉求", "requests"), tr("更新", "updated")],
          [[r["id"], r["title"], _label("ConsultationStatus", r["status"]), " ".join(r["requests"]),
            fmt_local(r["updated_at"])] for r in rows])


@app.command("show")
def show(
    consultation: str = typer.Argument(..., help="协商 id 或议题 / consultation id or title"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """协商详情 / show a consultation: participants, options, meetings, rounds, outcome."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        c = svc.find_consultation(s, consultation)
        data = svc.consultation_dict(s, c)
        numbers = _option_numbers(s, [o["id"] for o in data["options"]])
    if as_json:
        print_json(data)
        return
    console.print(f"[{c.id}] {data['title']} — {_label('ConsultationStatus', data['status'])}", markup=False)
    if data["issue"]:
        console.print(data["issue"], markup=False)
    if data["requests"]:
        console.print(tr("关联诉求：", "requests: ") + " ".join(data["requests"]), markup=False)
    names = {p["id"]: p["name"] for p in data["participants"]}
    table(["id", tr("姓名", "name"), tr("角色", "role"), tr("组别", "group"), tr("表决权", "votes"),
           tr("权重", "weight"), tr("到场", "present"), tr("受托", "proxy for")],
          [[p["id"], p["name"], _label("ParticipantRole", p["role"]), _group(p["group"]), "✓" if p["can_vote"] else "",
            p["weight"], "✓" if p["present"] else "", names.get(p["proxy_for"], "")] for p in data["participants"]],
          title=tr("参与人", "participants"))
    table([tr("编号", "no."), tr("方案", "option"), tr("状态", "state")],
          [[o["number"], o["text"], _option_state(o, numbers)] for o in data["options"]], title=tr("方案", "options"))
    for m in data["meetings"]:
        console.print(tr(f"第 {m['number']} 次会议 {fmt_local(m['held_at'])} {m['venue']}，到会 {len(m['attendance'])} 人",
                         f"meeting {m['number']} {fmt_local(m['held_at'])} {m['venue']}, {len(m['attendance'])} at the table"),
                      markup=False)
    for r in data["rounds"]:
        console.print(tr(f"第 {r['number']} 轮 {r['title']} — {_label('RoundKind', r['kind'])}，"
                         f"{_label('RoundState', r['state'])}，{r['ballots']} 票",
                         f"round {r['number']} {r['title']} — {_label('RoundKind', r['kind'])}, "
                         f"{_label('RoundState', r['state'])}, {r['ballots']} ballots"), markup=False)
        if r["result"]:
            console.print("  " + tr("结果：", "result: ") + _outcome(r["result"]["outcome"]), markup=False)
    if data["outcome"]:
        o, now = data["outcome"], data["outcome"]["current"]
        console.print(tr(f"决定：{now['decision']}", f"decision: {now['decision']}")
                      + (tr(f"（复查日期 {now['review_on']}）", f" (review on {now['review_on']})")
                         if now["review_on"] else ""),
                      markup=False)
        if o["amendments"]:
            console.print(tr(f"  原决定（{fmt_local(o['decided_at'])}，{o['decided_by']}）：{o['decision']}",
                             f"  as first recorded ({fmt_local(o['decided_at'])}, {o['decided_by']}): {o['decision']}"),
                          markup=False)
            for a in o["amendments"]:
                console.print(tr(f"  第 {a['seq']} 次修正（{fmt_local(a['amended_at'])}，{a['amended_by']}）："
                                 f"{a['decision']} — 理由：{a['reason']}",
                                 f"  amendment {a['seq']} ({fmt_local(a['amended_at'])}, {a['amended_by']}): "
                                 f"{a['decision']} — reason: {a['reason']}"), markup=False)


def _option_state(o: dict[str, Any], numbers: dict[int, int]) -> str:
    parts = []
    if o["amends_id"]:
        parts.append(tr(f"修改自方案 {numbers.get(o['amends_id'], '?')}", f"amends {numbers.get(o['amends_id'], '?')}"))
    if o["withdrawn"]:
        parts.append(tr("已撤回", "withdrawn"))
    if o["merged_into_id"]:
        parts.append(tr(f"并入方案 {numbers.get(o['merged_into_id'], '?')}", f"merged into {numbers.get(o['merged_into_id'], '?')}"))
    return "，".join(parts)


@app.command("close")
def close(consultation: str = typer.Argument(...)) -> None:
    """结束已决定的协商 / close a decided consultation."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.close_consultation(s, actor=state.actor, consultation_id=svc.find_consultation(s, consultation).id)
    console.print(tr(f"协商 {c.id} 已结束", f"consultation {c.id} closed"), markup=False)


@app.command("withdraw")
def withdraw(consultation: str = typer.Argument(...)) -> None:
    """撤回协商 / withdraw a consultation."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.withdraw_consultation(s, actor=state.actor, consultation_id=svc.find_consultation(s, consultation).id)
    console.print(tr(f"协商 {c.id} 已撤回", f"consultation {c.id} withdrawn"), markup=False)


@app.command("link")
def link(consultation: str = typer.Argument(...), request: str = typer.Argument(..., help="诉求编号 / request ref")) -> None:
    """关联诉求（诉求时间线留痕）/ take up a request (it gets a timeline note)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        r = find_request(s, request)
        svc.link_request(s, actor=state.actor, consultation_id=c.id, request_id=r.id)
    console.print(tr(f"已关联诉求 {r.ref}", f"linked request {r.ref}"), markup=False)


# -- participants ------------------------------------------------------------------


@participant_app.command("add")
def participant_add(
    consultation: str = typer.Argument(...),
    person: str | None = typer.Option(None, "--person", help="居民 id 或姓名 / person id or name"),
    name: str | None = typer.Option(None, "--name", help="不在居民库中的参与人姓名 / name of someone not in the register"),
    role: str = typer.Option(..., "--role", help="resident_rep|party_rep|property_company|contractor|expert|observer"),
    group: str | None = typer.Option(None, "--group", help="利益相关方分组 / stakeholder group"),
    vote: bool | None = typer.Option(None, "--vote/--no-vote", help="有无表决权 / can vote"),
    weight: int = typer.Option(1, "--weight", help="权重 / weight"),
    present: bool = typer.Option(False, "--present", help="已到场 / present now"),
    proxy_for: str | None = typer.Option(None, "--proxy-for", help="受其委托的参与人 / holds this participant's proxy"),
    unit: list[str] | None = typer.Option(None, "--unit", help="名下专有部分及其面积，可重复：单元:面积，如 1-101:89.5 / "
                                          "an exclusive unit owned and its area (repeatable), e.g. 1-101:89.5"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """增加参与人 / seat a participant."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        p = svc.add_participant(
            s, actor=state.actor, consultation_id=c.id, role=role, person_id=_person(s, person) if person else None,
            name=name, group=group, can_vote=vote, weight=weight, present=present,
            proxy_for_id=svc.find_participant(s, c.id, proxy_for).id if proxy_for else None,
            units=_unit_pairs(unit or []),
        )
        data = {"id": p.id, "name": p.name, "role": p.role, "group": p.group, "can_vote": p.can_vote,
                "weight": p.weight, "present": p.present, "proxy_for": p.proxy_for_id, "units": list(p.units)}
    if as_json:
        print_json(data)
    else:
        console.print(tr(f"已增加参与人 {p.name}（编号 {p.id}）", f"seated {p.name} (id {p.id})"), markup=False)


def _unit_pairs(items: list[str]) -> list[tuple[str, str]]:
    """``1-101:89.5`` → ("1-101", "89.5"); the area stays text, the services read it exactly."""
    out = []
    for text in items:
        unit, sep, area = text.rpartition(":")
        if not sep or not unit.strip() or not area.strip():
            raise DomainError("input.invalid", field="unit", value=text)
        out.append((unit.strip(), area.strip()))
    return out


@participant_app.command("units")
def participant_units(
    consultation: str = typer.Argument(...),
    participant: str = typer.Argument(..., help="参与人（id 或姓名）/ participant (id or name)"),
    unit: list[str] | None = typer.Option(None, "--unit", help="名下专有部分及其面积，可重复：单元:面积 / "
                                          "units owned and their areas (repeatable); none clears them"),
) -> None:
    """登记参与人名下的专有部分（业主共同决定用）/ record the units a participant owns (owners' decisions)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        p = svc.set_units(s, actor=state.actor, participant_id=svc.find_participant(s, c.id, participant).id,
                          units=_unit_pairs(unit or []))
        text = "、".join(f"{u['unit']}（{u['area']} 平方米）" for u in p.units)
        text_en = ", ".join(f"{u['unit']} ({u['area']} m²)" for u in p.units)
    console.print(tr(f"{p.name} 名下专有部分：{text or '无'}", f"{p.name} owns: {text_en or 'no unit'}"), markup=False)


@participant_app.command("proxy")
def participant_proxy(
    consultation: str = typer.Argument(...),
    holder: str = typer.Argument(..., help="受托人 / proxy holder"),
    giver: str | None = typer.Argument(None, help="委托人（省略则撤销）/ who gives the proxy (omit to clear)"),
) -> None:
    """登记委托 / record that HOLDER holds GIVER's proxy."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        h = svc.find_participant(s, c.id, holder)
        g = svc.find_participant(s, c.id, giver) if giver else None
        svc.set_proxy(s, actor=state.actor, participant_id=h.id, proxy_for_id=g.id if g else None)
    console.print(tr(f"{h.name} 受 {g.name} 委托" if g else f"{h.name} 不再持有委托",
                     f"{h.name} holds {g.name}'s proxy" if g else f"{h.name} holds no proxy"), markup=False)


@app.command("checkin")
def checkin(
    consultation: str = typer.Argument(...),
    participants: list[str] = typer.Argument(..., help="参与人 id 或姓名 / participants"),
    out: bool = typer.Option(False, "--out", help="登记离场 / mark as gone"),
    yes: bool = typer.Option(False, "--yes", "-y", help="离场将使选票不计入时仍确认 / confirm a check-out that drops ballots"),
) -> None:
    """签到（或离场）/ check participants in (or out).

    A check-out drops the participant's ballots, and the votes they cast as proxy
    holder, in every open round at close (the presence-at-close rule): it is refused
    unless confirmed (``--yes``, or yes at the prompt on a terminal)."""
    import sys

    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        people = list({p.id: p for p in (svc.find_participant(s, c.id, ref) for ref in participants)}.values())
        confirmed = yes
        if out and not yes:
            # asked once for all of them, before anything is written
            err = svc.checkout_drops(s, [p for p in people if p.present])
            if err is not None:
                err = DomainError(err.code, **{**err.params, "how": "确认请加 --yes", "how_en": "add --yes to confirm"})
                if not sys.stdin.isatty():
                    raise err
                console.print(err.message(state.language), markup=False)
                if not typer.confirm(tr("确认离场？", "check out anyway?"), default=False):
                    raise typer.Exit(1)
                confirmed = True
        done = []
        for p in people:
            svc.checkin(s, actor=state.actor, participant_id=p.id, present=not out, confirm_drop=confirmed)
            done.append(p.name)
    console.print(tr(("离场：" if out else "签到：") + "、".join(done), ("checked out: " if out else "checked in: ")
                     + ", ".join(done)), markup=False)


# -- options -----------------------------------------------------------------------


@option_app.command("add")
def option_add(
    consultation: str = typer.Argument(...),
    text: str = typer.Argument(..., help="方案内容 / the proposal"),
    amends: int | None = typer.Option(None, "--amends", help="修改哪个方案（编号）/ the option number it amends"),
    withdraw_original: bool = typer.Option(False, "--withdraw-original", help="同时撤回原方案 / withdraw the amended option"),
    by: str | None = typer.Option(None, "--by", help="提出人 / proposed by (participant)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """提出方案或修改方案 / add an option, or an amendment."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        by_id = svc.find_participant(s, c.id, by).id if by else None
        if amends is not None:
            original = svc.option_by_number(s, c.id, amends)
            o = svc.amend_option(s, actor=state.actor, option_id=original.id, text=text,
                                 withdraw_original=withdraw_original, proposed_by_id=by_id)
        else:
            o = svc.add_option(s, actor=state.actor, consultation_id=c.id, text=text, proposed_by_id=by_id)
        data = {"id": o.id, "number": o.number, "text": o.text, "amends_id": o.amends_id}
    if as_json:
        print_json(data)
    else:
        console.print(tr(f"方案 {o.number}：{o.text}", f"option {o.number}: {o.text}"), markup=False)


@option_app.command("withdraw")
def option_withdraw(consultation: str = typer.Argument(...), number: int = typer.Argument(...)) -> None:
    """撤回方案 / withdraw an option."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        o = svc.withdraw_option(s, actor=state.actor, option_id=svc.option_by_number(s, c.id, number).id)
    console.print(tr(f"方案 {o.number} 已撤回", f"option {o.number} withdrawn"), markup=False)


@option_app.command("merge")
def option_merge(consultation: str = typer.Argument(...), number: int = typer.Argument(...),
                 into: int = typer.Option(..., "--into", help="并入的方案编号 / merge into option number")) -> None:
    """合并方案 / merge an option into another."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        o = svc.merge_options(s, actor=state.actor, option_id=svc.option_by_number(s, c.id, number).id,
                              into_id=svc.option_by_number(s, c.id, into).id)
    console.print(tr(f"方案 {o.number} 已并入方案 {into}", f"option {o.number} merged into {into}"), markup=False)


# -- meetings ----------------------------------------------------------------------


@meeting_app.command("add")
def meeting_add(
    consultation: str = typer.Argument(...),
    at: str | None = typer.Option(None, "--at", help="会议时间 / when, e.g. 2026-03-05 14:30 (default now)"),
    venue: str = typer.Option("", "--venue", help="会议地点 / venue"),
    attendance: str = typer.Option("present", "--attendance",
                                   help="到会参与人：present（当前到场者）或 id 列表 / 'present' or participant ids"),
    others: int = typer.Option(0, "--others", help="旁听居民人数 / residents listening"),
    notes: str = typer.Option("", "--notes", help="会议纪要要点 / minutes notes"),
) -> None:
    """记录一次协商会议 / record a meeting."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        if attendance.strip() == "present":
            ids = [p.id for p in svc.participants_of(s, c.id) if p.present]
        else:
            ids = [svc.find_participant(s, c.id, ref).id for ref in re.split(r"[,，\s]+", attendance.strip()) if ref]
        m = svc.add_meeting(s, actor=state.actor, consultation_id=c.id, held_at=parse_local_datetime(at), venue=venue,
                            attendance=ids, others_attending=others, notes=notes)
    console.print(tr(f"已记录第 {m.number} 次会议（编号 {m.id}）", f"meeting {m.number} recorded (id {m.id})"), markup=False)


# -- rounds ------------------------------------------------------------------------


@round_app.command("open")
def round_open(
    consultation: str = typer.Argument(...),
    preset: str | None = typer.Option(None, "--preset", help="simple_majority|absolute_majority|two_thirds|unanimity|"
                                      "consent_all_residents|plurality|approval|borda|irv|schulze"),
    kind: str | None = typer.Option(None, "--kind", help="自定义规则的方式（另有 ranked_choice、ranked_pairs；多席位选举："
                                    "stv、plurality_at_large、approval_seats）/ kind of a custom rule (also ranked_choice, "
                                    "ranked_pairs; elections with seats: stv, plurality_at_large, approval_seats)"),
    threshold: str | None = typer.Option(None, "--threshold", help="通过比例，如 2/3 / e.g. 2/3"),
    comparator: str | None = typer.Option(None, "--comparator", help="> 或 >="),
    base: str | None = typer.Option(None, "--base", help="YN|YNA|valid|cast|entitled|entitled_present"),
    quorum: str | None = typer.Option(None, "--quorum", help="法定人数比例，如 1/2 / quorum fraction"),
    quorum_count: int | None = typer.Option(None, "--quorum-count", help="法定人数 / quorum head count"),
    quorum_of: str | None = typer.Option(None, "--quorum-of", help="entitled|present"),
    per_group: str | None = typer.Option(None, "--per-group", help="须分别通过的组，逗号分隔 / groups that must each pass"),
    veto_roles: str | None = typer.Option(None, "--veto-roles", help="可阻止的角色，逗号分隔 / roles whose objection blocks"),
    top_k: int | None = typer.Option(None, "--top-k", help="前 k 名计分（--kind ranked_choice）/ picks scored, ranked choice"),
    category: str | None = typer.Option(None, "--category", help="业主共同决定的事项类别（--kind owners）：procedure_rules|"
                                        "covenant|committee|manager|use_funds|raise_funds|rebuild|elevator|common_use|"
                                        "other / an owners' decision's matter"),
    seats: int | None = typer.Option(None, "--seats", help="席位数（--kind stv|plurality_at_large|approval_seats；"
                                     "候选人即上票的方案）/ seats to fill (the options are the candidates)"),
    rounding: str | None = typer.Option(None, "--rounding", help="STV 转移值取整：scottish（苏格兰规则，五位小数截断）/ "
                                        "STV transfer values: scottish (five decimal places, truncated)"),
    attr: list[str] | None = typer.Option(None, "--attr", help="候选人属性，可重复：方案编号:属性=值[,属性=值]，如 "
                                          "2:性别=女,楼栋=3号楼 / a candidate's attributes (repeatable)"),
    at_least: list[str] | None = typer.Option(None, "--at-least", help="名额下限，可重复：属性=值:人数，如 性别=女:2 / "
                                              "at least K seats for attribute=value (repeatable)"),
    at_most: list[str] | None = typer.Option(None, "--at-most", help="名额上限，可重复：属性=值:人数，如 楼栋=3号楼:1 / "
                                             "at most M seats for attribute=value (repeatable)"),
    options: str | None = typer.Option(None, "--options", help="上票的方案编号，如 1,3 / option numbers on the ballot"),
    title: str = typer.Option("", "--title", help="表决事项 / what is put to the vote"),
    secret: bool = typer.Option(False, "--secret", help="无记名 / secret ballot"),
    hide_results: bool = typer.Option(False, "--hide-results", help="计票前不显示结果 / hide results until close"),
    meeting: int | None = typer.Option(None, "--meeting", help="所属会议编号 / meeting number"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """开始一轮表决 / open a round under a preset or a custom rule."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        custom = any(v is not None for v in (threshold, comparator, base, quorum, quorum_count, quorum_of, per_group,
                                             veto_roles, top_k, seats, rounding, category)) or kind is not None or bool(attr or at_least
                                                                                                  or at_most)
        constraints, attributes = _balance(s, c.id, attr or [], at_least or [], at_most or [])
        rule = svc.make_rule(preset, kind=kind, threshold=threshold, comparator=comparator, base=base,
                             quorum_of=quorum_of, quorum_fraction=quorum, quorum_count=quorum_count,
                             per_group=_words(per_group) if per_group is not None else None,
                             veto_roles=_words(veto_roles) if veto_roles is not None else None,
                             top_k=top_k, seats=seats, rounding=rounding, category=category,
                             constraints=constraints or None,
                             attributes=attributes or None) if custom else None
        meeting_id = None
        if meeting is not None:
            ms = {m.number: m.id for m in svc.meetings_of(s, c.id)}
            if meeting not in ms:
                raise DomainError("delib.meeting_not_found", ref=meeting)
            meeting_id = ms[meeting]
        r = svc.open_round(
            s, actor=state.actor, consultation_id=c.id, preset=None if custom else preset, rule=rule,
            option_ids=_option_ids(s, c.id, _numbers(options, "options")) if options else None, title=title,
            secret=secret, hide_results=hide_results, meeting_id=meeting_id,
        )
        data = svc.round_dict(s, r)
    if as_json:
        print_json(data)
    else:
        console.print(tr(f"「{c.title}」第 {r.number} 轮表决已开始：{r.title}",
                         f"'{c.title}' round {r.number} open: {r.title}"), markup=False)


def _balance(s, consultation_id: int, attrs: list[str], at_least: list[str], at_most: list[str]):
    """``--attr 2:性别=女,楼栋=3号楼`` and ``--at-least 性别=女:2`` / ``--at-most 楼栋=3号楼:1``
    → (constraints, {option id: {attribute: value}})."""
    from gongzhi.plugins.deliberation.rules import Constraint

    attributes: dict[int, dict[str, str]] = {}
    for text in attrs:
        number, sep, rest = text.partition(":")
        if not sep or not number.strip().isdigit():
            raise DomainError("input.invalid", field="attr", value=text)
        pairs = {}
        for item in _words(rest):
            key, eq, value = item.partition("=")
            if not eq or not key.strip() or not value.strip():
                raise DomainError("input.invalid", field="attr", value=text)
            pairs[key.strip()] = value.strip()
        oid = _option_ids(s, consultation_id, [int(number)])[0]
        attributes.setdefault(oid, {}).update(pairs)
    bounds: dict[tuple[str, str], list[int | None]] = {}
    for which, items in ((0, at_least), (1, at_most)):
        for text in items:
            what, sep, n = text.rpartition(":")
            key, eq, value = what.partition("=")
            if not sep or not eq or not key.strip() or not value.strip() or not n.strip().isdigit():
                raise DomainError("input.invalid", field="at-least" if which == 0 else "at-most", value=text)
            bounds.setdefault((key.strip(), value.strip()), [0, None])[which] = int(n)
    constraints = [Constraint(k, v, lo or 0, hi) for (k, v), (lo, hi) in bounds.items()]
    return constraints, attributes


@round_app.command("close")
def round_close(consultation: str = typer.Argument(...), round_ref: str = typer.Argument(..., help=ROUND_HELP),
                as_json: bool = typer.Option(False, "--json")) -> None:
    """结束表决并计票 / close a round and count it."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        res = svc.close_round(s, actor=state.actor, round_id=_round(s, consultation, round_ref).id)
        numbers = _option_numbers(s, [o["id"] for o in res.snapshot["options"]])
        texts = {o["id"]: o["text"] for o in res.snapshot["options"]}
        names = {v["id"]: v["name"] for v in res.snapshot["voters"] if "name" in v}
    if as_json:
        print_json(res.result)
    else:
        _print_result(res.result, numbers, texts, names)


@round_app.command("show")
def round_show(consultation: str = typer.Argument(...), round_ref: str = typer.Argument(..., help=ROUND_HELP),
               as_json: bool = typer.Option(False, "--json")) -> None:
    """表决轮次详情与计票说明 / show a round and its count (a live count if the round shows it)."""
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        r = _round(s, consultation, round_ref)
        data = svc.round_dict(s, r)
        numbers = _option_numbers(s, r.option_ids)
        names = {} if r.secret else {p.id: p.name for p in svc.participants_of(s, r.consultation_id)}
    if as_json:
        print_json(data)
        return
    console.print(tr(f"第 {r.number} 轮：{r.title} — {_label('RoundKind', r.kind)}，{_label('RoundState', r.state)}，"
                     f"{data['ballots']} 票", f"round {r.number}: {r.title} — {_label('RoundKind', r.kind)}, "
                     f"{_label('RoundState', r.state)}, {data['ballots']} ballots"), markup=False)
    result = data["result"] or data.get("live")
    if result:
        if not data["result"]:
            console.print(tr("（实时计票）", "(live count)"))
        _print_result(result, numbers, names=names)
    elif r.hide_results and r.state == "open":
        console.print(tr("计票前不显示结果", "results are hidden until the round closes"))


@round_app.command("break-tie")
def round_break_tie(
    consultation: str = typer.Argument(...),
    round_ref: str = typer.Argument(..., help=ROUND_HELP),
    option: int = typer.Option(..., "--option", help="选定的方案编号 / chosen option number"),
    method: str = typer.Option(..., "--method", help="lot|chair|earliest|other"),
    note: str = typer.Option("", "--note", help="说明 / how it was done"),
) -> None:
    """按记录在案的规则打破平局 / break a tie by a recorded rule."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        r = _round(s, consultation, round_ref)
        o = svc.option_by_number(s, r.consultation_id, option)
        svc.break_tie(s, actor=state.actor, round_id=r.id, option_id=o.id, method=method, note=note)
    console.print(tr(f"平局已处理：选定方案 {option}", f"tie broken: option {option}"), markup=False)


@round_app.command("rerun")
def round_rerun(
    consultation: str = typer.Argument(...),
    round_ref: str = typer.Argument(..., help=ROUND_HELP),
    without: str | None = typer.Option(None, "--without", help="去掉的方案编号 / option numbers to leave out"),
) -> None:
    """平局后去掉末位方案另开一轮 / after a tie, a new round without the last option(s)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        r = _round(s, consultation, round_ref)
        drop = _option_ids(s, r.consultation_id, _numbers(without, "without")) if without else None
        new = svc.rerun_round(s, actor=state.actor, round_id=r.id, without=drop)
    console.print(tr(f"第 {new.number} 轮表决已开始", f"round {new.number} open"), markup=False)


@app.command("vote")
def vote(
    consultation: str = typer.Argument(..., help="协商 id 或议题 / consultation id or title"),
    round_ref: str = typer.Argument(..., help=ROUND_HELP),
    participant: str = typer.Argument(..., help="投票人（id 或姓名）/ who votes (id or name)"),
    choice: str | None = typer.Argument(None, help="y 赞成 / n 反对 / a 弃权 / o 异议"),
    rank: str | None = typer.Option(None, "--rank", help="按选票上方案的顺序写名次，如 3,1,2（- 表示不排）/ "
                                    "ranks for the options in ballot order, e.g. 3,1,2 (- unranked)"),
    approve: str | None = typer.Option(None, "--approve", help="认可的方案编号，如 1,3 / approved option numbers"),
    option: int | None = typer.Option(None, "--option", help="选中的方案编号（相对多数）/ chosen option (plurality)"),
    reason: str = typer.Option("", "--reason", help="理由（异议必填）/ reason (required with an objection)"),
    on_behalf: str | None = typer.Option(None, "--on-behalf", help="代此委托人投票 / cast the vote of this absent "
                                         "participant, whose proxy PARTICIPANT holds"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """录入选票 / record a ballot (a second one supersedes the first; the history stays)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        r = _round(s, consultation, round_ref)
        p = svc.find_participant(s, r.consultation_id, participant)
        voter, cast_by = p, None
        if on_behalf:
            voter, cast_by = svc.find_participant(s, r.consultation_id, on_behalf), p
        ranks = None
        if rank is not None:
            given = _numbers(rank, "rank")
            numbers = _option_numbers(s, r.option_ids)
            ballot_order = sorted(r.option_ids, key=lambda oid: numbers.get(oid, 0))
            if len(given) > len(ballot_order):
                raise DomainError("delib.bad_ranking", detail=f"名次比选票上的方案多：{rank}",
                                  detail_en=f"more ranks than options on the ballot: {rank}")
            ranks = {oid: n for oid, n in zip(ballot_order, given, strict=False) if n}
        before = svc.latest_ballot_id(s, r.id, voter.id)
        b = svc.record_ballot(
            s, actor=state.actor, round_id=r.id, participant_id=voter.id, choice=choice, ranks=ranks,
            approvals=_option_ids(s, r.consultation_id, _numbers(approve, "approve")) if approve else (),
            option_id=_option_ids(s, r.consultation_id, [option])[0] if option is not None else None,
            reason=reason, cast_by_id=cast_by.id if cast_by else None,
        )
        unchanged = before is not None and b.id == before
        data = {"ballot_id": b.id, "round_id": r.id, "round": r.number, "consultation_id": r.consultation_id,
                "seq": b.seq, "supersedes": b.supersedes_id, "unchanged": unchanged}
        number = r.number
    if as_json:
        print_json(data)
        return
    who = voter.name + (tr(f"（由 {cast_by.name} 代投）", f" (cast by {cast_by.name})") if cast_by else "")
    console.print(tr(f"第 {number} 轮：", f"round {number}: "), end="", markup=False)
    if unchanged:
        console.print(tr(f"{who} 的选票与现行选票相同，未作改动", f"{who}'s ballot is unchanged; nothing recorded"),
                      markup=False)
    elif b.seq > 1:
        console.print(tr(f"已录入 {who} 的新选票，取代前一张（第 {b.seq} 张）",
                         f"recorded {who}'s new ballot, superseding the previous one (no. {b.seq})"), markup=False)
    else:
        console.print(tr(f"已录入 {who} 的选票", f"recorded {who}'s ballot"), markup=False)


@app.command("publish")
def publish(consultation: str = typer.Argument(...), round_ref: str = typer.Argument(..., help=ROUND_HELP)) -> None:
    """公布表决结果 / publish a closed round's result."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        r = svc.publish_round(s, actor=state.actor, round_id=_round(s, consultation, round_ref).id)
    console.print(tr(f"第 {r.number} 轮结果已公布", f"round {r.number} published"), markup=False)


@app.command("decide")
def decide(
    consultation: str = typer.Argument(...),
    decision: str = typer.Argument(..., help="决定内容 / the decision"),
    round_ref: str | None = typer.Option(None, "--round", help="依据的轮次编号 / the number of the round it rests on"),
    option: int | None = typer.Option(None, "--option", help="选定的方案编号 / chosen option number"),
    review: str | None = typer.Option(None, "--review", help="复查日期 / review date, YYYY-MM-DD"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """记录协商决定 / record the decision (linked requests get a note; other plugins are told)."""
    svc = _svc()
    db = state.database()
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        out = svc.decide(s, actor=state.actor, consultation_id=c.id, decision=decision,
                         round_id=svc.find_round(s, c.id, round_ref).id if round_ref is not None else None,
                         option_id=svc.option_by_number(s, c.id, option).id if option is not None else None,
                         review_on=parse_date(review))
        data = {"id": out.id, "consultation_id": c.id, "decision": out.decision, "option_id": out.option_id,
                "round_id": out.round_id, "review_on": out.review_on}
    if as_json:
        print_json(data)
    else:
        console.print(tr(f"已记录决定：{out.decision}", f"decision recorded: {out.decision}"), markup=False)


@app.command("amend-decision")
def amend_decision(
    consultation: str = typer.Argument(...),
    reason: str = typer.Option(..., "--reason", help="修正理由（必填）/ why the decision changes (required)"),
    decision: str | None = typer.Option(None, "--decision", help="新的决定内容 / the decision's new text"),
    option: int | None = typer.Option(None, "--option", help="选定的方案编号（0 清除）/ chosen option number (0 clears)"),
    review: str | None = typer.Option(None, "--review", help="复查日期 YYYY-MM-DD（- 清除）/ review date (- clears)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """修正已记录的决定（原决定保留，修正附理由留痕）/ amend a recorded decision (kept, with reason and history)."""
    svc = _svc()
    db = state.database()
    kwargs: dict[str, Any] = {}
    if review is not None:
        kwargs["review_on"] = None if review.strip() == "-" else parse_date(review)
    with db.session() as s:
        c = svc.find_consultation(s, consultation)
        if option is not None:
            kwargs["option_id"] = None if option == 0 else svc.option_by_number(s, c.id, option).id
        a = svc.amend_decision(s, actor=state.actor, consultation_id=c.id, reason=reason, decision=decision,
                               **kwargs)
        data = {"id": a.id, "consultation_id": c.id, "seq": a.seq, "decision": a.decision, "option_id": a.option_id,
                "review_on": a.review_on, "reason": a.reason, "amended_by": a.amended_by}
    if as_json:
        print_json(data)
    else:
        console.print(tr(f"决定已修正（第 {a.seq} 次）：{a.decision}", f"decision amended (#{a.seq}): {a.decision}"),
                      markup=False)


# -- transparency --------------------------------------------------------------------


@app.command("export-round")
def export_round(
    consultation: str = typer.Argument(...),
    round_ref: str = typer.Argument(..., help=ROUND_HELP),
    as_json: bool = typer.Option(True, "--json", help="JSON 格式（目前唯一格式）/ JSON (the only format)"),
    output: Path | None = typer.Option(None, "--output", "-o", help="写入文件（不覆盖）/ file to write (never overwritten)"),
) -> None:
    """导出表决轮次供复核 / export a closed round for recounting (docs/deliberation.md)."""
    from gongzhi.core.services.base import audit, transaction
    from gongzhi.plugins.deliberation.export import write_json_file
    from gongzhi.plugins.deliberation.services import round_file

    if output is not None:
        from gongzhi.core.services.base import check_output_path

        check_output_path(output)  # before any work
    db = state.database()
    with db.session() as s:
        round_id = _round(s, consultation, round_ref).id
        data = round_file(s, round_id=round_id, exported_by=state.actor.name)
        if output is not None:
            write_json_file(data, output)
        with transaction(s):
            audit(s, state.actor, "delib.round.export", "delib_round", round_id, None,
                  {"path": str(output) if output else "-"})
    if output is None:
        print_json(data)
    else:
        console.print(tr(f"已导出到 {output}", f"exported to {output}"), markup=False)


@app.command("tally")
def tally(
    file: Path = typer.Argument(..., help="表决文件（JSON）/ round file (JSON)"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """仅凭表决文件重新计票并与存档结果比对 / recount a round file alone; compare with its stored result.

    Exit 1 when the recount differs from the stored result; exit 2 when it matches but the
    file flags ballots out of the recorded sequence (``out_of_sequence``: rows written to
    the database by hand), so that a script sees the tampering either way."""
    from gongzhi.plugins.deliberation.export import read_round_file, tally_round_file

    data = read_round_file(file)
    recount = tally_round_file(data)
    if as_json:
        print_json(recount.as_dict())
    else:
        opts = [o for o in data.get("options", []) if isinstance(o, dict)]
        numbers = {o["id"]: o.get("number", o["id"]) for o in opts if isinstance(o.get("id"), int)}
        texts = {o["id"]: o.get("text", "") for o in opts if isinstance(o.get("id"), int)}
        names = {v["id"]: v["name"] for v in data.get("voters", [])
                 if isinstance(v, dict) and isinstance(v.get("id"), int) and isinstance(v.get("name"), str)}
        from gongzhi.plugins.deliberation.export import result_json

        _print_result(result_json(recount.result), numbers, texts, names)
        stray = recount.out_of_sequence
        if stray:
            who = [_stray_voter(b, names) for b in stray]
            console.print(tr(f"警告：{len(stray)} 张选票不属于记录序列（可能被直接写入数据库），投票人：{'、'.join(who)}",
                             f"warning: {len(stray)} ballot(s) do not belong to the recorded sequence "
                             f"(possibly written to the database directly), voters: {', '.join(who)}"), markup=False)
        if recount.matches is True:
            console.print(tr("与存档结果一致", "matches the stored result"))
        elif recount.matches is False:
            console.print(tr("与存档结果不一致！", "does NOT match the stored result!"))
        else:
            console.print(tr("文件中没有存档结果，无从比对", "the file holds no stored result to compare with"))
    if recount.matches is False:
        raise typer.Exit(1)
    if recount.out_of_sequence:
        raise typer.Exit(2)


def _stray_voter(entry: dict[str, Any], names: dict[int, str]) -> str:
    """Whom a ballot out of sequence claims to be: the name (a named round), the voter's
    pseudonym (a secret round), or "unknown voter" when it matches nobody on the roster."""
    voter = entry.get("voter")
    name = entry.get("name") if isinstance(entry.get("name"), str) else None
    if name is None and isinstance(voter, int) and not isinstance(voter, bool):
        name = names.get(voter) or tr(f"投票人 {voter}", f"voter {voter}")
    return name or tr("名册上没有的投票人", "a voter not on the roster")


@app.command("minutes")
def minutes(
    consultation: str = typer.Argument(...),
    fmt: str = typer.Option("md", "--format", help="md|docx"),
    output: Path | None = typer.Option(None, "--output", "-o", help="写入文件（不覆盖）/ file (never overwritten)"),
) -> None:
    """会议纪要：出席、各轮计票、异议及理由、决定 / minutes: attendance, each round's count, objections, outcome."""
    from gongzhi.plugins.deliberation.minutes import build_minutes, to_markdown, write_minutes

    if fmt not in ("md", "docx"):
        raise DomainError("input.invalid_choice", field="--format", value=fmt, choices="md, docx")
    if output is not None:
        from gongzhi.core.services.base import check_output_path

        check_output_path(output)  # before any work
    svc = _svc()
    db = state.database()
    with db.read_session() as s:
        c = svc.find_consultation(s, consultation)
        if output is None:
            if fmt == "docx":
                raise DomainError("delib.docx_needs_output")
            console.print(to_markdown(build_minutes(s, c.id, lang=state.language)), markup=False, highlight=False)
            return
        path = write_minutes(s, c.id, output, fmt=fmt, lang=state.language)
    console.print(tr(f"纪要已写入 {path}", f"minutes written to {path}"), markup=False)


@app.command("owners-tally")
def owners_tally(
    file: Path = typer.Argument(..., help="业主表决文件（JSON）/ owners' decision file (JSON)"),
    category: str | None = typer.Option(None, "--category", help="事项类别（覆盖文件中的）/ category of matter"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """业主共同决定计票（民法典第二百七十八条）/ count an owners' decision (Civil Code art. 278).

    The file: ``{"format": "gongzhi.deliberation.owners", "version": 1, "category": "elevator",
    "units": [{"id": "1-101", "area": "89.5", "owners": ["张三", "李四"]}, …],
    "votes": {"张三": "yes", …}}`` (docs/deliberation-rules.md). Exit 1 unless adopted."""
    import json

    from gongzhi.plugins.deliberation.owners import Unit, owners_decision

    try:
        data = json.loads(Path(file).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError("delib.export_invalid", detail=f"{file}: {exc}") from None
    if not isinstance(data, dict) or data.get("format", "gongzhi.deliberation.owners") != "gongzhi.deliberation.owners":
        raise DomainError("delib.export_invalid", detail="format must be gongzhi.deliberation.owners")
    units_raw, votes = data.get("units"), data.get("votes", {})
    if not isinstance(units_raw, list) or not isinstance(votes, dict):
        raise DomainError("delib.export_invalid", detail="units must be a list and votes an object")
    units = []
    for u in units_raw:
        if not (isinstance(u, dict) and isinstance(u.get("id"), str | int) and isinstance(u.get("owners"), list)
                and all(isinstance(o, str) for o in u["owners"])):
            raise DomainError("delib.export_invalid", detail=f"unit needs id, area, owners: {u!r}")
        units.append(Unit(str(u["id"]), u.get("area"), frozenset(u["owners"])))
    res = owners_decision(category or str(data.get("category", "")), units, votes)
    if as_json:
        print_json(res.as_dict())
    else:
        console.print(tr(f"结果：{_outcome(res.outcome)}", f"result: {_outcome(res.outcome)}"), markup=False)
        for line in res.explanation:
            console.print("  " + (line["en"] if state.language == "en" else line["zh"]), markup=False,
                          highlight=False)
    if res.outcome != "adopted":
        raise typer.Exit(1)
