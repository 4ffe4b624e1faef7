"""What every command shares: settings, the database, the language, output helpers."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from gongzhi.core.config import Settings, load_settings

INT_MIN, INT_MAX = -(2**63), 2**63 - 1  # what a BIGINT holds: larger numbers are refused before any work

if TYPE_CHECKING:  # the database layer loads when a command first needs it (issue 12)
    from gongzhi.core.db import Database
    from gongzhi.core.plugins import PluginHost
    from gongzhi.core.services.base import Actor


# set by ``gongzhi serve`` for the app it runs per browser session: always the login screen
SERVED_ENV = "GONGZHI_SERVED"


@dataclass
class State:
    db_url: str | None = None
    lang: str | None = None
    operator: str | None = None
    settings: Settings = field(default_factory=Settings)
    host: PluginHost | None = None
    # set by the UI package (tui.cli) so that `gongzhi` alone opens the app (on a
    # ready database, or with None: the app opens it in a worker after its first
    # frame, and shows ``notice`` if given); the core itself never imports the UI
    open_app: Callable[..., None] | None = None
    # a command that makes a database on purpose (``db upgrade --create``) sets this;
    # otherwise a SQLite file that does not exist is refused (issue 15, item 8)
    create_database: bool = False
    # ``--xlsx FILE``: the command's listing goes to this workbook (checked before any work)
    xlsx_path: Path | None = None
    # ``--personal`` (with ``--xlsx``): personal data asked for, granted with export.personal only
    xlsx_personal: bool = False
    _db: Database | None = None
    _actor: Actor | None = None

    def can_open_app(self) -> bool:
        """A terminal, or a browser session started by ``gongzhi serve`` (its pipes are not ttys)."""
        if self.open_app is None:
            return False
        return os.environ.get(SERVED_ENV) == "1" or (sys.stdin.isatty() and sys.stdout.isatty())

    def load(self) -> None:
        self.settings = load_settings()
        if self.lang:
            self.settings.language = self.lang
        if self.operator:
            self.settings.operator = self.operator
        if self.db_url:
            from gongzhi.core.config import as_database_url

            self.settings.database_url = as_database_url(self.db_url)

    @property
    def language(self) -> str:
        return self.settings.language

    @property
    def actor(self) -> Actor:
        """Who acts: on a database with operator accounts, the account of the session
        token (``gongzhi login``); without accounts, the one local operator named by
        the config, ``GONGZHI_OPERATOR`` or ``--operator`` (street_admin on the street)."""
        from gongzhi.core.services.base import Actor

        if self._actor is not None:
            return self._actor
        if self._db is None:
            return Actor(self.settings.operator)
        from gongzhi.core.errors import DomainError
        from gongzhi.core.services.operators import actor_from_token, has_operators_safe

        with self._db.read_session() as s:
            if not has_operators_safe(s):
                actor = Actor(self.settings.operator)
            else:
                if self.operator or os.environ.get("GONGZHI_OPERATOR"):
                    raise DomainError("auth.operator_claim")
                actor = actor_from_token(s, read_token(self.settings.database_url))
        self._actor = actor
        return actor

    def database(self, *, ready: bool = True, report: Callable[[str], None] | None = None,
                 login: bool = True) -> Database:
        """The database of this run, migrated if ``ready``; on a database with operator
        accounts the actor is resolved at once (``login=False``: the login commands)."""
        from gongzhi.core.db import Database

        resolve_actor = ready and login
        if self._db is None:
            # the embedded default file is made on first start; any other missing file is refused
            create = self.create_database or (self.settings.database_is_default and not self.db_url)
            self._db = Database(self.settings.database_url, create=create)
            self._actor = None
        if self.host is not None:
            self.host.import_models()
        if ready and self._db.is_sqlite:
            from gongzhi.core.plugins import sqlite_up_to_date

            # the common case, read with the standard library: nothing to migrate, no Alembic
            ready = not sqlite_up_to_date(self.settings.database_url, self.host)
        if ready:
            fresh = self._db.current_revision() is None
            backup = self._db.ensure_ready()
            if fresh and self._db.current_revision() is not None:
                # a brand-new site starts with the default request categories
                from gongzhi.core.services.categories import ensure_default_categories

                with self._db.session() as s:
                    ensure_default_categories(s, actor=self.actor)
            if backup is not None:
                (report or err)(tr(f"数据库已升级，升级前的备份：{backup}", f"database upgraded; backup taken first: {backup}"))
            self._ready_plugins(self._db)
        if self.host is not None:
            self.host.start(self._db)
        if resolve_actor:
            self.actor  # noqa: B018 - refuses (auth.*) before any read on a shared database
        return self._db

    def _ready_plugins(self, db: Database) -> None:
        """Enabled plugins' tables: migrated at start on SQLite, only checked on PostgreSQL."""
        from gongzhi.core.errors import DomainError

        host = self.host
        if host is None:
            return
        behind = [n for n in host.specs if host.migration_state(db, n) != "up to date"]
        if not behind:
            return
        if not db.is_sqlite:
            n = behind[0]
            raise DomainError("db.not_upgraded", current=f"{n}:{host.current_revision(db, n) or '-'}",
                              head=f"{n}:{host.head_revision(db, n)}")
        host.upgrade(db)


state = State()


def session_file() -> Path:
    """The user's login tokens, one per database URL (0600; next to the config file)."""
    from gongzhi.core.config import config_path

    return config_path().parent / "session.json"


def _read_tokens() -> dict[str, str]:
    try:
        data = json.loads(session_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_token(url: str) -> str | None:
    token = _read_tokens().get(url)
    return token if isinstance(token, str) else None


def write_token(url: str, token: str | None) -> Path:
    """Keep (or with ``None`` forget) the token for ``url``; the file is made 0600 first."""
    path = session_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tokens = _read_tokens()
    if token is None:
        tokens.pop(url, None)
    else:
        tokens[url] = token
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.chmod(path, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(tokens, f)
    return path
# emoji=False: a title with ":fire:" in it is printed as typed (and rich's emoji table,
# 7 ms, is never loaded)
console = Console(soft_wrap=True, emoji=False)
err_console = Console(stderr=True, soft_wrap=True, emoji=False)


def vocab_label(enum: Any, value: str) -> str:
    """A vocabulary value (a ``Labelled`` enum member's value) in the chosen language;
    an unknown value shows as itself."""
    try:
        return enum(value).label(state.language)
    except ValueError:
        return value


def tr(zh: str, en: str) -> str:
    """The text in the chosen language (Chinese first, English second)."""
    return en if state.language == "en" else zh


def err(message: str) -> None:
    err_console.print(message, markup=False, highlight=False)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "numerator") and hasattr(value, "denominator"):
        return float(value)
    raise TypeError(f"not JSON serialisable: {type(value)}")


def _xlsx_strip() -> tuple[bool, bool]:
    """For a listing about to be written with ``--xlsx``: (strip its personal data, do its
    ``name`` columns name people). Personal data stays in only when ``--personal`` asked for
    it and the operator holds ``export.personal`` (asking without it is refused: nothing is
    written); the listing's command path says whether names are people's."""
    try:  # the running command: typer's own copy of click (typer ≥ 0.17), else click
        from typer._click.globals import get_current_context
    except ImportError:  # pragma: no cover
        from click import get_current_context

    ctx = get_current_context(silent=True)
    command = " ".join(ctx.command_path.split()[1:]) if ctx is not None else ""
    from gongzhi.core.services.sheets import names_are_personal

    names = names_are_personal(command)
    if not state.xlsx_personal:
        return True, names
    from gongzhi.core.permissions import check

    db = state._db if state._db is not None else state.database()
    with db.read_session() as s:
        check(s, state.actor, "export.personal")
    return False, names


def print_json(data: Any) -> None:
    if state.xlsx_path is not None:
        from gongzhi.core.services.sheets import strip_records, write_records_xlsx

        strip, names = _xlsx_strip()
        if strip:
            data = strip_records(data, names=names, lang=state.language)
        _wrote(write_records_xlsx(state.xlsx_path, data))
        return
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=_json_default) + "\n")


def _wrote(rows: int) -> None:
    path, state.xlsx_path = state.xlsx_path, None  # one listing, one file
    console.print(tr(f"已写入 {path}（{rows} 行）", f"written to {path} ({rows} rows)"), markup=False, highlight=False)


def table(columns: list[str], rows: list[list[Any]], title: str | None = None) -> None:
    if state.xlsx_path is not None:
        from gongzhi.core.services.sheets import strip_table, write_xlsx

        strip, names = _xlsx_strip()
        write_xlsx(state.xlsx_path, columns,
                   strip_table(columns, rows, names=names, lang=state.language) if strip else rows)
        _wrote(len(rows))
        return
    from rich.table import Table

    t = Table(title=title, show_lines=False, header_style="bold")
    for c in columns:
        t.add_column(c, overflow="fold")
    for r in rows:
        t.add_row(*["" if v is None else str(v) for v in r])
    console.print(t)


def parse_local_datetime(text: str | None) -> datetime | None:
    """``2026-03-05 14:30`` (Asia/Shanghai unless an offset is given) → aware datetime."""
    if text is None:
        return None
    from gongzhi.core.errors import DomainError
    from gongzhi.core.models.types import LOCAL_TZ

    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        day = re.match(r"(\d{4}-\d{2}-\d{2})(?:[ T]|$)", text.strip())
        if day:
            parse_date(day.group(1))  # not a day of the calendar (2026-02-30): say that
        raise DomainError("input.invalid", field="datetime", value=text) from None
    return value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    from gongzhi.core.validation import parse_day

    return parse_day(text)
