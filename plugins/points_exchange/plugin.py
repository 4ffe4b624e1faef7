"""Hook implementations only: everything else is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from gongzhi.core.hookspecs import hookimpl
from gongzhi.core.plugins import MigrationSpec, PluginMeta

NAME = "points_exchange"


@hookimpl
def plugin_metadata():
    return PluginMeta(
        name=NAME,
        title_zh="积分兑换",
        title_en="Points exchange",
        version="0.1.0",
        description="积分标准、积分账本与爱心超市 / earning rules, a points ledger and the love supermarket",
    )


@hookimpl
def register_permissions(register):
    # street-wide ledger operations: a grant anywhere suffices (core.permissions.check_any)
    register("points.earn", "记录积分", "record points earned", roles=("points_clerk", "community_secretary"))
    register("points.approve", "审核积分", "approve pending points", roles=("points_clerk", "community_secretary"))
    register("points.redeem", "爱心超市兑换", "redeem at the love supermarket", roles=("points_clerk",))
    register("points.goods", "管理物品与库存", "manage goods and stock", roles=("points_clerk",))
    register("points.reverse", "冲正积分转账", "reverse points transfers", roles=("points_clerk", "community_secretary"))
    # street-wide policy: only a grant on the street (core.permissions.check with no place)
    register("points.adjust", "手工调整积分", "grant or deduct points by hand", roles=())
    register("points.manage", "管理积分标准、设置与过期清理", "manage earning rules, settings and expiry", roles=())


@hookimpl
def plugin_migrations():
    return MigrationSpec(
        name=NAME,
        script_location=Path(__file__).parent / "migrations",
        table_prefix="points_",
        models_module="gongzhi.plugins.points_exchange.models",
    )


@hookimpl
def request_status_changed(db, request_id, from_status, to_status, actor):
    """A request reported by a grid worker or rider that reaches resolved earns its
    reporter points, once per request (plugins.points_exchange.services.earn_for_request)."""
    if to_status != "resolved":
        return
    from gongzhi.plugins.points_exchange.services import earn_for_request

    earn_for_request(db, request_id=request_id, actor=actor)


@hookimpl
def register_person_panels(register):
    def render(session, person_id, lang="zh"):
        from gongzhi.plugins.points_exchange.services import person_panel_text

        return person_panel_text(session, person_id, lang=lang)

    register("points_balance", "积分", "Points", render)


@hookimpl
def register_commands(cli):
    from gongzhi.plugins.points_exchange.cli import app

    cli.add_typer(app, name="points")


@hookimpl
def register_exports(register):
    def notice(session, path: Path) -> Path:
        from gongzhi.plugins.points_exchange.reports import this_month, write_notice

        return write_notice(session, this_month(), path)

    def report(session, path: Path) -> Path:
        from gongzhi.plugins.points_exchange.reports import this_month, write_report

        return write_report(session, this_month(), path)

    register(
        "points_notice",
        "本月积分公示（Excel/Word）",
        "This month's points notice (Excel/Word)",
        notice,
    )
    register(
        "points_report",
        "本月积分月报（Excel/Word）",
        "This month's points report (Excel/Word)",
        report,
    )


@hookimpl
def demo_data(db, actor, seed, scale):
    from gongzhi.plugins.points_exchange.demo import build_love_supermarket

    build_love_supermarket(db, actor=actor, seed=seed, scale=scale)


@hookimpl
def register_sections(register):
    def screen(db):
        from gongzhi.plugins.points_exchange.screens import CounterScreen

        return CounterScreen(db)

    register(NAME, "积分兑换", "Points exchange", screen)


def _palette(name: str):
    """A palette action that runs ``gongzhi.plugins.points_exchange.screens.<name>(app)``."""

    def action(app) -> None:
        from gongzhi.plugins.points_exchange import screens

        getattr(screens, name)(app)

    return action


@hookimpl
def register_palette_commands(register):
    register(
        "积分: 打开爱心超市兑换柜台",
        "Points: open the love supermarket counter",
        f"show_section:{NAME}",
        help_zh="查找居民、选物品、确认兑换、打印小票",
        help_en="Find the resident, pick goods, confirm, print the receipt",
    )
    register(
        "积分: 录入积分",
        "Points: record points earned",
        _palette("open_earn"),
        help_zh="按今日有效的积分标准为人员录入积分",
        help_en="Record points under a rule in force today",
    )
    register(
        "积分: 积分审核",
        "Points: approvals queue",
        _palette("open_approvals"),
        help_zh="审核或作废待审核的积分（审核人不能是录入人）",
        help_en="Approve or void pending earnings (not by the recorder)",
    )
    register(
        "积分: 物品与库存",
        "Points: goods and stock",
        _palette("open_goods"),
        help_zh="新增物品、入库、盘点更正、改价",
        help_en="Add goods, restock, correct stock, change prices",
    )
    register(
        "积分: 导出本月积分公示",
        "Points: export the month's public notice",
        _palette("export_notice"),
        help_zh="写入数据目录（Excel 或 Word）",
        help_en="Written to the data directory (Excel or Word)",
    )
