"""The ``gongzhi`` command line: :func:`main` (in :mod:`core.cli.root`) and the core's
command groups. This package's import is light on purpose (no Typer): the app's
first frame does not wait for the command line it does not use.
"""

from __future__ import annotations

from typing import Any

# Every core group, imported only when it runs: ``gongzhi --help`` and the commands
# that never touch the database pay for neither SQLAlchemy, Alembic nor pypinyin.
CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("core.cli.db_cmd:app", "数据库 / database operations"),
    "config": ("core.cli.config_cmd:app", "配置 / configuration"),
    "plugins": ("core.cli.plugins_cmd:app", "插件 / plugins"),
    "request": ("core.cli.request_cmd:app", "诉求 / requests"),
    "person": ("core.cli.person_cmd:app", "居民 / people"),
    "place": ("core.cli.place_cmd:app", "地点 / places"),
    "org": ("core.cli.org_cmd:app", "组织与任职 / organisations and memberships"),
    "category": ("core.cli.request_cmd:category_app", "诉求类别 / request categories"),
    "stats": ("core.cli.stats_cmd:app", "统计 / statistics"),
    "operator": ("core.cli.operator_cmd:app", "操作员账号 / operator accounts"),
    "login": ("core.cli.operator_cmd:login", "登录 / log in (session token kept for this database)"),
    "logout": ("core.cli.operator_cmd:logout", "退出登录 / log out"),
    "audit": ("core.cli.operator_cmd:audit_app", "审计日志 / the audit log"),
    "import": ("core.cli.import_cmd:app", "导入工单与名册 / import ticket exports and registers"),
    "demo": ("core.cli.demo_cmd:demo", "建立演示街道并显示概况 / build the demo street and print its overview."),
}


def main(argv: list[str] | None = None) -> int:
    from core.cli.root import main as run

    return run(argv)


def __getattr__(name: str) -> Any:  # ensure_host, choose_database …: from the root module
    if name.startswith("__") or name == "root":
        raise AttributeError(name)  # (``root`` itself: the import system asks before loading it)
    import importlib

    return getattr(importlib.import_module("core.cli.root"), name)
