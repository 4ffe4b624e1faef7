"""Alembic environment for the core. Built in code by core.db.Database.alembic_config()."""

from __future__ import annotations

from alembic import context

from gongzhi.core.migrations.env_support import core_metadata, include_object

config = context.config
database = config.attributes["database"]


def run_migrations_online() -> None:
    connectable = database.write_engine
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=core_metadata(),
            version_table=config.get_main_option("version_table"),
            include_object=include_object,
            render_as_batch=database.is_sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; use 'gongzhi db upgrade'")
run_migrations_online()
