"""chain checkpoints; PostgreSQL: operator accounts written only through checked functions (issue 15, items 1, 4, 7)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 12:00:00

Both databases: ``chain_checkpoint`` keeps the head of each hash chain (row count, last id,
last hash), moved forward by an insert trigger on ``request_event`` and ``audit_log``
(``gongzhi.core.migrations.checkpoints``), so that ``gongzhi db verify`` sees rows removed at
a chain's end, or all of them. The checkpoint itself only moves forward.

PostgreSQL: 0009 let the application role ``gongzhi_app`` INSERT and UPDATE the operator
tables, so any clerk's database login could grant itself street_admin, reset a password or
mint a session. Now it may only read them — and not ``operator.password_hash``, so that no
clerk can copy the hashes and guess passwords offline. What the app legitimately writes
goes through SECURITY DEFINER functions owned by the tables' owner (``search_path``
pinned, EXECUTE for ``gongzhi_app`` only), which check what the database can check:

- ``gongzhi_operator_hash_params(login)``: the stored argon2 hash without its last part
  (algorithm, parameters, salt), from which the app derives the hash of the password typed;
- ``gongzhi_operator_login(login, candidate, token_hash, hours)``: compares the candidate
  with the stored hash, counts failures and locks after five for 15 minutes, and only on a
  match opens a session (at most 24 hours): a session is never minted without the password;
- ``gongzhi_session_end(token)``: ends the session of that token (logout);
- ``gongzhi_operator_add`` / ``_grant`` / ``_set_disabled`` / ``_set_password``: need the
  token of a live session of an enabled street_admin on the street (a password: also the
  account's own session). The first account of a database without accounts needs no
  token, but must be street_admin on the street (item 1: no lock-out).

The owner and superusers keep writing the tables directly (they are bound by nothing
anyway; ``gongzhi db check`` warns when the app connects as one). Audit rows: the app
role may still append them with the hash it computes (the chain is over content the app
knows), but the checkpoint trigger refuses a row placed before the chain's end, and a
wrong hash is named by ``db verify``: such an insert cannot pass undetected.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from gongzhi.core.migrations.checkpoints import FUNCTION, TABLE, create_chain_checkpoint, drop_chain_checkpoint
from gongzhi.core.migrations.triggers import create_no_replace, drop_no_replace

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APP_ROLE = "gongzhi_app"
CHAINS = ("request_event", "audit_log")
OPERATOR_TABLES = ("operator", "operator_role", "operator_session")
# what gongzhi_app may read of ``operator`` (all but password_hash)
OPERATOR_COLUMNS = ("id", "login", "display_name", "disabled", "failed_attempts", "locked_until", "created_at")
ROLES = ("street_admin", "community_secretary", "grid_worker", "facilitator", "property_secretary",
         "points_clerk", "viewer")
MAX_FAILURES, LOCK_MINUTES, MAX_HOURS = 5, 15, 24
DEFINER = "SECURITY DEFINER SET search_path = pg_catalog, public"
TOKEN_HASH = "encode(sha256(convert_to(coalesce({0}, ''), 'UTF8')), 'hex')"

INTERNAL = ("gongzhi_operator_manager(text)", "gongzhi_checkpoint_guard()")


def _pg_functions() -> list[str]:
    roles = ", ".join(f"'{r}'" for r in ROLES)
    return [
        # the operator id of a live session of an enabled street_admin on the street, or refuse
        f"""
        CREATE FUNCTION gongzhi_operator_manager(p_token text) RETURNS integer
        LANGUAGE plpgsql STABLE {DEFINER} AS $$
        DECLARE
            manager integer;
        BEGIN
            SELECT o.id INTO manager FROM operator_session s JOIN operator o ON o.id = s.operator_id
             WHERE s.token_hash = {TOKEN_HASH.format('p_token')} AND s.ended_at IS NULL AND s.expires_at > now()
               AND NOT o.disabled
               AND EXISTS (SELECT 1 FROM operator_role r JOIN place p ON p.id = r.place_id
                            WHERE r.operator_id = o.id AND r.role = 'street_admin' AND p.parent_id IS NULL);
            IF manager IS NULL THEN
                RAISE EXCEPTION 'gongzhi: only a street_admin logged in may change operator accounts'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            RETURN manager;
        END $$
        """,
        """
        CREATE FUNCTION gongzhi_operator_hash_params(p_login text, OUT params text, OUT hash_chars integer)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
            SELECT substring(password_hash FROM '^(.*)\\$[^$]*$'), length(substring(password_hash FROM '[^$]*$'))
              FROM operator WHERE login = p_login
        $$
        """,
        f"""
        CREATE FUNCTION gongzhi_operator_login(p_login text, p_candidate text, p_token_hash text, p_hours integer,
                                               OUT outcome text, OUT operator_id integer,
                                               OUT failed_attempts integer, OUT locked_until timestamptz)
        LANGUAGE plpgsql {DEFINER} AS $$
        DECLARE
            acc operator%ROWTYPE;
        BEGIN
            SELECT * INTO acc FROM operator WHERE login = p_login FOR UPDATE;
            IF NOT FOUND THEN
                outcome := 'unknown';
                RETURN;
            END IF;
            operator_id := acc.id;
            failed_attempts := acc.failed_attempts;
            locked_until := acc.locked_until;
            IF acc.disabled THEN
                outcome := 'disabled';
                RETURN;
            END IF;
            IF acc.locked_until IS NOT NULL AND acc.locked_until > now() THEN
                outcome := 'locked';
                RETURN;
            END IF;
            IF p_candidate IS NULL OR p_candidate <> acc.password_hash THEN
                failed_attempts := acc.failed_attempts + 1;
                outcome := 'failed';
                IF failed_attempts >= {MAX_FAILURES} THEN
                    locked_until := now() + interval '{LOCK_MINUTES} minutes';
                    failed_attempts := 0;
                    outcome := 'locked_now';
                END IF;
                UPDATE operator SET failed_attempts = gongzhi_operator_login.failed_attempts,
                                    locked_until = gongzhi_operator_login.locked_until
                 WHERE id = acc.id;
                RETURN;
            END IF;
            IF p_token_hash IS NULL OR p_token_hash !~ '^[0-9a-f]{{64}}$' THEN
                RAISE EXCEPTION 'gongzhi: a session token hash is 64 hex digits' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            UPDATE operator SET failed_attempts = 0, locked_until = NULL WHERE id = acc.id;
            INSERT INTO operator_session (operator_id, token_hash, created_at, expires_at)
                 VALUES (acc.id, p_token_hash, now(),
                         now() + make_interval(hours => LEAST(GREATEST(coalesce(p_hours, 1), 1), {MAX_HOURS})));
            outcome := 'ok';
            failed_attempts := 0;
            locked_until := NULL;
        END $$
        """,
        f"""
        CREATE FUNCTION gongzhi_session_end(p_token text) RETURNS integer
        LANGUAGE sql {DEFINER} AS $$
            UPDATE operator_session SET ended_at = now()
             WHERE token_hash = {TOKEN_HASH.format('p_token')} AND ended_at IS NULL
            RETURNING operator_id
        $$
        """,
        f"""
        CREATE FUNCTION gongzhi_operator_add(p_token text, p_login text, p_display_name text, p_hash text,
                                             p_role text, p_place integer) RETURNS integer
        LANGUAGE plpgsql {DEFINER} AS $$
        DECLARE
            new_id integer;
        BEGIN
            LOCK TABLE operator IN SHARE ROW EXCLUSIVE MODE;  -- two "first" accounts at once: one waits
            IF EXISTS (SELECT 1 FROM operator) THEN
                PERFORM gongzhi_operator_manager(p_token);
            ELSIF p_role IS DISTINCT FROM 'street_admin'
                  OR NOT EXISTS (SELECT 1 FROM place WHERE id = p_place AND parent_id IS NULL) THEN
                RAISE EXCEPTION 'gongzhi: the first operator account must be street_admin on the street'
                    USING ERRCODE = 'insufficient_privilege';
            END IF;
            IF p_hash IS NULL OR p_hash !~ '^\\$argon2id\\$' THEN
                RAISE EXCEPTION 'gongzhi: a password is kept as an argon2id hash' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            IF p_role IS NOT NULL AND p_role NOT IN ({roles}) THEN
                RAISE EXCEPTION 'gongzhi: no such role: %', p_role USING ERRCODE = 'invalid_parameter_value';
            END IF;
            INSERT INTO operator (login, display_name, password_hash, disabled, failed_attempts, created_at)
                 VALUES (p_login, p_display_name, p_hash, false, 0, now()) RETURNING id INTO new_id;
            IF p_role IS NOT NULL THEN
                INSERT INTO operator_role (operator_id, role, place_id) VALUES (new_id, p_role, p_place);
            END IF;
            RETURN new_id;
        END $$
        """,
        f"""
        CREATE FUNCTION gongzhi_operator_grant(p_token text, p_login text, p_role text, p_place integer)
        RETURNS integer
        LANGUAGE plpgsql {DEFINER} AS $$
        DECLARE
            target integer;
            row_id integer;
        BEGIN
            PERFORM gongzhi_operator_manager(p_token);
            IF p_role NOT IN ({roles}) THEN
                RAISE EXCEPTION 'gongzhi: no such role: %', p_role USING ERRCODE = 'invalid_parameter_value';
            END IF;
            SELECT id INTO STRICT target FROM operator WHERE login = p_login;
            INSERT INTO operator_role (operator_id, role, place_id) VALUES (target, p_role, p_place)
                ON CONFLICT ON CONSTRAINT uq_operator_role DO NOTHING RETURNING id INTO row_id;
            RETURN row_id;  -- null: granted already
        END $$
        """,
        f"""
        CREATE FUNCTION gongzhi_operator_set_disabled(p_token text, p_login text, p_disabled boolean)
        RETURNS void
        LANGUAGE plpgsql {DEFINER} AS $$
        DECLARE
            target integer;
        BEGIN
            PERFORM gongzhi_operator_manager(p_token);
            UPDATE operator SET disabled = p_disabled WHERE login = p_login RETURNING id INTO STRICT target;
            IF p_disabled THEN
                UPDATE operator_session SET ended_at = now() WHERE operator_id = target AND ended_at IS NULL;
            END IF;
        END $$
        """,
        f"""
        CREATE FUNCTION gongzhi_operator_set_password(p_token text, p_login text, p_hash text) RETURNS void
        LANGUAGE plpgsql {DEFINER} AS $$
        DECLARE
            target integer;
        BEGIN
            SELECT id INTO STRICT target FROM operator WHERE login = p_login;
            IF NOT EXISTS (SELECT 1 FROM operator_session s JOIN operator o ON o.id = s.operator_id
                            WHERE s.token_hash = {TOKEN_HASH.format('p_token')} AND s.ended_at IS NULL
                              AND s.expires_at > now() AND NOT o.disabled AND o.id = target) THEN
                PERFORM gongzhi_operator_manager(p_token);
            END IF;
            IF p_hash IS NULL OR p_hash !~ '^\\$argon2id\\$' THEN
                RAISE EXCEPTION 'gongzhi: a password is kept as an argon2id hash' USING ERRCODE = 'invalid_parameter_value';
            END IF;
            UPDATE operator SET password_hash = p_hash, failed_attempts = 0, locked_until = NULL WHERE id = target;
        END $$
        """,
    ]


GRANTED = (
    "gongzhi_operator_hash_params(text)",
    "gongzhi_operator_login(text, text, text, integer)",
    "gongzhi_session_end(text)",
    "gongzhi_operator_add(text, text, text, text, text, integer)",
    "gongzhi_operator_grant(text, text, text, integer)",
    "gongzhi_operator_set_disabled(text, text, boolean)",
    "gongzhi_operator_set_password(text, text, text)",
)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        TABLE,
        sa.Column("chain", sa.String(length=63), nullable=False),
        sa.Column("last_id", sa.BigInteger(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=True),
        sa.Column("row_count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("chain"),
    )
    if dialect == "sqlite":
        op.execute(f"CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE} "
                   f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only'); END")
        op.execute(f"CREATE TRIGGER {TABLE}_no_update BEFORE UPDATE ON {TABLE} "
                   "WHEN NEW.chain IS NOT OLD.chain OR NEW.row_count <= OLD.row_count OR NEW.last_id <= OLD.last_id "
                   f"BEGIN SELECT RAISE(ABORT, '{TABLE} is append-only: it only moves forward'); END")
        create_no_replace(op, (TABLE,))
    elif dialect == "postgresql":
        op.execute(f"""
            CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql {DEFINER} AS $$
            DECLARE
                added bigint;
                first_id bigint;
                head_id bigint;
                head_hash text;
            BEGIN
                SELECT count(*), min(id), max(id) INTO added, first_id, head_id FROM new_rows;
                IF added = 0 THEN
                    RETURN NULL;
                END IF;
                SELECT hash INTO head_hash FROM new_rows WHERE id = head_id;
                UPDATE {TABLE} SET last_id = head_id, last_hash = head_hash, row_count = row_count + added
                 WHERE chain = TG_TABLE_NAME AND last_id < first_id;
                IF NOT FOUND THEN
                    RAISE EXCEPTION '% is append-only: a row is added only after the chain''s last', TG_TABLE_NAME
                        USING ERRCODE = 'insufficient_privilege';
                END IF;
                RETURN NULL;
            END $$
        """)
        op.execute(f"REVOKE ALL ON FUNCTION {FUNCTION}() FROM PUBLIC")
        op.execute(f"""
            CREATE FUNCTION gongzhi_checkpoint_guard() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'UPDATE' AND NEW.chain = OLD.chain AND NEW.row_count > OLD.row_count
                   AND NEW.last_id > OLD.last_id THEN
                    RETURN NEW;
                END IF;
                RAISE EXCEPTION '{TABLE} is append-only: it only moves forward';
            END $$
        """)
        op.execute(f"CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE} "
                   "FOR EACH ROW EXECUTE FUNCTION gongzhi_checkpoint_guard()")
        op.execute(f"CREATE TRIGGER {TABLE}_no_truncate BEFORE TRUNCATE ON {TABLE} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION gongzhi_append_only()")
        op.execute(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {TABLE} FROM {APP_ROLE}")
        op.execute(f"GRANT SELECT ON {TABLE} TO {APP_ROLE}")
    for chain in CHAINS:
        create_chain_checkpoint(op, chain)
    if dialect != "postgresql":
        return
    # -- the operator tables: read-only for gongzhi_app, written through the functions --
    for table in OPERATOR_TABLES:
        op.execute(f"REVOKE ALL ON {table} FROM {APP_ROLE}")
        op.execute(f"REVOKE ALL ON SEQUENCE {table}_id_seq FROM {APP_ROLE}")
    op.execute(f"GRANT SELECT ({', '.join(OPERATOR_COLUMNS)}) ON operator TO {APP_ROLE}")
    op.execute(f"GRANT SELECT ON operator_role, operator_session TO {APP_ROLE}")
    for statement in _pg_functions():
        op.execute(statement)
    for signature in (*INTERNAL, *GRANTED):
        op.execute(f"REVOKE ALL ON FUNCTION {signature} FROM PUBLIC")
    for signature in GRANTED:
        op.execute(f"GRANT EXECUTE ON FUNCTION {signature} TO {APP_ROLE}")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for signature in (*GRANTED, "gongzhi_operator_manager(text)"):
            op.execute(f"DROP FUNCTION IF EXISTS {signature}")
        op.execute(f"REVOKE ALL ON operator FROM {APP_ROLE}")  # the column grant
        for table in OPERATOR_TABLES:  # as 0009 left them
            op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
            op.execute(f"GRANT USAGE, SELECT ON SEQUENCE {table}_id_seq TO {APP_ROLE}")
    for chain in CHAINS:
        drop_chain_checkpoint(op, chain)
    if dialect == "sqlite":
        drop_no_replace(op, (TABLE,))
    op.drop_table(TABLE)  # its triggers go with it
    if dialect == "postgresql":
        op.execute(f"DROP FUNCTION IF EXISTS {FUNCTION}()")
        op.execute("DROP FUNCTION IF EXISTS gongzhi_checkpoint_guard()")
