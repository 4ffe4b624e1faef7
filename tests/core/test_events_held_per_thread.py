"""Events held by an import belong to the thread that holds them: the app imports in a
worker thread while its UI thread may fire events of its own (tui.screens.import_data)."""

from __future__ import annotations

import threading

from gongzhi.core import events


def test_an_event_fired_in_another_thread_is_not_held_by_an_open_import():
    got: list[tuple[str, str]] = []
    unsubscribe = events.subscribe(lambda event, **payload: got.append((event, payload["who"])))
    inside, release = threading.Event(), threading.Event()

    def importing(fail: bool) -> None:
        try:
            with events.held():
                events.fire("request_created", who="import")
                inside.set()
                release.wait(5)
                if fail:
                    raise RuntimeError("rolled back")
        except RuntimeError:
            pass

    try:
        for fail in (False, True):
            got.clear()
            inside.clear()
            release.clear()
            worker = threading.Thread(target=importing, args=(fail,))
            worker.start()
            assert inside.wait(5)
            events.fire("request_created", who="ui")  # the UI thread, while the import is open
            assert got == [("request_created", "ui")]  # fired at once, not held by the import
            release.set()
            worker.join(5)
            # the import's own event fires when its block ends well, and is dropped when it fails
            assert got == [("request_created", "ui")] + ([] if fail else [("request_created", "import")])
    finally:
        release.set()
        unsubscribe()
