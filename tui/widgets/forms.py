"""Dialogs a plugin's screens are built from: a form, a confirmation, a reason, an export.

Every dialog here is a :class:`~textual.screen.ModalScreen` that speaks Chinese first and
English second (:mod:`gongzhi.tui.widgets.bilingual`) and relabels itself when F2 switches the
language. A plugin subclasses each one once, naming its prefix in the class statement::

    class FormScreen(FormModal, prefix="delib"):
        BINDING_TEXT = BINDING_TEXT       # the plugin's map, with **modal_binding_text("delib")

The prefix gives the dialog's bindings their ids (``delib.form_save``, ``delib.confirm_yes``
…, so a site can remap them like any other binding) and the ids of the fixed widgets
(``#delib-confirm-question``, ``#delib-reason`` …). The keys are the same everywhere:
ctrl+s saves and Esc cancels a form or a reason; ``y`` confirms, ``n`` or Esc declines.

- :class:`FormModal` — labelled fields (:class:`FormField`: text, select, choice, check,
  person, place); the check fields (yes/no toggles that say their state in words and that
  only Space flips) come after every field that takes typing; Enter saves from any field;
  its save calls ``submit(values)`` on the UI thread, which returns the write to
  run off the UI thread (:meth:`gongzhi.tui.widgets.base.DbWork.db_work`) or raises
  :class:`FormError` (or a :class:`~gongzhi.core.errors.DomainError`). A refusal stays on the form
  in the user's language — beside the field it names (``FormError(field=)``, a DomainError's
  ``field``), else under the fields — and in a notification, and nothing is written; otherwise the form is dismissed with the
  write's result (``None`` when cancelled).
- :class:`ConfirmModal` — a question (and optional detail lines); dismissed with a bool.
- :class:`ReasonModal` — one required line of text; dismissed with it, or ``None``.
- :class:`ExportModal` — a format and a file path, defaulting into the data directory
  (:func:`export_path`); switching the format switches the suffix; an existing file is
  refused on the form (exports never overwrite).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select

from gongzhi.core.errors import DomainError
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import Bilingual, t
from gongzhi.tui.widgets.toggle import Toggle

Pair = tuple[str, str]

# binding action name -> (zh, en); a subclass's binding id is "<prefix>.<name>"
MODAL_BINDING_TEXT: dict[str, Pair] = {
    "form_save": ("保存", "Save"),
    "form_cancel": ("取消", "Cancel"),
    "confirm_yes": ("确定", "Yes"),
    "confirm_no": ("取消", "No"),
    "reason_save": ("保存", "Save"),
    "reason_cancel": ("取消", "Cancel"),
}


def modal_binding_text(prefix: str) -> dict[str, Pair]:
    """The (zh, en) descriptions of the dialogs' bindings under ``prefix``, to merge into a
    plugin's ``BINDING_TEXT``."""
    return {f"{prefix}.{name}": pair for name, pair in MODAL_BINDING_TEXT.items()}


def text_of(value: str | Pair) -> str:
    """A fixed string, or a (zh, en) pair in the current language."""
    return value if isinstance(value, str) else t(*value)


def export_path(*folders: str, stem: str, fmt: str, stamp: str = "%Y%m%d-%H%M") -> Path:
    """``<data dir>/<folders…>/<stem>-<local time>.<fmt>``; the folder is made when written."""
    from gongzhi.core.config import data_dir
    from gongzhi.core.models.types import LOCAL_TZ

    return data_dir().joinpath(*folders) / f"{stem}-{datetime.now(LOCAL_TZ).strftime(stamp)}.{fmt}"


class _Prefixed:
    """Builds a dialog's bindings from the prefix named in a subclass's class statement."""

    PREFIX: ClassVar[str] = "widgets"
    BINDING_NAMES: ClassVar[
        tuple[tuple[str, str, str, bool], ...]
    ] = ()  # keys, action, name, priority

    @classmethod
    def bindings_for(cls, prefix: str) -> list[Binding]:
        return [
            Binding(
                keys, action, MODAL_BINDING_TEXT[name][1], id=f"{prefix}.{name}", priority=priority
            )
            for keys, action, name, priority in cls.BINDING_NAMES
        ]

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        if prefix is not None:
            cls.PREFIX = prefix
            if "BINDINGS" not in cls.__dict__:
                cls.BINDINGS = cls.bindings_for(prefix)  # before Textual merges the bindings
            if "BINDING_TEXT" not in cls.__dict__:
                cls.BINDING_TEXT = modal_binding_text(prefix)
        super().__init_subclass__(**kwargs)


# -- the form -----------------------------------------------------------------------------


class FormError(Exception):
    """A value the form itself can tell is wrong (not a number, not a date); its text is
    shown on the form as it is (make it with :func:`~gongzhi.tui.widgets.bilingual.t`),
    beside the field ``field`` names (a form field's key) when it names one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


FIELD_KINDS = ("text", "select", "choice", "check", "person", "place")
RESERVED_KEYS = ("error", "save", "cancel")  # the ids ``<form_id>-error`` … are the form's own


@dataclass
class FormField:
    """One row of a :class:`FormModal`.

    ``kind``: ``text`` (an Input; its value comes back stripped), ``select`` (``choices`` as
    (label, value); blank allowed when ``value`` is None or ""; comes back as the value or
    None), ``choice`` (the same ``choices``, chosen by typing — Chinese, pinyin initials,
    full pinyin — in a :class:`~gongzhi.tui.widgets.pickers.ChoicePicker`; preset with ``value``;
    comes back as the value or None), ``check`` (a :class:`~gongzhi.tui.widgets.toggle.Toggle`,
    shown after the typed fields; a bool), ``person`` / ``place`` (a picker; the chosen id or
    None; preset with ``value=(id, name)``, ``kinds`` limits a place picker). The widget's
    id is ``<form_id>-<key>``."""

    key: str
    zh: str
    en: str
    kind: str = "text"
    value: Any = ""
    choices: list[tuple[str, Any]] = field(default_factory=list)
    placeholder: str = ""
    kinds: tuple[str, ...] = ()
    error_field: str = ""  # the core's name of the field (DomainError field=…), when not ``key``


class FormModal(_Prefixed, Bilingual, DbWork, ModalScreen[Any]):
    """A small form whose save runs one service call off the UI thread.

    ``title`` is a string or a (zh, en) pair (a pair is relabelled on F2). ``submit(values)``
    gets ``{key: value}`` on the UI thread and returns the write to run in a worker, or
    raises :class:`FormError` / :class:`DomainError`; the form is dismissed with the write's
    result. A refusal (from ``submit`` or the service) shows in ``#<form_id>-error`` in the
    user's language and the form stays; Enter in a text field or ctrl+s saves, Esc cancels."""

    BINDING_NAMES = (
        ("escape", "cancel", "form_cancel", False),
        ("ctrl+s", "save", "form_save", True),
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="widgets.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="widgets.form_save", priority=True),
    ]
    BINDING_TEXT = modal_binding_text("widgets")
    # Enter on a toggle or a button-less field saves too (never flips a toggle); not in
    # the footer, and the same for every prefix
    ENTER_BINDING = Binding("enter", "save", "Save", show=False)
    DEFAULT_CSS = """
    FormModal { align: center middle; }
    FormModal > VerticalScroll { width: 80; height: auto; max-height: 90%; border: thick $accent;
                                 background: $surface; padding: 0 1; }
    FormModal .error { color: $error; }
    """

    def __init__(
        self,
        title: str | Pair,
        fields: list[FormField],
        submit: Callable[[dict[str, Any]], Callable[[], Any]],
        *,
        form_id: str,
    ) -> None:
        super().__init__()
        for f in fields:
            if f.kind not in FIELD_KINDS:
                raise ValueError(f"unknown field kind {f.kind!r} (one of {FIELD_KINDS})")
            if f.key in RESERVED_KEYS:
                raise ValueError(f"field key {f.key!r} is reserved for the form itself")
        self.title_value = title
        self.fields = fields
        self.submit = submit
        self.form_id = form_id
        self.busy = False
        self._labels: dict[str, Label] = {}

    def wid(self, key: str) -> str:
        return f"{self.form_id}-{key}"

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id=self.form_id):
            self._labels[""] = Label(text_of(self.title_value), classes="panel-title form-title")
            yield self._labels[""]
            for f in self.fields:
                if f.kind == "check":
                    continue
                self._labels[f.key] = Label(self._label(f), classes="form-label")
                yield self._labels[f.key]
                yield self._field(f)
                # a refusal that names this field shows here, beside it (hidden while empty)
                yield Label("", id=self.wid(f"{f.key}-error"), classes="error field-error")
            for f in self.fields:  # toggles never sit between fields that take typing
                if f.kind == "check":
                    yield Toggle(t(f.zh, f.en), bool(f.value), on_text=t("是", "yes"), off_text=t("否", "no"),
                                 id=self.wid(f.key))
            yield Label("", id=self.wid("error"), classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("保存", "Save"), id=self.wid("save"), variant="primary")
                yield Button(t("取消", "Cancel"), id=self.wid("cancel"))

    @staticmethod
    def _label(f: FormField) -> str:
        return t(f.zh, f.en) + t("：", ":")

    def _field(self, f: FormField):
        from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, PersonPicker, PlacePicker

        if f.kind == "choice":
            picker = ChoicePicker(
                [Choice(value, str(text), str(value) if isinstance(value, str) else "") for text, value in f.choices],
                placeholder=f.placeholder or t("输入名称或拼音首字母", "type a name or its pinyin initials"),
                id=self.wid(f.key),
            )
            return picker
        if f.kind == "person":
            return PersonPicker(placeholder=f.placeholder, id=self.wid(f.key))
        if f.kind == "place":
            return PlacePicker(placeholder=f.placeholder, kinds=f.kinds, id=self.wid(f.key))
        if f.kind == "select":
            blank = f.value in (None, "")
            return Select(
                f.choices,
                value=Select.NULL if blank else f.value,
                allow_blank=blank,
                id=self.wid(f.key),
            )
        return Input(str(f.value or ""), placeholder=f.placeholder, id=self.wid(f.key))

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._bindings._add_binding(self.ENTER_BINDING)
        for label in self.query(".field-error"):
            label.display = False
        for f in self.fields:
            if f.kind in ("person", "place") and isinstance(f.value, tuple):
                self.widget(f.key).select(*f.value)
            elif f.kind == "choice" and f.value not in (None, ""):
                self.widget(f.key).choose(f.value)
        first = self.query(
            f"#{self.form_id} Input, #{self.form_id} Select, #{self.form_id} Toggle"
        )
        if first:
            first.first().focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self._labels[""].update(text_of(self.title_value))
        for f in self.fields:
            if f.kind == "check":
                toggle = self.query_one(f"#{self.wid(f.key)}", Toggle)
                toggle.field_name = t(f.zh, f.en)
                toggle.on_text, toggle.off_text = t("是", "yes"), t("否", "no")
                toggle.label = toggle._text(toggle.value)
            else:
                self._labels[f.key].update(self._label(f))
        self.query_one(f"#{self.wid('save')}", Button).label = t("保存", "Save")
        self.query_one(f"#{self.wid('cancel')}", Button).label = t("取消", "Cancel")

    def widget(self, key: str):
        """The widget of field ``key``."""
        return self.query_one(f"#{self.wid(key)}")

    def values(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in self.fields:
            w = self.widget(f.key)
            if f.kind in ("person", "place", "choice"):
                out[f.key] = w.value
            elif f.kind == "select":
                out[f.key] = None if w.is_blank() else w.value
            elif f.kind == "check":
                out[f.key] = bool(w.value)
            else:
                out[f.key] = w.value.strip()
        return out

    def field_of(self, error: Exception | None) -> str | None:
        """The key of the form field a refusal names (``FormError(field=)``, or a
        :class:`DomainError`'s ``field`` matching a field's key or ``error_field``), or None."""
        if isinstance(error, FormError):
            name = error.field
        elif isinstance(error, DomainError):
            name = error.params.get("field")
        else:
            return None
        if not isinstance(name, str) or not name:
            return None
        return next((f.key for f in self.fields if name in (f.key, f.error_field) and f.kind != "check"), None)

    def show_error(self, message: str, field: str | None = None) -> None:
        """The refusal beside the field it concerns (``field``: a form field's key) or else
        under the fields, and in a notification either way (a long form may hide the line)."""
        self.busy = False
        for label in self.query(".field-error"):
            label.update("")
            label.display = False
        foot = self.query_one(f"#{self.wid('error')}", Label)
        if field is not None and message:
            beside = self.query_one(f"#{self.wid(f'{field}-error')}", Label)
            beside.update(Text(message))
            beside.display = True
            foot.update("")
        else:
            foot.update(Text(message))
        if message:
            self.notify(message, severity="error", timeout=6)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        # a text field of the form, or a picker's box with nothing left to pick
        in_picker = event.input.has_class("picker-input")
        if in_picker or (event.input.id and event.input.id.startswith(self.form_id)):
            event.stop()
            self.action_save()

    @on(Button.Pressed, ".buttons Button")
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id == self.wid("cancel"):
            self.dismiss(None)
        else:
            self.action_save()

    def action_save(self) -> None:
        if self.busy:
            return
        try:
            write = self.submit(self.values())
        except FormError as exc:
            self.show_error(str(exc), self.field_of(exc))
            return
        except DomainError as exc:
            self.show_error(exc.message(i18n.language()), self.field_of(exc))
            return
        self.busy = True
        refused: list[DomainError] = []

        def job() -> Any:
            try:
                return write()
            except DomainError as exc:
                refused.append(exc)  # which field it names, for the UI thread
                raise

        def failed(message: str) -> None:
            self.show_error(message, self.field_of(refused[-1]) if refused else None)

        self.db_work(job, self.dismiss, group=f"{self.form_id}-write", on_error=failed)

    def action_cancel(self) -> None:
        self.dismiss(None)


# -- the export ---------------------------------------------------------------------------


class ExportModal(FormModal):
    """Where to write an export: ``#<form_id>-format`` (``formats`` as (label, suffix), chosen
    by typing the format's name or suffix in a ChoicePicker) and
    ``#<form_id>-path``, which starts at ``default_path(fmt)`` and follows the format.

    On save a path ending in one of the formats' suffixes is written in that format, any
    other gets the chosen format's suffix added; an existing file is refused on the form
    (never overwritten); the default folder is made when it is the one written to. Then
    ``write(path, fmt) -> Path`` runs off the UI thread and the dialog is dismissed with
    the path it returns."""

    def __init__(
        self,
        title: str | Pair,
        formats: list[tuple[str, str]],
        default_path: Callable[[str], Path],
        write: Callable[[Path, str], Path],
        *,
        form_id: str,
        fmt: str | None = None,
    ) -> None:
        fmt = fmt or formats[0][1]
        default = default_path(fmt)
        super().__init__(
            title,
            [
                FormField("format", "格式", "Format", kind="choice", value=fmt, choices=formats,
                          placeholder=t("输入格式（docx、xlsx …）", "type a format (docx, xlsx …)")),
                FormField("path", "文件", "File", value=str(default)),
            ],
            self._submit,
            form_id=form_id,
        )
        self.suffixes = {f".{value}" for _, value in formats}
        self.default_dir = default.parent
        self.write = write

    def on_picker_changed(self, event: Any) -> None:
        """The format chosen (a Picker.Changed; the pickers module is imported when first used)."""
        if event.picker.id != self.wid("format") or f".{event.value}" not in self.suffixes:
            return
        box = self.query_one(f"#{self.wid('path')}", Input)
        path = Path(box.value)
        if path.suffix in self.suffixes:
            box.value = str(path.with_suffix(f".{event.value}"))

    def _submit(self, v: dict[str, Any]) -> Callable[[], Path]:
        if not v["path"]:
            raise FormError(t("请填写文件路径", "A file path is needed"))
        fmt, path = v["format"], Path(v["path"]).expanduser()
        if fmt is None and path.suffix not in self.suffixes:
            raise FormError(t("请选择格式", "Choose a format"))
        if path.suffix in self.suffixes:
            fmt = path.suffix[1:]  # the name typed says the format
        else:
            path = path.with_name(f"{path.name}.{fmt}")
        if path.exists():
            raise FormError(
                t(
                    f"文件已存在，不会覆盖：{path}",
                    f"The file exists and will not be overwritten: {path}",
                )
            )
        write, default_dir = self.write, self.default_dir

        def job() -> Path:
            if path.parent == default_dir:
                path.parent.mkdir(parents=True, exist_ok=True)  # our own folder in the data dir
            return write(path, fmt)

        return job


# -- confirmation and reason -----------------------------------------------------------------


class ConfirmModal(_Prefixed, Bilingual, ModalScreen[bool]):
    """A question (string or (zh, en) pair) and optional ``detail`` lines (shown as plain
    text); ``y`` or the Yes button confirms (True), ``n`` / Esc / No declines (False).
    Ids: ``#<prefix>-confirm-question``, ``-confirm-text`` (the detail), ``-confirm-yes``,
    ``-confirm-no``."""

    BINDING_NAMES = (
        ("y", "answer(True)", "confirm_yes", False),
        ("n,escape", "answer(False)", "confirm_no", False),
    )
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="widgets.confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="widgets.confirm_no"),
    ]
    BINDING_TEXT = modal_binding_text("widgets")

    def __init__(self, question: str | Pair, detail: str | Pair | None = None) -> None:
        super().__init__()
        self.question = question
        self.detail = detail

    def wid(self, part: str) -> str:
        return f"{self.PREFIX}-confirm-{part}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id=self.wid("box")):
            yield Label(
                text_of(self.question),
                id=self.wid("question"),
                classes="panel-title" if self.detail is not None else "",
            )
            if self.detail is not None:
                yield Label(Text(text_of(self.detail)), id=self.wid("text"))
            with Horizontal(classes="buttons"):
                yield Button(t("确定 (y)", "Yes (y)"), id=self.wid("yes"), variant="warning")
                yield Button(t("取消 (n)", "No (n)"), id=self.wid("no"))

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.query_one(f"#{self.wid('yes')}", Button).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self.query_one(f"#{self.wid('question')}", Label).update(text_of(self.question))
        if self.detail is not None:
            self.query_one(f"#{self.wid('text')}", Label).update(Text(text_of(self.detail)))
        self.query_one(f"#{self.wid('yes')}", Button).label = t("确定 (y)", "Yes (y)")
        self.query_one(f"#{self.wid('no')}", Button).label = t("取消 (n)", "No (n)")

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == self.wid("yes"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class ReasonModal(_Prefixed, Bilingual, ModalScreen[str | None]):
    """One required line of text (a reason, a note): ``prompt`` above ``#<prefix>-reason``;
    Enter / ctrl+s saves (an empty line shows ``missing`` in ``#<prefix>-reason-error`` and
    the dialog stays), Esc cancels (None)."""

    BINDING_NAMES = (
        ("escape", "cancel", "reason_cancel", False),
        ("ctrl+s", "save", "reason_save", True),
    )
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="widgets.reason_cancel"),
        Binding("ctrl+s", "save", "Save", id="widgets.reason_save", priority=True),
    ]
    BINDING_TEXT = modal_binding_text("widgets")

    def __init__(
        self,
        prompt: str | Pair,
        missing: str | Pair = ("请填写理由", "A reason is needed"),
        *,
        max_length: int = 2000,
    ) -> None:
        super().__init__()
        self.prompt = prompt
        self.missing = missing
        self.max_length = max_length

    def wid(self, part: str = "") -> str:
        return f"{self.PREFIX}-reason{'-' + part if part else ''}"

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id=self.wid("box")):
            yield Label(text_of(self.prompt), id=self.wid("prompt"))
            yield Input(id=self.wid(), max_length=self.max_length)
            yield Label("", id=self.wid("error"), classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("保存", "Save"), id=self.wid("save"), variant="primary")
                yield Button(t("取消", "Cancel"), id=self.wid("cancel"))

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.query_one(f"#{self.wid()}", Input).focus()

    def refresh_language(self) -> None:
        super().refresh_language()
        self.query_one(f"#{self.wid('prompt')}", Label).update(text_of(self.prompt))
        self.query_one(f"#{self.wid('save')}", Button).label = t("保存", "Save")
        self.query_one(f"#{self.wid('cancel')}", Button).label = t("取消", "Cancel")

    @on(Input.Submitted)
    @on(Button.Pressed)
    def _pressed(self, event: Input.Submitted | Button.Pressed) -> None:
        if isinstance(event, Button.Pressed) and event.button.id == self.wid("cancel"):
            self.action_cancel()
        else:
            self.action_save()

    def action_save(self) -> None:
        reason = self.query_one(f"#{self.wid()}", Input).value.strip()
        if not reason:
            self.query_one(f"#{self.wid('error')}", Label).update(text_of(self.missing))
            self.notify(text_of(self.missing), severity="warning", timeout=6)
            return
        self.dismiss(reason)

    def action_cancel(self) -> None:
        self.dismiss(None)


__all__ = [
    "ConfirmModal",
    "ExportModal",
    "FormError",
    "FormField",
    "FormModal",
    "ReasonModal",
    "export_path",
    "modal_binding_text",
    "text_of",
]
