"""The three rates (三率): response, resolution and satisfaction, and their weighted score.

Definitions (defaults in core.config.RateSettings; docs/rates.md):

- *received*: requests created in the period (Asia/Shanghai calendar days).
- *base*: received, less those that were not ours to handle (duplicate,
  not_responsible, withdrawn).
- *response rate* = responded / base, where responded means the request left
  ``submitted`` within ``response_hours`` of being raised.
- *resolution rate* = resolved / base, where resolved means it is now resolved,
  closed or answered.
- *satisfaction rate* = (satisfied + basically × basically_satisfied_percent/100)
  / rated, over each request's latest feedback that recorded a satisfaction.
- *score* = weighted mean of the three with weights 30/35/35.

All arithmetic is exact (Fractions); the output rounds only for display.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlmodel import Session

from gongzhi.core.config import RateSettings
from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory, RequestFeedback
from gongzhi.core.models.types import LOCAL_TZ, utcnow
from gongzhi.core.models.vocab import EXCLUDED_FROM_RATES, Satisfaction, Status
from gongzhi.core.permissions import requires
from gongzhi.core.services.base import Actor
from gongzhi.core.services.requests import scoped_conditions

RESOLVED = (Status.resolved.value, Status.closed.value, Status.answered.value)
GROUPINGS = ("community", "category", "channel", "all")


@dataclass
class Rates:
    group: str
    group_id: int | str | None
    received: int
    base: int
    responded: int
    resolved: int
    rated: int
    satisfied: int
    basically: int
    dissatisfied: int
    response_rate: Fraction | None
    resolution_rate: Fraction | None
    satisfaction_rate: Fraction | None
    score: Fraction | None

    def as_dict(self, digits: int = 4) -> dict[str, Any]:
        out = asdict(self)
        for key in ("response_rate", "resolution_rate", "satisfaction_rate", "score"):
            value = getattr(self, key)
            out[key] = None if value is None else round(float(value), digits)
        return out


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """``2026``, ``2026-03``, ``2026-Q2`` or ``2026-01-01..2026-06-30`` → [start, end) in UTC."""
    text = period.strip()
    try:
        if ".." in text:
            a, b = text.split("..", 1)
            start, end = date.fromisoformat(a), date.fromisoformat(b) + timedelta(days=1)
        elif len(text) == 4 and text.isdigit():
            start, end = date(int(text), 1, 1), date(int(text) + 1, 1, 1)
        elif "-Q" in text.upper():
            year, q = text.upper().split("-Q")
            qn = int(q)
            if not 1 <= qn <= 4:
                raise ValueError
            start = date(int(year), 3 * qn - 2, 1)
            end = date(int(year) + (qn == 4), 1 if qn == 4 else 3 * qn + 1, 1)
        elif len(text) == 7 and text[4] == "-":
            y, m = int(text[:4]), int(text[5:7])
            start = date(y, m, 1)
            end = date(y + (m == 12), 1 if m == 12 else m + 1, 1)
        else:
            raise ValueError
    except ValueError:
        raise DomainError("request.invalid_period", value=period) from None
    if end <= start:
        raise DomainError("request.invalid_period", value=period)

    def to_utc(d: date) -> datetime:
        return datetime.combine(d, time(0), tzinfo=LOCAL_TZ)

    return to_utc(start), to_utc(end)


def _hours_to_first_response(dialect: str):
    if dialect == "sqlite":
        return (func.julianday(Request.first_response_at) - func.julianday(Request.created_at)) * 24
    return func.extract("epoch", Request.first_response_at - Request.created_at) / 3600


@requires("request.read", confine=True)
def three_rates(
    session: Session,
    *,
    group_by: str = "community",
    start: datetime | None = None,
    end: datetime | None = None,
    settings: RateSettings | None = None,
    actor: Actor | None = None,
) -> list[Rates]:
    """The three rates per group for requests created in [start, end); with an
    ``actor``, of the requests of the places it may read."""
    settings = settings or RateSettings()
    scoped = scoped_conditions(session, None, actor, now=utcnow())
    if group_by not in GROUPINGS:
        raise DomainError("input.invalid_choice", field="group_by", value=group_by, choices=", ".join(GROUPINGS))
    dialect = session.get_bind().dialect.name
    excluded = [s.value for s in EXCLUDED_FROM_RATES]
    in_base = Request.status.not_in(excluded)
    responded = case(
        (
            in_base
            & Request.first_response_at.is_not(None)
            & (_hours_to_first_response(dialect) <= settings.response_hours),
            1,
        ),
        else_=0,
    )
    if group_by == "community":
        key = Place.community_id
    elif group_by == "category":
        key = Request.category_id
    elif group_by == "channel":
        key = Request.channel
    else:
        key = literal("all")

    def in_period(stmt):
        stmt = stmt.where(*scoped)
        if start is not None:
            stmt = stmt.where(Request.created_at >= start)
        if end is not None:
            stmt = stmt.where(Request.created_at < end)
        return stmt

    # two grouped queries rather than one with a joined feedback subquery: SQLite
    # re-evaluated that subquery per request (minutes at street scale)
    counts = in_period(
        select(
            key.label("k"),
            func.count(),
            func.sum(case((in_base, 1), else_=0)),
            func.sum(responded),
            func.sum(case((in_base & Request.status.in_(RESOLVED), 1), else_=0)),
        )
        .select_from(Request)
        .join(Place, Place.id == Request.place_id)
        .group_by(key)
    )
    latest = (
        select(func.max(RequestFeedback.id).label("fid"))
        .where(RequestFeedback.satisfaction.is_not(None))
        .group_by(RequestFeedback.request_id)
        .subquery()
    )
    answers = in_period(
        select(key.label("k"), RequestFeedback.satisfaction, func.count())
        .select_from(latest)
        .join(RequestFeedback, RequestFeedback.id == latest.c.fid)
        .join(Request, Request.id == RequestFeedback.request_id)
        .join(Place, Place.id == Request.place_id)
        .where(in_base)
        .group_by(key, RequestFeedback.satisfaction)
    )
    satisfaction: dict[Any, dict[str, int]] = {}
    for k, answer, n in session.execute(answers):
        satisfaction.setdefault(k, {})[answer] = int(n)
    out = []
    for k, received, base, resp, resolved in session.execute(counts):
        base, resp, resolved = (int(x or 0) for x in (base, resp, resolved))
        answered = satisfaction.get(k, {})
        s = answered.get(Satisfaction.satisfied.value, 0)
        b = answered.get(Satisfaction.basically.value, 0)
        d = answered.get(Satisfaction.dissatisfied.value, 0)
        rated = s + b + d
        rr = Fraction(resp, base) if base else None
        res = Fraction(resolved, base) if base else None
        satr = Fraction(100 * s + settings.basically_satisfied_percent * b, 100 * rated) if rated else None
        out.append(
            Rates(
                group=group_by,
                group_id=k,
                received=int(received),
                base=base,
                responded=resp,
                resolved=resolved,
                rated=rated,
                satisfied=s,
                basically=b,
                dissatisfied=d,
                response_rate=rr,
                resolution_rate=res,
                satisfaction_rate=satr,
                score=_score(rr, res, satr, settings),
            )
        )
    out.sort(key=lambda r: (r.group_id is None, str(r.group_id)))
    return out


def _score(rr, res, satr, settings: RateSettings) -> Fraction | None:
    parts = [(rr, settings.weight_response), (res, settings.weight_resolution), (satr, settings.weight_satisfaction)]
    present = [(v, w) for v, w in parts if v is not None]
    total_w = sum(w for _, w in present)
    if not present or total_w == 0:
        return None
    return sum((v * w for v, w in present), Fraction(0)) / total_w


def group_labels(session: Session, group_by: str, lang: str = "zh") -> dict[Any, str]:
    """Display names for the group keys of :func:`three_rates`."""
    from gongzhi.core.models.vocab import Channel

    if group_by == "community":
        return dict(session.execute(select(Place.id, Place.name).where(Place.kind == "community")).all())
    if group_by == "category":
        col = RequestCategory.name_en if lang == "en" else RequestCategory.name_zh
        return dict(session.execute(select(RequestCategory.id, col)).all())
    if group_by == "channel":
        return {c.value: c.label(lang) for c in Channel}
    return {"all": "全部" if lang == "zh" else "all"}
