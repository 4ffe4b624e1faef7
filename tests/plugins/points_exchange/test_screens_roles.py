"""The counter follows the operator's role (issue 15): a viewer is not offered redeeming,
recording points or approvals' writes, nor the goods screen's stock keys; a points clerk is."""

from __future__ import annotations

from gongzhi.core.config import Settings
from gongzhi.core.plugins import PluginHost
from gongzhi.tui.app import GongzhiApp
from tests.tui.conftest import ids, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until
from tests.tui.test_login import sync
from tests.tui.test_roles import _log_in, _operator

COUNTER_WRITES = {"points.checkout", "points.earn"}
GOODS_WRITES = {"points.goods_add", "points.restock", "points.correct_stock", "points.set_price"}


def _app(db) -> GongzhiApp:
    settings = Settings(language="zh", operator="本机操作员", database_url=db.url)
    host = PluginHost(settings, names=["points_exchange"]).load()
    host.upgrade(db)
    host.start(db)
    return GongzhiApp(settings=settings, open_database=lambda report: (db, host), require_login=True)


def _declared(screen) -> set[str]:
    """The ids of the bindings the screen keeps (those the role may not use are left out)."""
    return {b.id for bs in screen._bindings.key_to_bindings.values() for b in bs if b.id}


async def _counter_and_goods(app, pilot) -> tuple[set[str], set[str]]:
    from gongzhi.plugins.points_exchange.screens import CounterScreen, GoodsScreen

    app.show_section("plugin:points_exchange")
    await until(pilot, lambda: isinstance(app.screen, CounterScreen))
    await settle(pilot)
    counter = _declared(app.screen)
    await app.screen.run_action("goods")
    await until(pilot, lambda: isinstance(app.screen, GoodsScreen))
    await settle(pilot)
    return counter, _declared(app.screen)


@sync
async def test_a_viewer_is_not_offered_the_counters_writes(street_db, ids):  # noqa: F811
    _operator(street_db, ids, "viewer1", "赵敏", "viewer")
    app = _app(street_db)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "viewer1")
        counter, goods = await _counter_and_goods(app, pilot)
        assert not counter & COUNTER_WRITES, counter & COUNTER_WRITES
        assert "points.ledger" in counter, " ".join(sorted(counter))
        assert not goods & GOODS_WRITES and "points.reload" in goods, goods
    app.end_login()


@sync
async def test_a_points_clerk_is_offered_them(street_db, ids):  # noqa: F811
    _operator(street_db, ids, "clerk1", "钱多多", "points_clerk")
    app = _app(street_db)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "clerk1")
        counter, goods = await _counter_and_goods(app, pilot)
        assert counter >= COUNTER_WRITES and goods >= GOODS_WRITES, (counter, goods)
    app.end_login()
