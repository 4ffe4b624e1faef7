"""Table columns that fit the terminal: the least important go first, long cells end in "…".

A DataTable whose columns are wider than its room scrolls sideways, and what is cut off is
simply gone from sight. Declare the columns once, with a preferred width, the narrowest
they may become and how important they are (1 = always shown; higher numbers are dropped
first, the later of equals first); :func:`fit_columns` plans them for the width there is
and the plan adds them to the table and cuts each cell to its column (``…`` at the end;
Chinese characters count two cells)::

    from gongzhi.tui.widgets.columns import Column, fit_columns

    COLUMNS = (
        Column("ref", N_("Ref"), 15),
        Column("title", N_("Title"), 30, min_width=12, flex=True),
        Column("place", N_("Place"), 16, importance=2, min_width=8),
        Column("reporter", N_("Reporter"), 8, importance=3),
    )

    plan = fit_columns(COLUMNS, table.size.width or self.app.size.width)
    plan.apply(table)                                   # clears the table, adds the columns
    table.add_row(*plan.row({"ref": r.ref, "title": r.title, ...}), key=str(r.id))

A screen plans again when it is resized (``on_resize``) and adds its rows again; a cell
that is not in the plan is simply not shown. A table whose width is not the screen's (a
panel beside another) is a :class:`FittedTable`: it plans for its own width whenever that
changes and keeps its rows as values, so ``table.set_rows([({"ref": …}, key), …])`` is all
a screen does. Titles are message ids, translated when
applied (F2 rebuilds the screens).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable

from gongzhi.tui.i18n import _

CELL_GAP = 2  # DataTable pads each cell with one space either side


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # an English message id
    width: int  # the preferred width, in cells
    importance: int = 1  # 1: always shown; higher: dropped earlier when room is short
    min_width: int | None = None  # may shrink to this (its cells then end in "…")
    flex: bool = False  # takes the room left over (a title, an address)

    @property
    def narrowest(self) -> int:
        """Never narrower than its title in the current language."""
        title = cell_len(_(self.title))
        return max(self.min_width if self.min_width is not None else self.width, title)

    @property
    def preferred(self) -> int:
        return max(self.width, self.narrowest)


@dataclass
class ColumnPlan:
    """The columns that fit, each with its width; ``dropped`` lists the keys left out."""

    widths: dict[str, int]
    columns: list[Column]
    dropped: list[str]

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    def apply(self, table: DataTable) -> None:
        """Clear ``table`` (rows and columns) and add the planned columns."""
        table.clear(columns=True)
        for c in self.columns:
            width = self.widths[c.key]
            table.add_column(cut(_(c.title), width), key=c.key, width=width)

    def row(self, values: Mapping[str, Any]) -> list[Text]:
        """The cells of one row for the planned columns, each cut to its column."""
        return [cut(values.get(c.key, ""), self.widths[c.key]) for c in self.columns]


def cut(value: Any, width: int) -> Text:
    """``value`` as one line of at most ``width`` cells, ending in "…" when cut (never markup)."""
    text = value.copy() if isinstance(value, Text) else Text("" if value is None else str(value))
    text.no_wrap = True
    if cell_len(text.plain) > width:
        text.truncate(width, overflow="ellipsis")
    return text


def fit_columns(columns: Sequence[Column], available: int) -> ColumnPlan:
    """Plan ``columns`` into ``available`` cells (the table's width).

    Drop the least important columns (highest ``importance``, the later first) until the
    rest fit at their narrowest; then give each its preferred width, shrinking the least
    important back towards their narrowest where room is short. Column 1's importance is
    never dropped (at worst it shrinks to its narrowest and the table scrolls)."""
    kept = list(columns)
    dropped: list[str] = []

    def need(cols: list[Column], attr: str) -> int:
        return sum(getattr(c, attr) + CELL_GAP for c in cols)

    while need(kept, "narrowest") > available:
        candidates = [c for c in kept if c.importance > 1]
        if not candidates:
            break
        worst = max(candidates, key=lambda c: (c.importance, kept.index(c)))
        kept.remove(worst)
        dropped.append(worst.key)
    widths = {c.key: c.preferred for c in kept}
    excess = need(kept, "preferred") - available
    for c in sorted(kept, key=lambda c: (-c.importance, -kept.index(c))):
        if excess <= 0:
            break
        give = min(excess, c.preferred - c.narrowest)
        widths[c.key] -= give
        excess -= give
    if excess < 0:  # room to spare: the flexible columns share it
        flexible = [c for c in kept if c.flex]
        for i, c in enumerate(flexible):
            widths[c.key] += -excess // len(flexible) + (1 if i < -excess % len(flexible) else 0)
    return ColumnPlan(widths, kept, dropped)


class FittedTable(DataTable):
    """A DataTable that plans its ``columns`` for its own width (again when resized, and
    when new rows change what a column needs). A column of width 0 is as wide as its
    widest cell (up to ``AUTO_MAX``)."""

    SCROLLBAR = 2  # room kept for the vertical scroll bar, which comes with enough rows
    AUTO_MAX = 50

    def __init__(self, columns: Sequence[Column], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = tuple(columns)
        self.plan: ColumnPlan | None = None
        self._values: list[tuple[Mapping[str, Any], str | None]] = []

    def on_resize(self, event: Any) -> None:
        self.replan()

    def _sized(self) -> list[Column]:
        out = []
        for c in self.spec:
            if c.width:
                out.append(c)
                continue
            widest = max((cell_len(v.plain if isinstance(v, Text) else "" if v is None else str(v))
                          for values, _key in self._values for v in (values.get(c.key),)), default=0)
            out.append(replace(c, width=min(self.AUTO_MAX, widest)))
        return out

    def replan(self, *, force: bool = False) -> bool:
        """Plan the columns for the width there is now (titles in the current language);
        True when the columns were laid out again (and the rows added again)."""
        room = self.size.width - self.SCROLLBAR
        if room <= 0:
            return False
        plan = fit_columns(self._sized(), room)
        if not force and self.plan is not None and plan.widths == self.plan.widths:
            return False
        self.plan = plan
        row = self.cursor_row
        plan.apply(self)
        self._add_rows()
        if self._values and row:
            self.move_cursor(row=min(row, len(self._values) - 1))
        return True

    def set_rows(self, rows: Sequence[tuple[Mapping[str, Any], str | None]]) -> None:
        """Show ``rows``: each the values by column key, and the row's key (or None)."""
        self._values = list(rows)
        if self.replan() or self.plan is None:
            return
        self.clear()
        self._add_rows()

    def _add_rows(self) -> None:
        assert self.plan is not None
        for values, key in self._values:
            self.add_row(*self.plan.row(values), key=key)


__all__ = ["CELL_GAP", "Column", "ColumnPlan", "FittedTable", "cut", "fit_columns"]
