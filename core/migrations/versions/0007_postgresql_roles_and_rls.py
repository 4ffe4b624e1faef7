"""PostgreSQL owner and application roles, grants, row-level security (issue 15, item 4)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:20:00

Reserved so that parallel work keeps one linear history; filled in by the work it names.
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
