"""The request list pages by keys (next and previous are keyset ranges) and shows the
total when the count worker brings it; the text filter finds one character."""

from __future__ import annotations

import asyncio

from textual.widgets import DataTable, Input, Label

from gongzhi.core.services.requests import list_requests
from gongzhi.tui.screens import requests as requests_screen
from tests.tui.pilot import settle


def _refs(app) -> list[str]:
    table = app.query_one("#req-table", DataTable)
    return [str(table.get_row_at(i)[0]) for i in range(table.row_count)]


def test_next_and_previous_page_keys_and_the_count(make_app, street_db, monkeypatch):
    monkeypatch.setattr(requests_screen, "PAGE_SIZE", 1)
    with street_db.read_session() as s:
        everything = list_requests(s, limit=1000)
    refs = [r.ref for r in everything.rows]
    total = everything.total
    assert total >= 3  # at least three pages of one

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            status = app.query_one("#req-status-line", Label)
            assert _refs(app) == refs[0:1]
            assert str(status.content) == f"共 {total} 件 · 第 1–1 件 · 第 1/{total} 页"
            app.query_one("#req-table", DataTable).focus()
            await pilot.press("ctrl+down")
            await settle(pilot)
            assert _refs(app) == refs[1:2]
            await pilot.press("ctrl+down")
            await settle(pilot)
            assert _refs(app) == refs[2:3]
            assert str(status.content) == f"共 {total} 件 · 第 3–3 件 · 第 3/{total} 页"
            if total == 3:
                await pilot.press("ctrl+down")  # no page after the last
                await settle(pilot)
                assert _refs(app) == refs[2:3]
            await pilot.press("ctrl+up")
            await settle(pilot)
            assert _refs(app) == refs[1:2]
            await pilot.press("ctrl+up", "ctrl+up")  # no page before the first
            await settle(pilot)
            assert _refs(app) == refs[0:1]
            assert str(status.content) == f"共 {total} 件 · 第 1–1 件 · 第 1/{total} 页"
            # a filter starts again at the first page, and counts again
            app.query_one("#req-text", Input).value = "灯"
            await settle(pilot, debounce=0.2)
            with street_db.read_session() as s:
                lamps = [r.ref for r in list_requests(s, limit=1000).rows if r.ref in _lamp_refs(s)]
            assert _refs(app) == lamps[:1]
            assert str(status.content).startswith(f"共 {len(lamps)} 件 · 第 1–")

    asyncio.run(inner())


def _lamp_refs(session) -> set[str]:
    from gongzhi.core.services.requests import RequestFilter

    return {r.ref for r in list_requests(session, RequestFilter(text="灯"), limit=1000).rows}


def test_enter_in_the_filter_opens_the_one_match_and_down_goes_into_the_list(make_app, street_db):
    """Typing a reference and Enter opens that request, even before the debounce is over;
    Down from the filter box moves into the list at its first row."""
    from gongzhi.tui.screens.request_detail import RequestDetailScreen

    with street_db.read_session() as s:
        everything = list_requests(s, limit=1000)
    target = everything.rows[-1]

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            assert app.focused is app.query_one("#req-text", Input)
            await pilot.press("down")  # into the list, first row
            await settle(pilot)
            table = app.query_one("#req-table", DataTable)
            assert app.focused is table and table.cursor_row == 0
            app.query_one("#req-text", Input).focus()
            await pilot.press(*target.ref, "enter")  # Enter at once: the page is read first
            await settle(pilot, debounce=0.2)
            assert isinstance(app.screen, RequestDetailScreen), app.screen
            assert app.screen.request_id == target.id
            await pilot.press("escape")
            await settle(pilot)
            app.query_one("#req-text", Input).value = "no such request anywhere"
            await settle(pilot, debounce=0.2)
            await pilot.press("enter")  # nothing matches: says so, stays
            await settle(pilot)
            assert not isinstance(app.screen, RequestDetailScreen)
            assert app.focused is app.query_one("#req-text", Input)

    asyncio.run(inner())


def test_a_large_count_says_more_than_the_cap_first_then_the_exact_total(make_app, street_db, monkeypatch):
    """Over the cap the status line first says "N+" (counting on), then the exact total."""
    from gongzhi.core.services import requests as svc

    monkeypatch.setattr(svc, "COUNT_CAP", 1)
    with street_db.read_session() as s:
        total = list_requests(s, limit=1).total
    assert total > 2
    shown: list[str] = []
    original = requests_screen.RequestsView._show_status

    def recording(self) -> None:
        original(self)
        shown.append(str(self.query_one("#req-status-line", Label).content))

    monkeypatch.setattr(requests_screen.RequestsView, "_show_status", recording)

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            assert "1+ 件（正在计数…）" in " | ".join(shown)
            assert shown[-1].startswith(f"共 {total} 件 · 第 1–")

    asyncio.run(inner())
