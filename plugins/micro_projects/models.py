"""The micro-projects' tables. Every name carries the prefix ``micro_``.

- ``micro_fund``: the street's special fund (专项资金) for one year, in fen, with the
  amount allocated so far. ``allocated <= total`` is a CHECK constraint, and every
  allocation is a conditional UPDATE that says so (never read-check-write).
- ``micro_list``: a community's annual list (年度微实事清单) and the date of each phase.
- ``micro_project``: one project of a list, with its budget, allocation and spending
  in fen (``spent <= allocated`` a CHECK), feasibility, status and progress.
- ``micro_project_request``: the requests a project came from.
- ``micro_milestone``: progress notes with photos and dates.
- ``micro_allocation``, ``micro_spending``, ``micro_rating``, ``micro_verdict``:
  append-only at the database (triggers refuse UPDATE and DELETE); a correction is
  a new record (a negative allocation, a negative spending with its reason).
- ``micro_objection``: objections raised during publicity, and their answers.
- ``micro_setting``: the plugin's street-wide rules (the redo threshold).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.i18n import V_, Vocabulary
from gongzhi.core.models.types import UTCDateTime, utcnow

# the vocabularies' words are in the plugin's catalog (locale/<lang>/LC_MESSAGES/
# micro_projects.po, context = the vocabulary's name, "Category" for CATEGORIES);
# LABELS and CATEGORIES hold each code's English id (see core/i18n.py)
VOCAB = Vocabulary("micro_projects", Path(__file__).resolve().parent / "locale")



class Labelled(StrEnum):
    """A StrEnum whose members have words in the plugin's catalog."""

    def label(self, lang: str = "zh") -> str:
        return VOCAB.label(self, lang)


class ListPhase(Labelled):
    collecting = "collecting"
    reviewing = "reviewing"
    publicised = "publicised"
    executing = "executing"
    evaluating = "evaluating"
    finished = "finished"


PHASE_ORDER: tuple[ListPhase, ...] = tuple(ListPhase)


class ProjectStatus(Labelled):
    candidate = "candidate"  # on the list, feasibility not yet decided
    planned = "planned"  # feasible: promised on the list
    rejected = "rejected"  # unfeasible, with the reason
    in_progress = "in_progress"
    done = "done"  # closed out (销号)
    redo = "redo"  # failed the evaluation; carried into next year's list
    passed = "passed"  # evaluated and not redone


class Feasibility(Labelled):
    undecided = "undecided"
    feasible = "feasible"
    unfeasible = "unfeasible"


class Rating(Labelled):
    satisfied = "satisfied"
    basically_satisfied = "basically_satisfied"
    dissatisfied = "dissatisfied"


class Source(Labelled):
    direct = "direct"
    request = "request"
    consultation = "consultation"
    redo = "redo"
    insight = "insight"


LABELS: dict[str, dict[str, str]] = {
    "ListPhase": {
        "collecting": V_("collecting"),
        "reviewing": V_("reviewing"),
        "publicised": V_("publicised"),
        "executing": V_("executing"),
        "evaluating": V_("evaluating"),
        "finished": V_("finished"),
    },
    "ProjectStatus": {
        "candidate": V_("candidate"),
        "planned": V_("planned"),
        "rejected": V_("unfeasible"),
        "in_progress": V_("in progress"),
        "done": V_("closed out"),
        "redo": V_("redo"),
        "passed": V_("passed"),
    },
    "Feasibility": {
        "undecided": V_("undecided"),
        "feasible": V_("feasible"),
        "unfeasible": V_("unfeasible"),
    },
    "Rating": {
        "satisfied": V_("satisfied"),
        "basically_satisfied": V_("basically satisfied"),
        "dissatisfied": V_("dissatisfied"),
    },
    "Source": {
        "direct": V_("direct entry"),
        "request": V_("requests"),
        "consultation": V_("consultation"),
        "redo": V_("redo from last year"),
        "insight": V_("opinion database"),
    },
}

# project categories (项目类别): what the fund report groups by
CATEGORIES: dict[str, str] = {
    "facilities": V_("facilities"),
    "safety": V_("safety"),
    "environment": V_("environment"),
    "charging": V_("charging"),
    "elderly": V_("elderly care"),
    "employment": V_("employment"),
    "other": V_("other"),
}
VOCAB.add({**LABELS, "Category": CATEGORIES})


def _in(column: str, enum: type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(m.value) for m in enum)})"


class Fund(SQLModel, table=True):
    """The street's special fund for one year, in fen."""

    __tablename__ = "micro_fund"
    __table_args__ = (
        CheckConstraint("total >= 0", name="ck_micro_fund_total"),
        CheckConstraint("allocated >= 0 AND allocated <= total", name="ck_micro_fund_allocated"),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    total: int = Field(sa_type=BigInteger)
    allocated: int = Field(default=0, sa_type=BigInteger)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class ProjectList(SQLModel, table=True):
    """A community's annual list (``MicroProjectList``) and the dates of its phases."""

    __tablename__ = "micro_list"
    __table_args__ = (
        UniqueConstraint("community_id", "year", name="uq_micro_list_community_year"),
        CheckConstraint(_in("phase", ListPhase), name="ck_micro_list_phase"),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="place.id", index=True)
    year: int = Field(index=True)
    phase: str = Field(default=ListPhase.collecting.value, max_length=20)
    collecting_on: date | None = None
    reviewing_on: date | None = None
    publicised_on: date | None = None
    publicity_until: date | None = None
    executing_on: date | None = None
    evaluating_on: date | None = None
    finished_on: date | None = None
    next_seq: int = Field(default=1)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)


class Project(SQLModel, table=True):
    """One micro-project (``MicroProject``) of a community's annual list."""

    __tablename__ = "micro_project"
    __table_args__ = (
        CheckConstraint("progress >= 0 AND progress <= 100", name="ck_micro_project_progress"),
        CheckConstraint("budget >= 0", name="ck_micro_project_budget"),
        CheckConstraint("allocated >= 0 AND spent >= 0 AND spent <= allocated", name="ck_micro_project_money"),
        CheckConstraint(_in("status", ProjectStatus), name="ck_micro_project_status"),
        CheckConstraint(_in("feasibility", Feasibility), name="ck_micro_project_feasibility"),
        Index("ix_micro_project_list_status", "list_id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=60, unique=True)
    list_id: int = Field(foreign_key="micro_list.id", index=True)
    name: str = Field(max_length=100)
    content: str = Field(default="", max_length=2000)
    category: str = Field(default="other", max_length=20, index=True)
    place_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    responsible_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    responsible_person_id: int | None = Field(default=None, foreign_key="person.id")
    deadline: date | None = None
    expected_effect: str = Field(default="", max_length=1000)
    budget: int = Field(default=0, sa_type=BigInteger)
    allocated: int = Field(default=0, sa_type=BigInteger)
    spent: int = Field(default=0, sa_type=BigInteger)
    feasibility: str = Field(default=Feasibility.undecided.value, max_length=20)
    feasibility_reason: str = Field(default="", max_length=1000)
    status: str = Field(default=ProjectStatus.candidate.value, max_length=20)
    progress: int = Field(default=0)
    source: str = Field(default=Source.direct.value, max_length=20)
    source_ref: str = Field(default="", max_length=100)
    redo_of_id: int | None = Field(default=None, foreign_key="micro_project.id", unique=True)
    closed_on: date | None = None
    close_evidence: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    close_note: str = Field(default="", max_length=2000)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    created_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ProjectRequest(SQLModel, table=True):
    """A request a project came from (several requests may become one project)."""

    __tablename__ = "micro_project_request"

    project_id: int = Field(foreign_key="micro_project.id", primary_key=True)
    request_id: int = Field(foreign_key="request.id", primary_key=True, index=True)


class Milestone(SQLModel, table=True):
    """A step of a project's work: its date, note, photos and the progress it reached."""

    __tablename__ = "micro_milestone"
    __table_args__ = (CheckConstraint("progress >= 0 AND progress <= 100", name="ck_micro_milestone_progress"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="micro_project.id", index=True)
    on_date: date
    note: str = Field(max_length=1000)
    photos: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    progress: int
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Allocation(SQLModel, table=True):
    """Money of a year's fund put on a project (append-only; a correction is negative)."""

    __tablename__ = "micro_allocation"
    __table_args__ = (CheckConstraint("amount <> 0", name="ck_micro_allocation_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(foreign_key="micro_fund.id", index=True)
    project_id: int = Field(foreign_key="micro_project.id", index=True)
    amount: int = Field(sa_type=BigInteger)
    note: str = Field(default="", max_length=500)
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Spending(SQLModel, table=True):
    """Money spent on a project against its allocation (append-only)."""

    __tablename__ = "micro_spending"
    __table_args__ = (CheckConstraint("amount <> 0", name="ck_micro_spending_amount"),)

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="micro_project.id", index=True)
    amount: int = Field(sa_type=BigInteger)
    spent_on: date
    note: str = Field(max_length=500)
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Objection(SQLModel, table=True):
    """An objection raised while a list is posted (异议), and its answer."""

    __tablename__ = "micro_objection"

    id: int | None = Field(default=None, primary_key=True)
    list_id: int = Field(foreign_key="micro_list.id", index=True)
    project_id: int | None = Field(default=None, foreign_key="micro_project.id", index=True)
    raised_by: str = Field(max_length=100)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    content: str = Field(max_length=2000)
    raised_on: date
    answer: str = Field(default="", max_length=2000)
    answered_on: date | None = None
    answered_by: str = Field(default="", max_length=100)
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class RatingRecord(SQLModel, table=True):
    """One representative's rating of one project at a year's evaluation (append-only;
    a corrected rating is a new row, and the latest row of a representative counts)."""

    __tablename__ = "micro_rating"
    __table_args__ = (
        CheckConstraint(_in("rating", Rating), name="ck_micro_rating_rating"),
        # the latest rating of each representative: MAX(id) per (project, year, representative), from the index alone
        Index("ix_micro_rating_latest", "project_id", "year", "representative", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="micro_project.id")
    year: int
    representative: str = Field(max_length=100)
    person_id: int | None = Field(default=None, foreign_key="person.id")
    rating: str = Field(max_length=30)
    via: str = Field(default="grid", max_length=30)  # grid | deliberation round
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Verdict(SQLModel, table=True):
    """The tally of a project's evaluation, with the threshold it was judged by
    (append-only: a later evaluation of a redo is a new verdict)."""

    __tablename__ = "micro_verdict"

    id: int | None = Field(default=None, primary_key=True)
    project_id: int = Field(foreign_key="micro_project.id", index=True)
    year: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    threshold_num: int
    threshold_den: int
    redo: bool
    new_deadline: date | None = None
    recorded_by: str = Field(max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Setting(SQLModel, table=True):
    """A street-wide rule of the plugin, kept in the shared database so every clerk
    judges by the same one (``micro_projects.redo_threshold``: the dissatisfied share,
    as an exact fraction ``"7/10"``, over which a project is redone)."""

    __tablename__ = "micro_setting"

    key: str = Field(primary_key=True, max_length=100)
    value: str = Field(max_length=200)
    updated_by: str = Field(max_length=100)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


APPEND_ONLY = ("micro_allocation", "micro_spending", "micro_rating", "micro_verdict")
