"""``SearchPick``: an Input that searches the database as you type, with a short list of
matches to pick one from (a household, a person, a grid, the place an organisation serves).

Shared by the person, organisation and membership forms (it lived in ``tui.screens.people``,
which made the screens import each other). Use::

    yield SearchPick(find_households, placeholder=_("Search households"), none_text=_("no household"),
                     id="pf-household")

    @on(SearchPick.Picked, "#pf-household")
    def _picked(self, event: SearchPick.Picked) -> None: ...
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from gongzhi.tui.widgets.base import DbWork

DEBOUNCE_SECONDS = 0.15


class SearchPick(DbWork, Vertical):
    """An Input that searches as you type and a short list of matches to pick one from.

    ``search(session, text)`` returns ``[(id, shown text), …]``; it runs in a worker.
    Enter in the box picks the first match; the choice is posted as :class:`Picked`.
    """

    DEFAULT_CSS = """
    SearchPick { height: auto; }
    SearchPick > OptionList { height: auto; max-height: 8; }
    SearchPick > .picked { width: 1fr; height: auto; padding: 0 1; color: $success; }
    """

    class Picked(Message):
        def __init__(self, pick: SearchPick, value: int | None, text: str) -> None:
            super().__init__()
            self.pick = pick
            self.value = value
            self.text = text

        @property
        def control(self) -> SearchPick:
            return self.pick

    def __init__(
        self,
        search: Callable[[Session, str], list[tuple[int, str]]],
        *,
        placeholder: str,
        none_text: str,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._search = search
        self._placeholder = placeholder
        self._none_text = none_text
        self._debounce: Timer | None = None
        self._pick_first = False
        self.value: int | None = None
        self.text = ""

    def compose(self) -> ComposeResult:
        yield Label(self._none_text, classes="picked")
        yield Input(placeholder=self._placeholder)
        yield OptionList()

    def on_mount(self) -> None:
        self.query_one(OptionList).display = False

    def set_value(self, value: int | None, text: str = "", *, notify: bool = True) -> None:
        self.value, self.text = value, text if value is not None else ""
        self.query_one(".picked", Label).update(text if value is not None else self._none_text)
        if notify:
            self.post_message(self.Picked(self, self.value, self.text))

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self._run)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._pick_first = True
        self._run()

    def _run(self) -> None:
        text = self.query_one(Input).value.strip()
        options = self.query_one(OptionList)
        if not text:
            options.clear_options()
            options.display = False
            self._pick_first = False
            return
        db, search = self.app.db, self._search

        def fetch() -> list[tuple[int, str]]:
            with db.read_session() as s:
                return search(s, text)

        self.db_work(fetch, self._show, group=f"pick-{self.id or id(self)}")

    def _show(self, found: list[tuple[int, str]]) -> None:
        options = self.query_one(OptionList)
        options.set_options([Option(shown, id=str(value)) for value, shown in found])
        options.display = bool(found)
        if self._pick_first and found:
            self._choose(*found[0])
        self._pick_first = False

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(int(event.option.id or 0), str(event.option.prompt))

    def _choose(self, value: int, text: str) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        options.display = False
        box = self.query_one(Input)
        with box.prevent(Input.Changed):
            box.value = ""
        self.set_value(value, text)


__all__ = ["SearchPick"]
