"""The demo street's micro-projects (built by the real ``gongzhi demo`` command): two
years across the 15 communities within about 100,000 yuan, the article's projects, a
redo after a failed evaluation carried into this year, and this year's lists in progress."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import func, select

from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import (
    Fund,
    Project,
    ProjectList,
    ProjectRequest,
    Verdict,
)
from gongzhi.plugins.micro_projects.queries import board, fund_report, lists

YEAR = 2026  # the demo's "now" in the tests is 2026-11-20


def test_two_years_across_the_street_within_the_fund(small_demo) -> None:
    with small_demo.read_session() as s:
        funds = dict(s.execute(select(Fund.year, Fund.total)).all())
        assert set(funds) == {YEAR - 1, YEAR}
        assert sum(funds.values()) <= 100_000_00
        for year in funds:
            report = fund_report(s, year)
            assert report.allocated <= report.total
            assert sum(x.allocated for x in report.by_community) == report.allocated
        assert len({r.community_id for r in lists(s, YEAR - 1)}) == 15
        assert {r.phase for r in lists(s, YEAR - 1)} == {"finished"}
        this_year = {r.phase for r in lists(s, YEAR)}
        assert "executing" in this_year and this_year <= {"reviewing", "publicised", "executing"}
        statuses = {r.status for r in board(s, YEAR)}
        assert {"in_progress", "done"} <= statuses


def test_the_articles_projects(small_demo) -> None:
    with small_demo.read_session() as s:
        names = {r.name: r for y in (YEAR - 1, YEAR) for r in board(s, y)}
        for name in ("欢畅园菜市场小门拓宽", "荣诚园公共晾衣架", "荣乐园电动车充电车棚", "盛康园高空抛物监控",
                     "盛福园“蚂蚁工坊”"):
            assert name in names, name
        assert names["盛福园“蚂蚁工坊”"].status == "in_progress"
        assert names["欢畅园菜市场小门拓宽"].status == "done"
        linked = s.scalar(select(func.count()).select_from(ProjectRequest).where(
            ProjectRequest.project_id == names["盛康园高空抛物监控"].id))
        assert linked >= 1


def test_a_redo_after_a_failed_evaluation(small_demo) -> None:
    with small_demo.read_session() as s:
        failed = s.scalars(select(Verdict).where(Verdict.redo.is_(True))).all()
        assert failed
        v = failed[0]
        share = Fraction(v.dissatisfied, v.satisfied + v.basically_satisfied + v.dissatisfied)
        assert share > svc.DEFAULT_THRESHOLD
        redo = s.scalars(select(Project).where(Project.redo_of_id == v.project_id)).one()
        plist = s.get(ProjectList, redo.list_id)
        assert plist.year == YEAR and redo.source == "redo"
