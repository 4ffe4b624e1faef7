"""UI translations: gettext catalogs (``tui/locale/<lang>/LC_MESSAGES/gongzhi.po``)
read with Babel. Message ids are English; zh_CN is the default language.

Beside each ``.po`` lies its compiled form, ``<domain>.catalog.json`` (the messages and
the SHA-1 of the ``.po`` they came from), written by ``scripts/i18n.py``: the app reads
that instead of importing Babel and parsing the ``.po`` before its first frame (≈ 60 ms).
A ``.po`` edited by hand no longer matches its hash and is read with Babel, as before;
``scripts/i18n.py --compile`` writes the compiled forms again, and a test fails while
any is stale.

``_("New request")`` returns the text in the current language. A test extracts
every ``_()`` string from the UI and fails when either catalog lacks it.

A plugin ships its own catalog in the same format, in its own folder
(``plugins/<name>/locale/<lang>/LC_MESSAGES/<name>.po``), and gets its ``_`` from
:func:`translator`::

    # plugins/deliberation/i18n.py
    from pathlib import Path
    from gongzhi.tui.i18n import N_, translator

    _ = translator("deliberation", Path(__file__).parent / "locale")

The plugin's catalog is read first, the core's second, so a plugin may reuse the
core's words ("Save", "Cancel") without translating them again. A site adds a
language by adding a ``.po`` file to the core and to each plugin it uses; the
same test (``tests/tui/test_i18n.py``) checks every catalog it finds, and
``scripts/i18n.py --domain plugins/<name>`` keeps a plugin's catalogs in step
with its code.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path

from gongzhi.core import i18n as _core_i18n
from gongzhi.core.i18n import LOCALES, N_, compile_catalog, compiled_path, parse_po, read_catalog

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "gongzhi"

_current = "zh"


def po_path(lang: str, locale_dir: Path = LOCALE_DIR, domain: str = DOMAIN) -> Path:
    return _core_i18n.po_path(lang, locale_dir, domain)


def catalog(lang: str) -> dict[str, str]:
    """The core's catalog for ``lang``."""
    return read_catalog(po_path(lang), lang)


catalog.cache_clear = read_catalog.cache_clear  # type: ignore[attr-defined]

# plugin domains registered through translator(): name -> locale folder
DOMAINS: dict[str, Path] = {}


def lookup(lang: str, msgid: str, domain: str | None = None, locale_dir: Path | None = None) -> str:
    """``msgid`` in ``lang``: a plugin's own catalog first (when named), then the core's,
    then the id itself."""
    own = read_catalog(po_path(lang, locale_dir, domain), lang).get(msgid) if domain and locale_dir else None
    return own or catalog(lang).get(msgid) or msgid


def translator(domain: str, locale_dir: Path) -> Callable[[str], str]:
    """A ``_`` for a plugin: its own catalog first, then the core's, then the id itself."""
    DOMAINS[domain] = locale_dir

    def translate(msgid: str) -> str:
        return lookup(_current, msgid, domain, locale_dir)

    translate.domain = domain  # type: ignore[attr-defined]
    return translate


def pair_translator(domain: str, locale_dir: Path) -> Callable[..., tuple[str, str]]:
    """A plugin's ``pair(msgid, **fields)``: (Chinese, English) of ``msgid`` from its catalogs,
    formatted with ``fields`` — for the shared widgets that take both words."""

    def pair(msgid: str, **fields: object) -> tuple[str, str]:
        zh, en = lookup("zh", msgid, domain, locale_dir), lookup("en", msgid, domain, locale_dir)
        return (zh.format(**fields), en.format(**fields)) if fields else (zh, en)

    return pair


def set_language(lang: str) -> None:
    global _current
    _current = lang if lang in LOCALES else "zh"


def language() -> str:
    return _current


def _(msgid: str) -> str:
    """The message in the current language (the id itself if a catalog lacks it)."""
    return catalog(_current).get(msgid, msgid)


def label(member: StrEnum) -> str:
    """A core vocabulary value (status, channel …) in the current language."""
    return member.label(_current)  # type: ignore[attr-defined]


__all__ = [
    "DOMAIN", "DOMAINS", "LOCALES", "LOCALE_DIR", "N_", "_", "catalog", "compile_catalog", "compiled_path",
    "label", "language", "lookup", "pair_translator", "parse_po", "po_path", "read_catalog", "set_language",
    "translator",
]
