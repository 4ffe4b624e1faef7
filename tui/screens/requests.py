"""The request list: filters as you type, pages of 100 so 100,000 requests stay smooth.

Text matches ref, title and description; the reporter box matches the reporter's
name or pinyin (张晓明 ← zxm). Status, community, channel and category are chosen
by typing (Chinese, pinyin initials, full pinyin or the code; the most used channels
and categories first; an emptied box drops the filter); the overdue toggle says its
state in words and only Space (or ctrl+o) flips it. A click on a column header sorts
by it. Enter opens the detail.

A page is one query (:func:`gongzhi.core.services.requests.list_page`) and shows at once;
the total follows from its own worker, so counting never holds a page back. Next
and previous pages are keyset ranges from the rows on screen. Category labels are
read once and kept (``ctrl+r`` reads them again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Input, Label

from gongzhi.core.models.places import Place
from gongzhi.core.models.types import fmt_local, utcnow
from gongzhi.core.models.vocab import Channel, Status
from gongzhi.core.services import categories as category_svc
from gongzhi.core.services import requests as svc
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _, label
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.columns import Column, ColumnPlan, fit_columns
from gongzhi.tui.widgets.pickers import Choice, ChoicePicker
from gongzhi.tui.widgets.toggle import Toggle

PAGE_SIZE = 100
EXPORT_BATCH = 2000  # rows read at a time for ctrl+e's whole list
DEBOUNCE_SECONDS = 0.1

# the list's columns, most important first to stay (see tui.widgets.columns)
REQUEST_COLUMNS = (
    Column("ref", N_("Ref"), 14),
    Column("status", N_("Status"), 8),
    Column("channel", N_("Channel"), 8, importance=5),
    Column("category", N_("Category"), 8, importance=3, min_width=6),
    Column("title", N_("Title"), 24, min_width=10, flex=True),
    Column("place", N_("Place"), 14, importance=2, min_width=8),
    Column("reporter", N_("Reporter"), 6, importance=3),
    Column("created", N_("Raised"), 16, importance=4),
    Column("due", N_("Due"), 16, importance=2),
)
REQUEST_KEYS = tuple(c.key for c in REQUEST_COLUMNS)

SORT_COLUMNS = {"ref": "ref", "status": "status", "created": "created", "due": "due", "priority": "priority"}


@dataclass
class RequestRow:
    id: int
    cells: tuple[str, ...]


@dataclass
class Page:
    rows: list[RequestRow]
    offset: int
    has_next: bool
    first_key: Any = None  # where the first and last rows stand in the order (keyset)
    last_key: Any = None
    total: int | None = None  # arrives after the page, from the count worker
    more_than: int | None = None  # a capped count said "more than this" (the exact total follows)


@dataclass
class Filters:
    text: str = ""
    reporter: str = ""
    status: str | None = None
    community_id: int | None = None
    place_id: int | None = None
    channel: str | None = None
    category_id: int | None = None
    overdue: bool = False
    sort: str = "created"
    descending: bool = True
    offset: int = 0
    extra: dict = field(default_factory=dict)


class RequestsView(DbWork, Vertical):
    """诉求 / Requests."""

    BINDINGS = [
        Binding("ctrl+n", "new_request", N_("New request"), id="requests.new", priority=True),
        Binding("ctrl+f", "focus_filter", N_("Filter"), id="requests.filter"),
        Binding("ctrl+o", "toggle_overdue", N_("Overdue"), id="requests.overdue"),
        Binding("f9", "export", N_("Export"), id="requests.export"),
        # paging and refresh: in the help (?), kept out of a narrow footer
        Binding("ctrl+down", "next_page", N_("Next page"), id="requests.next_page", show=False),
        Binding("ctrl+up", "previous_page", N_("Previous page"), id="requests.previous_page", show=False),
        Binding("ctrl+r", "reload", N_("Refresh"), id="requests.refresh", show=False),
        Binding("ctrl+l", "import_data", N_("Import"), id="requests.import", show=False),
    ]

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.filters = Filters()
        self._debounce: Timer | None = None
        self.page: Page | None = None
        self.plan: ColumnPlan | None = None
        self._categories: dict[int, str] | None = None  # labels, read once
        self._generation = 0  # which reload a count belongs to
        self._enter_pending = False  # Enter in a filter box waits for its page
        self._reload_due = False  # a filter changed; its reload waits for the debounce
        self._shown_generation = 0

    def compose(self) -> ComposeResult:
        with Horizontal(classes="toolbar"):
            yield Input(placeholder=_("Search ref, title, description"), id="req-text")
            yield Input(placeholder=_("Reporter (name or pinyin)"), id="req-reporter")
        with Horizontal(classes="toolbar"):
            yield ChoicePicker(
                [Choice(s.value, label(s), s.value, s.label("en") + s.label("zh")) for s in Status],
                placeholder=_("Status"), id="req-status", chosen_line=False)
            yield ChoicePicker([], placeholder=_("Community"), id="req-community", chosen_line=False)
            yield ChoicePicker(_channel_choices({}), placeholder=_("Channel"), id="req-channel", chosen_line=False)
            yield ChoicePicker([], placeholder=_("Category"), id="req-category", chosen_line=False)
            yield Toggle(_("Overdue"), id="req-overdue", on_text=_("only overdue"), off_text=_("all"))
        yield Label("", id="req-place-filter", classes="status-line")
        yield DataTable(id="req-table", cursor_type="row", zebra_stripes=True)
        yield Label("", id="req-status-line", classes="status-line")

    def on_mount(self) -> None:
        translate_bindings(self)
        self._fit(self.size.width or self.app.size.width)
        self._load_options()
        self.reload()

    def on_resize(self, event) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Plan the columns for ``width``: narrow terminals drop channel, raised, reporter
        and category first, and shorten titles and places with "…"."""
        plan = fit_columns(REQUEST_COLUMNS, max(width - 2, 30))
        if self.plan is not None and plan.widths == self.plan.widths:
            return
        self.plan = plan
        table = self.query_one("#req-table", DataTable)
        plan.apply(table)
        if self.page is not None:
            self._fill(table)

    def on_show_section(self) -> None:
        self.reload()

    # -- loading -------------------------------------------------------------------

    def _load_options(self) -> None:
        db = self.app.db

        def fetch():
            from gongzhi.tui.screens.request_form import usage_counts

            with db.read_session() as s:
                communities = s.execute(
                    select(Place.id, Place.name, Place.code).where(Place.kind == "community").order_by(Place.id)
                ).all()
                cats = category_svc.list_categories(s, active_only=True)
                by_category, by_channel = usage_counts(s)
            return communities, cats, by_category, by_channel

        def show(options) -> None:
            communities, cats, by_category, by_channel = options
            self.query_one("#req-community", ChoicePicker).set_choices(
                [Choice(pid, name, code or "") for pid, name, code in communities])
            en = i18n.language() == "en"
            self.query_one("#req-category", ChoicePicker).set_choices(
                [Choice(c.id, c.name_en if en else c.name_zh, c.code or "", c.name_en + c.name_zh,
                        by_category.get(c.id, 0)) for c in cats])
            self.query_one("#req-channel", ChoicePicker).set_choices(_channel_choices(by_channel))

        self.db_work(fetch, show, group="request-options")

    def reload(self, *, after: Any = None, before: Any = None) -> None:
        """Read the page at ``filters.offset`` (after or before a row's key, for the
        next or previous page), then count the matches apart."""
        db, flt, actor = self.app.db, self.filters, self.app.actor
        request_filter = self.current_filter()
        lang = i18n.language()
        categories = self._categories
        self._reload_due = False
        self._generation += 1
        generation = self._generation

        def fetch() -> tuple[Page, dict[int, str]]:
            with db.read_session() as s:
                cats = categories if categories is not None else _category_labels(s, lang)
                page = svc.list_page(s, request_filter, sort=flt.sort, descending=flt.descending, after=after,
                                     before=before, offset=flt.offset, limit=PAGE_SIZE, actor=actor)
            rows = page.rows
            has_next = page.has_more if before is None else True
            return Page(rows=_rows(rows, cats, lang), offset=flt.offset, has_next=has_next,
                        first_key=rows[0].key(flt.sort) if rows else None,
                        last_key=rows[-1].key(flt.sort) if rows else None), cats

        paging = after is not None or before is not None
        known_total = self.page.total if paging and self.page is not None else None

        def show(result: tuple[Page, dict[int, str]]) -> None:
            page, cats = result
            self._categories = cats
            page.total = known_total  # another page of the same filter: the count stands
            self._shown_generation = generation
            self._show_page(page)
            if page.total is None:
                self._count(request_filter, generation)
            if self._enter_pending and generation == self._generation:
                self._enter_pending = False
                self._into_list(open_single=True)

        self.db_work(fetch, show, group="request-list")

    def _count(self, request_filter: svc.RequestFilter, generation: int, *, exact: bool = False) -> None:
        """The count, in two steps when it is large: first capped (a common word over a
        million requests answers "1,000+" at once), then the exact figure."""
        db, actor = self.app.db, self.app.actor
        cap = None if exact else svc.COUNT_CAP

        def fetch() -> int:
            with db.read_session() as s:
                return svc.count_requests(s, request_filter, cap=cap, actor=actor)

        def show(total: int) -> None:
            if generation != self._generation or self.page is None:
                return
            if cap is not None and total > cap:
                self.page.more_than = cap
                self._show_status()
                self._count(request_filter, generation, exact=True)
                return
            self.page.total, self.page.more_than = total, None
            self._show_status()

        self.db_work(fetch, show, group="request-count-exact" if exact else "request-count")

    def _show_page(self, page: Page) -> None:
        self.page = page
        self._fill(self.query_one("#req-table", DataTable))
        self._show_status()

    def _fill(self, table: DataTable) -> None:
        assert self.page is not None and self.plan is not None
        table.clear()
        for row in self.page.rows:
            table.add_row(*self.plan.row(dict(zip(REQUEST_KEYS, row.cells, strict=True))), key=str(row.id))

    def _show_status(self) -> None:
        page = self.page
        assert page is not None
        first = page.offset + 1 if page.rows else 0
        last = page.offset + len(page.rows)
        number = page.offset // PAGE_SIZE + 1
        if page.total is None and page.more_than is not None:
            text = _("{count}+ requests (counting …) · showing {first}–{last} · page {page}").format(
                count=f"{page.more_than:,}", first=first, last=last, page=number)
        elif page.total is None:
            text = _("counting … · showing {first}–{last} · page {page}").format(first=first, last=last, page=number)
        else:
            pages = max(1, -(-page.total // PAGE_SIZE))
            text = _("{total} requests · showing {first}–{last} · page {page}/{pages}").format(
                total=page.total, first=first, last=last, page=number, pages=pages)
        self.query_one("#req-status-line", Label).update(text)

    def _schedule(self) -> None:
        self.filters.offset = 0
        self._reload_due = True
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.reload)

    # -- filters -------------------------------------------------------------------

    @on(Input.Changed, "#req-text")
    def _text(self, event: Input.Changed) -> None:
        self.filters.text = event.value
        self._schedule()

    @on(Input.Changed, "#req-reporter")
    def _reporter(self, event: Input.Changed) -> None:
        self.filters.reporter = event.value
        self._schedule()

    @on(ChoicePicker.Changed)
    def _choice(self, event: ChoicePicker.Changed) -> None:
        target = {"req-status": "status", "req-community": "community_id", "req-channel": "channel",
                  "req-category": "category_id"}.get(event.picker.id or "")
        if target and getattr(self.filters, target) != event.value:
            setattr(self.filters, target, event.value)
            self._schedule()

    @on(Toggle.Changed, "#req-overdue")
    def _overdue(self, event: Toggle.Changed) -> None:
        self.filters.overdue = event.value
        self._schedule()

    @on(Input.Submitted, "#req-text, #req-reporter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        """Enter in a filter box: into the list; the one match opens at once. A page
        still waiting for its debounce is read first."""
        event.stop()
        if self._reload_due:  # typed, the debounce not yet over
            if self._debounce is not None:
                self._debounce.stop()
            self._enter_pending = True
            self.reload()
        elif self._shown_generation != self._generation:  # the page is being read
            self._enter_pending = True
        else:
            self._into_list(open_single=True)

    def on_key(self, event) -> None:
        focused = self.app.focused
        if event.key == "down" and isinstance(focused, Input) and focused.id in ("req-text", "req-reporter"):
            event.stop()
            self._into_list(open_single=False)

    def _into_list(self, *, open_single: bool) -> None:
        table = self.query_one("#req-table", DataTable)
        if self.page is None or not self.page.rows:
            self.app.notify(_("No request matches the filter."), severity="warning")
            return
        if open_single and len(self.page.rows) == 1:
            self.open_request(self.page.rows[0].id)
            return
        table.focus()
        table.move_cursor(row=0)

    def set_place_filter(self, place_id: int | None, name: str = "") -> None:
        """Show only the requests on a place and below it (from the place tree)."""
        self.filters.place_id = place_id
        self.filters.offset = 0
        self.query_one("#req-place-filter", Label).update(_("Place: {name}").format(name=name) if place_id else "")
        self.reload()

    def set_status_filter(self, statuses: str | None) -> None:
        picker = self.query_one("#req-status", ChoicePicker)
        if statuses:
            picker.choose(statuses)
        else:
            picker.clear()

    @on(DataTable.HeaderSelected, "#req-table")
    def _sort(self, event: DataTable.HeaderSelected) -> None:
        key = SORT_COLUMNS.get(str(event.column_key.value))
        if key is None:
            return
        if self.filters.sort == key:
            self.filters.descending = not self.filters.descending
        else:
            self.filters.sort, self.filters.descending = key, key != "ref"
        self.filters.offset = 0
        self.reload()

    @on(DataTable.RowSelected, "#req-table")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.open_request(int(event.row_key.value))

    def open_request(self, request_id: int) -> None:
        from gongzhi.tui.screens.request_detail import RequestDetailScreen

        self.app.push_screen(RequestDetailScreen(request_id), lambda _changed: self.reload())

    # -- actions -------------------------------------------------------------------

    def action_new_request(self) -> None:
        from gongzhi.tui.screens.request_form import RequestFormScreen

        def done(request_id: int | None) -> None:
            self.reload()
            if request_id is not None:
                self.open_request(request_id)

        self.app.push_screen(RequestFormScreen(), done)

    def action_focus_filter(self) -> None:
        self.query_one("#req-text", Input).focus()

    def action_toggle_overdue(self) -> None:
        box = self.query_one("#req-overdue", Toggle)
        box.value = not box.value

    def action_next_page(self) -> None:
        if self.page and self.page.has_next and self.page.rows:
            self.filters.offset += PAGE_SIZE
            self.reload(after=self.page.last_key)

    def action_previous_page(self) -> None:
        if self.page and self.filters.offset > 0:
            self.filters.offset = max(0, self.filters.offset - PAGE_SIZE)
            if self.page.rows:
                self.reload(before=self.page.first_key)
            else:
                self.reload()

    def action_reload(self) -> None:
        self._categories = None  # labels may have changed
        self.reload()

    def export_source(self, table: DataTable):
        """``ctrl+e`` (tui.screens.table_export): every request the filter finds in the
        list's order, not only the page shown, in the table's columns."""
        from gongzhi.tui.screens.table_export import full_rows

        if table.id != "req-table" or self.plan is None:
            return None
        flt, request_filter, lang, plan = self.filters, self.current_filter(), i18n.language(), self.plan
        sort, descending = flt.sort, flt.descending

        def rows(s) -> tuple[list[str], list[list]]:
            cats = _category_labels(s, lang)
            out: list[list] = []
            after = None
            keyset = sort in svc.KEYSET_SORTS
            while True:  # keyset sorts page after the last row's key, the others by offset
                page = svc.list_page(s, request_filter, sort=sort, descending=descending, after=after,
                                     offset=0 if keyset else len(out), limit=EXPORT_BATCH)
                out += full_rows(plan, (dict(zip(REQUEST_KEYS, r.cells, strict=True))
                                        for r in _rows(page.rows, cats, lang)))[1]
                if not page.has_more or not page.rows:
                    return full_rows(plan, ())[0], out
                after = page.rows[-1].key(sort) if keyset else None

        return rows

    def current_filter(self) -> svc.RequestFilter:
        flt = self.filters
        return svc.RequestFilter(
            statuses=[flt.status] if flt.status else (), community_id=flt.community_id, place_id=flt.place_id,
            channel=flt.channel, category_id=flt.category_id, overdue=flt.overdue, text=flt.text,
            reporter_query=flt.reporter,
        )

    def action_import_data(self) -> None:
        """The import screen for a ticket export (tui.screens.import_data)."""
        self.app.open_import("requests", lambda written: self.reload() if written else None)

    def action_export(self) -> None:
        """Export what the list shows now (all pages) to CSV, with progress and cancel."""
        from gongzhi.tui.screens.export import ExportScreen

        self.app.push_screen(ExportScreen(self.current_filter()))


def _channel_choices(counts: dict[str, int]) -> list[Choice]:
    """The channels to filter by, the most used first."""
    return [Choice(c.value, label(c), c.value, c.label("en") + c.label("zh"), counts.get(c.value, 0)) for c in Channel]


def _category_labels(session, lang: str) -> dict[int, str]:
    return {c.id: (c.name_en if lang == "en" else c.name_zh) for c in category_svc.list_categories(session)}


def _rows(rows: list[svc.ListRow], categories: dict[int, str], lang: str) -> list[RequestRow]:
    """Display cells for one page: names came with the page, labels from vocabularies."""
    now = utcnow()
    anonymous = _("anonymous")
    out = []
    for r in rows:
        status = Status(r.status).label(lang)
        if r.overdue(now):
            status += " ⚠"
        reporter = anonymous if r.anonymous else r.reporter or ""
        out.append(RequestRow(r.id, (r.ref, status, Channel(r.channel).label(lang), categories.get(r.category_id, ""),
                                     r.title, r.place, reporter, fmt_local(r.created_at), fmt_local(r.due_at))))
    return out
