"""Give a person a post in an organisation: pick the person by name or pinyin, the
role, for grid workers the grid they cover, and the start date. A person may hold
several posts at once (双向进入、交叉任职); a duplicate post is refused by the core
and shown inline. Dismisses with the new membership's id, or ``None``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label

from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import PlaceKind, Role
from gongzhi.core.services import orgs as orgs_svc
from gongzhi.core.services import people as people_svc
from gongzhi.tui.i18n import N_, _, label, language
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker
from gongzhi.tui.widgets.place_paths import place_paths
from gongzhi.tui.widgets.search_pick import SearchPick

if TYPE_CHECKING:
    from gongzhi.core.services.base import Actor

PICK_LIMIT = 20
GRID_ROLES = {Role.grid_worker.value, Role.micro_grid_worker.value, Role.mobile_grid_worker.value}
SCOPE_KINDS = (PlaceKind.community, PlaceKind.compound, PlaceKind.building, PlaceKind.micro_grid)


def find_people_to_pick(session: Session, text: str, actor: Actor | None = None) -> list[tuple[int, str]]:
    """People by name, pinyin or phone tail, shown as "张晓明 · 1948 · 138****5678"; a
    full phone number finds someone only for the roles that handle calls (``actor``)."""
    out = []
    for p in people_svc.find_people(session, text, limit=PICK_LIMIT, actor=actor):
        row = people_svc.person_row(p)
        out.append(
            (p.id, " · ".join(x for x in (p.name, str(p.birth_year or ""), row["phone"]) if x))
        )
    return out


def scope_search(organisation_id: int):
    """A search over grids (communities down to micro-grids) under the organisation's place."""

    def search(session: Session, text: str) -> list[tuple[int, str]]:
        org = session.get(Organisation, organisation_id)
        base = session.get(Place, org.place_id) if org is not None and org.place_id else None
        like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = select(Place.id).where(
            Place.kind.in_([k.value for k in SCOPE_KINDS]), Place.name.like(like, escape="\\")
        )
        if base is not None:
            stmt = stmt.where(Place.path.startswith(base.path, autoescape=True))
        ids = list(session.scalars(stmt.order_by(Place.path).limit(PICK_LIMIT)))
        paths = place_paths(session, ids)
        return [(i, paths.get(i, "")) for i in ids]

    return search


def parse_date(text: str) -> date:
    from gongzhi.core.validation import parse_day

    return parse_day(text)


class MembershipFormScreen(DbWork, ModalScreen[int | None]):
    DEFAULT_CSS = """
    #mf-box { width: 100; height: 80%; padding: 1 2; border: thick $primary; background: $surface; }
    #mf-box .buttons { height: auto; margin-top: 1; }
    #mf-fields { height: 1fr; }
    #mf-box .field { height: auto; }
    #mf-box .field-name { width: 16; padding: 1 1 0 0; }
    #mf-box .field > Input, #mf-box .field > Select, #mf-box .field > SearchPick { width: 1fr; }
    #mf-box .error { padding-left: 16; }
    """

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="membership_form.cancel"),
        Binding("ctrl+s", "save", N_("Save"), id="membership_form.save", priority=True),
    ]

    def __init__(self, organisation_id: int, organisation_name: str = "") -> None:
        super().__init__()
        self.organisation_id = organisation_id
        self.organisation_name = organisation_name
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(id="mf-box"):
            yield Label(
                _("Add a post in {org}").format(org=self.organisation_name), classes="panel-title"
            )
            with VerticalScroll(id="mf-fields"):
                with Horizontal(classes="field"):
                    yield Label(_("Person"), classes="field-name")
                    yield SearchPick(
                        lambda session, text: find_people_to_pick(session, text, self.app.actor),
                        placeholder=_("Name, pinyin initials or last 4 phone digits"),
                        none_text=_("nobody chosen yet"),
                        id="mf-person",
                    )
                with Horizontal(classes="field"):
                    yield Label(_("Role"), classes="field-name")
                    yield ChoicePicker(
                        [Choice(r.value, label(r), r.value, r.label("en") + r.label("zh")) for r in Role],
                        placeholder=_("type a name or its pinyin initials"),
                        id="mf-role",
                    )
                with Horizontal(classes="field", id="mf-scope-box"):
                    yield Label(_("Grid covered (optional)"), classes="field-name")
                    yield SearchPick(
                        scope_search(self.organisation_id),
                        placeholder=_("Search grids by name"),
                        none_text=_("the organisation's own area"),
                        id="mf-scope",
                    )
                with Horizontal(classes="field"):
                    yield Label(_("Start date"), classes="field-name")
                    yield Input(
                        date.today().isoformat(),
                        placeholder=_("year-month-day"),
                        id="mf-start",
                        max_length=10,
                    )
                yield Label("", id="mf-start-error", classes="error")
            yield Label("", id="mf-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="mf-save", variant="primary", disabled=True)
                yield Button(_("Cancel"), id="mf-cancel")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#mf-scope-box").display = False
        self.query_one("#mf-person Input", Input).focus()

    # -- validation ----------------------------------------------------------------

    @on(ChoicePicker.Changed, "#mf-role")
    def _role(self, event: ChoicePicker.Changed) -> None:
        grid = event.value in GRID_ROLES
        self.query_one("#mf-scope-box").display = grid
        if not grid:
            self.query_one("#mf-scope", SearchPick).set_value(None, notify=False)
        self.validate_form()

    @on(SearchPick.Picked)
    @on(Input.Changed, "#mf-start")
    def _changed(self) -> None:
        self.validate_form()

    def validate_form(self) -> bool:
        error = ""
        try:
            parse_date(self.query_one("#mf-start", Input).value)
        except DomainError as exc:
            error = exc.message(language())
        self.query_one("#mf-start-error", Label).update(error)
        role = self.query_one("#mf-role", ChoicePicker).value
        ok = (
            not error
            and self.query_one("#mf-person", SearchPick).value is not None
            and role is not None
        )
        self.query_one("#mf-save", Button).disabled = not ok or self.saving
        return ok

    # -- saving --------------------------------------------------------------------

    @on(Button.Pressed, "#mf-save")
    def action_save(self) -> None:
        if self.saving or not self.validate_form():
            return
        db, actor = self.app.db, self.app.actor
        values = {
            "person_id": self.query_one("#mf-person", SearchPick).value,
            "organisation_id": self.organisation_id,
            "role": self.query_one("#mf-role", ChoicePicker).value,
            "scope_place_id": self.query_one("#mf-scope", SearchPick).value,
            "start_date": parse_date(self.query_one("#mf-start", Input).value),
        }

        def write() -> int:
            with db.session() as s:
                return int(orgs_svc.add_membership(s, actor=actor, **values).id)

        self.saving = True
        self.query_one("#mf-save", Button).disabled = True
        self.query_one("#mf-error", Label).update("")
        self.db_work(write, self._saved, group="membership-save", on_error=self._failed)

    def _saved(self, membership_id: int) -> None:
        self.app.notify(_("Saved"))
        self.dismiss(membership_id)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.query_one("#mf-error", Label).update(message)
        self.app.notify(message, severity="error", timeout=6)  # the line may sit below the fold
        self.validate_form()

    @on(Button.Pressed, "#mf-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
