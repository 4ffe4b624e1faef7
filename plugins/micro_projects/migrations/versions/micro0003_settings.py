"""the plugin's street-wide settings (the redo threshold)

Revision ID: micro0003
Revises: micro0002
Create Date: 2026-12-06 05:20:00

``micro_setting`` keeps the street's rules of the plugin in the shared database, so
every clerk and every screen judges by the same one: ``micro_projects.redo_threshold``,
the dissatisfied share over which a project is redone (an exact fraction, ``"7/10"``
when nothing is set). Street-wide: no row-level security.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import gongzhi.core.models.types

revision: str = "micro0003"
down_revision: str | None = "micro0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "micro_setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("updated_at", gongzhi.core.models.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )


def downgrade() -> None:
    op.drop_table("micro_setting")
