"""The request on screen added to an existing consultation (a modal listing them)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

from gongzhi.plugins.deliberation.i18n import _
from gongzhi.plugins.deliberation.queries import ConsultationRow, load_consultations
from gongzhi.plugins.deliberation.screens.common import BINDING_TEXT
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import Bilingual, enum_label


class LinkRequestScreen(Bilingual, DbWork, ModalScreen[int | None]):
    """Take the request on screen to an existing consultation: the consultations that
    can still change, Enter links the highlighted one (``link_request``, which notes it
    on the request's timeline). Dismissed with the consultation's id, or None."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="delib.form_cancel")]
    DEFAULT_CSS = """
    LinkRequestScreen { align: center middle; }
    LinkRequestScreen > Vertical { width: 90; height: 24; border: thick $accent; background: $surface; }
    LinkRequestScreen DataTable { height: 1fr; }
    """

    def __init__(self, db, request_id: int) -> None:
        super().__init__()
        self.db = db
        self.request_id = request_id
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="delib-link-box"):
            yield Label(_("Add to an existing consultation (Enter picks)"),
                        classes="panel-title")
            yield DataTable(id="delib-link-list", cursor_type="row", zebra_stripes=True)
            yield Label("", id="delib-link-error", classes="error")

    def on_mount(self) -> None:
        from gongzhi.plugins.deliberation.models import ConsultationStatus

        self.translate_own_bindings()
        table = self.query_one("#delib-link-list", DataTable)
        table.add_column(_("Title"), key="title")
        table.add_column(_("Status"), key="status")
        table.add_column(_("Place"), key="place")
        table.focus()
        db = self.db

        def fetch() -> list[ConsultationRow]:
            with db.read_session() as s:
                return [r for r in load_consultations(s)
                        if r.status in (ConsultationStatus.draft, ConsultationStatus.open)]

        def show(rows: list[ConsultationRow]) -> None:
            for r in rows:
                table.add_row(r.title, enum_label(ConsultationStatus, r.status), r.place, key=str(r.id))
            if not rows:
                self.query_one("#delib-link-error", Label).update(
                    _("No consultation is open to join"))

        self.db_work(fetch, show, group="delib-link-read")

    @on(DataTable.RowSelected, "#delib-link-list")
    def _picked(self, event: DataTable.RowSelected) -> None:
        from gongzhi.plugins.deliberation import services as svc

        if self.busy:
            return
        cid, rid, db, actor = int(event.row_key.value), self.request_id, self.db, self.app.actor

        def write() -> int:
            with db.session() as s:
                svc.link_request(s, actor=actor, consultation_id=cid, request_id=rid)
            return cid

        def failed(message: str) -> None:
            self.busy = False
            self.query_one("#delib-link-error", Label).update(Text(message))

        self.busy = True
        self.db_work(write, self.dismiss, group="delib-link-write", on_error=failed)

    def action_cancel(self) -> None:
        self.dismiss(None)

