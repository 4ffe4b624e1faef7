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

from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import N_, _, join, pair, pair_of
from gongzhi.plugins.red_property.models import (
    ActionStatus,
    Decision,
    MeetingKind,
    MeetingStatus,
)
from gongzhi.plugins.red_property.queries import (
    ItemRow,
    MeetingDetail,
    load_detail,
)
from gongzhi.plugins.red_property.screens.agenda_picker import AgendaPickScreen
from gongzhi.plugins.red_property.screens.attendance import (
    ATTENDANCE_COLUMNS,
    AttendanceGrid,
    parse_key,
)
from gongzhi.plugins.red_property.screens.check_in import CheckInScreen
from gongzhi.plugins.red_property.screens.common import (
    BINDING_TEXT,
    Bilingual,
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
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.bilingual import t
from gongzhi.tui.widgets.forms import (
    FormField,
)
from gongzhi.tui.widgets.writes import WriteThenReload

# -- one meeting -----------------------------------------------------------------------------


AGENDA_COLUMNS = (("no", *pair(N_("No."))), ("title", *pair(N_("Item / action"))),
                  ("source", *pair(N_("Source"))), ("state", *pair(N_("State"))))
RESOLUTION_COLUMNS = (("no", *pair(N_("Res."))), ("item", *pair(N_("Item"))), ("text", *pair(N_("Text"))),
                      ("how", *pair(N_("Decided"))), ("owner", *pair(N_("Responsible"))),
                      ("deadline", *pair(N_("Deadline"))), ("action", *pair(N_("Action status"))))


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
    # by priority: the footer shows the first ones — with the grid's space, the meeting's
    # course from check-in to the minutes fits 100 columns in either language (short words,
    # common.BINDING_TEXT); the rest are in ? help
    BINDINGS = [
        Binding("a", "all_present", "All in", id="redprop.all_present"),
        Binding("p", "pick_request", "From a request", id="redprop.pick_request"),
        Binding("o", "open_meeting", "Open", id="redprop.open_meeting"),
        Binding("v", "resolution", "Resolution", id="redprop.resolution"),
        Binding("x", "close_meeting", "Close", id="redprop.close_meeting"),
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
            _("Attendance (space: in/out, on a body's row all of it; ←→ bodies; a all present; c by name)"))
        self.query_one("#redprop-agenda-label", Label).update(_("Agenda: follow-up of earlier actions first (i add; p from a request; e notes; g progress; d done)"))
        self.query_one("#redprop-resolutions-label", Label).update(
            _("Resolutions (v on the highlighted item; t adds an action item)"))
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
            head.append(_("chair {chair}").format(chair=d.chair))
        if d.secretary:
            head.append(_("secretary {secretary}").format(secretary=d.secretary))
        if d.without_quorum:
            head.append(_("opened without a quorum"))
        self.query_one("#redprop-title", Label).update(Text(" · ".join(head)))
        self.query_one("#redprop-quorum", Label).update(Text(self._quorum_text(d)))
        self._show_roster(d)
        self._show_agenda(d)
        self._show_resolutions(d)
        addenda = [_("Addenda:")] + [
            _("  {when} {by}: ").format(when=when, by=by) + (f"[{ref}] " if ref else "") + text
            for ref, text, when, by in d.addenda]
        self.query_one("#redprop-addenda", Label).update(Text("\n".join(addenda) if d.addenda else ""))
        hint = {
            MeetingStatus.draft: _("Draft: check people in, then o opens the meeting"),
            MeetingStatus.open: _("Open: items and resolutions; x closes the meeting"),
            MeetingStatus.closed: _("Closed: the record is frozen, b adds an addendum; F9 writes the minutes"),
        }[MeetingStatus(d.status)]
        if self.said is not None:
            hint += " · " + t(*self.said)
        self.query_one("#redprop-status", Label).update(Text(hint))

    def _quorum_text(self, d: MeetingDetail) -> str:
        q = d.quorum
        parts = []
        for b in q.bodies:
            n = len(b.attendee_ids)
            parts.append("✓ " + _("{name} ({count})").format(name=b.name, count=n) if b.present
                         else f"✗ {b.name}")
        rule = _("all {needed} required bodies").format(needed=q.needed) if q.rule == "all" \
            else _("at least {needed} required bodies").format(needed=q.needed)
        if q.met:
            verdict = _("Quorum met ({present}/{total}, {rule})").format(present=len(q.present), total=len(q.bodies),
                                                                       rule=rule)
        else:
            missing = join(b.name for b in q.missing)
            verdict = _("No quorum: {missing} missing ({rule})").format(missing=missing, rule=rule) if missing else \
                _("No quorum ({rule})").format(rule=rule)
        others = ""
        if q.others:
            others = _("; also attending: ") + join(_("{name} ({count})").format(name=b.name, count=len(b.attendee_ids))
                                                    for b in q.others)
        head = _("Required bodies · {headcount} attending: ").format(headcount=q.headcount)
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
            state = _("{status} · due {deadline}").format(status=enum_text(ActionStatus, f.status),
                                                          deadline=f.deadline.isoformat())
            if f.note:
                state += f" · {f.note}"
            table.add_row(_("F{n}").format(n=n), f.title, f"{t(f.origin_zh, f.origin_en)} · {f.responsible}",
                          state, key=f"f{f.action_id}")
        for i in d.items:
            state = _("{resolutions} resolution(s)").format(resolutions=i.resolutions)
            if i.discussion:
                state += _(" · notes")
            table.add_row(str(i.seq), i.title, _("request {request_ref}").format(request_ref=i.request_ref)
                          if i.request_ref else _("by hand"), state, key=f"i{i.id}")
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
            action = join(enum_text(ActionStatus, s) for _id, s in r.actions)
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
            self.app.notify(_("The meeting is closed; its record cannot change (b adds an addendum)"),
                            severity="warning")
            return False
        return True

    def _is_open(self) -> bool:
        """Resolutions need an open meeting: said before any typing, with the key that opens it."""
        if self.detail is not None and self.detail.status == MeetingStatus.draft:
            self.app.notify(_("The meeting has not opened yet: o opens it (after check-in), then v takes resolutions"),
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
            self.app.notify(_("The meeting is closed; its record cannot change (b adds an addendum)"),
                            severity="warning")
            return False
        return True

    def _queue_write(self, fn: Callable[[], Any], message: str) -> None:
        self.queue.append((fn, message))
        if len(self.queue) == 1:
            self._next_write()

    def _next_write(self) -> None:
        fn, message = self.queue[0]

        def done(_result: Any) -> None:
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
        for pid, _name, _frm, to in moves:
            if to is None:
                self.attending.pop(pid, None)
            else:
                self.attending[pid] = to

        def write() -> None:
            with db.session() as s:
                for pid, _name, frm, to in moves:
                    if frm is not None:
                        svc.cancel_check_in(s, actor=actor, meeting_id=mid, person_id=pid)
                    if to is not None:
                        svc.check_in(s, actor=actor, meeting_id=mid, person_id=pid, organisation_id=to)

        d = self.detail
        if len(moves) == 1:
            _pid, name, frm, to = moves[0]
            message = (_("{name} checked out").format(name=name) if to is None else
                       _("{name} checked in ({body})").format(name=name, body=d.org_names.get(to, '')))
        else:
            message = _("{count} people checked in").format(count=len(moves))
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
                self.app.notify(_("Everyone of this body is in"))
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
            self.app.notify(_("Everyone expected is in"))
            return
        self._check_in_many(moves)

    def _check_in_dialog(self, person: tuple[int, str] | None) -> None:
        def done(said: str | None) -> None:
            if said:
                self.app.notify(_("Checked in: {said}").format(said=said))
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
            self.app.notify(_("Only a draft meeting can be opened"), severity="warning")
            return
        q = d.quorum
        if q.met:
            question = pair(N_("The quorum of bodies is met. Open the meeting now?"))
        else:
            question = pair_of(N_("No quorum of bodies: {missing} missing. Open anyway? (recorded in the minutes)"),
                               missing=[b.name for b in q.missing])
        db, actor, mid, without = self.db, self.app.actor, d.id, not q.met

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.open_meeting(s, actor=actor, meeting_id=mid, without_quorum=without)

            self.write_then_reload(write, _("Meeting opened"))

        self.app.push_screen(ConfirmScreen(question), confirmed)

    def action_close_meeting(self) -> None:
        d = self.detail
        if d is None or self.busy:
            return
        if d.status != MeetingStatus.open:
            self.app.notify(_("Only an open meeting can be closed"), severity="warning")
            return
        db, actor, mid = self.db, self.app.actor, d.id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.close_meeting(s, actor=actor, meeting_id=mid)

            self.write_then_reload(write, _("Meeting closed; its record is frozen"))

        self.app.push_screen(ConfirmScreen(pair(N_("Close the meeting? Attendance, agenda and resolutions are then frozen; corrections are addenda."))),
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

        self.form_then_reload(pair(N_("Add an agenda item")), [
            FormField("title", *pair(N_("Item title"))),
            FormField("description", *pair(N_("Description (optional)"))),
        ], submit, pair(N_("Item added")), form_id="redprop-item")

    def action_pick_request(self) -> None:
        """``p``: open property requests of the area onto the agenda, several at once."""
        if not self._unfrozen():
            return

        def done(titles: list[str] | None) -> None:
            if titles:
                self.app.notify(_("{count} on the agenda: {titles} (each request's timeline has a note)").format(
                    count=len(titles), titles=join(titles)))
                self.reload()

        self.app.push_screen(AgendaPickScreen(self.db, self.meeting_id), done)

    def _item(self) -> ItemRow | None:
        key = self._agenda_key()
        d = self.detail
        item = next((i for i in d.items if f"i{i.id}" == key), None) if d and key else None
        if item is None:
            self.app.notify(_("Highlight an agenda item first (not a follow-up row)"), severity="warning")
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

        self.form_then_reload(pair(N_("Discussion notes: {title}"), title=item.title),
                              [FormField("discussion", *pair(N_("Discussion")), value=item.discussion)], submit,
                              pair(N_("Notes saved")), form_id="redprop-discussion")

    def _responsible_fields(self, d: MeetingDetail) -> list[FormField]:
        return [
            FormField("org", *pair(N_("Responsible body (required)")), kind="choice", value=None,
                      choices=[(name, oid) for oid, name in d.bodies]),
            FormField("person", *pair(N_("Responsible person (optional, holds a post there)")),
                      kind="person"),
            FormField("deadline", *pair(N_("Complete by")), value=(d.day + timedelta(days=30)).isoformat(),
                      placeholder="YYYY-MM-DD"),
        ]

    def action_resolution(self) -> None:
        if not self._unfrozen() or not self._is_open():
            return
        item = self._item()
        if item is None:
            return
        d, db, actor = self.detail, self.db, self.app.actor
        voting = [(b.organisation_id, b.name) for b in (*d.quorum.bodies, *d.quorum.others) if b.present]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            deadline = parse_day(v["deadline"], *pair(N_("The deadline")))
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

        self.form_then_reload(pair(N_("Resolution on: {title}"), title=item.title), [
            FormField("text", *pair(N_("Resolution text"))),
            FormField("decided_by", *pair(N_("How decided")), kind="choice", value="consensus",
                      choices=[(enum_text(Decision, m.value), m.value) for m in Decision]),
            *[FormField(f"votes-{oid}", *pair(N_("{name} yes/no/abstain (by vote)"), name=name),
                        placeholder="3/0/0") for oid, name in voting],
            *self._responsible_fields(d),
            FormField("action_title", *pair(N_("Action item (optional; the text by default)"))),
        ], submit, pair(N_("Resolution recorded with its action item")), form_id="redprop-resolution")

    def action_add_action(self) -> None:
        if not self._unfrozen() or not self._is_open():
            return
        d = self.detail
        key = highlighted_key(self.query_one("#redprop-resolutions", DataTable))
        res = next((r for r in d.resolutions if str(r.id) == key), None)
        if res is None:
            self.app.notify(_("Highlight a resolution first"), severity="warning")
            return
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            deadline = parse_day(v["deadline"], *pair(N_("The deadline")))

            def write() -> int:
                with db.session() as s:
                    return svc.add_action_item(s, actor=actor, resolution_id=res.id, title=v["title"],
                                               responsible_org_id=v["org"], responsible_person_id=v["person"],
                                               deadline=deadline).id
            return write

        self.form_then_reload(pair(N_("Add an action item to resolution {seq}"), seq=res.seq),
                              [FormField("title", *pair(N_("Action item"))), *self._responsible_fields(d)], submit,
                              pair(N_("Action item added")), form_id="redprop-action")

    def action_follow_up(self, step: str) -> None:
        d = self.detail
        if d is None or self.busy:
            return
        key = self._agenda_key()
        row = next((f for f in d.follow_ups if f"f{f.action_id}" == key), None) if key else None
        if row is None:
            self.app.notify(_("Highlight a follow-up row (an earlier action item) first"), severity="warning")
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

        self.form_then_reload(pair(N_("Addendum (a correction to the closed record)")), [
            FormField("refers_to", *pair(N_("What it corrects (optional, e.g. 'resolution 2')"))),
            FormField("text", *pair(N_("Addendum text"))),
        ], submit, pair(N_("Addendum saved")), form_id="redprop-addendum")

    def action_minutes(self) -> None:
        from gongzhi.plugins.red_property.minutes import write_minutes

        d = self.detail
        if d is None:
            return
        db, mid = self.db, d.id

        def write(path: Path, fmt: str) -> Path:
            with db.read_session() as s:
                return write_minutes(s, mid, path, fmt=fmt)

        def done(path: Path | None) -> None:
            if path is not None:
                self.said = pair(N_("Minutes written to {path}"), path=path)
                self.app.notify(t(*self.said))
                if self.detail is not None:
                    self._show(self.detail)

        self.app.push_screen(MinutesScreen(
            pair(N_("Write the minutes")), [("Word (.docx)", "docx"), ("Markdown (.md)", "md")],
            lambda fmt: default_minutes_path(mid, fmt), write, form_id="redprop-minutes"), done)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()
