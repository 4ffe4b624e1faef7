"""``gongzhi plugins``: what is installed, what is enabled, enable and disable."""

from __future__ import annotations

import typer

from gongzhi.core.cli.context import console, print_json, state, table, tr
from gongzhi.core.config import config_path
from gongzhi.core.plugins import (
    PluginHost,
    available_plugins,
    disable_plugin,
    enable_plugin,
    enabled_names,
    sqlite_up_to_date,
)

app = typer.Typer(help="插件 / plugins", no_args_is_help=True)


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json")) -> None:
    """已安装的插件及其状态 / installed plugins and their state (imports none that is disabled)."""
    enabled = set(enabled_names(state.settings))
    host = state.host
    needs_db = bool(enabled and host is not None and host.specs)
    # an up-to-date SQLite file is read with the standard library alone (no SQLAlchemy,
    # no Alembic); anything else opens the database as every command does
    current = needs_db and sqlite_up_to_date(state.settings.database_url, host)
    db = state.database() if needs_db and not current else None
    rows = []
    for name, p in available_plugins().items():
        on = name in enabled
        migration = "-"
        if on and host is not None and current and name in host.specs:
            migration = "up to date"
        elif on and host is not None and db is not None:
            migration = host.migration_state(db, name)
        elif on and host is not None and name not in host.specs:
            migration = "no tables" if name in host.names else "failed to load"
        rows.append({"name": name, "version": p.version, "source": p.source, "enabled": on,
                     "migration": migration, "module": p.module})
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(tr("没有安装插件", "no plugins installed"))
        return
    table([tr("插件", "plugin"), tr("版本", "version"), tr("来源", "source"), tr("启用", "enabled"),
           tr("数据表", "migrations")],
          [[r["name"], r["version"], tr("内置", "built-in") if r["source"] == "built-in" else tr("扩展包", "package"),
            "✓" if r["enabled"] else "", r["migration"]] for r in rows])


@app.command("enable")
def enable(name: str = typer.Argument(...)) -> None:
    """启用插件：检查依赖、建立数据表并记入配置 / enable: check dependencies, migrate, record."""
    db = state.database()
    host: PluginHost = enable_plugin(state.settings, db, name)
    host.close()
    console.print(tr(f"已启用插件 {name}（配置：{config_path()}）", f"enabled plugin {name} (config: {config_path()})"),
                  markup=False, highlight=False)


@app.command("disable")
def disable(name: str = typer.Argument(...)) -> None:
    """停用插件：隐藏其界面和命令，数据保留 / disable: hide it, keep its data."""
    disable_plugin(state.settings, name)
    console.print(tr(f"已停用插件 {name}，其数据保留", f"disabled plugin {name}; its data is kept"), markup=False)
