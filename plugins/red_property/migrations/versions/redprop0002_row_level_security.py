"""row-level security by community; no REPLACE into the append-only tables

Revision ID: redprop0002
Revises: redprop0001
Create Date: 2026-12-06 02:10:00

On PostgreSQL a login confined to communities (``db_login_scope``, core migrations 0009
and 0010) sees and writes only the joint meetings held at its communities' places (the
community or one of its compounds), what belongs to them (bodies, attendance, agenda,
resolutions, votes, follow-up, addenda), the action items at its places with their
notes, and the services done in its compounds.

On SQLite, ``INSERT OR REPLACE`` / ``REPLACE`` into the append-only tables (action notes,
addenda) is refused: REPLACE deletes the old row without firing the delete trigger
(``gongzhi.core.migrations.triggers.create_no_replace``).
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.migrations.triggers import create_no_replace, drop_no_replace
from gongzhi.core.migrations.rls import at_place, by_parent, drop_community_scope, scope_by_community

revision: str = "redprop0002"
down_revision: str | None = "redprop0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OF_MEETING = ("redprop_meeting_body", "redprop_attendance", "redprop_agenda_item", "redprop_resolution",
              "redprop_resolution_vote", "redprop_followup", "redprop_addendum")
TABLES = ("redprop_meeting", *OF_MEETING, "redprop_action_item", "redprop_action_note", "redprop_service")

APPEND_ONLY = ("redprop_action_note", "redprop_addendum")


def upgrade() -> None:
    create_no_replace(op, APPEND_ONLY)
    scope_by_community(op, "redprop_meeting", at_place("place_id"))
    for table in OF_MEETING:
        scope_by_community(op, table, by_parent("meeting_id", "redprop_meeting"))
    scope_by_community(op, "redprop_action_item", at_place("place_id"))
    scope_by_community(op, "redprop_action_note", by_parent("action_item_id", "redprop_action_item"))
    scope_by_community(op, "redprop_service", at_place("compound_id"))


def downgrade() -> None:
    drop_no_replace(op, APPEND_ONLY)
    drop_community_scope(op, TABLES)
