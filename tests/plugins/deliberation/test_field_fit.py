"""Issue 13 for the roundtable, in the real app on the small demo street with every
built-in plugin: T3 — one round of votes for 10 participants on 1 option, closed, its
outcome read — within 15 keys from the first screen; and the vote grid's bulk keys: ``k``
checks everyone in, a refused ballot leaves the cursor and the other rows as they were,
``z`` undoes the last ballot.

pytest-asyncio is not installed: each test runs its coroutine with asyncio.run.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from textual.widgets import DataTable, Label

from gongzhi.core.config import Settings
from gongzhi.core.plugins import PluginHost
from tests.plugins.deliberation.test_screens import run_palette, text_of
from tests.tui.pilot import Keys, settle, until

PLUGINS = ["deliberation", "red_property", "points_exchange"]
T3_BUDGET = 15


def demo_app(db, lang: str = "zh"):
    """``gongzhi`` opened on the small demo with every plugin, as tests/tui/conftest.py's make_app."""
    from gongzhi.tui.app import GongzhiApp

    settings = Settings(language=lang, operator="测试办事员", database_url=db.url)
    host = PluginHost(settings, names=PLUGINS).load()
    host.upgrade(db)
    host.start(db)
    return GongzhiApp(db=db, settings=settings, host=host)


def the_open_round(db) -> tuple[int, int]:
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.demo import OPEN_TITLE

    with db.read_session() as s:
        c = svc.find_consultation(s, OPEN_TITLE)
        (r,) = svc.rounds_of(s, c.id)
        return c.id, r.id


def rows(grid: DataTable) -> list[list[str]]:
    return [[str(c) for c in grid.get_row_at(i)] for i in range(grid.row_count)]


def test_t3_ten_ballots_closed_and_the_outcome_within_15_keys(small_demo):
    """The fastest path: the palette's 录入表决 opens the round receiving ballots with the
    focus on the vote grid; ``k`` checks everyone in; one key per ballot (the cursor moves
    on after each recorded one); ``c`` and ``y`` close and count; the outcome is on screen."""
    from gongzhi.plugins.deliberation.models import Ballot, RoundResult
    from gongzhi.plugins.deliberation.screens import ConsultationScreen

    cid, rid = the_open_round(small_demo)
    app = demo_app(small_demo)
    ballots = "yyyynyyyay"  # 8 yes, 1 no, 1 abstention

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            keys = Keys(pilot)
            await settle(pilot)
            await keys.press("ctrl+p")
            await keys.type("录入表决")
            await settle(pilot, debounce=0.3)
            await keys.press("enter")
            await until(pilot, lambda: isinstance(app.screen, ConsultationScreen))
            await settle(pilot)
            screen = app.screen
            grid = screen.query_one("#delib-votes", DataTable)
            assert grid.has_focus and grid.row_count == 10
            assert "正在表决：第 1 轮" in text_of(screen.query_one("#delib-title", Label))
            await keys.press("k")  # everyone at the table checked in
            await settle(pilot)
            assert all(r[1] == "✓ 到场" for r in rows(grid))
            for key in ballots:
                await keys.press(key)
                await settle(pilot)
            await keys.press("c", "y")  # close and count (confirmed)
            await settle(pilot)
            tally = text_of(screen.query_one("#delib-tally", Label))
            assert tally.startswith("结果：通过") and "赞成 8，反对 1，弃权 1" in tally, tally
            assert keys.count <= T3_BUDGET, keys.log

    asyncio.run(inner())  # 15 keys today: ctrl+p, Enter, k, ten ballots, c, y

    with small_demo.read_session() as s:
        got = s.scalars(select(Ballot).where(Ballot.round_id == rid).order_by(Ballot.id)).all()
        assert [b.choice for b in got] == ["yes" if k == "y" else "no" if k == "n" else "abstain" for k in ballots]
        assert len({b.participant_id for b in got}) == 10  # one each: no retry voted for the next person
        res = s.scalar(select(RoundResult).where(RoundResult.round_id == rid))
        assert res.outcome == "adopted" and sorted(res.ballot_ids) == [b.id for b in got]
        assert res.snapshot["present"]["count"] == 10


async def open_round_screen(app, pilot, query: str = "录入表决"):
    from gongzhi.plugins.deliberation.screens import ConsultationScreen

    await settle(pilot)
    await run_palette(app, pilot, query)
    await until(pilot, lambda: isinstance(app.screen, ConsultationScreen))
    await settle(pilot)
    return app.screen


def test_the_vote_grid_a_refused_ballot_leaves_the_cursor_and_the_other_rows_unchanged(small_demo):
    from gongzhi.plugins.deliberation.models import Ballot

    _, rid = the_open_round(small_demo)
    app = demo_app(small_demo)

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_round_screen(app, pilot)
            grid = screen.query_one("#delib-votes", DataTable)
            assert grid.has_focus
            # nobody is checked in yet: y on the first row is refused (absent), twice
            before = rows(grid)
            for _ in range(2):
                await pilot.press("y")
                await settle(pilot)
                assert grid.cursor_row == 0
                assert rows(grid) == before
            assert any("未到场" in n.message for n in app._notifications if n.severity == "error")
            # everyone in, then the retried y votes for the first row — not the second
            await pilot.press("k")
            await settle(pilot)
            await pilot.press("y")
            await settle(pilot)
            assert grid.cursor_row == 1
            assert rows(grid)[0][2] == "赞成" and rows(grid)[1][2] == ""
            # the third voter is marked absent on the participants table (space), then refused
            people = screen.query_one("#delib-participants", DataTable)
            third = rows(grid)[2][0]
            people.focus()
            people.move_cursor(row=[r[0] for r in rows(people)].index(third))
            await pilot.press("space")
            await settle(pilot)
            grid.focus()
            grid.move_cursor(row=2)
            before = rows(grid)
            assert before[2][1] == "— 未到" and sum(r[1] == "✓ 到场" for r in before) == 9
            await pilot.press("n")
            await settle(pilot)
            assert grid.cursor_row == 2 and rows(grid) == before
            await pilot.press("down", "n")  # the next one is present: recorded, the cursor moves on
            await settle(pilot)
            assert grid.cursor_row == 4 and rows(grid)[3][2] == "反对"

    asyncio.run(inner())

    with small_demo.read_session() as s:
        assert len(s.scalars(select(Ballot).where(Ballot.round_id == rid)).all()) == 2


def test_the_vote_grid_undoes_the_last_ballots(small_demo):
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Ballot

    _, rid = the_open_round(small_demo)
    app = demo_app(small_demo, lang="en")

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_round_screen(app, pilot, "record ballots")
            grid = screen.query_one("#delib-votes", DataTable)
            await pilot.press("z")  # nothing recorded here yet: said, nothing written
            await settle(pilot)
            assert any("No ballot to undo" in n.message for n in app._notifications)
            await pilot.press("k")
            await settle(pilot)
            for key in "yny":
                await pilot.press(key)
                await settle(pilot)
            assert [r[2] for r in rows(grid)[:4]] == ["yes", "no", "yes", ""]
            assert grid.cursor_row == 3
            await pilot.press("z")  # the third ballot taken back: its row is empty again, the cursor on it
            await settle(pilot)
            assert [r[2] for r in rows(grid)[:4]] == ["yes", "no", "", ""]
            assert grid.cursor_row == 2
            await pilot.press("z")  # and the second
            await settle(pilot)
            assert [r[2] for r in rows(grid)[:3]] == ["yes", "", ""] and grid.cursor_row == 1
            await pilot.press("a")  # typed again
            await settle(pilot)
            assert [r[2] for r in rows(grid)[:3]] == ["yes", "abstain", ""] and grid.cursor_row == 2

    asyncio.run(inner())

    with small_demo.read_session() as s:
        history = s.scalars(select(Ballot).where(Ballot.round_id == rid).order_by(Ballot.id)).all()
        # append-only: 3 ballots, 2 withdrawals, 1 new ballot; nothing overwritten
        assert [b.choice for b in history] == ["yes", "no", "yes", "withdrawn", "withdrawn", "abstain"]
        assert {b.choice for b in svc.current_ballots(s, rid)} == {"yes", "abstain"}


def test_z_undoes_a_ballot_recorded_on_an_earlier_visit_of_the_screen(small_demo):
    """The operator records a ballot, leaves the consultation and comes back: ``z`` on the
    new screen still takes that ballot back (a new row), the cursor on its row."""
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Ballot
    from gongzhi.plugins.deliberation.screens import ConsultationScreen

    _, rid = the_open_round(small_demo)
    app = demo_app(small_demo)

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            first = await open_round_screen(app, pilot)
            grid = first.query_one("#delib-votes", DataTable)
            await pilot.press("k")
            await settle(pilot)
            await pilot.press("down", "y")  # the second voter: yes
            await settle(pilot)
            assert rows(grid)[1][2] == "赞成" and grid.cursor_row == 2
            voter = rows(grid)[1][0]
            await pilot.press("escape")  # leave the consultation
            await until(pilot, lambda: app.screen is not first)
            await settle(pilot)
            assert not isinstance(app.screen, ConsultationScreen)

            again = await open_round_screen(app, pilot)  # a new visit: a new screen
            assert again is not first
            grid = again.query_one("#delib-votes", DataTable)
            assert rows(grid)[1][2] == "赞成" and grid.cursor_row == 0
            await pilot.press("z")
            await settle(pilot)
            assert rows(grid)[1][2] == "" and grid.cursor_row == 1  # its row, to type it again
            assert any(n.message == f"已撤销 {voter} 的上一票" for n in app._notifications)
            await pilot.press("z")  # nothing else of this operator's stands in the round
            await settle(pilot)
            assert any(n.message.startswith("没有可撤销的选票") for n in app._notifications)

    asyncio.run(inner())

    with small_demo.read_session() as s:
        history = s.scalars(select(Ballot).where(Ballot.round_id == rid).order_by(Ballot.id)).all()
        # append-only: the ballot and its withdrawal, both by the operator; nothing overwritten
        assert [(b.choice, b.seq, b.recorded_by) for b in history] == [("yes", 1, "测试办事员"),
                                                                      ("withdrawn", 2, "测试办事员")]
        assert history[1].supersedes_id == history[0].id
        assert svc.current_ballots(s, rid) == []


def test_z_undoes_the_operators_ballot_from_the_cli_but_never_another_clerks(small_demo, tmp_path):
    """A ballot the operator recorded with ``gongzhi deliberation vote`` is theirs to undo on
    the screen; one another clerk recorded later is passed over, and stays."""
    import os
    import subprocess
    import sys

    from gongzhi.core.services import Actor
    from gongzhi.plugins.deliberation import services as svc
    from gongzhi.plugins.deliberation.models import Ballot

    cid, rid = the_open_round(small_demo)
    clerk = Actor("另一位办事员")
    with small_demo.session() as s:
        svc.checkin_all(s, actor=clerk, consultation_id=cid)
        voters = [p for p in svc.participants_of(s, cid) if p.can_vote]
        number = svc.get_round(s, rid).number
    env = {**os.environ, "GONGZHI_DATA_DIR": str(tmp_path / "data"), "GONGZHI_LANG": "zh",
           "GONGZHI_PLUGINS": ",".join(PLUGINS)}
    for var in ("GONGZHI_DATABASE_URL", "GONGZHI_CONFIG", "GONGZHI_OPERATOR"):
        env.pop(var, None)
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from gongzhi.tui.cli import main; sys.exit(main())", "--db", small_demo.url,
         "--operator", "测试办事员", "deliberation", "vote", str(cid), str(number), voters[0].name, "n"],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    with small_demo.session() as s:  # later, another clerk records the third voter's ballot
        svc.record_ballot(s, actor=clerk, round_id=rid, participant_id=voters[2].id, choice="yes")
    app = demo_app(small_demo)

    async def inner():
        async with app.run_test(size=(160, 45)) as pilot:
            screen = await open_round_screen(app, pilot)
            grid = screen.query_one("#delib-votes", DataTable)
            assert [r[2] for r in rows(grid)[:3]] == ["反对", "", "赞成"]
            grid.move_cursor(row=4)
            await pilot.press("z")  # the CLI's ballot: the operator's latest that stands
            await settle(pilot)
            assert [r[2] for r in rows(grid)[:3]] == ["", "", "赞成"] and grid.cursor_row == 0
            await pilot.press("z")  # the other clerk's ballot is not the operator's to undo
            await settle(pilot)
            assert any(n.message.startswith("没有可撤销的选票") for n in app._notifications)
            assert [r[2] for r in rows(grid)[:3]] == ["", "", "赞成"]

    asyncio.run(inner())

    with small_demo.read_session() as s:
        history = s.scalars(select(Ballot).where(Ballot.round_id == rid).order_by(Ballot.id)).all()
        assert [(b.participant_id, b.choice, b.recorded_by) for b in history] == [
            (voters[0].id, "no", "测试办事员"), (voters[2].id, "yes", "另一位办事员"),
            (voters[0].id, "withdrawn", "测试办事员")]
        assert [(b.participant_id, b.choice) for b in svc.current_ballots(s, rid)] == [(voters[2].id, "yes")]
