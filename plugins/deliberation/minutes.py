"""Minutes of a consultation (会议纪要), in Markdown or Word (.docx).

What the minutes hold: the issue and the requests it takes up, who sat at the
table, each meeting (when, where, attendance, notes), each round (the rule, the
options on the ballot, the roster at close, the count with its explanation,
objections with their reasons, a tie-break) and the decision. In a secret round
objections are listed with their reasons but without names.

The content is built once as a list of blocks (:func:`build_minutes`) and then
rendered (:func:`to_markdown`, :func:`to_docx`), so both formats say the same.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import errors as _errors  # noqa: F401  (registers the delib.* codes)

if TYPE_CHECKING:  # the models load with build_minutes: render_line (the recount of a file) needs none
    from sqlmodel import Session


@dataclass
class Block:
    kind: str  # h1 | h2 | h3 | p | list | table
    text: str = ""
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Minutes:
    title: str
    blocks: list[Block]


def _t(lang: str, zh: str, en: str) -> str:
    return en if lang == "en" else zh


def _group_labels(text: str, lang: str) -> str:
    """The rules name groups by their code (``residents``); show them as the roster,
    the CLI and the minutes do (居民 / residents, 物业 / property company)."""
    from gongzhi.plugins.deliberation.vocab import group_label

    def one(m: re.Match[str]) -> str:
        return f"{m.group(1)}{group_label(m.group(2), lang)}{m.group(3)}"

    def many(m: re.Match[str]) -> str:
        sep = ", " if lang == "en" else "、"
        return m.group(1) + sep.join(group_label(g, lang) for g in m.group(2).split(sep))

    if lang == "en":
        text = re.sub(r"(group ')([^']+)(')", one, text)
        return re.sub(r"(passed overall, but not in: )(.+)$", many, text)
    text = re.sub(r"(「)([^」]+)(」组)", one, text)
    return re.sub(r"(以下分组未通过：)(.+)$", many, text)


def render_line(line: dict[str, str], numbers: dict[int, int], lang: str,
                names: dict[int, str] | None = None) -> str:
    """One explanation line in ``lang``: option ids (#17) become option numbers, and in a
    named round participant ids become names."""
    text = line["en"] if lang == "en" else line["zh"]

    def option(m: re.Match[str]) -> str:
        oid = int(m.group(1))
        return _t(lang, f"方案{numbers[oid]}", f"option {numbers[oid]}") if oid in numbers else m.group(0)

    text = re.sub(r"#(\d+)", option, text)
    text = _group_labels(text, lang)
    if names:
        def person(m: re.Match[str]) -> str:
            pid = int(m.group(2))
            return f"{m.group(1)}{names[pid]}" if pid in names else m.group(0)

        text = re.sub(r"(参与者 |participant |委托人 |不能代 |没有受 |cannot vote for |holds no proxy for )(\d+)",
                      person, text)
        # the proxy messages name the holder first, with no prefix: "：14 不能代", ": 14 cannot vote"
        text = re.sub(r"(：|: )(\d+)(?= 不能代| cannot vote for| is present, so)", person, text)
    return text


def build_minutes(session: Session, consultation_id: int, *, lang: str = "zh") -> Minutes:
    from gongzhi.core.models.people import Person
    from gongzhi.core.models.places import Place
    from gongzhi.core.models.requests import Request
    from gongzhi.core.models.types import fmt_local
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import (
        ConsultationStatus,
        ParticipantRole,
        RoundKind,
        RoundState,
        TieBreakMethod,
        choice_label,
        group_label,
        outcome_label,
    )

    c = svc.get_consultation(session, consultation_id)
    people = svc.participants_of(session, c.id)
    names = {p.id: p.name for p in people}
    options = svc.options_of(session, c.id)
    numbers = {o.id: o.number for o in options}
    by_id = {o.id: o for o in options}
    blocks: list[Block] = [Block("h1", _t(lang, f"居民议事厅会议纪要：{c.title}", f"Residents' council minutes: {c.title}"))]

    facts = [_t(lang, "状态：", "Status: ") + ConsultationStatus(c.status).label(lang)]
    if c.place_id:
        place = session.get(Place, c.place_id)
        facts.append(_t(lang, "地点：", "Place: ") + (place.name if place else ""))
    if c.facilitator_id:
        person = session.get(Person, c.facilitator_id)
        facts.append(_t(lang, "主持人：", "Facilitator: ") + (person.name if person else ""))
    rids = svc.request_ids_of(session, c.id)
    if rids:
        refs = [session.get(Request, rid) for rid in rids]
        facts.append(_t(lang, "关联诉求：", "Requests: ") + ", ".join(f"{r.ref} {r.title}" for r in refs if r))
    blocks.append(Block("list", items=facts))
    if c.issue:
        blocks += [Block("h2", _t(lang, "议题", "The issue")), Block("p", c.issue)]

    blocks.append(Block("h2", _t(lang, "参与人", "Participants")))
    blocks.append(Block(
        "table",
        header=[_t(lang, "姓名", "Name"), _t(lang, "角色", "Role"), _t(lang, "组别", "Group"),
                _t(lang, "表决权", "Votes"), _t(lang, "权重", "Weight"), _t(lang, "受托", "Holds proxy of")],
        rows=[[p.name, ParticipantRole(p.role).label(lang), group_label(p.group, lang), _t(lang, "有", "yes") if p.can_vote else
               _t(lang, "无", "no"), str(p.weight), names.get(p.proxy_for_id, "")] for p in people],
    ))

    blocks.append(Block("h2", _t(lang, "方案", "Options")))
    items = []
    for o in options:
        notes = []
        if o.amends_id:
            notes.append(_t(lang, f"修改自方案{numbers.get(o.amends_id)}", f"amends option {numbers.get(o.amends_id)}"))
        if o.withdrawn:
            notes.append(_t(lang, "已撤回", "withdrawn"))
        if o.merged_into_id:
            notes.append(_t(lang, f"并入方案{numbers.get(o.merged_into_id)}", f"merged into option {numbers.get(o.merged_into_id)}"))
        items.append(f"{_t(lang, '方案', 'Option ')}{o.number}：{o.text}" + (f"（{'，'.join(notes)}）" if notes else ""))
    blocks.append(Block("list", items=items or [_t(lang, "（无）", "(none)")]))

    rounds = svc.rounds_of(session, c.id)
    by_meeting: dict[int | None, list] = {}
    for r in rounds:
        by_meeting.setdefault(r.meeting_id, []).append(r)

    def round_blocks(r) -> list[Block]:
        kind = RoundKind(r.kind).label(lang)
        rule = r.rule.get("name") or ""
        out = [Block("h3", _t(lang, f"第 {r.number} 轮表决：{r.title}", f"Round {r.number}: {r.title}"))]
        facts = [
            _t(lang, "方式：", "Rule: ") + kind + (f"（{rule}）" if rule else "")
            + _t(lang, "，无记名" if r.secret else "，记名", ", secret" if r.secret else ", named"),
            _t(lang, "状态：", "State: ") + RoundState(r.state).label(lang),
            _t(lang, "选票上的方案：", "On the ballot: ") + ("、".join(
                f"{_t(lang, '方案', 'option ')}{numbers[oid]} {by_id[oid].text}" for oid in r.option_ids)
                or _t(lang, "（表决事项见标题）", "(the motion in the title)")),
        ]
        if r.opened_at:
            facts.append(_t(lang, "开始：", "Opened: ") + fmt_local(r.opened_at))
        res = svc.result_of(session, r.id)
        if res is None:
            facts.append(_t(lang, "尚未计票", "not yet counted"))
            out.append(Block("list", items=facts))
            return out
        facts.append(_t(lang, "计票：", "Counted: ") + fmt_local(r.closed_at))
        changed = len(svc.superseded_ids(session, r.id))
        if changed:
            facts.append(_t(lang, f"改票：{changed} 张选票被新票取代（原票保留在案）",
                            f"Changed votes: {changed} ballot(s) superseded by a later one (kept on record)"))
        snap = res.snapshot
        facts.append(_t(lang, f"名册（计票时）：有表决权 {snap['entitled']['count']} 人（权重 {snap['entitled']['weight']}），"
                              f"到场 {snap['present']['count']} 人（权重 {snap['present']['weight']}），委托 {snap['proxies']} 项",
                        f"Roster at close: {snap['entitled']['count']} entitled (weight {snap['entitled']['weight']}), "
                        f"{snap['present']['count']} present (weight {snap['present']['weight']}), {snap['proxies']} proxies"))
        winners = "、".join(f"{_t(lang, '方案', 'option ')}{numbers.get(w, w)}" for w in res.winners)
        facts.append(_t(lang, "结果：", "Result: ") + outcome_label(res.outcome, lang) + (f"（{winners}）" if winners else ""))
        if res.totals.get("seats"):  # an election: the seats, the quota, who was elected
            quota = res.totals.get("quota")
            facts.append(_t(lang, f"席位：{res.totals['seats']}" + (f"，当选票数 {quota}" if quota is not None else "")
                            + f"，当选：{winners or '（无）'}",
                            f"Seats: {res.totals['seats']}" + (f", quota {quota}" if quota is not None else "")
                            + f", elected: {winners or '(none)'}"))
        out.append(Block("list", items=facts))
        owners = res.totals.get("owners")
        if owners:  # an owners' decision: the article applied and the four figures
            facts.append(_t(lang, "依据：", "Under: ") + owners["article"]["zh" if lang != "en" else "en"])
        choices = res.totals.get("choices")
        if choices:
            out.append(Block("table", header=[_t(lang, "选择", "Choice"), _t(lang, "票数", "Ballots"), _t(lang, "权重", "Weight")],
                             rows=[[choice_label(k, lang), str(v["count"]), str(v["weight"])]
                                   for k, v in choices.items()]))
        if owners:
            names_of = {"participating_area": ("参与表决的专有部分面积", "Exclusive area taking part"),
                        "participating_owners": ("参与表决的业主人数", "Owners taking part"),
                        "approving_area": ("同意的专有部分面积", "Agreeing area"),
                        "approving_owners": ("同意的业主人数", "Agreeing owners")}

            def frac(x: str | None) -> str:
                if x is None:
                    return "—"
                n, d = x.split("/")
                return n if d == "1" else x

            out.append(Block("table", header=[_t(lang, "数字", "Figure"), _t(lang, "部分 / 全体", "Part / whole"),
                                              _t(lang, "比例", "Share"), _t(lang, "须", "Needs"),
                                              _t(lang, "结果", "Met")],
                             rows=[[_t(lang, *names_of[f["name"]]), f"{frac(f['part'])} / {frac(f['whole'])}",
                                    frac(f["share"]), ("≥ " if f["comparator"] == ">=" else "> ") + frac(f["required"]),
                                    _t(lang, "达到" if f["met"] else "未达到", "met" if f["met"] else "not met")]
                                   for f in owners["figures"]]))
        per_option = res.totals.get("options")
        if per_option:
            out.append(Block("table", header=[_t(lang, "方案", "Option"), _t(lang, "得分/票数", "Score")],
                             rows=[[f"{numbers.get(int(k), k)} {by_id[int(k)].text if int(k) in by_id else ''}", str(v)]
                                   for k, v in per_option.items()]))
        out.append(Block("p", _t(lang, "计票说明：", "How it was counted:")))
        out.append(Block("list", items=[render_line(x, numbers, lang, None if r.secret else names)
                                        for x in res.explanation]))
        objections = _objections(session, r, res, names, lang)
        if objections:
            out.append(Block("p", _t(lang, "异议及理由：", "Objections and their reasons:")))
            out.append(Block("list", items=objections))
        tb = svc.tie_break_of(session, r.id)
        if tb is not None:
            out.append(Block("p", _t(lang, f"平局处理：{TieBreakMethod(tb.method).label(lang)}，选定方案{numbers.get(tb.option_id)}",
                                     f"Tie broken by {TieBreakMethod(tb.method).label(lang)}: option {numbers.get(tb.option_id)}")
                             + (f"（{tb.note}）" if tb.note else "")))
        return out

    meetings = svc.meetings_of(session, c.id)
    if meetings:
        blocks.append(Block("h2", _t(lang, "协商会议", "Meetings")))
    for m in meetings:
        blocks.append(Block("h3", _t(lang, f"第 {m.number} 次会议（{fmt_local(m.held_at)}{'，' + m.venue if m.venue else ''}）",
                                     f"Meeting {m.number} ({fmt_local(m.held_at)}{', ' + m.venue if m.venue else ''})")))
        present = [names.get(pid, f"#{pid}") for pid in m.attendance]
        att = _t(lang, "出席：", "Attendance: ") + ("、".join(present) or _t(lang, "（未记录）", "(not recorded)"))
        if m.others_attending:
            att += _t(lang, f"；另有旁听居民 {m.others_attending} 人", f"; {m.others_attending} residents listened")
        blocks.append(Block("p", att))
        if m.notes:
            blocks.append(Block("p", m.notes))
        for r in by_meeting.get(m.id, []):
            blocks += round_blocks(r)
    loose = by_meeting.get(None, [])
    if loose:
        blocks.append(Block("h2", _t(lang, "表决", "Rounds")))
        for r in loose:
            blocks += round_blocks(r)

    now = svc.decision_in_force(session, c.id)
    blocks.append(Block("h2", _t(lang, "决定", "Decision")))
    if now is None:
        blocks.append(Block("p", _t(lang, "尚未作出决定", "not decided yet")))
    else:
        out = now.outcome

        def option_item(option_id: int | None) -> list[str]:
            if not option_id:
                return []
            return [_t(lang, f"选定方案{numbers.get(option_id)}：{by_id[option_id].text}",
                       f"Chosen option {numbers.get(option_id)}: {by_id[option_id].text}")]

        def review_item(review_on) -> list[str]:
            if not review_on:
                return []
            return [_t(lang, f"复查日期：{review_on.isoformat()}", f"Review on: {review_on.isoformat()}")]

        # the decision in force first; as first recorded and each amendment below it
        items = [now.decision, *option_item(now.option_id)]
        if out.round_id:
            r = svc.get_round(session, out.round_id)
            items.append(_t(lang, f"依据第 {r.number} 轮表决", f"On the strength of round {r.number}"))
        items.append(_t(lang, f"决定时间：{fmt_local(out.decided_at)}（{out.decided_by}）",
                        f"Decided: {fmt_local(out.decided_at)} ({out.decided_by})"))
        items += review_item(now.review_on)
        if now.amendments:
            items.append(_t(lang, f"本决定经 {len(now.amendments)} 次修正（见下）",
                            f"Amended {len(now.amendments)} time(s) (below)"))
        blocks.append(Block("list", items=items))
        if now.amendments:
            blocks.append(Block("h3", _t(lang, "决定的修正记录", "Amendments of the decision")))
            history = [_t(lang, f"原决定（{fmt_local(out.decided_at)}，{out.decided_by}）：{out.decision}",
                          f"As first recorded ({fmt_local(out.decided_at)}, {out.decided_by}): {out.decision}")]
            for a in now.amendments:
                extra = "；".join([*option_item(a.option_id), *review_item(a.review_on)]) if lang != "en" \
                    else "; ".join([*option_item(a.option_id), *review_item(a.review_on)])
                history.append(_t(
                    lang,
                    f"第 {a.seq} 次修正（{fmt_local(a.amended_at)}，{a.amended_by}）：{a.decision}"
                    + (f"；{extra}" if extra else "") + f"。理由：{a.reason}",
                    f"Amendment {a.seq} ({fmt_local(a.amended_at)}, {a.amended_by}): {a.decision}"
                    + (f"; {extra}" if extra else "") + f". Reason: {a.reason}"))
            blocks.append(Block("list", items=history))
    return Minutes(title=c.title, blocks=blocks)


def _objections(session: Session, r, res, names: dict[int, str], lang: str) -> list[str]:
    from gongzhi.plugins.deliberation.models import Ballot

    veto_roles = res.rule.get("veto_roles")
    roles = {v["id"]: v["role"] for v in res.snapshot["voters"]}
    out = []
    for bid in res.ballot_ids:
        b = session.get(Ballot, bid)
        if b is None or b.choice != "object":
            continue
        reason = b.reason or _t(lang, "（未说明）", "(none given)")
        if r.secret:
            out.append(reason)
            continue
        role = roles.get(b.participant_id)
        blocks = veto_roles is None or role in veto_roles
        note = _t(lang, "（构成阻止）", " (blocks)") if blocks else _t(lang, "（记录在案，不阻止）", " (recorded; does not block)")
        out.append(f"{names.get(b.participant_id, '?')}：{reason}{note}")
    return out


# -- rendering -------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(m: Minutes) -> str:
    lines: list[str] = []
    for b in m.blocks:
        if b.kind in ("h1", "h2", "h3"):
            lines += ["#" * int(b.kind[1]) + " " + b.text, ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "list":
            lines += [f"- {item}" for item in b.items] + [""]
        elif b.kind == "table":
            lines.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            lines.append("|" + "---|" * len(b.header))
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def to_docx(m: Minutes, path: Path) -> Path:
    try:
        from docx import Document
        from docx.oxml.ns import qn
    except ImportError:  # pragma: no cover - python-docx is a dependency; kept for slim installs
        raise DomainError("delib.docx_unavailable") from None
    doc = Document()
    normal = doc.styles["Normal"]
    normal.font.name = "SimSun"
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")  # Chinese text in 宋体
    for b in m.blocks:
        if b.kind in ("h1", "h2", "h3"):
            doc.add_heading(b.text, level=int(b.kind[1]))
        elif b.kind == "p":
            doc.add_paragraph(b.text)
        elif b.kind == "list":
            for item in b.items:
                doc.add_paragraph(item, style="List Bullet")
        elif b.kind == "table":
            t = doc.add_table(rows=1, cols=len(b.header))
            t.style = "Table Grid"
            for cell, text in zip(t.rows[0].cells, b.header, strict=True):
                cell.text = text
            for row in b.rows:
                for cell, text in zip(t.add_row().cells, row, strict=True):
                    cell.text = str(text)
    doc.save(str(path))
    return path


def _target(path: Path) -> Path:
    """Refused before any work if it exists, its folder is missing or not writable."""
    from gongzhi.core.services.base import (
        check_output_path,  # here: tally of a file loads no database code
    )

    return check_output_path(path)


def write_minutes(session: Session, consultation_id: int, path: Path, *, fmt: str = "md", lang: str = "zh") -> Path:
    """Write the minutes to ``path`` (never overwriting) as Markdown or .docx."""
    path = _target(path)
    m = build_minutes(session, consultation_id, lang=lang)
    if fmt == "docx":
        return to_docx(m, path)
    path.write_text(to_markdown(m), encoding="utf-8")
    return path


def write_all_minutes(session: Session, path: Path, *, lang: str = "zh") -> Path:
    """Every consultation's minutes in one Markdown file (the plugin's export)."""
    from gongzhi.plugins.deliberation import services as svc

    path = _target(path)
    parts = [to_markdown(build_minutes(session, c.id, lang=lang))
             for c in reversed(svc.list_consultations(session, limit=100_000))]
    path.write_text("\n".join(parts) if parts else _t(lang, "# 暂无协商事项\n", "# No consultations\n"), encoding="utf-8")
    return path


def minutes_dict(m: Minutes) -> dict[str, Any]:
    return {"title": m.title, "blocks": [b.__dict__ for b in m.blocks]}
