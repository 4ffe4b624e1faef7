"""Hook implementations only: everything else is imported lazily, when used."""

from __future__ import annotations

from pathlib import Path

from gongzhi.core.hookspecs import hookimpl
from gongzhi.core.plugins import MigrationSpec, PluginMeta

NAME = "micro_projects"


@hookimpl
def plugin_metadata():
    return PluginMeta(
        name=NAME,
        title_zh="民生微实事",
        title_en="Micro-projects",
        version="0.1.0",
        description="年度清单、专项资金、张榜公示、销号与满意度测评 / annual lists, the special fund, "
        "publicity, close-out and the year-end evaluation",
    )


# the permissions of the plugin (issue 15; docs/micro_projects.md, "Who may do what").
# street_admin holds each of them everywhere; the others where their grant lies.
PERMISSIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    # the community's own list: lists and phases, projects, feasibility, spending,
    # close-out, objections during publicity
    ("micro.manage", "管理微实事清单与项目", "manage micro-project lists and projects", ("community_secretary",)),
    # milestones are field work: the grid worker who watches the site records them too
    ("micro.progress", "记录微实事进度", "record micro-project progress", ("community_secretary", "grid_worker")),
    # the street's special fund and its allocations, and the street's rules (the threshold)
    ("micro.fund", "管理微实事专项资金", "manage the micro-project fund", ()),
    # the representatives' ratings and the verdict: the meeting's facilitator, not the
    # community secretary whose annual review the verdict feeds
    ("micro.evaluate", "微实事满意度测评", "enter micro-project evaluations", ("facilitator",)),
)


@hookimpl
def register_permissions(register):
    for name, zh, en, roles in PERMISSIONS:
        register(name, zh, en, roles=roles)


@hookimpl
def plugin_migrations():
    return MigrationSpec(
        name=NAME,
        script_location=Path(__file__).parent / "migrations",
        table_prefix="micro_",
        models_module="gongzhi.plugins.micro_projects.models",
    )


@hookimpl
def register_commands(cli):
    from gongzhi.plugins.micro_projects.cli import app

    cli.add_typer(app, name="micro")


@hookimpl
def plugin_event(db, source, name, payload):
    """A decided consultation (the deliberation plugin's ``consultation_decided``,
    read by name only) proposes a candidate project on its community's open list, and so
    does a topic flagged in the insights plugin's opinion database
    (``insights/topic_to_micro_candidate``); a published evaluation round
    (``evaluation_round_published``, the round this plugin asked for with
    ``micro_evaluation_round_requested``) records its ballots and judges the project."""
    if source == "deliberation" and name == "consultation_decided":
        from gongzhi.plugins.micro_projects.services import propose_from_consultation

        propose_from_consultation(db, payload)
    elif source == "deliberation" and name == "evaluation_round_published":
        from gongzhi.plugins.micro_projects.services import record_round_result

        record_round_result(db, payload)
    elif source == "insights" and name == "topic_to_micro_candidate":
        from gongzhi.plugins.micro_projects.services import propose_from_insight

        propose_from_insight(db, payload)


@hookimpl
def register_exports(register):
    def fund(session, path: Path) -> Path:
        from gongzhi.plugins.micro_projects.reports import write_fund_xlsx
        from gongzhi.plugins.micro_projects.services import today

        return write_fund_xlsx(session, today().year, path)

    register("micro_fund", "本年度微实事专项资金（Excel）", "This year's micro-project fund (Excel)", fund)


@hookimpl
def demo_data(db, actor, seed, scale):
    from gongzhi.plugins.micro_projects.demo import build_micro_projects

    build_micro_projects(db, actor=actor, seed=seed, scale=scale)


@hookimpl
def register_sections(register):
    def screen(db):
        from gongzhi.plugins.micro_projects.screens.board import BoardScreen

        return BoardScreen(db)

    register(NAME, "民生微实事", "Micro-projects", screen)
