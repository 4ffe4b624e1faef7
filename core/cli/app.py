"""The root Typer command of ``gongzhi`` (built only for a command or ``--help``)."""

from __future__ import annotations

from typing import Any

import typer

from gongzhi.core.cli import CORE_COMMANDS
from gongzhi.core.cli.lazy import LazyGroup, bound_ints
from gongzhi.core.cli.root import ensure_host, start


class RootGroup(LazyGroup):
    """The core's groups by name; the plugins' groups added when first asked for.

    Plugins register through the ``register_commands`` hook on a Typer of their own
    (the hook's contract); that Typer is turned into click commands and merged here.
    """

    lazy = CORE_COMMANDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugins_added = False

    def _add_plugins(self, wanted: str | None = None) -> None:
        """The plugins' groups: all of them, or (``wanted``) until one of that name is in."""
        if self._plugins_added:
            return
        if wanted is None:
            self._plugins_added = True
        host = ensure_host()
        scratch = typer.Typer(add_completion=False)
        scratch.callback()(lambda: None)  # a group even when one plugin adds one command
        host.register_commands(scratch, until=wanted)
        group = typer.main.get_command(scratch)
        for name, cmd in getattr(group, "commands", {}).items():
            if name not in self.commands:
                self.commands[name] = bound_ints(cmd)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands:
            self._add_plugins(cmd_name)
        if cmd_name not in self.commands:
            self._add_plugins()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: Any) -> list[str]:
        self._add_plugins()
        return super().list_commands(ctx)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands:
            self._add_plugins(args[0])  # a plugin's group …
        if args and args[0] not in self.commands:
            self._add_plugins()  # … or a typo to suggest a name for
        return super().resolve_command(ctx, args)


def _root(
    ctx: typer.Context,
    db: str | None = typer.Option(None, "--db", help="数据库地址 / database URL (sqlite:///… or postgresql+psycopg://…)"),
    lang: str | None = typer.Option(None, "--lang", help="界面语言 zh|en / language"),
    operator: str | None = typer.Option(None, "--operator", help="操作员 / acting operator"),
    xlsx: str | None = typer.Option(None, "--xlsx", help="把列表写入 .xlsx 文件（不会覆盖；个人信息隐去）/ write the listing to an .xlsx file (never overwritten; personal data withheld)"),
    personal: bool = typer.Option(False, "--personal", help="与 --xlsx 一起：包含个人信息（需导出个人信息权限）/ with --xlsx: include personal data (needs the export.personal permission)"),
) -> None:
    start(db, lang, operator, ctx.invoked_subcommand, xlsx=xlsx, personal=personal)


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
