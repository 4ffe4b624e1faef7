"""The deliberation side of the micro-projects' evaluation, with this plugin alone (the
micro-projects' request is fired by hand, as that plugin fires it): one consultation per
community and year with its meeting, one unstarted plurality round per project on the
three shared options, a project's waiting round never opened twice, a consultation that
was decided replaced by a new one; on publication the result goes back with the valid
ballots the count used only (a representative who left before the close is not counted)
and the 70 % rule in exact fractions; an ordinary round reports nothing; a request that
cannot be acted on writes nothing."""

from __future__ import annotations

from fractions import Fraction

from sqlalchemy import select

from gongzhi.core import events
from gongzhi.core.plugins import fire_plugin_event
from gongzhi.core.services import places
from gongzhi.plugins.deliberation import services as svc
from gongzhi.plugins.deliberation.evaluation import percent, report_result
from gongzhi.plugins.deliberation.models import Consultation, EvaluationRound, Round
from tests.plugins.deliberation.conftest import row_counts

OPTIONS = [{"key": k, "text_zh": z, "text_en": e} for k, z, e in (
    ("satisfied", "满意", "satisfied"), ("basically_satisfied", "基本满意", "basically satisfied"),
    ("dissatisfied", "不满意", "dissatisfied"))]


def request(project_id: int, community_id: int, **extra) -> dict:
    code = f"WSS-2026-荣乐园-{project_id:03d}"
    return {"project_id": project_id, "code": code, "title": f"{code} 充电车棚满意度测评", "year": 2026,
            "community_id": community_id, "place_ids": [], "options": OPTIONS, "requested_by": "微实事专干",
            "threshold": "7/10", "redo_deadline": "2027-06-30"} | extra


def ask(payload: dict) -> None:
    fire_plugin_event("micro_projects", "micro_evaluation_round_requested", payload)


def community(db, actor) -> int:
    with db.session() as s:
        street = places.create_place(s, actor=actor, kind="street", name="青源街道")
        return places.create_place(s, actor=actor, kind="community", name="荣乐园社区", parent_id=street.id).id


def published(heard: list[dict]) -> list[dict]:
    return [h["payload"] for h in heard if (h["source"], h["name"]) == ("deliberation", "evaluation_round_published")]


def test_rounds_are_opened_once_and_report_their_valid_ballots(site, actor) -> None:
    cid = community(site.db, actor)
    ask(request(1, cid))
    ask(request(2, cid, threshold="2/3"))
    ask(request(1, cid))  # project 1 has a round waiting: nothing new
    with site.db.read_session() as s:
        (c,) = s.scalars(select(Consultation)).all()
        assert c.title == "荣乐园社区2026年度民生微实事满意度测评" and c.place_id == cid
        links = s.scalars(select(EvaluationRound).order_by(EvaluationRound.id)).all()
        assert [(x.subject_id, Fraction(x.threshold_num, x.threshold_den)) for x in links] == [
            (1, Fraction(7, 10)), (2, Fraction(2, 3))]
        r1, r2 = (s.get(Round, x.round_id) for x in links)
        assert (r1.number, r2.number, r1.state, r1.option_ids == r2.option_ids) == (1, 2, "created", True)
        key_of = {int(o): k for o, k in links[0].option_keys.items()}
        option = {k: o for o, k in key_of.items()}
    with site.db.session() as s:
        reps = [svc.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", name=n,
                                    present=True).id for n in ("王芳", "李娜", "赵敏", "王芳")]
        svc.start_round(s, actor=actor, round_id=r1.id)
        for pid, key in zip(reps, ("dissatisfied", "satisfied", "dissatisfied", "basically_satisfied"), strict=True):
            svc.record_ballot(s, actor=actor, round_id=r1.id, participant_id=pid, option_id=option[key])
        svc.checkin(s, actor=actor, participant_id=reps[2], present=False,
                    confirm_drop=True)  # left before the count: their rating drops, as confirmed
        svc.close_round(s, actor=actor, round_id=r1.id)
    heard: list[dict] = []
    unsubscribe = events.subscribe(lambda event, **kw: heard.append(kw) if event == "plugin_event" else None)
    try:
        with site.db.session() as s:
            svc.publish_round(s, actor=actor, round_id=r1.id)
    finally:
        unsubscribe()
    (result,) = published(heard)
    assert result["micro_project_id"] == 1 and result["round_id"] == r1.id
    # the two 王芳 are told apart; 赵敏, checked out before the close, was not counted
    assert result["ballots"] == [{"voter": f"王芳（{reps[0]}）", "option_key": "dissatisfied"},
                                 {"voter": "李娜", "option_key": "satisfied"},
                                 {"voter": f"王芳（{reps[3]}）", "option_key": "basically_satisfied"}]
    assert (result["dissatisfied"], result["total"], result["dissatisfied_share"], result["redo"]) == (1, 3, "1/3",
                                                                                                      False)
    assert result["redo_deadline"] == "2027-06-30"
    with site.db.session() as s:  # a resend says the same
        assert report_result(s, round_id=r1.id) == result
    ask(request(1, cid))  # published: a new request opens a new round (the project's side decides if it may)
    with site.db.read_session() as s:
        assert len(s.scalars(select(EvaluationRound).where(EvaluationRound.subject_id == 1)).all()) == 2


def test_an_ordinary_round_reports_nothing(site, table, actor) -> None:
    heard: list[dict] = []
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="plurality")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], option_id=table.options[0])
        svc.close_round(s, actor=actor, round_id=r.id)
    unsubscribe = events.subscribe(lambda event, **kw: heard.append(kw) if event == "plugin_event" else None)
    try:
        with site.db.session() as s:
            svc.publish_round(s, actor=actor, round_id=r.id)
    finally:
        unsubscribe()
    assert [h["name"] for h in heard] == ["round_published"]


def test_a_decided_consultation_is_not_reused_and_bad_requests_write_nothing(site, actor) -> None:
    cid = community(site.db, actor)
    ask(request(1, cid))
    with site.db.session() as s:
        first = s.scalars(select(Consultation)).one()
        svc.withdraw_consultation(s, actor=actor, consultation_id=first.id)
    ask(request(2, cid))
    with site.db.read_session() as s:
        titles = [(c.id == first.id, c.status) for c in s.scalars(select(Consultation).order_by(Consultation.id))]
        assert titles == [(True, "withdrawn"), (False, "open")]
    before = row_counts(site.db)
    for bad in (request(3, cid) | {"project_id": "x"}, request(3, cid, options=OPTIONS[:1]), request(3, cid, threshold=0.7),
                request(3, cid, threshold="3/2"), request(3, 10_000), request(3, cid, redo_deadline="June"),
                request(3, cid, options=[OPTIONS[0], OPTIONS[0]])):
        ask(bad)
    fire_plugin_event("someone_else", "micro_evaluation_round_requested", request(3, cid))  # not from micro_projects
    assert row_counts(site.db) == before


def test_percent_is_said_exactly() -> None:
    assert (percent(Fraction(7, 10)), percent(Fraction(2, 3)), percent(Fraction(1))) == ("70%", "66.67%", "100%")
