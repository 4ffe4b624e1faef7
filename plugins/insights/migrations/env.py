from gongzhi.core.migrations.plugin_env import run_plugin_migrations

run_plugin_migrations()
