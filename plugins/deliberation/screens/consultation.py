"""One consultation: participants (check-in), options, rounds, the vote grid, the decision."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from plugins.deliberation.queries import Detail, RoundRow, load_detail
from plugins.deliberation.screens.common import (
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
from plugins.deliberation.screens.decide import DecideScreen, Decision
from plugins.deliberation.screens.records import RecordsMixin
from plugins.deliberation.screens.rounds import RoundsMixin
from plugins.deliberation.screens.tables import OptionTable, ParticipantTable, VoteGrid
from plugins.deliberation.screens.voting import VotingMixin
from tui import i18n
from tui.widgets.base import DbWork
from tui.widgets.bilingual import Bilingual, enum_label, lang_label, t
from tui.widgets.forms import (
    FormField,
)
from tui.widgets.writes import WriteThenReload


class ConsultationScreen(VotingMixin, RoundsMixin, RecordsMixin, WriteThenReload, Bilingual, DbWork, Screen):
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
            people.add_row(p.name, present_word(p.present), votes, enum_label(ParticipantRole, p.role),
                           lang_label(GROUP_LABELS, p.group), key=str(p.id))
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

