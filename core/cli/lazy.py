"""Lazy loading for the command line: a command's module is imported when it runs.

``gongzhi --help`` lists every group from the short help written here, and
``gongzhi deliberation tally F.json`` imports the deliberation command group
alone: neither pays for SQLAlchemy, Alembic or the pinyin tables (issue 12).

- :class:`LazyGroup` is the root group: core sub-commands are named with their
  module and one-line help; the module is imported the first time the command
  is resolved (not when the root help lists it).
- :func:`lazy` stands for a function (or class) of another module until it is
  first used; a plugin's ``cli.py`` uses it for the services its commands call,
  so that registering the group (hook ``register_commands``) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_command, get_group

from gongzhi.core.cli.context import INT_MAX, INT_MIN

try:  # typer vendors click from 0.22 on
    from typer import _click as click
    from typer._click import exceptions as _exc  # noqa: F401  (click.exceptions)
except ImportError:  # pragma: no cover
    import click  # type: ignore[no-redef]


class _Placeholder(TyperCommand):
    """What the root help shows for a command whose module is not imported yet."""

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name, help=help, short_help=help)
        self.target = target


class LazyGroup(TyperGroup):
    """A Typer root group whose sub-commands are ``module:attribute`` strings.

    ``attribute`` names a ``typer.Typer`` (a group) or a command function.
    """

    lazy: dict[str, tuple[str, str]] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False
        eager = dict(self.commands)
        self.commands = {}
        for name, (target, help) in self.lazy.items():
            self.commands[name] = _Placeholder(name, target, help)
        self.commands.update(eager)  # plugins' groups after the core's

    def add_lazy(self, name: str, target: str, help: str) -> None:
        self.commands[name] = _Placeholder(name, target, help)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        cmd = self.commands.get(cmd_name)
        if isinstance(cmd, _Placeholder) and not self._listing:
            cmd = self.commands[cmd_name] = bound_ints(_load(cmd_name, cmd.target))
        return cmd

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


# what a database integer column holds (SQLite INTEGER and PostgreSQL BIGINT): a whole
# number option or argument outside it is a usage error, never an OverflowError deep in SQL


def _in_range(value: Any) -> bool:
    if isinstance(value, int) and not isinstance(value, bool):
        return INT_MIN <= value <= INT_MAX
    if isinstance(value, list | tuple):
        return all(_in_range(v) for v in value)
    return True


def _bounded(callback: Any) -> Any:
    def check(ctx: Any, param: Any, value: Any) -> Any:
        if not _in_range(value):
            raise click.exceptions.BadParameter(f"{value!r} is not in the range {INT_MIN}<=x<={INT_MAX}.", ctx, param)
        return callback(ctx, param, value) if callback is not None else value

    check.bounded = True  # type: ignore[attr-defined]
    return check


def bound_ints(cmd: click.Command) -> click.Command:
    """Every whole-number parameter of ``cmd`` (and its sub-commands) checked against 64 bits."""
    for param in cmd.params:
        if not getattr(param.callback, "bounded", False):
            param.callback = _bounded(param.callback)
    for sub in getattr(cmd, "commands", {}).values():
        if not isinstance(sub, _Placeholder):
            bound_ints(sub)
    return cmd


def _load(name: str, target: str) -> click.Command:
    module, _, attr = target.partition(":")
    obj = getattr(importlib.import_module(module), attr)
    if isinstance(obj, typer.Typer):  # a group, as ``add_typer`` makes it
        cmd = get_group(obj)
    else:  # a command function, as ``app.command(name)`` makes it
        single = typer.Typer(add_completion=False)
        single.command(name)(obj)
        cmd = get_command(single)
    cmd.name = name
    return cmd


def lazy(module: str, attr: str) -> Any:
    """``attr`` of ``module``, imported on first use (call, attribute, iteration)."""
    return _Lazy(module, attr)


class _Lazy:
    __slots__ = ("_module", "_attr", "_obj")

    def __init__(self, module: str, attr: str) -> None:
        self._module, self._attr, self._obj = module, attr, None

    def _get(self) -> Any:
        if self._obj is None:
            self._obj = getattr(importlib.import_module(self._module), self._attr)
        return self._obj

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._get()(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._get(), name)

    def __iter__(self) -> Any:
        return iter(self._get())

    def __contains__(self, item: Any) -> bool:
        return item in self._get()

    def __repr__(self) -> str:
        return f"<lazy {self._module}.{self._attr}>"
