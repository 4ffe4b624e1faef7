"""居民议事厅 / the residents' council: the list of consultations (the section)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from plugins.deliberation.queries import ConsultationRow, load_consultations
from plugins.deliberation.screens.common import BINDING_TEXT, FormScreen
from plugins.deliberation.screens.consultation import ConsultationScreen
from tui.widgets.bilingual import enum_label, t
from tui.widgets.forms import (
    FormField,
)
from tui.widgets.list_section import ListSection

LIST_COLUMNS = (("title", "议题", "Title"), ("status", "状态", "Status"), ("place", "地点", "Place"),
                ("rounds", "表决轮次", "Rounds"))


class DeliberationScreen(ListSection):
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
    HEADING = ("居民议事厅 · 协商事项（回车打开，n 新建）", "Residents' council · consultations (Enter opens, n new)")
    COLUMNS = LIST_COLUMNS
    HEADING_ID, TABLE_ID, STATUS_ID = "delib-heading", "delib-list", "delib-status"

    def load(self, session: Session) -> list[ConsultationRow]:
        return load_consultations(session)

    def cells(self, r: ConsultationRow) -> tuple[str, ...]:
        from plugins.deliberation.models import ConsultationStatus

        return r.title, enum_label(ConsultationStatus, r.status), r.place, str(r.rounds)

    def status(self, rows: list[ConsultationRow]) -> str:
        return t(f"共 {len(rows)} 项协商", f"{len(rows)} consultations")

    @on(DataTable.RowSelected, "#delib-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ConsultationScreen(self.db, int(event.row_key.value)))

    def action_new(self) -> None:
        from plugins.deliberation import services as svc

        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    return svc.create_consultation(s, actor=actor, title=v["title"], issue=v["issue"],
                                                   place_id=v["place"]).id
            return write

        def done(cid: int | None) -> None:
            if cid is not None:
                self.app.notify(t("协商已新建", "Consultation created"))
                self.app.push_screen(ConsultationScreen(db, cid))

        self.app.push_screen(FormScreen(t("新建协商", "New consultation"), [
            FormField("title", "议题", "Title"),
            FormField("issue", "议题说明（可空）", "The issue (optional)"),
            FormField("place", "地点（可空）", "Place (optional)", kind="place",
                      placeholder=t("小区名或拼音", "compound name or pinyin")),
        ], submit, form_id="delib-new"), done)

    def action_back(self) -> None:
        self.app.pop_screen()


