from sqlalchemy import text


def test_database_is_migrated_and_empty(db):
    assert db.is_current()
    with db.read_session() as s:
        assert s.execute(text("select count(*) from request")).scalar_one() == 0
