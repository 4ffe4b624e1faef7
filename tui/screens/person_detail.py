"""One person: facts with personal numbers masked, posts, requests raised, and the
panels plugins contribute (hook ``register_person_panels``).

Two things need an explicit action: ``v`` reveals the phone and ID number after
asking for a reason (core.services.people.reveal_person writes the audit row),
and ``c`` shows the care tags, which are sensitive. Dismisses with ``True`` when
the person was edited, so the list behind it refreshes.
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Footer, Input, Label, Static

from gongzhi.core.models.requests import Request
from gongzhi.core.models.vocab import CareTag, Gender, OrgKind, Role, Status
from gongzhi.core.services import orgs as orgs_svc
from gongzhi.core.services import people as people_svc
from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, _
from gongzhi.tui.screens.orgs import is_current
from gongzhi.tui.widgets.base import DbWork, translate_bindings
from gongzhi.tui.widgets.columns import Column, ColumnPlan, fit_columns
from gongzhi.tui.widgets.place_paths import place_paths

log = logging.getLogger(__name__)
REQUEST_LIMIT = 100

# the two tables' columns, most important first to stay (tui.widgets.columns)
POST_COLUMNS = (
    Column("org", N_("Organisation"), 24, min_width=10, flex=True),
    Column("kind", N_("Kind"), 20, importance=3, min_width=8),
    Column("role", N_("Role"), 18, min_width=8),
    Column("scope", N_("Scope"), 22, importance=2, min_width=8),
    Column("since", N_("Since"), 10, importance=4),
)
REQUEST_COLUMNS = (
    Column("ref", N_("Ref"), 15),
    Column("status", N_("Status"), 8, importance=2),
    Column("title", N_("Title"), 30, min_width=10, flex=True),
)


@dataclass
class PersonInfo:
    id: int
    name: str
    gender: str
    birth_year: str
    phone: str  # masked
    id_number: str  # masked
    household: str
    notes: str
    memberships: list[tuple[str, ...]] = field(default_factory=list)
    requests: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    panels: list[tuple[str, str]] = field(default_factory=list)  # (title, text)


def _vocab(enum, value: str, lang: str) -> str:
    try:
        return enum(value).label(lang)
    except ValueError:
        return value


def load_person(db, host, person_id: int, lang: str, actor=None) -> PersonInfo:
    """Everything the screen shows, read in one session (runs in a worker); with an
    ``actor``, refused for a person outside its places."""
    with db.read_session() as s:
        p = people_svc.get_person(s, person_id, actor=actor)
        row = people_svc.person_row(p)
        # a post ended today is over (as end_membership sees it), so filter here rather than current_only
        today = date.today()
        posts = [
            (m, o)
            for m, o in orgs_svc.memberships_of(s, person_id, current_only=False)
            if is_current(m, today)
        ]
        paths = place_paths(
            s, [p.household_id] + [m.scope_place_id for m, _o in posts], skip_street=False
        )
        memberships = [
            (
                o.name,
                _vocab(OrgKind, o.kind, lang),
                _vocab(Role, m.role, lang),
                paths.get(m.scope_place_id, "").rsplit(" / ", 1)[-1] if m.scope_place_id else "",
                m.start_date.isoformat() if m.start_date else "",
            )
            for m, o in posts
        ]
        raised = s.scalars(
            select(Request)
            .where(Request.reporter_id == person_id)
            .order_by(Request.created_at.desc(), Request.id.desc())
            .limit(REQUEST_LIMIT)
        )
        requests = [(r.id, (r.ref, _vocab(Status, r.status, lang), r.title)) for r in raised]
        panels = []
        if host is not None:
            for c in host.collect("register_person_panels"):
                title_zh, title_en, render = c.args[:3]
                try:
                    text = str(render(s, person_id, lang=lang) if _takes_lang(render) else render(s, person_id))
                except Exception as exc:  # noqa: BLE001 - one plugin's panel must not break the screen
                    log.exception("person panel %s of plugin %s failed", c.key, c.plugin)
                    text = _("This panel could not be shown: {detail}").format(detail=exc)
                panels.append((title_en if lang == "en" and title_en else title_zh, text))
        return PersonInfo(
            id=p.id,
            name=p.name,
            gender=_vocab(Gender, p.gender, lang),
            birth_year=str(p.birth_year or "—"),
            phone=row["phone"] or "—",
            id_number=row["id_number"] or "—",
            household=paths.get(p.household_id, "—") if p.household_id else "—",
            notes=p.notes or "—",
            memberships=memberships,
            requests=requests,
            panels=panels,
        )


def _takes_lang(render) -> bool:
    """Whether a person panel's ``render`` accepts the UI language (``lang="zh"|"en"``)."""
    try:
        params = inspect.signature(render).parameters
    except (TypeError, ValueError):
        return False
    return "lang" in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


class RevealReasonScreen(ModalScreen[str | None]):
    """Ask why the full phone and ID number are needed; the reason goes into the audit log."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"), id="person.reveal_cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="form", id="reveal-form"):
            yield Label(_("Show the full phone and ID number"), classes="panel-title")
            yield Label(_("Every reveal is recorded in the audit log. Why do you need them?"))
            yield Input(
                placeholder=_("Reason, e.g. calling back about a request"),
                id="reveal-reason",
                max_length=200,
            )
            with Horizontal(classes="buttons"):
                yield Button(_("Reveal"), id="reveal-ok", variant="warning", disabled=True)
                yield Button(_("Cancel"), id="reveal-cancel")

    def on_mount(self) -> None:
        translate_bindings(self)
        self.query_one("#reveal-reason", Input).focus()

    @on(Input.Changed, "#reveal-reason")
    def _changed(self, event: Input.Changed) -> None:
        self.query_one("#reveal-ok", Button).disabled = not event.value.strip()

    @on(Input.Submitted, "#reveal-reason")
    @on(Button.Pressed, "#reveal-ok")
    def _ok(self) -> None:
        reason = self.query_one("#reveal-reason", Input).value.strip()
        if reason:
            self.dismiss(reason)

    @on(Button.Pressed, "#reveal-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


class PersonDetailScreen(DbWork, ModalScreen[bool]):
    """A person's page; ``v`` reveal (audited), ``c`` care tags, ``e`` edit, Esc close."""

    DEFAULT_CSS = """
    #pd-body { width: 120; max-width: 100%; height: auto; max-height: 90%; padding: 1 2; border: thick $primary; background: $surface; }
    #pd-body .fact { height: auto; }
    #pd-body .fact-name { width: 16; color: $text-muted; }
    #pd-body .fact-value { width: 1fr; }
    #pd-body DataTable { max-height: 12; }
    #pd-body .hint { color: $text-muted; }
    #pd-panels { height: auto; }
    """

    BINDINGS = [
        Binding("escape", "close", N_("Close"), id="person.close"),
        Binding("v", "reveal", N_("Reveal phone and ID"), id="person.reveal"),
        Binding("c", "care_tags", N_("Care tags"), id="person.care_tags"),
        Binding("e", "edit", N_("Edit person"), id="person.edit"),
    ]

    def __init__(self, person_id: int) -> None:
        super().__init__()
        self.person_id = person_id
        self.info: PersonInfo | None = None
        self.changed = False
        self.revealed = False
        self.care_shown = False

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="pd-body"):
            yield Label("", id="pd-title", classes="panel-title")
            for fid, name in (
                ("pd-gender", N_("Gender")),
                ("pd-born", N_("Born")),
                ("pd-phone", N_("Phone")),
                ("pd-id", N_("ID number")),
                ("pd-household", N_("Household")),
                ("pd-notes", N_("Notes")),
                ("pd-care", N_("Care tags")),
            ):
                with Horizontal(classes="fact"):
                    yield Label(_(name), classes="fact-name")
                    yield Label("", id=fid, classes="fact-value")
            yield Label(
                _("v reveals phone and ID (recorded) · c shows care tags · e edits"), classes="hint"
            )
            yield Label(_("Posts"), classes="panel-title")
            yield DataTable(id="pd-memberships", cursor_type="row", zebra_stripes=True)
            yield Label(_("Requests raised"), classes="panel-title")
            yield DataTable(id="pd-requests", cursor_type="row", zebra_stripes=True)
            yield Vertical(id="pd-panels")
        yield Footer()

    def on_mount(self) -> None:
        translate_bindings(self)
        self._plans: tuple[ColumnPlan, ColumnPlan] | None = None
        self._fit(self.size.width or self.app.size.width)
        self.load()

    def on_resize(self, event) -> None:
        self._fit(event.size.width)

    def _fit(self, width: int) -> None:
        """Plan both tables' columns for ``width``: narrow terminals drop when, kind and
        scope first; long names end in "…"."""
        room = max(min(width, 120) - 9, 30)  # the dialog's border, padding and scroll bar
        plans = fit_columns(POST_COLUMNS, room), fit_columns(REQUEST_COLUMNS, room)
        if self._plans is not None and [p.widths for p in plans] == [p.widths for p in self._plans]:
            return
        self._plans = plans
        plans[0].apply(self.query_one("#pd-memberships", DataTable))
        plans[1].apply(self.query_one("#pd-requests", DataTable))
        if self.info is not None:
            self._fill_tables(self.info)

    def _fill_tables(self, info: PersonInfo) -> None:
        assert self._plans is not None
        post_plan, request_plan = self._plans
        posts = self.query_one("#pd-memberships", DataTable)
        posts.clear()
        for cells in info.memberships:
            posts.add_row(*post_plan.row(dict(zip([c.key for c in POST_COLUMNS], cells, strict=True))))
        if not info.memberships:
            posts.add_row(*post_plan.row({"org": _("no current posts")}))
        raised = self.query_one("#pd-requests", DataTable)
        raised.clear()
        for request_id, cells in info.requests:
            raised.add_row(*request_plan.row(dict(zip([c.key for c in REQUEST_COLUMNS], cells, strict=True))),
                           key=str(request_id))

    def load(self) -> None:
        db, host, pid, lang, actor = (
            self.app.db,
            getattr(self.app, "host", None),
            self.person_id,
            i18n.language(),
            self.app.actor,
        )
        self.db_work(lambda: load_person(db, host, pid, lang, actor), self._show, group="person-detail")

    async def _show(self, info: PersonInfo) -> None:
        self.info = info
        self.revealed = False
        self.query_one("#pd-title", Label).update(info.name)
        for fid, value in (
            ("pd-gender", info.gender),
            ("pd-born", info.birth_year),
            ("pd-phone", info.phone),
            ("pd-id", info.id_number),
            ("pd-household", info.household),
            ("pd-notes", info.notes),
        ):
            self.query_one(f"#{fid}", Label).update(value)
        if not self.care_shown:
            self.query_one("#pd-care", Label).update(_("hidden · press c to show"))
        else:
            self.show_care_tags()
        self._fill_tables(info)
        panels = self.query_one("#pd-panels", Vertical)
        await panels.remove_children()
        for title, text in info.panels:
            await panels.mount_all(
                [Label(title, classes="panel-title"), Static(text, classes="panel-text")]
            )

    # -- actions -------------------------------------------------------------------

    def action_close(self) -> None:
        self.dismiss(self.changed)

    def action_reveal(self) -> None:
        if self.revealed:
            return

        def reveal(reason: str | None) -> None:
            if not reason:
                return
            db, actor, pid = self.app.db, self.app.actor, self.person_id

            def write() -> people_svc.Revealed:
                with db.session() as s:
                    return people_svc.reveal_person(s, actor=actor, person_id=pid, reason=reason)

            self.db_work(write, self._revealed, group="person-reveal")

        self.app.push_screen(RevealReasonScreen(), reveal)

    def _revealed(self, numbers: people_svc.Revealed) -> None:
        self.revealed = True
        self.query_one("#pd-phone", Label).update(
            _("{value} (revealed, recorded)").format(value=numbers.phone) if numbers.phone else "—"
        )
        self.query_one("#pd-id", Label).update(
            _("{value} (revealed, recorded)").format(value=numbers.id_number)
            if numbers.id_number
            else "—"
        )

    def action_care_tags(self) -> None:
        if self.care_shown:
            self.care_shown = False
            self.query_one("#pd-care", Label).update(_("hidden · press c to show"))
            return
        self.care_shown = True
        self.show_care_tags()

    def show_care_tags(self) -> None:
        db, pid, lang, actor = self.app.db, self.person_id, i18n.language(), self.app.actor

        def fetch() -> list[str]:
            with db.session() as s:  # viewing sensitive tags is audited
                return [_vocab(CareTag, t, lang) for t in people_svc.view_care_tags(s, actor=actor, person_id=pid)]

        def show(tags: list[str]) -> None:
            if self.care_shown:
                self.query_one("#pd-care", Label).update(
                    ("、" if lang == "zh" else ", ").join(tags) or _("none")
                )

        self.db_work(fetch, show, group="person-care")

    def action_edit(self) -> None:
        from gongzhi.tui.screens.person_form import PersonFormScreen

        def done(saved: int | None) -> None:
            if saved is not None:
                self.changed = True
                self.load()

        self.app.push_screen(PersonFormScreen(self.person_id), done)

    @on(DataTable.RowSelected, "#pd-requests")
    def _open_request(self, event: DataTable.RowSelected) -> None:
        from gongzhi.tui.screens.request_detail import RequestDetailScreen

        self.app.push_screen(
            RequestDetailScreen(int(event.row_key.value)), lambda _changed: self.load()
        )
