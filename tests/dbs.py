"""Making real test databases: SQLite copies of a migrated template, PostgreSQL
databases created (from a template) on the session's throwaway server."""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from gongzhi.core.db import Database

_counter = itertools.count()


def sqlite_copy(template: Path, target: Path) -> Database:
    """A consistent copy of a SQLite file (online backup API), opened as a Database."""
    src, dst = sqlite3.connect(template), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return Database(f"sqlite:///{target}")


@contextmanager
def pg_database(pg_url: str, prefix: str, template: str | None = None) -> Iterator[Database]:
    """A new PostgreSQL database (a copy of ``template`` if given), dropped afterwards."""
    name = f"{prefix}_{os.getpid()}_{next(_counter)}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    clause = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{clause}'))
    db = Database(make_url(pg_url).set(database=name).render_as_string(hide_password=False))
    try:
        yield db
    finally:
        db.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
