"""ledger: hash chain, REPLACE refused on the append-only tables (issue 15, item 7)

Revision ID: points0002
Revises: points0001
Create Date: 2026-12-04 19:20:00

On SQLite ``INSERT OR REPLACE`` rewrote a ledger row (amount 5 -> 1005) without firing
the delete trigger; a BEFORE INSERT trigger now refuses an insert whose key exists.
(TRUNCATE on PostgreSQL was already refused by points0001.)

The hash chain (``gongzhi.core.chain``): a ``hash`` column, each row's SHA-256 over its content
and the previous row's hash; existing rows are hashed here in id order.
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.chain import add_chain, drop_chain
from gongzhi.core.migrations.triggers import create_no_replace, drop_no_replace

revision: str = "points0002"
down_revision: str | None = "points0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("points_transfer", "points_stock_move", "points_rule")


def upgrade() -> None:
    from gongzhi.plugins.points_exchange.models import Transfer

    add_chain(op, Transfer.__table__)  # hash existing rows, in id order
    create_no_replace(op, APPEND_ONLY)


def downgrade() -> None:
    drop_no_replace(op, APPEND_ONLY)
    drop_chain(op, "points_transfer")
