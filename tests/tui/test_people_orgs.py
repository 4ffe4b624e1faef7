"""People and organisations in the real app under Pilot: find by pinyin and phone
tail, masked numbers, the audited reveal, the person form, posts added and ended.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from textual.widgets import Button, DataTable, Input, Label

from gongzhi.core.hookspecs import hookimpl
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.orgs import Membership
from gongzhi.core.models.people import Person
from gongzhi.core.services import people as people_svc
from gongzhi.tui.screens.membership_form import MembershipFormScreen
from gongzhi.tui.screens.orgs import ConfirmScreen, OrganisationFormScreen, OrgsView
from gongzhi.tui.screens.people import PeopleView
from gongzhi.tui.screens.person_detail import PersonDetailScreen, RevealReasonScreen
from gongzhi.tui.screens.person_form import PersonFormScreen
from gongzhi.tui.widgets.pickers import ChoicePicker
from gongzhi.tui.widgets.search_pick import SearchPick
from tests.tui.pilot import wait_for_workers

SIZE = (160, 50)


def run(coro) -> None:
    asyncio.run(coro)


async def settle(app, pilot) -> None:
    """Let the debounce timers fire and every worker (and the workers they start) finish."""
    await pilot.pause(0.2)
    for _ in range(5):
        await wait_for_workers(app)
        await pilot.pause()
        if not any(w.is_running for w in app.workers):
            break


def rows(table: DataTable) -> list[list[str]]:
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def text_of(widget) -> str:
    return str(widget.render())


async def search(app, pilot, text: str) -> DataTable:
    box = app.query_one("#people-search", Input)
    box.focus()
    box.value = ""
    await pilot.press(*text)
    await settle(app, pilot)
    return app.query_one("#people-table", DataTable)


def count(db, model) -> int:
    with db.read_session() as s:
        return s.scalar(select(func.count()).select_from(model))


# -- people --------------------------------------------------------------------------


def test_find_by_pinyin_initials_and_phone_tail_masked(make_app):
    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f5")
            await settle(app, pilot)
            assert isinstance(app.focused.parent.parent, PeopleView)
            table = await search(app, pilot, "zxm")
            assert [r[0] for r in rows(table)] == ["张晓明"]
            name, gender, born, phone, household = rows(table)[0]
            assert (gender, born, phone) == ("男", "1948", "138****5678")
            assert household.endswith("荣雅园1-701") and "荣雅园社区" in household
            table = await search(app, pilot, "4321")
            assert [r[0] for r in rows(table)] == ["单田芳"]
            assert "13987654321" not in str(rows(table))
            table = await search(app, pilot, "shantianfang")
            assert [r[0] for r in rows(table)] == ["单田芳"]
            table = await search(app, pilot, "qqqq")
            assert table.row_count == 0
            assert text_of(app.query_one("#people-status", Label)) == "「qqqq」找到 0 人"

    run(inner())


def test_detail_masks_then_reveal_is_audited(make_app, street_db, ids):
    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await app.show_section("people")
            await search(app, pilot, "zxm")
            await pilot.press("enter")  # Enter in the search box opens the best match
            await settle(app, pilot)
            screen = app.screen
            assert isinstance(screen, PersonDetailScreen) and screen.person_id == ids["张晓明"]
            assert text_of(screen.query_one("#pd-title")) == "张晓明"
            assert text_of(screen.query_one("#pd-phone")) == "138****5678"
            assert "荣雅园1-701" in text_of(screen.query_one("#pd-household"))
            assert [
                "QY" in r[0] and r[2] == "夜间路灯昏暗"
                for r in rows(screen.query_one("#pd-requests"))
            ] == [True]
            # care tags are sensitive: hidden until asked for
            assert "独居老人" not in text_of(screen.query_one("#pd-care"))
            await pilot.press("c")
            await settle(app, pilot)
            assert text_of(screen.query_one("#pd-care")) == "独居老人"
            with street_db.read_session() as s:  # seeing care tags is audited too
                assert s.scalar(select(AuditLog.entity_id).where(AuditLog.action == "person.view_care_tags")) == ids[
                    "张晓明"]

            before = count(street_db, AuditLog)
            await pilot.press("v")
            await pilot.pause()
            assert isinstance(app.screen, RevealReasonScreen)
            assert app.screen.query_one("#reveal-ok", Button).disabled
            # a blank reason (spaces only) reveals nothing and writes nothing (issue 15)
            await pilot.press("space", "space", "enter")
            await settle(app, pilot)
            assert isinstance(app.screen, RevealReasonScreen)
            assert app.screen.query_one("#reveal-ok", Button).disabled
            assert count(street_db, AuditLog) == before
            await pilot.press(*"call", "enter")
            await settle(app, pilot)
            assert app.screen is screen
            assert "13812345678" in text_of(screen.query_one("#pd-phone"))
            with street_db.read_session() as s:
                log = s.scalars(select(AuditLog).where(AuditLog.action == "person.reveal")).all()
            assert count(street_db, AuditLog) == before + 1
            assert [(a.entity_id, a.after["reason"]) for a in log] == [(ids["张晓明"], "call")]
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, PersonDetailScreen)

    run(inner())


def test_detail_shows_posts_and_plugin_panels(make_app, ids):
    class Panels:
        @hookimpl
        def register_person_panels(self, register):
            register(
                "points", "积分", "Points", lambda session, person_id: f"余额 {person_id * 10} 分"
            )

            def visits(session, person_id, lang="zh"):
                return "3 visits" if lang == "en" else "走访 3 次"

            register("visits", "走访", "Visits", visits)

    async def inner(lang):
        app = make_app(lang=lang)
        app.host.pm.register(Panels(), name="test-panels")
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(PersonDetailScreen(ids["李秀英"]))
            await settle(app, pilot)
            screen = app.screen
            panel_texts = [text_of(w) for w in screen.query("#pd-panels Label, #pd-panels Static")]
            if lang == "zh":
                assert rows(screen.query_one("#pd-memberships")) == [
                    ["荣雅园社区居委会", "居委会", "微网格员", "荣雅园1号楼7-12层", ""]
                ]
                assert panel_texts == ["积分", f"余额 {ids['李秀英'] * 10} 分", "走访", "走访 3 次"]
            else:  # a panel that takes the language follows the UI; one that does not stays as it is
                assert panel_texts == ["Points", f"余额 {ids['李秀英'] * 10} 分", "Visits", "3 visits"]

    run(inner("zh"))
    run(inner("en"))


def test_add_person_validates_as_you_type_and_writes_nothing_on_error(make_app, street_db, ids):
    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await app.show_section("people")
            await settle(app, pilot)
            people_before, audit_before = count(street_db, Person), count(street_db, AuditLog)
            await pilot.press("ctrl+n")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, PersonFormScreen)
            save = form.query_one("#pf-save", Button)
            assert save.disabled
            await pilot.press(*"王芳")
            form.query_one("#pf-phone", Input).focus()
            await pilot.press(*"12345")
            await pilot.pause()
            assert "手机号「12345」无效" in text_of(form.query_one("#pf-phone-error"))
            assert save.disabled
            await pilot.press("ctrl+s")  # refused: nothing is written
            await settle(app, pilot)
            assert app.screen is form
            assert (count(street_db, Person), count(street_db, AuditLog)) == (
                people_before,
                audit_before,
            )
            # a bad ID number too, then both fixed
            form.query_one("#pf-id", Input).value = "110101194801010011"
            await pilot.pause()
            assert "校验位不符" in text_of(form.query_one("#pf-id-error"))
            form.query_one("#pf-id", Input).value = ""
            form.query_one("#pf-phone", Input).value = "139 0000 2222"
            form.query_one("#pf-gender", ChoicePicker).choose("female")
            form.query_one("#pf-birth-year", Input).value = "1990"
            await pilot.pause()
            assert not save.disabled and text_of(form.query_one("#pf-phone-error")) == ""
            household = form.query_one("#pf-household", SearchPick)
            household.query_one(Input).focus()
            await pilot.press(*"乐园1-7", "enter")
            await settle(app, pilot)
            assert household.value == ids["荣乐园-hh"]
            await pilot.click("#pf-save")
            await settle(app, pilot)
            assert count(street_db, Person) == people_before + 1
            with street_db.read_session() as s:
                wang = s.scalars(select(Person).where(Person.name == "王芳")).one()
            assert (wang.phone, wang.gender, wang.birth_year, wang.household_id) == (
                "13900002222",
                "female",
                1990,
                ids["荣乐园-hh"],
            )
            # the new person opens at once, masked
            assert isinstance(app.screen, PersonDetailScreen)
            assert text_of(app.screen.query_one("#pd-phone")) == "139****2222"

    run(inner())


def test_duplicate_id_number_is_shown_inline(make_app, street_db, ids):
    from gongzhi.core.services import Actor

    with street_db.session() as s:
        people_svc.update_person(
            s, actor=Actor("t"), person_id=ids["单田芳"], id_number="110101194801010010"
        )

    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(PersonFormScreen())
            await pilot.pause()
            form = app.screen
            form.query_one("#pf-name", Input).value = "赵四"
            form.query_one("#pf-id", Input).value = "1101 0119 4801 0100 10"
            await pilot.pause()
            before = count(street_db, Person)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form
            assert "已登记在 单田芳 名下" in text_of(form.query_one("#pf-error"))
            assert count(street_db, Person) == before

    run(inner())


def test_edit_person_keeps_hidden_numbers_and_care_tags(make_app, street_db, ids):
    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await app.show_section("people")
            await search(app, pilot, "zxm")
            app.query_one("#people-table", DataTable).focus()
            await pilot.press("e")
            await settle(app, pilot)
            form = app.screen
            assert isinstance(form, PersonFormScreen) and form.person_id == ids["张晓明"]
            phone = form.query_one("#pf-phone", Input)
            assert phone.value == "" and "138****5678" in str(phone.placeholder)
            assert not form.query_one("#pf-care").display
            form.query_one("#pf-notes").text = "腿脚不便"
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            with street_db.read_session() as s:
                zhang = people_svc.get_person(s, ids["张晓明"])
                assert (zhang.phone, zhang.notes) == ("13812345678", "腿脚不便")
                assert people_svc.care_tags_of(s, zhang.id) == ["elderly_alone"]

    run(inner())


def test_english_ui_shows_english_labels(make_app, ids):
    async def inner():
        app = make_app("en")
        async with app.run_test(size=SIZE) as pilot:
            await app.show_section("people")
            table = await search(app, pilot, "lxy")
            assert [str(c.label) for c in table.columns.values()] == [
                "Name",
                "Gender",
                "Born",
                "Phone",
                "Household",
            ]
            assert rows(table)[0][:3] == ["李秀英", "female", "1980"]
            app.push_screen(PersonDetailScreen(ids["李秀英"]))
            await settle(app, pilot)
            screen = app.screen
            assert "Gender" in [text_of(w) for w in screen.query(".fact-name")]
            assert rows(screen.query_one("#pd-memberships"))[0][1:3] == [
                "residents' committee",
                "micro-grid worker",
            ]
            assert text_of(screen.query_one("#pd-care")).startswith("hidden")
            await pilot.press("escape")
            await pilot.press("f7")
            await settle(app, pilot)
            assert app.query_one("#org-kinds").highlighted_option.prompt.startswith(
                "residents' committee"
            )
            orgs = app.query_one("#org-table", DataTable)
            orgs.move_cursor(row=[r[0] for r in rows(orgs)].index("荣雅园社区居委会"))
            await settle(app, pilot)
            assert rows(app.query_one("#org-members", DataTable)) == [
                ["李秀英", "micro-grid worker", "荣雅园1号楼7-12层", ""]
            ]

    run(inner())


# -- organisations -------------------------------------------------------------------------


def test_orgs_by_kind_members_add_and_end(make_app, street_db, ids):
    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("f7")
            await settle(app, pilot)
            view = app.query_one(OrgsView)
            view.select_kind("department")
            await settle(app, pilot)
            assert sorted(r[0] for r in rows(app.query_one("#org-table", DataTable))) == [
                "供电公司",
                "城管执法队",
                "消防救援站",
            ]
            view.select_kind("residents_committee")
            await settle(app, pilot)
            orgs = rows(app.query_one("#org-table", DataTable))
            assert ["荣雅园社区居委会", "荣雅园社区", "1"] in orgs
            table = app.query_one("#org-table", DataTable)
            table.move_cursor(row=[r[0] for r in orgs].index("荣雅园社区居委会"))
            await settle(app, pilot)
            assert view.org_id == ids["荣雅园社区-rc"]
            assert rows(app.query_one("#org-members", DataTable)) == [
                ["李秀英", "微网格员", "荣雅园1号楼7-12层", ""]
            ]

            # m: give 张晓明 a post as volunteer, picked by pinyin initials
            table.focus()
            await pilot.press("m")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, MembershipFormScreen)
            await pilot.press(*"zxm", "enter")
            await settle(app, pilot)
            assert form.query_one("#mf-person", SearchPick).value == ids["张晓明"]
            assert form.query_one("#mf-save", Button).disabled  # no role yet
            # the role by typing: Enter on the chosen person moves on to it
            form.query_one("#mf-role Input", Input).focus()
            await pilot.press(*"zyz", "enter")  # 志愿者
            await pilot.pause()
            assert form.query_one("#mf-role", ChoicePicker).value == "volunteer"
            assert not form.query_one("#mf-scope-box").display
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert not isinstance(app.screen, MembershipFormScreen)
            with street_db.read_session() as s:
                post = s.scalars(
                    select(Membership).where(Membership.person_id == ids["张晓明"])
                ).one()
            assert (post.organisation_id, post.role, post.end_date) == (
                ids["荣雅园社区-rc"],
                "volunteer",
                None,
            )
            members = app.query_one("#org-members", DataTable)
            assert sorted(r[0] for r in rows(members)) == ["张晓明", "李秀英"]

            # x: end 李秀英's post, after confirming
            members.focus()
            members.move_cursor(row=[r[0] for r in rows(members)].index("李秀英"))
            await pilot.press("x")
            await pilot.pause()
            assert isinstance(app.screen, ConfirmScreen)
            assert "李秀英" in text_of(app.screen.query_one("#confirm-question"))
            await pilot.press("y")
            await settle(app, pilot)
            with street_db.read_session() as s:
                ended = s.scalars(
                    select(Membership).where(Membership.person_id == ids["李秀英"])
                ).one()
            assert ended.end_date is not None
            assert [r[0] for r in rows(members)] == ["张晓明"]
            app.push_screen(
                PersonDetailScreen(ids["李秀英"])
            )  # ended today: no longer a current post
            await settle(app, pilot)
            assert rows(app.screen.query_one("#pd-memberships")) == [["暂无任职", "", "", "", ""]]
            await pilot.press("escape")
            assert ["荣雅园社区居委会", "荣雅园社区", "1"] in rows(
                app.query_one("#org-table", DataTable)
            )

    run(inner())


def test_duplicate_post_and_grid_scope(make_app, street_db, ids):
    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            app.push_screen(MembershipFormScreen(ids["荣雅园社区-rc"], "荣雅园社区居委会"))
            await pilot.pause()
            form = app.screen
            await pilot.press(*"lxy", "enter")
            await settle(app, pilot)
            form.query_one("#mf-role", ChoicePicker).choose("micro_grid_worker")
            await pilot.pause()
            assert form.query_one("#mf-scope-box").display
            scope = form.query_one("#mf-scope", SearchPick)
            scope.query_one(Input).focus()
            await pilot.press(*"7-12", "enter")
            await settle(app, pilot)
            assert scope.value == ids["荣雅园-mg"]  # only grids under this committee's community
            before = count(street_db, Membership)
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            assert app.screen is form
            assert "已在「荣雅园社区居委会」担任" in text_of(form.query_one("#mf-error"))
            assert count(street_db, Membership) == before
            form.query_one("#mf-start", Input).value = "2026-13-01"
            await pilot.pause()
            assert "YYYY-MM-DD" in text_of(form.query_one("#mf-start-error"))
            assert form.query_one("#mf-save", Button).disabled

    run(inner())


def test_add_organisation(make_app, street_db, ids):
    async def inner():
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await app.show_section("orgs")
            await settle(app, pilot)
            await pilot.press("ctrl+n")
            await pilot.pause()
            form = app.screen
            assert isinstance(form, OrganisationFormScreen)
            assert app.focused is form.query_one("#of-name", Input)  # the name comes first
            form.query_one("#of-name", Input).value = "荣雅园志愿服务队"
            kind = form.query_one("#of-kind", ChoicePicker)
            kind.query_one(Input).focus()
            await pilot.press(*"zyfwd", "enter")  # 志愿服务队
            await pilot.pause()
            assert kind.value == "volunteer_team"
            place = form.query_one("#of-place", SearchPick)
            place.query_one(Input).focus()
            await pilot.press(*"雅园社", "enter")
            await settle(app, pilot)
            assert place.value == ids["荣雅园社区"]
            await pilot.press("ctrl+s")
            await settle(app, pilot)
            view = app.query_one(OrgsView)
            assert view.kind == "volunteer_team"
            assert rows(app.query_one("#org-table", DataTable)) == [
                ["荣雅园志愿服务队", "荣雅园社区", "0"]
            ]
            assert (
                str(app.query_one("#org-kinds").get_option("volunteer_team").prompt)
                == "志愿服务队（1）"
            )

    run(inner())
