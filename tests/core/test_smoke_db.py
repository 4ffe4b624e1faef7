from sqlalchemy import text


def test_database_is_migrated_and_empty(db):
    assert db.is_current()
    with db.read_session() as s:
        assert s.execute(text("select count(*) from request")).scalar_one() == 0


def test_postgresql_connections_run_without_jit(pg_db):
    """The app's PostgreSQL sessions: no JIT (row-level security pushed scans past its
    threshold, docs/performance.md) whatever the server's default."""
    from sqlalchemy import text

    with pg_db.read_session() as s:
        assert s.execute(text("SHOW jit")).scalar_one() == "off"
