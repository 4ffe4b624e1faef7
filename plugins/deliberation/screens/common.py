"""What the roundtable's screens share: the binding texts, the plugin's small dialogs
(form, objection reason, confirmation, minutes), labels and column headings, and the
parsers of typed option numbers."""

from __future__ import annotations

import re
from pathlib import Path

from gongzhi.plugins.deliberation.i18n import N_, _, pair
from gongzhi.plugins.deliberation.rules import APPROVAL_KINDS, CHOOSING_KINDS, RANKING_KINDS
from gongzhi.plugins.deliberation.vocab import PRESET_LABELS, VOCAB
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import gate_bindings
from gongzhi.tui.widgets.columns import Column
from gongzhi.tui.widgets.forms import (
    ConfirmModal,
    ExportModal,
    FormError,
    FormModal,
    ReasonModal,
    export_path,
    modal_binding_text,
)

# binding id -> (zh, en) descriptions, from the catalogs (the Bilingual mixin takes pairs)
BINDING_TEXT: dict[str, tuple[str, str]] = {
    "delib.back": pair(N_("Back")),
    "delib.open": pair(N_("Open")),
    "delib.reload": pair(N_("Reload")),
    "delib.new_consultation": pair(N_("New consultation")),
    "delib.checkin": pair(N_("Check in/out")),
    "delib.checkin_all": pair(N_("All present")),
    "delib.vote_undo": pair(N_("Undo last ballot")),
    "delib.vote_yes": pair(N_("Yes")),
    "delib.vote_no": pair(N_("No")),
    "delib.vote_abstain": pair(N_("Abstain")),
    "delib.vote_object": pair(N_("Object")),
    "delib.vote_tick": pair(N_("Tick/pick")),
    "delib.vote_submit": pair(N_("Record the row")),
    "delib.vote_order": pair(N_("Type an ordering")),
    "delib.vote_clear": pair(N_("Clear the row")),
    "delib.close_round": pair(N_("Close round")),
    "delib.add_participant": pair(N_("Add participant")),
    "delib.add_option": pair(N_("Add option")),
    "delib.withdraw_option": pair(N_("Withdraw option")),
    "delib.merge_option": pair(N_("Merge option")),
    "delib.add_meeting": pair(N_("Add meeting")),
    "delib.new_round": pair(N_("New round")),
    "delib.start_round": pair(N_("Start round")),
    "delib.publish_round": pair(N_("Publish")),
    "delib.tie": pair(N_("Settle a tie")),
    "delib.finish": pair(N_("Close/withdraw")),
    "delib.link_request": pair(N_("Link a request")),
    "delib.minutes": pair(N_("Minutes")),
    "delib.decide": pair(N_("Decision")),
    **modal_binding_text("delib"),
}

# binding id -> the permission its action needs (plugin.register_permissions): a role
# without it is not offered the key (issue 15); the services check the place as well
gate_bindings({
    **dict.fromkeys(("delib.new_consultation", "delib.close_round", "delib.new_round", "delib.start_round",
                     "delib.publish_round", "delib.decide", "delib.add_participant", "delib.add_option",
                     "delib.withdraw_option", "delib.merge_option", "delib.add_meeting", "delib.tie",
                     "delib.finish", "delib.link_request"), "deliberation.manage"),
    **dict.fromkeys(("delib.checkin", "delib.checkin_all", "delib.vote_undo", "delib.vote_yes", "delib.vote_no",
                     "delib.vote_abstain", "delib.vote_object", "delib.vote_tick", "delib.vote_submit",
                     "delib.vote_order", "delib.vote_clear"), "deliberation.record"),
})


NUMBERS = re.compile(r"[,，、>\s]+")


def parse_numbers(text: str) -> list[int] | None:
    """``"2, 1 3"`` / ``"2>1>3"`` → [2, 1, 3]; None when a part is not a whole number."""
    parts = [p for p in NUMBERS.split(text.strip()) if p]
    if not all(p.isdigit() for p in parts):
        return None
    return [int(p) for p in parts]


PRESET_CODE = re.compile(r"\s?[（(]([a-z_]+)(\*?)[）)]")


def preset_label(code: str, modified: bool = False) -> str:
    """A rule's preset as people say it (never its code): 简单多数（赞成多于反对）, with
    "parameters changed" for a modified preset (``simple_majority*``)."""
    text = VOCAB.text("Preset", code, i18n.language())
    return text + _(", parameters changed") if modified else text


def explanation(lines: list[dict[str, str]], numbers: dict[int, int], names: dict[int, str] | None) -> list[str]:
    """Explanation lines in the UI's language, option ids shown as their numbers and a
    preset's code (``simple_majority``, stored in the recountable result) as its label."""
    from gongzhi.plugins.deliberation.minutes import render_line

    def label(m: re.Match[str]) -> str:
        if m.group(1) not in PRESET_LABELS:
            return m.group(0)
        return " · " + preset_label(m.group(1), bool(m.group(2)))

    return [PRESET_CODE.sub(label, render_line(x, numbers, i18n.language(), names)) for x in lines]


class FormScreen(FormModal, prefix="delib"):
    """The plugin's forms (:class:`gongzhi.tui.widgets.forms.FormModal`): ctrl+s saves, Esc cancels."""

    BINDING_TEXT = BINDING_TEXT


def need_int(text: str, what: str, *, minimum: int = 0) -> int:
    """``text`` as a whole number ≥ ``minimum``, or a FormError naming ``what`` (translated)."""
    if not text.isdigit() or int(text) < minimum:
        raise FormError(_("{what} must be a whole number ≥ {minimum}: {text}").format(
            what=what, minimum=minimum, text=text))
    return int(text)


class ReasonScreen(ReasonModal, prefix="delib"):
    """An objection needs its reason."""

    BINDING_TEXT = BINDING_TEXT

    def __init__(self, name: str) -> None:
        super().__init__(pair(N_("{name} objects; the reason:"), name=name), pair(N_("An objection needs a reason")))
        self.voter = name


class ConfirmCloseScreen(ConfirmModal, prefix="delib"):
    """A confirmation: ``y`` / Enter confirms, ``n`` / Esc declines."""

    BINDING_TEXT = BINDING_TEXT


# the presets' words are the vocabulary "Preset" (PRESET_LABELS, re-exported from vocab.py)
# the grid's three ballot shapes, from the rules: ranks typed per option (every ranking kind,
# IRV and STV included), ticks (approval and the elections with seats that take marks), one pick
RANKED = RANKING_KINDS
APPROVALS = APPROVAL_KINDS
CHOOSING = CHOOSING_KINDS

# by importance: a narrow terminal clips the last ones first
# the consultation's side panels are half a terminal wide: their columns are planned for
# the panel (width 0: as wide as the widest cell; the least important give way first)
PEOPLE_COLUMNS = (
    Column("name", N_("Name"), 0, min_width=6, flex=True),
    Column("present", N_("Present"), 0),
    Column("votes", N_("Votes"), 0, importance=3, min_width=4),
    Column("role", N_("Role"), 0, importance=2),
    Column("group", N_("Group"), 0, importance=4, min_width=4),
)
OPTION_COLUMNS = (
    Column("number", N_("No."), 0),
    Column("text", N_("Option"), 0, min_width=8, flex=True),
    Column("active", N_("State"), 0, importance=2, min_width=4),
)
ROUND_COLUMNS = (
    Column("number", N_("Round"), 0),
    Column("title", N_("Motion"), 0, min_width=8, flex=True),
    Column("kind", N_("Kind"), 0, importance=3),
    Column("state", N_("State"), 0),
    Column("outcome", N_("Outcome"), 0, importance=2, min_width=4),
)


def present_word(present: bool) -> str:
    """Presence in words (not only a mark): 到场 / 未到."""
    return _("✓ present") if present else _("— absent")


def default_minutes_path(consultation_id: int, fmt: str = "md") -> Path:
    """``<data dir>/minutes/议事纪要-<id>-<YYYYMMDD-HHMM>.md`` (the folder is made when used)."""
    return export_path("minutes", stem=_("council-minutes-{consultation_id}").format(consultation_id=consultation_id), fmt=fmt)


class MinutesScreen(ExportModal, FormScreen):
    """The minutes' format and path (:class:`gongzhi.tui.widgets.forms.ExportModal`): the path
    follows the format, an existing file is refused."""

