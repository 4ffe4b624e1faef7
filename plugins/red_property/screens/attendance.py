"""The attendance grid of a meeting, by body: each required body's row, then the people who
hold a post in it on the meeting date (a cross-appointed person under each of their
bodies). ``space`` on a person checks them in for that body (or out, or over from the
body they stood for); ``space`` on a body's row checks in everyone of it not yet there;
right / left jump to the next / previous body.
Each key is one write, queued in order by the meeting screen, and the grid shows the
result at once, so the next key never waits on the database."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from gongzhi.plugins.red_property.i18n import N_, _, join, pair
from gongzhi.plugins.red_property.queries import MeetingDetail
from gongzhi.plugins.red_property.screens.common import BINDING_TEXT, Bilingual

ATTENDANCE_COLUMNS = (("mark", *pair(N_("In"))), ("name", *pair(N_("Body / name"))), ("state", *pair(N_("State"))))

# the short names of the four bodies' kinds, for "stands for …" (the full name is on the body's row)
KIND_SHORT: dict[str, str] = {
    "party_committee": N_("party"),
    "residents_committee": N_("RC"),
    "owners_committee": N_("owners"),
    "property_company": N_("property"),
}


def body_key(org_id: int) -> str:
    return f"b{org_id}"


def person_key(person_id: int, org_id: int) -> str:
    return f"p{person_id}:{org_id}"


def parse_key(key: str) -> tuple[int | None, int]:
    """A row key → (person id or None for a body's row, organisation id)."""
    if key.startswith("b"):
        return None, int(key[1:])
    pid, oid = key[1:].split(":")
    return int(pid), int(oid)


def short_name(d: MeetingDetail, org_id: int) -> str:
    kinds = {b.organisation_id: b.kind for b in (*d.quorum.bodies, *d.quorum.others)}
    short = KIND_SHORT.get(kinds.get(org_id, ""))
    return _(short) if short else d.org_names.get(org_id, "?")


def grid_rows(d: MeetingDetail, attending: dict[int, int]) -> list[tuple[str, tuple[str | Text, ...]]]:
    """The rows: (key, cells) — a body, then its people (by the roster's order)."""
    out: list[tuple[str, tuple[str | Text, ...]]] = []
    for b in d.quorum.bodies:
        oid = b.organisation_id
        # its own people first, then those who also sit on an earlier body (cross-appointed)
        members = sorted((r for r in d.roster if oid in r.body_ids), key=lambda r: r.body_ids[0] != oid)
        here = sum(1 for r in members if attending.get(r.person_id) == oid)
        state = _("{here}/{count} here").format(here=here, count=len(members))
        if members and here == len(members):
            state += _(" · all present")
        out.append((body_key(oid), ("✓" if here else "✗", Text(b.name, style="bold"), state)))
        for r in members:
            cur = attending.get(r.person_id)
            others = [short_name(d, o) for o in r.body_ids if o != oid]
            if cur == oid:
                mark, state = "✓", _("checked in")
            elif cur is not None:
                mark, state = "·", _("attends for {short_name}").format(short_name=short_name(d, cur))
            else:
                mark, state = "○", _("not in")
            if others:
                state += _(" · also {names}").format(names=join(others))
            out.append((person_key(r.person_id, oid), (mark, "  " + r.name, state)))
    required = {b.organisation_id for b in d.quorum.bodies}
    guests = [r for r in d.roster if attending.get(r.person_id) is not None
              and attending[r.person_id] not in required]
    if guests:
        for b in d.quorum.others:
            out.append((body_key(b.organisation_id), ("✓", Text(b.name, style="bold"), _("guest"))))
            for r in guests:
                if attending[r.person_id] == b.organisation_id:
                    out.append((person_key(r.person_id, b.organisation_id),
                                ("✓", "  " + r.name, _("checked in (guest)"))))
    return out


class AttendanceGrid(Bilingual, DataTable):
    """The grid; ``space`` is the meeting screen's :meth:`toggle_attendance`."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("space", "toggle", "In/out", id="redprop.toggle_attendance"),
        Binding("right", "body(1)", "Next body", id="redprop.next_body", show=False),
        Binding("left", "body(-1)", "Previous body", id="redprop.previous_body", show=False),
    ]

    def action_toggle(self) -> None:
        self.screen.toggle_attendance()

    def action_body(self, step: int) -> None:
        """Right / left: to the next / previous body's row."""
        heads = [i for i, key in enumerate(self.keys_in_order()) if key.startswith("b")]
        if not heads:
            return
        at = self.cursor_row
        target = next((i for i in heads if i > at), heads[-1]) if step > 0 else \
            next((i for i in reversed(heads) if i < at), heads[0])
        self.move_cursor(row=target)

    def show(self, d: MeetingDetail, attending: dict[int, int]) -> None:
        keep = self.cursor_row
        self.clear()
        for key, cells in grid_rows(d, attending):
            self.add_row(*cells, key=key)
        if self.row_count:
            self.move_cursor(row=min(keep, self.row_count - 1))

    def keys_in_order(self) -> list[str]:
        return [str(row.key.value) for row in self.ordered_rows]
