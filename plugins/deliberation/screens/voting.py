"""The vote grid's writes, mixed into :class:`ConsultationScreen`: a key per ballot (the
cursor moves on only when the ballot is recorded), ranks and ticks in choosing rounds,
an ordering typed at once, undo of the last ballot, everyone checked in at once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation.i18n import _
from gongzhi.plugins.deliberation.queries import ParticipantRow, RoundRow
from gongzhi.plugins.deliberation.screens.common import (
    APPROVALS,
    CHOOSING,
    RANKED,
    ReasonScreen,
    parse_numbers,
)
from gongzhi.tui import i18n
from gongzhi.tui.widgets.forms import (
    FormError,
    FormField,
)


class VotingMixin:
    """Ballots typed on the vote grid (see the module docstring)."""

    def _open_round(self) -> RoundRow | None:
        from gongzhi.plugins.deliberation.models import RoundState

        r = self.current_round()
        if r is None or self.busy or self.detail is None:
            return None
        if r.state != RoundState.open:
            self.app.notify(_("This round is not open for voting"), severity="warning")
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
        from gongzhi.plugins.deliberation.models import MOTION_KINDS

        r = self._open_round()
        if r is None:
            return
        if r.kind not in MOTION_KINDS:
            self.app.notify(_("This round chooses among options: rank or tick in the option cells"),
                            severity="warning")
            return
        p, _col = self._grid_cell()
        if p is None:
            return
        if choice == "object":
            self.app.push_screen(ReasonScreen(p.name),
                                 lambda reason: self._record(r, p, {"choice": choice, "reason": reason})
                                 if reason else None)
        else:
            self._record(r, p, {"choice": choice})

    def digit(self, n: int) -> None:
        from gongzhi.plugins.deliberation.models import RoundKind

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
            self.app.notify(_("Approval: tick with space"), severity="warning")
            return
        if oid is None:
            self.app.notify(_("Move to an option's cell to rank it"),
                            severity="warning")
            return
        draft = self._draft(r, p.id, start=True)
        if n == 0:
            draft.pop(oid, None)
        else:
            draft[oid] = n
        self._show_round()

    def tick(self) -> None:
        from gongzhi.plugins.deliberation.models import RoundKind

        r = self._open_round()
        if r is None or r.kind not in CHOOSING:
            return
        p, oid = self._grid_cell()
        if p is None or oid is None:
            return
        if r.kind == RoundKind.plurality:
            self._record(r, p, {"option_id": oid})
        elif r.kind in APPROVALS:
            draft = self._draft(r, p.id, start=True)
            if oid in draft:
                draft.pop(oid)
            else:
                draft[oid] = 1
            self._show_round()
        else:
            self.app.notify(_("Ranked round: type the rank in the option's cell"),
                            severity="warning")

    def submit_row(self) -> None:
        from gongzhi.plugins.deliberation.models import RoundKind

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
            self.app.notify(_("Nothing typed on this row"), severity="warning")
            return
        if r.kind in RANKED:
            self._record(r, p, {"ranks": dict(draft)})  # the service refuses gaps and repeats
        else:
            self._record(r, p, {"approvals": sorted(draft)})

    def clear_draft(self) -> None:
        r = self.current_round()
        p, _col = self._grid_cell()
        if r is not None and p is not None and self.drafts.pop((r.id, p.id), None) is not None:
            self._show_round()

    def type_ordering(self) -> None:

        r = self._open_round()
        if r is None or r.kind not in CHOOSING:
            return
        p, _col = self._grid_cell()
        if p is None:
            return
        if r.kind in RANKED:
            zh, en = "排序（方案编号，最好在前，如 2 1 3）", "Ordering (option numbers, best first, e.g. 2 1 3)"
        elif r.kind in APPROVALS:
            zh, en = "认可的方案编号（如 1 3）", "Option numbers approved (e.g. 1 3)"
        else:
            zh, en = "选定的方案编号", "The option number picked"
        self._record_numbers(r, p, None, prompt=(zh, en))

    def _record_numbers(self, r: RoundRow, p: ParticipantRow, numbers: list[int] | None,
                        prompt: tuple[str, str] | None = None) -> None:
        """A ballot given as option numbers (typed at once, or asked for in a form): the
        numbers become option ids in the worker, so an unknown number is the service's error."""
        from gongzhi.plugins.deliberation import services as svc

        db, actor, cid = self.db, self.app.actor, self.consultation_id
        holder = self._holder(p)

        def ballot(s, nums: list[int]) -> dict[str, Any]:
            ids = [svc.option_by_number(s, cid, n).id for n in nums]
            if r.kind in RANKED:
                return {"ranking": ids}
            if r.kind in APPROVALS:
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
            self._next_voter(p.id)

        if numbers is not None:
            self.write_then_reload(writer(numbers), _("{name}: recorded").format(name=p.name), after)
            return

        def submit(v: dict[str, Any]) -> Callable[[], bool]:
            nums = parse_numbers(v["numbers"])
            if not nums:
                raise FormError(_("Type option numbers, separated by spaces or commas"))
            write = writer(nums)

            def run() -> bool:
                write()
                return True
            return run

        self.form_then_reload(_("{name}'s ballot").format(name=p.name), [FormField("numbers", *prompt)], submit,
                              _("{name}: recorded").format(name=p.name), form_id="delib-order", after=after)

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

    def _receiving_round(self) -> RoundRow | None:
        """The round the vote grid shows when it receives ballots, else the consultation's
        newest round that does (None: no round is open)."""
        from gongzhi.plugins.deliberation.models import RoundState

        r = self.current_round()
        if r is not None and r.state == RoundState.open:
            return r
        open_ = [x for x in self.detail.rounds if x.state == RoundState.open] if self.detail else []
        return open_[-1] if open_ else None

    def action_undo_ballot(self) -> None:
        """Take back the latest ballot of the receiving round that this operator recorded
        and that still stands — on this screen or before it (an earlier visit, the CLI):
        a new row, see ``undo_ballot``; again, the one before. The cursor goes back to its
        row, to type it again."""
        from gongzhi.plugins.deliberation import services as svc

        if self.busy or self.detail is None:
            return
        r = self._receiving_round()
        if r is None:
            self.app.notify(_("This round is not open for voting"), severity="warning")
            return
        db, actor, rid = self.db, self.app.actor, r.id

        def write() -> int | None:
            with db.session() as s:
                pid = svc.last_recorded_voter(s, round_id=rid, recorded_by=actor.name)
                if pid is not None:
                    svc.undo_ballot(s, actor=actor, round_id=rid, participant_id=pid)
                return pid

        def done(pid: int | None) -> None:
            self.busy = False
            if pid is None:
                self.app.notify(_("No ballot to undo: none recorded by you stands in round {number}").format(
                    number=r.number), severity="warning")
                return
            p = next((p for p in self.detail.participants if p.id == pid), None) if self.detail else None
            if self.round_id != rid:  # the grid showed another round: show this one
                self.round_id = rid
                self._show_round()
            grid = self.query_one("#delib-votes", DataTable)
            with contextlib.suppress(RowDoesNotExist):  # the row left the grid meanwhile
                grid.move_cursor(row=grid.get_row_index(str(pid)))
            grid.focus()
            self.announce(_("{name}'s last ballot undone").format(name=p.name if p is not None else str(pid)))
            self.reload()

        self.busy = True
        self.db_work(write, done, group=self.WRITE_GROUP, on_error=self.write_failed)

    def action_checkin_all(self) -> None:
        """Everyone at the table checked in at once; space on a row then marks who is absent."""
        from gongzhi.plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id

        def write() -> int:
            with db.session() as s:
                return len(svc.checkin_all(s, actor=actor, consultation_id=cid))

        self.write_then_reload(write, lambda n: _("All present ({n} checked in; space checks an absent one out)").format(n=n))

    def _record(self, r: RoundRow, p: ParticipantRow, ballot: dict[str, Any]) -> None:
        from gongzhi.plugins.deliberation import services as svc
        from gongzhi.plugins.deliberation.models import choice_label

        db, actor, holder = self.db, self.app.actor, self._holder(p)

        def write() -> None:
            with db.session() as s:
                svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=p.id, cast_by_id=holder, **ballot)

        def after() -> None:
            self.drafts.pop((r.id, p.id), None)
            self._next_voter(p.id)

        said = choice_label(ballot["choice"], i18n.language()) if "choice" in ballot else _("ballot recorded")
        # a refused ballot leaves the cursor where it is (and the other rows as they were)
        self.write_then_reload(write, f"{p.name}: {said}", after)

