"""Pinyin search keys for Chinese names (张晓明 ← "zxm", "zhangxiaoming").

The surname is read with every reading pypinyin knows for it (单 dan/shan/chan,
曾 zeng/ceng, 仇 qiu/chou …); the given name with its usual reading in context.
Keys are stored as ``|initials|full|initials|full|`` so one ``LIKE`` finds them.
"""

from __future__ import annotations

import itertools
import re

from pypinyin import Style, lazy_pinyin, pinyin

_CJK = re.compile(r"[\u3400-\u9fff]")
# 复姓 read as one surname, so their heteronyms are taken for both characters
_COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙", "夏侯", "单于")
_MAX_READINGS = 8


def _surname_length(name: str) -> int:
    return 2 if name[:2] in _COMPOUND_SURNAMES and len(name) > 2 else 1


def name_readings(name: str) -> list[str]:
    """Every plausible full reading of a name, as lowercase syllables joined by spaces."""
    name = name.strip()
    if not name:
        return []
    if not _CJK.search(name):
        return [re.sub(r"\s+", " ", name.lower())]
    n = _surname_length(name)
    surname, given = name[:n], name[n:]
    surname_options = [
        [r.replace("ü", "v") for r in readings] for readings in pinyin(surname, style=Style.NORMAL, heteronym=True)
    ]
    given_reading = [s.replace("ü", "v") for s in lazy_pinyin(given, style=Style.NORMAL)] if given else []
    usual_surname = [s.replace("ü", "v") for s in lazy_pinyin(surname, style=Style.NORMAL)]
    out: list[str] = [" ".join(usual_surname + given_reading)]
    for combo in itertools.product(*surname_options):
        reading = " ".join(list(combo) + given_reading)
        if reading not in out:
            out.append(reading)
        if len(out) >= _MAX_READINGS:
            break
    return out


def search_keys(name: str) -> str:
    """The stored key string: initials and full pinyin of every reading."""
    keys: list[str] = []
    for reading in name_readings(name):
        syllables = reading.split()
        for key in ("".join(s[0] for s in syllables if s), "".join(syllables)):
            if key and key not in keys:
                keys.append(key)
    return "|" + "|".join(keys) + "|" if keys else ""


def normalise_query(query: str) -> str:
    """A query as typed (``Zhang Xiaoming``, ``ZXM``) in the stored key form."""
    return re.sub(r"[\s'’·]+", "", query.lower())
