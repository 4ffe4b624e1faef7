"""Hook implementations only: everything else is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from core.hookspecs import hookimpl
from core.plugins import MigrationSpec, PluginMeta

NAME = "points_exchange"


@hookimpl
def plugin_metadata():
    return PluginMeta(
        name=NAME,
        title_zh="积分兑换",
        title_en="Points exchange",
        version="0.1.0",
        description="积分标准、积分账本与爱心超市 / earning rules, a points ledger and the love supermarket",
    )


@hookimpl
def plugin_migrations():
    return MigrationSpec(
        name=NAME,
        script_location=Path(__file__).parent / "migrations",
        table_prefix="points_",
        models_module="plugins.points_exchange.models",
    )


@hookimpl
def request_status_changed(db, request_id, from_status, to_status, actor):
    """A request reported by a grid worker or rider that reaches resolved earns its
    reporter points, once per request (plugins.points_exchange.services.earn_for_request)."""
    if to_status != "resolved":
        return
    from plugins.points_exchange.services import earn_for_request

    earn_for_request(db, request_id=request_id, actor=actor)


@hookimpl
def register_person_panels(register):
    def render(session, person_id):
        from plugins.points_exchange.services import person_panel_text

        return person_panel_text(session, person_id)

    register("points_balance", "积分", "Points", render)
