"""The plugin's command-palette actions."""

from __future__ import annotations

from collections.abc import Callable

from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import fmt_local
from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.i18n import N_, _, pair
from gongzhi.plugins.red_property.models import (
    MeetingStatus,
)
from gongzhi.plugins.red_property.screens.action_board import ActionBoardScreen
from gongzhi.plugins.red_property.screens.common import (
    PickListScreen,
    enum_text,
)
from gongzhi.plugins.red_property.screens.service_log import ServiceLogScreen
from gongzhi.tui.widgets.bilingual import t

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
        app.notify(_("Open a request first, then put it on a joint meeting's agenda"), severity="warning")
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
                                             place.name, fmt_local(m.held_at), enum_text(MeetingStatus, m.status)]))
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
        app.notify(_("Request put on the agenda of '{label}'; its timeline has a note").format(label=label))

    app.push_screen(PickListScreen(
        pair(N_("Put on a joint meeting's agenda (Enter picks)")),
        [("meeting", *pair(N_("Meeting"))), ("place", *pair(N_("Community/compound"))), ("when", *pair(N_("When"))),
         ("status", *pair(N_("Status")))],
        fetch, choose, pair(N_("No draft or open joint meeting covers this request")),
        list_id="redprop-agenda-from-request"), done)
