"""Participants, options and meetings added (and options withdrawn or merged), mixed
into :class:`ConsultationScreen`. The forms' choices (role, vote, proxy, amended option)
are chosen by typing (:class:`~gongzhi.tui.widgets.pickers.ChoicePicker`: Chinese, pinyin
initials or full pinyin, the code; Down on an empty box lists them all)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.plugins.deliberation.i18n import N_, _, pair
from gongzhi.plugins.deliberation.queries import OptionRow
from gongzhi.plugins.deliberation.screens.common import ConfirmCloseScreen, need_int
from gongzhi.tui import i18n
from gongzhi.tui.widgets.forms import (
    FormError,
    FormField,
)


class RecordsMixin:
    """Forms that add to the consultation's records."""

    def action_add_participant(self) -> None:
        from gongzhi.plugins.deliberation import services as svc
        from gongzhi.plugins.deliberation.models import ParticipantRole

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        roles = [(role.label(i18n.language()), role.value) for role in ParticipantRole]
        proxies = [(p.name, p.id) for p in self.detail.participants]

        def submit(v: dict[str, Any]) -> Callable[[], str]:
            if v["role"] is None:
                raise FormError(_("Choose the role"))
            weight = need_int(v["weight"] or "1", _("The weight"))
            # an emptied box: by role, as the default says
            can_vote = {"default": None, "yes": True, "no": False}[v["votes"] or "default"]

            def write() -> str:
                with db.session() as s:
                    return svc.add_participant(s, actor=actor, consultation_id=cid, role=v["role"],
                                               person_id=v["person"], name=v["name"] or None,
                                               group=v["group"] or None, can_vote=can_vote, weight=weight,
                                               present=v["present"], proxy_for_id=v["proxy"]).name
            return write

        self.form_then_reload(_("Add a participant"), [
            FormField("person", *pair(N_("Person from the register (optional)")), kind="person",
                      placeholder=_("name, pinyin initials or phone tail")),
            FormField("name", *pair(N_("Name (needed for someone outside the register)"))),
            FormField("role", *pair(N_("Role")), kind="choice", value="resident_rep", choices=roles),
            FormField("group", *pair(N_("Group (blank: from the role)"))),
            FormField("votes", *pair(N_("Vote")), kind="choice", value="default",
                      choices=[(_("by role (experts, observers: none)"), "default"),
                               (_("yes"), "yes"), (_("no"), "no")]),
            FormField("weight", *pair(N_("Weight")), value="1"),
            FormField("proxy", *pair(N_("Holds the proxy of (optional)")), kind="choice", value=None,
                      choices=proxies),
            FormField("present", *pair(N_("Present now")), kind="check", value=False),
        ], submit, lambda name: _("{name} added").format(name=name), form_id="delib-participant")

    def action_add_option(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        active = [(f"{o.number} {o.text}", o.id) for o in self.detail.options if o.active]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            def write() -> int:
                with db.session() as s:
                    if v["amends"] is not None:
                        return svc.amend_option(s, actor=actor, option_id=v["amends"], text=v["text"],
                                                withdraw_original=v["withdraw"]).number
                    return svc.add_option(s, actor=actor, consultation_id=cid, text=v["text"]).number
            return write

        self.form_then_reload(_("Add an option"), [
            FormField("text", *pair(N_("The option"))),
            FormField("amends", *pair(N_("Amends option (optional)")), kind="choice", value=None,
                      choices=active, placeholder=_("the option's number or words; empty: a new option")),
            FormField("withdraw", *pair(N_("Withdraw the amended option")), kind="check", value=False),
        ], submit, lambda n: _("Option {n} added").format(n=n), form_id="delib-option")

    def _option(self) -> OptionRow | None:
        oid = self._highlighted("#delib-options")
        return next((o for o in self.detail.options if o.id == oid), None) if self.detail else None

    def withdraw_option(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        o = self._option()
        if o is None or not self._editable():
            return
        db, actor = self.db, self.app.actor

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    svc.withdraw_option(s, actor=actor, option_id=o.id)

            self.write_then_reload(write, _("Option {number} withdrawn").format(number=o.number))

        self.app.push_screen(ConfirmCloseScreen(_("Withdraw option {number} “{text}”?").format(number=o.number, text=o.text)),
                             confirmed)

    def merge_option(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        o = self._option()
        if o is None or not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            into = need_int(v["into"], _("The option number"), minimum=1)

            def write() -> int:
                with db.session() as s:
                    target = svc.option_by_number(s, cid, into)
                    svc.merge_options(s, actor=actor, option_id=o.id, into_id=target.id)
                return into
            return write

        self.form_then_reload(_("Merge option {number} into").format(number=o.number),
                              [FormField("into", *pair(N_("Option number to merge into")))], submit,
                              lambda n: _("Option {number} merged into {n}").format(number=o.number, n=n),
                              form_id="delib-merge")

    def action_add_meeting(self) -> None:
        from gongzhi.plugins.deliberation import services as svc

        if not self._editable():
            return
        db, actor, cid = self.db, self.app.actor, self.consultation_id
        present = [p.id for p in self.detail.participants if p.present]

        def submit(v: dict[str, Any]) -> Callable[[], int]:
            try:
                held_at = datetime.strptime(v["when"], "%Y-%m-%d %H:%M").replace(tzinfo=LOCAL_TZ)
            except ValueError:
                raise FormError(_("The time should be YYYY-MM-DD HH:MM")) from None
            others = need_int(v["others"] or "0", _("Residents listening"))

            def write() -> int:
                with db.session() as s:
                    return svc.add_meeting(s, actor=actor, consultation_id=cid, held_at=held_at, venue=v["venue"],
                                           attendance=present if v["attendance"] else [], others_attending=others,
                                           notes=v["notes"]).number
            return write

        self.form_then_reload(_("Add a meeting"), [
            FormField("when", *pair(N_("When")), value=datetime.now(LOCAL_TZ).strftime("%Y-%m-%d %H:%M"),
                      placeholder="YYYY-MM-DD HH:MM"),
            FormField("venue", *pair(N_("Venue"))),
            FormField("others", *pair(N_("Residents listening")), value="0"),
            FormField("notes", *pair(N_("Minutes notes"))),
            # the checkbox after the typed fields (issue 13: none between them)
            FormField("attendance", *pair(N_("Those checked in attend ({n_present})"), n_present=len(present)),
                      kind="check", value=True),
        ], submit, lambda n: _("Meeting {n} recorded").format(n=n), form_id="delib-meeting")

