"""Check a person in by name, for one of the bodies they hold a post in."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from plugins.red_property import services as svc
from plugins.red_property.screens.common import (
    BINDING_TEXT,
)
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, t
from tui.widgets.pickers import PersonPicker


class CheckInScreen(Bilingual, DbWork, ModalScreen[str | None]):
    """Check a person in for one body: pick the person (or come preset), then the body
    among those they hold a post in on the meeting date (a cross-appointed person has
    several and stands for one). Dismissed with "name · body", or None."""

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
            yield Label(t("签到：出席人及其代表的组织", "Check in: who, and the body they stand for"),
                        classes="panel-title", id="redprop-checkin-title")
            yield PersonPicker(placeholder=t("姓名、拼音或手机尾号", "name, pinyin or phone tail"),
                               id="redprop-checkin-person")
            yield Label(t("代表组织：", "Stands for:"), id="redprop-checkin-body-label")
            yield Select([], allow_blank=True, prompt=t("选择代表的组织", "Choose the body"),
                         id="redprop-checkin-body")
            yield Label("", id="redprop-checkin-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("签到", "Check in"), id="redprop-checkin-save", variant="primary")
                yield Button(t("取消", "Cancel"), id="redprop-checkin-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        picker = self.query_one("#redprop-checkin-person", PersonPicker)
        if self.person is not None:
            picker.select(*self.person)
            self.query_one("#redprop-checkin-body", Select).focus()
        else:
            picker.query_one(Input).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self.query_one("#redprop-checkin-title", Label).update(
            t("签到：出席人及其代表的组织", "Check in: who, and the body they stand for"))
        self.query_one("#redprop-checkin-body-label", Label).update(t("代表组织：", "Stands for:"))
        self.query_one("#redprop-checkin-body", Select).prompt = t("选择代表的组织", "Choose the body")

    @on(PersonPicker.Changed, "#redprop-checkin-person")
    def _person(self, event: PersonPicker.Changed) -> None:
        box = self.query_one("#redprop-checkin-body", Select)
        error = self.query_one("#redprop-checkin-error", Label)
        error.update("")
        if event.value is None:
            box.set_options([])
            return
        db, mid, pid, name = self.db, self.meeting_id, event.value, event.text

        def fetch() -> list[tuple[int, str]]:
            with db.read_session() as s:
                return [(o.id, o.name) for o in svc.attendable_bodies(s, mid, pid)]

        def show(bodies: list[tuple[int, str]]) -> None:
            self.bodies = bodies
            box.set_options([(n, i) for i, n in bodies])
            if len(bodies) == 1:
                box.value = bodies[0][0]
            elif not bodies:
                error.update(t(f"{name} 在会议当日未在任何组织任职，不能代表组织出席",
                               f"{name} holds no post on the meeting date and cannot stand for a body"))
            else:
                error.update(t(f"{name} 交叉任职：请选择本次代表的一个组织（只计一次）",
                               f"{name} is cross-appointed: choose the one body they stand for (counted once)"))

        self.db_work(fetch, show, group="redprop-checkin-bodies", on_error=error.update)

    @on(Button.Pressed, "#redprop-checkin-save")
    def action_save(self) -> None:
        if self.busy:
            return
        error = self.query_one("#redprop-checkin-error", Label)
        pid = self.query_one("#redprop-checkin-person", PersonPicker).value
        box = self.query_one("#redprop-checkin-body", Select)
        if pid is None:
            error.update(t("请先选择出席人", "Pick the person first"))
            return
        if box.is_blank():
            error.update(t("请选择代表的组织", "Choose the body they stand for"))
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
