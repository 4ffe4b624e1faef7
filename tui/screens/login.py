"""The operator login (issue 15; issue 19: each browser session is its own operator).

Shown when the database has operator accounts and the app has no account to act as:
always under ``gongzhi serve`` (a browser never borrows the server user's token), and
in a terminal when ``gongzhi login`` has not left a valid token for this database.
Nothing of the street is read before it succeeds: the app's database work waits for it.

The password is checked in a worker thread (argon2 is slow on purpose); every failure
is audited and counted by :func:`gongzhi.core.services.operators.login`, which locks an account
after five failures in a row. The token lives in the app's memory only and the session
is ended when the app closes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Center, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label

from gongzhi.tui.i18n import N_, _
from gongzhi.tui.i18n import language as ui_language
from gongzhi.tui.widgets.base import translate_bindings

if TYPE_CHECKING:
    from gongzhi.core.db import Database
    from gongzhi.core.services.base import Actor


class LoginScreen(Screen[None]):
    """Log in with an operator account; ``on_login(actor, token)`` runs on success."""

    DEFAULT_CSS = """
    LoginScreen { align: center middle; }
    #login-form { width: 60; height: auto; padding: 1 2; border: thick $primary; background: $surface; }
    #login-form Input { margin-bottom: 1; }
    #login-error { color: $error; height: auto; }
    #login-error.-info { color: $text-muted; }
    #login-form .buttons { height: auto; }
    """

    BINDINGS = [Binding("escape", "app.quit", N_("Quit"), id="login.quit")]

    def __init__(self, db: Database, on_login: Callable[[Actor, str], None], *, street: str | None = None) -> None:
        super().__init__(id="login")
        self.db = db
        self.on_login = on_login
        self.street = street
        self._busy = False

    def compose(self) -> ComposeResult:
        with Center(), Vertical(id="login-form"):
            yield Label(_("Log in to gongzhi") + (f" · {self.street}" if self.street else ""), classes="panel-title")
            yield Label(_("Login name"))
            yield Input(id="login-name", max_length=50)
            yield Label(_("Password"))
            yield Input(id="login-password", password=True, max_length=1000)
            yield Label("", id="login-error")
            with Horizontal(classes="buttons"):
                yield Button(_("Log in"), id="login-ok", variant="primary")
        yield Footer()

    AUTO_FOCUS = "#login-name"

    def on_mount(self) -> None:
        translate_bindings(self)

    @on(Input.Submitted, "#login-name")
    def _name_done(self) -> None:
        if not self.query_one("#login-name", Input).value.strip():
            self._say(_("Enter your login name"))
            return
        self.query_one("#login-password", Input).focus()

    @on(Input.Submitted, "#login-password")
    @on(Button.Pressed, "#login-ok")
    def action_submit(self) -> None:
        name = self.query_one("#login-name", Input).value.strip()
        password = self.query_one("#login-password", Input).value
        if not name:
            self._say(_("Enter your login name"))
            self.query_one("#login-name", Input).focus()
            return
        if not password:
            self._say(_("Enter your password"))
            self.query_one("#login-password", Input).focus()
            return
        if self._busy:
            return
        self._busy = True
        self.query_one("#login-ok", Button).disabled = True
        self._say(_("Checking…"), error=False)
        lang = ui_language()
        db = self.db

        def check() -> None:
            from gongzhi.core.errors import DomainError
            from gongzhi.core.services.operators import actor_of, login

            try:
                with db.session() as s:
                    token, op = login(s, name, password)
                    actor = actor_of(s, op)
            except DomainError as exc:
                self.app.call_from_thread(self._refused, exc.message(lang))
                return
            self.app.call_from_thread(self._accepted, actor, token)

        self.run_worker(check, thread=True, exclusive=True, group="login")

    def _refused(self, message: str) -> None:
        self._busy = False
        self.query_one("#login-ok", Button).disabled = False
        self._say(message)
        password = self.query_one("#login-password", Input)
        password.value = ""
        password.focus()

    def _accepted(self, actor: Actor, token: str) -> None:
        self.app.pop_screen()
        self.on_login(actor, token)

    def _say(self, text: str, *, error: bool = True) -> None:
        label = self.query_one("#login-error", Label)
        label.update(text)
        label.set_class(not error, "-info")
