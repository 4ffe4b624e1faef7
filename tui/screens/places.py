"""The place tree: street → community → compound → building → micro-grid → household,
plus points of interest, with the open requests on each node and below it.

Children load when a node is first expanded (a worker per node), so a street of
20,000 households opens at once. Open-request counts come from one grouped
query (open requests per place, with the place's materialised path) summed up
every ancestor in Python: one query however deep the tree. ``r`` shows the
node's requests, ``p`` the people whose household lies under it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from sqlalchemy import and_, func, select
from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label, Tree
from textual.widgets.tree import TreeNode

from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import utcnow
from gongzhi.core.models.vocab import OPEN_STATUSES, Gender, HousingType, PlaceKind, PoiKind
from gongzhi.core.permissions import read_scope
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services.base import Actor
from gongzhi.core.services.people import person_row
from gongzhi.core.services.requests import scoped_conditions
from gongzhi.tui.i18n import N_, _, label
from gongzhi.tui.widgets.base import DbWork, translate_bindings

PEOPLE_LIMIT = 500


@dataclass
class PlaceItem:
    """What a tree node carries: the place's own fields, and whether its children are in."""

    id: int
    kind: str
    name: str
    path: str
    housing_type: str | None = None
    floor_from: int | None = None
    floor_to: int | None = None
    poi_kind: str | None = None
    child_count: int = 0
    loaded: bool = False
    loading: bool = False

    @classmethod
    def of(cls, place: Place, child_count: int = 0) -> PlaceItem:
        return cls(id=place.id, kind=place.kind, name=place.name, path=place.path, housing_type=place.housing_type,
                   floor_from=place.floor_from, floor_to=place.floor_to, poi_kind=place.poi_kind,
                   child_count=child_count)


def open_counts(session: Session, actor: Actor | None = None) -> dict[int, int]:
    """Open requests on each place and below it, for every place that has any (with an
    ``actor``: its requests only)."""
    rows = session.execute(
        select(Place.path, func.count(Request.id))
        .join(Place, Place.id == Request.place_id)
        .where(Request.status.in_([s.value for s in OPEN_STATUSES]),
               *scoped_conditions(session, None, actor, now=utcnow()))
        .group_by(Place.id, Place.path)
    ).all()
    out: dict[int, int] = {}
    for path, n in rows:
        for part in path.strip("/").split("/"):
            if part:
                out[int(part)] = out.get(int(part), 0) + n
    return out


def _natural(text: str) -> list:
    """Sort key for names like 2号楼 < 10号楼."""
    return [(0, int(tok), "") if tok.isdigit() else (1, 0, tok) for tok in re.split(r"(\d+)", text) if tok]


def child_items(session: Session, parent_id: int | None, actor: Actor | None = None) -> list[PlaceItem]:
    """The children of a node (the top places for ``None``), points of interest last;
    with an ``actor``, those it may read."""
    places = place_svc.children(session, parent_id, actor=actor)
    ids = [p.id for p in places]
    counts = (dict(session.execute(
        select(Place.parent_id, func.count()).where(Place.parent_id.in_(ids)).group_by(Place.parent_id)
    ).all()) if ids else {})
    items = [PlaceItem.of(p, counts.get(p.id, 0)) for p in places]
    items.sort(key=lambda i: (i.kind == PlaceKind.poi.value, _natural(i.name)))
    return items


def node_label(item: PlaceItem, open_count: int) -> Text:
    """``小区 荣乐园 · 异地安置房 · 2 open``: kind, name, housing / floors, open requests."""
    kind = label(PoiKind(item.poi_kind)) if item.kind == PlaceKind.poi.value and item.poi_kind else label(
        PlaceKind(item.kind))
    text = Text()
    text.append(kind, style="dim")
    text.append(" ")
    text.append(item.name, style="bold" if item.kind in ("street", "community", "compound") else "")
    extras = []
    if item.housing_type:
        extras.append(label(HousingType(item.housing_type)))
    if item.floor_from is not None and item.floor_to is not None:
        extras.append(_("floors {first}–{last}").format(first=item.floor_from, last=item.floor_to))
    for extra in extras:
        text.append(" · " + extra, style="italic")
    if open_count or item.kind != PlaceKind.household.value:
        text.append(" · ")
        text.append(_("{n} open").format(n=open_count), style="bold yellow" if open_count else "dim")
    return text


class PlaceTree(Tree[PlaceItem]):
    """The tree, with its keys given ids (enter and space expand or collapse)."""

    BINDINGS = [
        Binding("enter", "select_cursor", N_("Expand"), id="places.expand"),
        Binding("space", "toggle_node", N_("Expand / collapse"), id="places.toggle", show=False),
    ]


class PlacesView(DbWork, Vertical):
    """地点 / Places."""

    BINDINGS = [
        Binding("r", "requests_here", N_("Requests here"), id="places.requests"),
        Binding("p", "people_here", N_("People here"), id="places.people"),
        Binding("ctrl+r", "reload", N_("Refresh"), id="places.refresh"),
        Binding("ctrl+l", "import_data", N_("Import"), id="places.import", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.counts: dict[int, int] = {}
        self.expanded: set[int] = set()  # kept across a rebuild (ctrl+r)

    def compose(self) -> ComposeResult:
        yield Label(_("Enter expands · r: requests here · p: people here"), id="place-hint", classes="status-line")
        tree: PlaceTree = PlaceTree(_("Places"), id="place-tree")
        tree.show_root = False
        tree.auto_expand = True
        yield tree
        yield Label("", id="place-status", classes="status-line")

    def on_mount(self) -> None:
        translate_bindings(self)
        translate_bindings(self.tree)
        self.reload()

    def on_show_section(self) -> None:
        self.tree.focus()
        self.refresh_counts()

    @property
    def tree(self) -> PlaceTree:
        return self.query_one("#place-tree", PlaceTree)

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        """Build the tree again from the top, re-opening the nodes that were open."""
        db, actor = self.app.db, self.app.actor

        def fetch() -> tuple[dict[int, int], list[PlaceItem]]:
            with db.read_session() as s:
                return open_counts(s, actor), child_items(s, None, actor)

        def show(result: tuple[dict[int, int], list[PlaceItem]]) -> None:
            self.counts, top = result
            tree = self.tree
            tree.clear()
            if len(top) == 1 and top[0].child_count:
                self.expanded.add(top[0].id)  # one street: open it
            self._add_children(tree.root, top)
            if top:
                tree.move_cursor(tree.root.children[0])
            else:
                self.query_one("#place-status", Label).update(_("No places yet"))

        self.db_work(fetch, show, group="place-tree")

    def refresh_counts(self) -> None:
        """Recount open requests and relabel the nodes already shown."""
        db, actor = self.app.db, self.app.actor

        def fetch() -> dict[int, int]:
            with db.read_session() as s:
                return open_counts(s, actor)

        def show(counts: dict[int, int]) -> None:
            self.counts = counts
            self._relabel(self.tree.root)
            self._show_status(self.tree.cursor_node)

        self.db_work(fetch, show, group="place-counts")

    def _relabel(self, node: TreeNode[PlaceItem]) -> None:
        for child in node.children:
            if child.data is not None:
                child.set_label(node_label(child.data, self.counts.get(child.data.id, 0)))
            self._relabel(child)

    def _add_children(self, node: TreeNode[PlaceItem], items: list[PlaceItem]) -> None:
        for item in items:
            child = node.add(node_label(item, self.counts.get(item.id, 0)), data=item,
                             allow_expand=item.child_count > 0)
            if item.id in self.expanded and item.child_count:
                child.expand()

    def load_children(self, node: TreeNode[PlaceItem]) -> None:
        item = node.data
        if item is None or item.loaded or item.loading:
            return
        item.loading = True
        db, actor = self.app.db, self.app.actor

        def fetch() -> list[PlaceItem]:
            with db.read_session() as s:
                return child_items(s, item.id, actor)

        def show(children: list[PlaceItem]) -> None:
            item.loading, item.loaded = False, True
            node.remove_children()
            self._add_children(node, children)

        def failed(message: str) -> None:
            item.loading = False
            self.app.show_error(message)

        self.db_work(fetch, show, group=f"place-children-{item.id}", on_error=failed)

    @on(Tree.NodeExpanded, "#place-tree")
    def _expanded(self, event: Tree.NodeExpanded[PlaceItem]) -> None:
        if event.node.data is not None:
            self.expanded.add(event.node.data.id)
            self.load_children(event.node)

    @on(Tree.NodeCollapsed, "#place-tree")
    def _collapsed(self, event: Tree.NodeCollapsed[PlaceItem]) -> None:
        if event.node.data is not None:
            self.expanded.discard(event.node.data.id)

    @on(Tree.NodeHighlighted, "#place-tree")
    def _highlighted(self, event: Tree.NodeHighlighted[PlaceItem]) -> None:
        self._show_status(event.node)

    def _show_status(self, node: TreeNode[PlaceItem] | None) -> None:
        if node is None or node.data is None:
            return
        self.query_one("#place-status", Label).update(
            _("{place} · {n} open requests here and below").format(
                place=self.full_name(node), n=self.counts.get(node.data.id, 0))
        )

    # -- actions -------------------------------------------------------------------

    @staticmethod
    def full_name(node: TreeNode[PlaceItem]) -> str:
        names = []
        while node is not None and node.data is not None:
            names.append(node.data.name)
            node = node.parent
        return " / ".join(reversed(names))

    def _current(self) -> TreeNode[PlaceItem] | None:
        node = self.tree.cursor_node
        if node is None or node.data is None:
            self.app.notify(_("Choose a place first"), severity="warning")
            return None
        return node

    async def action_requests_here(self) -> None:
        node = self._current()
        if node is None:
            return
        await self.app.show_section("requests")  # built when first opened
        requests = self.app.query_one("#requests")
        requests.set_place_filter(node.data.id, self.full_name(node))
        table = requests.query("#req-table")
        if table:
            table.first().focus()

    async def action_people_here(self) -> None:
        node = self._current()
        if node is None:
            return
        place_id, name = node.data.id, self.full_name(node)
        await self.app.show_section("people")  # built when first opened
        people = self.app.query("#people")
        view = people.first() if people else None
        if view is not None and hasattr(view, "show_place"):
            view.show_place(place_id)
        elif view is not None and hasattr(view, "set_household_filter"):
            view.set_household_filter(place_id, name)
        else:
            self.app.push_screen(PeopleHereScreen(place_id, name))

    def action_import_data(self) -> None:
        """The import screen for a place register (tui.screens.import_data)."""
        self.app.open_import("places", lambda written: self.reload() if written else None)

    def action_reload(self) -> None:
        self.reload()


@dataclass
class PersonLine:
    id: int
    cells: tuple[str, ...]


def people_under(session: Session, place_id: int, limit: int = PEOPLE_LIMIT,
                 actor: Actor | None = None) -> tuple[list[PersonLine], int]:
    """People whose household lies under a place (phones masked), and how many there are
    (with an ``actor``: of its places only; the street shows a community's own)."""
    node = place_svc.get_place(session, place_id, actor=actor)
    under = Place.path.startswith(node.path, autoescape=True)
    scope = read_scope(session, actor, "person.read")
    if scope is not None:
        under = and_(under, people_svc.in_scope(scope))
    rows = session.execute(
        select(Person, Place.name).join(Place, Place.id == Person.household_id).where(under)
        .order_by(Place.path, Person.name, Person.id).limit(limit)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(Person).join(Place, Place.id == Person.household_id).where(under)
    ) or 0
    out = []
    for person, household in rows:
        row = person_row(person)
        gender = label(Gender(row["gender"])) if row["gender"] in Gender.__members__ else ""
        out.append(PersonLine(person.id, (row["name"], gender, str(row["birth_year"] or ""), row["phone"] or "",
                                          household)))
    return out, total


class PeopleHereScreen(DbWork, ModalScreen[None]):
    """The people whose household lies under one place (phones masked)."""

    BINDINGS = [Binding("escape", "close", N_("Close"), id="places.people_close")]

    def __init__(self, place_id: int, name: str) -> None:
        super().__init__()
        self.place_id = place_id
        self.place_name = name

    def compose(self) -> ComposeResult:
        with Vertical(classes="form"):
            yield Label(_("People at {place}").format(place=self.place_name), classes="panel-title")
            yield DataTable(id="people-here", cursor_type="row", zebra_stripes=True)
            yield Label("", id="people-here-status", classes="status-line")

    def on_mount(self) -> None:
        translate_bindings(self)
        table = self.query_one("#people-here", DataTable)
        for title in (N_("Name"), N_("Gender"), N_("Born"), N_("Phone"), N_("Household")):
            table.add_column(_(title))
        db, place_id, actor = self.app.db, self.place_id, self.app.actor

        def fetch() -> tuple[list[PersonLine], int]:
            with db.read_session() as s:
                return people_under(s, place_id, actor=actor)

        self.db_work(fetch, self._show, group="people-here")

    def _show(self, result: tuple[list[PersonLine], int]) -> None:
        rows, total = result
        table = self.query_one("#people-here", DataTable)
        for line in rows:
            table.add_row(*line.cells, key=str(line.id))
        status = _("{n} people").format(n=total)
        if total > len(rows):
            status += " · " + _("showing the first {n}").format(n=len(rows))
        self.query_one("#people-here-status", Label).update(status)
        table.focus()

    @on(DataTable.RowSelected, "#people-here")
    async def _open(self, event: DataTable.RowSelected) -> None:
        """Open the person in the People section, when it offers that."""
        await self.app.show_section("people")  # built when first opened (beneath this dialog)
        found = self.app.screen_stack[0].query("#people")  # the shell, beneath this dialog
        view = found.first() if found else None
        if view is not None and hasattr(view, "open_person"):
            self.dismiss(None)
            view.open_person(int(event.row_key.value))

    def action_close(self) -> None:
        self.dismiss(None)
