"""Writes of the micro-projects plugin: one transaction per call, nothing written on
a refused call, an audit record for every change, events after commit.

Money is in fen (integers); shares are exact fractions. The fund is never
over-allocated: an allocation is one conditional UPDATE (``… SET allocated =
allocated + :n WHERE allocated + :n <= total``) with a CHECK constraint behind it,
as the points ledger does with balances, so concurrent clerks cannot race past
the total on SQLite (``BEGIN IMMEDIATE``) or PostgreSQL (the UPDATE takes the row
lock and re-checks its condition on the committed row). Spending is held to a
project's allocation the same way.

Requests stay the core's: a project's linked requests get timeline notes when
their project is decided (reporters are told through the core), and close-out
resolves them with the core's own transition service, so the core's events fire
and the return visit (回访) follows as usual.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from sqlalchemy import func, select, update
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import local, utcnow
from gongzhi.core.models.vocab import Status
from gongzhi.core.plugins import fire_plugin_event
from gongzhi.core.services import requests as core_requests
from gongzhi.core.services.base import (
    Actor,
    audit,
    choice,
    optional_text,
    require_text,
    snapshot,
    transaction,
)
from gongzhi.core.services.orgs import get_organisation
from gongzhi.core.services.people import get_person
from gongzhi.plugins.micro_projects import errors as _errors  # noqa: F401  (registers the micro.* codes)
from gongzhi.plugins.micro_projects.models import (
    CATEGORIES,
    PHASE_ORDER,
    Allocation,
    Feasibility,
    Fund,
    ListPhase,
    Milestone,
    Objection,
    Project,
    ProjectList,
    ProjectRequest,
    ProjectStatus,
    Rating,
    RatingRecord,
    Setting,
    Source,
    Spending,
    Verdict,
)

log = logging.getLogger(__name__)

SOURCE = "micro_projects"
CODE_PREFIX = "WSS"
DEFAULT_THRESHOLD = Fraction(7, 10)  # the article: 不满意率超过70%
# phases in which projects may be added or their feasibility decided
OPEN_PHASES = (ListPhase.collecting, ListPhase.reviewing)
# a request still open (the close-out resolves it) and how it walks to resolved
_WALK: dict[str, tuple[Status, ...]] = {
    Status.submitted.value: (Status.accepted, Status.in_progress, Status.resolved),
    Status.accepted.value: (Status.in_progress, Status.resolved),
    Status.dispatched.value: (Status.resolved,),
    Status.in_progress.value: (Status.resolved,),
}


# -- money and small parsers -------------------------------------------------------


def parse_yuan(text: str | int | Decimal) -> int:
    """Yuan as typed ("1500", "1,234.50", "¥80") → fen; positive, at most 2 decimals."""
    raw = str(text).strip().replace(",", "").replace("，", "").lstrip("¥￥").removesuffix("元")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise DomainError("micro.invalid_amount", value=text) from None
    fen = value * 100
    if not value.is_finite() or fen != fen.to_integral_value() or fen <= 0:
        raise DomainError("micro.invalid_amount", value=text)
    if fen > MAX_FEN:
        raise DomainError("micro.amount_too_large", value=text, max=fmt_yuan(MAX_FEN))
    return int(fen)


# one allocation, spending or fund: at most 100 million yuan (well inside a 64-bit column)
MAX_FEN = 100_000_000 * 100

# what happened on a day: the day cannot be after today (zh, en)
PAST_FACTS = {
    "spending": ("支出", "spending"),
    "milestone": ("进展", "progress"),
    "close_out": ("销号", "close-out"),
    "objection": ("异议", "an objection"),
    "answer": ("答复", "an answer"),
}


def past_day(on: date | None, fact: str) -> date:
    """``on`` (default today) for a fact that has happened; a later day is refused."""
    day = on or today()
    if day > today():
        zh, en = PAST_FACTS[fact]
        raise DomainError("micro.date_in_future", what=zh, what_en=en, value=day.isoformat())
    return day


def fmt_yuan(fen: int) -> str:
    """Fen → "1,234.50" (yuan, two decimals, no float on the way)."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{sign}{whole:,}.{part:02d}"


def parse_threshold(text: str | int | Fraction) -> Fraction:
    """A percentage ("70", "70%", "66.5") or a Fraction → an exact fraction in [0, 1]."""
    if isinstance(text, Fraction):
        value = text
    else:
        raw = str(text).strip().rstrip("%％")
        try:
            value = Fraction(Decimal(raw)) / 100
        except (InvalidOperation, ValueError):
            raise DomainError("micro.invalid_threshold", value=text) from None
    if not 0 <= value <= 1:
        raise DomainError("micro.invalid_threshold", value=text)
    return value


# -- who may (issue 15) -------------------------------------------------------------------


def _may(session: Session, actor: Actor, permission: str, place_id: int | None) -> None:
    """The plugin's declared permission (plugin.PERMISSIONS) on the community ``place_id``
    (``None``: street-wide — the fund — which needs a grant on the street), checked before
    anything is written. An actor without grants (a database without operator accounts,
    the demo, scripts) holds them all."""
    if actor.grants is None:
        return
    from gongzhi.core.permissions import check, declare, registry

    if permission not in registry():  # the host declares them on load; a bare import here
        from gongzhi.plugins.micro_projects import plugin

        for name, zh, en, roles in plugin.PERMISSIONS:
            declare(name, zh, en, roles, source=plugin.NAME)
    check(session, actor, permission, place_id)


# -- the street's rules -----------------------------------------------------------------------

THRESHOLD_KEY = "micro_projects.redo_threshold"


def redo_threshold(session: Session) -> Fraction:
    """The street's redo threshold (``micro_projects.redo_threshold``), 7/10 unless set."""
    row = session.get(Setting, THRESHOLD_KEY)
    return Fraction(row.value) if row is not None else DEFAULT_THRESHOLD


def set_redo_threshold(session: Session, *, actor: Actor, threshold: str | int | Fraction) -> Fraction:
    """Set the street's redo threshold (a percentage or a Fraction), used by the CLI, the
    grid's verdict form and round requests when none is given (street-wide: a grant on
    the street)."""
    value = parse_threshold(threshold)
    with transaction(session):
        _may(session, actor, "micro.fund", None)
        row = session.get(Setting, THRESHOLD_KEY)
        before = snapshot(row) if row is not None else None
        text = f"{value.numerator}/{value.denominator}"
        if row is None:
            row = Setting(key=THRESHOLD_KEY, value=text, updated_by=actor.name)
            session.add(row)
        else:
            row.value, row.updated_by, row.updated_at = text, actor.name, utcnow()
        session.flush()
        audit(session, actor, "micro.setting.set", "micro_setting", None, before, snapshot(row))
    return value


def _threshold(session: Session, threshold: str | int | Fraction | None) -> Fraction:
    return redo_threshold(session) if threshold is None else parse_threshold(threshold)


def choice_status(value: str) -> ProjectStatus:
    return choice(ProjectStatus, value, "status")


def today() -> date:
    return local(utcnow()).date()


def community_short(name: str) -> str:
    """荣雅园社区 → 荣雅园: the community as the project code names it."""
    return name.removesuffix("社区") or name


# -- reading what the writes need ------------------------------------------------------


def get_list(session: Session, list_id: int) -> ProjectList:
    row = session.get(ProjectList, list_id)
    if row is None:
        raise DomainError("micro.list_not_found", ref=list_id)
    return row


def find_list(session: Session, community: str | int, year: int) -> ProjectList:
    """A list by its community (id or name, with or without 社区) and year."""
    place = find_community(session, community)
    row = session.scalar(
        select(ProjectList).where(ProjectList.community_id == place.id, ProjectList.year == year)
    )
    if row is None:
        raise DomainError("micro.list_not_found", ref=f"{place.name} {year}")
    return row


def find_community(session: Session, ref: str | int) -> Place:
    text = str(ref).strip()
    place = None
    if text.isdigit():
        place = session.get(Place, int(text))
    else:
        for name in (text, f"{text}社区"):
            place = session.scalar(select(Place).where(Place.kind == "community", Place.name == name))
            if place is not None:
                break
    if place is None:
        raise DomainError("place.not_found", ref=ref)
    if place.kind != "community":
        raise DomainError("micro.not_community", name=place.name)
    return place


def get_project(session: Session, project_id: int) -> Project:
    row = session.get(Project, project_id)
    if row is None:
        raise DomainError("micro.project_not_found", ref=project_id)
    return row


def find_project(session: Session, ref: str | int) -> Project:
    """A project by id or code (WSS-2026-荣雅园-003)."""
    text = str(ref).strip()
    row = session.get(Project, int(text)) if text.isdigit() else None
    if row is None:
        row = session.scalar(select(Project).where(Project.code == text))
    if row is None:
        raise DomainError("micro.project_not_found", ref=ref)
    return row


def get_fund(session: Session, year: int) -> Fund:
    row = session.scalar(select(Fund).where(Fund.year == year))
    if row is None:
        raise DomainError("micro.fund_not_found", year=year)
    return row


def list_label(session: Session, plist: ProjectList) -> str:
    place = session.get(Place, plist.community_id)
    return f"{place.name if place else plist.community_id} {plist.year}"


def linked_request_ids(session: Session, project_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ProjectRequest.request_id)
            .where(ProjectRequest.project_id == project_id)
            .order_by(ProjectRequest.request_id)
        )
    )


def _status_error(project: Project, action_zh: str, action_en: str) -> DomainError:
    status = ProjectStatus(project.status)
    return DomainError(
        "micro.illegal_status",
        code=project.code,
        from_label=status.label("zh"),
        from_label_en=status.label("en"),
        action=action_zh,
        action_en=action_en,
    )


def _phase_error(session: Session, plist: ProjectList, action_zh: str, action_en: str) -> DomainError:
    phase = ListPhase(plist.phase)
    return DomainError(
        "micro.phase_closed",
        list=list_label(session, plist),
        phase=phase.label("zh"),
        phase_en=phase.label("en"),
        action=action_zh,
        action_en=action_en,
    )


# -- the fund ---------------------------------------------------------------------------


def set_fund(session: Session, *, actor: Actor, year: int, total: int) -> Fund:
    """Set (or change) the street's special fund of a year, in fen. A lower total is
    refused when more is already allocated (conditional UPDATE, CHECK behind it)."""
    if not isinstance(total, int) or total < 0:
        raise DomainError("micro.invalid_amount", value=total)
    with transaction(session):
        _may(session, actor, "micro.fund", None)  # the street's fund: a grant on the street
        fund = session.scalar(select(Fund).where(Fund.year == year))
        if fund is None:
            fund = Fund(year=year, total=total, created_by=actor.name)
            session.add(fund)
            session.flush()
            audit(session, actor, "micro.fund.set", "micro_fund", fund.id, None, snapshot(fund))
            return fund
        before = snapshot(fund)
        done = session.execute(
            update(Fund)
            .where(Fund.id == fund.id, Fund.allocated <= total)
            .values(total=total)
            .returning(Fund.id)
        ).first()
        if done is None:
            session.refresh(fund)
            raise DomainError("micro.fund_below_allocated", year=year, allocated=fmt_yuan(fund.allocated))
        session.refresh(fund)
        audit(session, actor, "micro.fund.set", "micro_fund", fund.id, before, snapshot(fund))
    return fund


def allocate(session: Session, *, actor: Actor, project_id: int, amount: int, note: str = "") -> Allocation:
    """Put ``amount`` fen of the list year's fund on a project; a negative amount takes
    back what the project has not spent. Never past the fund's total."""
    if not isinstance(amount, int) or amount == 0:
        raise DomainError("micro.invalid_amount", value=amount)
    with transaction(session):
        _may(session, actor, "micro.fund", None)  # the street's fund: a grant on the street
        project = get_project(session, project_id)
        if project.status in (ProjectStatus.candidate, ProjectStatus.rejected):
            raise _status_error(project, "分配资金", "given money")
        plist = get_list(session, project.list_id)
        fund = get_fund(session, plist.year)
        # the fund row first, then the project row: one lock order for every clerk
        done = session.execute(
            update(Fund)
            .where(Fund.id == fund.id, Fund.allocated + amount <= Fund.total, Fund.allocated + amount >= 0)
            .values(allocated=Fund.allocated + amount)
            .returning(Fund.allocated)
        ).first()
        if done is None:
            session.refresh(fund)
            raise DomainError(
                "micro.fund_exceeded",
                year=plist.year,
                total=fmt_yuan(fund.total),
                allocated=fmt_yuan(fund.allocated),
                amount=fmt_yuan(amount),
            )
        moved = session.execute(
            update(Project)
            .where(Project.id == project.id, Project.allocated + amount >= Project.spent)
            .values(allocated=Project.allocated + amount, updated_at=utcnow())
            .returning(Project.id)
        ).first()
        if moved is None:
            session.refresh(project)
            raise DomainError(
                "micro.allocation_negative",
                code=project.code,
                allocated=fmt_yuan(project.allocated),
                spent=fmt_yuan(project.spent),
                amount=fmt_yuan(-amount),
            )
        row = Allocation(
            fund_id=fund.id,
            project_id=project.id,
            amount=amount,
            note=optional_text(note, "notes", max_len=500),
            recorded_by=actor.name,
        )
        session.add(row)
        session.flush()
        audit(session, actor, "micro.allocate", "micro_allocation", row.id, None, snapshot(row))
    return row


def spend(
    session: Session, *, actor: Actor, project_id: int, amount: int, note: str, on: date | None = None
) -> Spending:
    """Record money spent on a project, held to its allocation; a negative amount
    corrects an earlier entry (append-only: the earlier row stays)."""
    if not isinstance(amount, int) or amount == 0:
        raise DomainError("micro.invalid_amount", value=amount)
    note = require_text(note, "notes", max_len=500)
    with transaction(session):
        project = get_project(session, project_id)
        _may(session, actor, "micro.manage", get_list(session, project.list_id).community_id)
        # invoices arrive late: a project judged (passed, or redone as a new project) is still charged
        if project.status not in (ProjectStatus.planned, ProjectStatus.in_progress, ProjectStatus.done,
                                  ProjectStatus.passed, ProjectStatus.redo):
            raise _status_error(project, "记录支出", "charged")
        done = session.execute(
            update(Project)
            .where(
                Project.id == project.id,
                Project.spent + amount <= Project.allocated,
                Project.spent + amount >= 0,
            )
            .values(spent=Project.spent + amount, updated_at=utcnow())
            .returning(Project.id)
        ).first()
        if done is None:
            session.refresh(project)
            raise DomainError(
                "micro.overspent",
                code=project.code,
                allocated=fmt_yuan(project.allocated),
                spent=fmt_yuan(project.spent),
                amount=fmt_yuan(amount),
            )
        row = Spending(project_id=project.id, amount=amount, spent_on=past_day(on, "spending"), note=note,
                       recorded_by=actor.name)
        session.add(row)
        session.flush()
        audit(session, actor, "micro.spend", "micro_spending", row.id, None, snapshot(row))
    return row


# -- lists and their phases ------------------------------------------------------------------


def create_list(
    session: Session, *, actor: Actor, community_id: int, year: int, on: date | None = None
) -> ProjectList:
    with transaction(session):
        _may(session, actor, "micro.manage", find_community(session, community_id).id)
        plist = _create_list(session, actor, community_id, year, on or today())
    return plist


def _create_list(session: Session, actor: Actor, community_id: int, year: int, on: date) -> ProjectList:
    place = find_community(session, community_id)
    exists = session.scalar(
        select(ProjectList.id).where(ProjectList.community_id == place.id, ProjectList.year == year)
    )
    if exists is not None:
        raise DomainError("micro.list_exists", community=place.name, year=year)
    plist = ProjectList(community_id=place.id, year=year, collecting_on=on, created_by=actor.name)
    session.add(plist)
    session.flush()
    audit(session, actor, "micro.list.create", "micro_list", plist.id, None, snapshot(plist))
    return plist


def advance_list(
    session: Session,
    *,
    actor: Actor,
    list_id: int,
    to_phase: str,
    on: date | None = None,
    publicity_days: int = 7,
) -> ProjectList:
    """Move a list to its next phase (only the next one), dating it. Posting
    (``publicised``) needs every project's feasibility decided and starts a publicity
    period of ``publicity_days``; ``finished`` needs every closed-out project evaluated."""
    on = on or today()
    with transaction(session):
        plist = get_list(session, list_id)
        _may(session, actor, "micro.manage", plist.community_id)
        current = ListPhase(plist.phase)
        try:
            to = ListPhase(to_phase)
        except ValueError:
            raise DomainError(
                "input.invalid_choice", field="status", value=to_phase,
                choices=", ".join(p.value for p in ListPhase),
            ) from None
        index = PHASE_ORDER.index(current)
        if index + 1 >= len(PHASE_ORDER) or PHASE_ORDER[index + 1] != to:
            raise DomainError(
                "micro.illegal_phase",
                list=list_label(session, plist),
                from_label=current.label("zh"),
                to_label=to.label("zh"),
                from_label_en=current.label("en"),
                to_label_en=to.label("en"),
            )
        projects = list(session.scalars(select(Project).where(Project.list_id == plist.id).order_by(Project.id)))
        if to == ListPhase.publicised:
            undecided = [p.code for p in projects if p.feasibility == Feasibility.undecided]
            if undecided:
                raise DomainError("micro.undecided_projects", count=len(undecided), codes="、".join(undecided[:5]))
            if publicity_days < 1:
                raise DomainError("input.invalid", field="publicity", value=publicity_days)
            plist.publicity_until = on + timedelta(days=publicity_days)
        if to == ListPhase.finished:
            judged = set(session.scalars(
                select(Verdict.project_id).where(Verdict.project_id.in_([p.id for p in projects]))
            ))
            waiting = [p.code for p in projects if p.status == ProjectStatus.done and p.id not in judged]
            if waiting:
                raise DomainError("micro.unevaluated", count=len(waiting), codes="、".join(waiting[:5]))
        before = snapshot(plist)
        plist.phase = to.value
        setattr(plist, f"{to.value}_on", on)
        session.flush()
        audit(session, actor, "micro.list.advance", "micro_list", plist.id, before, snapshot(plist))
    fire_plugin_event(SOURCE, "micro_list_phase", {"list_id": plist.id, "community_id": plist.community_id,
                                                   "year": plist.year, "phase": plist.phase})
    return plist


# -- projects ----------------------------------------------------------------------------------


@dataclass
class ProjectInput:
    """What a clerk types for a project (money in fen)."""

    name: str
    content: str = ""
    category: str = "other"
    place_ids: Sequence[int] = ()
    responsible_org_id: int | None = None
    responsible_person_id: int | None = None
    deadline: date | None = None
    expected_effect: str = ""
    budget: int = 0


def _next_code(session: Session, plist: ProjectList) -> str:
    seq = session.execute(
        update(ProjectList)
        .where(ProjectList.id == plist.id)
        .values(next_seq=ProjectList.next_seq + 1)
        .returning(ProjectList.next_seq)
    ).scalar_one() - 1
    place = session.get(Place, plist.community_id)
    return f"{CODE_PREFIX}-{plist.year}-{community_short(place.name)}-{seq:03d}"


def _checked(session: Session, data: ProjectInput) -> dict[str, Any]:
    if data.category not in CATEGORIES:
        raise DomainError("micro.invalid_category", value=data.category, choices=", ".join(CATEGORIES))
    if not isinstance(data.budget, int) or data.budget < 0:
        raise DomainError("micro.invalid_amount", value=data.budget)
    for place_id in data.place_ids:
        if session.get(Place, place_id) is None:
            raise DomainError("place.not_found", ref=place_id)
    if data.responsible_org_id is not None:
        get_organisation(session, data.responsible_org_id)
    if data.responsible_person_id is not None:
        get_person(session, data.responsible_person_id)
    return {
        "name": require_text(data.name, "name", max_len=100),
        "content": optional_text(data.content, "description", max_len=2000),
        "category": data.category,
        "place_ids": [int(p) for p in dict.fromkeys(data.place_ids)],
        "responsible_org_id": data.responsible_org_id,
        "responsible_person_id": data.responsible_person_id,
        "deadline": data.deadline,
        "expected_effect": optional_text(data.expected_effect, "notes", max_len=1000),
        "budget": data.budget,
    }


def _add(
    session: Session,
    actor: Actor,
    plist: ProjectList,
    data: ProjectInput,
    *,
    source: Source,
    source_ref: str = "",
    request_ids: Iterable[int] = (),
    **extra: Any,
) -> Project:
    fields = _checked(session, data)
    project = Project(
        code=_next_code(session, plist),
        list_id=plist.id,
        source=source.value,
        source_ref=source_ref,
        created_by=actor.name,
        **fields,
        **extra,
    )
    session.add(project)
    session.flush()
    for request_id in request_ids:
        session.add(ProjectRequest(project_id=project.id, request_id=request_id))
    session.flush()
    audit(session, actor, "micro.project.add", "micro_project", project.id, None,
          snapshot(project) | {"request_ids": list(request_ids)})
    return project


def add_project(session: Session, *, actor: Actor, list_id: int, data: ProjectInput) -> Project:
    """Enter a project directly on a list that is still collecting or reviewing."""
    with transaction(session):
        plist = get_list(session, list_id)
        _may(session, actor, "micro.manage", plist.community_id)
        if plist.phase not in OPEN_PHASES:
            raise _phase_error(session, plist, "添加项目", "add projects")
        project = _add(session, actor, plist, data, source=Source.direct)
    return project


def from_requests(
    session: Session, *, actor: Actor, list_id: int, request_ids: Sequence[int], data: ProjectInput
) -> Project:
    """One project from one or several requests; the requests stay linked (a request
    belongs to one live project at a time) and get a timeline note."""
    ids = list(dict.fromkeys(int(r) for r in request_ids))
    if not ids:
        raise DomainError("micro.no_requests")
    with transaction(session):
        plist = get_list(session, list_id)
        _may(session, actor, "micro.manage", plist.community_id)
        if plist.phase not in OPEN_PHASES:
            raise _phase_error(session, plist, "添加项目", "add projects")
        requests = {r.id: r for r in session.scalars(select(Request).where(Request.id.in_(ids)))}
        for rid in ids:
            if rid not in requests:
                raise DomainError("request.not_found", ref=rid)
        taken = session.execute(
            select(ProjectRequest.request_id, Project.code)
            .join(Project, Project.id == ProjectRequest.project_id)
            .where(ProjectRequest.request_id.in_(ids), Project.status != ProjectStatus.rejected.value)
        ).first()
        if taken is not None:
            raise DomainError("micro.request_linked", ref=requests[taken[0]].ref, code=taken[1])
        project = _add(session, actor, plist, data, source=Source.request,
                       source_ref=",".join(requests[r].ref for r in ids), request_ids=ids)
    _note_requests(session, actor, ids, f"已列为{plist.year}年民生微实事候选项目 {project.code}「{project.name}」，待评估",
                   {"micro_project_id": project.id})
    return project


def _note_requests(session: Session, actor: Actor, request_ids: Iterable[int], note: str,
                   data: dict[str, Any]) -> None:
    """A public note on each linked request's timeline (after our own commit): the
    reporters see it wherever the core shows a request."""
    for rid in request_ids:
        try:
            core_requests.add_note(session, actor=actor, request_id=rid, public_note=note,
                                   source=SOURCE, data=data)
        except DomainError:
            log.exception("micro: could not note request %s", rid)


def decide_feasibility(
    session: Session, *, actor: Actor, project_id: int, feasible: bool, reason: str = ""
) -> Project:
    """Decide whether a project goes on the list (planned) or not (rejected, with the
    reason). The linked requests' reporters are told through the core."""
    with transaction(session):
        project = get_project(session, project_id)
        plist = get_list(session, project.list_id)
        _may(session, actor, "micro.manage", plist.community_id)
        if plist.phase not in OPEN_PHASES:
            raise _phase_error(session, plist, "评估可行性", "decide feasibility")
        if project.status not in (ProjectStatus.candidate, ProjectStatus.planned, ProjectStatus.rejected):
            raise _status_error(project, "评估可行性", "judged for feasibility")
        reason = optional_text(reason, "reason", max_len=1000)
        if not feasible and not reason:
            raise DomainError("micro.reason_required")
        if not feasible and project.allocated:
            raise DomainError("micro.allocation_negative", code=project.code, allocated=fmt_yuan(project.allocated),
                              spent=fmt_yuan(project.spent), amount=fmt_yuan(project.allocated))
        before = snapshot(project)
        project.feasibility = (Feasibility.feasible if feasible else Feasibility.unfeasible).value
        project.feasibility_reason = reason
        project.status = (ProjectStatus.planned if feasible else ProjectStatus.rejected).value
        project.updated_at = utcnow()
        session.flush()
        audit(session, actor, "micro.project.feasibility", "micro_project", project.id, before, snapshot(project))
        ids = linked_request_ids(session, project.id)
    if feasible:
        note = f"已列入{plist.year}年民生微实事清单：{project.code}「{project.name}」"
        if project.deadline:
            note += f"，计划{project.deadline.isoformat()}前完成"
    else:
        note = f"经评估，{project.code}「{project.name}」暂不可行：{reason}"
    _note_requests(session, actor, ids, note, {"micro_project_id": project.id, "feasible": feasible})
    fire_plugin_event(SOURCE, "micro_project_decided", {"project_id": project.id, "code": project.code,
                                                        "feasible": feasible, "request_ids": ids})
    return project


def record_progress(
    session: Session,
    *,
    actor: Actor,
    project_id: int,
    progress: int,
    note: str,
    photos: Sequence[str] = (),
    on: date | None = None,
) -> Milestone:
    """A milestone: the progress reached (never backwards), a note, photos, a date."""
    if isinstance(progress, bool) or not isinstance(progress, int) or not 0 <= progress <= 100:
        raise DomainError("micro.invalid_progress", value=progress)
    note = require_text(note, "notes", max_len=1000)
    with transaction(session):
        project = get_project(session, project_id)
        plist = get_list(session, project.list_id)
        _may(session, actor, "micro.progress", plist.community_id)
        if project.status not in (ProjectStatus.planned, ProjectStatus.in_progress):
            raise _status_error(project, "记录进度", "progressed")
        if plist.phase not in (ListPhase.executing, ListPhase.evaluating):
            raise _phase_error(session, plist, "记录进度", "record progress")
        if progress < project.progress:
            raise DomainError("micro.progress_backwards", code=project.code, current=project.progress, value=progress)
        before = snapshot(project)
        project.progress = progress
        project.status = ProjectStatus.in_progress.value
        project.updated_at = utcnow()
        row = Milestone(project_id=project.id, on_date=past_day(on, "milestone"), note=note,
                        photos=[str(p) for p in photos], progress=progress, recorded_by=actor.name)
        session.add(row)
        session.flush()
        audit(session, actor, "micro.project.progress", "micro_milestone", row.id, before,
              snapshot(project) | {"milestone": snapshot(row)})
    return row


def close_out(
    session: Session,
    *,
    actor: Actor,
    project_id: int,
    evidence: Sequence[str],
    note: str,
    on: date | None = None,
) -> Project:
    """销号: strike a finished project off the list, with evidence and the responsible
    body's note; then resolve its linked requests through the core (the core's events
    fire, the return visit follows)."""
    evidence = [str(e).strip() for e in evidence if str(e).strip()]
    if not evidence:
        raise DomainError("micro.evidence_required")
    if not (note or "").strip():
        raise DomainError("micro.note_required")
    note = require_text(note, "notes", max_len=2000)
    with transaction(session):
        project = get_project(session, project_id)
        plist = get_list(session, project.list_id)
        _may(session, actor, "micro.manage", plist.community_id)
        if project.status not in (ProjectStatus.planned, ProjectStatus.in_progress):
            raise _status_error(project, "销号", "closed out")
        if plist.phase not in (ListPhase.executing, ListPhase.evaluating):
            raise _phase_error(session, plist, "销号", "close out")
        before = snapshot(project)
        project.status = ProjectStatus.done.value
        project.progress = 100
        project.closed_on = past_day(on, "close_out")
        project.close_evidence = evidence
        project.close_note = note
        project.updated_at = utcnow()
        session.flush()
        audit(session, actor, "micro.project.close", "micro_project", project.id, before, snapshot(project))
        ids = linked_request_ids(session, project.id)
    resolved = _resolve_requests(session, actor, ids, f"民生微实事 {project.code}「{project.name}」已完成销号：{note}")
    fire_plugin_event(SOURCE, "micro_project_closed", {"project_id": project.id, "code": project.code,
                                                       "request_ids": ids, "resolved": resolved})
    return project


def _resolve_requests(session: Session, actor: Actor, request_ids: Iterable[int], note: str) -> list[int]:
    """Walk each still-open linked request to resolved with the core's transition
    service (one core transaction per step, so every event fires)."""
    resolved: list[int] = []
    for rid in request_ids:
        request = session.get(Request, rid)
        if request is None:
            continue
        steps = _WALK.get(request.status)
        if not steps:
            continue
        try:
            for step in steps:
                core_requests.transition(
                    session, actor=actor, request_id=rid, to_status=step.value,
                    public_note=note if step == Status.resolved else "",
                )
            resolved.append(rid)
        except DomainError:
            log.exception("micro: could not resolve request %s", rid)
    return resolved


# -- publicity and objections ------------------------------------------------------------------


def raise_objection(
    session: Session,
    *,
    actor: Actor,
    list_id: int,
    content: str,
    raised_by: str,
    person_id: int | None = None,
    project_id: int | None = None,
    on: date | None = None,
) -> Objection:
    """An objection raised while the list is posted (张榜公示期间)."""
    with transaction(session):
        plist = get_list(session, list_id)
        _may(session, actor, "micro.manage", plist.community_id)
        if plist.phase != ListPhase.publicised:
            raise _phase_error(session, plist, "登记异议", "record objections")
        if project_id is not None and get_project(session, project_id).list_id != plist.id:
            raise DomainError("micro.project_not_found", ref=project_id)
        if person_id is not None:
            get_person(session, person_id)
        row = Objection(
            list_id=plist.id,
            project_id=project_id,
            raised_by=require_text(raised_by, "name", max_len=100),
            person_id=person_id,
            content=require_text(content, "description", max_len=2000),
            raised_on=past_day(on, "objection"),
            recorded_by=actor.name,
        )
        session.add(row)
        session.flush()
        audit(session, actor, "micro.objection.raise", "micro_objection", row.id, None, snapshot(row))
    return row


def answer_objection(
    session: Session, *, actor: Actor, objection_id: int, answer: str, on: date | None = None
) -> Objection:
    with transaction(session):
        row = session.get(Objection, objection_id)
        if row is None:
            raise DomainError("micro.objection_not_found", ref=objection_id)
        _may(session, actor, "micro.manage", get_list(session, row.list_id).community_id)
        if row.answered_on is not None:
            raise DomainError("micro.objection_answered", ref=objection_id, on=row.answered_on.isoformat())
        before = snapshot(row)
        row.answer = require_text(answer, "result", max_len=2000)
        row.answered_on = past_day(on, "answer")
        row.answered_by = actor.name
        session.flush()
        audit(session, actor, "micro.objection.answer", "micro_objection", row.id, before, snapshot(row))
    return row


# -- the year-end evaluation ---------------------------------------------------------------------


def parse_rating(value: str) -> Rating:
    """A rating as typed: the code, 满意/基本满意/不满意, or s/b/d (1/2/3)."""
    text = str(value).strip().lower()
    aliases = {
        "satisfied": Rating.satisfied, "满意": Rating.satisfied, "s": Rating.satisfied, "1": Rating.satisfied,
        "basically_satisfied": Rating.basically_satisfied, "基本满意": Rating.basically_satisfied,
        "b": Rating.basically_satisfied, "2": Rating.basically_satisfied,
        "dissatisfied": Rating.dissatisfied, "不满意": Rating.dissatisfied, "d": Rating.dissatisfied,
        "3": Rating.dissatisfied,
    }
    if text not in aliases:
        raise DomainError("micro.invalid_rating", value=value)
    return aliases[text]


def _evaluable(session: Session, project: Project) -> ProjectList:
    plist = get_list(session, project.list_id)
    if project.status != ProjectStatus.done:
        raise _status_error(project, "测评", "evaluated")
    if plist.phase != ListPhase.evaluating:
        raise _phase_error(session, plist, "测评", "evaluate")
    return plist


def _parse_ratings(ratings: Sequence[tuple[str, str]] | Sequence[tuple[str, str, int | None]]):
    parsed = []
    for item in ratings:
        name, value = item[0], item[1]
        person_id = item[2] if len(item) > 2 else None
        parsed.append((require_text(name, "name", max_len=100), parse_rating(value), person_id))
    if not parsed:
        raise DomainError("micro.invalid_rating", value="")
    return parsed


def _rate(session: Session, actor: Actor, project: Project, plist: ProjectList, parsed, via: str) -> list[RatingRecord]:
    for _name, _rating, pid in parsed:
        if pid is not None:
            get_person(session, pid)
    rows = [
        RatingRecord(project_id=project.id, year=plist.year, representative=name, person_id=pid,
                     rating=rating.value, via=via, recorded_by=actor.name)
        for name, rating, pid in parsed
    ]
    session.add_all(rows)
    session.flush()
    audit(session, actor, "micro.rate", "micro_project", project.id, None,
          {"ratings": [[r.representative, r.rating, r.person_id] for r in rows], "via": via})
    return rows


def rate(
    session: Session,
    *,
    actor: Actor,
    project_id: int,
    ratings: Sequence[tuple[str, str]] | Sequence[tuple[str, str, int | None]],
    via: str = "grid",
) -> list[RatingRecord]:
    """Record representatives' ratings of a closed-out project: ``(representative,
    rating[, person_id])``. A representative rated again is a correction: a new row,
    and the latest counts."""
    parsed = _parse_ratings(ratings)
    with transaction(session):
        project = get_project(session, project_id)
        plist = get_list(session, project.list_id)
        _may(session, actor, "micro.evaluate", plist.community_id)
        _evaluable(session, project)
        rows = _rate(session, actor, project, plist, parsed, via)
    return rows


@dataclass(frozen=True)
class Tally:
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.basically_satisfied + self.dissatisfied

    @property
    def dissatisfied_share(self) -> Fraction:
        return Fraction(self.dissatisfied, self.total) if self.total else Fraction(0)

    @property
    def satisfied_share(self) -> Fraction:
        """Satisfied or basically satisfied: the satisfaction rate (满意率)."""
        return Fraction(self.satisfied + self.basically_satisfied, self.total) if self.total else Fraction(0)

    def redo(self, threshold: Fraction) -> bool:
        """The article's rule: a dissatisfied share strictly over the threshold."""
        return self.total > 0 and self.dissatisfied_share > threshold


def latest_ratings_query(project_ids=None, year: int | None = None):
    """The latest rating of each representative per project and year (corrections
    are new rows): one query, for one project or for many."""
    latest = select(func.max(RatingRecord.id).label("id")).group_by(
        RatingRecord.project_id, RatingRecord.year, RatingRecord.representative
    )
    if project_ids is not None:
        latest = latest.where(RatingRecord.project_id.in_(project_ids))
    if year is not None:
        latest = latest.where(RatingRecord.year == year)
    return latest.subquery()


def tally(session: Session, project_id: int, year: int) -> Tally:
    latest = latest_ratings_query([project_id], year)
    counts = dict(session.execute(
        select(RatingRecord.rating, func.count())
        .join(latest, latest.c.id == RatingRecord.id)
        .group_by(RatingRecord.rating)
    ).all())
    return Tally(counts.get("satisfied", 0), counts.get("basically_satisfied", 0), counts.get("dissatisfied", 0))


def decide_evaluation(
    session: Session,
    *,
    actor: Actor,
    project_id: int,
    threshold: str | int | Fraction | None = None,
    new_deadline: date | None = None,
    on: date | None = None,
) -> Verdict:
    """Tally a project's ratings and judge it: a dissatisfied share strictly over
    ``threshold`` (default: the street's, :func:`redo_threshold`) orders it redone with
    ``new_deadline`` — a new project on the community's next-year list (created if need
    be), linked by ``redo_of_id`` — otherwise it passes. The project leaves ``done`` by one
    conditional UPDATE (``… WHERE status = 'done'``): of two verdicts arriving at once (the
    grid's ``v`` and a published round) one judges, the other is refused."""
    return evaluate(session, actor=actor, project_id=project_id, threshold=threshold,
                    new_deadline=new_deadline, on=on)


def evaluate(
    session: Session,
    *,
    actor: Actor,
    project_id: int,
    ratings: Sequence[tuple[str, str]] | Sequence[tuple[str, str, int | None]] = (),
    threshold: str | int | Fraction | None = None,
    new_deadline: date | None = None,
    on: date | None = None,
) -> Verdict:
    """Record ``ratings`` (if any) and judge the project, in one transaction: a refused
    verdict (no deadline for a redo, a deadline in the past, judged meanwhile) writes no
    rating either."""
    parsed = _parse_ratings(ratings) if ratings else []
    on = on or today()
    with transaction(session):
        project = get_project(session, project_id)
        plist = get_list(session, project.list_id)
        _may(session, actor, "micro.evaluate", plist.community_id)
        threshold = _threshold(session, threshold)
        _evaluable(session, project)
        if parsed:
            _rate(session, actor, project, plist, parsed, "grid")
        counts = tally(session, project.id, plist.year)
        if counts.total == 0:
            raise DomainError("micro.no_ratings", code=project.code)
        redo = counts.redo(threshold)
        if redo:
            if new_deadline is None:
                raise DomainError("micro.deadline_required")
            if new_deadline < on:
                raise DomainError("micro.deadline_past", deadline=new_deadline.isoformat(), today=on.isoformat())
        before = snapshot(project)
        status = (ProjectStatus.redo if redo else ProjectStatus.passed).value
        # the project leaves "done" once: a verdict that arrives second finds it judged
        judged = session.execute(
            update(Project)
            .where(Project.id == project.id, Project.status == ProjectStatus.done.value)
            .values(status=status, updated_at=utcnow())
            .returning(Project.id)
        ).first()
        if judged is None:
            session.refresh(project)
            raise _status_error(project, "测评", "evaluated")
        session.refresh(project)
        verdict = Verdict(
            project_id=project.id, year=plist.year, satisfied=counts.satisfied,
            basically_satisfied=counts.basically_satisfied, dissatisfied=counts.dissatisfied,
            threshold_num=threshold.numerator, threshold_den=threshold.denominator, redo=redo,
            new_deadline=new_deadline if redo else None, recorded_by=actor.name,
        )
        session.add(verdict)
        session.flush()
        audit(session, actor, "micro.evaluate", "micro_verdict", verdict.id, before,
              snapshot(project) | {"verdict": snapshot(verdict)})
        carried = _carry_redo(session, actor, project, plist, new_deadline, on) if redo else None
    fire_plugin_event(SOURCE, "micro_project_evaluated", {
        "project_id": project.id, "code": project.code, "redo": redo,
        "satisfied": counts.satisfied, "basically_satisfied": counts.basically_satisfied,
        "dissatisfied": counts.dissatisfied, "carried_id": carried.id if carried else None,
    })
    return verdict


def _carry_redo(session: Session, actor: Actor, project: Project, plist: ProjectList, deadline: date,
                on: date) -> Project:
    """The redo goes on next year's list of the same community (made if missing),
    already feasible: the party organisation ordered it."""
    nxt = session.scalar(
        select(ProjectList).where(ProjectList.community_id == plist.community_id, ProjectList.year == plist.year + 1)
    )
    if nxt is not None and nxt.phase == ListPhase.finished:
        raise DomainError("micro.next_list_finished", list=list_label(session, nxt))
    if nxt is None:
        nxt = _create_list(session, actor, plist.community_id, plist.year + 1, on)
    data = ProjectInput(
        name=project.name, content=project.content, category=project.category, place_ids=project.place_ids,
        responsible_org_id=project.responsible_org_id, responsible_person_id=project.responsible_person_id,
        deadline=deadline, expected_effect=project.expected_effect, budget=0,
    )
    status = ProjectStatus.in_progress if nxt.phase in (ListPhase.executing, ListPhase.evaluating) else ProjectStatus.planned
    return _add(session, actor, nxt, data, source=Source.redo, source_ref=project.code, redo_of_id=project.id,
                feasibility=Feasibility.feasible.value, status=status.value)


# -- from a decided consultation (plugin_event) -----------------------------------------------------


def propose_from_consultation(db, payload: dict[str, Any], actor: Actor | None = None) -> Project | None:
    """A decided consultation proposes a candidate project on its community's list of
    the year, when that list is still open (collecting or reviewing). Idempotent: one
    project per consultation. The payload is the deliberation plugin's documented
    ``consultation_decided`` (read by name; never imported)."""
    actor = actor or Actor("居民议事厅")
    ref = f"consultation:{payload.get('consultation_id')}"
    place_id = payload.get("place_id")
    if place_id is None or payload.get("consultation_id") is None:
        return None
    with db.session() as session:
        place = session.get(Place, place_id)
        if place is None or place.community_id is None:
            return None
        if session.scalar(select(Project.id).where(Project.source_ref == ref)) is not None:
            return None
        year = today().year
        plist = session.scalar(
            select(ProjectList).where(ProjectList.community_id == place.community_id, ProjectList.year == year)
        )
        if plist is None or plist.phase not in OPEN_PHASES:
            return None
        request_ids = [int(r) for r in payload.get("request_ids") or []]
        taken = set(session.scalars(
            select(ProjectRequest.request_id)
            .join(Project, Project.id == ProjectRequest.project_id)
            .where(ProjectRequest.request_id.in_(request_ids), Project.status != ProjectStatus.rejected.value)
        ))
        title = str(payload.get("title") or "")[:100] or "协商议事项目"
        data = ProjectInput(name=title, content=str(payload.get("decision") or "")[:2000],
                            place_ids=[place_id] if place.kind != "community" else [])
        with transaction(session):
            plist = get_list(session, plist.id)
            project = _add(session, actor, plist, data, source=Source.consultation, source_ref=ref,
                           request_ids=[r for r in request_ids if r not in taken])
        return project




def propose_from_insight(db, payload: dict[str, Any], actor: Actor | None = None) -> Project | None:
    """A topic flagged in the opinion database (the insights plugin's
    ``topic_to_micro_candidate``, read by name; never imported) becomes a candidate project
    on its place's community list of the year while that list is open (collecting or
    reviewing). Idempotent: one candidate per topic and place."""
    actor = actor or Actor("民意数据库")
    term, place_id = payload.get("term"), payload.get("place_id")
    if not term or place_id is None:
        return None
    ref = f"insights:{term}:{place_id}"[:100]
    with db.session() as session:
        place = session.get(Place, place_id)
        if place is None or place.community_id is None:
            return None
        if session.scalar(select(Project.id).where(Project.source_ref == ref)) is not None:
            return None
        plist = session.scalar(
            select(ProjectList).where(ProjectList.community_id == place.community_id, ProjectList.year == today().year)
        )
        if plist is None or plist.phase not in OPEN_PHASES:
            return None
        data = ProjectInput(name=str(payload.get("title") or term)[:100], content=str(payload.get("summary") or "")[:2000],
                            place_ids=[place_id] if place.kind != "community" else [])
        with transaction(session):
            plist = get_list(session, plist.id)
            return _add(session, actor, plist, data, source=Source.insight, source_ref=ref, request_ids=[])


# -- evaluation through a deliberation round (our side of the contract) --------------------------

ROUND_REQUESTED = "micro_evaluation_round_requested"
ROUND_RESULT = "evaluation_round_published"  # expected from source "deliberation"


def _round_request(session: Session, actor: Actor, project: Project, plist: ProjectList, threshold: Fraction,
                   redo_deadline: date | None) -> dict[str, Any]:
    return {
        "project_id": project.id, "code": project.code, "title": f"{project.code} {project.name}满意度测评",
        "year": plist.year, "community_id": plist.community_id, "place_ids": list(project.place_ids),
        "options": [{"key": r.value, "text_zh": r.label("zh"), "text_en": r.label("en")} for r in Rating],
        "requested_by": actor.name,
        "threshold": f"{threshold.numerator}/{threshold.denominator}",
        "redo_deadline": redo_deadline.isoformat() if redo_deadline else None,
    }


def _round_terms(session: Session, threshold: str | int | Fraction | None, redo_deadline: date | None) -> Fraction:
    threshold = _threshold(session, threshold)
    if redo_deadline is not None and redo_deadline < today():
        raise DomainError("micro.deadline_past", deadline=redo_deadline.isoformat(), today=today().isoformat())
    return threshold


def request_evaluation_round(session: Session, *, actor: Actor, project_id: int,
                             threshold: str | int | Fraction | None = None,
                             redo_deadline: date | None = None) -> dict[str, Any]:
    """Ask, through ``plugin_event``, for the project's evaluation to run as one round at
    the representatives' meeting (the deliberation plugin, when enabled, opens it; with
    it disabled nobody answers and the grid is how ratings are entered). Nothing is
    written here; the round's result comes back as ``evaluation_round_published`` and,
    when the request named the threshold, is judged by it (a redo needs
    ``redo_deadline``; without one the verdict waits for the grid's ``v``). The threshold
    defaults to the street's (:func:`redo_threshold`)."""
    threshold = _round_terms(session, threshold, redo_deadline)
    project = get_project(session, project_id)
    _may(session, actor, "micro.evaluate", get_list(session, project.list_id).community_id)
    plist = _evaluable(session, project)
    payload = _round_request(session, actor, project, plist, threshold, redo_deadline)
    session.rollback()  # read only
    fire_plugin_event(SOURCE, ROUND_REQUESTED, payload)
    return payload


def request_evaluation_rounds(session: Session, *, actor: Actor, list_id: int,
                              threshold: str | int | Fraction | None = None,
                              redo_deadline: date | None = None) -> list[dict[str, Any]]:
    """:func:`request_evaluation_round` for every closed-out project of a list in
    evaluation that has no verdict yet, in code order."""
    threshold = _round_terms(session, threshold, redo_deadline)
    plist = get_list(session, list_id)
    _may(session, actor, "micro.evaluate", plist.community_id)
    if plist.phase != ListPhase.evaluating:
        raise _phase_error(session, plist, "测评", "evaluate")
    projects = list(session.scalars(
        select(Project).where(Project.list_id == plist.id, Project.status == ProjectStatus.done.value)
        .order_by(Project.code)))
    if not projects:
        raise DomainError("micro.nothing_to_evaluate", list=list_label(session, plist))
    payloads = [_round_request(session, actor, p, plist, threshold, redo_deadline) for p in projects]
    session.rollback()  # read only
    for payload in payloads:
        fire_plugin_event(SOURCE, ROUND_REQUESTED, payload)
    return payloads


def record_round_result(db, payload: dict[str, Any], actor: Actor | None = None) -> list[RatingRecord]:
    """A published evaluation round: ``{"micro_project_id": id, "round_id": n, "ballots":
    [{"voter": name, "option_key": "satisfied" | "basically_satisfied" | "dissatisfied"}]}``.
    Each ballot becomes a rating (``via = "round:<id>"``); a round heard twice is recorded
    once. A payload that is not ours (no ``micro_project_id``) is ignored.

    When the payload carries the ``threshold`` the round was asked with (``"7/10"``), the
    project is then judged (:func:`decide_evaluation`, on all its ratings of the year) with
    the ``redo_deadline`` it carries; a redo without a deadline, or a project judged
    already, is left as it is (logged) for the grid's ``v``."""
    project_id = payload.get("micro_project_id")
    if project_id is None:
        return []
    via = f"round:{payload.get('round_id')}"
    ballots = [(str(b.get("voter", "")), str(b.get("option_key", ""))) for b in payload.get("ballots") or []]
    if not ballots:
        return []
    actor = actor or Actor("居民议事厅")
    with db.session() as session:
        seen = session.scalar(
            select(RatingRecord.id).where(RatingRecord.project_id == int(project_id), RatingRecord.via == via)
        )
        if seen is not None:
            return []
        rows = rate(session, actor=actor, project_id=int(project_id), ratings=ballots, via=via[:30])
        if payload.get("threshold"):
            try:
                threshold = Fraction(str(payload["threshold"]))
                deadline = payload.get("redo_deadline")
                decide_evaluation(session, actor=actor, project_id=int(project_id), threshold=threshold,
                                  new_deadline=date.fromisoformat(deadline) if deadline else None)
            except (DomainError, ValueError, ZeroDivisionError) as exc:
                log.info("micro: round %s recorded, verdict left to the grid (%s)", payload.get("round_id"), exc)
        return rows
