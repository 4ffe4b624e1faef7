"""UTCDateTime on SQLite: the stored text comes back as the same instant, marked UTC."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select, text

from gongzhi.core.models.types import UTCDateTime


def _table():
    meta = MetaData()
    return meta, Table("t", meta, Column("id", Integer, primary_key=True), Column("at", UTCDateTime))


def test_stored_texts_read_back_as_utc(tmp_path):
    meta, t = _table()
    engine = create_engine(f"sqlite:///{tmp_path / 'types.sqlite'}")
    meta.create_all(engine)
    with engine.begin() as conn:
        for i, raw in enumerate(("2026-12-05 08:16:57.565093", "2026-12-05 08:16:57",
                                 "2026-12-05 16:16:57+08:00", None), start=1):
            conn.execute(text("INSERT INTO t (id, at) VALUES (:i, :at)"), {"i": i, "at": raw})
        got = dict(conn.execute(select(t.c.id, t.c.at)).all())
    assert got[1] == datetime(2026, 12, 5, 8, 16, 57, 565093, tzinfo=UTC) and got[1].tzinfo is UTC
    assert got[2] == datetime(2026, 12, 5, 8, 16, 57, tzinfo=UTC)
    assert got[3] == datetime(2026, 12, 5, 8, 16, 57, tzinfo=UTC)  # a zone written by hand is honoured
    assert got[4] is None


@given(st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1),
                    timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])))
@settings(max_examples=100, deadline=None)
def test_round_trip_keeps_the_instant(value):
    meta, t = _table()
    engine = create_engine("sqlite://")
    meta.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(t), {"id": 1, "at": value})
        back = conn.execute(select(t.c.at)).scalar_one()
    assert back == value and back.utcoffset() == timedelta(0)
