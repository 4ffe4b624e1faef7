"""The plugin as the host sees it: its migration matches its models and goes down and
up again; a decided consultation (the deliberation plugin's ``consultation_decided``,
heard by name through ``plugin_event``) proposes a project; a site without the plugin
keeps working and leaves its tables untouched."""

from __future__ import annotations

from datetime import date

from sqlalchemy import inspect, select

from gongzhi.core.plugins import fire_plugin_event
from gongzhi.core.services import requests as core_requests
from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import Project
from tests.plugins.micro_projects.conftest import row_counts
from tests.plugins.micro_projects.helpers import project_input

PLUGIN = "micro_projects"


def test_schema_matches_the_models_and_migrates_both_ways(site) -> None:
    assert site.host.check(site.db, PLUGIN) == []
    site.host.downgrade(site.db, PLUGIN, "base")
    left = [t for t in inspect(site.db.engine).get_table_names() if t.startswith("micro_")]
    assert left == ["micro_projects_alembic_version"]
    site.host.upgrade(site.db, PLUGIN)
    assert site.host.check(site.db, PLUGIN) == []


def test_a_decided_consultation_proposes_a_project(site, street, clerk) -> None:
    year = svc.today().year
    with site.db.session() as s:
        plist = svc.create_list(s, actor=clerk, community_id=street.community, year=year)
    payload = {"consultation_id": 41, "title": "荣雅园公共晾衣区选址", "decision": "在3号楼南侧设晾衣区",
               "place_id": street.compound, "request_ids": street.requests[:2], "outcome_id": 1}
    fire_plugin_event("deliberation", "consultation_decided", payload)
    fire_plugin_event("deliberation", "consultation_decided", payload)  # heard twice: one project
    fire_plugin_event("someone_else", "consultation_decided", payload | {"consultation_id": 42})
    with site.db.read_session() as s:
        projects = s.scalars(select(Project).where(Project.list_id == plist.id)).all()
        assert [(p.name, p.source, p.source_ref, p.status) for p in projects] == [
            ("荣雅园公共晾衣区选址", "consultation", "consultation:41", "candidate")]
        assert svc.linked_request_ids(s, projects[0].id) == sorted(street.requests[:2])


def test_a_topic_flagged_in_the_opinion_database_proposes_a_candidate(site, street, clerk) -> None:
    """The insights plugin's ``topic_to_micro_candidate`` (payload of docs/insights.md),
    heard by name: one candidate per topic and place, however often it is sent."""
    year = svc.today().year
    with site.db.session() as s:
        plist = svc.create_list(s, actor=clerk, community_id=street.community, year=year)
    payload = {"term": "高空抛物", "title": "荣雅园高空抛物问题（群聊热议）", "place_id": street.compound,
               "summary": "民意数据库：群聊中 45/99 条消息提到「高空抛物」，同期正式诉求 0/32 件（G²=32.0）",
               "chat_messages": 45, "chat_total": 99, "requests": 0, "requests_total": 32, "g2": 32.0,
               "flagged": True}
    fire_plugin_event("insights", "topic_to_micro_candidate", payload)
    fire_plugin_event("insights", "topic_to_micro_candidate", payload)  # heard twice: one project
    fire_plugin_event("insights", "topic_to_consultation", payload)  # not ours
    with site.db.read_session() as s:
        projects = s.scalars(select(Project).where(Project.list_id == plist.id)).all()
        assert [(p.name, p.source, p.source_ref, p.status) for p in projects] == [
            ("荣雅园高空抛物问题（群聊热议）", "insight", f"insights:高空抛物:{street.compound}", "candidate")]
        assert "45/99" in projects[0].content


def test_a_list_past_review_takes_no_proposal(site, street, clerk) -> None:
    year = svc.today().year
    with site.db.session() as s:
        plist = svc.create_list(s, actor=clerk, community_id=street.community, year=year)
        p = svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street))
        svc.advance_list(s, actor=clerk, list_id=plist.id, to_phase="reviewing")
        svc.decide_feasibility(s, actor=clerk, project_id=p.id, feasible=True)
        svc.advance_list(s, actor=clerk, list_id=plist.id, to_phase="publicised")
    before = row_counts(site.db)
    fire_plugin_event("deliberation", "consultation_decided",
                      {"consultation_id": 7, "title": "x", "decision": "y", "place_id": street.compound})
    assert row_counts(site.db) == before


def test_disabled_the_core_works_and_the_tables_stay(gongzhi_site, db, clerk) -> None:
    street = db.street
    with_plugin = gongzhi_site(plugins=[PLUGIN], url=db.url)
    with with_plugin.db.session() as s:
        plist = svc.create_list(s, actor=clerk, community_id=street.community, year=2026, on=date(2026, 1, 5))
        svc.from_requests(s, actor=clerk, list_id=plist.id, request_ids=street.requests[:1],
                          data=project_input(street))
    with_plugin.host.close()
    before = row_counts(db)
    core_only = gongzhi_site(plugins=[], url=db.url)
    code, out, err = core_only.cli("micro", "list", "2026")
    assert code != 0 and "micro" in err
    # the core's request loop still runs, the linked request too, and nothing of ours is touched
    with core_only.db.session() as s:
        for step in ("accepted", "in_progress", "resolved"):
            core_requests.transition(s, actor=clerk, request_id=street.requests[0], to_status=step)
    after = row_counts(db)
    assert {k: v for k, v in after.items() if k.startswith("micro_")} == {
        k: v for k, v in before.items() if k.startswith("micro_")}
    code, out, err = core_only.cli("request", "show", str(street.requests[0]))
    assert code == 0, err
