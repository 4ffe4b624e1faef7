"""Engines, sessions, migrations and backups for SQLite and PostgreSQL.

SQLite is made truly transactional: WAL, foreign keys, a busy timeout, and
``BEGIN IMMEDIATE`` for every session opened for writing (``Database.session()``),
so two writers queue on the lock instead of failing half-way. Reads use
``Database.read_session()`` (a deferred transaction that never blocks a writer).
On PostgreSQL, :func:`run_with_retry` repeats a unit of work after a
serialization failure or a deadlock.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlmodel import Session

from gongzhi.core.errors import DomainError

if TYPE_CHECKING:  # Alembic loads when a migration is looked at (not at every start)
    from alembic.config import Config

log = logging.getLogger(__name__)
T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
CORE_VERSION_TABLE = "alembic_version"
BUSY_TIMEOUT_MS = 10_000


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # let SQLAlchemy's "begin" event below emit BEGIN itself
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


class Database:
    """One database: its URL, a reading engine and a writing engine."""

    def __init__(self, url: str, *, echo: bool = False, pool_size: int | None = None, create: bool = True) -> None:
        """``pool_size``: connections kept per engine (SQLAlchemy's default, 5 + 10
        overflow, when not given); a busy counter server with many clerks in one
        process gives its own, and then no overflow is allowed.

        ``create=False``: a SQLite file (or its folder) that does not exist is refused
        (``db.missing``) instead of being created empty — a mistyped ``--db`` must not
        silently fork a street's data. The CLI and the app open with ``create=False``
        except where a database is made on purpose (``demo``, ``db upgrade --create``,
        the embedded default file on first start)."""
        self.url = url
        pool: dict = {} if pool_size is None else {"pool_size": pool_size, "max_overflow": 0, "pool_timeout": 60}
        parsed = make_url(url)
        self.dialect = parsed.get_backend_name()
        if self.dialect == "sqlite":
            database = parsed.database
            if database and database != ":memory:":
                if not create and not Path(database).is_file():
                    raise DomainError("db.missing", path=database)
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            self.engine = create_engine(
                url,
                echo=echo,
                connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
                **pool,
            )
            _sqlite_setup(self.engine)
            self.write_engine = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        elif self.dialect == "postgresql":
            if parsed.drivername == "postgresql":
                url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False))
                self.url = url
            # no server-side prepared statements (psycopg prepares a query after 5 runs):
            # PostgreSQL may then switch to a generic plan that cannot see the values,
            # e.g. the overdue filter's "now" or a search text, and walk every request
            # (docs/performance.md, "Searching requests")
            # JIT off for the app's own connections: its statements are short, and the
            # row-level security policies push a table scan past jit_above_cost, where
            # compiling costs ten times the query (docs/performance.md, "Row-level security")
            self.engine = create_engine(url, echo=echo, pool_pre_ping=True,
                                        connect_args={"prepare_threshold": None, "options": "-c jit=off"}, **pool)
            self.write_engine = self.engine
        else:
            raise DomainError("db.unsupported_url", url=parsed.render_as_string(hide_password=True))

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite:
            return None
        database = make_url(self.url).database
        return Path(database) if database and database != ":memory:" else None

    def session(self) -> Session:
        """A session for writing: on SQLite its transactions start with BEGIN IMMEDIATE."""
        return Session(self.write_engine, expire_on_commit=False)

    def read_session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        self.engine.dispose()

    @contextmanager
    def one_transaction(self) -> Iterator[None]:
        """Everything written through this object's sessions inside the block is one
        database transaction: committed at the end, rolled back on any error — and by
        the server if the process dies (``gongzhi demo`` on PostgreSQL, issue 15 item 6).

        Sessions opened meanwhile share one connection and join its transaction with
        a savepoint, so their own ``commit()``/``rollback()`` only end the savepoint.
        One thread only. Schema changes (migrations) belong before the block."""
        conn = self.engine.connect()
        outer = conn.begin()

        def joined() -> Session:
            return Session(bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint")

        self.session = joined  # type: ignore[method-assign]
        self.read_session = joined  # type: ignore[method-assign]
        try:
            yield
            outer.commit()
        except BaseException:
            outer.rollback()
            raise
        finally:
            del self.session, self.read_session
            conn.close()

    # -- migrations ---------------------------------------------------------

    def alembic_config(self) -> Config:
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
        cfg.set_main_option("version_table", CORE_VERSION_TABLE)
        cfg.attributes["database"] = self
        return cfg

    def current_revision(self) -> str | None:
        with self.engine.connect() as conn:
            from alembic.runtime.migration import MigrationContext

            ctx = MigrationContext.configure(conn, opts={"version_table": CORE_VERSION_TABLE})
            return ctx.get_current_revision()

    def head_revision(self) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config()).get_current_head()

    def is_current(self) -> bool:
        return self.current_revision() == self.head_revision()

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        command.upgrade(self.alembic_config(), revision)

    def downgrade(self, revision: str) -> None:
        from alembic import command

        command.downgrade(self.alembic_config(), revision)

    def check(self) -> list[tuple]:
        """Differences between the migrated schema and the models (empty = clean)."""
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        from gongzhi.core.migrations.env_support import core_metadata, include_object

        with self.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={
                    "version_table": CORE_VERSION_TABLE,
                    "include_object": include_object,
                    "compare_type": True,
                },
            )
            return compare_metadata(ctx, core_metadata())

    def login_warnings(self) -> list[tuple[str, tuple[str, str]]]:
        """What is wrong with the login this database is reached through: on PostgreSQL,
        a superuser or the tables' owner is bound by neither the append-only grants nor
        row-level security (migration 0009). (code, (zh, en)) each; none on SQLite."""
        if self.is_sqlite:
            return []
        from sqlalchemy import text

        with self.engine.connect() as conn:
            login, superuser = conn.execute(text(
                "SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user")).one()
            owns = conn.scalar(text(
                "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema() AND tableowner = current_user"))
        out = []
        if superuser:
            out.append(("db.login_superuser", (
                f"警告：当前以超级用户 {login} 连接，追加表保护和按社区的行级权限对其无效；日常使用请用 gongzhi_app 角色的登录",
                f"warning: connected as the superuser {login}; append-only grants and row-level security do not "
                "bind it: connect through a login in the role gongzhi_app for daily work")))
        elif owns:
            out.append(("db.login_owner", (
                f"警告：当前登录 {login} 拥有 {owns} 张表，可关闭触发器、绕过行级权限；日常使用请用 gongzhi_app 角色的登录",
                f"warning: the login {login} owns {owns} tables and can disable triggers and bypass row-level "
                "security: connect through a login in the role gongzhi_app for daily work")))
        return out

    def login_is_scoped(self) -> bool:
        """Whether this PostgreSQL login is confined to communities (``db_login_scope``,
        row-level security: migrations 0009 and 0010). Never on SQLite."""
        if self.is_sqlite:
            return False
        from sqlalchemy import text

        with self.engine.connect() as conn:
            if conn.scalar(text("SELECT to_regclass('db_login_scope') IS NULL")):
                return False
            return bool(conn.scalar(text("SELECT EXISTS (SELECT 1 FROM db_login_scope WHERE login = current_user)")))

    def ensure_ready(self) -> Path | None:
        """Make the database usable at start-up.

        An embedded SQLite file is upgraded in place, after a backup copy when it
        already held data; a shared PostgreSQL is only checked (upgrades there are
        an operator's decision: ``gongzhi db upgrade``). Returns the backup path.
        """
        current, head = self.current_revision(), self.head_revision()
        if current == head:
            return None
        if not self.is_sqlite:
            raise DomainError("db.not_upgraded", current=current or "-", head=head)
        backup_path = None
        path = self.sqlite_path
        if current is not None and path is not None and path.exists():
            backup_path = self.backup(reason=f"pre-upgrade-{current}")
        self.upgrade()
        return backup_path

    # -- backups ------------------------------------------------------------

    def backup(self, target: Path | None = None, *, reason: str = "manual") -> Path:
        """An online, consistent copy of the SQLite file (sqlite3 backup API)."""
        source = self.sqlite_path
        if source is None:
            raise DomainError("db.backup_unsupported")
        if target is None:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            target = source.parent / "backups" / f"{source.stem}-{stamp}-{reason}.sqlite"
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise FileExistsError(target)
        src = sqlite3.connect(source)
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return target


@contextmanager
def write(db: Database) -> Iterator[Session]:
    """A writing session that is closed (and rolled back if uncommitted) on exit."""
    session = db.session()
    try:
        yield session
    finally:
        session.close()


_RETRY_SQLSTATES = {"40001", "40P01"}  # serialization_failure, deadlock_detected


def _is_retryable(exc: DBAPIError) -> bool:
    orig = getattr(exc, "orig", None)
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate in _RETRY_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(exc)


def run_with_retry(db: Database, work: Callable[[Session], T], *, attempts: int = 5) -> T:
    """Run ``work(session)`` in a fresh writing session, retrying transient conflicts."""
    for attempt in range(1, attempts + 1):
        with write(db) as session:
            try:
                return work(session)
            except DBAPIError as exc:
                session.rollback()
                if attempt == attempts or not _is_retryable(exc):
                    raise
                log.info("retrying after transient conflict (%s), attempt %d", exc.orig, attempt)
                time.sleep(0.01 * 2**attempt)
    raise AssertionError("unreachable")
