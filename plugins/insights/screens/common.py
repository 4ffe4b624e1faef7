"""What the insights screens share: bindings described through the plugin's catalog
(and redescribed when F2 switches the language)."""

from __future__ import annotations

from gongzhi.plugins.insights.i18n import _
from gongzhi.tui.widgets.base import gate_bindings, translate_bindings

# what a binding writes needs (plugin.register_permissions): hidden from a role without it
gate_bindings({"insights.to_request": "insights.manage"})


class Translated:
    """Mixin for a screen: its ``insights.*`` bindings' descriptions in the current
    language; F2 calls :meth:`refresh_language`."""

    def translate_own_bindings(self) -> None:
        translate_bindings(self, _, prefix="insights.")  # type: ignore[arg-type]

    def refresh_language(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.refresh_bindings()  # type: ignore[attr-defined]

    def relabel(self) -> None:
        """Redraw what the screen shows in the current language."""
