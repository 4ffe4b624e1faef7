"""The roundtable's words, through gettext with the plugin's own catalog
(``plugins/deliberation/locale/<lang>/LC_MESSAGES/deliberation.po``; the core's catalog
second): ``_("English")`` at render time, ``N_`` to mark an id translated later.

:func:`pair` serves the shared widgets that still take a (zh, en) pair (form fields,
binding texts, the reason and list-section headings): both come from the catalogs, so
the code holds one English id and the words live in the catalog like every other.
The closed vocabularies' words (a round's state, a role, an outcome, a preset …) are in
the same catalog with the vocabulary's name as the context: ``VOCAB`` in
:mod:`gongzhi.plugins.deliberation.vocab` (``VOCAB.text(context, code, lang)``, ``VOCAB.pair``).
Update the catalogs with ``.venv/bin/python scripts/i18n.py --domain plugins/deliberation``.
"""

from __future__ import annotations

from pathlib import Path

from gongzhi.tui.i18n import N_, pair_translator, translator

DOMAIN = "deliberation"
LOCALE_DIR = Path(__file__).parent / "locale"

_ = translator(DOMAIN, LOCALE_DIR)


pair = pair_translator(DOMAIN, LOCALE_DIR)


__all__ = ["N_", "_", "pair"]
