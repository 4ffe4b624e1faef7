"""Export from the request list: a long job with a progress bar that can be cancelled."""

from __future__ import annotations

import asyncio
import csv
import time

from textual.widgets import Input, ProgressBar

from gongzhi.core.services import exports
from gongzhi.tui.screens import export as export_screen
from gongzhi.tui.screens.export import ExportScreen
from tests.tui.pilot import settle, until


def test_export_the_filtered_list_with_progress(make_app, tmp_path):
    target = tmp_path / "路灯.csv"

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            app.query_one("#req-text", Input).focus()
            app.query_one("#req-text", Input).value = "灯"
            await settle(pilot, debounce=0.3)
            await pilot.press("f9")
            await settle(pilot)
            assert isinstance(app.screen, ExportScreen)
            app.screen.query_one("#export-path", Input).value = str(target)
            await pilot.click("#export-start")
            await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
            assert target.exists()

    asyncio.run(inner())
    with target.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "编号"
    assert sorted(r[6] for r in rows[1:]) == ["夜间路灯昏暗", "楼道灯不亮"]


def test_cancelling_an_export_leaves_no_file(make_app, tmp_path, monkeypatch):
    """The real export, slowed to one row a batch and 0.3 s a batch, is cancelled with Escape."""
    target = tmp_path / "cancelled.csv"
    monkeypatch.setattr(exports, "BATCH", 1)
    real = exports.export_requests
    batches: list[int] = []

    def slow_export(session, **kw):
        progress = kw.pop("progress")

        def slow_progress(done, total):
            batches.append(done)
            progress(done, total)
            time.sleep(0.3)

        return real(session, progress=slow_progress, **kw)

    monkeypatch.setattr(export_screen, "export_requests", slow_export)

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            app.query_one("#req-table").focus()
            await pilot.press("f9")
            await settle(pilot)
            screen = app.screen
            screen.query_one("#export-path", Input).value = str(target)
            await pilot.click("#export-start")
            await until(pilot, lambda: len(batches) >= 1)
            assert screen.query_one("#export-progress", ProgressBar).total == 3
            await pilot.press("escape")
            await until(pilot, lambda: not isinstance(app.screen, ExportScreen))
            await settle(pilot)

    asyncio.run(inner())
    assert len(batches) < 3
    assert not target.exists() and not list(tmp_path.glob(".cancelled.csv*"))


def test_any_list_on_screen_goes_to_an_xlsx_with_ctrl_e(make_app, tmp_path):
    """People (the focused list): what is shown, with the personal data asked for."""
    from openpyxl import load_workbook
    from textual.widgets import DataTable

    from gongzhi.tui.screens.table_export import TableExportScreen

    people_file, existing = tmp_path / "居民.xlsx", tmp_path / "已有.xlsx"
    existing.write_bytes(b"keep me")

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f5")
            await settle(pilot, debounce=0.3)
            table = app.query_one("#people-table", DataTable)
            table.focus()
            await settle(pilot)
            shown = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
            await pilot.press("ctrl+e")
            await settle(pilot)
            assert isinstance(app.screen, TableExportScreen)
            box = app.screen.query_one("#table-export-path", Input)
            box.value = str(existing)  # never overwritten: said, and the dialog stays
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, TableExportScreen) and existing.read_bytes() == b"keep me"
            assert "已存在" in str(app.screen.query_one("#table-export-error").render())
            box.value = str(people_file)
            personal = app.screen.query_one("#table-export-personal")
            assert personal.display and personal.value is False  # a street admin may: asked for here
            personal.value = True
            box.focus()
            await pilot.press("enter")
            await until(pilot, lambda: not isinstance(app.screen, TableExportScreen))
            rows = list(load_workbook(people_file).active.values)
            assert [[v or "" for v in r] for r in rows[1:]] == shown
            assert rows[0][0] == str(table.ordered_columns[0].label)

    asyncio.run(inner())


def test_ctrl_e_exports_the_list_from_its_filter_field_too(make_app):
    """Typing in the request list's filter, ctrl+e writes the list (the field's own
    "end of line" stays with End); in the export dialog itself ctrl+e is the field's."""
    from textual.widgets import DataTable

    from gongzhi.tui.screens.table_export import TableExportScreen

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot, debounce=0.3)
            assert isinstance(app.focused, Input) and app.focused.id == "req-text"
            assert app.query_one("#req-table", DataTable).row_count
            await pilot.press("ctrl+e")
            await settle(pilot)
            assert isinstance(app.screen, TableExportScreen)
            box = app.screen.query_one("#table-export-path", Input)
            box.focus()
            box.cursor_position = 0
            await pilot.press("ctrl+e")  # no list on the dialog: the field's end of line
            await settle(pilot)
            assert isinstance(app.screen, TableExportScreen)
            assert box.cursor_position == len(box.value)

    asyncio.run(inner())


def test_personal_data_goes_into_an_export_only_when_asked(make_app, street_db, tmp_path):
    """Off by default (reporters withheld); on, the reporters' names are written."""
    from sqlalchemy import select

    from gongzhi.core.models.people import Person
    from gongzhi.core.models.requests import Request

    with street_db.read_session() as s:
        reporters = set(s.scalars(select(Person.name).join(Request, Request.reporter_id == Person.id)
                                  .where(Request.anonymous.is_(False))))
    assert reporters
    files = {False: tmp_path / "不含个人信息.csv", True: tmp_path / "含个人信息.csv"}

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f4")
            await settle(pilot)
            for personal, target in files.items():
                await pilot.press("f9")
                await settle(pilot)
                assert isinstance(app.screen, ExportScreen)
                toggle = app.screen.query_one("#export-personal")
                assert toggle.display and toggle.value is False  # offered to this operator, off
                toggle.value = personal
                app.screen.query_one("#export-path", Input).value = str(target)
                await pilot.click("#export-start")
                await until(pilot, lambda: not isinstance(app.screen, ExportScreen))

    asyncio.run(inner())
    written = {k: v.read_text(encoding="utf-8-sig") for k, v in files.items()}
    assert any(name in written[True] for name in reporters)
    assert not any(name in written[False] for name in reporters)


def _many(db, n: int) -> None:
    """``n`` residents 测试居民… and ``n`` requests 批量路灯… (more than a list loads)."""
    from sqlalchemy import select

    from gongzhi.core.models.places import Place
    from gongzhi.core.models.requests import RequestCategory
    from gongzhi.core.services import Actor
    from gongzhi.core.services import people as people_svc
    from gongzhi.core.services import requests as req_svc

    actor = Actor("测试办事员")
    with db.session() as s:
        place = s.scalar(select(Place.id).where(Place.kind == "compound").limit(1))
        category = s.scalar(select(RequestCategory.id).limit(1))
        for i in range(n):
            people_svc.create_person(s, actor=actor, name=f"测试居民{i:03d}", phone=f"1390000{i:04d}")
            req_svc.create_request(s, actor=actor, channel="hotline_12345", type="help", category_id=category,
                                   title=f"批量路灯{i:03d} 来电13900001234", place_id=place)


def test_ctrl_e_writes_the_whole_filtered_list_not_only_what_is_loaded(make_app, street_db, tmp_path):
    """The people list loads 100, the request list a page of 100: ctrl+e writes all 130 the
    filter finds, personal data withheld (numbers in the text masked) unless asked for."""
    from openpyxl import load_workbook
    from textual.widgets import DataTable

    from gongzhi.tui.screens.table_export import TableExportScreen

    _many(street_db, 130)
    people_file, requests_file = tmp_path / "居民.xlsx", tmp_path / "诉求.xlsx"

    async def export(app, pilot, table_id: str, target, personal: bool) -> None:
        app.query_one(f"#{table_id}", DataTable).focus()
        await settle(pilot)
        await pilot.press("ctrl+e")
        await settle(pilot)
        assert isinstance(app.screen, TableExportScreen)
        assert "筛选出的全部" in str(app.screen.query_one("#table-export-rows").render())
        app.screen.query_one("#table-export-personal").value = personal
        box = app.screen.query_one("#table-export-path", Input)
        box.value = str(target)
        box.focus()
        await pilot.press("enter")
        await until(pilot, lambda: not isinstance(app.screen, TableExportScreen), timeout=30)

    async def inner() -> None:
        app = make_app()
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.press("f5")
            await settle(pilot, debounce=0.3)
            search = app.query_one("#people-search", Input)
            search.value = "测试居民"
            await settle(pilot, debounce=0.3)
            assert app.query_one("#people-table", DataTable).row_count == 100
            await export(app, pilot, "people-table", people_file, personal=True)
            await pilot.press("f4")
            await settle(pilot, debounce=0.3)
            box = app.query_one("#req-text", Input)
            box.value = "批量路灯"
            await settle(pilot, debounce=0.3)
            assert app.query_one("#req-table", DataTable).row_count == 100
            await export(app, pilot, "req-table", requests_file, personal=False)

    asyncio.run(inner())
    people = list(load_workbook(people_file).active.values)
    assert len(people) == 131 and sorted(r[0] for r in people[1:])[0] == "测试居民000"
    requests = list(load_workbook(requests_file).active.values)
    assert len(requests) == 131
    titles = [r[requests[0].index("标题")] for r in requests[1:]]
    assert sorted(titles)[0] == "批量路灯000 来电139****1234"  # masked: personal data left out


def test_a_viewer_s_ctrl_e_withholds_personal_data(street_db, ids, tmp_path):
    """Issue 15: the request list shows reporters to any role; a viewer's ctrl+e writes none
    of them, and the personal-data switch is not offered."""
    from openpyxl import load_workbook
    from sqlalchemy import select
    from textual.widgets import DataTable

    from gongzhi.core.models.people import Person
    from gongzhi.core.models.requests import Request
    from gongzhi.tui.screens.table_export import TableExportScreen
    from tests.tui.test_login import _app
    from tests.tui.test_roles import _log_in, _operator

    with street_db.read_session() as s:
        reporters = set(s.scalars(select(Person.name).join(Request, Request.reporter_id == Person.id)))
        people = set(s.scalars(select(Person.name)))
    assert reporters
    _operator(street_db, ids, "viewer3", "赵看", "viewer")
    files = {"req-table": tmp_path / "r.xlsx", "people-table": tmp_path / "p.xlsx"}

    async def inner() -> None:
        app = _app(street_db, require_login=True)
        async with app.run_test(size=(160, 50)) as pilot:
            await _log_in(app, pilot, "viewer3")
            for key, table_id in (("f4", "req-table"), ("f5", "people-table")):
                await pilot.press(key)
                await until(pilot, lambda t=table_id: bool(app.query(f"#{t}")) and
                            app.query_one(f"#{t}", DataTable).row_count > 0)
                shown = app.query_one(f"#{table_id}", DataTable)
                if table_id == "req-table":
                    assert any(str(c) in reporters for i in range(shown.row_count) for c in shown.get_row_at(i))
                shown.focus()
                await settle(pilot)
                await pilot.press("ctrl+e")
                await settle(pilot)
                assert isinstance(app.screen, TableExportScreen)
                assert not app.screen.query_one("#table-export-personal").display
                box = app.screen.query_one("#table-export-path", Input)
                box.value = str(files[table_id])
                box.focus()
                await pilot.press("enter")
                await until(pilot, lambda: not isinstance(app.screen, TableExportScreen), timeout=30)

    asyncio.run(inner())
    for table_id, path in files.items():
        cells = [str(c) for row in load_workbook(path).active.values for c in row if c is not None]
        assert not (set(cells) & (reporters | people)), table_id
        assert "（已隐去）" in cells, table_id
