"""Hook implementations only: everything else (and jieba) is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from gongzhi.core.hookspecs import hookimpl
from gongzhi.core.plugins import MigrationSpec, PluginMeta

NAME = "insights"


@hookimpl
def plugin_metadata():
    return PluginMeta(
        name=NAME,
        title_zh="民意数据库",
        title_en="Insights",
        version="0.1.0",
        description="高频词、上升话题、集中点与群聊热度 / hot words, rising topics, hot spots and chat heat",
    )


@hookimpl
def register_permissions(register):
    # the listings (hot words, rising topics, hot spots, chat heat, the requests behind
    # them) are open to every role, as requests are (request.read); writing is not
    register("insights.manage", "管理民意数据库（导入群聊、同步分词、把话题转为诉求或议题）",
             "manage the opinion database (import chats, sync the index, act on topics)",
             roles=("community_secretary", "grid_worker"))


@hookimpl
def plugin_migrations():
    return MigrationSpec(
        name=NAME,
        script_location=Path(__file__).parent / "migrations",
        table_prefix="insights_",
        models_module="gongzhi.plugins.insights.models",
    )


@hookimpl
def register_commands(cli):
    from gongzhi.plugins.insights.cli import app

    cli.add_typer(app, name="insights")


def _index(db, request_id: int) -> None:
    from gongzhi.plugins.insights.services import index_request

    index_request(db, request_id)


@hookimpl
def request_created(db, request_id, actor):
    _index(db, request_id)


@hookimpl
def request_status_changed(db, request_id, from_status, to_status, actor):
    # the core has no edit event: every later event re-checks the text's hash
    _index(db, request_id)


@hookimpl
def feedback_recorded(db, request_id, feedback_id, actor):
    _index(db, request_id)


# the events whose request the index follows; from this many requests at once (an
# import) one bulk pass segments them (services.sync_tokens) instead of one session each
REQUEST_EVENTS = frozenset({"request_created", "request_status_changed", "feedback_recorded"})
BULK_FROM = 200


@hookimpl
def events_in_bulk(db, events):
    ids = list(dict.fromkeys(p["request_id"] for name, p in events if name in REQUEST_EVENTS))
    if len(ids) >= BULK_FROM:
        from gongzhi.plugins.insights.services import sync_tokens

        sync_tokens(db, request_ids=ids)
        return
    for request_id in ids:
        _index(db, request_id)


@hookimpl
def demo_data(db, actor, seed, scale):
    from gongzhi.plugins.insights.demo import build_insights

    build_insights(db, actor=actor, seed=seed, scale=scale)


@hookimpl
def register_sections(register):
    def screen(db):
        from gongzhi.plugins.insights.screens.overview import OverviewScreen

        return OverviewScreen(db)

    register(NAME, "民意数据库", "Insights", screen)
