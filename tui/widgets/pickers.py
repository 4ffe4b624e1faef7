"""Pickers: type to search, pick one record. Reusable by core and plugin screens.

A picker is an :class:`~textual.widgets.Input` with a result list under it. Typing
searches the database in a worker (debounced; a newer keystroke cancels the stale
query); Enter or a click picks the highlighted result, ``down`` moves from the
input into the list. Editing the text after a pick clears the choice. Enter with
nothing to pick (an empty box, or a choice already made) is left to the form: its
``Input.Submitted`` bubbles up, so a form moves on or saves.

Use::

    from gongzhi.tui.widgets.pickers import PersonPicker, PlacePicker

    yield PersonPicker(placeholder=_("Reporter (name, pinyin or phone tail)"), id="reporter")

    @on(PersonPicker.Changed, "#reporter")
    def _reporter(self, event: PersonPicker.Changed) -> None:
        self.reporter_id = event.value  # a person id, or None when cleared

API (the same for every picker):

- ``picker.value`` — the chosen record's id, or ``None``;
- ``picker.text`` — what the input shows for it (the person's or place's name);
- ``picker.select(id, text)`` — preset a choice without searching;
- ``picker.clear()`` — forget the choice and the text;
- ``chosen_line=False`` — no "Chosen: …" line under the box once picked (a bar of filters);
- message ``Picker.Changed(picker, value, text)`` — posted on every pick and clear;
  ``event.control`` is the picker, so ``@on(PersonPicker.Changed, "#id")`` works.

:class:`PersonPicker` finds people by name, pinyin initials or full pinyin
(张晓明 ← "zxm", "zhangxiaoming") or the last four digits of the phone, through
:func:`gongzhi.core.services.people.find_people`; phones are shown masked.
:class:`PlacePicker` finds places by name (or code) and shows each one's full
path; ``kinds=("household",)`` limits it to some kinds of place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from sqlalchemy import select
from sqlmodel import Session
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import PlaceKind
from gongzhi.core.services.people import find_people
from gongzhi.core.services.places import search_places
from gongzhi.core.validation import mask_phone
from gongzhi.tui.i18n import _, label
from gongzhi.tui.widgets.base import DbWork

DEBOUNCE_SECONDS = 0.1


@dataclass(frozen=True)
class PickerItem:
    """One search result: its id, the text the input shows once picked, the list line."""

    id: int
    text: str
    prompt: str


class Picker(DbWork, Vertical):
    """Base class: subclasses implement :meth:`search` (run in a worker thread)."""

    instant = False  # True: _run_search answers at once on the UI thread (no debounce)

    DEFAULT_CSS = """
    Picker {
        height: auto;
    }
    Picker > OptionList {
        max-height: 8;
        display: none;
    }
    Picker > OptionList.open {
        display: block;
    }
    Picker > .picker-chosen {
        color: $text-muted;
        height: auto;
    }
    """

    class Changed(Message):
        """The choice changed: ``value`` is the chosen id (``None`` when cleared)."""

        def __init__(self, picker: Picker, value: int | None, text: str) -> None:
            super().__init__()
            self.picker = picker
            self.value = value
            self.text = text

        @property
        def control(self) -> Picker:
            return self.picker

    def __init__(
        self,
        *,
        placeholder: str = "",
        limit: int = 20,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
        chosen_line: bool = True,
    ) -> None:
        super().__init__(id=id, classes=classes, disabled=disabled)
        self.placeholder = placeholder
        self.chosen_line = chosen_line  # False: no "Chosen: …" line under the box (a filter bar)
        self.limit = limit
        self._value: int | None = None
        self._text = ""
        self._detail = ""
        self._debounce: Timer | None = None
        self._searching = False  # a search is scheduled or running: results are stale
        self._pick_first = False  # Enter came before the results: pick the first one
        self.results: list[PickerItem] = []

    # -- public API ------------------------------------------------------------------

    @property
    def value(self) -> int | None:
        return self._value

    @property
    def text(self) -> str:
        return self._text

    def select(self, value: int, text: str, detail: str = "") -> None:
        """Choose ``value`` (shown as ``text``) without searching."""
        self._value, self._text, self._detail = value, text, detail
        if self.is_mounted:
            self._input.value = text
            self._close()
            self._show_chosen()
        self.post_message(self.Changed(self, value, text))

    def clear(self) -> None:
        """Forget the choice and empty the input."""
        had = self._value is not None
        self._value, self._text, self._detail = None, "", ""
        if self.is_mounted:
            self._input.value = ""
            self._close()
            self._show_chosen()
        if had:
            self.post_message(self.Changed(self, None, ""))

    def search(self, session: Session, query: str) -> list[PickerItem]:
        """The results for ``query`` (runs in a worker thread: no widget access)."""
        raise NotImplementedError

    # -- widget ----------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Input(value=self._text, placeholder=self.placeholder, classes="picker-input")
        yield OptionList(classes="picker-options")
        yield Label("", classes="picker-chosen")

    def on_mount(self) -> None:
        self._show_chosen()

    @property
    def _input(self) -> Input:
        return self.query_one(".picker-input", Input)

    @property
    def _options(self) -> OptionList:
        return self.query_one(".picker-options", OptionList)

    def _show_chosen(self, message: str | None = None) -> None:
        if message is None:
            message = (
                _("Chosen: {name}").format(name=self._detail or self._text)
                if self._value is not None
                else ""
            )
        if self._value is not None and not self.chosen_line:
            message = ""  # the box shows the choice; a bar of filters keeps one line
        chosen = self.query_one(".picker-chosen", Label)
        chosen.update(Text(message))
        chosen.display = bool(message)  # no blank line under an empty picker

    def _close(self) -> None:
        self._options.remove_class("open")

    @on(Input.Changed, ".picker-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._value is not None and event.value == self._text:
            return  # the input shows the choice just made
        if self._value is not None:
            self._value, self._text, self._detail = None, "", ""
            self._show_chosen()
            self.post_message(self.Changed(self, None, ""))
        if self._debounce is not None:
            self._debounce.stop()
        self._pick_first = False
        query = event.value.strip()
        if not query:
            self._searching = False
            self.results = []
            self._close()
            return
        if self.instant:  # an in-memory list: no database, no debounce, no stale result
            self._run_search(query)
            return
        self._searching = True
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, lambda: self._run_search(query))

    def _run_search(self, query: str) -> None:
        db, limit = self.app.db, self.limit

        def fetch() -> list[PickerItem]:
            with db.read_session() as s:
                return self.search(s, query)[:limit]

        self.db_work(
            fetch,
            self._show_results,
            group=f"picker-{id(self)}",
            on_error=self._search_failed,
        )

    def _search_failed(self, message: str) -> None:
        self._searching = self._pick_first = False
        self._show_chosen(message)

    def _show_results(self, items: list[PickerItem]) -> None:
        self._searching = False
        self.results = items
        if self._pick_first and items:
            self._pick_first = False
            self._pick(items[0])
            return
        options = self._options
        options.clear_options()
        options.add_options([Option(Text(item.prompt), id=str(item.id)) for item in items])
        if items:
            options.highlighted = 0
            options.add_class("open")
            self._show_chosen("")
        else:
            self._close()
            self._show_chosen(_("No match"))

    def _pick(self, item: PickerItem) -> None:
        self.select(item.id, item.text, item.prompt)

    @on(Input.Submitted, ".picker-input")
    def _submitted(self, event: Input.Submitted) -> None:
        if self._searching:  # a fast typist: take the first fresh result when it comes
            event.stop()
            self._pick_first = True
            return
        if not self.results or not self._options.has_class("open"):
            # nothing to pick (an empty box, or the choice already made): the Enter is the
            # form's, which moves on or saves (``event.control`` is this picker's input)
            return
        event.stop()
        index = self._options.highlighted or 0
        self._pick(self.results[index])

    @on(OptionList.OptionSelected, ".picker-options")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._pick(self.results[event.option_index])
        self._input.focus()

    def on_key(self, event: events.Key) -> None:
        options = self._options
        if not options.has_class("open"):
            return
        if event.key == "down" and self._input.has_focus:
            event.stop()
            options.focus()
        elif event.key == "escape" and (options.has_focus or self._input.has_focus):
            event.stop()
            self._close()
            self._input.focus()


class PersonPicker(Picker):
    """Pick a person by name, pinyin (张晓明 ← "zxm") or phone tail; phones masked."""

    def search(self, session: Session, query: str) -> list[PickerItem]:
        # a full phone number finds a person only for the roles that handle calls
        people = find_people(session, query, limit=self.limit, actor=getattr(self.app, "actor", None))
        homes = _names(session, {p.household_id for p in people if p.household_id})
        items = []
        for p in people:
            parts = [
                p.name,
                mask_phone(p.phone),
                homes.get(p.household_id, "") if p.household_id else "",
            ]
            items.append(PickerItem(p.id, p.name, "  ".join(x for x in parts if x)))
        return items


class PlacePicker(Picker):
    """Pick a place by name, code or pinyin (``ryy``); each result shows its full path and kind."""

    def __init__(self, *, kinds: Sequence[str] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.kinds = tuple(kinds)

    def search(self, session: Session, query: str) -> list[PickerItem]:
        from gongzhi.core.pinyin import normalise_query, place_search_keys

        places = search_places(session, query, kinds=self.kinds, limit=self.limit,
                               actor=getattr(self.app, "actor", None))
        # a name the query spells out whole comes first: "ryy" is 荣雅园 before 荣雅园社区
        norm = normalise_query(query)
        if norm:
            places.sort(key=lambda p: f"|{norm}|" not in place_search_keys(p.name) and p.name != query)
        ancestor_ids = {int(x) for p in places for x in p.path.strip("/").split("/") if x}
        names = _names(session, ancestor_ids)
        items = []
        for p in places:
            path = " / ".join(names.get(int(x), "?") for x in p.path.strip("/").split("/") if x)
            items.append(PickerItem(p.id, p.name, f"{path}  ({label(PlaceKind(p.kind))})"))
        return items


def _names(session: Session, place_ids: set[int]) -> dict[int, str]:
    if not place_ids:
        return {}
    return dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(place_ids))).all())


@dataclass(frozen=True)
class Choice:
    """One option of a :class:`ChoicePicker`: the value, the text shown, a code, a weight.

    It matches its label (Chinese substring), the label's pinyin initials and full
    pinyin (电梯 ← "dt", "dianti"), its code, and any extra ``keys`` (an English
    name, a goods barcode …). ``weight`` orders matches: the most used first.
    """

    value: Any
    label: str
    code: str = ""
    keys: str = ""
    weight: int = 0


def _choice_rank(choice: Choice, query: str, pinyin_keys: str) -> int | None:
    """How well ``choice`` matches ``query`` (lower is better), or ``None``."""
    from gongzhi.core.pinyin import normalise_query

    q = query.lower()
    code, label_lower, extra = choice.code.lower(), choice.label.lower(), choice.keys.lower()
    if q in (code, label_lower):
        return 0
    if code.startswith(q) or label_lower.startswith(q):
        return 1
    norm = normalise_query(q)
    if norm and f"|{norm}" in pinyin_keys:
        return 2  # prefix of the initials or the full pinyin
    if q in label_lower or (code and q in code) or (extra and q in extra):
        return 3
    if norm and norm in pinyin_keys:
        return 4
    return None


def filter_choices(choices: Sequence[Choice], query: str, keys: dict[int, str] | None = None) -> list[Choice]:
    """The choices matching ``query``, best match first, then by weight (empty query: all by weight)."""
    from gongzhi.core.pinyin import place_search_keys  # pypinyin: loaded when first needed

    query = query.strip()
    if not query:
        return sorted(choices, key=lambda c: -c.weight)
    ranked = []
    for i, c in enumerate(choices):
        pk = keys[i] if keys is not None else place_search_keys(c.label)
        rank = _choice_rank(c, query, pk)
        if rank is not None:
            ranked.append((rank, -c.weight, i, c))
    ranked.sort(key=lambda x: x[:3])
    return [c for *_k, c in ranked]


class ChoicePicker(Picker):
    """Pick one of a fixed list (categories, departments, goods …) by typing.

    Chinese, pinyin initials or full pinyin, or the code; the most used come first
    (``Choice.weight``). Down on an empty box lists every choice. ``value`` is the
    chosen :attr:`Choice.value`. No database: the options are given (or set later
    with :meth:`set_choices`) and filtered in memory as you type.
    """

    instant = True

    def __init__(self, choices: Sequence[Choice] = (), **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_choices(choices)

    def set_choices(self, choices: Sequence[Choice]) -> None:
        self.choices = list(choices)
        self._keys: dict[int, str] | None = None  # pinyin keys, computed on the first search

    def _pinyin(self) -> dict[int, str]:
        if self._keys is None:
            from gongzhi.core.pinyin import place_search_keys

            self._keys = {i: place_search_keys(c.label) for i, c in enumerate(self.choices)}
        return self._keys

    def matches(self, query: str) -> list[Choice]:
        return filter_choices(self.choices, query, self._pinyin())

    def _items(self, query: str) -> list[PickerItem]:
        items = []
        for c in self.matches(query)[: self.limit]:
            prompt = f"{c.label}  [{c.code}]" if c.code and c.code != c.label else c.label
            items.append(PickerItem(c.value, c.label, prompt))
        return items

    def _run_search(self, query: str) -> None:
        self._show_results(self._items(query))

    def choose(self, value: Any) -> None:
        """Preset the choice with this value (no-op when it is not among the choices)."""
        for c in self.choices:
            if c.value == value:
                self.select(c.value, c.label)
                return

    def on_key(self, event: events.Key) -> None:
        """Down/Up move through the matches while the focus stays in the box (keep typing)."""
        options = self._options
        if event.key in ("down", "up") and self._input.has_focus:
            event.stop()
            if not options.has_class("open"):
                if event.key == "down":
                    self._show_results(self._items(self._input.value if self._value is None else ""))
                return
            step = 1 if event.key == "down" else -1
            count = options.option_count
            options.highlighted = ((options.highlighted or 0) + step) % count if count else None
            return
        super().on_key(event)


__all__ = ["Choice", "ChoicePicker", "PersonPicker", "Picker", "PickerItem", "PlacePicker", "filter_choices"]
