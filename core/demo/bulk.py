"""Batched inserts for the demo's bulk stages: SQLAlchemy Core ``executemany``.

The bulk stages build rows in Python with their ids chosen up front (so that
paths, foreign keys and the ids inside timeline data can be written in one
pass) and insert them in batches with ``session.execute(insert(table), rows)``.
Afterwards PostgreSQL's id sequences are moved past the ids used, so that rows
created later through the services do not collide.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlmodel import Session

Progress = Callable[[str, int, int], None]

BATCH = 5000


class Inserter:
    """Id allocation and batched inserts within the caller's transaction."""

    def __init__(self, session: Session, progress: Progress | None = None, batch: int = BATCH) -> None:
        self.session = session
        self.dialect = session.get_bind().dialect.name
        self.progress = progress
        self.batch = batch
        self.counts: dict[str, int] = {}
        self._next: dict[str, int] = {}

    def first_id(self, table: Table) -> int:
        """The first free id of ``table`` (read once; later calls continue from there)."""
        if table.name not in self._next:
            current = self.session.execute(select(func.max(table.c.id))).scalar()
            self._next[table.name] = (current or 0) + 1
        return self._next[table.name]

    def take_ids(self, table: Table, n: int) -> range:
        start = self.first_id(table)
        self._next[table.name] = start + n
        return range(start, start + n)

    def insert(
        self,
        table: Table,
        rows: Sequence[dict[str, Any]],
        *,
        stage: str | None = None,
        done: int = 0,
        total: int | None = None,
    ) -> int:
        """Insert ``rows`` in batches; report ``(stage, done + n, total)`` after each batch."""
        n = 0
        for start in range(0, len(rows), self.batch):
            chunk = rows[start : start + self.batch]
            self.session.execute(insert(table), list(chunk))
            n += len(chunk)
            if self.progress is not None and stage is not None:
                self.progress(stage, done + n, total if total is not None else len(rows))
        self.counts[table.name] = self.counts.get(table.name, 0) + n
        return n

    def fix_sequences(self, tables: Iterable[Table]) -> None:
        """On PostgreSQL, move each table's id sequence past the largest id in use."""
        if self.dialect != "postgresql":
            return
        for table in tables:
            self.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table.name}), false)"
                )
            )
