"""Importing a 100,000-row 12345 ticket export, against the demo's raw insert of the same
rows; the address matcher on 68,000 addresses, against a dict look-up (issue 17).

    .venv/bin/python benchmarks/bench_import.py                       # SQLite, 100,000 rows
    .venv/bin/python benchmarks/bench_import.py --rows 10000 --repeat 1
    .venv/bin/python benchmarks/bench_import.py --backends sqlite,postgresql

The street: the street-scale demo's place tree, people and organisations (68,000
residents; ``build_demo`` with no background requests), built once per backend per run
and copied for every timed run.

The export: ``--rows`` tickets as the 12345 platform writes them — GBK, the columns of
``core/importing/profiles/12345.toml`` (with 诉求标题 and 答复内容), times in four formats,
ticket numbers with full-width digits and trailing spaces, contents with quoted commas
and line breaks (a few over 4,000 characters), addresses as callers write them (the
exact chain, ``天津市东丽区…``, 栋/幢, Chinese numerals, a compound alone), phones with
spaces (a third of them a resident's), statuses from 待受理 to 已回访 with the replies of
the handled ones, and about 0.3 % bad rows (tickets in scientific notation, unknown
addresses, repeated tickets) — so the import runs with ``--valid-only``.

Timed (**import**): what ``gongzhi import requests FILE --valid-only`` does in process —
``read_table``, ``guess_profile``, ``commit`` (the dry-run plan, the checks, the batched
writes, the rejected workbook) — into a fresh copy of the street.

Floor (**raw**): the rows that import wrote (requests, timeline events, audit records,
read back after it) inserted by the demo's bulk writer (``gongzhi.core.demo.bulk.Inserter``:
``executemany`` on SQLite, ``COPY`` on PostgreSQL, its per-table converters and
hash-chain linkers, the search index filled once after, as ``gongzhi demo`` does) into
another fresh copy of the street, in one transaction. Import and floor runs alternate
(``--repeat``); figures are medians (p95 with enough runs).

``share_of_raw_rate`` = raw seconds / import seconds (the import's rows/s as a share of
the raw insert's; goal ≥ 0.30).

The address matcher: 68,000 addresses written the ways above, from the street's
households, matched with ``AddressMatcher.match`` (exact index first, then read as
people write them); floor: ``dict.get`` of each address in the exact index (what an
exact-only matcher costs at the least). Both in the same run, ``--repeat`` times.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from _common import ALL_PLUGINS, emit, log, machine, parse_backends, postgres, stats, table_row
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from gongzhi.core.db import Database
from gongzhi.core.demo import build_demo
from gongzhi.core.demo.build import Scale
from gongzhi.core.demo.bulk import Inserter
from gongzhi.core.demo.requests_bulk import search_index_filled_after
from gongzhi.core.importing import requests as imp
from gongzhi.core.importing.addresses import AddressMatcher, core_name
from gongzhi.core.importing.profiles import guess_profile
from gongzhi.core.importing.reading import read_table
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import RefCounter, Request, RequestEvent
from gongzhi.core.services.base import Actor
from tests.dbs import sqlite_copy

GOAL_SHARE = 0.30
ACTOR = Actor("导入基准 / bench import")
STREET = Scale("street-places", residents=68_000, requests=0, riders=120, full_staff=True)
HEADER = ["工单编号", "受理时间", "问题分类", "诉求标题", "诉求内容", "事发地址", "来电号码", "工单状态", "答复内容"]
CATEGORIES = ["路灯", "环境卫生", "垃圾清运", "物业管理", "噪声扰民", "市政设施", "照明设施"]
STATUSES = [("已回访", 40), ("已办结", 25), ("办理中", 10), ("已受理", 10), ("待受理", 5), ("已答复", 8), ("已退回", 2)]
PROBLEMS = {
    "路灯": ["楼下路灯不亮，晚上出行不便", "路灯白天一直亮着，浪费电", "路灯杆倾斜，存在安全隐患"],
    "照明设施": ["楼道声控灯坏了", "单元门口照明灯损坏"],
    "环境卫生": ["垃圾桶满溢，气味很大", "绿化带里有很多垃圾", "楼道小广告太多"],
    "垃圾清运": ["建筑垃圾堆放多日无人清运", "大件垃圾堆在楼下"],
    "物业管理": ["卫生间漏水影响楼下", "暖气不热，室温只有十五度", "电梯经常停运", "二次供水水压低"],
    "噪声扰民": ["楼上装修噪音扰民，晚上十点还在施工", "广场舞音响声音太大"],
    "市政设施": ["井盖缺失，存在安全隐患", "道路破损积水", "健身器材损坏"],
}
REPLIES = ["已联系物业维修，问题已解决", "经核实已处理，来电人表示满意", "已转城管部门处理，现已恢复",
           "已上门查看并协调解决", "已答复来电人相关政策"]


# -- the street and the export ---------------------------------------------------------------


def build_street(db: Database) -> float:
    db.upgrade()
    start = time.perf_counter()
    build_demo(db, scale=STREET, seed=2014, actor=Actor("gongzhi demo"))
    return time.perf_counter() - start


def households(db: Database) -> list[tuple[str, str, str, str]]:
    """(community, compound, building, room) of every household of the street."""
    with db.read_session() as s:
        rows = s.execute(select(Place.id, Place.name, Place.kind, Place.path)).all()
    names = {pid: (name, kind) for pid, name, kind, _ in rows}
    out = []
    for pid, name, kind, path in rows:
        if kind != "household":
            continue
        chain = [names[int(x)] for x in path.strip("/").split("/") if x and int(x) != pid]
        by_kind = {k: n for n, k in chain}
        if {"community", "compound", "building"} <= set(by_kind):
            out.append((by_kind["community"], by_kind["compound"], by_kind["building"], name))
    out.sort()
    return out


_CN = "零一二三四五六七八九"


def _chinese(n: int) -> str:
    if n < 10:
        return _CN[n]
    if n < 20:
        return "十" + (_CN[n % 10] if n % 10 else "")
    return _CN[n // 10] + "十" + (_CN[n % 10] if n % 10 else "")


def written_address(rng: random.Random, home: tuple[str, str, str, str]) -> str:
    """A household's address the way a caller or clerk writes it."""
    community, compound, building, room = home
    number = "".join(ch for ch in building if ch.isdigit())
    r = rng.random()
    if r < 0.35:
        return f"{compound}{building}{room}"  # exact
    if r < 0.45:
        return f"{community}{compound}{building}"  # exact, to the building
    if r < 0.65:
        return f"天津市东丽区金钟街道{compound}{number}栋{rng.randint(1, 4)}单元{room}室"
    if r < 0.75 and number and int(number) < 100:
        return f"{compound}{_chinese(int(number))}号楼{room}"
    if r < 0.85:
        return f"{compound} {number}幢 {room}"
    if r < 0.93:
        return f"{compound}{number}号楼旁边"
    if r < 0.97:  # the compound's name written loosely: 盛康小区, 盛康 (matched fuzzily)
        return f"{core_name(compound)}{rng.choice(('小区', '', '花园'))}{number}号楼{room}"
    return compound


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)


def _time_text(rng: random.Random, moment: datetime) -> str:
    form = rng.random()
    if form < 0.5:
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    if form < 0.75:
        return f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}"
    if form < 0.9:
        return f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour}时{moment.minute}分"
    return moment.strftime("%Y%m%d%H%M")


def write_export(path: Path, homes: list, phones: list[str], rows: int, seed: int = 12345) -> dict:
    """A 12345 export of ``rows`` tickets (see the module's doc); what it holds."""
    rng = random.Random(seed)
    statuses = [s for s, _ in STATUSES]
    weights = [w for _, w in STATUSES]
    start = datetime(2024, 1, 1, tzinfo=UTC)
    span = (datetime(2026, 11, 30, tzinfo=UTC) - start).total_seconds()
    out = io.StringIO(newline="")
    w = csv.writer(out)
    w.writerow(HEADER)
    bad = 0
    for n in range(rows):
        ticket = f"2026{n:08d}"
        r = rng.random()
        if r < 0.02:
            ticket = _full_width(ticket)
        elif r < 0.05:
            ticket += "  "
        moment = (start + timedelta(seconds=rng.random() * span)).replace(second=0, microsecond=0) \
            .astimezone(datetime.now().astimezone().tzinfo)
        category = rng.choice(CATEGORIES)
        problem = rng.choice(PROBLEMS[category])
        content = f"来电人反映：{problem}，希望尽快处理。"
        if rng.random() < 0.03:
            content += "\n补充：已多次反映，仍未解决"
        if rng.random() < 0.002:
            content += "详情" * 2100  # over 4,000 characters: the first 4,000 kept, a notice
        status = rng.choices(statuses, weights)[0]
        reply = rng.choice(REPLIES) if status in ("已办结", "已回访", "已答复", "已退回") else ""
        phone = rng.choice(phones) if phones and rng.random() < 0.33 else f"1{rng.randint(3, 9)}{rng.randint(0, 10**9 - 1):09d}"
        if rng.random() < 0.3:
            phone = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        address = written_address(rng, rng.choice(homes))
        b = rng.random()
        if b < 0.001:
            ticket, bad = f"{2.026 + n / 1e9:.5E}", bad + 1  # Excel's scientific notation
        elif b < 0.002:
            address, bad = "某某小区3号楼", bad + 1
        elif b < 0.003 and n > 0:
            ticket, bad = f"2026{n - 1:08d}", bad + 1  # the previous ticket again
        w.writerow([ticket, _time_text(rng, moment), category, "" if rng.random() < 0.5 else problem[:20],
                    content, address, phone, status, reply])
    data = out.getvalue()
    try:
        path.write_bytes(data.encode("gbk"))
        encoding = "gbk"
    except UnicodeEncodeError:  # a name outside GBK: GB18030, its superset
        path.write_bytes(data.encode("gb18030"))
        encoding = "gb18030"
    return {"rows": rows, "bad_rows_about": bad, "encoding": encoding, "bytes": path.stat().st_size}


# -- timed: the import and the floor ----------------------------------------------------------


class Copies:
    """Fresh copies of the street, per backend."""

    def __init__(self, base: Database, workdir: Path, pg_admin_url: str | None) -> None:
        self.base, self.workdir, self.pg_admin_url = base, workdir, pg_admin_url
        self.n = 0

    def new(self) -> Database:
        self.n += 1
        if self.base.is_sqlite:
            target = self.workdir / f"copy-{self.n}.sqlite"
            for leftover in self.workdir.glob("copy-*.sqlite*"):
                leftover.unlink()
            return sqlite_copy(self.base.sqlite_path, target)
        base_name = make_url(self.base.url).database
        self.base.dispose()
        name = f"{base_name}_copy"
        admin = create_engine(self.pg_admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{base_name}"'))
        admin.dispose()
        return Database(make_url(self.base.url).set(database=name).render_as_string(hide_password=False))


def marks(db: Database) -> dict[str, int]:
    with db.read_session() as s:
        return {m.__tablename__: s.scalar(select(func.coalesce(func.max(m.id), 0)))
                for m in (Request, RequestEvent, AuditLog)}


def run_import(db: Database, export: Path) -> dict:
    plan_seconds = insert_seconds = 0.0
    original_plan, original_insert = imp.plan_requests, Inserter.insert

    def timed_plan(*a, **k):
        nonlocal plan_seconds
        t = time.perf_counter()
        try:
            return original_plan(*a, **k)
        finally:
            plan_seconds += time.perf_counter() - t

    def timed_insert(self, *a, **k):
        nonlocal insert_seconds
        t = time.perf_counter()
        try:
            return original_insert(self, *a, **k)
        finally:
            insert_seconds += time.perf_counter() - t

    imp.plan_requests, Inserter.insert = timed_plan, timed_insert
    try:
        start = time.perf_counter()
        table = read_table(export)
        read_seconds = time.perf_counter() - start
        report = imp.commit(db, table, guess_profile(table.header), ACTOR, valid_only=True,
                            confirm_approximate=True)
        seconds = time.perf_counter() - start
    finally:
        imp.plan_requests, Inserter.insert = original_plan, original_insert
    if report.error_file is not None:
        report.error_file.unlink()
    assert report.written, "the import wrote nothing"
    return {"seconds": seconds, "read_seconds": read_seconds, "plan_seconds": plan_seconds,
            "insert_seconds": insert_seconds, "created": report.created, "rejected_rows": len(report.bad_rows),
            "notices": len(report.warnings)}


def written_rows(db: Database, since: dict[str, int]) -> dict:
    """What the import wrote: rows past ``since`` (hashes left for the inserter to link)."""
    out = {}
    with db.read_session() as s:
        for model in (Request, RequestEvent, AuditLog):
            t = model.__table__
            cols = [c for c in t.columns if c.name != "hash"]
            rows = s.execute(select(*cols).where(t.c.id > since[t.name]).order_by(t.c.id)).mappings().all()
            out[t.name] = [dict(r) for r in rows]
        out["ref_counter"] = [tuple(r) for r in s.execute(select(RefCounter.prefix, RefCounter.year, RefCounter.last))]
    return out


def run_floor(db: Database, rows: dict) -> dict:
    """The demo's bulk writer inserting those rows, one transaction, search index after."""
    from gongzhi.core.db import write

    start = time.perf_counter()
    with write(db) as session:
        ins = Inserter(session)
        ins.first_id(Request.__table__)
        with search_index_filled_after(ins):
            for model in (Request, RequestEvent, AuditLog):
                ins.insert(model.__table__, rows[model.__tablename__])
        for prefix, year, last in rows["ref_counter"]:
            session.execute(text("UPDATE ref_counter SET last = :l WHERE prefix = :p AND year = :y"),
                            {"l": last, "p": prefix, "y": year})
        ins.fix_sequences([Request.__table__, RequestEvent.__table__, AuditLog.__table__])
        session.commit()
    return {"seconds": time.perf_counter() - start}


def import_with_plugins(db: Database, export: Path) -> float:
    """The same import with every built-in plugin enabled and listening (their tables
    migrated first, untimed): what their event hooks add after the commit."""
    from gongzhi.core.config import Settings
    from gongzhi.core.plugins import PluginHost

    host = PluginHost(Settings(), names=ALL_PLUGINS.split(",")).load()
    host.upgrade(db)
    host.start(db)
    try:
        return run_import(db, export)["seconds"]
    finally:
        host.close()


def bench_backend(backend: str, base: Database, copies: Copies, export: Path, repeat: int,
                  plugins: bool = False) -> dict:
    imports, floors, details, with_plugins = [], [], [], []
    counts = None
    for i in range(repeat):
        db = copies.new()
        since = marks(db)
        log(f"[{backend}] import run {i + 1}/{repeat} …")
        got = run_import(db, export)
        rows = written_rows(db, since)
        counts = {k: len(v) for k, v in rows.items() if k != "ref_counter"}
        db.dispose()
        imports.append(got["seconds"])
        details.append(got)
        log(f"[{backend}]   import {got['seconds']:.1f} s (read {got['read_seconds']:.1f}, plan "
            f"{got['plan_seconds']:.1f}, inserts {got['insert_seconds']:.1f}); floor …")
        target = copies.new()
        floors.append(run_floor(target, rows)["seconds"])
        target.dispose()
        log(f"[{backend}]   floor {floors[-1]:.1f} s")
        del rows
        if plugins:
            db = copies.new()
            with_plugins.append(import_with_plugins(db, export))
            db.dispose()
            log(f"[{backend}]   import with every built-in plugin {with_plugins[-1]:.1f} s")
    imp_s, floor_s = stats(imports), stats(floors)
    share = round(floor_s["median"] / imp_s["median"], 3)
    created = details[-1]["created"]
    extra = {}
    if with_plugins:
        plug_s = stats(with_plugins)
        extra = {"import_with_plugins_seconds": plug_s,
                 "plugins_cost_ratio": round(plug_s["median"] / imp_s["median"], 2)}
    return {
        **extra,
        "rows_written": counts,
        "created": created,
        "rejected_rows": details[-1]["rejected_rows"],
        "notices": details[-1]["notices"],
        "import_seconds": imp_s,
        "floor_seconds": floor_s,
        "import_rows_per_s": round(created / imp_s["median"]),
        "floor_rows_per_s": round(created / floor_s["median"]),
        "share_of_raw_rate": share,
        "goal_share": GOAL_SHARE,
        "met": share >= GOAL_SHARE,
        "phases_median_s": {k: round(statistics.median(d[k] for d in details), 2)
                            for k in ("read_seconds", "plan_seconds", "insert_seconds")},
        "table": table_row(f"import-{backend}", backend=backend, unit="s", gongzhi=imp_s, floor=floor_s,
                           floor_what="the same rows through the demo's bulk inserter", goal="≥ 0.30 of the raw rate",
                           met=share >= GOAL_SHARE),
    }


# -- the address matcher ----------------------------------------------------------------------


def bench_addresses(db: Database, homes: list, n: int, repeat: int) -> dict:
    from gongzhi.core.importing.requests import _place_index

    rng = random.Random(68000)
    addresses = [written_address(rng, homes[i % len(homes)]) for i in range(n)]
    with db.read_session() as s:
        t = time.perf_counter()
        index = _place_index(s)
        matcher = AddressMatcher(s, index)
        build = time.perf_counter() - t
    found = [matcher.match(a) for a in addresses]
    exact = sum(1 for f in found if isinstance(f, set) and len(f) == 1)
    approx = sum(1 for f in found if not isinstance(f, set))
    match_times, floor_times = [], []
    for _ in range(repeat):
        t = time.perf_counter()
        for a in addresses:
            matcher.match(a)
        match_times.append(time.perf_counter() - t)
        t = time.perf_counter()
        get = index.get
        for a in addresses:
            get(a)
        floor_times.append(time.perf_counter() - t)
    m, f = stats(match_times, 4), stats(floor_times, 4)
    return {
        "addresses": n,
        "exact": exact,
        "approximate": approx,
        "unmatched_or_ambiguous": n - exact - approx,
        "matcher_build_seconds": round(build, 3),
        "match_seconds": m,
        "floor_seconds": f,
        "match_per_s": round(n / m["median"]),
        "floor_per_s": round(n / f["median"]),
        "ratio": round(m["median"] / f["median"], 1),
        "goal": "68,000 addresses in under 10 s",
        "met": m["median"] < 10,
        "table": table_row("address-matcher", backend="python", unit="s", gongzhi=m, floor=f,
                           floor_what="dict.get of each address in the exact index", goal="< 10 s for 68,000",
                           met=m["median"] < 10),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--addresses", type=int, default=68_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--backends", default="sqlite")
    ap.add_argument("--pg-url", default=None, help="an existing PostgreSQL server (default: a throwaway cluster)")
    ap.add_argument("--plugins", action="store_true",
                    help="also time the import with every built-in plugin enabled (their event hooks)")
    args = ap.parse_args()
    backends = parse_backends(args.backends)
    load_start = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result: dict = {"benchmark": "import", "machine": machine(), "load_average_1m_at_start": load_start,
                    "rows": args.rows, "repeat": args.repeat, "backends": {}}
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-import-")))
        os.environ.setdefault("GONGZHI_DATA_DIR", str(work / "data"))
        new_pg = stack.enter_context(postgres(args.pg_url)) if "postgresql" in backends else None
        export = work / "12345导出.csv"
        for backend in backends:
            log(f"[{backend}] building the street's places and people (68,000 residents) …")
            if backend == "sqlite":
                base = Database(f"sqlite:///{work / 'street.sqlite'}")
                admin_url = None
            else:
                base = new_pg("gz_bench_import")
                admin_url = make_url(base.url).set(database="postgres").render_as_string(hide_password=False)
            built = build_street(base)
            homes = households(base)
            if not export.exists():
                with base.read_session() as s:
                    phones = sorted(p for p in s.scalars(select(Person.phone).where(Person.phone.is_not(None))) if p)
                result["export"] = write_export(export, homes, phones, args.rows)
                log(f"export: {result['export']}")
                result["addresses"] = bench_addresses(base, homes, args.addresses, max(args.repeat, 5))
                log(f"addresses: {result['addresses']['match_per_s']}/s")
            base.dispose()
            copies = Copies(base, work, admin_url)
            result["backends"][backend] = {"street_build_seconds": round(built, 1),
                                           **bench_backend(backend, base, copies, export, args.repeat, args.plugins)}
    result["machine"] = machine()  # the load at the end
    emit(result)


if __name__ == "__main__":
    main()
