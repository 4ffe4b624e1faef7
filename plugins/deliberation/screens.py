"""The roundtable's TUI section (居民议事厅): the consultations, and one consultation
with its participants, options and rounds.

In a consultation, ``space`` on the participants table checks the highlighted
participant in (or out); the vote grid lists the voting participants of the
chosen round and the facilitator types ``y`` / ``n`` / ``a`` / ``o`` (yes, no,
abstain, objection — an objection asks for its reason) on the highlighted row;
``c`` closes the round and shows its outcome with the explanation; ``d`` records
the consultation's decision (on the strength of the highlighted closed round, or of
the discussion alone). The palette command "议事: 从诉求发起协商" opens a consultation
from the request on screen (:func:`open_from_request`). Every write is one service
call, run off the UI thread.

These strings are not in the core's gettext catalogs (those cover ``tui/`` only):
:func:`t` picks the Chinese or the English text by the UI's current language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label

from core.errors import DomainError
from core.models.places import Place
from tui import i18n
from tui.widgets.base import DbWork


def t(zh: str, en: str) -> str:
    """The text in the UI's current language."""
    return en if i18n.language() == "en" else zh


# binding id -> (zh, en) descriptions
BINDING_TEXT: dict[str, tuple[str, str]] = {
    "delib.back": ("返回", "Back"),
    "delib.open": ("打开", "Open"),
    "delib.reload": ("刷新", "Reload"),
    "delib.checkin": ("签到/签退", "Check in/out"),
    "delib.vote_yes": ("赞成", "Yes"),
    "delib.vote_no": ("反对", "No"),
    "delib.vote_abstain": ("弃权", "Abstain"),
    "delib.vote_object": ("异议", "Object"),
    "delib.close_round": ("关闭本轮并计票", "Close round"),
    "delib.reason_save": ("保存", "Save"),
    "delib.reason_cancel": ("取消", "Cancel"),
    "delib.confirm_yes": ("确定", "Yes"),
    "delib.confirm_no": ("取消", "No"),
    "delib.decide": ("记录决定", "Record decision"),
    "delib.form_save": ("保存", "Save"),
    "delib.form_cancel": ("取消", "Cancel"),
}


def translate_plugin_bindings(node) -> None:
    """Rewrite the descriptions of ``node``'s ``delib.*`` bindings in the current language."""
    bindings = node._bindings
    for key, items in list(bindings.key_to_bindings.items()):
        new = []
        for b in items:
            text = BINDING_TEXT.get(b.id or "")
            new.append(replace(b, description=t(*text)) if text else b)
        bindings.key_to_bindings[key] = new


def lang_label(labels: dict[str, tuple[str, str]], value: str | None) -> str:
    if value is None:
        return ""
    zh, en = labels.get(value, (value, value))
    return t(zh, en)


def enum_label(enum_cls, value: str) -> str:
    try:
        return enum_cls(value).label(i18n.language())
    except ValueError:
        return value


# -- reading (off the UI thread; plain data back) --------------------------------------


@dataclass
class ConsultationRow:
    id: int
    title: str
    status: str
    place: str
    rounds: int


@dataclass
class ParticipantRow:
    id: int
    name: str
    role: str
    group: str
    can_vote: bool
    present: bool
    proxy_for: int | None


@dataclass
class BallotCell:
    choice: str | None
    reason: str
    by_proxy: bool


@dataclass
class RoundRow:
    id: int
    number: int
    title: str
    kind: str
    state: str
    secret: bool
    hide_results: bool
    outcome: str | None
    # participant id -> their current ballot (named rounds); a secret round keeps only who voted
    ballots: dict[int, BallotCell] = field(default_factory=dict)
    voted: set[int] = field(default_factory=set)
    # explanation lines ({"zh", "en"}) of the stored result or of the live tally; None: hidden
    lines: list[dict[str, str]] | None = None


@dataclass
class Detail:
    id: int
    title: str
    status: str
    place: str
    participants: list[ParticipantRow]
    options: list[tuple[int, int, str, bool]]  # id, number, text, active
    rounds: list[RoundRow]


def load_consultations(session: Session) -> list[ConsultationRow]:
    from plugins.deliberation import services as svc

    cons = svc.list_consultations(session)
    places = dict(session.execute(select(Place.id, Place.name).where(
        Place.id.in_({c.place_id for c in cons if c.place_id}))).all()) if cons else {}
    return [ConsultationRow(c.id, c.title, c.status, places.get(c.place_id, ""),
                            len(svc.rounds_of(session, c.id))) for c in cons]


def load_detail(session: Session, consultation_id: int) -> Detail:
    from plugins.deliberation import services as svc
    from plugins.deliberation.export import result_json
    from plugins.deliberation.models import RoundState

    c = svc.get_consultation(session, consultation_id)
    place = session.get(Place, c.place_id).name if c.place_id else ""
    people = svc.participants_of(session, c.id)
    rounds = []
    for r in svc.rounds_of(session, c.id):
        res = svc.result_of(session, r.id)
        row = RoundRow(r.id, r.number, r.title, r.kind, r.state, r.secret, r.hide_results,
                       res.outcome if res is not None else None)
        current = svc.current_ballots(session, r.id)
        if not r.secret:
            row.ballots = {b.participant_id: BallotCell(b.choice, b.reason, b.by_proxy) for b in current}
            row.voted = set(row.ballots)
        elif r.state == RoundState.open and r.token_key:
            keys = {b.voter_key for b in current}
            row.voted = {p.id for p in people if svc.voter_key(r, p.id) in keys}
        if res is not None:
            row.lines = list(res.explanation)
        elif r.state == RoundState.open and not r.hide_results:
            try:
                row.lines = list(result_json(svc.live_tally(session, round_id=r.id))["explanation"])
            except DomainError:
                row.lines = None
        rounds.append(row)
    return Detail(
        id=c.id, title=c.title, status=c.status, place=place,
        participants=[ParticipantRow(p.id, p.name, p.role, p.group, p.can_vote, p.present, p.proxy_for_id)
                      for p in people],
        options=[(o.id, o.number, o.text, o.active) for o in svc.options_of(session, c.id)],
        rounds=rounds,
    )


# -- the list -----------------------------------------------------------------------------


class DeliberationScreen(DbWork, Screen):
    """居民议事厅 / Residents' council: the consultations."""

    DEFAULT_CSS = """
    DeliberationScreen #delib-list { height: 1fr; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="delib.back"),
        Binding("r", "reload", "Reload", id="delib.reload"),
    ]

    def __init__(self, db) -> None:
        super().__init__()
        self.db = db
        self.rows: list[ConsultationRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="delib-heading", classes="panel-title")
        yield DataTable(id="delib-list", cursor_type="row", zebra_stripes=True)
        yield Label("", id="delib-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        translate_plugin_bindings(self)
        self.query_one("#delib-heading", Label).update(
            t("居民议事厅 · 协商事项（回车打开）", "Residents' council · consultations (Enter opens)"))
        table = self.query_one("#delib-list", DataTable)
        for key, zh, en in (("title", "议题", "Title"), ("status", "状态", "Status"),
                            ("place", "地点", "Place"), ("rounds", "表决轮次", "Rounds")):
            table.add_column(t(zh, en), key=key)
        table.focus()
        self.reload()

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        db = self.db

        def fetch() -> list[ConsultationRow]:
            with db.read_session() as s:
                return load_consultations(s)

        self.db_work(fetch, self._show, group="delib-list")

    def _show(self, rows: list[ConsultationRow]) -> None:
        from plugins.deliberation.models import ConsultationStatus

        self.rows = rows
        table = self.query_one("#delib-list", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            table.add_row(r.title, enum_label(ConsultationStatus, r.status), r.place, str(r.rounds), key=str(r.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#delib-status", Label).update(
            t(f"共 {len(rows)} 项协商", f"{len(rows)} consultations"))

    @on(DataTable.RowSelected, "#delib-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ConsultationScreen(self.db, int(event.row_key.value)))

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()


# -- one consultation -----------------------------------------------------------------------


class ParticipantTable(DataTable):
    """The participants; ``space`` checks the highlighted one in or out."""

    BINDINGS = [Binding("space", "checkin", "Check in/out", id="delib.checkin")]

    def on_mount(self) -> None:
        translate_plugin_bindings(self)

    def action_checkin(self) -> None:
        self.screen.toggle_presence()


class VoteGrid(DataTable):
    """The voting participants of the chosen round; y / n / a / o records a ballot."""

    BINDINGS = [
        Binding("y", "vote('yes')", "Yes", id="delib.vote_yes"),
        Binding("n", "vote('no')", "No", id="delib.vote_no"),
        Binding("a", "vote('abstain')", "Abstain", id="delib.vote_abstain"),
        Binding("o", "vote('object')", "Object", id="delib.vote_object"),
    ]

    def on_mount(self) -> None:
        translate_plugin_bindings(self)

    def action_vote(self, choice: str) -> None:
        self.screen.vote(choice)


class ReasonScreen(ModalScreen[str | None]):
    """An objection needs its reason."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="delib.reason_cancel"),
        Binding("ctrl+s", "save", "Save", id="delib.reason_save", priority=True),
    ]

    def __init__(self, name: str) -> None:
        super().__init__()
        self.voter = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="delib-reason-box"):
            yield Label(t(f"{self.voter} 提出异议，请记录理由：", f"{self.voter} objects; the reason:"))
            yield Input(id="delib-reason", max_length=2000)
            yield Label("", id="delib-reason-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("保存", "Save"), id="delib-reason-save", variant="primary")
                yield Button(t("取消", "Cancel"), id="delib-reason-cancel")

    def on_mount(self) -> None:
        translate_plugin_bindings(self)
        self.query_one("#delib-reason", Input).focus()

    @on(Input.Submitted, "#delib-reason")
    @on(Button.Pressed, "#delib-reason-save")
    def action_save(self) -> None:
        reason = self.query_one("#delib-reason", Input).value.strip()
        if not reason:
            self.query_one("#delib-reason-error", Label).update(t("异议须说明理由", "An objection needs a reason"))
            return
        self.dismiss(reason)

    @on(Button.Pressed, "#delib-reason-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmCloseScreen(ModalScreen[bool]):
    """Closing a round counts it for good: ``y`` / Enter confirms, ``n`` / Esc declines."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="delib.confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="delib.confirm_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="delib-confirm-box"):
            yield Label(self.question)
            with Horizontal(classes="buttons"):
                yield Button(t("确定", "Yes"), id="delib-confirm-yes", variant="warning")
                yield Button(t("取消", "No"), id="delib-confirm-no")

    def on_mount(self) -> None:
        translate_plugin_bindings(self)
        self.query_one("#delib-confirm-yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "delib-confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class FromRequestScreen(DbWork, ModalScreen[int | None]):
    """Open a consultation from a request: its title (pre-filled with the request's),
    then ``create_consultation`` linked to the request (which notes it on its timeline).
    Dismissed with the new consultation's id, or None."""

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
            yield Label(t("提交居民议事厅协商", "Take a request to the residents' council"), classes="panel-title")
            yield Label("", id="delib-from-request-ref")
            yield Label(t("协商议题：", "Consultation title:"))
            yield Input(id="delib-from-request-title", max_length=200)
            yield Label("", id="delib-from-request-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("发起协商", "Open consultation"), id="delib-from-request-save", variant="primary")
                yield Button(t("取消", "Cancel"), id="delib-from-request-cancel")

    def on_mount(self) -> None:
        from core.services.requests import get_request

        translate_plugin_bindings(self)
        self.query_one("#delib-from-request-title", Input).focus()
        db, rid = self.db, self.request_id

        def fetch() -> tuple[str, str, int | None]:
            with db.read_session() as s:
                r = get_request(s, rid)
                return r.ref, r.title, r.place_id

        self.db_work(fetch, self._prefill, group="delib-from-request-read")

    def _prefill(self, found: tuple[str, str, int | None]) -> None:
        ref, title, self.place_id = found
        self.query_one("#delib-from-request-ref", Label).update(t(f"诉求 {ref}：{title}", f"Request {ref}: {title}"))
        box = self.query_one("#delib-from-request-title", Input)
        if not box.value:
            box.value = title

    @on(Input.Submitted, "#delib-from-request-title")
    @on(Button.Pressed, "#delib-from-request-save")
    def action_save(self) -> None:
        from plugins.deliberation import services as svc

        title = self.query_one("#delib-from-request-title", Input).value.strip()
        error = self.query_one("#delib-from-request-error", Label)
        if not title:
            error.update(t("请填写协商议题", "A title is needed"))
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


def open_from_request(app) -> None:
    """The palette action: with a request on screen (anything with a ``request_id``, as
    the request detail has), ask for the title, create the linked consultation, open it."""
    request_id = getattr(app.screen, "request_id", None)
    if request_id is None:
        app.notify(t("请先打开一条诉求，再从诉求发起协商", "Open a request first, then take it to the council"),
                   severity="warning")
        return
    db, request_screen = app.db, app.screen

    def done(consultation_id: int | None) -> None:
        if consultation_id is None:
            return
        reload = getattr(request_screen, "reload", None)
        if callable(reload):
            reload()  # its timeline now has the note
        app.notify(t("已发起协商，诉求时间线已留痕", "Consultation opened; the request's timeline has a note"))
        app.push_screen(ConsultationScreen(db, consultation_id))

    app.push_screen(FromRequestScreen(db, int(request_id)), done)


@dataclass
class Decision:
    decision: str
    option_id: int | None
    review_on: date | None


class DecideScreen(ModalScreen[Decision | None]):
    """The consultation's decision: its text, optionally the chosen option (by number)
    and a review date (YYYY-MM-DD)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="delib.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="delib.form_save", priority=True),
    ]

    def __init__(self, basis: str, options: list[tuple[int, int, str, bool]]) -> None:
        super().__init__()
        self.basis = basis
        self.options = options

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="delib-decide-box"):
            yield Label(t("记录协商决定", "Record the decision"), classes="panel-title")
            yield Label(self.basis, id="delib-decide-basis")
            yield Label(t("决定内容：", "Decision:"))
            yield Input(id="delib-decide-text", max_length=2000)
            yield Label(t("选定方案编号（可空）：", "Chosen option number (optional):"))
            yield Input(id="delib-decide-option", max_length=6)
            yield Label(t("复查日期（可空，YYYY-MM-DD）：", "Review date (optional, YYYY-MM-DD):"))
            yield Input(id="delib-decide-review", max_length=10, placeholder="YYYY-MM-DD")
            yield Label("", id="delib-decide-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("保存", "Save"), id="delib-decide-save", variant="primary")
                yield Button(t("取消", "Cancel"), id="delib-decide-cancel")

    def on_mount(self) -> None:
        translate_plugin_bindings(self)
        self.query_one("#delib-decide-text", Input).focus()

    @on(Input.Submitted)
    @on(Button.Pressed, "#delib-decide-save")
    def action_save(self) -> None:
        error = self.query_one("#delib-decide-error", Label)
        text = self.query_one("#delib-decide-text", Input).value.strip()
        if not text:
            error.update(t("请填写决定内容", "The decision needs a text"))
            return
        option_id = None
        number = self.query_one("#delib-decide-option", Input).value.strip()
        if number:
            found = [oid for oid, n, _text, _active in self.options if str(n) == number]
            if not found:
                error.update(t(f"没有编号为 {number} 的方案", f"No option numbered {number}"))
                return
            option_id = found[0]
        review_on = None
        raw = self.query_one("#delib-decide-review", Input).value.strip()
        if raw:
            try:
                review_on = date.fromisoformat(raw)
            except ValueError:
                error.update(t("复查日期格式应为 YYYY-MM-DD", "The review date should be YYYY-MM-DD"))
                return
        self.dismiss(Decision(text, option_id, review_on))

    @on(Button.Pressed, "#delib-decide-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class ConsultationScreen(DbWork, Screen):
    """One consultation: participants (check-in), options, rounds, the vote grid."""

    DEFAULT_CSS = """
    ConsultationScreen #delib-top { height: 1fr; }
    ConsultationScreen #delib-left { width: 1fr; }
    ConsultationScreen #delib-right { width: 1fr; }
    ConsultationScreen #delib-participants { height: 1fr; }
    ConsultationScreen #delib-options { height: auto; max-height: 8; }
    ConsultationScreen #delib-rounds { height: auto; max-height: 8; }
    ConsultationScreen #delib-bottom { height: 1fr; }
    ConsultationScreen #delib-votes { width: 1fr; height: 1fr; }
    ConsultationScreen #delib-tally { width: 1fr; height: 1fr; padding: 0 1; }
    """

    BINDINGS = [
        Binding("escape", "back", "Back", id="delib.back"),
        Binding("c", "close_round", "Close round", id="delib.close_round"),
        Binding("d", "decide", "Record decision", id="delib.decide"),
        Binding("r", "reload", "Reload", id="delib.reload"),
    ]

    def __init__(self, db, consultation_id: int) -> None:
        super().__init__()
        self.db = db
        self.consultation_id = consultation_id
        self.detail: Detail | None = None
        self.round_id: int | None = None  # the round the vote grid shows
        self.busy = False

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="delib-title", classes="panel-title")
        with Horizontal(id="delib-top"):
            with Vertical(id="delib-left"):
                yield Label(t("参与人（空格：签到/签退）", "Participants (space: check in/out)"), classes="panel-title")
                yield ParticipantTable(id="delib-participants", cursor_type="row", zebra_stripes=True)
            with Vertical(id="delib-right"):
                yield Label(t("方案", "Options"), classes="panel-title")
                yield DataTable(id="delib-options", cursor_type="row", zebra_stripes=True)
                yield Label(t("表决轮次", "Rounds"), classes="panel-title")
                yield DataTable(id="delib-rounds", cursor_type="row", zebra_stripes=True)
        yield Label("", id="delib-round-title", classes="panel-title")
        with Horizontal(id="delib-bottom"):
            yield VoteGrid(id="delib-votes", cursor_type="row", zebra_stripes=True)
            yield Label("", id="delib-tally")
        yield Label("", id="delib-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        translate_plugin_bindings(self)
        columns = {
            "#delib-participants": (("name", "姓名", "Name"), ("role", "身份", "Role"),
                                    ("group", "界别", "Group"), ("votes", "表决权", "Votes"),
                                    ("present", "到场", "Present")),
            "#delib-options": (("number", "编号", "No."), ("text", "方案", "Option"), ("active", "状态", "State")),
            "#delib-rounds": (("number", "轮次", "No."), ("title", "事项", "Motion"), ("kind", "方式", "Kind"),
                              ("state", "状态", "State"), ("outcome", "结果", "Outcome")),
            "#delib-votes": (("name", "表决人", "Voter"), ("present", "到场", "Present"),
                             ("ballot", "表决", "Ballot")),
        }
        for sel, cols in columns.items():
            table = self.query_one(sel, DataTable)
            for key, zh, en in cols:
                table.add_column(t(zh, en), key=key)
        self.query_one("#delib-participants", DataTable).focus()
        self.reload()

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        db, cid = self.db, self.consultation_id

        def fetch() -> Detail:
            with db.read_session() as s:
                return load_detail(s, cid)

        self.db_work(fetch, self._show, group="delib-detail")

    def _show(self, d: Detail) -> None:
        from plugins.deliberation.models import (
            ConsultationStatus,
            ParticipantRole,
            RoundKind,
            RoundState,
        )

        self.detail = d
        status = enum_label(ConsultationStatus, d.status)
        self.query_one("#delib-title", Label).update(f"{d.title} · {status}" + (f" · {d.place}" if d.place else ""))
        yes = t("有", "yes")
        people = self.query_one("#delib-participants", DataTable)
        keep = people.cursor_row
        people.clear()
        for p in d.participants:
            votes = yes if p.can_vote else t("无", "no")
            people.add_row(p.name, enum_label(ParticipantRole, p.role), p.group, votes,
                           "✓" if p.present else "—", key=str(p.id))
        if d.participants:
            people.move_cursor(row=min(keep, len(d.participants) - 1))
        options = self.query_one("#delib-options", DataTable)
        options.clear()
        for oid, number, text, active in d.options:
            options.add_row(str(number), text, t("有效", "active") if active else t("已撤回/合并", "withdrawn/merged"),
                            key=str(oid))
        rounds = self.query_one("#delib-rounds", DataTable)
        rounds.clear()
        from plugins.deliberation.models import OUTCOME_LABELS

        for r in d.rounds:
            rounds.add_row(str(r.number), r.title, enum_label(RoundKind, r.kind), enum_label(RoundState, r.state),
                           lang_label(OUTCOME_LABELS, r.outcome), key=str(r.id))
        ids = [r.id for r in d.rounds]
        if self.round_id not in ids:
            open_ = [r.id for r in d.rounds if r.state == RoundState.open]
            self.round_id = open_[-1] if open_ else (ids[-1] if ids else None)
        if self.round_id is not None:
            rounds.move_cursor(row=ids.index(self.round_id))
        self._show_round()

    def current_round(self) -> RoundRow | None:
        if self.detail is None:
            return None
        return next((r for r in self.detail.rounds if r.id == self.round_id), None)

    def _show_round(self) -> None:
        from plugins.deliberation.models import CHOICE_LABELS, OUTCOME_LABELS, RoundKind, RoundState

        d, r = self.detail, self.current_round()
        grid = self.query_one("#delib-votes", DataTable)
        keep = grid.cursor_row
        grid.clear()
        title = self.query_one("#delib-round-title", Label)
        tally = self.query_one("#delib-tally", Label)
        if d is None or r is None:
            title.update(t("尚无表决轮次", "No rounds yet"))
            tally.update("")
            return
        how = t("（输入 y 赞成 / n 反对 / a 弃权 / o 异议；c 关闭本轮）",
                " (type y yes / n no / a abstain / o object; c closes the round)") \
            if r.state == RoundState.open else ""
        title.update(t(f"第 {r.number} 轮：{r.title} · {enum_label(RoundKind, r.kind)} · "
                       f"{enum_label(RoundState, r.state)}",
                       f"Round {r.number}: {r.title} · {enum_label(RoundKind, r.kind)} · "
                       f"{enum_label(RoundState, r.state)}") + how)
        voters = [p for p in d.participants if p.can_vote]
        for p in voters:
            cell = r.ballots.get(p.id)
            if cell is not None:
                ballot = lang_label(CHOICE_LABELS, cell.choice) if cell.choice else t("已投", "cast")
                if cell.reason:
                    ballot += f"（{cell.reason}）" if i18n.language() != "en" else f" ({cell.reason})"
                if cell.by_proxy:
                    ballot += t(" · 委托", " · by proxy")
            elif p.id in r.voted:
                ballot = t("已投（无记名）", "cast (secret)")
            else:
                ballot = ""
            grid.add_row(p.name, "✓" if p.present else "—", ballot, key=str(p.id))
        if voters:
            grid.move_cursor(row=min(keep, len(voters) - 1))
        if r.outcome is not None:
            head = t(f"结果：{lang_label(OUTCOME_LABELS, r.outcome)}", f"Result: {lang_label(OUTCOME_LABELS, r.outcome)}")
        elif r.state == RoundState.open:
            head = t("实时计票", "Live tally") if r.lines is not None else \
                t("计票结果在本轮关闭后公布", "Tally hidden until the round closes")
        else:
            head = t("本轮尚未开始", "Round not started")
        lines = [x["en"] if i18n.language() == "en" else x["zh"] for x in (r.lines or [])]
        tally.update("\n".join([head, *lines]))

    @on(DataTable.RowHighlighted, "#delib-rounds")
    def _round(self, event: DataTable.RowHighlighted) -> None:
        rid = int(event.row_key.value)
        if rid != self.round_id:
            self.round_id = rid
            self._show_round()

    # -- writes ----------------------------------------------------------------------

    def _write(self, fn, done_text: str) -> None:
        def done(_result: Any) -> None:
            self.busy = False
            self.app.notify(done_text)
            self.reload()

        def failed(message: str) -> None:
            self.busy = False
            self.app.show_error(message)
            self.reload()

        self.busy = True
        self.db_work(fn, done, group="delib-write", on_error=failed)

    def _highlighted(self, selector: str) -> int | None:
        table = self.query_one(selector, DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def toggle_presence(self) -> None:
        from plugins.deliberation import services as svc

        pid = self._highlighted("#delib-participants")
        p = next((p for p in self.detail.participants if p.id == pid), None) if self.detail else None
        if p is None or self.busy:
            return
        db, actor, present = self.db, self.app.actor, not p.present

        def write() -> None:
            with db.session() as s:
                svc.checkin(s, actor=actor, participant_id=p.id, present=present)

        self._write(write, t(f"{p.name} 已签到", f"{p.name} checked in") if present
                    else t(f"{p.name} 已签退", f"{p.name} checked out"))

    def vote(self, choice: str) -> None:
        from plugins.deliberation.models import MOTION_KINDS, RoundState

        r = self.current_round()
        pid = self._highlighted("#delib-votes")
        if r is None or pid is None or self.busy or self.detail is None:
            return
        if r.state != RoundState.open:
            self.app.notify(t("本轮不在表决中", "This round is not open for voting"), severity="warning")
            return
        if r.kind not in MOTION_KINDS:
            self.app.notify(t("排序/选择类表决请用命令行记录（gongzhi deliberation vote）",
                              "Record ranked or choice ballots with the CLI (gongzhi deliberation vote)"),
                            severity="warning")
            return
        p = next(p for p in self.detail.participants if p.id == pid)
        if choice == "object":
            self.app.push_screen(ReasonScreen(p.name),
                                 lambda reason: self._record(r.id, p, choice, reason) if reason else None)
        else:
            self._record(r.id, p, choice, "")

    def _record(self, round_id: int, p: ParticipantRow, choice: str, reason: str) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import CHOICE_LABELS

        holder = None
        if not p.present and self.detail is not None:
            holder = next((q.id for q in self.detail.participants if q.proxy_for == p.id), None)
        db, actor = self.db, self.app.actor

        def write() -> None:
            with db.session() as s:
                svc.record_ballot(s, actor=actor, round_id=round_id, participant_id=p.id, choice=choice,
                                  reason=reason, cast_by_id=holder)

        self._write(write, f"{p.name}: {lang_label(CHOICE_LABELS, choice)}")
        grid = self.query_one("#delib-votes", DataTable)
        if grid.cursor_row < grid.row_count - 1:
            grid.move_cursor(row=grid.cursor_row + 1)  # on to the next voter

    def action_close_round(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import RoundState

        r = self.current_round()
        if r is None or self.busy:
            return
        if r.state != RoundState.open:
            self.app.notify(t("本轮不在表决中", "This round is not open for voting"), severity="warning")
            return
        db, actor, rid = self.db, self.app.actor, r.id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.close_round(s, actor=actor, round_id=rid)

            self._write(write, t(f"第 {r.number} 轮已关闭并计票", f"Round {r.number} closed and counted"))

        self.app.push_screen(ConfirmCloseScreen(
            t(f"关闭第 {r.number} 轮并计票？关闭后不能再记录表决。",
              f"Close round {r.number} and count it? No ballot can be recorded afterwards.")), confirmed)

    def action_decide(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import OUTCOME_LABELS, ConsultationStatus, RoundState

        d, r = self.detail, self.current_round()
        if d is None or self.busy:
            return
        if d.status not in (ConsultationStatus.draft, ConsultationStatus.open):
            self.app.notify(t("本协商已有决定或已结束", "This consultation is already decided or closed"),
                            severity="warning")
            return
        if r is not None and r.state == RoundState.open:
            self.app.notify(t("请先关闭正在表决的轮次", "Close the open round first"), severity="warning")
            return
        round_id = r.id if r is not None and r.outcome is not None else None
        if round_id is not None:
            basis = t(f"依据第 {r.number} 轮：{r.title}（{lang_label(OUTCOME_LABELS, r.outcome)}）",
                      f"On round {r.number}: {r.title} ({lang_label(OUTCOME_LABELS, r.outcome)})")
        else:
            basis = t("依据协商讨论（不依据表决轮次）", "On the discussion alone (no round)")
        db, actor, cid = self.db, self.app.actor, d.id

        def chosen(answer: Decision | None) -> None:
            if answer is None:
                return

            def write() -> None:
                with db.session() as s:
                    svc.decide(s, actor=actor, consultation_id=cid, decision=answer.decision, round_id=round_id,
                               option_id=answer.option_id, review_on=answer.review_on)

            self._write(write, t("协商决定已记录", "Decision recorded"))

        self.app.push_screen(DecideScreen(basis, [o for o in d.options if o[3]]), chosen)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
