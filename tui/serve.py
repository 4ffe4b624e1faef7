"""``gongzhi serve``: the same app in a browser, through textual-serve (issue 19).

Each browser tab gets its own app process (textual-serve starts ``python -m tui`` per
websocket), run with ``GONGZHI_SERVED=1``: the app then always opens on the operator
login (tui/screens/login.py) and never reads the server user's ``gongzhi login``
token, so one session never acts as, or sees the screens of, another. A database
without operator accounts is refused: a served app is reachable by anyone who can
reach the port.

The server prints its address at start and stops cleanly on Ctrl+C (SIGINT) or
SIGTERM, ending the sessions' processes within a few seconds. For anything beyond
a trusted LAN run it behind a reverse proxy with TLS (README, "In a browser").
"""

from __future__ import annotations

import os
import shlex
import sys

import typer

from gongzhi.core.cli.context import SERVED_ENV, console, state, tr
from gongzhi.core.errors import DomainError

SHUTDOWN_SECONDS = 3.0


def _server_class():
    """textual-serve's Server with our start line and a short shutdown (its default waits 60 s)."""
    import asyncio
    import signal

    from aiohttp import web
    from textual_serve.server import Server

    class GongzhiServer(Server):
        async def on_startup(self, app: web.Application) -> None:
            console.print(tr(f"gongzhi 已在 {self.public_url} 上提供浏览器访问（Ctrl+C 停止）",
                             f"gongzhi is served at {self.public_url} (Ctrl+C stops it)"), markup=False)

        def serve(self, debug: bool = False) -> None:
            self.debug = debug
            self.initialize_logging()
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, self.request_exit)
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
                        print=lambda *args: None, shutdown_timeout=SHUTDOWN_SECONDS)

    return GongzhiServer


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址 / address to listen on"),
    port: str = typer.Option("8000", "--port", help="端口 / port"),
    public_url: str | None = typer.Option(None, "--public-url",
                                          help="反向代理后的公开地址 / the public address behind a reverse proxy"),
) -> None:
    """在浏览器中使用 gongzhi（每个会话需登录操作员账号）/ serve the app to browsers (each session logs in)."""
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise DomainError("serve.bad_port", value=port)
    from gongzhi.core.services.operators import has_operators_safe

    db = state.database(login=False)  # refuses a missing file, upgrades as `gongzhi` would
    with db.read_session() as s:
        if not has_operators_safe(s):
            raise DomainError("serve.no_operators")
    url = state.settings.database_url
    db.dispose()
    # the per-session processes inherit these: the same database and language, and the login screen
    os.environ[SERVED_ENV] = "1"
    os.environ["GONGZHI_DATABASE_URL"] = url
    os.environ["GONGZHI_LANG"] = state.language
    os.environ.pop("GONGZHI_OPERATOR", None)
    command = shlex.join([sys.executable, "-m", "gongzhi.tui"])
    server = _server_class()(command, host=host, port=int(port), title="共治 gongzhi", public_url=public_url)
    try:
        server.serve()
    except OSError as exc:
        raise DomainError("serve.cannot_listen", host=host, port=port, detail=exc.strerror or str(exc)) from None
