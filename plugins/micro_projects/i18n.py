"""The micro-projects' UI strings: its own gettext catalog, then the core's.

``_("English")`` at render time, ``N_`` to mark an id translated later, and :func:`pair`
for the shared widgets that take a (zh, en) pair (form fields): both words come from the
catalogs, so a form relabels itself when F2 switches the language. Update the catalogs
with ``.venv/bin/python scripts/i18n.py --domain plugins/micro_projects``.
"""

from __future__ import annotations

from pathlib import Path

from gongzhi.tui.i18n import N_, pair_translator, translator

DOMAIN = "micro_projects"
LOCALE_DIR = Path(__file__).parent / "locale"

_ = translator(DOMAIN, LOCALE_DIR)


pair = pair_translator(DOMAIN, LOCALE_DIR)


__all__ = ["N_", "_", "pair"]
