"""Dialogs for the actions on one request: change status, whistle, report in,
department result, feedback, duplicate, supporter.

Each dialog is a ``ModalScreen[bool]`` that returns ``True`` when it wrote
something. It opens with the cursor where the clerk types first; Enter (or
ctrl+s) saves from any field, and never flips a toggle; a toggle shows its state
in words. An action whose precondition is missing says so when the dialog opens,
before any typing — what comes first and which key does it — and its OK button
is disabled; dispatching a submitted request accepts it in the same step. It reads its input on the UI thread, calls one core service in a
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
from sqlalchemy import func, select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import (
    Button,
    Footer,
    Input,
    Label,
)

from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.requests import RequestDispatch
from gongzhi.core.models.vocab import (
    TRANSITIONS,
    DispatchRole,
    OrgKind,
    ResolvedAnswer,
    Satisfaction,
    Status,
)
from gongzhi.core.services import requests as svc
from gongzhi.core.services.base import Actor
from gongzhi.tui.i18n import N_, _, label, language
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, PersonPicker
from gongzhi.tui.widgets.toggle import Toggle

# the key of the request detail that performs each step of the loop, and its name
# (request_detail.py's bindings)
STEP_KEYS = {
    Status.accepted: ("a", N_("Accept")),
    Status.dispatched: ("w", N_("Whistle / dispatch")),
    Status.in_progress: ("s", N_("Start")),
    Status.resolved: ("r", N_("Resolve")),
    Status.closed: ("f", N_("Feedback")),
}


def first_step(current: Status, target: Status) -> Status | None:
    """The first status on the shortest legal way from ``current`` to ``target`` (None: no way)."""
    frontier: list[tuple[Status, Status | None]] = [(current, None)]
    seen = {current}
    while frontier:
        nxt: list[tuple[Status, Status | None]] = []
        for status, first in frontier:
            for step in sorted(TRANSITIONS[status], key=lambda s: list(Status).index(s)):
                if step in seen:
                    continue
                head = first or step
                if step == target:
                    return head
                seen.add(step)
                nxt.append((step, head))
        frontier = nxt
    return None


def precondition_message(current: Status, target: Status, action: str) -> str:
    """Why ``action`` (towards ``target``) cannot be done now, and which key comes first."""
    if current == target:
        return _("The request is already {status}.").format(status=label(current))
    step = first_step(current, target)
    if step is None or step not in STEP_KEYS:
        return _("A request that is {status} cannot be moved to {target}.").format(
            status=label(current), target=label(target)
        )
    key, name = STEP_KEYS[step]
    if step == Status.in_progress and current in (Status.resolved, Status.closed):
        key, name = "o", N_("Reopen")
    return _("{action} is not possible while the request is {status}: first {step} (key {key}).").format(
        action=action, status=label(current), step=_(name), key=key
    )


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
    ActionDialog SelectionList {
        height: auto;
        max-height: 8;
    }
    """

    BINDINGS = [
        Binding("ctrl+s", "submit", N_("Save"), id="dialog.submit", priority=True),
        Binding("escape", "cancel", N_("Cancel"), id="dialog.cancel"),
        Binding("enter", "submit", N_("Save"), id="dialog.enter_submit", show=False),
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
        if message:
            self.notify(message, severity="error", timeout=6)

    def refuse(self, message: str) -> None:
        """The action cannot be done now: say why at once and disable OK."""
        self.set_error(message)
        self.query_one("#dialog-ok", Button).disabled = True

    @on(Input.Submitted)
    def _enter(self, event: Input.Submitted) -> None:
        event.stop()
        if not self.query_one("#dialog-ok", Button).disabled:
            self.action_submit()

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
        if self.busy or self.query_one("#dialog-ok", Button).disabled:
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
            yield ChoicePicker(
                [Choice(s.value, label(s), s.value, s.label("en") + s.label("zh")) for s in self.targets],
                placeholder=_("type a status or its pinyin initials"),
                id="target",
            )
        yield from _note_fields()

    def on_mount(self) -> None:
        if self.target is None and not self.targets:
            self.refuse(
                _("A request that is {status} cannot change status any more.").format(
                    status=label(self.current)
                )
            )
            return
        if self.target is not None and self.target not in TRANSITIONS[self.current]:
            self.refuse(precondition_message(self.current, self.target, _(self.title_msgid)))
            return
        first = self.query("#target Input") if self.target is None else self.query("#note-public")
        if first:
            first.first().focus()

    def values(self) -> dict[str, Any]:
        target = self.target
        if target is None:
            chosen = self.query_one("#target", ChoicePicker).value
            if chosen is None:
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
    are offered.

    The lead and the assisting organisations are chosen by typing (Chinese, pinyin
    initials, full pinyin), the most often dispatched first: Enter takes the lead
    and moves on; in the assisting box each Enter adds one, and Enter on the empty
    box saves. The whistle is a toggle after the notes (Space flips it). A submitted
    request is accepted in the same step (the heading says so); a request that cannot
    be dispatched any more says why as soon as the dialog opens."""

    DISPATCHABLE = frozenset({Status.submitted, Status.accepted, Status.dispatched, Status.in_progress})

    def __init__(self, request_id: int, ref: str, current: Status | None = None) -> None:
        super().__init__(request_id, ref)
        self.current = current
        self.orgs: list[OrgOption] = []
        self.usage: dict[int, int] = {}
        self.assists: list[int] = []

    def heading(self) -> str:
        text = _("{action} · {ref}").format(action=_("Whistle / dispatch"), ref=self.ref)
        if self.current == Status.submitted:
            text += "\n" + _("The request is {status}: saving accepts it and dispatches it in one step.").format(
                status=label(Status.submitted)
            )
        return text

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Lead organisation") + " *", classes="field-label")
        yield ChoicePicker([], placeholder=_("type a name or its pinyin initials"), id="lead")
        yield Label(_("Assisting organisations (Enter adds one; Enter on the empty box saves)"),
                    classes="field-label")
        yield ChoicePicker([], placeholder=_("type a name or its pinyin initials"), id="assist")
        yield Label("", id="assists-chosen", classes="status-line")
        yield from _note_fields()
        yield Toggle(_("Whistle"), True, on_text=_("on, departments must report on site"),
                     off_text=_("off, any organisation"), id="whistle")

    def on_mount(self) -> None:
        if self.current is not None and self.current not in self.DISPATCHABLE:
            reopen = Status.in_progress in TRANSITIONS[self.current]
            self.refuse(
                _("A request that is {status} cannot be dispatched.").format(status=label(self.current))
                + (" " + _("Reopen it first (key o).") if reopen else "")
            )
            return
        self.query_one("#lead Input", Input).focus()
        db = self.app.db

        def fetch() -> tuple[list[OrgOption], dict[int, int]]:
            with db.read_session() as s:
                rows = s.execute(
                    select(Organisation.id, Organisation.name, Organisation.kind).order_by(
                        Organisation.kind != OrgKind.department.value, Organisation.name
                    )
                )
                orgs = [OrgOption(*row) for row in rows]
                usage = dict(
                    s.execute(
                        select(RequestDispatch.organisation_id, func.count()).group_by(
                            RequestDispatch.organisation_id
                        )
                    ).all()
                )
                return orgs, usage

        self.db_work(fetch, self._loaded, group="dialog-load", on_error=self.set_error)

    def _loaded(self, loaded: tuple[list[OrgOption], dict[int, int]]) -> None:
        self.orgs, self.usage = loaded
        self._fill()

    def _offered(self) -> list[OrgOption]:
        if self.query_one("#whistle", Toggle).value:
            return [o for o in self.orgs if o.kind == OrgKind.department.value]
        return self.orgs

    def _fill(self) -> None:
        whistle = self.query_one("#whistle", Toggle).value
        offered = self._offered()

        def choice(o: OrgOption) -> Choice:
            text = o.name if whistle else f"{o.name}（{label(OrgKind(o.kind))}）"
            return Choice(o.id, text, "", label(OrgKind(o.kind)), self.usage.get(o.id, 0))

        choices = [choice(o) for o in offered]
        ids = {o.id for o in offered}
        lead = self.query_one("#lead", ChoicePicker)
        keep = lead.value
        lead.set_choices(choices)
        if keep is not None and keep not in ids:
            lead.clear()
        self.query_one("#assist", ChoicePicker).set_choices(choices)
        self.assists = [a for a in self.assists if a in ids]
        self._show_assists()
        if not offered:
            self.set_error(_("There are no departments to call."))

    def _show_assists(self) -> None:
        names = {o.id: o.name for o in self.orgs}
        self.query_one("#assists-chosen", Label).update(
            Text(_("Assisting: {names}").format(names="、".join(names[a] for a in self.assists)))
            if self.assists
            else ""
        )

    @on(ChoicePicker.Changed, "#lead")
    def _lead(self, event: ChoicePicker.Changed) -> None:
        if event.value is not None and event.picker.has_focus_within:
            self.call_after_refresh(self.focus_next)

    @on(ChoicePicker.Changed, "#assist")
    def _assist(self, event: ChoicePicker.Changed) -> None:
        if event.value is None:
            return
        if event.value not in self.assists:
            self.assists.append(event.value)
        self._show_assists()
        self.call_after_refresh(event.picker.clear)  # ready for the next one

    @on(Toggle.Changed, "#whistle")
    def _whistle(self) -> None:
        self._fill()

    def values(self) -> dict[str, Any]:
        lead = self.query_one("#lead", ChoicePicker).value
        if lead is None:
            raise InputProblem(_("Choose the lead organisation."))
        assists = [a for a in self.assists if a != lead]
        return {
            "organisations": [(int(lead), DispatchRole.lead.value)]
            + [(a, DispatchRole.assist.value) for a in assists],
            "whistle": self.query_one("#whistle", Toggle).value,
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
    """A dialog that first loads the request's dispatches into the ``#dispatch`` picker
    (chosen by typing; the first one waiting is preset, so Enter saves at once)."""

    only_waiting = False

    def on_mount(self) -> None:
        db, request_id = self.app.db, self.request_id
        self.query_one("#dispatch Input", Input).focus()

        def fetch() -> list[DispatchOption]:
            with db.read_session() as s:
                return _dispatch_options(s, request_id)

        self.db_work(fetch, self._loaded, group="dialog-load", on_error=self.set_error)

    def _loaded(self, options: list[DispatchOption]) -> None:
        dispatched = bool(options)
        if self.only_waiting:
            options = [o for o in options if not o.reported]
        picker = self.query_one("#dispatch", ChoicePicker)
        picker.set_choices([Choice(o.id, o.prompt) for o in options])
        if options:
            picker.choose(options[0].id)
            picker.query_one(Input).focus()
        elif dispatched:
            self.refuse(self.empty_message())
        else:
            self.refuse(self.not_dispatched_message())

    def empty_message(self) -> str:
        return self.not_dispatched_message()

    def not_dispatched_message(self) -> str:
        return _("This request has not been dispatched: first whistle / dispatch (key w).")

    def chosen_dispatch(self) -> int:
        value = self.query_one("#dispatch", ChoicePicker).value
        if value is None:
            raise InputProblem(domain_message("input.required", field="organisations"))
        return int(value)


class ReportInDialog(_DispatchChoice):
    """A department called by the whistle reports on site (报到)."""

    only_waiting = True

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Report in"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Organisation reporting in") + " *", classes="field-label")
        yield ChoicePicker([], placeholder=_("type a name or its pinyin initials"), id="dispatch")
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
        yield Label(_("Organisation") + " *", classes="field-label")
        yield ChoicePicker([], placeholder=_("type a name or its pinyin initials"), id="dispatch")
        yield Label(_("Result"), classes="field-label")
        yield Input(id="result", placeholder=_("what the organisation did"))
        yield Label(_("Rating (5 best)"), classes="field-label")
        yield ChoicePicker(
            [Choice(n, "★" * n, str(n)) for n in range(5, 0, -1)],
            placeholder=_("type 1 to 5"),
            id="rating",
        )

    def values(self) -> dict[str, Any]:
        dispatch = self.chosen_dispatch()
        result = self.query_one("#result", Input).value.strip()
        rating = self.query_one("#rating", ChoicePicker).value
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
    """A return visit (回访): solved or not, how satisfied; then close the request, or
    reopen it when the resident is dissatisfied.

    The answers are chosen by typing (已解决 ← "yjj", "yes"; 满意 ← "my") and the cursor
    starts in the first of them: Enter takes an answer and moves on, Enter in the comment
    saves. The toggles (reporter reached, close, reopen) come after the fields that take
    typing, say their state in words, and only Space flips them."""

    def heading(self) -> str:
        return _("{action} · {ref}").format(action=_("Feedback"), ref=self.ref)

    def compose_fields(self) -> ComposeResult:
        yield Label(_("Is it resolved?"), classes="field-label")
        yield ChoicePicker(
            [Choice(a.value, label(a), a.value, a.label("en") + a.label("zh")) for a in ResolvedAnswer],
            placeholder=_("type an answer or its pinyin initials"),
            id="resolved",
        )
        yield Label(_("Satisfaction") + " *", classes="field-label")
        yield ChoicePicker(
            [Choice(a.value, label(a), a.value, a.label("en") + a.label("zh")) for a in Satisfaction],
            placeholder=_("type an answer or its pinyin initials"),
            id="satisfaction",
        )
        yield Label(_("Comment"), classes="field-label")
        yield Input(id="comment")
        yield Toggle(_("Reporter contacted"), True, on_text=_("yes"), off_text=_("no"), id="contacted")
        yield Toggle(_("Close the request"), True, on_text=_("yes"), off_text=_("no"), id="close")
        yield Toggle(_("Reopen (dissatisfied)"), False, on_text=_("yes"), off_text=_("no"), id="reopen",
                     disabled=True)

    def on_mount(self) -> None:
        self.query_one("#resolved Input", Input).focus()

    @on(ChoicePicker.Changed, "#resolved, #satisfaction")
    def _answered(self, event: ChoicePicker.Changed) -> None:
        if event.control.id == "satisfaction":
            self._satisfaction(event.value)
        if event.value is not None and event.picker.has_focus_within:
            self.call_after_refresh(self.focus_next)  # the next answer, then the comment

    @on(Toggle.Changed, "#contacted")
    def _contacted(self, event: Toggle.Changed) -> None:
        for picker in self.query(ChoicePicker):
            picker.disabled = not event.value

    def _satisfaction(self, value: str | None) -> None:
        dissatisfied = value == Satisfaction.dissatisfied.value
        reopen = self.query_one("#reopen", Toggle)
        reopen.disabled = not dissatisfied
        # a dissatisfied resident's request is redone unless the clerk decides otherwise
        reopen.value = dissatisfied
        self.query_one("#close", Toggle).value = not dissatisfied

    @on(Toggle.Changed, "#reopen")
    def _reopen(self, event: Toggle.Changed) -> None:
        if event.value:
            self.query_one("#close", Toggle).value = False

    @on(Toggle.Changed, "#close")
    def _close(self, event: Toggle.Changed) -> None:
        if event.value:
            self.query_one("#reopen", Toggle).value = False

    def values(self) -> dict[str, Any]:
        contacted = self.query_one("#contacted", Toggle).value
        resolved = self.query_one("#resolved", ChoicePicker).value if contacted else None
        satisfaction = self.query_one("#satisfaction", ChoicePicker).value if contacted else None
        if contacted and satisfaction is None:
            raise InputProblem(domain_message("input.required", field="satisfaction"))
        return {
            "contacted": contacted,
            "resolved": resolved,
            "satisfaction": satisfaction,
            "comment": self.query_one("#comment", Input).value,
            "reopen": self.query_one("#reopen", Toggle).value,
            "close": self.query_one("#close", Toggle).value,
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
        yield Input(placeholder=_("number of the original request"), id="original")
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
        db, actor = self.app.db, self.app.actor

        def fetch() -> str:
            with db.read_session() as s:
                found = svc.find_request(s, ref, actor=actor)
                return f"{found.ref}  {found.title}  ({label(Status(found.status))})"

        preview = self.query_one("#original-preview", Label)
        self.db_work(
            fetch,
            lambda text: preview.update(Text(text)),
            group="dialog-lookup",
            on_error=lambda message: preview.update(Text(message)),
        )

    def on_mount(self) -> None:
        self.query_one("#original", Input).focus()

    def values(self) -> dict[str, Any]:
        original = self.query_one("#original", Input).value.strip()
        if not original:
            raise InputProblem(domain_message("request.duplicate_ref"))
        return {"original": original, "note": self.query_one("#note-public", Input).value}

    def perform(self, session: Session, actor: Actor, values: dict[str, Any]) -> object:
        original = svc.find_request(session, values["original"], actor=actor)
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

    def on_mount(self) -> None:
        self.query_one("#supporter Input", Input).focus()

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
        yield Input(id="attach-paths", placeholder=_("file paths, separated by ;"))

    def on_mount(self) -> None:
        self.query_one("#attach-paths", Input).focus()

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
