"""operators, roles scoped to places, login sessions (issue 15, items 1-3)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 19:20:00

``operator`` holds accounts (argon2 hashes, a disabled flag, the failed-login counter
and lock), ``operator_role`` grants a role on a place, ``operator_session`` keeps the
sha256 of each login token with its expiry. A database without accounts keeps working
as the one local operator (README, "Operators").
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import gongzhi.core.models.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sa.String(length=50), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    op.create_table(
        "operator_role",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("place_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["operator_id"], ["operator.id"]),
        sa.ForeignKeyConstraint(["place_id"], ["place.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("operator_id", "role", "place_id", name="uq_operator_role"),
    )
    op.create_index("ix_operator_role_operator_id", "operator_role", ["operator_id"])
    op.create_index("ix_operator_role_place_id", "operator_role", ["place_id"])
    op.create_table(
        "operator_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operator_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["operator_id"], ["operator.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_index("ix_operator_session_operator_id", "operator_session", ["operator_id"])


def downgrade() -> None:
    op.drop_index("ix_operator_session_operator_id", table_name="operator_session")
    op.drop_table("operator_session")
    op.drop_index("ix_operator_role_place_id", table_name="operator_role")
    op.drop_index("ix_operator_role_operator_id", table_name="operator_role")
    op.drop_table("operator_role")
    op.drop_table("operator")
