"""PostgreSQL: row-level security by community on every community-owned core table (issue 15, item 4)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 02:00:00

0009 confined a login listed in ``db_login_scope`` to its communities' requests. Here
the same scope covers what else a community owns, so that such a login sees only its
rows even in plain SQL (``gongzhi.core.migrations.rls``):

- ``place``: the nodes of its communities; the street and anything above a community
  (``community_id`` null) stay visible to all, and a scoped login may add a node only
  under its own community (a new node is written before its community is set);
- ``person``: the residents of its households; a person without a household (staff,
  a caller not yet placed) is street-wide; ``person_care_tag`` follows its person;
- ``organisation``: those at its places, and the street-wide ones (no place, or a place
  above the communities) for reading; ``membership`` follows its organisation (posts
  in a street-wide organisation are read, written only by unconfined logins);
- the request's timeline, dispatches, feedback, supporters and attachments follow
  their request.

Not scoped, on purpose: the audit log (one street-wide chain; read in the app by the
street administrator only), categories, ref counters, operators and the migration state.

The hash chains (``gongzhi.core.chain``) need the last hash of a whole table, rows a scoped
login cannot see: ``gongzhi_chain_head(table)`` returns it (SECURITY DEFINER, owned by
the tables' owner; the hash only, never a row's content). ``gongzhi db verify`` needs
every row and refuses to run through a scoped login.

On SQLite nothing changes.
"""

from collections.abc import Sequence

from alembic import op

from gongzhi.core.migrations.rls import (
    COMMUNITIES,
    at_place,
    by_parent,
    drop_community_scope,
    in_community,
    of_request,
    scope_by_community,
)

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "gongzhi_app"
REQUEST_CHILDREN = ("request_event", "request_dispatch", "request_feedback", "request_supporter",
                    "request_attachment")
TABLES = ("place", "person", "person_care_tag", "organisation", "membership", *REQUEST_CHILDREN)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    # a new node is written before its community is set: its parent's community decides
    # (through a function, as a policy on place cannot read place under its own policy)
    op.execute("""
        CREATE FUNCTION gongzhi_place_community(node integer) RETURNS integer
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT community_id FROM place WHERE id = node
        $$
    """)
    op.execute("REVOKE ALL ON FUNCTION gongzhi_place_community(integer) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION gongzhi_place_community(integer) TO {APP_ROLE}")
    scope_by_community(op, "place", in_community("community_id"), nullable="community_id",
                       check=f"{in_community('community_id')} OR (place.community_id IS NULL "
                             f"AND gongzhi_place_community(place.parent_id) IN {COMMUNITIES})")
    scope_by_community(op, "person", at_place("household_id"), nullable="household_id",
                       check=f"person.household_id IS NULL OR {at_place('household_id')}")
    scope_by_community(op, "person_care_tag", by_parent("person_id", "person"))
    scope_by_community(op, "organisation", by_parent("place_id", "place"), nullable="place_id",
                       check=at_place("place_id"))
    scope_by_community(op, "membership", by_parent("organisation_id", "organisation"),
                       check="EXISTS (SELECT 1 FROM organisation o JOIN place p ON p.id = o.place_id "
                             f"WHERE o.id = membership.organisation_id AND p.community_id IN {COMMUNITIES})")
    for table in REQUEST_CHILDREN:
        scope_by_community(op, table, of_request("request_id"))
    op.execute("""
        CREATE FUNCTION gongzhi_chain_head(chain regclass) RETURNS text
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
        DECLARE
            last text;
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
                           WHERE c.oid = chain AND c.relnamespace = 'public'::regnamespace
                             AND a.attname = 'hash' AND NOT a.attisdropped) THEN
                RAISE EXCEPTION '% is not a hash chain', chain;
            END IF;
            EXECUTE format('SELECT hash FROM %s ORDER BY id DESC LIMIT 1', chain) INTO last;
            RETURN last;
        END $$
    """)
    op.execute("REVOKE ALL ON FUNCTION gongzhi_chain_head(regclass) FROM PUBLIC")
    op.execute(f"GRANT EXECUTE ON FUNCTION gongzhi_chain_head(regclass) TO {APP_ROLE}")
    op.get_bind().connection.info.pop("gongzhi_chain_head", None)  # core.chain asks again


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP FUNCTION IF EXISTS gongzhi_chain_head(regclass)")
    drop_community_scope(op, TABLES)
    op.execute("DROP FUNCTION IF EXISTS gongzhi_place_community(integer)")
    op.get_bind().connection.info.pop("gongzhi_chain_head", None)
