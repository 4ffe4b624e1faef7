"""``gongzhi stats``: the three rates."""

from __future__ import annotations

import typer

from core.cli.context import print_json, state, table, tr
from core.services import stats as svc

app = typer.Typer(help="统计 / statistics", no_args_is_help=True)


def _pct(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


@app.command("rates")
def rates(
    by: str = typer.Option("community", "--by", help="community|category|channel|all"),
    period: str | None = typer.Option(None, "--period", help="2026, 2026-03, 2026-Q2 or 2026-01-01..2026-06-30"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """三率：响应率、解决率、满意率 / response, resolution and satisfaction rates."""
    db = state.database()
    start = end = None
    if period:
        start, end = svc.period_bounds(period)
    with db.read_session() as s:
        rows = svc.three_rates(s, group_by=by, start=start, end=end, settings=state.settings.rates)
        labels = svc.group_labels(s, by, state.language)
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
        [tr("分组", "group"), tr("受理", "received"), tr("响应率", "response"), tr("解决率", "resolution"),
         tr("满意率", "satisfaction"), tr("综合", "score")],
        [[labels.get(r.group_id, str(r.group_id)), r.received,
          f"{_pct(r.response_rate)} ({r.responded}/{r.base})", f"{_pct(r.resolution_rate)} ({r.resolved}/{r.base})",
          f"{_pct(r.satisfaction_rate)} ({r.satisfied}+{r.basically}/{r.rated})", _pct(r.score)] for r in rows],
        title=tr("三率统计", "three rates") + (f" {period}" if period else ""),
    )
