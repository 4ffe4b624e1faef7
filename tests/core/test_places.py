"""Places: the tree keeps its invariants (materialised path, community) on create and
move; records stay attached when a subtree moves; empty nodes can be deleted (audited)."""

from __future__ import annotations

from sqlalchemy import select

from gongzhi.core.models import AuditLog, Place
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.services.requests import RequestFilter
from tests.core.helpers import build_world, new_request


def all_places(db) -> dict[int, Place]:
    with db.read_session() as s:
        return {p.id: p for p in s.scalars(select(Place))}


def assert_tree_invariants(db) -> None:
    """For every node: path = parent's path + own id; community = the community on the path."""
    places = all_places(db)
    for p in places.values():
        parent = places.get(p.parent_id) if p.parent_id else None
        assert p.path == (parent.path if parent else "/") + f"{p.id}/", p
        chain = [places[int(i)] for i in p.path.strip("/").split("/")]
        communities = [c.id for c in chain if c.kind == "community"]
        assert p.community_id == (communities[0] if communities else None), p
        assert chain[-1].id == p.id


def test_paths_and_communities_on_create(db, actor):
    w = build_world(db, actor)
    assert_tree_invariants(db)
    assert w.street.path == f"/{w.street.id}/" and w.street.community_id is None
    c1 = w.communities[0]
    assert c1.community_id == c1.id
    h1 = w.households[0]
    assert h1.path == f"/{w.street.id}/{c1.id}/{w.compounds[0].id}/{w.buildings[0].id}/{w.micro_grids[0].id}/{h1.id}/"
    assert h1.community_id == c1.id
    with db.session() as s:
        poi = place_svc.create_place(s, actor=actor, kind="poi", name="街道公示栏", parent_id=w.street.id,
                                     poi_kind="notice_board")
        assert poi.community_id is None and poi.poi_kind == "notice_board"
        lamp = place_svc.create_place(s, actor=actor, kind="poi", name="路灯", parent_id=w.micro_grids[0].id)
        assert lamp.community_id == c1.id and lamp.poi_kind == "other"
    with db.read_session() as s:
        assert place_svc.full_name(s, h1) == "青源街道 / 盛康社区 / 盛康园 / 1号楼 / 1-6层 / 101"
        assert [p.id for p in place_svc.ancestors(s, h1)][0] == w.street.id
        assert {p.id for p in place_svc.subtree(s, w.compounds[0])} == {
            w.compounds[0].id, w.buildings[0].id, w.micro_grids[0].id, h1.id, lamp.id}
        assert {p.id for p in place_svc.subtree(s, w.compounds[0], max_depth=1)} == {w.compounds[0].id, w.buildings[0].id}
        assert [p.name for p in place_svc.children(s, None)] == ["青源街道"]
    assert_tree_invariants(db)


def test_moving_a_compound_to_another_community(db, actor):
    w = build_world(db, actor)
    c1, c2 = w.communities
    k1 = w.compounds[0]
    r = new_request(db, actor, w, place_id=w.households[0].id, reporter_id=w.people["zhang"].id)
    with db.session() as s:
        lamp = place_svc.create_place(s, actor=actor, kind="poi", name="路灯", parent_id=w.buildings[0].id,
                                      poi_kind="street_lamp")
    with db.read_session() as s:
        assert [x.id for x in req_svc.list_requests(s, RequestFilter(community_id=c1.id)).rows] == [r.id]

    with db.session() as s:
        moved = place_svc.move_place(s, actor=actor, place_id=k1.id, new_parent_id=c2.id)
    assert moved.parent_id == c2.id and moved.path == f"/{w.street.id}/{c2.id}/{k1.id}/"
    assert_tree_invariants(db)
    places = all_places(db)
    for pid in (k1.id, w.buildings[0].id, w.micro_grids[0].id, w.households[0].id, lamp.id):
        assert places[pid].community_id == c2.id
        assert places[pid].path.startswith(f"/{w.street.id}/{c2.id}/{k1.id}/")
    # nothing else moved
    assert places[w.compounds[1].id].community_id == c2.id
    assert places[c1.id].community_id == c1.id
    # the request and the resident stay attached, now counted in the new community
    with db.read_session() as s:
        assert req_svc.get_request(s, r.id).place_id == w.households[0].id
        assert people_svc.get_person(s, w.people["zhang"].id).household_id == w.households[0].id
        assert req_svc.list_requests(s, RequestFilter(community_id=c1.id)).total == 0
        assert [x.id for x in req_svc.list_requests(s, RequestFilter(community_id=c2.id)).rows] == [r.id]
        assert [x.id for x in req_svc.list_requests(s, RequestFilter(place_id=c2.id)).rows] == [r.id]
        audit = s.scalars(select(AuditLog).where(AuditLog.action == "place.move")).one()
    assert audit.entity_id == k1.id
    assert audit.before["path"] == f"/{w.street.id}/{c1.id}/{k1.id}/" and audit.before["community_id"] == c1.id
    assert audit.after["path"] == moved.path and audit.after["community_id"] == c2.id


def test_moving_a_community_to_another_street_keeps_its_own_community(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        street2 = place_svc.create_place(s, actor=actor, kind="street", name="北仓街道")
        place_svc.move_place(s, actor=actor, place_id=w.communities[0].id, new_parent_id=street2.id)
    assert_tree_invariants(db)
    places = all_places(db)
    assert places[w.households[0].id].path.startswith(f"/{street2.id}/{w.communities[0].id}/")
    assert places[w.households[0].id].community_id == w.communities[0].id


def test_moving_a_building_and_a_poi_between_levels(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        # a building into the other community's compound; its household in the micro-grid follows
        place_svc.move_place(s, actor=actor, place_id=w.buildings[0].id, new_parent_id=w.compounds[1].id)
        # a point of interest from the street level down into a community
        poi = place_svc.create_place(s, actor=actor, kind="poi", name="充电车棚", parent_id=w.street.id,
                                     poi_kind="charging_shed")
        place_svc.move_place(s, actor=actor, place_id=poi.id, new_parent_id=w.compounds[0].id)
    assert_tree_invariants(db)
    places = all_places(db)
    assert places[w.households[0].id].community_id == w.communities[1].id
    assert places[poi.id].community_id == w.communities[0].id


def test_similar_path_prefixes_are_not_confused(db, actor):
    """/1/2/ must not match /1/23/: moving node 2 leaves node 23's subtree alone."""
    w = build_world(db, actor)
    with db.session() as s:
        extra = [place_svc.create_place(s, actor=actor, kind="compound", name=f"园{i}", parent_id=w.communities[0].id)
                 for i in range(30)]
    k = w.compounds[0]
    lookalikes = [p for p in extra if str(p.id).startswith(str(k.id))]
    with db.session() as s:
        place_svc.move_place(s, actor=actor, place_id=k.id, new_parent_id=w.communities[1].id)
    assert_tree_invariants(db)
    places = all_places(db)
    for p in lookalikes:
        assert places[p.id].community_id == w.communities[0].id


def test_update_place_fields(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        b = place_svc.update_place(s, actor=actor, place_id=w.buildings[0].id, code="SK-01", housing_type="relocation")
        assert (b.code, b.housing_type) == ("SK-01", "relocation")
        b = place_svc.update_place(s, actor=actor, place_id=w.buildings[0].id, code=None, housing_type=None)
        assert (b.code, b.housing_type) == (None, None)
        g = place_svc.update_place(s, actor=actor, place_id=w.micro_grids[0].id, floor_to=5)
        assert (g.floor_from, g.floor_to) == (1, 5)


def test_places_are_found_by_pinyin_name_and_code(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        def names(query, **kw):
            return [p.name for p in place_svc.search_places(s, query, **kw)]

        assert names("ry") == ["荣雅社区", "荣雅园"]  # the community before its compound
        assert names("rongyayuan") == ["荣雅园"]
        assert names("RYY") == ["荣雅园"]  # typed in capitals
        assert names("ryy", kinds=["building"]) == []
        assert names("1hl") == ["1号楼"]
        assert names("荣雅") == ["荣雅社区", "荣雅园"]
        assert names("ryy'") == ["荣雅园"]
        assert names("%") == [] and names("") == []
        place_svc.update_place(s, actor=actor, place_id=w.compounds[1].id, code="RY-01", name="欢景园")
        assert names("ryy") == [] and names("hjy") == ["欢景园"]
        assert names("RY-01") == ["欢景园"]


def test_find_place_by_name_and_path(db, actor):
    w = build_world(db, actor)
    with db.read_session() as s:
        assert place_svc.find_place(s, "盛康园").id == w.compounds[0].id
        assert place_svc.find_place(s, str(w.compounds[0].id)).id == w.compounds[0].id
        assert place_svc.find_place(s, "青源街道/荣雅社区/荣雅园").id == w.compounds[1].id


def test_deleting_an_empty_node_is_audited(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        poi = place_svc.create_place(s, actor=actor, kind="poi", name="旧公示栏", parent_id=w.compounds[0].id,
                                     poi_kind="notice_board")
    with db.session() as s:
        place_svc.delete_place(s, actor=actor, place_id=poi.id)
    with db.session() as s:  # a whole empty community, leaf first
        c3 = place_svc.create_place(s, actor=actor, kind="community", name="空社区", parent_id=w.street.id)
        place_svc.delete_place(s, actor=actor, place_id=c3.id)
    places = all_places(db)
    assert poi.id not in places and c3.id not in places
    with db.read_session() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == "place.delete").order_by(AuditLog.id)))
    assert [(a.entity_id, a.before["name"], a.after) for a in rows] == [(poi.id, "旧公示栏", None), (c3.id, "空社区", None)]
    assert all(a.actor == actor.name for a in rows)


def test_objects_held_in_the_session_stay_current_and_usable_after_a_move(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        held = place_svc.get_place(s, w.households[0].id)  # inside the moved subtree
        other = place_svc.create_place(s, actor=actor, kind="street", name="北仓街道")  # unrelated
        place_svc.move_place(s, actor=actor, place_id=w.compounds[0].id, new_parent_id=w.communities[1].id)
    # the session is closed: both objects are still readable, and the held one is current
    assert other.name == "北仓街道" and other.path == f"/{other.id}/"
    assert held.community_id == w.communities[1].id
    assert held.path.startswith(f"/{w.street.id}/{w.communities[1].id}/{w.compounds[0].id}/")


def test_same_name_is_fine_for_another_kind_or_parent_and_for_a_rename_to_itself(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        # 1号楼 exists under 盛康园; another 1号楼 under 荣雅园, and a gate named 1号楼 under 盛康园 are fine
        place_svc.create_place(s, actor=actor, kind="building", name="1号楼", parent_id=w.compounds[1].id)
        place_svc.create_place(s, actor=actor, kind="poi", name="1号楼", parent_id=w.compounds[0].id)
        place_svc.update_place(s, actor=actor, place_id=w.buildings[0].id, name="1号楼", notes="同名保存")
    with db.read_session() as s:
        assert place_svc.get_place(s, w.buildings[0].id).notes == "同名保存"
