"""Gettext catalogs, read without Babel on the hot path, and the closed vocabularies' words.

A catalog is a ``.po`` file (``<locale_dir>/<zh_CN|en>/LC_MESSAGES/<domain>.po``) beside
its compiled form ``<domain>.catalog.json`` (the messages and the SHA-1 of the ``.po``
they came from, written by ``scripts/i18n.py``). :func:`read_catalog` reads the compiled
form when it was made from exactly that ``.po`` and parses the ``.po`` with Babel
otherwise (a hand edit is never ignored).

Message ids are English. A message with a context (``msgctxt``) is keyed
``context + "\\x04" + msgid``, gettext's own convention.

**Vocabularies.** A closed vocabulary (a request's status, a round's state …) is a
``StrEnum`` whose values are codes; its words live in the owning domain's catalog with
the enum's name as the context (``msgctxt "Status"`` / ``msgid "resolved"``), so
"resolved" can be 已办结 for a request and 已解决 for an answer, and a site adds a
language by adding a ``.po``. The code keeps only the English ids::

    VOCAB = Vocabulary("core", Path(__file__).parent / "locale")

    class Labelled(StrEnum):
        def label(self, lang="zh"):
            return VOCAB.label(self, lang)

    class Status(Labelled): ...

    VOCAB.add({"Status": {"submitted": V_("submitted"), ...}})

The core's catalog is ``core/locale`` (domain ``core``); a plugin keeps its words in its
own catalog (``plugins/<name>/locale``, domain ``<name>``), the one its screens use.
``scripts/i18n.py`` keeps each catalog's vocabulary entries in step with the code and
``tests/tui/test_i18n.py`` fails while any word lacks a translation.

This module imports nothing heavy: ``tally`` of a round file and ``--help`` use it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import Enum
from functools import cache
from pathlib import Path

LOCALES = {"zh": "zh_CN", "en": "en"}
CONTEXT_SEP = "\x04"


def po_path(lang: str, locale_dir: Path, domain: str) -> Path:
    return locale_dir / LOCALES[lang] / "LC_MESSAGES" / f"{domain}.po"


def compiled_path(po: Path) -> Path:
    return po.with_suffix(".catalog.json")


@cache
def read_catalog(path: Path, lang: str) -> dict[str, str]:
    """msgid → msgstr of one ``.po`` file (empty when the file does not exist): from its
    compiled form when that was made from exactly this ``.po``, else parsed with Babel."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return {}
    try:
        compiled = json.loads(compiled_path(path).read_text(encoding="utf-8"))
        if compiled.get("po_sha1") == hashlib.sha1(data).hexdigest():
            return compiled["messages"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    return parse_po(data, lang)


def message_key(msgid: str, context: str | None = None) -> str:
    return f"{context}{CONTEXT_SEP}{msgid}" if context else msgid


def parse_po(data: bytes, lang: str) -> dict[str, str]:
    """msgid (with its context, see :func:`message_key`) → msgstr of a ``.po`` file's bytes."""
    import io

    from babel.messages.pofile import read_po

    cat = read_po(io.BytesIO(data), locale=LOCALES[lang])
    return {message_key(m.id, m.context): m.string
            for m in cat if m.id and isinstance(m.id, str) and m.string}


def compile_catalog(path: Path, lang: str) -> Path:
    """Write the compiled form of the ``.po`` at ``path`` (see the module's docstring)."""
    data = path.read_bytes()
    target = compiled_path(path)
    body = {"po_sha1": hashlib.sha1(data).hexdigest(), "messages": parse_po(data, lang)}
    target.write_text(json.dumps(body, ensure_ascii=False, sort_keys=True, indent=0) + "\n", encoding="utf-8")
    return target


def N_(msgid: str) -> str:
    """Mark a message id for extraction where it is translated later."""
    return msgid


def V_(msgid: str) -> str:
    """A vocabulary word's English id. Not ``N_``: a folder's ``_()``/``N_()`` messages are
    extracted as bare messages, while a word is kept with its vocabulary's name as the
    context (through a :class:`Vocabulary`) — "open" is 协商中 for a consultation and 表决中
    for a round, which one bare message could not say."""
    return msgid


# every Vocabulary made, by domain (scripts/i18n.py and the catalog test read them)
VOCABULARIES: dict[str, Vocabulary] = {}


class Vocabulary:
    """The words of one domain's closed vocabularies, from that domain's catalogs."""

    def __init__(self, domain: str, locale_dir: Path) -> None:
        self.domain = domain
        self.locale_dir = locale_dir
        self.ids: dict[str, dict[str, str]] = {}  # enum name -> code -> English id
        self._paths = {lang: po_path(lang, locale_dir, domain) for lang in LOCALES}
        VOCABULARIES[domain] = self

    def add(self, labels: Mapping[str, Mapping[str, str]]) -> None:
        """Register English ids: ``{enum name: {code: English id}}``."""
        for name, codes in labels.items():
            self.ids.setdefault(name, {}).update(codes)

    def text(self, context: str, code: str, lang: str = "zh") -> str:
        """The word for ``code`` of vocabulary ``context`` in ``lang`` (its English id,
        or the code itself, when no catalog has it)."""
        msgid = self.ids.get(context, {}).get(code, code)
        path = self._paths.get(lang) or self._paths["zh"]
        found = read_catalog(path, lang if lang in LOCALES else "zh").get(message_key(msgid, context))
        return found or msgid

    def label(self, member: Enum, lang: str = "zh") -> str:
        return self.text(type(member).__name__, member.value, lang)

    def pair(self, context: str, code: str) -> tuple[str, str]:
        """(Chinese, English) of a code, for the bilingual texts that take both."""
        return self.text(context, code, "zh"), self.text(context, code, "en")

    def entries(self) -> list[tuple[str, str]]:
        """Every (context, English id) this vocabulary holds."""
        return sorted({(name, msgid) for name, codes in self.ids.items() for msgid in codes.values()})
