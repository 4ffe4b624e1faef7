"""Every hook a gongzhi plugin can implement: one documented function each.

Plugins implement these with ``@gongzhi.core.hookspecs.hookimpl`` in their ``plugin.py``
and register the module under the ``gongzhi.plugins`` entry-point group. Names
are verb-first without a prefix (as datasette's); hooks that collect
contributions take a ``register`` callback (as simonw/llm's) so the core checks
each contribution where it is made. docs/plugins.md has a section per hook;
a test fails when one is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pluggy

PROJECT = "gongzhi"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# -- identity and storage -------------------------------------------------------


@hookspec
def plugin_metadata() -> Any:
    """Return this plugin's :class:`gongzhi.core.plugins.PluginMeta` (name, titles, depends)."""


@hookspec
def plugin_migrations() -> Any:
    """Return this plugin's :class:`gongzhi.core.plugins.MigrationSpec` (Alembic scripts, table prefix)."""


# -- command line and UI ---------------------------------------------------------


@hookspec
def register_commands(cli: Any) -> None:
    """Add a Typer sub-command group to the ``gongzhi`` command (``cli`` is the root Typer app)."""


@hookspec
def register_sections(register: Callable[..., None]) -> None:
    """Register TUI sidebar sections: ``register(key, title_zh, title_en, screen_factory)``."""


@hookspec
def register_palette_commands(register: Callable[..., None]) -> None:
    """Register command-palette commands: ``register(title_zh, title_en, callback, help_zh="", help_en="")``."""


@hookspec
def register_person_panels(register: Callable[..., None]) -> None:
    """Register panels for a person's page: ``register(key, title_zh, title_en, render)``,
    ``render(session, person_id) -> str``; a ``render`` that accepts ``lang`` gets the UI
    language (``"zh"``/``"en"``)."""


@hookspec
def register_exports(register: Callable[..., None]) -> None:
    """Register exports: ``register(key, title_zh, title_en, write)``, ``write(session, path) -> Path``."""


# -- data contributed to the core ------------------------------------------------


@hookspec
def register_categories(register: Callable[..., None]) -> None:
    """Register request categories: ``register(code, name_zh, name_en, sla=(low, normal, high, urgent))``."""


@hookspec
def register_permissions(register: Callable[..., None]) -> None:
    """Declare permissions: ``register(name, title_zh, title_en, roles=(...))``; the plugin's
    services then call ``gongzhi.core.permissions.check(session, actor, name, place_id)``."""


@hookspec
def demo_data(db: Any, actor: Any, seed: int, scale: str) -> None:
    """Add this plugin's records to a freshly built demo street."""


# -- events, fired after the core's transaction commits -------------------------


@hookspec
def request_created(db: Any, request_id: int, actor: str) -> None:
    """A request was logged."""


@hookspec
def request_status_changed(db: Any, request_id: int, from_status: str, to_status: str, actor: str) -> None:
    """A request moved along its lifecycle."""


@hookspec
def request_dispatched(db: Any, request_id: int, dispatch_ids: list[int], whistle: bool, actor: str) -> None:
    """A request was dispatched (or whistled) to organisations."""


@hookspec
def feedback_recorded(db: Any, request_id: int, feedback_id: int, actor: str) -> None:
    """A return visit (回访) was recorded on a request."""


@hookspec
def events_in_bulk(db: Any, events: list[tuple[str, dict[str, Any]]]) -> None:
    """Many of the events above at once, in order, as ``(hook name, arguments)`` — e.g.
    the thousands an import fires after its commit. A plugin that implements this gets
    them here in one call *instead of* its per-event hooks (it must then handle every
    event it cares about); a plugin that does not gets its per-event hooks as usual."""


@hookspec
def plugin_event(db: Any, source: str, name: str, payload: dict[str, Any]) -> None:
    """A generic event one plugin fires for the others (e.g. ``consultation_decided``)."""
