"""``gongzhi import``: ticket exports of 12345 and Jinzhitong into requests, registers of
residents, places and organisations (docs/importing.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer

from gongzhi.core.cli.context import console, err, print_json, state, table, tr
from gongzhi.core.errors import DomainError

app = typer.Typer(help="导入 / import", no_args_is_help=True)

_CONFIRM = typer.Option(
    False, "--confirm-approximate",
    help="确认按近似匹配的地址导入（先用 --dry-run 核对）；不加时这些行不导入 / import the rows whose address "
         "matched only approximately (check them with --dry-run first); without it those rows are refused")


@app.command("requests")
def requests_(
    file: Path = typer.Argument(..., help="工单导出文件 .csv/.xlsx/.xls / ticket export file"),
    profile: str | None = typer.Option(None, "--profile", help="导入配置 / import profile (12345, jinzhitong, …)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入 / check only, write nothing"),
    valid_only: bool = typer.Option(False, "--valid-only",
                                    help="只导入正确的行，错误行另存 / import valid rows only, rejected rows to a file"),
    confirm_approximate: bool = _CONFIRM,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """导入工单为诉求 / import a ticket export as requests."""
    from gongzhi.core.importing import requests as imp
    from gongzhi.core.importing.profiles import guess_profile, load_profile
    from gongzhi.core.importing.reading import read_table

    if dry_run and valid_only:
        raise DomainError("input.invalid", field="--valid-only", value="--dry-run")
    data = read_table(file)
    prof = load_profile(profile) if profile else guess_profile(data.header)
    db = state.database()
    with _progress() as bar:
        if dry_run:
            report = imp.dry_run(db, data, prof, state.actor, confirm_approximate=confirm_approximate,
                                 progress=bar.checking)
        else:
            report = imp.commit(db, data, prof, state.actor, valid_only=valid_only, progress=bar.writing,
                                planning=bar.checking, confirm_approximate=confirm_approximate)
    _finish(report, prof.name, dry_run, as_json)


@app.command("people")
def people(
    file: Path = typer.Argument(..., help="居民花名册 .csv/.xlsx/.xls / register of residents"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入 / check only, write nothing"),
    valid_only: bool = typer.Option(False, "--valid-only",
                                    help="只导入正确的行，错误行另存 / import valid rows only, rejected rows to a file"),
    confirm_approximate: bool = _CONFIRM,
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """导入居民花名册 / import a register of residents."""
    from gongzhi.core.importing import people as imp
    from gongzhi.core.importing.reading import read_table

    if dry_run and valid_only:
        raise DomainError("input.invalid", field="--valid-only", value="--dry-run")
    data = read_table(file)
    db = state.database()
    with _progress() as bar:
        if dry_run:
            report = imp.dry_run(db, data, state.actor, confirm_approximate=confirm_approximate,
                                 progress=bar.checking)
        else:
            report = imp.commit(db, data, state.actor, valid_only=valid_only, progress=bar.writing,
                                planning=bar.checking, confirm_approximate=confirm_approximate)
    _finish(report, "people", dry_run, as_json)


def _register(file: Path, dry_run: bool, valid_only: bool, as_json: bool, what: str) -> None:
    from gongzhi.core.importing import registers as imp
    from gongzhi.core.importing.reading import read_table

    if dry_run and valid_only:
        raise DomainError("input.invalid", field="--valid-only", value="--dry-run")
    data = read_table(file)
    db = state.database()
    if dry_run:
        report = getattr(imp, f"dry_run_{what}")(db, data)
    else:
        with _progress() as bar:
            report = getattr(imp, f"commit_{what}")(db, data, state.actor, valid_only=valid_only,
                                                    progress=bar.writing)
    _finish(report, what, dry_run, as_json)


@app.command("places")
def places(
    file: Path = typer.Argument(..., help="地点登记表 .csv/.xlsx/.xls：社区、小区、楼栋、微网格、户 / place register"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入 / check only, write nothing"),
    valid_only: bool = typer.Option(False, "--valid-only",
                                    help="只导入正确的行，错误行另存 / import valid rows only, rejected rows to a file"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """导入地点（社区、小区、楼栋、户）/ import the place tree from a register."""
    _register(file, dry_run, valid_only, as_json, "places")


@app.command("orgs")
def orgs(
    file: Path = typer.Argument(..., help="组织名录 .csv/.xlsx/.xls：名称、类型、所在地点 / organisation list"),
    dry_run: bool = typer.Option(False, "--dry-run", help="只检查，不写入 / check only, write nothing"),
    valid_only: bool = typer.Option(False, "--valid-only",
                                    help="只导入正确的行，错误行另存 / import valid rows only, rejected rows to a file"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """导入组织名录 / import organisations from a list."""
    _register(file, dry_run, valid_only, as_json, "orgs")


class _Bar:
    """The two phases of an import on one rich progress bar: checking the rows (the dry
    run, the commit's planning), then writing them; rows/s and the time left for each."""

    def __init__(self, bar, task) -> None:
        self.bar, self.task, self.phase = bar, task, ""

    def _show(self, phase: str, label: str, done: int, total: int) -> None:
        if phase != self.phase:
            self.phase = phase
            self.bar.reset(self.task, total=total, description=label)
        self.bar.update(self.task, completed=done, total=total)

    def checking(self, done: int, total: int) -> None:
        self._show("check", tr("检查", "checking"), done, total)

    def writing(self, done: int, total: int) -> None:
        self._show("write", tr("导入", "importing"), done, total)


@contextmanager
def _progress() -> Iterator[_Bar]:
    """A progress bar with rows/s and the time left, while the rows are checked and while
    they are written (gone when done; Ctrl+C cancels, and the one transaction leaves
    nothing written). Not drawn when the output is not a terminal."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        TextColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RowsPerSecond(ProgressColumn):
        def render(self, task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else tr(f"{speed:.0f} 行/秒", f"{speed:.0f} rows/s"))

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RowsPerSecond(),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task(tr("检查", "checking"), total=None)
        yield _Bar(bar, task)


def _finish(report, profile: str, dry_run: bool, as_json: bool) -> None:
    lang = state.language
    if as_json:
        print_json({
            "file": str(report.file), "sha256": report.sha256, "encoding": report.encoding,
            "profile": profile, "rows": report.rows, "dry_run": dry_run, "written": report.written,
            "valid": len(report.planned), "created": report.created, "updated": report.updated,
            "unchanged": report.unchanged, "cancelled": report.cancelled,
            "error_file": str(report.error_file) if report.error_file else None,
            "errors": [{"row": e.row, "column": e.column, "value": e.value, "code": e.error.code,
                        "reason": e.reason(lang)} for e in report.errors],
            "warnings": [{"row": e.row, "column": e.column, "value": e.value, "code": e.error.code,
                          "reason": e.reason(lang)} for e in report.warnings],
        })
    else:
        _print(report, profile, dry_run)
    if report.errors and not report.written:
        if not dry_run:
            err(tr("错误：", "error: ") + DomainError("import.has_errors", count=len(report.bad_rows)).message(lang))
        raise typer.Exit(1)


def _print(report, profile: str, dry_run: bool) -> None:
    lang = state.language
    console.print(tr(f"文件 {report.file.name}（{report.encoding}，配置 {profile}）：{report.rows} 行，"
                     f"正确 {len(report.planned)} 行，错误 {len(report.bad_rows)} 行",
                     f"{report.file.name} ({report.encoding}, profile {profile}): {report.rows} rows, "
                     f"{len(report.planned)} valid, {len(report.bad_rows)} with errors"), markup=False)
    cols = [tr("行", "row"), tr("列", "column"), tr("值", "value"), tr("原因", "reason")]
    if report.errors:
        table(cols, [[e.row, e.column, e.value, e.reason(lang)] for e in report.errors], title=tr("错误", "errors"))
    if report.warnings:
        table(cols, [[e.row, e.column, e.value, e.reason(lang)] for e in report.warnings],
              title=tr("提示", "notices"))
    if dry_run:
        console.print(tr("试运行：未写入任何数据", "dry run: nothing was written"), markup=False)
    elif report.written:
        console.print(tr(f"已导入：新建 {report.created}，更新 {report.updated}，未变 {report.unchanged}",
                         f"imported: {report.created} created, {report.updated} updated, "
                         f"{report.unchanged} unchanged"), markup=False)
        if report.error_file:
            console.print(tr(f"未导入的行已写入 {report.error_file}", f"rejected rows written to {report.error_file}"),
                          markup=False)
