"""What a plugin's screen does around a write: run one service call off the UI thread (or
open a form whose save does), say what was done, and read the screen again.

:class:`WriteThenReload` is a mixin for a :class:`~textual.screen.Screen` that is also a
:class:`~gongzhi.tui.widgets.base.DbWork` and has ``reload()`` (read what it shows again) and a
``busy`` flag. A done text is a string, a (zh, en) pair (:func:`~gongzhi.tui.widgets.forms.text_of`)
or, where the write's result goes into it, a function of that result. Two hooks say where
the words go: :meth:`~WriteThenReload.announce` (a notification) and
:meth:`~WriteThenReload.write_failed` (the app's error line, then a reload); a screen with
its own status and error lines overrides them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from gongzhi.tui.widgets.forms import FormField, FormModal, Pair, text_of

DoneText = str | Pair | Callable[[Any], str]


class WriteThenReload:
    """``write_then_reload(fn, done_text)`` and ``form_then_reload(title, fields, submit,
    done_text, form_id=…)`` for a screen with ``db_work``, ``reload()`` and ``busy``."""

    WRITE_GROUP: ClassVar[str] = "widgets-write"  # the worker group of the writes
    FORM: ClassVar[type[FormModal]] = FormModal  # the plugin's FormModal subclass

    def announce(self, message: str) -> None:
        """Say what a write did (a notification)."""
        self.app.notify(message)  # type: ignore[attr-defined]

    def write_failed(self, message: str) -> None:
        """A write was refused: the message on the app's error line, then read again."""
        self.busy = False
        self.app.show_error(message)  # type: ignore[attr-defined]
        self.reload()  # type: ignore[attr-defined]

    @staticmethod
    def done_message(done_text: DoneText, result: Any) -> str:
        return done_text(result) if callable(done_text) else text_of(done_text)

    def write_then_reload(
        self, fn: Callable[[], Any], done_text: DoneText, after: Callable[[], Any] | None = None
    ) -> None:
        """Run ``fn`` off the UI thread (``busy`` meanwhile); then ``after()``, announce
        ``done_text`` and reload; a refusal goes to :meth:`write_failed`."""

        def done(result: Any) -> None:
            self.busy = False
            if after is not None:
                after()
            self.announce(self.done_message(done_text, result))
            self.reload()  # type: ignore[attr-defined]

        self.busy = True
        self.db_work(fn, done, group=self.WRITE_GROUP, on_error=self.write_failed)  # type: ignore[attr-defined]

    def form_then_reload(
        self,
        title: str | Pair,
        fields: list[FormField],
        submit: Callable[[dict[str, Any]], Callable[[], Any]],
        done_text: DoneText,
        *,
        form_id: str,
        after: Callable[[Any], Any] | None = None,
        cls: type[FormModal] | None = None,
    ) -> None:
        """Open a form (``cls``, by default :attr:`FORM`) whose save is one service call;
        saved, ``after(result)``, announce ``done_text`` and reload (cancelled: nothing)."""

        def done(result: Any) -> None:
            if result is None:
                return
            if after is not None:
                after(result)
            self.announce(self.done_message(done_text, result))
            self.reload()  # type: ignore[attr-defined]

        form = (cls or self.FORM)(title, fields, submit, form_id=form_id)
        self.app.push_screen(form, done)  # type: ignore[attr-defined]


__all__ = ["DoneText", "WriteThenReload"]
