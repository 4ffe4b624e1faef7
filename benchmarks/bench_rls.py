"""Row-level security by community (core migration 0010 and the plugins'): what a login
in the role ``gongzhi_app`` pays for the policies, confined to one community or not, on
PostgreSQL.

    .venv/bin/python benchmarks/bench_rls.py [--pg-url URL] [--copies 60] [--repeat 31]

A fresh database gets the small demo street (the core's tables), then its
requests are copied ``--copies`` times (about 95,000 requests at 60, each with seven
timeline rows) and 68,000 residents are spread over its households (the street's real
size), then ANALYZE. Three logins read it: the owner (not subject to row-level security:
the **floor**), an unconfined member of ``gongzhi_app``, and one confined to a community.

Timed, each the median of ``--repeat`` runs on a plain psycopg connection of that login:

- ``timeline``: one request's timeline (``WHERE request_id = …``), a request of the community;
- ``person``: one resident by id;
- ``people_prefix``: residents whose name starts with a text, 20 of them;
- ``community_page``: the community's newest 50 requests;
- ``timeline_count``: ``count(*)`` over the whole timeline (every row passes the policy).

``ratio`` = the login's time ÷ the owner's time, same query, same run, measured twice:
with the server's JIT setting (PostgreSQL's default is on) and with ``SET jit = off``.
An unconfined login should stay near 1 (its policies stop at one look-up per statement);
a confined one pays for what it may see. The policies make a whole-table scan costlier
in the planner's eyes: past ``jit_above_cost`` PostgreSQL compiles the query (a few
hundred ms at the timeline's 680,000 rows) and the scan loses its parallel workers (the
policies' sub-plans are parallel-restricted). Prints one JSON document (progress on stderr).
"""

from __future__ import annotations

import argparse
import os
import tempfile
from contextlib import ExitStack

from _common import emit, log, machine, median_ms, postgres
from sqlalchemy import text
from sqlalchemy.engine import make_url

from gongzhi.core.services.base import Actor

INFLATE = [
    "INSERT INTO request (ref, channel, type, category_id, title, description, place_id, anonymous, priority, status, "
    "created_at, created_by, updated_at) SELECT 'X' || g || '-' || r.id, r.channel, r.type, r.category_id, r.title, "
    "r.description, r.place_id, r.anonymous, r.priority, r.status, r.created_at - g * interval '1 day', r.created_by, "
    "r.updated_at FROM request r, generate_series(1, :copies) g",
    "INSERT INTO request_event (request_id, at, actor, kind, public_note, private_note) "
    "SELECT r.id, r.created_at, 'bench', 'created', '', '' FROM request r, generate_series(1, 7) g "
    "WHERE r.ref LIKE 'X%'",
    "WITH h AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n, count(*) OVER () AS c FROM place "
    "WHERE kind = 'household') INSERT INTO person (name, gender, household_id, notes, search_keys, created_at, "
    "updated_at) SELECT '居民' || g, 'unknown', (SELECT id FROM h WHERE n = g % c), '', '', now(), now() "
    "FROM generate_series(1, 68000) g",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=None)
    parser.add_argument("--copies", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=31)
    args = parser.parse_args()

    import psycopg

    from gongzhi.core.demo import build_demo

    with ExitStack() as stack:
        new = stack.enter_context(postgres(args.pg_url))
        db = new("gz_bench_rls")
        db.upgrade()
        os.environ.setdefault("GONGZHI_DATA_DIR", tempfile.mkdtemp(prefix="gz-bench-rls-"))
        log("building the small demo street …")
        build_demo(db, actor=Actor("基准测试"), scale="small")
        log("copying requests and residents up to street size …")
        with db.engine.begin() as conn:
            for sql in INFLATE:
                conn.execute(text(sql), {"copies": args.copies})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
            community = conn.scalar(text(
                "SELECT community_id FROM request GROUP BY community_id ORDER BY count(*) DESC LIMIT 1"))
            request = conn.scalar(text("SELECT max(id) FROM request WHERE community_id = :c"), {"c": community})
            person = conn.scalar(text("SELECT max(p.id) FROM person p JOIN place h ON h.id = p.household_id "
                                      "WHERE h.community_id = :c"), {"c": community})
            counts = {t: conn.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("request", "request_event", "person")}
            suffix = os.getpid()
            for login in (f"bench_street_{suffix}", f"bench_community_{suffix}"):
                conn.execute(text(f'CREATE ROLE "{login}" LOGIN IN ROLE gongzhi_app'))
            conn.execute(text("INSERT INTO db_login_scope (login, community_id) VALUES (:l, :c)"),
                         {"l": f"bench_community_{suffix}", "c": community})
        url = make_url(db.url)
        owner = url.username

        def dsn(login: str) -> str:
            return f"host={url.host} port={url.port} dbname={url.database} user={login}"

        queries = {
            "timeline": ("SELECT * FROM request_event WHERE request_id = %s ORDER BY id", (request,)),
            "person": ("SELECT * FROM person WHERE id = %s", (person,)),
            "people_prefix": ("SELECT id, name FROM person WHERE name LIKE %s ORDER BY name LIMIT 20", ("居民12%",)),
            "community_page": ("SELECT id, ref, title FROM request WHERE community_id = %s "
                               "ORDER BY created_at DESC LIMIT 50", (community,)),
            "timeline_count": ("SELECT count(*) FROM request_event", ()),
        }
        logins = {"owner": owner, "unconfined": f"bench_street_{suffix}", "confined": f"bench_community_{suffix}"}
        results: dict[str, dict] = {"jit_default": {}, "jit_off": {}}
        for setting, by_query in results.items():
            for name, (sql, params) in queries.items():
                row: dict[str, float] = {}
                for who, login in logins.items():
                    with psycopg.connect(dsn(login), autocommit=True) as conn:
                        if setting == "jit_off":
                            conn.execute("SET jit = off")
                        row[f"{who}_ms"] = median_ms(lambda c=conn, q=sql, p=params: c.execute(q, p).fetchall(),
                                                     args.repeat)
                row["unconfined_ratio"] = round(row["unconfined_ms"] / row["owner_ms"], 2)
                row["confined_ratio"] = round(row["confined_ms"] / row["owner_ms"], 2)
                by_query[name] = row
                log(f"{setting} {name}: {row}")
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("DELETE FROM db_login_scope WHERE login LIKE 'bench_%'"))
            for login in list(logins.values())[1:]:
                conn.execute(text(f'DROP OWNED BY "{login}"'))
                conn.execute(text(f'DROP ROLE "{login}"'))
        emit({"benchmark": "row-level security by community", "rows": counts, "results": results,
              "machine": machine()})


if __name__ == "__main__":
    main()
