"""The rounds' actions, mixed into :class:`ConsultationScreen`: a new round, start,
close and count, publish, settle a tie. The forms' choices (the rule's preset, the
meeting, how a tie is settled and by which rule) are chosen by typing
(:class:`~gongzhi.tui.widgets.pickers.ChoicePicker`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gongzhi.plugins.deliberation.i18n import N_, _, pair
from gongzhi.plugins.deliberation.screens.common import (
    PRESET_LABELS,
    ConfirmCloseScreen,
    parse_numbers,
    preset_label,
)
from gongzhi.tui import i18n
from gongzhi.tui.widgets.forms import (
    FormError,
    FormField,
)

SEAT_KINDS = ("stv", "plurality_at_large", "approval_seats")  # elections with several seats


class RoundsMixin:
    """Round actions on the round the vote grid shows."""

    def action_close_round(self) -> None:
        from gongzhi.plugins.deliberation import services as svc
        from gongzhi.plugins.deliberation.models import RoundState

        r = self.current_round()
        if r is None or self.busy:
            return
        if r.state != RoundState.open:
            self.app.notify(_("This round is not open for voting"), severity="warning")
            return
        db, actor, rid = self.db, self.app.actor, r.id

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.close_round(s, actor=actor, round_id=rid)

            self.write_then_reload(write, _("Round {number} closed and counted").format(number=r.number))

        self.app.push_screen(ConfirmCloseScreen(
            _("Close round {number} and count it? No ballot can be recorded afterwards.").format(number=r.number)), confirmed)

    def _round_call(self, fn: Callable[..., Any], done_text: str) -> None:
        """A one-click round action (start, publish) on the highlighted round; the service
        says when the round is in the wrong state."""
        r = self.current_round()
        if r is None or self.busy:
            return
        db, actor = self.db, self.app.actor

        def write() -> None:
            with db.session() as s:
                fn(s, actor=actor, round_id=r.id)

        self.write_then_reload(write, done_text.format(n=r.number))

    def action_start_round(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        self._round_call(svc.start_round, _("Round {n} is open"))

    def action_publish(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        self._round_call(svc.publish_round, _("Round {n} published"))

    def action_new_round(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        if not self._editable():
            return
        from gongzhi.plugins.deliberation.owners import CATEGORIES
        from gongzhi.plugins.deliberation.vocab import VOCAB

        d, db, actor, cid = self.detail, self.db, self.app.actor, self.consultation_id
        lang = i18n.language()
        presets = [(preset_label(k), k) for k in PRESET_LABELS]
        # elections with seats and owners' decisions: kinds of their own, beside the presets
        presets += [(VOCAB.text("RuleKind", k, lang), f"kind:{k}") for k in SEAT_KINDS + ("owners",)]
        categories = [(zh if lang == "zh" else en, code) for code, (_item, _major, zh, en) in CATEGORIES.items()]
        meetings = [(_("meeting {n} {when} {venue}").format(n=n, when=when, venue=venue), mid)
                    for mid, n, when, venue in d.meetings]

        def submit(v: dict[str, Any]) -> Callable[[], Any]:
            if v["preset"] is None:
                raise FormError(_("Choose the voting rule"))
            nums = parse_numbers(v["options"])
            if nums is None:
                raise FormError(_("Option numbers are whole numbers, separated by spaces or commas"))
            preset, rule = v["preset"], None
            if preset.startswith("kind:"):
                kind, preset = preset.removeprefix("kind:"), None
                if kind == "owners":
                    if v["category"] is None:
                        raise FormError(_("Choose the category of the owners' matter"))
                    rule = svc.make_rule(kind=kind, category=v["category"])
                else:
                    seats = parse_numbers(v["seats"])
                    if not seats or len(seats) != 1 or seats[0] < 1:
                        raise FormError(_("An election needs its number of seats (a whole number, 1 or more)"))
                    rule = svc.make_rule(kind=kind, seats=seats[0])

            def write() -> Any:
                with db.session() as s:
                    ids = [svc.option_by_number(s, cid, n).id for n in nums] if nums else None
                    return svc.open_round(s, actor=actor, consultation_id=cid, preset=preset, rule=rule, option_ids=ids,
                                          title=v["title"], secret=v["secret"], hide_results=v["hide"],
                                          meeting_id=v["meeting"], start=v["start"]).number
            return write

        def opened(_number: int) -> None:
            self.round_id = None  # show the new round

        self.form_then_reload(_("New voting round"), [
            FormField("preset", *pair(N_("Voting rule")), kind="choice", value="simple_majority", choices=presets),
            FormField("options", *pair(N_("Option numbers (blank: every active one)")),
                      placeholder="1 3"),
            FormField("seats", *pair(N_("Seats (elections)")), placeholder="3"),
            FormField("category", *pair(N_("Category of matter (owners' decision)")), kind="choice", value=None,
                      choices=categories, placeholder=_("e.g. lift, repairs fund; empty: not an owners' decision")),
            FormField("title", *pair(N_("Motion (optional)"))),
            FormField("meeting", *pair(N_("Meeting (optional)")), kind="choice", value=None, choices=meetings,
                      placeholder=_("the meeting's number, date or venue; empty: none")),
            FormField("secret", *pair(N_("Secret ballot")), kind="check", value=False),
            FormField("hide", *pair(N_("Hide the tally until it closes")), kind="check", value=False),
            FormField("start", *pair(N_("Open it now")), kind="check", value=True),
        ], submit, lambda n: _("Round {n} created").format(n=n), form_id="delib-round", after=opened)

    def action_tie(self) -> None:
        from gongzhi.plugins.deliberation import services as svc
        from gongzhi.plugins.deliberation.models import TieBreakMethod

        r = self.current_round()
        if r is None or self.busy or self.detail is None:
            return
        if r.outcome != "tie" or r.tie_broken:
            self.app.notify(_("This round has no tie to settle"), severity="warning")
            return
        numbers = self.detail.numbers
        tied = "、".join(str(numbers.get(w, w)) for w in r.winners)
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        methods = [(m.label(i18n.language()), m.value) for m in TieBreakMethod]

        def submit(v: dict[str, Any]) -> Callable[[], Any]:
            if v["how"] is None:
                raise FormError(_("Choose how to settle the tie"))
            if v["how"] == "break":
                number = v["option"]
                if not number.isdigit():
                    raise FormError(_("Give the chosen option's number"))
                if v["method"] is None:
                    raise FormError(_("Choose the rule that breaks the tie"))

                def write() -> str:
                    with db.session() as s:
                        o = svc.option_by_number(s, cid, int(number))
                        svc.break_tie(s, actor=actor, round_id=r.id, option_id=o.id, method=v["method"],
                                      note=v["note"])
                    return _("Tie broken by the recorded rule: option {number}").format(number=number)
                return write
            nums = parse_numbers(v["without"])
            if nums is None:
                raise FormError(_("Option numbers are whole numbers"))

            def rerun() -> str:
                with db.session() as s:
                    without = [svc.option_by_number(s, cid, n).id for n in nums] if nums else None
                    new = svc.rerun_round(s, actor=actor, round_id=r.id, without=without)
                    return _("Round {number} opened without the options left out").format(number=new.number)
            return rerun

        def after(_text: str) -> None:
            self.round_id = None

        self.form_then_reload(_("Round {number} tied (options {tied})").format(number=r.number, tied=tied), [
            FormField("how", *pair(N_("How")), kind="choice", value="break",
                      choices=[(_("break it by a recorded rule"), "break"),
                               (_("a new round without some options"), "rerun")]),
            FormField("option", *pair(N_("Chosen option number (breaking it)"))),
            FormField("method", *pair(N_("Rule")), kind="choice", value="lot", choices=methods),
            FormField("note", *pair(N_("Note (required for “other”)"))),
            FormField("without", *pair(N_("Options to leave out of the new round (blank: those not tied at the top)"))),
        ], submit, lambda text: text, form_id="delib-tie", after=after)

