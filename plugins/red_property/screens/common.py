"""What the section's screens share: binding texts, parsers of what the secretary types,
the plugin's dialogs (form, confirmation, pick list, minutes) and the steps on an action item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Select

from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.tui.widgets.base import DbWork, Gated, gate_bindings
from gongzhi.tui.widgets.bilingual import Bilingual as _Bilingual
from gongzhi.tui.widgets.bilingual import enum_label, t
from gongzhi.tui.widgets.forms import (
    ConfirmModal,
    ExportModal,
    FormError,
    FormField,
    FormModal,
    export_path,
    modal_binding_text,
)

# what a binding writes needs (plugin.register_permissions): a role without the permission
# anywhere is not offered the key (the services still check the place)
gate_bindings({
    **dict.fromkeys(("redprop.new_meeting", "redprop.all_present", "redprop.pick_request", "redprop.open_meeting",
                     "redprop.resolution", "redprop.close_meeting", "redprop.add_item", "redprop.check_in",
                     "redprop.discussion", "redprop.add_action", "redprop.progress", "redprop.done_action",
                     "redprop.addendum", "redprop.toggle_attendance", "redprop.start_action",
                     "redprop.drop_action"), "property.manage"),
    **dict.fromkeys(("redprop.new_service", "redprop.schedule_service", "redprop.done_service"),
                    "property.service"),
})


class Bilingual(Gated, _Bilingual):
    """The core's :class:`~gongzhi.tui.widgets.bilingual.Bilingual`, gated by role."""


# Footer words are short (the meeting screen's seven main keys fit 100 columns in either
# language); "Open" and "Close" are the meeting's here, in this plugin's catalog.
BINDING_TEXT: dict[str, tuple[str, str]] = {
    "redprop.back": pair(N_("Back")),
    "redprop.reload": pair(N_("Reload")),
    "redprop.new_meeting": pair(N_("New meeting")),
    "redprop.action_board": pair(N_("Action items")),
    "redprop.services": pair(N_("Micro-services")),
    "redprop.check_in": pair(N_("Check in by name")),
    "redprop.toggle_attendance": pair(N_("In/out")),
    "redprop.all_present": pair(N_("All in")),
    "redprop.next_body": pair(N_("Next body")),
    "redprop.previous_body": pair(N_("Previous body")),
    "redprop.mark_request": pair(N_("Mark")),
    "redprop.month_minutes": pair(N_("Month's minutes")),
    "redprop.open_meeting": pair(N_("Open")),
    "redprop.close_meeting": pair(N_("Close")),
    "redprop.add_item": pair(N_("Add item")),
    "redprop.pick_request": pair(N_("From a request")),
    "redprop.discussion": pair(N_("Discussion notes")),
    "redprop.resolution": pair(N_("Resolution")),
    "redprop.add_action": pair(N_("Add action item")),
    "redprop.addendum": pair(N_("Addendum")),
    "redprop.minutes": pair(N_("Minutes")),
    "redprop.start_action": pair(N_("Start action")),
    "redprop.progress": pair(N_("Progress note")),
    "redprop.done_action": pair(N_("Done")),
    "redprop.drop_action": pair(N_("Drop")),
    "redprop.new_service": pair(N_("New micro-service")),
    "redprop.schedule_service": pair(N_("Schedule")),
    "redprop.done_service": pair(N_("Service done")),
    **modal_binding_text("redprop"),
}


# -- parsing what the secretary types ---------------------------------------------------------


def date_error(text: str, what: str, form: str) -> str:
    """What is wrong with a typed date: written as a date but no such day (2026-02-30),
    or not written as one."""
    import re

    found = re.match(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\s*$", text)
    if found:
        try:
            date(int(found[1]), int(found[2]), int(found[3]))
        except ValueError:
            return _("{what}: there is no such day: {text}").format(what=what, text=text)
        return _("{what}: there is no such time of day: {text}").format(what=what, text=text)
    return _("{what} should be {form}: {text}").format(what=what, form=form, text=text)


def parse_day(text: str, zh: str, en: str) -> date | None:
    """``YYYY-MM-DD`` → a date; blank → None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormError(date_error(text, t(zh, en), "YYYY-MM-DD")) from None


def parse_when(text: str, zh: str, en: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` (or a bare date, 09:00) in Asia/Shanghai → an aware time; blank → None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FormError(date_error(text, t(zh, en), "YYYY-MM-DD HH:MM")) from None
    if len(text) <= 10:
        value = value.replace(hour=9)
    return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


def parse_votes(text: str, org: str) -> tuple[int, int, int] | None:
    """``"3/0/1"`` (or ``3 0 1``) → (yes, no, abstain); blank → None."""
    text = (text or "").strip()
    if not text:
        return None
    parts = [p for p in text.replace("／", "/").replace(",", "/").replace(" ", "/").split("/") if p]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise FormError(_("the votes of '{org}' should read yes/no/abstain, e.g. 3/0/1: {text}").format(org=org, text=text))
    yes, no, abstain = (int(p) for p in parts)
    return yes, no, abstain


def enum_text(enum_cls, value: str) -> str:
    return enum_label(enum_cls, value)


def enum_choices(enum_cls) -> list[tuple[str, str]]:
    return [(enum_text(enum_cls, m.value), m.value) for m in enum_cls if m.value != "overdue"]


def highlighted_key(table: DataTable) -> str | None:
    """The key of the highlighted row, or None."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


# -- small dialogs --------------------------------------------------------------------------


class FormScreen(FormModal, prefix="redprop"):
    """The section's forms (:class:`gongzhi.tui.widgets.forms.FormModal`): ctrl+s saves, Esc cancels;
    a person or place preset is ``value=(id, name)``, ``kinds`` limits a place picker."""

    BINDING_TEXT = BINDING_TEXT
    DEFAULT_CSS = "FormScreen > VerticalScroll { width: 84; }"

    def _field(self, f: FormField):
        widget = super()._field(f)
        if isinstance(widget, Select):
            widget.prompt = _("Choose")  # not Textual's own English "Select"
        return widget


class ConfirmScreen(ConfirmModal, prefix="redprop"):
    """A confirmation: ``y`` confirms, ``n`` / Esc declines."""

    BINDING_TEXT = BINDING_TEXT


class PickListScreen(Bilingual, DbWork, ModalScreen[Any]):
    """A list to pick from: Enter runs ``choose(key)`` (a write) off the UI thread and
    dismisses with its result; a refusal stays on the list."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="redprop.form_cancel")]
    DEFAULT_CSS = """
    PickListScreen { align: center middle; }
    PickListScreen > Vertical { width: 110; height: 26; border: thick $accent; background: $surface; }
    PickListScreen DataTable { height: 1fr; }
    """

    def __init__(self, title: tuple[str, str], columns: list[tuple[str, str, str]],
                 fetch: Callable[[], list[tuple[str, list[str]]]], choose: Callable[[str], Callable[[], Any]],
                 empty: tuple[str, str], *, list_id: str) -> None:
        super().__init__()
        self.title_pair, self.columns, self.fetch, self.choose, self.empty = title, columns, fetch, choose, empty
        self.list_id = list_id
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(t(*self.title_pair), classes="panel-title", id=f"{self.list_id}-title")
            yield DataTable(id=self.list_id, cursor_type="row", zebra_stripes=True)
            yield Label("", id=f"{self.list_id}-error", classes="error")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        table = self.query_one(f"#{self.list_id}", DataTable)
        for key, zh, en in self.columns:
            table.add_column(t(zh, en), key=key)
        table.focus()

        def show(rows: list[tuple[str, list[str]]]) -> None:
            for key, cells in rows:
                table.add_row(*cells, key=key)
            if not rows:
                self.query_one(f"#{self.list_id}-error", Label).update(t(*self.empty))

        self.db_work(self.fetch, show, group=f"{self.list_id}-read")

    @on(DataTable.RowSelected)
    def _picked(self, event: DataTable.RowSelected) -> None:
        if self.busy:
            return

        def failed(message: str) -> None:
            self.busy = False
            self.query_one(f"#{self.list_id}-error", Label).update(Text(message))

        self.busy = True
        self.db_work(self.choose(str(event.row_key.value)), self.dismiss, group=f"{self.list_id}-write",
                     on_error=failed)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- shared writes on action items (board and meeting screen) -----------------------------------


ACTION_STEPS: dict[str, tuple[tuple[str, str], tuple[str, str], tuple[str, str]]] = {
    # step: (form title, field label, done message)
    "start": (pair(N_("Start the action item")), pair(N_("Note (optional)")), pair(N_("Started"))),
    "progress": (pair(N_("Progress note")), pair(N_("Progress")), pair(N_("Progress noted"))),
    "done": (pair(N_("Mark the action item done")), pair(N_("What was done (required)")),
             pair(N_("Action item done"))),
    "drop": (pair(N_("Drop the action item")), pair(N_("Reason (required)")),
             pair(N_("Action item dropped"))),
}


def action_step(screen, step: str, action_id: int, title: str, after: Callable[[], Any],
                meeting_id: int | None = None) -> None:
    """Ask for the note of a step on an action item and run the service: ``start``,
    ``progress``, ``done`` (the service requires the note), ``drop`` (the reason)."""
    form_title, (zh, en), message = ACTION_STEPS[step]
    db, actor = screen.app.db, screen.app.actor

    def submit(v: dict[str, Any]) -> Callable[[], bool]:
        note = v["note"]

        def write() -> bool:
            with db.session() as s:
                if step == "start":
                    svc.start_action(s, actor=actor, action_item_id=action_id, note=note, meeting_id=meeting_id)
                elif step == "progress":
                    svc.add_progress(s, actor=actor, action_item_id=action_id, text=note, meeting_id=meeting_id)
                elif step == "done":
                    svc.complete_action(s, actor=actor, action_item_id=action_id, note=note, meeting_id=meeting_id)
                else:
                    svc.drop_action(s, actor=actor, action_item_id=action_id, reason=note, meeting_id=meeting_id)
            return True
        return write

    def done(result: Any) -> None:
        if result:
            screen.app.notify(t(*message))
            after()

    zh_title, en_title = pair(N_("{step}: {title}"))
    screen.app.push_screen(FormScreen((zh_title.format(step=form_title[0], title=title),
                                       en_title.format(step=form_title[1], title=title)),
                                      [FormField("note", zh, en)], submit, form_id=f"redprop-action-{step}"), done)


def default_minutes_path(meeting_id: int, fmt: str = "docx") -> Path:
    """``<data dir>/minutes/联席会议纪要-<id>-<YYYYMMDD-HHMM>.docx`` (the folder is made when used)."""
    return export_path("minutes", stem=f"联席会议纪要-{meeting_id}", fmt=fmt)


class MinutesScreen(ExportModal, FormScreen):
    """The minutes' format and path (:class:`gongzhi.tui.widgets.forms.ExportModal`): the path
    follows the format, an existing file is refused."""
