"""The ``gongzhi`` console script: the core's command line, with the app behind
``gongzhi`` alone (and ``gongzhi demo``) when run in a terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gongzhi.core.cli import main as core_main
from gongzhi.core.cli.context import SERVED_ENV, state

if TYPE_CHECKING:
    from gongzhi.core.db import Database


def open_app(db: Database | None, *, notice: str | None = None) -> None:
    """Run the app: on ``db`` when it is ready, else the app opens the configured
    database in a worker after its first frame (issue 12: paint first)."""
    from gongzhi.tui.app import GongzhiApp

    app = GongzhiApp(db=db, settings=state.settings, host=state.host, open_database=open_database,
                     notice=notice, require_login=served())
    try:
        app.run()
    finally:
        app.end_login()
    if app.return_code:  # the database could not be opened: the app printed why
        import typer

        raise typer.Exit(app.return_code)


def open_database(report) -> tuple[Database, object]:
    """Open (and, for an embedded SQLite, upgrade after its backup) the configured database
    and load the enabled plugins: what ``gongzhi`` did before its first frame, now done
    by the app off the UI thread. ``report`` receives the lines the CLI would print."""
    from gongzhi.core.cli import ensure_host

    host = ensure_host(report=report)
    # who acts is settled by the app (a token of `gongzhi login`, or its login screen)
    return state.database(report=report, login=False), host


def served() -> bool:
    """Run by ``gongzhi serve`` for a browser: the app always asks for an account."""
    import os

    return os.environ.get(SERVED_ENV) == "1"


def main(argv: list[str] | None = None) -> int:
    from gongzhi.core.cli import CORE_COMMANDS

    state.open_app = open_app
    # the browser front end lives with the UI; the core lists only its own groups
    CORE_COMMANDS.setdefault("serve", ("gongzhi.tui.serve:serve", "在浏览器中使用 / serve the app to browsers (login per session)"))
    return core_main(argv)
