"""Running database work off the UI thread, and translated bindings.

Every database call of the UI goes through :meth:`DbWork.db_work`: it runs in a
thread worker (exclusive per group, so a newer keystroke cancels the stale
query) and hands the result back on the UI thread. A domain error comes back as
its message in the user's language; the UI thread never waits on the database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any, TypeVar

from textual.dom import DOMNode
from textual.screen import Screen
from textual.worker import Worker, get_current_worker

from gongzhi.core.errors import DomainError
from gongzhi.tui.i18n import _, language
from gongzhi.tui.widgets import textual_strings

# Textual's own few English strings (Select's prompt, the palette's) come from our catalog:
# installed here because the app imports this module before it composes anything
textual_strings.install()

log = logging.getLogger(__name__)
T = TypeVar("T")

# binding id -> the English message id of its description (filled on first sight)
_BINDING_MSGIDS: dict[str, str] = {}


# binding id -> the permission its action needs (core.permissions): a binding whose
# permission the operator holds nowhere is left out of the screen (issue 15, item 2)
BINDING_PERMISSIONS: dict[str, str] = {
    "requests.new": "request.create",
    **dict.fromkeys(("request.accept", "request.report_in", "request.start", "request.feedback", "request.reopen",
                     "request.duplicate", "request.change_status", "request.dispatch_result",
                     "request.add_supporter", "request.attach"), "request.update"),
    "request.dispatch": "request.dispatch",
    "request.resolve": "request.close",
    "request.close": "request.close",
    "people.add": "person.create",
    "people.edit": "person.update",
    "person.edit": "person.update",
    "person.reveal": "person.reveal",
    "person.care_tags": "person.care_tags",
    "orgs.add": "org.manage",
    "orgs.add_membership": "org.manage",
    "orgs.end_membership": "org.manage",
    # the import screen from each section (tui.screens.import_data), for what it creates
    "requests.import": "request.create",
    "people.import": "person.create",
    "places.import": "place.manage",
    "orgs.import": "org.manage",
}


def gate_bindings(permissions: dict[str, str]) -> None:
    """Declare which permission a plugin's bindings need (binding id -> permission)."""
    BINDING_PERMISSIONS.update(permissions)


def permitted(node: DOMNode, binding_id: str | None) -> bool:
    """Whether the operator may use the binding ``binding_id`` (see BINDING_PERMISSIONS)."""
    permission = BINDING_PERMISSIONS.get(binding_id or "")
    if permission is None:
        return True
    may = getattr(node.app, "may", None)
    return bool(may(permission)) if callable(may) else True


def leave_out_unpermitted(node: DOMNode) -> None:
    """Drop ``node``'s bindings whose permission the operator holds nowhere (for a widget
    whose bindings are described otherwise, e.g. by :class:`~gongzhi.tui.widgets.bilingual.Bilingual`)."""
    bindings = node._bindings
    for key, items in list(bindings.key_to_bindings.items()):
        kept = [b for b in items if permitted(node, b.id)]
        if kept:
            bindings.key_to_bindings[key] = kept
        else:
            del bindings.key_to_bindings[key]


class Gated:
    """Mixin, listed before :class:`~gongzhi.tui.widgets.bilingual.Bilingual`: once its
    bindings are described, a screen or table leaves out those the operator's role may not
    use (:data:`BINDING_PERMISSIONS`, filled by plugins through :func:`gate_bindings`)."""

    def translate_own_bindings(self) -> None:
        super().translate_own_bindings()  # type: ignore[misc]
        leave_out_unpermitted(self)  # type: ignore[arg-type]


def translate_bindings(node: DOMNode, translate: Callable[[str], str] = _, *, prefix: str = "") -> None:
    """Rewrite the descriptions of ``node``'s bindings in the current language, and leave
    out those whose permission the operator holds nowhere (:data:`BINDING_PERMISSIONS`).

    A plugin passes its own ``_`` (its catalog) and its binding-id prefix (``"micro."``):
    only those bindings are redescribed through it."""
    bindings = node._bindings  # Textual keeps them here; the keymap API edits the same map
    for key, items in list(bindings.key_to_bindings.items()):
        new = []
        for b in items:
            if not permitted(node, b.id):
                continue
            if b.id is None or not b.id.startswith(prefix):
                new.append(b)
                continue
            msgid = _BINDING_MSGIDS.setdefault(b.id, b.description)
            new.append(replace(b, description=translate(msgid)))
        if new:
            bindings.key_to_bindings[key] = new
        else:
            del bindings.key_to_bindings[key]
    textual_strings.translate_textual_bindings(node)


class DbWork:
    """Mixin for widgets and screens that read or write the database."""

    def db_work(
        self,
        fn: Callable[[], T],
        on_done: Callable[[T], Any],
        *,
        group: str = "db",
        on_error: Callable[[str], Any] | None = None,
    ) -> Worker:
        app = self.app  # type: ignore[attr-defined]
        node = self

        def still_shown() -> bool:
            # the screen may have been closed while the thread ran: off the screen
            # stack its widgets are going (or gone), and a result has nowhere to land;
            # the same once the app is closing (its widgets are pruned child first)
            if getattr(app, "_app_closing", False) or not app.is_running:
                return False
            if not node.is_attached:  # type: ignore[attr-defined]
                return False
            screen = node if isinstance(node, Screen) else node.screen  # type: ignore[attr-defined]
            return screen in app.screen_stack

        def delivered(result: T) -> Any:
            if still_shown():
                return on_done(result)  # call_from_thread awaits an async on_done
            return None

        def failed(message: str) -> Any:
            if on_error is not None and still_shown():
                return on_error(message)
            return app.show_error(message)

        def job() -> None:
            worker = get_current_worker()
            wait = getattr(app, "wait_for_database", None)
            # the app opens its database after the first frame (and after a login, tui/app.py)
            if wait is not None and wait() is False:
                return
            if worker.is_cancelled:
                return
            try:
                result = fn()
            except DomainError as exc:
                if not worker.is_cancelled:
                    app.call_from_thread(failed, exc.message(language()))
                return
            except Exception as exc:  # noqa: BLE001 - show it, keep the app alive
                log.exception("database work failed")
                if not worker.is_cancelled:
                    app.call_from_thread(failed, _("Unexpected error: {detail}").format(detail=exc))
                return
            if not worker.is_cancelled:
                app.call_from_thread(delivered, result)

        return self.run_worker(job, thread=True, exclusive=True, group=group)  # type: ignore[attr-defined]
