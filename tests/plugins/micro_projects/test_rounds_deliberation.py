"""Evaluation by deliberation round, end to end, with both plugins enabled on the same
street (SQLite and PostgreSQL): the micro-projects ask for one round per closed-out
project, the deliberation plugin opens them at the community's year-end representatives'
meeting, the representatives vote, the rounds are closed and published, and the
verdicts are recorded on the micro side by the 70 % rule (exactly 7 of 10 dissatisfied
is not redone, 8 of 10 is) — through the real services and ``plugin_event`` only. Each
plugin alone keeps working: a request nobody hears writes nothing, and a published
round nobody asked about reports nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, inspect, select

from gongzhi.core import events
from gongzhi.core.plugins import fire_plugin_event
from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import Project, RatingRecord, Verdict
from tests.plugins.micro_projects.conftest import row_counts
from tests.plugins.micro_projects.helpers import YEAR, advance, new_list, project_input

BOTH = ["micro_projects", "deliberation"]
REDO_DEADLINE = date(YEAR + 1, 6, 30)


@pytest.fixture
def both(gongzhi_site, db):
    """Core + micro-projects + deliberation on the micro street (the deliberation's tables
    are migrated onto it here)."""
    return gongzhi_site(plugins=BOTH, url=db.url)


def two_closed_projects(db, clerk, street) -> tuple[int, list[int]]:
    """荣雅园's list in evaluation with two closed-out projects: lamps and benches."""
    plist = new_list(db, clerk, street)
    with db.session() as s:
        ids = [svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street, name=n, budget=b)).id
               for n, b in (("路灯增亮", 4_000_00), ("休闲座椅", 900_00))]
    advance(db, clerk, plist.id, "reviewing", on=date(YEAR, 1, 20))
    with db.session() as s:
        for pid in ids:
            svc.decide_feasibility(s, actor=clerk, project_id=pid, feasible=True)
            svc.allocate(s, actor=clerk, project_id=pid, amount=svc.get_project(s, pid).budget)
    advance(db, clerk, plist.id, "publicised", "executing", on=date(YEAR, 2, 10))
    with db.session() as s:
        for pid in ids:
            svc.close_out(s, actor=clerk, project_id=pid, evidence=["完工.jpg"], note="居委会：已完成",
                          on=date(YEAR, 6, 1))
    advance(db, clerk, plist.id, "evaluating", on=date(YEAR, 12, 1))
    return plist.id, ids


def vote(db, actor, round_id: int, participants: list[int], keys: list[str]) -> None:
    """Start the round, record one ballot per representative (the option of its rating),
    close and count it, publish it."""
    from gongzhi.plugins.deliberation import services as delib
    from gongzhi.plugins.deliberation.evaluation import evaluation_of

    with db.session() as s:
        option_of = {key: int(oid) for oid, key in evaluation_of(s, round_id).option_keys.items()}
        delib.start_round(s, actor=actor, round_id=round_id)
        for pid, key in zip(participants, keys, strict=True):
            delib.record_ballot(s, actor=actor, round_id=round_id, participant_id=pid, option_id=option_of[key])
        delib.close_round(s, actor=actor, round_id=round_id)
        delib.publish_round(s, actor=actor, round_id=round_id)


def test_one_round_per_project_and_the_verdicts_come_back(both, street, clerk) -> None:
    from gongzhi.plugins.deliberation import services as delib
    from gongzhi.plugins.deliberation.models import (
        Consultation,
        EvaluationRound,
        Meeting,
        Option,
        Round,
    )

    db = both.db
    list_id, (lamps, benches) = two_closed_projects(db, clerk, street)
    heard: list[dict] = []
    unsubscribe = events.subscribe(lambda event, **kw: heard.append(kw) if event == "plugin_event" else None)
    try:
        with db.session() as s:
            asked = svc.request_evaluation_rounds(s, actor=clerk, list_id=list_id, redo_deadline=REDO_DEADLINE)
        assert [a["project_id"] for a in asked] == [lamps, benches]
        with db.session() as s:  # asked again: the rounds waiting are not opened twice
            svc.request_evaluation_round(s, actor=clerk, project_id=lamps, redo_deadline=REDO_DEADLINE)

        with db.read_session() as s:
            (c,) = s.scalars(select(Consultation)).all()
            assert (c.title, c.place_id, c.status) == ("荣雅园社区2026年度民生微实事满意度测评", street.community, "open")
            assert "超过有效票的 70%" in c.issue
            (meeting,) = s.scalars(select(Meeting)).all()
            assert meeting.venue == "荣雅园社区居民代表会议"
            links = s.scalars(select(EvaluationRound).order_by(EvaluationRound.id)).all()
            assert [(x.subject_id, x.year, x.threshold_num, x.threshold_den, x.redo_deadline) for x in links] == [
                (lamps, YEAR, 7, 10, REDO_DEADLINE), (benches, YEAR, 7, 10, REDO_DEADLINE)]
            rounds = [s.get(Round, x.round_id) for x in links]
            assert [(r.kind, r.state, r.meeting_id) for r in rounds] == [("plurality", "created", meeting.id)] * 2
            assert rounds[0].title.startswith(svc.get_project(s, lamps).code)
            # the three ratings are the consultation's options 1, 2, 3, shared by every round
            options = s.scalars(select(Option).order_by(Option.number)).all()
            assert [(o.number, o.text) for o in options] == [(1, "满意"), (2, "基本满意"), (3, "不满意")]
            assert rounds[0].option_ids == rounds[1].option_ids == [o.id for o in options]
            assert links[0].option_keys == {str(options[0].id): "satisfied", str(options[1].id): "basically_satisfied",
                                            str(options[2].id): "dissatisfied"}
            round_ids = [r.id for r in rounds]

        with db.session() as s:  # the year-end meeting: ten representatives, present
            reps = [delib.add_participant(s, actor=clerk, consultation_id=c.id, role="resident_rep",
                                          name=f"代表{i:02d}", present=True).id for i in range(10)]
        # lamps: 7 of 10 dissatisfied — exactly 70 %, not over it: passed
        vote(db, clerk, round_ids[0], reps, ["dissatisfied"] * 7 + ["satisfied", "basically_satisfied", "satisfied"])
        # a closed round is not yet published: nothing is reported
        with db.session() as s:
            delib.start_round(s, actor=clerk, round_id=round_ids[1])
            option_of = {k: int(o) for o, k in delib_keys(s, round_ids[1]).items()}
            for pid, key in zip(reps, ["dissatisfied"] * 8 + ["satisfied"] * 2, strict=True):
                delib.record_ballot(s, actor=clerk, round_id=round_ids[1], participant_id=pid, option_id=option_of[key])
            delib.close_round(s, actor=clerk, round_id=round_ids[1])
        with db.read_session() as s:
            assert s.scalar(select(func.count()).select_from(RatingRecord).where(
                RatingRecord.project_id == benches)) == 0
        with db.session() as s:  # benches: 8 of 10 dissatisfied — redone
            delib.publish_round(s, actor=clerk, round_id=round_ids[1])
    finally:
        unsubscribe()

    results = [h["payload"] for h in heard if (h["source"], h["name"]) == ("deliberation", "evaluation_round_published")]
    assert [(r["micro_project_id"], r["dissatisfied"], r["total"], r["dissatisfied_share"], r["threshold"], r["redo"])
            for r in results] == [(lamps, 7, 10, "7/10", "7/10", False), (benches, 8, 10, "4/5", "7/10", True)]
    assert results[0]["ballots"][0] == {"voter": "代表00", "option_key": "dissatisfied"}

    with db.read_session() as s:
        rows = s.scalars(select(RatingRecord).where(RatingRecord.project_id == lamps)).all()
        assert len(rows) == 10 and {r.via for r in rows} == {f"round:{round_ids[0]}"}
        t = svc.tally(s, lamps, YEAR)
        assert (t.satisfied, t.basically_satisfied, t.dissatisfied) == (2, 1, 7)
        verdicts = {v.project_id: v for v in s.scalars(select(Verdict))}
        assert (verdicts[lamps].redo, verdicts[lamps].dissatisfied, verdicts[lamps].threshold_num) == (False, 7, 7)
        assert (verdicts[benches].redo, verdicts[benches].new_deadline) == (True, REDO_DEADLINE)
        assert svc.get_project(s, lamps).status == "passed"
        assert svc.get_project(s, benches).status == "redo"
        carried = s.scalars(select(Project).where(Project.redo_of_id == benches)).one()
        assert (carried.deadline, carried.source) == (REDO_DEADLINE, "redo")

    # heard again (a resend): recorded once, judged once
    from gongzhi.plugins.deliberation.evaluation import report_result

    before = row_counts(db)
    with db.session() as s:
        assert report_result(s, round_id=round_ids[0])["micro_project_id"] == lamps
    assert row_counts(db) == before


def delib_keys(s, round_id: int) -> dict[str, str]:
    from gongzhi.plugins.deliberation.evaluation import evaluation_of

    return evaluation_of(s, round_id).option_keys


def test_a_redo_without_a_deadline_waits_for_the_grid(both, street, clerk) -> None:
    from gongzhi.plugins.deliberation.models import Consultation, EvaluationRound

    db = both.db
    _list_id, (lamps, _benches) = two_closed_projects(db, clerk, street)
    with db.session() as s:
        svc.request_evaluation_round(s, actor=clerk, project_id=lamps)
    with db.session() as s:
        from gongzhi.plugins.deliberation import services as delib

        c = s.scalars(select(Consultation)).one()
        reps = [delib.add_participant(s, actor=clerk, consultation_id=c.id, role="resident_rep", name=f"代表{i}",
                                      present=True).id for i in range(4)]
        round_id = s.scalars(select(EvaluationRound.round_id)).one()
    vote(db, clerk, round_id, reps, ["dissatisfied"] * 3 + ["satisfied"])  # 75 %: a redo, but no deadline given
    with db.read_session() as s:
        assert svc.tally(s, lamps, YEAR).total == 4
        assert s.scalar(select(func.count()).select_from(Verdict)) == 0
        assert svc.get_project(s, lamps).status == "done"
    with db.session() as s:  # the grid's v decides it, with the deadline
        v = svc.decide_evaluation(s, actor=clerk, project_id=lamps, new_deadline=REDO_DEADLINE)
    assert v.redo


def test_micro_alone_asks_and_nobody_answers(site, street, clerk) -> None:
    """Without the deliberation plugin the request goes to no listener: no round, no
    deliberation table, nothing written; the grid still takes the ratings."""
    list_id, (lamps, _benches) = two_closed_projects(site.db, clerk, street)
    before = row_counts(site.db)
    with site.db.session() as s:
        asked = svc.request_evaluation_rounds(s, actor=clerk, list_id=list_id, redo_deadline=REDO_DEADLINE)
    assert len(asked) == 2
    assert row_counts(site.db) == before
    assert not [t for t in inspect(site.db.engine).get_table_names() if t.startswith("delib_")]
    with site.db.session() as s:
        svc.rate(s, actor=clerk, project_id=lamps, ratings=[("代表1", "满意")])
        assert svc.tally(s, lamps, YEAR).total == 1


def test_deliberation_alone_opens_and_publishes_with_nobody_listening(gongzhi_site, db, street, clerk) -> None:
    """With only the deliberation plugin, the request (fired by hand here, as the
    micro-projects would) opens a round; its publication reports to nobody and the
    micro-projects' tables stay as they were."""
    from gongzhi.plugins.deliberation import services as delib
    from gongzhi.plugins.deliberation.models import EvaluationRound

    alone = gongzhi_site(plugins=["deliberation"], url=db.url)
    before = {k: v for k, v in row_counts(db).items() if k.startswith("micro_")}
    options = [{"key": k, "text_zh": z, "text_en": k} for k, z in
               (("satisfied", "满意"), ("basically_satisfied", "基本满意"), ("dissatisfied", "不满意"))]
    payload = {"project_id": 999, "code": "WSS-2026-荣雅园-009", "title": "WSS-2026-荣雅园-009 路灯满意度测评",
               "year": YEAR, "community_id": street.community, "options": options, "requested_by": "微实事专干",
               "threshold": "7/10", "redo_deadline": None}
    fire_plugin_event("micro_projects", "micro_evaluation_round_requested", payload)
    fire_plugin_event("micro_projects", "micro_evaluation_round_requested", payload | {"year": "x"})  # ignored
    with alone.db.session() as s:
        link = s.scalars(select(EvaluationRound)).one()
        rep = delib.add_participant(s, actor=clerk, consultation_id=link.consultation_id, role="resident_rep",
                                    name="代表1", present=True).id
    vote(alone.db, clerk, link.round_id, [rep], ["satisfied"])
    assert {k: v for k, v in row_counts(db).items() if k.startswith("micro_")} == before
    with alone.db.read_session() as s:
        assert delib.get_round(s, link.round_id).state == "published"
