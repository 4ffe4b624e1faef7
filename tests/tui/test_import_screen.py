"""The import screen (issue 17, points 2, 4, 6): the real app on a real SQLite street, a
messy 12345 export through the check, the review of approximate addresses, the import,
a cancelled import, and a mapping saved as a profile and used again."""

from __future__ import annotations

import asyncio
import csv
import io
import time
from pathlib import Path

from openpyxl import load_workbook
from sqlalchemy import func, select
from textual.widgets import Input, TabbedContent

from gongzhi.core.config import data_dir
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.requests import Request
from gongzhi.tui.screens.import_data import ImportScreen, complete_path
from gongzhi.tui.widgets.toggle import Toggle
from tests.tui.pilot import settle, until
from tests.tui.test_login import _app, sync
from tests.tui.test_roles import _log_in, _operator, _palette_titles

HEADER_12345 = ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "来电号码", "工单状态"]
MESSY = [
    ["202611010001 ", "2026-11-01 09:30:00", "路灯", "荣雅园路灯不亮,晚上很黑\n请尽快修", "荣雅园1号楼", "", "已受理"],
    ["2.02611E+11", "2026/11/1 9:30", "路灯", "科学计数法", "荣雅园", "", ""],
    ["202611010003", "2026-02-30 10:00", "路灯", "没有这一天", "荣雅园", "", ""],
    ["202611010004", "2026-11-01 10:00", "天气", "未知类别", "荣乐园", "", ""],
    ["202611010005", "2026年11月1日 10时05分", "路灯", "门口灯坏了", "天津市北辰区荣乐园1栋701室", "", ""],
    ["202611010006", "202611011100", "路灯", "东侧灯不亮", "荣雅园一号楼东侧", "", ""],
    ["202611010001", "2026-11-01 12:00", "路灯", "同一工单", "荣雅园", "", ""],
    ["２０２６１１０１０００８", "2026年11月1日 9时30分", "路灯", "全角工单号", "荣乐园", "", ""],
]
# (row, column, reason) the check must report, in Chinese
EXPECTED_BAD = [
    ("3", "工单编号", "工单号已被 Excel 改为科学计数法"),
    ("4", "受理时间", "不存在的日期或时间"),
    ("5", "问题分类", "未知的诉求类别"),
    ("8", "工单编号", "与第 2 行的工单号重复"),
]


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "gbk") -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows([header, *rows])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def request_count(db) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(Request))


def imported_tickets(db) -> list[str]:
    with db.read_session() as s:
        return sorted(s.scalars(select(Request.external_id).where(Request.external_id.is_not(None))))


def table_rows(screen, table_id: str) -> list[dict[str, str]]:
    table = screen.query_one(f"#{table_id}")
    return [dict(values) for values, _key in table._values]


async def open_import(app, pilot, path: Path | None = None) -> ImportScreen:
    await pilot.press("f4")
    await settle(pilot, debounce=0.2)
    await pilot.press("ctrl+l")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    if path is not None:
        box = screen.query_one("#import-path", Input)
        box.focus()
        box.value = str(path)
        await pilot.press("enter")
        await until(pilot, lambda: screen.table is not None)
        await settle(pilot)
    return screen


async def check(pilot, screen: ImportScreen) -> None:
    await pilot.press("ctrl+r")
    await until(pilot, lambda: screen.report is not None and not screen._busy, timeout=20)
    await settle(pilot)


def test_a_messy_export_is_checked_reviewed_and_imported(make_app, street_db, tmp_path):
    source = write_csv(tmp_path / "12345导出.csv", HEADER_12345, MESSY)
    before = request_count(street_db)

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_import(app, pilot, source)
            # the profile that fits the header was chosen, every column mapped as it says
            assert screen.base_profile.name == "12345"
            mapping = {r["column"]: r["field"] for r in table_rows(screen, "import-mapping")}
            assert mapping["工单编号"] == "工单号" and mapping["事发地址"] == "地址"
            await check(pilot, screen)
            report = [(r["row"], r["column"], r["reason"]) for r in table_rows(screen, "import-report")
                      if not r["reason"].startswith("提示")]
            assert [(row, col) for row, col, _reason in report] == [(r, c) for r, c, _t in EXPECTED_BAD]
            for (_r, _c, reason), (_r2, _c2, expected) in zip(report, EXPECTED_BAD, strict=True):
                assert reason.startswith(expected), reason
            # the review list: the two addresses read approximately, to be decided
            assert screen.query_one("#import-tabs", TabbedContent).active == "tab-review"
            review = table_rows(screen, "import-review")
            assert [(r["row"], r["address"], r["place"], r["decision"]) for r in review] == [
                ("6", "天津市北辰区荣乐园1栋701室", "荣乐园社区 / 荣乐园 / 荣乐园1号楼", "待核对"),
                ("7", "荣雅园一号楼东侧", "荣雅园社区 / 荣雅园 / 荣雅园1号楼", "待核对"),
            ]
            assert "待核对地址 2 处" in screen.message and "未写入" in screen.message
            assert request_count(street_db) == before  # the check writes nothing

            # importing before the review is refused
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert screen.result is None and request_count(street_db) == before

            # the clerk confirms the first match (y) and rejects the second (n)
            screen.query_one("#import-review").focus()
            await pilot.press("y", "n")
            await settle(pilot)
            assert [r["decision"] for r in table_rows(screen, "import-review")] == ["已确认", "已拒绝"]
            rejected = [r for r in table_rows(screen, "import-report") if r["row"] == "7"]
            assert rejected and rejected[0]["reason"].startswith("核对时拒绝了地址匹配")

            # all or nothing: rows have errors, nothing is written
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert "5 行有错误" in screen.message and request_count(street_db) == before

            # valid rows only, by explicit choice
            toggle = screen.query_one("#import-valid-only", Toggle)
            toggle.focus()
            await pilot.press("space")
            assert toggle.value and "只导入正确的行" in str(toggle.label)
            await pilot.press("ctrl+s")
            await until(pilot, lambda: screen.result is not None and not screen._busy, timeout=30)
            await settle(pilot)
            assert screen.result.written
            assert "已导入：新建 3" in screen.message

    asyncio.run(inner())
    # rows 2, 6 (confirmed) and 9 are in; 7 (rejected) and the bad rows are not
    assert imported_tickets(street_db) == ["202611010001", "202611010005", "202611010008"]
    assert request_count(street_db) == before + 3
    with street_db.read_session() as s:
        place = s.scalar(select(Request.place_id).where(Request.external_id == "202611010005"))
        audits = s.scalars(select(AuditLog).where(AuditLog.action == "request.import")).all()
    assert place is not None
    assert sorted(a.after["row"] for a in audits) == [2, 6, 9]
    assert {a.after["file"] for a in audits} == {"12345导出.csv"}
    rejected_file = tmp_path / "12345导出.rejected.xlsx"
    sheet = load_workbook(rejected_file).active
    rows = list(sheet.values)[1:]
    assert [r[0] for r in rows] == [3, 4, 5, 7, 8]
    assert "核对时拒绝了地址匹配" in rows[3][2]


def test_cancelling_an_import_leaves_nothing_written(make_app, street_db, tmp_path, monkeypatch):
    """The real import, written a request a batch and each batch slowed to 0.2 s, cancelled
    with Escape once rows are written."""
    from gongzhi.core.importing import batch

    rows = [[f"2026110200{i:02d}", "2026-11-02 09:00", "路灯", f"第 {i} 盏灯不亮", "荣雅园1号楼", "", "已受理"]
            for i in range(1, 13)]
    source = write_csv(tmp_path / "很长的导出.csv", HEADER_12345, rows)
    before = request_count(street_db)
    real = batch._write_chunk
    created: list[int] = []

    def slow(ins, actor, table, chunk, *args, **kwargs):
        real(ins, actor, table, chunk, *args, **kwargs)
        created.extend(p.row for p, _values in chunk)
        time.sleep(0.2)

    monkeypatch.setattr(batch, "CHUNK", 1)
    monkeypatch.setattr(batch, "_write_chunk", slow)

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            screen = await open_import(app, pilot, source)
            await check(pilot, screen)
            assert screen.report.errors == [] and len(screen.report.planned) == 12
            await pilot.press("ctrl+s")
            await until(pilot, lambda: "行/秒" in screen.message, timeout=20)
            assert screen.message.startswith("写入 ") and "约剩" in screen.message  # rows/s and time left
            assert len(created) >= 1
            await pilot.press("escape")
            await until(pilot, lambda: not screen._busy, timeout=20)
            await settle(pilot)
            assert isinstance(app.screen, ImportScreen)  # Escape cancelled the work, not the screen
            assert screen.message == "已取消，未写入任何数据"
            assert screen.result is None

    asyncio.run(inner())
    assert 1 <= len(created) < 12  # it was under way
    assert request_count(street_db) == before
    assert imported_tickets(street_db) == []
    assert not list(tmp_path.glob("*.rejected*.xlsx"))


def test_a_mapping_saved_as_a_profile_is_used_again(make_app, street_db, tmp_path):
    """A layout no shipped profile fits: the clerk maps its columns, saves them as a
    profile, and the next file of that layout is read with it."""
    header = ["编号", "时间", "类别", "反映内容", "位置"]
    first = write_csv(tmp_path / "自定义一.csv", header, [
        ["SQ-0001", "2026-11-03 08:00", "路灯", "灯不亮", "荣雅园1号楼"]], encoding="utf-8")
    second = write_csv(tmp_path / "自定义二.csv", header, [
        ["SQ-0002", "2026-11-04 08:00", "路灯", "还是不亮", "荣乐园"]], encoding="utf-8-sig")

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_import(app, pilot, first)
            assert "没有哪个导入配置能对上" in screen.message
            assert screen.missing_fields()  # nothing of this header is mapped yet
            mapping_table = screen.query_one("#import-mapping")
            mapping_table.focus()
            for column, field in enumerate(("ticket_number", "received_at", "category", "content", "address")):
                mapping_table.move_cursor(row=column)
                await settle(pilot)
                screen.query_one("#import-field").value = field
                await settle(pilot)
            assert screen.missing_fields() == []
            assert [r["field"] for r in table_rows(screen, "import-mapping")] == [
                "工单号", "受理时间", "类别", "内容", "地址"]
            box = screen.query_one("#import-profile-name", Input)
            box.focus()
            box.value = "街道自建表"
            await pilot.press("enter")
            await settle(pilot)
            saved = data_dir() / "import_profiles" / "街道自建表.toml"
            assert saved.is_file(), screen.message
            await check(pilot, screen)
            assert screen.report.errors == [] and len(screen.report.planned) == 1
            await pilot.press("escape")
            await settle(pilot)

            screen = await open_import(app, pilot, second)
            assert screen.base_profile.name == "街道自建表"  # the saved profile fits this header
            assert screen.missing_fields() == []
            await check(pilot, screen)
            assert screen.report.errors == []
            await pilot.press("ctrl+s")
            await until(pilot, lambda: screen.result is not None and not screen._busy, timeout=20)
            assert screen.result.written and screen.result.created == 1

    asyncio.run(inner())
    assert imported_tickets(street_db) == ["SQ-0002"]


def test_the_path_box_completes_existing_files_and_folders(tmp_path):
    (tmp_path / "导出").mkdir()
    (tmp_path / "导出" / "12345.xlsx").write_bytes(b"")
    (tmp_path / "notes.txt").write_text("x")
    assert complete_path(str(tmp_path / "导")) == str(tmp_path / "导出") + "/"
    assert complete_path(str(tmp_path / "导出") + "/") == str(tmp_path / "导出" / "12345.xlsx")
    assert complete_path(str(tmp_path / "no")) is None  # a .txt is no table
    assert complete_path(str(tmp_path / "没有")) is None


@sync
async def test_a_viewer_is_offered_no_import(street_db, ids):
    """The viewer role logged in: no import key in the request list, no palette entry, no screen."""
    _operator(street_db, ids, "viewer2", "钱进", "viewer")
    app = _app(street_db, require_login=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "viewer2")
        await pilot.press("f4")
        await until(pilot, lambda: bool(app.query("#req-table")) and app.query_one("#requests").page is not None)
        view = app.query_one("#requests")
        assert "requests.import" not in {b.id for bs in view._bindings.key_to_bindings.values() for b in bs}
        await pilot.press("ctrl+l")
        await settle(pilot)
        app.open_import("requests")
        await settle(pilot)
        assert not isinstance(app.screen, ImportScreen)
        assert "导入：导入数据" not in await _palette_titles(app, pilot, "导入")


@sync
async def test_a_grid_worker_imports_requests_only(street_db, ids):
    _operator(street_db, ids, "grid2", "孙立", "grid_worker")
    app = _app(street_db, require_login=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "grid2")
        screen = await open_import(app, pilot)
        kinds = [value for _label, value in screen.query_one("#import-kind")._options if value is not None]
        assert kinds == ["requests", "people"]  # a grid worker logs requests and adds people
        # the profiles are offered before any file is read; typing picks one
        picker = screen.query_one("#import-profile")
        await until(pilot, lambda: [c.value for c in picker.choices] == ["12345", "jinzhitong"])
        picker.query_one("Input").focus()
        await pilot.press(*"jinzhitong", "enter")
        await settle(pilot)
        assert screen.base_profile.name == "jinzhitong" and screen.profile_by_clerk


def test_f2_switches_the_screen_and_keeps_the_check(make_app, street_db, tmp_path):
    """F2 on the import screen: English at once, the file, the report and the review kept;
    ``A`` confirms every address still to review."""
    source = write_csv(tmp_path / "12345导出.csv", HEADER_12345, MESSY)

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_import(app, pilot, source)
            await check(pilot, screen)
            screen.query_one("#import-review").focus()
            await pilot.press("n")
            await pilot.press("f2")
            await settle(pilot)
            assert app.screen is screen
            assert screen.query_one("#import-path", Input).value == str(source)
            assert str(screen.query_one("#import-tabs", TabbedContent).get_tab("tab-mapping").label) == "Mapping"
            review = table_rows(screen, "import-review")
            assert [r["decision"] for r in review] == ["rejected", "to review"]
            reasons = [r["reason"] for r in table_rows(screen, "import-report") if r["row"] == "6"]
            assert reasons and reasons[0].startswith("the address match")
            screen.query_one("#import-review").focus()
            await pilot.press("A")
            await settle(pilot)
            assert [r["decision"] for r in table_rows(screen, "import-review")] == ["rejected", "confirmed"]
            assert "addresses to review" not in screen.message

    asyncio.run(inner())


def test_a_place_register_from_the_places_section(make_app, street_db, tmp_path):
    """ctrl+l in 地点 opens the screen for a place register; its columns are found by name."""
    from gongzhi.core.models.places import Place

    source = write_csv(tmp_path / "楼栋房号.csv", ["社区", "小区", "楼栋", "户"], [
        ["荣雅园社区", "荣雅园", "荣雅园2号楼", "2-101"],
        ["荣雅园社区", "荣雅园", "荣雅园2号楼", "2-102"],
        ["荣雅园社区", "", "荣雅园3号楼", ""],
    ], encoding="utf-8")

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 45)) as pilot:
            await pilot.press("f6")
            await settle(pilot, debounce=0.2)
            await pilot.press("ctrl+l")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, ImportScreen) and screen.kind == "places"
            box = screen.query_one("#import-path", Input)
            box.focus()
            box.value = str(source)
            await pilot.press("enter")
            await until(pilot, lambda: screen.table is not None)
            await settle(pilot)
            assert [r["field"] for r in table_rows(screen, "import-mapping")] == ["社区", "小区", "楼栋", "住户"]
            await check(pilot, screen)
            assert [(r["row"], r["column"]) for r in table_rows(screen, "import-report")] == [("4", "楼栋")]
            await pilot.press("ctrl+s")  # all or nothing: refused
            await settle(pilot)
            assert screen.result is None
            screen.query_one("#import-valid-only", Toggle).focus()
            await pilot.press("space", "ctrl+s")
            await until(pilot, lambda: screen.result is not None and not screen._busy, timeout=20)
            assert screen.result.created == 3  # the building and its two rooms

    asyncio.run(inner())
    with street_db.read_session() as s:
        names = set(s.scalars(select(Place.name).where(Place.name.in_(["荣雅园2号楼", "2-101", "2-102", "荣雅园3号楼"]))))
    assert names == {"荣雅园2号楼", "2-101", "2-102"}
    assert (tmp_path / "楼栋房号.rejected.xlsx").is_file()


def test_the_check_reports_its_rows_and_stops_when_cancelled(street_db, tmp_path):
    """The rows the engine reads tick the progress (no change to the engine); a tick that
    raises stops the dry run there."""
    from dataclasses import replace

    import pytest

    from gongzhi.core.importing import requests as tickets
    from gongzhi.core.importing.profiles import load_profile
    from gongzhi.core.importing.reading import read_table
    from gongzhi.tui.screens.import_data import ImportCancelled, WatchedRows

    table = read_table(write_csv(tmp_path / "t.csv", HEADER_12345, MESSY))
    seen: list[int] = []
    watched = replace(table, rows=WatchedRows(table.rows, seen.append))
    report = tickets.dry_run(street_db, watched, load_profile("12345"))
    assert seen[: len(MESSY)] == list(range(1, len(MESSY) + 1)) and report.rows == len(MESSY)

    def stop_at_three(n: int) -> None:
        if n == 3:
            raise ImportCancelled

    with pytest.raises(ImportCancelled):
        tickets.dry_run(street_db, replace(table, rows=WatchedRows(table.rows, stop_at_three)), load_profile("12345"))


def test_a_review_row_is_pointed_at_a_place_the_clerk_picks(make_app, street_db, tmp_path):
    """``p`` on the review list opens a place picker: the row is imported with the place the
    clerk chose, not the one the matcher guessed."""
    from gongzhi.core.models.places import Place
    from gongzhi.tui.screens.import_data import RepointScreen
    from tests.tui.test_request_flow import type_into

    source = write_csv(tmp_path / "12345导出.csv", HEADER_12345, [MESSY[0], MESSY[5]])
    with street_db.read_session() as s:
        chosen = s.scalar(select(Place.id).where(Place.name == "荣雅园", Place.kind == "compound"))

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_import(app, pilot, source)
            await check(pilot, screen)
            assert [r["row"] for r in table_rows(screen, "import-review")] == ["3"]
            screen.query_one("#import-review").focus()
            await pilot.press("p")
            await settle(pilot)
            picker = app.screen
            assert isinstance(picker, RepointScreen)
            await type_into(pilot, picker.query_one("#repoint-place Input", Input), "荣雅园")
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen
            review = table_rows(screen, "import-review")
            assert [(r["place"], r["decision"]) for r in review] == [("荣雅园", "已选地点")]
            await pilot.press("ctrl+s")
            await until(pilot, lambda: screen.result is not None and not screen._busy, timeout=30)
            assert screen.result.written and screen.result.created == 2

    asyncio.run(inner())
    with street_db.read_session() as s:
        place = s.scalar(select(Request.place_id).where(Request.external_id == "202611010006"))
    assert place == chosen  # the compound chosen, not 荣雅园1号楼, the matcher's guess
