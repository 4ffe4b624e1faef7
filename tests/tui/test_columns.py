"""gongzhi.tui.widgets.columns: the least important columns give way first, long cells end in "…"."""

from __future__ import annotations

from rich.cells import cell_len

from gongzhi.tui.widgets.columns import CELL_GAP, Column, cut, fit_columns

COLUMNS = (
    Column("ref", "Ref", 15),
    Column("title", "Title", 30, min_width=12),
    Column("place", "Place", 16, importance=2, min_width=8),
    Column("reporter", "Reporter", 8, importance=3),
    Column("due", "Due", 11, importance=3),
)


def total(plan) -> int:
    return sum(w + CELL_GAP for w in plan.widths.values())


def test_everything_at_its_preferred_width_when_there_is_room():
    plan = fit_columns(COLUMNS, 90)
    assert plan.keys == ["ref", "title", "place", "reporter", "due"] and plan.dropped == []
    assert plan.widths == {"ref": 15, "title": 30, "place": 16, "reporter": 8, "due": 11}


def test_room_to_spare_goes_to_the_flexible_columns():
    flexible = (Column("ref", "Ref", 15), Column("title", "Title", 30, flex=True),
                Column("place", "Place", 16, flex=True))
    plan = fit_columns(flexible, 100)
    assert plan.widths == {"ref": 15, "title": 47, "place": 32} and total(plan) == 100


def test_the_least_important_shrink_then_go_the_later_first():
    plan = fit_columns(COLUMNS, 80)  # 90 wanted at the preferred widths, 67 at the narrowest
    assert plan.dropped == [] and total(plan) <= 80
    assert plan.widths["place"] < 16 and plan.widths["ref"] == 15
    plan = fit_columns(COLUMNS, 60)
    assert plan.dropped == ["due"] and total(plan) <= 60
    plan = fit_columns(COLUMNS, 45)
    assert plan.dropped == ["due", "reporter"] and total(plan) <= 45
    plan = fit_columns(COLUMNS, 40)
    assert plan.dropped == ["due", "reporter", "place"]
    assert plan.keys == ["ref", "title"] and total(plan) <= 40


def test_the_important_ones_stay_even_when_they_do_not_fit():
    plan = fit_columns(COLUMNS, 10)
    assert plan.keys == ["ref", "title"] and plan.widths == {"ref": 15, "title": 12}


def test_cells_are_cut_with_an_ellipsis_counting_chinese_as_two():
    cell = cut("盛康园高空抛物问题反复出现", 10).plain
    assert cell.startswith("盛康园高") and cell.endswith("…")
    assert cell_len(cut("盛康园高空抛物问题反复出现", 10).plain) <= 10
    assert cut("short", 10).plain == "short"
    assert cut(None, 4).plain == ""
    plan = fit_columns(COLUMNS, 40)
    ref, title = plan.row({"ref": "QY-2026-000001", "title": "楼道灯" * 10, "place": "x"})
    assert ref.plain == "QY-2026-000001"
    assert title.plain.endswith("…") and cell_len(title.plain) <= plan.widths["title"]


def test_a_column_is_never_narrower_than_its_title():
    from gongzhi.tui import i18n

    columns = (Column("gender", "Gender", 4), Column("name", "Name", 8))
    before = i18n.language()
    try:
        i18n.set_language("en")
        assert fit_columns(columns, 100).widths["gender"] == len("Gender")
        i18n.set_language("zh")
        assert fit_columns(columns, 100).widths["gender"] == 4  # 性别
    finally:
        i18n.set_language(before)


def test_a_fitted_table_plans_for_its_own_width_and_keeps_its_rows():
    import asyncio

    from textual.app import App
    from textual.containers import Horizontal
    from textual.widgets import Static

    from gongzhi.tui.widgets.columns import FittedTable

    class Panels(App):
        CSS = "FittedTable { width: 1fr; height: auto; } Static { width: 1fr; }"

        def compose(self):
            with Horizontal():
                yield FittedTable(COLUMNS, id="t")
                yield Static("beside")

    async def inner() -> None:
        app = Panels()
        async with app.run_test(size=(160, 20)) as pilot:
            table = app.query_one(FittedTable)
            table.set_rows([({"ref": "QY-2026-000001", "title": "夜间路灯昏暗" * 4, "place": "荣雅园",
                              "reporter": "张晓明", "due": "2026-11-15"}, "1")])
            await pilot.pause()
            assert table.size.width == 80
            wide = sum(c.get_render_width(table) for c in table.columns.values())
            assert wide <= table.scrollable_content_region.width
            assert table.row_count == 1 and len(table.columns) == 5
            await pilot.resize_terminal(100, 20)
            await pilot.pause()
            assert table.size.width == 50
            assert list(table.plan.dropped) == ["due", "reporter"]  # the least important went first
            assert sum(c.get_render_width(table) for c in table.columns.values()) <= 50
            assert table.row_count == 1 and str(table.get_row("1")[0]) == "QY-2026-000001"

    asyncio.run(inner())
