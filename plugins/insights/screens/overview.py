"""The insights overview of one month: hot words as bars (TF-IDF weight), rising
topics with their G², the place heat table (requests per 1,000 residents, one-sided
Poisson p) and the chat topics flagged. ``[`` / ``]`` move a month; Enter on a hot
spot (or a rising topic) drills down to its requests."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Label

from gongzhi.plugins.insights.i18n import N_, _
from gongzhi.plugins.insights.screens.common import Translated
from gongzhi.tui.widgets.base import DbWork
from gongzhi.tui.widgets.charts import Bar, BarChart


class OverviewScreen(Translated, DbWork, Screen):
    BINDINGS = [
        Binding("[", "month(-1)", N_("Previous month"), id="insights.previous"),
        Binding("]", "month(1)", N_("Next month"), id="insights.next"),
        Binding("enter", "drill", N_("Requests"), id="insights.drill", show=True, priority=False),
        Binding("r", "to_request", N_("Topic to request"), id="insights.to_request"),
        Binding("escape", "app.pop_screen", N_("Back"), id="insights.back"),
    ]

    DEFAULT_CSS = """
    OverviewScreen #insights-top { height: auto; }
    OverviewScreen #insights-words-box { width: 1fr; height: auto; }
    OverviewScreen #insights-rising-box { width: 1fr; height: auto; }
    OverviewScreen DataTable { height: auto; max-height: 14; }
    """

    def __init__(self, db, period: str | None = None) -> None:
        super().__init__()
        self.db = db
        self.period_text = period
        self.data = None

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Label("", id="insights-title", classes="panel-title")
            with Horizontal(id="insights-top"):
                with Vertical(id="insights-words-box"):
                    yield Label("", id="insights-words-title", classes="panel-title")
                    yield BarChart(id="insights-words", max_label_width=10)
                with Vertical(id="insights-rising-box"):
                    yield Label("", id="insights-rising-title", classes="panel-title")
                    yield DataTable(id="insights-rising", cursor_type="row")
            yield Label("", id="insights-spots-title", classes="panel-title")
            yield DataTable(id="insights-spots", cursor_type="row")
            yield Label("", id="insights-chat-title", classes="panel-title")
            yield DataTable(id="insights-chat", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.translate_own_bindings()
        self.reload()

    def reload(self) -> None:
        from sqlalchemy import func, select

        from gongzhi.plugins.insights.models import InsightsDoc
        from gongzhi.plugins.insights.queries import (
            chat_topics,
            hot_spots,
            hot_words,
            parse_period,
            rising_topics,
        )

        db, text = self.db, self.period_text

        def fetch():
            with db.read_session() as s:
                if text is None:
                    last = s.scalar(select(func.max(InsightsDoc.day)))
                    label = last.strftime("%Y-%m") if last else "2026-01"
                else:
                    label = text
                p = parse_period(label)
                return {"period": p, "words": hot_words(s, p, limit=15), "rising": rising_topics(s, p),
                        "spots": hot_spots(s, p), "chat": chat_topics(s, limit=15)}

        self.db_work(fetch, self.show, group="insights-overview")

    def show(self, data) -> None:
        self.data = data
        self.period_text = data["period"].label
        self.relabel()

    def relabel(self) -> None:
        data = self.data
        if data is None:
            return
        p = data["period"]
        self.query_one("#insights-title", Label).update(_("Opinion database · {period}").format(period=p.label))
        self.query_one("#insights-words-title", Label).update(_("Hot words (TF-IDF weight)"))
        self.query_one("#insights-words", BarChart).set_bars(
            [Bar(w.term, w.score, f"{w.score:g} · {w.count}") for w in data["words"]], empty=_("No requests this month"))
        self.query_one("#insights-rising-title", Label).update(
            _("Rising topics vs {previous} (G² ≥ 10.83 ⇔ p < 0.001)").format(previous=p.previous().label))
        rising = self.query_one("#insights-rising", DataTable)
        rising.clear(columns=True)
        rising.add_columns(_("Topic"), _("This period"), _("Before"), "G²")
        for r in data["rising"]:
            rising.add_row(r.term, f"{r.now}/{r.now_total}", f"{r.before}/{r.before_total}", f"{r.g2:.1f}", key=r.term)
        self.query_one("#insights-spots-title", Label).update(
            _("Place heat: requests per 1,000 residents (one-sided Poisson test; ★ hot spot)"))
        spots = self.query_one("#insights-spots", DataTable)
        spots.clear(columns=True)
        spots.add_columns(_("Compound"), _("Requests"), _("Residents"), _("Per 1,000"), _("Expected"), "p", "")
        for h in data["spots"]:
            spots.add_row(h.compound, h.requests, h.residents, f"{h.per_1000:.1f}", f"{h.expected:.1f}",
                          f"{h.p_value:.2g}", "★" if h.flagged else "", key=str(h.compound_id))
        self.query_one("#insights-chat-title", Label).update(_("Chat topics (★ hot in chat, rare in requests)"))
        chat = self.query_one("#insights-chat", DataTable)
        chat.clear(columns=True)
        chat.add_columns(_("Topic"), _("Chat messages"), _("Requests"), "G²", "")
        for c in data["chat"]:
            chat.add_row(c.term, f"{c.chat_messages}/{c.chat_total}", f"{c.requests}/{c.requests_total}",
                         f"{c.g2:.1f}", "★" if c.flagged else "", key=c.term)

    def action_month(self, step: int) -> None:
        if self.data is None:
            return
        p = self.data["period"]
        day = p.start - timedelta(days=1) if step < 0 else p.end
        self.period_text = day.strftime("%Y-%m")
        self.reload()

    def action_to_request(self) -> None:
        """The chat topic under the cursor becomes a request (core services), in one step."""
        from gongzhi.plugins.insights.services import act_on_topic

        table = self.query_one("#insights-chat", DataTable)
        if not table.row_count:
            return
        term = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        db, actor = self.db, self.app.actor  # the logged-in operator (their grants are checked)

        def done(out) -> None:
            self.app.notify(_("Request {ref} logged: {title}").format(ref=out["ref"], title=out["title"]))
            self.reload()

        self.db_work(lambda: act_on_topic(db, term, "request", actor=actor), done, group="insights-act")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_drill()

    def action_drill(self) -> None:
        from gongzhi.plugins.insights.screens.drill import DrillScreen

        if self.data is None:
            return
        period = self.data["period"]
        focused = self.focused
        if isinstance(focused, DataTable) and focused.row_count:
            key = focused.coordinate_to_cell_key(focused.cursor_coordinate).row_key.value
            if focused.id == "insights-spots":
                name = str(focused.get_row_at(focused.cursor_row)[0])
                self.app.push_screen(DrillScreen(self.db, period, compound_id=int(key), heading=name))
            elif focused.id == "insights-rising":
                self.app.push_screen(DrillScreen(self.db, period, term=key, heading=key))
