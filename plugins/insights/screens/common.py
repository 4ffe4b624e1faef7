"""What the insights screens share: bindings described through the plugin's catalog
(and redescribed when F2 switches the language)."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.dom import DOMNode

from plugins.insights.i18n import _


class Translated:
    """Mixin for a screen: its ``insights.*`` bindings' descriptions in the current
    language; F2 calls :meth:`refresh_language`."""

    _MSGIDS: ClassVar[dict[str, str]] = {}

    def translate_own_bindings(self) -> None:
        node: DOMNode = self  # type: ignore[assignment]
        bindings = node._bindings
        for key, items in list(bindings.key_to_bindings.items()):
            new = []
            for b in items:
                if b.id and b.id.startswith("insights."):
                    msgid = Translated._MSGIDS.setdefault(b.id, b.description)
                    new.append(replace(b, description=_(msgid)))
                else:
                    new.append(b)
            bindings.key_to_bindings[key] = new

    def refresh_language(self) -> None:
        self.translate_own_bindings()
        self.relabel()
        self.refresh_bindings()  # type: ignore[attr-defined]

    def relabel(self) -> None:
        """Redraw what the screen shows in the current language."""
