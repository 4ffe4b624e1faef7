"""Importing ticket exports (issue 17): messy hand-made files through the dry run and
the commit on SQLite and PostgreSQL; nothing written on failure; re-imports add
nothing and a new status walks the lifecycle."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from gongzhi.core import events
from gongzhi.core.errors import DomainError
from gongzhi.core.importing import requests as imp
from gongzhi.core.importing.profiles import guess_profile, load_profile
from gongzhi.core.importing.reading import decode_csv, read_table
from gongzhi.core.importing.values import parse_datetime, parse_ticket_number
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.requests import Request
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.models.vocab import Status
from gongzhi.core.services import requests as req_svc
from tests.core.helpers import assert_messages_render, build_world, count_rows

HEADER_12345 = ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "来电号码", "工单状态"]
LONG = "路灯" * 2050  # 4100 characters: over the 4000 a description holds


def rows_12345(status_of_first: str = "已受理") -> list[list[str]]:
    return [
        # quoted comma and newline, trailing spaces: a valid row (reporter 张晓明 by phone)
        ["202603050001 ", "2026-03-05 09:30:00", "路灯", "路灯不亮,晚上很黑\n请尽快修", "盛康园1号楼  ",
         "138 1234 5678", status_of_first],
        # full-width digits, a Chinese date, a category by its Chinese name
        ["２０２６０３０５０００２", "2026年3月5日 9时30分", "照明设施", "荣雅园路灯坏了", "荣雅社区荣雅园", "", "待受理"],
        ["2.02603E+11", "2026/3/5 9:30", "路灯", "x", "盛康园", "", ""],
        ["202603050004", "2026-02-30 10:00", "环境卫生", "垃圾", "不存在小区", "", ""],
        ["202603050001", "202603050930", "路灯", "同一工单", "盛康园", "", ""],
        # over-long content, kept up to the limit; a household through its micro-grid; resolved
        ["202603050006", "202603051000", "路灯", LONG, "盛康园1号楼1-6层101", "", "已办结"],
    ]


EXPECTED_ERRORS = [
    (4, "工单编号", "2.02603E+11", "import.scientific_ticket"),
    (5, "受理时间", "2026-02-30 10:00", "import.impossible_datetime"),
    (5, "问题分类", "环境卫生", "import.unknown_category"),
    (5, "事发地址", "不存在小区", "import.address_not_found"),
    (6, "工单编号", "202603050001", "import.duplicate_ticket"),
]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "gbk") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([HEADER_12345, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def issues(report) -> list[tuple[int, str, str, str]]:
    return [(e.row, e.column, e.value, e.error.code) for e in report.errors]


@pytest.fixture
def world(db, actor):
    return build_world(db, actor)


def test_values_of_messy_exports():
    expected = datetime(2026, 3, 5, 9, 30, tzinfo=LOCAL_TZ)
    for text in ("2026-03-05 09:30:00", "2026/3/5 9:30", "2026年3月5日 9时30分", "202603050930",
                 "２０２６－０３－０５ ０９：３０"):
        assert parse_datetime(text) == expected, text
    assert parse_datetime("2026年3月5日") == datetime(2026, 3, 5, tzinfo=LOCAL_TZ)
    for text, code in (("2026-02-30", "import.impossible_datetime"), ("3月5日", "import.bad_datetime"),
                       ("", "import.required")):
        with pytest.raises(DomainError) as info:
            parse_datetime(text)
        assert info.value.code == code
    assert parse_ticket_number(" １２３４５-A ") == "12345-A"
    for text in ("2.02603E+11", "2.02603e11", "202603050001.5"):
        with pytest.raises(DomainError) as info:
            parse_ticket_number(text)
        assert info.value.code == ("import.bad_ticket" if "." in text and "e" not in text.lower()
                                   else "import.scientific_ticket")
        assert_messages_render(info.value)
    assert decode_csv("工单".encode("gbk")) == ("工单", "gb18030")
    assert decode_csv("工单".encode()) == ("工单", "utf-8")
    assert decode_csv("\ufeff工单".encode()) == ("工单", "utf-8-sig")


def test_dry_run_reports_every_bad_row_and_writes_nothing(db, world, tmp_path):
    table = read_table(write_csv(tmp_path / "12345导出.csv", rows_12345()))
    assert table.encoding == "gb18030"
    assert guess_profile(table.header).name == "12345"
    before = count_rows(db)
    report = imp.dry_run(db, table, load_profile("12345"))
    assert issues(report) == EXPECTED_ERRORS
    assert report.errors[-1].reason("zh") == "与第 2 行的工单号重复"
    assert report.errors[-1].reason("en") == "same ticket number as row 2"
    assert [(w.row, w.error.code) for w in report.warnings] == [(7, "import.content_truncated")]
    assert [p.row for p in report.planned] == [2, 3, 7]
    first = report.planned[0]
    assert (first.ticket, first.place_id, first.reporter_id) == (
        "202603050001", world.buildings[0].id, world.people["zhang"].id)
    assert first.description == "路灯不亮,晚上很黑\n请尽快修"
    assert report.planned[1].ticket == "202603050002"
    assert report.planned[2].path == [Status.accepted, Status.in_progress, Status.resolved]
    assert count_rows(db) == before


def test_commit_is_all_or_nothing(db, world, actor, tmp_path):
    table = read_table(write_csv(tmp_path / "t.csv", rows_12345()))
    before = count_rows(db)
    report = imp.commit(db, table, load_profile("12345"), actor)
    assert not report.written and report.created == 0
    assert issues(report) == EXPECTED_ERRORS
    assert count_rows(db) == before
    assert not list(tmp_path.glob("*.rejected*"))


def test_valid_only_then_reimport_adds_nothing_and_status_walks_the_lifecycle(db, world, actor, tmp_path):
    path = write_csv(tmp_path / "t.csv", rows_12345())
    (tmp_path / "t.rejected.xlsx").write_bytes(b"an earlier report")  # never overwritten
    report = imp.commit(db, read_table(path), load_profile("12345"), actor, valid_only=True)
    assert report.written and (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert (tmp_path / "t.rejected.xlsx").read_bytes() == b"an earlier report"
    assert report.error_file == tmp_path / "t.rejected-2.xlsx"
    ws = load_workbook(report.error_file).active
    rows = list(ws.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [4, 5, 6]
    assert rows[2][1] == "受理时间；问题分类；事发地址"
    assert rows[1][4] == "2.02603E+11" and ws.freeze_panes == "A2"

    with db.read_session() as s:
        got = {r.external_id: r for r in s.scalars(select(Request).where(Request.channel == "hotline_12345"))}
        assert set(got) == {"202603050001", "202603050002", "202603050006"}
        first, long_ = got["202603050001"], got["202603050006"]
        assert first.status == "accepted" and first.reporter_id == world.people["zhang"].id
        assert first.created_at == datetime(2026, 3, 5, 9, 30, tzinfo=LOCAL_TZ)
        assert long_.status == "resolved" and long_.description == LONG[:4000]
        assert long_.place_id == world.households[0].id
        assert [e.to_status for e in req_svc.timeline(s, long_.id)] == [
            None, "accepted", "in_progress", "resolved"]
        audits = list(s.scalars(select(AuditLog).where(AuditLog.action == "request.import")))
        assert sorted(a.after["row"] for a in audits) == [2, 3, 7]
        assert {a.after["sha256"] for a in audits} == {report.sha256}
        assert {a.after["file"] for a in audits} == {"t.csv"}

    before = count_rows(db)
    again = imp.commit(db, read_table(path), load_profile("12345"), actor, valid_only=True)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert again.error_file == tmp_path / "t.rejected-3.xlsx"
    assert count_rows(db) == before

    # the hotline closed ticket 0001 meanwhile: the re-import walks it there
    updated = write_csv(tmp_path / "t2.csv", rows_12345("已办结")[:1])
    third = imp.commit(db, read_table(updated), load_profile("12345"), actor)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 0)
    with db.read_session() as s:
        r = s.get(Request, first.id)
        assert r.status == "resolved"
        assert [e.to_status for e in req_svc.timeline(s, r.id)] == [None, "accepted", "in_progress", "resolved"]
        assert s.scalar(select(AuditLog).where(AuditLog.action == "request.import_update")).after["ticket"] == \
            "202603050001"

    # a status the lifecycle cannot reach from there is refused, naming the row
    back = write_csv(tmp_path / "t3.csv", rows_12345("待受理")[:1])
    before = count_rows(db)
    fourth = imp.commit(db, read_table(back), load_profile("12345"), actor)
    assert issues(fourth) == [(2, "工单状态", "待受理", "import.no_path")]
    assert count_rows(db) == before


def test_xlsx_jinzhitong_export(db, world, actor, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["事件编号", "上报时间", "事件类型", "事件描述", "事件地址", "事件状态"])
    ws.append([202603050007, datetime(2026, 3, 5, 9, 30), "路灯损坏", "路灯坏了", "盛康园", "已受理"])
    ws.append(["2.02603E+11", "2026/3/5 9:30", "路灯损坏", "另一盏", "盛康园", ""])
    ws.append(["JZT2026030500009", "2026-03-05", "垃圾桶满", "", "盛康园", "已派单"])
    path = tmp_path / "津治通.xlsx"
    wb.save(path)
    table = read_table(path)
    profile = guess_profile(table.header)
    assert profile.name == "jinzhitong" and table.encoding == "excel"
    before = count_rows(db)
    report = imp.commit(db, table, profile, actor)
    assert issues(report) == [
        (3, "事件编号", "2.02603E+11", "import.scientific_ticket"),
        (4, "事件类型", "垃圾桶满", "import.unknown_category"),
        (4, "事件描述", "", "import.required"),
        (4, "事件状态", "已派单", "import.unknown_status"),
    ]
    assert count_rows(db) == before
    ok = imp.commit(db, table, profile, actor, valid_only=True)
    assert ok.created == 1
    with db.read_session() as s:
        r = s.scalar(select(Request).where(Request.external_id == "202603050007"))
        assert (r.channel, r.type, r.status, r.title) == ("jinzhitong", "report", "accepted", "路灯坏了")


def test_file_level_errors(db, tmp_path):
    for path, code in ((tmp_path / "none.csv", "import.file_missing"), (tmp_path / "a.txt", "import.unsupported_format")):
        if path.suffix == ".txt":
            path.write_text("x")
        with pytest.raises(DomainError) as info:
            read_table(path)
        assert info.value.code == code
    (tmp_path / "h.csv").write_text("工单编号,受理时间\n1,2026-03-05\n", encoding="utf-8-sig")
    table = read_table(tmp_path / "h.csv")
    with pytest.raises(DomainError) as info:
        imp.dry_run(db, table, load_profile("12345"))
    assert info.value.code == "import.missing_columns"
    assert info.value.message("en") == "the file lacks required columns: 问题分类、事发地址、诉求内容"
    with pytest.raises(DomainError) as info:
        load_profile("nope")
    assert info.value.code == "import.unknown_profile"


def test_a_row_failing_in_the_services_is_whole_or_absent(db, world, actor, tmp_path):
    """A row whose request was created before a later step failed leaves nothing with
    --valid-only, and fails the whole import without it."""
    table = read_table(write_csv(tmp_path / "t.csv", rows_12345()[:2]))
    profile = load_profile("12345")

    def write(session, p):
        r = req_svc.create_request(session, actor=actor, channel=p.channel, type="help", category_id=p.category_id,
                                   title=p.title, place_id=p.place_id, external_id=p.ticket, at=p.received_at)
        if p.row == 3:
            req_svc.transition(session, actor=actor, request_id=r.id, to_status="closed")  # illegal

    fired = []
    unsubscribe = events.subscribe(lambda event, **payload: fired.append((event, payload["request_id"])))
    before = count_rows(db)
    with db.read_session() as s:
        report = imp.plan_requests(s, table, profile)
    assert imp.run_import(db, table, report, False, write).written is False
    assert fired == []
    assert [(e.row, e.error.code) for e in report.errors] == [(3, "request.illegal_transition")]
    assert count_rows(db) == before
    with db.read_session() as s:
        report = imp.plan_requests(s, table, profile)
    assert imp.run_import(db, table, report, True, write).written is True
    unsubscribe()
    with db.read_session() as s:
        assert list(s.scalars(select(Request.external_id))) == ["202603050001"]
        only = s.scalar(select(Request.id))
    assert fired == [("request_created", only)]  # after the commit, and none for the rolled-back row
    assert count_rows(db)["request"] == before["request"] + 1
    assert count_rows(db)["request_event"] == before["request_event"] + 1


def test_people_register_from_xlsx(db, world, actor, tmp_path):
    from gongzhi.core.importing import people as people_imp
    from gongzhi.core.models.people import Person
    from tests.core.helpers import SAMPLE_ID_NUMBER, make_id_number

    new_id = make_id_number(birth="19560302")
    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "姓名", "性别", "出生日期", "联系电话", "身份证号", "住址"])
    ws.append([1, "赵六 ", "女", "1956年3月2日", "１３９ ０００２ ２２２２", new_id, "盛康园1号楼101"])
    ws.append([2, "张晓明", "男", "", "13812345678", SAMPLE_ID_NUMBER, ""])  # already registered
    ws.append([3, "钱七", "未知", "1950", "12345", "1.20113E+17", "盛康园1号楼"])
    ws.append([4, "孙八", "", "", "", new_id, ""])
    path = tmp_path / "花名册.xlsx"
    wb.save(path)
    table = read_table(path)
    before = count_rows(db)
    report = people_imp.commit(db, table, actor)
    assert [(e.row, e.column, e.error.code) for e in report.errors] == [
        (4, "性别", "import.unknown_value"),
        (4, "联系电话", "person.invalid_phone"),
        (4, "身份证号", "import.scientific_number"),
        (4, "住址", "import.not_a_household"),
        (5, "身份证号", "import.duplicate_row"),
    ]
    assert report.errors[3].reason("en") == "the home must be a household; '1号楼' is not"
    assert not report.written and count_rows(db) == before
    ok = people_imp.commit(db, table, actor, valid_only=True)
    assert (ok.created, ok.unchanged) == (1, 1)
    assert ok.error_file == tmp_path / "花名册.rejected.xlsx"
    with db.read_session() as s:
        zhao = s.scalar(select(Person).where(Person.id_number == new_id))
        assert (zhao.name, zhao.gender, zhao.birth_year, zhao.phone, zhao.household_id) == (
            "赵六", "female", 1956, "13900022222", world.households[0].id)
        assert s.scalar(select(AuditLog).where(AuditLog.action == "person.import")).after["row"] == 2
    before = count_rows(db)
    again = people_imp.commit(db, table, actor, valid_only=True)
    assert (again.created, again.unchanged) == (0, 2) and count_rows(db) == before


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0)), st.integers(0, 4), st.booleans())
def test_every_date_form_reads_the_same_time(moment, form, full_width):
    text = (moment.strftime("%Y-%m-%d %H:%M:%S"),
            f"{moment.year}/{moment.month}/{moment.day} {moment.hour}:{moment.minute:02d}",
            f"{moment.year}年{moment.month}月{moment.day}日 {moment.hour}时{moment.minute}分",
            moment.strftime("%Y%m%d%H%M"),
            moment.strftime("%Y.%m.%d %H:%M"))[form]
    if full_width:
        text = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in text)
    assert parse_datetime(text) == moment.replace(tzinfo=LOCAL_TZ)


@given(st.integers(10**11, 10**18), st.integers(1, 9))
def test_a_number_in_scientific_notation_is_never_taken_as_a_ticket(number, digits):
    text = f"{float(number):.{digits}E}"
    with pytest.raises(DomainError) as info:
        parse_ticket_number(text)
    assert info.value.code == "import.scientific_ticket"
    assert parse_ticket_number(str(number)) == str(number)


def test_place_register_builds_the_tree_and_a_reimport_adds_nothing(db, world, actor, tmp_path, capsys):
    from gongzhi.core.cli import main
    from gongzhi.core.importing import registers
    from gongzhi.core.models.places import Place

    wb = Workbook()
    ws = wb.active
    ws.append(["社区", "小区", "楼栋", "楼层段", "房号"])
    ws.append(["盛康社区", "盛康园", "1号楼", "1-6层", "102"])  # 102 is new, the rest exists
    ws.append(["盛康社区", "盛康园", "3号楼", "", "301"])  # a room straight in a building
    ws.append(["盛康社区", "盛康园", "3号楼", "", "302"])  # shares the new 3号楼
    ws.append(["新建社区 ", "新园", "", "", ""])  # a row may stop at any level
    ws.append(["盛康社区", "", "5号楼", "", ""])  # a building without its compound
    ws.append(["", "1号楼", "", "", ""])  # nor a compound without its community
    path = tmp_path / "地点.xlsx"
    wb.save(path)
    table = read_table(path)
    before = count_rows(db)
    report = registers.dry_run_places(db, table)
    assert [(e.row, e.column, e.error.code) for e in report.errors] == [
        (6, "楼栋", "import.place_gap"), (7, "小区", "import.place_gap")]
    assert report.errors[0].reason("zh") == "缺少上一级「小区」"
    assert [p.new for p in report.planned] == [1, 2, 1, 2]
    assert registers.commit_places(db, table, actor).written is False and count_rows(db) == before
    done = registers.commit_places(db, table, actor, valid_only=True)
    assert (done.created, done.unchanged) == (6, 0)
    with db.read_session() as s:
        three = s.scalar(select(Place).where(Place.name == "3号楼"))
        rooms = sorted(s.scalars(select(Place.name).where(Place.parent_id == three.id)))
        assert rooms == ["301", "302"] and three.kind == "building"
        new_community = s.scalar(select(Place).where(Place.name == "新建社区"))
        assert new_community.kind == "community" and new_community.parent_id == world.street.id
        assert s.scalar(select(Place).where(Place.name == "新园")).community_id == new_community.id
        assert len(list(s.scalars(select(AuditLog).where(AuditLog.action == "place.import")))) == 6
    before = count_rows(db)
    code = main(["--db", db.url, "import", "places", str(path), "--valid-only"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "新建 0" in out and count_rows(db) == before


def test_organisation_list_by_kind_in_words(db, world, actor, tmp_path, capsys):
    from gongzhi.core.cli import main
    from gongzhi.core.models.orgs import Organisation

    rows = [["名称", "类型", "所在地点"],
            ["荣雅社区居委会", "居民委员会", "荣雅社区"],
            ["盛康社区居委会", "居委会", "盛康社区"],  # already there
            ["青源物业", "property company", ""],
            ["无名", "协会", ""],
            ["荣雅园业委会", "owners_committee", "没有这个地方"]]
    path = tmp_path / "组织.csv"
    path.write_text("\n".join(",".join(r) for r in rows) + "\n", encoding="utf-8-sig")
    code = main(["--db", db.url, "--lang", "en", "import", "orgs", str(path)])
    out, err = capsys.readouterr()
    assert code == 1 and "2 rows have errors; nothing was written" in err
    assert "unrecognised value" in out and "no place in the place tree" in out
    code = main(["--db", db.url, "import", "orgs", str(path), "--valid-only"])
    out, _err = capsys.readouterr()
    assert code == 0 and "新建 2，更新 0，未变 1" in out
    with db.read_session() as s:
        org = s.scalar(select(Organisation).where(Organisation.name == "荣雅社区居委会"))
        assert (org.kind, org.place_id) == ("residents_committee", world.communities[1].id)
        assert s.scalar(select(Organisation.kind).where(Organisation.name == "青源物业")) == "property_company"


@pytest.mark.parametrize(("written", "expected"), [
    ("盛康园1号楼101", ("exact", "盛康社区 / 盛康园 / 1号楼 / 1-6层 / 101")),
    ("天津市东丽区金钟街道盛康园1栋101室", ("approx", "盛康社区 / 盛康园 / 1号楼 / 1-6层 / 101")),
    ("盛康园 一号楼", ("approx", "盛康社区 / 盛康园 / 1号楼")),
    ("荣雅园2幢3单元201", ("approx", "荣雅社区 / 荣雅园 / 2号楼 / 201")),
    ("盛康园9号楼旁边", ("approx", "盛康社区 / 盛康园")),  # no building 9: the compound
    ("荣雅社区居委会门口", ("approx", "荣雅社区")),  # a community named, no compound
    ("某某小区3号楼", None),
])
def test_addresses_as_people_write_them(db, world, written, expected):
    from gongzhi.core.importing.addresses import AddressMatcher, Match, chinese_number
    from gongzhi.core.importing.requests import _place_index

    assert [chinese_number(t) for t in ("十二", "二十一", "一", "十", "12", "两", "x")] == [12, 21, 1, 10, 12, 2, None]
    with db.read_session() as s:
        matcher = AddressMatcher(s, _place_index(s))
        found = matcher.match(written)
        if expected is None:
            assert found == set()
            return
        how, path = expected
        if how == "exact":
            assert isinstance(found, set) and len(found) == 1
            assert matcher.path_text(next(iter(found))) == path
        else:
            assert isinstance(found, Match) and not found.exact
            assert matcher.path_text(found.place_id) == path


def test_an_approximate_address_is_imported_and_listed_for_review(db, world, actor, tmp_path):
    rows = rows_12345()
    rows[0][4] = "天津市东丽区盛康园1栋101室"
    table = read_table(write_csv(tmp_path / "t.csv", rows))
    report = imp.dry_run(db, table, guess_profile(table.header), confirm_approximate=True)
    review = [w for w in report.warnings if w.error.code == "import.address_approximate"]
    assert [(w.row, w.value) for w in review] == [(2, "天津市东丽区盛康园1栋101室")]
    assert review[0].reason("zh") == "地址不完全一致，按「盛康社区 / 盛康园 / 1号楼 / 1-6层 / 101」导入，请核对"
    assert 2 not in report.bad_rows


def test_an_approximate_address_is_never_committed_unconfirmed(db, world, actor, tmp_path):
    """Without confirmation (the CLI's --confirm-approximate, the TUI's review) an approximate
    match is a bad row: reported by the dry run, refused by the commit, dropped (and written to
    the rejected workbook) by valid-only; confirmed, it is imported with the place chosen."""
    rows = [r for r in rows_12345() if r[0] in ("202603050001 ", "２０２６０３０５０００２")]
    rows[0][4] = "天津市东丽区盛康园1栋101室"
    table = read_table(write_csv(tmp_path / "t.csv", rows))
    profile = load_profile("12345")
    expected = [(2, "事发地址", "天津市东丽区盛康园1栋101室", "import.address_unconfirmed")]
    dry = imp.dry_run(db, table, profile, actor)
    assert issues(dry) == expected
    assert "--confirm-approximate" in dry.errors[0].reason("en") and "盛康园 / 1号楼" in dry.errors[0].reason("zh")
    assert not [w for w in dry.warnings if w.error.code == "import.address_approximate"]
    before = count_rows(db)
    refused = imp.commit(db, table, profile, actor)
    assert issues(refused) == expected and not refused.written and count_rows(db) == before
    dropped = imp.commit(db, table, profile, actor, valid_only=True)
    assert dropped.written and dropped.created == 1 and issues(dropped) == expected
    rejected = list(load_workbook(dropped.error_file).active.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[1]) for r in rejected] == [(2, "事发地址")]
    confirmed = imp.commit(db, table, profile, actor, confirm_approximate=True)
    assert confirmed.written and confirmed.created == 1 and confirmed.errors == []
    with db.read_session() as s:
        r = s.scalar(select(Request).where(Request.external_id == "202603050001"))
        assert r.place_id == world.households[0].id


@pytest.mark.parametrize(("written", "expected"), [
    ("盛康圆1号楼", "盛康社区 / 盛康园 / 1号楼"),  # 圆 for 园
    ("盛康小区1号楼101", "盛康社区 / 盛康园 / 1号楼 / 1-6层 / 101"),  # 小区 for 园
    ("盛康1号楼", "盛康社区 / 盛康园 / 1号楼"),  # the suffix left out
    ("天津市东丽区圣康园1号楼", "盛康社区 / 盛康园 / 1号楼"),  # a homophone (sheng kang yuan)
    ("荣稚园2号楼201", "荣雅社区 / 荣雅园 / 2号楼 / 201"),  # one character off
    ("盛康社区盛康花园1号楼", "盛康社区 / 盛康园 / 1号楼"),  # the community, then the compound fuzzily
])
def test_addresses_matched_fuzzily_are_approximate(db, world, written, expected):
    from gongzhi.core.importing.addresses import AddressMatcher, Match
    from gongzhi.core.importing.requests import _place_index

    with db.read_session() as s:
        matcher = AddressMatcher(s, _place_index(s))
        found = matcher.match(written)
        assert isinstance(found, Match) and not found.exact, found
        assert matcher.path_text(found.place_id) == expected


def test_an_address_two_compounds_fit_equally_is_ambiguous(db, world, actor, tmp_path):
    from gongzhi.core.services import places as place_svc

    with db.session() as s:
        place_svc.create_place(s, actor=actor, kind="compound", name="盛康苑", parent_id=world.communities[0].id)
    rows = [["202603050001", "2026-03-05 09:30", "路灯", "路灯不亮", "盛康1号楼", "", ""],
            ["202603050002", "2026-03-05 09:30", "路灯", "路灯不亮", "盛康园1号楼", "", ""]]
    table = read_table(write_csv(tmp_path / "t.csv", rows))
    report = imp.dry_run(db, table, load_profile("12345"), actor, confirm_approximate=True)
    assert issues(report) == [(2, "事发地址", "盛康1号楼", "import.address_ambiguous")]
    assert report.errors[0].reason("zh") == "该地址对应多个地点：盛康园、盛康苑"
    assert [p.row for p in report.planned] == [3]  # the exact name is no doubt


def test_a_legacy_xls_export_is_imported(db, world, actor, tmp_path):
    """A checked-in Excel 97–2003 (.xls, BIFF8) ticket export (tests/data/make_xls.py): number
    and date cells read as the clerk sees them, through the dry run and the commit."""
    import shutil

    source = Path(__file__).parents[1] / "data" / "12345导出.xls"
    path = shutil.copy(source, tmp_path / source.name)  # the rejected workbook goes beside it
    table = read_table(path)
    assert (table.encoding, table.header[0]) == ("excel", "工单编号")
    assert [r[1][:2] for r in table.rows] == [["202603050101", "2026-03-05 09:30:00"],
                                              ["202603050102", "2026年3月5日 9时40分"],
                                              ["2.02603E+11", "2026/3/5 9:50"]]
    profile = guess_profile(table.header)
    dry = imp.dry_run(db, table, profile, actor)
    assert issues(dry) == [(4, "工单编号", "2.02603E+11", "import.scientific_ticket")]
    report = imp.commit(db, table, profile, actor, valid_only=True)
    assert report.written and report.created == 2 and issues(report) == issues(dry)
    with db.read_session() as s:
        r = s.scalar(select(Request).where(Request.external_id == "202603050101"))
        assert (r.place_id, r.reporter_id, r.status) == (world.buildings[0].id, world.people["zhang"].id, "accepted")
        assert r.created_at == datetime(2026, 3, 5, 9, 30, tzinfo=LOCAL_TZ)
