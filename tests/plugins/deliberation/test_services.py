"""The roundtable's services on SQLite and PostgreSQL: the flow from a request to a
decision, ballots that supersede without overwriting, secret rounds, proxies, ties,
and every bad input refused with its code and nothing written."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import select

from gongzhi.core.errors import DomainError
from gongzhi.core.models.audit import AuditLog
from gongzhi.core.services import requests
from gongzhi.plugins.deliberation import rules
from gongzhi.plugins.deliberation import services as svc
from gongzhi.plugins.deliberation.models import (
    Ballot,
    Consultation,
    Participant,
    Round,
    RoundResult,
)
from tests.plugins.deliberation.conftest import row_counts


def test_from_request_to_decision(site, table, actor):
    seen = []
    from gongzhi.core import events

    unsubscribe = events.subscribe(lambda event, **kw: seen.append((event, kw)))
    try:
        with site.db.session() as s:
            o3 = table.options[2]
            r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id,
                               preset="consent_all_residents", option_ids=[o3])
            assert r.state == "open" and r.title.startswith("表决方案 3")
            assert svc.get_consultation(s, table.consultation_id).status == "open"
            for pid in table.residents + [table.party, table.prop]:
                svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, choice="y")
            # a non-resident's objection is recorded with its reason but does not block
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.contractor, choice="o",
                              reason="工期紧")
            res = svc.close_round(s, actor=actor, round_id=r.id)
            assert res.outcome == "adopted"
            assert res.snapshot["entitled"] == {"count": 9, "weight": 9}
            assert len(res.ballot_ids) == 9
            assert svc.recount(s, round_id=r.id)[1] is True
            svc.publish_round(s, actor=actor, round_id=r.id)
            out = svc.decide(s, actor=actor, consultation_id=table.consultation_id, round_id=r.id,
                             decision="安装6组公共晾衣架", review_on=date(2027, 3, 1))
            assert out.option_id == o3
            assert svc.get_consultation(s, table.consultation_id).status == "decided"
            notes = [e.public_note for e in requests.timeline(s, table.request_id) if e.kind == "note"]
            assert notes == ["提交居民议事厅协商：荣诚园晾衣架", "居民议事厅已作出决定：安装6组公共晾衣架"]
            events_ = [e for e in requests.timeline(s, table.request_id) if e.kind == "note"]
            assert all(e.data["source"] == "deliberation" for e in events_)
            svc.close_consultation(s, actor=actor, consultation_id=table.consultation_id)
            assert svc.get_consultation(s, table.consultation_id).status == "closed"
    finally:
        unsubscribe()
    decided = [kw for e, kw in seen if e == "plugin_event" and kw["name"] == "consultation_decided"]
    assert len(decided) == 1
    payload = decided[0]["payload"]
    assert decided[0]["source"] == "deliberation"
    assert payload["title"] == "荣诚园晾衣架" and payload["option_id"] == table.options[2]
    assert payload["request_ids"] == [table.request_id] and payload["review_on"] == "2027-03-01"
    assert any(e == "plugin_event" and kw["name"] == "round_published" for e, kw in seen)


def test_a_second_ballot_supersedes_the_first_and_the_history_stays(site, table, actor):
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           title="是否设置公共晾衣架")
        voter = table.residents[0]
        first = svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=voter, choice="no")
        again = svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=voter, choice="no")
        assert again.id == first.id  # the same ballot entered twice writes nothing
        second = svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=voter, choice="yes")
        third = svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=voter, choice="abstain")
        assert (second.seq, second.supersedes_id) == (2, first.id)
        assert (third.seq, third.supersedes_id) == (3, second.id)
        history = svc.ballot_history(s, r.id)
        assert [(b.choice, b.seq) for b in history] == [("no", 1), ("yes", 2), ("abstain", 3)]
        assert [b.id for b in svc.current_ballots(s, r.id)] == [third.id]
        assert svc.superseded_ids(s, r.id) == {first.id, second.id}
        # the old rows were never touched
        assert s.get(Ballot, first.id).choice == "no"
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.ballot_ids == [third.id]
        assert res.totals["choices"]["abstain"]["count"] == 1 and res.totals["choices"]["no"]["count"] == 0
        actions = list(s.scalars(select(AuditLog.action).where(AuditLog.entity == "delib_ballot")
                                 .order_by(AuditLog.id)))
        assert actions == ["delib.ballot.record", "delib.ballot.supersede", "delib.ballot.supersede"]


def test_secret_round_keeps_no_participant_and_forgets_the_key(site, table, actor):
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="two_thirds",
                           title="是否在楼间空地设置", secret=True, hide_results=True)
        assert r.token_key
        for i, pid in enumerate(table.residents):
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, choice="yes" if i < 4 else "no")
        # changes her mind: superseded through the token, not the participant
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[5], choice="yes")
        rows = svc.ballot_history(s, r.id)
        assert all(b.participant_id is None and b.cast_by_id is None for b in rows)
        assert len({b.voter_key for b in rows}) == 6 and len(rows) == 7
        with pytest.raises(DomainError) as exc:
            svc.live_tally(s, round_id=r.id)
        assert exc.value.code == "delib.results_hidden"
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.outcome == "adopted"  # 5 yes, 1 no: 5*3 >= 2*6
        assert svc.get_round(s, r.id).token_key is None
        assert all("name" not in v and "token" in v for v in res.snapshot["voters"])
        assert sorted(v["id"] for v in res.snapshot["voters"]) == list(range(1, 12))
        assert all("proxy_for" not in p for p in res.snapshot["roster"])
        fresh, same, stray = svc.recount(s, round_id=r.id)
        assert same and fresh.outcome == "adopted" and stray == []
        # no audit row names a voter of a secret ballot
        for after in s.scalars(select(AuditLog.after).where(AuditLog.entity == "delib_ballot")):
            assert after["participant_id"] is None


def test_proxy_votes_count_and_are_recorded_with_their_holder(site, table, actor):
    with site.db.session() as s:
        absent, holder = table.residents[5], table.residents[4]
        svc.checkin(s, actor=actor, participant_id=absent, present=False)
        svc.set_proxy(s, actor=actor, participant_id=holder, proxy_for_id=absent)
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           title="是否设置")
        b = svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=absent, cast_by_id=holder, choice="yes")
        assert (b.participant_id, b.cast_by_id, b.by_proxy, b.recorded_by) == (absent, holder, True, actor.name)
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=holder, choice="no")
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.totals["choices"]["yes"]["count"] == 1 and res.totals["choices"]["no"]["count"] == 1
        assert res.outcome == "rejected"  # a tied simple majority fails
        assert res.snapshot["proxies"] == 1


def test_tie_is_returned_then_broken_by_a_recorded_rule(site, table, actor):
    with site.db.session() as s:
        o1, o2, o3 = table.options
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="plurality")
        assert r.option_ids == [o1, o2, o3]
        for pid, o in zip(table.residents, (o1, o2, o2, o3, o3, o1), strict=True):
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, option_id=o)
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.outcome == "tie" and sorted(res.winners) == [o1, o2, o3]
        with pytest.raises(DomainError) as exc:
            svc.decide(s, actor=actor, consultation_id=table.consultation_id, round_id=r.id, decision="x")
        assert exc.value.code == "delib.round_not_adopted"
        with pytest.raises(DomainError) as exc:
            svc.rerun_round(s, actor=actor, round_id=r.id)  # all three tie: name what to leave out
        assert exc.value.code == "delib.rerun_needs_option"
        new = svc.rerun_round(s, actor=actor, round_id=r.id, without=[o1])
        assert new.option_ids == [o2, o3] and new.follows_round_id == r.id and new.state == "open"
        for pid, o in zip(table.residents, (o2, o2, o3, o3, o2, o3), strict=True):
            svc.record_ballot(s, actor=actor, round_id=new.id, participant_id=pid, option_id=o)
        again = svc.close_round(s, actor=actor, round_id=new.id)
        assert again.outcome == "tie"
        tb = svc.break_tie(s, actor=actor, round_id=new.id, option_id=o3, method="lot", note="两位居民代表抽签")
        assert tb.option_id == o3
        with pytest.raises(DomainError) as exc:
            svc.break_tie(s, actor=actor, round_id=new.id, option_id=o2, method="chair")
        assert exc.value.code == "delib.tie_already_broken"
        out = svc.decide(s, actor=actor, consultation_id=table.consultation_id, round_id=new.id,
                         decision="在楼间空地设置")
        assert out.option_id == o3


def test_options_are_amended_withdrawn_and_merged(site, table, actor):
    with site.db.session() as s:
        o1, o2, o3 = table.options
        o4 = svc.amend_option(s, actor=actor, option_id=o3, text="光照充足且不影响通行处设6组")
        assert (o4.number, o4.amends_id) == (4, o3)
        svc.withdraw_option(s, actor=actor, option_id=o1)
        svc.merge_options(s, actor=actor, option_id=o2, into_id=o4.id)
        active = [o.number for o in svc.options_of(s, table.consultation_id) if o.active]
        assert active == [3, 4]
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="schulze")
        assert r.option_ids == [o3, o4.id]


def test_meetings_record_attendance_and_notes(site, table, actor):
    with site.db.session() as s:
        m = svc.add_meeting(s, actor=actor, consultation_id=table.consultation_id, venue="社区议事厅",
                            attendance=table.residents[:3], others_attending=12, notes="现场勘测")
        assert (m.number, m.attendance, m.others_attending) == (1, table.residents[:3], 12)
        svc.record_meeting_notes(s, actor=actor, meeting_id=m.id, notes="现场勘测，意见分歧较大")
        assert svc.get_meeting(s, m.id).notes == "现场勘测，意见分歧较大"
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="borda", meeting_id=m.id)
        assert r.meeting_id == m.id


def test_weights_count_in_the_snapshot(site, table, actor):
    with site.db.session() as s:
        big = svc.add_participant(s, actor=actor, consultation_id=table.consultation_id, role="resident_rep",
                                  name="楼栋长（代表 3 户）", weight=3, present=True)
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           title="是否设置")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=big.id, choice="yes")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], choice="no")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[1], choice="no")
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.outcome == "adopted" and res.totals["choices"]["yes"]["weight"] == 3
        assert [v["weight"] for v in res.snapshot["voters"] if v["id"] == big.id] == [3]


def test_a_custom_rule_with_a_quorum(site, table, actor):
    with site.db.session() as s:
        for pid in table.residents[2:]:
            svc.checkin(s, actor=actor, participant_id=pid, present=False)
        rule = svc.make_rule("simple_majority", quorum_of="entitled", quorum_fraction="2/3")
        assert rule.name == "simple_majority*" and rule.quorum == rules.Quorum("entitled", rules.Fraction(2, 3))
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, rule=rule, title="是否设置")
        assert r.preset is None and r.rule["quorum"] == {"of": "entitled", "fraction": "2/3", "count": None}
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], choice="yes")
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.outcome == "no_quorum"


# -- bad input: a clear code, nothing written ------------------------------------------------


def _round(s, table, actor, preset="simple_majority", **kw) -> Round:
    if preset in ("simple_majority", "two_thirds", "consent_all_residents") and "title" not in kw \
            and "option_ids" not in kw:
        kw["title"] = "是否设置"
    return svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset=preset, **kw)


def _closed(s, table, actor) -> Round:
    r = _round(s, table, actor)
    svc.close_round(s, actor=actor, round_id=r.id)
    return r


def _chain(s, table, actor) -> Round:
    # A holds B's proxy and B holds C's: A cannot vote for C (a proxy is not passed on)
    a, b, c = table.residents[3:6]
    for pid in (b, c):
        svc.checkin(s, actor=actor, participant_id=pid, present=False)
    svc.set_proxy(s, actor=actor, participant_id=a, proxy_for_id=b)
    svc.set_proxy(s, actor=actor, participant_id=b, proxy_for_id=c)
    return _round(s, table, actor)


def _absent_holder(s, table, actor) -> Round:
    holder, giver = table.residents[4:6]
    svc.checkin(s, actor=actor, participant_id=holder, present=False)
    svc.checkin(s, actor=actor, participant_id=giver, present=False)
    svc.set_proxy(s, actor=actor, participant_id=holder, proxy_for_id=giver)
    return _round(s, table, actor)


def _decided(s, table, actor) -> None:
    svc.decide(s, actor=actor, consultation_id=table.consultation_id, decision="先行试点")


BAD: list[tuple[str, str, Callable, Callable]] = [
    # (case, code, setup(s, table, actor) -> round or None, the bad call(s, table, actor, setup result))
    ("vote in a closed round", "delib.round_not_open", _closed,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0], choice="y")),
    ("vote by a non-voting participant", "delib.not_entitled", _round,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.observer, choice="y")),
    ("vote by an expert", "delib.not_entitled", _round,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.expert, choice="y")),
    ("vote through a proxy chain", "delib.proxy_chain", _chain,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[5],
                                          cast_by_id=t.residents[3], choice="y")),
    ("vote by an absent proxy holder", "delib.proxy_chain", _absent_holder,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[5],
                                          cast_by_id=t.residents[4], choice="y")),
    ("vote for someone without their proxy", "delib.no_proxy", _round,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0],
                                          cast_by_id=t.residents[1], choice="y")),
    ("an absent voter in person", "delib.not_present",
     lambda s, t, a: (svc.checkin(s, actor=a, participant_id=t.residents[0], present=False), _round(s, t, a))[1],
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0], choice="y")),
    ("an objection without a reason", "delib.objection_needs_reason",
     lambda s, t, a: _round(s, t, a, "consent_all_residents", option_ids=[t.options[2]]),
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0], choice="o",
                                          reason="  ")),
    ("an objection in a yes/no round", "delib.choice_not_allowed", _round,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0], choice="o",
                                          reason="不同意")),
    ("a ranking in a yes/no round", "delib.choice_not_allowed", _round,
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0],
                                          ranking=[t.options[0]])),
    ("ranks with a gap", "delib.bad_ranking", lambda s, t, a: _round(s, t, a, "borda"),
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0],
                                          ranks={t.options[0]: 1, t.options[1]: 3})),
    ("ranks repeated", "delib.bad_ranking", lambda s, t, a: _round(s, t, a, "irv"),
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0],
                                          ranks={t.options[0]: 1, t.options[1]: 1, t.options[2]: 2})),
    ("an option ranked twice", "delib.bad_ranking", lambda s, t, a: _round(s, t, a, "schulze"),
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0],
                                          ranking=[t.options[0], t.options[0]])),
    ("an unknown option", "delib.unknown_option", lambda s, t, a: _round(s, t, a, "plurality"),
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0],
                                          option_id=987_654)),
    ("an option not on this ballot", "delib.option_not_on_ballot",
     lambda s, t, a: _round(s, t, a, "approval", option_ids=t.options[:2]),
     lambda s, t, a, r: svc.record_ballot(s, actor=a, round_id=r.id, participant_id=t.residents[0],
                                          approvals=[t.options[2]])),
    ("a base that does not fit the kind", "delib.base_not_allowed", lambda s, t, a: None,
     lambda s, t, a, _: svc.open_round(s, actor=a, consultation_id=t.consultation_id,
                                       rule=rules.Rule("borda", base="YNA"))),
    ("a base given to a choosing preset", "delib.base_not_allowed", lambda s, t, a: None,
     lambda s, t, a, _: svc.open_round(s, actor=a, consultation_id=t.consultation_id,
                                       rule=svc.make_rule("irv", base="entitled"))),
    ("an unknown preset", "delib.unknown_preset", lambda s, t, a: None,
     lambda s, t, a, _: _round(s, t, a, "majority_ish")),
    ("a float threshold", "delib.bad_rule", lambda s, t, a: None,
     lambda s, t, a, _: svc.open_round(s, actor=a, consultation_id=t.consultation_id, title="x",
                                       rule=rules.Rule("yes_no", threshold=0.5))),
    ("a choosing round with one option", "delib.too_few_options", lambda s, t, a: None,
     lambda s, t, a, _: _round(s, t, a, "borda", option_ids=t.options[:1])),
    ("a motion on two options", "delib.motion_one_option", lambda s, t, a: None,
     lambda s, t, a, _: _round(s, t, a, "simple_majority", option_ids=t.options[:2])),
    ("closing a closed round", "delib.illegal_round_state", _closed,
     lambda s, t, a, r: svc.close_round(s, actor=a, round_id=r.id)),
    ("breaking a tie that is not one", "delib.round_not_tied", _closed,
     lambda s, t, a, r: svc.break_tie(s, actor=a, round_id=r.id, option_id=t.options[0], method="lot")),
    ("deciding on a rejected round", "delib.round_not_adopted", _closed,
     lambda s, t, a, r: svc.decide(s, actor=a, consultation_id=t.consultation_id, round_id=r.id, decision="x")),
    ("deciding while a round is open", "delib.round_still_open", _round,
     lambda s, t, a, r: svc.decide(s, actor=a, consultation_id=t.consultation_id, decision="x")),
    ("deciding twice", "delib.already_decided", _decided,
     lambda s, t, a, _: svc.decide(s, actor=a, consultation_id=t.consultation_id, decision="再决定")),
    ("voting after the decision", "delib.consultation_locked", _decided,
     lambda s, t, a, _: svc.add_option(s, actor=a, consultation_id=t.consultation_id, text="新方案")),
    ("withdrawing an option under vote", "delib.option_in_open_round",
     lambda s, t, a: _round(s, t, a, "plurality"),
     lambda s, t, a, r: svc.withdraw_option(s, actor=a, option_id=t.options[0])),
    ("merging an option into itself", "delib.merge_into_self", lambda s, t, a: None,
     lambda s, t, a, _: svc.merge_options(s, actor=a, option_id=t.options[0], into_id=t.options[0])),
    ("a weight of zero", "delib.invalid_weight", lambda s, t, a: None,
     lambda s, t, a, _: svc.add_participant(s, actor=a, consultation_id=t.consultation_id, role="resident_rep",
                                            name="某某", weight=0)),
    ("a person seated twice", "delib.duplicate_participant", lambda s, t, a: None,
     lambda s, t, a, _: svc.add_participant(s, actor=a, consultation_id=t.consultation_id, role="expert",
                                            person_id=t.person_ids[0])),
    ("an unknown role", "input.invalid_choice", lambda s, t, a: None,
     lambda s, t, a, _: svc.add_participant(s, actor=a, consultation_id=t.consultation_id, role="mayor",
                                            name="某某")),
    ("one's own proxy", "delib.proxy_self", lambda s, t, a: None,
     lambda s, t, a, _: svc.set_proxy(s, actor=a, participant_id=t.residents[0], proxy_for_id=t.residents[0])),
    ("a proxy held twice", "delib.proxy_taken",
     lambda s, t, a: svc.set_proxy(s, actor=a, participant_id=t.residents[0], proxy_for_id=t.residents[5]),
     lambda s, t, a, _: svc.set_proxy(s, actor=a, participant_id=t.residents[1], proxy_for_id=t.residents[5])),
    ("an empty title", "input.required", lambda s, t, a: None,
     lambda s, t, a, _: svc.create_consultation(s, actor=a, title="  ")),
    ("an unknown request", "request.not_found", lambda s, t, a: None,
     lambda s, t, a, _: svc.create_consultation(s, actor=a, title="x", request_ids=[987_654])),
]


@pytest.mark.parametrize(("case", "code", "setup", "bad"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_refused_and_writes_nothing(site, table, actor, case, code, setup, bad):
    with site.db.session() as s:
        prepared = setup(s, table, actor)
    before = row_counts(site.db)
    with site.db.session() as s, pytest.raises(DomainError) as exc:
        bad(s, table, actor, prepared)
    assert exc.value.code == code, exc.value.message("en")
    assert exc.value.message("zh") and exc.value.message("en")
    assert row_counts(site.db) == before


def test_errors_name_people_not_ids(site, table, actor):
    with site.db.session() as s:
        r = _round(s, table, actor)
        with pytest.raises(DomainError) as exc:
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.observer, choice="y")
    assert "网格员" in exc.value.message("zh")


def test_a_participant_outside_the_register_and_default_groups(site, table, actor):
    with site.db.session() as s:
        people = {p.id: p for p in s.scalars(select(Participant).where(
            Participant.consultation_id == table.consultation_id))}
    assert people[table.residents[0]].group == "residents" and people[table.residents[0]].name == "许玉生"
    assert people[table.contractor].person_id is None and people[table.contractor].can_vote
    assert not people[table.expert].can_vote and not people[table.observer].can_vote
    assert people[table.prop].group == "property"


def test_lookups(site, table, actor):
    with site.db.read_session() as s:
        assert svc.find_consultation(s, "荣诚园晾衣架").id == table.consultation_id
        assert svc.find_participant(s, table.consultation_id, "王勇").id == table.residents[1]
        assert svc.option_by_number(s, table.consultation_id, 3).id == table.options[2]
        assert [c.id for c in svc.consultations_for_request(s, table.request_id)] == [table.consultation_id]
        with pytest.raises(DomainError) as exc:
            svc.find_consultation(s, "没有这个")
        assert exc.value.code == "delib.consultation_not_found"
        assert s.scalar(select(Consultation.status).where(Consultation.id == table.consultation_id)) == "draft"
        assert s.scalar(select(RoundResult.id)) is None


def test_undo_takes_back_the_last_ballot_as_a_new_row(site, table, actor):
    """Undo restores what was current before — the superseded ballot, or no ballot at all
    (a withdrawal row) — without touching any row; the count and a recount agree."""
    r1, r2, r3 = table.residents[:3]
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           option_ids=[table.options[0]])
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r1, choice="y")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r2, choice="y")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r2, choice="n")
        first = {b.id: (b.choice, b.seq) for b in svc.ballot_history(s, r.id)}
        # r2 changed yes → no; undo brings the yes back as a new row
        back = svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=r2)
        assert back is not None and back.choice == "yes" and back.seq == 3
        # r1's first ballot undone: r1 has no current ballot any more
        assert svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=r1) is None
        assert {b.participant_id: b.choice for b in svc.current_ballots(s, r.id)} == {r2: "yes"}
        # nothing was overwritten: the earlier rows are as they were
        assert {b.id: (b.choice, b.seq) for b in svc.ballot_history(s, r.id) if b.id in first} == first
        # nothing to undo for r1 now, nor for r3 who never voted: refused, nothing written
        before = row_counts(site.db)
        for pid in (r1, r3):
            with pytest.raises(DomainError) as e:
                svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=pid)
            assert e.value.code == "delib.nothing_to_undo"
        assert row_counts(site.db) == before
        # r1 votes again after the undo: a new row that supersedes the withdrawal
        again = svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r1, choice="n")
        assert again.seq == 3
        res = svc.close_round(s, actor=actor, round_id=r.id)
        assert res.totals["choices"]["yes"]["count"] == 1 and res.totals["choices"]["no"]["count"] == 1
        assert len(res.ballot_ids) == 2
        assert svc.recount(s, round_id=r.id)[1] is True
        # a closed round refuses undo
        with pytest.raises(DomainError) as e:
            svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=r2)
        assert e.value.code == "delib.round_not_open"
        audits = s.scalars(select(AuditLog.action).where(AuditLog.action == "delib.ballot.undo")).all()
        assert len(audits) == 2


def test_undo_again_steps_back_and_finds_the_operators_latest_ballot(site, table, actor):
    """Undo twice for one voter takes back both of their ballots in turn (the second never
    brings the first undone one back); ``last_recorded_voter`` names the voter whose
    ballot the operator recorded last and that still stands — passing over ballots undone
    or changed since by another clerk — also in a secret round."""
    from gongzhi.core.services import Actor

    r1, r2, r3 = table.residents[:3]
    clerk = Actor("另一位办事员")
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           option_ids=[table.options[0]])

        def last() -> int | None:
            return svc.last_recorded_voter(s, round_id=r.id, recorded_by=actor.name)

        assert last() is None
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r1, choice="y")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r2, choice="y")
        svc.record_ballot(s, actor=clerk, round_id=r.id, participant_id=r3, choice="n")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r1, choice="n")
        assert last() == r1  # r1's no, recorded last by the operator
        assert svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=r1).choice == "yes"
        assert last() == r2  # r1's yes stands again but was recorded before r2's
        assert svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=r2) is None
        assert last() == r1
        # r1 again: the yes is taken back too (a withdrawal), the no does not return
        assert svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=r1) is None
        assert [b.choice for b in svc.ballot_history(s, r.id) if b.participant_id == r1] == [
            "yes", "no", "yes", "withdrawn"]
        assert last() is None  # r3's ballot is the other clerk's
        with pytest.raises(DomainError) as e:
            svc.undo_ballot(s, actor=actor, round_id=r.id, participant_id=r1)
        assert e.value.code == "delib.nothing_to_undo"
        # a ballot changed by another clerk is theirs now: passed over
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=r2, choice="a")
        assert last() == r2
        svc.record_ballot(s, actor=clerk, round_id=r.id, participant_id=r2, choice="y")
        assert last() is None
        assert {b.participant_id: b.choice for b in svc.current_ballots(s, r.id)} == {r2: "yes", r3: "no"}
        assert svc.out_of_sequence(s, r.id) == []  # every row is in its voter's chain
        svc.close_round(s, actor=actor, round_id=r.id)
        assert last() is None  # a closed round has nothing to undo

        # a secret round: the ballot carries a token, the voter is found through the round's key
        secret = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                                option_ids=[table.options[1]], secret=True)
        svc.record_ballot(s, actor=actor, round_id=secret.id, participant_id=r3, choice="y")
        assert svc.last_recorded_voter(s, round_id=secret.id, recorded_by=actor.name) == r3


def test_check_in_everyone_but_the_absent_in_one_step(site, table, actor):
    with site.db.session() as s:
        svc.checkin_all(s, actor=actor, consultation_id=table.consultation_id, present=False)
        assert not any(p.present for p in svc.participants_of(s, table.consultation_id))
        changed = svc.checkin_all(s, actor=actor, consultation_id=table.consultation_id,
                                  except_ids=[table.residents[5]])
        assert len(changed) == 10
        present = {p.id: p.present for p in svc.participants_of(s, table.consultation_id)}
        assert [pid for pid, here in present.items() if not here] == [table.residents[5]]
        assert svc.checkin_all(s, actor=actor, consultation_id=table.consultation_id,
                               except_ids=[table.residents[5]]) == []  # again: nothing changes


def test_a_topic_flagged_in_the_opinion_database_opens_a_draft_consultation(site, actor):
    """insights' ``topic_to_consultation`` (payload of docs/insights.md), heard by name:
    one draft consultation on the topic's place, however often it is sent."""
    from gongzhi.core.models.places import Place
    from gongzhi.core.plugins import fire_plugin_event
    from gongzhi.plugins.deliberation.models import Consultation

    with site.db.session() as s:
        place_id = s.scalar(select(Place.id).where(Place.kind == "street").order_by(Place.id).limit(1))
    if place_id is None:
        from gongzhi.core.services import places as place_svc

        with site.db.session() as s:
            place_id = place_svc.create_place(s, actor=actor, kind="street", name="青（广）源街道").id
    payload = {"term": "高空抛物", "title": "盛康园高空抛物问题（群聊热议）", "place_id": place_id,
               "summary": "民意数据库：群聊中 45/99 条消息提到「高空抛物」，同期正式诉求 0/32 件（G²=32.0）"}
    fire_plugin_event("insights", "topic_to_consultation", payload)
    fire_plugin_event("insights", "topic_to_consultation", payload)  # heard twice: one consultation
    fire_plugin_event("insights", "topic_to_micro_candidate", payload)  # not ours
    with site.db.read_session() as s:
        found = s.scalars(select(Consultation).where(Consultation.title == payload["title"])).all()
        assert [(c.status, c.place_id, c.created_by) for c in found] == [("draft", place_id, "民意数据库")]
        assert "45/99" in found[0].issue
