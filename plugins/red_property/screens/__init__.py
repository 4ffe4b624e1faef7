"""The red-property section (红色物业联席会议), as the joint meeting's secretary uses it.

One screen per module:

- :mod:`.meetings` — :class:`RedPropertyScreen`, the meetings: the meeting at hand
  first (open, then draft soonest first, then closed newest first); Enter opens one,
  ``n`` a new meeting, ``m`` this month's minutes in one .docx, ``a`` the action-item
  board, ``w`` the micro-service log.
- :mod:`.meeting` — :class:`MeetingScreen`, one meeting: the quorum of bodies above the
  attendance grid by body (``space`` checks the highlighted person in for that body, or
  on a body's row everyone of it; ``a`` everyone present), the agenda with the follow-up
  first (``p`` picks open property requests of the area, several at once), resolutions.
- :mod:`.action_board` — :class:`ActionBoardScreen`, action items across meetings.
- :mod:`.service_log` and :mod:`.new_service` — the micro-service log.
- :mod:`.check_in`, :mod:`.agenda_picker`, :mod:`.month_minutes` — dialogs;
  :mod:`.common` — what they share; :mod:`.palette` — the command-palette actions.

What a screen shows is read by :mod:`gongzhi.plugins.red_property.queries`; every write is a
call into :mod:`gongzhi.plugins.red_property.services`, off the UI thread.
"""

from gongzhi.plugins.red_property.screens.action_board import ActionBoardScreen
from gongzhi.plugins.red_property.screens.agenda_picker import AgendaPickScreen
from gongzhi.plugins.red_property.screens.check_in import CheckInScreen
from gongzhi.plugins.red_property.screens.common import (
    BINDING_TEXT,
    ConfirmScreen,
    FormScreen,
    MinutesScreen,
    PickListScreen,
)
from gongzhi.plugins.red_property.screens.meeting import MeetingScreen, RosterTable
from gongzhi.plugins.red_property.screens.meetings import RedPropertyScreen
from gongzhi.plugins.red_property.screens.month_minutes import MonthMinutesScreen
from gongzhi.plugins.red_property.screens.new_service import NewServiceScreen
from gongzhi.plugins.red_property.screens.palette import (
    agenda_from_request,
    open_action_board,
    open_service_log,
)
from gongzhi.plugins.red_property.screens.service_log import ServiceLogScreen

__all__ = [
    "BINDING_TEXT",
    "ActionBoardScreen",
    "AgendaPickScreen",
    "CheckInScreen",
    "ConfirmScreen",
    "FormScreen",
    "MeetingScreen",
    "MinutesScreen",
    "MonthMinutesScreen",
    "NewServiceScreen",
    "PickListScreen",
    "RedPropertyScreen",
    "RosterTable",
    "ServiceLogScreen",
    "agenda_from_request",
    "open_action_board",
    "open_service_log",
]
