"""The ``gongzhi`` command line (Typer).

``gongzhi`` alone opens the app (until the TUI lands: an overview of the
configured street); sub-commands serve scripting and operations, and every
listing takes ``--json``. Errors exit 1 with one line in the chosen language
and no traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import typer

from core.cli.context import err, state, tr
from core.cli.lazy import LazyGroup
from core.config import load_settings
from core.errors import DomainError

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
    "demo": ("core.cli.demo_cmd:demo", "建立演示街道并显示概况 / build the demo street and print its overview."),
}


def ensure_host(report: Any = None) -> Any:
    """The plugin host of this run, loaded on first need (plugins' models stay unimported)."""
    if state.host is None:
        from core.plugins import PluginHost

        state.host = PluginHost(state.settings).load(models=False)
        for name, why in state.host.failures.items():
            (report or err)(tr(f"警告：插件「{name}」未能加载，已跳过（{why}）",
                   f"warning: plugin '{name}' failed to load, skipped ({why})"))
    return state.host


class RootGroup(LazyGroup):
    """The core's groups by name; the plugins' groups added when first asked for.

    Plugins register through the ``register_commands`` hook on a Typer of their own
    (the hook's contract); that Typer is turned into click commands and merged here.
    """

    lazy = CORE_COMMANDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugins_added = False

    def _add_plugins(self) -> None:
        if self._plugins_added:
            return
        self._plugins_added = True
        host = ensure_host()
        scratch = typer.Typer(add_completion=False)
        scratch.callback()(lambda: None)  # a group even when one plugin adds one command
        host.register_commands(scratch)
        group = typer.main.get_command(scratch)
        for name, cmd in getattr(group, "commands", {}).items():
            if name not in self.commands:
                self.commands[name] = cmd

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            self._add_plugins()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        self._add_plugins()
        return super().list_commands(ctx)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands:
            self._add_plugins()  # a plugin's group, or a typo to suggest a name for
        return super().resolve_command(ctx, args)


def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="数据库地址 / database URL (sqlite:///… or postgresql+psycopg://…)"),
    lang: str | None = typer.Option(None, "--lang", help="界面语言 zh|en / language"),
    operator: str | None = typer.Option(None, "--operator", help="操作员 / acting operator"),
) -> None:
    if lang is not None and lang not in ("zh", "en"):
        raise DomainError("input.invalid_choice", field="--lang", value=lang, choices="zh, en")
    if state._db is not None:
        state._db.dispose()
    state.db_url, state.lang, state.operator, state._db = db, lang, operator, None
    state.load()
    if ctx.invoked_subcommand is not None:
        ensure_host()
        return
    notice = choose_database()
    if state.can_open_app():
        # the app paints first and opens the database (and loads the plugins) in a worker
        state.open_app(None, notice=notice)
        return
    if notice:
        err(notice)
    ensure_host()
    from core.cli import demo_cmd

    demo_cmd.print_overview(state.database())


def choose_database() -> str | None:
    """``gongzhi`` alone with no database configured: the demo if one was built, else a hint.

    Returns the one line to show the user (or ``None``).
    """
    if state.db_url or not state.settings.database_is_default:
        return None
    from core.config import data_dir

    default, demo = data_dir() / "gongzhi.sqlite", data_dir() / "demo.sqlite"
    if default.exists():
        return None
    if demo.exists():
        state.settings.database_url = f"sqlite:///{demo}"
        return tr(f"未配置数据库，打开演示街道 {demo}（用 --db 或 GONGZHI_DATABASE_URL 指定其他数据库）",
                  f"no database configured: opening the demo street {demo} (--db or GONGZHI_DATABASE_URL picks another)")
    return tr("还没有数据库：`gongzhi demo` 建立演示街道；`--db URL` 或 GONGZHI_DATABASE_URL 指定已有数据库",
              "no database yet: `gongzhi demo` builds the demo street; `--db URL` or GONGZHI_DATABASE_URL opens another")


def build_app() -> typer.Typer:
    """The root command: the core's groups, then those of the enabled plugins (loaded lazily)."""
    app = typer.Typer(
        name="gongzhi",
        help="共治 gongzhi — 街道基层治理工具 / civic-governance toolkit for street offices",
        no_args_is_help=False,
        add_completion=False,
        pretty_exceptions_enable=False,
        cls=RootGroup,
    )
    app.callback(invoke_without_command=True)(_root)
    return app


def _language_asked(argv: list[str] | None) -> str | None:
    """``--lang`` from the command line, for a usage error found before the options were read."""
    args = list(sys.argv[1:] if argv is None else argv)
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in ("zh", "en"):
            return args[i + 1]
        if arg in ("--lang=zh", "--lang=en"):
            return arg.split("=", 1)[1]
    return None


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point: domain errors become one line and exit 1."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        settings = load_settings()
        # until the root callback reads the options, messages follow the config/environment
        state.settings, state.lang, state.host = settings, None, None
        app = build_app()
        # in non-standalone mode click returns the code of a typer.Exit instead of raising
        result = app(args=argv, standalone_mode=False)
        if result == 130:  # typer turns Ctrl+C into exit code 130
            err(tr("已中断", "interrupted"))
        if isinstance(result, int):
            return result
    except DomainError as exc:
        err(tr("错误：", "error: ") + exc.message(state.language))
        return 1
    except FileExistsError as exc:
        err(tr("文件已存在，不会覆盖：", "file exists, not overwritten: ") + str(exc))
        return 1
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        err(tr("已取消", "aborted"))
        return 1
    except KeyboardInterrupt:
        err(tr("已中断", "interrupted"))
        return 130
    except typer.TyperException as exc:  # usage errors (typer vendors click)
        from core.cli.usage import usage_message

        err(usage_message(exc, _language_asked(argv) or state.language))
        return getattr(exc, "exit_code", 2) or 2
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        err(tr("数据库错误：", "database error: ") + detail)
        return 1
    finally:
        if state.host is not None:
            state.host.close()
        if state._db is not None:
            state._db.dispose()
            state._db = None
    return 0


def _is_database_error(exc: BaseException) -> bool:
    """A SQLAlchemy error (checked without importing SQLAlchemy when no command loaded it)."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

