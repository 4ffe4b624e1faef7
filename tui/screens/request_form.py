"""Log a new request (诉求登记), e.g. what residents raised at a bench meeting.

The fields stand in the order a clerk fills them, and Tab follows it: channel,
request type, category (each chosen by typing: Chinese, pinyin initials, full
pinyin or code, the most used first), place, reporter, title, description; then
the optional ones (priority, external ticket, time raised, attachments) and last
the 匿名 toggle, which never sits between fields that take typing. Required
labels carry ``*``. Enter in a picker takes the highlighted match and moves on to
the next field; Enter anywhere else (or ctrl+s) saves.

The form validates as you type: a line says what is still needed; invalid input
(a title or description too long, an attachment that does not exist, an
impossible date) shows inline in the user's language, with the core's own
messages where the core has one. A save with something missing says so beside
each missing field and in a notification, and puts the cursor in the first one.
The due time follows the category's SLA for the chosen priority, live.
Saving goes through :func:`gongzhi.core.services.requests.create_request` in a worker; a
refusal of the core shows inline and writes nothing. Escape cancels. The screen
returns the new request's id (``None`` when cancelled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlalchemy import func, select
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Label, TextArea

from gongzhi.core.errors import FIELD_LABELS, DomainError
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import LOCAL_TZ, fmt_local, utcnow
from gongzhi.core.models.vocab import Channel, Priority, RequestType
from gongzhi.core.services import categories as category_svc
from gongzhi.core.services import requests as svc
from gongzhi.tui.i18n import N_, _, label, language
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, PersonPicker, Picker, PlacePicker
from gongzhi.tui.widgets.toggle import Toggle

TITLE_MAX = 200
EXTERNAL_ID_MAX = 60

# required fields: widget id -> core field name (labels from gongzhi.core.errors.FIELD_LABELS)
REQUIRED = (
    ("f-channel", "channel"),
    ("f-type", "type"),
    ("f-category", None),
    ("f-place", None),
    ("f-title", "title"),
)
_FIELD_NAMES = {"f-category": N_("category"), "f-place": N_("place")}
DATE_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")


@dataclass
class CategoryOption:
    id: int
    name_zh: str
    name_en: str
    sla: dict[str, int]
    code: str = ""

    def name(self) -> str:
        return self.name_en if language() == "en" else self.name_zh


def split_paths(text: str) -> list[str]:
    """Attachment paths typed one per line or separated by commas (also 、 and ，)."""
    return [p.strip() for p in re.split(r"[,\n，、]", text or "") if p.strip()]


class ImpossibleDate(ValueError):
    """A date written the right way that does not exist (2026-02-30, 25:00)."""


def parse_local_time(text: str) -> datetime | None:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` in Asia/Shanghai → an aware datetime.

    Raises :class:`ImpossibleDate` for a well-written date or time that does not exist,
    and ``ValueError`` for anything else that cannot be read."""
    match = DATE_RE.match(text.strip())
    if match is None:
        raise ValueError(text)
    year, month, day, hour, minute = (int(x) if x is not None else 0 for x in match.groups())
    try:
        return datetime(year, month, day, hour, minute, tzinfo=LOCAL_TZ)
    except ValueError as exc:
        raise ImpossibleDate(text) from exc


def usage_counts(session: Any) -> tuple[dict[int, int], dict[str, int]]:
    """How many requests each category and each channel has: the most used are offered first."""
    by_category = dict(session.execute(select(Request.category_id, func.count()).group_by(Request.category_id)).all())
    by_channel = dict(session.execute(select(Request.channel, func.count()).group_by(Request.channel)).all())
    return by_category, by_channel


def _field(name: str) -> str:
    return FIELD_LABELS[name][1 if language() == "en" else 0]


class RequestFormScreen(DbWork, ModalScreen[int | None]):
    """新建诉求 / New request."""

    DEFAULT_CSS = """
    RequestFormScreen > #request-form {
        width: 110;
        max-width: 100%;
        max-height: 100%;
    }
    RequestFormScreen .row {
        height: auto;
    }
    RequestFormScreen .row > Vertical {
        height: auto;
        width: 1fr;
        margin-right: 1;
    }
    RequestFormScreen #f-description {
        height: 4;
    }
    RequestFormScreen #f-attachments {
        height: 3;
    }
    RequestFormScreen #f-counter, RequestFormScreen #f-legend {
        color: $text-muted;
    }
    RequestFormScreen .field-error {
        color: $error;
        height: auto;
        display: none;
    }
    RequestFormScreen #f-due {
        text-style: bold;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Save"), id="request_form.submit", priority=True),
        Binding("enter", "submit", N_("Save"), id="request_form.enter_submit", show=False),
        Binding("escape", "cancel", N_("Cancel"), id="request_form.cancel"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.categories: dict[int, CategoryOption] = {}
        self.submitting = False
        self.tried = False  # a save was tried: missing fields are marked beside themselves
        self.missing: list[str] = []
        self.errors: list[str] = []

    @staticmethod
    def _required(text: str) -> str:
        return f"{text} *"

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="request-form", classes="form"):
            yield Label(_("New request"), classes="panel-title")
            yield Label(_("* required · Enter takes a match and moves on · ctrl+s saves"), id="f-legend")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(self._required(_("Channel")))
                    yield ChoicePicker(
                        self._channel_choices({}), placeholder=_("type a name or its pinyin initials"), id="f-channel"
                    )
                    yield Label("", id="f-channel-err", classes="field-error")
                with Vertical():
                    yield Label(self._required(_("Request type")))
                    yield ChoicePicker(
                        [Choice(t.value, label(t), t.value, t.label("en") + t.label("zh")) for t in RequestType],
                        placeholder=_("type a name or its pinyin initials"),
                        id="f-type",
                    )
                    yield Label("", id="f-type-err", classes="field-error")
                with Vertical():
                    yield Label(self._required(_("Category")))
                    yield ChoicePicker([], placeholder=_("type a name or its pinyin initials"), id="f-category")
                    yield Label("", id="f-category-err", classes="field-error")
            yield Label(self._required(_("Place (type a name)")), classes="field-label")
            yield PlacePicker(placeholder=_("name or pinyin initials of a compound, building …"), id="f-place")
            yield Label("", id="f-place-err", classes="field-error")
            yield Label(_("Reporter (name, pinyin initials or phone tail)"), classes="field-label")
            yield PersonPicker(placeholder=_("name, pinyin or the last 4 digits of the phone"), id="f-reporter")
            yield Label(self._required(_("Title")), classes="field-label")
            yield Input(id="f-title", placeholder=_("what is wrong, in a few words"))
            yield Label("", id="f-title-err", classes="field-error")
            yield Label(_("Description"), classes="field-label")
            yield TextArea(id="f-description", soft_wrap=True)
            yield Label("", id="f-counter")
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("Priority"))
                    yield ChoicePicker(
                        [Choice(p.value, label(p), p.value, p.label("en") + p.label("zh")) for p in Priority],
                        id="f-priority",
                    )
                with Vertical():
                    yield Label(_("External ticket (e.g. 12345 hotline)"))
                    yield Input(id="f-external", placeholder=_("ticket number, if any"))
                with Vertical():
                    yield Label(_("Raised at (leave empty for now)"))
                    yield Input(placeholder=_("year-month-day hour:minute"), id="f-raised")
            yield Label(
                _("Attachments: file paths, separated by commas or new lines"),
                classes="field-label",
            )
            yield TextArea(id="f-attachments", soft_wrap=False)
            yield Toggle(_("Anonymous"), False, on_text=_("yes, no reporter"), off_text=_("no"), id="f-anonymous")
            yield Label("", id="f-due")
            yield Label("", id="f-missing", classes="status-line")
            yield Label("", id="f-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="f-submit", variant="primary")
                yield Button(_("Cancel"), id="f-cancel")
        yield Footer()

    @staticmethod
    def _channel_choices(counts: dict[str, int]) -> list[Choice]:
        return [
            Choice(c.value, label(c), c.value, c.label("en") + c.label("zh"), counts.get(c.value, 0))
            for c in Channel
        ]

    def on_mount(self) -> None:
        translate_bindings(self)
        db = self.app.db
        self.query_one("#f-priority", ChoicePicker).choose(Priority.normal.value)

        def fetch() -> tuple[list[CategoryOption], dict[int, int], dict[str, int]]:
            with db.read_session() as s:
                options = [
                    CategoryOption(
                        c.id,
                        c.name_zh,
                        c.name_en,
                        {p.value: category_svc.sla_hours(c, p.value) for p in Priority},
                        c.code,
                    )
                    for c in category_svc.list_categories(s, active_only=True)
                ]
                return options, *usage_counts(s)

        self.db_work(fetch, self._categories_loaded, group="form-load", on_error=self._core_error)
        self.query_one("#f-channel Input", Input).focus()
        self.validate()

    def _categories_loaded(self, loaded: tuple[list[CategoryOption], dict[int, int], dict[str, int]]) -> None:
        options, by_category, by_channel = loaded
        self.categories = {c.id: c for c in options}
        self.query_one("#f-category", ChoicePicker).set_choices(
            [Choice(c.id, c.name(), c.code, c.name_en + c.name_zh, by_category.get(c.id, 0)) for c in options]
        )
        channel = self.query_one("#f-channel", ChoicePicker)
        channel.set_choices(self._channel_choices(by_channel))
        self.validate()

    # -- live validation -------------------------------------------------------------

    def _value(self, widget_id: str) -> Any:
        widget = self.query_one(f"#{widget_id}")
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
        except ImpossibleDate as exc:
            errors.append(_("Raised at: {date} does not exist in the calendar.").format(date=str(exc)))
        except ValueError:
            errors.append(_("Raised at: write the time as year-month-day hour:minute, e.g. 2026-11-18 19:30."))
        else:
            if raised is not None and raised > utcnow() + timedelta(minutes=5):
                errors.append(_("Raised at lies in the future."))
        self._show_due(raised)
        self.missing, self.errors = missing, errors
        self.query_one("#f-missing", Label).update(
            _("Still needed: {fields}").format(fields="、".join(missing)) if missing else ""
        )
        self.query_one("#f-error", Label).update(Text("\n".join(errors)))
        self._mark_missing()
        return not missing and not errors

    def _mark_missing(self) -> None:
        """After a save was tried: 'fill in …' beside each required field still empty."""
        for widget_id, field_name in REQUIRED:
            value = self._value(widget_id)
            empty = value is None or (isinstance(value, str) and not value.strip())
            name = _field(field_name) if field_name else _(_FIELD_NAMES[widget_id])
            line = self.query_one(f"#{widget_id}-err", Label)
            line.update(_("Fill in the {field}.").format(field=name) if empty and self.tried else "")
            line.display = empty and self.tried

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

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Picker.Changed)
    def _changed(self) -> None:
        self.validate()

    @on(Picker.Changed)
    def _picked(self, event: Picker.Changed) -> None:
        """A pick made with Enter in the picker's box moves on to the next field."""
        if event.value is not None and event.picker.has_focus_within:
            self.call_after_refresh(self.focus_next)

    @on(Checkbox.Changed, "#f-anonymous")
    def _anonymous(self, event: Checkbox.Changed) -> None:
        reporter = self.query_one("#f-reporter", PersonPicker)
        if event.value:
            reporter.clear()
        reporter.disabled = event.value
        self.validate()

    # -- submit ------------------------------------------------------------------------

    @on(Input.Submitted, "#f-title, #f-external, #f-raised")
    def _enter(self) -> None:
        self.action_submit()

    @on(Input.Submitted, ".picker-input")
    def _enter_in_picker(self) -> None:
        """Enter in a picker with nothing to pick (empty, or chosen already): next field."""
        self.focus_next()

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
            "priority": self._value("f-priority") or Priority.normal.value,
            "external_id": self._value("f-external").strip() or None,
            "attachment_paths": split_paths(self._value("f-attachments")),
            "at": self.raised_at(),
            "ref_prefix": settings.ref_prefix,
            "attachment_max_mb": settings.attachment_max_mb,
        }

    def action_submit(self) -> None:
        if self.submitting:
            return
        self.tried = True
        if not self.validate():
            if self.missing:
                message = _("Fill in: {fields}").format(fields="、".join(self.missing))
                self.query_one("#f-missing", Label).update(message)
                self.notify(message, severity="warning", timeout=6)
                first = next(
                    (w for w, _f in REQUIRED if self.query_one(f"#{w}-err", Label).content), None
                )
                if first is not None:
                    target = self.query_one(f"#{first}")
                    (target.query_one(Input) if isinstance(target, Picker) else target).focus()
            else:
                self.notify("\n".join(self.errors), severity="error", timeout=6)
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
        self.notify(message, severity="error", timeout=8)
        self.query_one("#f-submit", Button).disabled = False
