"""Hook implementations only: everything else is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from gongzhi.core.hookspecs import hookimpl
from gongzhi.core.plugins import MigrationSpec, PluginMeta

NAME = "red_property"

# (code, 中文, English, SLA hours low/normal/high/urgent). ``sanitation`` and
# ``safety_hazard`` are the core's own codes with the core's hours: a site that has
# them keeps them (the host adds only missing codes); the others are new.
CATEGORIES: tuple[tuple[str, str, str, tuple[int, int, int, int]], ...] = (
    ("repair", "维修", "repairs", (240, 120, 48, 24)),
    ("sanitation", "环境卫生", "sanitation", (120, 72, 24, 12)),
    ("parking", "停车", "parking", (360, 240, 72, 24)),
    ("elevator", "电梯", "elevators", (120, 48, 24, 4)),
    ("safety_hazard", "安全隐患", "safety hazard", (72, 48, 24, 4)),
)


@hookimpl
def plugin_metadata():
    return PluginMeta(
        name=NAME, title_zh="红色物业", title_en="Red property", version="0.1.0",
        description="红色物业联席会议：出席、议程、决议、落实跟踪与物业微服务 / "
                    "red-property joint meetings: attendance, agenda, resolutions followed up, micro-services",
    )


@hookimpl
def register_permissions(register):
    # checked on the meeting's place (a community or a compound) or the micro-service's
    # compound: a grant on a community covers its compounds (core.permissions.check)
    register("property.manage", "管理红色物业联席会议（会议、签到、议程、决议、落实事项）",
             "run red-property joint meetings (meetings, attendance, agenda, resolutions, action items)",
             roles=("property_secretary", "community_secretary"))
    register("property.service", "登记和办理物业微服务", "log and complete property micro-services",
             roles=("property_secretary", "community_secretary", "grid_worker"))


@hookimpl
def plugin_migrations():
    return MigrationSpec(name=NAME, script_location=Path(__file__).parent / "migrations",
                         table_prefix="redprop_", models_module="gongzhi.plugins.red_property.models")


@hookimpl
def register_categories(register):
    for code, zh, en, sla in CATEGORIES:
        register(code, zh, en, sla=sla)


@hookimpl
def register_commands(cli):
    from gongzhi.plugins.red_property.cli import app

    cli.add_typer(app, name="property")


@hookimpl
def register_exports(register):
    def write(session, path: Path) -> Path:
        from gongzhi.plugins.red_property.minutes import write_all_minutes

        return write_all_minutes(session, path)

    register("red_property_minutes", "红色物业联席会议纪要（Markdown）", "Red-property joint meeting minutes (Markdown)",
             write)


@hookimpl
def demo_data(db, actor, seed, scale):
    from gongzhi.plugins.red_property.demo import build_joint_meetings

    build_joint_meetings(db, actor=actor, seed=seed, scale=scale)


@hookimpl
def register_sections(register):
    def screen(db):
        from gongzhi.plugins.red_property.screens import RedPropertyScreen

        return RedPropertyScreen(db)

    register(NAME, "红色物业", "Red property", screen)


def _open_action_board(app) -> None:
    from gongzhi.plugins.red_property.screens import open_action_board

    open_action_board(app)


def _open_service_log(app) -> None:
    from gongzhi.plugins.red_property.screens import open_service_log

    open_service_log(app)


def _agenda_from_request(app) -> None:
    from gongzhi.plugins.red_property.screens import agenda_from_request

    agenda_from_request(app)


def _month_minutes(app) -> None:
    from gongzhi.plugins.red_property.screens.month_minutes import month_minutes

    month_minutes(app)


@hookimpl
def register_palette_commands(register):
    register("红色物业: 打开联席会议", "Red property: open the joint meetings", f"show_section:{NAME}",
             help_zh="会议、签到、议程、决议与落实", help_en="Meetings, check-in, agenda, resolutions and actions")
    register("红色物业: 导出本月联席会议纪要（Word）", "Red property: this month's joint-meeting minutes (Word)",
             _month_minutes, help_zh="本月已结束的联席会议纪要合成一个 Word 文件",
             help_en="Every joint meeting closed this month, in one Word file")
    register("红色物业: 落实事项看板", "Red property: action-item board", _open_action_board,
             help_zh="跨会议的落实事项，超期在前", help_en="Action items across meetings, overdue first")
    register("红色物业: 物业微服务", "Red property: micro-services", _open_service_log,
             help_zh="免费入户维修、代购代买登记与每月统计", help_en="Free home repairs, shopping errands, monthly counts")
    register("红色物业: 把诉求列入联席会议议程", "Red property: put the request on a meeting's agenda",
             _agenda_from_request, help_zh="把当前诉求列入筹备中或进行中的联席会议，诉求时间线上留痕",
             help_en="Put the current request on a draft or open joint meeting's agenda; its timeline gets a note")
