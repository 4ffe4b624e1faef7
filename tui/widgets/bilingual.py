"""Chinese-first, English-second text for plugin screens.

The core's strings live in gettext catalogs (``tui/locale``); a plugin carries its
own texts as (zh, en) pairs and picks one with :func:`t` at render time. A plugin
screen that mixes in :class:`Bilingual` gets its bindings' descriptions from
``BINDING_TEXT`` (binding id -> (zh, en)) on mount, and its
:meth:`Bilingual.refresh_language` is called by the app when F2 switches the
language while the screen is open (the app rebuilds the shell itself, but screens
stacked on top of it are the plugin's to redraw).
"""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.dom import DOMNode

from gongzhi.tui import i18n


def t(zh: str, en: str) -> str:
    """The text in the UI's current language."""
    return en if i18n.language() == "en" else zh


def lang_label(labels: dict[str, tuple[str, str]], value: str | None) -> str:
    """``labels[value]`` in the current language; an unknown value shows as itself."""
    if value is None:
        return ""
    zh, en = labels.get(value, (value, value))
    return t(zh, en)


def enum_label(enum_cls, value: str) -> str:
    """The label of a core vocabulary value (``Status``, ``PlaceKind`` …) in the current language."""
    try:
        return enum_cls(value).label(i18n.language())
    except ValueError:
        return value


def translate_pairs(node: DOMNode, texts: dict[str, tuple[str, str]]) -> None:
    """Rewrite the descriptions of ``node``'s bindings whose id is in ``texts``."""
    bindings = node._bindings  # Textual keeps them here; the keymap API edits the same map
    for key, items in list(bindings.key_to_bindings.items()):
        new = []
        for b in items:
            pair = texts.get(b.id or "")
            new.append(replace(b, description=t(*pair)) if pair else b)
        bindings.key_to_bindings[key] = new


class Bilingual:
    """Mixin for a plugin's screens and widgets (list it before ``Screen``/``DataTable``)."""

    BINDING_TEXT: ClassVar[dict[str, tuple[str, str]]] = {}

    def translate_own_bindings(self) -> None:
        translate_pairs(self, self.BINDING_TEXT)  # type: ignore[arg-type]

    def on_mount(self) -> None:
        self.translate_own_bindings()

    def refresh_language(self) -> None:
        """Redraw in the new language: bindings here; a subclass also relabels what it shows."""
        self.translate_own_bindings()
        for child in self.query("*"):  # type: ignore[attr-defined]
            if isinstance(child, Bilingual):
                child.translate_own_bindings()
        self.refresh_bindings()  # type: ignore[attr-defined]
