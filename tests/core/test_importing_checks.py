"""The dry run runs the services' checks (issue 17 audit, item 1): what the commit would
refuse — a received time in the future or before 2000, a control character, a permission
the operator lacks on the place — the dry run reports first, tied to its column and value.
A Hypothesis test writes generated files and asserts the dry run's errors are the commit's."""

from __future__ import annotations

import csv
import io
import itertools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from gongzhi.core.importing import requests as imp
from gongzhi.core.importing.profiles import load_profile
from gongzhi.core.importing.reading import read_table
from gongzhi.core.permissions import Grant
from gongzhi.core.services.base import Actor
from tests.core.helpers import build_world, count_rows

HEADER = ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "工单状态", "答复内容"]


def write(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([HEADER, *rows])
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    return path


def issues(report) -> list[tuple[int, str, str, str]]:
    return [(e.row, e.column, e.value, e.error.code) for e in report.errors]


@pytest.fixture
def world(db, actor):
    return build_world(db, actor)


def role(world, name: str, place) -> Actor:
    return Actor(f"{name}-of-{place.name}", grants=(Grant(name, place.id, place.path),))


def test_the_dry_run_reports_what_the_services_refuse_with_column_and_value(db, world, actor, tmp_path):
    rows = [
        ["T1", "2099-01-01 09:00", "路灯", "明年的工单", "盛康园1号楼", "", ""],
        ["T2", "1999-12-31 23:00", "路灯", "太早的工单", "盛康园1号楼", "", ""],
        ["T3", "2026-01-02 08:00", "路灯", "灯坏了\x07", "盛康园1号楼", "", ""],
        ["T4", "2026-01-02 08:00", "路灯", "好的", "盛康园1号楼", "已办结", "已修复\x1b"],
        ["T5", "2026-01-02 08:00", "路灯", "好的\t第一行\n第二行", "盛康园1号楼", "", ""],  # a tab in the title
        ["T6", "2026-01-02 08:00", "路灯", "正常", "盛康园1号楼", "", ""],
    ]
    table = read_table(write(tmp_path / "t.csv", rows))
    profile = load_profile("12345")
    dry = imp.dry_run(db, table, profile, actor)
    expected = [
        (2, "受理时间", "2099-01-01 09:00", "input.future_date"),
        (3, "受理时间", "1999-12-31 23:00", "input.date_too_early"),
        (4, "诉求内容", "灯坏了\x07", "input.control_chars"),
        (5, "答复内容", "已修复\x1b", "input.control_chars"),
        (6, "诉求内容", "好的\t第一行\n第二行", "input.control_chars"),
    ]
    assert issues(dry) == expected
    assert dry.errors[0].reason("en").startswith("received time cannot be after today") or \
        "2099" in dry.errors[0].reason("en")
    before = count_rows(db)
    committed = imp.commit(db, table, profile, actor)
    assert issues(committed) == expected and not committed.written and count_rows(db) == before


def test_the_dry_run_asks_the_permissions_on_the_place(db, world, tmp_path):
    rows = [
        ["P1", "2026-01-02 08:00", "路灯", "荣雅园的灯", "荣雅园", "", ""],  # another community
        ["P2", "2026-01-02 08:00", "路灯", "盛康园的灯", "盛康园1号楼", "已办结", "已修复"],  # closing
        ["P3", "2026-01-02 08:00", "路灯", "盛康园的灯", "盛康园1号楼", "已受理", ""],
    ]
    table = read_table(write(tmp_path / "t.csv", rows))
    profile = load_profile("12345")
    secretary = role(world, "community_secretary", world.communities[0])
    grid = role(world, "grid_worker", world.communities[0])
    assert issues(imp.dry_run(db, table, profile, secretary)) == [
        (2, "事发地址", "荣雅园", "permission.denied")]
    dry = imp.dry_run(db, table, profile, grid)  # a grid worker may log, not resolve
    assert issues(dry) == [(2, "事发地址", "荣雅园", "permission.denied"),
                           (3, "工单状态", "已办结", "permission.denied")]
    before = count_rows(db)
    committed = imp.commit(db, table, profile, grid)
    assert issues(committed) == issues(dry) and count_rows(db) == before
    written = imp.commit(db, table, profile, grid, valid_only=True)
    assert written.written and written.created == 1 and issues(written) == issues(dry)


# -- generated files: the dry run's errors are the commit's ------------------------------

_tickets = itertools.count(1)


def mostly(valid: list[str], bad: list[str]) -> st.SearchStrategy[str]:
    """A valid value most of the time (so that rows reach the services' checks), else a bad one."""
    return st.integers(0, 4).flatmap(lambda k: st.sampled_from(bad if k == 0 else valid))


CELLS = {
    "ticket": mostly(["{n}"], ["", "2.02603E+11", "DUP"]),
    "received": mostly(["2026-01-02 08:00", "2026/1/3 9:30", "2026年1月4日 9时30分"],
                       ["2099-01-01", "1999-12-31 23:00", "2026-02-30", "昨天", ""]),
    "category": mostly(["路灯", "照明设施"], ["环境卫生", ""]),
    "content": mostly(["路灯不亮", "第一行\n第二行", "x" * 4100],
                      ["灯坏了\x07", "标题\t带制表符", "", "控制\x1b字符"]),
    "address": mostly(["盛康园1号楼", "荣雅园", "盛康园1号楼101", "天津市盛康园1栋101室", "荣雅园2幢201"],
                      ["不存在小区", ""]),
    "status": mostly(["", "已受理", "办理中", "已办结", "已回访", "已退回"], ["奇怪状态"]),
    "reply": mostly(["", "已修复"], ["已修复\x07", "长" * 2001]),
}


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=6),
       who=st.sampled_from(["admin", "secretary", "grid"]), confirm=st.booleans(), valid_only=st.booleans())
@example(rows=[{"ticket": "{n}", "received": "2026-01-02 08:00", "category": "路灯", "content": "路灯不亮", "address": "盛康园1号楼", "status": "", "reply": ""} | {"received": "2099-01-01"}, {"ticket": "{n}", "received": "2026-01-02 08:00", "category": "路灯", "content": "路灯不亮", "address": "盛康园1号楼", "status": "", "reply": ""} | {"received": "1999-12-31 23:00"},
               {"ticket": "{n}", "received": "2026-01-02 08:00", "category": "路灯", "content": "路灯不亮", "address": "盛康园1号楼", "status": "", "reply": ""} | {"content": "灯坏了\x07"}, {"ticket": "{n}", "received": "2026-01-02 08:00", "category": "路灯", "content": "路灯不亮", "address": "盛康园1号楼", "status": "", "reply": ""} | {"reply": "已修复\x07", "status": "办理中"}, {"ticket": "{n}", "received": "2026-01-02 08:00", "category": "路灯", "content": "路灯不亮", "address": "盛康园1号楼", "status": "", "reply": ""}],
         who="admin", confirm=False, valid_only=True)
@example(rows=[{"ticket": "{n}", "received": "2026-01-02 08:00", "category": "路灯", "content": "路灯不亮", "address": "盛康园1号楼", "status": "", "reply": ""} | {"address": "荣雅园", "status": "已办结"}, {"ticket": "{n}", "received": "2026-01-02 08:00", "category": "路灯", "content": "路灯不亮", "address": "盛康园1号楼", "status": "", "reply": ""} | {"status": "已办结", "reply": "好"}],
         who="grid", confirm=True, valid_only=True)
def test_generated_files_dry_run_errors_are_the_commits(sqlite_db, tmp_path, rows, who, confirm, valid_only):
    db = sqlite_db
    admin = Actor("测试管理员")
    from sqlalchemy import select

    from gongzhi.core.models.places import Place

    with db.read_session() as s:
        empty = s.scalar(select(Place.id).limit(1)) is None
    if empty:
        build_world(db, admin)
    with db.read_session() as s:
        c1 = s.scalar(select(Place).where(Place.name == "盛康社区"))
    actor = {"admin": admin, "secretary": Actor("书记", grants=(Grant("community_secretary", c1.id, c1.path),)),
             "grid": Actor("网格员", grants=(Grant("grid_worker", c1.id, c1.path),))}[who]
    n = next(_tickets)
    lines = [[r["ticket"].format(n=f"G{n}-{i}"), r["received"], r["category"], r["content"], r["address"],
              r["status"], r["reply"]] for i, r in enumerate(rows)]
    path = write(tmp_path / f"gen-{n}.csv", lines)
    table = read_table(path)
    profile = load_profile("12345")
    dry = imp.dry_run(db, table, profile, actor, confirm_approximate=confirm)
    before = count_rows(db)
    done = imp.commit(db, table, profile, actor, confirm_approximate=confirm, valid_only=valid_only)
    assert issues(done) == issues(dry)
    assert all(e.column and (e.value or e.error.code in ("import.required",)) or e.error.code == "import.required"
               for e in done.errors), issues(done)
    if dry.errors and not valid_only:
        assert not done.written and count_rows(db) == before
    else:
        assert done.written and done.created + done.updated + done.unchanged == len(dry.planned)
