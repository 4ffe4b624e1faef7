"""row-level security by community on the deliberation tables

Revision ID: delib0006
Revises: delib0005
Create Date: 2026-12-06 03:00:00

On PostgreSQL a login confined to communities (``db_login_scope``, core migrations 0009
and 0010) sees and writes only the consultations held at a place in its communities and
everything that belongs to them: linked requests, participants, options, meetings,
rounds and their ballots, results, tie-breaks, outcomes and their amendments, and the
micro-projects' evaluation rounds. A consultation without a place is the street's and
stays visible to every login (written only by unconfined ones); one held at the street
itself (a place above every community) is seen by unconfined logins only.
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.migrations.rls import at_place, by_parent, drop_community_scope, scope_by_community

revision: str = "delib0006"
down_revision: str | None = "delib0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OF_CONSULTATION = ("delib_consultation_request", "delib_participant", "delib_option", "delib_meeting",
                   "delib_round", "delib_outcome", "delib_evaluation_round")
OF_ROUND = ("delib_ballot", "delib_round_result", "delib_tie_break")
TABLES = ("delib_consultation", *OF_CONSULTATION, *OF_ROUND, "delib_outcome_amendment")


def upgrade() -> None:
    scope_by_community(op, "delib_consultation", at_place("place_id"), nullable="place_id")
    for table in OF_CONSULTATION:
        scope_by_community(op, table, by_parent("consultation_id", "delib_consultation"))
    for table in OF_ROUND:
        scope_by_community(op, table, by_parent("round_id", "delib_round"))
    scope_by_community(op, "delib_outcome_amendment", by_parent("outcome_id", "delib_outcome"))


def downgrade() -> None:
    drop_community_scope(op, TABLES)
