"""ballots: hash chain, REPLACE refused on the append-only tables (issue 15, item 7)

Revision ID: delib0003
Revises: delib0002
Create Date: 2026-12-04 19:20:00

On SQLite ``INSERT OR REPLACE`` replaced a ballot without firing the delete trigger; a
BEFORE INSERT trigger now refuses an insert whose key exists. (TRUNCATE on PostgreSQL
was already refused by delib0001 and delib0002.)

The hash chain (``gongzhi.core.chain``): a ``hash`` column, each row's SHA-256 over its content
and the previous row's hash; existing rows are hashed here in id order.
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.chain import add_chain, drop_chain
from gongzhi.core.migrations.triggers import create_no_replace, drop_no_replace

revision: str = "delib0003"
down_revision: str | None = "delib0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("delib_ballot", "delib_round_result", "delib_tie_break", "delib_outcome", "delib_outcome_amendment")


def upgrade() -> None:
    from gongzhi.plugins.deliberation.models import Ballot

    add_chain(op, Ballot.__table__)  # hash existing rows, in id order
    create_no_replace(op, APPEND_ONLY)


def downgrade() -> None:
    drop_no_replace(op, APPEND_ONLY)
    drop_chain(op, "delib_ballot")
