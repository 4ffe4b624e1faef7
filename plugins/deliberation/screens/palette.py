"""The palette's actions: a consultation from the request on screen, the request added to
one, and straight to the round receiving ballots."""

from __future__ import annotations

from gongzhi.plugins.deliberation.i18n import _
from gongzhi.plugins.deliberation.screens.consultation import ConsultationScreen
from gongzhi.plugins.deliberation.screens.from_request import FromRequestScreen
from gongzhi.plugins.deliberation.screens.link_request import LinkRequestScreen


def open_from_request(app) -> None:
    """The palette action: with a request on screen (anything with a ``request_id``, as
    the request detail has), ask for the title, create the linked consultation, open it."""
    request_id = getattr(app.screen, "request_id", None)
    if request_id is None:
        app.notify(_("Open a request first, then take it to the council"),
                   severity="warning")
        return
    db, request_screen = app.db, app.screen

    def done(consultation_id: int | None) -> None:
        if consultation_id is None:
            return
        reload = getattr(request_screen, "reload", None)
        if callable(reload):
            reload()  # its timeline now has the note
        app.notify(_("Consultation opened; the request's timeline has a note"))
        app.push_screen(ConsultationScreen(db, consultation_id))

    app.push_screen(FromRequestScreen(db, int(request_id)), done)


def open_receiving_round(app) -> None:
    """The palette action: straight to the round receiving ballots (the newest open one),
    its consultation open with the focus on the vote grid; without one, the section,
    with a word on how to open a round."""
    from gongzhi.plugins.deliberation.queries import receiving_round

    db = app.db

    def fetch() -> tuple[int, int] | None:
        with db.read_session() as s:
            return receiving_round(s)

    def show(found: tuple[int, int] | None) -> None:
        if found is None:
            app.notify(_("No round is receiving ballots: open a consultation and press v for a new round"),
                       severity="warning")
            app.show_section("plugin:deliberation")
            return
        cid, rid = found
        app.push_screen(ConsultationScreen(db, cid, round_id=rid))

    def work() -> None:
        found = fetch()
        app.call_from_thread(show, found)

    app.run_worker(work, thread=True, group="delib-receiving")



def link_from_request(app) -> None:
    """The palette action: link the request on screen to an existing consultation."""
    request_id = getattr(app.screen, "request_id", None)
    if request_id is None:
        app.notify(_("Open a request first, then add it to a consultation"),
                   severity="warning")
        return
    db, request_screen = app.db, app.screen

    def done(consultation_id: int | None) -> None:
        if consultation_id is None:
            return
        reload = getattr(request_screen, "reload", None)
        if callable(reload):
            reload()
        app.notify(_("Request added to the consultation; its timeline has a note"))

    app.push_screen(LinkRequestScreen(db, int(request_id)), done)


