"""The ``gongzhi`` command line (Typer): its entry point and root command.

``gongzhi`` alone opens the app without building the Typer command at all (Typer
and click are imported only for a command or ``--help``: the app's first frame
does not wait for them); sub-commands serve scripting and operations, and every
listing takes ``--json``. Errors exit 1 with one line in the chosen language and
no traceback.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from gongzhi.core.cli.context import INT_MAX, INT_MIN, err, state, tr
from gongzhi.core.config import load_settings
from gongzhi.core.errors import DomainError


def _typer() -> Any:
    import typer

    return typer

def ensure_host(report: Any = None) -> Any:
    """The plugin host of this run, loaded on first need (plugins' models stay unimported)."""
    if state.host is None:
        from gongzhi.core.plugins import PluginHost

        state.host = PluginHost(state.settings).load(models=False)
        for name, why in state.host.failures.items():
            (report or err)(tr(f"警告：插件「{name}」未能加载，已跳过（{why}）",
                   f"warning: plugin '{name}' failed to load, skipped ({why})"))
    return state.host


def start(db: str | None, lang: str | None, operator: str | None, subcommand: str | None, *,
          xlsx: str | None = None, personal: bool = False) -> None:
    """What the root command does with its options (``gongzhi`` alone: open the app)."""
    if lang is not None and lang not in ("zh", "en"):
        raise DomainError("input.invalid_choice", field="--lang", value=lang, choices="zh, en")
    if state._db is not None:
        state._db.dispose()
    state.db_url, state.lang, state.operator, state._db, state._actor = db, lang, operator, None, None
    state.xlsx_path = None
    state.xlsx_personal = False
    state.create_database = False
    state.load()
    if xlsx is not None:  # refused before any work (after load: in the chosen language)
        from pathlib import Path

        from gongzhi.core.services.base import check_output_path

        if Path(xlsx).suffix.lower() != ".xlsx":
            raise DomainError("input.invalid", field="--xlsx", value=xlsx)
        state.xlsx_path = check_output_path(xlsx)
        state.xlsx_personal = personal
    elif personal:  # personal data is a choice about a workbook: refused before any work without one
        raise DomainError("input.invalid", field="--personal", value="--xlsx")
    if subcommand is not None:
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
    from gongzhi.core.cli import demo_cmd

    demo_cmd.print_overview(state.database())


def choose_database() -> str | None:
    """``gongzhi`` alone with no database configured: the demo if one was built, else a hint.

    Returns the one line to show the user (or ``None``).
    """
    if state.db_url or not state.settings.database_is_default:
        return None
    from gongzhi.core.config import data_dir

    default, demo = data_dir() / "gongzhi.sqlite", data_dir() / "demo.sqlite"
    if default.exists():
        return None
    if demo.exists():
        state.settings.database_url = f"sqlite:///{demo}"
        return tr(f"未配置数据库，打开演示街道 {demo}（用 --db 或 GONGZHI_DATABASE_URL 指定其他数据库）",
                  f"no database configured: opening the demo street {demo} (--db or GONGZHI_DATABASE_URL picks another)")
    return tr("还没有数据库：`gongzhi demo` 建立演示街道；`--db URL` 或 GONGZHI_DATABASE_URL 指定已有数据库",
              "no database yet: `gongzhi demo` builds the demo street; `--db URL` or GONGZHI_DATABASE_URL opens another")


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
        args = list(sys.argv[1:] if argv is None else argv)
        for arg in args:
            if any("\ud800" <= ch <= "\udfff" for ch in arg):
                # bytes that are not UTF-8 (decoded with surrogateescape): refused before any work
                state.lang = _language_asked(args)
                if state.lang:
                    state.settings.language = state.lang
                raise DomainError("input.bad_encoding", value=arg.encode("utf-8", "backslashreplace").decode("utf-8"))
            if arg.strip().lstrip("+-").isascii() and arg.strip().lstrip("+-").isdigit() \
                    and not INT_MIN <= int(arg) <= INT_MAX:
                # an id or number no database column holds: refused before it reaches one
                state.lang = _language_asked(args)
                if state.lang:
                    state.settings.language = state.lang
                err(tr("用法错误：", "usage error: ") + DomainError(
                    "input.out_of_range", field="number", value=arg, min=INT_MIN, max=INT_MAX).message(state.language))
                return 2
        if not args:  # the app, as fast as it can open: no Typer command to build
            start(None, None, None, None)
            return 0
        from gongzhi.core.cli.app import build_app

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
    except _typer().Exit as exc:
        return exc.exit_code
    except OverflowError:  # a number too large for the database, met past the checks above
        err(tr("错误：", "error: ") + DomainError("input.out_of_range", field="number", value="…", min=INT_MIN,
                                                  max=INT_MAX).message(state.language))
        return 1
    except OSError as exc:  # a file the system refused (permission, full disk …): one line
        err(tr("错误：", "error: ") + DomainError("file.os_error", path=exc.filename or "", detail=exc.strerror or str(exc))
            .message(state.language))
        return 1
    except _typer().Abort:
        err(tr("已取消", "aborted"))
        return 1
    except KeyboardInterrupt:
        err(tr("已中断", "interrupted"))
        return 130
    except _typer().TyperException as exc:  # usage errors (typer vendors click)
        from gongzhi.core.cli.usage import usage_message

        err(usage_message(exc, _language_asked(argv) or state.language))
        return getattr(exc, "exit_code", 2) or 2
    except Exception as exc:
        if not _is_database_error(exc):
            raise
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        if getattr(getattr(exc, "orig", None), "sqlstate", None) == "42501":  # insufficient privilege, RLS
            err(tr("错误：", "error: ") + DomainError("db.permission_denied", detail=detail).message(state.language))
            return 1
        err(tr("数据库错误：", "database error: ") + detail)
        return 1
    finally:
        if state.host is not None:
            state.host.close()
        if state._db is not None:
            state._db.dispose()
            state._db = None
        state._actor = None
        state.xlsx_path = None
        state.xlsx_personal = False
    return 0


def _is_database_error(exc: BaseException) -> bool:
    """A SQLAlchemy error (checked without importing SQLAlchemy when no command loaded it)."""
    sa_exc = sys.modules.get("sqlalchemy.exc")
    return sa_exc is not None and isinstance(exc, sa_exc.SQLAlchemyError)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

