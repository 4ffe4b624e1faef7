"""Pinyin search keys for many names at once: :func:`gongzhi.core.pinyin.search_keys`, exactly, faster.

A street has 68,000 residents with about 36,000 distinct names, built from a few
hundred surnames and a few thousand given names. ``search_keys`` asks pypinyin
for every distinct name (≈ 50 µs each, two ``lazy_pinyin`` calls); most of that
is pypinyin converting the same words again. pypinyin segments a text into
words (longest dictionary phrase first) and converts each word on its own, so a
name's reading is the concatenation of its words' readings. Here the
segmentation is pypinyin's own (:meth:`pypinyin.core.Pinyin.seg`) and each word is
converted once; the keys are then assembled as ``search_keys`` assembles them.
``tests/core/test_demo.py`` checks every person's keys against ``search_keys``.
"""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin
from pypinyin.core import Pinyin

from gongzhi.core.pinyin import SURNAME_READINGS, _surname_length, search_keys


def _all_han(text: str) -> bool:
    return bool(text) and all("\u3400" <= ch <= "\u9fff" for ch in text)


class NameKeys:
    """``keys(name)`` == ``gongzhi.core.pinyin.search_keys(name)``, memoised per name and per word."""

    def __init__(self) -> None:
        self._names: dict[str, str] = {}
        self._words: dict[str, list[str]] = {}
        self._seg = Pinyin().seg

    def __call__(self, name: str) -> str:
        keys = self._names.get(name)
        if keys is None:
            keys = self._names[name] = self._keys(name)
        return keys

    def _reading(self, text: str) -> list[str]:
        """``lazy_pinyin(text, style=NORMAL)`` with ü written v, one conversion per distinct word."""
        out: list[str] = []
        for word in self._seg(text):
            syllables = self._words.get(word)
            if syllables is None:
                syllables = self._words[word] = [
                    x.replace("ü", "v") for x in lazy_pinyin(word, style=Style.NORMAL)]
            out.extend(syllables)
        return out

    def _keys(self, name: str) -> str:
        if not _all_han(name):
            return search_keys(name)  # spaces, Latin letters …: the general path
        # as core.pinyin.name_readings …
        n = _surname_length(name)
        surname, given = name[:n], name[n:]
        given_reading = self._reading(given) if given else []
        usual = " ".join(self._reading(name))
        readings: list[str] = []
        for reading in SURNAME_READINGS.get(surname, ()):
            full = " ".join([reading, *given_reading])
            if full not in readings:
                readings.append(full)
        if usual not in readings:
            readings.append(usual)
        # … and core.pinyin.search_keys
        keys: list[str] = []
        for reading in readings:
            syllables = reading.split()
            for key in ("".join(s[0] for s in syllables if s), "".join(syllables)):
                if key and key not in keys:
                    keys.append(key)
        return "|" + "|".join(keys) + "|" if keys else ""
