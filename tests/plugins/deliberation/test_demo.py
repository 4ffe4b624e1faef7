"""The demo street's roundtable: the 荣诚园 drying-rack consultation (three meetings,
options refined, consent of all resident representatives, 6 sets of racks)."""

from __future__ import annotations

from gongzhi.core.demo import build_demo
from gongzhi.core.services import Actor, requests
from gongzhi.plugins.deliberation import services as svc
from gongzhi.plugins.deliberation.demo import OPEN_OPTION, OPEN_TITLE, STORY_REQUEST_TITLE, TITLE


def test_the_racks_consultation_is_in_the_demo_street(site):
    build_demo(site.db, scale="small", seed=2014)
    site.host.pm.hook.demo_data(db=site.db, actor=Actor("gongzhi demo"), seed=2014, scale="small")
    site.host.pm.hook.demo_data(db=site.db, actor=Actor("gongzhi demo"), seed=2014, scale="small")  # idempotent
    with site.db.read_session() as s:
        open_, c = svc.list_consultations(s)  # the newest first
        assert c.title == TITLE and c.status == "decided"
        meetings = svc.meetings_of(s, c.id)
        assert len(meetings) == 3 and all(m.attendance for m in meetings)
        assert meetings[0].held_at < meetings[1].held_at < meetings[2].held_at
        options = svc.options_of(s, c.id)
        assert [(o.number, o.withdrawn, o.merged_into_id is not None, o.amends_id is not None) for o in options] == [
            (1, True, False, False), (2, False, True, False), (3, False, False, False), (4, False, False, True)]
        rounds = svc.rounds_of(s, c.id)
        assert [(r.kind, r.state) for r in rounds] == [("plurality", "published"), ("irv", "published"),
                                                        ("consent", "published")]
        results = [svc.result_of(s, r.id) for r in rounds]
        assert [r.outcome for r in results] == ["tie", "adopted", "adopted"]
        final = rounds[-1]
        assert final.preset == "consent_all_residents" and final.option_ids == [options[3].id]
        assert results[-1].rule["veto_roles"] == ["resident_rep"]
        for r in rounds:
            assert svc.recount(s, round_id=r.id)[1], r.number
        assert len(svc.superseded_ids(s, rounds[1].id)) == 1  # a representative changed her ballot
        people = {p.id: p for p in svc.participants_of(s, c.id)}
        reps = [p for p in people.values() if p.role == "resident_rep"]
        assert len(reps) == 6 and all(p.person_id for p in reps)
        ballots = svc.current_ballots(s, final.id)
        assert {b.participant_id for b in ballots if b.choice == "yes"} >= {p.id for p in reps}
        assert [b.reason for b in ballots if b.choice == "object"] == ["统一规格的晾衣架需定制，工期要比原计划延长约两周"]
        assert any(b.cast_by_id for b in ballots)  # one representative by proxy
        outcome = svc.outcome_of(s, c.id)
        assert "6组" in outcome.decision and outcome.option_id == options[3].id and outcome.round_id == final.id
        (request_id,) = svc.request_ids_of(s, c.id)
        request = requests.get_request(s, request_id)
        assert request.title == STORY_REQUEST_TITLE
        notes = [e.public_note for e in requests.timeline(s, request_id) if e.kind == "note"]
        assert notes[0] == f"提交居民议事厅协商：{TITLE}" and notes[1].startswith("居民议事厅已作出决定")
    from gongzhi.plugins.deliberation.minutes import build_minutes, to_markdown

    with site.db.read_session() as s:
        md = to_markdown(build_minutes(s, c.id))
    assert md.count("### 第") == 6 and "6组统一规格的公共晾衣架" in md


def test_gongzhi_demo_builds_it_through_the_hook(site):
    import json

    code, out, err = site.cli("demo", "--no-open", "--json")
    assert code == 0, err
    code, out, err = site.cli("deliberation", "list", "--json")
    assert code == 0, err
    assert [c["title"] for c in json.loads(out)] == [OPEN_TITLE, TITLE]


def test_the_demo_has_an_open_round_with_ten_voters_not_yet_checked_in(site):
    """The roundtable's task (issue 13, T3) needs a round receiving ballots: ten voting
    participants, nobody present yet, one option, a yes/no round open on it."""
    build_demo(site.db, scale="small", seed=2014)
    for _ in range(2):  # idempotent
        site.host.pm.hook.demo_data(db=site.db, actor=Actor("gongzhi demo"), seed=2014, scale="small")
    with site.db.read_session() as s:
        c = svc.find_consultation(s, OPEN_TITLE)
        assert c.status == "open"
        people = svc.participants_of(s, c.id)
        assert sum(p.can_vote for p in people) == 10 and len(people) == 11
        assert not any(p.present for p in people)
        assert len({p.person_id for p in people if p.person_id}) == len([p for p in people if p.person_id])
        (o,) = svc.options_of(s, c.id)
        assert o.text == OPEN_OPTION
        (r,) = svc.rounds_of(s, c.id)
        assert (r.state, r.kind, r.option_ids) == ("open", "yes_no", [o.id])
        assert svc.current_ballots(s, r.id) == []
