"""A small horizontal bar chart drawn with Rich text and block characters.

One line per bar: the label, padded to a common width, the bar, then its value
text. Widths are counted in terminal cells (``rich.cells.cell_len``), so Chinese
labels, two cells per character, line up with Latin ones; a label too long for
its column is cut at a cell boundary and ends with "…". Bars use eighth blocks
(▏▎▍▌▋▊▉█), so a 40-cell bar has 320 steps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rich.cells import cell_len, set_cell_size
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

EIGHTHS = " ▏▎▍▌▋▊▉"
FULL = "█"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (``None``: no value, no bar) and the text after it."""

    label: str
    value: float | None
    text: str = ""


def fit_cells(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells; a cut ends with "…"."""
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return set_cell_size(text, width)
    if width == 1:
        return "…"
    # a double-width character that would straddle the edge becomes padding, after the "…"
    return set_cell_size(set_cell_size(text, width - 1).rstrip() + "…", width)


def bar_cells(value: float, maximum: float, width: int) -> str:
    """The bar for ``value`` on a scale whose ``maximum`` fills ``width`` cells."""
    if width <= 0 or maximum <= 0 or value <= 0:
        return ""
    eighths = round(min(value, maximum) / maximum * width * 8)
    full, rest = divmod(eighths, 8)
    return FULL * full + (EIGHTHS[rest] if rest else "")


def render_bars(
    bars: Sequence[Bar],
    width: int,
    *,
    maximum: float | None = None,
    max_label_width: int = 20,
    bar_style: str = "green",
    empty: str = "",
) -> Text:
    """The chart as Rich text, each line exactly ``width`` cells (when ``width`` allows)."""
    if not bars:
        return Text(empty, style="dim")
    texts = [b.text or ("" if b.value is None else f"{b.value:g}") for b in bars]
    label_w = min(max(cell_len(b.label) for b in bars), max_label_width)
    text_w = max(cell_len(t) for t in texts)
    area = max(width - label_w - text_w - 2, 1)
    top = maximum if maximum is not None else max((b.value or 0 for b in bars), default=0)
    out = Text(no_wrap=True, overflow="crop")
    for i, (bar, value_text) in enumerate(zip(bars, texts, strict=True)):
        if i:
            out.append("\n")
        out.append(fit_cells(bar.label, label_w) + " ")
        drawn = bar_cells(bar.value or 0, top, area) if bar.value is not None else ""
        out.append(drawn, style=bar_style)
        out.append(" " * (area - cell_len(drawn)) + " ")
        out.append(" " * (text_w - cell_len(value_text)) + value_text, style="bold")
    return out


class BarChart(Widget):
    """A horizontal bar chart; give it bars with :meth:`set_bars`."""

    DEFAULT_CSS = """
    BarChart {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        bars: Iterable[Bar] = (),
        *,
        maximum: float | None = None,
        max_label_width: int = 20,
        empty: str = "",
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.bars: list[Bar] = list(bars)
        self.maximum = maximum
        self.max_label_width = max_label_width
        self.empty = empty

    def set_bars(self, bars: Iterable[Bar], *, maximum: float | None = None, empty: str | None = None) -> None:
        self.bars = list(bars)
        if maximum is not None:
            self.maximum = maximum
        if empty is not None:
            self.empty = empty
        self.refresh(layout=True)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return max(len(self.bars), 1)

    def render(self) -> Text:
        return render_bars(self.bars, self.size.width, maximum=self.maximum,
                           max_label_width=self.max_label_width, empty=self.empty)
