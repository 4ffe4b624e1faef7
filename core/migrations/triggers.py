"""Append-only tables at the database, for core and plugin migrations alike.

    from gongzhi.core.migrations.triggers import create_append_only, drop_append_only

    def upgrade():
        ...
        create_append_only(op, ("delib_ballot",), function="delib_append_only", truncate=True)

On SQLite: BEFORE UPDATE / BEFORE DELETE triggers that abort. On PostgreSQL: a
plpgsql function (one per owner, named by ``function``) called by a row trigger
on UPDATE OR DELETE, and — with ``truncate=True`` — a statement trigger on
TRUNCATE, which row triggers do not see. This is a public helper for plugin
migrations: its behaviour for given arguments will not change.
"""

from __future__ import annotations

from collections.abc import Iterable


def create_append_only(op, tables: Iterable[str], *, function: str, truncate: bool = False) -> None:
    dialect = op.get_bind().dialect.name
    tables = tuple(tables)
    if dialect == "sqlite":
        for table in tables:
            for verb in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        for table in tables:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {function}()"
            )
            if truncate:
                op.execute(
                    f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()"
                )


def drop_append_only(op, tables: Iterable[str], *, function: str) -> None:
    dialect = op.get_bind().dialect.name
    tables = tuple(tables)
    if dialect == "sqlite":
        for table in tables:
            for verb in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")
    elif dialect == "postgresql":
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {function}()")


def create_no_replace(op, tables: Iterable[str]) -> None:
    """SQLite: refuse ``INSERT OR REPLACE`` / ``REPLACE`` into append-only tables.

    REPLACE deletes the row it collides with without firing delete triggers (unless
    the connection turned ``recursive_triggers`` on), so the BEFORE DELETE trigger of
    :func:`create_append_only` never sees it. A BEFORE INSERT trigger aborts any insert
    whose primary key or unique key already exists — what a plain INSERT would refuse
    anyway (its message starts as SQLite's own, "UNIQUE constraint failed", so code
    that retries a unique race still recognises it). Other databases: nothing to do
    (PostgreSQL has no REPLACE; ``ON CONFLICT DO UPDATE`` fires the update trigger).
    """
    import sqlalchemy as sa

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    inspector = sa.inspect(bind)
    for table in tables:
        keys = [inspector.get_pk_constraint(table)["constrained_columns"]]
        keys += [u["column_names"] for u in inspector.get_unique_constraints(table)]
        keys += [i["column_names"] for i in inspector.get_indexes(table) if i.get("unique")]
        clauses = " OR ".join(
            "(" + " AND ".join(f"o.{c} = NEW.{c}" for c in cols) + ")" for cols in keys if cols
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
            f"WHEN EXISTS (SELECT 1 FROM {table} AS o WHERE {clauses}) "
            f"BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: {table} is append-only, "
            "a row is never replaced'); END"
        )


def drop_no_replace(op, tables: Iterable[str]) -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in tables:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
