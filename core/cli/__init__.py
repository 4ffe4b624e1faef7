"""The ``gongzhi`` command line: :func:`main` (in :mod:`gongzhi.core.cli.root`) and the core's
command groups. This package's import is light on purpose (no Typer): the app's
first frame does not wait for the command line it does not use.
"""

from __future__ import annotations

from typing import Any

# Every core group, imported only when it runs: ``gongzhi --help`` and the commands
# that never touch the database pay for neither SQLAlchemy, Alembic nor pypinyin.
CORE_COMMANDS: dict[str, tuple[str, str]] = {
    "db": ("gongzhi.core.cli.db_cmd:app", "数据库 / database operations"),
    "config": ("gongzhi.core.cli.config_cmd:app", "配置 / configuration"),
    "plugins": ("gongzhi.core.cli.plugins_cmd:app", "插件 / plugins"),
    "request": ("gongzhi.core.cli.request_cmd:app", "诉求 / requests"),
    "person": ("gongzhi.core.cli.person_cmd:app", "居民 / people"),
    "place": ("gongzhi.core.cli.place_cmd:app", "地点 / places"),
    "org": ("gongzhi.core.cli.org_cmd:app", "组织与任职 / organisations and memberships"),
    "category": ("gongzhi.core.cli.request_cmd:category_app", "诉求类别 / request categories"),
    "stats": ("gongzhi.core.cli.stats_cmd:app", "统计 / statistics"),
    "operator": ("gongzhi.core.cli.operator_cmd:app", "操作员账号 / operator accounts"),
    "login": ("gongzhi.core.cli.operator_cmd:login", "登录 / log in (session token kept for this database)"),
    "logout": ("gongzhi.core.cli.operator_cmd:logout", "退出登录 / log out"),
    "audit": ("gongzhi.core.cli.operator_cmd:audit_app", "审计日志 / the audit log"),
    "import": ("gongzhi.core.cli.import_cmd:app", "导入工单与名册 / import ticket exports and registers"),
    "export": ("gongzhi.core.cli.export_cmd:app", "导出诉求清单、Open311、三率与超期报表 / export requests, Open311, rates and overdue reports"),
    "demo": ("gongzhi.core.cli.demo_cmd:demo", "建立演示街道并显示概况 / build the demo street and print its overview."),
}


def main(argv: list[str] | None = None) -> int:
    from gongzhi.core.cli.root import main as run

    return run(argv)


def __getattr__(name: str) -> Any:  # ensure_host, choose_database …: from the root module
    if name.startswith("__") or name == "root":
        raise AttributeError(name)  # (``root`` itself: the import system asks before loading it)
    import importlib

    return getattr(importlib.import_module("gongzhi.core.cli.root"), name)
