"""The roundtable's TUI section (居民议事厅): the consultations, and one consultation
with its participants, options, meetings and rounds.

The list: ``n`` opens a new consultation, Enter opens one. In a consultation,
``space`` on the participants table checks the highlighted participant in (or out);
the vote grid lists the voting participants of the chosen round. In a yes/no or
consent round the facilitator types ``y`` / ``n`` / ``a`` / ``o`` (an objection asks
for its reason) on the highlighted row. In a choosing round the grid has a column per
option on the ballot: a digit in a cell ranks that option (``0`` unranks it), ``space``
ticks an approval, Enter records the row's ballot, ``e`` types a whole ordering
instead; in a plurality round ``space`` / Enter on a cell, or the option's number,
records the pick at once. Other keys (docs/deliberation.md has the table): ``p``
participant, ``i`` option (on the options table ``w`` withdraws, ``g`` merges), ``m``
meeting, ``v`` new round, ``s`` starts it, ``c`` closes and counts, ``u`` publishes,
``b`` settles a tie, ``d`` records the decision (amends it once decided), ``x`` closes
or withdraws the consultation, ``l`` links a request, F9 writes the minutes.

Every write is one service call run off the UI thread; a service's refusal is shown
in the user's language and nothing is written. Texts go through gettext with the
plugin's own catalog (:mod:`gongzhi.plugins.deliberation.i18n`: ``_("English")``; the shared
widgets that take (zh, en) pairs get them from the catalogs with ``pair``); the role,
group and outcome vocabularies are the models' labels. On a live language switch (F2)
the app calls each stacked screen's ``refresh_language``, and these screens relabel
their tables and labels.
"""

from gongzhi.plugins.deliberation.i18n import N_, _, pair
from gongzhi.plugins.deliberation.screens.common import (
    BINDING_TEXT,
    CHOOSING,
    PRESET_LABELS,
    RANKED,
    ConfirmCloseScreen,
    FormScreen,
    MinutesScreen,
    ReasonScreen,
    default_minutes_path,
    explanation,
    need_int,
    parse_numbers,
    present_word,
)
from gongzhi.plugins.deliberation.screens.consultation import ConsultationScreen
from gongzhi.plugins.deliberation.screens.consultations import DeliberationScreen
from gongzhi.plugins.deliberation.screens.decide import DecideScreen, Decision
from gongzhi.plugins.deliberation.screens.from_request import FromRequestScreen
from gongzhi.plugins.deliberation.screens.link_request import LinkRequestScreen
from gongzhi.plugins.deliberation.screens.palette import (
    link_from_request,
    open_from_request,
    open_receiving_round,
)
from gongzhi.plugins.deliberation.screens.tables import OptionTable, ParticipantTable, VoteGrid

__all__ = [
    "BINDING_TEXT", "CHOOSING", "PRESET_LABELS", "RANKED", "ConfirmCloseScreen", "ConsultationScreen", "DecideScreen",
    "Decision", "DeliberationScreen", "FormScreen", "FromRequestScreen", "LinkRequestScreen", "MinutesScreen",
    "OptionTable", "ParticipantTable", "ReasonScreen", "VoteGrid", "default_minutes_path", "explanation",
    "link_from_request", "need_int", "open_from_request", "open_receiving_round", "parse_numbers", "present_word", "_", "N_", "pair",
]
