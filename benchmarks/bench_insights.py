"""Insights: segmentation throughput against jieba alone, and the month report on the
street-scale demo (100,000 requests).

    .venv/bin/python benchmarks/bench_insights.py [--texts 20000] [--repeat 21]

Works on a copy of the street database (``.bench/insights-street.sqlite``, copied from
``/work/bench/street.sqlite`` or built by ``_common.ensure_street_db``; the original is
never written), migrated for the plugin and backfilled with ``sync_tokens`` (timed;
``--resync`` empties the token store first, so the full backfill is timed).

- ``segmentation``: :meth:`Segmenter.cut` (the street's dictionary, stop words,
  synonyms) over ``--texts`` request texts. Floor: ``jieba.lcut`` (default
  dictionary, nothing else) over the same texts. ``ratio`` = our throughput ÷ jieba's
  (goal ≥ 0.80).
- ``month_report``: :func:`gongzhi.plugins.insights.reports.month_report` of the demo's
  latest full month (hot words with IDF, rising topics against the month before, hot
  spots, flagged chat topics), median of ``--repeat`` runs in a fresh reading
  session. Goal < 200 ms. Floor: the month's term counts by one hand-written
  ``GROUP BY`` on a plain sqlite3 connection.

Prints one JSON document.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from datetime import timedelta
from pathlib import Path

from _common import CACHE, emit, ensure_street_db, log, machine, median_ms, raw_connect

ORIGINAL = Path("/work/bench/street.sqlite")


def street_copy() -> Path:
    target = CACHE / "insights-street.sqlite"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        source = ORIGINAL if ORIGINAL.exists() else ensure_street_db()
        log(f"copying {source} → {target}")
        shutil.copyfile(source, target)
    return target


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--texts", type=int, default=20000)
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--resync", action="store_true", help="empty the token store first: time the full backfill")
    args = ap.parse_args()
    os.environ.setdefault("GONGZHI_DATA_DIR", str(CACHE / "data"))

    from sqlalchemy import func, select, text

    from gongzhi.core.config import Settings
    from gongzhi.core.db import Database
    from gongzhi.core.models.requests import Request
    from gongzhi.plugins.insights.models import InsightsDoc
    from gongzhi.plugins.insights.queries import parse_period
    from gongzhi.plugins.insights.reports import month_report
    from gongzhi.plugins.insights.segment import segmenter_for
    from gongzhi.plugins.insights.services import request_text, sync_tokens

    path = street_copy()
    db = Database(f"sqlite:///{path}")
    from gongzhi.core.plugins import PluginHost

    PluginHost(Settings(), names=["insights"]).load().upgrade(db)
    if args.resync:
        with db.session() as s:
            s.execute(text("DELETE FROM insights_token"))
            s.execute(text("DELETE FROM insights_doc"))
            s.commit()
    started = time.perf_counter()
    sync = sync_tokens(db)
    sync_s = round(time.perf_counter() - started, 2)
    log(f"sync: {sync} in {sync_s} s")

    with db.read_session() as s:
        texts = [request_text(t, d or "") for t, d in s.execute(
            select(Request.title, Request.description).order_by(Request.id).limit(args.texts))]
        seg = segmenter_for(s)
        last = s.scalar(select(func.max(InsightsDoc.day)))
        n_docs = s.scalar(select(func.count()).select_from(InsightsDoc))
    import jieba

    jieba.initialize()
    seg.tokenizer()
    chars = sum(len(t) for t in texts)

    def run_ours():
        for t in texts:
            seg.cut(t)

    def run_jieba():
        for t in texts:
            jieba.lcut(t)

    ours_ms = median_ms(run_ours, repeat=3, warmup=1)
    jieba_ms = median_ms(run_jieba, repeat=3, warmup=1)

    # the latest full month: the one before the month of the last request
    period = parse_period((last.replace(day=1) - timedelta(days=1)).strftime("%Y-%m"))

    def report():
        with db.read_session() as s:
            return month_report(s, period)

    rep = report()
    report_ms = median_ms(report, repeat=args.repeat)
    con = raw_connect(path)

    def floor():
        con.execute(
            "SELECT t.term, SUM(t.count) FROM insights_token t JOIN insights_doc d ON d.request_id = t.request_id "
            "WHERE d.day >= ? AND d.day < ? GROUP BY t.term", (period.start.isoformat(), period.end.isoformat()),
        ).fetchall()

    floor_ms = median_ms(floor, repeat=args.repeat)
    emit({
        "machine": machine(),
        "corpus": {"requests": n_docs, "sync_seconds": sync_s, "sync": sync},
        "segmentation": {"texts": len(texts), "chars": chars, "ours_ms": ours_ms, "jieba_ms": jieba_ms,
                         "ours_chars_per_s": round(chars / ours_ms * 1000), "jieba_chars_per_s": round(chars / jieba_ms * 1000),
                         "ratio": round(jieba_ms / ours_ms, 3), "goal": ">= 0.80"},
        "month_report": {"period": period.label, "ms": report_ms, "floor_ms": floor_ms,
                         "ratio": round(report_ms / floor_ms, 2) if floor_ms else None, "goal_ms": 200,
                         "words": len(rep.words), "rising": len(rep.rising), "hotspots": len(rep.spots)},
    })


if __name__ == "__main__":
    main()
