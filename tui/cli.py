"""The ``gongzhi`` console script: the core's command line, with the app behind
``gongzhi`` alone (and ``gongzhi demo``) when run in a terminal."""

from __future__ import annotations

from core.cli import main as core_main
from core.cli.context import state
from core.db import Database


def open_app(db: Database) -> None:
    from tui.app import GongzhiApp

    GongzhiApp(db=db, settings=state.settings, host=state.host).run()


def main(argv: list[str] | None = None) -> int:
    state.open_app = open_app
    return core_main(argv)
