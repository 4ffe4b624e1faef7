"""The command line's start: `gongzhi --help`, `deliberation tally F.json`, `plugins list`.

Each command runs in a fresh process (the console script, as a user runs it), its
wall time measured from outside, interleaved run by run with two floors from the
same interpreter: a bare Typer app with two commands asked for its ``--help``
(the issue's floor), and the same app running a command with an argument (Typer
converts arguments through pydantic, which ``--help`` never imports: the fair
floor for ``tally``).
Every plugin is enabled (``GONGZHI_PLUGINS``), so their command groups are part of
the start. ``plugins list`` reads a copy of the street demo (``--db``).

    .venv/bin/python benchmarks/bench_cli.py [--db PATH] [--runs N] [--backends sqlite]

``--backends`` (as ``bench_street.py`` passes it) is accepted and otherwise ignored: the
rows of issue 12 this script fills, ``cli_help`` and ``cli_tally``, touch no database
(backend ``-``); only ``plugins list`` reads the SQLite copy. The cached street demo is
upgraded to the head migration in place first if it is behind. The JSON's ``table``
holds those rows, see benchmarks/README.md.

Goal (issue 12): each ≤ 2× the bare Typer app.
"""

from __future__ import annotations

import argparse
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
    log,
    machine,
    parse_backends,
    table_row,
)

BARE_TYPER = """
import typer

app = typer.Typer(add_completion=False)


@app.command()
def hello(name: str) -> None:
    print(f"hello {name}")


@app.command()
def bye() -> None:
    print("bye")


app()
"""



def round_file(path: Path) -> Path:
    """A closed yes/no round of 5 voters, as ``deliberation round export`` writes it."""
    from gongzhi.plugins.deliberation.export import FORMAT, VERSION, result_json, tally_round_file

    data = {
        "format": FORMAT, "version": VERSION,
        "rule": {"kind": "yes_no", "base": "YN", "threshold": "1/2", "comparator": ">"},
        "options": [{"id": 1, "number": 1, "text": "加装晾衣架"}],
        "voters": [{"id": i, "name": f"居民{i}"} for i in range(1, 6)],
        "ballots": [{"voter": i, "choice": "yes" if i <= 3 else "no"} for i in range(1, 6)],
    }
    data["result"] = result_json(tally_round_file(data).result)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def _ms(values: list[float]) -> dict:
    return {"median": round(statistics.median(values) * 1000), "p95": round(p95(values) * 1000), "runs": len(values)}


def table_rows(times: dict[str, list[float]], floor: list[float], floor_run: list[float]) -> list[dict]:
    """Issue 12's rows ``cli_help`` and ``cli_tally`` from the timings above (ms; no database)."""
    f_med, fr_med = statistics.median(floor), statistics.median(floor_run)
    help_ratio = round(statistics.median(times["help"]) / f_med, 2)
    tally = times["deliberation_tally"]
    tally_ratio = round(statistics.median(tally) / fr_med, 2)
    rows = [table_row("cli_help", backend="-", unit="ms", gongzhi=_ms(times["help"]), floor=_ms(floor),
                      floor_what="bare Typer app --help", ratio=help_ratio, goal="≤ 2×", met=help_ratio <= 2.0,
                      note="every plugin enabled")]
    rows.append(table_row("cli_tally", backend="-", unit="ms", gongzhi=_ms(tally), floor=_ms(floor_run),
                          floor_what="bare Typer app running a command", ratio=tally_ratio, goal="≤ 2×",
                          met=tally_ratio <= 2.0,
                          note=f"{round(statistics.median(tally) / f_med, 2)}× the bare app's --help"))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, default=STREET_DB, help="the street demo (copied, never written)")
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--backends", default="sqlite",
                        help="accepted for bench_street.py; the table's rows use no database")
    args = parser.parse_args()
    compile_sources()
    parse_backends(args.backends)  # unknown names are an error; the rest changes nothing here
    work = Path(tempfile.mkdtemp(prefix="bench-cli-", dir=CACHE if CACHE.exists() else None))
    try:
        db = work / "street.sqlite"
        if args.db.exists():
            shutil.copyfile(ensure_current(args.db), db)
        bare = work / "bare_typer.py"
        bare.write_text(BARE_TYPER, encoding="utf-8")
        rf = round_file(work / "round.json")
        env = {**os.environ, "GONGZHI_DATA_DIR": str(work / "data"), "GONGZHI_PLUGINS": ALL_PLUGINS,
               "GONGZHI_LANG": "zh", "GONGZHI_DATABASE_URL": f"sqlite:///{db}"}
        gongzhi = str(Path(sys.executable).parent / "gongzhi")
        commands = {
            "help": [gongzhi, "--help"],
            "deliberation_tally": [gongzhi, "deliberation", "tally", str(rf)],
            "plugins_list": [gongzhi, "plugins", "list"],
        }
        floor_cmd = [sys.executable, str(bare), "--help"]
        floor_run_cmd = [sys.executable, str(bare), "hello", "街道"]
        # one unmeasured run of each: the database copy gets its plugin tables if it lacks them
        for cmd in [*commands.values(), floor_cmd, floor_run_cmd]:
            timed(cmd, env)
        times: dict[str, list[float]] = {k: [] for k in commands}
        floor: list[float] = []
        floor_run: list[float] = []
        for i in range(args.runs):
            log(f"run {i + 1}/{args.runs}")
            floor.append(timed(floor_cmd, env))
            floor_run.append(timed(floor_run_cmd, env))
            for name, cmd in commands.items():
                times[name].append(timed(cmd, env))
        f_med, fr_med = statistics.median(floor), statistics.median(floor_run)
        emit({
            "benchmark": "cli",
            "machine": machine(),
            "database": str(args.db),
            "runs": args.runs,
            "floor_bare_typer_help": {"median_s": round(f_med, 3), "p95_s": round(p95(floor), 3)},
            "floor_bare_typer_command": {"median_s": round(fr_med, 3), "p95_s": round(p95(floor_run), 3)},
            "commands": {
                name: {
                    "median_s": round(statistics.median(t), 3),
                    "p95_s": round(p95(t), 3),
                    "ratio_to_floor": round(statistics.median(t) / f_med, 2),
                    "ratio_to_command_floor": round(statistics.median(t) / fr_med, 2),
                    "goal_ratio": 2.0,
                }
                for name, t in times.items()
            },
            "table": table_rows(times, floor, floor_run),
        })
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
