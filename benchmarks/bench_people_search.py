"""``find_people`` by pinyin initials among 68,000 people, against the raw SQL it needs.

    .venv/bin/python benchmarks/bench_people_search.py

Uses (and builds once, if missing) ``.bench/street.sqlite``. Each query is timed
through the service (what the TUI's search box calls as you type) and as a
hand-written ``sqlite3`` query returning the same 50 rows in the same order;
``ratio`` = service / raw (medians). The main case is initials (``zxm``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import STREET_DB, emit, ensure_street_db, log, machine, median_ms, raw_connect

from gongzhi.core.db import Database
from gongzhi.core.pinyin import normalise_query
from gongzhi.core.services.people import find_people

COLUMNS = ("id, name, gender, birth_year, phone, phone_tail, id_number, household_id, notes, search_keys, "
           "created_at, updated_at")
QUERIES = {
    "initials zxm": "zxm",
    "initials wj": "wj",
    "full pinyin zhangxiu": "zhangxiu",
    "heteronym surname initials sjg (单)": "sjg",
    "chinese 秀英": "秀英",
    "phone tail": None,  # filled from the data
}


def raw_sql(query: str) -> tuple[str, tuple]:
    text = query.strip()
    if text.isdigit() and len(text) == 4:
        return f"SELECT {COLUMNS} FROM person WHERE phone_tail = ? ORDER BY name, id LIMIT 50", (text,)
    key = normalise_query(text)
    like = f"%{text}%"
    where = "name LIKE ? ESCAPE '\\'"
    params: list = [like]
    if key.isascii():
        where += " OR search_keys LIKE ? ESCAPE '\\'"
        params.append(f"%|{key}%")
    sql = (f"SELECT {COLUMNS} FROM person WHERE {where} ORDER BY "
           "CASE WHEN name = ? THEN 0 WHEN name LIKE ? ESCAPE '\\' THEN 1 ELSE 2 END, name, id LIMIT 50")
    return sql, (*params, text, f"{text}%")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", default=str(STREET_DB), help="a street-scale demo SQLite file (built if missing)")
    ap.add_argument("--repeat", type=int, default=21)
    args = ap.parse_args()
    path = ensure_street_db(Path(args.db))
    db = Database(f"sqlite:///{path}")
    con = raw_connect(path)
    queries = dict(QUERIES)
    queries["phone tail"] = con.execute(
        "SELECT phone_tail FROM person WHERE phone_tail IS NOT NULL ORDER BY id LIMIT 1 OFFSET 1000").fetchone()[0]
    out = {}
    with db.read_session() as s:
        for name, q in queries.items():
            log(f"{name} …")
            sql, params = raw_sql(q)

            def service(q=q):
                return find_people(s, q)

            def raw(sql=sql, params=params):
                return con.execute(sql, params).fetchall()

            found, rows = service(), raw()
            assert [p.id for p in found] == [r[0] for r in rows], name
            svc_ms, raw_ms = median_ms(service, args.repeat), median_ms(raw, args.repeat)
            out[name] = {
                "query": q, "found": len(found), "service_ms": svc_ms, "raw_sql_ms": raw_ms,
                "ratio": round(svc_ms / raw_ms, 2),
                "raw_plan": [r[3] for r in con.execute(f"EXPLAIN QUERY PLAN {sql}", params)],
            }
    people = con.execute("SELECT count(*) FROM person").fetchone()[0]
    con.close()
    db.dispose()
    emit({
        "benchmark": "find_people (limit 50) vs hand-written sqlite3",
        "database": {"path": str(path), "people": people},
        "repeat": args.repeat,
        "main_case": "initials zxm",
        "ratio": out["initials zxm"]["ratio"],
        "cases": out,
        "machine": machine(),
    })


if __name__ == "__main__":
    main()
