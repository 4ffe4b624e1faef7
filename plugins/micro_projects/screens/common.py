"""What the micro-projects' screens share: bindings described through the plugin's
own gettext catalog (and redescribed when F2 switches the language), labels of the
vocabularies, money in yuan."""

from __future__ import annotations

from gongzhi.plugins.micro_projects.i18n import N_, _
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import translate_bindings

# the English message ids of the vocabularies, for the catalog
STATUS_TEXT = {
    "candidate": N_("Candidate"),
    "planned": N_("Planned"),
    "rejected": N_("Unfeasible"),
    "in_progress": N_("In progress"),
    "done": N_("Closed out"),
    "redo": N_("Redo"),
    "passed": N_("Passed"),
}
PHASE_TEXT = {
    "collecting": N_("Collecting"),
    "reviewing": N_("Reviewing"),
    "publicised": N_("Publicised"),
    "executing": N_("Executing"),
    "evaluating": N_("Evaluating"),
    "finished": N_("Finished"),
}
CATEGORY_TEXT = {
    "facilities": N_("Facilities"),
    "safety": N_("Safety"),
    "environment": N_("Environment"),
    "charging": N_("Charging"),
    "elderly": N_("Elderly care"),
    "employment": N_("Employment"),
    "other": N_("Other"),
}


def status_label(value: str) -> str:
    return _(STATUS_TEXT.get(value, value))


def phase_label(value: str) -> str:
    return _(PHASE_TEXT.get(value, value))


def category_label(value: str) -> str:
    return _(CATEGORY_TEXT.get(value, value))


def yuan(fen: int) -> str:
    from gongzhi.plugins.micro_projects.services import fmt_yuan

    return fmt_yuan(fen)


class Translated:
    """Mixin for a screen: its bindings' descriptions (English ids) in the current
    language, through the plugin's catalog; F2 calls :meth:`refresh_language`."""

    def translate_own_bindings(self) -> None:
        translate_bindings(self, _, prefix="micro.")  # type: ignore[arg-type]

    def refresh_language(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.refresh_bindings()  # type: ignore[attr-defined]

    def relabel(self) -> None:
        """Redraw what the screen shows in the current language."""


def lang() -> str:
    return i18n.language()
