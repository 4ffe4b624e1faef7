"""The roundtable's TUI section (居民议事厅): the consultations, and one consultation
with its participants, options, meetings and rounds.

The list: ``n`` opens a new consultation, Enter opens one. In a consultation,
``space`` on the participants table checks the highlighted participant in (or out);
the vote grid lists the voting participants of the chosen round. In a yes/no or
consent round the facilitator types ``y`` / ``n`` / ``a`` / ``o`` (an objection asks
for its reason) on the highlighted row. In a choosing round the grid has a column per
option on the ballot: a digit in a cell ranks that option (``0`` unranks it), ``space``
ticks an approval, Enter records the row's ballot, ``e`` types a whole ordering
instead; in a plurality round ``space`` / Enter on a cell, or the option's number,
records the pick at once. Other keys (docs/deliberation.md has the table): ``p``
participant, ``i`` option (on the options table ``w`` withdraws, ``g`` merges), ``m``
meeting, ``v`` new round, ``s`` starts it, ``c`` closes and counts, ``u`` publishes,
``b`` settles a tie, ``d`` records the decision (amends it once decided), ``x`` closes
or withdraws the consultation, ``l`` links a request, F9 writes the minutes.

Every write is one service call run off the UI thread; a service's refusal is shown
in the user's language and nothing is written. Texts are (zh, en) pairs through
:mod:`tui.widgets.bilingual` (the core's gettext catalogs cover ``tui/`` only); on a
live language switch (F2) the app calls each stacked screen's ``refresh_language``,
and these screens relabel their tables and labels.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlalchemy import select
from sqlmodel import Session
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label
from textual.widgets.data_table import RowDoesNotExist

from core.errors import DomainError
from core.models.places import Place
from core.models.types import LOCAL_TZ
from tui import i18n
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, enum_label, lang_label, t
from tui.widgets.forms import (
    ConfirmModal,
    ExportModal,
    FormError,
    FormField,
    FormModal,
    ReasonModal,
    export_path,
    modal_binding_text,
)
from tui.widgets.list_section import ListSection
from tui.widgets.writes import WriteThenReload

# binding id -> (zh, en) descriptions
BINDING_TEXT: dict[str, tuple[str, str]] = {
    "delib.back": ("返回", "Back"),
    "delib.open": ("打开", "Open"),
    "delib.reload": ("刷新", "Reload"),
    "delib.new_consultation": ("新建协商", "New consultation"),
    "delib.checkin": ("签到/签退", "Check in/out"),
    "delib.checkin_all": ("全部签到", "All present"),
    "delib.vote_undo": ("撤销上一票", "Undo last ballot"),
    "delib.vote_yes": ("赞成", "Yes"),
    "delib.vote_no": ("反对", "No"),
    "delib.vote_abstain": ("弃权", "Abstain"),
    "delib.vote_object": ("异议", "Object"),
    "delib.vote_tick": ("勾选/选定", "Tick/pick"),
    "delib.vote_submit": ("录入本行选票", "Record the row"),
    "delib.vote_order": ("输入排序", "Type an ordering"),
    "delib.vote_clear": ("清空本行草稿", "Clear the row"),
    "delib.close_round": ("关闭本轮并计票", "Close round"),
    "delib.add_participant": ("添加参与人", "Add participant"),
    "delib.add_option": ("添加方案", "Add option"),
    "delib.withdraw_option": ("撤回方案", "Withdraw option"),
    "delib.merge_option": ("合并方案", "Merge option"),
    "delib.add_meeting": ("添加会议", "Add meeting"),
    "delib.new_round": ("新建表决", "New round"),
    "delib.start_round": ("开始表决", "Start round"),
    "delib.publish_round": ("公布结果", "Publish"),
    "delib.tie": ("处理平局", "Settle a tie"),
    "delib.finish": ("结束/撤回协商", "Close/withdraw"),
    "delib.link_request": ("关联诉求", "Link a request"),
    "delib.minutes": ("导出纪要", "Minutes"),
    "delib.decide": ("记录/修正决定", "Decision"),
    **modal_binding_text("delib"),
}

NUMBERS = re.compile(r"[,，、>\s]+")


def parse_numbers(text: str) -> list[int] | None:
    """``"2, 1 3"`` / ``"2>1>3"`` → [2, 1, 3]; None when a part is not a whole number."""
    parts = [p for p in NUMBERS.split(text.strip()) if p]
    if not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


def explanation(lines: list[dict[str, str]], numbers: dict[int, int], names: dict[int, str] | None) -> list[str]:
    """Explanation lines in the UI's language, option ids shown as their numbers."""
    from plugins.deliberation.minutes import render_line

    return [render_line(x, numbers, i18n.language(), names) for x in lines]


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
    weight: int = 1


@dataclass
class BallotCell:
    choice: str | None
    reason: str
    by_proxy: bool
    ranking: list[int] = field(default_factory=list)
    approvals: list[int] = field(default_factory=list)
    option_id: int | None = None


@dataclass
class OptionRow:
    id: int
    number: int
    text: str
    active: bool
    amends: int | None = None  # the number of the option it amends
    withdrawn: bool = False
    merged_into: int | None = None  # the number of the option it was merged into


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
    option_ids: list[int] = field(default_factory=list)
    # participant id -> their current ballot (named rounds); a secret round keeps only who voted
    ballots: dict[int, BallotCell] = field(default_factory=dict)
    voted: set[int] = field(default_factory=set)
    # explanation lines ({"zh", "en"}) of the stored result or of the live tally; None: hidden
    lines: list[dict[str, str]] | None = None
    winners: list[int] = field(default_factory=list)
    tie_broken: bool = False


@dataclass
class DecisionRow:
    decision: str  # in force
    option_id: int | None
    review_on: date | None
    original: str
    amendments: list[tuple[int, str, str]]  # seq, decision, reason
    round_id: int | None


@dataclass
class Detail:
    id: int
    title: str
    status: str
    place: str
    participants: list[ParticipantRow]
    options: list[OptionRow]
    rounds: list[RoundRow]
    meetings: list[tuple[int, int, str, str]] = field(default_factory=list)  # id, number, when, venue
    requests: list[str] = field(default_factory=list)
    decision: DecisionRow | None = None

    @property
    def numbers(self) -> dict[int, int]:
        return {o.id: o.number for o in self.options}

    @property
    def names(self) -> dict[int, str]:
        return {p.id: p.name for p in self.participants}


def load_consultations(session: Session) -> list[ConsultationRow]:
    from plugins.deliberation import services as svc

    cons = svc.list_consultations(session)
    places = dict(session.execute(select(Place.id, Place.name).where(
        Place.id.in_({c.place_id for c in cons if c.place_id}))).all()) if cons else {}
    return [ConsultationRow(c.id, c.title, c.status, places.get(c.place_id, ""),
                            len(svc.rounds_of(session, c.id))) for c in cons]


def load_detail(session: Session, consultation_id: int) -> Detail:
    from core.models.requests import Request
    from core.models.types import fmt_local
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
                       res.outcome if res is not None else None, option_ids=list(r.option_ids))
        current = svc.current_ballots(session, r.id)
        if not r.secret:
            row.ballots = {b.participant_id: BallotCell(b.choice, b.reason, b.by_proxy, list(b.ranking),
                                                        list(b.approvals), b.option_id) for b in current}
            row.voted = set(row.ballots)
        elif r.state == RoundState.open and r.token_key:
            keys = {b.voter_key for b in current}
            row.voted = {p.id for p in people if svc.voter_key(r, p.id) in keys}
        if res is not None:
            row.lines = list(res.explanation)
            row.winners = list(res.winners)
            row.tie_broken = svc.tie_break_of(session, r.id) is not None
        elif r.state == RoundState.open and not r.hide_results:
            try:
                row.lines = list(result_json(svc.live_tally(session, round_id=r.id))["explanation"])
            except DomainError:
                row.lines = None
        rounds.append(row)
    options = svc.options_of(session, c.id)
    number_of = {o.id: o.number for o in options}
    now = svc.decision_in_force(session, c.id)
    decision = None if now is None else DecisionRow(
        now.decision, now.option_id, now.review_on, now.outcome.decision,
        [(a.seq, a.decision, a.reason) for a in now.amendments], now.outcome.round_id)
    refs = list(session.scalars(select(Request.ref).where(Request.id.in_(svc.request_ids_of(session, c.id)))
                                .order_by(Request.id)))
    return Detail(
        id=c.id, title=c.title, status=c.status, place=place,
        participants=[ParticipantRow(p.id, p.name, p.role, p.group, p.can_vote, p.present, p.proxy_for_id, p.weight)
                      for p in people],
        options=[OptionRow(o.id, o.number, o.text, o.active, number_of.get(o.amends_id), o.withdrawn,
                           number_of.get(o.merged_into_id)) for o in options],
        rounds=rounds,
        meetings=[(m.id, m.number, fmt_local(m.held_at), m.venue) for m in svc.meetings_of(session, c.id)],
        requests=refs,
        decision=decision,
    )


# -- small dialogs ------------------------------------------------------------------------


class FormScreen(FormModal, prefix="delib"):
    """The plugin's forms (:class:`tui.widgets.forms.FormModal`): ctrl+s saves, Esc cancels."""

    BINDING_TEXT = BINDING_TEXT


def need_int(text: str, zh: str, en: str, *, minimum: int = 0) -> int:
    if not text.isdigit() or int(text) < minimum:
        raise FormError(t(f"{zh}须是不小于 {minimum} 的整数：{text}", f"{en} must be a whole number ≥ {minimum}: {text}"))
    return int(text)


class ReasonScreen(ReasonModal, prefix="delib"):
    """An objection needs its reason."""

    BINDING_TEXT = BINDING_TEXT

    def __init__(self, name: str) -> None:
        super().__init__((f"{name} 提出异议，请记录理由：", f"{name} objects; the reason:"),
                         ("异议须说明理由", "An objection needs a reason"))
        self.voter = name


class ConfirmCloseScreen(ConfirmModal, prefix="delib"):
    """A confirmation: ``y`` / Enter confirms, ``n`` / Esc declines."""

    BINDING_TEXT = BINDING_TEXT


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


def open_receiving_round(app) -> None:
    """The palette action: straight to the round receiving ballots (the newest open one),
    its consultation open with the focus on the vote grid; without one, the section,
    with a word on how to open a round."""
    from plugins.deliberation.queries import receiving_round

    db = app.db

    def fetch() -> tuple[int, int] | None:
        with db.read_session() as s:
            return receiving_round(s)

    def show(found: tuple[int, int] | None) -> None:
        if found is None:
            app.notify(t("没有正在表决的轮次：打开一项协商，按 v 新建表决",
                         "No round is receiving ballots: open a consultation and press v for a new round"),
                       severity="warning")
            app.show_section("plugin:deliberation")
            return
        cid, rid = found
        app.push_screen(ConsultationScreen(db, cid, round_id=rid))

    def work() -> None:
        found = fetch()
        app.call_from_thread(show, found)

    app.run_worker(work, thread=True, group="delib-receiving")


@dataclass
class Decision:
    decision: str
    option_id: int | None
    review_on: date | None
    reason: str = ""  # an amendment's reason


class DecideScreen(Bilingual, ModalScreen[Decision | None]):
    """The consultation's decision: its text, optionally the chosen option (by number)
    and a review date (YYYY-MM-DD). Amending a recorded decision (``current`` given)
    starts from the decision in force and asks for the reason too."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="delib.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="delib.form_save", priority=True),
    ]

    def __init__(self, basis: str, options: list[OptionRow], current: DecisionRow | None = None) -> None:
        super().__init__()
        self.basis = basis
        self.options = options
        self.current = current

    def compose(self) -> ComposeResult:
        cur = self.current
        numbers = {o.id: o.number for o in self.options}
        with Vertical(classes="form", id="delib-decide-box"):
            yield Label(t("修正协商决定（原决定保留，修正留痕）", "Amend the decision (the original stays on record)")
                        if cur else t("记录协商决定", "Record the decision"), classes="panel-title")
            yield Label(self.basis, id="delib-decide-basis")
            yield Label(t("决定内容：", "Decision:"))
            yield Input(cur.decision if cur else "", id="delib-decide-text", max_length=2000)
            yield Label(t("选定方案编号（可空）：", "Chosen option number (optional):"))
            yield Input(str(numbers.get(cur.option_id, "")) if cur and cur.option_id else "",
                        id="delib-decide-option", max_length=6)
            yield Label(t("复查日期（可空，YYYY-MM-DD）：", "Review date (optional, YYYY-MM-DD):"))
            yield Input(cur.review_on.isoformat() if cur and cur.review_on else "", id="delib-decide-review",
                        max_length=10, placeholder="YYYY-MM-DD")
            if cur:
                yield Label(t("修正理由（必填）：", "Reason for the amendment (required):"))
                yield Input(id="delib-decide-reason", max_length=2000)
            yield Label("", id="delib-decide-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("保存", "Save"), id="delib-decide-save", variant="primary")
                yield Button(t("取消", "Cancel"), id="delib-decide-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
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
            found = [o.id for o in self.options if str(o.number) == number]
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
        reason = ""
        if self.current is not None:
            reason = self.query_one("#delib-decide-reason", Input).value.strip()
            if not reason:
                error.update(t("修正决定须说明理由", "An amendment needs its reason"))
                return
        self.dismiss(Decision(text, option_id, review_on, reason))

    @on(Button.Pressed, "#delib-decide-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class LinkRequestScreen(Bilingual, DbWork, ModalScreen[int | None]):
    """Take the request on screen to an existing consultation: the consultations that
    can still change, Enter links the highlighted one (``link_request``, which notes it
    on the request's timeline). Dismissed with the consultation's id, or None."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="delib.form_cancel")]
    DEFAULT_CSS = """
    LinkRequestScreen { align: center middle; }
    LinkRequestScreen > Vertical { width: 90; height: 24; border: thick $accent; background: $surface; }
    LinkRequestScreen DataTable { height: 1fr; }
    """

    def __init__(self, db, request_id: int) -> None:
        super().__init__()
        self.db = db
        self.request_id = request_id
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="delib-link-box"):
            yield Label(t("加入已有协商（回车选定）", "Add to an existing consultation (Enter picks)"),
                        classes="panel-title")
            yield DataTable(id="delib-link-list", cursor_type="row", zebra_stripes=True)
            yield Label("", id="delib-link-error", classes="error")

    def on_mount(self) -> None:
        from plugins.deliberation.models import ConsultationStatus

        self.translate_own_bindings()
        table = self.query_one("#delib-link-list", DataTable)
        table.add_column(t("议题", "Title"), key="title")
        table.add_column(t("状态", "Status"), key="status")
        table.add_column(t("地点", "Place"), key="place")
        table.focus()
        db = self.db

        def fetch() -> list[ConsultationRow]:
            with db.read_session() as s:
                return [r for r in load_consultations(s)
                        if r.status in (ConsultationStatus.draft, ConsultationStatus.open)]

        def show(rows: list[ConsultationRow]) -> None:
            for r in rows:
                table.add_row(r.title, enum_label(ConsultationStatus, r.status), r.place, key=str(r.id))
            if not rows:
                self.query_one("#delib-link-error", Label).update(
                    t("没有可加入的协商（筹备中或协商中）", "No consultation is open to join"))

        self.db_work(fetch, show, group="delib-link-read")

    @on(DataTable.RowSelected, "#delib-link-list")
    def _picked(self, event: DataTable.RowSelected) -> None:
        from plugins.deliberation import services as svc

        if self.busy:
            return
        cid, rid, db, actor = int(event.row_key.value), self.request_id, self.db, self.app.actor

        def write() -> int:
            with db.session() as s:
                svc.link_request(s, actor=actor, consultation_id=cid, request_id=rid)
            return cid

        def failed(message: str) -> None:
            self.busy = False
            self.query_one("#delib-link-error", Label).update(Text(message))

        self.busy = True
        self.db_work(write, self.dismiss, group="delib-link-write", on_error=failed)

    def action_cancel(self) -> None:
        self.dismiss(None)


def link_from_request(app) -> None:
    """The palette action: link the request on screen to an existing consultation."""
    request_id = getattr(app.screen, "request_id", None)
    if request_id is None:
        app.notify(t("请先打开一条诉求，再把它加入协商", "Open a request first, then add it to a consultation"),
                   severity="warning")
        return
    db, request_screen = app.db, app.screen

    def done(consultation_id: int | None) -> None:
        if consultation_id is None:
            return
        reload = getattr(request_screen, "reload", None)
        if callable(reload):
            reload()
        app.notify(t("诉求已加入协商，时间线已留痕", "Request added to the consultation; its timeline has a note"))

    app.push_screen(LinkRequestScreen(db, int(request_id)), done)


# -- the list -----------------------------------------------------------------------------


LIST_COLUMNS = (("title", "议题", "Title"), ("status", "状态", "Status"), ("place", "地点", "Place"),
                ("rounds", "表决轮次", "Rounds"))


class DeliberationScreen(ListSection):
    """居民议事厅 / Residents' council: the consultations; ``n`` opens a new one."""

    DEFAULT_CSS = """
    DeliberationScreen #delib-list { height: 1fr; }
    """

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "back", "Back", id="delib.back"),
        Binding("n", "new", "New consultation", id="delib.new_consultation"),
        Binding("r", "reload", "Reload", id="delib.reload"),
    ]
    HEADING = ("居民议事厅 · 协商事项（回车打开，n 新建）", "Residents' council · consultations (Enter opens, n new)")
    COLUMNS = LIST_COLUMNS
    HEADING_ID, TABLE_ID, STATUS_ID = "delib-heading", "delib-list", "delib-status"

    def load(self, session: Session) -> list[ConsultationRow]:
        return load_consultations(session)

    def cells(self, r: ConsultationRow) -> tuple[str, ...]:
        from plugins.deliberation.models import ConsultationStatus

        return r.title, enum_label(ConsultationStatus, r.status), r.place, str(r.rounds)

    def status(self, rows: list[ConsultationRow]) -> str:
        return t(f"共 {len(rows)} 项协商", f"{len(rows)} consultations")

    @on(DataTable.RowSelected, "#delib-list")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(ConsultationScreen(self.db, int(event.row_key.value)))

    def action_new(self) -> None:
        from plugins.deliberation import services as svc

        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    return svc.create_consultation(s, actor=actor, title=v["title"], issue=v["issue"],
                                                   place_id=v["place"]).id
            return write

        def done(cid: int | None) -> None:
            if cid is not None:
                self.app.notify(t("协商已新建", "Consultation created"))
                self.app.push_screen(ConsultationScreen(db, cid))

        self.app.push_screen(FormScreen(t("新建协商", "New consultation"), [
            FormField("title", "议题", "Title"),
            FormField("issue", "议题说明（可空）", "The issue (optional)"),
            FormField("place", "地点（可空）", "Place (optional)", kind="place",
                      placeholder=t("小区名或拼音", "compound name or pinyin")),
        ], submit, form_id="delib-new"), done)

    def action_back(self) -> None:
        self.app.pop_screen()


# -- one consultation -----------------------------------------------------------------------


class ParticipantTable(Bilingual, DataTable):
    """The participants; ``space`` checks the highlighted one in or out."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("space", "checkin", "Check in/out", id="delib.checkin")]

    def action_checkin(self) -> None:
        self.screen.toggle_presence()


class OptionTable(Bilingual, DataTable):
    """The options; ``w`` withdraws the highlighted one, ``g`` merges it into another."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("w", "withdraw", "Withdraw option", id="delib.withdraw_option"),
        Binding("g", "merge", "Merge option", id="delib.merge_option"),
    ]

    def action_withdraw(self) -> None:
        self.screen.withdraw_option()

    def action_merge(self) -> None:
        self.screen.merge_option()


class VoteGrid(Bilingual, DataTable):
    """The voting participants of the chosen round. Yes/no and consent rounds: y / n /
    a / o on the row. Choosing rounds: a column per option; digits rank (0 unranks),
    ``space`` ticks (approval) or picks (plurality), Enter records the row, ``e`` types
    an ordering, ``backspace`` forgets the row's unsaved entry."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("y", "vote('yes')", "Yes", id="delib.vote_yes"),
        Binding("n", "vote('no')", "No", id="delib.vote_no"),
        Binding("a", "vote('abstain')", "Abstain", id="delib.vote_abstain"),
        Binding("o", "vote('object')", "Object", id="delib.vote_object"),
        Binding("space", "tick", "Tick/pick", id="delib.vote_tick", show=False),
        Binding("enter", "submit", "Record the row", id="delib.vote_submit", show=False),
        Binding("e", "order", "Type an ordering", id="delib.vote_order", show=False),
        Binding("backspace", "clear_draft", "Clear the row", id="delib.vote_clear", show=False),
    ]

    def action_vote(self, choice: str) -> None:
        self.screen.vote(choice)

    def action_tick(self) -> None:
        self.screen.tick()

    def action_submit(self) -> None:
        self.screen.submit_row()

    def action_order(self) -> None:
        self.screen.type_ordering()

    def action_clear_draft(self) -> None:
        self.screen.clear_draft()

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit():
            event.stop()
            event.prevent_default()
            self.screen.digit(int(event.character))


PRESET_LABELS: dict[str, tuple[str, str]] = {
    "simple_majority": ("简单多数（赞成多于反对）", "simple majority"),
    "absolute_majority": ("绝对多数（过全体有表决权者半数）", "absolute majority"),
    "two_thirds": ("三分之二多数", "two-thirds"),
    "unanimity": ("全体一致", "unanimity"),
    "consent_all_residents": ("全体居民代表无异议", "consent of all residents"),
    "plurality": ("相对多数（每人选一个方案）", "plurality"),
    "approval": ("认可投票（可勾选多个）", "approval"),
    "borda": ("波达计数（排序）", "Borda count (ranked)"),
    "irv": ("即时决选（排序）", "instant runoff (ranked)"),
    "schulze": ("舒尔茨法（排序）", "Schulze (ranked)"),
}
RANKED = ("borda", "irv", "schulze")
CHOOSING = ("plurality", "approval", *RANKED)

PEOPLE_COLUMNS = (("name", "姓名", "Name"), ("role", "身份", "Role"), ("group", "界别", "Group"),
                  ("votes", "表决权", "Votes"), ("present", "到场", "Present"))
OPTION_COLUMNS = (("number", "编号", "No."), ("text", "方案", "Option"), ("active", "状态", "State"))
ROUND_COLUMNS = (("number", "轮次", "No."), ("title", "事项", "Motion"), ("kind", "方式", "Kind"),
                 ("state", "状态", "State"), ("outcome", "结果", "Outcome"))


def present_word(present: bool) -> str:
    """Presence in words (not only a mark): 到场 / 未到."""
    return t("✓ 到场", "✓ present") if present else t("— 未到", "— absent")


def default_minutes_path(consultation_id: int, fmt: str = "md") -> Path:
    """``<data dir>/minutes/议事纪要-<id>-<YYYYMMDD-HHMM>.md`` (the folder is made when used)."""
    return export_path("minutes", stem=t(f"议事纪要-{consultation_id}", f"council-minutes-{consultation_id}"), fmt=fmt)


class MinutesScreen(ExportModal, FormScreen):
    """The minutes' format and path (:class:`tui.widgets.forms.ExportModal`): the path
    follows the format, an existing file is refused."""


class ConsultationScreen(WriteThenReload, Bilingual, DbWork, Screen):
    """One consultation: participants (check-in), options, rounds, the vote grid."""

    DEFAULT_CSS = """
    ConsultationScreen #delib-top { height: 1fr; }
    ConsultationScreen #delib-left { width: 1fr; }
    ConsultationScreen #delib-right { width: 1fr; }
    ConsultationScreen #delib-participants { height: 1fr; }
    ConsultationScreen #delib-options { height: auto; max-height: 8; }
    ConsultationScreen #delib-rounds { height: auto; max-height: 8; }
    ConsultationScreen #delib-bottom { height: 1fr; }
    ConsultationScreen #delib-votes { width: 2fr; height: 1fr; }
    ConsultationScreen #delib-tally { width: 1fr; height: 1fr; padding: 0 1; }
    """

    BINDING_TEXT = BINDING_TEXT
    FORM = FormScreen
    WRITE_GROUP = "delib-write"
    # in priority order: the footer of a small terminal keeps the first ones
    BINDINGS = [
        Binding("escape", "back", "Back", id="delib.back"),
        Binding("k", "checkin_all", "All present", id="delib.checkin_all"),
        Binding("z", "undo_ballot", "Undo last ballot", id="delib.vote_undo"),
        Binding("c", "close_round", "Close round", id="delib.close_round"),
        Binding("v", "new_round", "New round", id="delib.new_round"),
        Binding("s", "start_round", "Start round", id="delib.start_round"),
        Binding("u", "publish", "Publish", id="delib.publish_round"),
        Binding("d", "decide", "Decision", id="delib.decide"),
        Binding("p", "add_participant", "Add participant", id="delib.add_participant"),
        Binding("i", "add_option", "Add option", id="delib.add_option"),
        Binding("m", "add_meeting", "Add meeting", id="delib.add_meeting"),
        Binding("f9", "minutes", "Minutes", id="delib.minutes"),
        Binding("b", "tie", "Settle a tie", id="delib.tie"),
        Binding("x", "finish", "Close/withdraw", id="delib.finish"),
        Binding("l", "link", "Link a request", id="delib.link_request", show=False),
        Binding("r", "reload", "Reload", id="delib.reload", show=False),
    ]

    def __init__(self, db, consultation_id: int, round_id: int | None = None) -> None:
        super().__init__()
        self.db = db
        self.consultation_id = consultation_id
        self.detail: Detail | None = None
        self.round_id: int | None = round_id  # the round the vote grid shows
        self.busy = False
        self._focused = False  # the first show puts the focus where the user types first
        # the ballots this screen recorded, newest last: (round id, participant id), for undo
        self.recorded: list[tuple[int, int]] = []
        # unsaved grid entries: (round id, participant id) -> {option id: rank} or {option id: True}
        self.drafts: dict[tuple[int, int], dict[int, int]] = {}
        self._grid_shape: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="delib-title", classes="panel-title")
        with Horizontal(id="delib-top"):
            with Vertical(id="delib-left"):
                yield Label("", id="delib-participants-label", classes="panel-title")
                yield ParticipantTable(id="delib-participants", cursor_type="row", zebra_stripes=True)
            with Vertical(id="delib-right"):
                yield Label("", id="delib-options-label", classes="panel-title")
                yield OptionTable(id="delib-options", cursor_type="row", zebra_stripes=True)
                yield Label("", id="delib-rounds-label", classes="panel-title")
                yield DataTable(id="delib-rounds", cursor_type="row", zebra_stripes=True)
        yield Label("", id="delib-round-title", classes="panel-title")
        with Horizontal(id="delib-bottom"):
            yield VoteGrid(id="delib-votes", cursor_type="row", zebra_stripes=True)
            yield Label("", id="delib-tally")
        yield Label("", id="delib-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        self.query_one("#delib-participants", DataTable).focus()
        self.reload()

    def _columns(self) -> None:
        """Headings and column headers in the current language (on mount and on F2)."""
        self.query_one("#delib-participants-label", Label).update(
            t("参与人（k 全部签到；空格：签到/签退；p 添加）", "Participants (k: all present; space: in/out; p adds)"))
        self.query_one("#delib-options-label", Label).update(
            t("方案（i 添加；w 撤回；g 合并）", "Options (i adds; w withdraws; g merges)"))
        self.query_one("#delib-rounds-label", Label).update(
            t("表决轮次（v 新建；s 开始；c 计票；u 公布；b 平局）",
              "Rounds (v new; s start; c count; u publish; b tie)"))
        for sel, cols in (("#delib-participants", PEOPLE_COLUMNS), ("#delib-options", OPTION_COLUMNS),
                          ("#delib-rounds", ROUND_COLUMNS)):
            table = self.query_one(sel, DataTable)
            table.clear(columns=True)
            for key, zh, en in cols:
                table.add_column(t(zh, en), key=key)
        self._grid_shape = None  # the vote grid's columns are rebuilt on the next show

    def refresh_language(self) -> None:
        super().refresh_language()
        self._columns()
        if self.detail is not None:
            self._show(self.detail)

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        db, cid = self.db, self.consultation_id

        def fetch() -> Detail:
            with db.read_session() as s:
                return load_detail(s, cid)

        self.db_work(fetch, self._show, group="delib-detail")

    def _show(self, d: Detail) -> None:
        from plugins.deliberation.models import (
            GROUP_LABELS,
            OUTCOME_LABELS,
            ConsultationStatus,
            ParticipantRole,
            RoundKind,
            RoundState,
        )

        self.detail = d
        status = enum_label(ConsultationStatus, d.status)
        head = f"{d.title} · {status}" + (f" · {d.place}" if d.place else "")
        if d.requests:
            head += t(" · 诉求 ", " · requests ") + "、".join(d.requests)
        if d.decision is not None:
            head += t(f" · 决定：{d.decision.decision}", f" · decision: {d.decision.decision}")
            if d.decision.amendments:
                head += t(f"（已修正 {len(d.decision.amendments)} 次）", f" (amended {len(d.decision.amendments)}×)")
        receiving = [r for r in d.rounds if r.state == RoundState.open]
        if receiving:
            head += t(" · 正在表决：", " · receiving ballots: ") + "、".join(
                t(f"第 {r.number} 轮", f"round {r.number}") for r in receiving)
        self.query_one("#delib-title", Label).update(Text(head))
        yes = t("有", "yes")
        people = self.query_one("#delib-participants", DataTable)
        keep = people.cursor_row
        people.clear()
        names = d.names
        for p in d.participants:
            votes = (yes if p.can_vote else t("无", "no")) + (f" ×{p.weight}" if p.weight != 1 else "")
            if p.proxy_for:
                votes += t(f" · 受托 {names.get(p.proxy_for, '?')}", f" · proxy of {names.get(p.proxy_for, '?')}")
            people.add_row(p.name, enum_label(ParticipantRole, p.role), lang_label(GROUP_LABELS, p.group), votes,
                           present_word(p.present), key=str(p.id))
        if d.participants:
            people.move_cursor(row=min(keep, len(d.participants) - 1))
        options = self.query_one("#delib-options", DataTable)
        keep = options.cursor_row
        options.clear()
        for o in d.options:
            if o.active:
                state = t("有效", "active")
            elif o.merged_into:
                state = t(f"已并入方案{o.merged_into}", f"merged into {o.merged_into}")
            else:
                state = t("已撤回", "withdrawn")
            if o.amends:
                state += t(f"（修正方案{o.amends}）", f" (amends {o.amends})")
            options.add_row(str(o.number), o.text, state, key=str(o.id))
        if d.options:
            options.move_cursor(row=min(keep, len(d.options) - 1))
        rounds = self.query_one("#delib-rounds", DataTable)
        rounds.clear()
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
        if not self._focused:
            self._focused = True
            r = self.current_round()
            if r is not None and r.state == RoundState.open:
                self.query_one("#delib-votes", DataTable).focus()  # the ballots are what is typed first

    def current_round(self) -> RoundRow | None:
        if self.detail is None:
            return None
        return next((r for r in self.detail.rounds if r.id == self.round_id), None)

    def _draft(self, r: RoundRow, pid: int, *, start: bool = False) -> dict[int, int] | None:
        """The row's unsaved entry; ``start`` begins one from the recorded ballot."""
        key = (r.id, pid)
        if key not in self.drafts and start:
            cell = r.ballots.get(pid)
            if r.kind in RANKED:
                self.drafts[key] = {oid: i for i, oid in enumerate(cell.ranking, start=1)} if cell else {}
            else:
                self.drafts[key] = {oid: 1 for oid in cell.approvals} if cell else {}
        return self.drafts.get(key)

    def _show_round(self) -> None:
        from plugins.deliberation.models import (
            CHOICE_LABELS,
            MOTION_KINDS,
            OUTCOME_LABELS,
            RoundKind,
            RoundState,
        )

        d, r = self.detail, self.current_round()
        grid = self.query_one("#delib-votes", DataTable)
        title = self.query_one("#delib-round-title", Label)
        tally = self.query_one("#delib-tally", Label)
        if d is None or r is None:
            grid.clear(columns=True)
            self._grid_shape = None
            title.update(t("尚无表决轮次（v 新建）", "No rounds yet (v creates one)"))
            tally.update("")
            return
        motion = r.kind in MOTION_KINDS
        numbers = d.numbers
        shape = (r.id, i18n.language())
        keep_row, keep_col = grid.cursor_row, grid.cursor_column
        if shape != self._grid_shape:
            grid.clear(columns=True)
            grid.add_column(t("表决人", "Voter"), key="name")
            grid.add_column(t("到场", "Present"), key="present")
            if not motion:
                for oid in r.option_ids:
                    grid.add_column(t(f"方案{numbers.get(oid, '?')}", f"Opt {numbers.get(oid, '?')}"), key=f"o{oid}")
            grid.add_column(t("表决", "Ballot"), key="ballot")
            grid.cursor_type = "row" if motion else "cell"
            self._grid_shape = shape
            keep_row, keep_col = 0, 2
        else:
            grid.clear()
        if r.state == RoundState.open:
            if motion:
                how = t("（输入 y 赞成 / n 反对 / a 弃权 / o 异议；c 关闭本轮）",
                        " (type y yes / n no / a abstain / o object; c closes the round)")
            elif r.kind in RANKED:
                how = t("（在方案格内输入名次 1、2…，0 取消；回车录入本行；e 输入排序）",
                        " (type ranks 1, 2 … in the option cells, 0 unranks; Enter records the row; e types an ordering)")
            elif r.kind == RoundKind.approval:
                how = t("（空格勾选认可的方案，回车录入本行；e 输入方案编号）",
                        " (space ticks the options approved, Enter records the row; e types option numbers)")
            else:
                how = t("（空格或回车选定方案，或直接输入方案编号）",
                        " (space or Enter picks the option, or type its number)")
        elif r.state == RoundState.created:
            how = t("（s 开始表决）", " (s starts the round)")
        else:
            how = ""
        receiving = [x.number for x in d.rounds if x.state == RoundState.open and x.id != r.id]
        if receiving:
            how += t(f"（正在表决的是第 {receiving[-1]} 轮）", f" (round {receiving[-1]} is receiving ballots)")
        title.update(Text(t(f"第 {r.number} 轮：{r.title} · {enum_label(RoundKind, r.kind)} · "
                            f"{enum_label(RoundState, r.state)}",
                            f"Round {r.number}: {r.title} · {enum_label(RoundKind, r.kind)} · "
                            f"{enum_label(RoundState, r.state)}") + how))
        voters = [p for p in d.participants if p.can_vote]
        for p in voters:
            cell = r.ballots.get(p.id)
            draft = self.drafts.get((r.id, p.id))
            row: list[str] = [p.name, present_word(p.present)]
            if not motion:
                for oid in r.option_ids:
                    if draft is not None:
                        mark = str(draft[oid]) if r.kind in RANKED and oid in draft else \
                            ("✓" if oid in draft else "")
                        row.append(mark + ("*" if mark else ""))
                    elif cell is None:
                        row.append("")
                    elif r.kind in RANKED:
                        row.append(str(cell.ranking.index(oid) + 1) if oid in cell.ranking else "")
                    elif r.kind == RoundKind.approval:
                        row.append("✓" if oid in cell.approvals else "")
                    else:
                        row.append("●" if cell.option_id == oid else "")
            if draft is not None:
                ballot = t("未录入（回车录入）", "not recorded (Enter)")
            elif cell is not None:
                if motion:
                    ballot = lang_label(CHOICE_LABELS, cell.choice) if cell.choice else t("已投", "cast")
                    if cell.reason:
                        ballot += f"（{cell.reason}）" if i18n.language() != "en" else f" ({cell.reason})"
                else:
                    ballot = t("已录", "recorded")
                if cell.by_proxy:
                    ballot += t(" · 委托", " · by proxy")
            elif p.id in r.voted:
                ballot = t("已投（无记名）", "cast (secret)")
            else:
                ballot = ""
            row.append(ballot)
            grid.add_row(*row, key=str(p.id))
        if voters:
            grid.move_cursor(row=min(keep_row, len(voters) - 1),
                             column=max(0, min(keep_col, len(grid.columns) - 1)) if not motion else 0)
        if r.outcome is not None:
            head = t(f"结果：{lang_label(OUTCOME_LABELS, r.outcome)}", f"Result: {lang_label(OUTCOME_LABELS, r.outcome)}")
            if r.outcome == "tie" and not r.tie_broken:
                head += t("（b 处理平局）", " (b settles the tie)")
        elif r.state == RoundState.open:
            head = t("实时计票", "Live tally") if r.lines is not None else \
                t("计票结果在本轮关闭后公布", "Tally hidden until the round closes")
        else:
            head = t("本轮尚未开始", "Round not started")
        names = None if r.secret else d.names
        tally.update(Text("\n".join([head, *explanation(r.lines or [], numbers, names)])))

    @on(DataTable.RowHighlighted, "#delib-rounds")
    def _round(self, event: DataTable.RowHighlighted) -> None:
        rid = int(event.row_key.value)
        if rid != self.round_id:
            self.round_id = rid
            self._show_round()

    # -- writes ----------------------------------------------------------------------

    def _highlighted(self, selector: str) -> int | None:
        table = self.query_one(selector, DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _editable(self) -> bool:
        from plugins.deliberation.models import ConsultationStatus

        if self.detail is None or self.busy:
            return False
        if self.detail.status not in (ConsultationStatus.draft, ConsultationStatus.open):
            self.app.notify(t("本协商已有决定或已结束，不能再修改", "This consultation is decided or closed"),
                            severity="warning")
            return False
        return True

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

        self.write_then_reload(write, t(f"{p.name} 已签到", f"{p.name} checked in") if present
                               else t(f"{p.name} 已签退", f"{p.name} checked out"))

    # -- the vote grid ---------------------------------------------------------------

    def _open_round(self) -> RoundRow | None:
        from plugins.deliberation.models import RoundState

        r = self.current_round()
        if r is None or self.busy or self.detail is None:
            return None
        if r.state != RoundState.open:
            self.app.notify(t("本轮不在表决中", "This round is not open for voting"), severity="warning")
            return None
        return r

    def _grid_cell(self) -> tuple[ParticipantRow | None, int | None]:
        """The participant of the grid's row and the option of its column (None: not an option)."""
        grid = self.query_one("#delib-votes", DataTable)
        if not grid.row_count or self.detail is None:
            return None, None
        keys = grid.coordinate_to_cell_key(grid.cursor_coordinate)
        pid = int(keys.row_key.value)
        col = keys.column_key.value or ""
        p = next((p for p in self.detail.participants if p.id == pid), None)
        return p, int(col[1:]) if col.startswith("o") and col[1:].isdigit() else None

    def vote(self, choice: str) -> None:
        from plugins.deliberation.models import MOTION_KINDS

        r = self._open_round()
        if r is None:
            return
        if r.kind not in MOTION_KINDS:
            self.app.notify(t("本轮是选择/排序表决：在方案格内输入名次或勾选",
                              "This round chooses among options: rank or tick in the option cells"),
                            severity="warning")
            return
        p, _ = self._grid_cell()
        if p is None:
            return
        if choice == "object":
            self.app.push_screen(ReasonScreen(p.name),
                                 lambda reason: self._record(r, p, {"choice": choice, "reason": reason})
                                 if reason else None)
        else:
            self._record(r, p, {"choice": choice})

    def digit(self, n: int) -> None:
        from plugins.deliberation.models import RoundKind

        r = self._open_round()
        if r is None or r.kind not in CHOOSING:
            return
        p, oid = self._grid_cell()
        if p is None:
            return
        if r.kind == RoundKind.plurality:
            self._record_numbers(r, p, [n])  # the option's number; the service says if there is none
            return
        if r.kind not in RANKED:
            self.app.notify(t("认可投票用空格勾选", "Approval: tick with space"), severity="warning")
            return
        if oid is None:
            self.app.notify(t("请把光标移到方案格内再输入名次", "Move to an option's cell to rank it"),
                            severity="warning")
            return
        draft = self._draft(r, p.id, start=True)
        if n == 0:
            draft.pop(oid, None)
        else:
            draft[oid] = n
        self._show_round()

    def tick(self) -> None:
        from plugins.deliberation.models import RoundKind

        r = self._open_round()
        if r is None or r.kind not in CHOOSING:
            return
        p, oid = self._grid_cell()
        if p is None or oid is None:
            return
        if r.kind == RoundKind.plurality:
            self._record(r, p, {"option_id": oid})
        elif r.kind == RoundKind.approval:
            draft = self._draft(r, p.id, start=True)
            if oid in draft:
                draft.pop(oid)
            else:
                draft[oid] = 1
            self._show_round()
        else:
            self.app.notify(t("排序表决：在方案格内输入名次", "Ranked round: type the rank in the option's cell"),
                            severity="warning")

    def submit_row(self) -> None:
        from plugins.deliberation.models import RoundKind

        r = self._open_round()
        if r is None or r.kind not in CHOOSING:
            return
        p, oid = self._grid_cell()
        if p is None:
            return
        if r.kind == RoundKind.plurality:
            if oid is not None:
                self._record(r, p, {"option_id": oid})
            return
        draft = self.drafts.get((r.id, p.id))
        if draft is None:
            self.app.notify(t("本行没有未录入的内容", "Nothing typed on this row"), severity="warning")
            return
        if r.kind in RANKED:
            self._record(r, p, {"ranks": dict(draft)})  # the service refuses gaps and repeats
        else:
            self._record(r, p, {"approvals": sorted(draft)})

    def clear_draft(self) -> None:
        r = self.current_round()
        p, _ = self._grid_cell()
        if r is not None and p is not None and self.drafts.pop((r.id, p.id), None) is not None:
            self._show_round()

    def type_ordering(self) -> None:
        from plugins.deliberation.models import RoundKind

        r = self._open_round()
        if r is None or r.kind not in CHOOSING:
            return
        p, _ = self._grid_cell()
        if p is None:
            return
        if r.kind in RANKED:
            zh, en = "排序（方案编号，最好在前，如 2 1 3）", "Ordering (option numbers, best first, e.g. 2 1 3)"
        elif r.kind == RoundKind.approval:
            zh, en = "认可的方案编号（如 1 3）", "Option numbers approved (e.g. 1 3)"
        else:
            zh, en = "选定的方案编号", "The option number picked"
        self._record_numbers(r, p, None, prompt=(zh, en))

    def _record_numbers(self, r: RoundRow, p: ParticipantRow, numbers: list[int] | None,
                        prompt: tuple[str, str] | None = None) -> None:
        """A ballot given as option numbers (typed at once, or asked for in a form): the
        numbers become option ids in the worker, so an unknown number is the service's error."""
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import RoundKind

        db, actor, cid = self.db, self.app.actor, self.consultation_id
        holder = self._holder(p)

        def ballot(s, nums: list[int]) -> dict[str, Any]:
            ids = [svc.option_by_number(s, cid, n).id for n in nums]
            if r.kind in RANKED:
                return {"ranking": ids}
            if r.kind == RoundKind.approval:
                return {"approvals": ids}
            if len(ids) != 1:
                raise DomainError("delib.bad_ranking", detail="相对多数只选一个方案",
                                  detail_en="a plurality ballot picks one option")
            return {"option_id": ids[0]}

        def writer(nums: list[int]) -> Callable[[], None]:
            def write() -> None:
                with db.session() as s:
                    svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=p.id, cast_by_id=holder,
                                      **ballot(s, nums))
            return write

        def after(_result: Any = None) -> None:
            self.drafts.pop((r.id, p.id), None)
            self.recorded.append((r.id, p.id))
            self._next_voter(p.id)

        if numbers is not None:
            self.write_then_reload(writer(numbers), t(f"{p.name}：已录入", f"{p.name}: recorded"), after)
            return

        def submit(v: dict[str, Any]) -> Callable[[], bool]:
            nums = parse_numbers(v["numbers"])
            if not nums:
                raise FormError(t("请输入方案编号，以空格或逗号分隔", "Type option numbers, separated by spaces or commas"))
            write = writer(nums)

            def run() -> bool:
                write()
                return True
            return run

        self.form_then_reload(t(f"{p.name} 的选票", f"{p.name}'s ballot"), [FormField("numbers", *prompt)], submit,
                              t(f"{p.name}：已录入", f"{p.name}: recorded"), form_id="delib-order", after=after)

    def _holder(self, p: ParticipantRow) -> int | None:
        """An absent voter's ballot is cast through the present holder of their proxy."""
        if p.present or self.detail is None:
            return None
        return next((q.id for q in self.detail.participants if q.proxy_for == p.id), None)

    def _next_voter(self, pid: int) -> None:
        """The row after ``pid``'s (whose ballot was just recorded), if there is one."""
        grid = self.query_one("#delib-votes", DataTable)
        try:
            row = grid.get_row_index(str(pid))
        except RowDoesNotExist:  # the row left the grid meanwhile
            return
        grid.move_cursor(row=min(row + 1, grid.row_count - 1))

    def action_undo_ballot(self) -> None:
        """Take back the last ballot this screen recorded (a new row: see ``undo_ballot``);
        the cursor goes back to its row, to type it again."""
        from plugins.deliberation import services as svc

        if self.busy or self.detail is None:
            return
        if not self.recorded:
            self.app.notify(t("没有可撤销的选票（只能撤销本次录入的）", "No ballot to undo (only those recorded here)"),
                            severity="warning")
            return
        rid, pid = self.recorded[-1]
        p = next((p for p in self.detail.participants if p.id == pid), None)
        name = p.name if p is not None else str(pid)
        db, actor = self.db, self.app.actor

        def write() -> None:
            with db.session() as s:
                svc.undo_ballot(s, actor=actor, round_id=rid, participant_id=pid)

        def after() -> None:
            self.recorded.pop()
            self.round_id = rid
            grid = self.query_one("#delib-votes", DataTable)
            with contextlib.suppress(RowDoesNotExist):  # another round is shown: its rows differ
                grid.move_cursor(row=grid.get_row_index(str(pid)))
            grid.focus()

        self.write_then_reload(write, t(f"已撤销 {name} 的上一票", f"{name}'s last ballot undone"), after)

    def action_checkin_all(self) -> None:
        """Everyone at the table checked in at once; space on a row then marks who is absent."""
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id

        def write() -> int:
            with db.session() as s:
                return len(svc.checkin_all(s, actor=actor, consultation_id=cid))

        self.write_then_reload(write, lambda n: t(f"全部已签到（{n} 人新签到；空格可把缺席者签退）",
                                                  f"All present ({n} checked in; space checks an absent one out)"))

    def _record(self, r: RoundRow, p: ParticipantRow, ballot: dict[str, Any]) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import CHOICE_LABELS

        db, actor, holder = self.db, self.app.actor, self._holder(p)

        def write() -> None:
            with db.session() as s:
                svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=p.id, cast_by_id=holder, **ballot)

        def after() -> None:
            self.drafts.pop((r.id, p.id), None)
            self.recorded.append((r.id, p.id))
            self._next_voter(p.id)

        said = lang_label(CHOICE_LABELS, ballot["choice"]) if "choice" in ballot else t("已录入", "recorded")
        # a refused ballot leaves the cursor where it is (and the other rows as they were)
        self.write_then_reload(write, f"{p.name}: {said}", after)

    # -- rounds ------------------------------------------------------------------------

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

            self.write_then_reload(write, t(f"第 {r.number} 轮已关闭并计票", f"Round {r.number} closed and counted"))

        self.app.push_screen(ConfirmCloseScreen(
            t(f"关闭第 {r.number} 轮并计票？关闭后不能再记录表决。",
              f"Close round {r.number} and count it? No ballot can be recorded afterwards.")), confirmed)

    def _round_call(self, fn: Callable[..., Any], done_text: str) -> None:
        """A one-click round action (start, publish) on the highlighted round; the service
        says when the round is in the wrong state."""
        r = self.current_round()
        if r is None or self.busy:
            return
        db, actor = self.db, self.app.actor

        def write() -> None:
            with db.session() as s:
                fn(s, actor=actor, round_id=r.id)

        self.write_then_reload(write, done_text.format(n=r.number))

    def action_start_round(self) -> None:
        from plugins.deliberation import services as svc

        self._round_call(svc.start_round, t("第 {n} 轮开始表决", "Round {n} is open"))

    def action_publish(self) -> None:
        from plugins.deliberation import services as svc

        self._round_call(svc.publish_round, t("第 {n} 轮结果已公布", "Round {n} published"))

    def action_new_round(self) -> None:
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        d, db, actor, cid = self.detail, self.db, self.app.actor, self.consultation_id
        presets = [(t(*PRESET_LABELS.get(k, (k, k))), k) for k in PRESET_LABELS]
        meetings = [(t(f"第 {n} 次会议 {when} {venue}", f"meeting {n} {when} {venue}"), mid)
                    for mid, n, when, venue in d.meetings]

        def submit(v: dict[str, Any]) -> Callable[[], Any]:
            nums = parse_numbers(v["options"])
            if nums is None:
                raise FormError(t("方案编号须是整数，以空格或逗号分隔", "Option numbers are whole numbers"))

            def write() -> Any:
                with db.session() as s:
                    ids = [svc.option_by_number(s, cid, n).id for n in nums] if nums else None
                    return svc.open_round(s, actor=actor, consultation_id=cid, preset=v["preset"], option_ids=ids,
                                          title=v["title"], secret=v["secret"], hide_results=v["hide"],
                                          meeting_id=v["meeting"], start=v["start"]).number
            return write

        def opened(_number: int) -> None:
            self.round_id = None  # show the new round

        self.form_then_reload(t("新建表决轮次", "New round"), [
            FormField("preset", "表决规则", "Rule", kind="select", value="simple_majority", choices=presets),
            FormField("options", "方案编号（空：选择类为全部有效方案）", "Option numbers (blank: every active one)",
                      placeholder="1 3"),
            FormField("title", "事项（可空）", "Motion (optional)"),
            FormField("meeting", "所属会议（可空）", "Meeting (optional)", kind="select", value=None, choices=meetings),
            FormField("secret", "无记名表决", "Secret ballot", kind="check", value=False),
            FormField("hide", "计票前不显示结果", "Hide the tally until it closes", kind="check", value=False),
            FormField("start", "立即开始表决", "Open it now", kind="check", value=True),
        ], submit, lambda n: t(f"第 {n} 轮已建立", f"Round {n} created"), form_id="delib-round", after=opened)

    def action_tie(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import LABELS

        r = self.current_round()
        if r is None or self.busy or self.detail is None:
            return
        if r.outcome != "tie" or r.tie_broken:
            self.app.notify(t("本轮没有待处理的平局", "This round has no tie to settle"), severity="warning")
            return
        numbers = self.detail.numbers
        tied = "、".join(str(numbers.get(w, w)) for w in r.winners)
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        methods = [(t(zh, en), key) for key, (zh, en) in LABELS["TieBreakMethod"].items()]

        def submit(v: dict[str, Any]) -> Callable[[], Any]:
            if v["how"] == "break":
                number = v["option"]
                if not number.isdigit():
                    raise FormError(t("请填写选定的方案编号", "Give the chosen option's number"))

                def write() -> str:
                    with db.session() as s:
                        o = svc.option_by_number(s, cid, int(number))
                        svc.break_tie(s, actor=actor, round_id=r.id, option_id=o.id, method=v["method"],
                                      note=v["note"])
                    return t(f"平局已按记录的规则处理：方案{number}", f"Tie broken by the recorded rule: option {number}")
                return write
            nums = parse_numbers(v["without"])
            if nums is None:
                raise FormError(t("方案编号须是整数", "Option numbers are whole numbers"))

            def rerun() -> str:
                with db.session() as s:
                    without = [svc.option_by_number(s, cid, n).id for n in nums] if nums else None
                    new = svc.rerun_round(s, actor=actor, round_id=r.id, without=without)
                    return t(f"已开始第 {new.number} 轮（去掉部分方案重新表决）",
                             f"Round {new.number} opened without the options left out")
            return rerun

        def after(_text: str) -> None:
            self.round_id = None

        self.form_then_reload(t(f"第 {r.number} 轮平局（并列：方案 {tied}）", f"Round {r.number} tied (options {tied})"), [
            FormField("how", "处理方式", "How", kind="select", value="break",
                      choices=[(t("按记录的规则决定", "break it by a recorded rule"), "break"),
                               (t("去掉部分方案重新表决", "a new round without some options"), "rerun")]),
            FormField("option", "选定的方案编号（按规则决定时）", "Chosen option number (breaking it)"),
            FormField("method", "规则", "Rule", kind="select", value="lot", choices=methods),
            FormField("note", "说明（“其他”时必填）", "Note (required for “other”)"),
            FormField("without", "新一轮去掉的方案编号（空：未并列第一的）",
                      "Options to leave out of the new round (blank: those not tied at the top)"),
        ], submit, lambda text: text, form_id="delib-tie", after=after)

    # -- participants, options, meetings ---------------------------------------------------

    def action_add_participant(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import LABELS

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        roles = [(t(zh, en), key) for key, (zh, en) in LABELS["ParticipantRole"].items()]
        proxies = [(p.name, p.id) for p in self.detail.participants]

        def submit(v: dict[str, Any]) -> Callable[[], str]:
            weight = need_int(v["weight"] or "1", "权重", "The weight")
            can_vote = {"default": None, "yes": True, "no": False}[v["votes"]]

            def write() -> str:
                with db.session() as s:
                    return svc.add_participant(s, actor=actor, consultation_id=cid, role=v["role"],
                                               person_id=v["person"], name=v["name"] or None,
                                               group=v["group"] or None, can_vote=can_vote, weight=weight,
                                               present=v["present"], proxy_for_id=v["proxy"]).name
            return write

        self.form_then_reload(t("添加参与人", "Add a participant"), [
            FormField("person", "居民（从名册中找，可空）", "Person from the register (optional)", kind="person",
                      placeholder=t("姓名、拼音首字母或手机尾号", "name, pinyin initials or phone tail")),
            FormField("name", "姓名（名册外的人员必填）", "Name (needed for someone outside the register)"),
            FormField("role", "身份", "Role", kind="select", value="resident_rep", choices=roles),
            FormField("group", "界别（空：按身份）", "Group (blank: from the role)"),
            FormField("votes", "表决权", "Vote", kind="select", value="default",
                      choices=[(t("按身份（专业人士、列席无）", "by role (experts, observers: none)"), "default"),
                               (t("有", "yes"), "yes"), (t("无", "no"), "no")]),
            FormField("weight", "权重", "Weight", value="1"),
            FormField("proxy", "受谁委托（可空）", "Holds the proxy of (optional)", kind="select", value=None,
                      choices=proxies),
            FormField("present", "已到场", "Present", kind="check", value=False),
        ], submit, lambda name: t(f"{name} 已加入", f"{name} added"), form_id="delib-participant")

    def action_add_option(self) -> None:
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        active = [(f"{o.number} {o.text}", o.id) for o in self.detail.options if o.active]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    if v["amends"] is not None:
                        return svc.amend_option(s, actor=actor, option_id=v["amends"], text=v["text"],
                                                withdraw_original=v["withdraw"]).number
                    return svc.add_option(s, actor=actor, consultation_id=cid, text=v["text"]).number
            return write

        self.form_then_reload(t("添加方案", "Add an option"), [
            FormField("text", "方案内容", "The option"),
            FormField("amends", "修正哪个方案（可空）", "Amends option (optional)", kind="select", value=None,
                      choices=active),
            FormField("withdraw", "同时撤回被修正的方案", "Withdraw the amended option", kind="check", value=False),
        ], submit, lambda n: t(f"方案{n} 已添加", f"Option {n} added"), form_id="delib-option")

    def _option(self) -> OptionRow | None:
        oid = self._highlighted("#delib-options")
        return next((o for o in self.detail.options if o.id == oid), None) if self.detail else None

    def withdraw_option(self) -> None:
        from plugins.deliberation import services as svc

        o = self._option()
        if o is None or not self._editable():
            return
        db, actor = self.db, self.app.actor

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.withdraw_option(s, actor=actor, option_id=o.id)

            self.write_then_reload(write, t(f"方案{o.number} 已撤回", f"Option {o.number} withdrawn"))

        self.app.push_screen(ConfirmCloseScreen(t(f"撤回方案{o.number}「{o.text}」？", f"Withdraw option {o.number}?")),
                             confirmed)

    def merge_option(self) -> None:
        from plugins.deliberation import services as svc

        o = self._option()
        if o is None or not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            into = need_int(v["into"], "方案编号", "The option number", minimum=1)

            def write() -> int:
                with db.session() as s:
                    target = svc.option_by_number(s, cid, into)
                    svc.merge_options(s, actor=actor, option_id=o.id, into_id=target.id)
                return into
            return write

        self.form_then_reload(t(f"把方案{o.number} 并入", f"Merge option {o.number} into"),
                              [FormField("into", "并入的方案编号", "Option number to merge into")], submit,
                              lambda n: t(f"方案{o.number} 已并入方案{n}", f"Option {o.number} merged into {n}"),
                              form_id="delib-merge")

    def action_add_meeting(self) -> None:
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        present = [p.id for p in self.detail.participants if p.present]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            try:
                held_at = datetime.strptime(v["when"], "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TZ)
            except ValueError:
                raise FormError(t("时间格式应为 YYYY-MM-DD HH:MM", "The time should be YYYY-MM-DD HH:MM")) from None
            others = need_int(v["others"] or "0", "旁听人数", "Residents listening")

            def write() -> int:
                with db.session() as s:
                    return svc.add_meeting(s, actor=actor, consultation_id=cid, held_at=held_at, venue=v["venue"],
                                           attendance=present if v["attendance"] else [], others_attending=others,
                                           notes=v["notes"]).number
            return write

        self.form_then_reload(t("添加协商会议", "Add a meeting"), [
            FormField("when", "时间", "When", value=datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
                      placeholder="YYYY-MM-DD HH:MM"),
            FormField("venue", "地点", "Venue"),
            FormField("attendance", f"到场的参与人记为出席（{len(present)} 人）",
                      f"Those checked in attend ({len(present)})", kind="check", value=True),
            FormField("others", "旁听居民人数", "Residents listening", value="0"),
            FormField("notes", "会议记录", "Minutes notes"),
        ], submit, lambda n: t(f"第 {n} 次会议已记录", f"Meeting {n} recorded"), form_id="delib-meeting")

    # -- the consultation --------------------------------------------------------------

    def action_decide(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import OUTCOME_LABELS, ConsultationStatus, RoundState

        d, r = self.detail, self.current_round()
        if d is None or self.busy:
            return
        db, actor, cid = self.db, self.app.actor, d.id
        if d.status == ConsultationStatus.decided and d.decision is not None:
            basis = t(f"原决定：{d.decision.original}", f"As first recorded: {d.decision.original}")
            if d.decision.amendments:
                basis += t(f"；已修正 {len(d.decision.amendments)} 次", f"; amended {len(d.decision.amendments)}×")

            def amended(answer: Decision | None) -> None:
                if answer is None:
                    return

                def write() -> None:
                    with db.session() as s:
                        svc.amend_decision(s, actor=actor, consultation_id=cid, reason=answer.reason,
                                           decision=answer.decision, option_id=answer.option_id,
                                           review_on=answer.review_on)

                self.write_then_reload(write, t("决定已修正，原决定保留", "Decision amended; the original stays on record"))

            self.app.push_screen(DecideScreen(basis, d.options, d.decision), amended)
            return
        if d.status not in (ConsultationStatus.draft, ConsultationStatus.open):
            self.app.notify(t("本协商已结束", "This consultation is closed"), severity="warning")
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

        def chosen(answer: Decision | None) -> None:
            if answer is None:
                return

            def write() -> None:
                with db.session() as s:
                    svc.decide(s, actor=actor, consultation_id=cid, decision=answer.decision, round_id=round_id,
                               option_id=answer.option_id, review_on=answer.review_on)

            self.write_then_reload(write, t("协商决定已记录", "Decision recorded"))

        self.app.push_screen(DecideScreen(basis, [o for o in d.options if o.active]), chosen)

    def action_finish(self) -> None:
        from plugins.deliberation import services as svc
        from plugins.deliberation.models import ConsultationStatus

        d = self.detail
        if d is None or self.busy:
            return
        if d.status == ConsultationStatus.decided:
            fn, question, done = svc.close_consultation, \
                t("结束本协商（决定已落实或归档）？", "Close this consultation (its decision carried out or filed)?"), \
                t("协商已结束", "Consultation closed")
        elif d.status in (ConsultationStatus.draft, ConsultationStatus.open):
            fn, question, done = svc.withdraw_consultation, \
                t("撤回本协商（不再在此作出决定）？", "Withdraw this consultation (no decision will be made here)?"), \
                t("协商已撤回", "Consultation withdrawn")
        else:
            self.app.notify(t("本协商已结束或已撤回", "This consultation is already closed or withdrawn"),
                            severity="warning")
            return
        db, actor, cid = self.db, self.app.actor, d.id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    fn(s, actor=actor, consultation_id=cid)

            self.write_then_reload(write, done)

        self.app.push_screen(ConfirmCloseScreen(question), confirmed)

    def action_link(self) -> None:
        from core.services.requests import find_request
        from plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id

        def submit(v: dict[str, Any]) -> Callable[[], str]:
            def write() -> str:
                with db.session() as s:
                    req = find_request(s, v["ref"])
                    svc.link_request(s, actor=actor, consultation_id=cid, request_id=req.id)
                    return req.ref
            return write

        self.form_then_reload(t("关联诉求", "Link a request"), [FormField("ref", "诉求编号", "Request ref")], submit,
                              lambda ref: t(f"诉求 {ref} 已关联，时间线已留痕", f"Request {ref} linked; its timeline has a note"),
                              form_id="delib-link")

    def action_minutes(self) -> None:
        from plugins.deliberation.minutes import write_minutes

        if self.detail is None:
            return
        db, cid, lang = self.db, self.consultation_id, i18n.language()

        def write(path: Path, fmt: str) -> Path:
            with db.read_session() as s:
                return write_minutes(s, cid, path, fmt=fmt, lang=lang)

        def written(path: Path | None) -> None:
            if path is None:
                return
            said = t(f"纪要已写入 {path}", f"Minutes written to {path}")
            self.query_one("#delib-status", Label).update(Text(said))
            self.app.notify(said)
            self.reload()

        self.app.push_screen(MinutesScreen(
            t("导出会议纪要", "Write the minutes"), [("Markdown (.md)", "md"), ("Word (.docx)", "docx")],
            lambda fmt: default_minutes_path(cid, fmt), write, form_id="delib-minutes"), written)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
