"""The red-property section (红色物业联席会议), as the joint meeting's secretary uses it.

- The meetings (:class:`RedPropertyScreen`): community or compound, date, kind,
  status and the attendance against the quorum of bodies; ``n`` a new meeting,
  Enter opens one, ``a`` the action-item board, ``w`` the micro-service log.
- One meeting (:class:`MeetingScreen`): the quorum of bodies (which required
  bodies are present, which missing) above the check-in list of everyone holding a
  post in a required body; ``space`` checks the highlighted person in or out (a
  cross-appointed person first chooses the body they stand for), ``c`` checks in
  anyone else by name. The agenda opens with the follow-up of earlier unfinished
  action items (上次决议落实情况), then the items: ``i`` writes one, ``p`` picks an
  open property request of the area, ``e`` the discussion notes; ``v`` a resolution
  on the highlighted item (consensus or yes/no/abstain per body, responsible body
  and person, deadline) with its action item, ``t`` a further action item; ``g`` /
  ``d`` report progress on / complete a follow-up item at the meeting; ``o`` opens
  the meeting, ``x`` closes it (both confirmed), ``b`` an addendum after close,
  F9 the minutes.
- The action-item board (:class:`ActionBoardScreen`): across meetings, overdue
  first, filtered by status and place; ``s`` start, ``g`` progress note, ``d`` done
  (a note is required), ``x`` drop (a reason is required).
- The micro-service log (:class:`ServiceLogScreen`): by compound, status and kind,
  with monthly counts per compound; ``n`` new (priority-care residents suggested
  first), ``s`` schedule, ``d`` done (who did it).

Every read and write is a call into :mod:`plugins.red_property.services`, run off
the UI thread (:class:`tui.widgets.base.DbWork`); a service's refusal is shown where
the user typed, in their language, and nothing is written. Texts are (zh, en) pairs
(:mod:`tui.widgets.bilingual`); on F2 the app calls ``refresh_language`` of every
stacked screen, and these relabel their tables, headings and forms.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from sqlalchemy import select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Header, Input, Label, Select

from core.models.orgs import Organisation
from core.models.people import Person
from core.models.places import Place
from core.models.requests import Request
from core.models.types import LOCAL_TZ, fmt_local
from plugins.red_property import services as svc
from plugins.red_property.models import (
    ActionStatus,
    Decision,
    MeetingKind,
    MeetingStatus,
    ServiceKind,
    ServiceStatus,
)
from tui import i18n
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, enum_label, t
from tui.widgets.forms import (
    ConfirmModal,
    ExportModal,
    FormError,
    FormField,
    FormModal,
    export_path,
    modal_binding_text,
)
from tui.widgets.list_section import ListSection
from tui.widgets.pickers import PersonPicker, PlacePicker
from tui.widgets.writes import WriteThenReload

# binding id -> (zh, en) descriptions
BINDING_TEXT: dict[str, tuple[str, str]] = {
    "redprop.back": ("返回", "Back"),
    "redprop.reload": ("刷新", "Reload"),
    "redprop.new_meeting": ("新建会议", "New meeting"),
    "redprop.action_board": ("落实事项", "Action items"),
    "redprop.services": ("微服务", "Micro-services"),
    "redprop.check_in": ("按姓名签到", "Check in by name"),
    "redprop.toggle_attendance": ("签到/签退", "Check in/out"),
    "redprop.open_meeting": ("开会", "Open meeting"),
    "redprop.close_meeting": ("结束会议", "Close meeting"),
    "redprop.add_item": ("添加议题", "Add item"),
    "redprop.pick_request": ("从诉求列入议题", "Item from a request"),
    "redprop.discussion": ("讨论情况", "Discussion notes"),
    "redprop.resolution": ("作出决议", "Resolution"),
    "redprop.add_action": ("添加落实事项", "Add action item"),
    "redprop.addendum": ("补记", "Addendum"),
    "redprop.minutes": ("导出纪要", "Minutes"),
    "redprop.start_action": ("开始落实", "Start"),
    "redprop.progress": ("落实进展", "Progress note"),
    "redprop.done_action": ("落实完成", "Done"),
    "redprop.drop_action": ("撤销事项", "Drop"),
    "redprop.new_service": ("登记微服务", "New micro-service"),
    "redprop.schedule_service": ("安排服务", "Schedule"),
    "redprop.done_service": ("服务完成", "Service done"),
    **modal_binding_text("redprop"),
}


# -- parsing what the secretary types ---------------------------------------------------------


def parse_day(text: str, zh: str, en: str) -> date | None:
    """``YYYY-MM-DD`` → a date; blank → None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise FormError(t(f"{zh}格式应为 YYYY-MM-DD：{text}", f"{en} should be YYYY-MM-DD: {text}")) from None


def parse_when(text: str, zh: str, en: str) -> datetime | None:
    """``YYYY-MM-DD HH:MM`` (or a bare date, 09:00) in Asia/Shanghai → an aware time; blank → None."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise FormError(t(f"{zh}格式应为 YYYY-MM-DD HH:MM：{text}",
                          f"{en} should be YYYY-MM-DD HH:MM: {text}")) from None
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
        raise FormError(t(f"「{org}」的票数应写成 赞成/反对/弃权，如 3/0/1：{text}",
                          f"the votes of '{org}' should read yes/no/abstain, e.g. 3/0/1: {text}"))
    yes, no, abstain = (int(p) for p in parts)
    return yes, no, abstain


def _label(enum_cls, value: str) -> str:
    return enum_label(enum_cls, value)


def _choices(enum_cls) -> list[tuple[str, str]]:
    return [(_label(enum_cls, m.value), m.value) for m in enum_cls if m.value != "overdue"]


def _names(session, model, ids) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(model.id, model.name).where(model.id.in_(ids))).all())


def _cell(table: DataTable) -> str | None:
    """The key of the highlighted row, or None."""
    if not table.row_count:
        return None
    return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value


# -- small dialogs --------------------------------------------------------------------------


class FormScreen(FormModal, prefix="redprop"):
    """The section's forms (:class:`tui.widgets.forms.FormModal`): ctrl+s saves, Esc cancels;
    a person or place preset is ``value=(id, name)``, ``kinds`` limits a place picker."""

    BINDING_TEXT = BINDING_TEXT
    DEFAULT_CSS = "FormScreen > VerticalScroll { width: 84; }"


class ConfirmScreen(ConfirmModal, prefix="redprop"):
    """A confirmation: ``y`` confirms, ``n`` / Esc declines."""

    BINDING_TEXT = BINDING_TEXT


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
            yield Select([], allow_blank=True, id="redprop-checkin-body")
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


# -- reading (off the UI thread; plain data back) --------------------------------------------


@dataclass
class MeetingListRow:
    id: int
    title_zh: str
    title_en: str
    place: str
    when: str
    kind: str
    status: str
    present: int
    total: int
    needed: int
    headcount: int
    met: bool


def load_meetings(session) -> list[MeetingListRow]:
    out = []
    for m in svc.list_meetings(session, limit=500):
        row = svc.meeting_row(session, m)
        out.append(MeetingListRow(
            m.id, row["title"], svc.meeting_label(session, m, "en"), row["place"], fmt_local(m.held_at), m.kind,
            m.status, sum(1 for b in row["bodies"] if b["present"]), len(row["bodies"]), row["quorum_needed"],
            row["headcount"], row["quorum_met"]))
    return out


@dataclass
class FollowRow:
    action_id: int
    title: str
    status: str
    deadline: date
    note: str
    responsible: str
    origin_zh: str
    origin_en: str


@dataclass
class ItemRow:
    id: int
    seq: int
    title: str
    discussion: str
    request_ref: str | None
    resolutions: int


@dataclass
class ResolutionRow:
    id: int
    seq: int
    item_seq: int
    text: str
    decided_by: str
    votes: list[tuple[str, int, int, int]]
    org: str
    person: str
    deadline: date
    actions: list[tuple[int, str]]  # id, effective status


@dataclass
class MeetingDetail:
    id: int
    title_zh: str
    title_en: str
    place_id: int
    place: str
    when: str
    day: date
    kind: str
    status: str
    location: str
    chair: str
    secretary: str
    without_quorum: bool
    quorum: svc.Quorum
    roster: list[svc.RosterRow]
    org_names: dict[int, str]
    follow_ups: list[FollowRow]
    items: list[ItemRow]
    resolutions: list[ResolutionRow]
    addenda: list[tuple[str, str, str, str]]  # refers_to, text, when, by

    @property
    def bodies(self) -> list[tuple[int, str]]:
        """The bodies a resolution may name: the required ones, then others attending."""
        return [(b.organisation_id, b.name) for b in (*self.quorum.bodies, *self.quorum.others)]


def load_detail(session, meeting_id: int) -> MeetingDetail:
    m = svc.get_meeting(session, meeting_id)
    q = svc.quorum(session, m.id)
    roster = svc.meeting_roster(session, m.id)
    follow = svc.follow_ups(session, m.id)
    items = svc.agenda_items_of(session, m.id)
    resolutions = svc.resolutions_of(session, m.id)
    actions = {r.id: svc.action_items_of(session, resolution_id=r.id) for r in resolutions}
    org_ids = {oid for r in roster for oid in r.body_ids} | {r.attending_org_id for r in roster}
    org_ids |= {r.responsible_org_id for r in resolutions} | {f.action_item.responsible_org_id for f in follow}
    orgs = _names(session, Organisation, org_ids)
    people = _names(session, Person, {m.chair_id, m.secretary_id, *(r.responsible_person_id for r in resolutions)})
    refs = dict(session.execute(select(Request.id, Request.ref).where(
        Request.id.in_({i.request_id for i in items if i.request_id}))).all()) if items else {}
    origins: dict[int, tuple[str, str]] = {}
    for f in follow:
        mid = f.action_item.meeting_id
        if mid not in origins:
            origin = svc.get_meeting(session, mid)
            origins[mid] = (svc.meeting_label(session, origin), svc.meeting_label(session, origin, "en"))
    seq_of = {i.id: i.seq for i in items}
    votes: dict[int, list[tuple[str, int, int, int]]] = {}
    for r in resolutions:
        rows = svc.votes_of(session, r.id)
        names = _names(session, Organisation, {v.organisation_id for v in rows})
        votes[r.id] = [(names.get(v.organisation_id, ""), v.yes, v.no, v.abstain) for v in rows]
    place = session.get(Place, m.place_id)
    return MeetingDetail(
        id=m.id, title_zh=svc.meeting_label(session, m), title_en=svc.meeting_label(session, m, "en"),
        place_id=m.place_id, place=place.name if place else "", when=fmt_local(m.held_at), day=svc.meeting_date(m),
        kind=m.kind, status=m.status, location=m.location, chair=people.get(m.chair_id, ""),
        secretary=people.get(m.secretary_id, ""), without_quorum=m.opened_without_quorum, quorum=q, roster=roster,
        org_names=orgs,
        follow_ups=[FollowRow(f.action_item.id, f.action_item.title, f.status, f.deadline, f.note,
                              orgs.get(f.action_item.responsible_org_id, ""), *origins[f.action_item.meeting_id])
                    for f in follow],
        items=[ItemRow(i.id, i.seq, i.title, i.discussion, refs.get(i.request_id),
                       sum(1 for r in resolutions if r.agenda_item_id == i.id)) for i in items],
        resolutions=[ResolutionRow(r.id, r.seq, seq_of.get(r.agenda_item_id, 0), r.text, r.decided_by, votes[r.id],
                                   orgs.get(r.responsible_org_id, ""), people.get(r.responsible_person_id, ""),
                                   r.deadline, [(a.id, svc.effective_status(a).value) for a in actions[r.id]])
                     for r in resolutions],
        addenda=[(a.refers_to, a.text, fmt_local(a.at), a.recorded_by) for a in svc.addenda_of(session, m.id)],
    )


# -- shared writes on action items (board and meeting screen) -----------------------------------


ACTION_STEPS: dict[str, tuple[tuple[str, str], tuple[str, str], tuple[str, str]]] = {
    # step: (form title, field label, done message)
    "start": (("开始落实", "Start the action item"), ("说明（可空）", "Note (optional)"), ("已开始落实", "Started")),
    "progress": (("落实进展", "Progress note"), ("进展说明", "Progress"), ("进展已记录", "Progress noted")),
    "done": (("落实完成", "Mark the action item done"), ("落实情况说明（必填）", "What was done (required)"),
             ("落实事项已完成", "Action item done")),
    "drop": (("撤销落实事项", "Drop the action item"), ("撤销原因（必填）", "Reason (required)"),
             ("落实事项已撤销", "Action item dropped")),
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

    screen.app.push_screen(FormScreen((f"{t(*form_title)}：{title}", f"{form_title[1]}: {title}"),
                                      [FormField("note", zh, en)], submit, form_id=f"redprop-action-{step}"), done)


# -- the meetings ----------------------------------------------------------------------------


MEETING_COLUMNS = (("title", "会议", "Meeting"), ("place", "社区/小区", "Community/compound"),
                   ("when", "时间", "When"), ("kind", "类型", "Kind"), ("status", "状态", "Status"),
                   ("quorum", "出席/法定组织", "Attendance/quorum"))


def quorum_summary(present: int, total: int, needed: int, headcount: int, met: bool) -> str:
    mark = t("已达法定", "quorum") if met else t("未达法定", "no quorum")
    return t(f"组织 {present}/{total}（需 {needed}）· {headcount} 人 · {mark}",
             f"bodies {present}/{total} (need {needed}) · {headcount} people · {mark}")


class RedPropertyScreen(ListSection):
    """红色物业 / Red property: the joint meetings, newest first."""

    DEFAULT_CSS = "RedPropertyScreen #redprop-meetings { height: 1fr; }"
    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("n", "new", "New meeting", id="redprop.new_meeting"),
        Binding("a", "actions", "Action items", id="redprop.action_board"),
        Binding("w", "services", "Micro-services", id="redprop.services"),
        Binding("r", "reload", "Reload", id="redprop.reload"),
    ]
    HEADING = ("红色物业联席会议（回车打开，n 新建，a 落实事项，w 微服务）",
               "Red-property joint meetings (Enter opens, n new, a action items, w micro-services)")
    COLUMNS = MEETING_COLUMNS
    HEADING_ID, TABLE_ID, STATUS_ID = "redprop-heading", "redprop-meetings", "redprop-status"

    def load(self, session: Session) -> list[MeetingListRow]:
        return load_meetings(session)

    def cells(self, r: MeetingListRow) -> tuple[str, ...]:
        return (t(r.title_zh, r.title_en), r.place, r.when, _label(MeetingKind, r.kind),
                _label(MeetingStatus, r.status), quorum_summary(r.present, r.total, r.needed, r.headcount, r.met))

    def status(self, rows: list[MeetingListRow]) -> str:
        return t(f"共 {len(rows)} 次会议", f"{len(rows)} meetings")

    @on(DataTable.RowSelected, "#redprop-meetings")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(MeetingScreen(self.db, int(event.row_key.value)))

    def action_new(self) -> None:
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            held_at = parse_when(v["when"], "会议时间", "The time")
            if held_at is None:
                raise FormError(t("请填写会议时间", "The time of the meeting is needed"))
            if v["place"] is None:
                raise FormError(t("请选择社区或小区", "Pick the community or compound"))

            def write() -> int:
                with db.session() as s:
                    return svc.create_meeting(s, actor=actor, place_id=v["place"], held_at=held_at,
                                              kind=v["kind"] or "monthly", title=v["title"],
                                              location=v["location"], chair_id=v["chair"],
                                              secretary_id=v["secretary"]).id
            return write

        def done(mid: int | None) -> None:
            if mid is not None:
                self.app.notify(t("会议已新建（筹备中）", "Meeting created (draft)"))
                self.app.push_screen(MeetingScreen(db, mid))

        today = datetime.now(LOCAL_TZ).date().isoformat()
        self.app.push_screen(FormScreen(("新建联席会议", "New joint meeting"), [
            FormField("place", "社区或小区", "Community or compound", kind="place", kinds=("community", "compound"),
                      placeholder=t("名称或拼音", "name or pinyin")),
            FormField("when", "会议时间", "Date and time", value=f"{today} 09:00", placeholder="YYYY-MM-DD HH:MM"),
            FormField("kind", "类型", "Kind", kind="select", value="monthly", choices=_choices(MeetingKind)),
            FormField("chair", "主持人", "Chair", kind="person"),
            FormField("secretary", "记录人", "Secretary", kind="person"),
            FormField("location", "会议地点", "Location"),
            FormField("title", "标题（可空）", "Title (optional)"),
        ], submit, form_id="redprop-new-meeting"), done)

    def action_actions(self) -> None:
        self.app.push_screen(ActionBoardScreen(self.db))

    def action_services(self) -> None:
        self.app.push_screen(ServiceLogScreen(self.db))

    def action_back(self) -> None:
        self.app.pop_screen()


# -- one meeting -----------------------------------------------------------------------------


ROSTER_COLUMNS = (("name", "姓名", "Name"), ("bodies", "可代表组织", "May stand for"),
                  ("present", "出席（代表组织）", "Attends for"))
AGENDA_COLUMNS = (("no", "序号", "No."), ("title", "议题 / 落实事项", "Item / action"),
                  ("source", "来源", "Source"), ("state", "情况", "State"))
RESOLUTION_COLUMNS = (("no", "决议", "No."), ("item", "议题", "Item"), ("text", "内容", "Text"),
                      ("how", "方式", "Decided"), ("owner", "责任单位 / 人", "Responsible"),
                      ("deadline", "时限", "Deadline"), ("action", "落实", "Action"))


class RosterTable(Bilingual, DataTable):
    """The check-in list; ``space`` checks the highlighted person in or out."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("space", "toggle", "Check in/out", id="redprop.toggle_attendance")]

    def action_toggle(self) -> None:
        self.screen.toggle_attendance()


class MeetingScreen(WriteThenReload, Bilingual, DbWork, Screen):
    """One joint meeting: quorum, check-in, agenda (follow-up first), resolutions."""

    DEFAULT_CSS = """
    MeetingScreen #redprop-body { height: 1fr; }
    MeetingScreen #redprop-left { width: 2fr; }
    MeetingScreen #redprop-right { width: 3fr; }
    MeetingScreen #redprop-roster { height: 1fr; }
    MeetingScreen #redprop-agenda { height: 1fr; }
    MeetingScreen #redprop-resolutions { height: 1fr; }
    MeetingScreen #redprop-quorum { height: auto; padding: 0 1; }
    MeetingScreen #redprop-addenda { height: auto; max-height: 6; padding: 0 1; }
    """
    BINDING_TEXT = BINDING_TEXT
    FORM = FormScreen
    WRITE_GROUP = "redprop-write"
    BINDINGS = [
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("c", "check_in", "Check in by name", id="redprop.check_in"),
        Binding("o", "open_meeting", "Open meeting", id="redprop.open_meeting"),
        Binding("i", "add_item", "Add item", id="redprop.add_item"),
        Binding("p", "pick_request", "Item from a request", id="redprop.pick_request"),
        Binding("e", "discussion", "Discussion notes", id="redprop.discussion"),
        Binding("v", "resolution", "Resolution", id="redprop.resolution"),
        Binding("t", "add_action", "Add action item", id="redprop.add_action"),
        Binding("g", "follow_up('progress')", "Progress note", id="redprop.progress"),
        Binding("d", "follow_up('done')", "Done", id="redprop.done_action"),
        Binding("x", "close_meeting", "Close meeting", id="redprop.close_meeting"),
        Binding("b", "addendum", "Addendum", id="redprop.addendum"),
        Binding("f9", "minutes", "Minutes", id="redprop.minutes"),
        Binding("r", "reload", "Reload", id="redprop.reload"),
    ]

    def __init__(self, db, meeting_id: int) -> None:
        super().__init__()
        self.db = db
        self.meeting_id = meeting_id
        self.detail: MeetingDetail | None = None
        self.busy = False
        self.said: tuple[str, str] | None = None  # the last export, kept on the status line

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="redprop-title", classes="panel-title")
        yield Label("", id="redprop-quorum")
        with Horizontal(id="redprop-body"):
            with Vertical(id="redprop-left"):
                yield Label("", id="redprop-roster-label", classes="panel-title")
                yield RosterTable(id="redprop-roster", cursor_type="row", zebra_stripes=True)
            with Vertical(id="redprop-right"):
                yield Label("", id="redprop-agenda-label", classes="panel-title")
                yield DataTable(id="redprop-agenda", cursor_type="row", zebra_stripes=True)
                yield Label("", id="redprop-resolutions-label", classes="panel-title")
                yield DataTable(id="redprop-resolutions", cursor_type="row", zebra_stripes=True)
        yield Label("", id="redprop-addenda")
        yield Label("", id="redprop-status", classes="status-line")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        self.query_one("#redprop-roster", DataTable).focus()
        self.reload()

    def _columns(self) -> None:
        self.query_one("#redprop-roster-label", Label).update(
            t("出席签到（空格：签到/签退；c 按姓名签到）", "Attendance (space: check in/out; c by name)"))
        self.query_one("#redprop-agenda-label", Label).update(t(
            "议程：上次决议落实情况在前（i 添加议题；p 从诉求列入；e 讨论情况；g 进展；d 完成）",
            "Agenda: follow-up of earlier actions first (i add; p from a request; e notes; g progress; d done)"))
        self.query_one("#redprop-resolutions-label", Label).update(
            t("决议（v 对所选议题作出决议；t 添加落实事项）",
              "Resolutions (v on the highlighted item; t adds an action item)"))
        for sel, cols in (("#redprop-roster", ROSTER_COLUMNS), ("#redprop-agenda", AGENDA_COLUMNS),
                          ("#redprop-resolutions", RESOLUTION_COLUMNS)):
            table = self.query_one(sel, DataTable)
            table.clear(columns=True)
            for key, zh, en in cols:
                table.add_column(t(zh, en), key=key)

    def refresh_language(self) -> None:
        super().refresh_language()
        self._columns()
        if self.detail is not None:
            self._show(self.detail)

    def on_screen_resume(self) -> None:
        self.reload()

    def reload(self) -> None:
        db, mid = self.db, self.meeting_id

        def fetch() -> MeetingDetail:
            with db.read_session() as s:
                return load_detail(s, mid)

        self.db_work(fetch, self._show, group="redprop-detail")

    # -- showing -----------------------------------------------------------------------

    def _show(self, d: MeetingDetail) -> None:
        self.detail = d
        head = [t(d.title_zh, d.title_en), _label(MeetingStatus, d.status), d.when, _label(MeetingKind, d.kind)]
        if d.location:
            head.append(d.location)
        if d.chair:
            head.append(t(f"主持 {d.chair}", f"chair {d.chair}"))
        if d.secretary:
            head.append(t(f"记录 {d.secretary}", f"secretary {d.secretary}"))
        if d.without_quorum:
            head.append(t("未达法定组织数开会", "opened without a quorum"))
        self.query_one("#redprop-title", Label).update(Text(" · ".join(head)))
        self.query_one("#redprop-quorum", Label).update(Text(self._quorum_text(d)))
        self._show_roster(d)
        self._show_agenda(d)
        self._show_resolutions(d)
        addenda = [t("补记：", "Addenda:")] + [
            f"  {when} {by}：" + (f"[{ref}] " if ref else "") + text for ref, text, when, by in d.addenda]
        self.query_one("#redprop-addenda", Label).update(Text("\n".join(addenda) if d.addenda else ""))
        hint = {
            MeetingStatus.draft: t("筹备中：签到后按 o 开会", "Draft: check people in, then o opens the meeting"),
            MeetingStatus.open: t("进行中：议题、决议；x 结束会议", "Open: items and resolutions; x closes the meeting"),
            MeetingStatus.closed: t("已结束：记录不可修改，b 补记；F9 导出纪要",
                                    "Closed: the record is frozen, b adds an addendum; F9 writes the minutes"),
        }[MeetingStatus(d.status)]
        if self.said is not None:
            hint += " · " + t(*self.said)
        self.query_one("#redprop-status", Label).update(Text(hint))

    def _quorum_text(self, d: MeetingDetail) -> str:
        q = d.quorum
        parts = []
        for b in q.bodies:
            n = len(b.attendee_ids)
            parts.append(f"✓ {b.name}（{n}）" if b.present and i18n.language() != "en"
                         else f"✓ {b.name} ({n})" if b.present else f"✗ {b.name}")
        rule = t(f"全部 {q.needed} 个法定组织到会", f"all {q.needed} required bodies") if q.rule == "all" \
            else t(f"至少 {q.needed} 个法定组织", f"at least {q.needed} required bodies")
        if q.met:
            verdict = t(f"已达到开会条件（{len(q.present)}/{len(q.bodies)}，{rule}）",
                        f"Quorum met ({len(q.present)}/{len(q.bodies)}, {rule})")
        else:
            missing = "、".join(b.name for b in q.missing)
            verdict = t(f"未达到开会条件：缺少{missing}（{rule}）",
                        f"No quorum: {', '.join(b.name for b in q.missing)} missing ({rule})") if missing else \
                t(f"未达到开会条件（{rule}）", f"No quorum ({rule})")
        others = ""
        if q.others:
            others = t("；列席：", "; also attending: ") + "、".join(f"{b.name}（{len(b.attendee_ids)}）"
                                                                 for b in q.others)
        head = t(f"法定组织 · 出席 {q.headcount} 人：", f"Required bodies · {q.headcount} attending: ")
        return head + "  ".join(parts) + others + "\n" + verdict

    def _show_roster(self, d: MeetingDetail) -> None:
        table = self.query_one("#redprop-roster", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in d.roster:
            bodies = "、".join(d.org_names.get(o, "?") for o in r.body_ids)
            if r.cross_appointed:
                bodies += t("（交叉任职）", " (cross-appointed)")
            present = f"✓ {d.org_names.get(r.attending_org_id, '?')}" if r.present else "—"
            table.add_row(r.name, bodies, present, key=str(r.person_id))
        if d.roster:
            table.move_cursor(row=min(keep, len(d.roster) - 1))

    def _show_agenda(self, d: MeetingDetail) -> None:
        table = self.query_one("#redprop-agenda", DataTable)
        keep = table.cursor_row
        table.clear()
        for n, f in enumerate(d.follow_ups, start=1):
            state = f"{_label(ActionStatus, f.status)} · {t('时限', 'due')} {f.deadline.isoformat()}"
            if f.note:
                state += f" · {f.note}"
            table.add_row(t(f"落实{n}", f"F{n}"), f.title, f"{t(f.origin_zh, f.origin_en)} · {f.responsible}",
                          state, key=f"f{f.action_id}")
        for i in d.items:
            state = t(f"决议 {i.resolutions} 项", f"{i.resolutions} resolution(s)")
            if i.discussion:
                state += t(" · 有讨论记录", " · notes")
            table.add_row(str(i.seq), i.title, t(f"诉求 {i.request_ref}", f"request {i.request_ref}")
                          if i.request_ref else t("手写", "by hand"), state, key=f"i{i.id}")
        if table.row_count:
            table.move_cursor(row=min(keep, table.row_count - 1))

    def _show_resolutions(self, d: MeetingDetail) -> None:
        table = self.query_one("#redprop-resolutions", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in d.resolutions:
            if r.decided_by == Decision.vote:
                how = _label(Decision, r.decided_by) + " " + "；".join(
                    f"{name} {y}/{n}/{a}" for name, y, n, a in r.votes)
            else:
                how = _label(Decision, r.decided_by)
            owner = r.org + (f" · {r.person}" if r.person else "")
            action = "、".join(_label(ActionStatus, s) for _, s in r.actions)
            table.add_row(str(r.seq), str(r.item_seq), r.text, how, owner, r.deadline.isoformat(), action,
                          key=str(r.id))
        if d.resolutions:
            table.move_cursor(row=min(keep, len(d.resolutions) - 1))

    # -- writes ----------------------------------------------------------------------------

    def _unfrozen(self) -> bool:
        """The meeting's record can still change (it is not closed)."""
        if self.detail is None or self.busy:
            return False
        if self.detail.status == MeetingStatus.closed:
            self.app.notify(t("会议已结束，记录不能再修改；更正请用 b 补记",
                              "The meeting is closed; its record cannot change (b adds an addendum)"),
                            severity="warning")
            return False
        return True

    def _agenda_key(self) -> str | None:
        return _cell(self.query_one("#redprop-agenda", DataTable))

    def toggle_attendance(self) -> None:
        if not self._unfrozen():
            return
        d = self.detail
        key = _cell(self.query_one("#redprop-roster", DataTable))
        row = next((r for r in d.roster if str(r.person_id) == key), None)
        if row is None:
            return
        db, actor, mid = self.db, self.app.actor, d.id
        if row.present:
            def out() -> None:
                with db.session() as s:
                    svc.cancel_check_in(s, actor=actor, meeting_id=mid, person_id=row.person_id)

            self.write_then_reload(out, t(f"{row.name} 已签退", f"{row.name} checked out"))
        elif len(row.body_ids) == 1:
            oid = row.body_ids[0]

            def check() -> None:
                with db.session() as s:
                    svc.check_in(s, actor=actor, meeting_id=mid, person_id=row.person_id, organisation_id=oid)

            body = d.org_names.get(oid, "")
            self.write_then_reload(check, t(f"{row.name} 已签到（{body}）", f"{row.name} checked in ({body})"))
        else:
            self._check_in_dialog((row.person_id, row.name))

    def _check_in_dialog(self, person: tuple[int, str] | None) -> None:
        def done(said: str | None) -> None:
            if said:
                self.app.notify(t(f"已签到：{said}", f"Checked in: {said}"))
                self.reload()

        self.app.push_screen(CheckInScreen(self.db, self.meeting_id, person), done)

    def action_check_in(self) -> None:
        if self._unfrozen():
            self._check_in_dialog(None)

    def action_open_meeting(self) -> None:
        d = self.detail
        if d is None or self.busy:
            return
        if d.status != MeetingStatus.draft:
            self.app.notify(t("只有筹备中的会议才能开会", "Only a draft meeting can be opened"), severity="warning")
            return
        q = d.quorum
        if q.met:
            question = ("出席组织已达到开会条件。现在开会？", "The quorum of bodies is met. Open the meeting now?")
        else:
            zh = "、".join(b.name for b in q.missing)
            en = ", ".join(b.name for b in q.missing)
            question = (f"未达到开会条件：缺少{zh}。仍然开会？（将记入纪要）",
                        f"No quorum of bodies: {en} missing. Open anyway? (recorded in the minutes)")
        db, actor, mid, without = self.db, self.app.actor, d.id, not q.met

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.open_meeting(s, actor=actor, meeting_id=mid, without_quorum=without)

            self.write_then_reload(write, t("会议已开始", "Meeting opened"))

        self.app.push_screen(ConfirmScreen(question), confirmed)

    def action_close_meeting(self) -> None:
        d = self.detail
        if d is None or self.busy:
            return
        if d.status != MeetingStatus.open:
            self.app.notify(t("只有进行中的会议才能结束", "Only an open meeting can be closed"), severity="warning")
            return
        db, actor, mid = self.db, self.app.actor, d.id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.close_meeting(s, actor=actor, meeting_id=mid)

            self.write_then_reload(write, t("会议已结束，记录已封存", "Meeting closed; its record is frozen"))

        self.app.push_screen(ConfirmScreen((
            "结束会议？结束后出席、议程和决议不能再修改，更正只能补记。",
            "Close the meeting? Attendance, agenda and resolutions are then frozen; corrections are addenda.")),
            confirmed)

    def action_add_item(self) -> None:
        if not self._unfrozen():
            return
        db, actor, mid = self.db, self.app.actor, self.meeting_id

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    return svc.add_agenda_item(s, actor=actor, meeting_id=mid, title=v["title"],
                                               description=v["description"]).id
            return write

        self.form_then_reload(("添加议题", "Add an agenda item"), [
            FormField("title", "议题", "Title"),
            FormField("description", "说明（可空）", "Description (optional)"),
        ], submit, ("议题已添加", "Item added"), form_id="redprop-item")

    def action_pick_request(self) -> None:
        if not self._unfrozen():
            return
        db, actor, mid = self.db, self.app.actor, self.meeting_id

        def fetch() -> list[tuple[str, list[str]]]:
            from core.models.requests import RequestCategory

            with db.read_session() as s:
                reqs = svc.candidate_requests(s, mid)
                cats = {c.id: c for c in s.scalars(select(RequestCategory).where(
                    RequestCategory.id.in_({r.category_id for r in reqs})))} if reqs else {}
                places = _names(s, Place, {r.place_id for r in reqs})
                return [(str(r.id), [r.ref, r.title,
                                     t(cats[r.category_id].name_zh, cats[r.category_id].name_en)
                                     if r.category_id in cats else "",
                                     places.get(r.place_id, ""), fmt_local(r.due_at)]) for r in reqs]

        def choose(key: str) -> Callable[[], str]:
            def write() -> str:
                with db.session() as s:
                    return svc.add_agenda_item(s, actor=actor, meeting_id=mid, request_id=int(key)).title
            return write

        def done(title: str | None) -> None:
            if title:
                self.app.notify(t(f"已列入议程：{title}（诉求时间线已留痕）",
                                  f"On the agenda: {title} (the request's timeline has a note)"))
                self.reload()

        self.app.push_screen(PickListScreen(
            ("从物业类诉求列入议题（回车选定）", "Take an open property request onto the agenda (Enter picks)"),
            [("ref", "编号", "Ref"), ("title", "诉求", "Request"), ("category", "类别", "Category"),
             ("place", "地点", "Place"), ("due", "办结时限", "Due")],
            fetch, choose, ("本区域没有待议的物业类诉求", "No open property request in this area"),
            list_id="redprop-candidates"), done)

    def _item(self) -> ItemRow | None:
        key = self._agenda_key()
        d = self.detail
        item = next((i for i in d.items if f"i{i.id}" == key), None) if d and key else None
        if item is None:
            self.app.notify(t("请先在议程中选中一个议题（不是落实事项）",
                              "Highlight an agenda item first (not a follow-up row)"), severity="warning")
        return item

    def action_discussion(self) -> None:
        if not self._unfrozen():
            return
        item = self._item()
        if item is None:
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], bool]:
            def write() -> bool:
                with db.session() as s:
                    svc.update_agenda_item(s, actor=actor, agenda_item_id=item.id, discussion=v["discussion"])
                return True
            return write

        self.form_then_reload((f"讨论情况：{item.title}", f"Discussion notes: {item.title}"),
                              [FormField("discussion", "讨论情况", "Notes", value=item.discussion)], submit,
                              ("讨论情况已保存", "Notes saved"), form_id="redprop-discussion")

    def _responsible_fields(self, d: MeetingDetail) -> list[FormField]:
        return [
            FormField("org", "责任单位（必填）", "Responsible body (required)", kind="select", value=None,
                      choices=[(name, oid) for oid, name in d.bodies]),
            FormField("person", "责任人（可空，须在该单位任职）", "Responsible person (optional, holds a post there)",
                      kind="person"),
            FormField("deadline", "完成时限", "Deadline", value=(d.day + timedelta(days=30)).isoformat(),
                      placeholder="YYYY-MM-DD"),
        ]

    def action_resolution(self) -> None:
        if not self._unfrozen():
            return
        item = self._item()
        if item is None:
            return
        d, db, actor = self.detail, self.db, self.app.actor
        voting = [(b.organisation_id, b.name) for b in (*d.quorum.bodies, *d.quorum.others) if b.present]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            deadline = parse_day(v["deadline"], "完成时限", "The deadline")
            votes = {}
            for oid, name in voting:
                counts = parse_votes(v[f"votes-{oid}"], name)
                if counts is not None:
                    votes[oid] = counts

            def write() -> int:
                with db.session() as s:
                    return svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text=v["text"],
                                              responsible_org_id=v["org"], responsible_person_id=v["person"],
                                              deadline=deadline, decided_by=v["decided_by"] or "consensus",
                                              votes=votes or None, action_title=v["action_title"]).id
            return write

        self.form_then_reload((f"决议：{item.title}", f"Resolution on: {item.title}"), [
            FormField("text", "决议内容", "Resolution"),
            FormField("decided_by", "决议方式", "Decided", kind="select", value="consensus",
                      choices=[(_label(Decision, m.value), m.value) for m in Decision]),
            *[FormField(f"votes-{oid}", f"{name} 赞成/反对/弃权（表决时填）", f"{name} yes/no/abstain (by vote)",
                        placeholder="3/0/0") for oid, name in voting],
            *self._responsible_fields(d),
            FormField("action_title", "落实事项（可空，默认为决议内容）", "Action item (optional; the text by default)"),
        ], submit, ("决议已记录，落实事项已生成", "Resolution recorded with its action item"), form_id="redprop-resolution")

    def action_add_action(self) -> None:
        if not self._unfrozen():
            return
        d = self.detail
        key = _cell(self.query_one("#redprop-resolutions", DataTable))
        res = next((r for r in d.resolutions if str(r.id) == key), None)
        if res is None:
            self.app.notify(t("请先在决议表中选中一项决议", "Highlight a resolution first"), severity="warning")
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            deadline = parse_day(v["deadline"], "完成时限", "The deadline")

            def write() -> int:
                with db.session() as s:
                    return svc.add_action_item(s, actor=actor, resolution_id=res.id, title=v["title"],
                                               responsible_org_id=v["org"], responsible_person_id=v["person"],
                                               deadline=deadline).id
            return write

        self.form_then_reload((f"添加落实事项：决议 {res.seq}", f"Add an action item to resolution {res.seq}"),
                              [FormField("title", "落实事项", "Action item"), *self._responsible_fields(d)], submit,
                              ("落实事项已添加", "Action item added"), form_id="redprop-action")

    def action_follow_up(self, step: str) -> None:
        d = self.detail
        if d is None or self.busy:
            return
        key = self._agenda_key()
        row = next((f for f in d.follow_ups if f"f{f.action_id}" == key), None) if key else None
        if row is None:
            self.app.notify(t("请先在议程中选中一项上次决议的落实事项",
                              "Highlight a follow-up row (an earlier action item) first"), severity="warning")
            return
        # reported at this meeting while it can still take it; after close, between meetings
        meeting_id = d.id if d.status != MeetingStatus.closed else None
        action_step(self, step, row.action_id, row.title, self.reload, meeting_id=meeting_id)

    def action_addendum(self) -> None:
        d = self.detail
        if d is None or self.busy:
            return
        db, actor, mid = self.db, self.app.actor, d.id

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    return svc.add_addendum(s, actor=actor, meeting_id=mid, text=v["text"],
                                            refers_to=v["refers_to"]).id
            return write

        self.form_then_reload(("补记（更正已结束会议的记录）", "Addendum (a correction to the closed record)"), [
            FormField("refers_to", "更正对象（可空，如“决议 2”）", "What it corrects (optional, e.g. 'resolution 2')"),
            FormField("text", "补记内容", "Text"),
        ], submit, ("补记已保存", "Addendum saved"), form_id="redprop-addendum")

    def action_minutes(self) -> None:
        from plugins.red_property.minutes import write_minutes

        d = self.detail
        if d is None:
            return
        db, mid = self.db, d.id

        def write(path: Path, fmt: str) -> Path:
            with db.read_session() as s:
                return write_minutes(s, mid, path, fmt=fmt)

        def done(path: Path | None) -> None:
            if path is not None:
                self.said = (f"纪要已写入 {path}", f"Minutes written to {path}")
                self.app.notify(t(*self.said))
                if self.detail is not None:
                    self._show(self.detail)

        self.app.push_screen(MinutesScreen(
            ("导出会议纪要", "Write the minutes"), [("Word (.docx)", "docx"), ("Markdown (.md)", "md")],
            lambda fmt: default_minutes_path(mid, fmt), write, form_id="redprop-minutes"), done)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()


def default_minutes_path(meeting_id: int, fmt: str = "docx") -> Path:
    """``<data dir>/minutes/联席会议纪要-<id>-<YYYYMMDD-HHMM>.docx`` (the folder is made when used)."""
    return export_path("minutes", stem=f"联席会议纪要-{meeting_id}", fmt=fmt)


class MinutesScreen(ExportModal, FormScreen):
    """The minutes' format and path (:class:`tui.widgets.forms.ExportModal`): the path
    follows the format, an existing file is refused."""


# -- the action-item board -----------------------------------------------------------------


BOARD_FILTERS: list[tuple[str, str, str]] = [
    ("unfinished", "未完成（超期在前）", "unfinished (overdue first)"),
    ("overdue", "已超期", "overdue"),
    ("open", "未开始", "open"),
    ("in_progress", "推进中", "in progress"),
    ("done", "已完成", "done"),
    ("dropped", "已撤销", "dropped"),
    ("all", "全部", "all"),
]
BOARD_COLUMNS = (("status", "状态", "Status"), ("deadline", "时限", "Deadline"), ("title", "落实事项", "Action item"),
                 ("owner", "责任单位 / 人", "Responsible"), ("meeting", "会议", "Meeting"),
                 ("request", "诉求", "Request"), ("note", "最新进展", "Latest note"))


@dataclass
class BoardRow:
    id: int
    status: str
    deadline: str
    days_overdue: int
    title: str
    owner: str
    meeting_zh: str
    meeting_en: str
    request_ref: str | None
    note: str


def load_board(session, *, status: str, place_id: int | None) -> list[BoardRow]:
    wanted = None if status in ("unfinished", "all") else status
    items = svc.list_action_items(session, place_id=place_id, status=wanted, include_finished=status == "all")
    labels: dict[int, str] = {}
    out = []
    for a in items:
        row = svc.action_row(session, a)
        if a.meeting_id not in labels:
            labels[a.meeting_id] = svc.meeting_label(session, svc.get_meeting(session, a.meeting_id), "en")
        owner = row["responsible_org"] + (f" · {row['responsible_person']}" if row["responsible_person"] else "")
        out.append(BoardRow(a.id, row["status"], row["deadline"], row["days_overdue"], a.title, owner,
                            row["meeting"], labels[a.meeting_id], row["request_ref"], row["latest_note"]))
    return out


class ActionBoardScreen(Bilingual, DbWork, Screen):
    """落实事项 / Action items across meetings: overdue first; s / g / d / x on the row."""

    DEFAULT_CSS = """
    ActionBoardScreen #redprop-board { height: 1fr; }
    ActionBoardScreen .toolbar { height: auto; }
    ActionBoardScreen #redprop-board-place { width: 1fr; }
    """
    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("s", "step('start')", "Start", id="redprop.start_action"),
        Binding("g", "step('progress')", "Progress note", id="redprop.progress"),
        Binding("d", "step('done')", "Done", id="redprop.done_action"),
        Binding("x", "step('drop')", "Drop", id="redprop.drop_action"),
        Binding("r", "reload", "Reload", id="redprop.reload"),
    ]

    def __init__(self, db, *, status: str = "unfinished", place: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.db = db
        self.status = status
        self.place = place
        self.rows: list[BoardRow] = []

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="redprop-board-heading", classes="panel-title")
        with Horizontal(classes="toolbar"):
            yield Select(self._filter_choices(), value=self.status, allow_blank=False, id="redprop-board-status",
                         classes="wide")
            yield PlacePicker(placeholder=t("按社区/小区筛选（名称或拼音）", "filter by community/compound"),
                              kinds=("community", "compound"), id="redprop-board-place")
        yield DataTable(id="redprop-board", cursor_type="row", zebra_stripes=True)
        yield Label("", id="redprop-board-count", classes="status-line")
        yield Footer()

    @staticmethod
    def _filter_choices() -> list[tuple[str, str]]:
        return [(t(zh, en), key) for key, zh, en in BOARD_FILTERS]

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        if self.place is not None:
            self.query_one("#redprop-board-place", PlacePicker).select(*self.place)
        self.query_one("#redprop-board", DataTable).focus()
        self.reload()

    def _columns(self) -> None:
        self.query_one("#redprop-board-heading", Label).update(t(
            "落实事项（跨会议，超期在前；s 开始，g 进展，d 完成，x 撤销）",
            "Action items across meetings, overdue first (s start, g progress, d done, x drop)"))
        table = self.query_one("#redprop-board", DataTable)
        table.clear(columns=True)
        for key, zh, en in BOARD_COLUMNS:
            table.add_column(t(zh, en), key=key)

    def refresh_language(self) -> None:
        super().refresh_language()
        self._columns()
        box = self.query_one("#redprop-board-status", Select)
        with box.prevent(Select.Changed):
            box.set_options(self._filter_choices())
            box.value = self.status
        self._show(self.rows)

    def on_screen_resume(self) -> None:
        self.reload()

    @on(Select.Changed, "#redprop-board-status")
    def _status(self, event: Select.Changed) -> None:
        if event.value is not Select.NULL and event.value != self.status:
            self.status = str(event.value)
            self.reload()

    @on(PlacePicker.Changed, "#redprop-board-place")
    def _place(self, event: PlacePicker.Changed) -> None:
        place = (event.value, event.text) if event.value is not None else None
        if place != self.place:
            self.place = place
            self.reload()

    def reload(self) -> None:
        db, status, place_id = self.db, self.status, self.place[0] if self.place else None

        def fetch() -> list[BoardRow]:
            with db.read_session() as s:
                return load_board(s, status=status, place_id=place_id)

        self.db_work(fetch, self._show, group="redprop-board")

    def _show(self, rows: list[BoardRow]) -> None:
        self.rows = rows
        table = self.query_one("#redprop-board", DataTable)
        keep = table.cursor_row
        table.clear()
        overdue = 0
        for r in rows:
            status = _label(ActionStatus, r.status)
            if r.days_overdue:
                overdue += 1
                status += t(f"（{r.days_overdue} 天）", f" ({r.days_overdue} d)")
            table.add_row(status, r.deadline, r.title, r.owner, t(r.meeting_zh, r.meeting_en), r.request_ref or "",
                          r.note, key=str(r.id))
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
        self.query_one("#redprop-board-count", Label).update(
            t(f"共 {len(rows)} 项，超期 {overdue} 项", f"{len(rows)} items, {overdue} overdue"))

    def action_step(self, step: str) -> None:
        key = _cell(self.query_one("#redprop-board", DataTable))
        row = next((r for r in self.rows if str(r.id) == key), None) if key else None
        if row is None:
            return
        action_step(self, step, row.id, row.title, self.reload)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()


# -- the micro-service log -------------------------------------------------------------------


SERVICE_COLUMNS = (("requested", "登记时间", "Requested"), ("compound", "小区", "Compound"),
                   ("resident", "居民", "Resident"), ("kind", "类型", "Kind"), ("status", "状态", "Status"),
                   ("scheduled", "安排时间", "Scheduled"), ("done_by", "服务人", "Done by"),
                   ("description", "内容", "What"))
COUNT_COLUMNS = (("compound", "小区", "Compound"), ("month", "月份", "Month"), ("kind", "类型", "Kind"),
                 ("requested", "登记", "Requested"), ("done", "完成", "Done"))


@dataclass
class ServiceRow:
    id: int
    requested: str
    compound: str
    resident: str
    kind: str
    status: str
    scheduled: str
    done_by: str
    description: str


@dataclass
class ServiceLog:
    rows: list[ServiceRow]
    counts: list[svc.ServiceCount]


def load_services(session, *, compound_id: int | None, status: str | None, kind: str | None,
                  month: str | None) -> ServiceLog:
    rows = svc.list_services(session, compound_id=compound_id, status=status, kind=kind)
    places = _names(session, Place, {r.compound_id for r in rows})
    people = _names(session, Person, {r.resident_id for r in rows} | {r.done_by_id for r in rows})
    orgs = _names(session, Organisation, {r.done_by_org_id for r in rows})
    out = []
    for r in rows:
        by = " · ".join(x for x in (people.get(r.done_by_id, ""), orgs.get(r.done_by_org_id, "")) if x)
        out.append(ServiceRow(r.id, fmt_local(r.requested_at), places.get(r.compound_id, ""),
                              people.get(r.resident_id, ""), r.kind, r.status, fmt_local(r.scheduled_for), by,
                              r.description))
    return ServiceLog(out, svc.service_counts(session, month=month or None, compound_id=compound_id))


class ServiceLogScreen(WriteThenReload, Bilingual, DbWork, Screen):
    """微服务 / Micro-services: the log by compound, status and kind, and monthly counts."""

    DEFAULT_CSS = """
    ServiceLogScreen #redprop-svc-list { height: 2fr; }
    ServiceLogScreen #redprop-svc-counts { height: 1fr; }
    ServiceLogScreen .toolbar { height: auto; }
    ServiceLogScreen .toolbar Select { width: 24; }
    ServiceLogScreen #redprop-svc-month { width: 16; }
    """
    BINDING_TEXT = BINDING_TEXT
    FORM = FormScreen
    BINDINGS = [
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("n", "new", "New micro-service", id="redprop.new_service"),
        Binding("s", "schedule", "Schedule", id="redprop.schedule_service"),
        Binding("d", "done", "Service done", id="redprop.done_service"),
        Binding("r", "reload", "Reload", id="redprop.reload"),
    ]

    def __init__(self, db) -> None:
        super().__init__()
        self.db = db
        self.service_log: ServiceLog | None = None
        self.compound: tuple[int, str] | None = None
        self.status: str | None = None
        self.kind: str | None = None
        self.month = str(datetime.now(LOCAL_TZ).year)

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="redprop-svc-heading", classes="panel-title")
        with Horizontal(classes="toolbar"):
            yield PlacePicker(placeholder=t("小区（名称或拼音）", "compound (name or pinyin)"), kinds=("compound",),
                              id="redprop-svc-compound")
            yield Select(_choices(ServiceStatus), allow_blank=True, prompt=t("全部状态", "any status"),
                         id="redprop-svc-status")
            yield Select(_choices(ServiceKind), allow_blank=True, prompt=t("全部类型", "any kind"),
                         id="redprop-svc-kind")
            yield Input(self.month, placeholder="YYYY / YYYY-MM", id="redprop-svc-month")
        yield DataTable(id="redprop-svc-list", cursor_type="row", zebra_stripes=True)
        yield Label("", id="redprop-svc-counts-label", classes="panel-title")
        yield DataTable(id="redprop-svc-counts", cursor_type="row", zebra_stripes=True)
        yield Label("", id="redprop-svc-error", classes="error")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        self.query_one("#redprop-svc-list", DataTable).focus()
        self.reload()

    def _columns(self) -> None:
        self.query_one("#redprop-svc-heading", Label).update(t(
            "物业微服务（n 登记，s 安排，d 完成）", "Property micro-services (n new, s schedule, d done)"))
        self.query_one("#redprop-svc-counts-label", Label).update(t(
            "每月统计（按小区、类型；月份填 YYYY 或 YYYY-MM）",
            "Monthly counts per compound and kind (month: YYYY or YYYY-MM)"))
        for sel, cols in (("#redprop-svc-list", SERVICE_COLUMNS), ("#redprop-svc-counts", COUNT_COLUMNS)):
            table = self.query_one(sel, DataTable)
            table.clear(columns=True)
            for key, zh, en in cols:
                table.add_column(t(zh, en), key=key)

    def refresh_language(self) -> None:
        super().refresh_language()
        self._columns()
        for sel, enum_cls, value, zh, en in (("#redprop-svc-status", ServiceStatus, self.status, "全部状态", "any status"),
                                             ("#redprop-svc-kind", ServiceKind, self.kind, "全部类型", "any kind")):
            box = self.query_one(sel, Select)
            with box.prevent(Select.Changed):
                box.prompt = t(zh, en)
                box.set_options(_choices(enum_cls))
                if value is not None:
                    box.value = value
        if self.service_log is not None:
            self._show(self.service_log)

    def on_screen_resume(self) -> None:
        self.reload()

    @on(PlacePicker.Changed, "#redprop-svc-compound")
    def _compound(self, event: PlacePicker.Changed) -> None:
        self.compound = (event.value, event.text) if event.value is not None else None
        self.reload()

    @on(Select.Changed, "#redprop-svc-status")
    def _status(self, event: Select.Changed) -> None:
        self.status = None if event.value is Select.NULL else str(event.value)
        self.reload()

    @on(Select.Changed, "#redprop-svc-kind")
    def _kind(self, event: Select.Changed) -> None:
        self.kind = None if event.value is Select.NULL else str(event.value)
        self.reload()

    @on(Input.Changed, "#redprop-svc-month")
    def _month(self, event: Input.Changed) -> None:
        self.month = event.value.strip()
        self.reload()

    def reload(self) -> None:
        db = self.db
        compound_id = self.compound[0] if self.compound else None
        status, kind, month = self.status, self.kind, self.month
        error = self.query_one("#redprop-svc-error", Label)

        def fetch() -> ServiceLog:
            with db.read_session() as s:
                return load_services(s, compound_id=compound_id, status=status, kind=kind, month=month)

        def show(log: ServiceLog) -> None:
            error.update("")
            self._show(log)

        self.db_work(fetch, show, group="redprop-services", on_error=lambda m: error.update(Text(m)))

    def _show(self, log: ServiceLog) -> None:
        self.service_log = log
        table = self.query_one("#redprop-svc-list", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in log.rows:
            table.add_row(r.requested, r.compound, r.resident, _label(ServiceKind, r.kind),
                          _label(ServiceStatus, r.status), r.scheduled, r.done_by, r.description, key=str(r.id))
        if log.rows:
            table.move_cursor(row=min(keep, len(log.rows) - 1))
        counts = self.query_one("#redprop-svc-counts", DataTable)
        counts.clear()
        for i, c in enumerate(log.counts):
            counts.add_row(c.compound, c.month, _label(ServiceKind, c.kind), str(c.requested), str(c.done),
                           key=str(i))

    def _row(self) -> ServiceRow | None:
        key = _cell(self.query_one("#redprop-svc-list", DataTable))
        return next((r for r in self.service_log.rows if str(r.id) == key), None) if self.service_log and key else None

    def action_new(self) -> None:
        def done(result: int | None) -> None:
            if result is not None:
                self.app.notify(t("微服务已登记", "Micro-service logged"))
                self.reload()

        self.app.push_screen(NewServiceScreen(self.db, self.compound), done)

    def action_schedule(self) -> None:
        row = self._row()
        if row is None:
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            when = parse_when(v["when"], "安排时间", "The time")
            if when is None:
                raise FormError(t("请填写安排时间", "The time is needed"))

            def write() -> int:
                with db.session() as s:
                    return svc.schedule_service(s, actor=actor, service_id=row.id, scheduled_for=when).id
            return write

        tomorrow = (datetime.now(LOCAL_TZ).date() + timedelta(days=1)).isoformat()
        self.form_then_reload((f"安排微服务：{row.resident}", f"Schedule the micro-service for {row.resident}"),
                              [FormField("when", "安排时间", "When", value=f"{tomorrow} 09:00", placeholder="YYYY-MM-DD HH:MM")],
                              submit, ("微服务已安排", "Micro-service scheduled"), form_id="redprop-svc-schedule")

    def action_done(self) -> None:
        row = self._row()
        if row is None:
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    return svc.complete_service(s, actor=actor, service_id=row.id, done_by_id=v["by"],
                                                result=v["result"]).id
            return write

        self.form_then_reload((f"微服务完成：{row.resident}", f"Micro-service done for {row.resident}"), [
            FormField("by", "服务人", "Done by", kind="person"),
            FormField("result", "服务结果（可空）", "Result (optional)"),
        ], submit, ("微服务已完成", "Micro-service done"), form_id="redprop-svc-done")

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()


class NewServiceScreen(Bilingual, DbWork, ModalScreen[int | None]):
    """Log a micro-service: the compound, then a resident from the suggestions
    (priority-care residents first, marked only as such), the kind, what is needed
    and optionally when it is scheduled. Dismissed with the new service's id."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="redprop.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="redprop.form_save", priority=True),
    ]
    DEFAULT_CSS = """
    NewServiceScreen { align: center middle; }
    NewServiceScreen > VerticalScroll { width: 90; height: auto; max-height: 95%; border: thick $accent;
                                        background: $surface; padding: 0 1; }
    NewServiceScreen #redprop-newsvc-residents { height: 8; }
    """

    def __init__(self, db, compound: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.db = db
        self.compound = compound
        self.busy = False

    LABELS = {
        "title": ("登记物业微服务", "Log a property micro-service"),
        "kind": ("类型：", "Kind:"),
        "compound": ("小区：", "Compound:"),
        "query": ("居民（重点关爱人群在前；输入姓名或拼音筛选）：",
                  "Resident (priority-care residents first; type a name or pinyin to filter):"),
        "description": ("服务内容：", "What is needed:"),
        "scheduled": ("安排时间（可空，YYYY-MM-DD HH:MM）：", "Scheduled for (optional, YYYY-MM-DD HH:MM):"),
    }

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id="redprop-newsvc"):
            yield Label(t(*self.LABELS["title"]), classes="panel-title", id="redprop-newsvc-title")
            yield Label(t(*self.LABELS["kind"]), id="redprop-newsvc-kind-label")
            yield Select(_choices(ServiceKind), value="free_repair", allow_blank=False, id="redprop-newsvc-kind")
            yield Label(t(*self.LABELS["compound"]), id="redprop-newsvc-compound-label")
            yield PlacePicker(kinds=("compound",), id="redprop-newsvc-compound")
            yield Label(t(*self.LABELS["query"]), id="redprop-newsvc-query-label")
            yield Input(id="redprop-newsvc-query")
            yield DataTable(id="redprop-newsvc-residents", cursor_type="row", zebra_stripes=True)
            yield Label(t(*self.LABELS["description"]), id="redprop-newsvc-description-label")
            yield Input(id="redprop-newsvc-description", max_length=1000)
            yield Label(t(*self.LABELS["scheduled"]), id="redprop-newsvc-scheduled-label")
            yield Input(id="redprop-newsvc-scheduled", placeholder="YYYY-MM-DD HH:MM")
            yield Label("", id="redprop-newsvc-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(t("保存", "Save"), id="redprop-newsvc-save", variant="primary")
                yield Button(t("取消", "Cancel"), id="redprop-newsvc-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self._columns()
        picker = self.query_one("#redprop-newsvc-compound", PlacePicker)
        if self.compound is not None:
            picker.select(*self.compound)
        picker.query_one(Input).focus()

    def _columns(self) -> None:
        table = self.query_one("#redprop-newsvc-residents", DataTable)
        table.clear(columns=True)
        table.add_column(t("居民", "Resident"), key="name")
        table.add_column(t("重点关爱", "Priority care"), key="care")

    def refresh_language(self) -> None:
        super().refresh_language()
        for key, pair in self.LABELS.items():
            target = "redprop-newsvc-title" if key == "title" else f"redprop-newsvc-{key}-label"
            self.query_one(f"#{target}", Label).update(t(*pair))
        box = self.query_one("#redprop-newsvc-kind", Select)
        value = box.value
        with box.prevent(Select.Changed):
            box.set_options(_choices(ServiceKind))
            box.value = value
        self._columns()
        self._suggest()

    @on(PlacePicker.Changed, "#redprop-newsvc-compound")
    def _compound(self, event: PlacePicker.Changed) -> None:
        self.compound = (event.value, event.text) if event.value is not None else None
        self._suggest()

    @on(Input.Changed, "#redprop-newsvc-query")
    def _query(self) -> None:
        self._suggest()

    def _suggest(self) -> None:
        table = self.query_one("#redprop-newsvc-residents", DataTable)
        if self.compound is None:
            table.clear()
            return
        db, cid = self.db, self.compound[0]
        query = self.query_one("#redprop-newsvc-query", Input).value

        def fetch() -> list[svc.ResidentSuggestion]:
            with db.read_session() as s:
                return svc.suggest_residents(s, compound_id=cid, query=query)

        def show(rows: list[svc.ResidentSuggestion]) -> None:
            table.clear()
            for r in rows:
                table.add_row(r.name, "★" + t("重点关爱", "priority care") if r.priority_care else "",
                              key=str(r.person_id))

        self.db_work(fetch, show, group="redprop-newsvc-suggest",
                     on_error=lambda m: self.query_one("#redprop-newsvc-error", Label).update(Text(m)))

    @on(Button.Pressed, "#redprop-newsvc-save")
    def action_save(self) -> None:
        if self.busy:
            return
        error = self.query_one("#redprop-newsvc-error", Label)
        resident = _cell(self.query_one("#redprop-newsvc-residents", DataTable))
        if self.compound is None:
            error.update(t("请先选择小区", "Pick the compound first"))
            return
        if resident is None:
            error.update(t("请在列表中选中居民", "Highlight the resident in the list"))
            return
        try:
            scheduled = parse_when(self.query_one("#redprop-newsvc-scheduled", Input).value, "安排时间", "The time")
        except FormError as exc:
            error.update(str(exc))
            return
        db, actor, cid = self.db, self.app.actor, self.compound[0]
        kind = self.query_one("#redprop-newsvc-kind", Select).value
        description = self.query_one("#redprop-newsvc-description", Input).value

        def write() -> int:
            with db.session() as s:
                return svc.log_service(s, actor=actor, kind=str(kind), resident_id=int(resident), compound_id=cid,
                                       description=description, scheduled_for=scheduled).id

        def failed(message: str) -> None:
            self.busy = False
            error.update(Text(message))

        self.busy = True
        self.db_work(write, self.dismiss, group="redprop-newsvc-write", on_error=failed)

    @on(Button.Pressed, "#redprop-newsvc-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


# -- palette actions ------------------------------------------------------------------------


def open_action_board(app) -> None:
    """The palette action: the action-item board across meetings."""
    app.push_screen(ActionBoardScreen(app.db))


def open_service_log(app) -> None:
    """The palette action: the micro-service log."""
    app.push_screen(ServiceLogScreen(app.db))


def agenda_from_request(app) -> None:
    """The palette action: put the request on screen on the agenda of a draft or open
    meeting of its area (the service checks the category and the area and notes it on
    the request's timeline)."""
    request_id = getattr(app.screen, "request_id", None)
    if request_id is None:
        app.notify(t("请先打开一条诉求，再把它列入联席会议议程",
                     "Open a request first, then put it on a joint meeting's agenda"), severity="warning")
        return
    db, actor, rid, request_screen = app.db, app.actor, int(request_id), app.screen

    def fetch() -> list[tuple[str, list[str]]]:
        with db.read_session() as s:
            req = s.get(Request, rid)
            where = s.get(Place, req.place_id) if req is not None and req.place_id else None
            rows = []
            for status in (MeetingStatus.open, MeetingStatus.draft):
                for m in svc.list_meetings(s, status=status.value):
                    place = s.get(Place, m.place_id)
                    if where is not None and not where.path.startswith(place.path):
                        continue  # outside the meeting's area
                    rows.append((str(m.id), [t(svc.meeting_label(s, m), svc.meeting_label(s, m, "en")),
                                             place.name, fmt_local(m.held_at), _label(MeetingStatus, m.status)]))
            return rows

    def choose(key: str) -> Callable[[], str]:
        def write() -> str:
            with db.session() as s:
                svc.add_agenda_item(s, actor=actor, meeting_id=int(key), request_id=rid)
                return t(svc.meeting_label(s, svc.get_meeting(s, int(key))),
                         svc.meeting_label(s, svc.get_meeting(s, int(key)), "en"))
        return write

    def done(label: str | None) -> None:
        if not label:
            return
        reload = getattr(request_screen, "reload", None)
        if callable(reload):
            reload()
        app.notify(t(f"诉求已列入「{label}」议程，时间线已留痕",
                     f"Request put on the agenda of '{label}'; its timeline has a note"))

    app.push_screen(PickListScreen(
        ("列入联席会议议程（回车选定）", "Put on a joint meeting's agenda (Enter picks)"),
        [("meeting", "会议", "Meeting"), ("place", "社区/小区", "Community/compound"), ("when", "时间", "When"),
         ("status", "状态", "Status")],
        fetch, choose, ("本区域没有筹备中或进行中的联席会议", "No draft or open joint meeting covers this request"),
        list_id="redprop-agenda-from-request"), done)


__all__ = [
    "ActionBoardScreen",
    "MeetingScreen",
    "RedPropertyScreen",
    "ServiceLogScreen",
    "agenda_from_request",
    "open_action_board",
    "open_service_log",
]
