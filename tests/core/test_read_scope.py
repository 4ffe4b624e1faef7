"""Reads are confined to the actor's places (issue 15, item 2): single rows outside are
refused with ``permission.denied``, lists show only the rows inside; an account without
a role reads nothing; the implicit local operator of a database without accounts reads
everything. Names refuse invisible characters."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.core.permissions import Grant
from gongzhi.core.services import Actor
from gongzhi.core.services import orgs as org_svc
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.services import stats as stats_svc
from gongzhi.core.services.base import check_chars
from tests.core.helpers import assert_messages_render, build_world, expect_rejected, new_request
from tests.core.test_operators import _operator


def _denied(call) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    assert info.value.code == "permission.denied"
    assert_messages_render(info.value)
    return info.value


def test_a_community_secretary_reads_only_their_communitys_people_and_requests(db, actor):
    w = build_world(db, actor)
    ours = new_request(db, actor, w, place_id=w.compounds[1].id, reporter_id=w.people["li"].id)  # 荣雅园
    theirs = new_request(db, actor, w, place_id=w.compounds[0].id)  # 盛康园
    sec = _operator(db, actor, "sec", "community_secretary", w.communities[1].id)  # 荣雅社区
    with db.read_session() as s:
        assert people_svc.get_person(s, w.people["li"].id, actor=sec).name == "李四"
        _denied(lambda: people_svc.get_person(s, w.people["zhang"].id, actor=sec))
        assert [p.name for p in people_svc.find_people(s, "张晓明", actor=sec)] == []
        assert [p.name for p in people_svc.find_people(s, "张晓明")] == ["张晓明"]  # the services' own read
        assert [p.name for p in people_svc.find_people(s, "5678", actor=sec)] == []  # phone tail
        _denied(lambda: org_svc.memberships_of(s, w.people["zhang"].id, actor=sec))

        assert req_svc.get_request(s, ours.id, actor=sec).id == ours.id
        _denied(lambda: req_svc.get_request(s, theirs.id, actor=sec))
        _denied(lambda: req_svc.find_request(s, theirs.ref, actor=sec))
        _denied(lambda: req_svc.timeline(s, theirs.id, actor=sec))
        assert [r.id for r in req_svc.list_page(s, actor=sec).rows] == [ours.id]
        assert [r.id for r in req_svc.list_requests(s, actor=sec).rows] == [ours.id]
        assert req_svc.count_requests(s, actor=sec) == 1
        assert sum(req_svc.count_by_status(s, actor=sec).values()) == 1
        # asking for the other community finds nothing (not everything)
        other = req_svc.RequestFilter(community_id=w.communities[0].id)
        assert req_svc.list_page(s, other, actor=sec).rows == []
        assert req_svc.count_requests(s, other, actor=sec) == 0
        # a text search goes through the search index: confined all the same
        text = req_svc.RequestFilter(text="路灯")
        assert [r.id for r in req_svc.list_page(s, text, actor=sec).rows] == [ours.id]
        assert req_svc.count_requests(s, text, actor=sec) == 1
        assert req_svc.count_requests(s, text) == 2
        assert {r.group_id for r in stats_svc.three_rates(s, actor=sec)} == {w.communities[1].id}
        # the same filter, unconfined, right after (the list keeps its statements by shape)
        assert {r.id for r in req_svc.list_page(s).rows} == {ours.id, theirs.id}


def test_a_grid_worker_on_a_compound_reads_that_compound_only(db, actor):
    """A grant below a community confines by the place path (within the community)."""
    w = build_world(db, actor)
    with db.session() as s:
        k3 = place_svc.create_place(s, actor=actor, kind="compound", name="盛福园", parent_id=w.communities[0].id)
    here = new_request(db, actor, w, place_id=w.buildings[0].id)  # 盛康园 1号楼
    next_door = new_request(db, actor, w, place_id=k3.id)  # 盛福园, same community
    grid = _operator(db, actor, "grid", "grid_worker", w.compounds[0].id)
    with db.read_session() as s:
        assert [r.id for r in req_svc.list_page(s, actor=grid).rows] == [here.id]
        assert req_svc.count_requests(s, actor=grid) == 1
        _denied(lambda: req_svc.get_request(s, next_door.id, actor=grid))
        assert [p.name for p in people_svc.find_people(s, "张", actor=grid)] == ["张晓明"]


def test_grants_in_two_communities_read_both(db, actor):
    w = build_world(db, actor)
    a = new_request(db, actor, w, place_id=w.compounds[0].id)
    b = new_request(db, actor, w, place_id=w.compounds[1].id)
    two = Actor("two", grants=(Grant("viewer", w.communities[0].id, w.communities[0].path),
                               Grant("viewer", w.communities[1].id, w.communities[1].path)))
    with db.read_session() as s:
        assert {r.id for r in req_svc.list_page(s, actor=two).rows} == {a.id, b.id}
        assert req_svc.count_requests(s, actor=two) == 2


def test_an_account_without_a_role_reads_nothing(db, actor):
    w = build_world(db, actor)
    req = new_request(db, actor, w)
    nobody = _operator(db, actor, "nobody")
    assert nobody.grants == ()
    with db.read_session() as s:
        for call in (
            lambda: people_svc.get_person(s, w.people["zhang"].id, actor=nobody),
            lambda: people_svc.find_people(s, "张", actor=nobody),
            lambda: req_svc.get_request(s, req.id, actor=nobody),
            lambda: req_svc.list_page(s, actor=nobody),
            lambda: req_svc.count_requests(s, actor=nobody),
            lambda: place_svc.children(s, None, actor=nobody),
            lambda: org_svc.organisations(s, actor=nobody),
        ):
            _denied(call)


def test_the_local_operator_of_a_database_without_accounts_reads_everything(db, actor):
    w = build_world(db, actor)
    new_request(db, actor, w, place_id=w.compounds[0].id)
    new_request(db, actor, w, place_id=w.compounds[1].id)
    assert actor.grants is None
    with db.read_session() as s:
        assert req_svc.count_requests(s, actor=actor) == 2
        assert {p.name for p in people_svc.find_people(s, "李", actor=actor)} == {"李四"}


def test_the_way_to_ones_places_and_street_wide_rows_are_read(db, actor):
    """The street above a community is read (its name heads every address), a
    neighbouring community is not; departments (no place) and people without a
    household are street-wide, as row-level security has them."""
    w = build_world(db, actor)
    sec = _operator(db, actor, "sec", "community_secretary", w.communities[1].id)
    with db.read_session() as s:
        assert place_svc.get_place(s, w.street.id, actor=sec).name == "青源街道"
        assert [p.name for p in place_svc.children(s, None, actor=sec)] == ["青源街道"]
        assert [p.name for p in place_svc.children(s, w.street.id, actor=sec)] == ["荣雅社区"]
        _denied(lambda: place_svc.get_place(s, w.communities[0].id, actor=sec))
        _denied(lambda: place_svc.find_place(s, "盛康园", actor=sec))
        assert [p.name for p in place_svc.search_places(s, "园", actor=sec)] == ["荣雅园"]
        assert org_svc.get_organisation(s, w.department.id, actor=sec).name == "城管科"
        _denied(lambda: org_svc.get_organisation(s, w.committee.id, actor=sec))  # 盛康社区居委会
        assert w.committee.id not in {o.id for o in org_svc.organisations(s, actor=sec)}
        assert people_svc.get_person(s, w.people["wang"].id, actor=sec).name == "王五"  # no household


def test_a_refused_read_writes_nothing(db, actor):
    w = build_world(db, actor)
    sec = _operator(db, actor, "sec", "community_secretary", w.communities[1].id)
    expect_rejected(db, "permission.denied",
                    lambda s: people_svc.view_care_tags(s, actor=sec, person_id=w.people["zhang"].id))
    expect_rejected(db, "permission.denied",
                    lambda s: people_svc.get_person(s, w.people["zhang"].id, actor=sec))


# -- invisible characters in names ---------------------------------------------------


@pytest.mark.parametrize("name, code", [
    ("\u200b", "input.required"),  # a zero-width space alone: no name at all
    (" \u3164 ", "input.required"),  # a Hangul filler between spaces
    ("\u2800", "input.required"),  # the blank Braille pattern
    ("\ufeff\u200d", "input.required"),
    ("张\u200b三", "input.invisible_chars"),
    ("\u202e三张", "input.invisible_chars"),  # shown backwards
    ("张\u00ad三", "input.invisible_chars"),  # a soft hyphen
    ("张\u2066三", "input.invisible_chars"),
])
def test_a_name_with_invisible_characters_is_refused(sqlite_db, actor, name, code):
    w = build_world(sqlite_db, actor)
    expect_rejected(sqlite_db, code, lambda s: people_svc.create_person(
        s, actor=actor, name=name, household_id=w.households[0].id))
    expect_rejected(sqlite_db, code, lambda s: org_svc.create_organisation(
        s, actor=actor, kind="department", name=name))
    expect_rejected(sqlite_db, code, lambda s: place_svc.create_place(
        s, actor=actor, kind="compound", name=name, parent_id=w.communities[0].id))


def test_free_text_keeps_zero_width_characters_but_not_direction_overrides():
    """A description pasted from a chat may hold a zero-width space; a direction
    override would reorder what is shown, in any text."""
    assert check_chars("路灯\u200b不亮", "description") == "路灯\u200b不亮"
    with pytest.raises(DomainError) as info:
        check_chars("路灯\u202e不亮", "description")
    assert info.value.code == "input.invisible_chars"
    assert_messages_render(info.value)
    assert check_chars("张晓明", "name") == "张晓明"
