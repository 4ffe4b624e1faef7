"""A yes/no switch for forms: its state in words, flipped by Space only.

Issue 13, point 1: a toggle shows its state in words, not only colour, and Enter
submits the form, never flips a toggle (a clerk who tabbed onto a Checkbox and
pressed Enter to save used to turn the whistle off without noticing). A form puts
its toggles after the fields that take typing, never between them.

Use::

    yield Toggle(_("Whistle"), value=True, on_text=_("on: departments only"), id="whistle")

Its label reads ``吹哨：开（只列职能部门）`` / ``Whistle: on …`` and changes with the value;
``Toggle.Changed`` is Textual's ``Checkbox.Changed``. Enter is left to the screen,
whose ``enter`` binding submits.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import Checkbox

from gongzhi.tui.i18n import _


class Toggle(Checkbox, inherit_bindings=False):
    """A Checkbox whose label says ``name: on/off`` and that Enter never flips."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_button", "Toggle", show=False),
    ]

    def __init__(
        self,
        name: str,
        value: bool = False,
        *,
        on_text: str | None = None,
        off_text: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        self.field_name = name
        self.on_text = on_text
        self.off_text = off_text
        super().__init__(self._text(value), value, id=id, classes=classes, disabled=disabled)

    def _text(self, value: bool) -> str:
        state = (self.on_text or _("on")) if value else (self.off_text or _("off"))
        return _("{name}: {state}").format(name=self.field_name, state=state) + "  " + _("(Space)")

    def watch_value(self) -> None:
        super().watch_value()
        self.label = self._text(self.value)


__all__ = ["Toggle"]
