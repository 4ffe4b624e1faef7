"""Hook implementations only: everything else is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugins import MigrationSpec, PluginMeta

NAME = "micro_projects"


@hookimpl
def plugin_metadata():
    return PluginMeta(
        name=NAME,
        title_zh="民生微实事",
        title_en="Micro-projects",
        version="0.1.0",
        description="年度清单、专项资金、张榜公示、销号与满意度测评 / annual lists, the special fund, "
        "publicity, close-out and the year-end evaluation",
    )


@hookimpl
def plugin_migrations():
    return MigrationSpec(
        name=NAME,
        script_location=Path(__file__).parent / "migrations",
        table_prefix="micro_",
        models_module="plugins.micro_projects.models",
    )
