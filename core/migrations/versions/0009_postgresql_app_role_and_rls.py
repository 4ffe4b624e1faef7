"""PostgreSQL: an application role without owner rights, and row-level security by community (issue 15, item 4)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 18:45:00

The login that runs the migrations owns the tables. Everyone else connects through
logins that are members of ``gongzhi_app`` (created here when missing; roles are
shared by a whole PostgreSQL cluster). That role:

- reads and writes ordinary tables (SELECT, INSERT, UPDATE, DELETE) and uses their
  sequences, on the tables of this migration and on every table the same owner
  creates later (default privileges: the plugins' migrations);
- may only read and append to the append-only tables (no UPDATE or DELETE, besides
  the triggers), may TRUNCATE nothing, and, owning nothing, can neither disable a
  trigger nor alter a table;
- may only read the migration state and the login scopes.

Row-level security on ``request``: a login listed in ``db_login_scope`` sees and
writes only its communities' requests; a login not listed sees all. The owner and
superusers are not subject to it (PostgreSQL's rule), which is why the app must not
connect as either (``gongzhi db check`` warns).

On SQLite only the (unused) scope table is made: one local file has one user.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "gongzhi_app"
APPEND_ONLY = ("request_event", "audit_log")
READ_ONLY = ("db_login_scope", "alembic_version")
IN_SCOPE = (
    "(NOT EXISTS (SELECT 1 FROM db_login_scope s WHERE s.login = current_user)"
    " OR community_id IN (SELECT s.community_id FROM db_login_scope s WHERE s.login = current_user))"
)


def upgrade() -> None:
    op.create_table(
        "db_login_scope",
        sa.Column("login", sa.String(length=63), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["place.id"]),
        sa.PrimaryKeyConstraint("login", "community_id"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"""
        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                CREATE ROLE {APP_ROLE} NOLOGIN;
            END IF;
        EXCEPTION
            WHEN duplicate_object OR unique_violation THEN NULL;  -- made meanwhile by another database's upgrade
            WHEN insufficient_privilege THEN
                RAISE EXCEPTION 'the role {APP_ROLE} does not exist and this login may not create it: '
                    'create it once as a superuser (CREATE ROLE {APP_ROLE} NOLOGIN), then upgrade again';
        END $$
    """)
    op.execute(f"GRANT USAGE ON SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {APP_ROLE}")
    op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {APP_ROLE}")
    for table in APPEND_ONLY:
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")
    for table in READ_ONLY:
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {table} FROM {APP_ROLE}")
    op.execute("ALTER TABLE request ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY request_community_scope ON request USING {IN_SCOPE} WITH CHECK {IN_SCOPE}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP POLICY IF EXISTS request_community_scope ON request")
        op.execute("ALTER TABLE request DISABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE SELECT, INSERT, UPDATE, DELETE ON TABLES FROM {APP_ROLE}")
        op.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {APP_ROLE}")
        op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {APP_ROLE}")
        op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {APP_ROLE}")
        op.execute(f"REVOKE USAGE ON SCHEMA public FROM {APP_ROLE}")
    op.drop_table("db_login_scope")
