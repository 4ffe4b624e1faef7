"""The meetings (红色物业联席会议): the section's first screen."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlmodel import Session
from textual import on
from textual.binding import Binding
from textual.widgets import DataTable

from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.plugins.red_property.models import (
    MeetingKind,
    MeetingStatus,
)
from gongzhi.plugins.red_property.queries import (
    MeetingListRow,
    load_meetings,
)
from gongzhi.plugins.red_property.screens.action_board import ActionBoardScreen
from gongzhi.plugins.red_property.screens.common import (
    BINDING_TEXT,
    FormScreen,
    Gated,
    enum_choices,
    enum_text,
    parse_when,
)
from gongzhi.plugins.red_property.screens.meeting import MeetingScreen
from gongzhi.plugins.red_property.screens.month_minutes import month_minutes
from gongzhi.plugins.red_property.screens.service_log import ServiceLogScreen
from gongzhi.tui.widgets.bilingual import t
from gongzhi.tui.widgets.forms import (
    FormError,
    FormField,
)
from gongzhi.tui.widgets.list_section import ListSection

# -- the meetings ----------------------------------------------------------------------------


# by importance, so that a narrow terminal clips the least needed (the title repeats date and place)
MEETING_COLUMNS = (("when", *pair(N_("When"))), ("place", *pair(N_("Community/compound"))),
                   ("kind", *pair(N_("Kind"))), ("status", *pair(N_("Status"))),
                   ("quorum", *pair(N_("Attendance/quorum"))), ("title", *pair(N_("Meeting"))))


def quorum_summary(present: int, total: int, needed: int, headcount: int, met: bool) -> str:
    mark = _("quorum") if met else _("no quorum")
    return _("bodies {present}/{total} (need {needed}) · {headcount} people · {mark}").format(
        present=present, total=total, needed=needed, headcount=headcount, mark=mark)


class RedPropertyScreen(Gated, ListSection):
    """红色物业 / Red property: the joint meetings, the ones at hand first (open, then draft
    soonest first), then the closed ones newest first."""

    DEFAULT_CSS = "RedPropertyScreen #redprop-meetings { height: 1fr; }"
    BINDING_TEXT = BINDING_TEXT
    # by priority: the footer shows the first ones
    BINDINGS = [
        Binding("n", "new", "New meeting", id="redprop.new_meeting"),
        Binding("m", "month_minutes", "Month's minutes", id="redprop.month_minutes"),
        Binding("a", "actions", "Action items", id="redprop.action_board"),
        Binding("w", "services", "Micro-services", id="redprop.services"),
        Binding("escape", "back", "Back", id="redprop.back"),
        Binding("r", "reload", "Reload", id="redprop.reload", show=False),
    ]
    HEADING = pair(N_("Red-property joint meetings, the ones at hand first (Enter opens, n new, m the month's minutes, a action items, w micro-services)"))
    COLUMNS = MEETING_COLUMNS
    # on a narrow terminal the quorum summary goes first, then the kind; long names end in "…"
    FIT = {"when": (16, 1, None, False), "place": (0, 2, 8, False), "kind": (0, 4, 6, False),
           "status": (0, 3, 6, False), "quorum": (0, 5, 10, False), "title": (0, 1, 10, True)}
    HEADING_ID, TABLE_ID, STATUS_ID = "redprop-heading", "redprop-meetings", "redprop-status"

    def load(self, session: Session) -> list[MeetingListRow]:
        return load_meetings(session)

    def cells(self, r: MeetingListRow) -> tuple[str, ...]:
        return (r.when, r.place, enum_text(MeetingKind, r.kind), enum_text(MeetingStatus, r.status),
                quorum_summary(r.present, r.total, r.needed, r.headcount, r.met), t(r.title_zh, r.title_en))

    def status(self, rows: list[MeetingListRow]) -> str:
        return _("{count} meetings").format(count=len(rows))

    @on(DataTable.RowSelected, "#redprop-meetings")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.app.push_screen(MeetingScreen(self.db, int(event.row_key.value)))

    def action_new(self) -> None:
        db, actor = self.db, self.app.actor

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            held_at = parse_when(v["when"], *pair(N_("The meeting time")))
            if held_at is None:
                raise FormError(_("The time of the meeting is needed"))
            if v["place"] is None:
                raise FormError(_("Pick the community or compound"))

            def write() -> int:
                with db.session() as s:
                    return svc.create_meeting(s, actor=actor, place_id=v["place"], held_at=held_at,
                                              kind=v["kind"] or "monthly", title=v["title"],
                                              location=v["location"], chair_id=v["chair"],
                                              secretary_id=v["secretary"]).id
            return write

        def done(mid: int | None) -> None:
            if mid is not None:
                self.app.notify(_("Meeting created (draft)"))
                self.app.push_screen(MeetingScreen(db, mid))

        today = datetime.now(LOCAL_TZ).date().isoformat()
        self.app.push_screen(FormScreen(pair(N_("New joint meeting")), [
            FormField("place", *pair(N_("Community or compound")), kind="place", kinds=("community", "compound"),
                      placeholder=_("name or pinyin")),
            FormField("when", *pair(N_("Date and time")), value=f"{today} 09:00", placeholder="YYYY-MM-DD HH:MM"),
            FormField("kind", *pair(N_("Kind")), kind="choice", value="monthly", choices=enum_choices(MeetingKind)),
            FormField("chair", *pair(N_("Chair")), kind="person"),
            FormField("secretary", *pair(N_("Secretary")), kind="person"),
            FormField("location", *pair(N_("Location"))),
            FormField("title", *pair(N_("Title (optional)"))),
        ], submit, form_id="redprop-new-meeting"), done)

    def action_month_minutes(self) -> None:
        month_minutes(self.app)

    def action_actions(self) -> None:
        self.app.push_screen(ActionBoardScreen(self.db))

    def action_services(self) -> None:
        self.app.push_screen(ServiceLogScreen(self.db))

    def action_back(self) -> None:
        self.app.pop_screen()
