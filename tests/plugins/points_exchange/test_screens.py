"""The points exchange's TUI section in the real app under Pilot, on a real SQLite copy
of the small UI street: the counter (pinyin search, basket, confirmation, receipt),
refusals shown on the screen with nothing written, an earning approved by a second
operator, a reversal from the ledger, a restock, the notice export, F2.

The two reads added for the screens (``earnable_rules``, ``running_balances``) are
tested on SQLite and PostgreSQL with the plugin's own street.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import func, select
from textual.widgets import DataTable, Input, Label

from gongzhi.core.config import data_dir
from gongzhi.core.services import Actor
from gongzhi.tui.widgets.pickers import ChoicePicker
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until

SIZE = (160, 50)
CLERK = Actor("超市志愿者")


def docx_text(path) -> str:
    from docx import Document as Docx

    d = Docx(str(path))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def text_of(label: Label) -> str:
    return str(label.render())


def row(table: DataTable, i: int) -> list[str]:
    return [str(c) for c in table.get_row_at(i)]


def stock_up(db, ids: dict[str, int]) -> dict[str, int]:  # noqa: F811
    """Rice (20 points, 1 bag) and soap (5 points, 10 bars); 张晓明 holds 30 points."""
    from gongzhi.plugins.points_exchange import services as svc

    with db.session() as s:
        rice = svc.add_goods(s, actor=CLERK, name="大米", unit="袋", price=20, stock=1).id
    with db.session() as s:
        soap = svc.add_goods(s, actor=CLERK, name="香皂", unit="块", price=5, stock=10).id
    with db.session() as s:
        svc.adjust(s, actor=CLERK, person_id=ids["张晓明"], amount=30, note="开户")
    return {"rice": rice, "soap": soap}


def redemptions(db, person_id: int) -> list:
    from gongzhi.plugins.points_exchange import services as svc

    with db.read_session() as s:
        return [x for x in svc.person_transfers(s, person_id) if x.kind == "redeem"]


async def open_counter(
    app, pilot, query: str = "zxm", name: str = "张晓明", *, goods_list: bool = True
):
    from gongzhi.plugins.points_exchange.screens import CounterScreen

    await settle(pilot)
    assert text_of(app.query_one("#nav-plugin-points_exchange").query_one(Label)) == "积分兑换"
    app.show_section("plugin:points_exchange")
    await until(pilot, lambda: isinstance(app.screen, CounterScreen))
    await settle(pilot)
    screen = app.screen
    await pilot.press(*query)  # the resident search has the focus: pinyin initials
    await settle(pilot, debounce=0.2)
    await pilot.press("enter")
    await settle(pilot)
    assert screen.account is not None and screen.account.name == name
    # picking the resident moves on to the goods search
    assert screen.query_one("#points-goods-pick").query_one(Input).has_focus
    if goods_list:  # these tests drive the goods list's own keys (Enter, +, -, c …)
        screen.query_one("#points-goods", DataTable).focus()
        await pilot.pause()
    return screen


def test_counter_redeems_a_basket_once_with_a_receipt(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.screens import ConfirmScreen, CounterScreen, ReceiptScreen
    from gongzhi.plugins.points_exchange.verify import verify

    app = make_app(plugins=("points_exchange",))
    goods = stock_up(street_db, ids)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen: CounterScreen = await open_counter(app, pilot)
            assert "余额 30 分 · 可用 30 分" in text_of(screen.query_one("#points-account", Label))
            table = screen.query_one("#points-goods", DataTable)
            assert table.has_focus
            assert [row(table, i)[:4] for i in range(2)] == [
                ["大米", "袋", "20", "1"],
                ["香皂", "块", "5", "10"],
            ]
            table.move_cursor(row=1)
            await pilot.press("enter", "plus", "plus", "minus")  # 2 bars of soap
            basket = screen.query_one("#points-basket", DataTable)
            assert row(basket, 0) == ["香皂", "2块", "5", "10"]
            total = text_of(screen.query_one("#points-total", Label))
            assert total == "合计 10 分 · 可用 30 分 · 兑换后 20 分"

            await pilot.press("c")  # the confirmation shows the prices
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            shown = text_of(app.screen.query_one("#points-confirm-text", Label))
            assert "香皂  2 × 5 = 10" in shown and "兑换后：20 分" in shown
            await pilot.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
            receipt = app.screen.receipt
            text = text_of(app.screen.query_one("#points-receipt-text", Label))
            assert f"小票号：{receipt.transfer_id}" in text
            assert receipt.key not in text and "幂等键" not in text  # no internal code
            assert "香皂  2块 × 5 = 10" in text and "兑换后余额：20 分" in text
            await pilot.press("w")  # the receipt as Word in the data directory
            await settle(pilot)
            written = app.screen.written
            assert written.parent == data_dir() / "points" / "receipts"
            assert written.suffix == ".docx" and app.screen.printed_to is None
            words = docx_text(written)
            assert f"小票号：{receipt.transfer_id}" in words and "2块" in words
            assert receipt.key not in words
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is screen and screen.basket == {}
            assert "余额 20 分" in text_of(screen.query_one("#points-account", Label))
            assert row(table, 1)[3] == "8"

            # a double Enter on the confirmation: one redemption
            table.focus()
            table.move_cursor(row=1)
            await pilot.press("plus", "c")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("enter", "enter")
            await settle(pilot)
            if isinstance(app.screen, ReceiptScreen):
                await pilot.press("escape")
                await settle(pilot)
            assert app.screen is screen and screen.basket == {}
            assert len(redemptions(street_db, ids["张晓明"])) == 2

            # the same basket delivered twice (a retry, a second confirmation): the
            # basket's key makes it one redemption, and one receipt
            table.focus()
            await pilot.press("plus")
            key = screen.basket_key
            sent = screen.redemptions
            screen.submit_basket()
            screen.submit_basket()
            await settle(pilot)
            assert screen.redemptions == sent + 2
            assert isinstance(app.screen, ReceiptScreen) and app.screen.receipt.key == key
            await pilot.press("escape")
            await settle(pilot)
            assert screen.basket_key != key  # the next basket gets a new key

    asyncio.run(inner())

    lines = redemptions(street_db, ids["张晓明"])
    assert [x.amount for x in lines] == [-5, -5, -10]
    assert all(x.recorded_by == "测试办事员" for x in lines)
    with street_db.read_session() as s:
        assert svc.balance(s, ids["张晓明"]) == 10
        assert svc.get_goods(s, goods["soap"]).stock == 6
        assert svc.get_goods(s, goods["rice"]).stock == 1
        assert verify(s) == []


def test_counter_shows_refusals_and_writes_nothing(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.screens import ConfirmScreen

    app = make_app(plugins=("points_exchange",))
    goods = stock_up(street_db, ids)
    other = Actor("另一位志愿者")
    with street_db.session() as s:
        svc.adjust(s, actor=other, person_id=ids["单田芳"], amount=50, note="开户")

    async def confirm(app, pilot) -> None:
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("enter")
        await settle(pilot)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_counter(app, pilot)
            table = screen.query_one("#points-goods", DataTable)
            error = screen.query_one("#points-error", Label)
            table.move_cursor(row=0)
            await pilot.press("plus")  # one bag of rice at 20

            # meanwhile the price goes up: refused, said, and the new price shown
            with street_db.session() as s:
                svc.set_price(s, actor=other, goods_id=goods["rice"], price=25)
            await confirm(app, pilot)
            assert text_of(error) == "「大米」的积分价已由 20 变为 25，请重新确认"
            assert screen.goods[goods["rice"]].price == 25
            assert row(screen.query_one("#points-basket", DataTable), 0)[2:] == ["25", "25"]

            # meanwhile another counter takes the last bag
            with street_db.session() as s:
                svc.redeem(s, actor=other, person_id=ids["单田芳"], items=[(goods["rice"], 1, 25)])
            await confirm(app, pilot)
            assert text_of(error) == "「大米」库存 0袋，不足 1袋"
            assert row(table, 0)[3] == "0"

            # more than the resident holds: the total says so live, the service refuses
            with street_db.session() as s:
                svc.restock(s, actor=other, goods_id=goods["rice"], quantity=2)
            table.move_cursor(row=1)
            await pilot.press("plus", "plus", "plus")  # 3 × 5 + 25 = 40 > 30
            total = text_of(screen.query_one("#points-total", Label))
            assert total == "合计 40 分 · 可用 30 分 · 超出 10 分"
            await confirm(app, pilot)
            assert text_of(error) == "张晓明的可用积分为 30，不足 40"
            assert screen.basket == {goods["rice"]: 1, goods["soap"]: 3}  # kept, to fix

    asyncio.run(inner())

    assert redemptions(street_db, ids["张晓明"]) == []
    with street_db.read_session() as s:
        assert svc.balance(s, ids["张晓明"]) == 30
        assert svc.get_goods(s, goods["soap"]).stock == 10


async def run_palette(app, pilot, query: str) -> None:
    from textual.command import CommandPalette

    await pilot.press("ctrl+p")
    await until(pilot, lambda: isinstance(app.screen, CommandPalette))
    await pilot.press(*query)
    await settle(pilot, debounce=0.3)
    await pilot.press("enter")
    await settle(pilot)


def test_an_earning_approved_by_a_second_operator(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.models import Transfer
    from gongzhi.plugins.points_exchange.screens import ApprovalsScreen, EarnScreen

    app = make_app(plugins=("points_exchange",))

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            screen = await open_counter(app, pilot, "lxy", "李秀英")  # a micro-grid worker
            await pilot.press("e")
            await until(pilot, lambda: isinstance(app.screen, EarnScreen))
            await settle(pilot)
            earn = app.screen
            # only rules in force today that admit her roles (not the riders' rule)
            assert set(earn.rules) == {
                "grid_report",
                "grid_service",
                "grid_mediation",
                "resident_volunteer",
                "resident_suggestion",
            }
            rule_box = earn.query_one("#points-earn-rule").query_one(Input)
            assert rule_box.has_focus  # the person is known: the rule comes first
            await pilot.press(*"hjmd")  # 化解矛盾纠纷 by its pinyin initials
            await settle(pilot, debounce=0.2)
            await pilot.press("enter")
            await settle(pilot)
            assert earn.query_one("#points-earn-rule").value == "grid_mediation"
            assert earn.query_one("#points-earn-quantity", Input).has_focus
            info = text_of(earn.query_one("#points-earn-rule-info", Label))
            assert "须另一人审核" in info
            error = earn.query_one("#points-earn-error", Label)
            earn.query_one("#points-earn-quantity", Input).value = "0"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is earn and text_of(error) == "数量须为正整数：0"
            earn.query_one("#points-earn-quantity", Input).value = "1"
            earn.query_one("#points-earn-note", Input).value = "调解楼上漏水纠纷"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is screen
            status = text_of(screen.query_one("#points-status", Label))
            assert status.startswith("已录入 李秀英 +20 分，待另一人审核")
            assert "待审核 +20" in text_of(screen.query_one("#points-account", Label))

            await run_palette(app, pilot, "积分审核")  # the palette opens the queue too
            await until(pilot, lambda: isinstance(app.screen, ApprovalsScreen))
            await settle(pilot)
            queue = app.screen
            table = queue.query_one("#points-approvals", DataTable)
            assert table.row_count == 1
            assert row(table, 0)[1:5] == ["李秀英", "化解矛盾纠纷", "+20", "测试办事员"]
            await pilot.press("a")  # the recorder may not approve
            await settle(pilot)
            shown = text_of(queue.query_one("#points-approvals-error", Label))
            assert shown.endswith("由 测试办事员 录入，须由另一人审核")
            assert table.row_count == 1

            app.settings.operator = "社区审核员"  # a second operator takes the keyboard
            await pilot.press("a")
            await settle(pilot)
            assert text_of(queue.query_one("#points-approvals-error", Label)) == ""
            assert table.row_count == 0
            await pilot.press("escape")
            await settle(pilot)
            assert "余额 20 分" in text_of(screen.query_one("#points-account", Label))

    asyncio.run(inner())

    with street_db.read_session() as s:
        [line] = svc.person_transfers(s, ids["李秀英"])
        assert (line.state, line.amount, line.rule_code, line.note) == (
            "posted",
            20,
            "grid_mediation",
            "调解楼上漏水纠纷",
        )
        post = s.get(Transfer, line.resolved_by_id)
        assert (post.phase, post.recorded_by) == ("post", "社区审核员")
        assert s.scalar(select(func.count()).select_from(Transfer)) == 2  # pending + post


def test_ledger_reversal_restock_notice_and_f2(make_app, street_db, ids):  # noqa: F811
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.models import StockMove
    from gongzhi.plugins.points_exchange.screens import (
        ConfirmScreen,
        CounterScreen,
        GoodsScreen,
        LedgerScreen,
        PointsForm,
    )

    app = make_app(plugins=("points_exchange",))
    goods = stock_up(street_db, ids)
    with street_db.session() as s:
        bought = svc.redeem(
            s, actor=CLERK, person_id=ids["张晓明"], items=[(goods["soap"], 2, 5)]
        ).transfer.id

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            counter: CounterScreen = await open_counter(app, pilot)
            await pilot.press("l")
            await until(pilot, lambda: isinstance(app.screen, LedgerScreen))
            await settle(pilot)
            ledger = app.screen
            table = ledger.query_one("#points-ledger", DataTable)
            assert [row(table, i)[2:] for i in range(2)] == [
                ["兑换", "爱心超市", "已入账", "-10", "20"],
                ["调整", "开户", "已入账", "+30", "30"],
            ]
            table.focus()
            table.move_cursor(row=0)
            await pilot.press("x")
            await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
            await pilot.press("y")
            await settle(pilot)
            assert [row(table, i)[2:] for i in range(3)] == [
                ["冲正", f"冲正转账 {bought}", "已入账", "+10", "30"],
                ["兑换", "爱心超市", "已冲正", "-10", "20"],
                ["调整", "开户", "已入账", "+30", "30"],
            ]
            table.move_cursor(row=1)  # once only
            await pilot.press("x", "y")
            await settle(pilot)
            error = text_of(ledger.query_one("#points-ledger-error", Label))
            assert error.startswith(f"转账 {bought} 已被转账") and error.endswith("不能再次冲正")
            await pilot.press("escape")
            await settle(pilot)

            await pilot.press("g")
            await until(pilot, lambda: isinstance(app.screen, GoodsScreen))
            await settle(pilot)
            shelf = app.screen
            goods_table = shelf.query_one("#points-goods-list", DataTable)
            assert row(goods_table, 0) == ["大米", "袋", "20", "1", "库存偏低", f"#{goods['rice']}"]
            assert goods_table.get_row_at(0)[3].style == "bold red"
            goods_table.move_cursor(row=0)
            await pilot.press("s")
            await until(pilot, lambda: isinstance(app.screen, PointsForm))
            form = app.screen
            form.query_one("#points-restock-quantity", Input).value = "两袋"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert text_of(form.query_one("#points-restock-error", Label)) == "数量须为正整数：两袋"
            form.query_one("#points-restock-quantity", Input).value = "5"
            # the source is chosen by typing: donated unless told, bought is 采购入库 ("cg")
            source = form.query_one("#points-restock-kind", ChoicePicker)
            assert source.value == "donation" and source.query_one(Input).value == "捐赠入库"
            source.query_one(Input).focus()
            await pilot.pause()
            await pilot.press(*"cg", "enter")
            await settle(pilot)
            assert source.value == "purchase"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is shelf
            assert row(goods_table, 0)[:5] == ["大米", "袋", "20", "6", "在架"]

            # F2: the open screens relabel themselves, the one beneath too
            await pilot.press("f2")
            await settle(pilot)
            assert [str(c.label) for c in goods_table.columns.values()] == [
                "Goods",
                "Unit",
                "Price",
                "Stock",
                "State",
                "No.",
            ]
            assert row(goods_table, 0)[4] == "on the shelf"
            assert any(b.description == "Restock" for b in shelf._bindings.key_to_bindings["s"])
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is counter
            heading = text_of(counter.query_one(".points-heading", Label))
            assert heading.startswith("Love supermarket counter")
            search = counter.query_one("#points-person").query_one(Input)
            assert search.placeholder == "name, pinyin initials or phone tail"
            basket = counter.query_one("#points-basket", DataTable)
            assert [str(c.label) for c in basket.columns.values()][:2] == ["Goods", "Qty"]
            assert "balance 30 · available 30" in text_of(
                counter.query_one("#points-account", Label)
            )
            assert any(b.description == "Redeem" for b in counter._bindings.key_to_bindings["c"])

            # shift+F9: a month's public notice, month and format asked, written into the
            # data directory (F9 writes this month's as Word at once: test_field_fit.py)
            await pilot.press("shift+f9")
            await until(pilot, lambda: isinstance(app.screen, PointsForm))
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is counter
            status = text_of(counter.query_one("#points-status", Label))
            assert status.startswith("The notice was written to ")
            path = status.removeprefix("The notice was written to ")
            assert path.endswith(".xlsx") and path.startswith(str(data_dir() / "points"))

    asyncio.run(inner())

    with street_db.read_session() as s:
        assert svc.balance(s, ids["张晓明"]) == 30
        assert svc.get_goods(s, goods["soap"]).stock == 10
        assert svc.get_goods(s, goods["rice"]).stock == 6
        last = s.scalars(select(StockMove).where(StockMove.goods_id == goods["rice"])
                         .order_by(StockMove.id.desc())).first()
        assert (last.kind, last.quantity) == ("purchase", 5)
        [reversal] = [x for x in svc.person_transfers(s, ids["张晓明"]) if x.kind == "reversal"]
        assert reversal.reverses_id == bought and reversal.recorded_by == "测试办事员"
    notices = list((data_dir() / "points" / "notices").glob("*.xlsx"))
    assert len(notices) == 1 and notices[0].stat().st_size > 0


def test_the_section_and_palette_commands_are_registered():
    from gongzhi.core.config import Settings
    from gongzhi.core.plugins import PluginHost

    host = PluginHost(Settings(), names=["points_exchange"]).load()
    [section] = host.collect("register_sections")
    assert (section.key, section.args[:2]) == ("points_exchange", ("积分兑换", "Points exchange"))
    commands = {c.key: c.args for c in host.collect("register_palette_commands")}
    assert commands["积分: 打开爱心超市兑换柜台"][1] == "show_section:points_exchange"
    for title in ("积分: 录入积分", "积分: 积分审核", "积分: 物品与库存", "积分: 导出本月积分公示"):
        assert callable(commands[title][1]), title


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_binding_has_an_id_and_a_description(lang):
    from gongzhi.plugins.points_exchange import screens
    from gongzhi.plugins.points_exchange.i18n import _
    from gongzhi.plugins.points_exchange.screens.common import MODAL_TEXT
    from gongzhi.tui import i18n

    i18n.set_language(lang)
    try:
        for cls in (
            screens.CounterScreen,
            screens.ApprovalsScreen,
            screens.LedgerScreen,
            screens.GoodsScreen,
            screens.EarnScreen,
            screens.ConfirmScreen,
            screens.ReceiptScreen,
            screens.PointsForm,
        ):
            # the section's own bindings take their words from the plugin's catalog, the
            # shared dialogs' from the core's
            modal = cls in (screens.ConfirmScreen, screens.PointsForm)
            texts = MODAL_TEXT if modal else screens.BINDING_TEXT
            for b in cls.BINDINGS:
                assert b.id and b.id.startswith("points."), (cls, b)
                assert b.id in texts and b.description, (cls, b)
            assert cls.BINDING_TEXT is texts
        # every description is translated into the language asked for
        for msgid in screens.BINDING_TEXT.values():
            said = _(msgid)
            assert said and (said == msgid) == (lang == "en" or msgid == said), msgid
            if lang == "zh":
                assert not said.isascii(), msgid
    finally:
        i18n.set_language("zh")


# -- the reads the screens use, on SQLite and PostgreSQL ---------------------------------------


def test_earnable_rules_follow_roles_and_dates(site, street, clerk) -> None:
    from gongzhi.plugins.points_exchange import services as svc

    with site.db.session() as s:  # volunteering retired at the end of 2025
        svc.revise_rule(
            s,
            actor=clerk,
            code="resident_volunteer",
            valid_from=date(2025, 1, 1),
            valid_to=date(2025, 12, 31),
        )
    with site.db.read_session() as s:
        today = date(2026, 3, 1)
        resident = {r.code for r in svc.earnable_rules(s, street.residents[0], on=today)}
        assert resident == {"resident_suggestion"}  # the worker rules are not hers
        rider = {r.code for r in svc.earnable_rules(s, street.rider, on=today)}
        assert rider == {"rider_report", "grid_service", "grid_mediation", "resident_suggestion"}
        grid = {r.code for r in svc.earnable_rules(s, street.grid_worker, on=today)}
        assert "grid_report" in grid and "rider_report" not in grid
        before = {r.code for r in svc.earnable_rules(s, street.residents[0], on=date(2024, 6, 1))}
        assert before == {"resident_volunteer", "resident_suggestion"}
        assert svc.earnable_rules(s, street.residents[0], on=date(2023, 12, 31)) == []


def test_running_balances_count_back_from_the_balance(site, street, clerk, checker) -> None:
    from gongzhi.plugins.points_exchange import services as svc

    pid = street.residents[0]
    with site.db.session() as s:
        svc.earn(s, actor=clerk, person_id=pid, rule_code="resident_volunteer")  # +10
    with site.db.session() as s:
        pending = svc.earn(s, actor=clerk, person_id=pid, rule_code="resident_suggestion")
    with site.db.session() as s:
        bought = svc.redeem(s, actor=clerk, person_id=pid, items=[(street.soap, 1, 5)])  # -5
    with site.db.session() as s:
        svc.reverse(s, actor=clerk, transfer_id=bought.transfer.id)  # +5
    with site.db.session() as s:
        svc.void(s, actor=checker, transfer_id=pending.transfer.id)
    with site.db.read_session() as s:
        lines = svc.person_transfers(s, pid)
        balances = svc.running_balances(lines, svc.balance(s, pid))
    assert [(x.kind, x.state, x.amount) for x in lines] == [
        ("reversal", "posted", 5),
        ("redeem", "reversed", -5),
        ("earn", "voided", 10),
        ("earn", "posted", 10),
    ]
    assert balances == [10, 5, None, 10]
