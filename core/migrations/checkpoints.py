"""The head of each hash chain, kept by the database (issue 15, item 7; migration 0011).

A hash chain (``gongzhi.core.chain``) shows a row changed or removed in its middle: the
next row's hash no longer matches. Rows removed at its end leave a shorter chain that
still verifies. ``chain_checkpoint`` holds, for each chain, the number of rows, the last
id and the last hash; an insert trigger on the chained table moves it forward, and
``gongzhi db verify`` compares it with the table. The checkpoint only moves forward: its
own triggers refuse an UPDATE that lowers the count or the last id, any DELETE and (on
PostgreSQL) TRUNCATE; on SQLite a REPLACE too. The same trigger refuses a row whose id
is not past the chain's head (a row slipped in before the end would hide in the walk).

On PostgreSQL the trigger is a statement trigger (one update per INSERT, also for the
demo's bulk writes) whose function is SECURITY DEFINER, owned by the tables' owner: the
application role ``gongzhi_app`` may read ``chain_checkpoint``, never write it.

A plugin migration gives its chained tables a checkpoint the same way::

    from gongzhi.core.migrations.checkpoints import create_chain_checkpoint, drop_chain_checkpoint

    def upgrade():
        create_chain_checkpoint(op, "points_ledger")

This is a public helper for plugin migrations: its behaviour for given arguments will not
change. It needs the core at 0011 or later (``chain_checkpoint`` and its function).
"""

from __future__ import annotations

TABLE = "chain_checkpoint"
FUNCTION = "gongzhi_chain_checkpoint"


def trigger_name(table: str) -> str:
    return f"{table}_checkpoint"


def _start(op, table: str) -> None:
    """The chain's checkpoint row, from the rows it already has."""
    op.execute(
        f"INSERT INTO {TABLE} (chain, last_id, last_hash, row_count) "
        f"SELECT chain, last_id, last_hash, row_count FROM (SELECT '{table}' AS chain, "
        f"COALESCE(max(id), 0) AS last_id, (SELECT hash FROM {table} ORDER BY id DESC LIMIT 1) AS last_hash, "
        f"count(*) AS row_count FROM {table}) AS head "
        f"WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE chain = '{table}')"
    )


def create_chain_checkpoint(op, table: str) -> None:
    dialect = op.get_bind().dialect.name
    _start(op, table)
    if dialect == "sqlite":
        op.execute(
            f"CREATE TRIGGER {trigger_name(table)} AFTER INSERT ON {table} BEGIN "
            f"SELECT RAISE(ABORT, '{table} is append-only: a row is added only after the chain''s last') "
            f"WHERE NEW.id <= (SELECT last_id FROM {TABLE} WHERE chain = '{table}'); "
            f"UPDATE {TABLE} SET last_id = NEW.id, last_hash = NEW.hash, row_count = row_count + 1 "
            f"WHERE chain = '{table}'; END"
        )
    elif dialect == "postgresql":
        op.execute(
            f"CREATE TRIGGER {trigger_name(table)} AFTER INSERT ON {table} REFERENCING NEW TABLE AS new_rows "
            f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()"
        )


def drop_chain_checkpoint(op, table: str) -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table)}")
    elif dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {trigger_name(table)} ON {table}")
    # the checkpoint row stays (it is append-only): created again, the trigger goes on from it,
    # and rows added meanwhile without it show as a mismatch in ``gongzhi db verify``
