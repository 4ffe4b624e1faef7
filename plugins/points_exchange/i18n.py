"""The points exchange's translations: its own gettext catalog (``locale/``, message ids
in English), then the core's (see :mod:`gongzhi.tui.i18n`). ``scripts/i18n.py --domain
plugins/points_exchange`` keeps the catalogs in step with the code."""

from __future__ import annotations

from pathlib import Path

from gongzhi.tui.i18n import N_, translator

_ = translator("points_exchange", Path(__file__).parent / "locale")

__all__ = ["N_", "_"]
