"""录入积分 / Record points earned (``e`` on the counter, or the palette)."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from gongzhi.core.errors import DomainError
from gongzhi.plugins.points_exchange.i18n import _
from gongzhi.plugins.points_exchange.screens.common import (
    BINDING_TEXT,
    Translated,
    new_key,
    parse_int,
    search_hint,
)
from gongzhi.tui import i18n
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, PersonPicker, PickerItem


class RulePicker(ChoicePicker):
    """A rule by typing its name (Chinese, pinyin initials, full pinyin), its English
    name or its code; each match shows its points and whether it needs approval."""

    def __init__(self, **kwargs) -> None:
        super().__init__((), **kwargs)
        self.rules: dict[str, Any] = {}

    def set_rules(self, rules: list) -> None:
        self.rules = {r.code: r for r in rules}
        self.set_choices(
            [Choice(r.code, r.name(i18n.language()), code=r.code, keys=r.name("en")) for r in rules]
        )

    def _items(self, query: str) -> list[PickerItem]:
        return [
            PickerItem(c.value, c.label, rule_label(self.rules[c.value]))
            for c in self.matches(query)[: self.limit]
        ]


def rule_label(rule) -> str:
    approval = _(" · needs approval") if rule.needs_approval else ""
    return f"{rule.name(i18n.language())} · {rule.points} " + _("pts") + approval


class EarnScreen(Translated, DbWork, ModalScreen[str | None]):
    """Record points earned: the person (name or pinyin), a rule in force today that
    admits the person's roles (``earnable_rules``), the quantity and a note. One
    idempotency key per form: saving twice records once. Dismissed with what was
    recorded (a sentence), or None."""

    BINDING_TEXT = BINDING_TEXT
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="points.form_cancel"),
        Binding("ctrl+s", "save", "Save", id="points.form_save", priority=True),
    ]

    def __init__(self, db, person: tuple[int, str] | None = None) -> None:
        super().__init__()
        self.db = db
        self.person = person
        self.key = new_key("earn")
        self.rules: dict[str, Any] = {}  # code -> Rule (the version in force today)
        self.busy = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="form", id="points-earn-box"):
            yield Label(_("Record points earned"), classes="panel-title")
            yield Label(_("Person:"))
            yield PersonPicker(
                placeholder=search_hint(),
                id="points-earn-person",
            )
            yield Label(_("Rule (in force today, for this person):"))
            yield RulePicker(placeholder=_("rule: name or pinyin initials"), id="points-earn-rule")
            yield Label("", id="points-earn-rule-info")
            yield Label(_("Quantity:"))
            yield Input("1", id="points-earn-quantity", max_length=6)
            yield Label(_("Note (optional):"))
            yield Input(id="points-earn-note", max_length=500)
            yield Label("", id="points-earn-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="points-earn-save", variant="primary")
                yield Button(_("Cancel"), id="points-earn-cancel")

    def on_mount(self) -> None:
        self.translate_own_bindings()
        picker = self.query_one("#points-earn-person", PersonPicker)
        if self.person is not None:
            picker.select(*self.person)  # the rules load, then the focus moves to them
        else:
            picker.query_one(Input).focus()

    @on(PersonPicker.Changed, "#points-earn-person")
    def _person(self, event: PersonPicker.Changed) -> None:
        rules = self.query_one("#points-earn-rule", RulePicker)
        self.rules = {}
        rules.clear()
        rules.set_rules([])
        self.query_one("#points-earn-rule-info", Label).update("")
        if event.value is None:
            return
        db, pid = self.db, event.value

        def fetch() -> list:
            from gongzhi.plugins.points_exchange import services as svc

            with db.read_session() as s:
                return svc.earnable_rules(s, pid)

        self.db_work(fetch, self._rules, group="points-earn-rules", on_error=self._error)

    def _rules(self, rules: list) -> None:
        self.rules = {r.code: r for r in rules}
        picker = self.query_one("#points-earn-rule", RulePicker)
        picker.set_rules(rules)
        if not rules:
            self._error(_("No rule in force today admits this person"))
        elif len(rules) == 1:
            picker.choose(rules[0].code)  # the one rule: chosen, on to the quantity
        else:
            picker.query_one(Input).focus()

    @on(RulePicker.Changed, "#points-earn-rule")
    def _rule(self, event: RulePicker.Changed) -> None:
        rule = self.rules.get(event.value) if isinstance(event.value, str) else None
        if rule is not None:
            self.query_one("#points-earn-quantity", Input).focus()
        info = ""
        if rule is not None:
            caps = []
            if rule.daily_cap:
                caps.append(_("daily cap {daily_cap}").format(daily_cap=rule.daily_cap))
            if rule.monthly_cap:
                caps.append(_("monthly cap {monthly_cap}").format(monthly_cap=rule.monthly_cap))
            if rule.needs_approval:
                caps.append(_("a second person approves"))
            info = _(", ").join(caps)
        self.query_one("#points-earn-rule-info", Label).update(Text(info))

    def _error(self, message: str) -> None:
        self.busy = False
        self.query_one("#points-earn-error", Label).update(Text(message))

    @on(Input.Submitted)
    @on(Button.Pressed, "#points-earn-save")
    def _submitted(self, event) -> None:
        if isinstance(event, Input.Submitted) and event.input.has_class("picker-input"):
            return  # Enter in the person search picks a person
        self.action_save()

    @on(Button.Pressed, "#points-earn-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        from gongzhi.plugins.points_exchange import services as svc

        if self.busy:
            return
        person_id = self.query_one("#points-earn-person", PersonPicker).value
        if person_id is None:
            self._error(_("Choose a person first"))
            return
        code = self.query_one("#points-earn-rule", RulePicker).value
        if not isinstance(code, str) or code not in self.rules:
            self._error(_("Choose a rule"))
            return
        try:
            quantity = parse_int(self.query_one("#points-earn-quantity", Input).value)
        except DomainError as exc:
            self._error(exc.message(i18n.language()))
            return
        note = self.query_one("#points-earn-note", Input).value.strip()
        name = self.query_one("#points-earn-person", PersonPicker).text
        db, actor, key = self.db, self.app.actor, self.key

        def write() -> str:
            with db.session() as s:
                res = svc.earn(
                    s,
                    actor=actor,
                    person_id=person_id,
                    rule_code=code,
                    quantity=quantity,
                    note=note,
                    key=key,
                )
                tr = res.transfer
            if tr.phase == "pending":
                return _(
                    "Recorded {name} +{amount}, pending approval by another person (transfer {id})"
                ).format(name=name, amount=tr.amount, id=tr.id)
            return _("Posted {name} +{amount} (transfer {id})").format(
                name=name, amount=tr.amount, id=tr.id
            )

        self.busy = True
        self.db_work(write, self.dismiss, group="points-earn-write", on_error=self._error)
