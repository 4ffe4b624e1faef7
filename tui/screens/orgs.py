"""Organisations by kind — the party chain, committees, property companies,
departments, rider stations, volunteer teams — and the people holding posts in them.

Pick a kind on the left (or find it by typing its name or pinyin, ctrl+f), an
organisation in the upper table; its current members show below. ``m`` gives someone a post, ``x`` ends the highlighted post (after a
confirmation; posts end, they are never deleted), ``ctrl+n`` adds an organisation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, or_, select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Label, OptionList
from textual.widgets.option_list import Option

from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import OrgKind, PlaceKind, Role
from gongzhi.core.services import orgs as orgs_svc
from gongzhi.core.services.base import Actor
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _, label
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.columns import Column, ColumnPlan, fit_columns
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker
from gongzhi.tui.widgets.place_paths import place_paths
from gongzhi.tui.widgets.search_pick import SearchPick

PICK_LIMIT = 20
KINDS_WIDTH = 34  # the list of organisation kinds on the left

# fixed widths, planned for the room there is (never the table's own measuring, which
# lags behind the rows it is given)
ORG_COLUMNS = (
    Column("name", N_("Organisation"), 24, min_width=10, flex=True),
    Column("place", N_("Place"), 16, min_width=8, importance=2),
    Column("members", N_("Members"), 6),
)
MEMBER_COLUMNS = (
    Column("name", N_("Name"), 10, min_width=6),
    Column("role", N_("Role"), 18, min_width=8),
    Column("scope", N_("Scope"), 20, min_width=8, importance=2, flex=True),
    Column("since", N_("Since"), 10, importance=3),
)


def is_current(m: Membership, today: date) -> bool:
    """A post counts until its end date: one ended today is over (as end_membership sees it)."""
    return m.end_date is None or m.end_date > today


@dataclass
class OrgRow:
    id: int
    name: str
    cells: tuple[str, ...]


@dataclass
class MemberRow:
    id: int
    cells: tuple[str, ...]


def load_kind_counts(session: Session) -> dict[str, int]:
    return dict(
        session.execute(select(Organisation.kind, func.count()).group_by(Organisation.kind)).all()
    )


def load_orgs(session: Session, kind: str, actor: Actor | None = None) -> list[OrgRow]:
    orgs = orgs_svc.organisations(session, kind=kind, actor=actor)
    ids = [o.id for o in orgs]
    today = date.today()
    counts = (
        dict(
            session.execute(
                select(Membership.organisation_id, func.count())
                .where(
                    Membership.organisation_id.in_(ids),
                    or_(Membership.end_date.is_(None), Membership.end_date > today),
                )
                .group_by(Membership.organisation_id)
            ).all()
        )
        if ids
        else {}
    )
    places = dict(
        session.execute(
            select(Place.id, Place.name).where(
                Place.id.in_({o.place_id for o in orgs if o.place_id})
            )
        ).all()
    )
    return [
        OrgRow(o.id, o.name, (o.name, places.get(o.place_id, ""), str(counts.get(o.id, 0))))
        for o in orgs
    ]


def load_members(session: Session, organisation_id: int, lang: str, actor: Actor | None = None) -> list[MemberRow]:
    today = date.today()
    members = [
        m
        for m in orgs_svc.members_of(session, organisation_id, current_only=False, actor=actor)
        if is_current(m, today)
    ]
    names = (
        dict(
            session.execute(
                select(Person.id, Person.name).where(Person.id.in_({m.person_id for m in members}))
            ).all()
        )
        if members
        else {}
    )
    scopes = dict(
        session.execute(
            select(Place.id, Place.name).where(
                Place.id.in_({m.scope_place_id for m in members if m.scope_place_id})
            )
        ).all()
    )
    out = []
    for m in members:
        try:
            role = Role(m.role).label(lang)
        except ValueError:
            role = m.role
        out.append(
            MemberRow(
                m.id,
                (
                    names.get(m.person_id, ""),
                    role,
                    scopes.get(m.scope_place_id, ""),
                    m.start_date.isoformat() if m.start_date else "",
                ),
            )
        )
    return out


class ConfirmScreen(ModalScreen[bool]):
    """Yes or no: ``y``/Enter confirms, ``n``/Esc declines."""

    BINDINGS = [
        Binding("y", "answer(True)", N_("Yes"), id="orgs.confirm_yes"),
        Binding("n,escape", "answer(False)", N_("No"), id="orgs.confirm_no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="confirm-box"):
            yield Label(self.question, id="confirm-question")
            with Horizontal(classes="buttons"):
                yield Button(_("Yes"), id="confirm-yes", variant="warning")
                yield Button(_("No"), id="confirm-no")

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#confirm-yes", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "confirm-yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def find_org_places(session: Session, text: str) -> list[tuple[int, str]]:
    """Places an organisation can sit at (anything but a household), by name."""
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    ids = list(
        session.scalars(
            select(Place.id)
            .where(Place.kind != PlaceKind.household.value, Place.name.like(like, escape="\\"))
            .order_by(Place.path)
            .limit(PICK_LIMIT)
        )
    )
    paths = place_paths(session, ids, skip_street=False)
    return [(i, paths.get(i, "")) for i in ids]


class OrganisationFormScreen(DbWork, ModalScreen[int | None]):
    """Add an organisation: kind, name and (optionally) the place it serves."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel"), id="org_form.cancel"),
        Binding("ctrl+s", "save", N_("Save"), id="org_form.save", priority=True),
    ]

    def __init__(self, kind: str | None = None) -> None:
        super().__init__()
        self.kind = kind or OrgKind.residents_committee.value
        self.saved_kind = self.kind
        self.saving = False

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="of-body"):
            yield Label(_("Add organisation"), classes="panel-title")
            yield Label(_("Name"), classes="field-label")
            yield Input(id="of-name", max_length=100)
            yield Label(_("Kind"), classes="field-label")
            yield ChoicePicker(
                [Choice(k.value, label(k), k.value, k.label("en") + k.label("zh")) for k in OrgKind],
                placeholder=_("type a name or its pinyin initials"),
                id="of-kind",
            )
            yield Label(_("Place served (optional)"), classes="field-label")
            yield SearchPick(
                find_org_places,
                placeholder=_("Search places by name"),
                none_text=_("no place"),
                id="of-place",
            )
            yield Label("", id="of-error", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save"), id="of-save", variant="primary", disabled=True)
                yield Button(_("Cancel"), id="of-cancel")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#of-kind", ChoicePicker).choose(self.kind)
        self.query_one("#of-name", Input).focus()

    @on(Input.Changed, "#of-name")
    def _named(self, event: Input.Changed) -> None:
        self.query_one("#of-save", Button).disabled = not event.value.strip() or self.saving

    @on(Button.Pressed, "#of-save")
    def action_save(self) -> None:
        name = self.query_one("#of-name", Input).value.strip()
        if self.saving or not name:
            return
        db, actor = self.app.db, self.app.actor
        kind = self.query_one("#of-kind", ChoicePicker).value or self.kind
        place_id = self.query_one("#of-place", SearchPick).value

        def write() -> int:
            with db.session() as s:
                return int(
                    orgs_svc.create_organisation(
                        s, actor=actor, kind=kind, name=name, place_id=place_id
                    ).id
                )

        self.saving = True
        self.saved_kind = str(kind)
        self.query_one("#of-save", Button).disabled = True
        self.db_work(write, self._saved, group="org-save", on_error=self._failed)

    def _saved(self, org_id: int) -> None:
        self.app.notify(_("Saved"))
        self.dismiss(org_id)

    def _failed(self, message: str) -> None:
        self.saving = False
        self.query_one("#of-error", Label).update(message)
        self.app.notify(message, severity="error", timeout=6)  # the line may sit below the fold
        self.query_one("#of-save", Button).disabled = not self.query_one(
            "#of-name", Input
        ).value.strip()

    @on(Button.Pressed, "#of-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class OrgsView(DbWork, Vertical):
    """组织 / Organisations."""

    DEFAULT_CSS = f"""
    OrgsView #org-left {{ width: {KINDS_WIDTH}; height: 1fr; }}
    OrgsView #org-kinds {{ height: 1fr; }}
    OrgsView #org-right {{ width: 1fr; height: 1fr; }}
    OrgsView #org-table {{ height: 1fr; }}
    OrgsView #org-members {{ height: 1fr; }}
    """

    BINDINGS = [
        Binding("m", "add_membership", N_("Add post"), id="orgs.add_membership"),
        Binding("x", "end_membership", N_("End post"), id="orgs.end_membership"),
        Binding("ctrl+n", "add_organisation", N_("Add organisation"), id="orgs.add", priority=True),
        Binding("ctrl+f", "find_kind", N_("Find kind"), id="orgs.find_kind"),
        Binding("ctrl+l", "import_data", N_("Import"), id="orgs.import", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.kind = OrgKind.residents_committee.value
        self.org_id: int | None = None
        self.orgs: list[OrgRow] = []
        self.members: list[MemberRow] = []
        self.plans: dict[str, ColumnPlan] = {}

    def compose(self) -> ComposeResult:
        with Horizontal():
            with Vertical(id="org-left"):
                # every kind with its count (first, so the section opens on it and m, x work),
                # and under it a kind found by typing (党组织 ← "dzz", "party"; ctrl+f)
                yield OptionList(*[Option(label(k), id=k.value) for k in OrgKind], id="org-kinds")
                yield ChoicePicker(
                    [Choice(k.value, label(k), k.value, k.label("en") + k.label("zh")) for k in OrgKind],
                    placeholder=_("Find a kind (name or pinyin)"), id="org-kind-find", chosen_line=False)
            with Vertical(id="org-right"):
                yield DataTable(id="org-table", cursor_type="row", zebra_stripes=True)
                yield Label("", id="org-members-title", classes="panel-title")
                yield DataTable(id="org-members", cursor_type="row", zebra_stripes=True)
        yield Label("", id="org-status", classes="status-line")

    def on_mount(self) -> None:
        translate_bindings(self)
        self._fit(self.size.width or self.app.size.width)
        self.query_one("#org-members-title", Label).update(_("Members"))
        kinds = self.query_one("#org-kinds", OptionList)
        kinds.highlighted = kinds.get_option_index(self.kind)
        self.reload()

    def on_show_section(self) -> None:
        self.query_one("#org-kinds", OptionList).focus()
        self.reload()

    def on_resize(self, event) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Plan both tables for the room right of the kinds (narrow: the place, the
        scope and the start date go first)."""
        room = max(width - KINDS_WIDTH - 2, 20)
        for table_id, columns, fill in (
            ("org-table", ORG_COLUMNS, self._fill_orgs),
            ("org-members", MEMBER_COLUMNS, self._fill_members),
        ):
            plan = fit_columns(columns, room)
            old = self.plans.get(table_id)
            if old is not None and old.widths == plan.widths:
                continue
            self.plans[table_id] = plan
            plan.apply(self.query_one(f"#{table_id}", DataTable))
            fill()

    # -- loading -------------------------------------------------------------------

    def action_import_data(self) -> None:
        """The import screen for a list of organisations (tui.screens.import_data)."""
        self.app.open_import("orgs", lambda written: self.reload() if written else None)

    def reload(self) -> None:
        """Kind counts, the organisations of the chosen kind, then the chosen one's members."""
        db, kind, actor = self.app.db, self.kind, self.app.actor

        def fetch() -> tuple[dict[str, int], list[OrgRow]]:
            with db.read_session() as s:
                return load_kind_counts(s), load_orgs(s, kind, actor)

        self.db_work(fetch, self._show_orgs, group="orgs-list")

    def _show_orgs(self, result: tuple[dict[str, int], list[OrgRow]]) -> None:
        counts, rows = result
        kinds = self.query_one("#org-kinds", OptionList)
        for k in OrgKind:
            kinds.replace_option_prompt(
                k.value, _("{kind} ({count})").format(kind=label(k), count=counts.get(k, 0))
            )
        self.orgs = rows
        ids = [r.id for r in rows]
        if self.org_id not in ids:
            self.org_id = None
        self._fill_orgs()
        self.show_org(self.org_id if self.org_id is not None else (ids[0] if ids else None))

    def _fill_orgs(self) -> None:
        table, plan = self.query_one("#org-table", DataTable), self.plans["org-table"]
        table.clear()
        for row in self.orgs:
            table.add_row(*plan.row(dict(zip([c.key for c in ORG_COLUMNS], row.cells, strict=True))),
                          key=str(row.id))
        ids = [r.id for r in self.orgs]
        if self.org_id in ids:  # the chosen organisation stays chosen (a resize refills)
            table.move_cursor(row=ids.index(self.org_id))

    def show_org(self, org_id: int | None) -> None:
        self.org_id = org_id
        name = next((r.name for r in self.orgs if r.id == org_id), "")
        self.query_one("#org-members-title", Label).update(
            _("Members of {org}").format(org=name) if name else _("Members")
        )
        self.query_one("#org-status", Label).update(
            _("{count} organisations of this kind").format(count=len(self.orgs))
        )
        if org_id is None:
            self._show_members([])
            return
        db, lang, actor = self.app.db, i18n.language(), self.app.actor

        def fetch() -> list[MemberRow]:
            with db.read_session() as s:
                return load_members(s, org_id, lang, actor)

        self.db_work(fetch, self._show_members, group="orgs-members")

    def _show_members(self, rows: list[MemberRow]) -> None:
        self.members = rows
        self._fill_members(keep_cursor=False)

    def _fill_members(self, keep_cursor: bool = True) -> None:
        table, plan = self.query_one("#org-members", DataTable), self.plans["org-members"]
        row = table.cursor_row if keep_cursor else 0
        table.clear()
        for member in self.members:
            table.add_row(*plan.row(dict(zip([c.key for c in MEMBER_COLUMNS], member.cells, strict=True))),
                          key=str(member.id))
        if 0 < row < len(self.members):
            table.move_cursor(row=row)

    @on(OptionList.OptionHighlighted, "#org-kinds")
    def _kind(self, event: OptionList.OptionHighlighted) -> None:
        kind = event.option.id or self.kind
        if kind != self.kind:
            self.kind = kind
            self.org_id = None
            self.reload()

    @on(ChoicePicker.Changed, "#org-kind-find")
    def _kind_found(self, event: ChoicePicker.Changed) -> None:
        if event.value is None:
            return
        self.select_kind(event.value)
        finder = event.picker
        self.call_after_refresh(finder.clear)  # ready for the next search
        self.query_one("#org-table", DataTable).focus()

    def action_find_kind(self) -> None:
        self.query_one("#org-kind-find Input", Input).focus()

    def select_kind(self, kind: str) -> None:
        kinds = self.query_one("#org-kinds", OptionList)
        kinds.highlighted = kinds.get_option_index(OrgKind(kind).value)

    @on(DataTable.RowHighlighted, "#org-table")
    def _org(self, event: DataTable.RowHighlighted) -> None:
        org_id = int(event.row_key.value)
        if org_id != self.org_id:
            self.show_org(org_id)

    # -- actions -------------------------------------------------------------------

    def selected_membership(self) -> MemberRow | None:
        table = self.query_one("#org-members", DataTable)
        if not table.row_count:
            return None
        key = int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)
        return next((m for m in self.members if m.id == key), None)

    def action_add_membership(self) -> None:
        from gongzhi.tui.screens.membership_form import MembershipFormScreen

        if self.org_id is None:
            self.app.notify(_("Choose an organisation first"))
            return
        name = next((r.name for r in self.orgs if r.id == self.org_id), "")
        self.app.push_screen(
            MembershipFormScreen(self.org_id, name),
            lambda added: self.reload() if added is not None else None,
        )

    def action_end_membership(self) -> None:
        member = self.selected_membership()
        if member is None:
            self.app.notify(_("Choose a member in the lower table first"))
            return
        org = next((r.name for r in self.orgs if r.id == self.org_id), "")
        question = _("End the post of {name} ({role}) in {org} as of today?").format(
            name=member.cells[0], role=member.cells[1], org=org
        )
        db, actor = self.app.db, self.app.actor

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return

            def write() -> None:
                with db.session() as s:
                    orgs_svc.end_membership(s, actor=actor, membership_id=member.id)

            self.db_work(write, lambda _r: self._ended(member), group="orgs-end")

        self.app.push_screen(ConfirmScreen(question), confirmed)

    def _ended(self, member: MemberRow) -> None:
        self.app.notify(_("Post ended: {name}").format(name=member.cells[0]))
        self.reload()

    def action_add_organisation(self) -> None:
        form = OrganisationFormScreen(self.kind)

        def done(org_id: int | None) -> None:
            if org_id is None:
                return
            self.org_id = org_id
            if form.saved_kind != self.kind:
                self.kind = (
                    form.saved_kind
                )  # set first, so the highlight below does not reset the choice
                self.select_kind(form.saved_kind)
            self.reload()

        self.app.push_screen(form, done)
