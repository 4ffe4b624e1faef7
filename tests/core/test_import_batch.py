"""The batched import path (core.importing.batch) leaves the same database as the
services row by row, on SQLite and PostgreSQL, for a file with the messy traps; new
replies and statuses of re-imported tickets reach the timeline through the lifecycle;
an unchanged file adds nothing; a cancelled import writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text

from gongzhi.core import events
from gongzhi.core.chain import verify_chains
from gongzhi.core.db import Database
from gongzhi.core.importing import requests as imp
from gongzhi.core.importing.profiles import load_profile
from gongzhi.core.importing.reading import read_table
from gongzhi.core.models.requests import Request
from gongzhi.core.services import categories as cat_svc
from gongzhi.core.services import requests as req_svc
from tests.core.helpers import build_world, count_rows
from tests.core.test_importing import rows_12345
from tests.dbs import pg_database, sqlite_copy

HEADER = ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "来电号码", "工单状态", "答复内容"]
FUTURE = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%d %H:%M")


def messy_rows() -> list[list[str]]:
    """The traps of test_importing (scientific notation, impossible date, unknown place and
    category, duplicate ticket, full-width digits, quoted comma and newline, over-long
    content, an approximate address) and what only the services refuse, with replies."""
    rows = [r + [""] for r in rows_12345()]
    rows[0][7] = "已联系物业，今晚修复"  # a reply on an accepted ticket: a note
    rows[5][7] = "已更换灯泡，恢复照明"  # a reply on a resolved ticket: the result
    rows += [
        ["202603050010", FUTURE, "路灯", "明天的工单", "盛康园", "", "", ""],  # input.future_date (service)
        ["202603050011", "1999-12-31 23:00", "路灯", "太早", "盛康园", "", "", ""],  # input.date_too_early
        ["202603050012", "2025-12-31 23:00", "路灯", "灯坏了\x07", "盛康园", "", "", ""],  # control character
        ["202603050013", "2026-01-02 08:00", "路灯", "去年的", "荣雅园2幢201", "13900001111", "已回访", "已修复"],
        ["202603050014", "2026/1/2 8:00", "照明设施", "答复", "荣雅园", "", "已答复", "已电话答复"],
        ["202603050015", "2026-01-03", "路灯", "退回", "盛康园1号楼", "", "已退回", "非本辖区"],
        ["202603050016", "2026-01-04", "路灯", "超长答复", "盛康园", "", "已办结", "长" * 2001],
        ["202603050017", "2026-01-05", "路灯", "办理中", "天津市盛康园1栋101室", "", "办理中", "正在处理"],
    ]
    return rows


def write(path, rows):
    import csv
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([HEADER, *rows])
    path.write_bytes(buf.getvalue().encode("gbk"))
    return path


@pytest.fixture
def twin(db: Database, request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:
    """A second fresh database of the same kind as ``db``."""
    if db.engine.dialect.name == "sqlite":
        other = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path / "twin.sqlite")
        yield other
        other.dispose()
    else:
        with pg_database(request.getfixturevalue("pg_url"), "gz_twin",
                         template=request.getfixturevalue("pg_template")) as other:
            yield other


def prepare(db: Database, actor) -> None:
    world = build_world(db, actor)
    with db.session() as s:  # a lead organisation for every lighting request
        cat_svc.update_category(s, actor=actor, category_id=world.category.id,
                                default_department_id=world.department.id)


def _normal(value: Any, t0: datetime, t1: datetime) -> Any:
    """A value with the import's clock times (steps, audit records) replaced by "NOW"."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return "NOW" if t0 <= aware <= t1 else aware
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] in ("T", " "):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return _normal(parsed, t0, t1) if parsed.tzinfo else value
    if isinstance(value, dict):
        return {k: _normal(v, t0, t1) for k, v in value.items() if k != "hash"}
    if isinstance(value, list):
        return [_normal(v, t0, t1) for v in value]
    return value


def content(db: Database, t0: datetime, t1: datetime) -> dict[str, list]:
    """Every row the import writes, in id order, with clock times normalised and hashes left out
    (they cover the times; both chains are verified instead)."""
    out: dict[str, list] = {}
    with db.read_session() as s:
        from gongzhi.core.models.audit import AuditLog
        from gongzhi.core.models.requests import RefCounter, RequestEvent

        for model in (Request, RequestEvent, AuditLog):
            stmt = select(model.__table__).order_by(model.__table__.c.id)
            if model is AuditLog:  # the requests' records (the world was built at other times)
                stmt = stmt.where(AuditLog.action.like("request.%"))
            rows = s.execute(stmt).mappings().all()
            out[model.__tablename__] = [{k: _normal(v, t0, t1) for k, v in r.items() if k != "hash"} for r in rows]
        out["ref_counter"] = [tuple(r) for r in s.execute(select(RefCounter.prefix, RefCounter.year, RefCounter.last)
                                                          .order_by(RefCounter.year))]
        out["community"] = list(s.execute(text("SELECT id, community_id FROM request ORDER BY id")))
        # the search index answers for the new rows
        for q in ("路灯", "答复", "qy-2026", "晚上很黑", "灯"):
            flt = req_svc.RequestFilter(text=q)
            out[f"search {q}"] = [req_svc.count_requests(s, flt),
                                  sorted(r.id for r in req_svc.list_requests(s, flt, limit=100).rows)]
        assert verify_chains(s.connection()) == []
    return out


def report_of(r) -> tuple:
    return ([(e.row, e.column, e.value, e.error.code) for e in r.errors],
            [(w.row, w.column, w.error.code) for w in r.warnings],
            (r.written, r.created, r.updated, r.unchanged, r.cancelled))


def run_both(db, twin, actor, path, **kw):
    """Import ``path`` batched into ``db`` and row by row into ``twin``; the reports, fired
    events and the two databases' rows must be the same."""
    profile = load_profile("12345")
    got: dict[str, list] = {"batched": [], "rows": []}
    results = {}
    for name, target, batched in (("batched", db, True), ("rows", twin, False)):
        fired = got[name]
        unsubscribe = events.subscribe(lambda event, _f=fired, **payload: _f.append((event, payload)))
        try:
            # the approximate address of 0017 confirmed, as a clerk does (--confirm-approximate)
            results[name] = imp.commit(target, read_table(path), profile, actor, batched=batched,
                                       confirm_approximate=True, **kw)
        finally:
            unsubscribe()
    assert report_of(results["batched"]) == report_of(results["rows"])
    assert got["batched"] == got["rows"]
    return results["batched"]


def test_batched_import_writes_what_the_services_write(db, twin, actor, tmp_path):
    prepare(db, actor)
    prepare(twin, actor)
    t0 = datetime.now(UTC)
    path = write(tmp_path / "12345导出.csv", messy_rows())
    report = run_both(db, twin, actor, path, valid_only=True)
    assert report.written and report.created == 7
    codes = {(e.row, e.error.code) for e in report.errors}
    assert {(8, "input.future_date"), (9, "input.date_too_early"), (10, "input.control_chars"),
            (14, "import.too_long")} <= codes
    t1 = datetime.now(UTC)
    assert content(db, t0, t1) == content(twin, t0, t1)
    # the rejected rows, a control character among them, written where the worksheet can hold them
    from openpyxl import load_workbook

    rejected = {r[0]: r for r in load_workbook(report.error_file).active.iter_rows(min_row=2, values_only=True)}
    assert rejected[10][3 + 4] == "灯坏了\\x07"

    with db.read_session() as s:
        r = s.scalar(select(Request).where(Request.external_id == "202603050006"))
        line = req_svc.timeline(s, r.id)
        assert [(e.kind, e.to_status) for e in line] == [
            ("created", None), ("transition", "accepted"), ("transition", "in_progress"), ("transition", "resolved")]
        assert line[-1].public_note == "已更换灯泡，恢复照明"  # the reply is the result
        assert line[1].public_note == "导入 12345导出.csv / imported from 12345导出.csv"
        first = s.scalar(select(Request).where(Request.external_id == "202603050001"))
        assert [(e.kind, e.public_note) for e in req_svc.timeline(s, first.id)][-1] == ("note", "已联系物业，今晚修复")
        assert first.community_id is not None and first.lead_org_id is not None

    # the hotline moved on: new statuses and replies for some tickets, the rest unchanged
    rows = messy_rows()
    rows[0][6], rows[0][7] = "已办结", "路灯已修复"  # 0001: accepted → resolved, the reply its result
    rows[-1][7] = "物业已派人维修"  # 0017: still in progress, a new reply: a note
    path2 = write(tmp_path / "12345导出-2.csv", rows)
    second = run_both(db, twin, actor, path2, valid_only=True)
    assert (second.created, second.updated, second.unchanged) == (0, 2, 5)
    t1 = datetime.now(UTC)
    assert content(db, t0, t1) == content(twin, t0, t1)
    with db.read_session() as s:
        line = req_svc.timeline(s, first.id)
        assert [(e.kind, e.to_status, e.public_note) for e in line[-2:]] == [
            ("transition", "in_progress", "导入 12345导出-2.csv / imported from 12345导出-2.csv"),
            ("transition", "resolved", "路灯已修复")]
        last = s.scalar(select(Request).where(Request.external_id == "202603050017"))
        assert [(e.kind, e.public_note) for e in req_svc.timeline(s, last.id)][-2:] == [
            ("note", "正在处理"), ("note", "物业已派人维修")]

    # the same file again adds nothing, on either path
    for target in (db, twin):
        before = count_rows(target)
        again = imp.commit(target, read_table(path2), load_profile("12345"), actor, valid_only=True,
                           batched=target is db, confirm_approximate=True)
        assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
        assert count_rows(target) == before


def test_all_or_nothing_and_cancel_on_both_paths(db, actor, tmp_path):
    prepare(db, actor)
    rows = [r for r in messy_rows() if r[0] in ("202603050001 ", "202603050013", "202603050010")]
    path = write(tmp_path / "t.csv", rows)
    profile = load_profile("12345")
    sure = {"confirm_approximate": True}  # 荣雅园2幢201, confirmed
    before = count_rows(db)
    for batched in (True, False):
        # the future date is refused by the services' check only: nothing is written
        report = imp.commit(db, read_table(path), profile, actor, batched=batched, **sure)
        assert [(e.row, e.error.code) for e in report.errors] == [(3, "input.future_date")]
        assert not report.written and report.created == 0 and count_rows(db) == before
        # cancelled after the rows were written: rolled back
        asked = []
        report = imp.commit(db, read_table(path), profile, actor, valid_only=True, batched=batched, **sure,
                            cancel=lambda _a=asked: _a.append(1) or True)
        assert report.cancelled and not report.written and asked and report.created == 0
        assert count_rows(db) == before
        assert not list(tmp_path.glob("*.rejected*"))
    seen: list[tuple[int, int]] = []
    done = imp.commit(db, read_table(path), profile, actor, valid_only=True, **sure,
                      progress=lambda n, total: seen.append((n, total)), cancel=lambda: False)
    # the future date is refused by the dry run's checks now: two rows planned, both written
    assert done.written and done.created == 2 and seen[-1] == (2, 2)
    assert [(e.row, e.column, e.error.code) for e in done.errors] == [(3, "受理时间", "input.future_date")]


def test_batched_import_as_the_app_role_under_row_level_security(pg_db, actor, tmp_path):
    """PostgreSQL as the application runs it (migration 0009): the app role, its login
    confined to one community. COPY is refused on a table under row-level security, so
    the requests go by INSERT; ids come from the sequences the role may use."""
    from tests.core.test_pg_app_role import app_login

    prepare(pg_db, actor)
    rows = [r for r in messy_rows() if r[0] in ("202603050001 ", "202603050015", "202603050017")]  # 盛康社区
    path = write(tmp_path / "t.csv", rows)
    with app_login(pg_db) as (name, clerk):
        with pg_db.engine.begin() as conn:
            conn.execute(text("INSERT INTO db_login_scope (login, community_id) "
                              "SELECT :l, id FROM place WHERE name = '盛康社区'"), {"l": name})
        report = imp.commit(clerk, read_table(path), load_profile("12345"), actor, confirm_approximate=True)
        assert report.written and report.created == 3
        with clerk.read_session() as s:
            assert s.scalar(select(func.count()).select_from(Request)) == 3
            assert verify_chains(s.connection()) == []
        # a ticket in another community: its places are hidden from this login by row-level
        # security (migration 0010), so its address is refused as unknown; nothing is written
        other = write(tmp_path / "other.csv", [r for r in messy_rows() if r[0] == "202603050013"])
        refused = imp.commit(clerk, read_table(other), load_profile("12345"), actor)
        assert not refused.written and refused.created == 0
        assert [e.error.code for e in refused.errors] == ["import.address_not_found"]
    with pg_db.read_session() as s:
        assert s.scalar(select(func.count()).select_from(Request)) == 3


def test_batched_register_writes_what_create_person_writes(db, twin, actor, tmp_path):
    from openpyxl import Workbook

    from gongzhi.core.importing import people as people_imp
    from gongzhi.core.models.audit import AuditLog
    from gongzhi.core.models.people import Person
    from tests.core.helpers import SAMPLE_ID_NUMBER, make_id_number

    for target in (db, twin):
        prepare(target, actor)
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "姓名", "性别", "出生日期", "联系电话", "身份证号", "住址", "备注"])
    ws.append([1, "赵六 ", "女", "1956年3月2日", "１３９ ０００２ ２２２２", make_id_number(birth="19560302"),
               "盛康园1号楼101", "独居"])
    ws.append([2, "张晓明", "男", "", "13812345678", SAMPLE_ID_NUMBER, ""])  # already registered
    ws.append([3, "钱七", "未知", "1950", "12345", "1.20113E+17", "盛康园1号楼"])  # refused by the plan
    ws.append([4, "老寿星", "男", "1850", "", "", ""])  # refused by the service: birth year
    ws.append([5, "孙八", "", "", "13900003333", "", "天津市荣雅园2幢201室"])  # approximate address
    ws.append([6, "周九", "女", "1990-05-01", "", make_id_number(birth="19900501", seq="456"), "荣雅园2号楼201",
               "备" * 2001])  # notes over 2,000 characters: refused by the service
    path = tmp_path / "花名册.xlsx"
    wb.save(path)
    t0 = datetime.now(UTC)
    results = {}
    for name, target, batched in (("batched", db, True), ("rows", twin, False)):
        results[name] = people_imp.commit(target, read_table(path), actor, valid_only=True, batched=batched,
                                          confirm_approximate=True)
    assert report_of(results["batched"]) == report_of(results["rows"])
    report = results["batched"]
    assert (report.created, report.unchanged) == (2, 1)
    assert {(e.row, e.error.code) for e in report.errors} >= {(5, "person.invalid_birth_year"),
                                                              (7, "input.too_long")}
    t1 = datetime.now(UTC)

    def people_rows(target):
        with target.read_session() as s:
            rows = [{k: _normal(v, t0, t1) for k, v in r.items()}
                    for r in s.execute(select(Person.__table__).where(Person.created_at >= t0)
                                       .order_by(Person.id)).mappings()]
            audits = [{k: _normal(v, t0, t1) for k, v in r.items() if k != "hash"}
                      for r in s.execute(select(AuditLog.__table__).where(AuditLog.action.like("person.%"))
                                         .where(AuditLog.at >= t0).order_by(AuditLog.id)).mappings()]
            assert verify_chains(s.connection()) == []
            return rows, audits

    assert people_rows(db) == people_rows(twin)
    rows, audits = people_rows(db)
    assert len(rows) == 2 and [a["action"] for a in audits] == ["person.create", "person.import"] * 2
    assert audits[0]["after"]["phone"] != "13900022222"  # masked, as the service keeps it
    before = count_rows(db)
    again = people_imp.commit(db, read_table(path), actor, valid_only=True, confirm_approximate=True)
    assert (again.created, again.unchanged) == (0, 3) and count_rows(db) == before
