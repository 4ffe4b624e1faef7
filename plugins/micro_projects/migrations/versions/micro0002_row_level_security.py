"""row-level security by community; no REPLACE into the append-only tables

Revision ID: micro0002
Revises: micro0001
Create Date: 2026-12-06 02:10:00

On PostgreSQL a login confined to communities (``db_login_scope``, core migrations 0009
and 0010) sees and writes only its communities' annual lists, their projects and
objections, and what belongs to each project (linked requests, milestones,
allocations, spending, ratings, verdicts). The street's fund (``micro_fund``) is
street-wide and stays visible.

On SQLite, ``INSERT OR REPLACE`` / ``REPLACE`` into the append-only tables (allocations,
spending, ratings, verdicts) is refused: REPLACE deletes the old row without firing the
delete trigger (``gongzhi.core.migrations.triggers.create_no_replace``).
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.migrations.triggers import create_no_replace, drop_no_replace
from gongzhi.core.migrations.rls import by_parent, drop_community_scope, in_community, scope_by_community

revision: str = "micro0002"
down_revision: str | None = "micro0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OF_PROJECT = ("micro_project_request", "micro_milestone", "micro_allocation", "micro_spending", "micro_rating",
              "micro_verdict")
TABLES = ("micro_list", "micro_project", "micro_objection", *OF_PROJECT)

APPEND_ONLY = ("micro_allocation", "micro_spending", "micro_rating", "micro_verdict")


def upgrade() -> None:
    create_no_replace(op, APPEND_ONLY)
    scope_by_community(op, "micro_list", in_community("community_id"))
    scope_by_community(op, "micro_project", by_parent("list_id", "micro_list"))
    scope_by_community(op, "micro_objection", by_parent("list_id", "micro_list"))
    for table in OF_PROJECT:
        scope_by_community(op, table, by_parent("project_id", "micro_project"))


def downgrade() -> None:
    drop_no_replace(op, APPEND_ONLY)
    drop_community_scope(op, TABLES)
