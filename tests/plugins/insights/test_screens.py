"""The insights section in the real app under Pilot, on a real SQLite copy of the small
UI street: the overview (word bars, rising topics with G², place heat table, chat
topics) and the drill-down from a hot spot to its requests.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select
from textual.widgets import DataTable, Label

from gongzhi.core.models.requests import Request
from gongzhi.core.services import Actor, categories
from gongzhi.core.services import requests as core_requests
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until

SIZE = (160, 50)
CLERK = Actor("民意分析员")


def seed(db, ids):  # noqa: F811
    from gongzhi.plugins.insights.services import sync_tokens

    with db.session() as s:
        cat = categories.find_category(s, "high_rise_littering").id
        other = categories.find_category(s, "other").id
    for i in range(12):
        with db.session() as s:
            core_requests.create_request(s, actor=CLERK, channel="wechat_group", type="complaint", category_id=cat,
                                         title="荣雅园有人高空抛物", place_id=ids["荣雅园-hh"],
                                         at=datetime(2026, 10, 2 + i, 3, tzinfo=UTC))
    for i in range(20):
        with db.session() as s:
            core_requests.create_request(s, actor=CLERK, channel="walk_in", type="report", category_id=other,
                                         title="荣乐园路灯不亮", place_id=ids["荣乐园-hh"],
                                         at=datetime(2026, 9, 2 + i, 3, tzinfo=UTC))
    sync_tokens(db)  # the street's older requests


def import_sample_chat(db, tmp_path) -> None:
    from gongzhi.plugins.insights.services import import_chat

    path = tmp_path / "群.txt"
    path.write_text("".join(f"2026-10-{5 + i:02d} 09:00 居民{i}：楼道堆物太多了，消防通道堵死\n" for i in range(10)),
                    encoding="utf-8")
    import_chat(db, path, actor="民意分析员", compound="荣乐园")


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def test_overview_and_drill_down(make_app, street_db, ids, tmp_path):  # noqa: F811
    from gongzhi.plugins.insights.screens.drill import DrillScreen
    from gongzhi.plugins.insights.screens.overview import OverviewScreen

    app = make_app(plugins=("insights",))
    seed(street_db, ids)
    import_sample_chat(street_db, tmp_path)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert str(app.query_one("#nav-plugin-insights").query_one(Label).render()) == "民意数据库"
            app.show_section("plugin:insights")
            await until(pilot, lambda: isinstance(app.screen, OverviewScreen))
            await settle(pilot)
            screen = app.screen
            await until(pilot, lambda: screen.data is not None)
            await settle(pilot)
            if screen.data["period"].label != "2026-10":  # the street's own requests may be later: step back
                while screen.data["period"].label > "2026-10":
                    await pilot.press("[")
                    await settle(pilot)
            assert str(screen.query_one("#insights-title", Label).render()) == "民意数据库 · 2026-10"
            bars = screen.query_one("#insights-words").bars
            assert {b.label for b in bars[:2]} == {"高空抛物", "荣雅园"}
            rising = rows(screen.query_one("#insights-rising", DataTable))
            by_term = {r[0]: r for r in rising}
            assert by_term["高空抛物"][1].startswith("12/") and by_term["高空抛物"][2].startswith("0/")
            assert float(by_term["高空抛物"][3]) >= 10.83
            spots = screen.query_one("#insights-spots", DataTable)
            heat = {r[0]: r for r in rows(spots)}
            assert heat["荣雅园"][1] == "12"
            spots.focus()
            spots.move_cursor(row=[r[0] for r in rows(spots)].index("荣雅园"))
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, DrillScreen))
            await settle(pilot)
            drill = app.screen
            listed = rows(drill.query_one("#insights-drill", DataTable))
            assert len(listed) == 12 and {r[2] for r in listed} == {"荣雅园有人高空抛物"}
            assert str(drill.query_one("#insights-drill-title", Label).render()) == "荣雅园 · 2026-10：12 件诉求"
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is screen)
            chat = screen.query_one("#insights-chat", DataTable)
            topics = {r[0]: r for r in rows(chat)}
            assert topics["楼道堆物"][4] == "★" and topics["消防通道"][4] == "★"
            chat.focus()
            chat.move_cursor(row=[r[0] for r in rows(chat)].index("楼道堆物"))
            await pilot.press("r")  # the flagged chat topic becomes a request, in one step
            await settle(pilot)
            with street_db.read_session() as s:
                made = s.scalars(select(Request).where(Request.channel == "wechat_group",
                                                       Request.title.like("%楼道堆物%"))).all()
            assert [(r.title, r.place_id) for r in made] == [("荣乐园楼道堆物问题（群聊热议）", ids["荣乐园"])]

    asyncio.run(inner())
