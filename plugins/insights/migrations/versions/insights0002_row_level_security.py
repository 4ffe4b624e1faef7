"""row-level security by community

Revision ID: insights0002
Revises: insights0001
Create Date: 2026-12-06 02:10:00

On PostgreSQL a login confined to communities (``db_login_scope``, core migrations 0009
and 0010) sees only the search documents and tokens of its communities' requests (they
copy the requests' words), and the chat imports of its compounds with their heat (an
import without a compound is street-wide). Nothing changes on SQLite.
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.migrations.rls import at_place, by_parent, drop_community_scope, of_request, scope_by_community

revision: str = "insights0002"
down_revision: str | None = "insights0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("insights_doc", "insights_token", "insights_chat_import", "insights_chat_heat")


def upgrade() -> None:
    scope_by_community(op, "insights_doc", of_request("request_id"))
    scope_by_community(op, "insights_token", of_request("request_id"))
    scope_by_community(op, "insights_chat_import", at_place("compound_id"), nullable="compound_id")
    scope_by_community(op, "insights_chat_heat", by_parent("import_id", "insights_chat_import"))


def downgrade() -> None:
    drop_community_scope(op, TABLES)
