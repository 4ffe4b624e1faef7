"""Requests: ref numbers, due times, duplicates and supporters, whistle-and-report,
attachments, overdue listing, filters and paging."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from gongzhi.core import events
from gongzhi.core.config import data_dir
from gongzhi.core.errors import DomainError
from gongzhi.core.models import RefCounter
from gongzhi.core.services import Actor
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import requests as req_svc
from gongzhi.core.services.requests import RequestFilter, list_requests
from tests.core.helpers import at, build_world, count_rows, expect_rejected, move, new_request


@pytest.fixture
def world(db, actor):
    return build_world(db, actor)


# -- ref numbers and due times ---------------------------------------------------


def test_refs_are_sequential_per_year_of_the_local_date(db, actor, world):
    refs = [new_request(db, actor, world, at=at(t)).ref
            for t in ["2024-03-01 08:00", "2024-03-02 08:00", "2024-12-31 15:59", "2024-12-31 16:00",
                      "2025-01-05 00:00", "2024-06-01 00:00"]]
    # 2024-12-31 16:00Z is already 2025-01-01 in Shanghai
    assert refs == ["QY-2024-000001", "QY-2024-000002", "QY-2024-000003", "QY-2025-000001",
                    "QY-2025-000002", "QY-2024-000004"]
    other = new_request(db, actor, world, ref_prefix="BC", at=at("2024-03-01 08:00")).ref
    assert other == "BC-2024-000001"
    with db.read_session() as s:
        assert req_svc.find_request(s, "qy-2025-000002").ref == "QY-2025-000002"
        counters = {(c.prefix, c.year): c.last for c in s.scalars(select(RefCounter))}
    assert counters == {("QY", 2024): 4, ("QY", 2025): 2, ("BC", 2024): 1}


def test_refs_stay_unique_under_concurrent_clerks(db, actor, world):
    """Two threads, each with its own writing session on the same database, create
    requests at the same time: all succeed, with distinct consecutive refs."""
    per_thread, threads = 8, 2
    start = threading.Barrier(threads)
    refs: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def clerk(n: int) -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with db.session() as s:
                    r = req_svc.create_request(s, actor=Actor(f"clerk{n}"), channel="hotline_12345", type="help",
                                               category_id=world.category.id, title="并发", place_id=world.compounds[0].id,
                                               at=at("2026-05-01 02:00"))
                with lock:
                    refs.append(r.ref)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    workers = [threading.Thread(target=clerk, args=(i,)) for i in range(threads)]
    for t in workers:
        t.start()
    for t in workers:
        t.join(timeout=60)
    assert not errors, errors
    assert sorted(refs) == [f"QY-2026-{i:06d}" for i in range(1, per_thread * threads + 1)]
    with db.read_session() as s:
        assert list_requests(s).total == per_thread * threads


@pytest.mark.parametrize(("priority", "hours"), [("low", 240), ("normal", 120), ("high", 48), ("urgent", 24)])
def test_due_time_is_creation_plus_the_sla_of_the_priority(db, actor, world, priority, hours):
    raised = at("2026-03-02 01:30")
    r = new_request(db, actor, world, priority=priority, at=raised)
    with db.read_session() as s:
        stored = req_svc.get_request(s, r.id)
    assert stored.created_at == raised
    assert stored.due_at == raised + timedelta(hours=hours)
    assert stored.due_at.tzinfo is not None


def test_category_default_department_becomes_the_lead(db, actor, world):
    from gongzhi.core.services import categories as cat_svc

    with db.session() as s:
        cat = cat_svc.create_category(s, actor=actor, code="power", name_zh="供电", name_en="power",
                                      default_department_id=world.department2.id)
    r = new_request(db, actor, world, category_id=cat.id)
    assert r.lead_org_id == world.department2.id
    r2 = new_request(db, actor, world, category_id=cat.id, lead_org_id=world.department.id)
    assert r2.lead_org_id == world.department.id


# -- duplicates and supporters ---------------------------------------------------


def test_duplicate_makes_its_reporter_a_supporter_of_the_original(db, actor, world):
    zhang, li = world.people["zhang"].id, world.people["li"].id
    original = new_request(db, actor, world, reporter_id=zhang)
    dup = new_request(db, actor, world, reporter_id=li, channel="hotline_12345")
    same_reporter = new_request(db, actor, world, reporter_id=zhang)
    anonymous = new_request(db, actor, world, anonymous=True)
    with db.session() as s:
        req_svc.transition(s, actor=actor, request_id=dup.id, to_status="duplicate", duplicate_of_id=original.id,
                           public_note="同一盏路灯")
        req_svc.transition(s, actor=actor, request_id=same_reporter.id, to_status="duplicate",
                           duplicate_of_id=original.id)
        req_svc.transition(s, actor=actor, request_id=anonymous.id, to_status="duplicate",
                           duplicate_of_id=original.id)
    with db.read_session() as s:
        sup = req_svc.supporters(s, original.id)
        assert [(x.person_id, x.via_request_id) for x in sup] == [(li, dup.id)]  # the original's reporter is not added
        assert req_svc.get_request(s, dup.id).duplicate_of_id == original.id
        kinds = [e.kind for e in req_svc.timeline(s, original.id)]
        assert kinds == ["created", "supporter"]
        last = req_svc.timeline(s, dup.id)[-1]
        assert (last.from_status, last.to_status, last.data) == ("submitted", "duplicate", {"duplicate_of": original.ref})
        assert last.public_note == "同一盏路灯"
    # explicit supporters: once each
    with db.session() as s:
        req_svc.add_supporter(s, actor=actor, request_id=original.id, person_id=world.people["wang"].id)
    expect_rejected(db, "request.already_supporter",
                    lambda s: req_svc.add_supporter(s, actor=actor, request_id=original.id,
                                                    person_id=world.people["wang"].id))
    expect_rejected(db, "request.already_supporter",
                    lambda s: req_svc.add_supporter(s, actor=actor, request_id=original.id, person_id=li))
    # a duplicate of a duplicate is refused: point at the original
    other = new_request(db, actor, world)
    expect_rejected(db, "request.duplicate_target",
                    lambda s: req_svc.transition(s, actor=actor, request_id=other.id, to_status="duplicate",
                                                 duplicate_of_id=dup.id))


# -- whistle and report ----------------------------------------------------------


def test_whistle_to_several_departments_with_report_in_results_and_ratings(db, actor, world):
    fired: list[tuple[str, dict]] = []
    unsubscribe = events.subscribe(lambda name, **payload: fired.append((name, payload)))
    try:
        r = new_request(db, actor, world, at=at("2026-03-02 00:00"))
        move(db, actor, r.id, "accepted", when=at("2026-03-02 01:00"))
        due = at("2026-03-03 00:00")
        with db.session() as s:
            rows = req_svc.dispatch(s, actor=actor, request_id=r.id, whistle=True, due_at=due,
                                    organisations=[(world.department.id, "lead"), (world.department2.id, "assist")],
                                    public_note="吹哨：城管、供电到场", at=at("2026-03-02 02:00"))
        lead, assist = rows
        assert (lead.role, assist.role) == ("lead", "assist") and lead.whistle and assist.whistle
        assert lead.due_at == due and lead.dispatched_at == at("2026-03-02 02:00")
        with db.session() as s:
            req_svc.report_in(s, actor=actor, dispatch_id=lead.id, note="城管到场", at=at("2026-03-02 03:00"))
            req_svc.report_in(s, actor=actor, dispatch_id=assist.id, at=at("2026-03-02 03:30"))
            req_svc.record_dispatch_result(s, actor=actor, dispatch_id=lead.id, result="清理占道杂物")
            req_svc.record_dispatch_result(s, actor=actor, dispatch_id=assist.id, result="更换路灯")
            req_svc.rate_dispatch(s, actor=actor, dispatch_id=lead.id, rating=5)
            req_svc.rate_dispatch(s, actor=actor, dispatch_id=assist.id, rating=3)
            # a later call-in while dispatched: no status change
            (extra,) = req_svc.dispatch(s, actor=actor, request_id=r.id, organisations=[(world.committee.id, "assist")])
        with db.read_session() as s:
            request = req_svc.get_request(s, r.id)
            assert request.status == "dispatched" and request.lead_org_id == world.department.id
            ds = req_svc.dispatches(s, r.id)
            assert [(d.organisation_id, d.reported_at is not None, d.result, d.rating) for d in ds] == [
                (world.department.id, True, "清理占道杂物", 5),
                (world.department2.id, True, "更换路灯", 3),
                (world.committee.id, False, "", None),
            ]
            assert ds[0].reported_at == at("2026-03-02 03:00") and not ds[2].whistle
            kinds = [e.kind for e in req_svc.timeline(s, r.id)]
            assert kinds == ["created", "transition", "transition", "dispatch", "report_in", "report_in",
                             "dispatch_result", "dispatch_result", "rating", "rating", "dispatch"]
            assert req_svc.timeline(s, r.id)[2].public_note == "吹哨：城管、供电到场"
            assert req_svc.organisation_names(s, [d.organisation_id for d in ds])[world.department.id] == "城管科"
        expect_rejected(db, "request.dispatch_already_reported",
                        lambda s: req_svc.report_in(s, actor=actor, dispatch_id=lead.id))
        names = [n for n, _ in fired]
        assert names.count(events.REQUEST_DISPATCHED) == 2
        assert (events.REQUEST_STATUS_CHANGED, {"request_id": r.id, "from_status": "accepted",
                                                "to_status": "dispatched", "actor": actor.name}) in fired
        assert extra.organisation_id == world.committee.id
    finally:
        unsubscribe()


def test_events_fire_after_commit_and_a_failing_listener_breaks_nothing(db, actor, world):
    seen: list[str] = []

    def listener(name, **payload):
        with db.read_session() as s:  # the write is already visible to another session
            seen.append(req_svc.get_request(s, payload["request_id"]).status)
        raise RuntimeError("listener bug")

    unsubscribe = events.subscribe(listener)
    try:
        r = new_request(db, actor, world)
        move(db, actor, r.id, "accepted")
    finally:
        unsubscribe()
    assert seen == ["submitted", "accepted"]
    with db.read_session() as s:
        assert req_svc.get_request(s, r.id).status == "accepted"  # the listener's error undid nothing


# -- attachments -----------------------------------------------------------------


def test_attachments_are_copied_with_their_sha256(db, actor, world, tmp_path):
    photo = tmp_path / "路灯.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0 dim lamp at 3 building")
    note = tmp_path / "note.txt"
    note.write_text("第二张", encoding="utf-8")
    r = new_request(db, actor, world, attachment_paths=[photo])
    with db.session() as s:
        req_svc.add_attachments(s, actor=actor, request_id=r.id, paths=[note, photo])
    with db.read_session() as s:
        rows = req_svc.attachments(s, r.id)
    assert [a.filename for a in rows] == ["路灯.jpg", "note.txt", "路灯.jpg"]
    for a, src in zip(rows, [photo, note, photo], strict=True):
        stored = data_dir() / a.stored_path
        assert stored.is_file() and stored.read_bytes() == src.read_bytes()
        assert a.sha256 == hashlib.sha256(src.read_bytes()).hexdigest()
        assert a.size == src.stat().st_size
        assert stored.parent == data_dir() / "attachments" / r.ref
        assert not a.stored_path.startswith("/")  # relative to the data directory
    # the same content is stored once
    assert rows[0].stored_path == rows[2].stored_path
    assert len(list((data_dir() / "attachments" / r.ref).iterdir())) == 2
    # the originals are untouched
    assert photo.exists() and note.exists()


# -- listing ---------------------------------------------------------------------


def test_overdue_listing(db, actor, world):
    now = at("2026-03-10 00:00")
    late = new_request(db, actor, world, priority="urgent", at=now - timedelta(hours=30))  # due 6 h ago
    late_done = new_request(db, actor, world, priority="urgent", at=now - timedelta(hours=30))
    move(db, actor, late_done.id, "accepted", "in_progress", "resolved", when=now - timedelta(hours=20))
    in_time = new_request(db, actor, world, priority="urgent", at=now - timedelta(hours=10))  # due in 14 h
    withdrawn = new_request(db, actor, world, priority="urgent", at=now - timedelta(hours=50))
    move(db, actor, withdrawn.id, "withdrawn", when=now - timedelta(hours=49))
    reopened = new_request(db, actor, world, priority="urgent", at=now - timedelta(hours=48))
    move(db, actor, reopened.id, "accepted", "in_progress", "resolved", when=now - timedelta(hours=47))
    with db.session() as s:
        req_svc.record_feedback(s, actor=actor, request_id=reopened.id, contacted=True, satisfaction="dissatisfied",
                                reopen=True, at=now - timedelta(hours=1))
    with db.read_session() as s:
        page = list_requests(s, RequestFilter(overdue=True), now=now)
        assert {r.id for r in page.rows} == {late.id, reopened.id} and page.total == 2
        assert req_svc.is_overdue(req_svc.get_request(s, late.id), now)
        assert not req_svc.is_overdue(req_svc.get_request(s, in_time.id), now)
        assert not req_svc.is_overdue(req_svc.get_request(s, late_done.id), now)
        # later, the one in time is late too
        later = now + timedelta(hours=15)
        assert list_requests(s, RequestFilter(overdue=True), now=later).total == 3
        # without now: the real clock, long after 2026-03
        assert list_requests(s, RequestFilter(overdue=True)).total >= 2


def test_list_filters_and_paging(db, actor, world):
    w = world
    with db.session() as s:
        zhang2 = people_svc.create_person(s, actor=actor, name="张秀英")
    base = at("2026-03-01 00:00")
    made = []
    for i in range(12):
        made.append(new_request(
            db, actor, w,
            title=f"路灯不亮 {i}" if i % 2 == 0 else f"高空抛物 {i}",
            description="三号楼前" if i % 3 == 0 else "",
            place_id=(w.households[0].id if i % 4 == 0 else w.compounds[0].id) if i < 8 else w.compounds[1].id,
            channel="bench_meeting" if i < 6 else "snapshot",
            reporter_id=w.people["zhang"].id if i in (1, 2) else zhang2.id if i == 3 else w.people["li"].id if i == 4 else None,
            at=base + timedelta(hours=i),
        ))
    move(db, actor, made[0].id, "accepted")
    move(db, actor, made[5].id, "accepted", "in_progress")
    ids = [r.id for r in made]
    c1, c2 = w.communities

    def q(flt: RequestFilter | None = None, **kw) -> list[int]:
        with db.read_session() as s:
            page = list_requests(s, flt, **kw)
        assert page.total >= len(page.rows)
        return [r.id for r in page.rows]

    with db.read_session() as s:
        everything = list_requests(s)
    assert everything.total == 12 and [r.id for r in everything.rows] == ids[::-1]  # newest first
    assert q(sort="created", descending=False) == ids
    assert set(q(RequestFilter(community_id=c1.id))) == set(ids[:8])
    assert set(q(RequestFilter(community_id=c2.id))) == set(ids[8:])
    assert set(q(RequestFilter(place_id=w.compounds[0].id))) == set(ids[:8])  # the subtree, households included
    assert set(q(RequestFilter(place_id=w.households[0].id))) == {ids[0], ids[4]}
    assert set(q(RequestFilter(statuses=["accepted", "in_progress"]))) == {ids[0], ids[5]}
    assert set(q(RequestFilter(statuses=["submitted"], community_id=c1.id))) == set(ids[:8]) - {ids[0], ids[5]}
    assert set(q(RequestFilter(channel="snapshot"))) == set(ids[6:])
    assert set(q(RequestFilter(text="路灯"))) == set(ids[0::2])
    assert set(q(RequestFilter(text="三号楼"))) == set(ids[0::3])
    assert q(RequestFilter(text=made[7].ref.lower())) == [ids[7]]
    assert q(RequestFilter(text="%")) == []
    assert set(q(RequestFilter(reporter_query="zxm"))) == {ids[1], ids[2]}
    assert set(q(RequestFilter(reporter_query="zx"))) == {ids[1], ids[2], ids[3]}  # 张晓明 and 张秀英
    assert set(q(RequestFilter(reporter_query="Zhang Xiaoming"))) == {ids[1], ids[2]}
    assert set(q(RequestFilter(reporter_query="李"))) == {ids[4]}
    assert set(q(RequestFilter(category_id=w.category.id))) == set(ids)
    assert q(RequestFilter(category_id=999_999)) == []
    # paging: total counts all matches, rows only the page
    with db.read_session() as s:
        p1 = list_requests(s, RequestFilter(community_id=c1.id), limit=3, offset=0, descending=False)
        p3 = list_requests(s, RequestFilter(community_id=c1.id), limit=3, offset=6, descending=False)
        beyond = list_requests(s, RequestFilter(community_id=c1.id), limit=3, offset=30)
        uncounted = list_requests(s, limit=2, count=False)
    assert (p1.total, [r.id for r in p1.rows]) == (8, ids[0:3])
    assert (p3.total, [r.id for r in p3.rows]) == (8, ids[6:8])
    assert (beyond.total, beyond.rows) == (8, [])
    assert len(uncounted.rows) == 2
    with db.read_session() as s:
        assert req_svc.count_by_status(s) == {"submitted": 10, "accepted": 1, "in_progress": 1}
    # bad filter values are refused like any input
    with db.read_session() as s, pytest.raises(DomainError) as info:
        list_requests(s, RequestFilter(statuses=["done"]))
    assert info.value.code == "input.invalid_choice"


def test_reopened_request_is_open_again(db, actor, world):
    r = new_request(db, actor, world, reporter_id=world.people["zhang"].id)
    move(db, actor, r.id, "accepted", "in_progress", "resolved")
    with db.session() as s:
        req_svc.record_feedback(s, actor=actor, request_id=r.id, contacted=True, satisfaction="satisfied", close=True)
    with db.read_session() as s:
        closed = req_svc.get_request(s, r.id)
    assert closed.status == "closed" and closed.closed_at is not None and closed.resolved_at is not None
    with db.session() as s:
        fb = req_svc.record_feedback(s, actor=actor, request_id=r.id, contacted=True, satisfaction="dissatisfied",
                                     resolved="no", comment="灯又坏了", reopen=True)
    with db.read_session() as s:
        again = req_svc.get_request(s, r.id)
        events_ = req_svc.timeline(s, r.id)
        assert [f.id for f in req_svc.feedbacks(s, r.id)][-1] == fb.id
    assert again.status == "in_progress" and again.closed_at is None and again.resolved_at is None
    assert events_[-1].to_status == "in_progress" and events_[-1].data == {"reopened_by_feedback": fb.id}
    assert events_[-2].kind == "feedback" and events_[-2].data["satisfaction"] == "dissatisfied"
    assert fb.resolved == "no" and fb.comment == "灯又坏了"
    assert req_svc.replay_status(events_) == "in_progress"


def test_a_failed_transaction_removes_the_files_it_copied(db, actor, tmp_path):
    """The copy happens inside the transaction; when the database then refuses the
    rows, the copied files go too. A trigger made for this test makes the database
    refuse every attachment row after the files were copied."""
    w = build_world(db, actor)
    r = new_request(db, actor, w)
    photo = tmp_path / "lamp.jpg"
    photo.write_bytes(b"lamp")
    with db.engine.begin() as conn:
        if db.is_sqlite:
            conn.execute(text("CREATE TRIGGER refuse_attachment BEFORE INSERT ON request_attachment "
                              "BEGIN SELECT RAISE(ABORT, 'refused for the test'); END"))
        else:
            conn.execute(text("CREATE FUNCTION refuse_attachment() RETURNS trigger LANGUAGE plpgsql AS "
                              "$$ BEGIN RAISE EXCEPTION 'refused for the test'; END $$"))
            conn.execute(text("CREATE TRIGGER refuse_attachment BEFORE INSERT ON request_attachment "
                              "FOR EACH ROW EXECUTE FUNCTION refuse_attachment()"))
    before = count_rows(db)
    with db.session() as s, pytest.raises(DBAPIError):
        req_svc.add_attachments(s, actor=actor, request_id=r.id, paths=[photo])
    assert count_rows(db) == before
    stored = data_dir() / "attachments"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]
    assert photo.exists()


@pytest.mark.parametrize("name", ["", "   ", "操" * 101])
def test_an_operator_name_the_audit_log_cannot_hold_is_refused(name):
    with pytest.raises(DomainError) as exc:
        Actor(name)
    assert exc.value.code in ("input.required", "input.too_long")
    assert "操作员" in exc.value.message("zh") and "operator" in exc.value.message("en")


def test_a_naive_time_is_refused_before_anything_is_written(db, actor):
    from datetime import datetime

    w = build_world(db, actor)
    before = count_rows(db)
    with db.session() as s, pytest.raises(DomainError) as exc:
        req_svc.create_request(s, actor=actor, channel="patrol", type="report", category_id=w.category.id,
                               title="路灯", place_id=w.compounds[0].id, at=datetime(2026, 3, 1, 9, 0))
    assert exc.value.code == "input.naive_datetime"
    assert count_rows(db) == before


def test_dispatched_is_reached_only_through_a_dispatch(db, actor):
    w = build_world(db, actor)
    r = new_request(db, actor, w)
    with db.session() as s:
        req_svc.transition(s, actor=actor, request_id=r.id, to_status="accepted")
    before = count_rows(db)
    with db.session() as s, pytest.raises(DomainError) as exc:
        req_svc.transition(s, actor=actor, request_id=r.id, to_status="dispatched")
    assert exc.value.code == "request.dispatch_required"
    assert count_rows(db) == before


def test_dispatching_a_submitted_request_accepts_it_in_the_same_step(db, actor):
    w = build_world(db, actor)
    r = new_request(db, actor, w)
    seen: list[tuple[str, str]] = []

    def on_event(event, **payload):
        if event == events.REQUEST_STATUS_CHANGED:
            seen.append((payload["from_status"], payload["to_status"]))

    remove = events.subscribe(on_event)
    try:
        with db.session() as s:
            req_svc.dispatch(s, actor=actor, request_id=r.id, organisations=[(w.department.id, "lead")],
                             whistle=True, public_note="吹哨")
    finally:
        remove()
    with db.read_session() as s:
        request = req_svc.get_request(s, r.id)
        assert request.status == "dispatched" and request.first_response_at is not None
        timeline = req_svc.timeline(s, r.id)
        assert [(e.kind, e.from_status, e.to_status) for e in timeline] == [
            ("created", None, None),
            ("transition", "submitted", "accepted"),
            ("transition", "accepted", "dispatched"),
            ("dispatch", None, None),
        ]
        assert timeline[2].public_note == "吹哨" and timeline[3].public_note == ""
        assert req_svc.replay_status(timeline) == "dispatched"
    assert seen == [("submitted", "accepted"), ("accepted", "dispatched")]


def test_a_note_goes_on_the_timeline_without_a_status_change(db, actor):
    w = build_world(db, actor)
    r = new_request(db, actor, w)
    with db.session() as s:
        event = req_svc.add_note(s, actor=actor, request_id=r.id, public_note="已在圆桌会上讨论", source="deliberation",
                                 data={"consultation_id": 7})
    with db.read_session() as s:
        line = req_svc.timeline(s, r.id)[-1]
        assert (line.id, line.kind, line.public_note) == (event.id, "note", "已在圆桌会上讨论")
        assert line.data == {"source": "deliberation", "consultation_id": 7}
        assert req_svc.get_request(s, r.id).status == "submitted"
        assert req_svc.replay_status(req_svc.timeline(s, r.id)) == "submitted"
    before = count_rows(db)
    with db.session() as s, pytest.raises(DomainError) as exc:
        req_svc.add_note(s, actor=actor, request_id=r.id, public_note="  ")
    assert exc.value.code == "input.required" and count_rows(db) == before


def test_an_external_ticket_is_one_request(db, actor, world):
    """The same 12345 ticket twice is refused by name (migration 0008 keeps it unique);
    the same number on another channel is another ticket."""
    first = new_request(db, actor, world, channel="hotline_12345", external_id="202603050001")
    err = expect_rejected(db, "request.duplicate_external_id", lambda s: req_svc.create_request(
        s, actor=actor, channel="hotline_12345", type="help", category_id=world.category.id, title="又一次",
        place_id=world.compounds[0].id, external_id=" 202603050001 "))
    assert err.message("en") == f"external ticket 202603050001 is already request {first.ref}"
    other = new_request(db, actor, world, channel="jinzhitong", external_id="202603050001")
    assert other.id != first.id
