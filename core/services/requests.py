"""Requests (诉求) through the closed loop 发现问题—分类交办—限时办结—反馈评价.

Every change is one transaction that writes the request, an append-only event on
its timeline and an audit record, then fires an event after commit. Only the
transitions in :data:`gongzhi.core.models.vocab.TRANSITIONS` are accepted.
"""

from __future__ import annotations

import functools
import hashlib
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import and_, bindparam, false, func, literal_column, or_, select
from sqlalchemy import text as sa_text
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from gongzhi.core import events
from gongzhi.core.config import data_dir
from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import (
    RefCounter,
    Request,
    RequestAttachment,
    RequestDispatch,
    RequestEvent,
    RequestFeedback,
    RequestSupporter,
)
from gongzhi.core.models.types import fmt_local, local, utcnow
from gongzhi.core.models.vocab import (
    DONE_STATUSES,
    OPEN_STATUSES,
    TRANSITIONS,
    Channel,
    DispatchRole,
    OrgKind,
    Priority,
    RequestType,
    ResolvedAnswer,
    Satisfaction,
    Status,
)
from gongzhi.core.permissions import Scope, check, read_scope, requires
from gongzhi.core.services.base import (
    Actor,
    audit,
    check_chars,
    choice,
    escape_like,
    fact_time,
    optional_text,
    require_text,
    snapshot,
    text_match,
    transaction,
    when,
)
from gongzhi.core.services.categories import get_category, sla_hours
from gongzhi.core.services.orgs import get_organisation
from gongzhi.core.services.people import get_person
from gongzhi.core.services.places import get_place

DESCRIPTION_MAX = 4000
# a dispatch's due date: after the request was logged, and at most this long after the dispatch
MAX_DISPATCH_SPAN = timedelta(days=366)
DEFAULT_REF_PREFIX = "QY"


# -- reading -------------------------------------------------------------------


def _get(session: Session, request_id: int) -> Request:
    request = session.get(Request, request_id)
    if request is None:
        raise DomainError("request.not_found", ref=request_id)
    return request


def place_of(session: Session, request_id: int) -> int:
    """Where a request was raised: the place its permissions are checked on."""
    return _get(session, request_id).place_id


def _dispatch_place(session: Session, dispatch_id: int) -> int:
    return place_of(session, _get_dispatch(session, dispatch_id).request_id)


# one request, and each part of one (its timeline, dispatches …): with an actor,
# refused outside the actor's places
_READ_ONE = requires("request.read", lambda s, a: place_of(s, a["request_id"]), read=True)


@_READ_ONE
def get_request(session: Session, request_id: int, *, actor: Actor | None = None) -> Request:
    return _get(session, request_id)


@requires("request.read", lambda s, a: _find(s, a["ref"]).place_id, read=True)
def find_request(session: Session, ref: str | int, *, actor: Actor | None = None) -> Request:
    """A request by its ref number (QY-2026-000123) or id."""
    return _find(session, ref)


def _find(session: Session, ref: str | int) -> Request:
    text = str(ref).strip()
    if text.isdigit():
        return _get(session, int(text))
    found = session.scalar(select(Request).where(Request.ref == text.upper()))
    if found is None:
        raise DomainError("request.not_found", ref=ref)
    return found


@_READ_ONE
def timeline(session: Session, request_id: int, *, actor: Actor | None = None) -> list[RequestEvent]:
    return list(
        session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
        )
    )


def replay_status(events_: Iterable[RequestEvent]) -> Status | None:
    """The status a timeline leads to: what the request's status must equal."""
    status: Status | None = None
    for event in events_:
        if event.kind == "created":
            status = Status.submitted
        elif event.to_status is not None:
            if status is None or Status(event.to_status) not in TRANSITIONS[status]:
                raise ValueError(f"timeline breaks the lifecycle at event {event.id}")
            status = Status(event.to_status)
    return status


@_READ_ONE
def dispatches(session: Session, request_id: int, *, actor: Actor | None = None) -> list[RequestDispatch]:
    return list(
        session.scalars(
            select(RequestDispatch).where(RequestDispatch.request_id == request_id).order_by(RequestDispatch.id)
        )
    )


@_READ_ONE
def feedbacks(session: Session, request_id: int, *, actor: Actor | None = None) -> list[RequestFeedback]:
    return list(
        session.scalars(
            select(RequestFeedback).where(RequestFeedback.request_id == request_id).order_by(RequestFeedback.id)
        )
    )


@_READ_ONE
def supporters(session: Session, request_id: int, *, actor: Actor | None = None) -> list[RequestSupporter]:
    return list(
        session.scalars(
            select(RequestSupporter).where(RequestSupporter.request_id == request_id).order_by(RequestSupporter.id)
        )
    )


@_READ_ONE
def attachments(session: Session, request_id: int, *, actor: Actor | None = None) -> list[RequestAttachment]:
    return list(
        session.scalars(
            select(RequestAttachment).where(RequestAttachment.request_id == request_id).order_by(RequestAttachment.id)
        )
    )


def is_overdue(request: Request, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return request.due_at is not None and request.due_at < now and Status(request.status) not in DONE_STATUSES


def overdue_condition(now: datetime):
    return and_(
        Request.due_at.is_not(None),
        Request.due_at < bindparam("f_now", now),
        # IN over the open statuses (not NOT IN over the done ones) lets the
        # (status, due_at) index answer it: 0.5 ms instead of 100 ms at street scale
        Request.status.in_([s.value for s in OPEN_STATUSES]),
    )


@dataclass
class RequestFilter:
    statuses: Sequence[str] = ()
    community_id: int | None = None
    place_id: int | None = None  # this node and everything below it
    channel: str | None = None
    category_id: int | None = None
    overdue: bool = False
    text: str = ""  # in ref, title or description
    reporter_query: str = ""  # reporter name or pinyin


@dataclass
class RequestPage:
    rows: list[Request]
    total: int
    offset: int
    limit: int
    extra: dict[str, Any] = field(default_factory=dict)


_SORTS = {
    "created": Request.created_at,
    "due": Request.due_at,
    "status": Request.status,
    "ref": Request.ref,
    "priority": Request.priority,
}
SORTS = tuple(_SORTS)  # the values ``--sort`` takes
# sorts whose column is never NULL: their next and previous pages are keyset ranges
KEYSET_SORTS = frozenset({"created", "status", "ref", "priority"})


# -- searching request text (docs/performance.md, "Searching requests") ------------

# the sentinel migration 0004 puts after every field in SQLite's request_fts
_SENTINEL = "\x01"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# a one-character query so common that its trigrams run past this many: scan instead
MAX_PREFIX_TERMS = 5000


def _fts_string(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _after_prefix(text: str) -> str | None:
    """The smallest string greater than every string starting with ``text``."""
    last = ord(text[-1]) + 1
    if last == 0xD800:
        last = 0xE000  # surrogates are not characters
    return None if last > 0x10FFFF else text[:-1] + chr(last)


@dataclass
class FtsQuery:
    """A text as SQLite's ``request_fts`` answers it."""

    match: str  # the MATCH expression; "" when no request can contain the text
    most: int | None  # at most this many requests match (known for 1–2 characters)


def sqlite_fts_query(session: Session, text: str) -> FtsQuery | None:
    """The FTS5 query for ``text`` on SQLite's ``request_fts``, or ``None`` when the
    index cannot answer it (then the caller scans with LIKE).

    The index holds ``lower()`` of each field (ASCII case only, like SQLite's LIKE)
    as trigrams, each field followed by two sentinels. Three or more characters are a
    phrase of consecutive trigrams: exactly "the field contains the text". One or two
    characters are the trigrams that start with them, looked up in the vocabulary:
    with the sentinels, every occurrence starts one. So a match is exactly a
    ``LIKE '%text%'`` match, and the count needs no second look at the rows.
    """
    q = text.translate(_ASCII_LOWER)
    if not q or _SENTINEL in q:
        return None
    if len(q) >= 3:
        return FtsQuery(_fts_string(q), None)
    hi = _after_prefix(q)
    stmt = "SELECT term, doc FROM request_fts_terms WHERE term >= :lo" + (" AND term < :hi" if hi else "")
    terms = [(t, n) for t, n in session.execute(sa_text(stmt), {"lo": q, "hi": hi}) if t.startswith(q)]
    if len(terms) > MAX_PREFIX_TERMS:
        return None
    # no trigram starts with it: nothing contains it (an empty OR would be a syntax error)
    return FtsQuery(" OR ".join(_fts_string(t) for t, _n in terms), sum(n for _t, n in terms))


# How the first page finds a text on SQLite, by how many requests hold it (see
# docs/performance.md): up to LOOKUP_UP_TO, each match is looked up and the matches
# sorted; from 1 request in WALK_SHARE on, the list's order is walked testing each row
# with LIKE (about 100 × WALK_SHARE rows); in between, the order's index is walked
# testing each entry against the set of matches (no row is read until it is shown).
LOOKUP_UP_TO = 500
WALK_SHARE = 50
# PostgreSQL: the newest-first page of a text is first looked for in this slice
RECENT_SLICE = timedelta(days=60)


def _fts_rowids(match: str):
    return select(literal_column("rowid")).select_from(sa_text("request_fts")).where(
        sa_text("request_fts MATCH :fts_match").bindparams(fts_match=match)
    )


def sqlite_fts_count(session: Session, match: str, *, cap: int | None = None) -> int:
    """How many requests an FTS5 expression matches (from the index alone); with ``cap``,
    counting stops after ``cap + 1`` (see :func:`count_requests`)."""
    if not match:
        return 0
    rowids = _fts_rowids(match)
    if cap is not None:
        rowids = rowids.limit(cap + 1)
    return session.scalar(select(func.count()).select_from(rowids.subquery())) or 0


def rebuild_list_indexes(session: Session) -> None:
    """Recompute what the database keeps for the request list: every request's
    ``community_id`` and, on SQLite, the search index ``request_fts`` (PostgreSQL
    computes its ``request.search_vector`` itself). Triggers keep both current on every write,
    bulk inserts included; this is for a loader that bypassed them (e.g. with
    ``session_replication_role = replica`` on PostgreSQL). The caller commits."""
    session.execute(sa_text(
        "UPDATE request SET community_id = (SELECT community_id FROM place WHERE place.id = request.place_id)"))
    if session.get_bind().dialect.name == "postgresql":
        return  # the generated column and its index are PostgreSQL's own
    session.execute(sa_text("INSERT INTO request_fts (request_fts) VALUES ('delete-all')"))
    index_requests_for_search(session)


def index_requests_for_search(session: Session, *, first_id: int = 0) -> None:
    """Add the requests from ``first_id`` on to SQLite's search index (rows its insert
    trigger did not see: a bulk load that suspended it). They must not be in it yet."""
    fields = ", ".join(f"lower({c}) || char(1, 1)" for c in ("ref", "title", "description"))
    session.execute(
        sa_text(f"INSERT INTO request_fts (rowid, ref, title, description) SELECT id, {fields} FROM request "
                "WHERE id >= :first"),
        {"first": first_id},
    )


def text_plan(session: Session, fts: FtsQuery) -> str:
    """``"lookup"``, ``"member"`` or ``"like"``: how the first page finds a text (SQLite)."""
    most = fts.most if fts.most is not None else sqlite_fts_count(session, fts.match)
    if most * WALK_SHARE >= (session.scalar(select(func.max(Request.id))) or 0):
        return "like"
    if most <= LOOKUP_UP_TO:
        return "lookup"
    return "member"


def text_condition(session: Session, text: str, *, plan: str = "lookup", fts: FtsQuery | None = None):
    """Requests whose ref, title or description contains ``text`` (ASCII case ignored
    on SQLite, case ignored on PostgreSQL), answered by the search index.

    ``plan`` (SQLite, see :func:`text_plan`): "lookup" the matches by rowid, test
    each row for "member"ship in them, or test each row with "like"."""
    like = f"%{escape_like(text)}%"
    scan = or_(
        text_match(session, Request.title, like),
        text_match(session, Request.description, like),
        text_match(session, Request.ref, like),
    )
    if session.get_bind().dialect.name == "postgresql":
        # the GIN index finds the rows holding all of the text's bigrams; the ILIKE
        # keeps those that hold the text itself (bigrams in another order, or split
        # between fields, do not count)
        found = literal_column("request.search_vector").op("@@")(func.gongzhi_search_query(text))
        return and_(found, scan)
    if fts is None and plan != "like":
        fts = sqlite_fts_query(session, text)
    if fts is None or plan == "like":
        return scan
    if fts.match == "":
        return false()
    # "+id" keeps SQLite from looking each match up by rowid
    return (literal_column("+request.id") if plan == "member" else Request.id).in_(_fts_rowids(fts.match))


def scope_condition(scope: Scope):
    """Requests inside an actor's read scope: of its communities (the indexed
    ``community_id``), or below a granted node inside a community (its path, within
    that community's requests)."""
    parts = [Request.community_id.in_(scope.communities)] if scope.communities else []
    for _pid, path, community in scope.below:
        below = Request.place_id.in_(select(Place.id).where(Place.path.startswith(path, autoescape=True)))
        parts.append(and_(Request.community_id == community, below) if community is not None else below)
    return or_(*parts) if parts else false()


def _confine(session: Session, flt: RequestFilter | None, actor: Actor | None
            ) -> tuple[RequestFilter, Scope | None] | None:
    """``flt`` confined to what ``actor`` may read (``request.read``): the filter to use
    and the scope still to apply (:func:`filter_conditions`' ``scope``), or ``None`` when
    nothing can match (another community asked for). One community, the common case,
    becomes the filter's ``community_id``: the list's simple, indexed statement.
    Refuses (``permission.denied``) an actor that may read requests nowhere."""
    flt = flt or RequestFilter()
    scope = read_scope(session, actor, "request.read")
    if scope is None:
        return flt, None
    if len(scope.communities) == 1 and not scope.below:
        community = scope.communities[0]
        if flt.community_id is None:
            return replace(flt, community_id=community), None
        return (flt, None) if flt.community_id == community else None
    return flt, scope


@requires("request.read", confine=True)
def scoped_conditions(session: Session, flt: RequestFilter | None, actor: Actor | None, *,
                      now: datetime) -> list[Any]:
    """:func:`filter_conditions` confined to ``actor``'s scope (for exports)."""
    confined = _confine(session, flt, actor)
    if confined is None:
        return [false()]
    return filter_conditions(session, confined[0], now=now, scope=confined[1])


def filter_conditions(
    session: Session, flt: RequestFilter, *, now: datetime, text_plan_: str = "lookup", fts: FtsQuery | None = None,
    scope: Scope | None = None,
) -> list[Any]:
    """The WHERE conditions of a request filter (shared by the list and the export),
    within ``scope`` when given (see :func:`_confine`).

    Each filter has an index that starts with its column and ends with ``created_at``
    (the list's order): community through ``request.community_id``, status, overdue
    (status, due), category, channel; the text through the search index."""
    from gongzhi.core.pinyin import normalise_query

    conditions = [] if scope is None else [scope_condition(scope)]
    # the simple filters by name (bindparam): their statement's shape does not depend on
    # the values, so list_page can keep it and run it again with other values
    params = simple_filter_params(flt, now)
    if flt.statuses:
        conditions.append(Request.status.in_(bindparam("f_statuses", params["f_statuses"], expanding=True)))
    if flt.community_id is not None:
        conditions.append(Request.community_id == bindparam("f_community", params["f_community"]))
    if flt.place_id is not None:
        node = get_place(session, flt.place_id)
        conditions.append(
            Request.place_id.in_(select(Place.id).where(Place.path.startswith(node.path, autoescape=True)))
        )
    if flt.channel:
        conditions.append(Request.channel == bindparam("f_channel", params["f_channel"]))
    if flt.category_id is not None:
        conditions.append(Request.category_id == bindparam("f_category", params["f_category"]))
    if flt.overdue:
        conditions.append(overdue_condition(now))
    if flt.text.strip():
        conditions.append(text_condition(session, flt.text.strip(), plan=text_plan_, fts=fts))
    if flt.reporter_query.strip():
        q = flt.reporter_query.strip()
        key = normalise_query(q)
        person_conditions = [text_match(session, Person.name, f"%{escape_like(q)}%")]
        if key.isascii() and key:
            person_conditions.append(Person.search_keys.like(f"%|{escape_like(key)}%", escape="\\"))
        conditions.append(Request.reporter_id.in_(select(Person.id).where(or_(*person_conditions))))
    return conditions


def simple_filter_params(flt: RequestFilter, now: datetime) -> dict[str, Any]:
    """The values of the filters that :func:`filter_conditions` binds by name (checked:
    an unknown status or channel is refused here)."""
    params: dict[str, Any] = {}
    if flt.statuses:
        params["f_statuses"] = [choice(Status, s, "status").value for s in flt.statuses]
    if flt.community_id is not None:
        params["f_community"] = flt.community_id
    if flt.channel:
        params["f_channel"] = choice(Channel, flt.channel, "channel").value
    if flt.category_id is not None:
        params["f_category"] = flt.category_id
    if flt.overdue:
        params["f_now"] = now
    return params


def _is_simple(flt: RequestFilter) -> bool:
    """Only filters bound by name: the page's statement can be kept and run again."""
    return not flt.text.strip() and not flt.reporter_query.strip() and flt.place_id is None


# list_page's statements for the simple filters, by their shape (see _page_shape): built
# and compiled once, then run with each call's values. Building one costs more than
# running it (~0.4 ms against ~0.5 ms for a page of 100 at street scale)
_PAGE_STATEMENTS: dict[tuple, Any] = {}


def _order(sort: str, descending: bool) -> tuple[Any, list[Any]]:
    col = _SORTS.get(sort, Request.created_at)
    return col, [col.desc(), Request.id.desc()] if descending else [col.asc(), Request.id.asc()]


@requires("request.read", confine=True)
def list_requests(
    session: Session,
    flt: RequestFilter | None = None,
    *,
    sort: str = "created",
    descending: bool = True,
    offset: int = 0,
    limit: int = 50,
    count: bool = True,
    now: datetime | None = None,
    actor: Actor | None = None,
) -> RequestPage:
    """One page of requests matching ``flt``, newest first by default (with an
    ``actor``: of the places it may read)."""
    conditions = scoped_conditions(session, flt, actor, now=now or utcnow())
    _col, order = _order(sort, descending)
    stmt = select(Request).where(*conditions).order_by(*order)
    rows = list(session.scalars(stmt.offset(offset).limit(limit)))
    total = session.scalar(select(func.count()).select_from(Request).where(*conditions)) if count else -1
    return RequestPage(rows=rows, total=total or 0, offset=offset, limit=limit)


# -- the request list screen's read model -------------------------------------------


@dataclass(frozen=True)
class ListRow:
    """One line of the request list: only what it shows (labels come from vocabularies)."""

    id: int
    ref: str
    status: str
    channel: str
    category_id: int
    title: str
    priority: str
    place: str
    reporter: str | None  # None when anonymous or unknown
    anonymous: bool
    created_at: datetime
    due_at: datetime | None

    def key(self, sort: str) -> tuple[Any, int]:
        """Where this row stands in the list's order (for the next/previous page)."""
        value = {"created": self.created_at, "status": self.status, "ref": self.ref,
                 "priority": self.priority, "due": self.due_at}.get(sort, self.created_at)
        return value, self.id

    def overdue(self, now: datetime) -> bool:
        return self.due_at is not None and self.due_at < now and Status(self.status) not in DONE_STATUSES


@dataclass
class ListPage:
    rows: list[ListRow]
    has_more: bool  # rows beyond this page, in the direction it was read


@requires("request.read", confine=True)
def list_page(
    session: Session,
    flt: RequestFilter | None = None,
    *,
    sort: str = "created",
    descending: bool = True,
    after: tuple[Any, int] | None = None,
    before: tuple[Any, int] | None = None,
    offset: int = 0,
    limit: int = 100,
    now: datetime | None = None,
    actor: Actor | None = None,
) -> ListPage:
    """One page of the request list in one query, without counting.

    ``after`` (the key of the last row shown) reads the next page and ``before`` (the
    key of the first row shown) the previous one, as keyset ranges on the list's order
    ("created" and the other never-empty sort columns); ``offset`` pages the others.
    The count comes separately (:func:`count_requests`), so it never delays a page.
    With an ``actor``, only the requests of the places it may read (:func:`_confine`).
    """
    confined = _confine(session, flt, actor)
    if confined is None:
        return ListPage(rows=[], has_more=False)
    flt, scope = confined
    now = now or utcnow()
    keyset = sort in KEYSET_SORTS or sort not in _SORTS
    backwards = before is not None and keyset
    cursor = before if backwards else after if keyset else None
    shape = None
    if _is_simple(flt) and scope is None and (keyset or not offset):
        params = simple_filter_params(flt, now)
        shape = (session.get_bind().dialect.name, tuple(sorted(params)), sort, descending, backwards,
                 cursor is not None, limit)
        stmt = _PAGE_STATEMENTS.get(shape)
        if stmt is not None:
            if cursor is not None:
                params["c_value"], params["c_id"] = cursor
            return _page_result(_read_page(session, stmt, params), limit, backwards)
    plan, fts = "lookup", None
    if flt.text.strip() and session.get_bind().dialect.name == "sqlite":
        fts = sqlite_fts_query(session, flt.text.strip())
        if fts is not None and fts.match:
            plan = text_plan(session, fts)
    conditions = filter_conditions(session, flt, now=now, text_plan_=plan, fts=fts, scope=scope)
    col, _ = _order(sort, descending)
    read_desc = descending != backwards
    _col, order = _order(sort, read_desc)
    page_order = order
    if fts is not None and fts.match and plan == "lookup":
        # a rare text: look its matches up and sort them. The unary + keeps SQLite from
        # walking an index in the list's order instead (a test per row of the table)
        plus = literal_column(f"+request.{col.key}")
        page_order = [plus.desc() if read_desc else plus.asc(), *order[1:]]
    if cursor is not None:
        value, rid = bindparam("c_value", cursor[0]), bindparam("c_id", cursor[1])
        if read_desc:
            conditions.append(and_(col <= value, or_(col < value, Request.id < rid)))
        else:
            conditions.append(and_(col >= value, or_(col > value, Request.id > rid)))
    # names by correlated subqueries: looked up for the rows of the page only (a join
    # let PostgreSQL hash all 28,000 places for a page of overdue requests)
    place = select(Place.name).where(Place.id == Request.place_id).scalar_subquery()
    reporter = select(Person.name).where(Person.id == Request.reporter_id).scalar_subquery()
    columns = (Request.id, Request.ref, Request.status, Request.channel, Request.category_id, Request.title,
               Request.priority, place, reporter, Request.anonymous, Request.created_at, Request.due_at)
    stmt = select(*columns)
    if page_order is not order:
        # the page's ids first (sorted among the matches), their names after: the joins
        # then touch the page's rows, not every match
        ids = select(Request.id).where(*conditions).order_by(*page_order).limit(limit + 1)
        if not keyset and offset:
            ids = ids.offset(offset)
        ids = ids.subquery("page")
        stmt = stmt.where(Request.id.in_(select(ids.c.id))).order_by(*order)
    else:
        stmt = stmt.where(*conditions).order_by(*order).limit(limit + 1)
        if not keyset and offset:
            stmt = stmt.offset(offset)
    if shape is not None:
        _PAGE_STATEMENTS[shape] = stmt

    def read(statement) -> list[ListRow]:
        return _read_page(session, statement)

    rows = None
    if (flt.text.strip() and session.get_bind().dialect.name == "postgresql" and sort == "created"
            and read_desc and page_order is order and (keyset or not offset)
            and not _pg_text_is_common(session, flt.text.strip())):
        # newest first with a text: look in the latest RECENT_SLICE (below the cursor)
        # before all time. A text in a few percent of a million requests has thousands
        # of matches to fetch and sort; the slice has a page of them, found by
        # combining the search index with the created_at index
        top = cursor[0] if cursor is not None else (now or utcnow())
        recent = read(stmt.where(Request.created_at >= top - RECENT_SLICE))
        if len(recent) > limit:
            rows = recent
    if rows is None:
        rows = read(stmt)
    return _page_result(rows, limit, backwards)


def _read_page(session: Session, statement: Any, params: dict[str, Any] | None = None) -> list[ListRow]:
    # the driver's rows straight from its cursor, the two times converted here: building
    # SQLAlchemy's Row objects and running its processors cost as much as the query itself
    result = session.connection().execute(statement, params)
    try:
        raw = result.cursor.fetchall()
    finally:
        result.close()
    when = _time_processor(session.get_bind().dialect)
    return [
        ListRow(rid, ref, status, channel, cat, title, prio, place, None if anon else reporter, bool(anon),
                when(created), when(due))
        for rid, ref, status, channel, cat, title, prio, place, reporter, anon, created, due in raw
    ]


@functools.cache
def _time_processor(dialect: Any) -> Callable[[Any], Any]:
    """How a stored time of ``request`` becomes an aware datetime on ``dialect`` (the
    column type's own result processor, so both paths read times alike)."""
    process = Request.__table__.c.created_at.type._cached_result_processor(dialect, None)
    return process or (lambda value: value)


def _page_result(rows: list[ListRow], limit: int, backwards: bool) -> ListPage:
    has_more = len(rows) > limit
    rows = rows[:limit]
    if backwards:
        rows.reverse()
    return ListPage(rows=rows, has_more=has_more)


def _pg_text_is_common(session: Session, text: str) -> bool:
    """Whether PostgreSQL's statistics put the text in at least 1 request in WALK_SHARE
    (then walking the newest-first index finds a page at once; the recent slice is for
    the rest). From the most common bigrams ANALYZE keeps for ``search_vector``; only
    a choice of plan depends on it, never the rows."""
    row = session.execute(sa_text(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
        "WHERE tablename = 'request' AND attname = 'search_vector'")).first()
    if row is None or not row[0]:
        return False
    freqs = dict(zip(row[0], row[1], strict=False))
    q = text.lower()
    if len(q) == 1:
        share = sum(f for lexeme, f in freqs.items() if lexeme.startswith(q))
    else:
        share = min(freqs.get(q[i:i + 2], 0.0) for i in range(len(q) - 1))
    return share * WALK_SHARE >= 1


COUNT_CAP = 1000  # the list first says "1,000+" for a filter that matches more, then the exact figure


@requires("request.read", confine=True)
def count_requests(session: Session, flt: RequestFilter | None = None, *, now: datetime | None = None,
                   cap: int | None = None, actor: Actor | None = None) -> int:
    """How many requests match ``flt`` (the list asks for it in a worker).

    Exact without ``cap``. With ``cap``, counting stops at the first ``cap + 1`` matches:
    a result above ``cap`` means "more than ``cap``" (shown as "1,000+"), at a cost that
    does not grow with the table — a common word over a district's million requests is
    counted in the time a page takes; the exact figure follows from a second call.
    With an ``actor``, only the requests of the places it may read."""
    confined = _confine(session, flt, actor)
    if confined is None:
        return 0
    flt, scope = confined
    only_text = flt == RequestFilter(text=flt.text) and scope is None
    if only_text and flt.text.strip() and session.get_bind().dialect.name == "sqlite":
        fts = sqlite_fts_query(session, flt.text.strip())
        if fts is not None:
            return sqlite_fts_count(session, fts.match, cap=cap)  # exact: a match is a LIKE match
    conditions = filter_conditions(session, flt, now=now or utcnow(), scope=scope)
    if cap is None:
        return session.scalar(select(func.count()).select_from(Request).where(*conditions)) or 0
    ids = select(Request.id).where(*conditions).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(ids)) or 0


@requires("request.read", confine=True)
def count_by_status(session: Session, *, actor: Actor | None = None) -> dict[str, int]:
    """How many requests in each status (with an ``actor``: of the places it may read)."""
    conditions = scoped_conditions(session, None, actor, now=utcnow())
    return dict(session.execute(
        select(Request.status, func.count()).where(*conditions).group_by(Request.status)).all())


# -- writing -------------------------------------------------------------------


def next_ref(session: Session, *, prefix: str, year: int) -> str:
    """The next ref number, atomically, on SQLite and PostgreSQL (upsert … returning)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(RefCounter)
        .values(prefix=prefix, year=year, last=1)
        .on_conflict_do_update(index_elements=["prefix", "year"], set_={"last": RefCounter.last + 1})
        .returning(RefCounter.last)
    )
    number = session.execute(stmt).scalar_one()
    return f"{prefix}-{year}-{number:06d}"


def _event(
    session: Session,
    request: Request,
    actor: Actor,
    kind: str,
    *,
    at: datetime,
    from_status: str | None = None,
    to_status: str | None = None,
    public_note: str = "",
    private_note: str = "",
    data: dict[str, Any] | None = None,
) -> RequestEvent:
    event = RequestEvent(
        request_id=request.id,
        at=at,
        actor=actor.name,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        public_note=optional_text(public_note, "public_note", max_len=2000),
        private_note=optional_text(private_note, "private_note", max_len=2000),
        data=data,
    )
    session.add(event)
    return event


def _check_attachment_files(paths: Sequence[str | Path], max_mb: int) -> list[Path]:
    files = []
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.is_file():
            raise DomainError("request.attachment_missing", path=str(raw))
        if path.stat().st_size == 0:
            raise DomainError("request.attachment_empty", path=str(raw))
        if path.stat().st_size > max_mb * 1024 * 1024:
            raise DomainError("request.attachment_too_large", path=str(raw), max_mb=max_mb)
        files.append(path)
    return files


def _store_attachments(
    session: Session, request: Request, actor: Actor, files: list[Path], at: datetime, written: list[Path]
) -> list[RequestAttachment]:
    """Copy files into the data directory (content-addressed) and record them."""
    out = []
    if not files:
        return out
    folder = data_dir() / "attachments" / request.ref
    folder.mkdir(parents=True, exist_ok=True)
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        target = folder / f"{digest[:12]}-{path.name}"
        if not target.exists():
            shutil.copyfile(path, target)
            written.append(target)
        row = RequestAttachment(
            request_id=request.id,
            filename=path.name,
            stored_path=str(target.relative_to(data_dir())),
            sha256=digest,
            size=path.stat().st_size,
            at=at,
            actor=actor.name,
        )
        session.add(row)
        out.append(row)
    return out


def _remove(paths: list[Path]) -> None:
    for p in paths:
        p.unlink(missing_ok=True)


@requires("request.create", lambda s, a: a["place_id"])
def create_request(
    session: Session,
    *,
    actor: Actor,
    channel: str,
    type: str,
    category_id: int,
    title: str,
    place_id: int,
    description: str = "",
    reporter_id: int | None = None,
    anonymous: bool = False,
    priority: str = "normal",
    external_id: str | None = None,
    lead_org_id: int | None = None,
    attachment_paths: Sequence[str | Path] = (),
    ref_prefix: str = DEFAULT_REF_PREFIX,
    attachment_max_mb: int = 20,
    at: datetime | None = None,
    public_note: str = "",
) -> Request:
    """Log a request. ``at`` records when it was raised (e.g. at last week's bench meeting)."""
    written: list[Path] = []
    at = fact_time(at)
    try:
        with transaction(session):
            channel_ = choice(Channel, channel, "channel")
            type_ = choice(RequestType, type, "type")
            priority_ = choice(Priority, priority, "priority")
            title = require_text(title, "title", max_len=200)
            description = check_chars((description or "").strip(), "description")
            if len(description) > DESCRIPTION_MAX:
                raise DomainError("request.description_too_long", max=DESCRIPTION_MAX, length=len(description))
            category = get_category(session, category_id)
            if not category.active:
                raise DomainError("category.not_found", ref=category_id)
            place = get_place(session, place_id)
            if anonymous and reporter_id is not None:
                raise DomainError("request.reporter_conflict")
            if reporter_id is not None:
                get_person(session, reporter_id)
            lead = lead_org_id if lead_org_id is not None else category.default_department_id
            if lead is not None:
                get_organisation(session, lead)
            files = _check_attachment_files(attachment_paths, attachment_max_mb)
            external = optional_text(external_id, "external_id", max_len=60) or None
            if external is not None:
                # one request per external ticket (migration 0008): say which, not an IntegrityError
                known = session.scalar(select(Request.ref).where(
                    Request.channel == channel_.value, Request.external_id == external))
                if known is not None:
                    raise DomainError("request.duplicate_external_id", external_id=external, ref=known)
            request = Request(
                ref=next_ref(session, prefix=ref_prefix, year=local(at).year),
                channel=channel_.value,
                external_id=external,
                type=type_.value,
                category_id=category.id,
                title=title,
                description=description,
                place_id=place.id,
                community_id=place.community_id,  # the database keeps it so (migration 0004)
                reporter_id=reporter_id,
                anonymous=anonymous,
                priority=priority_.value,
                status=Status.submitted.value,
                lead_org_id=lead,
                created_at=at,
                created_by=actor.name,
                due_at=at + timedelta(hours=sla_hours(category, priority_)),
                updated_at=at,
            )
            session.add(request)
            session.flush()
            _event(session, request, actor, "created", at=at, to_status=None, public_note=public_note,
                   data={"channel": channel_.value, "external_id": request.external_id})
            stored = _store_attachments(session, request, actor, files, at, written)
            session.flush()
            audit(session, actor, "request.create", "request", request.id, None,
                  snapshot(request) | {"attachments": [a.filename for a in stored]})
    except BaseException:
        _remove(written)
        raise
    events.fire(events.REQUEST_CREATED, request_id=request.id, actor=actor.name)
    return request


def _apply_transition(
    session: Session,
    request: Request,
    actor: Actor,
    to: Status,
    *,
    at: datetime,
    public_note: str = "",
    private_note: str = "",
    data: dict[str, Any] | None = None,
) -> Status:
    current = Status(request.status)
    if to not in TRANSITIONS[current]:
        raise DomainError(
            "request.illegal_transition",
            ref=request.ref,
            from_status=current.value,
            to_status=to.value,
            from_label=current.label("zh"),
            to_label=to.label("zh"),
            from_label_en=current.label("en"),
            to_label_en=to.label("en"),
        )
    request.status = to.value
    request.updated_at = at
    if current == Status.submitted and request.first_response_at is None:
        request.first_response_at = at
    if to == Status.resolved or to == Status.answered:
        request.resolved_at = at
    elif to == Status.closed:
        request.closed_at = at
    elif to == Status.in_progress and current in (Status.resolved, Status.closed):
        # reopened: it is open (and can be overdue) again; the timeline keeps history
        request.resolved_at = None
        request.closed_at = None
    _event(session, request, actor, "transition", at=at, from_status=current.value, to_status=to.value,
           public_note=public_note, private_note=private_note, data=data)
    return current


# the statuses that end a request's handling: resolving or closing needs ``request.close``
_CLOSING = frozenset({Status.resolved, Status.closed, Status.answered, Status.duplicate, Status.not_responsible,
                      Status.unable_to_fix})


@requires("request.update", lambda s, a: place_of(s, a["request_id"]))
def transition(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    to_status: str,
    public_note: str = "",
    private_note: str = "",
    duplicate_of_id: int | None = None,
    at: datetime | None = None,
) -> Request:
    """Move a request along its lifecycle; marking a duplicate names the original."""
    at = fact_time(at)
    with transaction(session):
        request = get_request(session, request_id)
        to = choice(Status, to_status, "status")
        if to in _CLOSING:  # resolving and closing: more than working on it
            check(session, actor, "request.close", request.place_id)
        if to == Status.dispatched and to in TRANSITIONS[Status(request.status)]:
            raise DomainError("request.dispatch_required")
        before = snapshot(request)
        data = None
        if to == Status.duplicate:
            original = _duplicate_target(session, request, duplicate_of_id)
            request.duplicate_of_id = original.id
            data = {"duplicate_of": original.ref}
        elif duplicate_of_id is not None:
            raise DomainError("request.duplicate_target")
        previous = _apply_transition(session, request, actor, to, at=at, public_note=public_note,
                                     private_note=private_note, data=data)
        if to == Status.duplicate and request.reporter_id is not None:
            _support(session, actor, original, request.reporter_id, via=request, at=at, strict=False)
        session.flush()
        audit(session, actor, "request.transition", "request", request.id, before, snapshot(request))
    events.fire(events.REQUEST_STATUS_CHANGED, request_id=request.id, from_status=previous.value,
                to_status=to.value, actor=actor.name)
    return request


def _duplicate_target(session: Session, request: Request, duplicate_of_id: int | None) -> Request:
    if duplicate_of_id is None:
        raise DomainError("request.duplicate_ref")
    original = get_request(session, duplicate_of_id)
    if original.id == request.id or original.status == Status.duplicate or original.duplicate_of_id is not None:
        raise DomainError("request.duplicate_target")
    return original


def _support(
    session: Session, actor: Actor, request: Request, person_id: int, *, via: Request | None, at: datetime, strict: bool
) -> RequestSupporter | None:
    person = get_person(session, person_id)
    exists = session.scalar(
        select(RequestSupporter.id).where(
            RequestSupporter.request_id == request.id, RequestSupporter.person_id == person_id
        )
    )
    if exists is not None or request.reporter_id == person_id:
        if strict:
            raise DomainError("request.already_supporter", person=person.name)
        return None
    row = RequestSupporter(request_id=request.id, person_id=person_id, via_request_id=via.id if via else None, at=at)
    session.add(row)
    _event(session, request, actor, "supporter", at=at,
           data={"person_id": person_id, "via": via.ref if via else None})
    return row


@requires("request.update", lambda s, a: place_of(s, a["request_id"]))
def add_note(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    public_note: str = "",
    private_note: str = "",
    source: str | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> RequestEvent:
    """A note on a request's timeline without a status change (e.g. from a plugin:
    "discussed at the roundtable of 3 May"). ``source`` names who wrote it (a plugin)."""
    at = fact_time(at)
    with transaction(session):
        request = get_request(session, request_id)
        if not (public_note or "").strip() and not (private_note or "").strip():
            raise DomainError("input.required", field="public_note")
        event = _event(session, request, actor, "note", at=at, public_note=public_note, private_note=private_note,
                       data={"source": source, **(data or {})} if source or data else None)
        session.flush()
        audit(session, actor, "request.note", "request_event", event.id, None, snapshot(event))
    return event


@requires("request.update", lambda s, a: place_of(s, a["request_id"]))
def add_supporter(
    session: Session, *, actor: Actor, request_id: int, person_id: int, at: datetime | None = None
) -> RequestSupporter:
    """Record that another person raised the same request (附议)."""
    at = fact_time(at)
    with transaction(session):
        request = get_request(session, request_id)
        row = _support(session, actor, request, person_id, via=None, at=at, strict=True)
        session.flush()
        audit(session, actor, "request.support", "request_supporter", row.id, None, snapshot(row))
    return row


@requires("request.dispatch", lambda s, a: place_of(s, a["request_id"]))
def dispatch(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    organisations: Sequence[tuple[int, str]],
    whistle: bool = False,
    due_at: datetime | None = None,
    public_note: str = "",
    private_note: str = "",
    at: datetime | None = None,
) -> list[RequestDispatch]:
    """Dispatch to organisations as lead or assist; a whistle (吹哨) goes to departments.

    An accepted request becomes ``dispatched``; a submitted one is accepted in the same
    step (dispatching it is the act of accepting it), and its timeline records both
    changes, accepted then dispatched. A request already dispatched or in progress can
    call in further organisations without changing its status.
    """
    at = fact_time(at)
    with transaction(session):
        request = get_request(session, request_id)
        status = Status(request.status)
        if status not in DISPATCHABLE:
            raise DomainError("request.dispatch_not_allowed", ref=request.ref, status=status.value,
                              status_label=status.label("zh"), status_label_en=status.label("en"))
        if not organisations:
            raise DomainError("input.required", field="organisations")
        if sum(1 for _org, role in organisations if role == DispatchRole.lead) > 1:
            raise DomainError("request.dispatch_one_lead")
        if due_at is not None:
            due_at = when(due_at)
            # due after the request was raised, and within a year of the dispatch
            if due_at < request.created_at or due_at > at + MAX_DISPATCH_SPAN:
                raise DomainError("request.invalid_due", value=fmt_local(due_at), created=fmt_local(request.created_at),
                                  days=MAX_DISPATCH_SPAN.days)
        before = snapshot(request)
        rows = []
        for org_id, role in organisations:
            org = get_organisation(session, org_id)
            role_ = choice(DispatchRole, role, "role")
            if whistle and org.kind != OrgKind.department:
                raise DomainError("request.dispatch_needs_department", org=org.name)
            row = RequestDispatch(
                request_id=request.id,
                organisation_id=org.id,
                role=role_.value,
                whistle=whistle,
                dispatched_at=at,
                due_at=due_at or request.due_at,
            )
            session.add(row)
            rows.append(row)
            if role_ == DispatchRole.lead:
                request.lead_org_id = org.id
        session.flush()
        if status == Status.submitted:
            _apply_transition(session, request, actor, Status.accepted, at=at)
        if status in (Status.submitted, Status.accepted):
            _apply_transition(session, request, actor, Status.dispatched, at=at, public_note=public_note,
                              private_note=private_note)
        changed_status = status in (Status.submitted, Status.accepted)
        _event(session, request, actor, "dispatch", at=at, public_note="" if changed_status else public_note,
               data={"whistle": whistle, "dispatches": [{"id": r.id, "organisation_id": r.organisation_id,
                                                          "role": r.role} for r in rows]})
        request.updated_at = at
        session.flush()
        audit(session, actor, "request.dispatch", "request", request.id, before,
              snapshot(request) | {"dispatches": [snapshot(r) for r in rows]})
    events.fire(events.REQUEST_DISPATCHED, request_id=request.id, dispatch_ids=[r.id for r in rows],
                whistle=whistle, actor=actor.name)
    if status == Status.submitted:
        events.fire(events.REQUEST_STATUS_CHANGED, request_id=request.id, from_status=status.value,
                    to_status=Status.accepted.value, actor=actor.name)
    if changed_status:
        events.fire(events.REQUEST_STATUS_CHANGED, request_id=request.id, from_status=Status.accepted.value,
                    to_status=Status.dispatched.value, actor=actor.name)
    return rows


# the statuses a dispatch (派单 / 吹哨) starts from; a submitted request is accepted on the way
DISPATCHABLE = frozenset({Status.submitted, Status.accepted, Status.dispatched, Status.in_progress})


def _get_dispatch(session: Session, dispatch_id: int) -> RequestDispatch:
    row = session.get(RequestDispatch, dispatch_id)
    if row is None:
        raise DomainError("request.dispatch_not_found", ref=dispatch_id)
    return row


@requires("request.update", lambda s, a: _dispatch_place(s, a["dispatch_id"]))
def report_in(session: Session, *, actor: Actor, dispatch_id: int, note: str = "", at: datetime | None = None) -> RequestDispatch:
    """A department reports on site (报到) after the whistle."""
    at = fact_time(at)
    with transaction(session):
        row = _get_dispatch(session, dispatch_id)
        org = get_organisation(session, row.organisation_id)
        if row.reported_at is not None:
            raise DomainError("request.dispatch_already_reported", org=org.name, at=fmt_local(row.reported_at))
        before = snapshot(row)
        row.reported_at = at
        request = get_request(session, row.request_id)
        _event(session, request, actor, "report_in", at=at, public_note=note,
               data={"dispatch_id": row.id, "organisation": org.name})
        session.flush()
        audit(session, actor, "dispatch.report_in", "request_dispatch", row.id, before, snapshot(row))
    return row


@requires("request.update", lambda s, a: _dispatch_place(s, a["dispatch_id"]))
def record_dispatch_result(
    session: Session, *, actor: Actor, dispatch_id: int, result: str, at: datetime | None = None
) -> RequestDispatch:
    at = fact_time(at)
    with transaction(session):
        row = _get_dispatch(session, dispatch_id)
        before = snapshot(row)
        row.result = require_text(result, "result", max_len=2000)
        row.result_at = at
        request = get_request(session, row.request_id)
        _event(session, request, actor, "dispatch_result", at=at, public_note=row.result,
               data={"dispatch_id": row.id, "organisation_id": row.organisation_id})
        session.flush()
        audit(session, actor, "dispatch.result", "request_dispatch", row.id, before, snapshot(row))
    return row


@requires("request.update", lambda s, a: _dispatch_place(s, a["dispatch_id"]))
def rate_dispatch(session: Session, *, actor: Actor, dispatch_id: int, rating: int, at: datetime | None = None) -> RequestDispatch:
    """The street's rating (1–5) of how a department handled its part."""
    at = fact_time(at)
    with transaction(session):
        row = _get_dispatch(session, dispatch_id)
        if not isinstance(rating, int) or isinstance(rating, bool) or not 1 <= rating <= 5:
            raise DomainError("request.invalid_rating", value=rating)
        before = snapshot(row)
        row.rating = rating
        row.rated_at = at
        request = get_request(session, row.request_id)
        _event(session, request, actor, "rating", at=at, data={"dispatch_id": row.id, "rating": rating})
        session.flush()
        audit(session, actor, "dispatch.rate", "request_dispatch", row.id, before, snapshot(row))
    return row


FEEDBACK_STATUSES = frozenset({Status.resolved, Status.closed, Status.answered})


@requires("request.update", lambda s, a: place_of(s, a["request_id"]))
def record_feedback(
    session: Session,
    *,
    actor: Actor,
    request_id: int,
    contacted: bool,
    resolved: str | None = None,
    satisfaction: str | None = None,
    comment: str = "",
    reopen: bool = False,
    close: bool = False,
    at: datetime | None = None,
) -> RequestFeedback:
    """A return visit (回访). A dissatisfied answer may reopen the request; any may close it."""
    at = fact_time(at)
    with transaction(session):
        request = get_request(session, request_id)
        status = Status(request.status)
        if status not in FEEDBACK_STATUSES:
            raise DomainError("request.feedback_not_resolved", ref=request.ref, status=status.value,
                              status_label=status.label("zh"), status_label_en=status.label("en"))
        resolved_ = choice(ResolvedAnswer, resolved, "resolved").value if resolved else None
        satisfaction_ = choice(Satisfaction, satisfaction, "satisfaction").value if satisfaction else None
        if contacted and satisfaction_ is None:
            raise DomainError("input.required", field="satisfaction")
        if reopen and satisfaction_ != Satisfaction.dissatisfied:
            raise DomainError("request.reopen_needs_dissatisfied")
        if reopen and close:
            raise DomainError("input.invalid", field="reopen/close", value="both")
        row = RequestFeedback(
            request_id=request.id,
            at=at,
            actor=actor.name,
            contacted=contacted,
            resolved=resolved_,
            satisfaction=satisfaction_,
            comment=optional_text(comment, "comment", max_len=2000),
        )
        session.add(row)
        session.flush()
        before = snapshot(request)
        _event(session, request, actor, "feedback", at=at, public_note=row.comment,
               data={"feedback_id": row.id, "contacted": contacted, "resolved": resolved_,
                     "satisfaction": satisfaction_})
        new_status = None
        if reopen:
            _apply_transition(session, request, actor, Status.in_progress, at=at, public_note=row.comment,
                              data={"reopened_by_feedback": row.id})
            new_status = Status.in_progress
        elif close and status != Status.closed:
            _apply_transition(session, request, actor, Status.closed, at=at)
            new_status = Status.closed
        session.flush()
        audit(session, actor, "request.feedback", "request_feedback", row.id, before | {"status": status.value},
              snapshot(row) | {"status": request.status})
    events.fire(events.FEEDBACK_RECORDED, request_id=request.id, feedback_id=row.id, actor=actor.name)
    if new_status is not None:
        events.fire(events.REQUEST_STATUS_CHANGED, request_id=request.id, from_status=status.value,
                    to_status=new_status.value, actor=actor.name)
    return row


@requires("request.update", lambda s, a: place_of(s, a["request_id"]))
def add_attachments(
    session: Session, *, actor: Actor, request_id: int, paths: Sequence[str | Path], max_mb: int = 20
) -> list[RequestAttachment]:
    written: list[Path] = []
    at = utcnow()
    try:
        with transaction(session):
            request = get_request(session, request_id)
            files = _check_attachment_files(paths, max_mb)
            if not files:
                raise DomainError("input.required", field="paths")
            rows = _store_attachments(session, request, actor, files, at, written)
            session.flush()
            _event(session, request, actor, "attachment", at=at, data={"files": [r.filename for r in rows]})
            for r in rows:
                audit(session, actor, "request.attach", "request_attachment", r.id, None, snapshot(r))
    except BaseException:
        _remove(written)
        raise
    return rows


def organisation_names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    ids = set(ids)
    if not ids:
        return {}
    return dict(session.execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))).all())
