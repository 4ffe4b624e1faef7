"""Meetings on SQLite and PostgreSQL: the bodies by default, attendance for one body
with cross-appointed people counted once, the quorum of bodies shown before
opening, and the record frozen at close (addenda correct it)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.errors import DomainError
from gongzhi.core.services import orgs
from gongzhi.plugins.red_property import services as svc
from tests.plugins.red_property.conftest import at, open_meeting, row_counts


def test_default_bodies_are_the_four_of_the_area(site, street, actor):
    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 1, 8))
        assert [o.id for o in svc.bodies_of(s, m.id)] == [street.party, street.rc, street.owners, street.prop]
        assert m.status == "draft" and m.kind == "monthly"
        # a community's meeting takes the owners' committees and property companies of its compounds
        c = svc.create_meeting(s, actor=actor, place_id=street.community, held_at=at(2026, 1, 9),
                               kind="extraordinary")
        assert {o.id for o in svc.bodies_of(s, c.id)} == {street.party, street.rc, street.owners, street.prop,
                                                          street.other_owners, street.other_prop}
        assert svc.meeting_label(s, m) == "2026-01-08 荣雅园红色物业联席会议"
        assert svc.meeting_label(s, m, "en") == "joint meeting of 荣雅园, 2026-01-08"


def test_quorum_by_bodies_with_cross_appointed_people(site, street, actor):
    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 2, 5))
        q = svc.quorum(s, m.id)
        assert (q.rule, q.needed, q.met, q.headcount) == ("all", 4, False, 0)
        # 王书记 holds posts in the party committee and the residents' committee: he
        # stands for one of them, and cannot be counted a second time for the other
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.wang, organisation_id=street.party)
        before = row_counts(site.db)
        with pytest.raises(DomainError) as exc:
            svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.wang, organisation_id=street.rc)
        assert exc.value.code == "redprop.already_attending"
        assert "只代表一个组织" in exc.value.message("zh") and "counted once" in exc.value.message("en")
        assert row_counts(site.db) == before
        # 周师傅 is property staff and an owners' committee member: he comes for the owners
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.zhou, organisation_id=street.owners)
        # 赵主任 chairs the owners' committee and is a party member: he too sits once
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.zhao, organisation_id=street.owners)
        q = svc.quorum(s, m.id)
        assert [b.organisation_id for b in q.present] == [street.party, street.owners]
        assert [b.organisation_id for b in q.missing] == [street.rc, street.prop]
        assert q.bodies[2].attendee_ids == (street.zhou, street.zhao)
        assert q.headcount == 3 and not q.met
        # not opened without the quorum of bodies, unless the secretary says so
        with pytest.raises(DomainError) as exc:
            svc.open_meeting(s, actor=actor, meeting_id=m.id)
        assert exc.value.code == "redprop.no_quorum"
        assert "荣雅园社区居委会、荣雅园物业服务中心" in exc.value.message("zh")
        assert svc.get_meeting(s, m.id).status == "draft"
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.li, organisation_id=street.rc)
        # a body that is not required may attend; it does not count towards the quorum
        svc.set_bodies(s, actor=actor, meeting_id=m.id, body_ids=[street.party, street.rc, street.owners,
                                                                   street.prop], min_bodies=3)
        q = svc.quorum(s, m.id)
        assert (q.rule, q.needed, len(q.present), q.met) == ("min", 3, 3, True)
        opened = svc.open_meeting(s, actor=actor, meeting_id=m.id)
        assert opened.status == "open" and opened.opened_without_quorum is False
        row = svc.meeting_row(s, opened)
        assert row["quorum_met"] is True and row["headcount"] == 4
        assert [b["present"] for b in row["bodies"]] == [True, True, True, False]


def test_opening_without_the_quorum_is_recorded(site, street, actor):
    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 2, 5))
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.sun, organisation_id=street.prop)
        opened = svc.open_meeting(s, actor=actor, meeting_id=m.id, without_quorum=True)
        assert opened.opened_without_quorum is True
        with pytest.raises(DomainError) as exc:
            svc.open_meeting(s, actor=actor, meeting_id=m.id)
        assert exc.value.code == "redprop.illegal_meeting_status"


def test_attendance_for_a_body_the_person_does_not_belong_to(site, street, actor):
    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 3, 5))
    before = row_counts(site.db)
    for person, body in (
        (street.resident, street.rc),  # no post at all
        (street.former, street.owners),  # left in 2025; the meeting is in 2026
        (street.li, street.prop),  # a post elsewhere
    ):
        with site.db.session() as s, pytest.raises(DomainError) as exc:
            svc.check_in(s, actor=actor, meeting_id=m.id, person_id=person, organisation_id=body)
        assert exc.value.code == "redprop.not_a_member"
        assert "2026-03-05" in exc.value.message("zh") and "held no post" in exc.value.message("en")
    assert row_counts(site.db) == before


def test_a_post_taken_after_the_meeting_does_not_count(site, street, actor):
    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 3, 5))
        orgs.add_membership(s, actor=actor, person_id=street.resident, organisation_id=street.owners, role="member",
                            start_date=date(2026, 4, 1))
        with pytest.raises(DomainError) as exc:
            svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.resident, organisation_id=street.owners)
        assert exc.value.code == "redprop.not_a_member"
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.zhou, organisation_id=street.prop)
        svc.cancel_check_in(s, actor=actor, meeting_id=m.id, person_id=street.zhou)
        assert svc.attendance_of(s, m.id) == []


def test_bad_meetings_are_refused(site, street, actor):
    before = row_counts(site.db)
    with site.db.session() as s:
        cases = [
            (dict(place_id=street.household), "redprop.meeting_place_kind"),
            (dict(place_id=street.compound, body_ids=[]), "redprop.no_bodies"),
            (dict(place_id=street.compound, body_ids=[street.rc, street.rc]), "redprop.duplicate_body"),
            (dict(place_id=street.compound, min_bodies=5), "redprop.invalid_min_bodies"),
            (dict(place_id=street.compound, min_bodies=0), "redprop.invalid_min_bodies"),
            (dict(place_id=street.compound, kind="weekly"), "redprop.invalid_choice"),
        ]
        for kwargs, code in cases:
            with pytest.raises(DomainError) as exc:
                svc.create_meeting(s, actor=actor, held_at=at(2026, 1, 1), **kwargs)
            assert exc.value.code == code, kwargs
    assert row_counts(site.db) == before


def test_a_compound_without_an_owners_committee_needs_its_bodies_named(site, street, actor):
    from gongzhi.core.services import places

    with site.db.session() as s:
        bare = places.create_place(s, actor=actor, kind="compound", name="荣乐园", parent_id=street.community)
        with pytest.raises(DomainError) as exc:
            svc.create_meeting(s, actor=actor, place_id=bare.id, held_at=at(2026, 1, 1))
        assert exc.value.code == "redprop.body_kind_missing" and "业委会" in exc.value.message("zh")
        m = svc.create_meeting(s, actor=actor, place_id=bare.id, held_at=at(2026, 1, 1),
                               body_ids=[street.party, street.rc])
        assert [o.id for o in svc.bodies_of(s, m.id)] == [street.party, street.rc]


def _closed_meeting(site, street, actor) -> tuple[int, int]:
    m_id = open_meeting(site.db, actor, street, at(2026, 4, 2))
    with site.db.session() as s:
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m_id, title="楼道堆物清理")
        svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text="物业一周内清理楼道堆物",
                           responsible_org_id=street.prop, deadline=date(2026, 4, 9))
        svc.close_meeting(s, actor=actor, meeting_id=m_id, at=at(2026, 4, 2, 11))
    return m_id, item.id


def test_editing_a_closed_meeting_is_refused_and_addenda_correct_it(site, street, actor):
    m_id, item_id = _closed_meeting(site, street, actor)
    before = row_counts(site.db)
    attempts = [
        lambda s: svc.update_meeting(s, actor=actor, meeting_id=m_id, location="社区会议室"),
        lambda s: svc.update_agenda_item(s, actor=actor, agenda_item_id=item_id, discussion="补充讨论"),
        lambda s: svc.add_agenda_item(s, actor=actor, meeting_id=m_id, title="补一个议题"),
        lambda s: svc.add_resolution(s, actor=actor, agenda_item_id=item_id, text="再加一条",
                                     responsible_org_id=street.prop, deadline=date(2026, 5, 1)),
        lambda s: svc.check_in(s, actor=actor, meeting_id=m_id, person_id=street.zhou,
                               organisation_id=street.prop),
        lambda s: svc.cancel_check_in(s, actor=actor, meeting_id=m_id, person_id=street.sun),
        lambda s: svc.set_bodies(s, actor=actor, meeting_id=m_id, body_ids=[street.rc]),
        lambda s: svc.close_meeting(s, actor=actor, meeting_id=m_id),
    ]
    for attempt in attempts:
        with site.db.session() as s, pytest.raises(DomainError) as exc:
            attempt(s)
        assert exc.value.code == "redprop.meeting_closed"
        assert "补记" in exc.value.message("zh") and "addendum" in exc.value.message("en")
    assert row_counts(site.db) == before
    with site.db.session() as s:
        add = svc.add_addendum(s, actor=actor, meeting_id=m_id, refers_to="出席名单", text="周师傅列席会议，漏记")
        assert [a.id for a in svc.addenda_of(s, m_id)] == [add.id]
        with pytest.raises(DomainError) as exc:
            svc.add_addendum(s, actor=actor, meeting_id=m_id, text="  ")
        assert exc.value.code == "redprop.required" and exc.value.message("en") == "addendum text is required"


def test_addenda_are_only_for_closed_meetings(site, street, actor):
    m_id = open_meeting(site.db, actor, street, at(2026, 4, 2))
    with site.db.session() as s, pytest.raises(DomainError) as exc:
        svc.add_addendum(s, actor=actor, meeting_id=m_id, text="更正")
    assert exc.value.code == "redprop.not_addendum_time"


FROZEN = (
    "UPDATE redprop_meeting SET location = 'x'",
    "DELETE FROM redprop_meeting",
    "UPDATE redprop_resolution SET text = 'x'",
    "DELETE FROM redprop_attendance",
    "INSERT INTO redprop_attendance (meeting_id, person_id, organisation_id, membership_id, checked_in_at,"
    " recorded_by) SELECT meeting_id, person_id, organisation_id, membership_id, checked_in_at, 'x'"
    " FROM redprop_attendance",
    "UPDATE redprop_agenda_item SET discussion = 'x'",
    "UPDATE redprop_meeting_body SET seq = seq + 10",
)


def test_the_database_freezes_a_closed_meeting(site, street, actor):
    _closed_meeting(site, street, actor)
    before = row_counts(site.db)
    for statement in FROZEN:
        with site.db.engine.begin() as conn, pytest.raises(DBAPIError) as exc:
            conn.execute(text(statement))
        assert "closed meeting is frozen" in str(exc.value), statement
    assert row_counts(site.db) == before
    # addenda are the one way in
    with site.db.engine.begin() as conn:
        conn.execute(text("INSERT INTO redprop_addendum (meeting_id, refers_to, text, at, recorded_by) "
                          "SELECT id, '', 'ok', created_at, 'x' FROM redprop_meeting"))
    assert row_counts(site.db)["redprop_addendum"] == before["redprop_addendum"] + 1


def test_a_vote_row_cannot_be_slipped_into_a_closed_meeting(site, street, actor):
    m_id, _ = _closed_meeting(site, street, actor)
    with site.db.engine.begin() as conn, pytest.raises(DBAPIError) as exc:
        conn.execute(text("INSERT INTO redprop_resolution_vote (meeting_id, resolution_id, organisation_id, yes, no,"
                          " abstain) SELECT meeting_id, id, responsible_org_id, 1, 0, 0 FROM redprop_resolution"))
    assert "closed meeting is frozen" in str(exc.value)


def test_facts_cannot_be_dated_in_the_future(site, street, actor):
    """A meeting may be planned ahead; what was done at it (attendance, opening, closing,
    notes, addenda) and a service asked for or done cannot carry a future time (issue 15)."""
    future = at(2099, 1, 1)
    with site.db.session() as s:
        planned = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=future)  # planning: fine
    meeting = open_meeting(site.db, actor, street, at(2026, 3, 5))
    before = row_counts(site.db)
    attempts = {
        "check in": lambda s: svc.check_in(s, actor=actor, meeting_id=planned.id, person_id=street.wang,
                                           organisation_id=street.party, at=future),
        "close": lambda s: svc.close_meeting(s, actor=actor, meeting_id=meeting, at=future),
        "service": lambda s: svc.log_service(s, actor=actor, kind="free_repair", resident_id=street.resident,
                                             at=future),
    }
    for what, attempt in attempts.items():
        with site.db.session() as s, pytest.raises(DomainError) as exc:
            attempt(s)
        assert exc.value.code == "input.future_date", what
        assert "2099" in exc.value.message("en") and "cannot be after today" in exc.value.message("en")
    assert row_counts(site.db) == before
