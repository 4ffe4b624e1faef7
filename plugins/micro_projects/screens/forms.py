"""The micro-projects' write forms, on the shared form dialog (:class:`MicroForm`):
a new list and a new project from the board, an allocation and a spending from the
project page, the year's total and an allocation from the fund view, a round asked of
the residents' council from the evaluation grid. Each saves through the same service
the CLI calls; a value the form can tell is wrong (no community chosen, not a year,
not a date, not an amount) is refused on the form, a refusal of the service shows there
too in the user's language, and nothing is written.

Choices (lists, categories, organisations, projects) are chosen by typing
(``kind="choice"``), places with the place picker, people with the person picker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.plugins.micro_projects.i18n import N_, _, pair
from gongzhi.plugins.micro_projects.screens.common import category_label, phase_label
from gongzhi.tui.widgets.forms import FormError, FormField, FormModal, modal_binding_text

Done = Callable[[Any], None]


class MicroForm(FormModal, prefix="micro"):
    BINDING_TEXT = modal_binding_text("micro")


def parse_date(text: str) -> date | None:
    """The core's rule: a day the calendar lacks is called impossible, not badly written."""
    from gongzhi.core.validation import parse_day

    return parse_day(text) if text else None


def parse_year(text: str) -> int:
    if not text.isdigit() or not 2000 <= int(text) <= 2100:
        raise FormError(_("Not a year (2000-2100): {value}").format(value=text))
    return int(text)


def parse_money(text: str) -> int:
    """Yuan as typed ("1500", "1,234.50") → fen; refused with the service's own words."""
    from gongzhi.plugins.micro_projects.services import parse_yuan

    if not text:
        raise DomainError("micro.invalid_amount", value="")
    return parse_yuan(text)


def chosen(value: Any, message: str) -> Any:
    if value is None:
        raise FormError(message)
    return value


def split_list(text: str) -> list[str]:
    return [p.strip() for p in text.replace("，", ",").replace("、", ",").split(",") if p.strip()]


def _push(screen, title: tuple[str, str], fields: list[FormField], submit, form_id: str, done: Done) -> None:
    screen.app.push_screen(MicroForm(title, fields, submit, form_id=form_id), done)


# -- the board: a new list, a new project -----------------------------------------------------


def new_list(screen, year: int, done: Done) -> None:
    """A community's list for a year (collecting)."""
    from gongzhi.plugins.micro_projects import services as svc

    db, actor = screen.db, screen.app.actor

    def submit(v: dict[str, Any]):
        community = chosen(v["community"], _("Choose a community"))
        y = parse_year(v["year"])

        def write():
            with db.session() as s:
                return svc.create_list(s, actor=actor, community_id=community, year=y)

        return write

    fields = [
        FormField("community", *pair(N_("Community")), kind="place", kinds=("community",)),
        FormField("year", *pair(N_("Year")), value=str(year)),
    ]
    _push(screen, pair(N_("New list")), fields, submit, "micro-list-form", done)


def new_project(screen, year: int, done: Done, *, community_id: int | None = None) -> None:
    """A project entered on a list still collecting or reviewing: directly, or from the
    requests named by their refs (they stay linked and get a timeline note)."""
    from gongzhi.core.services.orgs import organisations
    from gongzhi.plugins.micro_projects.models import CATEGORIES, ListPhase
    from gongzhi.plugins.micro_projects.queries import lists

    db = screen.db
    open_phases = (ListPhase.collecting.value, ListPhase.reviewing.value)

    def fetch():
        with db.read_session() as s:
            return ([r for r in lists(s, year) if r.phase in open_phases],
                    [(o.name, o.id) for o in organisations(s)])

    def show(found) -> None:
        open_lists, orgs = found
        if not open_lists:
            screen.app.show_error(_("No list of {year} takes projects now (collecting or reviewing): "
                                    "press l to open one").format(year=year))
            return
        preset = next((r.id for r in open_lists if r.community_id == community_id), open_lists[0].id)
        fields = [
            FormField("list", *pair(N_("List")), kind="choice", value=preset,
                      choices=[(f"{r.community} {year}（{phase_label(r.phase)}）", r.id) for r in open_lists]),
            FormField("name", *pair(N_("Project name"))),
            FormField("content", *pair(N_("Content"))),
            FormField("category", *pair(N_("Category")), kind="choice", value="other",
                      choices=[(category_label(c), c) for c in CATEGORIES]),
            FormField("place", *pair(N_("Place (optional)")), kind="place"),
            FormField("org", *pair(N_("Responsible body (optional)")), kind="choice", value=None, choices=orgs),
            FormField("person", *pair(N_("Responsible person (optional)")), kind="person"),
            FormField("deadline", *pair(N_("Deadline (YYYY-MM-DD, optional)"))),
            FormField("effect", *pair(N_("Expected effect"))),
            FormField("budget", *pair(N_("Budget (yuan)"))),
            FormField("requests", *pair(N_("From requests (refs, comma-separated; optional)"))),
        ]
        _push(screen, pair(N_("New project")), fields, project_submit(screen), "micro-project-form", done)

    screen.db_work(fetch, show, group="micro-form-choices")


def project_submit(screen):
    from gongzhi.plugins.micro_projects import services as svc

    db, actor = screen.db, screen.app.actor

    def submit(v: dict[str, Any]):
        list_id = chosen(v["list"], _("Choose the list"))
        deadline = parse_date(v["deadline"])
        budget = parse_money(v["budget"]) if v["budget"] else 0
        refs = split_list(v["requests"])
        data = svc.ProjectInput(
            name=v["name"], content=v["content"], category=v["category"] or "other",
            place_ids=[v["place"]] if v["place"] is not None else [], responsible_org_id=v["org"],
            responsible_person_id=v["person"], deadline=deadline, expected_effect=v["effect"], budget=budget)

        def write():
            from gongzhi.core.services.requests import find_request

            with db.session() as s:
                if refs:
                    ids = [find_request(s, ref).id for ref in refs]
                    s.rollback()  # read only: the service opens its own transaction
                    return svc.from_requests(s, actor=actor, list_id=list_id, request_ids=ids, data=data)
                return svc.add_project(s, actor=actor, list_id=list_id, data=data)

        return write

    return submit


# -- money: allocate, spend, the year's total ---------------------------------------------------


def allocate(screen, done: Done, *, project_id: int | None = None, year: int | None = None) -> None:
    """Money from the year's fund to a project (``take back`` returns what it has not
    spent). From the project page the project is given; from the fund view it is chosen
    among the year's projects that may be funded."""
    from gongzhi.plugins.micro_projects import services as svc

    db, actor = screen.db, screen.app.actor

    def submit(v: dict[str, Any]):
        pid = project_id if project_id is not None else chosen(v["project"], _("Choose the project"))
        fen = parse_money(v["amount"])
        amount = -fen if v["take_back"] else fen

        def write():
            with db.session() as s:
                return svc.allocate(s, actor=actor, project_id=pid, amount=amount, note=v["note"])

        return write

    money = [
        FormField("amount", *pair(N_("Amount (yuan)"))),
        FormField("note", *pair(N_("Note"))),
        FormField("take_back", *pair(N_("Take unspent money back")), kind="check", value=False),
    ]
    if project_id is not None:
        _push(screen, pair(N_("Allocate")), money, submit, "micro-allocate-form", done)
        return
    from gongzhi.plugins.micro_projects.queries import board

    fundable = ("planned", "in_progress", "done")

    def fetch():
        with db.read_session() as s:
            return [(f"{r.code} {r.name}", r.id) for r in board(s, year) if r.status in fundable]

    def show(projects) -> None:
        if not projects:
            screen.app.show_error(_("No project of {year} can be given money yet (feasible first)").format(year=year))
            return
        fields = [FormField("project", *pair(N_("Project")), kind="choice", value=None, choices=projects), *money]
        _push(screen, pair(N_("Allocate")), fields, submit, "micro-allocate-form", done)

    screen.db_work(fetch, show, group="micro-form-choices")


def spend(screen, project_id: int, done: Done) -> None:
    """Money spent on a project, held to its allocation (a negative amount is not typed
    here: a correction is ``gongzhi micro spend`` with the reason)."""
    from gongzhi.plugins.micro_projects import services as svc

    db, actor = screen.db, screen.app.actor

    def submit(v: dict[str, Any]):
        fen = parse_money(v["amount"])
        on = parse_date(v["on"])

        def write():
            with db.session() as s:
                return svc.spend(s, actor=actor, project_id=project_id, amount=fen, note=v["note"], on=on)

        return write

    fields = [
        FormField("amount", *pair(N_("Amount (yuan)"))),
        FormField("note", *pair(N_("What for"))),
        FormField("on", *pair(N_("Date (empty: today)"))),
    ]
    _push(screen, pair(N_("Record spending")), fields, submit, "micro-spend-form", done)


def fund_total(screen, year: int, current: int | None, done: Done) -> None:
    """Set (or change) the year's special fund; never below what is allocated."""
    from gongzhi.plugins.micro_projects import services as svc

    db, actor = screen.db, screen.app.actor

    def submit(v: dict[str, Any]):
        total = parse_money(v["total"])

        def write():
            with db.session() as s:
                return svc.set_fund(s, actor=actor, year=year, total=total)

        return write

    value = svc.fmt_yuan(current).replace(",", "") if current is not None else ""
    fields = [FormField("total", *pair(N_("Total (yuan)")), value=value)]
    _push(screen, pair(N_("Special fund {year}"), year=year), fields, submit, "micro-fund-form", done)


# -- the evaluation grid: a round at the residents' council -------------------------------------


def round_request(screen, project_id: int, year: int, done: Done) -> None:
    """Ask the residents' council for the project's evaluation round (the threshold — the
    street's, unless changed here — and the redo deadline go with it; the result is
    judged by them when it comes back)."""
    from gongzhi.plugins.micro_projects import services as svc
    from gongzhi.plugins.micro_projects.screens.common import percent_text

    db, actor = screen.db, screen.app.actor

    def submit(v: dict[str, Any]):
        threshold = svc.parse_threshold(v["threshold"]) if v["threshold"] else None
        deadline = parse_date(v["deadline"])

        def write():
            with db.session() as s:
                return svc.request_evaluation_round(s, actor=actor, project_id=project_id, threshold=threshold,
                                                    redo_deadline=deadline)

        return write

    def fetch():
        with db.read_session() as s:
            return svc.redo_threshold(s)

    def show(limit) -> None:
        fields = [
            FormField("threshold", *pair(N_("Dissatisfaction threshold (%)")), value=percent_text(limit)),
            FormField("deadline", *pair(N_("Redo deadline, should it fail (YYYY-MM-DD)")),
                      value=date(year + 1, 6, 30).isoformat()),
        ]
        _push(screen, pair(N_("Evaluation round")), fields, submit, "micro-round-form", done)

    screen.db_work(fetch, show, group="micro-form-choices")


# -- objections: answered from the objections view ------------------------------------------------


def answer_objection(screen, objection_id: int, done: Done) -> None:
    """The answer to an objection raised during publicity (dated today)."""
    from gongzhi.plugins.micro_projects import services as svc

    db, actor = screen.db, screen.app.actor

    def submit(v: dict[str, Any]):
        def write():
            with db.session() as s:
                return svc.answer_objection(s, actor=actor, objection_id=objection_id, answer=v["answer"])

        return write

    fields = [FormField("answer", *pair(N_("Answer")))]
    _push(screen, pair(N_("Answer objection {id}"), id=objection_id), fields, submit, "micro-answer-form", done)
