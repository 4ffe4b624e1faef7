"""The insights plugin's UI strings: its own gettext catalog, then the core's."""

from __future__ import annotations

from pathlib import Path

from gongzhi.tui.i18n import N_, translator

_ = translator("insights", Path(__file__).parent / "locale")

__all__ = ["_", "N_"]
