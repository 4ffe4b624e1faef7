"""The special fund: allocations never past the year's total (in the service and at
the database), spending held to a project's allocation, append-only money rows."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError

from gongzhi.core.errors import DomainError
from gongzhi.plugins.micro_projects import services as svc
from tests.plugins.micro_projects.conftest import FUND, YEAR
from tests.plugins.micro_projects.helpers import executing_project
from tests.plugins.micro_projects.test_lifecycle import refused


def test_allocate_up_to_the_total_and_no_further(db, clerk, street):
    plist, p = executing_project(db, clerk, street, allocate=0)
    with db.session() as s:
        svc.allocate(s, actor=clerk, project_id=p.id, amount=FUND - 1)
        svc.allocate(s, actor=clerk, project_id=p.id, amount=1)
    err = refused(db, "micro.fund_exceeded", lambda s: svc.allocate(s, actor=clerk, project_id=p.id, amount=1))
    assert "100,000.00" in err.message("zh") and "0.01" in err.message("en")
    refused(db, "micro.fund_below_allocated", lambda s: svc.set_fund(s, actor=clerk, year=YEAR, total=FUND - 1))
    refused(db, "micro.fund_not_found", lambda s: svc.get_fund(s, 1999))
    # take back what is not spent; a correction, not an edit
    with db.session() as s:
        svc.allocate(s, actor=clerk, project_id=p.id, amount=-10_000_00, note="预算调减")
        assert svc.get_fund(s, YEAR).allocated == FUND - 10_000_00


def test_spending_held_to_the_allocation(db, clerk, street):
    plist, p = executing_project(db, clerk, street, allocate=5_000_00)
    with db.session() as s:
        svc.spend(s, actor=clerk, project_id=p.id, amount=4_000_00, note="灯具采购")
    refused(db, "micro.overspent", lambda s: svc.spend(
        s, actor=clerk, project_id=p.id, amount=1_000_01, note="安装费"))
    refused(db, "micro.allocation_negative", lambda s: svc.allocate(
        s, actor=clerk, project_id=p.id, amount=-1_000_01))
    refused(db, "input.required", lambda s: svc.spend(s, actor=clerk, project_id=p.id, amount=1, note=""))
    refused(db, "micro.invalid_amount", lambda s: svc.spend(s, actor=clerk, project_id=p.id, amount=0, note="x"))


def test_database_refuses_over_allocation_and_edits(db, clerk, street):
    plist, p = executing_project(db, clerk, street, allocate=1_00)
    with db.session() as s:
        svc.spend(s, actor=clerk, project_id=p.id, amount=50, note="材料")
    with db.engine.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(text("UPDATE micro_fund SET allocated = total + 1"))
    for table in ("micro_allocation", "micro_spending"):
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(f"UPDATE {table} SET amount = 1"))
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(f"DELETE FROM {table}"))


def test_a_day_after_today_is_refused_for_what_has_happened(db, clerk, street):
    """Spending, progress and close-out happened on a day: a later day is refused, nothing written."""
    from datetime import timedelta

    plist, p = executing_project(db, clerk, street, allocate=5_000_00)
    tomorrow = svc.today() + timedelta(days=1)
    refused(db, "micro.date_in_future", lambda s: svc.spend(
        s, actor=clerk, project_id=p.id, amount=10_00, note="材料", on=tomorrow))
    refused(db, "micro.date_in_future", lambda s: svc.record_progress(
        s, actor=clerk, project_id=p.id, progress=50, note="施工过半", on=tomorrow))
    refused(db, "micro.date_in_future", lambda s: svc.close_out(
        s, actor=clerk, project_id=p.id, evidence=["验收单.jpg"], note="已完工", on=tomorrow))
    with db.session() as s:  # today itself is fine
        assert svc.spend(s, actor=clerk, project_id=p.id, amount=10_00, note="材料", on=svc.today()).id


@pytest.mark.parametrize("typed", ["99999999999999999999999", "100000000.01", "1e20"])
def test_an_amount_beyond_any_fund_is_refused_as_such(typed):
    with pytest.raises(DomainError) as caught:
        svc.parse_yuan(typed)
    assert caught.value.code == "micro.amount_too_large"
    assert svc.parse_yuan("100000000") == svc.MAX_FEN
