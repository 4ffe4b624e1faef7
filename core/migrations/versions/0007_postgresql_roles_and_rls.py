"""PostgreSQL owner and application roles, grants, row-level security (issue 15, item 4)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:20:00

Reserved so that parallel work kept one linear history; left empty (databases had
already passed it when the work landed), the roles, grants and row-level security are
migration 0009.
"""

from collections.abc import Sequence

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
