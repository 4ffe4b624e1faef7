"""Textual's own visible strings, in the user's language (issue 13, point 7).

Textual (8.2.x) writes a few English words into the screens it builds for us:

=====================================  ==========================================  =====================
string                                 where Textual keeps it                      how it is translated
=====================================  ==========================================  =====================
``Select`` (an empty Select's prompt)  default of ``Select.__init__(prompt=)``     ``Select.__init__`` wrapped: no prompt given → ``_("Select")``
``Search for commands…``               default of ``CommandPalette(placeholder=)``  ``CommandPalette.__init__`` wrapped likewise
``No matches found``                   an ``Option`` the palette adds itself        ``CommandList.add_option`` wrapped: that option (id ``--no-matches``) relabelled
``palette`` (footer, ``^p``)           the binding ``App.__init__`` adds            :func:`translate_textual_bindings` (called by ``translate_bindings``)
``Open the command palette`` (tooltip)  ``HeaderIcon.on_mount``                     ``HeaderIcon.on_mount`` wrapped; :func:`translate_header` after F2
``Theme``, ``Quit``, ``Keys`` …        ``App.get_system_commands``                 wrapped: each ``SystemCommand``'s title and help through the catalog
=====================================  ==========================================  =====================

:func:`install` applies the wrappers once, when :mod:`gongzhi.tui.widgets.base` is imported (the
app imports it before it composes anything); each looks the text up in the core catalog
(``tui/locale``) at the moment the widget is built, so after F2 the rebuilt screens speak
the new language. Every English id is a msgid of the catalog (listed in
:data:`TEXTUAL_MSGIDS`, so the extractor keeps them). Textual's other widgets we use
(Input, DataTable, TextArea, OptionList) show no text of their own; their bindings'
descriptions are not shown (our help screen lists only our own bindings).

``tests/tui/test_screen_fit.py`` opens the palette and an empty Select in Chinese and
fails if any of these strings is English, so a Textual upgrade that moves one is noticed.
"""

from __future__ import annotations

from functools import wraps
from typing import Any

from gongzhi.tui.i18n import N_, _

TEXTUAL_MSGIDS = (
    N_("Select"),
    N_("Search for commands…"),
    N_("No matches found"),
    N_("palette"),
    N_("Open the command palette"),
    # the system commands of the palette (App.get_system_commands)
    N_("Theme"),
    N_("Change the current theme"),
    N_("Quit"),
    N_("Quit the application as soon as possible"),
    N_("Keys"),
    N_("Show help for the focused widget and a summary of available keys"),
    N_("Hide the keys and widget help panel"),
    N_("Maximize"),
    N_("Maximize the focused widget"),
    N_("Minimize"),
    N_("Minimize the widget and restore to normal size"),
    N_("Screenshot"),
    N_("Save an SVG 'screenshot' of the current screen"),
)

_installed = False


def install() -> None:
    """Wrap Textual's few English defaults so they come from the catalog (idempotent)."""
    global _installed
    if _installed:
        return
    _installed = True

    from rich.align import Align
    from rich.text import Text
    from textual.app import App
    from textual.command import CommandList, CommandPalette
    from textual.widgets import Select
    from textual.widgets._header import HeaderIcon
    from textual.widgets.option_list import Option

    select_init = Select.__init__

    @wraps(select_init)
    def select_init_translated(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prompt", _("Select"))
        select_init(self, *args, **kwargs)

    Select.__init__ = select_init_translated  # type: ignore[method-assign]

    palette_init = CommandPalette.__init__

    @wraps(palette_init)
    def palette_init_translated(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("placeholder") in (None, "Search for commands…"):
            kwargs["placeholder"] = _("Search for commands…")
        palette_init(self, *args, **kwargs)

    CommandPalette.__init__ = palette_init_translated  # type: ignore[method-assign]

    add_option = CommandList.add_option

    @wraps(add_option)
    def add_option_translated(self, item: Any = None) -> Any:
        if isinstance(item, Option) and item.id == "--no-matches":
            item = Option(Align.center(Text(_("No matches found"), style="not bold")), disabled=True,
                          id=item.id)
        return add_option(self, item)

    CommandList.add_option = add_option_translated  # type: ignore[method-assign]

    icon_mount = HeaderIcon.on_mount

    @wraps(icon_mount)
    def icon_mount_translated(self) -> None:
        icon_mount(self)
        if not self.disabled:
            self.tooltip = _("Open the command palette")

    HeaderIcon.on_mount = icon_mount_translated  # type: ignore[method-assign]

    system_commands = App.get_system_commands

    @wraps(system_commands)
    def system_commands_translated(self, screen: Any):
        for command in system_commands(self, screen):
            yield command._replace(title=_(command.title), help=_(command.help))

    App.get_system_commands = system_commands_translated  # type: ignore[method-assign]


def translate_textual_bindings(node: Any) -> None:
    """The bindings Textual adds without an id (the palette's ``ctrl+p``) in the current language."""
    from dataclasses import replace

    bindings = node._bindings
    for key, items in list(bindings.key_to_bindings.items()):
        if not any(b.id is None and b.action == "command_palette" for b in items):
            continue
        bindings.key_to_bindings[key] = [
            replace(b, description=_("palette"), tooltip=_("Open the command palette"))
            if b.id is None and b.action == "command_palette"
            else b
            for b in items
        ]


def translate_header(node: Any) -> None:
    """The header icon's tooltip in the current language (after a language switch)."""
    from textual.widgets._header import HeaderIcon

    for icon in node.query(HeaderIcon):
        if not icon.disabled:
            icon.tooltip = _("Open the command palette")


__all__ = ["TEXTUAL_MSGIDS", "install", "translate_header", "translate_textual_bindings"]
