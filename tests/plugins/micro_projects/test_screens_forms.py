"""The micro-projects' write forms in the real app under Pilot (the small UI street, a
real SQLite copy): a new list and a new project (directly and from a request) from
the board, an allocation and a spending from the project page, the year's total and
an allocation from the fund view, a round asked of the residents' council from the
evaluation grid (with the deliberation plugin enabled, the round is opened there).
Each action is checked in the database; bad input is refused on the form in the
user's language and writes nothing. The keys are in the footer at 100×30 in both
languages and in the help.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select, text
from textual.widgets import DataTable, Label
from textual.widgets._footer import FooterKey

from gongzhi.core.models.requests import Request
from tests.plugins.micro_projects.test_screens import CLERK, PLUGIN, YEAR, open_board, row, seed
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until

SIZE = (100, 30)


def counts(db) -> dict[str, int]:
    tables = ("micro_list", "micro_project", "micro_project_request", "micro_allocation", "micro_spending",
              "micro_fund", "audit_log")
    with db.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in tables}


async def save_refused(pilot, form, contains: str) -> None:
    """ctrl+s on a form that must refuse: it stays, saying why."""
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert pilot.app.screen is form
    # under the fields, or beside the field the refusal names (tui.widgets.forms.FormModal)
    shown = [form.query_one(f"#{form.form_id}-error", Label)] + [
        label for label in form.query(".field-error").results(Label) if label.display]
    message = " | ".join(str(label.render()) for label in shown)
    assert contains in message, message


async def save(pilot, form, back) -> None:
    await pilot.press("ctrl+s")
    await until(pilot, lambda: pilot.app.screen is back)
    await settle(pilot)


async def open_form(pilot, key: str, form_id: str):
    from gongzhi.plugins.micro_projects.screens.forms import MicroForm

    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, MicroForm) and pilot.app.screen.form_id == form_id)
    await settle(pilot)
    return pilot.app.screen


def test_new_list_and_new_projects_from_the_board(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.micro_projects.models import Project, ProjectList

    app = make_app(plugins=PLUGIN)
    seed(street_db, ids)
    with street_db.read_session() as s:
        r3 = s.get(Request, ids["r3"]).ref

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            board = await open_board(app, pilot)
            # 2026's lists are executing or evaluating: nothing takes a project, and no form opens
            await pilot.press("n")
            await settle(pilot)
            assert app.screen is board
            # a new list: bad input first
            form = await open_form(pilot, "l", "micro-list-form")
            form.widget("year").value = "2027"
            before = counts(street_db)
            await save_refused(pilot, form, "请选择社区")
            form.widget("community").select(ids["荣雅园社区"], "荣雅园社区")
            form.widget("year").value = "二〇二七"
            await save_refused(pilot, form, "不是有效年度")
            form.widget("year").value = "2026"  # 荣雅园 has its 2026 list
            await save_refused(pilot, form, "已存在")
            assert counts(street_db) == before
            form.widget("year").value = "2027"
            await save(pilot, form, board)
            assert board.year == 2027
            assert "2027年民生微实事" in str(board.query_one("#micro-board-heading", Label).render())
            # a new project on it, directly: bad input first
            form = await open_form(pilot, "n", "micro-project-form")
            assert form.widget("list").value is not None
            before = counts(street_db)
            await save_refused(pilot, form, "名称")  # the name is required
            form.widget("name").value = "单元门禁维修"
            form.widget("budget").value = "一千"
            await save_refused(pilot, form, "金额须为正数")
            form.widget("budget").value = "1,500.50"
            form.widget("deadline").value = "2027-13-01"
            await save_refused(pilot, form, "YYYY-MM-DD")
            form.widget("deadline").value = "2027-02-30"  # written right, not in the calendar: said so
            await save_refused(pilot, form, "日历上没有这一天")
            form.widget("deadline").value = "2027/6/30"
            await save_refused(pilot, form, "格式无效")
            form.widget("deadline").value = "2027-06-30"
            form.widget("requests").value = "QY-0000-999999"
            await save_refused(pilot, form, "QY-0000-999999")
            assert counts(street_db) == before
            form.widget("requests").value = ""
            form.widget("content").value = "更换3个单元的门禁"
            form.widget("category").choose("safety")
            form.widget("place").select(ids["荣雅园"], "荣雅园")
            form.widget("org").choose(ids["荣雅园社区-rc"])
            form.widget("person").select(ids["李秀英"], "李秀英")
            form.widget("effect").value = "出入安全"
            await save(pilot, form, board)
            # and one from a request (its ref typed), linked to it
            form = await open_form(pilot, "n", "micro-project-form")
            form.widget("name").value = "楼道照明"
            form.widget("requests").value = r3
            await save(pilot, form, board)
            table = board.query_one("#micro-board", DataTable)
            assert [row(table, i)[0] for i in range(table.row_count)] == ["WSS-2027-荣雅园-001", "WSS-2027-荣雅园-002"]

    asyncio.run(inner())
    with street_db.read_session() as s:
        plist = s.scalars(select(ProjectList).where(ProjectList.year == 2027)).one()
        assert (plist.community_id, plist.phase) == (ids["荣雅园社区"], "collecting")
        gate, lights = s.scalars(select(Project).where(Project.list_id == plist.id).order_by(Project.id)).all()
        assert (gate.name, gate.content, gate.category, gate.place_ids, gate.responsible_org_id,
                gate.responsible_person_id, gate.deadline, gate.expected_effect, gate.budget, gate.source) == (
            "单元门禁维修", "更换3个单元的门禁", "safety", [ids["荣雅园"]], ids["荣雅园社区-rc"], ids["李秀英"],
            date(2027, 6, 30), "出入安全", 150_050, "direct")
        from gongzhi.plugins.micro_projects.services import linked_request_ids

        assert (lights.source, linked_request_ids(s, lights.id)) == ("request", [ids["r3"]])


def test_allocate_and_spend_on_the_project_page(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.micro_projects.models import Allocation, Spending
    from gongzhi.plugins.micro_projects.screens.project import ProjectScreen
    from gongzhi.plugins.micro_projects.services import get_project

    app = make_app(plugins=PLUGIN)
    made = seed(street_db, ids)

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            board = await open_board(app, pilot)
            table = board.query_one("#micro-board", DataTable)
            table.move_cursor(row=1)  # the lamps: 4,200 allocated of 4,200
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ProjectScreen))
            await settle(pilot)
            page = app.screen
            form = await open_form(pilot, "a", "micro-allocate-form")
            before = counts(street_db)
            form.widget("amount").value = "90,000"  # 14,900 of 100,000 allocated: 90,000 more is too much
            await save_refused(pilot, form, "将超出")
            form.widget("amount").value = "0"
            await save_refused(pilot, form, "金额须为正数")
            assert counts(street_db) == before
            form.widget("amount").value = "800"
            form.widget("note").value = "追加灯杆"
            await save(pilot, form, page)
            assert "已分配 5,000.00" in str(page.query_one("#micro-project-info").render())
            form = await open_form(pilot, "s", "micro-spend-form")
            before = counts(street_db)
            form.widget("amount").value = "1,200.50"
            await save_refused(pilot, form, "不能为空")  # what for is required
            form.widget("note").value = "灯具采购"
            form.widget("amount").value = "6000"
            await save_refused(pilot, form, "超出分配")
            form.widget("amount").value = "1,200.50"
            form.widget("on").value = "2099-01-01"
            await save_refused(pilot, form, "不能晚于今天")
            assert counts(street_db) == before
            form.widget("on").value = "2026-03-02"
            await save(pilot, form, page)
            assert "已支出 1,200.50" in str(page.query_one("#micro-project-info").render())
            form = await open_form(pilot, "a", "micro-allocate-form")  # take unspent money back
            form.widget("amount").value = "300"
            form.widget("take_back").value = True
            await save(pilot, form, page)

    asyncio.run(inner())
    with street_db.read_session() as s:
        lamps = get_project(s, made["lamps"])
        assert (lamps.allocated, lamps.spent) == (4_700_00, 1_200_50)
        assert [(a.amount, a.note) for a in s.scalars(select(Allocation).where(
            Allocation.project_id == lamps.id).order_by(Allocation.id))] == [
            (4_200_00, ""), (800_00, "追加灯杆"), (-300_00, "")]
        (sp,) = s.scalars(select(Spending).where(Spending.project_id == lamps.id)).all()
        assert (sp.amount, sp.note, sp.spent_on) == (1_200_50, "灯具采购", date(2026, 3, 2))


def test_the_fund_total_and_an_allocation_from_the_fund_view(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.micro_projects.models import Fund
    from gongzhi.plugins.micro_projects.screens.fund import FundScreen
    from gongzhi.plugins.micro_projects.services import get_project

    app = make_app(plugins=PLUGIN)
    made = seed(street_db, ids)

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            await open_board(app, pilot)
            await pilot.press("f")
            await until(pilot, lambda: isinstance(app.screen, FundScreen))
            await settle(pilot)
            fund = app.screen
            form = await open_form(pilot, "t", "micro-fund-form")
            assert form.widget("total").value == "100000.00"
            before = counts(street_db)
            form.widget("total").value = "10,000"  # 14,900 is allocated already
            await save_refused(pilot, form, "总额不能少于此数")
            assert counts(street_db) == before
            form.widget("total").value = "120,000"
            await save(pilot, form, fund)
            assert "总额 120,000.00" in str(fund.query_one("#micro-fund-summary", Label).render())
            form = await open_form(pilot, "a", "micro-allocate-form")
            form.widget("amount").value = "100"
            await save_refused(pilot, form, "请选择项目")
            form.widget("project").choose(made["benches"])
            await save(pilot, form, fund)
            assert "已分配 15,000.00" in str(fund.query_one("#micro-fund-summary", Label).render())

    asyncio.run(inner())
    with street_db.read_session() as s:
        f = s.scalars(select(Fund).where(Fund.year == YEAR)).one()
        assert (f.total, f.allocated) == (120_000_00, 15_000_00)
        assert get_project(s, made["benches"]).allocated == 1_000_00


def test_a_round_asked_from_the_grid_opens_in_the_council(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.deliberation.models import EvaluationRound, Round
    from gongzhi.plugins.micro_projects.screens.evaluation import EvaluationScreen

    app = make_app(plugins=(*PLUGIN, "deliberation"))
    made = seed(street_db, ids)

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            await open_board(app, pilot)
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, EvaluationScreen))
            await settle(pilot)
            grid = app.screen
            form = await open_form(pilot, "r", "micro-round-form")
            form.widget("threshold").value = "120"
            await save_refused(pilot, form, "阈值")
            form.widget("threshold").value = "70"
            form.widget("deadline").value = "2020-06-30"
            await save_refused(pilot, form, "早于")
            with street_db.read_session() as s:
                assert s.scalar(select(func.count()).select_from(EvaluationRound)) == 0
            form.widget("deadline").value = "2027-06-30"
            await save(pilot, form, grid)

    asyncio.run(inner())
    with street_db.read_session() as s:
        link = s.scalars(select(EvaluationRound)).one()
        assert (link.subject_id, link.redo_deadline, link.community_id) == (
            made["sheds"], date(2027, 6, 30), ids["荣乐园社区"])
        assert s.get(Round, link.round_id).state == "created"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_the_keys_are_in_the_footer_at_100x30_and_in_the_help(make_app, street_db, ids, lang):  # noqa: F811
    from gongzhi.plugins.micro_projects.screens.board import BoardScreen

    app = make_app(lang=lang, plugins=PLUGIN)
    seed(street_db, ids)
    wanted = {
        "board": ("micro.fund", "micro.evaluate", "micro.export_docx", "micro.new_project", "micro.new_list"),
        "project": ("micro.allocate", "micro.spend", "micro.progress", "micro.close_out", "micro.back"),
        "fund": ("micro.fund_allocate", "micro.fund_total", "micro.fund_export", "micro.back"),
        "grid": ("micro.rate_satisfied", "micro.rate_dissatisfied", "micro.verdict", "micro.request_round",
                 "micro.review_export", "micro.back"),
    }

    def footer_ids() -> set[str]:
        keys = list(app.screen.query(FooterKey))
        limit = min([k.region.x for k in keys if k.has_class("-command-palette")] + [app.size.width])
        visible = {(k.key, k.action) for k in keys if k.region.width > 0 and k.region.right <= limit}
        return {b.id for key, (_n, b, _e, _t) in app.screen.active_bindings.items()
                if b.id and (key, b.action) in visible}

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.show_section("plugin:micro_projects")
            await until(pilot, lambda: isinstance(app.screen, BoardScreen))
            await settle(pilot)
            board = app.screen
            missing = {}
            for name, keys in (("board", ()), ("project", ("enter",)), ("fund", ("escape", "f")),
                               ("grid", ("escape", "e"))):
                for key in keys:
                    await pilot.press(key)
                    await settle(pilot)
                lacking = set(wanted[name]) - footer_ids()
                if lacking:
                    missing[name] = sorted(lacking)
            assert missing == {}
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is board)
            await pilot.press("question_mark")
            await settle(pilot)
            help_rows = app.screen.query_one("#keys", DataTable)
            actions = {str(help_rows.get_row_at(i)[1]) for i in range(help_rows.row_count)}
            new = {"New project", "New list"} if lang == "en" else {"新建项目", "新建清单"}
            assert new <= actions

    asyncio.run(inner())


def test_the_longest_form_scrolls_within_100x30(make_app, street_db, ids):  # noqa: F811
    """The new-project form at 100×30: its last field scrolls into view inside the screen."""
    app = make_app(plugins=PLUGIN)
    seed(street_db, ids)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            board = await open_board(app, pilot)
            await pilot.press("right_square_bracket")  # 2027: open 荣乐园's list, then a project
            await settle(pilot)
            form = await open_form(pilot, "l", "micro-list-form")
            form.widget("community").select(ids["荣乐园社区"], "荣乐园社区")
            await save(pilot, form, board)
            form = await open_form(pilot, "n", "micro-project-form")
            last = form.widget("requests")
            last.focus()
            await settle(pilot)
            region = last.region
            assert region.width > 0 and region.right <= SIZE[0] and 0 <= region.y < SIZE[1]

    asyncio.run(inner())


@pytest.mark.parametrize("role,shown,hidden", [
    ("viewer", set(), {"micro.new_list", "micro.new_project", "micro.rate_satisfied", "micro.verdict",
                       "micro.request_round", "micro.add_representative", "micro.objection_answer"}),
    ("facilitator", {"micro.rate_satisfied", "micro.verdict", "micro.add_representative"},
     {"micro.new_list", "micro.new_project", "micro.objection_answer"}),
])
def test_the_keys_follow_the_operators_role(street_db, ids, role, shown, hidden):  # noqa: F811
    """Logged in as a viewer, no write key of the section is offered (and 1 writes
    nothing); a facilitator rates and judges but does not manage the lists."""
    from gongzhi.core.config import Settings
    from gongzhi.core.plugins import PluginHost
    from gongzhi.core.services import operators as op_svc
    from gongzhi.plugins.micro_projects.models import RatingRecord
    from gongzhi.plugins.micro_projects.screens.evaluation import EvaluationScreen
    from gongzhi.plugins.micro_projects.screens.objections import ObjectionsScreen
    from gongzhi.tui.app import GongzhiApp
    from tests.tui.test_login import PASSWORD
    from tests.tui.test_roles import _binding_ids, _log_in

    settings = Settings(language="zh", operator="本机操作员", database_url=street_db.url)
    host = PluginHost(settings, names=list(PLUGIN)).load()
    host.upgrade(street_db)
    seed(street_db, ids)
    with street_db.session() as s:
        op_svc.create_operator(s, actor=CLERK, login="op1", display_name="赵敏", password=PASSWORD)
        op_svc.grant_role(s, actor=CLERK, login="op1", role=role, place_id=ids["荣乐园社区"])
    host.start(street_db)
    app = GongzhiApp(settings=settings, open_database=lambda report: (street_db, None), host=host,
                     require_login=True)
    seen: dict[str, set[str]] = {}

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await _log_in(app, pilot, "op1")
            board = await open_board(app, pilot)
            seen["board"] = _binding_ids(board)
            await pilot.press("o")
            await until(pilot, lambda: isinstance(app.screen, ObjectionsScreen))
            await settle(pilot)
            seen["objections"] = _binding_ids(app.screen)
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is board)
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, EvaluationScreen))
            await settle(pilot)
            seen["grid"] = _binding_ids(app.screen)
            await pilot.press("1")  # a ballot key where it is offered, else whatever the app does with it
            await settle(pilot)

    asyncio.run(inner())
    app.end_login()
    every = set().union(*seen.values())
    assert shown <= every and not (hidden & every), (role, seen)
    assert "micro.fund" in seen["board"] and "micro.back" in seen["grid"]  # reading stays
    with street_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(RatingRecord)) == 0


def test_objections_are_seen_and_answered_in_the_app(make_app, street_db, ids):  # noqa: F811
    """The board's o: the year's objections with their project; a answers the selected
    one through the form (a blank answer refused on the form, nothing written)."""
    from gongzhi.plugins.micro_projects import services as svc
    from gongzhi.plugins.micro_projects.models import Objection
    from gongzhi.plugins.micro_projects.screens.objections import ObjectionsScreen
    from gongzhi.plugins.micro_projects.services import ProjectInput

    app = make_app(plugins=PLUGIN)
    seed(street_db, ids)
    with street_db.session() as s:
        plist = svc.create_list(s, actor=CLERK, community_id=ids["荣雅园社区"], year=YEAR + 1, on=date(YEAR, 12, 1))
        p = svc.add_project(s, actor=CLERK, list_id=plist.id, data=ProjectInput(name="门禁改造", budget=100_00))
        svc.advance_list(s, actor=CLERK, list_id=plist.id, to_phase="reviewing", on=date(YEAR, 12, 1))
        svc.decide_feasibility(s, actor=CLERK, project_id=p.id, feasible=True)
        svc.advance_list(s, actor=CLERK, list_id=plist.id, to_phase="publicised", on=date(YEAR, 12, 1))
        svc.raise_objection(s, actor=CLERK, list_id=plist.id, content="门禁卡费用谁出？", raised_by="张晓明",
                            project_id=p.id, on=date(YEAR, 12, 1))

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            board = await open_board(app, pilot)
            await pilot.press("right_square_bracket")  # next year's lists
            await settle(pilot)
            await pilot.press("o")
            await until(pilot, lambda: isinstance(app.screen, ObjectionsScreen))
            await settle(pilot)
            view = app.screen
            table = view.query_one("#micro-objections", DataTable)
            assert row(table, 0)[1:7] == ["荣雅园", p.code, "张晓明", "2026-12-01", "门禁卡费用谁出？", ""]
            assert "1 条未答复" in str(view.query_one("#micro-objections-status", Label).render())
            form = await open_form(pilot, "a", "micro-answer-form")
            await save_refused(pilot, form, "不能为空")
            form.widget("answer").value = "由物业统一承担"
            await save(pilot, form, view)
            assert row(table, 0)[6] == "由物业统一承担"
            await pilot.press("escape")
            await until(pilot, lambda: app.screen is board)

    asyncio.run(inner())
    with street_db.read_session() as s:
        o = s.scalars(select(Objection)).one()
        assert (o.answer, o.answered_by) == ("由物业统一承担", "测试办事员")
