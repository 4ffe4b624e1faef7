"""The operator login in the app (issue 15; issue 19: a browser session is its own operator).

The real GongzhiApp under Pilot on a real SQLite street with an operator account:
nothing of the street is read before the login succeeds, no key but quitting works
behind the login screen, a wrong password is refused and audited, and the session
the login opened is ended when the app closes.
"""

from __future__ import annotations

import asyncio
import functools

from sqlalchemy import func, select

from gongzhi.core.config import Settings
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.operators import OperatorSession
from gongzhi.core.services import operators as op_svc
from gongzhi.core.services.base import Actor
from gongzhi.tui.app import GongzhiApp
from gongzhi.tui.screens.login import LoginScreen

PASSWORD = "s3cret-pass"


def sync(fn):
    @functools.wraps(fn)
    def run(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return run


def _account(db, ids) -> None:
    with db.session() as s:
        op_svc.create_operator(s, actor=Actor("测试办事员"), login="clerk", display_name="王秀兰", password=PASSWORD)
        op_svc.grant_role(s, actor=Actor("测试办事员"), login="clerk", role="street_admin", place_id=ids["street"])


def _app(db, lang: str = "zh", **kw) -> GongzhiApp:
    settings = Settings(language=lang, operator="本机操作员", database_url=db.url)
    return GongzhiApp(settings=settings, open_database=lambda report: (db, None), **kw)


async def _type(pilot, text: str) -> None:
    for ch in text:
        await pilot.press(ch)


async def _until(pilot, cond, tries: int = 100) -> None:
    for _ in range(tries):
        if cond():
            return
        await pilot.pause(0.05)
    raise AssertionError("condition not reached")


@sync
async def test_a_served_app_opens_on_the_login_and_reads_nothing_before_it(street_db, ids):
    _account(street_db, ids)
    app = _app(street_db, require_login=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, LoginScreen))
        assert not app.database_ready  # every database read waits for the login
        await _until(pilot, lambda: app.focused is not None)
        assert app.focused.id == "login-name"
        # no section, palette or plugin key gets past the login screen
        for key in ("f4", "ctrl+p", "f2"):
            await pilot.press(key)
            await pilot.pause(0.05)
            assert isinstance(app.screen, LoginScreen), key
        assert not app.query("#req-table")
        # nor the actions run directly (a click on the header's icon runs the palette's)
        await app.run_action("command_palette")
        await app.run_action("section('requests')")
        await app.run_action("new_request")
        await pilot.pause(0.1)
        assert isinstance(app.screen, LoginScreen) and not app.query("#req-table")

        # a wrong password: refused in words, audited, still on the login screen
        await _type(pilot, "clerk")
        await pilot.press("enter")
        assert app.focused.id == "login-password"
        await _type(pilot, "wrong-password")
        await pilot.press("enter")
        await _until(pilot, lambda: "账号或密码错误" in str(app.screen.query_one("#login-error").render()))
        assert isinstance(app.screen, LoginScreen) and not app.database_ready
        assert app.focused.id == "login-password" and app.focused.value == ""

        await _type(pilot, PASSWORD)
        await pilot.press("enter")
        await _until(pilot, lambda: app.database_ready)
        assert not isinstance(app.screen, LoginScreen)
        assert app.actor.name == "clerk" and app.actor.operator_id is not None
        assert "clerk" in app.sub_title
        await pilot.press("f4")
        await _until(pilot, lambda: bool(app.query("#req-table")))
    app.end_login()
    with street_db.read_session() as s:
        failed = s.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "operator.login_failed"))
        sessions = s.scalars(select(OperatorSession)).all()
    assert failed == 1
    assert len(sessions) == 1 and sessions[0].ended_at is not None  # closing the app ended its session


@sync
async def test_a_terminal_without_a_login_token_asks_too_in_english(street_db, ids):
    _account(street_db, ids)
    app = _app(street_db, lang="en")
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(pilot, lambda: isinstance(app.screen, LoginScreen) and app.focused is not None)
        assert "Log in to gongzhi" in str(app.screen.query_one(".panel-title").render())
        await pilot.press("enter")  # nothing typed: said, not silently ignored
        assert "Enter your login name" in str(app.screen.query_one("#login-error").render())
        await pilot.press("escape")  # quits
    assert app.return_code in (0, None)


@sync
async def test_a_served_app_refuses_a_database_without_accounts(street_db, capsys):
    app = _app(street_db, require_login=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 1
    assert "没有操作员账号" in capsys.readouterr().err


@sync
async def test_without_accounts_the_local_operator_works_as_before(street_db):
    app = _app(street_db)
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(pilot, lambda: app.database_ready)
        assert not isinstance(app.screen, LoginScreen)
        assert app.actor.name == "本机操作员" and app.actor.operator_id is None
