"""request search index, community on requests, an index for every list filter

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 16:40:00

The request list filters as people type, at 100,000 requests and beyond
(docs/performance.md, "Searching requests"):

- **Text search without a scan.** SQLite: a contentless FTS5 table ``request_fts``
  (trigram tokenizer, case-sensitive, over ``lower()`` of ref, title and description,
  each followed by two U+0001 sentinels so that every character starts a trigram and
  queries of one or two characters are prefix look-ups in the vocabulary). Kept by
  triggers on ``request``. PostgreSQL: a GIN index over
  ``gongzhi_request_search(ref, title, description)``, a tsvector of the bigrams of
  ``lower()`` of each field (plus each field's last character), built without a
  parser (``array_to_tsvector``) so CJK text is indexed whatever the locale, stored
  in the generated column ``request.search_vector`` (PostgreSQL keeps it current; it
  is not in the models, which are the same on both databases).
- **Community on the request.** ``request.community_id`` copies the community of the
  request's place, kept by triggers (on insert, when ``place_id`` changes, and when a
  place moves to another community), so a community is one index range.
- **An index per filter with the list's order**: community, category and channel
  each with ``created_at`` (the single-column category and channel indexes go: the
  composite ones serve their foreign-key and equality look-ups too).

Existing rows are indexed here, in one statement each.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# two U+0001 after every field: each real character then starts a trigram
_SENTINEL = "char(1, 1)"


def _fts_values(row: str) -> str:
    return ", ".join(f"lower({row}.{col}) || {_SENTINEL}" for col in ("ref", "title", "description"))


SQLITE_SEARCH = [
    "CREATE VIRTUAL TABLE request_fts USING fts5(ref, title, description, "
    "tokenize = 'trigram case_sensitive 1', content = '', detail = full)",
    # the vocabulary, for queries of one or two characters (prefix look-ups of trigrams)
    "CREATE VIRTUAL TABLE request_fts_terms USING fts5vocab(request_fts, 'row')",
    "CREATE TRIGGER request_fts_insert AFTER INSERT ON request BEGIN "
    f"INSERT INTO request_fts (rowid, ref, title, description) VALUES (new.id, {_fts_values('new')}); END",
    "CREATE TRIGGER request_fts_update AFTER UPDATE OF ref, title, description ON request BEGIN "
    "INSERT INTO request_fts (request_fts, rowid, ref, title, description) "
    f"VALUES ('delete', old.id, {_fts_values('old')}); "
    f"INSERT INTO request_fts (rowid, ref, title, description) VALUES (new.id, {_fts_values('new')}); END",
    "CREATE TRIGGER request_fts_delete AFTER DELETE ON request BEGIN "
    "INSERT INTO request_fts (request_fts, rowid, ref, title, description) "
    f"VALUES ('delete', old.id, {_fts_values('old')}); END",
    f"INSERT INTO request_fts (rowid, ref, title, description) SELECT id, {_fts_values('request')} FROM request",
]

_PLACE_COMMUNITY = "(SELECT community_id FROM place WHERE place.id = new.place_id)"
SQLITE_COMMUNITY = [
    # SQLite cannot change NEW in a BEFORE trigger: correct the row after it is written
    # (only when the writer did not already give the right community)
    f"CREATE TRIGGER request_community_insert AFTER INSERT ON request WHEN new.community_id IS NOT {_PLACE_COMMUNITY} "
    f"BEGIN UPDATE request SET community_id = {_PLACE_COMMUNITY} WHERE id = new.id; END",
    "CREATE TRIGGER request_community_update AFTER UPDATE OF place_id, community_id ON request "
    f"WHEN new.community_id IS NOT {_PLACE_COMMUNITY} "
    f"BEGIN UPDATE request SET community_id = {_PLACE_COMMUNITY} WHERE id = new.id; END",
    "CREATE TRIGGER place_community_update AFTER UPDATE OF community_id ON place "
    "WHEN new.community_id IS NOT old.community_id "
    "BEGIN UPDATE request SET community_id = new.community_id WHERE place_id = new.id; END",
]

PG_SEARCH = [
    # every bigram of a text, and its last character alone: a text contains q (two or
    # more characters) only if it holds all of q's bigrams; one character c is the
    # prefix query 'c':*
    "CREATE FUNCTION gongzhi_bigrams(t text) RETURNS text[] LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT coalesce(array_agg(substr(t, i, 2)), '{}') FROM generate_series(1, length(t)) AS i $$",
    "CREATE FUNCTION gongzhi_request_search(ref text, title text, description text) RETURNS tsvector "
    "LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT array_to_tsvector("
    "gongzhi_bigrams(lower(ref)) || gongzhi_bigrams(lower(title)) || gongzhi_bigrams(lower(description))) $$",
    # the query for a text: its bigrams ANDed, or the prefix query of one character
    "CREATE FUNCTION gongzhi_search_query(q text) RETURNS tsquery LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ "
    "SELECT CASE WHEN length(l) = 1 "
    "THEN ('''' || replace(replace(l, '\\', '\\\\'), '''', '''''') || ''':*')::tsquery "
    "ELSE (SELECT string_agg('''' || replace(replace(substr(l, i, 2), '\\', '\\\\'), '''', '''''') || '''', ' & ') "
    "FROM generate_series(1, length(l) - 1) AS i)::tsquery END FROM lower(q) AS l $$",
    # stored, so that a plan that walks the list's order tests each row cheaply;
    # PostgreSQL computes it on every insert and update of the three fields
    "ALTER TABLE request ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (gongzhi_request_search(ref, title, description)) STORED",
    "CREATE INDEX ix_request_search ON request USING gin (search_vector)",
]

PG_COMMUNITY = [
    "CREATE FUNCTION gongzhi_request_community() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "new.community_id := (SELECT community_id FROM place WHERE place.id = new.place_id); RETURN new; END $$",
    "CREATE TRIGGER request_community BEFORE INSERT OR UPDATE OF place_id, community_id ON request "
    "FOR EACH ROW EXECUTE FUNCTION gongzhi_request_community()",
    "CREATE FUNCTION gongzhi_place_community() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "UPDATE request SET community_id = new.community_id WHERE place_id = new.id; RETURN NULL; END $$",
    "CREATE TRIGGER place_community AFTER UPDATE OF community_id ON place FOR EACH ROW "
    "WHEN (old.community_id IS DISTINCT FROM new.community_id) EXECUTE FUNCTION gongzhi_place_community()",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    # a plain ADD COLUMN (not a batch copy of the table: other tables refer to it)
    op.add_column("request", sa.Column("community_id", sa.Integer(), nullable=True))
    op.execute("UPDATE request SET community_id = (SELECT community_id FROM place WHERE place.id = request.place_id)")
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_category_id")
        batch_op.drop_index("ix_request_channel")
        batch_op.create_index("ix_request_community_created", ["community_id", "created_at"], unique=False)
        batch_op.create_index("ix_request_category_created", ["category_id", "created_at"], unique=False)
        batch_op.create_index("ix_request_channel_created", ["channel", "created_at"], unique=False)
    for sql in (SQLITE_COMMUNITY + SQLITE_SEARCH if dialect == "sqlite" else PG_COMMUNITY + PG_SEARCH):
        op.execute(sql)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("request_fts_insert", "request_fts_update", "request_fts_delete",
                        "request_community_insert", "request_community_update", "place_community_update"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS request_fts_terms")
        op.execute("DROP TABLE IF EXISTS request_fts")
    else:
        op.execute("DROP TRIGGER IF EXISTS request_community ON request")
        op.execute("DROP TRIGGER IF EXISTS place_community ON place")
        op.execute("DROP INDEX IF EXISTS ix_request_search")
        op.execute("ALTER TABLE request DROP COLUMN IF EXISTS search_vector")
        for function in ("gongzhi_request_community()", "gongzhi_place_community()",
                         "gongzhi_search_query(text)", "gongzhi_request_search(text, text, text)",
                         "gongzhi_bigrams(text)"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    with op.batch_alter_table("request", schema=None) as batch_op:
        batch_op.drop_index("ix_request_channel_created")
        batch_op.drop_index("ix_request_category_created")
        batch_op.drop_index("ix_request_community_created")
        batch_op.create_index("ix_request_channel", ["channel"], unique=False)
        batch_op.create_index("ix_request_category_id", ["category_id"], unique=False)
    # not in batch mode (see 0003): SQLite drops a column in place
    op.drop_column("request", "community_id")
