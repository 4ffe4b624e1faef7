"""Pinyin search keys for Chinese names (张晓明 ← "zxm", "zhangxiaoming").

The surname is read with its usual reading and, for the surnames that are read
differently as surnames (单 shan, 曾 zeng, 仇 qiu, 解 xie …), with those readings
too — from a table, not from every heteronym pypinyin knows (王 would otherwise
also match "yu"); the given name with its usual reading in context.
Keys are stored as ``|initials|full|initials|full|`` so one ``LIKE`` finds them.
"""

from __future__ import annotations

import re
from typing import Any

# pypinyin's tables (~50 MB) load on the first name read, not when a service module
# is imported: the app's start and the commands that read no name never pay for them

_CJK = re.compile(r"[\u3400-\u9fff]")
# 复姓 read as one surname, so their heteronyms are taken for both characters
_COMPOUND_SURNAMES = (
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "令狐", "慕容", "尉迟", "长孙", "夏侯", "单于", "万俟", "澹台",
)

# surnames whose reading as a surname differs from (or adds to) the everyday one
SURNAME_READINGS: dict[str, tuple[str, ...]] = {
    "单": ("shan", "dan"),
    "曾": ("zeng", "ceng"),
    "仇": ("qiu", "chou"),
    "解": ("xie", "jie"),
    "朴": ("piao", "pu"),
    "区": ("ou", "qu"),
    "查": ("zha", "cha"),
    "盖": ("ge", "gai"),
    "乐": ("yue", "le"),
    "翟": ("zhai", "di"),
    "覃": ("qin", "tan"),
    "缪": ("miao", "mou"),
    "召": ("shao", "zhao"),
    "车": ("che", "ju"),
    "员": ("yun", "yuan"),
    "秘": ("bi", "mi"),
    "种": ("chong", "zhong"),
    "句": ("gou", "ju"),
    "隗": ("kui", "wei"),
    "尉": ("yu", "wei"),
    "繁": ("po", "fan"),
    "折": ("she", "zhe"),
    "占": ("zhan",),
    "长孙": ("zhang sun",),
    "尉迟": ("yu chi",),
    "万俟": ("mo qi",),
    "澹台": ("tan tai",),
}


def lazy_pinyin(text: str, **kwargs: Any) -> list[str]:
    from pypinyin import Style
    from pypinyin import lazy_pinyin as read

    kwargs.setdefault("style", Style.NORMAL)
    return read(text, **kwargs)


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
    given_reading = [x.replace("ü", "v") for x in lazy_pinyin(given)] if given else []
    usual = " ".join([x.replace("ü", "v") for x in lazy_pinyin(name)])
    out: list[str] = []
    for reading in SURNAME_READINGS.get(surname, ()):
        full = " ".join([reading, *given_reading])
        if full not in out:
            out.append(full)
    if usual not in out:
        out.append(usual)
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


def place_search_keys(name: str) -> str:
    """Keys for a place name (荣雅园社区 ← "ryysq", "rongyayuanshequ"); no surname rules.

    Digits and Latin letters stay as they are (``1号楼`` → ``1hl``, ``1haolou``); a
    name without Chinese characters needs no keys (its name already matches).
    """
    name = name.strip()
    if not _CJK.search(name):
        return ""
    syllables = [x.replace("ü", "v").lower() for x in lazy_pinyin(name)]
    parts = [re.sub(r"[\s'’·\-（）()]+", "", x) for x in syllables]
    parts = [x for x in parts if x]
    initials = "".join(x if not x.isalpha() or not x.isascii() else x[0] for x in parts)
    full = "".join(parts)
    keys = [k for k in dict.fromkeys((initials, full)) if k]
    return "|" + "|".join(keys) + "|" if keys else ""


def normalise_query(query: str) -> str:
    """A query as typed (``Zhang Xiaoming``, ``ZXM``) in the stored key form."""
    return re.sub(r"[\s'’·]+", "", query.lower())
