"""Read models of the insights plugin: aggregates over the stored tokens, one query
per list (hot words, rising topics, hot spots, chat heat, flagged chat topics)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from sqlalchemy import distinct, func, select
from sqlmodel import Session

import gongzhi.plugins.insights.errors  # noqa: F401  (registers the insights.* codes)
from gongzhi.core.errors import DomainError
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory
from gongzhi.plugins.insights.models import (
    InsightsChatHeat,
    InsightsChatImport,
    InsightsDoc,
    InsightsToken,
)
from gongzhi.plugins.insights.stats import G2_P001, MIN_COUNT, g2, poisson_sf, rising


@dataclass(frozen=True)
class Period:
    start: date  # inclusive
    end: date  # exclusive
    label: str

    def previous(self) -> Period:
        if self.label.count("-") == 1:  # a month
            prev_end = self.start
            prev_start = (self.start - timedelta(days=1)).replace(day=1)
            return Period(prev_start, prev_end, prev_start.strftime("%Y-%m"))
        span = self.end - self.start
        return Period(self.start - span, self.start, f"{self.start - span}..{self.start}")


def parse_period(value: str) -> Period:
    """``2026-11`` (a month), ``2026`` (a year) or ``2026-11-01..2026-12-01``."""
    try:
        if ".." in value:
            a, b = value.split("..", 1)
            start, end = date.fromisoformat(a), date.fromisoformat(b)
            if end <= start:
                raise ValueError
            return Period(start, end, value)
        parts = value.split("-")
        if len(parts) == 1:
            y = int(parts[0])
            return Period(date(y, 1, 1), date(y + 1, 1, 1), value)
        if len(parts) == 2:
            y, m = int(parts[0]), int(parts[1])
            start = date(y, m, 1)
            end = date(y + (m == 12), m % 12 + 1, 1)
            return Period(start, end, start.strftime("%Y-%m"))
    except ValueError:
        pass
    raise DomainError("insights.invalid_period", value=value)


# the ranges a listing's options take (bad values are refused, not quietly ignored)
LIMIT_MAX = 1000
THRESHOLD_MAX = 1000.0
MIN_COUNT_MAX = 1_000_000


def check_range(value, option: str, lo, hi):
    """``value`` if ``lo`` ≤ value ≤ ``hi`` (and a finite number), else ``insights.out_of_range``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
            or not lo <= value <= hi:
        raise DomainError("insights.out_of_range", option=option, value=value, min=lo, max=hi)
    return value


def check_listing(*, limit: int | None = None, threshold: float | None = None, min_count: int | None = None) -> None:
    """The options of a listing, checked before any read."""
    if limit is not None:
        check_range(limit, "--limit", 1, LIMIT_MAX)
    if threshold is not None:
        check_range(threshold, "--threshold", 0, THRESHOLD_MAX)
    if min_count is not None:
        check_range(min_count, "--min-count", 1, MIN_COUNT_MAX)


@dataclass
class Filters:
    community_id: int | None = None
    compound_id: int | None = None
    category_id: int | None = None
    channel: str | None = None

    def __post_init__(self) -> None:
        if self.channel is not None:  # an unknown channel would match nothing, silently
            from gongzhi.core.models.vocab import Channel

            if self.channel not in {c.value for c in Channel}:
                raise DomainError("input.invalid_choice", field="channel", value=self.channel,
                                  choices=", ".join(c.value for c in Channel))

    def where(self) -> list:
        out = []
        if self.community_id is not None:
            out.append(InsightsDoc.community_id == self.community_id)
        if self.compound_id is not None:
            out.append(InsightsDoc.compound_id == self.compound_id)
        if self.category_id is not None:
            out.append(InsightsDoc.category_id == self.category_id)
        if self.channel is not None:
            out.append(InsightsDoc.channel == self.channel)
        return out


def _in(period: Period) -> list:
    return [InsightsDoc.day >= period.start, InsightsDoc.day < period.end]


@dataclass
class HotWord:
    term: str
    count: int  # occurrences in the slice
    requests: int  # requests of the slice containing it
    idf: float  # over the street's whole corpus
    score: float  # count × idf

    def as_dict(self):
        return asdict(self)


def hot_words(session: Session, period: Period, flt: Filters | None = None, limit: int = 20,
              candidates: int = 300) -> list[HotWord]:
    """TF-IDF hot words: a term's count in the slice × log(N / df) over the street's corpus."""
    check_listing(limit=limit)
    flt = flt or Filters()
    tf = session.execute(
        select(InsightsToken.term, func.sum(InsightsToken.count), func.count())
        .join(InsightsDoc, InsightsDoc.request_id == InsightsToken.request_id)
        .where(*_in(period), *flt.where())
        .group_by(InsightsToken.term)
        .order_by(func.sum(InsightsToken.count).desc(), InsightsToken.term)
        .limit(candidates)
    ).all()
    if not tf:
        return []
    n = session.scalar(select(func.count()).select_from(InsightsDoc)) or 1
    df = dict(session.execute(
        select(InsightsToken.term, func.count()).where(InsightsToken.term.in_([t for t, _, _ in tf]))
        .group_by(InsightsToken.term)
    ).all())
    out = []
    for term, count, reqs in tf:
        idf = math.log((1 + n) / (1 + df.get(term, 0))) + 1.0
        out.append(HotWord(term, int(count), int(reqs), round(idf, 4), round(count * idf, 3)))
    out.sort(key=lambda w: (-w.score, w.term))
    return out[:limit]


def _doc_freq(session: Session, period: Period, flt: Filters) -> tuple[dict[str, int], int]:
    rows = session.execute(
        select(InsightsToken.term, func.count())
        .join(InsightsDoc, InsightsDoc.request_id == InsightsToken.request_id)
        .where(*_in(period), *flt.where())
        .group_by(InsightsToken.term)
    ).all()
    n = session.scalar(select(func.count()).select_from(InsightsDoc).where(*_in(period), *flt.where())) or 0
    return dict(rows), n


@dataclass
class RisingTopic:
    term: str
    now: int  # requests containing the term this period
    now_total: int
    before: int
    before_total: int
    g2: float

    def as_dict(self):
        return asdict(self)


def rising_topics(session: Session, period: Period, flt: Filters | None = None, *,
                  threshold: float = G2_P001, min_count: int = MIN_COUNT, limit: int = 20) -> list[RisingTopic]:
    """Terms whose share of requests rose against the previous period, by Dunning's G²
    (≥ ``threshold``; 10.83 ⇔ p < 0.001) with at least ``min_count`` requests now."""
    check_listing(limit=limit, threshold=threshold, min_count=min_count)
    flt = flt or Filters()
    now, n_now = _doc_freq(session, period, flt)
    before, n_before = _doc_freq(session, period.previous(), flt)
    out = []
    for term, a in now.items():
        b = before.get(term, 0)
        if rising(a, n_now, b, n_before, threshold=threshold, min_count=min_count):
            out.append(RisingTopic(term, a, n_now, b, n_before, round(g2(a, n_now, b, n_before), 2)))
    out.sort(key=lambda r: (-r.g2, r.term))
    return out[:limit]


_residents_cache: dict[tuple, dict[int, int]] = {}


def residents_by_compound(session: Session) -> dict[int, int]:
    """Residents (people with a household) per compound. Cached on a signature of the
    person and place tables (row counts, largest ids, latest person update), so a month
    report does not re-count 68,000 people each time; any change recounts."""
    sig = session.execute(select(func.count(Person.id), func.max(Person.id), func.max(Person.updated_at))).one()
    psig = session.execute(select(func.count(Place.id), func.max(Place.id))).one()
    key = (session.get_bind().url.render_as_string(hide_password=True), *sig, *psig)
    hit = _residents_cache.get(key)
    if hit is not None:
        return dict(hit)
    kind = {pid: k for pid, k in session.execute(select(Place.id, Place.kind)).all()}
    out: dict[int, int] = {}
    rows = session.execute(
        select(Place.path, func.count(Person.id)).join(Person, Person.household_id == Place.id).group_by(Place.path)
    ).all()
    for path, n in rows:
        for part in (path or "").strip("/").split("/"):
            if part and kind.get(int(part)) == "compound":
                out[int(part)] = out.get(int(part), 0) + n
                break
    if len(_residents_cache) >= 8:
        _residents_cache.clear()
    _residents_cache[key] = out
    return dict(out)


@dataclass
class HotSpot:
    compound_id: int
    compound: str
    requests: int
    residents: int
    per_1000: float
    expected: float
    p_value: float
    flagged: bool

    def as_dict(self):
        return asdict(self)


HOTSPOT_ALPHA = 0.05  # family-wise, Bonferroni-divided by the number of compounds tested


def hot_spots(session: Session, period: Period, category_id: int | None = None, *,
              alpha: float = HOTSPOT_ALPHA, min_count: int = 3) -> list[HotSpot]:
    """Compounds whose requests per 1,000 residents (for a category, or all) are
    unusually high against the street: one-sided Poisson test, H0: the compound has the
    street's rate (expected = street rate × residents), flagged when P(X ≥ k) <
    alpha / compounds tested (Bonferroni) and k ≥ ``min_count``."""
    flt = Filters(category_id=category_id)
    counts = dict(session.execute(
        select(InsightsDoc.compound_id, func.count()).where(*_in(period), *flt.where(),
                                                            InsightsDoc.compound_id.is_not(None))
        .group_by(InsightsDoc.compound_id)
    ).all())
    residents = {c: r for c, r in residents_by_compound(session).items() if r > 0}
    total_r = sum(residents.values())
    total_k = sum(k for c, k in counts.items() if c in residents)
    if not residents or total_r == 0:
        return []
    rate = total_k / total_r
    names = dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(list(residents)))).all())
    m = len(residents)
    out = []
    for c, r in residents.items():
        k = counts.get(c, 0)
        mu = rate * r
        p = poisson_sf(k, mu)
        out.append(HotSpot(c, names.get(c, str(c)), k, r, round(1000 * k / r, 2), round(mu, 2),
                           p, k >= min_count and p < alpha / m))
    out.sort(key=lambda h: (h.p_value, -h.per_1000, h.compound))
    return out


def requests_of(session: Session, period: Period, *, compound_id: int | None = None,
                category_id: int | None = None, term: str | None = None, limit: int = 200) -> list[dict]:
    """The drill-down: the requests behind a hot spot or a word."""
    stmt = (select(Request.id, Request.ref, Request.title, Request.status, InsightsDoc.day)
            .join(InsightsDoc, InsightsDoc.request_id == Request.id)
            .where(*_in(period), *Filters(compound_id=compound_id, category_id=category_id).where()))
    if term is not None:
        stmt = stmt.where(InsightsDoc.request_id.in_(select(InsightsToken.request_id).where(InsightsToken.term == term)))
    rows = session.execute(stmt.order_by(InsightsDoc.day.desc(), Request.id.desc()).limit(limit)).all()
    return [{"id": i, "ref": ref, "title": t, "status": st, "day": d.isoformat()} for i, ref, t, st, d in rows]


def category_id(session: Session, ref: str | None) -> int | None:
    if ref is None:
        return None
    cid = session.scalar(select(RequestCategory.id).where(
        (RequestCategory.code == ref) | (RequestCategory.name_zh == ref) | (RequestCategory.name_en == ref)))
    if cid is None:
        raise DomainError("insights.category_not_found", ref=ref)
    return cid


def place_id(session: Session, name: str | None, kind: str) -> int | None:
    if name is None:
        return None
    pid = session.scalar(select(Place.id).where(Place.name == name, Place.kind == kind))
    if pid is None:
        raise DomainError("insights.place_not_found", name=name, kind=kind)
    return pid


@dataclass
class ChatTopic:
    term: str
    chat_messages: int
    chat_total: int
    requests: int
    requests_total: int
    g2: float
    flagged: bool

    def as_dict(self):
        return asdict(self)


def chat_heat(session: Session, *, import_id: int | None = None, days: int | None = None) -> list[dict]:
    """Messages per (day, term) of the imported chats."""
    stmt = select(InsightsChatHeat.day, InsightsChatHeat.term, func.sum(InsightsChatHeat.messages))
    if import_id is not None:
        stmt = stmt.where(InsightsChatHeat.import_id == import_id)
    rows = session.execute(stmt.group_by(InsightsChatHeat.day, InsightsChatHeat.term)
                           .order_by(InsightsChatHeat.day, func.sum(InsightsChatHeat.messages).desc())).all()
    return [{"day": d.isoformat(), "term": t, "messages": int(n)} for d, t, n in rows]


def chat_topics(session: Session, *, threshold: float = G2_P001, min_count: int = MIN_COUNT,
                limit: int = 30) -> list[ChatTopic]:
    """Topics of the imported chats against the formal requests of the same days:
    flagged when the share of chat messages mentioning a term is significantly higher
    (G² ≥ ``threshold``) than the share of requests mentioning it, with at least
    ``min_count`` messages — hot in chat but rare in formal requests."""
    imports = session.execute(select(func.min(InsightsChatImport.first_day), func.max(InsightsChatImport.last_day),
                                     func.sum(InsightsChatImport.messages))).one()
    first, last, chat_total = imports
    if not chat_total:
        return []
    chat = dict(session.execute(select(InsightsChatHeat.term, func.sum(InsightsChatHeat.messages))
                                .group_by(InsightsChatHeat.term)).all())
    period = Period(first, last + timedelta(days=1), f"{first}..{last}")
    req, n_req = _doc_freq(session, period, Filters())
    out = []
    for term, m in chat.items():
        m = int(m)
        b = req.get(term, 0)
        score = g2(m, chat_total, b, n_req)
        flagged = rising(m, chat_total, b, n_req, threshold=threshold, min_count=min_count)
        out.append(ChatTopic(term, m, int(chat_total), b, n_req, round(score, 2), flagged))
    out.sort(key=lambda t: (not t.flagged, -t.chat_messages, t.term))
    return out[:limit]


def distinct_terms(session: Session) -> int:
    return session.scalar(select(func.count(distinct(InsightsToken.term)))) or 0
