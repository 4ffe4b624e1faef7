"""The closed loop through the UI: log a request from a bench meeting in the form,
then accept, whistle, report in, start, resolve, feedback and close it in its
detail — driven with Pilot on the real app and checked in the database.

pytest-asyncio is not installed: each test is a plain function running its
async body with ``asyncio.run``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import func, select
from textual.widgets import Button, DataTable, Input, Label, TextArea
from textual.worker import WorkerState

from gongzhi.core.models.requests import (
    Request,
    RequestAttachment,
    RequestDispatch,
    RequestEvent,
    RequestFeedback,
)
from gongzhi.core.services import categories
from gongzhi.core.services import requests as svc
from gongzhi.tui.screens.request_actions import (
    DispatchDialog,
    DuplicateDialog,
    FeedbackDialog,
    ReportInDialog,
    TransitionDialog,
)
from gongzhi.tui.screens.request_detail import RequestDetailScreen
from gongzhi.tui.screens.request_form import RequestFormScreen
from gongzhi.tui.widgets.pickers import ChoicePicker, PersonPicker, Picker, PlacePicker
from gongzhi.tui.widgets.toggle import Toggle
from tests.tui.pilot import wait_for_workers

SIZE = (160, 50)


async def settle(pilot, debounce: bool = False) -> None:
    """Let workers finish and their results land (after the search debounce, if asked)."""
    if debounce:
        await pilot.pause(0.2)  # pickers and look-ups wait 0.1–0.15 s for the next keystroke
        await until(pilot, lambda: not any(p._searching for p in pilot.app.screen.query(Picker)))
    # a finished write may start a reload (a new worker): wait until none is left
    for _ in range(50):
        await pilot.pause()
        await wait_for_workers(pilot.app)
        await pilot.pause()
        if not any(
            w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers
        ):
            return


async def until(pilot, condition, timeout: float = 5.0) -> None:
    """Wait (a busy machine may be slow) until ``condition()`` holds."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
        await wait_for_workers(pilot.app)
    assert condition()


async def type_into(pilot, widget, text: str) -> None:
    widget.focus()
    await pilot.pause()
    await pilot.press(*text)
    await settle(pilot, debounce=True)


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Label).content)


def table_rows(screen, selector: str) -> list[list[str]]:
    table = screen.query_one(selector, DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def counts(db) -> dict[str, int]:
    with db.read_session() as s:
        return {
            m.__tablename__: s.scalar(select(func.count()).select_from(m))
            for m in (Request, RequestEvent, RequestAttachment, RequestDispatch, RequestFeedback)
        }


def lighting_id(db) -> int:
    with db.read_session() as s:
        return categories.find_category(s, "lighting").id


async def open_form(app, pilot) -> RequestFormScreen:
    await pilot.pause()
    app.action_new_request()
    await settle(pilot)
    assert isinstance(app.screen, RequestFormScreen)
    return app.screen


async def fill_required(pilot, form: RequestFormScreen, category_id: int) -> None:
    # the three choices by typing: pinyin initials, Chinese, code
    await type_into(pilot, form.query_one("#f-channel Input", Input), "bdh")
    await pilot.press("enter")
    await type_into(pilot, form.query_one("#f-type Input", Input), "求助")
    await pilot.press("enter")
    await until(pilot, lambda: form.categories)
    await type_into(pilot, form.query_one("#f-category Input", Input), "lighting")
    await pilot.press("enter")
    assert form.query_one("#f-category", ChoicePicker).value == category_id
    await type_into(pilot, form.query_one("#f-place Input", Input), "荣雅园")
    await pilot.press("enter")
    await type_into(pilot, form.query_one("#f-title", Input), "东门路灯不亮")


async def open_detail(app, pilot, request_id: int) -> RequestDetailScreen:
    await pilot.pause()
    app.push_screen(RequestDetailScreen(request_id))
    await settle(pilot)
    assert isinstance(app.screen, RequestDetailScreen)
    return app.screen


async def press_and_settle(pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def test_bench_meeting_request_through_the_whole_loop(make_app, street_db, ids):
    app = make_app()
    category = lighting_id(street_db)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(app, pilot)
            assert "渠道" in text_of(form, "#f-missing")
            # an empty save says what is missing beside each field and in a notification
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is form
            assert text_of(form, "#f-channel-err") == "请填写渠道。"
            assert text_of(form, "#f-title-err") == "请填写标题。"
            assert any("渠道" in str(n.message) for n in app._notifications)
            assert app.focused is form.query_one("#f-channel Input")

            await fill_required(pilot, form, category)
            place = form.query_one("#f-place", PlacePicker)
            assert place.value == ids["荣雅园"]
            assert place.text == "荣雅园"

            # the reporter by pinyin initials; the list shows the phone masked
            reporter = form.query_one("#f-reporter", PersonPicker)
            await type_into(pilot, reporter.query_one(Input), "zxm")
            assert [r.text for r in reporter.results] == ["张晓明"]
            assert "138****5678" in reporter.results[0].prompt
            assert "13812345678" not in reporter.results[0].prompt
            await pilot.press("enter")
            await settle(pilot)
            assert reporter.value == ids["张晓明"]

            form.query_one("#f-priority", ChoicePicker).choose("high")
            await type_into(pilot, form.query_one("#f-description", TextArea), "东门漆黑")
            await settle(pilot)
            assert "48" in text_of(form, "#f-due")  # lighting, high priority: 48 h
            assert text_of(form, "#f-missing") == ""
            assert not form.query_one("#f-submit", Button).disabled

            await press_and_settle(pilot, "ctrl+s")
            # the list opens the new request's detail
            detail = app.screen
            assert isinstance(detail, RequestDetailScreen)
            with street_db.read_session() as s:
                request = s.scalar(select(Request).order_by(Request.id.desc()).limit(1))
            assert detail.request_id == request.id
            assert (request.channel, request.reporter_id, request.place_id) == (
                "bench_meeting",
                ids["张晓明"],
                ids["荣雅园"],
            )
            assert request.priority == "high" and request.created_by == "测试办事员"
            assert text_of(detail, "#d-status") == "已登记"
            assert text_of(detail, "#d-channel") == "板凳会"
            assert text_of(detail, "#d-place") == "青（广）源街道 / 荣雅园社区 / 荣雅园"
            assert text_of(detail, "#d-reporter") == "张晓明  138****5678"

            # accept
            await press_and_settle(pilot, "a")
            assert isinstance(app.screen, TransitionDialog)
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert text_of(detail, "#d-status") == "已受理"

            # whistle to three departments: fire (lead), city management and power (assist)
            await press_and_settle(pilot, "w")
            dialog = app.screen
            assert isinstance(dialog, DispatchDialog)
            await type_into(pilot, dialog.query_one("#lead Input", Input), "xf")  # 消防
            await press_and_settle(pilot, "enter")
            assert dialog.query_one("#lead", ChoicePicker).value == ids["消防救援站"]
            assist = dialog.query_one("#assist Input", Input)
            assert app.focused is assist
            await type_into(pilot, assist, "城管")
            await press_and_settle(pilot, "enter")
            await type_into(pilot, assist, "gdgs")  # 供电公司
            await press_and_settle(pilot, "enter")
            assert dialog.assists == [ids["城管执法队"], ids["供电公司"]]
            assert text_of(dialog, "#assists-chosen") == "协办：城管执法队、供电公司"
            await type_into(pilot, dialog.query_one("#note-public", Input), "吹哨")
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert text_of(detail, "#d-status") == "已派单"
            assert text_of(detail, "#d-lead") == "消防救援站"

            # the three departments report in, one after the other
            for _ in range(3):
                await press_and_settle(pilot, "i")
                assert isinstance(app.screen, ReportInDialog)
                await press_and_settle(pilot, "ctrl+s")
                assert app.screen is detail
            await press_and_settle(pilot, "i")
            assert "没有等待报到" in app.screen.error_text
            await press_and_settle(pilot, "escape")

            await press_and_settle(pilot, "s")
            await press_and_settle(pilot, "ctrl+s")
            assert text_of(detail, "#d-status") == "办理中"

            # resolving needs a public note: refused inline first
            await press_and_settle(pilot, "r")
            dialog = app.screen
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is dialog
            assert dialog.error_text == "公开说明不能为空"
            await type_into(pilot, dialog.query_one("#note-public", Input), "已更换灯具")
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert text_of(detail, "#d-status") == "已办结"

            # return visit: resolved, satisfied, close
            await press_and_settle(pilot, "f")
            dialog = app.screen
            assert isinstance(dialog, FeedbackDialog)
            # the cursor starts in the first answer; each answer is typed (pinyin) and Enter moves on
            assert app.focused is dialog.query_one("#resolved Input")
            await pilot.press(*"yjj", "enter")  # 已解决
            await settle(pilot)
            assert app.focused is dialog.query_one("#satisfaction Input")
            await pilot.press(*"my", "enter")  # 满意
            await settle(pilot)
            assert app.focused is dialog.query_one("#comment", Input)
            assert "归档：是" in str(dialog.query_one("#close", Toggle).label)
            await pilot.press(*"很满意")
            await press_and_settle(pilot, "enter")  # Enter in the comment saves
            assert app.screen is detail
            assert text_of(detail, "#d-status") == "已归档"

            timeline = table_rows(detail, "#timeline")
            assert [row[3] for row in timeline if "→" in row[3]] == [
                "已登记 → 已受理",
                "已受理 → 已派单",
                "已派单 → 办理中",
                "办理中 → 已办结",
                "已办结 → 已归档",
            ]
            assert any(
                "消防救援站（主办）" in row[4] and "城管执法队（协办）" in row[4]
                for row in timeline
            )
            dispatch_rows = table_rows(detail, "#dispatches")
            assert [row[0] for row in dispatch_rows] == ["消防救援站", "城管执法队", "供电公司"]
            assert all(row[2] == "吹哨" and row[4] != "待报到" for row in dispatch_rows)
            assert table_rows(detail, "#feedback")[0][4] == "满意"

            await press_and_settle(pilot, "escape")
            assert not isinstance(app.screen, RequestDetailScreen)
            table = app.query_one("#req-table", DataTable)
            assert str(table.get_row_at(0)[0]) == request.ref

        with street_db.read_session() as s:
            request = svc.get_request(s, request.id)
            assert request.status == "closed"
            events = svc.timeline(s, request.id)
            assert svc.replay_status(events) == "closed"
            assert [(e.from_status, e.to_status) for e in events if e.kind == "transition"] == [
                ("submitted", "accepted"),
                ("accepted", "dispatched"),
                ("dispatched", "in_progress"),
                ("in_progress", "resolved"),
                ("resolved", "closed"),
            ]
            assert all(e.actor == "测试办事员" for e in events)
            assert sum(e.kind == "report_in" for e in events) == 3
            rows = svc.dispatches(s, request.id)
            assert [(r.organisation_id, r.role, r.whistle) for r in rows] == [
                (ids["消防救援站"], "lead", True),
                (ids["城管执法队"], "assist", True),
                (ids["供电公司"], "assist", True),
            ]
            assert all(r.reported_at is not None for r in rows)
            (feedback,) = svc.feedbacks(s, request.id)
            assert (
                feedback.contacted,
                feedback.resolved,
                feedback.satisfaction,
                feedback.comment,
            ) == (
                True,
                "yes",
                "satisfied",
                "很满意",
            )

    asyncio.run(body())


def test_form_refuses_bad_input_inline_and_writes_nothing(make_app, street_db):
    app = make_app()
    category = lighting_id(street_db)
    before = counts(street_db)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(app, pilot)
            await fill_required(pilot, form, category)
            assert text_of(form, "#f-missing") == ""

            description = form.query_one("#f-description", TextArea)
            description.text = "灯" * 4001
            form.query_one("#f-attachments", TextArea).text = "/no/such/photo.jpg"
            await settle(pilot)
            errors = text_of(form, "#f-error")
            assert "诉求描述不能超过 4000 个字（现为 4001）" in errors
            assert "附件文件不存在：/no/such/photo.jpg" in errors
            assert text_of(form, "#f-counter") == "4001/4000"

            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is form
            assert any("附件文件不存在" in str(n.message) for n in app._notifications)

            # an impossible date says so; a date written another way asks for the form
            raised = form.query_one("#f-raised", Input)
            raised.value = "2026-02-30 09:00"
            await settle(pilot)
            assert "日历上没有 2026-02-30 09:00" in text_of(form, "#f-error")
            raised.value = "30/2/2026"
            await settle(pilot)
            assert "请按“年-月-日 时:分”填写" in text_of(form, "#f-error")
            raised.value = ""

            # fixed: nothing left to say
            description.text = "灯" * 10
            form.query_one("#f-attachments", TextArea).text = ""
            await settle(pilot)
            assert text_of(form, "#f-error") == ""
            assert form.validate()

            await press_and_settle(pilot, "escape")
            assert not isinstance(app.screen, RequestFormScreen)

    asyncio.run(body())
    assert counts(street_db) == before


def test_form_shows_the_cores_refusal_inline(make_app, street_db, tmp_path: Path):
    app = make_app()
    app.settings.attachment_max_mb = 0  # any real file is then too large for the core
    photo = tmp_path / "路灯.jpg"
    photo.write_bytes(b"\xff\xd8" + b"0" * 2048)
    category = lighting_id(street_db)
    before = counts(street_db)

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(app, pilot)
            await fill_required(pilot, form, category)
            form.query_one("#f-attachments", TextArea).text = str(photo)
            await settle(pilot)
            assert form.validate()
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is form
            assert text_of(form, "#f-error") == f"附件「{photo}」超过 0 MB"

    asyncio.run(body())
    assert counts(street_db) == before


def test_anonymous_disables_the_reporter(make_app, street_db, ids, monkeypatch):
    monkeypatch.setattr("gongzhi.tui.widgets.pickers.DEBOUNCE_SECONDS", 0.5)
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            form = await open_form(app, pilot)
            reporter = form.query_one("#f-reporter", PersonPicker)
            # a fast typist presses Enter before the search is back: the first result is taken
            reporter.query_one(Input).focus()
            await pilot.press(*"5678", "enter")  # phone tail
            assert reporter.value is None
            await pilot.pause(0.6)
            await settle(pilot)
            assert reporter.value == ids["张晓明"]
            anonymous = form.query_one("#f-anonymous", Toggle)
            assert "匿名：否" in str(anonymous.label)
            anonymous.focus()
            await press_and_settle(pilot, "enter")  # Enter saves (here: says what is missing) …
            assert anonymous.value is False and app.screen is form
            assert "请填写" in text_of(form, "#f-title-err")
            assert app.focused is form.query_one("#f-channel Input")  # … and puts the cursor on the first missing field
            anonymous.focus()
            await press_and_settle(pilot, "space")  # Space flips the toggle
            assert anonymous.value is True and "匿名：是" in str(anonymous.label)
            assert reporter.value is None and reporter.disabled
            assert form.values()["anonymous"] is True and form.values()["reporter_id"] is None

    asyncio.run(body())


def test_illegal_actions_show_the_cores_message_inline(make_app, street_db, ids):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_detail(app, pilot, ids["r2"])  # submitted
            # a missing precondition is said when the dialog opens, with the key that comes first
            await press_and_settle(pilot, "s")
            dialog = app.screen
            assert dialog.error_text == "诉求当前「已登记」，还不能开始办理：请先受理（按 a）。"
            assert dialog.query_one("#dialog-ok", Button).disabled
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is dialog
            await press_and_settle(pilot, "escape")
            await press_and_settle(pilot, "i")
            assert app.screen.error_text == "这件诉求还没有派单：请先吹哨派单（按 w）。"
            await press_and_settle(pilot, "escape")

            await press_and_settle(pilot, "f")
            dialog = app.screen
            dialog.query_one("#satisfaction", ChoicePicker).choose("satisfied")
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is dialog
            assert "尚未办结" in dialog.error_text
            await press_and_settle(pilot, "escape")

            assert app.screen is detail
            assert detail.changed is False
            assert text_of(detail, "#d-status") == "已登记"

    asyncio.run(body())
    with street_db.read_session() as s:
        assert svc.get_request(s, ids["r2"]).status == "submitted"
        assert svc.dispatches(s, ids["r2"]) == []


def test_change_status_offers_only_legal_targets(make_app, street_db, ids):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_detail(app, pilot, ids["r2"])  # submitted
            await press_and_settle(pilot, "t")
            dialog = app.screen
            target = dialog.query_one("#target", ChoicePicker)
            assert app.focused is target.query_one(Input)
            assert [c.value for c in target.choices] == ["accepted", "answered", "not_responsible", "withdrawn"]
            await type_into(pilot, target.query_one(Input), "ych")  # 已撤回
            await press_and_settle(pilot, "enter")
            assert target.value == "withdrawn"
            await type_into(pilot, dialog.query_one("#note-public", Input), "居民已自行解决")
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert text_of(detail, "#d-status") == "已撤回"
            # nothing follows withdrawn
            await press_and_settle(pilot, "t")
            assert "不能再变更状态" in app.screen.error_text
            assert app.screen.query_one("#dialog-ok", Button).disabled
            await press_and_settle(pilot, "escape")
            # nor can it be dispatched: said at once, before any typing
            await press_and_settle(pilot, "w")
            assert app.screen.error_text == "「已撤回」的诉求不能派单。"
            assert app.screen.query_one("#dialog-ok", Button).disabled

    asyncio.run(body())
    with street_db.read_session() as s:
        assert svc.get_request(s, ids["r2"]).status == "withdrawn"


def test_duplicate_names_the_original_and_adds_a_supporter(make_app, street_db, ids):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_detail(app, pilot, ids["r2"])
            await press_and_settle(pilot, "d")
            dialog = app.screen
            assert isinstance(dialog, DuplicateDialog)
            await type_into(pilot, dialog.query_one("#original", Input), "qy-2026-000001")
            await until(pilot, lambda: "夜间路灯昏暗" in text_of(dialog, "#original-preview"))
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert text_of(detail, "#d-status") == "重复件"
            assert text_of(detail, "#d-duplicate") == "QY-2026-000001"

    asyncio.run(body())
    with street_db.read_session() as s:
        assert svc.get_request(s, ids["r2"]).duplicate_of_id == ids["r1"]
        assert [p.person_id for p in svc.supporters(s, ids["r1"])] == [ids["单田芳"]]


def test_plain_dispatch_result_rating_and_supporter(make_app, street_db, ids):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_detail(app, pilot, ids["r1"])  # accepted
            await press_and_settle(pilot, "w")
            dialog = app.screen
            lead = dialog.query_one("#lead", ChoicePicker)
            departments = [c.value for c in lead.choices]
            assert ids["荣雅园社区-rc"] not in departments  # a whistle goes to departments only
            whistle = dialog.query_one("#whistle", Toggle)
            whistle.focus()
            await press_and_settle(pilot, "space")
            assert "吹哨：关" in str(whistle.label)
            offered = [c.value for c in lead.choices]
            assert ids["荣雅园社区-rc"] in offered and set(departments) < set(offered)
            await type_into(pilot, lead.query_one(Input), "荣雅园社区居委会")
            await press_and_settle(pilot, "enter")
            assert lead.value == ids["荣雅园社区-rc"]
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert table_rows(detail, "#dispatches")[0][:3] == ["荣雅园社区居委会", "主办", ""]

            await press_and_settle(pilot, "e")
            dialog = app.screen
            await type_into(pilot, dialog.query_one("#result", Input), "已联系物业更换灯泡")
            await type_into(pilot, dialog.query_one("#rating Input", Input), "5")
            await press_and_settle(pilot, "enter")
            assert dialog.query_one("#rating", ChoicePicker).value == 5
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            row = table_rows(detail, "#dispatches")[0]
            assert row[5:] == ["已联系物业更换灯泡", "5"]

            await press_and_settle(pilot, "p")
            dialog = app.screen
            picker = dialog.query_one("#supporter", PersonPicker)
            await type_into(pilot, picker.query_one(Input), "lxy")
            await press_and_settle(pilot, "enter")
            assert picker.text == "李秀英"
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert text_of(detail, "#supporters") == "李秀英"

    asyncio.run(body())
    with street_db.read_session() as s:
        (row,) = svc.dispatches(s, ids["r1"])
        assert (row.organisation_id, row.whistle, row.result, row.rating) == (
            ids["荣雅园社区-rc"],
            False,
            "已联系物业更换灯泡",
            5,
        )
        assert svc.get_request(s, ids["r1"]).status == "dispatched"
        assert [p.person_id for p in svc.supporters(s, ids["r1"])] == [ids["李秀英"]]


def test_english_detail_shows_english_labels(make_app, ids):
    app = make_app(lang="en")

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_detail(app, pilot, ids["r1"])
            assert text_of(detail, "#d-status") == "accepted"
            assert text_of(detail, "#d-channel") == "bench meeting"
            assert text_of(detail, "#d-category") == "street lighting"
            assert text_of(detail, "#d-type") == "help"
            timeline = table_rows(detail, "#timeline")
            assert timeline[0][2] == "logged"
            assert timeline[1][3] == "submitted → accepted"
            descriptions = {b.id: b.description for b in detail._bindings.key_to_bindings["a"]}
            assert descriptions["request.accept"] == "Accept"
            await press_and_settle(pilot, "s")
            assert "Start" in text_of(app.screen, "#dialog-heading")
            assert "accepted → in progress" in text_of(app.screen, "#dialog-heading")

    asyncio.run(body())


def test_anonymous_reporter_shows_as_anonymous(make_app, ids):
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_detail(app, pilot, ids["r3"])
            assert text_of(detail, "#d-reporter") == "匿名"
            assert text_of(detail, "#d-channel") == "12345热线"

    asyncio.run(body())


def test_attachments_added_later_from_the_detail(make_app, street_db, ids, tmp_path):
    photo = tmp_path / "路灯照片.jpg"
    photo.write_bytes(b"\xff\xd8photo")
    app = make_app()

    async def body() -> None:
        async with app.run_test(size=SIZE) as pilot:
            detail = await open_detail(app, pilot, ids["r1"])
            await press_and_settle(pilot, "u")
            dialog = app.screen
            field = dialog.query_one("#attach-paths", Input)
            await type_into(pilot, field, f"{photo}; {tmp_path / 'missing.jpg'}")
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is dialog and "附件文件不存在" in dialog.error_text  # all or none
            field.value = f" {photo} "
            await press_and_settle(pilot, "ctrl+s")
            assert app.screen is detail
            assert "路灯照片.jpg" in text_of(detail, "#attachments")

    asyncio.run(body())
    with street_db.read_session() as s:
        assert [a.filename for a in svc.attachments(s, ids["r1"])] == ["路灯照片.jpg"]


def test_a_missing_step_names_the_key_that_comes_first():
    from gongzhi.core.models.vocab import Status
    from gongzhi.tui.screens.request_actions import first_step, precondition_message

    assert first_step(Status.submitted, Status.in_progress) == Status.accepted
    assert first_step(Status.closed, Status.resolved) == Status.in_progress
    assert first_step(Status.withdrawn, Status.resolved) is None
    assert precondition_message(Status.submitted, Status.resolved, "办结") == (
        "诉求当前「已登记」，还不能办结：请先受理（按 a）。"
    )
    assert precondition_message(Status.closed, Status.resolved, "办结") == (
        "诉求当前「已归档」，还不能办结：请先重新办理（按 o）。"
    )
    assert precondition_message(Status.withdrawn, Status.resolved, "办结") == "「已撤回」的诉求不能转为「已办结」。"
    assert precondition_message(Status.accepted, Status.accepted, "受理") == "诉求已是「已受理」。"
