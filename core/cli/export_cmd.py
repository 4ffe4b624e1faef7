"""``gongzhi export``: the exports a street office prints and hands upward, by name (issue
17, item 6) — thin wrappers over the services that write them (core.services.exports,
core.services.open311). Every file is checked before any work and never overwritten; the
export is audited; personal data stays out unless the role may export it and ``--personal``
asks for it. ``--json`` prints what was written."""

from __future__ import annotations

from pathlib import Path

import typer

from gongzhi.core.cli.context import console, print_json, state, tr

app = typer.Typer(help="导出 / export: 诉求清单、Open311、三率报表、超期清单 / requests, Open311, three rates, "
                       "overdue list", no_args_is_help=True)

_OUTPUT = "--output"
_JSON = typer.Option(False, "--json", help="以 JSON 输出写入的文件与行数 / print what was written as JSON")


def _filters(s, status, community, place, channel, category, overdue, text, reporter):
    from gongzhi.core.cli.request_cmd import _filter

    return _filter(s, status, community, place, channel, category, overdue, text, reporter)


def _done(as_json: bool, what: str, data: dict, zh: str, en: str) -> None:
    if as_json:
        print_json({"export": what, **data})
    else:
        console.print(tr(zh, en), markup=False, highlight=False)


@app.command("requests")
def requests_(
    output: Path = typer.Option(..., _OUTPUT, "-o", help=".csv（Excel 可打开）、.xlsx 或 .docx（打印）；不会覆盖 / "
                                "a .csv (opens in Excel), .xlsx or .docx (to print) file; never overwritten"),
    status: list[str] = typer.Option([], "--status", "-s", help="状态（可重复）/ status (repeatable)"),
    community: str | None = typer.Option(None, "--community", help="社区 / community"),
    place: str | None = typer.Option(None, "--place", help="地点及其下级 / place and below"),
    channel: str | None = typer.Option(None, "--channel", help="渠道 / channel"),
    category: str | None = typer.Option(None, "--category", help="类别 / category"),
    overdue: bool = typer.Option(False, "--overdue", help="只导出超期的 / overdue only"),
    text: str = typer.Option("", "--text", "-q", help="标题/描述/编号 / text in title, description, ref"),
    reporter: str = typer.Option("", "--reporter", help="反映人姓名或拼音 / reporter name or pinyin"),
    personal: bool = typer.Option(False, "--personal", help="包含反映人姓名等个人信息（需导出个人信息权限）/ include "
                                  "reporters' names and other personal data (needs the export.personal permission)"),
    as_json: bool = _JSON,
) -> None:
    """诉求清单，按文件后缀写成 CSV、.xlsx 或 Word / the request list as CSV, .xlsx or Word, by the file's suffix."""
    from gongzhi.core.services.exports import export_requests

    db = state.database()
    with db.session() as s:
        flt = _filters(s, status, community, place, channel, category, overdue, text, reporter)
        result = export_requests(s, actor=state.actor, path=output, flt=flt, lang=state.language,
                                 personal=personal or False)
    _done(as_json, "requests", {"path": str(result.path), "rows": result.rows, "personal": personal},
          f"已导出 {result.rows} 件诉求到 {result.path}", f"exported {result.rows} requests to {result.path}")


@app.command("overdue")
def overdue_(
    output: Path = typer.Option(..., _OUTPUT, "-o", help="Word 文件 .docx（不会覆盖）/ a Word .docx file (never overwritten)"),
    community: str | None = typer.Option(None, "--community", help="社区 / community"),
    place: str | None = typer.Option(None, "--place", help="地点及其下级 / place and below"),
    category: str | None = typer.Option(None, "--category", help="类别 / category"),
    as_json: bool = _JSON,
) -> None:
    """超期诉求清单（Word，供打印）/ the overdue list as a Word table to print."""
    from gongzhi.core.errors import DomainError
    from gongzhi.core.services.exports import export_requests

    if output.suffix.lower() != ".docx":
        raise DomainError("input.invalid", field=_OUTPUT, value=str(output))
    db = state.database()
    with db.session() as s:
        flt = _filters(s, [], community, place, None, category, True, "", "")
        result = export_requests(s, actor=state.actor, path=output, flt=flt, lang=state.language, personal=False)
    _done(as_json, "overdue", {"path": str(result.path), "rows": result.rows},
          f"已导出 {result.rows} 件超期诉求到 {result.path}", f"exported {result.rows} overdue requests to {result.path}")


@app.command("open311")
def open311_(
    output: Path = typer.Option(..., _OUTPUT, "-o", help="Open311 诉求 .json；服务类别另存为 NAME.services.json / the "
                                "requests' .json; the services beside it as NAME.services.json"),
    status: list[str] = typer.Option([], "--status", "-s", help="状态（可重复）/ status (repeatable)"),
    community: str | None = typer.Option(None, "--community", help="社区 / community"),
    place: str | None = typer.Option(None, "--place", help="地点及其下级 / place and below"),
    channel: str | None = typer.Option(None, "--channel", help="渠道 / channel"),
    category: str | None = typer.Option(None, "--category", help="类别 / category"),
    overdue: bool = typer.Option(False, "--overdue", help="只导出超期的 / overdue only"),
    as_json: bool = _JSON,
) -> None:
    """诉求按 Open311 GeoReport v2 导出（不含个人信息）/ requests as Open311 GeoReport v2 (no personal data)."""
    from gongzhi.core.errors import DomainError
    from gongzhi.core.services.open311 import export_open311

    if output.suffix.lower() != ".json":
        raise DomainError("input.invalid", field=_OUTPUT, value=str(output))
    db = state.database()
    with db.session() as s:
        flt = _filters(s, status, community, place, channel, category, overdue, "", "")
        done = export_open311(s, actor=state.actor, path=output, flt=flt, lang=state.language)
    _done(as_json, "open311", {"path": str(done.requests_path), "rows": done.requests,
                               "services_path": str(done.services_path), "services": done.services},
          f"已按 Open311 导出 {done.requests} 件诉求到 {done.requests_path}，{done.services} 个服务类别到 "
          f"{done.services_path}",
          f"exported {done.requests} requests as Open311 to {done.requests_path} and {done.services} services to "
          f"{done.services_path}")


@app.command("rates")
def rates_(
    output: Path = typer.Option(..., _OUTPUT, "-o", help="Word 文件 .docx（不会覆盖）/ a Word .docx file (never overwritten)"),
    by: str = typer.Option("community", "--by", help="community|category|channel|all"),
    period: str | None = typer.Option(None, "--period", help="2026, 2026-03, 2026-Q2 or 2026-01-01..2026-06-30"),
    as_json: bool = _JSON,
) -> None:
    """三率报表（响应率、解决率、满意率，Word）/ the three rates report (response, resolution, satisfaction) as Word."""
    from gongzhi.core.services.base import check_output_path
    from gongzhi.core.services.exports import export_rates

    output = check_output_path(output)  # before any work
    db = state.database()
    with db.session() as s:
        result = export_rates(s, actor=state.actor, path=output, group_by=by, period=period,
                              settings=state.settings.rates, lang=state.language)
    _done(as_json, "rates", {"path": str(result.path), "rows": result.rows, "by": by, "period": period},
          f"已导出三率报表（{result.rows} 组）到 {result.path}",
          f"exported the three rates ({result.rows} groups) to {result.path}")
