"""Organisations and memberships: cross-appointment (交叉任职) is normal, a current post is
held once, posts end (never deleted), grid workers cover a scope place."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from gongzhi.core.services import orgs as org_svc
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from tests.core.helpers import build_world, count_rows, expect_rejected


@pytest.fixture
def world(db, actor):
    return build_world(db, actor)


def test_cross_appointment_one_person_several_current_posts(db, actor, world):
    w = world
    with db.session() as s:
        party = org_svc.create_organisation(s, actor=actor, kind="party_committee", name="盛康社区党委",
                                            place_id=w.communities[0].id)
        owners = org_svc.create_organisation(s, actor=actor, kind="owners_committee", name="盛康园业委会",
                                             place_id=w.compounds[0].id)
        company = org_svc.create_organisation(s, actor=actor, kind="property_company", name="盛康物业")
        zhang = w.people["zhang"].id
        for org, role in [(party, "secretary"), (w.committee, "director"), (owners, "member"), (company, "manager")]:
            org_svc.add_membership(s, actor=actor, person_id=zhang, organisation_id=org.id, role=role)
        # the same org, another role: also allowed
        org_svc.add_membership(s, actor=actor, person_id=zhang, organisation_id=party.id, role="party_member")
    with db.read_session() as s:
        posts = {(o.name, m.role) for m, o in org_svc.memberships_of(s, zhang)}
        assert posts == {
            ("盛康社区党委", "secretary"), ("盛康社区党委", "party_member"), ("盛康社区居委会", "director"),
            ("盛康园业委会", "member"), ("盛康物业", "manager"),
        }
        assert [m.person_id for m in org_svc.members_of(s, owners.id)] == [zhang]
        assert {o.name for o in org_svc.organisations(s, kind="department")} == {"城管科", "供电所"}
        assert org_svc.find_organisation(s, "盛康物业").id == company.id
        assert org_svc.find_organisation(s, company.id).id == company.id


def test_duplicate_current_post_is_refused(db, actor, world):
    w = world
    with db.session() as s:
        org_svc.add_membership(s, actor=actor, person_id=w.people["li"].id, organisation_id=w.committee.id,
                               role="member")
    err = expect_rejected(
        db, "membership.duplicate",
        lambda s: org_svc.add_membership(s, actor=actor, person_id=w.people["li"].id,
                                         organisation_id=w.committee.id, role="member"),
    )
    assert "李四" in err.message("zh") and "盛康社区居委会" in err.message("en")


def test_ended_post_can_be_taken_again_and_history_is_kept(db, actor, world):
    w = world
    li = w.people["li"].id
    with db.session() as s:
        first = org_svc.add_membership(s, actor=actor, person_id=li, organisation_id=w.committee.id, role="member",
                                       start_date=date(2020, 1, 1))
        ended = org_svc.end_membership(s, actor=actor, membership_id=first.id,
                                       end_date=date.today() - timedelta(days=1))
    assert ended.end_date == date.today() - timedelta(days=1)
    with db.read_session() as s:
        assert org_svc.memberships_of(s, li) == []
        history = org_svc.memberships_of(s, li, current_only=False)
        assert [m.id for m, _ in history] == [first.id]
        assert org_svc.members_of(s, w.committee.id) == []
    with db.session() as s:
        again = org_svc.add_membership(s, actor=actor, person_id=li, organisation_id=w.committee.id, role="member")
    with db.read_session() as s:
        assert [m.id for m, _ in org_svc.memberships_of(s, li)] == [again.id]
        assert len(org_svc.memberships_of(s, li, current_only=False)) == 2


def test_end_membership_today_by_default(db, actor, world):
    w = world
    with db.session() as s:
        m = org_svc.add_membership(s, actor=actor, person_id=w.people["wang"].id, organisation_id=w.department.id,
                                   role="staff")
        ended = org_svc.end_membership(s, actor=actor, membership_id=m.id)
    assert ended.end_date == date.today()
    expect_rejected(db, "membership.already_ended",
                    lambda s: org_svc.end_membership(s, actor=actor, membership_id=m.id))
    # a post ended today is no longer current, and can be taken up again
    with db.read_session() as s:
        assert org_svc.memberships_of(s, w.people["wang"].id) == []
    with db.session() as s:
        org_svc.add_membership(s, actor=actor, person_id=w.people["wang"].id, organisation_id=w.department.id,
                               role="staff")


def test_end_before_start_is_refused(db, actor, world):
    w = world
    with db.session() as s:
        m = org_svc.add_membership(s, actor=actor, person_id=w.people["wang"].id, organisation_id=w.department.id,
                                   role="staff", start_date=date.today())
    expect_rejected(db, "membership.invalid_dates",
                    lambda s: org_svc.end_membership(s, actor=actor, membership_id=m.id,
                                                     end_date=date.today() - timedelta(days=3)))


def test_a_post_ending_in_the_future_is_current_until_then(db, actor, world):
    w = world
    with db.session() as s:
        org_svc.add_membership(s, actor=actor, person_id=w.people["wang"].id, organisation_id=w.department.id,
                               role="staff", end_date=date.today() + timedelta(days=10))
    with db.read_session() as s:
        assert len(org_svc.memberships_of(s, w.people["wang"].id)) == 1
    expect_rejected(db, "membership.duplicate",
                    lambda s: org_svc.add_membership(s, actor=actor, person_id=w.people["wang"].id,
                                                     organisation_id=w.department.id, role="staff"))


def test_grid_worker_scoped_to_micro_grids(db, actor, world):
    w = world
    with db.session() as s:
        g2 = place_svc.create_place(s, actor=actor, kind="micro_grid", name="7-12层", parent_id=w.buildings[0].id,
                                    floor_from=7, floor_to=12)
        worker = people_svc.create_person(s, actor=actor, name="刘网格", phone="13911112222")
        m1 = org_svc.add_membership(s, actor=actor, person_id=worker.id, organisation_id=w.committee.id,
                                    role="micro_grid_worker", scope_place_id=w.micro_grids[0].id)
        # the same worker also covers the next slice of floors: another scope, another post
        m2 = org_svc.add_membership(s, actor=actor, person_id=worker.id, organisation_id=w.committee.id,
                                    role="micro_grid_worker", scope_place_id=g2.id)
    assert (m1.scope_place_id, m2.scope_place_id) == (w.micro_grids[0].id, g2.id)
    with db.read_session() as s:
        scopes = sorted(m.scope_place_id for m, _ in org_svc.memberships_of(s, worker.id))
    assert scopes == sorted([w.micro_grids[0].id, g2.id])
    # the same scope twice is a duplicate
    expect_rejected(db, "membership.duplicate",
                    lambda s: org_svc.add_membership(s, actor=actor, person_id=worker.id,
                                                     organisation_id=w.committee.id, role="micro_grid_worker",
                                                     scope_place_id=g2.id))
    # a scoped place cannot be deleted while someone covers it
    err = expect_rejected(db, "place.has_records", lambda s: place_svc.delete_place(s, actor=actor, place_id=g2.id))
    assert "任职" in err.message("zh") and "memberships" in err.message("en")
    expect_rejected(db, "place.not_found",
                    lambda s: org_svc.add_membership(s, actor=actor, person_id=worker.id, organisation_id=w.committee.id,
                                                     role="grid_worker", scope_place_id=999_999))


def test_membership_audit_and_counts(db, actor, world):
    w = world
    before = count_rows(db)
    with db.session() as s:
        org_svc.add_membership(s, actor=actor, person_id=w.people["li"].id, organisation_id=w.department2.id,
                               role="volunteer")
    after = count_rows(db)
    assert after["membership"] == before["membership"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
