"""The dashboard (工作台): where the street stands today.

Requests by status, the overdue list (Enter opens a request), today's new
requests (the Asia/Shanghai calendar day), requests by channel this month, and
the three rates (三率) per community for a chosen period, as a table and as a
bar chart of the weighted score. Everything is read in workers; the view loads
when mounted, each time its section is shown, and on ctrl+r.

The dashboard is the first screen: its frame is composed without importing the
database layer (SQLAlchemy and the models load inside the workers), its data
arrives when the database is open, and the three rates are one grouped query
whose street total is the sum of the communities (issue 12).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from fractions import Fraction
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import DataTable, Label

from gongzhi.core.config import RateSettings
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _, label
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.charts import Bar, BarChart
from gongzhi.tui.widgets.columns import Column, FittedTable

if TYPE_CHECKING:
    from sqlmodel import Session

    from gongzhi.core.models.requests import Request
    from gongzhi.core.services.base import Actor
    from gongzhi.core.services.stats import Rates

LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # as core.models.types, without importing SQLAlchemy


def utcnow() -> datetime:
    return datetime.now(UTC)

LIST_LIMIT = 50
PERIODS = {  # key -> English message id of its name
    "month": N_("This month"),
    "quarter": N_("This quarter"),
    "year": N_("This year"),
    "all": N_("All time"),
}
DEFAULT_PERIOD = "year"


@dataclass
class RequestLine:
    id: int
    ref: str
    title: str
    status: str
    channel: str
    place: str
    created_at: datetime
    due_at: datetime | None


@dataclass
class Overview:
    """What the top of the dashboard shows; built by :func:`load_overview`."""

    now: datetime
    by_status: dict[str, int]
    total: int
    open: int
    overdue_total: int
    overdue: list[RequestLine]
    today_total: int
    today: list[RequestLine]
    month: str
    by_channel: dict[str, int]


@dataclass
class RatesTable:
    """The three rates per community (and for the whole street) over one period."""

    period: str
    rows: list[tuple[str, Rates]] = field(default_factory=list)
    total: Rates | None = None


def local_day_bounds(now: datetime) -> tuple[datetime, datetime]:
    """[start, end) of the Asia/Shanghai calendar day that contains ``now``."""
    day = now.astimezone(LOCAL_TZ).date()
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    return start, datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)


def period_range(period: str, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The bounds of "this month / quarter / year" (Asia/Shanghai) or (None, None) for all time."""
    from gongzhi.core.services.stats import period_bounds

    local = now.astimezone(LOCAL_TZ)
    if period == "month":
        return period_bounds(f"{local.year}-{local.month:02d}")
    if period == "quarter":
        return period_bounds(f"{local.year}-Q{(local.month - 1) // 3 + 1}")
    if period == "year":
        return period_bounds(str(local.year))
    return None, None


def _lines(session: Session, rows: list[Request]) -> list[RequestLine]:
    from sqlalchemy import select

    from gongzhi.core.models.places import Place

    place_ids = {r.place_id for r in rows}
    names = (dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(place_ids))).all())
             if place_ids else {})
    return [RequestLine(r.id, r.ref, r.title, r.status, r.channel, names.get(r.place_id, ""), r.created_at, r.due_at)
            for r in rows]


def load_overview(session: Session, now: datetime, actor: Actor | None = None) -> Overview:
    """Counts by status, overdue and today's requests, and this month's channels, as of
    ``now`` (with an ``actor``: of the places it may read)."""
    from sqlalchemy import func, select

    from gongzhi.core.models.requests import Request
    from gongzhi.core.models.vocab import OPEN_STATUSES
    from gongzhi.core.services import requests as request_svc
    from gongzhi.core.services.stats import period_bounds

    by_status = request_svc.count_by_status(session, actor=actor)
    open_codes = {s.value for s in OPEN_STATUSES}
    overdue = request_svc.list_requests(session, request_svc.RequestFilter(overdue=True), sort="due",
                                        descending=False, limit=LIST_LIMIT, now=now, actor=actor)
    day_start, day_end = local_day_bounds(now)
    mine = request_svc.scoped_conditions(session, None, actor, now=now)
    in_today = (Request.created_at >= day_start, Request.created_at < day_end, *mine)
    today_rows = list(session.scalars(
        select(Request).where(*in_today).order_by(Request.created_at.desc(), Request.id.desc()).limit(LIST_LIMIT)
    ))
    today_total = session.scalar(select(func.count()).select_from(Request).where(*in_today)) or 0
    local = now.astimezone(LOCAL_TZ)
    month = f"{local.year}-{local.month:02d}"
    m_start, m_end = period_bounds(month)
    by_channel = dict(session.execute(
        select(Request.channel, func.count())
        .where(Request.created_at >= m_start, Request.created_at < m_end, *mine)
        .group_by(Request.channel)
    ).all())
    return Overview(
        now=now,
        by_status=by_status,
        total=sum(by_status.values()),
        open=sum(n for code, n in by_status.items() if code in open_codes),
        overdue_total=overdue.total,
        overdue=_lines(session, overdue.rows),
        today_total=today_total,
        today=_lines(session, today_rows),
        month=month,
        by_channel=by_channel,
    )


def load_rates(session: Session, period: str, now: datetime, settings: RateSettings | None, lang: str,
               actor: Actor | None = None) -> RatesTable:
    """The three rates per community, and the street's total summed from them (one run of
    :func:`three_rates`: every request belongs to exactly one community group)."""
    from gongzhi.core.services.stats import group_labels, three_rates

    start, end = period_range(period, now)
    names = group_labels(session, "community", lang)
    out = RatesTable(period=period)
    rows = three_rates(session, group_by="community", start=start, end=end, settings=settings, actor=actor)
    for r in rows:
        out.rows.append((names.get(r.group_id, "") if r.group_id is not None else _("Street level"), r))
    out.total = street_total(rows, settings or RateSettings()) if rows else None
    return out


def street_total(rows: list[Rates], settings: RateSettings) -> Rates:
    """The rates of the whole street from its groups' counts (the formulas of three_rates)."""
    from gongzhi.core.services.stats import Rates, _score

    n = {k: sum(getattr(r, k) for r in rows) for k in
         ("received", "base", "responded", "resolved", "rated", "satisfied", "basically", "dissatisfied")}
    base, rated = n["base"], n["rated"]
    rr = Fraction(n["responded"], base) if base else None
    res = Fraction(n["resolved"], base) if base else None
    satr = (Fraction(100 * n["satisfied"] + settings.basically_satisfied_percent * n["basically"], 100 * rated)
            if rated else None)
    return Rates(group="all", group_id="all", response_rate=rr, resolution_rate=res, satisfaction_rate=satr,
                 score=_score(rr, res, satr, settings), **n)


def percent(value: Fraction | None) -> str:
    return "–" if value is None else f"{float(value) * 100:.1f}%"


# the tables' columns, most important first to stay (tui.widgets.columns)
OVERDUE_COLUMNS = (
    Column("ref", N_("Ref"), 14),
    Column("title", N_("Title"), 16, min_width=8, flex=True),
    Column("due", N_("Due"), 16, importance=3, min_width=10),
    Column("place", N_("Place"), 12, importance=2, min_width=6),
    Column("status", N_("Status"), 10, importance=4, min_width=6),
)
TODAY_COLUMNS = (
    Column("ref", N_("Ref"), 14),
    Column("time", N_("Raised"), 5, importance=3),
    Column("channel", N_("Channel"), 8, importance=5),
    Column("title", N_("Title"), 16, min_width=8, flex=True),
    Column("place", N_("Place"), 12, importance=2, min_width=6),
    Column("status", N_("Status"), 10, importance=4, min_width=6),
)
RATE_KEYS = ("community", "received", "response", "resolution", "satisfaction", "score")
RATES_COLUMNS = (
    Column("community", N_("Community"), 12, min_width=6),
    Column("received", N_("Received"), 6, importance=3),
    Column("response", N_("Response rate"), 16, min_width=6),
    Column("resolution", N_("Resolution rate"), 16, min_width=6),
    Column("satisfaction", N_("Satisfaction rate"), 16, min_width=6),
    Column("score", N_("Score"), 6),
)


def rate_cells(r: Rates) -> tuple[str, ...]:
    """Received, response, resolution, satisfaction (each with its counts) and score."""
    ok = r.satisfied + r.basically
    return (
        str(r.received),
        f"{percent(r.response_rate)} ({r.responded}/{r.base})",
        f"{percent(r.resolution_rate)} ({r.resolved}/{r.base})",
        f"{percent(r.satisfaction_rate)} ({ok}/{r.rated})",
        percent(r.score),
    )


class DashboardView(DbWork, Vertical):
    """工作台 / Dashboard."""

    DEFAULT_CSS = """
    DashboardView .dash-row {
        height: auto;
    }
    DashboardView .dash-panel {
        height: auto;
        border: round $primary-background;
        border-title-color: $text;
        border-title-style: bold;
        padding: 0 1;
        width: 1fr;
    }
    DashboardView #dash-status-panel {
        width: 36;
    }
    DashboardView .dash-panel DataTable {
        height: auto;
        max-height: 12;
    }
    DashboardView #dash-period {
        width: 30;
    }
    """

    BINDINGS = [
        Binding("ctrl+r", "refresh_dashboard", N_("Refresh"), id="dashboard.refresh"),
    ]

    # what "now" is; tests pin it to the small street's fixed time
    clock: Callable[[], datetime] = staticmethod(utcnow)

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._framed = False
        self._focus_when_framed = False
        self.overview: Overview | None = None
        self.rates: RatesTable | None = None
        self.period = DEFAULT_PERIOD

    def compose(self) -> ComposeResult:
        """The frame only (titled, empty panels): the app's first frame waits for it.
        The tables and charts are mounted just after that frame (:meth:`_fill_frame`);
        the data arrives later still, from workers."""
        with VerticalScroll(id="dash-scroll"):
            yield Label("", id="dash-summary", classes="status-line")
            with Horizontal(classes="dash-row"):
                with Vertical(id="dash-status-panel", classes="dash-panel") as panel:
                    panel.border_title = _("Requests by status")
                with Vertical(id="dash-overdue-panel", classes="dash-panel") as panel:
                    panel.border_title = _("Overdue")
            with Horizontal(classes="dash-row"):
                with Vertical(id="dash-today-panel", classes="dash-panel") as panel:
                    panel.border_title = _("New today")
                with Vertical(classes="dash-panel", id="dash-channels-panel") as panel:
                    panel.border_title = _("By channel this month")
            with Vertical(id="dash-rates-panel", classes="dash-panel") as panel:
                panel.border_title = _("Three rates by community")

    def on_mount(self) -> None:
        translate_bindings(self)
        # the tables go in after the frame is on screen, from a worker started now (so
        # that whoever waits for the app's workers waits for the frame to be filled too)
        painted = asyncio.Event()
        self.call_after_refresh(painted.set)
        self.run_worker(self._fill_frame(painted), group="dashboard-frame")

    async def _fill_frame(self, painted: asyncio.Event) -> None:
        await painted.wait()
        app = self.app
        if not self.is_attached or getattr(app, "closing", False):
            return
        late_mount = getattr(app, "late_mount", contextlib.nullcontext)
        async with late_mount():  # the app's shutdown waits for these mounts to finish
            await self._mount_tables()
        if not self.is_attached or getattr(app, "closing", False):
            return
        self.query_one("#dash-status", DataTable).add_columns(_("Status"), _("Requests"))
        overdue = self.query_one("#dash-overdue", DataTable)
        self._framed = True
        if self._focus_when_framed:
            overdue.focus()
        self.reload()

    async def _mount_tables(self) -> None:
        # after the first frame: the pickers module reads the database
        from gongzhi.tui.widgets.pickers import Choice, ChoicePicker

        period = ChoicePicker([Choice(key, _(name), key, name) for key, name in PERIODS.items()],
                              placeholder=_("Period: this month, quarter, year …"), id="dash-period",
                              chosen_line=False)
        await self.query_one("#dash-status-panel").mount(
            DataTable(id="dash-status", cursor_type="none", show_cursor=False))
        await self.query_one("#dash-overdue-panel").mount(
            FittedTable(OVERDUE_COLUMNS, id="dash-overdue", cursor_type="row", zebra_stripes=True))
        await self.query_one("#dash-today-panel").mount(
            FittedTable(TODAY_COLUMNS, id="dash-today", cursor_type="row", zebra_stripes=True))
        await self.query_one("#dash-channels-panel").mount(
            BarChart(id="dash-channels", empty=_("No requests this month")))
        await self.query_one("#dash-rates-panel").mount_all([
            period,
            FittedTable(RATES_COLUMNS, id="dash-rates", cursor_type="row", zebra_stripes=True),
            Label(_("Score by community"), classes="panel-title"),
            BarChart(id="dash-score-chart", maximum=100, empty=_("No requests in this period")),
        ])
        period.choose(self.period)

    def on_show_section(self) -> None:
        if not self._framed:  # shown before its tables are in: they focus and load when they are
            self._focus_when_framed = True
            return
        self.query_one("#dash-overdue", DataTable).focus()
        self.reload()

    def action_refresh_dashboard(self) -> None:
        self.reload()

    # -- loading -------------------------------------------------------------------

    def reload(self) -> None:
        if not self._framed:
            return  # _fill_frame loads once the tables are in
        self.load_overview()
        self.load_rates()

    def load_overview(self) -> None:
        now = self.clock()

        def fetch() -> Overview:
            with self.app.db.read_session() as s:  # read in the worker: the database may open after the first frame
                return load_overview(s, now, self.app.actor)

        self.db_work(fetch, self._show_overview, group="dashboard-overview")

    def load_rates(self) -> None:
        now, period, lang = self.clock(), self.period, i18n.language()
        settings = getattr(self.app.settings, "rates", None)

        def fetch() -> RatesTable:
            with self.app.db.read_session() as s:
                return load_rates(s, period, now, settings, lang, self.app.actor)

        self.db_work(fetch, self._show_rates, group="dashboard-rates")

    # -- showing -------------------------------------------------------------------

    def _show_overview(self, data: Overview) -> None:
        from gongzhi.core.models.types import fmt_local
        from gongzhi.core.models.vocab import Channel, Status

        if not self.is_attached:
            return
        self.overview = data
        self.query_one("#dash-summary", Label).update(
            _("{total} requests · {open} open · {overdue} overdue · {today} new today").format(
                total=data.total, open=data.open, overdue=data.overdue_total, today=data.today_total)
        )
        status = self.query_one("#dash-status", DataTable)
        status.clear()
        for s in Status:
            if data.by_status.get(s.value):
                status.add_row(label(s), str(data.by_status[s.value]), key=s.value)
        status.add_row(_("Total"), str(data.total), key="total")
        self.query_one("#dash-overdue", FittedTable).set_rows([
            ({"ref": line.ref, "title": line.title, "due": fmt_local(line.due_at), "place": line.place,
              "status": label(Status(line.status))}, str(line.id))
            for line in data.overdue])
        self.query_one("#dash-today", FittedTable).set_rows([
            ({"ref": line.ref, "time": fmt_local(line.created_at)[-5:], "channel": label(Channel(line.channel)),
              "title": line.title, "place": line.place, "status": label(Status(line.status))}, str(line.id))
            for line in data.today])
        bars = [Bar(label(c), data.by_channel[c.value], str(data.by_channel[c.value]))
                for c in Channel if data.by_channel.get(c.value)]
        self.query_one("#dash-channels", BarChart).set_bars(bars)
        self.query_one("#dash-channels-panel").border_title = _("By channel, {month}").format(month=data.month)

    def _show_rates(self, data: RatesTable) -> None:
        if not self.is_attached:
            return
        self.rates = data
        rows = [(name, r, str(r.group_id)) for name, r in data.rows]
        if data.total is not None and len(data.rows) > 1:
            rows.append((_("Whole street"), data.total, "all"))
        self.query_one("#dash-rates", FittedTable).set_rows([
            (dict(zip(RATE_KEYS, (name, *rate_cells(r)), strict=True)), key) for name, r, key in rows])
        self.query_one("#dash-score-chart", BarChart).set_bars(
            [Bar(name, None if r.score is None else float(r.score) * 100, percent(r.score)) for name, r in data.rows]
        )

    # -- events --------------------------------------------------------------------

    def on_picker_changed(self, event) -> None:
        """A period typed in ``#dash-period`` (本月 ← "by", "month"); an emptied box keeps the period."""
        if event.picker.id != "dash-period" or event.value is None or event.value == self.period:
            return
        self.period = str(event.value)
        self.load_rates()

    @on(DataTable.RowSelected, "#dash-overdue, #dash-today")
    def _open(self, event: DataTable.RowSelected) -> None:
        self.open_request(int(event.row_key.value))

    @work(group="dashboard-open")
    async def open_request(self, request_id: int) -> None:
        """Show the requests section (built on first use) and the request's detail over it."""
        await self.app.show_section("requests")
        self.app.query_one("#requests").open_request(request_id)
