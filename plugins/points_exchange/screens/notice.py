"""The month's public notice (积分公示) from the counter or the palette."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.points_exchange.i18n import N_, _
from gongzhi.plugins.points_exchange.screens.common import PointsForm, field
from gongzhi.tui import i18n
from gongzhi.tui.widgets.forms import FormError, export_path

# -- the public notice ---------------------------------------------------------------------------


def notice_path(month: str, fmt: str) -> Path:
    """``<data dir>/points/notices/积分公示-<YYYY-MM>-<YYYYMMDD-HHMMSS>.<fmt>`` (a new
    file each time: exports never overwrite)."""
    stem = _("points-notice-{month}").format(month=month)
    return export_path("points", "notices", stem=stem, fmt=fmt, stamp="%Y%m%d-%H%M%S")


def export_notice(app, said: Callable[[str], Any] | None = None) -> None:
    """This month's public notice (公示) as Word (.docx), in one action (F9 on the
    counter, or the palette): written into the data directory, and said where."""
    from gongzhi.plugins.points_exchange import reports

    db, lang = app.db, i18n.language()
    month = reports.this_month()
    path = notice_path(month, "docx")

    def run() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with db.read_session() as s:
                written = reports.write_notice(s, month, path, "docx")
        except DomainError as exc:
            app.call_from_thread(app.notify, exc.message(lang), severity="error")
            return
        app.call_from_thread(_written, app, written, said)

    app.run_worker(run, thread=True, group="points-notice", name="points-notice")


def _written(app, path: Path, said: Callable[[str], Any] | None) -> None:
    message = _("The notice was written to {path}").format(path=path)
    if said is not None:
        said(message)
    app.notify(message)


def choose_notice(app, said: Callable[[str], Any] | None = None) -> None:
    """Ask for the month (default this one) and the format (Excel or Word), write the
    month's public notice (公示) into the data directory and say where (shift+F9)."""
    from gongzhi.plugins.points_exchange import reports

    db = app.db

    def submit(v: dict[str, Any]) -> Callable[[], Path]:
        month = reports.parse_month(v["month"]).label  # a bad month is refused here
        fmt = v["format"]
        if fmt is None:
            raise FormError(_("Choose the format: Excel or Word"))
        path = notice_path(month, fmt)

        def write() -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            with db.read_session() as s:
                return reports.write_notice(s, month, path, fmt)

        return write

    def done(path: Path | None) -> None:
        if path is not None:
            _written(app, path, said)

    app.push_screen(
        PointsForm(
            _("Export the month's public notice"),
            [
                field("month", N_("Month (YYYY-MM)"), value=reports.this_month()),
                field(
                    "format",
                    N_("Format"),
                    kind="choice",
                    value="xlsx",
                    choices=[("Excel (.xlsx)", "xlsx"), ("Word (.docx)", "docx")],
                ),
            ],
            submit,
            form_id="points-notice",
        ),
        done,
    )
