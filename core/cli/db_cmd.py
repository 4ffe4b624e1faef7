"""``gongzhi db``: upgrade, check and back up the database."""

from __future__ import annotations

from pathlib import Path

import typer

from core.cli.context import console, err, print_json, state, tr

app = typer.Typer(help="数据库 / database operations", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Option("head", "--revision", "-r")) -> None:
    """升级数据库结构 / apply migrations (SQLite: backup copy first)."""
    db = state.database(ready=False)
    current = db.current_revision()
    if db.is_sqlite and current is not None and current != db.head_revision():
        backup = db.backup(reason=f"pre-upgrade-{current}")
        console.print(tr(f"已备份：{backup}", f"backup: {backup}"), markup=False)
    db.upgrade(revision)
    console.print(tr(f"数据库结构已是 {db.current_revision()}", f"schema at {db.current_revision()}"), markup=False)


@app.command("check")
def check(as_json: bool = typer.Option(False, "--json")) -> None:
    """检查数据库结构与模型一致 / check the schema matches the models."""
    db = state.database(ready=False)
    current, head = db.current_revision(), db.head_revision()
    diffs = [repr(d) for d in db.check()] if current is not None else ["schema not created"]
    ok = current == head and not diffs
    if as_json:
        print_json({"ok": ok, "current": current, "head": head, "differences": diffs})
    elif ok:
        console.print(tr(f"数据库结构正常（{current}）", f"schema is up to date ({current})"), markup=False)
    else:
        err(tr(f"数据库结构不一致：当前 {current}，最新 {head}", f"schema differs: at {current}, head {head}"))
        for d in diffs:
            err("  " + d)
    if not ok:
        raise typer.Exit(1)


@app.command("backup")
def backup(output: Path | None = typer.Option(None, "--output", "-o", help="备份文件 / target file")) -> None:
    """备份 SQLite 数据库（在线一致备份）/ online backup of the SQLite file. PostgreSQL: use pg_dump."""
    db = state.database(ready=False)
    target = db.backup(output)
    console.print(tr(f"已备份到 {target}", f"backed up to {target}"), markup=False)
