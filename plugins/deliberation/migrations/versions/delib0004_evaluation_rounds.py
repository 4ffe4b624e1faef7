"""evaluation rounds asked for by another plugin

Revision ID: delib0004
Revises: delib0003
Create Date: 2026-12-06 10:00:00

``delib_evaluation_round`` links a round opened at the micro-projects' request
(``micro_evaluation_round_requested``, heard by name) to the project it rates, the rating
each option stands for and the rule its result is judged by (redo over num/den).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gongzhi.core.models.types

revision: str = "delib0004"
down_revision: str | None = "delib0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delib_evaluation_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("subject_code", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("option_keys", sa.JSON(), nullable=False),
        sa.Column("threshold_num", sa.Integer(), nullable=False),
        sa.Column("threshold_den", sa.Integer(), nullable=False),
        sa.Column("redo_deadline", sa.Date(), nullable=True),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("requested_at", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["place.id"]),
        sa.ForeignKeyConstraint(["consultation_id"], ["delib_consultation.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["delib_round.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id", name="uq_delib_evaluation_round_round"),
    )
    with op.batch_alter_table("delib_evaluation_round", schema=None) as batch_op:
        batch_op.create_index("ix_delib_evaluation_round_subject", ["source", "subject_id"], unique=False)
        batch_op.create_index("ix_delib_evaluation_round_scope", ["source", "community_id", "year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("delib_evaluation_round", schema=None) as batch_op:
        batch_op.drop_index("ix_delib_evaluation_round_scope")
        batch_op.drop_index("ix_delib_evaluation_round_subject")
    op.drop_table("delib_evaluation_round")
