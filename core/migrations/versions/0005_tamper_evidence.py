"""tamper evidence: hash chains, REPLACE and TRUNCATE refused (issue 15, item 7)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 19:20:00

- ``request_event.hash`` and ``audit_log.hash``: each row's SHA-256 over its content
  and the previous row's hash (``gongzhi.core.chain``); existing rows are hashed here, in id
  order (the append-only update guard is lifted for that and put back).
- SQLite: ``INSERT OR REPLACE`` / ``REPLACE`` into ``request_event`` or ``audit_log``
  deleted the old row without firing the delete trigger; a BEFORE INSERT trigger now
  refuses an insert whose key exists (``gongzhi.core.migrations.triggers.create_no_replace``).
- PostgreSQL: 0001 guarded UPDATE and DELETE only; TRUNCATE is now refused too.
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.chain import drop_chain
from gongzhi.core.migrations.triggers import create_no_replace, drop_no_replace

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("request_event", "audit_log")


def upgrade() -> None:
    from gongzhi.core.chain import add_chain
    from gongzhi.core.models.audit import AuditLog
    from gongzhi.core.models.requests import RequestEvent

    for model in (RequestEvent, AuditLog):
        add_chain(op, model.__table__)
    create_no_replace(op, APPEND_ONLY)
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION gongzhi_append_only()"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    drop_no_replace(op, APPEND_ONLY)
    for table in APPEND_ONLY:
        drop_chain(op, table)
