"""What the screens show is read in a fixed number of queries, however many rows (no
query per row): counted on the small demo street with its year of joint meetings."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event


@contextmanager
def counted(db):
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_lists_take_a_fixed_number_of_queries(small_demo):
    from gongzhi.plugins.red_property import queries
    from gongzhi.plugins.red_property import services as svc

    with small_demo.read_session() as s:
        closed = svc.list_meetings(s, status="closed")
        with counted(small_demo) as meetings_sql:
            meetings = queries.load_meetings(s)
        with counted(small_demo) as board_sql:
            board = queries.load_board(s, status="all", place_id=None)
        with counted(small_demo) as detail_sql:
            detail = queries.load_detail(s, closed[0].id)
        with counted(small_demo) as candidates_sql:
            candidates = queries.load_candidates(s, svc.list_meetings(s, status="draft")[-1].id)
    assert meetings_sql and board_sql and detail_sql and candidates_sql  # the counter sees them
    assert len(meetings) >= 27 and len(meetings_sql) <= 4, meetings_sql
    assert len(board) >= 60 and len(board_sql) <= 8, board_sql
    assert detail.resolutions and len(detail_sql) <= 30, detail_sql  # per list, not per resolution
    assert len(candidates) >= 3 and len(candidates_sql) <= 8, candidates_sql
    # the board says what the services say, row for row
    with small_demo.read_session() as s:
        for row in board[:20]:
            expected = svc.action_row(s, svc.get_action_item(s, row.id))
            assert (row.status, row.deadline, row.days_overdue, row.meeting_zh, row.request_ref, row.note) == (
                expected["status"], expected["deadline"], expected["days_overdue"], expected["meeting"],
                expected["request_ref"], expected["latest_note"])
