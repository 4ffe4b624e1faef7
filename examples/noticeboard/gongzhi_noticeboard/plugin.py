"""Hook implementations only: everything else is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from gongzhi.core.hookspecs import hookimpl
from gongzhi.core.plugins import MigrationSpec, PluginMeta

NAME = "noticeboard"


@hookimpl
def plugin_metadata():
    return PluginMeta(name=NAME, title_zh="公示栏", title_en="Notice board", version="0.1.0",
                      description="Post notices; every resolved request is posted automatically.")


@hookimpl
def plugin_migrations():
    return MigrationSpec(name=NAME, script_location=Path(__file__).parent / "migrations",
                         table_prefix="notice_", models_module="gongzhi_noticeboard.models")


@hookimpl
def register_commands(cli):
    from gongzhi_noticeboard.cli import app

    cli.add_typer(app, name="notice")


@hookimpl
def register_sections(register):
    def screen(db):
        from gongzhi_noticeboard.screens import NoticeBoardScreen

        return NoticeBoardScreen(db)

    register("noticeboard", "公示栏", "Notice board", screen)


@hookimpl
def register_palette_commands(register):
    register("公示栏: 查看", "Notice board: open", "show_section:noticeboard")


@hookimpl
def register_person_panels(register):
    def render(session, person_id):
        from sqlalchemy import func, select

        from gongzhi.core.models.requests import Request
        from gongzhi_noticeboard.models import NoticeItem

        n = session.scalar(select(func.count()).select_from(NoticeItem).join(Request, Request.id == NoticeItem.request_id)
                           .where(Request.reporter_id == person_id))
        return f"办结公示 {n} 条 / {n} resolution notices"

    register("noticeboard", "公示", "Notices", render)


@hookimpl
def register_exports(register):
    def write(session, path: Path) -> Path:
        import csv

        from gongzhi_noticeboard.services import list_notices

        with path.open("w", newline="", encoding="utf-8-sig") as f:
            w = csv.writer(f)
            w.writerow(["id", "标题", "张贴时间", "张贴人"])
            for n in list_notices(session, limit=100_000):
                w.writerow([n.id, n.title, n.posted_at.isoformat(), n.posted_by])
        return path

    register("notices_csv", "公示清单（CSV）", "Notices (CSV)", write)


@hookimpl
def register_categories(register):
    register("notice_board_damage", "公示栏损坏", "damaged notice board", sla=(240, 120, 48, 24))


@hookimpl
def register_permissions(register):
    # the core's check applies: core.permissions.check(session, actor, "noticeboard.post", place_id)
    register("noticeboard.post", "发布公示", "post notices", roles=("community_secretary",))


@hookimpl
def demo_data(db, actor, seed, scale):
    from gongzhi_noticeboard.services import post_notice

    with db.session() as s:
        post_notice(s, actor=actor, title="2026 年度民生微实事清单公示", body="路灯、车棚、小门拓宽……")


@hookimpl
def request_status_changed(db, request_id, from_status, to_status, actor):
    """办结公示: a resolved request is posted on the board."""
    if to_status != "resolved":
        return
    from gongzhi.core.services.base import Actor
    from gongzhi.core.services.requests import get_request
    from gongzhi_noticeboard.services import post_notice

    with db.session() as s:
        r = get_request(s, request_id)
        post_notice(s, actor=Actor(f"plugin:{NAME}"), title=f"办结公示：{r.title}", place_id=r.place_id,
                    request_id=r.id)


@hookimpl
def request_created(db, request_id, actor):
    pass  # the board shows results, not new requests


@hookimpl
def request_dispatched(db, request_id, dispatch_ids, whistle, actor):
    pass


@hookimpl
def feedback_recorded(db, request_id, feedback_id, actor):
    pass


@hookimpl
def events_in_bulk(db, events):
    """Many events at once (an import's): taking this hook means taking every event in it,
    so each is handed to the hook that handles it one by one."""
    handlers = {"request_status_changed": request_status_changed, "plugin_event": plugin_event}
    for name, arguments in events:
        handler = handlers.get(name)
        if handler is not None:
            handler(db=db, **arguments)


@hookimpl
def plugin_event(db, source, name, payload):
    """Another plugin's decision (e.g. a roundtable's) is posted too."""
    if name != "consultation_decided":
        return
    from gongzhi.core.services.base import Actor
    from gongzhi_noticeboard.services import post_notice

    with db.session() as s:
        post_notice(s, actor=Actor(f"plugin:{NAME}"), title=f"协商结果公示：{payload.get('title', '')}")
