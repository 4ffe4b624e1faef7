"""Dashboard, place tree and settings, in the real app on the small street (Pilot)."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import UTC, datetime

import pytest
from rich.cells import cell_len
from sqlalchemy import inspect
from textual.widgets import ContentSwitcher, DataTable, Input, Label, ListView

from gongzhi.core.config import config_path
from gongzhi.core.services.stats import three_rates
from gongzhi.tui import i18n
from gongzhi.tui.screens.dashboard import DashboardView, load_overview, local_day_bounds, rate_cells
from gongzhi.tui.screens.places import (
    PeopleHereScreen,
    PlacesView,
    PlaceTree,
    open_counts,
    people_under,
)
from gongzhi.tui.widgets.charts import Bar, BarChart, render_bars
from gongzhi.tui.widgets.toggle import Toggle
from tests.plugin_system.conftest import noticeboard  # noqa: F401  (fixture)
from tests.tui.pilot import wait_for_workers
from tests.tui.street import NOW

SIZE = (160, 50)


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(DashboardView, "clock", staticmethod(lambda: NOW))
    yield
    i18n.set_language("zh")


async def settle(app, pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await wait_for_workers(app)
        await pilot.pause()


def rows(table: DataTable) -> dict[str, list[str]]:
    return {str(key.value): [str(c) for c in table.get_row(key)] for key in table.rows}


def sidebar(app) -> list[str]:
    return [str(item.query_one(Label).content) for item in app.query_one("#sidebar", ListView).children]


def config() -> dict:
    path = config_path()
    return tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


# -- dashboard ------------------------------------------------------------------------


def test_dashboard_shows_the_street_as_the_database_has_it(make_app, street_db, ids):
    app = make_app()

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f3")
            await settle(app, pilot)
            view = app.query_one("#dashboard", DashboardView)
            status = rows(view.query_one("#dash-status", DataTable))
            assert status == {"submitted": ["已登记", "2"], "accepted": ["已受理", "1"], "total": ["合计", "3"]}
            # r1 was due 2026-11-15; the others are not due yet on 2026-11-20
            overdue = rows(view.query_one("#dash-overdue", DataTable))
            assert list(overdue) == [str(ids["r1"])]
            assert overdue[str(ids["r1"])][1:4] == ["夜间路灯昏暗", "2026-11-15 10:00", "荣雅园"]
            assert rows(view.query_one("#dash-today", DataTable)) == {}
            assert "3" in str(view.query_one("#dash-summary", Label).content)
            # the three rates: the table says what core.services.stats computes
            rates = rows(view.query_one("#dash-rates", DataTable))
            with street_db.read_session() as s:
                expected = {str(r.group_id): list(rate_cells(r)) for r in three_rates(s, group_by="community")}
            assert rates[str(ids["荣雅园社区"])] == ["荣雅园社区", *expected[str(ids["荣雅园社区"])]]
            assert rates[str(ids["荣雅园社区"])][1:] == ["1", "100.0% (1/1)", "0.0% (0/1)", "– (0/0)", "46.2%"]
            assert rates[str(ids["荣乐园社区"])][1:3] == ["2", "0.0% (0/2)"]
            assert rates["all"][1] == "3"
            score = view.query_one("#dash-score-chart", BarChart).bars
            assert [(b.label, b.text) for b in score] == [("荣雅园社区", "46.2%"), ("荣乐园社区", "0.0%")]
            channels = view.query_one("#dash-channels", BarChart).bars
            assert sorted((b.label, b.value) for b in channels) == [("12345热线", 1), ("板凳会", 1), ("网格微信群", 1)]

            # Enter on an overdue request shows the requests section and opens it there
            opened = []
            await app.show_section("requests")  # built when first opened
            app.query_one("#requests").open_request = opened.append
            await app.show_section("dashboard")
            table = view.query_one("#dash-overdue", DataTable)
            table.focus()
            await pilot.press("enter")
            await pilot.pause()
            assert opened == [ids["r1"]]
            assert app.query_one("#content", ContentSwitcher).current == "requests"

    asyncio.run(inner())


def test_today_is_the_shanghai_calendar_day(street_db, ids):
    # r3 was raised at 2026-11-19 02:00 UTC, 10:00 in Shanghai
    late_on_the_19th = datetime(2026, 11, 19, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    just_after_midnight = datetime(2026, 11, 19, 16, 30, tzinfo=UTC)  # 00:30 on the 20th
    start, end = local_day_bounds(just_after_midnight)
    assert (start.isoformat(), end.isoformat()) == ("2026-11-20T00:00:00+08:00", "2026-11-21T00:00:00+08:00")
    with street_db.read_session() as s:
        assert [line.id for line in load_overview(s, late_on_the_19th).today] == [ids["r3"]]
        assert load_overview(s, just_after_midnight).today == []
        overview = load_overview(s, NOW)
    assert (overview.total, overview.open, overview.overdue_total) == (3, 3, 1)
    assert overview.by_channel == {"bench_meeting": 1, "wechat_group": 1, "hotline_12345": 1}


def test_dashboard_refreshes_with_ctrl_r(make_app, street_db, ids):
    from gongzhi.core.services import Actor
    from gongzhi.core.services import requests as svc

    app = make_app()

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            view = app.query_one("#dashboard", DashboardView)
            with street_db.session() as s:
                svc.transition(s, actor=Actor("测试"), request_id=ids["r2"], to_status="accepted")
            view.query_one("#dash-overdue", DataTable).focus()
            await pilot.press("ctrl+r")
            await settle(app, pilot)
            status = rows(view.query_one("#dash-status", DataTable))
            assert status["submitted"][1] == "1" and status["accepted"][1] == "2"

    asyncio.run(inner())


# -- the bar chart ---------------------------------------------------------------------


def test_bar_chart_aligns_double_width_labels():
    bars = [Bar("荣雅园社区", 46.2, "46.2%"), Bar("Street", 100, "100.0%"), Bar("一个名字非常非常长的社区", 5, "5.0%"),
            Bar("无", None, "–")]
    lines = render_bars(bars, 60, maximum=100, max_label_width=12).plain.split("\n")
    assert [cell_len(line) for line in lines] == [60] * 4
    # every bar starts in the same cell column, after a 12-cell label and a space
    starts = [cell_len(line.split("█")[0]) for line in lines[:3]]
    assert starts == [13, 13, 13]
    assert lines[2].startswith("一个名字非…")
    assert lines[1].count("█") == 60 - 13 - 1 - len("100.0%")
    assert "█" not in lines[3]


# -- places ----------------------------------------------------------------------------


def find_node(tree: PlaceTree, name: str):
    stack = list(tree.root.children)
    while stack:
        node = stack.pop()
        if node.data is not None and node.data.name == name:
            return node
        stack.extend(node.children)
    raise AssertionError(f"{name} not in the tree")


def test_open_counts_sum_up_the_tree(street_db, ids):
    with street_db.read_session() as s:
        counts = open_counts(s)
    assert counts[ids["street"]] == 3
    assert counts[ids["荣乐园社区"]] == counts[ids["荣乐园"]] == 2
    assert counts[ids["荣雅园社区"]] == counts[ids["荣雅园"]] == 1
    assert ids["荣乐园-hh"] not in counts


def test_place_tree_down_to_a_compound_then_its_requests(make_app, ids):
    app = make_app()

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f6")
            await settle(app, pilot)
            view = app.query_one("#places", PlacesView)
            tree = view.query_one(PlaceTree)
            street = tree.root.children[0]
            assert street.is_expanded  # the only street opens by itself
            assert "3" in str(street.label)
            community = find_node(tree, "荣乐园社区")
            assert "2" in str(community.label) and "社区" in str(community.label)
            tree.move_cursor(community)
            await pilot.press("enter")
            await settle(app, pilot)
            compound = find_node(tree, "荣乐园")
            assert "异地安置房" in str(compound.label) and "2" in str(compound.label)
            tree.move_cursor(compound)
            await pilot.press("space")
            await settle(app, pilot)
            assert {c.data.name for c in compound.children} == {"荣乐园1号楼", "荣乐园东门"}
            tree.move_cursor(compound)
            await pilot.press("r")
            await settle(app, pilot)
            assert app.query_one("#content", ContentSwitcher).current == "requests"
            table = app.query_one("#req-table", DataTable)
            assert {str(k.value) for k in table.rows} == {str(ids["r2"]), str(ids["r3"])}
            assert "荣乐园" in str(app.query_one("#req-place-filter", Label).content)

    asyncio.run(inner())


def test_people_under_a_place_with_masked_phones(make_app, street_db, ids):
    with street_db.read_session() as s:
        lines, total = people_under(s, ids["荣乐园社区"])
    assert total == 1 and lines[0].cells[0] == "单田芳"
    assert "13987654321" not in lines[0].cells and lines[0].cells[3].endswith("4321")
    app = make_app()

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await app.push_screen(PeopleHereScreen(ids["street"], "青（广）源街道"))
            await settle(app, pilot)
            table = app.screen.query_one("#people-here", DataTable)
            names = sorted(row[0] for row in rows(table).values())
            assert names == ["单田芳", "张晓明"]  # 李秀英 has no household
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, PeopleHereScreen)

            # p on a node lists its people; Enter opens one in the People section
            await pilot.press("f6")
            await settle(app, pilot)
            tree = app.query_one(PlaceTree)
            tree.move_cursor(find_node(tree, "荣乐园社区"))
            await pilot.press("p")
            await settle(app, pilot)
            assert isinstance(app.screen, PeopleHereScreen)
            table = app.screen.query_one("#people-here", DataTable)
            assert [row[0] for row in rows(table).values()] == ["单田芳"]
            opened = []
            app.screen_stack[0].query_one("#people").open_person = opened.append
            await pilot.press("enter")
            await settle(app, pilot)
            assert opened == [ids["单田芳"]]
            assert app.query_one("#content", ContentSwitcher).current == "people"

    asyncio.run(inner())


# -- settings --------------------------------------------------------------------------


def test_switching_language_in_settings(make_app):
    app = make_app()

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f8")
            await settle(app, pilot)
            assert sidebar(app)[:2] == ["工作台", "诉求"]
            await pilot.click("#lang-en")
            await settle(app, pilot)
            assert sidebar(app)[:2] == ["Dashboard", "Requests"]
            assert app.query_one("#content", ContentSwitcher).current == "settings"
            assert app.query_one("#sidebar", ListView).index == len(app.sections) - 1
            assert config()["language"] == "en"
            assert app.settings.language == "en"
            await pilot.click("#lang-zh")
            await settle(app, pilot)
            assert sidebar(app)[:2] == ["工作台", "诉求"]
            assert config()["language"] == "zh"

    asyncio.run(inner())


def test_operator_name_is_saved_and_used_for_audits(make_app):
    app = make_app()

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f8")
            await settle(app, pilot)
            box = app.query_one("#settings-operator", Input)
            box.value = "王主任"
            box.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            assert app.settings.operator == "王主任" and app.actor.name == "王主任"
            assert config()["operator"] == "王主任"
            assert "王主任" in str(app.sub_title)

    asyncio.run(inner())


def test_database_url_hides_the_password():
    from gongzhi.tui.screens.settings import hidden_password_url

    shown = hidden_password_url("postgresql+psycopg://clerk:s3cret@db.example/gongzhi")
    assert "s3cret" not in shown and "clerk" in shown


def test_enabling_and_disabling_a_plugin_in_settings(make_app, street_db, noticeboard):  # noqa: F811
    app = make_app()

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            await pilot.press("f8")
            await settle(app, pilot)
            assert "公示栏" not in sidebar(app)
            switch = app.query_one("#plugin-noticeboard", Toggle)
            assert switch.value is False
            assert "启用：关" in str(switch.label)  # the state in words, not only in colour
            await pilot.click("#plugin-noticeboard")
            await settle(app, pilot, rounds=5)
            assert "公示栏" in sidebar(app)
            assert app.host.names == ["noticeboard"]
            assert config()["plugins"] == ["noticeboard"]
            assert "notice_item" in inspect(street_db.engine).get_table_names() or any(
                t.startswith("notice_") for t in inspect(street_db.engine).get_table_names())
            assert app.query_one("#content", ContentSwitcher).current == "settings"
            switch = app.query_one("#plugin-noticeboard", Toggle)
            assert switch.value is True and "启用：开" in str(switch.label)

            await pilot.click("#plugin-noticeboard")
            await settle(app, pilot, rounds=5)
            assert "公示栏" not in sidebar(app)
            assert app.host.names == []
            assert config()["plugins"] == []
            # its data stays: disabling never drops tables
            assert any(t.startswith("notice_") for t in inspect(street_db.engine).get_table_names())

    asyncio.run(inner())


def test_a_plugin_that_cannot_be_enabled_leaves_its_switch_off(make_app, noticeboard, monkeypatch):  # noqa: F811
    from gongzhi.core.errors import DomainError
    from gongzhi.tui.screens import settings as settings_screen

    def refuse(settings, db, name):
        raise DomainError("plugin.missing_dependency", name=name, depends="other")

    monkeypatch.setattr(settings_screen, "enable_plugin", refuse)
    app = make_app()
    errors = []
    monkeypatch.setattr(app, "show_error", errors.append)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f8")
            await settle(app, pilot)
            await pilot.click("#plugin-noticeboard")
            await settle(app, pilot)
            switch = app.query_one("#plugin-noticeboard", Toggle)
            assert switch.value is False and not switch.disabled
            assert errors and "other" in errors[0]
            assert "公示栏" not in sidebar(app) and config().get("plugins", []) == []

    asyncio.run(inner())


def test_switching_language_over_a_plugin_screen_rebuilds_the_shell_beneath(make_app, noticeboard):  # noqa: F811
    app = make_app(plugins=("noticeboard",))

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(app, pilot)
            app.show_section("plugin:noticeboard")
            await settle(app, pilot)
            plugin_screen = app.screen
            await pilot.press("f2")
            await settle(app, pilot)
            assert app.screen is plugin_screen and plugin_screen.query("#notices")  # left as it was
            app.pop_screen()
            await settle(app, pilot)
            assert sidebar(app)[-2:] == ["Notice board", "Settings"]

    asyncio.run(inner())
