"""Fixtures: real databases (a SQLite file and a real PostgreSQL server), isolated
data directories, and the acting clerk.

``db`` runs a test twice, on SQLite and on PostgreSQL. Each test gets a fresh
database copied from a template migrated once per session (a file copy on
SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL).
"""

from __future__ import annotations

import itertools
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import gongzhi.core.cli.context  # noqa: F401  (see below)
from gongzhi.core.db import Database
from gongzhi.core.services import Actor
from tests.dbs import pg_database, sqlite_copy
from tests.pg import Cluster

_counter = itertools.count()

# The CLI's Rich consoles decide at construction whether they write colour. Imported here,
# they are built against pytest's captured (non-terminal) stdout; first imported lazily
# inside a Textual app under Pilot (whose stdout capture says it is a terminal), they
# would write ANSI codes into every later CLI test of the same worker.


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own data directory and no inherited configuration."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(data))
    for var in ("GONGZHI_DATABASE_URL", "GONGZHI_CONFIG", "GONGZHI_PLUGINS", "GONGZHI_OPERATOR"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("GONGZHI_LANG", "zh")
    return data


@pytest.fixture(autouse=True)
def _no_stale_event_listeners() -> Iterator[None]:
    """Listeners a test subscribed (a started PluginHost, an app's) end with it: left in
    place they would forward every later test's events to plugins on databases long gone
    (a demo build late in a worker took nine times as long)."""
    from gongzhi.core import events

    before = list(events._listeners)
    yield
    events._listeners[:] = before


@pytest.fixture(scope="session", autouse=True)
def _no_bare_import_names() -> Iterator[None]:
    """Everything imports gongzhi.core / gongzhi.tui / gongzhi.plugins (issue 19): from the clone's
    root the folders would also import as bare ``core``, ``tui``, ``plugins`` (names other
    distributions own) and a model imported under two names is two tables."""
    yield
    bare = sorted(m for m in sys.modules if m.split(".")[0] in ("core", "tui", "plugins"))
    assert bare == [], f"imported under the folders' bare names: {bare[:10]}"


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    url = os.environ.get("GONGZHI_TEST_PG_URL")
    if url:
        yield url
        return
    cluster = Cluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def pg_template(pg_url: str) -> str:
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    name = f"gz_template_{os.getpid()}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    db = Database(url)
    db.upgrade()
    db.dispose()
    return name


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite"
    db = Database(f"sqlite:///{path}")
    db.upgrade()
    db.dispose()
    return path


@pytest.fixture
def sqlite_db(sqlite_template: Path, tmp_path: Path) -> Iterator[Database]:
    db = sqlite_copy(sqlite_template, tmp_path / "gongzhi.sqlite")
    yield db
    db.dispose()


@pytest.fixture
def pg_db(pg_url: str, pg_template: str) -> Iterator[Database]:
    with pg_database(pg_url, "gz_test", template=pg_template) as db:
        yield db


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest) -> Database:
    """The same test on a real SQLite file and on a real PostgreSQL server."""
    return request.getfixturevalue("sqlite_db" if request.param == "sqlite" else "pg_db")


@pytest.fixture
def empty_pg_db(pg_url: str) -> Iterator[Database]:
    """An unmigrated PostgreSQL database (for migration tests)."""
    with pg_database(pg_url, "gz_empty") as db:
        yield db


@pytest.fixture
def actor() -> Actor:
    return Actor("测试办事员")


@pytest.fixture
def session(db: Database):
    s = db.session()
    yield s
    s.close()


# -- the small demo street with every built-in plugin (the field-fit tasks run on it) --

# the demo's history ends here; "this month" in a test of the demo is November 2026
DEMO_NOW = "2026-11-20 10:00"


@pytest.fixture(scope="session")
def small_demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``gongzhi demo --scale small --no-open`` with every installed plugin, built once per
    session through the real command (in a subprocess: the CLI keeps process-wide state)."""
    import subprocess
    import sys

    folder = tmp_path_factory.mktemp("small-demo")
    path = folder / "demo.sqlite"
    env = {**os.environ, "GONGZHI_DATA_DIR": str(folder / "data"), "GONGZHI_LANG": "zh"}
    for var in ("GONGZHI_DATABASE_URL", "GONGZHI_CONFIG", "GONGZHI_PLUGINS", "GONGZHI_OPERATOR"):
        env.pop(var, None)
    subprocess.run(
        [sys.executable, "-c", "import sys; from gongzhi.tui.cli import main; sys.exit(main())",
         "--db", f"sqlite:///{path}", "demo", "--scale", "small", "--no-open", "--now", DEMO_NOW],
        check=True, env=env, capture_output=True,
    )
    return path


@pytest.fixture
def small_demo(small_demo_template: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the small demo street (all plugins' tables and demo data)."""
    db = sqlite_copy(small_demo_template, tmp_path / "demo.sqlite")
    yield db
    db.dispose()
