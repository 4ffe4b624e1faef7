"""a participant's exclusive units and their areas (owners' decisions)

Revision ID: delib0005
Revises: delib0004
Create Date: 2026-12-06 12:00:00

``delib_participant.units``: the exclusive units (专有部分) a participant owns, each with its
registered floor area as an exact number — ``[{"unit": "1-101", "area": "89.5"}, …]``. An
owners' decision round (Civil Code art. 278) counts its bases from them; empty for everyone
else. Existing rows get ``[]``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "delib0005"
down_revision: str | None = "delib0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("delib_participant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("units", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade() -> None:
    with op.batch_alter_table("delib_participant", schema=None) as batch_op:
        batch_op.drop_column("units")
