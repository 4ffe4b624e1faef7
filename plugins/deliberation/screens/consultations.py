"""居民议事厅 / the residents' council: the list of consultations (the section)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from gongzhi.plugins.deliberation.i18n import N_, _, pair
from gongzhi.plugins.deliberation.queries import ConsultationRow, load_consultations
from gongzhi.plugins.deliberation.screens.common import BINDING_TEXT, FormScreen
from gongzhi.plugins.deliberation.screens.consultation import ConsultationScreen
from gongzhi.tui.widgets.base import Gated
from gongzhi.tui.widgets.bilingual import enum_label
from gongzhi.tui.widgets.forms import (
    FormField,
)
from gongzhi.tui.widgets.list_section import ListSection

LIST_COLUMNS = (("title", *pair(N_("Title"))), ("status", *pair(N_("Status"))), ("place", *pair(N_("Place"))),
                ("rounds", *pair(N_("Rounds"))))


class DeliberationScreen(Gated, ListSection):
    """居民议事厅 / Residents' council: the consultations; ``n`` opens a new one."""

    DEFAULT_CSS = """
    DeliberationScreen #delib-list { height: 1fr; }
    """

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "back", "Back", id="delib.back"),
        Binding("n", "new", "New consultation", id="delib.new_consultation"),
        Binding("r", "reload", "Reload", id="delib.reload"),
    ]
    HEADING = pair(N_("Residents' council · consultations (Enter opens, n new)"))
    COLUMNS = LIST_COLUMNS
    HEADING_ID, TABLE_ID, STATUS_ID = "delib-heading", "delib-list", "delib-status"

    def load(self, session: Session) -> list[ConsultationRow]:
        return load_consultations(session)

    def cells(self, r: ConsultationRow) -> tuple[str, ...]:
        from gongzhi.plugins.deliberation.models import ConsultationStatus

        return r.title, enum_label(ConsultationStatus, r.status), r.place, str(r.rounds)

    def status(self, rows: list[ConsultationRow]) -> str:
        return _("{n_rows} consultations").format(n_rows=len(rows))

    @on(DataTable.RowSelected, "#delib-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ConsultationScreen(self.db, int(event.row_key.value)))

    def action_new(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    return svc.create_consultation(s, actor=actor, title=v["title"], issue=v["issue"],
                                                   place_id=v["place"]).id
            return write

        def done(cid: int | None) -> None:
            if cid is not None:
                self.app.notify(_("Consultation created"))
                self.app.push_screen(ConsultationScreen(db, cid))

        self.app.push_screen(FormScreen(_("New consultation"), [
            FormField("title", *pair(N_("Title"))),
            FormField("issue", *pair(N_("The issue (optional)"))),
            FormField("place", *pair(N_("Place (optional)")), kind="place",
                      placeholder=_("compound name or pinyin")),
        ], submit, form_id="delib-new"), done)

    def action_back(self) -> None:
        self.app.pop_screen()


