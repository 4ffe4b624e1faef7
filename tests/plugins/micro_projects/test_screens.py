"""The micro-projects' TUI section in the real app under Pilot, on a real SQLite copy of
the small UI street: the board, the project page (milestones, linked requests, a
milestone recorded through its form), the fund view's bar chart, and the evaluation
grid (one key per ballot; a refused ballot leaves the cursor and the other rows as
they were; the verdict). Snapshots of the board, the project page and the grid.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select
from textual.widgets import DataTable, Input, Label, Static

from gongzhi.core.services import Actor
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until
from tests.tui.street import NOW

SIZE = (160, 45)
CLERK = Actor("微实事专干")
YEAR = 2026
PLUGIN = ("micro_projects",)


def seed(db, ids: dict[str, int]) -> dict[str, int]:  # noqa: F811
    """荣雅园: street lamps from a request (in progress, two milestones) and benches
    (closed out) on a list still executing; 荣乐园: charging sheds closed out on a list
    in evaluation."""
    from gongzhi.plugins.micro_projects import services as svc
    from gongzhi.plugins.micro_projects.services import ProjectInput

    out: dict[str, int] = {}
    with db.session() as s:
        svc.set_fund(s, actor=CLERK, year=YEAR, total=100_000_00)
        for cname in ("荣雅园社区", "荣乐园社区"):
            plist = svc.create_list(s, actor=CLERK, community_id=ids[cname], year=YEAR, on=date(YEAR, 1, 5))
            out[cname] = plist.id

        def data(name, compound, budget, deadline):
            return ProjectInput(name=name, content=f"{name}工程", category="facilities", place_ids=[ids[compound]],
                                responsible_org_id=ids[f"{compound}社区-rc"], deadline=deadline,
                                expected_effect="居民满意", budget=budget)

        lamps = svc.from_requests(s, actor=CLERK, list_id=out["荣雅园社区"], request_ids=[ids["r1"]],
                                  data=data("路灯增亮", "荣雅园", 4_200_00, date(YEAR, 12, 31)))
        benches = svc.add_project(s, actor=CLERK, list_id=out["荣雅园社区"],
                                  data=data("休闲座椅", "荣雅园", 900_00, date(YEAR, 6, 30)))
        sheds = svc.from_requests(s, actor=CLERK, list_id=out["荣乐园社区"], request_ids=[ids["r2"]],
                                  data=data("充电车棚", "荣乐园", 9_800_00, date(YEAR, 8, 31)))
        for plist in out.values():
            svc.advance_list(s, actor=CLERK, list_id=plist, to_phase="reviewing", on=date(YEAR, 1, 25))
        for p in (lamps, benches, sheds):
            svc.decide_feasibility(s, actor=CLERK, project_id=p.id, feasible=True)
        for plist in out.values():
            svc.advance_list(s, actor=CLERK, list_id=plist, to_phase="publicised", on=date(YEAR, 2, 1))
            svc.advance_list(s, actor=CLERK, list_id=plist, to_phase="executing", on=date(YEAR, 2, 10))
        for p in (lamps, benches, sheds):
            svc.allocate(s, actor=CLERK, project_id=p.id, amount=p.budget)
        svc.record_progress(s, actor=CLERK, project_id=lamps.id, progress=30, note="灯杆到货", on=date(YEAR, 3, 1))
        svc.record_progress(s, actor=CLERK, project_id=lamps.id, progress=60, note="安装过半",
                            photos=["p1.jpg"], on=date(YEAR, 4, 1))
        svc.close_out(s, actor=CLERK, project_id=benches.id, evidence=["座椅.jpg"], note="已安装", on=date(YEAR, 6, 1))
        svc.close_out(s, actor=CLERK, project_id=sheds.id, evidence=["车棚.jpg"], note="已建成", on=date(YEAR, 8, 1))
        svc.advance_list(s, actor=CLERK, list_id=out["荣乐园社区"], to_phase="evaluating", on=date(YEAR, 11, 1))
    out.update(lamps=lamps.id, benches=benches.id, sheds=sheds.id)
    return out


def row(table: DataTable, i: int) -> list[str]:
    return [str(c) for c in table.get_row_at(i)]


async def open_board(app, pilot):
    from gongzhi.plugins.micro_projects.screens.board import BoardScreen

    await settle(pilot)
    assert str(app.query_one("#nav-plugin-micro_projects").query_one(Label).render()) == "民生微实事"
    app.show_section("plugin:micro_projects")
    await until(pilot, lambda: isinstance(app.screen, BoardScreen))
    await settle(pilot)
    return app.screen


def test_board_and_project_page(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.micro_projects.models import Milestone
    from gongzhi.plugins.micro_projects.screens.project import ProjectScreen

    app = make_app(plugins=PLUGIN)  # migrates the plugin's tables
    made = seed(street_db, ids)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            board = await open_board(app, pilot)
            table = board.query_one("#micro-board", DataTable)
            codes = [row(table, i)[0] for i in range(table.row_count)]
            assert codes == ["WSS-2026-荣乐园-001", "WSS-2026-荣雅园-001", "WSS-2026-荣雅园-002"]
            assert row(table, 1)[2:6] == ["路灯增亮", "设施改造", "实施中", "60%"]
            status = str(board.query_one("#micro-board-status", Label).render())
            assert "共 3 项" in status and "已销号 2" in status
            await pilot.press("s")  # status filter: planned (none), then in progress
            await settle(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert [row(table, i)[0] for i in range(table.row_count)] == ["WSS-2026-荣雅园-001"]
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ProjectScreen))
            await settle(pilot)
            page = app.screen
            assert str(page.query_one("#micro-project-title").render()) == "WSS-2026-荣雅园-001  路灯增亮  [实施中 60%]"
            assert "预算 4,200.00" in str(page.query_one("#micro-project-info", Static).render())
            ms = page.query_one("#micro-milestones", DataTable)
            assert [row(ms, i)[:3] for i in range(ms.row_count)] == [
                ["2026-03-01", "30%", "灯杆到货"], ["2026-04-01", "60%", "安装过半"]]
            rq = page.query_one("#micro-requests", DataTable)
            assert row(rq, 0)[1] == "夜间路灯昏暗" and row(rq, 0)[3] == "张晓明"
            await pilot.press("p")  # a milestone through the form
            await settle(pilot)
            app.screen.query_one("#micro-progress-form-progress", Input).value = "80"
            app.screen.query_one("#micro-progress-form-note", Input).value = "主体安装完成"
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, ProjectScreen))
            await settle(pilot)
            assert row(ms, 2)[1:3] == ["80%", "主体安装完成"]
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is board)
            await pilot.press("f")  # the fund view
            await settle(pilot)
            from gongzhi.plugins.micro_projects.screens.fund import FundScreen

            assert isinstance(app.screen, FundScreen)
            chart = app.screen.query_one("#micro-fund-community")
            assert [b.label for b in chart.bars] == ["荣乐园", "荣雅园"]
            assert [b.value for b in chart.bars] == [9_800_00, 5_100_00]
            summary = str(app.screen.query_one("#micro-fund-summary", Label).render())
            assert "总额 100,000.00 · 已分配 14,900.00" in summary

    asyncio.run(inner())
    with street_db.read_session() as s:
        assert [m.progress for m in s.scalars(select(Milestone).where(
            Milestone.project_id == made["lamps"]).order_by(Milestone.id))] == [30, 60, 80]


def test_evaluation_grid(make_app, street_db, ids):  # noqa: F811
    """Rows of named representatives under the selected project: each ballot names its
    person; a correction re-rates the same representative as a new row; a key pressed
    while a rating is being saved is refused visibly; a refused ballot (the list is not
    in evaluation) leaves the cursor and the rows as they were; the verdict."""
    from sqlalchemy import func

    from gongzhi.plugins.micro_projects import services as svc
    from gongzhi.plugins.micro_projects.models import RatingRecord
    from gongzhi.plugins.micro_projects.screens.evaluation import EvaluationScreen
    from gongzhi.plugins.micro_projects.screens.forms import MicroForm

    app = make_app(plugins=PLUGIN)  # migrates the plugin's tables
    made = seed(street_db, ids)
    with street_db.session() as s:
        svc.set_redo_threshold(s, actor=CLERK, threshold="75")  # the street's: the verdict form's default
    notes: list[str] = []

    def ratings() -> int:
        with street_db.read_session() as s:
            return s.scalar(select(func.count()).select_from(RatingRecord))

    async def add(pilot, screen, name: str) -> None:
        await pilot.press("a")
        await until(pilot, lambda: isinstance(app.screen, MicroForm))
        await settle(pilot)
        app.screen.widget("person").select(ids[name], name)
        await pilot.press("ctrl+s")
        await until(pilot, lambda: app.screen is screen)
        await settle(pilot)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            original = app.notify
            app.notify = lambda message, *a, **kw: (notes.append(str(message)), original(message, *a, **kw))[1]
            await open_board(app, pilot)
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, EvaluationScreen))
            await settle(pilot)
            screen = app.screen
            grid = screen.query_one("#micro-eval", DataTable)
            reps = screen.query_one("#micro-eval-reps", DataTable)
            assert [row(grid, i)[0] for i in range(grid.row_count)] == ["WSS-2026-荣乐园-001", "WSS-2026-荣雅园-002"]
            assert reps.row_count == 0
            await pilot.press("1")  # nobody to rate yet: said, nothing written
            await settle(pilot)
            assert notes[-1] == "请先选择代表（按 a 添加）" and ratings() == 0
            for name in ("张晓明", "单田芳", "李秀英"):
                await add(pilot, screen, name)
            assert [row(reps, i)[0] for i in range(reps.row_count)] == ["张晓明", "单田芳", "李秀英"]
            reps.move_cursor(row=0)
            for key in ("1", "1", "3"):  # one key per representative; the cursor moves on
                await pilot.press(key)
                await settle(pilot)
            assert [row(reps, i)[:2] for i in range(3)] == [["张晓明", "满意"], ["单田芳", "满意"], ["李秀英", "不满意"]]
            assert row(grid, 0)[3:7] == ["2", "0", "1", "33.3%"]
            reps.move_cursor(row=2)  # a correction: 李秀英 again, a new row
            await pilot.press("2")
            await settle(pilot)
            assert row(reps, 2) == ["李秀英", "基本满意", "1"]
            assert row(grid, 0)[3:7] == ["2", "1", "0", "0.0%"]
            # a key while a rating is still being saved: refused, and said so
            screen.busy = True
            await pilot.press("3")
            await settle(pilot)
            screen.busy = False
            assert "上一票仍在保存" in notes[-1]
            assert "上一票仍在保存" in str(screen.query_one("#micro-eval-status", Label).render())
            assert ratings() == 4
            # the benches' list is still executing: refused, and nothing moves
            grid.move_cursor(row=1)
            await settle(pilot)
            await add(pilot, screen, "张晓明")
            before = ([row(grid, i) for i in range(grid.row_count)], [row(reps, i) for i in range(reps.row_count)])
            await pilot.press("3")
            await settle(pilot)
            assert reps.cursor_row == 0 and grid.cursor_row == 1
            assert ([row(grid, i) for i in range(grid.row_count)],
                    [row(reps, i) for i in range(reps.row_count)]) == before
            assert ratings() == 4
            grid.move_cursor(row=0)
            await settle(pilot)
            await pilot.press("v")  # the verdict: 0 % is not over 75 %
            await until(pilot, lambda: isinstance(app.screen, MicroForm))
            await settle(pilot)
            assert app.screen.widget("threshold").value == "75"  # the street's threshold
            await pilot.press("ctrl+s")
            await until(pilot, lambda: isinstance(app.screen, EvaluationScreen))
            await settle(pilot)
            assert row(grid, 0)[7] == "测评通过"

    asyncio.run(inner())
    with street_db.read_session() as s:
        t = svc.tally(s, made["sheds"], YEAR)
        assert (t.satisfied, t.basically_satisfied, t.dissatisfied) == (2, 1, 0)
        assert svc.tally(s, made["benches"], YEAR).total == 0
        assert svc.get_project(s, made["sheds"]).status == "passed"
        rows = s.execute(select(RatingRecord.representative, RatingRecord.person_id, RatingRecord.rating)
                         .order_by(RatingRecord.id)).all()
        assert rows == [("张晓明", ids["张晓明"], "satisfied"), ("单田芳", ids["单田芳"], "satisfied"),
                        ("李秀英", ids["李秀英"], "dissatisfied"), ("李秀英", ids["李秀英"], "basically_satisfied")]


def test_every_binding_has_an_id_and_a_translation():
    from gongzhi.plugins.micro_projects.i18n import _
    from gongzhi.plugins.micro_projects.screens.board import BoardScreen
    from gongzhi.plugins.micro_projects.screens.evaluation import EvaluationScreen
    from gongzhi.plugins.micro_projects.screens.fund import FundScreen
    from gongzhi.plugins.micro_projects.screens.project import ProjectScreen
    from gongzhi.tui import i18n

    i18n.set_language("zh")
    try:
        for screen in (BoardScreen, ProjectScreen, FundScreen, EvaluationScreen):
            for b in screen.BINDINGS:
                assert b.id and b.id.startswith("micro."), b
                assert _(b.description) != b.description, b.description
    finally:
        i18n.set_language("zh")


# -- snapshots -------------------------------------------------------------------------


@pytest.fixture
def snap_micro(street_template, tmp_path_factory, monkeypatch):  # noqa: F811
    """The app on a seeded copy of the UI street at a fixed path, time frozen."""
    import shutil
    import tempfile
    from pathlib import Path

    from gongzhi.core.config import Settings
    from gongzhi.core.plugins import PluginHost
    from gongzhi.tui.app import GongzhiApp
    from tests.dbs import sqlite_copy

    fixed = Path(tempfile.gettempdir()) / "gongzhi-micro-snapshots"
    shutil.rmtree(fixed, ignore_errors=True)
    (fixed / "data").mkdir(parents=True)
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(fixed / "data"))
    db = sqlite_copy(street_template[0], fixed / "street.sqlite")
    settings = Settings(language="zh", operator="测试办事员", database_url=db.url)
    host = PluginHost(settings, names=list(PLUGIN)).load()
    host.upgrade(db)
    seeded = seed(db, street_template[1])
    host.start(db)
    traveller = time_machine.travel(NOW + timedelta(hours=6), tick=False)
    traveller.start()
    yield GongzhiApp(db=db, settings=settings, host=host, clock=False), seeded
    traveller.stop()
    db.dispose()
    shutil.rmtree(fixed, ignore_errors=True)


def _then(*steps):
    async def run_before(pilot) -> None:
        await settle(pilot)
        pilot.app.show_section("plugin:micro_projects")
        await settle(pilot)
        for key in steps:
            await pilot.press(key)
            await settle(pilot)
        pilot.app.set_focus(None)
        await pilot.pause(0.1)

    return run_before


@pytest.mark.parametrize("name,steps", [("board", ()), ("project", ("down", "enter")), ("grid", ("e",))])
def test_snapshot(snap_compare, snap_micro, name, steps):
    app, _seeded = snap_micro
    assert snap_compare(app, terminal_size=SIZE, run_before=_then(*steps))


def test_board_in_english_and_after_f2(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.micro_projects.screens.board import BoardScreen

    app = make_app(lang="en", plugins=PLUGIN)
    seed(street_db, ids)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert str(app.query_one("#nav-plugin-micro_projects").query_one(Label).render()) == "Micro-projects"
            app.show_section("plugin:micro_projects")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen))
            await settle(pilot)
            board = app.screen
            table = board.query_one("#micro-board", DataTable)
            assert str(board.query_one("#micro-board-heading", Label).render()) == "Micro-projects 2026"
            assert row(table, 1)[3:5] == ["Facilities", "In progress"]
            assert str(table.columns[table.coordinate_to_cell_key((0, 4)).column_key].label) == "Status"
            await pilot.press("f2")  # to Chinese
            await settle(pilot)
            assert str(board.query_one("#micro-board-heading", Label).render()) == "2026年民生微实事"
            assert row(table, 1)[3:5] == ["设施改造", "实施中"]

    asyncio.run(inner())
