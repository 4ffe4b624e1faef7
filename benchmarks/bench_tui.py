"""The UI on the street-scale database: start-up, memory, filter-as-you-type latency.

1. Start (issue 12, "start like a bare Textual app"): a fresh Python process runs the
   app as ``gongzhi`` does (the database is opened, and the plugins loaded, by the app
   after its first frame) until (a) the first frame — the shell and the dashboard's
   frame, keys live — and (b) the dashboard's data on screen with every worker done.
   Floor: a bare Textual app (Header, a Label, Footer) started the same way, to its
   first frame. Runs are interleaved (bare, gongzhi, bare, gongzhi …).
   Both wall time and the process's CPU time are reported (CPU time is less swayed
   by other work on a shared machine).
2. Peak memory at start: the process's peak RSS (``VmHWM``, see PEAK_RSS) at (a) and (b),
   against the bare app's at its first frame.
3. Keystroke → updated list: Pilot types into the request list's filter on 100,000
   requests; each sample is the time from the key press to the new page being on
   screen, with the debounce included and subtracted out. Median and p95.

Every plugin is enabled. The database is a copy of the street demo (``--db``,
default ``.bench/street.sqlite``), never the original.

    .venv/bin/python benchmarks/bench_tui.py [--db PATH] [--runs N] [--backends sqlite]

SQLite only: ``--backends`` (as ``bench_street.py`` passes it) is accepted, anything but
``sqlite`` in it ignored (without ``sqlite``, nothing is measured and ``table`` is
empty). The cached street demo is upgraded to the head migration in place first if it
is behind (as ``bench_request_list.py`` does). The JSON's ``table`` holds issue 12's
rows ``tui_start``, ``tui_memory``, ``keystroke`` and ``dashboard_rates`` (backend
``sqlite``), see benchmarks/README.md.

Goals: first frame ≤ 1.5× and peak memory ≤ 2.5× the bare app; ≤ 50 ms after a ≤ 100 ms debounce.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import (
    ALL_PLUGINS,
    CACHE,
    ROOT,
    STREET_DB,
    compile_sources,
    emit,
    ensure_current,
    ensure_street_db,
    log,
    machine,
    parse_backends,
    table_row,
)

# The process's own peak resident set (VmHWM, reset at exec). Not ``ru_maxrss``: Linux
# carries the parent's high-water mark over fork and exec into it, so a script started by
# a benchmark that had built the street reported the benchmark's 373 MB, floor included.
PEAK_RSS = """
def peak_rss_mb():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")
"""

START_GONGZHI = """
import time
t0 = time.perf_counter()
import asyncio, json, sys
from pathlib import Path
sys.path.insert(0, {root!r})
{peak_rss}
from gongzhi.core.cli.context import state
from gongzhi.core.config import load_settings
from gongzhi.tui.app import GongzhiApp
from gongzhi.tui.cli import open_database

out = {{}}

def mark(name):
    out[name + "_s"] = time.perf_counter() - t0
    out[name + "_cpu_s"] = time.process_time()  # this process's CPU time: less swayed by other load
    out[name + "_rss_mb"] = peak_rss_mb()

class Timed(GongzhiApp):
    CSS_PATH = str(Path(sys.modules["gongzhi.tui.app"].__file__).parent / "app.tcss")

    def on_mount(self):  # runs before GongzhiApp.on_mount: sees the first refresh
        self.call_after_refresh(mark, "first_frame")

async def main():
    state.settings = load_settings()
    app = Timed(settings=state.settings, open_database=open_database)
    async with app.run_test(size=(160, 50)) as pilot:
        from textual.worker import WorkerState
        while not app.database_ready or any(
                w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in app.workers):
            await pilot.pause(0.01)
        await pilot.pause()
        mark("loaded")
    print(json.dumps(out))

asyncio.run(main())
"""

START_BARE = """
import time
t0 = time.perf_counter()
import asyncio, json
from textual.app import App
{peak_rss}
from textual.widgets import Footer, Header, Label

out = {}

def mark(name):
    out[name + "_s"] = time.perf_counter() - t0
    out[name + "_cpu_s"] = time.process_time()  # this process's CPU time: less swayed by other load
    out[name + "_rss_mb"] = peak_rss_mb()

class Bare(App):
    def compose(self):
        yield Header(); yield Label("hello"); yield Footer()

    def on_mount(self):
        self.call_after_refresh(mark, "first_frame")

async def main():
    app = Bare()
    async with app.run_test(size=(160, 50)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        mark("loaded")
    print(json.dumps(out))

asyncio.run(main())
"""



def run_script(code: str, folder: Path, env: dict[str, str]) -> dict[str, float]:
    script = folder / "start.py"  # a file: Textual finds an app's CSS through its class's source
    script.write_text(code, encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, check=True, env=env,
                            cwd=str(folder))
    return json.loads(result.stdout.strip().splitlines()[-1])


def starts(url: str, folder: Path, runs: int) -> tuple[list[dict], list[dict]]:
    env = {**os.environ, "GONGZHI_DATA_DIR": str(folder / "data"), "GONGZHI_DATABASE_URL": url,
           "GONGZHI_PLUGINS": ALL_PLUGINS, "GONGZHI_LANG": "zh"}
    ours_code = START_GONGZHI.format(root=str(ROOT), peak_rss=PEAK_RSS)
    bare_code = START_BARE.replace("{peak_rss}", PEAK_RSS)
    run_script(ours_code, folder, env)  # warm-up: plugin tables on the copy if it lacks them, file cache
    ours, bare = [], []
    for i in range(runs):
        log(f"start run {i + 1}/{runs}")
        bare.append(run_script(bare_code, folder, env))
        ours.append(run_script(ours_code, folder, env))
    return ours, bare


async def keystrokes(url: str, query: str) -> list[float]:
    from gongzhi.core.config import Settings
    from gongzhi.core.db import Database
    from gongzhi.tui.app import GongzhiApp
    from gongzhi.tui.screens import requests as requests_view

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
            await app.show_section("requests")
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


def stats(values: list[float], floor: list[float] | None = None, digits: int = 3) -> dict:
    out = {"median": round(statistics.median(values), digits), "p95": round(p95(values), digits)}
    if floor:
        out["ratio_to_floor"] = round(statistics.median(values) / statistics.median(floor), 2)
    return out


def _figures(s: dict, runs: int, scale: float = 1.0, digits: int = 1) -> dict:
    return {"median": round(s["median"] * scale, digits), "p95": round(s["p95"] * scale, digits), "runs": runs}


def table_rows(result: dict, ours: list[dict], bare: list[dict]) -> list[dict]:
    """Issue 12's rows from the figures above (SQLite; times in ms, memory in MB)."""
    runs = result["runs"]
    start, mem = result["start"], result["peak_memory_mb"]
    first = start["gongzhi_first_frame_s"]
    cpu_ratio = start["gongzhi_first_frame_cpu_s"]["ratio_to_floor"]
    rows = [table_row(
        "tui_start", backend="sqlite", unit="ms", gongzhi=_figures(first, runs, 1000, 0),
        floor=_figures(start["floor_bare_textual_first_frame_s"], runs, 1000, 0),
        floor_what="bare Textual app", ratio=first["ratio_to_floor"], goal="≤ 1.5×",
        met=first["ratio_to_floor"] <= start["goal_ratio_first_frame"],
        note=f"wall time to the first frame; CPU time {cpu_ratio}×; dashboard loaded "
             f"{round(start['gongzhi_dashboard_loaded_s']['median'] * 1000)} ms")]
    for case, key in (("at first frame", "gongzhi_at_first_frame"), ("dashboard loaded", "gongzhi_dashboard_loaded")):
        row = table_row("tui_memory", backend="sqlite", unit="MB", gongzhi=_figures(mem[key], runs),
                        floor=_figures(mem["floor_bare_textual"], runs), floor_what="bare Textual app",
                        ratio=mem[key]["ratio_to_floor"], goal="≤ 2.5×",
                        met=mem[key]["ratio_to_floor"] <= mem["goal_ratio"], note="peak RSS")
        row["case"] = case
        rows.append(row)
    keys = result.get("keystroke_to_list_ms")
    if keys:
        after = keys["debounce_excluded"]
        ok = after["median"] <= 50 and keys["debounce_ms"] <= 100
        rows.append(table_row(
            "keystroke", backend="sqlite", unit="ms",
            gongzhi={"median": after["median"], "p95": after["p95"], "runs": keys["samples"]},
            goal="≤ 50 ms after the debounce, debounce ≤ 100 ms", met=ok,
            note=f"after a {keys['debounce_ms']:g} ms debounce (subtracted); p95 "
                 f"{'within' if after['p95'] <= 50 else 'over'} 50 ms"))
    # first paint never waits for the dashboard's queries: in every run the first frame
    # came before the dashboard's data (which the app loads after its first frame)
    waits = [o["loaded_s"] - o["first_frame_s"] for o in ours]
    rows.append(table_row(
        "dashboard_rates", backend="sqlite", unit="ms",
        gongzhi=_figures({"median": statistics.median(waits), "p95": p95(waits)}, runs, 1000, 0),
        goal="first paint never waits for them", met=all(w > 0 for w in waits),
        note="time from the first frame to the dashboard's data on screen (three rates included); "
             "first frame before it in every run"
             if all(w > 0 for w in waits) else "the first frame came after the data in some run"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=STREET_DB, help="the street demo (copied, never written)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--query", default="路灯昏暗")
    parser.add_argument("--skip-keystrokes", action="store_true")
    parser.add_argument("--backends", default="sqlite",
                        help="accepted for bench_street.py; SQLite only, other names are ignored")
    args = parser.parse_args()
    compile_sources()
    if "sqlite" not in parse_backends(args.backends):
        log("bench_tui.py measures SQLite only, and --backends names no sqlite: nothing to measure")
        emit({"benchmark": "tui", "skipped": "SQLite only; --backends names no sqlite", "table": []})
        return
    source = ensure_current(ensure_street_db(args.db))
    folder = Path(tempfile.mkdtemp(prefix="bench-tui-", dir=CACHE if CACHE.exists() else None))
    try:
        copy = folder / "street.sqlite"
        shutil.copyfile(source, copy)
        url = f"sqlite:///{copy}"
        ours, bare = starts(url, folder, args.runs)
        result = {
            "benchmark": "tui",
            "machine": machine(),
            "database": f"copy of {source}",
            "runs": args.runs,
            "start": {
                "floor_bare_textual_first_frame_s": stats([b["first_frame_s"] for b in bare]),
                "gongzhi_first_frame_s": stats([o["first_frame_s"] for o in ours],
                                               [b["first_frame_s"] for b in bare]),
                "gongzhi_dashboard_loaded_s": stats([o["loaded_s"] for o in ours],
                                                    [b["first_frame_s"] for b in bare]),
                "floor_bare_textual_first_frame_cpu_s": stats([b["first_frame_cpu_s"] for b in bare]),
                "gongzhi_first_frame_cpu_s": stats([o["first_frame_cpu_s"] for o in ours],
                                                   [b["first_frame_cpu_s"] for b in bare]),
                "goal_ratio_first_frame": 1.5,
            },
            "peak_memory_mb": {
                "floor_bare_textual": stats([b["loaded_rss_mb"] for b in bare], digits=1),
                "gongzhi_at_first_frame": stats([o["first_frame_rss_mb"] for o in ours],
                                                [b["loaded_rss_mb"] for b in bare], digits=1),
                "gongzhi_dashboard_loaded": stats([o["loaded_rss_mb"] for o in ours],
                                                  [b["loaded_rss_mb"] for b in bare], digits=1),
                "goal_ratio": 2.5,
            },
        }
        if not args.skip_keystrokes:
            log("keystrokes …")
            from gongzhi.tui.screens.requests import DEBOUNCE_SECONDS

            ms = [s * 1000 for s in asyncio.run(keystrokes(url, args.query))]
            debounce = DEBOUNCE_SECONDS * 1000
            result["keystroke_to_list_ms"] = {
                "samples": len(ms),
                "debounce_ms": debounce,
                "debounce_included": stats(ms, digits=1),
                "debounce_excluded": stats([m - debounce for m in ms], digits=1),
                "goal": "≤ 50 ms after a debounce ≤ 100 ms",
            }
        result["table"] = table_rows(result, ours, bare)
        emit(result)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
