"""Read models of the micro-projects plugin: what the board, the project page, the
fund view, the evaluation grid and the reports show. One query per list (joins and
GROUP BY, never a query per row); writes live in :mod:`.services`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import cache

from sqlalchemy import and_, bindparam, case, func, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.plugins.micro_projects.models import (
    Allocation,
    Milestone,
    Objection,
    Project,
    ProjectList,
    ProjectRequest,
    ProjectStatus,
    RatingRecord,
    Spending,
    Verdict,
)
from gongzhi.plugins.micro_projects.services import Tally

# statuses of a project that was promised on its list
PROMISED = (ProjectStatus.planned, ProjectStatus.in_progress, ProjectStatus.done, ProjectStatus.redo,
            ProjectStatus.passed)
CLOSED = (ProjectStatus.done, ProjectStatus.redo, ProjectStatus.passed)


@dataclass(frozen=True)
class BoardRow:
    id: int
    code: str
    name: str
    community_id: int
    community: str
    year: int
    phase: str
    category: str
    status: str
    progress: int
    deadline: date | None
    closed_on: date | None
    budget: int
    allocated: int
    spent: int
    responsible_org: str
    responsible_person: str
    requests: int
    redo_of_id: int | None
    content: str = ""
    expected_effect: str = ""

    def overdue(self, today: date) -> bool:
        if self.deadline is None:
            return False
        if self.closed_on is not None:
            return self.closed_on > self.deadline
        return self.status in ("planned", "in_progress") and today > self.deadline


@cache
def _board_select():
    """The board's statement, built once (building it costs more than running it)."""
    community = aliased(Place)
    linked = (
        select(ProjectRequest.project_id, func.count().label("n"))
        .group_by(ProjectRequest.project_id)
        .subquery()
    )
    stmt = (
        select(
            Project.id, Project.code, Project.name, ProjectList.community_id, community.name,
            ProjectList.year, ProjectList.phase, Project.category, Project.status, Project.progress,
            Project.deadline, Project.closed_on, Project.budget, Project.allocated, Project.spent,
            func.coalesce(Organisation.name, ""), func.coalesce(Person.name, ""),
            func.coalesce(linked.c.n, 0), Project.redo_of_id, Project.content, Project.expected_effect,
        )
        .join(ProjectList, ProjectList.id == Project.list_id)
        .join(community, community.id == ProjectList.community_id)
        .outerjoin(Organisation, Organisation.id == Project.responsible_org_id)
        .outerjoin(Person, Person.id == Project.responsible_person_id)
        .outerjoin(linked, linked.c.project_id == Project.id)
    )
    return stmt, community


def board(
    session: Session,
    year: int,
    *,
    community_id: int | None = None,
    status: str | None = None,
    list_id: int | None = None,
) -> list[BoardRow]:
    """The year's projects across the street (or one community or list), by community
    then code: one query (its statement built once per combination of filters)."""
    stmt = _board_statement(community_id is not None, status is not None, list_id is not None)
    params = {"year": year, "community_id": community_id, "status": status, "list_id": list_id}
    # plain columns: run as Core on the session's connection (no ORM result machinery)
    return [BoardRow(*row) for row in session.connection().execute(stmt, params).all()]


@cache
def _board_statement(by_community: bool, by_status: bool, by_list: bool):
    stmt, community = _board_select()
    stmt = stmt.where(ProjectList.year == bindparam("year"))
    if by_community:
        stmt = stmt.where(ProjectList.community_id == bindparam("community_id"))
    if by_list:
        stmt = stmt.where(ProjectList.id == bindparam("list_id"))
    if by_status:
        stmt = stmt.where(Project.status == bindparam("status"))
    return stmt.order_by(community.name, Project.code)


def board_row(session: Session, project_id: int) -> BoardRow | None:
    stmt, _ = _board_select()
    row = session.connection().execute(stmt.where(Project.id == project_id)).first()
    return BoardRow(*row) if row else None


@dataclass(frozen=True)
class ListRow:
    id: int
    community_id: int
    community: str
    year: int
    phase: str
    publicity_until: date | None
    projects: int
    promised: int
    closed: int


def lists(session: Session, year: int) -> list[ListRow]:
    """Every community's list of a year with its counts: one query."""
    counts = (
        select(
            Project.list_id,
            func.count().label("n"),
            func.sum(case((Project.status.in_([s.value for s in PROMISED]), 1), else_=0)).label("promised"),
            func.sum(case((Project.status.in_([s.value for s in CLOSED]), 1), else_=0)).label("closed"),
        )
        .group_by(Project.list_id)
        .subquery()
    )
    rows = session.execute(
        select(
            ProjectList.id, ProjectList.community_id, Place.name, ProjectList.year, ProjectList.phase,
            ProjectList.publicity_until, func.coalesce(counts.c.n, 0), func.coalesce(counts.c.promised, 0),
            func.coalesce(counts.c.closed, 0),
        )
        .join(Place, Place.id == ProjectList.community_id)
        .outerjoin(counts, counts.c.list_id == ProjectList.id)
        .where(ProjectList.year == year)
        .order_by(Place.name)
    ).all()
    return [ListRow(*r) for r in rows]


@dataclass(frozen=True)
class LinkedRequest:
    id: int
    ref: str
    title: str
    status: str
    reporter: str


@dataclass
class ProjectDetail:
    row: BoardRow
    feasibility: str
    feasibility_reason: str
    source: str
    source_ref: str
    places: list[str]
    close_evidence: list[str]
    close_note: str
    milestones: list[Milestone] = field(default_factory=list)
    requests: list[LinkedRequest] = field(default_factory=list)
    allocations: list[Allocation] = field(default_factory=list)
    spending: list[Spending] = field(default_factory=list)
    objections: list[Objection] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)


def project_detail(session: Session, project_id: int) -> ProjectDetail | None:
    """The project page: a fixed number of queries whatever the project holds."""
    row = board_row(session, project_id)
    if row is None:
        return None
    p = session.get(Project, project_id)
    places = dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(p.place_ids or [-1]))).all())
    # a redo shows the requests of the project it redoes
    origin = p.redo_of_id or p.id
    requests = [
        LinkedRequest(*r)
        for r in session.execute(
            select(Request.id, Request.ref, Request.title, Request.status, func.coalesce(Person.name, ""))
            .join(ProjectRequest, ProjectRequest.request_id == Request.id)
            .outerjoin(Person, Person.id == Request.reporter_id)
            .where(ProjectRequest.project_id.in_({p.id, origin}))
            .order_by(Request.id)
        ).all()
    ]
    year = row.year
    detail = ProjectDetail(
        row=row,
        feasibility=p.feasibility,
        feasibility_reason=p.feasibility_reason,
        source=p.source,
        source_ref=p.source_ref,
        places=[places[i] for i in p.place_ids if i in places],
        close_evidence=list(p.close_evidence or []),
        close_note=p.close_note,
        milestones=list(session.scalars(
            select(Milestone).where(Milestone.project_id == p.id).order_by(Milestone.on_date, Milestone.id))),
        requests=requests,
        allocations=list(session.scalars(
            select(Allocation).where(Allocation.project_id == p.id).order_by(Allocation.id))),
        spending=list(session.scalars(select(Spending).where(Spending.project_id == p.id).order_by(Spending.id))),
        objections=list(session.scalars(
            select(Objection).where(Objection.project_id == p.id).order_by(Objection.id))),
        verdicts=list(session.scalars(select(Verdict).where(Verdict.project_id == p.id).order_by(Verdict.id))),
        tally=tallies(session, [p.id], year).get(p.id, Tally()),
    )
    return detail


def tallies(session: Session, project_ids: list[int] | None, year: int | None = None) -> dict[int, Tally]:
    """Each project's tally (the latest rating of each representative): one query."""
    stmt = _tallies_statement(project_ids is not None, year is not None)
    params = {"ids": list(project_ids or []), "year": year}
    rows = session.connection().execute(stmt, params).all()
    return {pid: Tally(int(s), int(b), int(d)) for pid, s, b, d in rows}


@cache
def _tallies_statement(by_ids: bool, by_year: bool):
    latest = select(func.max(RatingRecord.id).label("id")).group_by(
        RatingRecord.project_id, RatingRecord.year, RatingRecord.representative
    )
    if by_ids:
        latest = latest.where(RatingRecord.project_id.in_(bindparam("ids", expanding=True)))
    if by_year:
        latest = latest.where(RatingRecord.year == bindparam("year"))
    latest = latest.subquery()
    return (
        select(
            RatingRecord.project_id,
            func.sum(case((RatingRecord.rating == "satisfied", 1), else_=0)),
            func.sum(case((RatingRecord.rating == "basically_satisfied", 1), else_=0)),
            func.sum(case((RatingRecord.rating == "dissatisfied", 1), else_=0)),
        )
        .join(latest, latest.c.id == RatingRecord.id)
        .group_by(RatingRecord.project_id)
    )


@dataclass(frozen=True)
class GridRow:
    """One closed-out project under evaluation, with its tally and verdict (if any)."""

    row: BoardRow
    tally: Tally
    verdict_redo: bool | None


def evaluation_grid(session: Session, year: int, *, community_id: int | None = None) -> list[GridRow]:
    """The closed-out projects of a year's lists in evaluation (or judged), each with
    its tally and verdict: three queries."""
    rows = [r for r in board(session, year, community_id=community_id) if r.status in {s.value for s in CLOSED}]
    ids = [r.id for r in rows]
    counts = tallies(session, ids, year) if ids else {}
    verdicts: dict[int, bool] = {}
    if ids:
        for pid, redo in session.execute(
            select(Verdict.project_id, Verdict.redo).where(Verdict.project_id.in_(ids)).order_by(Verdict.id)
        ).all():
            verdicts[pid] = redo
    return [GridRow(r, counts.get(r.id, Tally()), verdicts.get(r.id)) for r in rows]


@dataclass(frozen=True)
class FundLine:
    key: str  # community name or category code
    projects: int
    budget: int
    allocated: int
    spent: int


@dataclass
class FundReport:
    year: int
    total: int | None
    allocated: int
    by_community: list[FundLine]
    by_category: list[FundLine]

    @property
    def spent(self) -> int:
        return sum(line.spent for line in self.by_community)


def fund_report(session: Session, year: int) -> FundReport:
    """The year's fund by community and by category: two GROUP BY queries and the fund."""
    by_community_stmt, by_category_stmt, fund_stmt = _fund_statements()
    con = session.connection()
    fund = con.execute(fund_stmt, {"year": year}).first()
    by_community = [FundLine(name, int(n), int(b), int(a), int(s))
                    for name, n, b, a, s in con.execute(by_community_stmt, {"year": year}).all()]
    by_category = [FundLine(cat, int(n), int(b), int(a), int(s))
                   for cat, n, b, a, s in con.execute(by_category_stmt, {"year": year}).all()]
    return FundReport(year, fund[0] if fund else None, fund[1] if fund else 0, by_community, by_category)


@cache
def _fund_statements():
    from gongzhi.plugins.micro_projects.models import Fund

    live = and_(ProjectList.year == bindparam("year"), Project.status != ProjectStatus.rejected.value)
    sums = (func.count(Project.id), func.coalesce(func.sum(Project.budget), 0),
            func.coalesce(func.sum(Project.allocated), 0), func.coalesce(func.sum(Project.spent), 0))
    by_community = (
        select(Place.name, *sums)
        .join(ProjectList, ProjectList.id == Project.list_id)
        .join(Place, Place.id == ProjectList.community_id)
        .where(live)
        .group_by(Place.name)
        .order_by(Place.name)
    )
    by_category = (
        select(Project.category, *sums)
        .join(ProjectList, ProjectList.id == Project.list_id)
        .where(live)
        .group_by(Project.category)
        .order_by(Project.category)
    )
    fund = select(Fund.total, Fund.allocated).where(Fund.year == bindparam("year"))
    return by_community, by_category, fund


@dataclass
class AnnualReview:
    """What a community's annual review (述职评议) reports of its micro-projects."""

    community: str
    year: int
    promised: int
    done_on_time: int
    late: int  # closed after the deadline, or still open past it (``overdue``)
    open: int
    overdue: int  # still open on ``today`` with the deadline passed (counted in late and open)
    redone: int
    passed: int
    tally: Tally
    rows: list[BoardRow]
    verdicts: dict[int, bool]

    @property
    def satisfaction(self) -> Fraction:
        return self.tally.satisfied_share


def annual_review(session: Session, community_id: int, year: int, today: date) -> AnnualReview:
    community = session.get(Place, community_id)
    rows = [r for r in board(session, year, community_id=community_id) if r.status in {s.value for s in PROMISED}]
    ids = [r.id for r in rows]
    counts = tallies(session, ids, year) if ids else {}
    verdicts = dict(session.execute(
        select(Verdict.project_id, Verdict.redo).where(Verdict.project_id.in_(ids or [-1])).order_by(Verdict.id)
    ).all())
    total = Tally(
        sum(t.satisfied for t in counts.values()),
        sum(t.basically_satisfied for t in counts.values()),
        sum(t.dissatisfied for t in counts.values()),
    )
    closed = [r for r in rows if r.closed_on is not None]
    on_time = [r for r in closed if r.deadline is None or r.closed_on <= r.deadline]
    overdue = [r for r in rows if r.closed_on is None and r.overdue(today)]
    return AnnualReview(
        community=community.name if community else str(community_id),
        year=year,
        promised=len(rows),
        done_on_time=len(on_time),
        late=len(closed) - len(on_time) + len(overdue),
        open=len(rows) - len(closed),
        overdue=len(overdue),
        redone=sum(1 for v in verdicts.values() if v),
        passed=sum(1 for v in verdicts.values() if not v),
        tally=total,
        rows=rows,
        verdicts=verdicts,
    )


@dataclass(frozen=True)
class ObjectionRow:
    id: int
    list_id: int
    community: str
    year: int
    project_id: int | None
    project_code: str
    raised_by: str
    content: str
    raised_on: date
    answer: str
    answered_on: date | None
    answered_by: str


def objections(session: Session, year: int, *, community_id: int | None = None,
               project_id: int | None = None) -> list[ObjectionRow]:
    """The objections raised against a year's lists (a community's, a project's), with
    their answers: one query."""
    stmt = (
        select(Objection.id, Objection.list_id, Place.name, ProjectList.year, Objection.project_id,
               func.coalesce(Project.code, ""), Objection.raised_by, Objection.content, Objection.raised_on,
               Objection.answer, Objection.answered_on, Objection.answered_by)
        .join(ProjectList, ProjectList.id == Objection.list_id)
        .join(Place, Place.id == ProjectList.community_id)
        .outerjoin(Project, Project.id == Objection.project_id)
        .where(ProjectList.year == year)
        .order_by(Place.name, Objection.id)
    )
    if community_id is not None:
        stmt = stmt.where(ProjectList.community_id == community_id)
    if project_id is not None:
        stmt = stmt.where(Objection.project_id == project_id)
    return [ObjectionRow(*r) for r in session.execute(stmt).all()]


@dataclass(frozen=True)
class Representative:
    """A representative of the evaluation grid, with the latest rating they gave the
    project shown (``""``: none yet) and how many times it was corrected."""

    name: str
    person_id: int | None
    rating: str
    corrections: int


def representatives(session: Session, project_id: int) -> list[Representative]:
    """The representatives of the project's community meeting of the year — everyone who
    rated any project of its list — in the order they first rated, each with their latest
    rating of this project and its number of corrections: three small queries."""
    project = session.get(Project, project_id)
    if project is None:
        return []
    year = session.scalar(select(ProjectList.year).where(ProjectList.id == project.list_id))
    first = (
        select(RatingRecord.representative, func.max(RatingRecord.person_id))
        .join(Project, Project.id == RatingRecord.project_id)
        .where(Project.list_id == project.list_id, RatingRecord.year == year)
        .group_by(RatingRecord.representative)
        .order_by(func.min(RatingRecord.id))
    )
    people = session.execute(first).all()
    latest: dict[str, tuple[str, int]] = {}
    for name, rating in session.execute(
        select(RatingRecord.representative, RatingRecord.rating)
        .where(RatingRecord.project_id == project_id, RatingRecord.year == year)
        .order_by(RatingRecord.id)
    ).all():
        latest[name] = (rating, latest.get(name, ("", -1))[1] + 1)
    return [Representative(name, pid, *latest.get(name, ("", 0))) for name, pid in people]
