"""Events fired by services *after* their transaction commits.

Listeners (the plugin manager wires plugin hooks in here) get the event name and
keyword payload. A failing listener is logged and never undoes the write that
fired it: the commit already happened.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

Listener = Callable[..., Any]
_listeners: list[Listener] = []

REQUEST_CREATED = "request_created"
REQUEST_STATUS_CHANGED = "request_status_changed"
REQUEST_DISPATCHED = "request_dispatched"
FEEDBACK_RECORDED = "feedback_recorded"


def subscribe(listener: Listener) -> Callable[[], None]:
    """Add a listener ``listener(event, **payload)``; returns a function that removes it."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener) if listener in _listeners else None


# the buffers of the ``held()`` blocks open in each thread: an import held in the app's
# worker thread must not swallow (nor hold back) an event the UI thread fires meanwhile
_local = threading.local()


def _held() -> list[list[tuple[str, dict[str, Any]]]]:
    stack = getattr(_local, "held", None)
    if stack is None:
        stack = _local.held = []
    return stack


@contextmanager
def held() -> Iterator[None]:
    """Hold the events fired inside (by services whose commits are savepoints of a
    larger transaction, e.g. an import) and fire them once the block ends without an
    error; dropped if it raises, since nothing was written then."""
    buffer: list[tuple[str, dict[str, Any]]] = []
    stack = _held()
    stack.append(buffer)
    try:
        yield
    except BaseException:
        stack.remove(buffer)
        raise
    stack.remove(buffer)
    fire_all(buffer)


def fire_all(fired: list[tuple[str, dict[str, Any]]]) -> None:
    """Fire many events at once, in order (a held block's, e.g. an import's): a listener
    with a ``bulk`` method gets them in one call, the others one by one as :func:`fire`
    would give them. Inside :func:`held` they join the block's buffer."""
    if not fired:
        return
    stack = _held()
    if stack:
        stack[-1].extend(fired)
        return
    for listener in list(_listeners):
        name = getattr(listener, "__qualname__", repr(listener))
        bulk = getattr(listener, "bulk", None)
        if bulk is not None:
            try:
                bulk(list(fired))
            except Exception:  # noqa: BLE001 - a listener must never break the caller
                log.exception("event listener %s failed on %d events", name, len(fired))
            continue
        for event, payload in fired:
            try:
                listener(event, **payload)
            except Exception:  # noqa: BLE001
                log.exception("event listener %s failed on %s", name, event)


def fire(event: str, **payload: Any) -> None:
    stack = _held()
    if stack:
        stack[-1].append((event, payload))
        return
    for listener in list(_listeners):
        try:
            listener(event, **payload)
        except Exception:  # noqa: BLE001 - a listener must never break the caller
            name = getattr(listener, "__qualname__", repr(listener))
            log.exception("event listener %s failed on %s", name, event)
