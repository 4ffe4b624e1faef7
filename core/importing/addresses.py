"""Free-text addresses matched to the place tree (issue 17, item 2).

Exact first: the names of a place's chain from any level down to it, joined without
spaces (``盛康园1号楼101``, ``盛康社区盛康园1号楼``), as before. When that fails, an
address is read the way clerks and callers write it — ``天津市东丽区金钟街道盛康园1栋
3单元101室``, ``盛康园一号楼101``, ``盛康园 1幢``:

1. the compound: the longest compound name (or the name of a community, when no
   compound is named) found in the text; a name found in two places is no match;
2. the building: a number written before 号楼/栋/幢/楼/号 (Arabic or Chinese numerals),
   matched to the compound's building whose name carries the same number;
3. the room: the last run of 3–4 digits after the building (``101``, ``1203室``),
   matched to a household of that building (directly or in one of its micro-grids).

When no compound's name is in the text, the compounds are scored against it
(:meth:`AddressMatcher.fuzzy`), best first:

- 3, the name without its suffix (小区, 花园, 家园, 社区, 园, 苑 …) is in the text:
  ``盛康小区1号楼101``, ``盛康1号楼``, ``盛康圆1号楼`` all name 盛康园;
- 2, the name read aloud (pinyin, :mod:`gongzhi.core.pinyin`) is in the text read aloud:
  ``圣康园`` is 盛康园 (a caller's name taken down by ear);
- 1, a stretch of the text is one edit (a character added, dropped or changed) from the
  name, for names of three characters or more: ``盛糠园1号楼``.

The best compound is used (a longer name found wins a tie); two compounds equally good
are no match but an ambiguous one (the set of both: the row is refused naming them). A
community named without a compound is scored the same way among its own compounds.

It stops at the deepest level it could match. Such a match is *approximate*: the import
uses it only once confirmed (``--confirm-approximate``, or the review list of the TUI,
where a clerk confirms it, rejects it or points the row at another place), so a fuzzy
match is never committed silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.importing.values import compact
from gongzhi.core.models.places import Place
from gongzhi.core.models.vocab import PlaceKind

_NUMERALS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9, "十": 10}
_BUILDING = re.compile(r"([0-9]+|[零〇一二两三四五六七八九十]+)\s*(?:号楼|号|栋|幢|楼|座)")
_ROOM = re.compile(r"(\d{3,4})(?:室|号|户)?")
_NUMBER = re.compile(r"\d+")
# what a compound's name ends with, and may be written without or with another of (longest first)
SUFFIXES = ("小区", "花园", "家园", "社区", "园区", "新村", "园", "苑", "里", "村", "庄")
# what may stand in a compound's name's place in the text: written instead of the suffix
_SUFFIX_WRITTEN = tuple(sorted({*SUFFIXES, "圆", "院", "源"}, key=len, reverse=True))


def core_name(name: str) -> str:
    """A compound's name without its suffix (盛康园 → 盛康), when two characters are left."""
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


def within_one_edit(a: str, b: str) -> bool:
    """Whether ``a`` becomes ``b`` by at most one character added, dropped or changed."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


def chinese_number(text: str) -> int | None:
    """``12`` or ``十二`` / ``二十一`` → the number; None when it is neither."""
    if text.isdigit():
        return int(text)
    if not all(ch in _NUMERALS for ch in text):
        return None
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _NUMERALS[ch]
        return value
    tens, _, ones = text.partition("十")
    return (_NUMERALS[tens] if tens else 1) * 10 + (_NUMERALS[ones] if ones else 0)


@dataclass(frozen=True)
class Match:
    place_id: int
    exact: bool


class AddressMatcher:
    """Matches addresses against the place tree read once from ``session``."""

    def __init__(self, session: Session, exact_index: dict[str, set[int]]) -> None:
        self.exact = exact_index
        rows = session.execute(select(Place.id, Place.name, Place.kind, Place.parent_id)).all()
        self.names = {pid: name for pid, name, _k, _p in rows}
        self._by_number: dict[int, dict[int, list[int]]] = {}
        self._by_room: dict[int, dict[str, list[int]]] = {}
        self.kind = {pid: kind for pid, _n, kind, _p in rows}
        self.parent = {pid: parent for pid, _n, _k, parent in rows}
        self.children: dict[int, list[int]] = {}
        for pid, _n, _k, parent in rows:
            if parent is not None:
                self.children.setdefault(parent, []).append(pid)
        # compounds (and communities) by name, longest first so 荣雅园二期 wins over 荣雅园
        by_name: dict[str, list[int]] = {}
        for pid, name, kind, _p in rows:
            if kind in (PlaceKind.compound, PlaceKind.community):
                by_name.setdefault(compact(name), []).append(pid)
        self.areas = sorted(by_name.items(), key=lambda item: -len(item[0]))
        # the compounds as the fuzzy reading compares them: (id, name, name without suffix)
        self.compounds = [(pid, compact(name), core_name(compact(name)))
                          for pid, name, kind, _p in rows if kind == PlaceKind.compound]
        self._sounds: dict[str, str] = {}  # a character → its reading (pinyin, tone marks off)

    def match(self, address: str) -> set[int] | Match:
        """The exact matches (a set: empty, one or several), or an approximate :class:`Match`."""
        key = compact(address)
        found = self.exact.get(key, set())
        if found:
            return found
        approx = self.approximate(key)
        return approx if approx is not None else set()

    def approximate(self, text: str) -> Match | set[int] | None:
        """The place the address names read as people write it, or the set of compounds it
        could equally be (ambiguous), or None."""
        area = None
        for name, ids in self.areas:
            at = text.find(name)
            if at < 0:
                continue
            compounds = [i for i in ids if self.kind[i] == PlaceKind.compound]
            pick = compounds or ids
            if len(pick) != 1:
                return None  # the same name in two places: not ours to choose
            area, text = pick[0], text[at + len(name):]
            break
        if area is None or self.kind[area] == PlaceKind.community:
            found = self.fuzzy(text, within=area)
            if len(found) > 1:
                return {pid for pid, _rest in found}
            if found:
                area, text = found[0]
        if area is None:
            return None
        place = area
        building_match = _BUILDING.search(text)
        if self.kind[area] == PlaceKind.compound and building_match:
            number = chinese_number(building_match.group(1))
            buildings = self._buildings(area).get(number, ()) if number is not None else ()
            if len(buildings) == 1:
                place = buildings[0]
                rest = text[building_match.end():]
                rooms = _ROOM.findall(rest)
                if rooms:
                    room = rooms[-1]
                    by_name = self._rooms(place)
                    households = by_name.get(room, []) + by_name.get(f"{room}室", [])
                    if len(households) == 1:
                        place = households[0]
        return Match(place, exact=False)

    def _sound(self, text: str) -> list[str]:
        sounds = self._sounds
        missing = {ch for ch in text if ch not in sounds}
        if missing:
            from gongzhi.core.pinyin import lazy_pinyin

            for ch in missing:
                sounds[ch] = lazy_pinyin(ch)[0] if "\u3400" <= ch <= "\u9fff" else ch
        return [sounds[ch] for ch in text]

    def fuzzy(self, text: str, within: int | None = None) -> list[tuple[int, str]]:
        """The compounds (below ``within``, a community, when given) the text names best,
        each with the text after the name: one, several equally good, or none. Tier by
        tier (the name without its suffix, then by sound, then one edit away): a tier
        that finds any ends the search."""
        compounds = [c for c in self.compounds if within is None or self.parent.get(c[0]) == within]
        found: list[tuple[int, int, str]] = []  # (length of the name found, id, the text after it)
        for pid, _name, core in compounds:
            at = text.find(core) if len(core) >= 2 else -1
            if at >= 0:
                end = at + len(core)
                for suffix in _SUFFIX_WRITTEN:  # 盛康小区1号楼: the building is read after 小区
                    if text.startswith(suffix, end):
                        end += len(suffix)
                        break
                found.append((len(core), pid, text[end:]))
        if not found:
            heard = self._sound(text)
            for pid, name, _core in compounds:
                sound = self._sound(name)
                hit = next((i for i in range(len(heard) - len(sound) + 1) if heard[i:i + len(sound)] == sound), None)
                if hit is not None:
                    found.append((len(name), pid, text[hit + len(sound):]))
        if not found:
            for pid, name, _core in compounds:
                if len(name) < 3:
                    continue
                for width in (len(name), len(name) - 1, len(name) + 1):
                    hit = next((i for i in range(len(text) - width + 1) if within_one_edit(text[i:i + width], name)),
                               None)
                    if hit is not None:
                        found.append((len(name), pid, text[hit + width:]))
                        break
        if not found:
            return []
        longest = max(n for n, _pid, _rest in found)  # 荣雅园二期 over 荣雅园, both found
        return [(pid, rest) for n, pid, rest in found if n == longest]

    def _buildings(self, compound: int) -> dict[int, list[int]]:
        """A compound's buildings by the number in their name (worked out once per compound)."""
        found = self._by_number.get(compound)
        if found is None:
            found = self._by_number[compound] = {}
            for b in self.children.get(compound, ()):
                if self.kind[b] == PlaceKind.building:
                    number = _number_of(self.names[b])
                    if number is not None:
                        found.setdefault(number, []).append(b)
        return found

    def _rooms(self, building: int) -> dict[str, list[int]]:
        """A building's households by their name without spaces (once per building)."""
        found = self._by_room.get(building)
        if found is None:
            found = self._by_room[building] = {}
            for h in self._households(building):
                found.setdefault(compact(self.names[h]), []).append(h)
        return found

    def path_text(self, place_id: int) -> str:
        """``盛康社区 / 盛康园 / 1号楼 / 101``: the place's chain below the street."""
        chain = []
        node: int | None = place_id
        while node is not None and self.kind.get(node) != PlaceKind.street:
            chain.append(self.names[node])
            node = self.parent.get(node)
        return " / ".join(reversed(chain))

    def _households(self, building: int) -> list[int]:
        out = []
        for child in self.children.get(building, ()):
            if self.kind[child] == PlaceKind.household:
                out.append(child)
            elif self.kind[child] == PlaceKind.micro_grid:
                out += [h for h in self.children.get(child, ()) if self.kind[h] == PlaceKind.household]
        return out


def _number_of(name: str) -> int | None:
    m = _BUILDING.search(name) or _NUMBER.search(name)
    if m is None:
        return None
    return chinese_number(m.group(1) if m.re is _BUILDING else m.group(0))
