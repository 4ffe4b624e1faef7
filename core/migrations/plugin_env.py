"""The shared body of every plugin's Alembic ``env.py``.

A plugin's ``migrations/env.py`` is two lines::

    from gongzhi.core.migrations.plugin_env import run_plugin_migrations
    run_plugin_migrations()

It migrates only the tables that carry the plugin's prefix, and records its
revision in the plugin's own version table (``<plugin>_alembic_version``).
"""

from __future__ import annotations

import importlib

from alembic import context
from sqlmodel import SQLModel


def include_for(prefix: str):
    def include_object(obj, name, type_, reflected, compare_to) -> bool:
        if type_ == "table":
            return bool(name) and name.startswith(prefix)
        table = getattr(obj, "table", None)
        if table is not None:
            return table.name.startswith(prefix)
        return True

    return include_object


def run_plugin_migrations() -> None:
    config = context.config
    database = config.attributes["database"]
    spec = config.attributes["spec"]
    if spec.models_module:
        importlib.import_module(spec.models_module)
    if context.is_offline_mode():
        raise SystemExit("offline migrations are not supported; use 'gongzhi db upgrade'")
    with database.write_engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=SQLModel.metadata,
            version_table=spec.version_table,
            include_object=include_for(spec.table_prefix),
            render_as_batch=database.is_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()
