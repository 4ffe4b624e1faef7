"""Hook implementations only: everything else is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from gongzhi.core.hookspecs import hookimpl
from gongzhi.core.plugins import MigrationSpec, PluginMeta

NAME = "deliberation"


def from_request(app) -> None:
    """The palette action: take the request on screen to the council (asks for a title,
    creates the linked consultation, opens it); says so when no request is open."""
    from gongzhi.plugins.deliberation.screens import open_from_request

    open_from_request(app)


def receiving_round(app) -> None:
    """The palette action: the round receiving ballots, ready to type them."""
    from gongzhi.plugins.deliberation.screens import open_receiving_round

    open_receiving_round(app)


def link_request(app) -> None:
    """The palette action: add the request on screen to an existing consultation."""
    from gongzhi.plugins.deliberation.screens import link_from_request

    link_from_request(app)


@hookimpl
def plugin_metadata():
    return PluginMeta(
        name=NAME, title_zh="居民议事厅", title_en="Residents' council", version="0.1.0",
        description="圆桌会协商表决：参与人、方案、会议、表决轮次与可复核的计票 / "
                    "roundtable consultation voting with recountable results",
    )


@hookimpl
def register_permissions(register):
    # checked on the consultation's place (a consultation without one is street-wide: a grant
    # on the street); street_admin holds both (core.permissions.declare); docs/deliberation.md
    register("deliberation.manage", "主持议事（发起协商、开启与结束表决、公布结果、作出决定）",
             "run consultations (create them, open and close rounds, publish, decide)",
             roles=("facilitator", "community_secretary"))
    register("deliberation.record", "议事签到与录入选票", "check participants in and record ballots",
             roles=("facilitator", "community_secretary", "grid_worker"))


@hookimpl
def plugin_migrations():
    return MigrationSpec(name=NAME, script_location=Path(__file__).parent / "migrations",
                         table_prefix="delib_", models_module="gongzhi.plugins.deliberation.models")


@hookimpl
def register_commands(cli):
    from gongzhi.plugins.deliberation.cli import app

    cli.add_typer(app, name="deliberation")


@hookimpl
def register_sections(register):
    def screen(db):
        from gongzhi.plugins.deliberation.screens import DeliberationScreen

        return DeliberationScreen(db)

    register(NAME, "居民议事厅", "Residents' council", screen)


@hookimpl
def register_palette_commands(register):
    # the titles and help lines are messages of the plugin's catalog, as (zh, en) pairs
    from gongzhi.plugins.deliberation.i18n import N_, pair

    def add(title: str, action, help_text: str) -> None:
        help_zh, help_en = pair(help_text)
        register(*pair(title), action, help_zh=help_zh, help_en=help_en)

    add(N_("Deliberation: open the residents' council"), f"show_section:{NAME}",
        N_("Consultations, check-in, voting and counting"))
    add(N_("Deliberation: record ballots (the open round)"), receiving_round,
        N_("Straight to the round receiving ballots: k all present, y/n/a/o per voter, z undo, c count"))
    add(N_("Deliberation: open a consultation from a request"), from_request,
        N_("Take the current request to the residents' council; its timeline gets a note"))
    add(N_("Deliberation: add the request to a consultation"), link_request,
        N_("Link the current request to an open consultation; its timeline gets a note"))


@hookimpl
def register_exports(register):
    def write(session, path: Path) -> Path:
        from gongzhi.plugins.deliberation.minutes import write_all_minutes

        return write_all_minutes(session, path)

    register("deliberation_minutes", "议事厅会议纪要（Markdown）", "Council minutes (Markdown)", write)


@hookimpl
def plugin_event(db, source, name, payload):
    """A topic flagged by the insights plugin (``insights/topic_to_consultation``, heard by
    name) opens a draft consultation on its place; the micro-projects' request for an
    evaluation round (``micro_projects/micro_evaluation_round_requested``, heard by name)
    opens one round for the project at its community's year-end representatives' meeting."""
    if source == "insights" and name == "topic_to_consultation":
        from gongzhi.plugins.deliberation.services import consultation_from_insight

        consultation_from_insight(db, payload)
    elif source == "micro_projects" and name == "micro_evaluation_round_requested":
        from gongzhi.plugins.deliberation.evaluation import open_evaluation_round

        open_evaluation_round(db, payload)


@hookimpl
def demo_data(db, actor, seed, scale):
    from gongzhi.plugins.deliberation.demo import build_open_round, build_racks_consultation

    build_racks_consultation(db, actor=actor, seed=seed)
    build_open_round(db, actor=actor, seed=seed)
