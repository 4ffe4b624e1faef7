"""Row-level security by community on PostgreSQL, for core and plugin migrations alike.

A login listed in ``db_login_scope`` (migration 0009; written by the owner with
``gongzhi db scope-login``) sees and writes only its communities' rows; a login not
listed sees everything; the tables' owner and superusers are not subject to it
(PostgreSQL's rule). A plugin migration scopes its community-owned tables the same way::

    from gongzhi.core.migrations.rls import at_place, by_parent, drop_community_scope, scope_by_community

    def upgrade():
        ...
        scope_by_community(op, "redprop_meeting", at_place("place_id"))
        scope_by_community(op, "redprop_attendance", by_parent("meeting_id", "redprop_meeting"))

Each predicate is the test for a scoped login; every policy starts with
:data:`UNSCOPED`, an uncorrelated sub-query PostgreSQL runs once per statement, so an
unscoped login pays one look-up and the rest of the predicate is never evaluated. The
predicates are ``EXISTS`` sub-queries on the parent's primary key, which PostgreSQL
plans either way: a look-up per row when few rows are read (one request's timeline),
or one hashed set per statement built through the indexes on ``place.community_id``
and ``request.community_id`` when many are (a count over the whole timeline). A parent named by :func:`by_parent` applies its own policy inside the
sub-query: the child is visible exactly when its parent is.

On SQLite nothing is done (one local file, one user). This is a public helper for
plugin migrations: its behaviour for given arguments will not change.
"""

from __future__ import annotations

# the communities of the current login (none: not confined)
COMMUNITIES = "(SELECT s.community_id FROM db_login_scope s WHERE s.login = current_user)"
UNSCOPED = "NOT EXISTS (SELECT 1 FROM db_login_scope s WHERE s.login = current_user)"


ROW = "{row}"  # stands for the table being scoped, so that a predicate can name its columns


def in_community(column: str) -> str:
    """The row names its community in ``column``."""
    return f"{ROW}.{column} IN {COMMUNITIES}"


def at_place(column: str) -> str:
    """The row hangs from a place (``column`` → ``place.id``) inside one of the communities."""
    return f"EXISTS (SELECT 1 FROM place p WHERE p.id = {ROW}.{column} AND p.community_id IN {COMMUNITIES})"


def of_request(column: str = "request_id") -> str:
    """The row belongs to a request (``column`` → ``request.id``) of one of the communities."""
    return f"EXISTS (SELECT 1 FROM request r WHERE r.id = {ROW}.{column} AND r.community_id IN {COMMUNITIES})"


def by_parent(column: str, parent: str, key: str = "id") -> str:
    """The row belongs to a row of ``parent`` that the login may see (the parent's own policy)."""
    return f"EXISTS (SELECT 1 FROM {parent} x WHERE x.{key} = {ROW}.{column})"


def scope_by_community(op, table: str, predicate: str, *, check: str | None = None,
                       nullable: str | None = None) -> None:
    """Row-level security on ``table``: a scoped login sees and writes the rows for which
    ``predicate`` holds (writes: ``check`` when given). ``nullable``: a column whose
    NULL makes the row street-wide, visible to every login (written only by unscoped ones
    unless ``check`` says otherwise)."""
    if op.get_bind().dialect.name != "postgresql":
        return
    using = f"{UNSCOPED} OR {'(' + ROW + '.' + nullable + ' IS NULL) OR ' if nullable else ''}({predicate})"
    with_check = f"{UNSCOPED} OR ({check or predicate})"
    using, with_check = (expr.replace(ROW, table) for expr in (using, with_check))
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"CREATE POLICY {table}_community_scope ON {table} USING ({using}) WITH CHECK ({with_check})")


def drop_community_scope(op, tables) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        op.execute(f"DROP POLICY IF EXISTS {table}_community_scope ON {table}")
        op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
