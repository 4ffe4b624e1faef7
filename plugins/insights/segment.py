"""Chinese segmentation for the insights plugin.

jieba (its bundled dictionary) with a user dictionary built from the street's place
tree (community, compound and building names) and the category keywords
(``data/keywords.txt``), a stop-word list (``data/stopwords.txt``) and synonyms
merged (``data/synonyms.txt``: ``电瓶车 电动车``). jieba is imported only when the
first text is segmented, never at plugin import.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).parent / "data"
MEMO_SIZE = 200_000  # distinct jieba tokens remembered with their term
BLOCK_MEMO_SIZE = 200_000  # distinct text blocks remembered with their terms
_MISSING = object()
USER_FREQ = 200_000  # high enough that jieba keeps a place name or keyword whole
_KEEP = re.compile(r"[\u4e00-\u9fff]")
_NUMBERED = re.compile(r"^[0-9A-Za-z\-#]+(号楼|栋|幢|单元|号)?$")


def _lines(name: str) -> list[str]:
    out = []
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            out.append(line)
    return out


@lru_cache(maxsize=1)
def stop_words() -> frozenset[str]:
    return frozenset(_lines("stopwords.txt"))


@lru_cache(maxsize=1)
def synonyms() -> dict[str, str]:
    pairs = (line.split() for line in _lines("synonyms.txt"))
    return {p[0]: p[1] for p in pairs if len(p) == 2 and p[0] != p[1]}


@lru_cache(maxsize=1)
def keywords() -> tuple[str, ...]:
    return tuple(line.split()[0] for line in _lines("keywords.txt"))


def text_hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Segmenter:
    """One jieba tokenizer with this street's words added. Thread-safe to build."""

    def __init__(self, place_names: Iterable[str] = (), extra_words: Iterable[str] = ()):
        self.place_names = tuple(sorted({n for n in place_names if _is_word(n)}))
        self.extra_words = tuple(extra_words)
        self._tok = None
        self._lock = threading.Lock()
        self.stop = stop_words()
        self.syn = synonyms()
        self._memo: dict[str, str | None] = {}  # jieba token → term (or None: dropped)
        # jieba cuts a text block by block (runs of Han characters, letters and digits,
        # and what lies between), each on its own: a block's terms are remembered, and
        # the street's requests repeat their blocks (an address, a phrase) many times over
        self._blocks: dict[str, tuple[str, ...]] = {}
        self._split = None

    def words(self) -> list[str]:
        """The user dictionary: places, category keywords, synonym variants and targets."""
        words = [*self.place_names, *keywords(), *self.extra_words]
        for variant, canonical in self.syn.items():
            words += [variant, canonical]
        return list(dict.fromkeys(w for w in words if w))

    def tokenizer(self):
        if self._tok is None:
            with self._lock:
                if self._tok is None:
                    import jieba

                    jieba.setLogLevel(logging.WARNING)
                    tok = jieba.Tokenizer()
                    tok.initialize()
                    for w in self.words():
                        tok.add_word(w, freq=USER_FREQ)
                    self._split = jieba.re_han_default.split  # how Tokenizer.cut splits a text
                    self._tok = tok
        return self._tok

    def cut(self, text: str) -> list[str]:
        """The terms of ``text``, in order: stop words dropped, synonyms merged (the same
        as cutting the whole text with jieba: it cuts each block on its own)."""
        self.tokenizer()
        blocks = self._blocks
        out: list[str] = []
        for block in self._split(text):
            if not block:
                continue
            terms = blocks.get(block)
            if terms is None:
                terms = tuple(self._cut(block))
                if len(blocks) < BLOCK_MEMO_SIZE:
                    blocks[block] = terms
            out += terms
        return out

    def _cut(self, text: str) -> list[str]:
        memo = self._memo
        out = []
        for w in self.tokenizer().cut(text, HMM=True):
            term = memo.get(w, _MISSING)
            if term is _MISSING:
                term = self._term(w)
                if len(memo) < MEMO_SIZE:
                    memo[w] = term
            if term is not None:
                out.append(term)
        return out

    def _term(self, w: str) -> str | None:
        w = w.strip()
        if len(w) < 2 or not _KEEP.search(w):
            return None
        w = self.syn.get(w, w)
        if w in self.stop or _NUMBERED.match(w):
            return None
        return w[:40]

    def counts(self, text: str) -> Counter[str]:
        return Counter(self.cut(text))


def _is_word(name: str) -> bool:
    name = name.strip()
    return len(name) >= 2 and bool(_KEEP.search(name)) and not _NUMBERED.match(name)


def place_names(session) -> list[str]:
    """Community, compound and building names of the street (and a community's name
    without its 社区 suffix)."""
    from sqlalchemy import select

    from gongzhi.core.models.places import Place

    names = []
    for (name,) in session.execute(
        select(Place.name).where(Place.kind.in_(NAMED_KINDS))
    ):
        names.append(name)
        if name.endswith("社区") and len(name) > 3:
            names.append(name[:-2])
    return names


_cache: dict[tuple, Segmenter] = {}
NAMED_KINDS = ("community", "compound", "building", "poi")


def segmenter_for(session, *, fresh: bool = False) -> Segmenter:
    """The street's segmenter. Cached on a cheap signature of the named places (their
    count and largest id), so writing a request does not re-read the place tree;
    ``fresh=True`` (the bulk sync) re-reads the names, picking up a renamed place."""
    from sqlalchemy import func, select

    from gongzhi.core.models.places import Place

    count, top = session.execute(
        select(func.count(), func.max(Place.id)).where(Place.kind.in_(NAMED_KINDS))).one()
    # .engine: the bind is a Connection inside Database.one_transaction() (the PostgreSQL demo)
    key = (session.get_bind().engine.url.render_as_string(hide_password=True), count, top)
    seg = _cache.get(key)
    if seg is not None and fresh:
        names = tuple(sorted({n for n in place_names(session) if _is_word(n)}))
        if names != seg.place_names:
            seg = None
    if seg is None:
        while len(_cache) >= 8:  # a few databases in one process (tests, a copy): keep the newest
            _cache.pop(next(iter(_cache)))
        seg = _cache[key] = Segmenter(place_names(session))
    return seg
