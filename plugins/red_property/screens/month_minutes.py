"""This month's joint-meeting minutes in one Word file, in one action.

The dialog opens with the month (this month, as people say it: ``2026-11``) and the file
(``<data dir>/minutes/联席会议纪要-2026-11-<time>.docx``) filled in, the focus on the month:
Enter writes. Typing another month moves a file name still at its default along; a path
ending in ``.md`` writes Markdown. A month without a closed meeting, an impossible month
or an existing file is refused on the form, and nothing is written."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import on
from textual.widgets import Input

from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.plugins.red_property.screens.common import FormScreen
from gongzhi.tui.widgets.forms import FormError, FormField, export_path

MONTH = re.compile(r"^\s*(\d{4})\s*(?:[-/.年]\s*(\d{1,2})\s*月?|(\d{2}))\s*$")


def parse_month(text: str) -> tuple[int, int]:
    """``2026-11`` (or ``2026/11``, ``2026.11``, ``202611``, ``2026年11月``) → (2026, 11)."""
    found = MONTH.match(text or "")
    if not found:
        raise FormError(_("The month should read year-month, e.g. 2026-11: {text}").format(text=text))
    year, month = int(found.group(1)), int(found.group(2) or found.group(3))
    if not 1 <= month <= 12:
        raise FormError(_("There is no month {month}: {text}").format(month=month, text=text))
    return year, month


def default_month_path(year: int, month: int, fmt: str = "docx") -> Path:
    return export_path("minutes", stem=f"联席会议纪要-{year}-{month:02d}", fmt=fmt)


class MonthMinutesScreen(FormScreen):
    """The month and the file; Enter (or ctrl+s) writes every closed meeting of the month."""

    def __init__(self, db, *, now: datetime | None = None) -> None:
        today = (now or datetime.now(LOCAL_TZ)).astimezone(LOCAL_TZ)
        self.default = default_month_path(today.year, today.month)
        super().__init__(pair(N_("The month's joint-meeting minutes (Word, one part per meeting)")), [
            FormField("month", *pair(N_("Month")), value=f"{today.year}-{today.month:02d}", placeholder="2026-11"),
            FormField("path", *pair(N_("File")), value=str(self.default)),
        ], self._submit, form_id="redprop-month-minutes")
        self.db = db

    @on(Input.Changed, "#redprop-month-minutes-month")
    def _month(self, event: Input.Changed) -> None:
        box = self.query_one("#redprop-month-minutes-path", Input)
        if box.value != str(self.default):
            return  # typed by hand: leave it
        try:
            year, month = parse_month(event.value)
        except FormError:
            return
        self.default = default_month_path(year, month)
        box.value = str(self.default)

    def _submit(self, v: dict[str, Any]) -> Callable[[], Path]:
        from gongzhi.plugins.red_property.minutes import write_month_minutes

        year, month = parse_month(v["month"])
        if not v["path"]:
            raise FormError(_("A file path is needed"))
        path = Path(v["path"]).expanduser()
        fmt = "md" if path.suffix == ".md" else "docx"
        if path.suffix not in (".md", ".docx"):
            path = path.with_name(f"{path.name}.docx")
        if path.exists():
            raise FormError(_("The file exists and will not be overwritten: {path}").format(path=path))
        db, default_dir = self.db, self.default.parent

        def write() -> Path:
            if path.parent == default_dir:
                path.parent.mkdir(parents=True, exist_ok=True)  # our own folder in the data dir
            with db.read_session() as s:
                return write_month_minutes(s, year, month, path, fmt=fmt)

        return write


def month_minutes(app, screen=None) -> None:
    """Open the dialog (the palette's command and ``m`` on the meetings); say where it went."""

    def done(path: Path | None) -> None:
        if path is not None:
            app.notify(_("The month's minutes written to {path}").format(path=path))
            if screen is not None and hasattr(screen, "said"):
                screen.said = path

    app.push_screen(MonthMinutesScreen(app.db), done)
