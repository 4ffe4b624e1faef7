"""ChoicePicker: a fixed list chosen by typing Chinese, pinyin or a code, most used first."""

from __future__ import annotations

import asyncio

from textual.app import App, ComposeResult

from gongzhi.tui.widgets.pickers import Choice, ChoicePicker, filter_choices

CATEGORIES = [
    Choice(1, "电梯故障", code="elevator", weight=5),
    Choice(2, "路灯照明", code="lighting", weight=9),
    Choice(3, "楼道堆物", code="hallway_clutter", weight=1),
    Choice(4, "电动车充电", code="ebike_charging", keys="e-bike", weight=7),
]


def labels(query: str) -> list[str]:
    return [c.label for c in filter_choices(CATEGORIES, query)]


def test_matches_chinese_pinyin_initials_full_pinyin_and_code():
    assert labels("电梯") == ["电梯故障"]
    assert labels("dtgz") == ["电梯故障"]
    assert labels("dianti") == ["电梯故障"]
    assert labels("light") == ["路灯照明"]
    assert labels("e-bike") == ["电动车充电"]
    assert labels("xyz") == []


def test_most_used_first_among_equal_matches_and_on_empty_query():
    assert labels("电") == ["电动车充电", "电梯故障"]  # both prefixes: weight decides
    assert labels("") == ["路灯照明", "电动车充电", "电梯故障", "楼道堆物"]


class Host(App[None]):
    def compose(self) -> ComposeResult:
        yield ChoicePicker(CATEGORIES, placeholder="category", id="cat")


def test_typing_pinyin_and_enter_picks_the_best_match():
    async def inner() -> None:
        app = Host()
        async with app.run_test() as pilot:
            picker = app.query_one("#cat", ChoicePicker)
            picker.query_one("Input").focus()
            await pilot.press(*"ldzm", "enter")
            await pilot.pause(0.2)
            assert picker.value == 2
            assert picker.text == "路灯照明"

    asyncio.run(inner())


def test_down_on_an_empty_box_lists_every_choice_most_used_first():
    async def inner() -> None:
        app = Host()
        async with app.run_test() as pilot:
            picker = app.query_one("#cat", ChoicePicker)
            picker.query_one("Input").focus()
            await pilot.press("down")
            await pilot.pause()
            assert [i.text for i in picker.results] == ["路灯照明", "电动车充电", "电梯故障", "楼道堆物"]
            await pilot.press("down", "enter")  # the second entry; the focus stays in the box
            await pilot.pause()
            assert picker.value == 4

    asyncio.run(inner())
