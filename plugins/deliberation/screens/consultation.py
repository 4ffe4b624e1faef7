"""One consultation: participants (check-in), options, rounds, the vote grid, the decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.i18n import N_, _, pair
from gongzhi.plugins.deliberation.queries import Detail, RoundRow, load_detail
from gongzhi.plugins.deliberation.screens.common import (
    APPROVALS,
    BINDING_TEXT,
    OPTION_COLUMNS,
    PEOPLE_COLUMNS,
    RANKED,
    ROUND_COLUMNS,
    ConfirmCloseScreen,
    FormScreen,
    MinutesScreen,
    default_minutes_path,
    explanation,
    present_word,
)
from gongzhi.plugins.deliberation.screens.decide import DecideScreen, Decision
from gongzhi.plugins.deliberation.screens.records import RecordsMixin
from gongzhi.plugins.deliberation.screens.rounds import RoundsMixin
from gongzhi.plugins.deliberation.screens.tables import OptionTable, ParticipantTable, VoteGrid
from gongzhi.plugins.deliberation.screens.voting import VotingMixin
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import DbWork, Gated
from gongzhi.tui.widgets.bilingual import Bilingual, enum_label
from gongzhi.tui.widgets.columns import FittedTable
from gongzhi.tui.widgets.forms import (
    FormField,
)
from gongzhi.tui.widgets.writes import WriteThenReload


class ConsultationScreen(VotingMixin, RoundsMixin, RecordsMixin, WriteThenReload, Gated, Bilingual, DbWork, Screen):
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
        # the footer shows what closes a round's business first (issue 13: it must fit 100x30
        # with the vote grid's keys in front); the rest are in the help (F1) and the panels' titles
        Binding("escape", "back", "Back", id="delib.back"),
        Binding("c", "close_round", "Close round", id="delib.close_round"),
        Binding("u", "publish", "Publish", id="delib.publish_round"),
        Binding("f9", "minutes", "Minutes", id="delib.minutes"),
        Binding("z", "undo_ballot", "Undo last ballot", id="delib.vote_undo"),
        Binding("k", "checkin_all", "All present", id="delib.checkin_all"),
        Binding("d", "decide", "Decision", id="delib.decide"),
        Binding("v", "new_round", "New round", id="delib.new_round", show=False),
        Binding("s", "start_round", "Start round", id="delib.start_round", show=False),
        Binding("p", "add_participant", "Add participant", id="delib.add_participant", show=False),
        Binding("i", "add_option", "Add option", id="delib.add_option", show=False),
        Binding("m", "add_meeting", "Add meeting", id="delib.add_meeting", show=False),
        Binding("b", "tie", "Settle a tie", id="delib.tie", show=False),
        Binding("x", "finish", "Close/withdraw", id="delib.finish", show=False),
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
        # unsaved grid entries: (round id, participant id) -> {option id: rank} or {option id: True}
        self.drafts: dict[tuple[int, int], dict[int, int]] = {}
        self._grid_shape: tuple[Any, ...] | None = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("", id="delib-title", classes="panel-title")
        with Horizontal(id="delib-top"):
            with Vertical(id="delib-left"):
                yield Label("", id="delib-participants-label", classes="panel-title")
                yield ParticipantTable(PEOPLE_COLUMNS, id="delib-participants", cursor_type="row", zebra_stripes=True)
            with Vertical(id="delib-right"):
                yield Label("", id="delib-options-label", classes="panel-title")
                yield OptionTable(OPTION_COLUMNS, id="delib-options", cursor_type="row", zebra_stripes=True)
                yield Label("", id="delib-rounds-label", classes="panel-title")
                yield FittedTable(ROUND_COLUMNS, id="delib-rounds", cursor_type="row", zebra_stripes=True)
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
            _("Participants (k: all present; space: in/out; p adds)"))
        self.query_one("#delib-options-label", Label).update(
            _("Options (i adds; w withdraws; g merges)"))
        self.query_one("#delib-rounds-label", Label).update(
            _("Rounds (v new; s start; c count; u publish; b tie)"))
        for sel, spec in (("#delib-participants", PEOPLE_COLUMNS), ("#delib-options", OPTION_COLUMNS),
                          ("#delib-rounds", ROUND_COLUMNS)):
            table = self.query_one(sel, FittedTable)
            # titles from this plugin's catalog, in the current language
            table.spec = tuple(replace(c, title=_(c.title)) for c in spec)
            table.replan(force=True)
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
        from gongzhi.plugins.deliberation.models import (
            ConsultationStatus,
            ParticipantRole,
            RoundKind,
            RoundState,
            group_label,
            outcome_label,
        )

        self.detail = d
        status = enum_label(ConsultationStatus, d.status)
        head = f"{d.title} · {status}" + (f" · {d.place}" if d.place else "")
        if d.requests:
            head += _(" · requests ") + "、".join(d.requests)
        if d.decision is not None:
            head += _(" · decision: {decision}").format(decision=d.decision.decision)
            if d.decision.amendments:
                head += _(" (amended {n_amendments}×)").format(n_amendments=len(d.decision.amendments))
        receiving = [r for r in d.rounds if r.state == RoundState.open]
        if receiving:
            head += _(" · receiving ballots: ") + "、".join(
                _("round {number}").format(number=r.number) for r in receiving)
        self.query_one("#delib-title", Label).update(Text(head))
        yes = _("yes")
        people = self.query_one("#delib-participants", FittedTable)
        keep = people.cursor_row
        names = d.names
        rows = []
        for p in d.participants:
            votes = (yes if p.can_vote else _("no")) + (f" ×{p.weight}" if p.weight != 1 else "")
            if p.proxy_for:
                votes += _(" · proxy of {value}").format(value=names.get(p.proxy_for, '?'))
            rows.append(({"name": p.name, "present": present_word(p.present), "votes": votes,
                          "role": enum_label(ParticipantRole, p.role),
                          "group": group_label(p.group, i18n.language())}, str(p.id)))
        people.set_rows(rows)
        if d.participants:
            people.move_cursor(row=min(keep, len(d.participants) - 1))
        options = self.query_one("#delib-options", FittedTable)
        keep = options.cursor_row
        rows = []
        for o in d.options:
            if o.active:
                state = _("active")
            elif o.merged_into:
                state = _("merged into {merged_into}").format(merged_into=o.merged_into)
            else:
                state = _("withdrawn")
            if o.amends:
                state += _(" (amends {amends})").format(amends=o.amends)
            rows.append(({"number": str(o.number), "text": o.text, "active": state}, str(o.id)))
        options.set_rows(rows)
        if d.options:
            options.move_cursor(row=min(keep, len(d.options) - 1))
        rounds = self.query_one("#delib-rounds", FittedTable)
        rounds.set_rows([({"number": str(r.number), "title": r.title, "kind": enum_label(RoundKind, r.kind),
                           "state": enum_label(RoundState, r.state),
                           "outcome": outcome_label(r.outcome, i18n.language())}, str(r.id)) for r in d.rounds])
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
        from gongzhi.plugins.deliberation.models import (
            MOTION_KINDS,
            RoundKind,
            RoundState,
            choice_label,
            outcome_label,
        )

        d, r = self.detail, self.current_round()
        grid = self.query_one("#delib-votes", DataTable)
        title = self.query_one("#delib-round-title", Label)
        tally = self.query_one("#delib-tally", Label)
        if d is None or r is None:
            grid.clear(columns=True)
            self._grid_shape = None
            title.update(_("No rounds yet (v creates one)"))
            tally.update("")
            return
        motion = r.kind in MOTION_KINDS
        numbers = d.numbers
        shape = (r.id, i18n.language())
        keep_row, keep_col = grid.cursor_row, grid.cursor_column
        if shape != self._grid_shape:
            grid.clear(columns=True)
            grid.add_column(_("Voter"), key="name")
            grid.add_column(_("Present"), key="present")
            if not motion:
                for oid in r.option_ids:
                    grid.add_column(_("Opt {value}").format(value=numbers.get(oid, '?')), key=f"o{oid}")
            grid.add_column(_("Ballot"), key="ballot")
            grid.cursor_type = "row" if motion else "cell"
            self._grid_shape = shape
            keep_row, keep_col = 0, 2
        else:
            grid.clear()
        if r.state == RoundState.open:
            if motion:
                how = _(" (type y yes / n no / a abstain / o object; c closes the round)")
            elif r.kind in RANKED:
                how = _(" (type ranks 1, 2 … in the option cells, 0 unranks; Enter records the row; e types an ordering)")
            elif r.kind in APPROVALS:
                how = _(" (space ticks the options approved, Enter records the row; e types option numbers)")
            else:
                how = _(" (space or Enter picks the option, or type its number)")
        elif r.state == RoundState.created:
            how = _(" (s starts the round)")
        else:
            how = ""
        receiving = [x.number for x in d.rounds if x.state == RoundState.open and x.id != r.id]
        if receiving:
            how += _(" (round {value} is receiving ballots)").format(value=receiving[-1])
        title.update(Text(_("Round {number}: {title} · {value} · {value2}").format(number=r.number, title=r.title, value=enum_label(RoundKind, r.kind), value2=enum_label(RoundState, r.state)) + how))
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
                    elif r.kind in APPROVALS:
                        row.append("✓" if oid in cell.approvals else "")
                    else:
                        row.append("●" if cell.option_id == oid else "")
            if draft is not None:
                ballot = _("not recorded (Enter)")
            elif cell is not None:
                if motion:
                    ballot = choice_label(cell.choice, i18n.language()) if cell.choice else _("cast")
                    if cell.reason:
                        ballot += f"（{cell.reason}）" if i18n.language() != "en" else f" ({cell.reason})"
                else:
                    ballot = _("recorded")
                if cell.by_proxy:
                    ballot += _(" · by proxy")
            elif p.id in r.voted:
                ballot = _("cast (secret)")
            else:
                ballot = ""
            row.append(ballot)
            grid.add_row(*row, key=str(p.id))
        if voters:
            grid.move_cursor(row=min(keep_row, len(voters) - 1),
                             column=max(0, min(keep_col, len(grid.columns) - 1)) if not motion else 0)
        if r.outcome is not None:
            head = _("Result: {value}").format(value=outcome_label(r.outcome, i18n.language()))
            if r.outcome == "tie" and not r.tie_broken:
                head += _(" (b settles the tie)")
        elif r.state == RoundState.open:
            head = _("Live tally") if r.lines is not None else \
                _("Tally hidden until the round closes")
        else:
            head = _("Round not started")
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
        from gongzhi.plugins.deliberation.models import ConsultationStatus

        if self.detail is None or self.busy:
            return False
        if self.detail.status not in (ConsultationStatus.draft, ConsultationStatus.open):
            self.app.notify(_("This consultation is decided or closed"),
                            severity="warning")
            return False
        return True

    def toggle_presence(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        pid = self._highlighted("#delib-participants")
        p = next((p for p in self.detail.participants if p.id == pid), None) if self.detail else None
        if p is None or self.busy:
            return
        db, actor, present = self.db, self.app.actor, not p.present
        said = _("{name} checked in").format(name=p.name) if present else _("{name} checked out").format(name=p.name)

        def write(confirm_drop: bool) -> DomainError | None:
            with db.session() as s:
                try:
                    svc.checkin(s, actor=actor, participant_id=p.id, present=present, confirm_drop=confirm_drop)
                except DomainError as exc:
                    if exc.code != "delib.checkout_drops":
                        raise
                    return exc  # their ballots would drop at close: ask first (nothing written)
            return None

        def asked(yes: bool | None) -> None:
            if yes:
                self.write_then_reload(lambda: write(True), said)
            else:
                self.announce(_("{name} stays checked in").format(name=p.name))

        def done(refusal: DomainError | None) -> None:
            self.busy = False
            if refusal is None:
                self.announce(said)
                self.reload()
                return
            self.app.push_screen(ConfirmCloseScreen(
                _("Check {name} out? Their ballots will not count").format(name=p.name),
                refusal.message(i18n.language())), asked)

        self.busy = True
        self.db_work(lambda: write(False), done, group=self.WRITE_GROUP, on_error=self.write_failed)


    # -- the consultation --------------------------------------------------------------

    def action_decide(self) -> None:
        from gongzhi.plugins.deliberation import services as svc
        from gongzhi.plugins.deliberation.models import (
            ConsultationStatus,
            RoundState,
            outcome_label,
        )

        d, r = self.detail, self.current_round()
        if d is None or self.busy:
            return
        db, actor, cid = self.db, self.app.actor, d.id
        if d.status == ConsultationStatus.decided and d.decision is not None:
            basis = _("As first recorded: {original}").format(original=d.decision.original)
            if d.decision.amendments:
                basis += _("; amended {n_amendments}×").format(n_amendments=len(d.decision.amendments))

            def amended(answer: Decision | None) -> None:
                if answer is None:
                    return

                def write() -> None:
                    with db.session() as s:
                        svc.amend_decision(s, actor=actor, consultation_id=cid, reason=answer.reason,
                                           decision=answer.decision, option_id=answer.option_id,
                                           review_on=answer.review_on)

                self.write_then_reload(write, _("Decision amended; the original stays on record"))

            self.app.push_screen(DecideScreen(basis, d.options, d.decision), amended)
            return
        if d.status not in (ConsultationStatus.draft, ConsultationStatus.open):
            self.app.notify(_("This consultation is closed"), severity="warning")
            return
        if r is not None and r.state == RoundState.open:
            self.app.notify(_("Close the open round first"), severity="warning")
            return
        round_id = r.id if r is not None and r.outcome is not None else None
        if round_id is not None:
            basis = _("On round {number}: {title} ({value})").format(number=r.number, title=r.title, value=outcome_label(r.outcome, i18n.language()))
        else:
            basis = _("On the discussion alone (no round)")

        def chosen(answer: Decision | None) -> None:
            if answer is None:
                return

            def write() -> None:
                with db.session() as s:
                    svc.decide(s, actor=actor, consultation_id=cid, decision=answer.decision, round_id=round_id,
                               option_id=answer.option_id, review_on=answer.review_on)

            self.write_then_reload(write, _("Decision recorded"))

        self.app.push_screen(DecideScreen(basis, [o for o in d.options if o.active]), chosen)

    def action_finish(self) -> None:
        from gongzhi.plugins.deliberation import services as svc
        from gongzhi.plugins.deliberation.models import ConsultationStatus

        d = self.detail
        if d is None or self.busy:
            return
        if d.status == ConsultationStatus.decided:
            fn, question, done = svc.close_consultation, \
                _("Close this consultation (its decision carried out or filed)?"), \
                _("Consultation closed")
        elif d.status in (ConsultationStatus.draft, ConsultationStatus.open):
            fn, question, done = svc.withdraw_consultation, \
                _("Withdraw this consultation (no decision will be made here)?"), \
                _("Consultation withdrawn")
        else:
            self.app.notify(_("This consultation is already closed or withdrawn"),
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
        from gongzhi.core.services.requests import find_request
        from gongzhi.plugins.deliberation import services as svc

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

        self.form_then_reload(_("Link a request"), [FormField("ref", *pair(N_("Request ref")))], submit,
                              lambda ref: _("Request {ref} linked; its timeline has a note").format(ref=ref),
                              form_id="delib-link")

    def action_minutes(self) -> None:
        from gongzhi.plugins.deliberation.minutes import write_minutes

        if self.detail is None:
            return
        db, cid, lang = self.db, self.consultation_id, i18n.language()

        def write(path: Path, fmt: str) -> Path:
            with db.read_session() as s:
                return write_minutes(s, cid, path, fmt=fmt, lang=lang)

        def written(path: Path | None) -> None:
            if path is None:
                return
            said = _("Minutes written to {path}").format(path=path)
            self.query_one("#delib-status", Label).update(Text(said))
            self.app.notify(said)
            self.reload()

        self.app.push_screen(MinutesScreen(
            _("Write the minutes"), [("Markdown (.md)", "md"), ("Word (.docx)", "docx")],
            lambda fmt: default_minutes_path(cid, fmt), write, form_id="delib-minutes"), written)

    def action_reload(self) -> None:
        self.reload()

    def action_back(self) -> None:
        self.app.pop_screen()

