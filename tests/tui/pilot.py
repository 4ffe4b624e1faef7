"""Helpers for driving the real app under Pilot on a machine that may be busy."""

from __future__ import annotations

import contextlib

from textual.worker import WorkerCancelled, WorkerState


async def wait_for_workers(app) -> None:
    """``app.workers.wait_for_complete()``, except that a worker cancelled by a newer
    one in its exclusive group (a newer keystroke) is not an error."""
    with contextlib.suppress(WorkerCancelled):
        await app.workers.wait_for_complete()


async def settle(pilot, *, debounce: float = 0.0, quiet_rounds: int = 2) -> None:
    """Wait (after an optional debounce) until no worker is pending or running for a few checks."""
    if debounce:
        await pilot.pause(debounce)
    quiet = 0
    for _ in range(200):
        await wait_for_workers(pilot.app)
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet >= quiet_rounds:
            return
    raise AssertionError("the app never settled")


async def until(pilot, condition, timeout: float = 5.0) -> None:
    """Wait until ``condition()`` holds (or fail after ``timeout`` seconds)."""
    for _ in range(int(timeout / 0.05)):
        if condition():
            return
        await pilot.pause(0.05)
    assert condition()


class Keys:
    """Drives a task's keys and counts them, to prove a keystroke budget.

    ``await keys.press("ctrl+n", "tab")`` presses and counts each key;
    ``await keys.type("路灯不亮")`` types free text, which the budget does not count
    (a pinyin search string is text too). The test then asserts ``keys.count <= budget``;
    ``keys.log`` keeps the sequence, so a failing test shows the path taken.
    """

    def __init__(self, pilot) -> None:
        self.pilot = pilot
        self.count = 0
        self.log: list[str] = []

    async def press(self, *keys: str) -> None:
        for key in keys:
            self.count += 1
            self.log.append(key)
            await self.pilot.press(key)

    async def type(self, text: str) -> None:
        self.log.append(repr(text))
        await self.pilot.press(*text)
