"""Issue 13, task T5 at the love supermarket's counter, from the app's first screen on the
small demo street with every plugin: redeem two goods for a resident found by pinyin,
with a receipt, within 12 keys (typed text — pinyin included — is not counted).

Also: the receipt as Word (read back with python-docx) with no internal code on it,
sent to a configured printer command (a real executable stand-in for ``lp`` that
writes what it receives to a file), and this month's public notice in one key.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from pathlib import Path

import pytest
import time_machine
from docx import Document as Docx
from textual.widgets import Button, DataTable, Input, Label

from gongzhi.core.config import Settings, data_dir
from gongzhi.core.plugins import PluginHost
from gongzhi.core.services import Actor
from tests.tui.pilot import Keys, settle, until

NOW = "2026-11-20 10:00 +08:00"  # the demo's "now"
PLUGINS = ["points_exchange", "deliberation", "red_property"]
SIZE = (160, 45)
BUDGET = 12


def demo_app(db, lang: str = "zh"):
    from gongzhi.tui.app import GongzhiApp

    settings = Settings(language=lang, operator="爱心超市志愿者", database_url=db.url)
    host = PluginHost(settings, names=PLUGINS).load()
    host.upgrade(db)
    host.start(db)
    return GongzhiApp(db=db, settings=settings, host=host)


def text_of(label: Label) -> str:
    return str(label.render())


def docx_text(path: Path) -> str:
    d = Docx(str(path))
    cells = [c.text for t in d.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in d.paragraphs] + cells)


def stand_in_printer(folder: Path) -> tuple[Path, Path]:
    """An executable that does what ``lp`` does with standard input, into a file."""
    out = folder / "printed.txt"
    script = folder / "fake-lp"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"data = sys.stdin.buffer.read()\n"
        f"open({str(out)!r}, 'ab').write(b'ARGS ' + ' '.join(sys.argv[1:]).encode() + b'\\n' + data)\n",
        encoding="utf-8",
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, out


async def goods_then_quantity(keys: Keys, pilot, goods: str, quantity: str | None = None):
    await keys.type(goods)  # name, pinyin or number: text
    await settle(pilot, debounce=0.2)
    await keys.press("enter")  # picks the first match; the focus moves to the quantity
    await settle(pilot)
    if quantity is not None:
        await keys.type(quantity)  # replaces the selected "1"
    await keys.press("enter")  # into the basket; back to the goods box


def test_t5_redeem_two_goods_for_a_resident_found_by_pinyin_with_a_receipt(
    small_demo, tmp_path
) -> None:
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.screens import ConfirmScreen, CounterScreen, ReceiptScreen
    from gongzhi.plugins.points_exchange.verify import verify

    printer, printed = stand_in_printer(tmp_path)
    with small_demo.session() as s:  # the counter has a printer (a documented setting)
        svc.update_settings(s, actor=Actor("管理员"), receipt_printer=f"{printer} -d 爱心超市")
    with small_demo.read_session() as s:
        person = _person(s, "宋文斌")
        before = svc.balance(s, person)
        stock = {g.name: g.stock for g in svc.list_goods(s)}
    assert before >= 55  # the demo gives residents a balance to spend

    app = demo_app(small_demo)

    async def inner():
        with time_machine.travel(NOW, tick=True):
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                keys = Keys(pilot)
                await keys.press("ctrl+p")  # the command palette
                await keys.type("兑换柜台")
                await settle(pilot, debounce=0.3)
                await keys.press("enter")
                await until(pilot, lambda: isinstance(app.screen, CounterScreen))
                await settle(pilot)
                counter = app.screen
                await keys.type("songwenbin")  # the resident by full pinyin
                await settle(pilot, debounce=0.3)
                await keys.press("enter")
                await settle(pilot)
                assert counter.account is not None and counter.account.name == "宋文斌"
                assert counter.query_one("#points-goods-pick").query_one(Input).has_focus

                await goods_then_quantity(keys, pilot, "gm", "2")  # 挂面 × 2 by initials
                await goods_then_quantity(keys, pilot, "xiangzao")  # 香皂 × 1 by full pinyin
                await settle(pilot)
                basket = counter.query_one("#points-basket", DataTable)
                assert [str(basket.get_row_at(i)[0]) for i in range(basket.row_count)] == [
                    "挂面",
                    "香皂",
                ]
                await keys.press("enter")  # Enter on the empty goods box: confirm
                await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
                await keys.press("enter")  # redeem
                await until(pilot, lambda: isinstance(app.screen, ReceiptScreen))
                receipt_screen = app.screen
                await keys.press("enter")  # print: Word file and the printer
                await until(pilot, lambda: receipt_screen.written is not None)
                await settle(pilot)
                assert keys.count <= BUDGET, keys.log
                return receipt_screen.receipt, receipt_screen.written, receipt_screen.printed_to

    receipt, written, printed_to = asyncio.run(inner())

    with small_demo.read_session() as s:
        assert svc.balance(s, person) == before - 55
        after = {g.name: g.stock for g in svc.list_goods(s)}
        [line] = [x for x in svc.person_transfers(s, person, limit=1) if x.kind == "redeem"]
        assert line.amount == -55 and line.recorded_by == "爱心超市志愿者"
        assert verify(s) == []
    assert after["挂面"] == stock["挂面"] - 2 and after["香皂"] == stock["香皂"] - 1

    # the receipt as Word, in the data directory, with what the resident needs only
    assert written.parent == data_dir() / "points" / "receipts" and written.suffix == ".docx"
    text = docx_text(written)
    for part in ("爱心超市兑换小票", "宋文斌", "挂面", "2包", "香皂", "合计：55 分", "小票号"):
        assert part in text, (part, text)
    assert receipt.key not in text and "幂等键" not in text and "basket-" not in text
    # and on the printer: the stand-in got the receipt's text and the configured arguments
    assert printed_to is not None
    got = printed.read_text(encoding="utf-8")
    assert got.startswith("ARGS -d 爱心超市\n")
    assert "挂面  2包 × 20 = 40" in got and "合计：55 分" in got and receipt.key not in got


def _person(session, name: str) -> int:
    from sqlalchemy import select

    from gongzhi.core.models.people import Person

    return session.scalar(select(Person.id).where(Person.name == name).order_by(Person.id))


def test_a_failing_printer_is_said_and_the_word_receipt_is_kept(small_demo, tmp_path) -> None:
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.receipts import redeem_basket
    from gongzhi.plugins.points_exchange.screens import ReceiptScreen

    failing = tmp_path / "broken-lp"
    failing.write_text("#!/bin/sh\necho 'lp: The printer or class does not exist.' >&2\nexit 1\n")
    failing.chmod(0o755)
    with small_demo.session() as s:
        svc.update_settings(s, actor=Actor("管理员"), receipt_printer=str(failing))
        person = _person(s, "宋文斌")
        soap = next(g for g in svc.list_goods(s) if g.name == "香皂")
        item = svc.BasketItem(soap.id, 1, soap.price)
    receipt = redeem_basket(small_demo, Actor("志愿者"), person, [item], "basket-test-1")
    app = demo_app(small_demo)

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = ReceiptScreen(receipt)
            app.push_screen(screen)
            await settle(pilot)
            await pilot.press("p")
            await until(pilot, lambda: screen.written is not None)
            await settle(pilot)
            return screen, text_of(screen.query_one("#points-receipt-saved", Label))

    screen, said = asyncio.run(inner())
    assert screen.printed_to is None and screen.written.exists()
    assert said.startswith("小票未能打印") and "The printer or class does not exist." in said
    assert os.path.getsize(screen.written) > 0


def test_this_months_notice_in_one_key(small_demo) -> None:
    from gongzhi.plugins.points_exchange.screens import CounterScreen

    app = demo_app(small_demo)

    async def inner():
        with time_machine.travel(NOW, tick=True):
            async with app.run_test(size=SIZE) as pilot:
                await settle(pilot)
                app.show_section("plugin:points_exchange")
                await until(pilot, lambda: isinstance(app.screen, CounterScreen))
                await settle(pilot)
                counter = app.screen
                keys = Keys(pilot)
                await keys.press("f9")  # one key, from the resident search box
                status = counter.query_one("#points-status", Label)
                await until(pilot, lambda: "积分公示已写入" in text_of(status))
                assert keys.count == 1
                return text_of(status).removeprefix("积分公示已写入 ")

    path = Path(asyncio.run(inner()))
    assert path.parent == data_dir() / "points" / "notices" and path.suffix == ".docx"
    assert "2026-11" in path.name
    text = docx_text(path)
    assert "宋文斌" in text and "2026年11月" in text, text[:300]


def test_the_counter_opens_on_the_resident_search_and_tabs_in_visual_order(small_demo) -> None:
    from textual.widgets import Input

    from gongzhi.plugins.points_exchange.screens import CounterScreen

    app = demo_app(small_demo)

    async def inner():
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            app.show_section("plugin:points_exchange")
            await until(pilot, lambda: isinstance(app.screen, CounterScreen))
            await settle(pilot)
            counter = app.screen
            person = counter.query_one("#points-person").query_one(Input)
            goods = counter.query_one("#points-goods-pick").query_one(Input)
            quantity = counter.query_one("#points-quantity", Input)
            order = [
                person,
                goods,
                quantity,
                counter.query_one("#points-goods", DataTable),
                counter.query_one("#points-basket", DataTable),
            ]
            assert app.focused is person  # where the clerk types first
            hint = counter.query_one("#points-pick-hint", Label)
            assert text_of(hint).startswith("先找居民")  # what comes first, before any typing
            seen = [app.focused]
            for _ in order[1:]:
                await pilot.press("tab")
                seen.append(app.focused)
            assert seen == order  # the order they are shown in
            await pilot.press("tab")
            assert app.focused is person  # and round again: a stray Tab loses nothing

            await pilot.press(*"swb")
            await settle(pilot, debounce=0.2)
            await pilot.press("enter")
            await settle(pilot)
            assert app.focused is goods
            await pilot.press(*"挂面")
            await settle(pilot, debounce=0.2)
            await pilot.press("enter")
            await settle(pilot)
            assert app.focused is quantity
            await pilot.press("0", "enter")  # a wrong quantity: said beside the box
            await settle(pilot)
            assert text_of(hint) == "数量须为正整数：0"
            assert app.focused is quantity and counter.basket == {}
            await pilot.press("3", "enter")
            await settle(pilot)
            assert list(counter.basket.values()) == [3] and app.focused is goods
            assert "合计 60 分" in text_of(counter.query_one("#points-total", Label))
            # Enter on the empty goods box with nobody's points short: the confirmation
            await pilot.press("enter")
            await settle(pilot)
            from gongzhi.plugins.points_exchange.screens import ConfirmScreen

            assert isinstance(app.screen, ConfirmScreen)
            await pilot.press("n")  # not now: nothing redeemed, the basket stays
            await settle(pilot)
            assert app.screen is counter and list(counter.basket.values()) == [3]

    asyncio.run(inner())


# the main actions of each screen, which the footer must show first (issue 13, point 6)
PRIMARY = {
    # redeem and the notice, then the counter's other screens: earning, approvals, ledger, goods
    "CounterScreen": ("ctrl+s", "f9", "e", "a", "l", "g"),
    "ApprovalsScreen": ("a", "v"),
    "LedgerScreen": ("x",),
    "GoodsScreen": ("n", "s", "k", "p"),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", [(100, 30), (160, 45)])
def test_every_screen_shows_its_main_actions_in_the_footer(small_demo, lang, size) -> None:
    """At 100×30 and 160×45, in Chinese and English: each screen's main keys are in its
    footer, within the terminal's width and left of the palette key (not under ``^p``),
    described in that language."""
    from textual.widgets._footer import FooterKey

    from gongzhi.plugins.points_exchange import screens
    from gongzhi.plugins.points_exchange import services as svc
    from gongzhi.plugins.points_exchange.i18n import _
    from gongzhi.plugins.points_exchange.receipts import redeem_basket

    with small_demo.session() as s:
        person = _person(s, "宋文斌")
        soap = next(g for g in svc.list_goods(s) if g.name == "香皂")
        item = svc.BasketItem(soap.id, 1, soap.price)
    receipt = redeem_basket(small_demo, Actor("志愿者"), person, [item], "basket-footer")
    app = demo_app(small_demo, lang)
    found: dict[str, dict[str, str]] = {}

    async def footer_of(pilot, screen) -> None:
        await settle(pilot)
        if isinstance(screen, screens.ReceiptScreen):  # a dialog: its keys are on its buttons
            found["ReceiptScreen"] = {
                b.id: str(b.label)
                for b in screen.query(Button)
                if b.region.width and b.region.right <= size[0]
            }
            return
        # the lists have the focus (the search boxes keep letters for typing)
        for table in screen.query(DataTable):
            table.focus()
            break
        await settle(pilot)
        keys = {}
        footer = list(screen.query(FooterKey))
        limit = min([k.region.x for k in footer if k.has_class("-command-palette")] + [size[0]])
        for k in footer:
            if k.region.width and k.region.right <= limit:
                keys[k.key] = k.description
        found[type(screen).__name__] = keys

    async def inner():
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            app.show_section("plugin:points_exchange")
            await until(pilot, lambda: isinstance(app.screen, screens.CounterScreen))
            counter = app.screen
            await footer_of(pilot, counter)
            for screen in (
                screens.ApprovalsScreen(small_demo),
                screens.LedgerScreen(small_demo, (person, "宋文斌")),
                screens.GoodsScreen(small_demo),
                screens.ReceiptScreen(receipt),
            ):
                app.push_screen(screen)
                await until(pilot, lambda s=screen: app.screen is s)
                await footer_of(pilot, screen)
                app.pop_screen()
                await settle(pilot)

    asyncio.run(inner())
    for name, keys in PRIMARY.items():
        cls = getattr(screens, name)
        for key in keys:
            [binding] = [b for b in cls.BINDINGS if b.key == key]
            said = _(screens.BINDING_TEXT[binding.id])
            assert found[name].get(key) == said, (name, key, found[name])
            if lang == "zh":
                assert not said.isascii(), said
    receipt_buttons = found["ReceiptScreen"]
    assert receipt_buttons["points-receipt-print"] == _("Print (p)")
    assert receipt_buttons["points-receipt-write"] == _("Save as Word (w)")
    assert (lang == "zh") == ("打印小票" in receipt_buttons["points-receipt-print"])
