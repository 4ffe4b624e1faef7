"""Issue 13, the core's field-fit tasks: each one driven from the app's first screen on the
small demo street (every plugin enabled), checked in the database, within its keystroke
budget (keys counted with :class:`tests.tui.pilot.Keys`; free text, pinyin included, is
not counted).

The key sequences below are the fastest paths; README's "Using it" repeats them.

- T1 (≤ 20 keys): log a bench-meeting request for a known resident found by pinyin, at
  a compound, with a category.
- T2 (≤ 25 keys): whistle it to two departments (a submitted request is accepted in the
  same step), record both report-ins, resolve it with a result note.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from gongzhi.core.config import Settings
from gongzhi.core.models.orgs import Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from gongzhi.core.plugins import PluginHost, available_plugins
from gongzhi.core.services import Actor
from gongzhi.core.services import categories as category_svc
from gongzhi.core.services import requests as svc
from gongzhi.tui.screens.request_actions import DispatchDialog, ReportInDialog, TransitionDialog
from gongzhi.tui.screens.request_detail import RequestDetailScreen
from gongzhi.tui.screens.request_form import RequestFormScreen
from tests.tui.pilot import Keys, settle, until

PLUGINS = tuple(available_plugins())  # every installed plugin, as the demo has them
SIZE = (160, 45)


def demo_app(db, lang: str = "zh", size_plugins: tuple[str, ...] = PLUGINS):
    from gongzhi.tui.app import GongzhiApp

    settings = Settings(language=lang, operator="测试办事员", database_url=db.url)
    host = PluginHost(settings, names=list(size_plugins)).load()
    host.upgrade(db)
    host.start(db)
    return GongzhiApp(db=db, settings=settings, host=host, clock=False)


async def step(pilot) -> None:
    """Let the keystroke's work land (a database search, a save, a reload); not a key."""
    await settle(pilot, debounce=0.15)


def test_t1_log_a_bench_meeting_request_within_20_keys(small_demo):
    app = demo_app(small_demo)
    with small_demo.read_session() as s:
        resident = s.scalar(select(Person).where(Person.name == "严向勇"))
        compound = s.scalar(select(Place).where(Place.name == "荣雅园", Place.kind == "compound"))
        lighting = category_svc.find_category(s, "lighting")
        before = s.scalar(select(Request.id).order_by(Request.id.desc()).limit(1))

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await step(pilot)
            keys = Keys(pilot)
            await keys.press("f4", "ctrl+n")  # requests, new request
            await step(pilot)
            form = app.screen
            assert isinstance(form, RequestFormScreen)
            assert app.focused is form.query_one("#f-channel Input")  # the cursor is where one types first
            await keys.type("bdh")  # 板凳会 by pinyin initials
            await keys.press("enter")
            await step(pilot)
            await keys.type("qz")  # 求助
            await keys.press("enter")
            await step(pilot)
            await keys.type("zmss")  # 照明设施
            await keys.press("enter")
            await step(pilot)
            await keys.type("ryy")  # 荣雅园
            await keys.press("enter")
            await step(pilot)
            await keys.type("yanxiangyong")  # the resident, by full pinyin
            await keys.press("enter")
            await step(pilot)
            assert app.focused is form.query_one("#f-title")
            await keys.type("楼道灯坏了三天")
            await keys.press("enter")  # saves
            await step(pilot)
            await until(pilot, lambda: isinstance(app.screen, RequestDetailScreen))
            assert keys.count <= 20, keys.log
            assert keys.count == 8, keys.log

    asyncio.run(body())
    with small_demo.read_session() as s:
        request = s.scalar(select(Request).order_by(Request.id.desc()).limit(1))
        assert request.id != before
        assert (request.channel, request.type, request.category_id, request.place_id, request.reporter_id) == (
            "bench_meeting", "help", lighting.id, compound.id, resident.id
        )
        assert request.title == "楼道灯坏了三天" and request.status == "submitted"
        assert not request.anonymous


def test_t2_whistle_report_in_and_resolve_within_25_keys(small_demo):
    with small_demo.session() as s:
        resident = s.scalar(select(Person).where(Person.name == "严向勇"))
        compound = s.scalar(select(Place).where(Place.name == "荣雅园", Place.kind == "compound"))
        request = svc.create_request(
            s, actor=Actor("测试办事员"), channel="bench_meeting", type="help",
            category_id=category_svc.find_category(s, "lighting").id, place_id=compound.id,
            reporter_id=resident.id, title="楼道灯坏了三天", ref_prefix="QY",
        )
        request_id = request.id
        fire = s.scalar(select(Organisation.id).where(Organisation.name.like("%消防救援站")))
        city = s.scalar(select(Organisation.id).where(Organisation.name.like("%（城管）")))
    app = demo_app(small_demo)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            await step(pilot)
            keys = Keys(pilot)
            await keys.press("ctrl+p")  # the command palette finds a request by number or title
            await step(pilot)
            await keys.type("楼道灯坏了")
            await step(pilot)
            await pilot.pause(0.3)
            await keys.press("enter")
            await step(pilot)
            detail = app.screen
            assert isinstance(detail, RequestDetailScreen) and detail.request_id == request_id

            await keys.press("w")  # whistle: the request is only logged, saving accepts it too
            await step(pilot)
            dialog = app.screen
            assert isinstance(dialog, DispatchDialog)
            assert "受理" in str(dialog.query_one("#dialog-heading").content)
            assert "吹哨：开" in str(dialog.query_one("#whistle").label)
            await keys.type("xf")  # the fire station, lead
            await keys.press("enter")
            await step(pilot)
            await keys.type("chengguan")  # city management, assisting
            await keys.press("enter")
            await step(pilot)
            await keys.press("enter")  # on the empty box: save
            await step(pilot)
            assert app.screen is detail, getattr(app.screen, "error_text", "")

            for _ in range(2):  # both departments report in
                await keys.press("i")
                await step(pilot)
                assert isinstance(app.screen, ReportInDialog)
                await keys.press("enter")
                await step(pilot)
                assert app.screen is detail, app.screen.error_text

            await keys.press("r")
            await step(pilot)
            assert isinstance(app.screen, TransitionDialog)
            await keys.type("已更换楼道灯")
            await keys.press("enter")
            await step(pilot)
            assert app.screen is detail
            assert keys.count <= 25, keys.log
            assert keys.count == 12, keys.log  # ctrl+p enter, w enter enter enter, (i enter)×2, r enter

    asyncio.run(body())
    with small_demo.read_session() as s:
        request = svc.get_request(s, request_id)
        assert request.status == "resolved"
        events = svc.timeline(s, request_id)
        assert [(e.from_status, e.to_status) for e in events if e.kind == "transition"] == [
            ("submitted", "accepted"),
            ("accepted", "dispatched"),
            ("dispatched", "resolved"),
        ]
        assert events[-1].public_note == "已更换楼道灯"
        rows = svc.dispatches(s, request_id)
        assert [(r.organisation_id, r.role, r.whistle) for r in rows] == [
            (fire, "lead", True),
            (city, "assist", True),
        ]
        assert all(r.reported_at is not None for r in rows)
