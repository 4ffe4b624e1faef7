"""A consultation opened from the request on screen (a modal asking for its title)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from gongzhi.plugins.deliberation.i18n import _
from gongzhi.plugins.deliberation.screens.common import BINDING_TEXT
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import Bilingual


class FromRequestScreen(Bilingual, DbWork, ModalScreen[int | None]):
    """Open a consultation from a request: its title (pre-filled with the request's),
    then ``create_consultation`` linked to the request (which notes it on its timeline).
    Dismissed with the new consultation's id, or None."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="delib.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="delib.form_save", priority=True),
    ]

    def __init__(self, db, request_id: int) -> None:
        super().__init__()
        self.db = db
        self.request_id = request_id
        self.place_id: int | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="delib-from-request-box"):
            yield Label(_("Take a request to the residents' council"), classes="panel-title")
            yield Label("", id="delib-from-request-ref")
            yield Label(_("Consultation title:"))
            yield Input(id="delib-from-request-title", max_length=200)
            yield Label("", id="delib-from-request-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Open consultation"), id="delib-from-request-save", variant="primary")
                yield Button(_("Cancel"), id="delib-from-request-cancel")

    def on_mount(self) -> None:
        from gongzhi.core.services.requests import get_request

        self.translate_own_bindings()
        self.query_one("#delib-from-request-title", Input).focus()
        db, rid = self.db, self.request_id

        def fetch() -> tuple[str, str, int | None]:
            with db.read_session() as s:
                r = get_request(s, rid)
                return r.ref, r.title, r.place_id

        self.db_work(fetch, self._prefill, group="delib-from-request-read")

    def _prefill(self, found: tuple[str, str, int | None]) -> None:
        ref, title, self.place_id = found
        self.query_one("#delib-from-request-ref", Label).update(_("Request {ref}: {title}").format(ref=ref, title=title))
        box = self.query_one("#delib-from-request-title", Input)
        if not box.value:
            box.value = title

    @on(Input.Submitted, "#delib-from-request-title")
    @on(Button.Pressed, "#delib-from-request-save")
    def action_save(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        title = self.query_one("#delib-from-request-title", Input).value.strip()
        error = self.query_one("#delib-from-request-error", Label)
        if not title:
            error.update(_("A title is needed"))
            return
        if self.busy:
            return
        db, actor, rid, place_id = self.db, self.app.actor, self.request_id, self.place_id

        def write() -> int:
            with db.session() as s:
                return svc.create_consultation(s, actor=actor, title=title, place_id=place_id,
                                               request_ids=[rid]).id

        def failed(message: str) -> None:
            self.busy = False
            error.update(message)

        self.busy = True
        self.db_work(write, self.dismiss, group="delib-from-request-write", on_error=failed)

    @on(Button.Pressed, "#delib-from-request-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

