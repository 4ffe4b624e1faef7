"""Log a new request (诉求登记), e.g. what residents raised at a bench meeting.

The form validates as you type: the save button stays disabled, and a line says
what is still needed, while a required field is empty; invalid input (a title or
description too long, an attachment that does not exist, a bad time) shows
inline in the user's language, with the core's own messages where the core has
one. The due time follows the category's SLA for the chosen priority, live.
``ctrl+s`` saves through :func:`core.services.requests.create_request` in a
worker; a refusal of the core shows inline and writes nothing. Escape cancels.
The screen returns the new request's id (``None`` when cancelled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, Select, TextArea

from core.errors import FIELD_LABELS, DomainError
from core.models.types import LOCAL_TZ, fmt_local, utcnow
from core.models.vocab import Channel, Priority, RequestType
from core.services import categories as category_svc
from core.services import requests as svc
from tui.i18n import N_, _, label, language
from tui.widgets.base import DbWork, translate_bindings
from tui.widgets.pickers import PersonPicker, Picker, PlacePicker

TITLE_MAX = 200
EXTERNAL_ID_MAX = 60

# required fields: widget id -> core field name (labels from core.errors.FIELD_LABELS)
REQUIRED = (
    ("f-channel", "channel"),
    ("f-type", "type"),
    ("f-category", None),
    ("f-place", None),
    ("f-title", "title"),
)
_FIELD_NAMES = {"f-category": N_("category"), "f-place": N_("place")}


@dataclass
class CategoryOption:
    id: int
    name_zh: str
    name_en: str
    sla: dict[str, int]

    def name(self) -> str:
        return self.name_en if language() == "en" else self.name_zh


def split_paths(text: str) -> list[str]:
    """Attachment paths typed one per line or separated by commas (also 、 and ，)."""
    return [p.strip() for p in re.split(r"[,\n，、]", text or "") if p.strip()]


def parse_local_time(text: str) -> datetime | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` in Asia/Shanghai → an aware datetime."""
    text = text.strip()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).replace(tzinfo=LOCAL_TZ)
        except ValueError:
            continue
    raise ValueError(text)


def _field(name: str) -> str:
    return FIELD_LABELS[name][1 if language() == "en" else 0]


class RequestFormScreen(DbWork, ModalScreen[int | None]):
    """新建诉求 / New request."""

    DEFAULT_CSS = """
    RequestFormScreen > #request-form {
        width: 110;
        max-height: 96%;
    }
    RequestFormScreen .row {
        height: auto;
    }
    RequestFormScreen .row > Vertical {
        height: auto;
        width: 1fr;
        margin-right: 1;
    }
    RequestFormScreen .row Select {
        width: 1fr;
    }
    RequestFormScreen #f-description {
        height: 6;
    }
    RequestFormScreen #f-attachments {
        height: 3;
    }
    RequestFormScreen #reporter-row PersonPicker {
        width: 1fr;
    }
    RequestFormScreen #reporter-row Checkbox {
        width: auto;
    }
    RequestFormScreen #f-counter {
        color: $text-muted;
    }
    RequestFormScreen #f-due {
        text-style: bold;
        margin-top: 1;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Save"), id="request_form.submit", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="request_form.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.categories: dict[int, CategoryOption] = {}
        self.submitting = False
        self.missing: list[str] = []
        self.errors: list[str] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="request-form", classes="form"):
            yield Label(_("New request"), classes="panel-title")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("Channel"))
                    yield Select(
                        [(label(c), c.value) for c in Channel], prompt=_("Channel"), id="f-channel"
                    )
                with Vertical():
                    yield Label(_("Request type"))
                    yield Select(
                        [(label(t), t.value) for t in RequestType],
                        prompt=_("Request type"),
                        id="f-type",
                    )
                with Vertical():
                    yield Label(_("Priority"))
                    yield Select(
                        [(label(p), p.value) for p in Priority],
                        allow_blank=False,
                        value=Priority.normal.value,
                        id="f-priority",
                    )
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("Category"))
                    yield Select([], prompt=_("Category"), id="f-category")
                with Vertical():
                    yield Label(_("External ticket (e.g. 12345 hotline)"))
                    yield Input(id="f-external")
                with Vertical():
                    yield Label(_("Raised at (leave empty for now)"))
                    yield Input(placeholder="2026-11-18 19:30", id="f-raised")
            yield Label(_("Place (type a name)"), classes="field-label")
            yield PlacePicker(placeholder=_("e.g. 荣雅园"), id="f-place")
            yield Label(_("Reporter (name, pinyin initials or phone tail)"), classes="field-label")
            with Horizontal(id="reporter-row", classes="row"):
                yield PersonPicker(placeholder=_("e.g. zxm"), id="f-reporter")
                yield Checkbox(_("Anonymous"), id="f-anonymous")
            yield Label(_("Title"), classes="field-label")
            yield Input(id="f-title")
            yield Label(_("Description"), classes="field-label")
            yield TextArea(id="f-description", soft_wrap=True)
            yield Label("", id="f-counter")
            yield Label(
                _("Attachments: file paths, separated by commas or new lines"),
                classes="field-label",
            )
            yield TextArea(id="f-attachments", soft_wrap=False)
            yield Label("", id="f-due")
            yield Label("", id="f-missing", classes="status-line")
            yield Label("", id="f-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="f-submit", variant="primary", disabled=True)
                yield Button(_("Cancel"), id="f-cancel")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        db = self.app.db

        def fetch() -> list[CategoryOption]:
            with db.read_session() as s:
                return [
                    CategoryOption(
                        c.id,
                        c.name_zh,
                        c.name_en,
                        {p.value: category_svc.sla_hours(c, p.value) for p in Priority},
                    )
                    for c in category_svc.list_categories(s, active_only=True)
                ]

        self.db_work(fetch, self._categories_loaded, group="form-load", on_error=self._core_error)
        self.query_one("#f-channel", Select).focus()
        self.validate()

    def _categories_loaded(self, options: list[CategoryOption]) -> None:
        self.categories = {c.id: c for c in options}
        self.query_one("#f-category", Select).set_options([(c.name(), c.id) for c in options])
        self.validate()

    # -- live validation -------------------------------------------------------------

    def _value(self, widget_id: str) -> Any:
        widget = self.query_one(f"#{widget_id}")
        if isinstance(widget, Select):
            return None if widget.value is Select.NULL else widget.value
        if isinstance(widget, Picker):
            return widget.value
        if isinstance(widget, TextArea):
            return widget.text
        return widget.value  # Input, Checkbox

    def raised_at(self) -> datetime | None:
        """The time the request was raised, or None for now; ValueError if unreadable."""
        text = self.query_one("#f-raised", Input).value.strip()
        return parse_local_time(text) if text else None

    def validate(self) -> bool:
        """Refresh the inline messages, the due time and the save button; True when valid."""
        lang = language()
        missing = []
        for widget_id, field_name in REQUIRED:
            value = self._value(widget_id)
            if value is None or (isinstance(value, str) and not value.strip()):
                missing.append(_field(field_name) if field_name else _(_FIELD_NAMES[widget_id]))
        errors = []
        title = self._value("f-title").strip()
        if len(title) > TITLE_MAX:
            errors.append(
                DomainError(
                    "input.too_long", field="title", max=TITLE_MAX, length=len(title)
                ).message(lang)
            )
        description = self._value("f-description").strip()
        counter = self.query_one("#f-counter", Label)
        counter.update(f"{len(description)}/{svc.DESCRIPTION_MAX}")
        counter.set_class(len(description) > svc.DESCRIPTION_MAX, "error")
        if len(description) > svc.DESCRIPTION_MAX:
            errors.append(
                DomainError(
                    "request.description_too_long", max=svc.DESCRIPTION_MAX, length=len(description)
                ).message(lang)
            )
        external = self._value("f-external").strip()
        if len(external) > EXTERNAL_ID_MAX:
            errors.append(
                _("The external ticket must be at most {max} characters.").format(
                    max=EXTERNAL_ID_MAX
                )
            )
        for path in split_paths(self._value("f-attachments")):
            if not Path(path).expanduser().is_file():
                errors.append(DomainError("request.attachment_missing", path=path).message(lang))
        raised: datetime | None = None
        try:
            raised = self.raised_at()
        except ValueError:
            errors.append(_("Raised at: write the time as YYYY-MM-DD HH:MM."))
        else:
            if raised is not None and raised > utcnow() + timedelta(minutes=5):
                errors.append(_("Raised at lies in the future."))
        self._show_due(raised)
        self.missing, self.errors = missing, errors
        self.query_one("#f-missing", Label).update(
            _("Still needed: {fields}").format(fields="、".join(missing)) if missing else ""
        )
        self.query_one("#f-error", Label).update(Text("\n".join(errors)))
        valid = not missing and not errors
        self.query_one("#f-submit", Button).disabled = not valid or self.submitting
        return valid

    def _show_due(self, raised: datetime | None) -> None:
        due_label = self.query_one("#f-due", Label)
        category = self.categories.get(self._value("f-category") or -1)
        priority = self._value("f-priority") or Priority.normal.value
        if category is None:
            due_label.update(_("Due: choose a category"))
            return
        hours = category.sla[priority]
        due = (raised or utcnow()) + timedelta(hours=hours)
        due_label.update(
            _("Due: {time} ({hours} h for {priority} priority)").format(
                time=fmt_local(due), hours=hours, priority=label(Priority(priority))
            )
        )

    @on(Select.Changed)
    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Picker.Changed)
    def _changed(self) -> None:
        self.validate()

    @on(Checkbox.Changed, "#f-anonymous")
    def _anonymous(self, event: Checkbox.Changed) -> None:
        reporter = self.query_one("#f-reporter", PersonPicker)
        if event.value:
            reporter.clear()
        reporter.disabled = event.value
        self.validate()

    # -- submit ------------------------------------------------------------------------

    @on(Button.Pressed, "#f-submit")
    def _submit_button(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#f-cancel")
    def _cancel_button(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        if not self.submitting:  # a save under way finishes first, then the form closes itself
            self.dismiss(None)

    def values(self) -> dict[str, Any]:
        settings = self.app.settings
        anonymous = bool(self._value("f-anonymous"))
        return {
            "channel": self._value("f-channel"),
            "type": self._value("f-type"),
            "category_id": self._value("f-category"),
            "place_id": self._value("f-place"),
            "title": self._value("f-title"),
            "description": self._value("f-description"),
            "reporter_id": None if anonymous else self._value("f-reporter"),
            "anonymous": anonymous,
            "priority": self._value("f-priority"),
            "external_id": self._value("f-external").strip() or None,
            "attachment_paths": split_paths(self._value("f-attachments")),
            "at": self.raised_at(),
            "ref_prefix": settings.ref_prefix,
            "attachment_max_mb": settings.attachment_max_mb,
        }

    def action_submit(self) -> None:
        if self.submitting or not self.validate():
            if self.missing and not self.errors:
                self.query_one("#f-error", Label).update(
                    _("Fill in: {fields}").format(fields="、".join(self.missing))
                )
            return
        values = self.values()
        db, actor = self.app.db, self.app.actor
        self.submitting = True
        self.query_one("#f-submit", Button).disabled = True

        def work() -> int:
            with db.session() as s:
                return svc.create_request(s, actor=actor, **values).id

        self.db_work(work, self.dismiss, group="form-submit", on_error=self._core_error)

    def _core_error(self, message: str) -> None:
        self.submitting = False
        self.query_one("#f-error", Label).update(Text(message))
        self.query_one("#f-submit", Button).disabled = bool(self.missing or self.errors)
