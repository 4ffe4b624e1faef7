"""Our side of evaluation by deliberation round, through ``plugin_event`` only: the
plugin asks for a round (``micro_evaluation_round_requested``, with the three ratings as
options) and records the ballots of a published round (``evaluation_round_published``
from ``deliberation``) as ratings, once; the verdict then follows the same 70 % rule.
Here the other side is played by hand, through the events alone (their contract is in
docs/micro_projects.md); test_rounds_deliberation.py runs it with the deliberation
plugin enabled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from gongzhi.core import events
from gongzhi.core.plugins import fire_plugin_event
from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import RatingRecord
from tests.plugins.micro_projects.test_evaluation import closed_and_evaluating


def test_round_requested_and_its_ballots_recorded_once(site, street, clerk) -> None:
    plist, p = closed_and_evaluating(site.db, clerk, street)
    heard: list[dict] = []
    unsubscribe = events.subscribe(
        lambda event, **kw: heard.append(kw) if event == "plugin_event" else None)
    try:
        with site.db.session() as s:
            svc.request_evaluation_round(s, actor=clerk, project_id=p.id)
    finally:
        unsubscribe()
    asked = [h for h in heard if h["name"] == svc.ROUND_REQUESTED]
    assert len(asked) == 1 and asked[0]["source"] == "micro_projects"
    payload = asked[0]["payload"]
    assert payload["project_id"] == p.id and payload["year"] == plist.year
    assert [o["key"] for o in payload["options"]] == ["satisfied", "basically_satisfied", "dissatisfied"]
    ballots = [{"voter": f"代表{i}", "option_key": "dissatisfied" if i < 8 else "satisfied"} for i in range(10)]
    result = {"micro_project_id": p.id, "round_id": 9, "ballots": ballots}
    fire_plugin_event("deliberation", "evaluation_round_published", result)
    fire_plugin_event("deliberation", "evaluation_round_published", result)  # heard twice: once
    fire_plugin_event("deliberation", "evaluation_round_published", {"round_id": 10, "ballots": ballots})
    with site.db.session() as s:
        rows = s.scalars(select(RatingRecord).where(RatingRecord.project_id == p.id)).all()
        assert len(rows) == 10 and {r.via for r in rows} == {"round:9"}
        verdict = svc.decide_evaluation(s, actor=clerk, project_id=p.id, new_deadline=date(plist.year + 1, 6, 30),
                                        on=date(plist.year, 12, 15))
        assert verdict.redo and (verdict.dissatisfied, verdict.satisfied) == (8, 2)
