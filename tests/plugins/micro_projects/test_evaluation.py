"""The year-end evaluation: ratings append-only (the latest of a representative
counts), the 70 % rule at its boundary with exact fractions, and a redo carried into
the community's next-year list until a later evaluation passes."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import Project, ProjectList, Verdict
from tests.plugins.micro_projects.helpers import YEAR, advance, executing_project
from tests.plugins.micro_projects.test_lifecycle import refused


def closed_and_evaluating(db, clerk, street):
    plist, p = executing_project(db, clerk, street)
    with db.session() as s:
        svc.close_out(s, actor=clerk, project_id=p.id, evidence=["照片"], note="已完成", on=date(YEAR, 5, 1))
    advance(db, clerk, plist.id, "evaluating", on=date(YEAR, 12, 1))
    return plist, p


def grid(dissatisfied: int, total: int) -> list[tuple[str, str]]:
    """``total`` representatives, ``dissatisfied`` of them dissatisfied, the rest
    satisfied or basically satisfied in turn."""
    rest = ["满意", "基本满意"]
    return [(f"代表{i:03d}", "不满意" if i < dissatisfied else rest[i % 2]) for i in range(total)]


@pytest.mark.parametrize("dissatisfied,total,redo", [(7, 10, False), (70, 100, False), (71, 100, True),
                                                     (8, 10, True), (0, 10, False), (10, 10, True)])
def test_seventy_percent_boundary(db, clerk, street, dissatisfied, total, redo):
    plist, p = closed_and_evaluating(db, clerk, street)
    with db.session() as s:
        svc.rate(s, actor=clerk, project_id=p.id, ratings=grid(dissatisfied, total))
        t = svc.tally(s, p.id, YEAR)
        assert t.dissatisfied_share == Fraction(dissatisfied, total)
        assert (t.dissatisfied, t.total) == (dissatisfied, total)
        v = svc.decide_evaluation(s, actor=clerk, project_id=p.id, new_deadline=date(YEAR + 1, 6, 30),
                                  on=date(YEAR, 12, 15))
    assert v.redo is redo
    assert (v.threshold_num, v.threshold_den) == (7, 10)
    with db.session() as s:
        assert s.get(Project, p.id).status == ("redo" if redo else "passed")
        carried = s.scalars(select(Project).where(Project.redo_of_id == p.id)).all()
        assert len(carried) == (1 if redo else 0)


def test_threshold_is_configurable_and_exact(db, clerk, street):
    plist, p = closed_and_evaluating(db, clerk, street)
    with db.session() as s:
        svc.rate(s, actor=clerk, project_id=p.id, ratings=grid(1, 3))
        # 1/3 is over 33 % and over 33.33 %, not over 1/3 itself
        assert svc.tally(s, p.id, YEAR).redo(svc.parse_threshold("33.33"))
        assert not svc.tally(s, p.id, YEAR).redo(Fraction(1, 3))
    refused(db, "micro.invalid_threshold", lambda s: svc.decide_evaluation(
        s, actor=clerk, project_id=p.id, threshold="120"))


def test_correction_is_a_new_row_and_the_latest_counts(db, clerk, street):
    plist, p = closed_and_evaluating(db, clerk, street)
    with db.session() as s:
        svc.rate(s, actor=clerk, project_id=p.id, ratings=[("张三", "不满意"), ("李四", "满意")])
        svc.rate(s, actor=clerk, project_id=p.id, ratings=[("张三", "基本满意")])
        t = svc.tally(s, p.id, YEAR)
    assert (t.satisfied, t.basically_satisfied, t.dissatisfied) == (1, 1, 0)
    # append-only at the database
    for sql in ("UPDATE micro_rating SET rating = 'satisfied'", "DELETE FROM micro_rating"):
        with db.engine.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(text(sql))


def test_redo_needs_a_deadline_and_is_carried_until_it_passes(db, clerk, street):
    plist, p = closed_and_evaluating(db, clerk, street)
    with db.session() as s:
        svc.rate(s, actor=clerk, project_id=p.id, ratings=grid(9, 10))
    refused(db, "micro.deadline_required", lambda s: svc.decide_evaluation(s, actor=clerk, project_id=p.id))
    refused(db, "micro.deadline_past", lambda s: svc.decide_evaluation(
        s, actor=clerk, project_id=p.id, new_deadline=date(YEAR, 1, 1), on=date(YEAR, 12, 15)))
    refused(db, "micro.invalid_rating", lambda s: svc.rate(
        s, actor=clerk, project_id=p.id, ratings=[("甲", "还行")]))
    with db.session() as s:
        svc.decide_evaluation(s, actor=clerk, project_id=p.id, new_deadline=date(YEAR + 1, 4, 30),
                              on=date(YEAR, 12, 15))
    # a finished list needs every closed-out project judged: this one is
    advance(db, clerk, plist.id, "finished")
    with db.session() as s:
        nxt = s.scalars(select(ProjectList).where(ProjectList.year == YEAR + 1)).one()
        redo = s.scalars(select(Project).where(Project.list_id == nxt.id)).one()
        assert (nxt.community_id, nxt.phase) == (street.community, "collecting")
        assert (redo.redo_of_id, redo.source, redo.source_ref) == (p.id, "redo", p.code)
        assert (redo.status, redo.feasibility, redo.deadline) == ("planned", "feasible", date(YEAR + 1, 4, 30))
        assert redo.code == f"WSS-{YEAR + 1}-荣雅园-001"
    # next year: redone, closed out again, evaluated again — and passes
    svc.set_fund(db.session(), actor=clerk, year=YEAR + 1, total=50_000_00)
    advance(db, clerk, nxt.id, "reviewing", "publicised", "executing")
    with db.session() as s:
        svc.close_out(s, actor=clerk, project_id=redo.id, evidence=["整改照片"], note="已按居民意见整改")
    advance(db, clerk, nxt.id, "evaluating")
    with db.session() as s:
        svc.rate(s, actor=clerk, project_id=redo.id, ratings=grid(2, 10))
        v = svc.decide_evaluation(s, actor=clerk, project_id=redo.id)
        assert not v.redo and s.get(Project, redo.id).status == "passed"
        assert len(s.scalars(select(Verdict)).all()) == 2


def test_finish_waits_for_every_evaluation(db, clerk, street):
    plist, p = closed_and_evaluating(db, clerk, street)
    err = refused(db, "micro.unevaluated", lambda s: svc.advance_list(
        s, actor=clerk, list_id=plist.id, to_phase="finished"))
    assert p.code in err.message("en")
    refused(db, "micro.no_ratings", lambda s: svc.decide_evaluation(
        s, actor=clerk, project_id=p.id, new_deadline=date(YEAR + 1, 1, 1)))
