"""The request list on the street-scale demo, on SQLite and PostgreSQL, against the raw SQL it needs.

    .venv/bin/python benchmarks/bench_request_list.py                       # SQLite + a throwaway PostgreSQL
    .venv/bin/python benchmarks/bench_request_list.py --pg none             # SQLite only
    .venv/bin/python benchmarks/bench_request_list.py --pg-only --scale 10  # PostgreSQL, 10 copies (1,000,000 requests)
    .venv/bin/python benchmarks/bench_request_list.py --backends sqlite     # as bench_street.py runs it

``--backends`` (``sqlite``, ``postgresql`` or both) stands for ``--pg none`` / ``--pg-only``
/ both; the JSON's ``table`` holds issue 12's rows (``text_filter``, ``community_list``,
``list_first_page``, ``list_status``, ``list_overdue``) per backend, see benchmarks/README.md.

Uses ``.bench/street.sqlite`` (68,000 residents, 100,000 requests; built once if
missing; copy /work/bench/street.sqlite there to skip that), upgraded to the head
migration in place. For PostgreSQL it starts a throwaway cluster (tests/pg.py), loads
the same street with COPY and, with ``--scale N``, adds N-1 copies of every request
(INSERT … SELECT; same places, so one community holds N times its requests).

Every row of issue 12's list table is timed as what the request screen does, against
a hand-written query for the same rows on the same schema (run through the bare
driver, checked to return the same ids and count), interleaved in the same run;
median and p95 of ``--repeat`` runs:

- first page (100 rows, newest first, the names the list shows), by status, overdue,
  by community (page, then count);
- text 电梯 and 漏水: first page + exact count (the screen shows the page before the
  count arrives; both are timed, and together);
- the keystroke path: typing 路灯昏暗 one character at a time, each prefix's first
  page (what the screen waits for after the debounce) and its count (from a worker);
- open a record: the request with its timeline, dispatches and feedback.

``like_scan_ms`` times the text filter as it was before the search index
(``LIKE '%…%'`` over every row, page + count), for reference.
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path

from _common import (
    STREET_DB,
    emit,
    ensure_street_db,
    log,
    machine,
    parse_backends,
    raw_connect,
    table_row,
)

from gongzhi.core.db import Database
from gongzhi.core.demo import DEFAULT_NOW
from gongzhi.core.services import requests as svc
from gongzhi.core.services.requests import COUNT_CAP, RequestFilter, count_requests, list_page

PAGE = 100
OPEN = ("submitted", "accepted", "dispatched", "in_progress")
TYPED = "路灯昏暗"

COLUMNS = (
    "r.id, r.ref, r.status, r.channel, r.category_id, r.title, r.priority, "
    "(SELECT name FROM place WHERE id = r.place_id), (SELECT name FROM person WHERE id = r.reporter_id), "
    "r.anonymous, r.created_at, r.due_at"
)
PAGE_SQL = "SELECT " + COLUMNS + " FROM request r WHERE {where} ORDER BY r.created_at DESC, r.id DESC LIMIT 101"
# the page's ids first (sorted among the matches, +created_at keeps SQLite off the index
# walk), named after: what one writes for a text that few requests hold
PAGE_SQL_LOOKUP = (
    "SELECT " + COLUMNS + " FROM request r WHERE r.id IN (SELECT r.id FROM request r WHERE {where} "
    "ORDER BY +r.created_at DESC, r.id DESC LIMIT 101) ORDER BY r.created_at DESC, r.id DESC"
)


def sqlite_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def stats(times: list[float]) -> dict:
    xs = sorted(times)
    p95 = xs[min(len(xs) - 1, int(round(0.95 * (len(xs) - 1))))]
    return {"median_ms": round(statistics.median(xs) * 1000, 3), "p95_ms": round(p95 * 1000, 3)}


def interleaved(fns: dict, repeat: int) -> dict:
    """Time each function ``repeat`` times, taking turns, after two warm-ups each."""
    for fn in fns.values():
        fn()
        fn()
    times: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(repeat):
        for k, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - start)
    return {k: stats(v) for k, v in times.items()}


# -- the raw side ------------------------------------------------------------------------


class Raw:
    """Hand-written SQL through the bare driver (sqlite3 or psycopg)."""

    def __init__(self, db: Database, path: Path | None) -> None:
        self.sqlite = db.is_sqlite
        if self.sqlite:
            self.con = raw_connect(path)
        else:
            import psycopg
            from sqlalchemy.engine import make_url

            u = make_url(db.url)
            # as core.db connects: no server-side prepared statements (generic plans)
            self.con = psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database,
                                       autocommit=True, prepare_threshold=None)

    def run(self, sql: str, params: dict) -> list:
        if self.sqlite:
            return self.con.execute(sql, params).fetchall()
        return self.con.execute(re.sub(r":(\w+)", r"%(\1)s", sql), params).fetchall()

    def text_page(self, q: str, session) -> tuple[str, dict]:
        """The first page for a text as one writes it by hand with the search index
        (on SQLite, in the plan the service chose; its vocabulary look-up not timed)."""
        like = f"%{q}%"
        if not self.sqlite:
            return PAGE_SQL.format(
                where="r.search_vector @@ gongzhi_search_query(:q) AND "
                      "(r.title ILIKE :like OR r.description ILIKE :like OR r.ref ILIKE :like)"), {"q": q, "like": like}
        fts = svc.sqlite_fts_query(session, q)
        plan = svc.text_plan(session, fts)
        if plan == "like":
            return PAGE_SQL.format(where="(r.title LIKE :like OR r.description LIKE :like OR r.ref LIKE :like)"), {
                "like": like}
        match = "r.id IN (SELECT rowid FROM request_fts WHERE request_fts MATCH :m)"
        if plan == "member":
            return PAGE_SQL.format(where="+" + match), {"m": fts.match}
        return PAGE_SQL_LOOKUP.format(where=match), {"m": fts.match}

    def text_count(self, q: str, session) -> tuple[str, dict]:
        if not self.sqlite:
            return ("SELECT count(*) FROM request r WHERE r.search_vector "
                    "@@ gongzhi_search_query(:q) AND (r.title ILIKE :like OR r.description ILIKE :like "
                    "OR r.ref ILIKE :like)", {"q": q, "like": f"%{q}%"})
        return "SELECT count(*) FROM request_fts WHERE request_fts MATCH :m", {
            "m": svc.sqlite_fts_query(session, q).match}


# -- the cases ---------------------------------------------------------------------------


def run_cases(db: Database, path: Path | None, args) -> dict:
    raw = Raw(db, path)
    now_param = sqlite_time(DEFAULT_NOW) if db.is_sqlite else DEFAULT_NOW
    out: dict = {}
    with db.read_session() as s:
        community = raw.run("SELECT id FROM place WHERE kind = 'community' AND name = :n", {"n": args.community})[0][0]
        total_requests = raw.run("SELECT count(*) FROM request", {})[0][0]

        def page_case(name: str, flt: RequestFilter, sql: str, params: dict, count_sql: str | None = None) -> None:
            log(f"{db.dialect}: {name} …")

            def gongzhi():
                return list_page(s, flt, limit=PAGE, now=DEFAULT_NOW)

            def by_hand():
                return raw.run(sql, params)

            got, want = [r.id for r in gongzhi().rows], [r[0] for r in by_hand()][:PAGE]
            assert got == want, (name, got[:5], want[:5])
            fns = {"gongzhi_page": gongzhi, "raw_page": by_hand}
            total = None
            if count_sql is not None:
                total = raw.run(count_sql, params)[0][0]
                assert count_requests(s, flt, now=DEFAULT_NOW) == total, name

                def gongzhi_both():
                    list_page(s, flt, limit=PAGE, now=DEFAULT_NOW)
                    count_requests(s, flt, now=DEFAULT_NOW)

                def raw_both():
                    raw.run(sql, params)
                    raw.run(count_sql, params)

                # what the list waits on before it shows a number: the page and the capped
                # count ("1,000+"; the exact figure follows from its own worker)
                capped_sql = (f"SELECT count(*) FROM ({count_sql.replace('SELECT count(*)', 'SELECT 1', 1)} "
                              f"LIMIT {COUNT_CAP + 1}) AS capped")

                def gongzhi_first():
                    list_page(s, flt, limit=PAGE, now=DEFAULT_NOW)
                    count_requests(s, flt, now=DEFAULT_NOW, cap=COUNT_CAP)

                def raw_first():
                    raw.run(sql, params)
                    raw.run(capped_sql, params)

                fns |= {"gongzhi_page_and_count": gongzhi_both, "raw_page_and_count": raw_both,
                        "gongzhi_page_and_first_count": gongzhi_first, "raw_page_and_first_count": raw_first}
            t = interleaved(fns, args.repeat)
            row = {"matches": total, **t,
                   "ratio_page": round(t["gongzhi_page"]["median_ms"] / t["raw_page"]["median_ms"], 2)}
            if count_sql is not None:
                row["ratio_page_and_count"] = round(
                    t["gongzhi_page_and_count"]["median_ms"] / t["raw_page_and_count"]["median_ms"], 2)
                row["ratio_page_and_first_count"] = round(
                    t["gongzhi_page_and_first_count"]["median_ms"] / t["raw_page_and_first_count"]["median_ms"], 2)
            out[name] = row

        page_case("first page", RequestFilter(), PAGE_SQL.format(where="1 = 1"), {})
        page_case("by status", RequestFilter(statuses=[args.status]), PAGE_SQL.format(where="r.status = :st"),
                  {"st": args.status})
        open_in = ", ".join(f"'{x}'" for x in OPEN)
        page_case("overdue", RequestFilter(overdue=True),
                  PAGE_SQL.format(where=f"r.due_at < :now AND r.status IN ({open_in})"), {"now": now_param})
        page_case("by community", RequestFilter(community_id=community), PAGE_SQL.format(where="r.community_id = :c"),
                  {"c": community}, count_sql="SELECT count(*) FROM request r WHERE r.community_id = :c")
        for q in args.texts:
            sql, params = raw.text_page(q, s)
            count_sql, count_params = raw.text_count(q, s)
            page_case(f"text {q}", RequestFilter(text=q), sql, params | count_params, count_sql=count_sql)
            like = "(r.title LIKE :like OR r.description LIKE :like OR r.ref LIKE :like)"
            if not db.is_sqlite:
                like = like.replace("LIKE", "ILIKE")
            scan = {"like": f"%{q}%"}
            out[f"text {q}"]["like_scan_ms"] = interleaved({
                "page_and_count": lambda like=like, scan=scan: (
                    raw.run(PAGE_SQL.format(where=like), scan),
                    raw.run(f"SELECT count(*) FROM request r WHERE {like}", scan)),
            }, max(3, args.repeat // 4))["page_and_count"]

        # the keystroke path: each prefix of a typed word, page then count
        log(f"{db.dialect}: keystrokes {TYPED} …")
        prefixes = [TYPED[:i] for i in range(1, len(TYPED) + 1)]
        hand = []
        for q in prefixes:
            sql, params = raw.text_page(q, s)
            count_sql, count_params = raw.text_count(q, s)
            hand.append((sql, params | count_params, count_sql))
        key = {"gongzhi_page": [], "raw_page": [], "gongzhi_count": [], "raw_count": []}
        for _ in range(2):
            for q, (sql, params, _count_sql) in zip(prefixes, hand, strict=True):
                list_page(s, RequestFilter(text=q), limit=PAGE)
                raw.run(sql, params)
        for _ in range(args.repeat):
            for q, (sql, params, count_sql) in zip(prefixes, hand, strict=True):
                for name, fn in (("gongzhi_page", lambda q=q: list_page(s, RequestFilter(text=q), limit=PAGE)),
                                 ("raw_page", lambda sql=sql, params=params: raw.run(sql, params)),
                                 ("gongzhi_count", lambda q=q: count_requests(s, RequestFilter(text=q))),
                                 ("raw_count", lambda c=count_sql, params=params: raw.run(c, params))):
                    start = time.perf_counter()
                    fn()
                    key[name].append(time.perf_counter() - start)
        t = {k: stats(v) for k, v in key.items()}
        out["keystroke path"] = {"typed": TYPED, **t,
                                 "ratio_page": round(t["gongzhi_page"]["median_ms"] / t["raw_page"]["median_ms"], 2)}

        # open a record: the request, its timeline, dispatches and feedback
        log(f"{db.dialect}: open a record …")
        rid = raw.run("SELECT max(request_id) FROM request_feedback", {})[0][0]

        def open_record():
            r = svc.get_request(s, rid)
            s.expunge(r)
            return r, svc.timeline(s, rid), svc.dispatches(s, rid), svc.feedbacks(s, rid)

        def open_raw():
            return (raw.run("SELECT * FROM request WHERE id = :i", {"i": rid}),
                    raw.run("SELECT * FROM request_event WHERE request_id = :i ORDER BY id", {"i": rid}),
                    raw.run("SELECT * FROM request_dispatch WHERE request_id = :i ORDER BY id", {"i": rid}),
                    raw.run("SELECT * FROM request_feedback WHERE request_id = :i ORDER BY id", {"i": rid}))

        t = interleaved({"gongzhi": open_record, "raw": open_raw}, args.repeat)
        out["open a record"] = {**t, "ratio": round(t["gongzhi"]["median_ms"] / t["raw"]["median_ms"], 2)}
    return {"requests": total_requests, "cases": out}


# -- PostgreSQL: a throwaway cluster with the street loaded -----------------------------


LOAD_ORDER = ("place", "person", "person_care_tag", "organisation", "membership", "request_category", "ref_counter",
              "request", "request_event", "request_dispatch", "request_feedback", "request_supporter",
              "request_attachment", "audit_log")


def load_street(sqlite_path: Path, url: str, scale: int) -> None:
    """Copy the street from SQLite into an empty, migrated PostgreSQL database (COPY),
    then add ``scale - 1`` copies of every request and its timeline."""
    import sqlite3

    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    src = sqlite3.connect(sqlite_path)
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database) as pg:
        pg.execute("SET TIME ZONE 'UTC'")
        pg.execute("SET session_replication_role = replica")  # no FK checks or triggers while copying
        pg.execute("SET maintenance_work_mem = '512MB'")
        pg.execute("DROP INDEX ix_request_search")  # built once at the end, faster than row by row
        for table in LOAD_ORDER:
            pg_cols = {r[0] for r in pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
                "AND is_generated = 'NEVER'", (table,))}
            cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})") if r[1] in pg_cols]
            start = time.perf_counter()
            with pg.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                for row in src.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                    cp.write_row(row)
            log(f"  {table}: {time.perf_counter() - start:.1f} s")

        def set_sequences() -> None:
            for table in LOAD_ORDER:
                if pg.execute("SELECT 1 FROM information_schema.columns WHERE table_name = %s "
                              "AND column_name = 'id'", (table,)).fetchone():
                    pg.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), coalesce(max(id), 1)) "
                               f"FROM {table}")

        set_sequences()
        if scale > 1:
            cols = [r[0] for r in pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'request' "
                "AND column_name NOT IN ('id', 'ref', 'duplicate_of_id', 'external_id') AND is_generated = 'NEVER' "
                "ORDER BY ordinal_position")]
            ev_cols = [r[0] for r in pg.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'request_event' "
                "AND column_name NOT IN ('id', 'request_id') ORDER BY ordinal_position")]
            top = pg.execute("SELECT max(id) FROM request").fetchone()[0]
            for g in range(1, scale):
                start = time.perf_counter()
                # a copy's ticket numbers are its own too (one ticket per channel and number)
                pg.execute(f"INSERT INTO request (id, ref, external_id, {', '.join(cols)}) SELECT id + {g * top}, "
                           f"ref || '/{g}', external_id || '/{g}', {', '.join(cols)} FROM request WHERE id <= {top}")
                pg.execute(f"INSERT INTO request_event (request_id, {', '.join(ev_cols)}) SELECT request_id + "
                           f"{g * top}, {', '.join(ev_cols)} FROM request_event WHERE request_id <= {top}")
                log(f"  copy {g}: {time.perf_counter() - start:.1f} s")
            set_sequences()
        start = time.perf_counter()
        pg.execute("CREATE INDEX ix_request_search ON request USING gin (search_vector)")
        log(f"  search index: {time.perf_counter() - start:.1f} s")
        pg.execute("SET session_replication_role = origin")
        pg.commit()
    with psycopg.connect(host=u.host, port=u.port, user=u.username, dbname=u.database, autocommit=True) as pg:
        pg.execute("VACUUM ANALYZE")
    src.close()


def _figures(t: dict, runs: int) -> dict:
    return {"median": t["median_ms"], "p95": t["p95_ms"], "runs": runs}


def table_rows(backend: str, res: dict, repeat: int, texts: list[str]) -> list[dict]:
    """Issue 12's rows from one backend's cases (the figures measured above, in ms)."""
    cases = res["cases"]
    rows = []
    floor_what = "hand-written SQL"
    for row_id, name in (("list_first_page", "first page"), ("list_status", "by status"),
                         ("list_overdue", "overdue")):
        c = cases[name]
        rows.append(table_row(row_id, backend=backend, unit="ms", gongzhi=_figures(c["gongzhi_page"], repeat),
                              floor=_figures(c["raw_page"], repeat), floor_what=floor_what,
                              ratio=c["ratio_page"], goal="≤ 2×", met=c["ratio_page"] <= 2.0,
                              note=f"{res['requests']:,} requests, page of {PAGE}"))
    # page + count: the page and the first count the list shows — exact up to COUNT_CAP,
    # "1,000+" beyond (the exact figure follows from its own worker, in the note)
    first_what = floor_what + f", page + count capped at {COUNT_CAP:,}"
    cases_of = [("community_list", "by community", "< 10 ms", 10, None)]
    cases_of += [("text_filter", f"text {q}", "< 30 ms", 30, q) for q in texts]
    for row_id, name, goal, limit, q in cases_of:
        c = cases[name]
        med = c["gongzhi_page_and_first_count"]["median_ms"]
        row = table_row(row_id, backend=backend, unit="ms", gongzhi=_figures(c["gongzhi_page_and_first_count"], repeat),
                        floor=_figures(c["raw_page_and_first_count"], repeat), floor_what=first_what,
                        ratio=c["ratio_page_and_first_count"], goal=goal, met=med < limit,
                        note=f"{c['matches']:,} matches; page alone {c['gongzhi_page']['median_ms']} ms; page + exact "
                             f"count {c['gongzhi_page_and_count']['median_ms']} ms ({c['ratio_page_and_count']}× by hand)")
        if q is not None:
            row["case"] = q
        rows.append(row)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(STREET_DB), help="a street-scale demo SQLite file (built if missing)")
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--community", default="盛康园社区")
    ap.add_argument("--status", default="in_progress")
    ap.add_argument("--texts", nargs="+", default=["电梯", "漏水"])
    ap.add_argument("--pg", default="auto",
                    help="'auto' (a throwaway cluster), 'none', or the URL of an empty database to load into")
    ap.add_argument("--pg-only", action="store_true", help="skip SQLite")
    ap.add_argument("--scale", type=int, default=1, help="PostgreSQL: copies of the street's requests")
    ap.add_argument("--backends", default=None,
                    help="sqlite, postgresql or both, comma-separated (sqlite alone = --pg none, "
                         "postgresql alone = --pg-only; overrides them)")
    args = ap.parse_args()
    if args.backends is not None:
        chosen = parse_backends(args.backends)
        if not chosen:
            raise SystemExit("--backends names no backend (sqlite, postgresql)")
        args.pg_only = "sqlite" not in chosen
        if "postgresql" not in chosen:
            args.pg = "none"
        elif args.pg == "none":
            args.pg = "auto"
    path = ensure_street_db(Path(args.db))
    db = Database(f"sqlite:///{path}")
    if not db.is_current():
        log(f"upgrading {path} to {db.head_revision()} …")
        db.upgrade()
    result = {"benchmark": "request list: gongzhi vs hand-written SQL, same run (median, p95)",
              "street": str(path), "repeat": args.repeat, "page_rows": PAGE,
              "filter": {"community": args.community, "status": args.status, "texts": args.texts}}
    if not args.pg_only:
        result["sqlite"] = run_cases(db, path, args)
    db.dispose()
    if args.pg != "none":
        cluster = None
        url = args.pg
        if url == "auto":
            from sqlalchemy import create_engine, text

            from tests.pg import Cluster

            cluster = Cluster()
            admin_url = cluster.start()
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text("CREATE DATABASE street"))
            admin.dispose()
            url = admin_url.rsplit("/", 1)[0] + "/street"
        try:
            pg = Database(url)
            pg.upgrade()
            log(f"loading the street into PostgreSQL (×{args.scale}) …")
            start = time.perf_counter()
            load_street(path, url, args.scale)
            result["postgresql_load_s"] = round(time.perf_counter() - start, 1)
            result["postgresql"] = run_cases(pg, None, args)
            result["postgresql"]["scale"] = args.scale
            pg.dispose()
        finally:
            if cluster is not None:
                cluster.stop()
    table = []
    for backend in ("sqlite", "postgresql"):
        if backend in result:
            table += table_rows(backend, result[backend], args.repeat, args.texts)
    result["table"] = table
    result["machine"] = machine()
    emit(result)


if __name__ == "__main__":
    main()
