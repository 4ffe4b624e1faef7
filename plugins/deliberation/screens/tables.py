"""The consultation screen's tables with their own keys: participants, options, the vote grid."""

from __future__ import annotations

from textual import events
from textual.binding import Binding
from textual.widgets import DataTable

from gongzhi.plugins.deliberation.screens.common import BINDING_TEXT
from gongzhi.tui.widgets.base import Gated
from gongzhi.tui.widgets.bilingual import Bilingual
from gongzhi.tui.widgets.columns import FittedTable


class ParticipantTable(Gated, Bilingual, FittedTable):
    """The participants; ``space`` checks the highlighted one in or out."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [Binding("space", "checkin", "Check in/out", id="delib.checkin")]

    def action_checkin(self) -> None:
        self.screen.toggle_presence()


class OptionTable(Gated, Bilingual, FittedTable):
    """The options; ``w`` withdraws the highlighted one, ``g`` merges it into another."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("w", "withdraw", "Withdraw option", id="delib.withdraw_option"),
        Binding("g", "merge", "Merge option", id="delib.merge_option"),
    ]

    def action_withdraw(self) -> None:
        self.screen.withdraw_option()

    def action_merge(self) -> None:
        self.screen.merge_option()


class VoteGrid(Gated, Bilingual, DataTable):
    """The voting participants of the chosen round. Yes/no and consent rounds: y / n /
    a / o on the row. Choosing rounds: a column per option; digits rank (0 unranks),
    ``space`` ticks (approval) or picks (plurality), Enter records the row, ``e`` types
    an ordering, ``backspace`` forgets the row's unsaved entry."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("y", "vote('yes')", "Yes", id="delib.vote_yes"),
        Binding("n", "vote('no')", "No", id="delib.vote_no"),
        Binding("a", "vote('abstain')", "Abstain", id="delib.vote_abstain", show=False),
        Binding("o", "vote('object')", "Object", id="delib.vote_object", show=False),
        Binding("space", "tick", "Tick/pick", id="delib.vote_tick", show=False),
        Binding("enter", "submit", "Record the row", id="delib.vote_submit", show=False),
        Binding("e", "order", "Type an ordering", id="delib.vote_order", show=False),
        Binding("backspace", "clear_draft", "Clear the row", id="delib.vote_clear", show=False),
    ]

    def action_vote(self, choice: str) -> None:
        self.screen.vote(choice)

    def action_tick(self) -> None:
        self.screen.tick()

    def action_submit(self) -> None:
        self.screen.submit_row()

    def action_order(self) -> None:
        self.screen.type_ordering()

    def action_clear_draft(self) -> None:
        self.screen.clear_draft()

    def on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit():
            event.stop()
            event.prevent_default()
            self.screen.digit(int(event.character))


