"""Check a person in by name, for one of the bodies they hold a post in."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import _
from gongzhi.plugins.red_property.screens.common import (
    BINDING_TEXT,
    Bilingual,
)
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, PersonPicker


class CheckInScreen(Bilingual, DbWork, ModalScreen[str | None]):
    """Check a person in for one body: pick the person (or come preset), then the body
    among those they hold a post in on the meeting date (a cross-appointed person has
    several and stands for one; typed by name or pinyin, Down lists them; the only one is
    chosen already). Dismissed with "name · body", or None."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="redprop.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="redprop.form_save", priority=True),
    ]

    def __init__(self, db, meeting_id: int, person: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.db = db
        self.meeting_id = meeting_id
        self.person = person
        self.bodies: list[tuple[int, str]] = []
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="redprop-checkin-box"):
            yield Label(_("Check in: who, and the body they stand for"),
                        classes="panel-title", id="redprop-checkin-title")
            yield PersonPicker(placeholder=_("name, pinyin or phone tail"),
                               id="redprop-checkin-person")
            yield Label(_("Stands for:"), id="redprop-checkin-body-label")
            yield ChoicePicker(placeholder=_("Choose the body"), id="redprop-checkin-body")
            yield Label("", id="redprop-checkin-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Check in"), id="redprop-checkin-save", variant="primary")
                yield Button(_("Cancel"), id="redprop-checkin-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        picker = self.query_one("#redprop-checkin-person", PersonPicker)
        if self.person is not None:
            picker.select(*self.person)
            self.query_one("#redprop-checkin-body", ChoicePicker).query_one(Input).focus()
        else:
            picker.query_one(Input).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self.query_one("#redprop-checkin-title", Label).update(
            _("Check in: who, and the body they stand for"))
        self.query_one("#redprop-checkin-body-label", Label).update(_("Stands for:"))
        self.query_one("#redprop-checkin-body", ChoicePicker).query_one(Input).placeholder = _("Choose the body")

    @on(PersonPicker.Changed, "#redprop-checkin-person")
    def _person(self, event: PersonPicker.Changed) -> None:
        box = self.query_one("#redprop-checkin-body", ChoicePicker)
        error = self.query_one("#redprop-checkin-error", Label)
        error.update("")
        box.clear()
        box.set_choices([])
        if event.value is None:
            return
        db, mid, pid, name = self.db, self.meeting_id, event.value, event.text

        def fetch() -> list[tuple[int, str]]:
            with db.read_session() as s:
                return [(o.id, o.name) for o in svc.attendable_bodies(s, mid, pid)]

        def show(bodies: list[tuple[int, str]]) -> None:
            self.bodies = bodies
            box.set_choices([Choice(i, n) for i, n in bodies])
            if len(bodies) == 1:
                box.choose(bodies[0][0])
            elif not bodies:
                error.update(_("{name} holds no post on the meeting date and cannot stand for a body").format(name=name))
            else:
                error.update(_("{name} is cross-appointed: choose the one body they stand for (counted once)").format(name=name))

        self.db_work(fetch, show, group="redprop-checkin-bodies", on_error=error.update)

    @on(Button.Pressed, "#redprop-checkin-save")
    def action_save(self) -> None:
        if self.busy:
            return
        error = self.query_one("#redprop-checkin-error", Label)
        pid = self.query_one("#redprop-checkin-person", PersonPicker).value
        box = self.query_one("#redprop-checkin-body", ChoicePicker)
        if pid is None:
            error.update(_("Pick the person first"))
            return
        if box.value is None:
            error.update(_("Choose the body they stand for"))
            return
        db, actor, mid, oid = self.db, self.app.actor, self.meeting_id, box.value
        name = self.query_one("#redprop-checkin-person", PersonPicker).text
        body = dict(self.bodies).get(oid, "")

        def write() -> str:
            with db.session() as s:
                svc.check_in(s, actor=actor, meeting_id=mid, person_id=pid, organisation_id=oid)
            return f"{name} · {body}"

        def failed(message: str) -> None:
            self.busy = False
            error.update(Text(message))

        self.busy = True
        self.db_work(write, self.dismiss, group="redprop-checkin-write", on_error=failed)

    @on(Button.Pressed, "#redprop-checkin-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
