"""The ``gongzhi`` command line (Typer).

``gongzhi`` alone opens the app (until the TUI lands: an overview of the
configured street); sub-commands serve scripting and operations, and every
listing takes ``--json``. Errors exit 1 with one line in the chosen language
and no traceback.
"""

from __future__ import annotations

import logging
import sys

import typer
from sqlalchemy.exc import SQLAlchemyError

from core.cli import (
    config_cmd,
    db_cmd,
    demo_cmd,
    org_cmd,
    person_cmd,
    place_cmd,
    plugins_cmd,
    request_cmd,
    stats_cmd,
)
from core.cli.context import err, state, tr
from core.config import load_settings
from core.errors import DomainError
from core.plugins import PluginHost


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
    for name, why in state.host.failures.items():
        err(tr(f"警告：插件「{name}」未能加载，已跳过（{why}）", f"warning: plugin '{name}' failed to load, skipped ({why})"))
    if ctx.invoked_subcommand is None:
        db = state.database()
        if state.can_open_app():
            state.open_app(db)
        else:
            demo_cmd.print_overview(db)


def build_app(host: PluginHost) -> typer.Typer:
    """The root command with the core's groups and those of the enabled plugins."""
    app = typer.Typer(
        name="gongzhi",
        help="共治 gongzhi — 街道基层治理工具 / civic-governance toolkit for street offices",
        no_args_is_help=False,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    app.callback(invoke_without_command=True)(_root)
    app.add_typer(db_cmd.app, name="db")
    app.add_typer(config_cmd.app, name="config")
    app.add_typer(plugins_cmd.app, name="plugins")
    app.add_typer(request_cmd.app, name="request")
    app.add_typer(person_cmd.app, name="person")
    app.add_typer(place_cmd.app, name="place")
    app.add_typer(org_cmd.app, name="org")
    app.add_typer(request_cmd.category_app, name="category")
    app.add_typer(stats_cmd.app, name="stats")
    app.command("demo")(demo_cmd.demo)
    host.register_commands(app)
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
    host: PluginHost | None = None
    try:
        settings = load_settings()
        # until the root callback reads the options, messages follow the config/environment
        state.settings, state.lang = settings, None
        host = PluginHost(settings).load()
        state.host = host
        app = build_app(host)
        # in non-standalone mode click returns the code of a typer.Exit instead of raising
        result = app(args=argv, standalone_mode=False)
        if result == 130:  # typer turns Ctrl+C into exit code 130
            err(tr("已中断", "interrupted"))
        if isinstance(result, int):
            return result
    except DomainError as exc:
        err(tr("错误：", "error: ") + exc.message(state.language))
        return 1
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        err(tr("数据库错误：", "database error: ") + detail)
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
    finally:
        if host is not None:
            host.close()
        if state._db is not None:
            state._db.dispose()
            state._db = None
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

