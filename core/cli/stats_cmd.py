"""``gongzhi stats``: the three rates."""

from __future__ import annotations

from pathlib import Path

import typer

from gongzhi.core.cli.context import err, print_json, state, table, tr
from gongzhi.core.services import stats as svc

app = typer.Typer(help="统计 / statistics", no_args_is_help=True)


def _pct(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


@app.command("rates")
def rates(
    by: str = typer.Option("community", "--by", help="community|category|channel|all"),
    period: str | None = typer.Option(None, "--period", help="2026, 2026-03, 2026-Q2 or 2026-01-01..2026-06-30"),
    as_json: bool = typer.Option(False, "--json"),
    docx: Path | None = typer.Option(None, "--docx", help="另存为 Word 报表（不会覆盖）/ also write a Word report (never overwritten)"),
) -> None:
    """三率：响应率、解决率、满意率 / response, resolution and satisfaction rates."""
    if docx is not None:
        from gongzhi.core.services.base import check_output_path

        docx = check_output_path(docx)  # before any work
    db = state.database()
    start = end = None
    if period:
        start, end = svc.period_bounds(period)
    with db.read_session() as s:
        rows = svc.three_rates(s, group_by=by, start=start, end=end, settings=state.settings.rates,
                               actor=state.actor)
        labels = svc.group_labels(s, by, state.language)
    headers = [tr("分组", "group"), tr("受理", "received"), tr("响应率", "response"), tr("解决率", "resolution"),
               tr("满意率", "satisfaction"), tr("综合", "score")]
    cells = [[labels.get(r.group_id, str(r.group_id)), r.received,
              f"{_pct(r.response_rate)} ({r.responded}/{r.base})", f"{_pct(r.resolution_rate)} ({r.resolved}/{r.base})",
              f"{_pct(r.satisfaction_rate)} ({r.satisfied}+{r.basically}/{r.rated})", _pct(r.score)] for r in rows]
    if docx is not None:
        from gongzhi.core.models.types import fmt_local, utcnow
        from gongzhi.core.services.word import write_table_docx

        weights = state.settings.rates
        notes = [tr(f"统计期间：{period or '全部'}；截至 {fmt_local(utcnow())}",
                    f"period: {period or 'all'}; as of {fmt_local(utcnow())}"),
                 tr(f"综合得分权重：响应 {weights.weight_response}，解决 {weights.weight_resolution}，"
                    f"满意 {weights.weight_satisfaction}",
                    f"score weights: response {weights.weight_response}, resolution {weights.weight_resolution}, "
                    f"satisfaction {weights.weight_satisfaction}")]
        written = write_table_docx(docx, tr("三率统计", "Three rates"), notes, headers, cells)
        err(tr(f"已写入 {written}", f"written to {written}"))
    if as_json:
        print_json({
            "group_by": by, "period": period,
            "weights": {"response": state.settings.rates.weight_response,
                        "resolution": state.settings.rates.weight_resolution,
                        "satisfaction": state.settings.rates.weight_satisfaction},
            "rows": [r.as_dict() | {"label": labels.get(r.group_id, str(r.group_id))} for r in rows],
        })
        return
    table(
        headers,
        cells,
        title=tr("三率统计", "three rates") + (f" {period}" if period else ""),
    )
