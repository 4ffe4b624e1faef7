"""The plugin host: discovery, enabling, loading, migrations and events.

- Discovery reads the ``gongzhi.plugins`` entry-point group (the built-in plugins
  are registered there in our own pyproject.toml, exactly as a third-party
  package would) and imports nothing.
- Installed is not enabled: the site config lists the enabled plugins, and
  ``GONGZHI_PLUGINS=a,b`` overrides it for one run (``""`` = none). Only enabled
  plugins are imported; their models (and so their tables) come with them.
- A plugin that fails to import is reported and skipped; a hook implementation
  that names no known hook fails loudly, naming its plugin (pluggy
  ``check_pending``); a table outside the plugin's prefix, or one that collides
  with the core or another plugin, is refused.
- Each plugin has its own Alembic environment and version table
  (``<plugin>_alembic_version``), migrated after the core in dependency order.
- Events from core services reach plugin hooks after commit, one implementation
  at a time: an exception is logged with the plugin's name and goes no further.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pluggy

from gongzhi.core import events, hookspecs
from gongzhi.core.config import Settings, update_config_file
from gongzhi.core.errors import DomainError

if TYPE_CHECKING:  # Alembic, SQLModel and the database load when first needed (issue 12)
    from alembic.config import Config

    from gongzhi.core.db import Database

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gongzhi.plugins"
# the project's own plugins: each a distribution of its own, built from plugins/<name>
# (issue 19), named gongzhi-<name> with its module under plugins.
BUILTIN_DISTRIBUTION_PREFIX = "gongzhi-"


@dataclass(frozen=True)
class PluginMeta:
    """What a plugin says of itself (hook ``plugin_metadata``)."""

    name: str
    title_zh: str
    title_en: str
    description: str = ""
    version: str = ""
    depends: tuple[str, ...] = ()


@dataclass(frozen=True)
class MigrationSpec:
    """A plugin's Alembic environment (hook ``plugin_migrations``)."""

    name: str
    script_location: Path
    table_prefix: str
    models_module: str | None = None

    @property
    def version_table(self) -> str:
        return f"{self.name}_alembic_version"


@dataclass(frozen=True)
class AvailablePlugin:
    """An installed plugin, known from its entry point alone (nothing imported)."""

    name: str
    module: str
    distribution: str
    version: str

    @property
    def source(self) -> str:
        builtin = (self.distribution or "").startswith(BUILTIN_DISTRIBUTION_PREFIX) and self.module.startswith(
            "gongzhi.plugins.")
        return "built-in" if builtin else "package"


def available_plugins() -> dict[str, AvailablePlugin]:
    """Every plugin installed in this environment, by entry-point name."""
    out: dict[str, AvailablePlugin] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        dist = ep.dist
        out[ep.name] = AvailablePlugin(
            name=ep.name,
            module=ep.value,
            distribution=dist.metadata["Name"] if dist is not None else "",
            version=dist.version if dist is not None else "",
        )
    return dict(sorted(out.items()))


def enabled_names(settings: Settings) -> list[str]:
    """The plugins this run enables: ``GONGZHI_PLUGINS`` if set (even empty), else the config."""
    override = os.environ.get("GONGZHI_PLUGINS")
    if override is not None:
        return [n.strip() for n in override.split(",") if n.strip()]
    return list(settings.plugins)


def _entry_point(name: str) -> EntryPoint:
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name == name:
            return ep
    raise DomainError("plugin.unknown", name=name, available=", ".join(available_plugins()) or "-")


@dataclass
class Contribution:
    plugin: str
    key: str
    args: tuple[Any, ...]
    kwargs: dict[str, Any] = field(default_factory=dict)


class PluginHost:
    """A pluggy manager holding the enabled plugins of one run."""

    def __init__(self, settings: Settings, *, names: Iterable[str] | None = None) -> None:
        self.settings = settings
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.requested = list(names) if names is not None else enabled_names(settings)
        self.metas: dict[str, PluginMeta] = {}
        self.specs: dict[str, MigrationSpec] = {}
        self.failures: dict[str, str] = {}
        self.tables: dict[str, set[str]] = {}
        self._unsubscribe: Callable[[], None] | None = None
        self.db: Database | None = None
        self._models_imported = False

    # -- loading ---------------------------------------------------------------

    def load(self, *, models: bool = True) -> PluginHost:
        """Import and register the enabled plugins; report (and skip) those that fail.

        ``models=False`` leaves the plugins' models (SQLModel, and so SQLAlchemy) for
        :meth:`import_models`, which everything touching the database calls first: the
        command line and the app start without them.
        """
        known = available_plugins()
        for name in self.requested:
            if name not in known:
                self.failures[name] = "not installed"
                log.warning("plugin %s is enabled but not installed; skipped", name)
                continue
            try:
                module = _entry_point(name).load()
            except Exception as exc:  # noqa: BLE001 - a broken plugin must not stop the app
                self.failures[name] = f"{type(exc).__name__}: {exc}"
                log.error("plugin %s failed to load: %s", name, exc)
                continue
            self.pm.register(module, name=name)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise DomainError("plugin.unknown_hook", plugin=self.pm.get_name(exc.plugin), detail=str(exc)) from None
        for name in self.names:
            plugin = self.pm.get_plugin(name)
            meta = self._call_one(plugin, "plugin_metadata")
            if meta is not None:
                self.metas[name] = meta
            spec = self._call_one(plugin, "plugin_migrations")
            if spec is not None:
                self.specs[name] = spec
        self._check_dependencies()
        self.declare_permissions()
        self._check_prefixes()
        if models:
            self.import_models()
        return self

    @property
    def names(self) -> list[str]:
        """The plugins actually loaded, in dependency order."""
        loaded = [n for n in self.requested if self.pm.get_plugin(n) is not None]
        return _dependency_order(loaded, {n: m.depends for n, m in self.metas.items()})

    def _call_one(self, plugin: Any, hook: str) -> Any:
        impl = getattr(plugin, hook, None)
        return impl() if callable(impl) else None

    def _check_dependencies(self) -> None:
        for name, meta in self.metas.items():
            missing = [d for d in meta.depends if self.pm.get_plugin(d) is None]
            if missing:
                raise DomainError("plugin.missing_dependency", name=name, depends=", ".join(missing))

    # core.models.CORE_TABLES, written out so that loading imports no model; import_models
    # checks against the real set again
    _CORE_TABLE_PREFIXES = ("audit_log", "membership", "organisation", "person", "person_care_tag", "place",
                            "ref_counter", "request", "request_attachment", "request_category",
                            "request_dispatch", "request_event", "request_feedback", "request_supporter")

    def _check_prefixes(self) -> None:
        """Refuse a plugin prefix that overlaps another plugin's or a core table (no import needed)."""
        prefixes = {n: s.table_prefix for n, s in self.specs.items()}
        for name, prefix in prefixes.items():
            for other, other_prefix in prefixes.items():
                if other != name and (prefix.startswith(other_prefix) or other_prefix.startswith(prefix)):
                    raise DomainError("plugin.table_collision", name=name, table=f"{prefix}*", other=other)
            if any(t.startswith(prefix) for t in self._CORE_TABLE_PREFIXES):
                raise DomainError("plugin.table_collision", name=name, table=f"{prefix}*", other="core")

    def import_models(self) -> PluginHost:
        """Import each plugin's models (once); refuse tables outside its prefix."""
        if self._models_imported:
            return self
        from sqlmodel import SQLModel

        from gongzhi.core.models import CORE_TABLES

        for name, prefix in ((n, s.table_prefix) for n, s in self.specs.items()):
            if any(t.startswith(prefix) for t in CORE_TABLES):
                raise DomainError("plugin.table_collision", name=name, table=f"{prefix}*", other="core")
        for name, spec in self.specs.items():
            if not spec.models_module:
                continue
            before = set(SQLModel.metadata.tables)
            try:
                importlib.import_module(spec.models_module)
            except Exception as exc:
                if "already defined" in str(exc):
                    raise DomainError("plugin.table_collision", name=name, table=str(exc), other="?") from None
                raise
            added = set(SQLModel.metadata.tables) - before
            if not added:  # imported earlier in this process: its tables are the prefixed ones
                added = {t for t in SQLModel.metadata.tables if t.startswith(spec.table_prefix)}
            foreign = sorted(t for t in added if not t.startswith(spec.table_prefix))
            if foreign:
                raise DomainError("plugin.table_collision", name=name, table=", ".join(foreign),
                                  other=f"prefix {spec.table_prefix}")
            self.tables[name] = added
        self._models_imported = True
        return self

    # -- contributions -----------------------------------------------------------

    def collect(self, hook: str, **kwargs: Any) -> list[Contribution]:
        """Call a ``register_*`` hook on every plugin; return what each registered."""
        out: list[Contribution] = []
        for impl in getattr(self.pm.hook, hook).get_hookimpls():

            def register(key: Any, *args: Any, _plugin: str = impl.plugin_name, **kw: Any) -> None:
                out.append(Contribution(plugin=_plugin, key=key, args=args, kwargs=kw))

            impl.function(register=register, **kwargs)
        return out

    def declare_permissions(self) -> list[str]:
        """The permissions plugins declare (``register_permissions``), added to the
        core's registry so that :func:`gongzhi.core.permissions.check` applies to them too."""
        from gongzhi.core.permissions import declare

        names = []
        for c in self.collect("register_permissions"):
            declare(c.key, c.args[0], c.args[1], tuple(c.kwargs.get("roles", ())), source=c.plugin)
            names.append(c.key)
        return names

    def register_commands(self, cli: Any, *, until: str | None = None) -> None:
        """Every plugin adds its commands to ``cli``; with ``until``, only until one has
        added a command or group of that name (the plugin named like it asked first), so
        ``gongzhi deliberation tally`` imports no other plugin's command module."""
        if until is None:
            self.pm.hook.register_commands(cli=cli)
            return
        impls = self.pm.hook.register_commands.get_hookimpls()
        impls.sort(key=lambda i: not (until.startswith(i.plugin_name) or i.plugin_name.startswith(until)))
        for impl in impls:
            impl.function(cli=cli)
            names = {g.name for g in getattr(cli, "registered_groups", [])}
            names |= {c.name or getattr(c.callback, "__name__", "") for c in getattr(cli, "registered_commands", [])}
            if until in names:
                return

    # -- migrations --------------------------------------------------------------

    def alembic_config(self, db: Database, name: str) -> Config:
        from alembic.config import Config

        self.import_models()
        spec = self.specs[name]
        cfg = Config()
        cfg.set_main_option("script_location", str(spec.script_location))
        cfg.set_main_option("version_table", spec.version_table)
        cfg.attributes["database"] = db
        cfg.attributes["spec"] = spec
        return cfg

    def current_revision(self, db: Database, name: str) -> str | None:
        from alembic.runtime.migration import MigrationContext

        spec = self.specs[name]
        with db.engine.connect() as conn:
            return MigrationContext.configure(conn, opts={"version_table": spec.version_table}).get_current_revision()

    def head_revision(self, db: Database, name: str) -> str | None:
        from alembic.script import ScriptDirectory

        return ScriptDirectory.from_config(self.alembic_config(db, name)).get_current_head()

    def migration_state(self, db: Database, name: str) -> str:
        if name not in self.specs:
            return "no tables"
        current, head = self.current_revision(db, name), self.head_revision(db, name)
        if current is None:
            return "not migrated"
        return "up to date" if current == head else f"at {current}, head {head}"

    def upgrade(self, db: Database, name: str | None = None) -> list[str]:
        """Migrate one plugin, or every loaded plugin in dependency order; seed their categories."""
        done = []
        for n in [name] if name else self.names:
            if n not in self.names:
                raise DomainError("plugin.not_enabled", name=n)
            if n in self.specs:
                from alembic import command

                command.upgrade(self.alembic_config(db, n), "head")
                done.append(n)
        self.seed_categories(db)
        return done

    def downgrade(self, db: Database, name: str, revision: str = "base") -> None:
        from alembic import command

        command.downgrade(self.alembic_config(db, name), revision)

    def check(self, db: Database, name: str) -> list[tuple]:
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext
        from sqlmodel import SQLModel

        from gongzhi.core.migrations.plugin_env import include_for

        self.import_models()

        spec = self.specs[name]
        with db.engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={"version_table": spec.version_table, "include_object": include_for(spec.table_prefix),
                      "compare_type": True},
            )
            return compare_metadata(ctx, SQLModel.metadata)

    def seed_categories(self, db: Database) -> int:
        """Add the request categories plugins contribute and the site does not have yet."""
        from sqlalchemy import select

        from gongzhi.core.models.requests import RequestCategory
        from gongzhi.core.services.base import Actor
        from gongzhi.core.services.categories import create_category

        contributions = self.collect("register_categories")
        if not contributions:
            return 0
        added = 0
        with db.session() as s:
            existing = set(s.scalars(select(RequestCategory.code)))
            for c in contributions:
                if c.key in existing:
                    continue
                create_category(s, actor=Actor(f"plugin:{c.plugin}"), code=c.key, name_zh=c.args[0],
                                name_en=c.args[1], sla=c.kwargs.get("sla", (240, 120, 48, 24)), source=c.plugin)
                existing.add(c.key)
                added += 1
        return added

    # -- events ------------------------------------------------------------------

    def start(self, db: Database) -> PluginHost:
        """Bind to a database and forward core events to plugin hooks."""
        self.import_models()
        self.db = db
        if self._unsubscribe is None:
            self._unsubscribe = events.subscribe(_Forward(self))
        return self

    def close(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def _on_event(self, event: str, *, skip: frozenset[str] = frozenset(), **payload: Any) -> None:
        hook = getattr(self.pm.hook, event, None)
        if hook is None:
            return
        for impl in hook.get_hookimpls():
            if impl.plugin_name in skip:
                continue
            try:
                impl.function(db=self.db, **payload)
            except Exception:  # noqa: BLE001 - never undo the committed write
                log.exception("plugin %s failed in %s", impl.plugin_name, event)

    def _on_events(self, fired: list[tuple[str, dict[str, Any]]]) -> None:
        """Many events at once: one ``events_in_bulk`` call to each plugin implementing
        it, the per-event hooks of the others (core.hookspecs.events_in_bulk)."""
        bulk = self.pm.hook.events_in_bulk.get_hookimpls()
        for impl in bulk:
            try:
                impl.function(db=self.db, events=fired)
            except Exception:  # noqa: BLE001 - never undo the committed write
                log.exception("plugin %s failed in events_in_bulk", impl.plugin_name)
        skip = frozenset(impl.plugin_name for impl in bulk)
        for event, payload in fired:
            self._on_event(event, skip=skip, **payload)


class _Forward:
    """The host's listener on core events: one hook call per event, or many at once."""

    def __init__(self, host: PluginHost) -> None:
        self.host = host

    def __call__(self, event: str, **payload: Any) -> None:
        self.host._on_event(event, **payload)

    def bulk(self, fired: list[tuple[str, dict[str, Any]]]) -> None:
        self.host._on_events(fired)


def _script_head(versions: Path) -> str | None:
    """The single head of an Alembic script directory, read from its files without Alembic.

    ``None`` when it cannot be told for sure (several heads, an unusual file): the
    caller then asks Alembic.
    """
    revisions: dict[str, set[str]] = {}
    rev_re = re.compile(r"^revision(?:\s*:[^=]*)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
    down_re = re.compile(r"^down_revision(?:\s*:[^=]*)?\s*=\s*(.+)$", re.M)
    for f in versions.glob("*.py"):
        text = f.read_text(encoding="utf-8")
        rev, down = rev_re.search(text), down_re.search(text)
        if rev is None:
            continue
        if down is None:
            return None
        revisions[rev.group(1)] = set(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    heads = set(revisions) - set().union(*revisions.values()) if revisions else set()
    return next(iter(heads)) if len(heads) == 1 else None


def sqlite_up_to_date(url: str, host: PluginHost | None) -> bool:
    """Whether an existing SQLite database is at the head of the core's and every loaded
    plugin's migrations, read with the standard library alone (``gongzhi plugins list``
    answers without SQLAlchemy or Alembic when it is). ``False`` means "ask Alembic".
    """
    import sqlite3

    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return False
    path = Path(url[len(prefix):])
    if not path.is_file():
        return False
    wanted = {"alembic_version": Path(__file__).parent / "migrations" / "versions"}
    for spec in (host.specs.values() if host is not None else ()):
        wanted[spec.version_table] = Path(spec.script_location) / "versions"
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        for table, versions in wanted.items():
            head = _script_head(versions)
            if head is None:
                return False
            try:
                rows = conn.execute(f'SELECT version_num FROM "{table}"').fetchall()
            except sqlite3.Error:
                return False
            if rows != [(head,)]:
                return False
    finally:
        conn.close()
    return True


def fire_plugin_event(source: str, name: str, payload: dict[str, Any]) -> None:
    """What a plugin calls, after its own commit, to tell the others something happened."""
    events.fire("plugin_event", source=source, name=name, payload=payload)


def _dependency_order(names: list[str], depends: dict[str, tuple[str, ...]]) -> list[str]:
    order: list[str] = []
    visiting: set[str] = set()

    def visit(n: str) -> None:
        if n in order:
            return
        if n in visiting:
            raise DomainError("plugin.dependency_cycle", name=n)
        visiting.add(n)
        for d in depends.get(n, ()):
            if d in names:
                visit(d)
        visiting.discard(n)
        order.append(n)

    for n in names:
        visit(n)
    return order


# -- enabling and disabling (the site config) --------------------------------------


def enable_plugin(settings: Settings, db: Database, name: str) -> PluginHost:
    """Check dependencies, migrate the plugin's tables and record it in the site config."""
    known = available_plugins()
    if name not in known:
        raise DomainError("plugin.unknown", name=name, available=", ".join(known) or "-")
    names = [n for n in settings.plugins if n in known]
    if name not in names:
        names.append(name)
    host = PluginHost(settings, names=names).load()
    if name in host.failures:
        raise DomainError("plugin.load_failed", name=name, detail=host.failures[name])
    db.ensure_ready()
    host.upgrade(db)
    settings.plugins = names
    update_config_file(plugins=names)
    return host


def disable_plugin(settings: Settings, name: str) -> None:
    """Hide a plugin; its tables and data stay untouched for a later enable."""
    known = available_plugins()
    if name not in known and name not in settings.plugins:
        raise DomainError("plugin.unknown", name=name, available=", ".join(known) or "-")
    if name not in settings.plugins:
        raise DomainError("plugin.not_enabled", name=name)
    host = PluginHost(settings, names=settings.plugins).load()
    dependants = [n for n, meta in host.metas.items() if name in meta.depends and n != name]
    if dependants:
        raise DomainError("plugin.required_by", name=name, dependants=", ".join(dependants))
    settings.plugins = [n for n in settings.plugins if n != name]
    update_config_file(plugins=settings.plugins)
