"""The app follows the operator's role (issue 15): what the role cannot do is not offered,
the street admin reads the audit log, the header names the operator as people know them."""

from __future__ import annotations

from gongzhi.core.services import operators as op_svc
from gongzhi.core.services.base import Actor
from gongzhi.tui.screens.audit import AuditScreen
from gongzhi.tui.screens.login import LoginScreen
from tests.tui.pilot import settle
from tests.tui.test_login import PASSWORD, _app, _type, _until, sync


def _operator(db, ids, login: str, name: str, role: str) -> None:
    with db.session() as s:
        op_svc.create_operator(s, actor=Actor("测试办事员"), login=login, display_name=name, password=PASSWORD)
        op_svc.grant_role(s, actor=Actor("测试办事员"), login=login, role=role, place_id=ids["street"])


async def _log_in(app, pilot, login: str) -> None:
    await _until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.focused is not None)
    await _type(pilot, login)
    await pilot.press("enter")
    await _type(pilot, PASSWORD)
    await pilot.press("enter")
    await _until(pilot, lambda: app.database_ready and not isinstance(app.screen, LoginScreen))


def _binding_ids(screen) -> set[str]:
    return {b.id for _key, (_node, b, _enabled, _tip) in screen.active_bindings.items() if b.id}


async def _palette_titles(app, pilot, query: str) -> list[str]:
    await pilot.press("ctrl+p")
    await settle(pilot)
    await _type(pilot, query)
    await settle(pilot, debounce=0.6)
    from textual.command import CommandList

    titles = [str(o.prompt) for o in app.screen.query_one(CommandList).options]
    await pilot.press("escape")
    await settle(pilot)
    return titles


@sync
async def test_a_viewer_is_not_offered_what_a_viewer_cannot_do(street_db, ids):
    _operator(street_db, ids, "viewer1", "赵敏", "viewer")
    app = _app(street_db, require_login=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "viewer1")
        assert "赵敏（viewer1）" in app.sub_title  # the name people know, and the login
        await pilot.press("f4")
        await _until(pilot, lambda: bool(app.query("#req-table")) and app.query_one("#requests").page is not None)
        view = app.query_one("#requests")
        assert "requests.new" not in {b.id for bs in view._bindings.key_to_bindings.values() for b in bs}
        assert "requests.filter" in {b.id for bs in view._bindings.key_to_bindings.values() for b in bs}
        await pilot.press("ctrl+n")  # nothing opens
        await settle(pilot)
        assert not app.screen.query("#request-form") and app.screen is app.screen_stack[0]
        await app.run_action("new_request")  # nor through the app's action
        await settle(pilot)
        assert app.screen is app.screen_stack[0]
        titles = await _palette_titles(app, pilot, "新建")
        assert not any("新建诉求" in t for t in titles)
        titles = await _palette_titles(app, pilot, "审计")
        assert not any("审计日志" in t for t in titles)
        # a request's page offers reading only
        view.open_request(view.page.rows[0].id)
        await _until(pilot, lambda: app.screen is not app.screen_stack[0])
        await settle(pilot)
        ids_shown = _binding_ids(app.screen)
        assert not ids_shown & {"request.accept", "request.dispatch", "request.resolve", "request.close"}
        assert "request.refresh" in ids_shown
    app.end_login()


@sync
async def test_the_street_admin_reads_the_audit_log_in_the_app(street_db, ids):
    _operator(street_db, ids, "admin1", "王秀兰", "street_admin")
    app = _app(street_db, require_login=True)
    async with app.run_test(size=(160, 45)) as pilot:
        await _log_in(app, pilot, "admin1")
        titles = await _palette_titles(app, pilot, "审计")
        assert any("审计：审计日志" in t for t in titles)
        await app.run_action("command_palette")
        await settle(pilot)
        await _type(pilot, "审计日志")
        await settle(pilot, debounce=0.6)
        await pilot.press("enter")
        await _until(pilot, lambda: isinstance(app.screen, AuditScreen) and bool(app.screen.rows))
        screen = app.screen
        actions = {r["action"] for r in screen.rows}
        assert "operator.login" in actions and len(actions) > 1
        await _type(pilot, "admin1")  # the operator filter: only this login's rows
        await settle(pilot, debounce=0.4)
        await _until(pilot, lambda: screen.rows and {r["actor"] for r in screen.rows} == {"admin1"})
        await pilot.press("enter")  # into the list
        await settle(pilot)
        await pilot.press("enter")  # a row's before and after
        await settle(pilot)
        detail = str(screen.query_one("#audit-detail").render())
        assert "admin1" in detail and "operator.login" in detail
        await pilot.press("tab", "tab")  # a day that is no date: said, nothing shown wrongly
        screen.query_one("#audit-since").value = "2026-02-30"
        await settle(pilot, debounce=0.4)
        await _until(pilot, lambda: bool(screen.error))
        assert "不存在" in screen.error
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, AuditScreen)
    app.end_login()


@sync
async def test_care_tags_are_offered_only_to_who_may_see_them(street_db, ids):
    """A grid worker edits people but may not see care tags: the person form leaves them
    out; a community secretary gets the button, and reading them is checked and audited."""
    from sqlalchemy import select

    from gongzhi.core.models.audit import AuditLog
    from gongzhi.tui.screens.person_form import PersonFormScreen

    _operator(street_db, ids, "grid1", "钱多多", "grid_worker")
    _operator(street_db, ids, "sec1", "孙丽", "community_secretary")
    for login, offered in (("grid1", False), ("sec1", True)):
        app = _app(street_db, require_login=True)
        async with app.run_test(size=(160, 45)) as pilot:
            await _log_in(app, pilot, login)
            app.push_screen(PersonFormScreen(ids["张晓明"]))
            await _until(pilot, lambda app=app: isinstance(app.screen, PersonFormScreen) and app.screen.loaded)
            form = app.screen
            assert form.query_one("#pf-care-field").display is offered, login
            if offered:
                form.query_one("#pf-care-show").press()
                await _until(pilot, lambda form=form: form.care_loaded)
                assert form.query_one("#pf-care").display
    with street_db.read_session() as s:
        viewed = list(s.scalars(select(AuditLog.actor).where(AuditLog.action == "person.view_care_tags")))
    assert viewed == ["sec1"]
