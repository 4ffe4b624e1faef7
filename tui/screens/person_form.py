"""Add or edit a person. Checks as you type with the core's own rules (mobile
number, 18-digit ID with check digit, birth year) and shows the core's message in
the user's language; Save stays disabled until the form is valid, and a domain
error from the service is shown inline with nothing written.

Personal data stays private while editing: the phone and ID boxes start empty,
showing the masked number as a hint (blank keeps it), and the care tags load
only when asked for. Dismisses with the person's id, or ``None`` on cancel.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, SelectionList, TextArea
from textual.widgets.selection_list import Selection

from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import CareTag, Gender, PlaceKind
from gongzhi.core.services import people as people_svc
from gongzhi.core.validation import normalise_id_number, normalise_phone
from gongzhi.tui.i18n import N_, _, label, language
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker
from gongzhi.tui.widgets.place_paths import place_paths
from gongzhi.tui.widgets.search_pick import SearchPick

PICK_LIMIT = 20


def find_households(session: Session, text: str) -> list[tuple[int, str]]:
    """Households whose name contains ``text``, shown with their path."""
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    ids = list(
        session.scalars(
            select(Place.id)
            .where(Place.kind == PlaceKind.household.value, Place.name.like(like, escape="\\"))
            .order_by(Place.name, Place.id)
            .limit(PICK_LIMIT)
        )
    )
    paths = place_paths(session, ids)
    return [(i, paths.get(i, "")) for i in ids]


def check_birth_year(text: str) -> int | None:
    """``""`` → None; a year between 1900 and this year, else the core's error."""
    text = text.strip()
    if not text:
        return None
    if not re.fullmatch(r"\d{4}", text) or not 1900 <= int(text) <= date.today().year:
        raise DomainError("person.invalid_birth_year", value=text)
    return int(text)


class PersonFormScreen(DbWork, ModalScreen[int | None]):
    DEFAULT_CSS = """
    #pf-box { width: 100; height: 90%; padding: 1 2; border: thick $primary; background: $surface; }
    #pf-box .buttons { height: auto; margin-top: 1; }
    #pf-fields { height: 1fr; }
    #pf-box .field { height: auto; }
    #pf-box .field-name { width: 16; padding: 1 1 0 0; }
    #pf-box .field > Input, #pf-box .field > ChoicePicker, #pf-box .field > SearchPick { width: 1fr; }
    #pf-box .error { padding-left: 16; }
    #pf-box SelectionList { width: 1fr; height: auto; max-height: 10; }
    #pf-box TextArea { width: 1fr; height: 5; }
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="person_form.cancel"),
        Binding("ctrl+s", "save", N_("Save"), id="person_form.save", priority=True),
    ]

    def __init__(self, person_id: int | None = None) -> None:
        super().__init__()
        self.person_id = person_id
        self.loaded = person_id is None
        # a new person's care tags are chosen here; an existing person's load only on request
        self.care_loaded = person_id is None
        self.saving = False
        self.touched: set[str] = set()
        self.errors: dict[str, str] = {}

    def compose(self) -> ComposeResult:
        editing = self.person_id is not None
        with Vertical(id="pf-box"):
            yield Label(_("Edit person") if editing else _("Add person"), classes="panel-title")
            with VerticalScroll(id="pf-fields"):
                with Horizontal(classes="field"):
                    yield Label(_("Name"), classes="field-name")
                    yield Input(id="pf-name", max_length=50)
                yield Label("", id="pf-name-error", classes="error")
                with Horizontal(classes="field"):
                    yield Label(_("Gender"), classes="field-name")
                    yield ChoicePicker(
                        [Choice(g.value, label(g), g.value, g.label("en") + g.label("zh")) for g in Gender],
                        placeholder=_("type the gender or its pinyin"),
                        id="pf-gender",
                        chosen_line=False,
                    )
                with Horizontal(classes="field"):
                    yield Label(_("Birth year"), classes="field-name")
                    yield Input(id="pf-birth-year", max_length=4, placeholder=_("four digits"))
                yield Label("", id="pf-birth-year-error", classes="error")
                with Horizontal(classes="field"):
                    yield Label(_("Mobile phone"), classes="field-name")
                    yield Input(id="pf-phone", max_length=20, placeholder=_("11 digits"))
                yield Label("", id="pf-phone-error", classes="error")
                with Horizontal(classes="field"):
                    yield Label(_("ID number"), classes="field-name")
                    yield Input(
                        id="pf-id", max_length=20, placeholder=_("18 characters, the last may be X")
                    )
                yield Label("", id="pf-id-error", classes="error")
                with Horizontal(classes="field"):
                    yield Label(_("Household"), classes="field-name")
                    yield SearchPick(
                        find_households,
                        placeholder=_("Search households by name, e.g. 1-701"),
                        none_text=_("no household"),
                        id="pf-household",
                    )
                    yield Button(_("No household"), id="pf-household-clear")
                # care tags only for who may see them (person.care_tags): hidden from the rest
                with Horizontal(classes="field", id="pf-care-field") as care_field:
                    care_field.display = self.app.may("person.care_tags")
                    yield Label(_("Care tags (sensitive)"), classes="field-name")
                    if editing:
                        yield Button(_("Show and edit care tags"), id="pf-care-show")
                    yield SelectionList[str](
                        *[Selection(label(t), t.value) for t in CareTag], id="pf-care"
                    )
                with Horizontal(classes="field"):
                    yield Label(_("Notes"), classes="field-name")
                    yield TextArea(id="pf-notes")
            yield Label("", id="pf-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="pf-save", variant="primary", disabled=True)
                yield Button(_("Cancel"), id="pf-cancel")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#pf-care", SelectionList).display = self.care_loaded
        self.query_one("#pf-gender", ChoicePicker).choose(Gender.unknown.value)
        self.query_one("#pf-name", Input).focus()
        if self.person_id is not None:
            self._load()

    def _load(self) -> None:
        db, pid, actor = self.app.db, self.person_id, self.app.actor

        def fetch() -> dict[str, Any]:
            with db.read_session() as s:
                p = people_svc.get_person(s, pid, actor=actor)
                row = people_svc.person_row(p)
                household = (
                    place_paths(s, [p.household_id]).get(p.household_id, "")
                    if p.household_id
                    else ""
                )
                return {
                    "name": p.name,
                    "gender": p.gender,
                    "birth_year": p.birth_year,
                    "phone": row["phone"],
                    "id_number": row["id_number"],
                    "household_id": p.household_id,
                    "household": household,
                    "notes": p.notes,
                }

        self.db_work(fetch, self._fill, group="person-form-load")

    def _fill(self, data: dict[str, Any]) -> None:
        self.query_one("#pf-name", Input).value = data["name"]
        if data["gender"] in Gender.__members__:
            self.query_one("#pf-gender", ChoicePicker).choose(data["gender"])
        self.query_one("#pf-birth-year", Input).value = str(data["birth_year"] or "")
        keep = _("{masked} · leave blank to keep")
        if data["phone"]:
            self.query_one("#pf-phone", Input).placeholder = keep.format(masked=data["phone"])
        if data["id_number"]:
            self.query_one("#pf-id", Input).placeholder = keep.format(masked=data["id_number"])
        self.query_one("#pf-household", SearchPick).set_value(
            data["household_id"], data["household"], notify=False
        )
        self.query_one("#pf-notes", TextArea).text = data["notes"] or ""
        self.loaded = True
        self.validate_form()

    # -- validation ----------------------------------------------------------------

    @on(Input.Changed, "#pf-name, #pf-birth-year, #pf-phone, #pf-id")
    def _changed(self, event: Input.Changed) -> None:
        self.touched.add(event.input.id or "")
        self.validate_form()

    def validate_form(self) -> bool:
        """Check every field; show errors under the fields touched so far; enable Save if all is well."""
        lang = language()
        errors: dict[str, str] = {}
        name = self.query_one("#pf-name", Input).value.strip()
        if not name:
            errors["pf-name"] = DomainError("input.required", field="name").message(lang)
        checks = (
            ("pf-birth-year", check_birth_year),
            ("pf-phone", normalise_phone),
            ("pf-id", normalise_id_number),
        )
        for fid, check in checks:
            try:
                check(self.query_one(f"#{fid}", Input).value)
            except DomainError as exc:
                errors[fid] = exc.message(lang)
        self.errors = errors
        for fid in ("pf-name", "pf-birth-year", "pf-phone", "pf-id"):
            shown = errors.get(fid, "") if fid in self.touched else ""
            self.query_one(f"#{fid}-error", Label).update(shown)
        ok = not errors and self.loaded
        self.query_one("#pf-save", Button).disabled = not ok or self.saving
        return ok

    # -- household and care tags ---------------------------------------------------------

    @on(Button.Pressed, "#pf-household-clear")
    def _no_household(self) -> None:
        self.query_one("#pf-household", SearchPick).set_value(None)

    @on(Button.Pressed, "#pf-care-show")
    def _show_care(self) -> None:
        db, pid, actor = self.app.db, self.person_id, self.app.actor

        def fetch() -> list[str]:
            # checked (person.care_tags) and audited as on the person's page; refused in words
            with db.session() as s:
                return people_svc.view_care_tags(s, actor=actor, person_id=pid)

        def show(tags: list[str]) -> None:
            care = self.query_one("#pf-care", SelectionList)
            for tag in tags:
                if tag in CareTag.__members__:
                    care.select(tag)
            care.display = True
            self.care_loaded = True
            self.query_one("#pf-care-show", Button).display = False

        self.db_work(fetch, show, group="person-form-care")

    # -- saving --------------------------------------------------------------------

    def values(self) -> dict[str, Any]:
        """What goes to the service: blank phone/ID keep the stored ones when editing."""
        out: dict[str, Any] = {
            "name": self.query_one("#pf-name", Input).value.strip(),
            "gender": self.query_one("#pf-gender", ChoicePicker).value or Gender.unknown.value,
            "birth_year": check_birth_year(self.query_one("#pf-birth-year", Input).value),
            "household_id": self.query_one("#pf-household", SearchPick).value,
            "notes": self.query_one("#pf-notes", TextArea).text,
        }
        for key, fid in (("phone", "pf-phone"), ("id_number", "pf-id")):
            text = self.query_one(f"#{fid}", Input).value.strip()
            if text or self.person_id is None:
                out[key] = text or None
        if self.care_loaded:
            out["care_tags"] = list(self.query_one("#pf-care", SelectionList).selected)
        return out

    @on(Button.Pressed, "#pf-save")
    def action_save(self) -> None:
        self.touched.update({"pf-name", "pf-birth-year", "pf-phone", "pf-id"})
        if self.saving or not self.validate_form():
            return
        values = self.values()
        db, actor, pid = self.app.db, self.app.actor, self.person_id

        def write() -> int:
            with db.session() as s:
                if pid is None:
                    person = people_svc.create_person(s, actor=actor, **values)
                else:
                    person = people_svc.update_person(s, actor=actor, person_id=pid, **values)
                return int(person.id)

        self.saving = True
        self.query_one("#pf-save", Button).disabled = True
        self.query_one("#pf-error", Label).update("")
        self.db_work(write, self._saved, group="person-form-save", on_error=self._failed)

    def _saved(self, person_id: int) -> None:
        self.app.notify(_("Saved"))
        self.dismiss(person_id)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.query_one("#pf-error", Label).update(message)
        self.app.notify(message, severity="error", timeout=6)  # the line may sit below the fold
        self.validate_form()

    @on(Button.Pressed, "#pf-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
