"""Issue 12's table in one command: every row, gongzhi beside its floor, measured in the same run.

    .venv/bin/python benchmarks/bench_street.py
    .venv/bin/python benchmarks/bench_street.py --backends sqlite,postgresql
    .venv/bin/python benchmarks/bench_street.py --skip demo --skip tui
    .venv/bin/python benchmarks/bench_street.py --demo-scale small --json .bench/street.json

Runs each benchmark script (``bench_tui.py``, ``bench_cli.py``, ``bench_request_list.py``,
``bench_demo.py``) as a subprocess with ``--backends``, reads the one JSON document it
prints on stdout, and prints the issue's table — ``what | gongzhi | floor | ratio | goal |
met?`` — followed by the combined JSON. What each script must print is described in
``benchmarks/README.md`` ("The issue-12 table"): a ``table`` list of rows keyed by the ids
below. A script that is missing, fails, or gives no row for an id shows ``n/a`` with the
reason; the other rows are still measured.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from _common import log, machine

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Row:
    id: str
    what: str
    script: str
    goal: str


# The rows, in its order. ``script`` measures the row; ``goal`` is the issue's.
ROWS: tuple[Row, ...] = (
    Row("tui_start", "TUI start to first interactive screen", "tui", "≤ 1.5×"),
    Row("tui_memory", "peak memory at start", "tui", "≤ 2.5×"),
    Row("cli_help", "`gongzhi --help`", "cli", "≤ 2×"),
    Row("cli_tally", "`gongzhi deliberation tally F.json`", "cli", "≤ 2×"),
    Row("keystroke", "keystroke in the request filter → list updated", "tui",
        "≤ 50 ms after the debounce, debounce ≤ 100 ms"),
    Row("text_filter", "text filter 电梯 / 漏水, first page + count", "request_list", "< 30 ms"),
    Row("community_list", "list by community", "request_list", "< 10 ms"),
    Row("list_first_page", "list first page", "request_list", "≤ 2×"),
    Row("list_status", "list by status", "request_list", "≤ 2×"),
    Row("list_overdue", "list overdue", "request_list", "≤ 2×"),
    Row("demo", "`gongzhi demo --scale street` (all plugins)", "demo", "≥ 50 % of raw rate"),
    Row("dashboard_rates", "dashboard three-rates queries", "tui", "first paint never waits for them"),
)
SCRIPTS = ("tui", "cli", "request_list", "demo")


def script_name(name: str) -> str:
    """``tui``, ``bench_tui`` and ``bench_tui.py`` all name ``tui``."""
    name = name.strip().removesuffix(".py").removeprefix("bench_")
    if name not in SCRIPTS:
        raise SystemExit(f"unknown benchmark {name!r}; known: {', '.join(SCRIPTS)}")
    return name


# -- running a script ----------------------------------------------------------------------


@dataclass
class Outcome:
    script: str
    document: dict | None
    error: str | None
    seconds: float


def run_script(name: str, args: list[str], timeout: float) -> Outcome:
    """Run ``bench_<name>.py``; its progress (stderr) passes through, its stdout is the JSON."""
    path = HERE / f"bench_{name}.py"
    if not path.exists():
        return Outcome(name, None, f"{path.name} not found", 0.0)
    cmd = [sys.executable, str(path), *args]
    log(f"== {path.name} {' '.join(args)}")
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    tail: deque[str] = deque(maxlen=5)

    def relay() -> None:
        for line in proc.stderr:
            sys.stderr.write(f"   {line}")
            tail.append(line.rstrip())

    timed_out = threading.Event()

    def kill() -> None:
        timed_out.set()
        proc.kill()

    relay_thread = threading.Thread(target=relay, daemon=True)
    relay_thread.start()
    timer = threading.Timer(timeout, kill)
    timer.start()
    out = proc.stdout.read()
    proc.wait()
    timer.cancel()
    relay_thread.join(timeout=5)
    if timed_out.is_set():
        return Outcome(name, None, f"{path.name} timed out after {timeout:.0f} s", time.perf_counter() - start)
    seconds = time.perf_counter() - start
    last = tail[-1] if tail else ""
    if proc.returncode != 0:
        return Outcome(name, None, f"{path.name} exited with {proc.returncode}: {last}".strip(), seconds)
    try:
        doc = json.loads(out)
    except json.JSONDecodeError:
        return Outcome(name, None, f"{path.name} printed no JSON document on stdout", seconds)
    if not isinstance(doc, dict):
        return Outcome(name, None, f"{path.name} printed JSON that is not an object", seconds)
    return Outcome(name, doc, None, seconds)


# -- the table ---------------------------------------------------------------------------------


def _num(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}".rstrip("0").rstrip(".") if x >= 0.01 else f"{x:.3g}"


def fmt_value(value: dict | None, unit: str) -> str:
    if not isinstance(value, dict) or not isinstance(value.get("median"), int | float):
        return "—"
    text = f"{_num(value['median'])} {unit}"
    if isinstance(value.get("p95"), int | float) and value.get("runs", 2) > 1:
        text += f" (p95 {_num(value['p95'])})"
    return text


def collect(outcomes: dict[str, Outcome], backends: list[str], skipped: set[str]) -> list[dict]:
    """One entry per issue row and backend measured (or per row, n/a with the reason)."""
    entries: list[dict] = []
    for row in ROWS:
        base = {"id": row.id, "what": row.what, "goal": row.goal, "script": f"bench_{row.script}.py"}
        if row.script in skipped:
            entries.append(base | {"status": "n/a", "reason": "skipped (--skip)"})
            continue
        outcome = outcomes[row.script]
        if outcome.document is None:
            entries.append(base | {"status": "n/a", "reason": outcome.error})
            continue
        table = outcome.document.get("table")
        if not isinstance(table, list):
            entries.append(base | {"status": "n/a", "reason": f"bench_{row.script}.py printed no `table` list"})
            continue
        mine = [r for r in table if isinstance(r, dict) and r.get("id") == row.id]
        mine = [r for r in mine if r.get("backend") in (None, "-", *backends)]
        if not mine:
            entries.append(base | {"status": "n/a", "reason": f"bench_{row.script}.py gave no row `{row.id}`"})
            continue
        for r in mine:
            entry = base | {"status": "measured", **{k: v for k, v in r.items() if k != "id"}}
            entry["goal"] = r.get("goal") or row.goal
            if not isinstance(r.get("gongzhi"), dict):
                entry |= {"status": "n/a", "reason": f"row `{row.id}` has no `gongzhi` figures"}
            entries.append(entry)
    return entries


def render(entries: list[dict]) -> str:
    lines = ["| what | gongzhi | floor | ratio | goal | met? |", "|---|---|---|---|---|---|"]
    for e in entries:
        what = e["what"]
        if e.get("case"):
            what += f" — {e['case']}"
        if e.get("backend") not in (None, "-"):
            what += f" [{e['backend']}]"
        if e["status"] != "measured":
            lines.append(f"| {what} | n/a | n/a | n/a | {e['goal']} | n/a: {e['reason']} |")
            continue
        unit = e.get("unit", "")
        floor = fmt_value(e.get("floor"), unit)
        if floor != "—" and e.get("floor_what"):
            floor += f" ({e['floor_what']})"
        ratio = f"{e['ratio']:.2f}×" if isinstance(e.get("ratio"), int | float) else "—"
        met = {True: "yes", False: "no"}.get(e.get("met"), "n/a: no verdict")
        if e.get("note"):
            met += f" ({e['note']})"
        lines.append(f"| {what} | {fmt_value(e.get('gongzhi'), unit)} | {floor} | {ratio} | {e['goal']} | {met} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="sqlite", help="sqlite, postgresql or both (passed to every script)")
    ap.add_argument("--skip", action="append", default=[], help="a script to leave out: tui, cli, request_list, demo")
    ap.add_argument("--demo-scale", default="street", choices=("small", "street"), help="bench_demo.py --scale")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds allowed per script")
    ap.add_argument("--json", type=Path, default=None, help="also write the combined JSON to this file")
    args = ap.parse_args()
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    skipped = {script_name(s) for item in args.skip for s in item.split(",") if s.strip()}

    outcomes: dict[str, Outcome] = {}
    for name in SCRIPTS:
        if name in skipped:
            continue
        extra = ["--scale", args.demo_scale] if name == "demo" else []
        outcomes[name] = run_script(name, ["--backends", ",".join(backends), *extra], args.timeout)

    entries = collect(outcomes, backends, skipped)
    combined = {
        "benchmark": "issue 12: gongzhi vs floor, every row",
        "backends": backends,
        "rows": entries,
        "scripts": {n: {"seconds": round(o.seconds, 1), "error": o.error, "output": o.document}
                    for n, o in outcomes.items()},
        "machine": machine(),
    }
    print(render(entries))
    print()
    text = json.dumps(combined, ensure_ascii=False, indent=2)
    print(text)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
