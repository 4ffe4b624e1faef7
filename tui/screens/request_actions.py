"""Dialogs for the actions on one request: change status, whistle, report in,
department result, feedback, duplicate, supporter.

Each dialog is a ``ModalScreen[bool]`` that returns ``True`` when it wrote
something. It reads its input on the UI thread, calls one core service in a
worker (``DbWork.db_work``) with ``app.db.session()`` and ``app.actor``, and
shows a refused input inline (a ``Label.error`` in the user's language); the
dialog stays open so the clerk can correct it. Nothing is half-written: every
service call is one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlalchemy import select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import (
    Button,
    Checkbox,
    Footer,
    Input,
    Label,
    RadioButton,
    RadioSet,
    Select,
    SelectionList,
)

from core.errors import DomainError
from core.models.orgs import Organisation
from core.models.vocab import (
    TRANSITIONS,
    DispatchRole,
    OrgKind,
    ResolvedAnswer,
    Satisfaction,
    Status,
)
from core.services import requests as svc
from core.services.base import Actor
from tui.i18n import N_, _, label, language
from tui.widgets.base import DbWork, translate_bindings
from tui.widgets.pickers import PersonPicker


class InputProblem(Exception):
    """Input the dialog refuses before calling the core; the message is shown inline."""


def domain_message(code: str, **params: Any) -> str:
    """A core error message in the user's language, for checks made in the UI."""
    return DomainError(code, **params).message(language())


class ActionDialog(DbWork, ModalScreen[bool]):
    """Base of the request dialogs: heading, fields, inline error, OK / Cancel.

    Subclasses give ``heading()``, ``compose_fields()``, ``values()`` (UI thread;
    raise :class:`InputProblem` to refuse) and ``perform(session, actor, values)``
    (worker thread: core services only, no widgets).
    """

    DEFAULT_CSS = """
    ActionDialog > .dialog {
        width: 80;
        height: auto;
        max-height: 90%;
    }
    ActionDialog RadioSet {
        layout: horizontal;
        width: auto;
    }
    ActionDialog SelectionList {
        height: auto;
        max-height: 8;
    }
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="dialog.cancel"),
        Binding("ctrl+s", "submit", N_("Save"), id="dialog.submit", priority=True),
    ]

    def __init__(self, request_id: int, ref: str = "") -> None:
        super().__init__()
        self.request_id = request_id
        self.ref = ref
        self.busy = False

    def heading(self) -> str:
        return ""

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def values(self) -> dict[str, Any]:
        return {}

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        raise NotImplementedError

    # -- frame ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form dialog"):
            yield Label(Text(self.heading()), classes="panel-title", id="dialog-heading")
            yield from self.compose_fields()
            yield Label("", id="dialog-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("OK"), id="dialog-ok", variant="primary")
                yield Button(_("Cancel"), id="dialog-cancel")
        yield Footer()

    def on_mount(self) -> None:
        # Textual calls every on_mount along the MRO: subclasses must not call super()
        translate_bindings(self)

    def set_error(self, message: str) -> None:
        self.busy = False
        self.query_one("#dialog-error", Label).update(Text(message))

    @property
    def error_text(self) -> str:
        return str(self.query_one("#dialog-error", Label).content)

    @on(Button.Pressed, "#dialog-ok")
    def _ok(self) -> None:
        self.action_submit()

    @on(Button.Pressed, "#dialog-cancel")
    def _cancel(self) -> None:
        self.action_cancel()

    def action_cancel(self) -> None:
        if not self.busy:  # a write under way finishes first, then the dialog closes itself
            self.dismiss(False)

    def action_submit(self) -> None:
        if self.busy:
            return
        try:
            values = self.values()
        except InputProblem as problem:
            self.set_error(str(problem))
            return
        self.set_error("")
        self.busy = True
        db, actor = self.app.db, self.app.actor

        def work() -> object:
            with db.session() as session:
                return self.perform(session, actor, values)

        self.db_work(
            work, lambda _result: self.dismiss(True), group="dialog-submit", on_error=self.set_error
        )


def _note_fields(public: bool = True, private: bool = True) -> ComposeResult:
    if public:
        yield Label(_("Public note (residents may see it)"), classes="field-label")
        yield Input(id="note-public")
    if private:
        yield Label(_("Internal note"), classes="field-label")
        yield Input(id="note-private")


class TransitionDialog(ActionDialog):
    """Move the request to one status (accept, start, resolve, reopen …) or, with
    ``target=None``, to a status chosen among the legal ones from the current one."""

    def __init__(
        self,
        request_id: int,
        ref: str,
        current: Status,
        target: Status | None = None,
        *,
        title: str = "",
        note_required: bool = False,
    ) -> None:
        super().__init__(request_id, ref)
        self.current = current
        self.target = target
        self.title_msgid = title or N_("Change status")
        self.note_required = note_required
        # a duplicate names its original and a dispatch its organisations: those
        # are the duplicate and whistle dialogs' jobs
        self.targets = sorted(
            (s for s in TRANSITIONS[current] if s not in (Status.duplicate, Status.dispatched)),
            key=lambda s: list(Status).index(s),
        )

    def heading(self) -> str:
        text = _("{action} · {ref}").format(action=_(self.title_msgid), ref=self.ref)
        if self.target is not None:
            text += "  " + _("{from_status} → {to_status}").format(
                from_status=label(self.current), to_status=label(self.target)
            )
        return text

    def compose_fields(self) -> ComposeResult:
        if self.target is None:
            yield Label(
                _("New status (now: {status})").format(status=label(self.current)),
                classes="field-label",
            )
            yield Select(
                [(label(s), s.value) for s in self.targets], prompt=_("Status"), id="target"
            )
        yield from _note_fields()

    def on_mount(self) -> None:
        if self.target is None and not self.targets:
            self.set_error(
                _("A request that is {status} cannot change status any more.").format(
                    status=label(self.current)
                )
            )
            self.query_one("#dialog-ok", Button).disabled = True

    def values(self) -> dict[str, Any]:
        target = self.target
        if target is None:
            chosen = self.query_one("#target", Select).value
            if chosen is Select.NULL:
                raise InputProblem(domain_message("input.required", field="status"))
            target = Status(chosen)
        public = self.query_one("#note-public", Input).value.strip()
        if self.note_required and not public:
            raise InputProblem(domain_message("input.required", field="public_note"))
        return {
            "to": target.value,
            "public": public,
            "private": self.query_one("#note-private", Input).value,
        }

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        return svc.transition(
            session,
            actor=actor,
            request_id=self.request_id,
            to_status=values["to"],
            public_note=values["public"],
            private_note=values["private"],
        )


@dataclass
class OrgOption:
    id: int
    name: str
    kind: str


class DispatchDialog(ActionDialog):
    """Dispatch to one lead and any assisting organisations; a whistle (吹哨)
    calls departments to report on site, so with the whistle on only departments
    are offered."""

    def __init__(self, request_id: int, ref: str) -> None:
        super().__init__(request_id, ref)
        self.orgs: list[OrgOption] = []

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Whistle / dispatch"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Checkbox(_("Whistle: departments must report on site"), value=True, id="whistle")
        yield Label(_("Lead organisation"), classes="field-label")
        yield Select([], prompt=_("Lead organisation"), id="lead")
        yield Label(_("Assisting organisations"), classes="field-label")
        yield SelectionList[int](id="assists")
        yield from _note_fields()

    def on_mount(self) -> None:
        db = self.app.db

        def fetch() -> list[OrgOption]:
            with db.read_session() as s:
                rows = s.execute(
                    select(Organisation.id, Organisation.name, Organisation.kind).order_by(
                        Organisation.kind != OrgKind.department.value, Organisation.name
                    )
                )
                return [OrgOption(*row) for row in rows]

        self.db_work(fetch, self._loaded, group="dialog-load", on_error=self.set_error)

    def _loaded(self, orgs: list[OrgOption]) -> None:
        self.orgs = orgs
        self._fill()

    def _offered(self) -> list[OrgOption]:
        if self.query_one("#whistle", Checkbox).value:
            return [o for o in self.orgs if o.kind == OrgKind.department.value]
        return self.orgs

    def _fill(self) -> None:
        whistle = self.query_one("#whistle", Checkbox).value
        offered = self._offered()

        def prompt(o: OrgOption) -> str:
            return o.name if whistle else f"{o.name}（{label(OrgKind(o.kind))}）"

        lead = self.query_one("#lead", Select)
        keep = lead.value
        lead.set_options([(Text(prompt(o)), o.id) for o in offered])
        if keep is not Select.NULL and any(o.id == keep for o in offered):
            lead.value = keep
        assists = self.query_one("#assists", SelectionList)
        kept = set(assists.selected)
        assists.clear_options()
        assists.add_options([(Text(prompt(o)), o.id, o.id in kept) for o in offered])
        if not offered:
            self.set_error(_("There are no departments to call."))

    @on(Checkbox.Changed, "#whistle")
    def _whistle(self) -> None:
        self._fill()

    def values(self) -> dict[str, Any]:
        lead = self.query_one("#lead", Select).value
        if lead is Select.NULL:
            raise InputProblem(_("Choose the lead organisation."))
        assists = [a for a in self.query_one("#assists", SelectionList).selected if a != lead]
        return {
            "organisations": [(int(lead), DispatchRole.lead.value)]
            + [(a, DispatchRole.assist.value) for a in assists],
            "whistle": self.query_one("#whistle", Checkbox).value,
            "public": self.query_one("#note-public", Input).value,
            "private": self.query_one("#note-private", Input).value,
        }

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        return svc.dispatch(
            session,
            actor=actor,
            request_id=self.request_id,
            organisations=values["organisations"],
            whistle=values["whistle"],
            public_note=values["public"],
            private_note=values["private"],
        )


@dataclass
class DispatchOption:
    id: int
    prompt: str
    reported: bool


def _dispatch_options(session: Session, request_id: int) -> list[DispatchOption]:
    rows = svc.dispatches(session, request_id)
    names = svc.organisation_names(session, {r.organisation_id for r in rows})
    out = []
    for r in rows:
        parts = [names.get(r.organisation_id, "?"), label(DispatchRole(r.role))]
        if r.whistle:
            parts.append(_("whistle"))
        out.append(DispatchOption(r.id, " · ".join(parts), r.reported_at is not None))
    return out


class _DispatchChoice(ActionDialog):
    """A dialog that first loads the request's dispatches into ``#dispatch``."""

    only_waiting = False

    def on_mount(self) -> None:
        db, request_id = self.app.db, self.request_id

        def fetch() -> list[DispatchOption]:
            with db.read_session() as s:
                return _dispatch_options(s, request_id)

        self.db_work(fetch, self._loaded, group="dialog-load", on_error=self.set_error)

    def _loaded(self, options: list[DispatchOption]) -> None:
        if self.only_waiting:
            options = [o for o in options if not o.reported]
        select_ = self.query_one("#dispatch", Select)
        select_.set_options([(Text(o.prompt), o.id) for o in options])
        if options:
            select_.value = options[0].id
        else:
            self.set_error(self.empty_message())
            self.query_one("#dialog-ok", Button).disabled = True

    def empty_message(self) -> str:
        return _("This request has not been dispatched.")

    def chosen_dispatch(self) -> int:
        value = self.query_one("#dispatch", Select).value
        if value is Select.NULL:
            raise InputProblem(domain_message("input.required", field="organisations"))
        return int(value)


class ReportInDialog(_DispatchChoice):
    """A department called by the whistle reports on site (报到)."""

    only_waiting = True

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Report in"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Organisation reporting in"), classes="field-label")
        yield Select([], prompt=_("Organisation"), id="dispatch")
        yield from _note_fields(private=False)

    def empty_message(self) -> str:
        return _("No dispatched organisation is waiting to report in.")

    def values(self) -> dict[str, Any]:
        return {
            "dispatch": self.chosen_dispatch(),
            "note": self.query_one("#note-public", Input).value,
        }

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        return svc.report_in(
            session, actor=actor, dispatch_id=values["dispatch"], note=values["note"]
        )


class DispatchResultDialog(_DispatchChoice):
    """What a dispatched organisation did, and the street's rating (1–5) of it."""

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Department result"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Organisation"), classes="field-label")
        yield Select([], prompt=_("Organisation"), id="dispatch")
        yield Label(_("Result"), classes="field-label")
        yield Input(id="result")
        yield Label(_("Rating"), classes="field-label")
        yield Select([(str(n), n) for n in range(5, 0, -1)], prompt=_("Rating"), id="rating")

    def values(self) -> dict[str, Any]:
        dispatch = self.chosen_dispatch()
        result = self.query_one("#result", Input).value.strip()
        rating = self.query_one("#rating", Select).value
        rating = None if rating is Select.NULL else int(rating)
        if not result and rating is None:
            raise InputProblem(_("Give a result, a rating or both."))
        return {"dispatch": dispatch, "result": result, "rating": rating}

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        if values["result"]:
            svc.record_dispatch_result(
                session, actor=actor, dispatch_id=values["dispatch"], result=values["result"]
            )
        if values["rating"] is not None:
            svc.rate_dispatch(
                session, actor=actor, dispatch_id=values["dispatch"], rating=values["rating"]
            )
        return None


class FeedbackDialog(ActionDialog):
    """A return visit (回访): reached or not, solved or not, how satisfied; then
    close the request, or reopen it when the resident is dissatisfied."""

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Feedback"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Checkbox(_("Reporter contacted"), value=True, id="contacted")
        yield Label(_("Is it resolved?"), classes="field-label")
        with RadioSet(id="resolved"):
            for answer in ResolvedAnswer:
                yield RadioButton(label(answer), id=f"resolved-{answer.value}")
        yield Label(_("Satisfaction"), classes="field-label")
        with RadioSet(id="satisfaction"):
            for answer in Satisfaction:
                yield RadioButton(label(answer), id=f"satisfaction-{answer.value}")
        yield Label(_("Comment"), classes="field-label")
        yield Input(id="comment")
        with Horizontal(classes="buttons"):
            yield Checkbox(_("Close the request"), value=True, id="close")
            yield Checkbox(_("Reopen (dissatisfied)"), value=False, id="reopen", disabled=True)

    @staticmethod
    def _pressed(radio: RadioSet) -> str | None:
        button = radio.pressed_button
        return button.id.split("-", 1)[1] if button is not None and button.id else None

    @on(Checkbox.Changed, "#contacted")
    def _contacted(self, event: Checkbox.Changed) -> None:
        for radio in self.query(RadioSet):
            radio.disabled = not event.value

    @on(RadioSet.Changed, "#satisfaction")
    def _satisfaction(self) -> None:
        dissatisfied = (
            self._pressed(self.query_one("#satisfaction", RadioSet))
            == Satisfaction.dissatisfied.value
        )
        reopen = self.query_one("#reopen", Checkbox)
        reopen.disabled = not dissatisfied
        # a dissatisfied resident's request is redone unless the clerk decides otherwise
        reopen.value = dissatisfied
        self.query_one("#close", Checkbox).value = not dissatisfied

    @on(Checkbox.Changed, "#reopen")
    def _reopen(self, event: Checkbox.Changed) -> None:
        if event.value:
            self.query_one("#close", Checkbox).value = False

    @on(Checkbox.Changed, "#close")
    def _close(self, event: Checkbox.Changed) -> None:
        if event.value:
            self.query_one("#reopen", Checkbox).value = False

    def values(self) -> dict[str, Any]:
        contacted = self.query_one("#contacted", Checkbox).value
        resolved = self._pressed(self.query_one("#resolved", RadioSet)) if contacted else None
        satisfaction = (
            self._pressed(self.query_one("#satisfaction", RadioSet)) if contacted else None
        )
        if contacted and satisfaction is None:
            raise InputProblem(domain_message("input.required", field="satisfaction"))
        return {
            "contacted": contacted,
            "resolved": resolved,
            "satisfaction": satisfaction,
            "comment": self.query_one("#comment", Input).value,
            "reopen": self.query_one("#reopen", Checkbox).value,
            "close": self.query_one("#close", Checkbox).value,
        }

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        return svc.record_feedback(session, actor=actor, request_id=self.request_id, **values)


class DuplicateDialog(ActionDialog):
    """Mark the request a duplicate of an original, named by its ref number."""

    def __init__(self, request_id: int, ref: str) -> None:
        super().__init__(request_id, ref)
        self._debounce: Timer | None = None

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Mark as duplicate"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Ref of the original request"), classes="field-label")
        yield Input(placeholder="QY-2026-000123", id="original")
        yield Label("", id="original-preview", classes="status-line")
        yield from _note_fields(private=False)

    @on(Input.Changed, "#original")
    def _typed(self, event: Input.Changed) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        ref = event.value.strip()
        if not ref:
            self.query_one("#original-preview", Label).update("")
            return
        self._debounce = self.set_timer(0.15, lambda: self._lookup(ref))

    def _lookup(self, ref: str) -> None:
        db = self.app.db

        def fetch() -> str:
            with db.read_session() as s:
                found = svc.find_request(s, ref)
                return f"{found.ref}  {found.title}  ({label(Status(found.status))})"

        preview = self.query_one("#original-preview", Label)
        self.db_work(
            fetch,
            lambda text: preview.update(Text(text)),
            group="dialog-lookup",
            on_error=lambda message: preview.update(Text(message)),
        )

    def values(self) -> dict[str, Any]:
        original = self.query_one("#original", Input).value.strip()
        if not original:
            raise InputProblem(domain_message("request.duplicate_ref"))
        return {"original": original, "note": self.query_one("#note-public", Input).value}

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        original = svc.find_request(session, values["original"])
        return svc.transition(
            session,
            actor=actor,
            request_id=self.request_id,
            to_status=Status.duplicate.value,
            duplicate_of_id=original.id,
            public_note=values["note"],
        )


class SupporterDialog(ActionDialog):
    """Add a person who raised the same request (附议)."""

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Add supporter"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Person (name, pinyin initials or phone tail)"), classes="field-label")
        yield PersonPicker(id="supporter")

    def values(self) -> dict[str, Any]:
        person = self.query_one("#supporter", PersonPicker).value
        if person is None:
            raise InputProblem(_("Pick a person from the list."))
        return {"person": person}

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        return svc.add_supporter(
            session, actor=actor, request_id=self.request_id, person_id=values["person"]
        )


class AttachDialog(ActionDialog):
    """Attach files to the request later (photos of the site, a department's receipt).

    Paths are separated by ``;``; ``~`` is expanded. The core copies them into the
    attachment store with their sha256, all of them or none.
    """

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Add attachments"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Label(_("File paths (separate several with ;)"), classes="field-label")
        yield Input(id="attach-paths", placeholder="~/照片/漏水.jpg; ~/回执.pdf")

    def values(self) -> dict[str, Any]:
        raw = self.query_one("#attach-paths", Input).value
        paths = [str(Path(p.strip()).expanduser()) for p in raw.split(";") if p.strip()]
        if not paths:
            raise InputProblem(_("Give at least one file path."))
        return {"paths": paths, "max_mb": self.app.settings.attachment_max_mb}

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        return svc.add_attachments(
            session, actor=actor, request_id=self.request_id, paths=values["paths"], max_mb=values["max_mb"]
        )
