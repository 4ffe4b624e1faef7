"""Agenda, resolutions and action items on SQLite and PostgreSQL: the follow-up of
earlier actions carried across meetings until done, requests pulled onto the
agenda and resolved through an action item, and every bad input refused with its
code and nothing written."""

from __future__ import annotations

from datetime import date

import pytest

from gongzhi.core import events
from gongzhi.core.errors import DomainError
from gongzhi.core.models.vocab import Status
from gongzhi.core.services import requests
from gongzhi.plugins.red_property import services as svc
from tests.plugins.red_property.conftest import at, new_request, open_meeting, row_counts


def _resolve(s, actor, street, meeting_id, title, deadline, **kw):
    item = svc.add_agenda_item(s, actor=actor, meeting_id=meeting_id, title=title)
    r = svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text=title, responsible_org_id=street.prop,
                           responsible_person_id=street.sun, deadline=deadline, **kw)
    [action] = svc.action_items_of(s, resolution_id=r.id)
    return action.id


def test_carry_over_of_action_items_across_three_meetings(site, street, actor):
    db = site.db
    m1 = open_meeting(db, actor, street, at(2026, 1, 10))
    with db.session() as s:
        assert svc.follow_ups(s, m1) == []  # the first meeting has nothing to follow up
        a1 = _resolve(s, actor, street, m1, "更换1号楼单元门禁", date(2026, 1, 31))
        a2 = _resolve(s, actor, street, m1, "清理地下室积水", date(2026, 3, 31))
        svc.close_meeting(s, actor=actor, meeting_id=m1, at=at(2026, 1, 10, 11))
        # between meetings: work starts on a1, a2 is finished
        svc.start_action(s, actor=actor, action_item_id=a1, note="已订购门禁设备", at=at(2026, 1, 15))
        svc.complete_action(s, actor=actor, action_item_id=a2, note="积水已抽干，排水泵已修复", at=at(2026, 1, 20))

    m2 = open_meeting(db, actor, street, at(2026, 2, 10))
    with db.session() as s:
        rows = svc.follow_ups(s, m2, on=date(2026, 2, 10))
        # the unfinished one comes back, now overdue; the finished one is reported once
        assert [(r.action_item_id, r.status) for r in rows] == [(a1, "overdue"), (a2, "done")]
        assert rows[0].note == "已订购门禁设备" and rows[1].note == "积水已抽干，排水泵已修复"
        agenda = svc.agenda(s, m2)
        assert [r.action_item_id for r in agenda.follow_ups] == [a1, a2] and agenda.items == []
        svc.add_progress(s, actor=actor, action_item_id=a1, text="设备到货，待安装", meeting_id=m2,
                         at=at(2026, 2, 10, 10))
        a3 = _resolve(s, actor, street, m2, "修补小区南门路面", date(2026, 2, 28))
        svc.close_meeting(s, actor=actor, meeting_id=m2, at=at(2026, 2, 10, 11))

    m3 = open_meeting(db, actor, street, at(2026, 3, 10))
    with db.session() as s:
        rows = svc.follow_ups(s, m3, on=date(2026, 3, 10))
        # a1 is carried a second time; a2 is not (it was reported done at m2); a3 joins
        assert [(r.action_item_id, r.status) for r in rows] == [(a1, "overdue"), (a3, "overdue")]
        assert rows[0].note == "设备到货，待安装"
        svc.complete_action(s, actor=actor, action_item_id=a1, note="门禁已安装并启用", meeting_id=m3,
                            at=at(2026, 3, 10, 10))
        svc.close_meeting(s, actor=actor, meeting_id=m3, at=at(2026, 3, 10, 11))

    with db.session() as s:
        m4 = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 4, 10))
        rows = svc.follow_ups(s, m4.id, on=date(2026, 4, 10))
        # a1 was reported done at m3 itself: it is not carried any further
        assert [(r.action_item_id, r.status) for r in rows] == [(a3, "overdue")]
        # each closed meeting keeps the section as it heard it
        assert [(r.action_item_id, r.status) for r in svc.follow_ups(s, m2)] == [(a1, "overdue"), (a2, "done")]
        assert [(r.action_item_id, r.status) for r in svc.follow_ups(s, m3)] == [(a1, "done"), (a3, "overdue")]
        # a community meeting follows up its compounds' action items too
        c = svc.create_meeting(s, actor=actor, place_id=street.community, held_at=at(2026, 4, 12))
        assert [r.action_item_id for r in svc.follow_ups(s, c.id, on=date(2026, 4, 12))] == [a3]
        # history of a1: start, progress at m2, done at m3
        notes = svc.action_notes(s, a1)
        assert [(n.to_status, n.meeting_id) for n in notes] == [("in_progress", None), (None, m2), ("done", m3)]
        board = svc.list_action_items(s, place_id=street.community, on=date(2026, 4, 10))
        assert [a.id for a in board] == [a3]
        everything = svc.list_action_items(s, include_finished=True, on=date(2026, 4, 10))
        assert [a.id for a in everything][0] == a3  # overdue first
        assert {a.id for a in everything} == {a1, a2, a3}
        row = svc.action_row(s, svc.get_action_item(s, a3), on=date(2026, 4, 10))
        assert (row["status"], row["days_overdue"], row["responsible_org"]) == ("overdue", 41, "荣雅园物业服务中心")


@pytest.mark.parametrize("start", ["submitted", "accepted", "in_progress"])
def test_a_request_resolved_through_an_action_item(site, street, actor, start):
    db = site.db
    rid = new_request(db, actor, street.household, when=at(2026, 5, 1))
    other = new_request(db, actor, street.other_household, title="荣诚园电梯异响", when=at(2026, 5, 1))
    hand = new_request(db, actor, street.household, title="邻里噪音", category="neighbour_dispute",
                       when=at(2026, 5, 1))
    with db.session() as s:
        for step in {"submitted": [], "accepted": ["accepted"], "in_progress": ["accepted", "in_progress"]}[start]:
            requests.transition(s, actor=actor, request_id=rid, to_status=step, at=at(2026, 5, 2))
    m = open_meeting(db, actor, street, at(2026, 5, 8))
    seen = []
    unsubscribe = events.subscribe(lambda event, **kw: seen.append((event, kw)))
    try:
        with db.session() as s:
            # only the property requests of this compound are candidates
            assert [r.id for r in svc.candidate_requests(s, m)] == [rid]
            item = svc.add_agenda_item(s, actor=actor, meeting_id=m, request_id=rid)
            assert item.title == "3号楼电梯停运" and svc.candidate_requests(s, m) == []
            r = svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text="物业联系维保单位三日内修复电梯",
                                   responsible_org_id=street.prop, responsible_person_id=street.sun,
                                   deadline=date(2026, 5, 11), decided_by="vote",
                                   votes={street.party: (1, 0, 0), street.rc: (1, 0, 0),
                                          street.owners: (0, 1, 0), street.prop: (1, 0, 0)})
            assert [(v.organisation_id, v.yes, v.no) for v in svc.votes_of(s, r.id)][2] == (street.owners, 0, 1)
            [action] = svc.action_items_of(s, resolution_id=r.id)
            assert action.request_id == rid
            svc.close_meeting(s, actor=actor, meeting_id=m, at=at(2026, 5, 8, 11))
            # the next meeting does not offer the request again while its action is open
            nxt = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 6, 8))
            assert svc.candidate_requests(s, nxt.id) == []
            svc.complete_action(s, actor=actor, action_item_id=action.id, note="电梯主板已更换，运行正常",
                                at=at(2026, 5, 10))
            req = requests.get_request(s, rid)
            assert req.status == "resolved"
            assert requests.replay_status(requests.timeline(s, rid)) == Status.resolved
            moves = [(e.to_status, e.public_note) for e in requests.timeline(s, rid) if e.kind == "transition"]
            label = "2026-05-08 荣雅园红色物业联席会议"
            assert moves[-1] == ("resolved", f"{label}决议已落实：电梯主板已更换，运行正常")
            expected = {"submitted": ["accepted", "in_progress", "resolved"],
                        "accepted": ["accepted", "in_progress", "resolved"],
                        "in_progress": ["accepted", "in_progress", "resolved"]}[start]
            assert [t for t, _ in moves] == expected
            notes = [e.public_note for e in requests.timeline(s, rid) if e.kind == "note"]
            assert notes == [f"列入{label}议程"]
            assert svc.get_action_item(s, action.id).status == "done"
    finally:
        unsubscribe()
    done = [kw for e, kw in seen if e == "plugin_event" and kw["name"] == "action_item_done"]
    assert len(done) == 1 and done[0]["source"] == "red_property"
    assert done[0]["payload"]["request_id"] == rid and done[0]["payload"]["note"] == "电梯主板已更换，运行正常"
    assert [kw["to_status"] for e, kw in seen if e == "request_status_changed"][-1] == "resolved"
    closed = [kw for e, kw in seen if e == "plugin_event" and kw["name"] == "meeting_closed"]
    assert closed[0]["payload"]["meeting_id"] == m and closed[0]["payload"]["action_item_ids"] == [action.id]
    assert other and hand  # outside the compound / not a property category: never offered


def test_the_path_to_resolved_follows_the_core_lifecycle():
    path = svc._path_to_resolved
    assert path(Status.submitted) == [Status.accepted, Status.in_progress, Status.resolved]
    assert path(Status.accepted) == [Status.in_progress, Status.resolved]
    assert path(Status.dispatched) == [Status.resolved]
    assert path(Status.in_progress) == [Status.resolved]
    assert path(Status.resolved) == [] and path(Status.closed) == []
    for ended in (Status.answered, Status.duplicate, Status.not_responsible, Status.unable_to_fix, Status.withdrawn):
        assert path(ended) is None


def test_a_request_that_ended_otherwise_only_gets_a_note(site, street, actor):
    rid = new_request(site.db, actor, street.household, when=at(2026, 5, 1))
    m = open_meeting(site.db, actor, street, at(2026, 5, 8))
    with site.db.session() as s:
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m, request_id=rid)
        r = svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text="修电梯", responsible_org_id=street.prop,
                               deadline=date(2026, 5, 20))
        requests.transition(s, actor=actor, request_id=rid, to_status="withdrawn", at=at(2026, 5, 9))
        [action] = svc.action_items_of(s, resolution_id=r.id)
        svc.complete_action(s, actor=actor, action_item_id=action.id, note="已修复", at=at(2026, 5, 10))
        assert requests.get_request(s, rid).status == "withdrawn"
        assert requests.timeline(s, rid)[-1].public_note == "2026-05-08 荣雅园红色物业联席会议决议已落实：已修复"


# -- bad input: a clear error in both languages, nothing written -------------------------------


@pytest.fixture
def agenda_item(site, street, actor) -> int:
    m = open_meeting(site.db, actor, street, at(2026, 6, 4))
    with site.db.session() as s:
        return svc.add_agenda_item(s, actor=actor, meeting_id=m, title="电动车乱停放").id


def _refused(site, call, code: str) -> DomainError:
    before = row_counts(site.db)
    with site.db.session() as s, pytest.raises(DomainError) as exc:
        call(s)
    assert exc.value.code == code
    assert exc.value.message("zh") != exc.value.message("en")
    assert "{" not in exc.value.message("zh") + exc.value.message("en")
    assert row_counts(site.db) == before
    return exc.value


def test_a_resolution_without_a_responsible_body(site, street, actor, agenda_item):
    err = _refused(site, lambda s: svc.add_resolution(s, actor=actor, agenda_item_id=agenda_item, text="规范停放",
                                                      responsible_org_id=None, deadline=date(2026, 6, 30)),
                   "redprop.responsible_body_required")
    assert err.message("zh") == "决议必须指定责任单位"


def test_a_deadline_before_the_meeting(site, street, actor, agenda_item):
    err = _refused(site, lambda s: svc.add_resolution(s, actor=actor, agenda_item_id=agenda_item, text="规范停放",
                                                      responsible_org_id=street.prop, deadline=date(2026, 6, 3)),
                   "redprop.deadline_before_meeting")
    assert "2026-06-03" in err.message("zh") and "2026-06-04" in err.message("en")
    # the meeting day itself is fine
    with site.db.session() as s:
        svc.add_resolution(s, actor=actor, agenda_item_id=agenda_item, text="当日规范停放",
                           responsible_org_id=street.prop, deadline=date(2026, 6, 4))


def test_closing_an_action_without_a_note(site, street, actor, agenda_item):
    with site.db.session() as s:
        r = svc.add_resolution(s, actor=actor, agenda_item_id=agenda_item, text="规范停放",
                               responsible_org_id=street.prop, deadline=date(2026, 6, 30))
        [action] = svc.action_items_of(s, resolution_id=r.id)
    for note in ("", "   ", None):
        _refused(site, lambda s, n=note: svc.complete_action(s, actor=actor, action_item_id=action.id, note=n),
                 "redprop.action_note_required")
    _refused(site, lambda s: svc.drop_action(s, actor=actor, action_item_id=action.id, reason=" "),
             "redprop.action_reason_required")
    with site.db.session() as s:
        svc.drop_action(s, actor=actor, action_item_id=action.id, reason="业委会另行协调，本项撤销")
    _refused(site, lambda s: svc.complete_action(s, actor=actor, action_item_id=action.id, note="已完成"),
             "redprop.action_finished")
    _refused(site, lambda s: svc.add_progress(s, actor=actor, action_item_id=action.id, text="进展"),
             "redprop.action_finished")


def test_other_bad_resolutions(site, street, actor, agenda_item):
    base = dict(actor=actor, agenda_item_id=agenda_item, text="规范停放", responsible_org_id=street.prop,
                deadline=date(2026, 6, 30))
    with site.db.session() as s:
        draft = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 6, 20))
        draft_item = svc.add_agenda_item(s, actor=actor, meeting_id=draft.id, title="议题").id
    cases = [
        (dict(responsible_person_id=street.li), "redprop.not_a_member"),
        (dict(decided_by="vote"), "redprop.vote_needs_counts"),
        (dict(decided_by="show_of_hands"), "redprop.invalid_choice"),
        (dict(votes={street.rc: (1, 0, 0)}), "redprop.consensus_no_counts"),
        (dict(decided_by="vote", votes={street.other_prop: (1, 0, 0)}), "redprop.vote_body_absent"),
        (dict(decided_by="vote", votes={street.rc: (2, 0, 0)}), "redprop.vote_exceeds_attendance"),
        (dict(decided_by="vote", votes={street.rc: (0, 1, 0), street.prop: (1, 0, 0), street.owners: (0, 0, 1)}),
         "redprop.vote_not_carried"),
        (dict(decided_by="vote", votes={street.rc: (-1, 0, 0)}), "redprop.vote_invalid"),
        (dict(decided_by="vote", votes={street.rc: (True, 0, 0)}), "redprop.vote_invalid"),
        (dict(decided_by="vote", votes={street.rc: (1, 0)}), "redprop.vote_invalid"),
        (dict(consultation_id=0), "redprop.invalid_consultation"),
        (dict(agenda_item_id=draft_item), "redprop.meeting_not_open"),
        (dict(text=" "), "redprop.required"),
        (dict(deadline=None), "redprop.deadline_required"),
    ]
    for change, code in cases:
        _refused(site, lambda s, c=change: svc.add_resolution(s, **(base | c)), code)


def test_a_resolution_may_name_a_consultation_by_id(site, street, actor, agenda_item):
    with site.db.session() as s:
        r = svc.add_resolution(s, actor=actor, agenda_item_id=agenda_item, text="晾衣架按居民议事厅决定安装",
                               responsible_org_id=street.prop, deadline=date(2026, 7, 1), consultation_id=42)
        assert svc.get_resolution(s, r.id).consultation_id == 42


def test_bad_requests_for_the_agenda(site, street, actor):
    m = open_meeting(site.db, actor, street, at(2026, 6, 4))
    closed = new_request(site.db, actor, street.household)
    twice = new_request(site.db, actor, street.household)
    with site.db.session() as s:
        requests.transition(s, actor=actor, request_id=closed, to_status="withdrawn")
        svc.add_agenda_item(s, actor=actor, meeting_id=m, request_id=twice)
    cases = [
        (closed, "redprop.request_not_open"),
        (new_request(site.db, actor, street.household, category="neighbour_dispute"), "redprop.request_not_property"),
        (new_request(site.db, actor, street.other_household), "redprop.request_outside_area"),
        (twice, "redprop.request_on_agenda"),
    ]
    for rid, code in cases:
        _refused(site, lambda s, r=rid: svc.add_agenda_item(s, actor=actor, meeting_id=m, request_id=r), code)
