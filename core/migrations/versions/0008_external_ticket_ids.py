"""external ticket ids and import provenance (issue 17)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 19:20:00

An external ticket (a 12345 or Jinzhitong work order) is one request: the pair
(channel, external_id) is unique, so re-importing an export adds nothing. NULL
external ids (requests raised locally) stay free on both databases. Provenance of
each imported row (file name, sha256, row) is in the audit log (core.importing).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # a unique index, not a constraint: SQLite adds it without rebuilding the table
    # (a batch rebuild would drop migration 0004's triggers on request)
    op.create_index("uq_request_channel_external_id", "request", ["channel", "external_id"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_request_channel_external_id", table_name="request")
