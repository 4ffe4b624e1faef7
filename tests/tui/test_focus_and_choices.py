"""Issue 13, points 1–4 on the core screens: focus where one types first, choices by typing
(Chinese, pinyin, code), toggles in words that Enter never flips, refusals beside their field
and in a notification, audit actions in words. Every test drives the real app on the small
demo street under Pilot and checks what it wrote or shows.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from textual.widgets import Input

from gongzhi.core.models.requests import Request
from gongzhi.tui.screens.audit import AuditScreen
from gongzhi.tui.screens.login import LoginScreen
from gongzhi.tui.screens.request_detail import RequestDetailScreen
from gongzhi.tui.widgets.forms import FormError, FormField, FormModal
from gongzhi.tui.widgets.pickers import ChoicePicker
from gongzhi.tui.widgets.toggle import Toggle
from tests.tui.pilot import settle, until
from tests.tui.test_field_fit import SIZE, demo_app


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, debounce=0.15)


def _latest_submitted(app) -> int:
    with app.db.read_session() as s:
        return s.scalar(select(Request.id).where(Request.status == "submitted").order_by(Request.id.desc()))


# (how to open it from the first screen, the widget the cursor must be in)
async def _detail(app, pilot) -> None:
    app.push_screen(RequestDetailScreen(_latest_submitted(app)))
    await settle(pilot, debounce=0.2)


FIRST_FIELDS = [
    ("request form", ("f4", "ctrl+n"), "#f-channel Input"),
    ("people search", ("f5",), "#people-search"),
    ("person form", ("f5", "ctrl+n"), "#pf-name"),
    ("organisation form", ("f7", "ctrl+n"), "#of-name"),
    ("membership form", ("f7", "m"), "#mf-person Input"),
    ("export", ("f4", "f9"), "#export-path"),
    ("accept", (_detail, "a"), "#note-public"),
    ("dispatch", (_detail, "w"), "#lead Input"),
    ("feedback", (_detail, "f"), "#resolved Input"),
    ("supporter", (_detail, "p"), "#supporter Input"),
    ("duplicate", (_detail, "d"), "#original"),
    ("attachments", (_detail, "u"), "#attach-paths"),
    ("audit", (lambda app, pilot: app.push_screen(AuditScreen()),), "#audit-who"),
]


def test_every_core_screen_and_dialog_opens_where_one_types_first(small_demo):
    wrong: dict[str, str] = {}

    async def body(name: str, steps: tuple, selector: str) -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            for step in steps:
                if isinstance(step, str):
                    await press(pilot, step)
                else:
                    result = step(app, pilot)
                    if asyncio.iscoroutine(result):
                        await result
                    await settle(pilot, debounce=0.2)
            target = app.screen.query_one(selector)
            if app.focused is not target:
                wrong[name] = f"focus on {app.focused!r}, not {selector}"

    for name, steps, selector in FIRST_FIELDS:
        asyncio.run(body(name, steps, selector))
    assert wrong == {}


def test_the_login_opens_on_the_login_name(small_demo):
    async def body() -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            app.push_screen(LoginScreen(app.db, lambda *_a: None))
            await until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.focused is not None)
            assert app.focused is app.screen.query_one("#login-name")

    asyncio.run(body())


def test_feedback_by_typing_and_enter_saves_never_flipping_a_toggle(small_demo):
    """The return visit: answers by pinyin, Enter moves on and saves; the toggles stay as
    they say (Enter on one saves, never flips it)."""
    with small_demo.session() as s:
        from gongzhi.core.services import Actor
        from gongzhi.core.services import requests as svc

        request_id = s.scalar(select(Request.id).where(Request.status == "submitted").order_by(Request.id.desc()))
        for to in ("accepted", "in_progress", "resolved"):
            svc.transition(s, actor=Actor("测试办事员"), request_id=request_id, to_status=to, public_note="已处理")

    async def body() -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            app.push_screen(RequestDetailScreen(request_id))
            await settle(pilot, debounce=0.2)
            detail = app.screen
            await press(pilot, "f")
            dialog = app.screen
            assert app.focused is dialog.query_one("#resolved Input")
            await pilot.press(*"bf")  # 部分解决, by pinyin initials
            await press(pilot, "enter")
            assert dialog.query_one("#resolved", ChoicePicker).value == "partly"
            await pilot.press(*"jbmy")  # 基本满意
            await press(pilot, "enter")
            assert dialog.query_one("#satisfaction", ChoicePicker).value == "basically"
            assert app.focused is dialog.query_one("#comment", Input)
            close = dialog.query_one("#close", Toggle)
            close.focus()
            await pilot.pause()
            assert "：是" in str(close.label)  # the state in words
            await press(pilot, "enter")  # saves, the toggle as it was
            assert app.screen is detail, getattr(dialog, "error_text", "")

    asyncio.run(body())
    with small_demo.read_session() as s:
        from gongzhi.core.models.requests import RequestFeedback

        feedback = s.scalar(select(RequestFeedback).where(RequestFeedback.request_id == request_id))
        assert (feedback.resolved, feedback.satisfaction) == ("partly", "basically")
        assert s.get(Request, request_id).status == "closed"


def test_request_list_filters_by_typing_and_the_overdue_toggle_says_its_state(small_demo):
    with small_demo.read_session() as s:
        bench = s.scalar(select(Request.id).where(Request.channel == "bench_meeting").limit(1))
    assert bench is not None

    async def body() -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            await press(pilot, "f4")
            view = app.query_one("#requests")
            app.screen.query_one("#req-channel Input").focus()
            await pilot.press(*"bdh")  # 板凳会
            await press(pilot, "enter")
            assert view.filters.channel == "bench_meeting"
            assert view.page.rows and all(r.cells[2] == "板凳会" for r in view.page.rows)
            app.screen.query_one("#req-status Input").focus()
            await pilot.press(*"submitted")  # the code works too
            await press(pilot, "enter")
            assert view.filters.status == "submitted"
            # an emptied box drops its filter
            await press(pilot, "end", "ctrl+u")
            assert view.filters.status is None

            overdue = app.screen.query_one("#req-overdue", Toggle)
            assert "超期：全部" in str(overdue.label)
            overdue.focus()
            await press(pilot, "enter")  # Enter never flips it
            assert overdue.value is False and view.filters.overdue is False
            await press(pilot, "space")
            assert overdue.value is True and view.filters.overdue is True
            assert "超期：只看超期" in str(overdue.label)
            await press(pilot, "ctrl+o")
            assert view.filters.overdue is False

    asyncio.run(body())


def test_dashboard_period_person_gender_and_org_kind_by_typing(small_demo):
    async def body() -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            dashboard = app.query_one("#dashboard")
            app.screen.query_one("#dash-period Input").focus()
            await pilot.press("end", "ctrl+u", *"by")  # 本月
            await press(pilot, "enter")
            assert dashboard.period == "month" and dashboard.rates.period == "month"

            await press(pilot, "f7")
            orgs = app.query_one("#orgs")
            await press(pilot, "ctrl+f")
            await pilot.press(*"ywh")  # 业委会
            await press(pilot, "enter")
            assert orgs.kind == "owners_committee"
            assert app.query_one("#org-kinds").highlighted_option.id == "owners_committee"

            await press(pilot, "f5", "ctrl+n")
            form = app.screen
            await pilot.press(*"张测试", "tab")
            assert app.focused is form.query_one("#pf-gender Input")
            await pilot.press(*"nv")  # 女: typing replaces the preset 未知
            await press(pilot, "enter")
            assert form.query_one("#pf-gender", ChoicePicker).value == "female"

    asyncio.run(body())


def test_audit_shows_actions_and_kinds_in_words(small_demo):
    with small_demo.session() as s:
        from gongzhi.core.services import Actor
        from gongzhi.core.services import requests as svc

        request_id = s.scalar(select(Request.id).where(Request.status == "submitted").limit(1))
        svc.transition(s, actor=Actor("测试办事员"), request_id=request_id, to_status="accepted")
        from gongzhi.core.services.base import audit

        audit(s, Actor("测试办事员"), "someplugin.thing_done", "someplugin_row", 7)
        s.commit()

    async def body() -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            app.push_screen(AuditScreen())
            await settle(pilot, debounce=0.3)
            table = app.screen.query_one("#audit-table")
            rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            cells = {c for row in rows for c in row}
            assert "诉求状态变更" in cells and "request.transition" not in cells
            assert "诉求" in cells  # the record kind
            assert "someplugin.thing_done" in cells and "someplugin_row" in cells  # no label: its code

    asyncio.run(body())


class _Form(FormModal, prefix="t13"):
    pass


def test_a_refusal_naming_a_field_shows_beside_it_and_in_a_notification(small_demo):
    """FormModal: a DomainError's field (or FormError(field=)) puts the message under that
    field, not at the foot; both kinds of refusal notify too."""
    from gongzhi.core.errors import DomainError

    notes: list[str] = []

    def submit(values):
        if not values["title"]:
            raise DomainError("input.required", field="title")
        if values["count"] != "3":
            raise FormError("不是 3", field="count")
        raise FormError("整体不对")

    async def body() -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            app.notify = lambda message, **_k: notes.append(message)  # type: ignore[method-assign]
            form = _Form("测试", [FormField("title", "事项", "Title"), FormField("count", "数量", "Count")],
                         submit, form_id="t13")
            app.push_screen(form)
            await settle(pilot)
            await press(pilot, "enter")
            beside = form.query_one("#t13-title-error")
            assert beside.display and "事项不能为空" not in str(form.query_one("#t13-error").content)
            assert str(beside.content) == DomainError("input.required", field="title").message("zh")
            form.widget("title").value = "路灯"
            form.widget("count").focus()
            await press(pilot, "enter")
            assert not beside.display
            assert form.query_one("#t13-count-error").display
            assert str(form.query_one("#t13-count-error").content) == "不是 3"
            form.widget("count").value = "3"
            await press(pilot, "enter")
            assert str(form.query_one("#t13-error").content) == "整体不对"
            assert not form.query_one("#t13-count-error").display
            assert app.screen is form

    asyncio.run(body())
    assert notes == [DomainError("input.required", field="title").message("zh"), "不是 3", "整体不对"]


def test_person_form_refusal_from_the_service_notifies(small_demo, monkeypatch):
    """A refusal the service makes (not the form's own checks) is inline and notified."""
    from gongzhi.core.errors import DomainError
    from gongzhi.core.services import people as people_svc

    def refuse(*_a, **_k):
        raise DomainError("input.required", field="name")

    monkeypatch.setattr(people_svc, "create_person", refuse)
    notes: list[tuple[str, str]] = []

    async def body() -> None:
        app = demo_app(small_demo)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot, debounce=0.3)
            app.notify = lambda message, severity="information", **_k: notes.append((message, severity))
            await press(pilot, "f5", "ctrl+n")
            await pilot.press(*"张测试")
            await press(pilot, "ctrl+s")
            form = app.screen
            assert str(form.query_one("#pf-error").content) == refusal

    refusal = DomainError("input.required", field="name").message("zh")
    asyncio.run(body())
    assert (refusal, "error") in notes
