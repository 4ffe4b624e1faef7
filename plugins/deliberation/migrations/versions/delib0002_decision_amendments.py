"""decision amendments

Revision ID: delib0002
Revises: delib0001
Create Date: 2026-11-27 10:00:00

A recorded decision is corrected by an append-only amendment (reason, who, when,
the whole decision as it now stands); the decision as first recorded stays. Both
``delib_outcome`` and the new ``delib_outcome_amendment`` become append-only at the
database (triggers on SQLite and PostgreSQL, TRUNCATE included).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gongzhi.core.models.types
from gongzhi.core.migrations.triggers import create_append_only, drop_append_only

revision: str = "delib0002"
down_revision: str | None = "delib0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY = ("delib_outcome", "delib_outcome_amendment")
FUNCTION = "delib_decision_append_only"


def upgrade() -> None:
    op.create_table(
        "delib_outcome_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outcome_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("option_id", sa.Integer(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("amended_at", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("amended_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.ForeignKeyConstraint(["option_id"], ["delib_option.id"]),
        sa.ForeignKeyConstraint(["outcome_id"], ["delib_outcome.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("outcome_id", "seq", name="uq_delib_outcome_amendment_seq"),
    )
    with op.batch_alter_table("delib_outcome_amendment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delib_outcome_amendment_outcome_id"), ["outcome_id"], unique=False)
    create_append_only(op, APPEND_ONLY, function=FUNCTION, truncate=True)


def downgrade() -> None:
    drop_append_only(op, APPEND_ONLY, function=FUNCTION)
    with op.batch_alter_table("delib_outcome_amendment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delib_outcome_amendment_outcome_id"))
    op.drop_table("delib_outcome_amendment")
