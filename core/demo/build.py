"""``gongzhi demo``: build the demo street into an empty database.

Stages, each reported to ``progress(stage, done, total)`` per batch:

1. ``places``, ``people``, ``organisations``, ``memberships`` — the registry, planned in
   memory (:mod:`gongzhi.core.demo.registry`) and inserted in one transaction with SQLAlchemy
   Core ``executemany``; one ``demo.build`` audit record per stage.
2. ``categories`` — the default request categories through the category service, with
   default departments where sensible.
3. ``requests`` — years of background requests with their full timelines, dispatches,
   feedback and supporters (:mod:`gongzhi.core.demo.requests_bulk`), in one transaction; the
   ``ref_counter`` rows are left at the last number used.
4. ``stories`` — the article's five stories through the request services
   (:mod:`gongzhi.core.demo.stories`), continuing the ref sequence.

Deterministic: every random choice comes from ``random.Random`` seeded from ``seed``
(one stream per stage), and times are relative to a fixed ``now`` unless one is
given; two builds with the same seed and ``now`` hold the same rows (audit times
aside). A stage that fails rolls back its own transaction; earlier stages stay, so
build into a fresh database again.
"""

from __future__ import annotations

import gc
import random
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, exists, func, insert, select, update
from sqlmodel import Session

from gongzhi.core.db import Database, write
from gongzhi.core.demo.bulk import Inserter
from gongzhi.core.demo.registry import plan_registry
from gongzhi.core.demo.requests_bulk import Category, RequestBuilder
from gongzhi.core.demo.stories import story_schedule, tell_stories
from gongzhi.core.demo.street import CATEGORY_DEPARTMENTS
from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person, PersonCareTag
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import (
    RefCounter,
    Request,
    RequestCategory,
    RequestDispatch,
    RequestEvent,
    RequestFeedback,
    RequestSupporter,
)
from gongzhi.core.models.types import utcnow
from gongzhi.core.models.vocab import OPEN_STATUSES, OrgKind, PlaceKind, Status
from gongzhi.core.services.base import Actor, audit, transaction
from gongzhi.core.services.categories import (
    ensure_default_categories,
    list_categories,
    update_category,
)
from gongzhi.core.services.requests import DEFAULT_REF_PREFIX, overdue_condition

# 09:00 on 1 November 2026 in Tianjin: the demo's "today" unless the caller gives one
DEFAULT_NOW = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
DEFAULT_SEED = 2014  # the year the street was founded

Progress = Callable[[str, int, int], None]

# stage key -> (Chinese, English) label, in build order
STAGES: dict[str, tuple[str, str]] = {
    "places": ("地点", "places"),
    "people": ("居民与工作人员", "people"),
    "organisations": ("组织", "organisations"),
    "memberships": ("任职", "memberships"),
    "categories": ("诉求类别", "request categories"),
    "requests": ("历史诉求", "background requests"),
    "stories": ("文章中的五个故事", "the article's five stories"),
}


@dataclass(frozen=True)
class Scale:
    """How big a demo street to build."""

    name: str
    residents: int
    requests: int
    years: int = 3
    riders: int = 12
    full_staff: bool = False  # every post filled (street scale) or a skeleton crew
    volunteer_share: float = 0.02


SCALES: dict[str, Scale] = {
    # a few hundred people, ~1.5k requests: builds in seconds (tests, first look)
    "small": Scale("small", residents=400, requests=1500, riders=12),
    # the street's real size: 68,000 residents, 100,000 requests over three years
    "street": Scale("street", residents=68_000, requests=100_000, riders=120, full_staff=True),
}


@dataclass
class DemoSummary:
    scale: str
    seed: int
    now: str
    communities: int = 0
    compounds: int = 0
    buildings: int = 0
    micro_grids: int = 0
    households: int = 0
    pois: int = 0
    people: int = 0
    residents: int = 0
    care_tags: int = 0
    organisations: int = 0
    memberships: int = 0
    categories: int = 0
    requests: int = 0
    open_requests: int = 0
    overdue: int = 0
    events: int = 0
    dispatches: int = 0
    feedback: int = 0
    supporters: int = 0
    stories: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _resolve_scale(scale: str | Scale) -> Scale:
    if isinstance(scale, Scale):
        return scale
    try:
        return SCALES[scale]
    except KeyError:
        raise DomainError("input.invalid_choice", field="scale", value=scale, choices=", ".join(SCALES)) from None


_REGISTRY_TABLES: dict[str, Table] = {
    "place": Place.__table__,
    "person": Person.__table__,
    "person_care_tag": PersonCareTag.__table__,
    "organisation": Organisation.__table__,
    "membership": Membership.__table__,
}
_REQUEST_TABLES = (Request.__table__, RequestEvent.__table__, RequestDispatch.__table__,
                   RequestFeedback.__table__, RequestSupporter.__table__)


def is_empty(session: Session) -> bool:
    """True when the database holds no places, people, organisations or requests."""
    return not any(
        session.scalar(select(exists().select_from(model)))
        for model in (Place, Person, Organisation, Membership, Request)
    )


def build_demo(
    db: Database,
    *,
    scale: str | Scale = "small",
    seed: int = DEFAULT_SEED,
    actor: Actor | None = None,
    progress: Progress | None = None,
    now: datetime | None = None,
) -> DemoSummary:
    """Build the demo street into ``db``, which must be empty (``demo.not_empty`` otherwise)."""
    # The bulk stages hold millions of fresh rows (dicts, lists, datetimes) until they are
    # inserted: the cyclic garbage collector would walk them again and again (≈ 10 % of the
    # street's build) and find next to nothing to free — rows make no reference cycles and
    # reference counting frees them; the registry's object graph (households and their
    # members …) is cyclic but lives until the build ends. So collection is switched off
    # for the build and back on afterwards, when the next collection takes the registry.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _build(db, scale=scale, seed=seed, actor=actor, progress=progress, now=now)
    finally:
        if collecting:
            gc.enable()


def _build(db: Database, *, scale: str | Scale, seed: int, actor: Actor | None, progress: Progress | None,
           now: datetime | None) -> DemoSummary:
    sc = _resolve_scale(scale)
    now = now or DEFAULT_NOW
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    actor = actor or Actor("gongzhi demo")
    started = time.perf_counter()

    def rng(stage: str) -> random.Random:
        return random.Random(f"gongzhi-demo/{seed}/{stage}")

    params = {"seed": seed, "scale": sc.name, "now": now.isoformat()}

    # 1. the registry ------------------------------------------------------------
    with write(db) as session, transaction(session):
        if not is_empty(session):
            raise DomainError("demo.not_empty")
        ins = Inserter(session, progress)
        reg = plan_registry(
            rng_places=rng("places"), rng_people=rng("people"), rng_orgs=rng("organisations"),
            now=now, years=sc.years, residents=sc.residents, riders=sc.riders, full_staff=sc.full_staff,
            volunteer_share=sc.volunteer_share, story_places=story_schedule(now, sc.years),
            ids=lambda table, n: ins.take_ids(_REGISTRY_TABLES[table], n),
        )
        stages = (
            ("places", ((Place.__table__, reg.place_rows),)),
            ("people", ((Person.__table__, reg.person_rows), (PersonCareTag.__table__, reg.care_rows))),
            ("organisations", ((Organisation.__table__, reg.org_rows),)),
            ("memberships", ((Membership.__table__, reg.membership_rows),)),
        )
        with ins.indexes_built_after(_REGISTRY_TABLES.values()):
            for stage, tables in stages:
                total = sum(len(rows) for _, rows in tables)
                done = 0
                for table, rows in tables:
                    done += ins.insert(table, rows, stage=stage, done=done, total=total)
                if progress is not None and total == 0:
                    progress(stage, 0, 0)
                audit(session, actor, "demo.build", stage, None, None,
                      params | {"stage": stage, "rows": {t.name: len(rows) for t, rows in tables}})
        ins.fix_sequences(_REGISTRY_TABLES.values())

    # 2. categories, with default departments ---------------------------------------
    with write(db) as session:
        ensure_default_categories(session, actor=actor)
        for category in list_categories(session):
            dept = CATEGORY_DEPARTMENTS.get(category.code)
            if dept is not None and category.default_department_id is None:
                update_category(session, actor=actor, category_id=category.id,
                                default_department_id=reg.org("dept", dept))
        categories = {
            c.code: Category(c.id, c.code, (c.sla_low, c.sla_normal, c.sla_high, c.sla_urgent),
                             c.default_department_id)
            for c in list_categories(session, active_only=True)
        }
        if progress is not None:
            progress("categories", len(categories), len(categories))

    # 3. background requests ----------------------------------------------------------
    with write(db) as session, transaction(session):
        ins = Inserter(session, progress)
        prefix = DEFAULT_REF_PREFIX
        counters = dict(session.execute(
            select(RefCounter.year, RefCounter.last).where(RefCounter.prefix == prefix)).all())
        existing = set(counters)
        builder = RequestBuilder(
            reg, categories, rng_headers=rng("request-headers"), rng_life=rng("request-lives"), now=now,
            years=sc.years, n=sc.requests, ins=ins, ref_prefix=prefix, ref_counters=counters, progress=progress,
        )
        counts = builder.build()
        for year in sorted(counters):
            if year in existing:
                session.execute(update(RefCounter).where(RefCounter.prefix == prefix, RefCounter.year == year)
                                .values(last=counters[year]))
            else:
                session.execute(insert(RefCounter.__table__), [{"prefix": prefix, "year": year, "last": counters[year]}])
        ins.fix_sequences(_REQUEST_TABLES)
        audit(session, actor, "demo.build", "requests", None, None,
              params | {"stage": "requests", "rows": counts, "ref_counter": {str(y): n for y, n in sorted(counters.items())}})

    # 4. the article's stories, through the services ----------------------------------------
    with write(db) as session:
        refs = tell_stories(session, reg, {code: c.id for code, c in categories.items()}, now, sc.years, progress)

    with db.read_session() as session:
        summary = summarise(session, now=now)
    summary.update(scale=sc.name, seed=seed, now=now.isoformat(), stories=refs,
                   seconds=round(time.perf_counter() - started, 2))
    return DemoSummary(**summary)


def _count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def overview(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """What any database holds: places by kind, people, organisations by kind, requests by status.

    ``overdue`` counts open requests past their due time at ``now`` (default: the clock);
    ``street`` is the name of the (first) street, or None in an empty database.
    """
    now = now or utcnow()
    street = session.scalar(select(Place.name).where(Place.kind == PlaceKind.street.value).order_by(Place.id).limit(1))
    places = dict(session.execute(select(Place.kind, func.count()).group_by(Place.kind)).all())
    orgs = dict(session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all())
    statuses = dict(session.execute(select(Request.status, func.count()).group_by(Request.status)).all())
    return {
        "street": street,
        "places": {k.value: places.get(k.value, 0) for k in PlaceKind},
        "people": _count(session, Person),
        "residents": _count(session, Person, Person.household_id.is_not(None)),
        "organisations": {k.value: orgs.get(k.value, 0) for k in OrgKind},
        "memberships": _count(session, Membership),
        "requests": {s.value: statuses.get(s.value, 0) for s in Status},
        "requests_total": sum(statuses.values()),
        "open": sum(n for s, n in statuses.items() if Status(s) in OPEN_STATUSES),
        "overdue": _count(session, Request, overdue_condition(now)),
    }


def summarise(session: Session, *, now: datetime | None = None) -> dict[str, Any]:
    """The counts of a :class:`DemoSummary`, read from the database."""
    o = overview(session, now=now)
    p = o["places"]
    return {
        "communities": p["community"], "compounds": p["compound"], "buildings": p["building"],
        "micro_grids": p["micro_grid"], "households": p["household"], "pois": p["poi"],
        "people": o["people"], "residents": o["residents"], "care_tags": _count(session, PersonCareTag),
        "organisations": sum(o["organisations"].values()), "memberships": o["memberships"],
        "categories": _count(session, RequestCategory), "requests": o["requests_total"],
        "open_requests": o["open"], "overdue": o["overdue"], "events": _count(session, RequestEvent),
        "dispatches": _count(session, RequestDispatch), "feedback": _count(session, RequestFeedback),
        "supporters": _count(session, RequestSupporter),
    }
