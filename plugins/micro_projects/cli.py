"""``gongzhi micro …``: the micro-projects clerk at the shell.

A project is named by its id or code (WSS-2026-荣雅园-003); a community by id or name
(荣雅园 or 荣雅园社区); money in yuan as typed ("1500", "1,234.50"), stored in fen.
Every listing takes ``--json``. Errors are DomainErrors: the core CLI prints them on
one line in the user's language, and nothing is written.

    gongzhi micro fund 2026 --set 100000
    gongzhi micro list-create 荣雅园 2026
    gongzhi micro add 荣雅园 2026 "路灯增亮" --content "更换LED路灯" --deadline 2026-06-30 --budget 8000
    gongzhi micro from-request 荣雅园 2026 QY-2026-000123 QY-2026-000140 --name "3号楼路灯"
    gongzhi micro phase 荣雅园 2026 reviewing
    gongzhi micro decide WSS-2026-荣雅园-001 feasible
    gongzhi micro publicise 荣雅园 2026 --days 7 --docx 公示.docx --xlsx 公示.xlsx
    gongzhi micro allocate WSS-2026-荣雅园-001 8000
    gongzhi micro progress WSS-2026-荣雅园-001 60 "灯杆安装完成" --photo a.jpg
    gongzhi micro spend WSS-2026-荣雅园-001 3200 "灯具采购"
    gongzhi micro close WSS-2026-荣雅园-001 --evidence 完工.jpg --note "居委会：已全部更换"
    gongzhi micro evaluate WSS-2026-荣雅园-001 --rating 张三=满意 --rating 李四=不满意 --decide --redo-deadline 2027-06-30
    gongzhi micro rounds 荣雅园 2026 --redo-deadline 2027-06-30   # one round per project (居民议事厅)
    gongzhi micro review 荣雅园 2026 -o 述职评议.docx
    gongzhi micro list 2026 --json
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import typer

from gongzhi.core.cli.context import console, parse_date, print_json, state, table, tr, vocab_label
from gongzhi.core.errors import DomainError
from gongzhi.plugins.micro_projects import errors as _errors  # noqa: F401  (registers the micro.* codes)

app = typer.Typer(help="民生微实事 / livelihood micro-projects", no_args_is_help=True)


def _svc():
    from gongzhi.plugins.micro_projects import services

    return services


def _models():
    from gongzhi.plugins.micro_projects import models

    return models


def _echo(text: str) -> None:
    console.print(text, markup=False, highlight=False)


def _year(value: str | int) -> int:
    text = str(value).strip()
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise DomainError("input.invalid", field="period", value=value)
    return int(text)


def _row_json(row) -> dict[str, Any]:
    data = dataclasses.asdict(row)
    data["overdue"] = row.overdue(_svc().today())
    return data


def _status(value: str) -> str:
    return vocab_label(_models().ProjectStatus, value)


def _project_input(s, name: str, content: str, category: str, place: list[str], org: str | None,
                   person: str | None, deadline: str | None, effect: str, budget: str | None):
    from gongzhi.core.services.orgs import find_organisation
    from gongzhi.core.services.people import find_people, get_person
    from gongzhi.core.services.places import find_place

    person_id = None
    if person:
        if person.strip().isdigit():
            person_id = get_person(s, int(person)).id
        else:
            found = [p for p in find_people(s, person.strip(), limit=5) if p.name == person.strip()]
            if len(found) != 1:
                raise DomainError("person.not_found", ref=person)
            person_id = found[0].id
    return _svc().ProjectInput(
        name=name, content=content, category=category,
        place_ids=[find_place(s, p).id for p in place],
        responsible_org_id=find_organisation(s, org).id if org else None,
        responsible_person_id=person_id,
        deadline=parse_date(deadline), expected_effect=effect,
        budget=_svc().parse_yuan(budget) if budget else 0,
    )


def _list(s, community: str, year: str):
    return _svc().find_list(s, community, _year(year))


# -- listings ---------------------------------------------------------------------------


@app.command("list")
def list_projects(
    year: str = typer.Argument(..., help="年度 / year"),
    community: str | None = typer.Option(None, "--community", "-c", help="社区 / community"),
    status: str | None = typer.Option(None, "--status", help="状态 / status"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """年度清单：各社区的项目及状态 / the year's projects by community."""
    from gongzhi.plugins.micro_projects.queries import board

    db = state.database()
    with db.read_session() as s:
        cid = _svc().find_community(s, community).id if community else None
        if status:
            _svc().choice_status(status)
        rows = board(s, _year(year), community_id=cid, status=status)
    if as_json:
        print_json([_row_json(r) for r in rows])
        return
    today = _svc().today()
    table(
        [tr("编号", "code"), tr("项目", "project"), tr("状态", "status"), tr("进度", "progress"),
         tr("完成时限", "deadline"), tr("预算（元）", "budget"), tr("已支出", "spent"), tr("责任单位", "responsible")],
        [[r.code, r.name, _status(r.status) + (tr("（逾期）", " (late)") if r.overdue(today) else ""),
          f"{r.progress}%", r.deadline, _svc().fmt_yuan(r.budget), _svc().fmt_yuan(r.spent), r.responsible_org]
         for r in rows],
        title=tr(f"{year}年民生微实事（{len(rows)}项）", f"Micro-projects {year} ({len(rows)})"),
    )


@app.command("lists")
def list_lists(year: str = typer.Argument(...), as_json: bool = typer.Option(False, "--json")) -> None:
    """各社区清单的阶段 / each community's list and its phase."""
    from gongzhi.plugins.micro_projects.queries import lists

    with state.database().read_session() as s:
        rows = lists(s, _year(year))
    if as_json:
        print_json([dataclasses.asdict(r) for r in rows])
        return
    table([tr("社区", "community"), tr("阶段", "phase"), tr("项目", "projects"), tr("承诺", "promised"),
           tr("已销号", "closed")],
          [[r.community, vocab_label(_models().ListPhase, r.phase), r.projects, r.promised, r.closed] for r in rows])


@app.command("show")
def show(project: str = typer.Argument(..., help="项目编号或 id / project code or id"),
         as_json: bool = typer.Option(False, "--json")) -> None:
    """项目详情：进度节点、关联诉求、资金、测评 / a project with milestones, requests, money, evaluation."""
    from gongzhi.plugins.micro_projects.queries import project_detail

    with state.database().read_session() as s:
        d = project_detail(s, _svc().find_project(s, project).id)
    if as_json:
        data = _row_json(d.row) | {
            "feasibility": d.feasibility, "feasibility_reason": d.feasibility_reason, "source": d.source,
            "source_ref": d.source_ref, "places": d.places, "close_evidence": d.close_evidence,
            "close_note": d.close_note,
            "milestones": [{"on": m.on_date, "progress": m.progress, "note": m.note, "photos": m.photos}
                           for m in d.milestones],
            "requests": [dataclasses.asdict(r) for r in d.requests],
            "spending": [{"on": x.spent_on, "amount": x.amount, "note": x.note} for x in d.spending],
            "tally": dataclasses.asdict(d.tally),
            "verdicts": [{"year": v.year, "redo": v.redo, "new_deadline": v.new_deadline} for v in d.verdicts],
            "objections": [_objection_json(o) for o in d.objections],
        }
        print_json(data)
        return
    r = d.row
    fy = _svc().fmt_yuan
    _echo(f"{r.code}  {r.name}  [{_status(r.status)} {r.progress}%]")
    cat = _models().VOCAB.pair("Category", r.category)
    _echo(tr(f"社区：{r.community}  类别：{cat[0]}  完成时限：{r.deadline or '—'}",
             f"community: {r.community}  category: {cat[1]}  deadline: {r.deadline or '-'}"))
    _echo(tr(f"责任单位：{r.responsible_org or '—'}  责任人：{r.responsible_person or '—'}",
             f"responsible: {r.responsible_org or '-'} / {r.responsible_person or '-'}"))
    _echo(tr(f"预算 {fy(r.budget)} 元  已分配 {fy(r.allocated)} 元  已支出 {fy(r.spent)} 元",
             f"budget {fy(r.budget)}  allocated {fy(r.allocated)}  spent {fy(r.spent)} yuan"))
    if r.content:
        _echo(tr("内容：", "content: ") + r.content)
    if r.expected_effect:
        _echo(tr("预期效果：", "expected effect: ") + r.expected_effect)
    for m in d.milestones:
        _echo(f"  {m.on_date}  {m.progress}%  {m.note}" + (f"  [{', '.join(m.photos)}]" if m.photos else ""))
    for req in d.requests:
        _echo(f"  {req.ref}  {req.title}  ({req.status})  {req.reporter}")
    for o in d.objections:
        _echo(_objection_line(o.id, o.raised_by, o.content, o.answer, o.answered_on))
    if d.tally.total:
        t = d.tally
        _echo(tr(f"测评：满意 {t.satisfied}，基本满意 {t.basically_satisfied}，不满意 {t.dissatisfied}",
                 f"ratings: satisfied {t.satisfied}, basically {t.basically_satisfied}, "
                 f"dissatisfied {t.dissatisfied}"))


def _objection_json(o) -> dict[str, Any]:
    return {"id": o.id, "project_id": o.project_id, "raised_by": o.raised_by, "content": o.content,
            "raised_on": o.raised_on, "answer": o.answer, "answered_on": o.answered_on,
            "answered_by": o.answered_by}


def _objection_line(oid: int, who: str, content: str, answer: str, answered_on) -> str:
    said = tr(f"答复（{answered_on}）：{answer}", f"answered ({answered_on}): {answer}") if answered_on else \
        tr("未答复", "not answered")
    return tr(f"  异议 {oid}  {who}：{content}  —  {said}", f"  objection {oid}  {who}: {content}  -  {said}")


@app.command("objections")
def list_objections(community: str = typer.Argument(...), year: str = typer.Argument(...),
                    as_json: bool = typer.Option(False, "--json")) -> None:
    """公示期间的异议及答复 / the objections raised against a list, and their answers."""
    from gongzhi.plugins.micro_projects.queries import objections

    with state.database().read_session() as s:
        place = _svc().find_community(s, community)
        rows = objections(s, _year(year), community_id=place.id)
    if as_json:
        print_json([dataclasses.asdict(r) for r in rows])
        return
    table([tr("编号", "id"), tr("项目", "project"), tr("提出人", "raised by"), tr("日期", "on"),
           tr("异议", "objection"), tr("答复", "answer"), tr("答复日期", "answered on")],
          [[r.id, r.project_code or "—", r.raised_by, r.raised_on, r.content, r.answer or "—",
            r.answered_on or "—"] for r in rows],
          title=tr(f"{place.name}{year}年清单的异议（{len(rows)}条）", f"objections to {place.name} {year} ({len(rows)})"))


@app.command("threshold")
def threshold_cmd(set_to: str | None = typer.Option(None, "--set", help="设定不满意率阈值（%）/ set (%)"),
                  as_json: bool = typer.Option(False, "--json")) -> None:
    """全街道的重新办理阈值（不满意率超过即重新办理）/ the street's redo threshold."""
    from gongzhi.plugins.micro_projects.reports import fmt_share

    db = state.database()
    if set_to is not None:
        value = _svc().parse_threshold(set_to)
        with db.session() as s:
            _svc().set_redo_threshold(s, actor=state.actor, threshold=value)
    with db.read_session() as s:
        value = _svc().redo_threshold(s)
    if as_json:
        print_json({"key": _svc().THRESHOLD_KEY, "threshold": f"{value.numerator}/{value.denominator}",
                    "percent": str(float(value * 100))})
        return
    _echo(tr(f"不满意率超过 {fmt_share(value)} 的项目重新办理",
             f"a project more than {fmt_share(value)} dissatisfied is redone"))


def _outputs(*paths: Path | None) -> None:
    """Files a command will write, refused before it changes anything (a missing or
    unwritable folder, a file that exists)."""
    from gongzhi.core.services.base import check_output_path

    for path in paths:
        if path is not None:
            check_output_path(path)


@app.command("fund")
def fund(
    year: str = typer.Argument(...),
    set_total: str | None = typer.Option(None, "--set", help="设定专项资金总额（元）/ set the total (yuan)"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="导出 Excel / export to Excel"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """专项资金：按社区和类别 / the special fund by community and category."""
    from gongzhi.plugins.micro_projects.models import VOCAB
    from gongzhi.plugins.micro_projects.queries import fund_report
    from gongzhi.plugins.micro_projects.reports import write_fund_xlsx

    _outputs(xlsx)
    db = state.database()
    y = _year(year)
    if set_total is not None:
        with db.session() as s:
            _svc().set_fund(s, actor=state.actor, year=y, total=_svc().parse_yuan(set_total))
    with db.read_session() as s:
        report = fund_report(s, y)
        if xlsx:
            write_fund_xlsx(s, y, xlsx)
    if as_json:
        print_json(dataclasses.asdict(report) | {"spent": report.spent})
        return
    fy = _svc().fmt_yuan
    _echo(tr(f"{y}年专项资金：总额 {fy(report.total or 0)} 元，已分配 {fy(report.allocated)} 元，已支出 {fy(report.spent)} 元",
             f"{y} fund: total {fy(report.total or 0)}, allocated {fy(report.allocated)}, spent {fy(report.spent)} yuan"))
    cols = [tr("项目数", "projects"), tr("预算", "budget"), tr("已分配", "allocated"), tr("已支出", "spent")]
    table([tr("社区", "community"), *cols],
          [[x.key, x.projects, fy(x.budget), fy(x.allocated), fy(x.spent)] for x in report.by_community])
    lang = "en" if state.language == "en" else "zh"
    table([tr("类别", "category"), *cols],
          [[VOCAB.text("Category", x.key, lang), x.projects, fy(x.budget), fy(x.allocated), fy(x.spent)]
           for x in report.by_category])
    if xlsx:
        _echo(tr(f"已导出：{xlsx}", f"written: {xlsx}"))


# -- writes ---------------------------------------------------------------------------------


@app.command("list-create")
def list_create(community: str = typer.Argument(...), year: str = typer.Argument(...)) -> None:
    """建立社区年度清单（征集阶段）/ open a community's list for a year (collecting)."""
    with state.database().session() as s:
        place = _svc().find_community(s, community)
        _svc().create_list(s, actor=state.actor, community_id=place.id, year=_year(year))
    _echo(tr(f"已建立 {place.name}{year}年微实事清单", f"list {place.name} {year} opened"))


@app.command("phase")
def phase(community: str = typer.Argument(...), year: str = typer.Argument(...),
          to: str = typer.Argument(..., help="reviewing|publicised|executing|evaluating|finished")) -> None:
    """清单进入下一阶段 / move a list to its next phase."""
    with state.database().session() as s:
        plist = _svc().advance_list(s, actor=state.actor, list_id=_list(s, community, year).id, to_phase=to)
    _echo(tr(f"清单已进入「{vocab_label(_models().ListPhase, plist.phase)}」阶段",
             f"the list is now {plist.phase}"))


_PROJECT_OPTS = dict(
    content=typer.Option("", "--content", help="项目内容 / content"),
    category=typer.Option("other", "--category", help="类别 / category"),
    place=typer.Option([], "--place", help="地点（可多个）/ place (repeatable)"),
    org=typer.Option(None, "--org", help="责任单位 / responsible organisation"),
    person=typer.Option(None, "--person", help="责任人 / responsible person"),
    deadline=typer.Option(None, "--deadline", help="完成时限 YYYY-MM-DD / deadline"),
    effect=typer.Option("", "--effect", help="预期效果 / expected effect"),
    budget=typer.Option(None, "--budget", help="预算（元）/ budget (yuan)"),
)


@app.command("add")
def add(
    community: str = typer.Argument(...), year: str = typer.Argument(...),
    name: str = typer.Argument(..., help="项目名称 / name"),
    content: str = _PROJECT_OPTS["content"], category: str = _PROJECT_OPTS["category"],
    place: list[str] = _PROJECT_OPTS["place"], org: str | None = _PROJECT_OPTS["org"],
    person: str | None = _PROJECT_OPTS["person"], deadline: str | None = _PROJECT_OPTS["deadline"],
    effect: str = _PROJECT_OPTS["effect"], budget: str | None = _PROJECT_OPTS["budget"],
) -> None:
    """直接录入项目 / enter a project directly."""
    with state.database().session() as s:
        plist = _list(s, community, year)
        data = _project_input(s, name, content, category, place, org, person, deadline, effect, budget)
        p = _svc().add_project(s, actor=state.actor, list_id=plist.id, data=data)
    _echo(tr(f"已添加 {p.code}「{p.name}」", f"added {p.code} '{p.name}'"))


@app.command("from-request")
def from_request(
    community: str = typer.Argument(...), year: str = typer.Argument(...),
    requests: list[str] = typer.Argument(..., help="诉求编号（可多个）/ request refs"),
    name: str = typer.Option(..., "--name", help="项目名称 / name"),
    content: str = _PROJECT_OPTS["content"], category: str = _PROJECT_OPTS["category"],
    place: list[str] = _PROJECT_OPTS["place"], org: str | None = _PROJECT_OPTS["org"],
    person: str | None = _PROJECT_OPTS["person"], deadline: str | None = _PROJECT_OPTS["deadline"],
    effect: str = _PROJECT_OPTS["effect"], budget: str | None = _PROJECT_OPTS["budget"],
) -> None:
    """由一件或多件诉求生成项目 / one project from one or several requests."""
    from gongzhi.core.services.requests import find_request

    with state.database().session() as s:
        plist = _list(s, community, year)
        ids = [find_request(s, r).id for r in requests]
        data = _project_input(s, name, content, category, place, org, person, deadline, effect, budget)
        p = _svc().from_requests(s, actor=state.actor, list_id=plist.id, request_ids=ids, data=data)
    _echo(tr(f"已由 {len(ids)} 件诉求生成 {p.code}「{p.name}」", f"{p.code} '{p.name}' from {len(ids)} requests"))


@app.command("decide")
def decide(project: str = typer.Argument(...), verdict: str = typer.Argument(..., help="feasible|unfeasible"),
           reason: str = typer.Option("", "--reason", help="不可行的原因 / why not")) -> None:
    """可行性评估 / decide feasibility."""
    if verdict not in ("feasible", "unfeasible", "可行", "不可行"):
        raise DomainError("input.invalid_choice", field="status", value=verdict, choices="feasible, unfeasible")
    with state.database().session() as s:
        p = _svc().decide_feasibility(s, actor=state.actor, project_id=_svc().find_project(s, project).id,
                                      feasible=verdict in ("feasible", "可行"), reason=reason)
    _echo(f"{p.code}: {vocab_label(_models().Feasibility, p.feasibility)}")


@app.command("publicise")
def publicise(
    community: str = typer.Argument(...), year: str = typer.Argument(...),
    days: int = typer.Option(7, "--days", help="公示天数 / publicity days"),
    docx: Path | None = typer.Option(None, "--docx", help="公示清单 Word / notice as Word"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="公示清单 Excel / list as Excel"),
    objection: str | None = typer.Option(None, "--objection", help="登记异议：提出人=内容 / record an objection"),
    answer: list[str] = typer.Option([], "--answer", help="答复异议：id=答复 / answer an objection"),
    project: str | None = typer.Option(None, "--project", help="异议针对的项目 / the project objected to"),
) -> None:
    """张榜公示（进入公示阶段、导出、异议）/ post the list, export it, record objections."""
    from gongzhi.core.services.base import require_text
    from gongzhi.plugins.micro_projects.models import ListPhase
    from gongzhi.plugins.micro_projects.reports import write_publicity_docx, write_publicity_xlsx

    _outputs(docx, xlsx)
    # every option checked before the first write: a malformed objection or answer
    # never leaves the list posted behind it
    raised = None
    if objection is not None:
        who, sep, text = objection.partition("=")
        if not sep:
            raise DomainError("input.invalid", field="--objection", value=objection)
        raised = (require_text(who, "name", max_len=100), require_text(text, "description", max_len=2000))
    answers = []
    for item in answer:
        ref, sep, text = item.partition("=")
        if not sep or not ref.strip().isdigit() or len(ref.strip()) > 9:
            raise DomainError("input.invalid", field="--answer", value=item)
        answers.append((int(ref), require_text(text, "result", max_len=2000)))
    with state.database().session() as s:
        plist = _list(s, community, year)
        target = None
        if project:
            target = _svc().find_project(s, project)
            if target.list_id != plist.id:
                raise DomainError("micro.project_not_found", ref=project)
        if raised is not None and plist.phase not in (ListPhase.reviewing, ListPhase.publicised):
            raise _svc()._phase_error(s, plist, "登记异议", "record objections")
        for oid, _text in answers:
            row = s.get(_models().Objection, oid)
            if row is None or row.list_id != plist.id:
                raise DomainError("micro.objection_not_found", ref=oid)
            if row.answered_on is not None:
                raise DomainError("micro.objection_answered", ref=oid, on=row.answered_on.isoformat())
        s.rollback()  # read only so far: each service opens its own transaction
        if plist.phase == ListPhase.reviewing:
            _svc().advance_list(s, actor=state.actor, list_id=plist.id, to_phase="publicised", publicity_days=days)
            _echo(tr(f"已公示至 {plist.publicity_until}", f"posted until {plist.publicity_until}"))
        if raised is not None:
            o = _svc().raise_objection(s, actor=state.actor, list_id=plist.id, content=raised[1], raised_by=raised[0],
                                       project_id=target.id if target else None)
            _echo(tr(f"已登记异议 {o.id}", f"objection {o.id} recorded"))
        for oid, text in answers:
            _svc().answer_objection(s, actor=state.actor, objection_id=oid, answer=text)
            _echo(tr(f"已答复异议 {oid}", f"objection {oid} answered"))
        for path, write in ((docx, write_publicity_docx), (xlsx, write_publicity_xlsx)):
            if path:
                write(s, plist.id, path)
                _echo(tr(f"已导出：{path}", f"written: {path}"))


@app.command("allocate")
def allocate(project: str = typer.Argument(...), amount: str = typer.Argument(..., help="元 / yuan"),
             note: str = typer.Option("", "--note"),
             take_back: bool = typer.Option(False, "--take-back", help="收回未用资金 / take money back")) -> None:
    """从专项资金分配到项目 / allocate fund money to a project."""
    fen = _svc().parse_yuan(amount)
    with state.database().session() as s:
        p = _svc().find_project(s, project)
        _svc().allocate(s, actor=state.actor, project_id=p.id, amount=-fen if take_back else fen, note=note)
    if take_back:
        _echo(tr(f"{p.code} 已收回 {_svc().fmt_yuan(fen)} 元", f"{p.code}: {_svc().fmt_yuan(fen)} yuan taken back"))
    else:
        _echo(tr(f"{p.code} 已分配 {_svc().fmt_yuan(fen)} 元", f"{p.code}: {_svc().fmt_yuan(fen)} yuan allocated"))


@app.command("progress")
def progress(project: str = typer.Argument(...), percent: int = typer.Argument(..., help="0–100"),
             note: str = typer.Argument(..., help="进展说明 / note"),
             photo: list[str] = typer.Option([], "--photo", help="照片（可多个）/ photo"),
             on: str | None = typer.Option(None, "--on", help="日期 / date")) -> None:
    """记录进度节点 / record a milestone."""
    with state.database().session() as s:
        p = _svc().find_project(s, project)
        _svc().record_progress(s, actor=state.actor, project_id=p.id, progress=percent, note=note, photos=photo,
                               on=parse_date(on))
    _echo(tr(f"{p.code} 进度 {percent}%", f"{p.code} at {percent}%"))


@app.command("spend")
def spend(project: str = typer.Argument(...), amount: str = typer.Argument(..., help="元 / yuan"),
          note: str = typer.Argument(..., help="用途 / what for"),
          on: str | None = typer.Option(None, "--on", help="日期 / date")) -> None:
    """记录支出 / record spending."""
    fen = _svc().parse_yuan(amount)
    with state.database().session() as s:
        p = _svc().find_project(s, project)
        _svc().spend(s, actor=state.actor, project_id=p.id, amount=fen, note=note, on=parse_date(on))
    _echo(tr(f"{p.code} 支出 {_svc().fmt_yuan(fen)} 元", f"{p.code}: {_svc().fmt_yuan(fen)} yuan spent"))


@app.command("close")
def close(project: str = typer.Argument(...),
          evidence: list[str] = typer.Option([], "--evidence", help="完成佐证（可多个）/ evidence"),
          note: str = typer.Option("", "--note", help="责任单位说明 / the responsible body's note"),
          on: str | None = typer.Option(None, "--on", help="销号日期 / date")) -> None:
    """销号（关联诉求随之办结）/ close out (the linked requests are resolved)."""
    with state.database().session() as s:
        p = _svc().find_project(s, project)
        p = _svc().close_out(s, actor=state.actor, project_id=p.id, evidence=evidence, note=note, on=parse_date(on))
    _echo(tr(f"{p.code} 已销号", f"{p.code} closed out"))


@app.command("evaluate")
def evaluate(
    project: str = typer.Argument(...),
    rating: list[str] = typer.Option([], "--rating", help="代表=满意|基本满意|不满意 / rep=rating"),
    decide: bool = typer.Option(False, "--decide", help="计票并作出结论 / tally and judge"),
    threshold: str | None = typer.Option(None, "--threshold",
                                         help="不满意率阈值（%，默认全街道设定）/ threshold (%, default: the street's)"),
    redo_deadline: str | None = typer.Option(None, "--redo-deadline", help="重新办理时限 / redo deadline"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """满意度测评 / the year-end evaluation of a project."""
    pairs = []
    for item in rating:
        who, sep, value = item.partition("=")
        if not sep:
            raise DomainError("input.invalid", field="--rating", value=item)
        _svc().parse_rating(value)
        pairs.append((who, value))
    # every option checked before the first write (ratings and verdict are one transaction)
    limit = _svc().parse_threshold(threshold) if threshold is not None else None
    deadline = parse_date(redo_deadline)
    db = state.database()
    with db.session() as s:
        p = _svc().find_project(s, project)
        s.rollback()  # read only: the service opens its own transaction
        verdict = None
        if decide:
            verdict = _svc().evaluate(s, actor=state.actor, project_id=p.id, ratings=pairs, threshold=limit,
                                      new_deadline=deadline)
        elif pairs:
            _svc().rate(s, actor=state.actor, project_id=p.id, ratings=pairs)
        plist = _svc().get_list(s, p.list_id)
        t = _svc().tally(s, p.id, plist.year)
    from gongzhi.plugins.micro_projects.reports import fmt_share

    if as_json:
        print_json(dataclasses.asdict(t) | {"code": p.code, "dissatisfied_share": str(t.dissatisfied_share),
                                            "redo": verdict.redo if verdict else None})
        return
    _echo(tr(f"{p.code}：满意 {t.satisfied}，基本满意 {t.basically_satisfied}，不满意 {t.dissatisfied}"
             f"（不满意率 {fmt_share(t.dissatisfied_share)}）",
             f"{p.code}: satisfied {t.satisfied}, basically {t.basically_satisfied}, dissatisfied {t.dissatisfied} "
             f"({fmt_share(t.dissatisfied_share)} dissatisfied)"))
    if verdict is not None:
        _echo(tr("结论：重新办理" if verdict.redo else "结论：通过", "verdict: redo" if verdict.redo else "verdict: passed"))


@app.command("rounds")
def rounds(
    community: str = typer.Argument(...), year: str = typer.Argument(...),
    project: str | None = typer.Option(None, "--project", help="只为这个项目 / only this project"),
    threshold: str | None = typer.Option(None, "--threshold",
                                         help="不满意率阈值（%，默认全街道设定）/ threshold (%, default: the street's)"),
    redo_deadline: str | None = typer.Option(None, "--redo-deadline", help="重新办理时限 / redo deadline"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """请居民议事厅为每个待测评项目开一轮表决 / ask the residents' council for one evaluation round per project."""
    deadline = parse_date(redo_deadline)
    with state.database().session() as s:
        plist = _list(s, community, year)
        if project:
            p = _svc().find_project(s, project)
            if p.list_id != plist.id:
                raise DomainError("micro.project_not_found", ref=project)
            asked = [_svc().request_evaluation_round(s, actor=state.actor, project_id=p.id, threshold=threshold,
                                                     redo_deadline=deadline)]
        else:
            asked = _svc().request_evaluation_rounds(s, actor=state.actor, list_id=plist.id, threshold=threshold,
                                                     redo_deadline=deadline)
    if as_json:
        print_json(asked)
        return
    codes = "、".join(a["code"] for a in asked)
    _echo(tr(f"已请求 {len(asked)} 个测评轮次：{codes}", f"{len(asked)} evaluation rounds asked for: {codes}"))
    _echo(tr("居民议事厅启用时，轮次在本社区的年度满意度测评协商中开出，公布后结果自动记入；"
             "未启用时无人应答，请用测评表录入。",
             "With the residents' council enabled the rounds open in the community's evaluation consultation "
             "and their results are recorded when published; without it nobody answers: use the grid."))


@app.command("review")
def review(community: str = typer.Argument(...), year: str = typer.Argument(...),
           output: Path | None = typer.Option(None, "-o", "--output", help="述职评议报告 Word / report as Word"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """社区述职评议：承诺、按期、逾期、重新办理、满意率 / a community's annual review."""
    from gongzhi.plugins.micro_projects.queries import annual_review
    from gongzhi.plugins.micro_projects.reports import fmt_share, write_annual_review_docx

    with state.database().read_session() as s:
        place = _svc().find_community(s, community)
        r = annual_review(s, place.id, _year(year), _svc().today())
        if output:
            write_annual_review_docx(s, place.id, _year(year), output)
    data = {"community": r.community, "year": r.year, "promised": r.promised, "done_on_time": r.done_on_time,
            "late": r.late, "open": r.open, "redone": r.redone, "passed": r.passed,
            "satisfaction": str(r.satisfaction), "ratings": r.tally.total}
    if as_json:
        print_json(data)
        return
    _echo(tr(f"{r.community}{r.year}年：承诺 {r.promised} 项，按期完成 {r.done_on_time}，逾期 {r.late}，"
             f"未完成 {r.open}，重新办理 {r.redone}，满意率 {fmt_share(r.satisfaction)}",
             f"{r.community} {r.year}: promised {r.promised}, on time {r.done_on_time}, late {r.late}, "
             f"open {r.open}, redone {r.redone}, satisfaction {fmt_share(r.satisfaction)}"))
    if output:
        _echo(tr(f"已导出：{output}", f"written: {output}"))
