"""What the micro-projects' screens share: bindings described through the plugin's
own gettext catalog (and redescribed when F2 switches the language), labels of the
vocabularies, money in yuan."""

from __future__ import annotations

from gongzhi.plugins.micro_projects.i18n import N_, _
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import gate_bindings, translate_bindings

# the permission each write key needs (plugin.PERMISSIONS): a key whose permission the
# operator holds nowhere is left out of the screen (issue 15); the services still check
# the community
gate_bindings({
    "micro.new_list": "micro.manage",
    "micro.new_project": "micro.manage",
    "micro.spend": "micro.manage",
    "micro.close_out": "micro.manage",
    "micro.objection_answer": "micro.manage",
    "micro.progress": "micro.progress",
    "micro.allocate": "micro.fund",
    "micro.fund_allocate": "micro.fund",
    "micro.fund_total": "micro.fund",
    **dict.fromkeys(("micro.rate_satisfied", "micro.rate_basically", "micro.rate_dissatisfied",
                     "micro.add_representative", "micro.verdict", "micro.request_round"), "micro.evaluate"),
})

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


def percent_text(value) -> str:
    """A Fraction as the percentage typed in a form: 7/10 → "70", 133/200 → "66.5"."""
    from decimal import Decimal

    pct = value * 100
    if pct.denominator == 1:
        return str(pct.numerator)
    return str((Decimal(pct.numerator) / Decimal(pct.denominator)).normalize())


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
