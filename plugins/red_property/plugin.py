"""Hook implementations only: everything else is imported lazily, when used.

Only the hooks the plugin implements today are here; the CLI group, the TUI
section, the minutes export and the demo data hook in as their modules land.
"""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugins import MigrationSpec, PluginMeta

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
def plugin_migrations():
    return MigrationSpec(name=NAME, script_location=Path(__file__).parent / "migrations",
                         table_prefix="redprop_", models_module="plugins.red_property.models")


@hookimpl
def register_categories(register):
    for code, zh, en, sla in CATEGORIES:
        register(code, zh, en, sla=sla)
