"""UI translations: gettext catalogs (``tui/locale/<lang>/LC_MESSAGES/gongzhi.po``)
read with Babel. Message ids are English; zh_CN is the default language.

``_("New request")`` returns the text in the current language. A test extracts
every ``_()`` string from the UI and fails when either catalog lacks it.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "gongzhi"
LOCALES = {"zh": "zh_CN", "en": "en"}

_current = "zh"


def po_path(lang: str) -> Path:
    return LOCALE_DIR / LOCALES[lang] / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def catalog(lang: str) -> dict[str, str]:
    with po_path(lang).open("rb") as f:
        cat = read_po(f, locale=LOCALES[lang])
    return {m.id: m.string for m in cat if m.id and isinstance(m.id, str) and m.string}


def set_language(lang: str) -> None:
    global _current
    _current = lang if lang in LOCALES else "zh"


def language() -> str:
    return _current


def _(msgid: str) -> str:
    """The message in the current language (the id itself if a catalog lacks it)."""
    return catalog(_current).get(msgid, msgid)


def N_(msgid: str) -> str:
    """Mark a message id for extraction where it is translated later (bindings, titles)."""
    return msgid


def label(member: StrEnum) -> str:
    """A core vocabulary value (status, channel …) in the current language."""
    return member.label(_current)  # type: ignore[attr-defined]
