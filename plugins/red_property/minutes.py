"""Minutes of a joint meeting (红色物业联席会议纪要), in Word (.docx) or Markdown.

The street prints them and posts them on the notice board, so they are in
Chinese and laid out for paper: a title, the particulars in a bordered table,
then one numbered section after another —

一、出席情况: each required body with who attended for it (a cross-appointed
    person once, under the body they attended for, their other posts noted),
    the bodies that attended without being required, and the absent ones;
二、上次决议落实情况: the earlier action items the meeting followed up, with
    their status (as frozen when the meeting closed);
三、议题及讨论情况: each agenda item, where it came from (a request), its
    discussion notes;
四、会议决议: each resolution with its responsible body and person and its
    deadline, and the yes / no / abstain count of each body where it was voted;
五、落实事项: the action items the meeting gave rise to;
六、会后补记: addenda recorded after the meeting closed;
and a line for the signatures of the chair and the secretary.

The content is built once as a list of blocks (:func:`build_minutes`) and then
rendered (:func:`to_markdown`, :func:`to_docx`), so both formats say the same.
Everything is read through :mod:`gongzhi.plugins.red_property.services`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory
from gongzhi.core.models.types import fmt_local
from gongzhi.core.models.vocab import OrgKind, PlaceKind, Role

NONE = "（无）"


@dataclass
class Block:
    kind: str  # title | h2 | h3 | p | list | table | fields | signature | page_break
    text: str = ""
    items: list[str] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


@dataclass
class Minutes:
    title: str
    blocks: list[Block]

    def tables(self) -> dict[str, Block]:
        """The tables by the heading they follow (for tests and callers that want one)."""
        out: dict[str, Block] = {}
        heading = ""
        for b in self.blocks:
            if b.kind in ("h2", "h3"):
                heading = b.text
            elif b.kind in ("table", "fields"):
                out.setdefault(heading, b)
        return out


COMMITTEES = frozenset({OrgKind.party_committee, OrgKind.residents_committee, OrgKind.owners_committee})


def _role(value: str, org_kind: str = "") -> str:
    """A post as the minutes print it: a committee's member is a 委员."""
    if value == Role.member and org_kind in COMMITTEES:
        return "委员"
    try:
        return Role(value).label("zh")
    except ValueError:
        return value


def _name(session: Session, model, id_: int | None) -> str:
    if id_ is None:
        return ""
    row = session.get(model, id_)
    return row.name if row is not None else ""


def _place_line(session: Session, place: Place) -> str:
    """"荣雅园社区 荣雅园" for a compound, the community's name for a community."""
    if place.kind == PlaceKind.compound and place.parent_id is not None:
        parent = session.get(Place, place.parent_id)
        if parent is not None:
            return f"{parent.name} {place.name}"
    return place.name


def build_minutes(session: Session, meeting_id: int) -> Minutes:
    """The minutes of one meeting (a draft or open meeting gets a provisional mark)."""
    from gongzhi.plugins.red_property import services as svc
    from gongzhi.plugins.red_property.models import (
        ActionStatus,
        Decision,
        MeetingKind,
        MeetingStatus,
    )

    m = svc.get_meeting(session, meeting_id)
    place = session.get(Place, m.place_id)
    label = svc.meeting_label(session, m)
    day = svc.meeting_date(m)
    status = MeetingStatus(m.status)
    q = svc.quorum(session, m.id)
    blocks: list[Block] = [Block("title", f"{label}纪要")]
    if status != MeetingStatus.closed:
        blocks.append(Block("p", f"（会议{status.label('zh')}，本纪要为草稿，以会议结束后的定稿为准）"))

    present_bodies = len(q.present)
    facts = [
        ["会议名称", label],
        ["社区/小区", _place_line(session, place) if place else ""],
        ["会议时间", fmt_local(m.held_at)],
        ["会议类型", MeetingKind(m.kind).label("zh")],
        ["主持人", _name(session, Person, m.chair_id) or "—"],
        ["记录人", _name(session, Person, m.secretary_id) or "—"],
        ["会议地点", m.location or "—"],
        ["法定组织", (f"应到 {len(q.bodies)} 个，须到 {q.needed} 个，实到 {present_bodies} 个；"
                     f"出席 {q.headcount} 人" + ("（未达法定组织数，经主持人决定仍召开）" if m.opened_without_quorum else ""))],
    ]
    blocks.append(Block("fields", header=["项目", "内容"], rows=facts))

    # 一、出席情况 ------------------------------------------------------------------------
    blocks.append(Block("h2", "一、出席情况"))
    attendance = {a.person_id: a for a in svc.attendance_of(session, m.id)}
    body_names = {b.organisation_id: b.name for b in (*q.bodies, *q.others)}
    rows: list[list[str]] = []
    for b in (*q.bodies, *q.others):
        people = []
        for pid in b.attendee_ids:
            a = attendance[pid]
            post = session.get(Membership, a.membership_id)
            text = f"{_name(session, Person, pid)}（{_role(post.role, b.kind) if post else ''}"
            others = [f"{o.name}{_role(p.role, o.kind)}" for p, o in svc.posts_on(session, pid, day)
                      if o.id != b.organisation_id and o.id in body_names]
            text += f"；兼任{'、'.join(others)}）" if others else "）"
            people.append(text)
        kind = OrgKind(b.kind).label("zh") if b.kind in OrgKind.__members__ else b.kind
        rows.append([b.name, kind + ("" if b.required else "（列席）"), "、".join(people) or "缺席",
                     str(len(b.attendee_ids))])
    blocks.append(Block("table", header=["参会组织", "类别", "出席人员（职务）", "人数"], rows=rows))
    blocks.append(Block("p", f"共出席 {q.headcount} 人。交叉任职人员只代表其中一个组织出席，只计一次。"))
    missing = [b.name for b in q.missing]
    blocks.append(Block("p", "缺席组织：" + "、".join(missing) if missing else "应到组织全部出席。"))

    # 二、上次决议落实情况 ---------------------------------------------------------------------
    blocks.append(Block("h2", "二、上次决议落实情况"))
    follow = svc.follow_ups(session, m.id)
    if follow:
        rows = []
        for i, f in enumerate(follow, start=1):
            a = f.action_item
            origin = svc.get_meeting(session, a.meeting_id)
            rows.append([str(i), a.title, svc.meeting_date(origin).isoformat(),
                         _name(session, Organisation, a.responsible_org_id),
                         _name(session, Person, a.responsible_person_id) or "—", f.deadline.isoformat(),
                         ActionStatus(f.status).label("zh"), f.note or "—"])
        blocks.append(Block("table", header=["序号", "事项", "决议会议", "责任单位", "责任人", "完成时限", "落实状态",
                                             "落实情况"], rows=rows))
    else:
        blocks.append(Block("p", "无需跟进的前次决议事项。"))

    # 三、议题及讨论情况 ----------------------------------------------------------------------
    blocks.append(Block("h2", "三、议题及讨论情况"))
    items = svc.agenda_items_of(session, m.id)
    if not items:
        blocks.append(Block("p", NONE))
    for item in items:
        blocks.append(Block("h3", f"议题{item.seq}：{item.title}"))
        facts_: list[str] = []
        if item.request_id is not None:
            req = session.get(Request, item.request_id)
            if req is not None:
                cat = session.get(RequestCategory, req.category_id)
                facts_.append(f"来源：居民诉求 {req.ref}（{cat.name_zh if cat else ''}）{req.title}")
        else:
            facts_.append("来源：会议议定")
        if item.description:
            facts_.append(f"情况说明：{item.description}")
        facts_.append(f"讨论情况：{item.discussion or '（未记录）'}")
        blocks.append(Block("list", items=facts_))

    # 四、会议决议 -----------------------------------------------------------------------------
    blocks.append(Block("h2", "四、会议决议"))
    resolutions = svc.resolutions_of(session, m.id)
    seq_of = {i.id: i.seq for i in items}
    if resolutions:
        blocks.append(Block("table", header=["序号", "议题", "决议内容", "决议方式", "责任单位", "责任人", "完成时限"],
                            rows=[[str(r.seq), f"议题{seq_of.get(r.agenda_item_id, '')}", r.text,
                                   Decision(r.decided_by).label("zh"),
                                   _name(session, Organisation, r.responsible_org_id),
                                   _name(session, Person, r.responsible_person_id) or "—", r.deadline.isoformat()]
                                  for r in resolutions]))
        vote_rows = []
        for r in resolutions:
            votes = svc.votes_of(session, r.id)
            if not votes:
                continue
            for v in votes:
                vote_rows.append([f"决议{r.seq}", _name(session, Organisation, v.organisation_id), str(v.yes), str(v.no),
                                  str(v.abstain)])
            vote_rows.append([f"决议{r.seq}", "合计", str(sum(v.yes for v in votes)), str(sum(v.no for v in votes)),
                              str(sum(v.abstain for v in votes))])
        if vote_rows:
            blocks.append(Block("h3", "表决情况（按参会组织）"))
            blocks.append(Block("table", header=["决议", "参会组织", "赞成", "反对", "弃权"], rows=vote_rows))
        linked = [r for r in resolutions if r.consultation_id]
        if linked:
            blocks.append(Block("list", items=[f"决议{r.seq}经居民议事厅协商（协商编号 {r.consultation_id}）"
                                               for r in linked]))
    else:
        blocks.append(Block("p", NONE))

    # 五、落实事项 -----------------------------------------------------------------------------
    blocks.append(Block("h2", "五、落实事项"))
    actions = svc.action_items_of(session, meeting_id=m.id)
    res_seq = {r.id: r.seq for r in resolutions}
    if actions:
        rows = []
        for i, a in enumerate(actions, start=1):
            req = session.get(Request, a.request_id) if a.request_id else None
            rows.append([str(i), a.title, f"决议{res_seq.get(a.resolution_id, '')}",
                         _name(session, Organisation, a.responsible_org_id),
                         _name(session, Person, a.responsible_person_id) or "—", a.deadline.isoformat(),
                         req.ref if req else "—"])
        blocks.append(Block("table", header=["序号", "事项", "依据", "责任单位", "责任人", "完成时限", "关联诉求"],
                            rows=rows))
        blocks.append(Block("p", "以上事项列入下次联席会议“上次决议落实情况”逐项跟进，直至办结。"))
    else:
        blocks.append(Block("p", NONE))

    # 六、会后补记 -----------------------------------------------------------------------------
    addenda = svc.addenda_of(session, m.id)
    if addenda:
        blocks.append(Block("h2", "六、会后补记"))
        blocks.append(Block("list", items=[
            f"{fmt_local(a.at)}（{a.recorded_by}）" + (f"更正{a.refers_to}：" if a.refers_to else "：") + a.text
            for a in addenda]))

    closed = f"会议于 {fmt_local(m.closed_at)} 结束。" if m.closed_at else ""
    blocks.append(Block("signature", text=closed, items=["主持人（签字）：", "记录人（签字）："]))
    return Minutes(title=f"{label}纪要", blocks=blocks)


# -- rendering -------------------------------------------------------------------------


def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return [*lines, ""]


def to_markdown(m: Minutes) -> str:
    lines: list[str] = []
    for b in m.blocks:
        if b.kind == "title":
            lines += ["# " + b.text, ""]
        elif b.kind in ("h2", "h3"):
            lines += ["#" * int(b.kind[1]) + " " + b.text, ""]
        elif b.kind == "p":
            lines += [b.text, ""]
        elif b.kind == "list":
            lines += [f"- {item}" for item in b.items] + [""]
        elif b.kind in ("table", "fields"):
            lines += _md_table(b.header, b.rows)
        elif b.kind == "signature":
            if b.text:
                lines += [b.text, ""]
            lines += ["　　".join(f"{item}＿＿＿＿＿＿" for item in b.items), ""]
    return "\n".join(lines).rstrip() + "\n"


def _set_fonts(style, east_asia: str, latin: str, size_pt: float | None = None, bold: bool | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = latin
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    if size_pt is not None:
        style.font.size = Pt(size_pt)
    if bold is not None:
        style.font.bold = bold
    from docx.shared import RGBColor

    style.font.color.rgb = RGBColor(0, 0, 0)


def _page_number_footer(section) -> None:
    """"第 N 页" centred in the footer (a PAGE field, filled in by Word when printed)."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.add_run("第 ")
    run = p.add_run()
    for tag, attr in (("w:fldChar", "begin"), ("w:instrText", None), ("w:fldChar", "separate"),
                      ("w:t", None), ("w:fldChar", "end")):
        el = OxmlElement(tag)
        if tag == "w:fldChar":
            el.set(qn("w:fldCharType"), attr)
        elif tag == "w:instrText":
            el.set(qn("xml:space"), "preserve")
            el.text = " PAGE "
        else:
            el.text = "1"
        run._r.append(el)
    p.add_run(" 页")


def _repeat_header(row) -> None:
    """The header row is repeated at the top of every page a table runs onto."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def to_docx(m: Minutes | list[Minutes], path: Path) -> Path:
    """A4, 2.5 cm margins, 宋体 body and 黑体 headings, bordered tables whose header
    rows repeat across pages, the page number in the footer. Several meetings' minutes
    go into one document, each starting on a new page."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin = section.bottom_margin = Cm(2.5)
    _set_fonts(doc.styles["Normal"], "宋体", "SimSun", 11)
    _set_fonts(doc.styles["Title"], "黑体", "SimHei", 18, True)
    _set_fonts(doc.styles["Heading 2"], "黑体", "SimHei", 14, True)
    _set_fonts(doc.styles["Heading 3"], "黑体", "SimHei", 12, True)
    _page_number_footer(section)

    blocks: list[Block] = []
    for n, one in enumerate(m if isinstance(m, list) else [m]):
        if n:
            blocks.append(Block("page_break"))
        blocks.extend(one.blocks)
    for b in blocks:
        if b.kind == "page_break":
            doc.add_page_break()
        elif b.kind == "title":
            p = doc.add_paragraph(b.text, style="Title")
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif b.kind in ("h2", "h3"):
            doc.add_heading(b.text, level=int(b.kind[1]))
        elif b.kind == "p":
            doc.add_paragraph(b.text)
        elif b.kind == "list":
            for item in b.items:
                doc.add_paragraph(item, style="List Bullet")
        elif b.kind in ("table", "fields"):
            t = doc.add_table(rows=1, cols=len(b.header))
            t.style = "Table Grid"
            t.alignment = WD_TABLE_ALIGNMENT.CENTER
            for cell, text in zip(t.rows[0].cells, b.header, strict=True):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            _repeat_header(t.rows[0])
            for row in b.rows:
                cells = t.add_row().cells
                for i, (cell, text) in enumerate(zip(cells, row, strict=True)):
                    cell.text = str(text)
                    if b.kind == "fields" and i == 0:
                        cell.paragraphs[0].runs[0].bold = True
            if b.kind == "fields":
                for row in t.rows:
                    row.cells[0].width, row.cells[1].width = Cm(3.5), Cm(12.5)
            doc.add_paragraph()
        elif b.kind == "signature":
            if b.text:
                doc.add_paragraph(b.text)
            p = doc.add_paragraph("　　".join(f"{item}＿＿＿＿＿＿" for item in b.items))
            p.paragraph_format.space_before = Pt(24)
            p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    doc.save(str(path))
    return path


def _target(path: Path) -> Path:
    path = Path(path).expanduser()
    if path.exists():
        raise FileExistsError(str(path))
    if not path.parent.is_dir():
        raise DomainError("export.no_folder", path=str(path.parent))
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise DomainError("export.not_writable", path=str(path.parent))
    return path


def write_minutes(session: Session, meeting_id: int, path: Path, *, fmt: str = "docx") -> Path:
    """Write one meeting's minutes to ``path`` as .docx or Markdown; an existing file is
    never overwritten (FileExistsError), and nothing is left behind when writing fails."""
    if fmt not in ("docx", "md"):
        raise DomainError("input.invalid_choice", field="--format", value=fmt, choices="docx, md")
    path = _target(path)
    minutes = build_minutes(session, meeting_id)
    tmp = path.with_name(f".{path.name}.part")
    try:
        if fmt == "docx":
            to_docx(minutes, tmp)
        else:
            tmp.write_text(to_markdown(minutes), encoding="utf-8")
        if path.exists():  # appeared while we wrote: still never overwrite
            raise FileExistsError(str(path))
        tmp.rename(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def month_meetings(session: Session, year: int, month: int) -> list[int]:
    """The ids of the joint meetings closed that were held in a (local) month, oldest first."""
    from datetime import datetime

    from sqlalchemy import select

    from gongzhi.core.models.types import LOCAL_TZ
    from gongzhi.plugins.red_property.models import Meeting, MeetingStatus

    start = datetime(year, month, 1, tzinfo=LOCAL_TZ)
    end = datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    return list(session.scalars(select(Meeting.id).where(
        Meeting.status == MeetingStatus.closed.value, Meeting.held_at >= start,
        Meeting.held_at < end).order_by(Meeting.held_at, Meeting.id)))


def write_month_minutes(session: Session, year: int, month: int, path: Path, *, fmt: str = "docx") -> Path:
    """The minutes of every joint meeting closed that was held in the month, oldest first,
    in one file (.docx: each meeting on its own pages; .md: one after another); an
    existing file is never overwritten, a month without any is refused
    (``redprop.no_meetings_in_month``), nothing is left behind when writing fails."""
    if fmt not in ("docx", "md"):
        raise DomainError("input.invalid_choice", field="--format", value=fmt, choices="docx, md")
    if not 1 <= month <= 12:
        raise DomainError("redprop.invalid_month", value=f"{year}-{month}")
    ids = month_meetings(session, year, month)
    if not ids:
        raise DomainError("redprop.no_meetings_in_month", month=f"{year}-{month:02d}")
    path = _target(path)
    minutes = [build_minutes(session, mid) for mid in ids]
    tmp = path.with_name(f".{path.name}.part")
    try:
        if fmt == "docx":
            to_docx(minutes, tmp)
        else:
            tmp.write_text("\n".join(to_markdown(m) for m in minutes), encoding="utf-8")
        if path.exists():
            raise FileExistsError(str(path))
        tmp.rename(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def write_all_minutes(session: Session, path: Path) -> Path:
    """Every closed meeting's minutes in one Markdown file, oldest first (the plugin's export)."""
    from gongzhi.plugins.red_property import services as svc

    path = _target(path)
    meetings = [m for m in reversed(svc.list_meetings(session, status="closed", limit=100_000))]
    parts = [to_markdown(build_minutes(session, m.id)) for m in meetings]
    path.write_text("\n".join(parts) if parts else "# 暂无已结束的联席会议\n", encoding="utf-8")
    return path
