"""The UI on the street-scale database: cold start and filter-as-you-type latency.

1. Cold start: a fresh Python process imports the app, opens the street-scale
   database and runs until the first screen (the dashboard) has loaded its data
   and the app is idle — against a bare Textual app (a Header, a Label and a
   Footer) started the same way in its own process. Ratio = gongzhi / bare.
2. Keystroke → updated list: Pilot types into the request list's filter on
   100,000 requests; each sample is the time from the key press to the new page
   being on screen, including the 150 ms debounce. Median and p95, with the
   debounce also subtracted out.

    .venv/bin/python benchmarks/bench_tui.py [--db PATH] [--runs N]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _common import ROOT, STREET_DB, emit, ensure_street_db, log, machine

COLD_GONGZHI = """
import time, asyncio, sys
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from core.config import Settings
from core.db import Database
from tui.app import GongzhiApp
async def main():
    app = GongzhiApp(db=Database({url!r}), settings=Settings(language="zh", operator="bench"))
    async with app.run_test(size=(160, 50)) as pilot:
        from textual.worker import WorkerState
        while any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            await pilot.pause(0.01)
        print(time.perf_counter() - t0)
asyncio.run(main())
"""

COLD_BARE = """
import time, asyncio
t0 = time.perf_counter()
from textual.app import App
from textual.widgets import Footer, Header, Label
class Bare(App):
    def compose(self):
        yield Header(); yield Label("hello"); yield Footer()
async def main():
    app = Bare()
    async with app.run_test(size=(160, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        print(time.perf_counter() - t0)
asyncio.run(main())
"""


def cold(code: str, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        out.append(float(result.stdout.strip().splitlines()[-1]))
    return out


async def keystrokes(url: str, query: str) -> list[float]:
    from core.config import Settings
    from core.db import Database
    from tui.app import GongzhiApp
    from tui.screens import requests as requests_view

    app = GongzhiApp(db=Database(url), settings=Settings(language="zh", operator="bench"))
    samples: list[float] = []
    shown: list[float] = []
    original = requests_view.RequestsView._show_page

    def show(self, page):
        original(self, page)
        shown.append(time.perf_counter())

    requests_view.RequestsView._show_page = show
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            app.show_section("requests")
            await _quiet(app, pilot)
            await pilot.click("#req-text")
            for text in (query, "\b" * len(query)):
                for ch in text:
                    before = len(shown)
                    start = time.perf_counter()
                    await pilot.press("backspace" if ch == "\b" else ch)
                    while len(shown) == before:
                        await asyncio.sleep(0.002)
                    samples.append(shown[-1] - start)
    finally:
        requests_view.RequestsView._show_page = original
    return samples


async def _quiet(app, pilot) -> None:
    from textual.worker import WorkerState

    for _ in range(400):
        await pilot.pause(0.05)
        if not any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            return


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=STREET_DB)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--query", default="路灯昏暗")
    args = parser.parse_args()
    path = ensure_street_db(args.db)
    url = f"sqlite:///{path}"
    log("cold start: gongzhi …")
    ours = cold(COLD_GONGZHI.format(root=str(ROOT), url=url), args.runs)
    log("cold start: bare Textual app …")
    bare = cold(COLD_BARE, args.runs)
    log("keystrokes …")
    samples = asyncio.run(keystrokes(url, args.query))
    from tui.screens.requests import DEBOUNCE_SECONDS

    ms = [s * 1000 for s in samples]
    emit({
        "benchmark": "tui",
        "machine": machine(),
        "database": str(path),
        "cold_start": {
            "gongzhi_median_s": round(statistics.median(ours), 3),
            "bare_textual_median_s": round(statistics.median(bare), 3),
            "ratio": round(statistics.median(ours) / statistics.median(bare), 2),
            "runs": args.runs,
        },
        "keystroke_to_list": {
            "samples": len(ms),
            "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(p95(ms), 1),
            "debounce_ms": DEBOUNCE_SECONDS * 1000,
            "median_after_debounce_ms": round(statistics.median(ms) - DEBOUNCE_SECONDS * 1000, 1),
            "p95_after_debounce_ms": round(p95(ms) - DEBOUNCE_SECONDS * 1000, 1),
        },
    })


if __name__ == "__main__":
    main()
