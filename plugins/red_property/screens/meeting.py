"""One joint meeting: quorum, attendance, agenda (follow-up first), resolutions, minutes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from plugins.red_property import services as svc
from plugins.red_property.models import (
    ActionStatus,
    Decision,
    MeetingKind,
    MeetingStatus,
)
from plugins.red_property.queries import (
    ItemRow,
    MeetingDetail,
    load_detail,
)
from plugins.red_property.screens.agenda_picker import AgendaPickScreen
from plugins.red_property.screens.attendance import ATTENDANCE_COLUMNS, AttendanceGrid, parse_key
from plugins.red_property.screens.check_in import CheckInScreen
from plugins.red_property.screens.common import (
    BINDING_TEXT,
    ConfirmScreen,
    FormScreen,
    MinutesScreen,
    action_step,
    default_minutes_path,
    enum_text,
    highlighted_key,
    parse_day,
    parse_votes,
)
from tui import i18n
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, t
from tui.widgets.forms import (
    FormField,
)
from tui.widgets.writes import WriteThenReload

# -- one meeting -----------------------------------------------------------------------------


AGENDA_COLUMNS = (("no", "序号", "No."), ("title", "议题 / 落实事项", "Item / action"),
                  ("source", "来源", "Source"), ("state", "情况", "State"))
RESOLUTION_COLUMNS = (("no", "决议", "No."), ("item", "议题", "Item"), ("text", "内容", "Text"),
                      ("how", "方式", "Decided"), ("owner", "责任单位 / 人", "Responsible"),
                      ("deadline", "时限", "Deadline"), ("action", "落实", "Action"))


RosterTable = AttendanceGrid  # the name the check-in list had before it became a grid by body


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
    # by priority: the footer shows the first ones (minor ones stay in ? help)
    BINDINGS = [
        Binding("a", "all_present", "All present", id="redprop.all_present"),
        Binding("p", "pick_request", "Item from a request", id="redprop.pick_request"),
        Binding("o", "open_meeting", "Open meeting", id="redprop.open_meeting"),
        Binding("v", "resolution", "Resolution", id="redprop.resolution"),
        Binding("x", "close_meeting", "Close meeting", id="redprop.close_meeting"),
        Binding("f9", "minutes", "Minutes", id="redprop.minutes"),
        Binding("i", "add_item", "Add item", id="redprop.add_item"),
        Binding("c", "check_in", "Check in by name", id="redprop.check_in"),
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("e", "discussion", "Discussion notes", id="redprop.discussion", show=False),
        Binding("t", "add_action", "Add action item", id="redprop.add_action", show=False),
        Binding("g", "follow_up('progress')", "Progress note", id="redprop.progress", show=False),
        Binding("d", "follow_up('done')", "Done", id="redprop.done_action", show=False),
        Binding("b", "addendum", "Addendum", id="redprop.addendum", show=False),
        Binding("r", "reload", "Reload", id="redprop.reload", show=False),
    ]

    def __init__(self, db, meeting_id: int) -> None:
        super().__init__()
        self.db = db
        self.meeting_id = meeting_id
        self.detail: MeetingDetail | None = None
        self.busy = False
        self.said: tuple[str, str] | None = None  # the last export, kept on the status line
        self.attending: dict[int, int] = {}  # person -> body, as shown (ahead of queued writes)
        self.queue: list[tuple[Callable[[], Any], str]] = []  # attendance writes, run in order

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="redprop-title", classes="panel-title")
        yield Label("", id="redprop-quorum")
        with Horizontal(id="redprop-body"):
            with Vertical(id="redprop-left"):
                yield Label("", id="redprop-roster-label", classes="panel-title")
                yield AttendanceGrid(id="redprop-roster", cursor_type="row", zebra_stripes=True)
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
            t("出席签到（空格：签到/签退，在组织行上该组织全部签到；←→ 换组织；a 全部出席；c 按姓名签到）",
              "Attendance (space: in/out, on a body's row all of it; ←→ bodies; a all present; c by name)"))
        self.query_one("#redprop-agenda-label", Label).update(t(
            "议程：上次决议落实情况在前（i 添加议题；p 从诉求列入；e 讨论情况；g 进展；d 完成）",
            "Agenda: follow-up of earlier actions first (i add; p from a request; e notes; g progress; d done)"))
        self.query_one("#redprop-resolutions-label", Label).update(
            t("决议（v 对所选议题作出决议；t 添加落实事项）",
              "Resolutions (v on the highlighted item; t adds an action item)"))
        for sel, cols in (("#redprop-roster", ATTENDANCE_COLUMNS), ("#redprop-agenda", AGENDA_COLUMNS),
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
        head = [t(d.title_zh, d.title_en), enum_text(MeetingStatus, d.status), d.when, enum_text(MeetingKind, d.kind)]
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
        if not self.queue:  # the database's word, unless writes the grid already shows are pending
            self.attending = {r.person_id: r.attending_org_id for r in d.roster if r.present}
        self.query_one("#redprop-roster", AttendanceGrid).show(d, self.attending)

    def _show_agenda(self, d: MeetingDetail) -> None:
        table = self.query_one("#redprop-agenda", DataTable)
        keep = table.cursor_row
        table.clear()
        for n, f in enumerate(d.follow_ups, start=1):
            state = f"{enum_text(ActionStatus, f.status)} · {t('时限', 'due')} {f.deadline.isoformat()}"
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
                how = enum_text(Decision, r.decided_by) + " " + "；".join(
                    f"{name} {y}/{n}/{a}" for name, y, n, a in r.votes)
            else:
                how = enum_text(Decision, r.decided_by)
            owner = r.org + (f" · {r.person}" if r.person else "")
            action = "、".join(enum_text(ActionStatus, s) for _, s in r.actions)
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
        return highlighted_key(self.query_one("#redprop-agenda", DataTable))

    # -- attendance (the grid) ----------------------------------------------------------

    def _attendance_open(self) -> bool:
        """Attendance can change (the meeting is not closed); unlike other writes, a key
        pressed while an earlier check-in is still being written is queued, not dropped."""
        if self.detail is None:
            return False
        if self.detail.status == MeetingStatus.closed:
            self.app.notify(t("会议已结束，记录不能再修改；更正请用 b 补记",
                              "The meeting is closed; its record cannot change (b adds an addendum)"),
                            severity="warning")
            return False
        return True

    def _queue_write(self, fn: Callable[[], Any], message: str) -> None:
        self.queue.append((fn, message))
        if len(self.queue) == 1:
            self._next_write()

    def _next_write(self) -> None:
        fn, message = self.queue[0]

        def done(_: Any) -> None:
            self.queue.pop(0)
            self.app.notify(message)
            if self.queue:
                self._next_write()
            else:
                self.reload()

        def failed(error: str) -> None:
            self.queue.clear()  # the rest was planned on what the grid showed: read it again
            self.app.show_error(error)
            self.reload()

        self.db_work(fn, done, group="redprop-attendance", on_error=failed)

    def _check_in_many(self, moves: list[tuple[int, str, int | None, int | None]]) -> None:
        """Write (person, name, from body or None, to body or None) moves as one transaction,
        and show them at once."""
        db, actor, mid = self.db, self.app.actor, self.meeting_id
        for pid, _, _, to in moves:
            if to is None:
                self.attending.pop(pid, None)
            else:
                self.attending[pid] = to

        def write() -> None:
            with db.session() as s:
                for pid, _, frm, to in moves:
                    if frm is not None:
                        svc.cancel_check_in(s, actor=actor, meeting_id=mid, person_id=pid)
                    if to is not None:
                        svc.check_in(s, actor=actor, meeting_id=mid, person_id=pid, organisation_id=to)

        d = self.detail
        if len(moves) == 1:
            _, name, frm, to = moves[0]
            message = (t(f"{name} 已签退", f"{name} checked out") if to is None else
                       t(f"{name} 已签到（{d.org_names.get(to, '')}）", f"{name} checked in ({d.org_names.get(to, '')})"))
        else:
            message = t(f"{len(moves)} 人已签到", f"{len(moves)} people checked in")
        self._queue_write(write, message)
        self.query_one("#redprop-roster", AttendanceGrid).show(d, self.attending)

    def toggle_attendance(self) -> None:
        """``space``: on a person, check them in for the body of the row (out when they are in
        for it; over from the body they stood for); on a body's row, everyone of it not yet
        in. The cursor moves on: to the next row, or from a body's row to the next body."""
        if not self._attendance_open():
            return
        d = self.detail
        grid = self.query_one("#redprop-roster", AttendanceGrid)
        key = highlighted_key(grid)
        if key is None:
            return
        pid, oid = parse_key(key)
        names = {r.person_id: r.name for r in d.roster}
        keys = grid.keys_in_order()
        at = keys.index(key)
        if pid is None:
            moves = [(r.person_id, r.name, None, oid) for r in d.roster
                     if oid in r.body_ids and r.person_id not in self.attending]
            nxt = next((i for i in range(at + 1, len(keys)) if keys[i].startswith("b")), at)
            if not moves:
                self.app.notify(t("该组织的人都已签到", "Everyone of this body is in"))
        else:
            cur = self.attending.get(pid)
            moves = [(pid, names.get(pid, ""), cur, None if cur == oid else oid)]
            nxt = min(at + 1, len(keys) - 1)
        if moves:
            self._check_in_many(moves)
        grid.move_cursor(row=nxt)

    def action_all_present(self) -> None:
        """``a``: everyone on the grid not yet in, each for the first body they are listed
        under (a cross-appointed person can be moved over with ``space`` afterwards)."""
        if not self._attendance_open():
            return
        moves = [(r.person_id, r.name, None, r.body_ids[0]) for r in self.detail.roster
                 if r.body_ids and r.person_id not in self.attending]
        if not moves:
            self.app.notify(t("应到人员都已签到", "Everyone expected is in"))
            return
        self._check_in_many(moves)

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
        """``p``: open property requests of the area onto the agenda, several at once."""
        if not self._unfrozen():
            return

        def done(titles: list[str] | None) -> None:
            if titles:
                listed = "、".join(titles)
                self.app.notify(t(f"已列入议程 {len(titles)} 项：{listed}（诉求时间线已留痕）",
                                  f"{len(titles)} on the agenda: {', '.join(titles)} (timelines noted)"))
                self.reload()

        self.app.push_screen(AgendaPickScreen(self.db, self.meeting_id), done)

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
                      choices=[(enum_text(Decision, m.value), m.value) for m in Decision]),
            *[FormField(f"votes-{oid}", f"{name} 赞成/反对/弃权（表决时填）", f"{name} yes/no/abstain (by vote)",
                        placeholder="3/0/0") for oid, name in voting],
            *self._responsible_fields(d),
            FormField("action_title", "落实事项（可空，默认为决议内容）", "Action item (optional; the text by default)"),
        ], submit, ("决议已记录，落实事项已生成", "Resolution recorded with its action item"), form_id="redprop-resolution")

    def action_add_action(self) -> None:
        if not self._unfrozen():
            return
        d = self.detail
        key = highlighted_key(self.query_one("#redprop-resolutions", DataTable))
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
