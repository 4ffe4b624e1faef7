"""The request list at scale: the search index, the indexes behind every filter, keyset
pages and the separate count — on a real SQLite file and a real PostgreSQL.

- The search index answers exactly what ``LIKE '%text%'`` over ref, title and
  description answers (ILIKE on PostgreSQL), after random creates, edits and
  transitions: a Hypothesis test compares them on every database.
- Every filter the list offers reads ``request`` through an index (``EXPLAIN`` of the
  statements the list really runs, captured as they run): never a full scan.
- ``request.community_id`` follows the place tree (creates, moves).
- Keyset pages (next and previous) give the same rows as offsets.
"""

from __future__ import annotations

import json
import re
import string
from contextlib import contextmanager
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, or_, select, text, update

from gongzhi.core.models.requests import Request
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.services.base import escape_like, text_match
from gongzhi.core.services.requests import RequestFilter, count_requests, list_page, list_requests
from tests.core.helpers import at, build_world, move, new_request


@pytest.fixture
def world(db, actor):
    return build_world(db, actor)


def brute_force(session, q: str) -> set[int]:
    """Ids whose ref, title or description contains ``q``: a LIKE (ILIKE) over every row."""
    like = f"%{escape_like(q)}%"
    return set(session.scalars(select(Request.id).where(or_(
        text_match(session, Request.ref, like),
        text_match(session, Request.title, like),
        text_match(session, Request.description, like),
    ))))


def indexed(session, q: str) -> set[int]:
    """Ids the search index gives for ``q`` (on SQLite, the FTS5 table alone)."""
    return set(session.scalars(select(Request.id).where(req_svc.text_condition(session, q))))


# -- the search index equals a brute-force LIKE ------------------------------------------

# the words of the street, ASCII in both cases, digits, LIKE and FTS5 syntax characters,
# quotes, spaces, full-width punctuation and a non-ASCII letter with a case
ALPHABET = "电梯漏水楼道灯不亮坏了水管" + "aAbBqQyY" + "0126" + "-%_\\\"'* 。：Éé"
texts = st.text(alphabet=ALPHABET, min_size=0, max_size=12)
queries = st.text(alphabet=ALPHABET, min_size=1, max_size=4)

# which request an edit or transition touches: a number taken modulo the requests there
# are (the database grows from one example to the next; what is drawn must not depend on it)
pick = st.integers(0, 10**6)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("create"), texts.filter(lambda t: t.strip()), texts, st.just(0)),
        st.tuples(st.just("edit"), texts.filter(lambda t: t.strip()), texts, pick),
        st.tuples(st.just("transition"), st.sampled_from(["accepted", "withdrawn"]), st.just(""), pick),
    ),
    min_size=1,
    max_size=6,
)
# substrings of stored text: (which text, where it starts, how long), each taken modulo
cuts = st.lists(st.tuples(pick, pick, st.integers(1, 4)), max_size=3)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations, probes=st.lists(queries, min_size=1, max_size=4), cuts=cuts)
def test_search_index_equals_brute_force_like(db, actor, world, ops, probes, cuts):
    with db.read_session() as s:
        existing = sorted(s.scalars(select(Request.id)))
    for kind, a, b, n in ops:
        if kind == "create":
            existing.append(new_request(db, actor, world, title=a, description=b).id)
        elif kind == "edit" and existing:
            # no service edits a request's text yet: an UPDATE is what one would run,
            # and the index is kept by the database whoever writes
            with db.session() as s:
                s.execute(update(Request).where(Request.id == existing[n % len(existing)])
                          .values(title=a, description=b))
                s.commit()
        elif kind == "transition" and existing:
            rid = existing[n % len(existing)]
            with db.read_session() as s:
                status = req_svc.get_request(s, rid).status
            if status == "submitted":
                move(db, actor, rid, a)
    with db.read_session() as s:
        rows = {r.id: r for r in s.scalars(select(Request))}
        # probe with substrings of what is stored, and with the random queries
        stored = [t for r in sorted(rows.values(), key=lambda r: r.id) for t in (r.title, r.description, r.ref) if t]
        for which, start, length in cuts if stored else []:
            source = stored[which % len(stored)]
            i = start % len(source)
            probes.append(source[i:i + length])
        for q in probes:
            q = q.strip()
            if not q:
                continue
            expected = brute_force(s, q)
            assert indexed(s, q) == expected, q
            assert count_requests(s, RequestFilter(text=q)) == len(expected), q
            for cap in (0, 1, 3):  # a capped count: exact up to the cap, cap + 1 for "more"
                assert count_requests(s, RequestFilter(text=q), cap=cap) == min(len(expected), cap + 1), (q, cap)
            page = list_page(s, RequestFilter(text=q), limit=500)
            assert {r.id for r in page.rows} == expected, q
            newest = sorted(expected, key=lambda i: (rows[i].created_at, i), reverse=True)
            assert [r.id for r in page.rows] == newest, q


def test_text_search_ignores_case_and_finds_refs_and_short_words(db, actor, world):
    lift = new_request(db, actor, world, title="电梯坏了", description="三号楼电梯困人")
    leak = new_request(db, actor, world, title="楼道漏水", description="")
    latin = new_request(db, actor, world, title="WiFi 信号弱", description="需要 AP")
    with db.read_session() as s:
        def ids(q: str) -> set[int]:
            return {r.id for r in list_page(s, RequestFilter(text=q)).rows}

        assert ids("电梯") == {lift.id}
        assert ids("梯") == {lift.id}  # one character
        assert ids("水") == {leak.id}  # the last character of a field
        assert ids("漏水") == {leak.id}
        assert ids("wifi") == ids("WIFI") == {latin.id}
        assert ids("ap") == {latin.id}
        assert ids(leak.ref.lower()) == {leak.id}
        assert ids(leak.ref[-6:]) == {leak.id}
        assert ids("电梯漏水") == set()
        assert ids("%") == ids("_") == set()
        assert count_requests(s, RequestFilter(text="楼")) == 2


def test_a_capped_count_says_more_than_the_cap_for_every_filter(db, actor, world):
    """The list's first count stops after cap + 1 matches ("1,000+"), whichever filter."""
    for i in range(5):
        new_request(db, actor, world, title=f"路灯不亮{i}", description="")
    with db.read_session() as s:
        for flt in (RequestFilter(), RequestFilter(text="路灯"), RequestFilter(statuses=["submitted"]),
                    RequestFilter(community_id=world.communities[0].id), RequestFilter(text="路灯", statuses=["submitted"])):
            exact = count_requests(s, flt)
            assert exact >= 1, flt
            for cap in (0, 2, exact - 1, exact, exact + 10):
                if cap < 0:
                    continue
                assert count_requests(s, flt, cap=cap) == min(exact, cap + 1), (flt, cap)


# -- community on the request --------------------------------------------------------------


def test_community_of_a_request_follows_the_place_tree(db, actor, world):
    w = world
    c1, c2 = w.communities
    on_household = new_request(db, actor, w, place_id=w.households[0].id)  # c1, four levels down
    on_street = new_request(db, actor, w, place_id=w.street.id)
    with db.read_session() as s:
        assert s.get(Request, on_household.id).community_id == c1.id
        assert s.get(Request, on_street.id).community_id is None
    with db.session() as s:
        place_svc.move_place(s, actor=actor, place_id=w.compounds[0].id, new_parent_id=c2.id)
    with db.read_session() as s:
        assert s.get(Request, on_household.id).community_id == c2.id
        assert [r.id for r in list_page(s, RequestFilter(community_id=c2.id)).rows] == [on_household.id]
        assert count_requests(s, RequestFilter(community_id=c1.id)) == 0
    # a writer that gives no community (or a wrong one) is corrected by the database
    with db.session() as s:
        s.execute(update(Request).where(Request.id == on_street.id).values(place_id=w.households[1].id))
        s.execute(update(Request).where(Request.id == on_household.id).values(community_id=c1.id))
        s.commit()
    with db.read_session() as s:
        assert s.get(Request, on_street.id).community_id == c2.id
        assert s.get(Request, on_household.id).community_id == c2.id


# -- keyset pages --------------------------------------------------------------------------


@pytest.mark.parametrize("sort", ["created", "status", "ref", "priority", "due"])
def test_keyset_pages_walk_the_same_rows_as_offsets(db, actor, world, sort):
    base = at("2026-03-01 00:00")
    made = [new_request(db, actor, world, at=base + timedelta(hours=i // 2), title=f"路灯 {i}",
                        priority=["low", "normal", "high"][i % 3]) for i in range(11)]
    move(db, actor, made[3].id, "accepted")
    with db.read_session() as s:
        everything = [r.id for r in list_requests(s, sort=sort, limit=100).rows]
        pages, after, offset = [], None, 0
        while True:
            page = list_page(s, sort=sort, after=after, offset=offset, limit=4)
            pages.append(page)
            if not page.has_more:
                break
            after, offset = page.rows[-1].key(sort), offset + 4
        assert [r.id for p in pages for r in p.rows] == everything
        # and back: the page before the last is the same rows
        back = list_page(s, sort=sort, before=pages[-1].rows[0].key(sort), offset=offset - 4, limit=4)
        assert [r.id for r in back.rows] == [r.id for r in pages[-2].rows]


def test_list_page_shows_names_and_hides_anonymous_reporters(db, actor, world):
    w = world
    named = new_request(db, actor, w, reporter_id=w.people["zhang"].id, place_id=w.households[0].id)
    anon = new_request(db, actor, w, anonymous=True)
    with db.read_session() as s:
        rows = {r.id: r for r in list_page(s).rows}
    assert (rows[named.id].reporter, rows[named.id].place, rows[named.id].anonymous) == ("张晓明", "101", False)
    assert (rows[anon.id].reporter, rows[anon.id].anonymous) == (None, True)


# -- every filter through an index (EXPLAIN) --------------------------------------------


@contextmanager
def statements(db):
    """The SQL statements (with parameters) run on ``db`` inside the block."""
    seen: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def request_plans(db, seen) -> list:
    """The plan of every statement that reads ``request`` (EXPLAIN, on the same
    database): SQLite's EXPLAIN QUERY PLAN lines, PostgreSQL's JSON plan."""
    plans = []
    with db.engine.connect() as conn:
        if not db.is_sqlite:
            # the tables are tiny: make PostgreSQL prefer any index it can use, so that
            # a sequential scan left in the plan means no index answers the filter
            conn.exec_driver_sql("SET enable_seqscan = off")
        for sql, params in seen:
            if not re.search(r"\bFROM request\b", sql) or sql.lstrip().upper().startswith("EXPLAIN"):
                continue
            if db.is_sqlite:
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params).all()
                plans.append("\n".join(str(r[-1]) for r in rows))
            else:
                plans.append(conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + sql, params).scalar()[0]["Plan"])
    return plans


def _pg_nodes(node):
    yield node
    for child in node.get("Plans", ()):
        yield from _pg_nodes(child)


def full_scans(db, plan) -> list[str]:
    """How ``request`` is read without narrowing it by an index: a table scan, or a
    walk of a whole index (that one is right only for an unfiltered page)."""
    if db.is_sqlite:
        # "SEARCH request …" is an index range; any "SCAN request" reads all of it
        return [line for line in plan.splitlines() if re.search(r"\bSCAN request\b", line)]
    bad = []
    for node in _pg_nodes(plan):
        if node.get("Relation Name") != "request":
            continue
        kind = node["Node Type"]
        if kind in ("Index Scan", "Index Only Scan") and "Index Cond" in node:
            continue
        if kind == "Bitmap Heap Scan":
            continue  # fed by a bitmap index scan (with its condition)
        bad.append(f"{kind} {node.get('Index Name', '')} {node.get('Filter', '')}")
    return bad


def filters(w) -> dict[str, RequestFilter]:
    c1 = w.communities[0]
    return {
        "status": RequestFilter(statuses=["accepted"]),
        "community": RequestFilter(community_id=c1.id),
        "overdue": RequestFilter(overdue=True),
        "category": RequestFilter(category_id=w.category.id),
        "channel": RequestFilter(channel="snapshot"),
        "place": RequestFilter(place_id=w.compounds[0].id),
        "reporter": RequestFilter(reporter_query="zxm"),
        "text, rare": RequestFilter(text="电梯困人"),
        "text, two characters": RequestFilter(text="电梯"),
        "text, one character": RequestFilter(text="梯"),
        "community and status": RequestFilter(community_id=c1.id, statuses=["submitted"]),
    }


def test_every_list_filter_reads_request_through_an_index(db, actor, world, monkeypatch):
    # a text in 1 of 30 rows counts as common in a table this small (the first page
    # would walk the list's order, tested below): here the index must answer it
    monkeypatch.setattr(req_svc, "WALK_SHARE", 0)  # never "like"
    w = world
    base = at("2026-03-01 00:00")
    for i in range(30):
        new_request(db, actor, w, at=base + timedelta(hours=i), title="路灯不亮" if i else "电梯困人",
                    channel="snapshot" if i % 3 else "bench_meeting",
                    reporter_id=w.people["zhang"].id if i % 5 == 0 else None,
                    place_id=w.compounds[i % 2].id)
    checked = 0
    for label, flt in filters(w).items():
        with db.read_session() as s, statements(db) as seen:
            page = list_page(s, flt, now=base + timedelta(days=30))
            count_requests(s, flt, now=base + timedelta(days=30))
            count_requests(s, flt, now=base + timedelta(days=30), cap=req_svc.COUNT_CAP)  # the list's first count
        plans = request_plans(db, seen)
        assert plans, label
        for plan in plans:
            assert not full_scans(db, plan), f"{label}: a full scan of request\n{plan}"
            checked += 1
        assert page.rows or label in ("status", "overdue", "channel"), label
    assert checked >= 2 * len(filters(w))  # SQLite counts a text from its FTS table alone


def test_sqlite_text_search_uses_the_fts_table_for_rare_text(sqlite_db, actor):
    db = sqlite_db
    w = build_world(db, actor)
    for i in range(120):
        new_request(db, actor, w, title="路灯不亮" if i else "电梯困人")
    with db.read_session() as s, statements(db) as seen:
        rows = list_page(s, RequestFilter(text="电梯")).rows
    assert len(rows) == 1
    plan = "\n".join(request_plans(db, seen))
    assert "request_fts VIRTUAL TABLE" in plan and "SEARCH request USING INTEGER PRIMARY KEY" in plan, plan
    # a text in nearly every request walks the list's order instead (and stops at a page)
    with db.read_session() as s, statements(db) as seen:
        rows = list_page(s, RequestFilter(text="路灯"), limit=10).rows
    assert len(rows) == 10
    assert "SCAN request USING INDEX ix_request_created_at" in "\n".join(request_plans(db, seen))


def test_an_unfiltered_page_walks_the_newest_first_index(db, actor, world):
    new_request(db, actor, world)
    with db.read_session() as s, statements(db) as seen:
        assert len(list_page(s).rows) == 1
    plan = request_plans(db, seen)[0]
    if db.is_sqlite:
        assert "SCAN request USING INDEX ix_request_created_at" in plan, plan
    else:
        # PostgreSQL chooses by statistics (on the street it walks ix_request_created_at
        # backwards, see the benchmark); here: through an index, never the table
        scans = [n for n in _pg_nodes(plan) if n.get("Relation Name") == "request"]
        assert scans and all(n["Node Type"] in ("Index Scan", "Index Only Scan") for n in scans), plan


def test_postgresql_text_search_uses_the_gin_index(pg_db, actor):
    db = pg_db
    w = build_world(db, actor)
    new_request(db, actor, w, title="电梯困人")
    with db.read_session() as s, statements(db) as seen:
        assert count_requests(s, RequestFilter(text="电梯")) == 1
    plan = json.dumps(request_plans(db, seen))
    assert "ix_request_search" in plan, plan


def test_the_search_objects_exist(db):
    with db.engine.connect() as conn:
        if db.is_sqlite:
            names = set(conn.scalars(text("SELECT name FROM sqlite_master")))
            assert {"request_fts", "request_fts_terms", "request_fts_insert", "request_fts_update",
                    "request_fts_delete"} <= names
        else:
            assert conn.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_request_search'")) == 1
        assert conn.scalar(select(func.count()).select_from(Request)) == 0


def test_ascii_fold_is_what_sqlite_like_folds():
    # the SQLite index folds exactly the 26 ASCII letters, as SQLite's LIKE does
    assert "ÉQY-Ab".translate(req_svc._ASCII_LOWER) == "Éqy-ab"
    assert string.ascii_uppercase.translate(req_svc._ASCII_LOWER) == string.ascii_lowercase


def test_rebuild_list_indexes_restores_what_a_bulk_loader_skipped(db, actor, world):
    r = new_request(db, actor, world, title="电梯困人", place_id=world.households[0].id)
    with db.session() as s:  # as if a loader had written the row without the triggers
        if db.is_sqlite:  # (SQLite always runs its triggers: only the index can be emptied)
            s.execute(text("INSERT INTO request_fts (request_fts) VALUES ('delete-all')"))
        else:
            s.execute(text("SET LOCAL session_replication_role = replica"))
            s.execute(text("UPDATE request SET community_id = NULL"))
        s.commit()
    with db.read_session() as s:
        if db.is_sqlite:
            assert count_requests(s, RequestFilter(text="电梯")) == 0
        else:
            assert count_requests(s, RequestFilter(community_id=world.communities[0].id)) == 0
    with db.session() as s:
        req_svc.rebuild_list_indexes(s)
        s.commit()
    with db.read_session() as s:
        assert [x.id for x in list_page(s, RequestFilter(text="电梯")).rows] == [r.id]
        assert count_requests(s, RequestFilter(text="困人")) == 1
        assert count_requests(s, RequestFilter(community_id=world.communities[0].id)) == 1


def test_text_pages_are_right_across_the_recent_slice(db, actor, world):
    """PostgreSQL looks for a text's newest page in the latest weeks first; pages that
    straddle the slice, or lie wholly before it, still come in order."""
    base = at("2026-06-01 00:00")
    made = [new_request(db, actor, world, title="电梯异响" if i % 2 else "路灯", at=base - timedelta(days=25 * i))
            for i in range(12)]
    lifts = [r.id for r in made if r.title == "电梯异响"]  # newest first already
    with db.read_session() as s:
        seen, after = [], None
        while True:
            page = list_page(s, RequestFilter(text="电梯"), after=after, limit=2, now=base)
            seen += [r.id for r in page.rows]
            if not page.has_more:
                break
            after = page.rows[-1].key("created")
        assert seen == lifts
        assert [r.id for r in list_page(s, RequestFilter(text="电梯"), limit=1, now=base).rows] == lifts[:1]
        assert [r.id for r in list_page(s, RequestFilter(text="电梯"), limit=10, now=base).rows] == lifts


# -- the kept statements of the simple filters ---------------------------------------------


def test_kept_page_statements_run_with_each_calls_values(db, actor, world):
    """list_page keeps the statement of a simple filter by its shape and runs it again
    with other values: each call's rows are those of that call's filter."""
    w = world
    base = at("2026-03-01 00:00")
    made = [new_request(db, actor, w, at=base + timedelta(hours=i),
                        channel="snapshot" if i % 3 else "bench_meeting",
                        place_id=w.compounds[i % 2].id) for i in range(24)]
    for r in made[::4]:
        move(db, actor, r.id, "accepted")
    c1, c2 = w.communities[0], w.communities[1] if len(w.communities) > 1 else w.communities[0]
    shapes = [
        [RequestFilter(statuses=["accepted"]), RequestFilter(statuses=["submitted"]),
         RequestFilter(statuses=["accepted", "submitted"])],
        [RequestFilter(community_id=c1.id), RequestFilter(community_id=c2.id)],
        [RequestFilter(channel="snapshot"), RequestFilter(channel="bench_meeting")],
        [RequestFilter(category_id=w.category.id), RequestFilter(category_id=w.category.id + 999)],
        [RequestFilter(community_id=c1.id, statuses=["submitted"]),
         RequestFilter(community_id=c2.id, statuses=["accepted"])],
    ]
    nows = [base + timedelta(days=d) for d in (0, 3, 30)]
    req_svc._PAGE_STATEMENTS.clear()
    with db.read_session() as s:
        for shape in shapes:
            for flt in shape * 2:  # the second round runs only kept statements
                want = [r.id for r in list_requests(s, flt, limit=100).rows]
                assert [r.id for r in list_page(s, flt, limit=100).rows] == want, flt
        for now in nows * 2:
            flt = RequestFilter(overdue=True)
            want = [r.id for r in list_requests(s, flt, limit=100, now=now).rows]
            assert [r.id for r in list_page(s, flt, limit=100, now=now).rows] == want, now
        # keyset pages: the same kept statement with each page's cursor
        for _ in range(2):
            ids, after = [], None
            while True:
                page = list_page(s, RequestFilter(channel="snapshot"), after=after, limit=5)
                ids += [r.id for r in page.rows]
                if not page.has_more:
                    break
                after = page.rows[-1].key("created")
            assert ids == [r.id for r in list_requests(s, RequestFilter(channel="snapshot"), limit=100).rows]
    assert len(req_svc._PAGE_STATEMENTS) >= len(shapes) + 2
    with db.read_session() as s, pytest.raises(Exception) as bad:  # values are still checked
        list_page(s, RequestFilter(statuses=["nonsense"]))
    assert "nonsense" in str(bad.value)
