"""The plugin's words, through gettext with its own catalog (``locale/<lang>/LC_MESSAGES/
red_property.po``; English message ids), read first, then the core's.

``_("Check in")`` is the text in the current language. The shared dialogs and binding
tables of :mod:`gongzhi.tui.widgets` still take (zh, en) pairs: :func:`pair` gives one from the
catalogs, so every string has one source, the catalog (update it with
``scripts/i18n.py --domain plugins/red_property``)."""

from __future__ import annotations

from pathlib import Path

from gongzhi.tui import i18n
from gongzhi.tui.i18n import N_, pair_translator, translator

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "red_property"

_ = translator(DOMAIN, LOCALE_DIR)


def gettext_in(lang: str, msgid: str) -> str:
    """``msgid`` in ``lang`` (the plugin's catalog, then the core's, then the id)."""
    return i18n.lookup(lang, msgid, DOMAIN, LOCALE_DIR)


pair = pair_translator(DOMAIN, LOCALE_DIR)


LIST_SEPARATOR = N_(", ")


def join(items, lang: str | None = None) -> str:
    """A list as the language writes it: 甲、乙 / A, B."""
    return gettext_in(lang or i18n.language(), LIST_SEPARATOR).join(items)


def pair_of(msgid: str, **values: object) -> tuple[str, str]:
    """Like :func:`pair`, with lists (list or tuple values) joined as each language writes them."""
    out = []
    for lang in ("zh", "en"):
        vals = {k: join(v, lang) if isinstance(v, list | tuple) else v for k, v in values.items()}
        out.append(gettext_in(lang, msgid).format(**vals))
    return out[0], out[1]


__all__ = ["N_", "_", "join", "pair", "pair_of"]
