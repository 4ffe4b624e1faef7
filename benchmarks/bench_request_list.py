"""First page of ``list_requests`` on the street-scale demo, against the raw SQL it needs.

    .venv/bin/python benchmarks/bench_request_list.py

Uses (and builds once, if missing) ``.bench/street.sqlite``: 68,000 residents and
100,000 requests. Each case times the service call the request list screen makes
(page of 50, newest first, plus the total count) against a hand-written ``sqlite3``
query returning the same page and count; ``ratio`` = service / raw (medians).
The main case is the issue's: filtered by community, status and text.

The raw queries are what one would write by hand for the same result on the same
schema (community as ``place_id IN (SELECT id FROM place WHERE community_id = ?)``,
overdue as "due before now and still open"), so a ratio near 1 means the service
adds little; a large ratio means its SQL is worse than it need be. ``alternatives``
time other hand-written plans for the same page, to show what a better plan gains.
"""

from __future__ import annotations

import argparse
from datetime import UTC

from _common import STREET_DB, emit, ensure_street_db, log, machine, median_ms, raw_connect

from core.db import Database
from core.demo import DEFAULT_NOW
from core.services.requests import RequestFilter, list_requests

COLUMNS = ("r.id, r.ref, r.channel, r.external_id, r.type, r.category_id, r.title, r.description, r.place_id, "
           "r.reporter_id, r.anonymous, r.priority, r.status, r.lead_org_id, r.duplicate_of_id, r.created_at, "
           "r.created_by, r.due_at, r.first_response_at, r.resolved_at, r.closed_at, r.updated_at")
OPEN = ("submitted", "accepted", "dispatched", "in_progress")
LIKE = "(r.title LIKE :like ESCAPE '\\' OR r.description LIKE :like ESCAPE '\\' OR r.ref LIKE :like ESCAPE '\\')"


def sqlite_time(dt) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(STREET_DB), help="a street-scale demo SQLite file (built if missing)")
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--community", default="盛康园社区")
    ap.add_argument("--status", default="closed")
    ap.add_argument("--text", default="漏水")
    args = ap.parse_args()
    path = ensure_street_db(__import__("pathlib").Path(args.db))
    db = Database(f"sqlite:///{path}")
    con = raw_connect(path)
    community = con.execute("SELECT id FROM place WHERE kind='community' AND name=?", (args.community,)).fetchone()[0]
    now = sqlite_time(DEFAULT_NOW)
    join = "FROM request r WHERE r.place_id IN (SELECT id FROM place WHERE community_id = :c)"
    cases = {
        "community+status+text": (
            RequestFilter(community_id=community, statuses=[args.status], text=args.text),
            f"{join} AND r.status = :status AND {LIKE}",
        ),
        "community+status": (RequestFilter(community_id=community, statuses=[args.status]), f"{join} AND r.status = :status"),
        "community": (RequestFilter(community_id=community), join),
        "text": (RequestFilter(text=args.text), f"FROM request r WHERE {LIKE}"),
        "overdue": (
            RequestFilter(overdue=True),
            f"FROM request r WHERE r.due_at < :now AND r.status IN ({', '.join(repr(s) for s in OPEN)})",
        ),
    }
    params = {"c": community, "status": args.status, "like": f"%{args.text}%", "now": now}
    alternatives = {
        "community": {
            # walk the created_at index newest first and test membership (unary + keeps
            # SQLite off the place_id index), instead of fetching and sorting every row
            "walk ix_request_created_at (+r.place_id)": (
                f"SELECT {COLUMNS} FROM request r WHERE +r.place_id IN "
                "(SELECT id FROM place WHERE community_id = :c) ORDER BY r.created_at DESC, r.id DESC LIMIT 50"),
        },
        "overdue": {
            "as the service writes it (status NOT IN done)": (
                f"SELECT {COLUMNS} FROM request r WHERE r.due_at IS NOT NULL AND r.due_at < :now AND r.status NOT IN "
                "('resolved','closed','answered','duplicate','not_responsible','unable_to_fix','withdrawn') "
                "ORDER BY r.created_at DESC, r.id DESC LIMIT 50"),
        },
    }
    out = {}
    with db.read_session() as s:
        for name, (flt, where) in cases.items():
            log(f"{name} …")
            page_sql = f"SELECT {COLUMNS} {where} ORDER BY r.created_at DESC, r.id DESC LIMIT 50"
            count_sql = f"SELECT count(*) {where}"

            def service(flt=flt):
                return list_requests(s, flt, now=DEFAULT_NOW)

            def service_page_only(flt=flt):
                return list_requests(s, flt, now=DEFAULT_NOW, count=False)

            def raw(page_sql=page_sql, count_sql=count_sql):
                return con.execute(page_sql, params).fetchall(), con.execute(count_sql, params).fetchone()[0]

            def raw_page_only(page_sql=page_sql):
                return con.execute(page_sql, params).fetchall()

            page = service()
            rows, total = raw()
            assert [r.id for r in page.rows] == [r[0] for r in rows], name
            assert page.total == total, (name, page.total, total)
            svc_ms, raw_ms = median_ms(service, args.repeat), median_ms(raw, args.repeat)
            svc_page_ms, raw_page_ms = median_ms(service_page_only, args.repeat), median_ms(raw_page_only, args.repeat)
            out[name] = {
                "total": total,
                "service_ms": svc_ms,
                "raw_sql_ms": raw_ms,
                "ratio": round(svc_ms / raw_ms, 2),
                "page_only": {"service_ms": svc_page_ms, "raw_sql_ms": raw_page_ms,
                              "ratio": round(svc_page_ms / raw_page_ms, 2)},
                "raw_plan": [r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {page_sql}", params)],
            }
            for label, sql in alternatives.get(name, {}).items():
                alt = [r[0] for r in con.execute(sql, params).fetchall()]
                assert alt == [r.id for r in page.rows], (name, label)
                out[name].setdefault("alternatives", {})[label] = {
                    "page_ms": median_ms(lambda sql=sql: con.execute(sql, params).fetchall(), args.repeat),
                    "plan": [r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", params)],
                }
    people, requests = (con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("person", "request"))
    con.close()
    db.dispose()
    emit({
        "benchmark": "list_requests first page (50 rows + total) vs hand-written sqlite3",
        "database": {"path": str(path), "people": people, "requests": requests},
        "filter": {"community": args.community, "status": args.status, "text": args.text},
        "repeat": args.repeat,
        "main_case": "community+status+text",
        "ratio": out["community+status+text"]["ratio"],
        "cases": out,
        "machine": machine(),
    })


if __name__ == "__main__":
    main()
