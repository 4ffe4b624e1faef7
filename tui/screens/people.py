"""The people list: find a person as you type by name, pinyin initials (张晓明 ← zxm),
full pinyin or the last four digits of the phone; Enter opens the person.

Phone numbers stay masked here (138****5678); the detail screen reveals them on
an explicit, audited action. The search-as-you-type picker and the place paths the
people and organisation screens share live in ``tui.widgets`` (``search_pick``,
``place_paths``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label

from gongzhi.core.models.people import Person
from gongzhi.core.models.vocab import Gender
from gongzhi.core.services import people as people_svc
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.columns import Column, ColumnPlan, fit_columns
from gongzhi.tui.widgets.place_paths import place_paths

LIMIT = 100
EXPORT_LIMIT = 1_000_000  # a search's whole list, for ctrl+e

# the list's columns, by importance: name, phone and home always; birth year, then gender
# give way on a narrow terminal; a long household path ends in "…"
PEOPLE_COLUMNS = (
    Column("name", N_("Name"), 8, min_width=6),
    Column("gender", N_("Gender"), 4, importance=3),
    Column("born", N_("Born"), 6, importance=2),
    Column("phone", N_("Phone"), 11),
    Column("household", N_("Household"), 40, min_width=16, flex=True),
)
PEOPLE_KEYS = tuple(c.key for c in PEOPLE_COLUMNS)
DEBOUNCE_SECONDS = 0.15


# -- the people list ------------------------------------------------------------------


@dataclass
class PersonRow:
    id: int
    cells: tuple[str, ...]


@dataclass
class Found:
    rows: list[PersonRow]
    total: int
    query: str


def person_rows(session: Session, people: list[Person], lang: str) -> list[PersonRow]:
    """Display cells (name, gender, birth year, masked phone, household) for a list of people."""
    paths = place_paths(session, [p.household_id for p in people])
    out = []
    for p in people:
        row = people_svc.person_row(p)  # the core's masking, not ours
        gender = Gender(p.gender).label(lang) if p.gender in Gender.__members__ else p.gender
        out.append(
            PersonRow(
                p.id,
                (
                    p.name,
                    gender,
                    str(p.birth_year or ""),
                    row["phone"],
                    paths.get(p.household_id, "") if p.household_id else "",
                ),
            )
        )
    return out


class PeopleView(DbWork, Vertical):
    """居民 / People."""

    BINDINGS = [
        Binding("ctrl+n", "add_person", N_("Add person"), id="people.add", priority=True),
        Binding("e", "edit_person", N_("Edit person"), id="people.edit"),
        Binding("ctrl+f", "focus_search", N_("Search"), id="people.search"),
        Binding("ctrl+l", "import_data", N_("Import"), id="people.import", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.query_text = ""
        self._debounce: Timer | None = None
        self._open_first = False
        self.found: Found | None = None
        self.plan: ColumnPlan | None = None

    def compose(self) -> ComposeResult:
        with Horizontal(classes="toolbar"):
            yield Input(
                placeholder=_("Name, pinyin initials (zxm), full pinyin or last 4 phone digits"),
                id="people-search",
            )
        yield DataTable(id="people-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="people-status", classes="status-line")

    def on_mount(self) -> None:
        translate_bindings(self)
        self._fit(self.size.width or self.app.size.width)
        self.search()

    def on_resize(self, event) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Plan the columns for ``width`` (narrow terminals drop gender, then birth year)."""
        plan = fit_columns(PEOPLE_COLUMNS, max(width - 2, 20))
        if self.plan is not None and plan.widths == self.plan.widths:
            return
        self.plan = plan
        table = self.query_one("#people-table", DataTable)
        plan.apply(table)
        if self.found is not None:
            self._fill(table)

    def _fill(self, table: DataTable) -> None:
        table.clear()
        for row in self.found.rows:
            table.add_row(*self.plan.row(dict(zip(PEOPLE_KEYS, row.cells, strict=False))), key=str(row.id))

    def on_show_section(self) -> None:
        self.query_one("#people-search", Input).focus()
        self.search()

    def export_source(self, table: DataTable):
        """``ctrl+e`` (tui.screens.table_export): everyone the search finds, not the first
        ``LIMIT``, in the table's columns."""
        from gongzhi.tui.screens.table_export import full_rows

        if table.id != "people-table" or self.plan is None:
            return None
        query, lang, actor, plan = self.query_text, i18n.language(), self.app.actor, self.plan

        def rows(s: Session) -> tuple[list[str], list[list]]:
            if query.strip():
                people = people_svc.find_people(s, query, limit=EXPORT_LIMIT, actor=actor)
            else:
                people = list(s.scalars(select(Person).order_by(Person.name, Person.id)))
            return full_rows(plan, (dict(zip(PEOPLE_KEYS, r.cells, strict=False)) for r in person_rows(s, people, lang)))

        return rows

    # -- searching -----------------------------------------------------------------

    def action_import_data(self) -> None:
        """The import screen for a register of residents (tui.screens.import_data)."""
        self.app.open_import("people", lambda written: self.search() if written else None)

    def search(self) -> None:
        db, query, lang, actor = self.app.db, self.query_text, i18n.language(), self.app.actor

        def fetch() -> Found:
            with db.read_session() as s:
                if query.strip():  # a full phone number only for roles that take calls
                    people = people_svc.find_people(s, query, limit=LIMIT, actor=actor)
                else:
                    people = list(
                        s.scalars(select(Person).order_by(Person.name, Person.id).limit(LIMIT))
                    )
                total = s.scalar(select(func.count()).select_from(Person)) or 0
                return Found(person_rows(s, people, lang), total, query)

        self.db_work(fetch, self._show, group="people-search")

    def _show(self, found: Found) -> None:
        self.found = found
        self._fill(self.query_one("#people-table", DataTable))
        if found.query.strip():
            text = _("{count} found for “{query}”").format(
                count=len(found.rows), query=found.query.strip()
            )
        else:
            text = _("{count} of {total} people · type to search").format(
                count=len(found.rows), total=found.total
            )
        self.query_one("#people-status", Label).update(text)
        if self._open_first:
            self._open_first = False
            if found.rows:
                self.open_person(found.rows[0].id)

    @on(Input.Changed, "#people-search")
    def _typed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.search)

    @on(Input.Submitted, "#people-search")
    def _submitted(self, event: Input.Submitted) -> None:
        # fast typists: "zxm" + Enter opens the best match without waiting for the list
        if self._debounce is not None:
            self._debounce.stop()
        self.query_text = event.value
        self._open_first = True
        self.search()

    @on(DataTable.RowSelected, "#people-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.open_person(int(event.row_key.value))

    def selected_person(self) -> int | None:
        table = self.query_one("#people-table", DataTable)
        if not table.row_count:
            return None
        return int(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def open_person(self, person_id: int) -> None:
        from gongzhi.tui.screens.person_detail import PersonDetailScreen

        def done(changed: bool | None) -> None:
            if changed:
                self.search()

        self.app.push_screen(PersonDetailScreen(person_id), done)

    # -- actions -------------------------------------------------------------------

    def action_add_person(self) -> None:
        from gongzhi.tui.screens.person_form import PersonFormScreen

        def done(person_id: int | None) -> None:
            if person_id is not None:
                self.search()
                self.open_person(person_id)

        self.app.push_screen(PersonFormScreen(), done)

    def action_edit_person(self) -> None:
        from gongzhi.tui.screens.person_form import PersonFormScreen

        person_id = self.selected_person()
        if person_id is None:
            self.app.notify(_("Choose a person in the list first"))
            return
        self.app.push_screen(
            PersonFormScreen(person_id), lambda saved: self.search() if saved else None
        )

    def action_focus_search(self) -> None:
        self.query_one("#people-search", Input).focus()
