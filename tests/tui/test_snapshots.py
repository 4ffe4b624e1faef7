"""Snapshot tests (pytest-textual-snapshot) of each core screen, in Chinese and English.

Time is frozen (time-machine, ticking) just after the small street's requests were
raised, and the header clock is off, so the pictures are stable. After an
intended change of a screen: ``pytest tests/tui/test_snapshots.py --snapshot-update``
and review the SVGs in ``tests/tui/__snapshots__/``.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from textual.widgets import DataTable

from gongzhi.core.config import Settings
from gongzhi.core.db import Database
from gongzhi.tui.app import GongzhiApp
from tests.dbs import sqlite_copy
from tests.tui.pilot import wait_for_workers
from tests.tui.street import NOW

SIZE = (150, 42)
FROZEN = NOW + timedelta(hours=6)


@pytest.fixture
def snap_app(street_template, monkeypatch):
    """The app on a copy of the street at a fixed path (the Settings screen shows paths)."""
    fixed = Path(tempfile.gettempdir()) / "gongzhi-snapshots"
    shutil.rmtree(fixed, ignore_errors=True)
    (fixed / "data").mkdir(parents=True)
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(fixed / "data"))
    sqlite_copy(street_template[0], fixed / "street.sqlite").dispose()
    dbs: list[Database] = []

    def make(lang: str = "zh") -> GongzhiApp:
        db = Database(f"sqlite:///{fixed / 'street.sqlite'}")
        dbs.append(db)
        settings = Settings(language=lang, operator="测试办事员", database_url=db.url)
        return GongzhiApp(db=db, settings=settings, clock=False)

    yield make
    for db in dbs:
        db.dispose()
    shutil.rmtree(fixed, ignore_errors=True)


async def _settle(pilot) -> None:
    """Wait until no worker has run for a few consecutive checks (a loaded machine is slow)."""
    app = pilot.app
    quiet = 0
    for _ in range(200):
        await wait_for_workers(app)
        await pilot.pause(0.05)
        quiet = quiet + 1 if not any(w.is_running for w in app.workers) else 0
        if quiet >= 4:
            _steady_cursors(app)
            # repaint every screen whole: a picture must not keep a region drawn before the
            # last data arrived (a table header under the help panel kept its old widths)
            # (a table's cached header row kept the widths it had before its rows came,
            # depending on timing: Textual's DataTable does not drop that cache itself)
            for screen in app.screen_stack:
                for table in screen.query(DataTable):
                    table._clear_caches()
                screen.refresh(repaint=True, layout=True)
            await pilot.pause(0.1)
            return
    raise AssertionError("the app never settled")


def _steady_cursors(app) -> None:
    """A focused field's cursor blinks: a picture must not depend on when it was taken,
    so the pictures are taken with nothing focused (tests/tui/test_shell.py checks
    where the focus goes)."""
    for screen in app.screen_stack:
        for field in screen.query("Input, TextArea"):
            field.cursor_blink = False
    app.set_focus(None)


def _go(key: str):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press(key)
        await _settle(pilot)

    return run_before


SECTIONS = [
    ("dashboard", "f3"),
    ("requests", "f4"),
    ("people", "f5"),
    ("places", "f6"),
    ("orgs", "f7"),
    ("settings", "f8"),
]


@pytest.mark.parametrize(("section", "key"), SECTIONS, ids=[s for s, _ in SECTIONS])
def test_core_screen_in_chinese(snap_compare, snap_app, section, key):
    with time_machine.travel(FROZEN, tick=True):
        assert snap_compare(snap_app("zh"), terminal_size=SIZE, run_before=_go(key))


@pytest.mark.parametrize(("section", "key"), [("dashboard", "f3"), ("requests", "f4")], ids=["dashboard", "requests"])
def test_core_screen_in_english(snap_compare, snap_app, section, key):
    with time_machine.travel(FROZEN, tick=True):
        assert snap_compare(snap_app("en"), terminal_size=SIZE, run_before=_go(key))


def test_request_detail(snap_compare, snap_app, ids):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("f4")
        await _settle(pilot)
        pilot.app.query_one("#requests").open_request(ids["r1"])
        await _settle(pilot)

    with time_machine.travel(FROZEN, tick=True):
        assert snap_compare(snap_app("zh"), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, snap_app):
    with time_machine.travel(FROZEN, tick=True):
        assert snap_compare(snap_app("zh"), terminal_size=SIZE, run_before=_go("question_mark"))


def _new_request():
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("f4")
        await _settle(pilot)
        pilot.app.query_one("#requests").action_new_request()  # ctrl+n (the focus is parked)
        await _settle(pilot)

    return run_before


@pytest.mark.parametrize("size", [(100, 30), (160, 45)], ids=["100x30", "160x45"])
def test_request_form(snap_compare, snap_app, size):
    """The new request form in fill order, required fields marked, the 匿名 toggle last."""
    with time_machine.travel(FROZEN, tick=True):
        assert snap_compare(snap_app("zh"), terminal_size=size, run_before=_new_request())


def test_import_screen_checked(snap_compare, snap_app):
    """The import screen after checking a small 12345 export: one bad row, one address
    to review (tui.screens.import_data)."""
    import csv

    source = Path(tempfile.gettempdir()) / "gongzhi-snapshots" / "工单导出.csv"
    with source.open("w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows([
            ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址", "工单状态"],
            ["202611050001", "2026-11-05 09:30", "路灯", "路灯不亮", "荣雅园1号楼", "已受理"],
            ["2.02611E+11", "2026-11-05 10:30", "路灯", "科学计数法", "荣雅园", ""],
            ["202611050003", "2026年11月5日 11时05分", "路灯", "东侧", "天津市北辰区荣乐园一号楼东侧", ""],
        ])

    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("f4")
        await _settle(pilot)
        pilot.app.open_import("requests")
        await _settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#import-path").value = str(source)
        screen.read_file()
        await _settle(pilot)
        screen.action_dry_run()
        await _settle(pilot)

    with time_machine.travel(FROZEN, tick=True):
        assert snap_compare(snap_app("zh"), terminal_size=(100, 30), run_before=run_before)
