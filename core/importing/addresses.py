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

It stops at the deepest level it could match. Such a match is *approximate*: the import
uses it and lists it for review (the row, the address as written and the place chosen),
so a clerk can confirm or correct it before committing.
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

    def match(self, address: str) -> set[int] | Match:
        """The exact matches (a set: empty, one or several), or an approximate :class:`Match`."""
        key = compact(address)
        found = self.exact.get(key, set())
        if found:
            return found
        approx = self.approximate(key)
        return approx if approx is not None else set()

    def approximate(self, text: str) -> Match | None:
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
