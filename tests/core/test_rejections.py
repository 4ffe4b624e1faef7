"""Every bad input is refused with its stable code, in both languages, and writes nothing.

Each case runs one service call in a fresh writing session on a small street, on
SQLite and on PostgreSQL; ``expect_rejected`` checks the code, that the zh and en
messages render without a leftover ``{placeholder}``, and that the row count of
every core table is unchanged. The cases share one street per backend (built once
per module: a refused call writes nothing, and each case's own setup creates what
it needs), which keeps a hundred cases × two databases fast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from gongzhi.core.config import data_dir
from gongzhi.core.errors import MESSAGES, DomainError
from gongzhi.core.services import Actor
from gongzhi.core.services import categories as cat_svc
from gongzhi.core.services import orgs as org_svc
from gongzhi.core.services import people as people_svc
from gongzhi.core.services import places as place_svc
from gongzhi.core.services import requests as req_svc
from tests.core.helpers import (
    SAMPLE_ID_NUMBER,
    World,
    assert_messages_render,
    build_world,
    count_rows,
    expect_rejected,
    fresh_database,
    make_id_number,
    move,
    new_request,
)


@dataclass
class Ctx:
    """What a case may use: the street, the acting clerk, a scratch folder."""

    w: World
    actor: Actor
    tmp: Path
    ids: dict[str, int]


# -- setups that run (and commit) before the refused call ------------------------


def _accepted_request(db, actor, w, ids):
    r = new_request(db, actor, w)
    move(db, actor, r.id, "accepted")
    ids["req"] = r.id


def _resolved_request(db, actor, w, ids):
    r = new_request(db, actor, w, reporter_id=w.people["zhang"].id)
    move(db, actor, r.id, "accepted", "in_progress", "resolved")
    ids["req"] = r.id


def _submitted_request(db, actor, w, ids):
    ids["req"] = new_request(db, actor, w, reporter_id=w.people["zhang"].id).id


def _dispatched_request(db, actor, w, ids):
    r = new_request(db, actor, w)
    move(db, actor, r.id, "accepted")
    with db.session() as s:
        (row,) = req_svc.dispatch(s, actor=actor, request_id=r.id, organisations=[(w.department.id, "lead")],
                                  whistle=True)
    ids["req"], ids["dispatch"] = r.id, row.id


def _reported_dispatch(db, actor, w, ids):
    _dispatched_request(db, actor, w, ids)
    with db.session() as s:
        req_svc.report_in(s, actor=actor, dispatch_id=ids["dispatch"])


def _poi_with_request(db, actor, w, ids):
    with db.session() as s:
        poi = place_svc.create_place(s, actor=actor, kind="poi", name="3号楼前路灯", parent_id=w.compounds[0].id,
                                     poi_kind="street_lamp")
    new_request(db, actor, w, place_id=poi.id)
    ids["poi"] = poi.id


def _same_name_building(db, actor, w, ids):
    with db.session() as s:
        b = place_svc.create_place(s, actor=actor, kind="building", name="1号楼", parent_id=w.compounds[1].id)
    ids["building"] = b.id


def _inactive_category(db, actor, w, ids):
    with db.session() as s:
        cat = cat_svc.create_category(s, actor=actor, code="retired", name_zh="旧类别", name_en="retired")
        cat_svc.update_category(s, actor=actor, category_id=cat.id, active=False)
    ids["category"] = cat.id


def _grid_worker(db, actor, w, ids):
    with db.session() as s:
        p = people_svc.create_person(s, actor=actor, name="网格员甲")
        m = org_svc.add_membership(s, actor=actor, person_id=p.id, organisation_id=w.committee.id,
                                   role="grid_worker", scope_place_id=w.micro_grids[0].id)
    ids["membership"], ids["person"] = m.id, p.id


def _ended_membership(db, actor, w, ids):
    with db.session() as s:
        m = org_svc.add_membership(s, actor=actor, person_id=w.people["wang"].id, organisation_id=w.committee.id,
                                   role="member", start_date=date(2020, 1, 1))
        org_svc.end_membership(s, actor=actor, membership_id=m.id, end_date=date.today() - timedelta(days=1))
    ids["membership"] = m.id


def _create_request(c: Ctx, **kw: Any):
    args: dict[str, Any] = dict(channel="bench_meeting", type="help", category_id=c.w.category.id,
                                title="路灯不亮", place_id=c.w.compounds[0].id)
    args.update(kw)
    return lambda s: req_svc.create_request(s, actor=c.actor, **args)


def _person(c: Ctx, **kw: Any):
    return lambda s: people_svc.create_person(s, actor=c.actor, name="赵六", **kw)


def _file(c: Ctx, name: str, size: int) -> Path:
    p = c.tmp / name
    p.write_bytes(b"x" * size)
    return p


# (case id, expected code, setup or None, the refused call)
Case = tuple[str, str, Callable | None, Callable[[Ctx], Callable]]
CASES: list[Case] = [
    # people: phone
    ("phone-too-short", "person.invalid_phone", None, lambda c: _person(c, phone="1381234567")),
    ("phone-too-long", "person.invalid_phone", None, lambda c: _person(c, phone="138123456789")),
    ("phone-starts-12", "person.invalid_phone", None, lambda c: _person(c, phone="12812345678")),
    ("phone-letters", "person.invalid_phone", None, lambda c: _person(c, phone="1381234567a")),
    ("phone-landline", "person.invalid_phone", None, lambda c: _person(c, phone="022-26391234")),
    ("phone-on-update", "person.invalid_phone", None,
     lambda c: lambda s: people_svc.update_person(s, actor=c.actor, person_id=c.w.people["li"].id, phone="1390000")),
    # people: ID number
    ("id-bad-check-digit", "person.invalid_id_number", None,
     lambda c: _person(c, id_number=SAMPLE_ID_NUMBER[:17] + "1")),
    ("id-bad-birth-date", "person.invalid_id_number", None,
     lambda c: _person(c, id_number=make_id_number(birth="19800230"))),
    ("id-birth-month-13", "person.invalid_id_number", None,
     lambda c: _person(c, id_number=make_id_number(birth="19801301"))),
    ("id-17-chars", "person.invalid_id_number", None, lambda c: _person(c, id_number=SAMPLE_ID_NUMBER[:17])),
    ("id-19-chars", "person.invalid_id_number", None, lambda c: _person(c, id_number=SAMPLE_ID_NUMBER + "1")),
    ("id-x-not-last", "person.invalid_id_number", None, lambda c: _person(c, id_number="X" + SAMPLE_ID_NUMBER[1:])),
    ("id-duplicate", "person.duplicate_id_number", None,
     lambda c: _person(c, id_number=SAMPLE_ID_NUMBER.lower())),
    ("birth-year", "person.invalid_birth_year", None, lambda c: _person(c, birth_year=1850)),
    ("care-tag", "person.invalid_care_tag", None, lambda c: _person(c, care_tags=["elderly_alone", "vip"])),
    ("home-not-household", "person.household_required", None,
     lambda c: _person(c, household_id=c.w.buildings[0].id)),
    ("home-unknown", "place.not_found", None, lambda c: _person(c, household_id=999_999)),
    ("name-blank", "input.required", None, lambda c: lambda s: people_svc.create_person(s, actor=c.actor, name="  ")),
    ("name-too-long", "input.too_long", None,
     lambda c: lambda s: people_svc.create_person(s, actor=c.actor, name="张" * 51)),
    ("gender", "input.invalid_choice", None, lambda c: _person(c, gender="x")),
    ("person-unknown", "person.not_found", None,
     lambda c: lambda s: people_svc.update_person(s, actor=c.actor, person_id=999_999, name="某")),
    # requests: creation
    ("description-4001", "request.description_too_long", None,
     lambda c: _create_request(c, description="灯" * 4001)),
    ("unknown-place", "place.not_found", None, lambda c: _create_request(c, place_id=999_999)),
    ("unknown-category", "category.not_found", None, lambda c: _create_request(c, category_id=999_999)),
    ("inactive-category", "category.not_found", _inactive_category,
     lambda c: _create_request(c, category_id=c.ids["category"])),
    ("unknown-reporter", "person.not_found", None, lambda c: _create_request(c, reporter_id=999_999)),
    ("unknown-lead-org", "org.not_found", None, lambda c: _create_request(c, lead_org_id=999_999)),
    ("anonymous-with-reporter", "request.reporter_conflict", None,
     lambda c: _create_request(c, anonymous=True, reporter_id=c.w.people["zhang"].id)),
    ("bad-channel", "input.invalid_choice", None, lambda c: _create_request(c, channel="fax")),
    ("bad-type", "input.invalid_choice", None, lambda c: _create_request(c, type="praise")),
    ("bad-priority", "input.invalid_choice", None, lambda c: _create_request(c, priority="asap")),
    ("blank-title", "input.required", None, lambda c: _create_request(c, title=" ")),
    ("title-too-long", "input.too_long", None, lambda c: _create_request(c, title="灯" * 201)),
    ("attachment-missing", "request.attachment_missing", None,
     lambda c: _create_request(c, attachment_paths=[_file(c, "ok.jpg", 10), c.tmp / "missing.jpg"])),
    ("attachment-too-large", "request.attachment_too_large", None,
     lambda c: _create_request(c, attachment_paths=[_file(c, "ok.jpg", 10), _file(c, "big.jpg", 1024 * 1024 + 1)],
                               attachment_max_mb=1)),
    ("attach-later-missing", "request.attachment_missing", _submitted_request,
     lambda c: lambda s: req_svc.add_attachments(s, actor=c.actor, request_id=c.ids["req"],
                                                 paths=[_file(c, "a.jpg", 3), c.tmp / "nope.png"])),
    ("attach-later-none", "input.required", _submitted_request,
     lambda c: lambda s: req_svc.add_attachments(s, actor=c.actor, request_id=c.ids["req"], paths=[])),
    # requests: lifecycle
    ("illegal-transition", "request.illegal_transition", _submitted_request,
     lambda c: lambda s: req_svc.transition(s, actor=c.actor, request_id=c.ids["req"], to_status="resolved")),
    ("reopen-by-transition-from-submitted", "request.illegal_transition", _submitted_request,
     lambda c: lambda s: req_svc.transition(s, actor=c.actor, request_id=c.ids["req"], to_status="in_progress")),
    ("unknown-status", "input.invalid_choice", _submitted_request,
     lambda c: lambda s: req_svc.transition(s, actor=c.actor, request_id=c.ids["req"], to_status="done")),
    ("unknown-request", "request.not_found", None,
     lambda c: lambda s: req_svc.transition(s, actor=c.actor, request_id=999_999, to_status="accepted")),
    ("duplicate-without-target", "request.duplicate_ref", _submitted_request,
     lambda c: lambda s: req_svc.transition(s, actor=c.actor, request_id=c.ids["req"], to_status="duplicate")),
    ("duplicate-of-itself", "request.duplicate_target", _submitted_request,
     lambda c: lambda s: req_svc.transition(s, actor=c.actor, request_id=c.ids["req"], to_status="duplicate",
                                            duplicate_of_id=c.ids["req"])),
    ("target-without-duplicate", "request.duplicate_target", _submitted_request,
     lambda c: lambda s: req_svc.transition(s, actor=c.actor, request_id=c.ids["req"], to_status="accepted",
                                            duplicate_of_id=c.ids["req"])),
    ("feedback-unresolved", "request.feedback_not_resolved", _accepted_request,
     lambda c: lambda s: req_svc.record_feedback(s, actor=c.actor, request_id=c.ids["req"], contacted=True,
                                                 satisfaction="satisfied")),
    ("reopen-satisfied", "request.reopen_needs_dissatisfied", _resolved_request,
     lambda c: lambda s: req_svc.record_feedback(s, actor=c.actor, request_id=c.ids["req"], contacted=True,
                                                 satisfaction="satisfied", reopen=True)),
    ("reopen-basically", "request.reopen_needs_dissatisfied", _resolved_request,
     lambda c: lambda s: req_svc.record_feedback(s, actor=c.actor, request_id=c.ids["req"], contacted=True,
                                                 satisfaction="basically", reopen=True)),
    ("reopen-no-answer", "request.reopen_needs_dissatisfied", _resolved_request,
     lambda c: lambda s: req_svc.record_feedback(s, actor=c.actor, request_id=c.ids["req"], contacted=False,
                                                 reopen=True)),
    ("feedback-contacted-no-answer", "input.required", _resolved_request,
     lambda c: lambda s: req_svc.record_feedback(s, actor=c.actor, request_id=c.ids["req"], contacted=True)),
    ("feedback-bad-satisfaction", "input.invalid_choice", _resolved_request,
     lambda c: lambda s: req_svc.record_feedback(s, actor=c.actor, request_id=c.ids["req"], contacted=True,
                                                 satisfaction="thrilled")),
    ("feedback-reopen-and-close", "input.invalid", _resolved_request,
     lambda c: lambda s: req_svc.record_feedback(s, actor=c.actor, request_id=c.ids["req"], contacted=True,
                                                 satisfaction="dissatisfied", reopen=True, close=True)),
    # requests: dispatch and whistle
    ("dispatch-resolved", "request.dispatch_not_allowed", _resolved_request,
     lambda c: lambda s: req_svc.dispatch(s, actor=c.actor, request_id=c.ids["req"],
                                          organisations=[(c.w.department.id, "lead")])),
    ("dispatch-nobody", "input.required", _accepted_request,
     lambda c: lambda s: req_svc.dispatch(s, actor=c.actor, request_id=c.ids["req"], organisations=[])),
    ("dispatch-bad-role", "input.invalid_choice", _accepted_request,
     lambda c: lambda s: req_svc.dispatch(s, actor=c.actor, request_id=c.ids["req"],
                                          organisations=[(c.w.department.id, "boss")])),
    ("dispatch-unknown-org", "org.not_found", _accepted_request,
     lambda c: lambda s: req_svc.dispatch(s, actor=c.actor, request_id=c.ids["req"],
                                          organisations=[(c.w.department.id, "lead"), (999_999, "assist")])),
    ("whistle-to-committee", "request.dispatch_needs_department", _accepted_request,
     lambda c: lambda s: req_svc.dispatch(s, actor=c.actor, request_id=c.ids["req"], whistle=True,
                                          organisations=[(c.w.committee.id, "lead")])),
    ("whistle-mixed", "request.dispatch_needs_department", _accepted_request,
     lambda c: lambda s: req_svc.dispatch(s, actor=c.actor, request_id=c.ids["req"], whistle=True,
                                          organisations=[(c.w.department.id, "lead"), (c.w.committee.id, "assist")])),
    ("report-in-twice", "request.dispatch_already_reported", _reported_dispatch,
     lambda c: lambda s: req_svc.report_in(s, actor=c.actor, dispatch_id=c.ids["dispatch"])),
    ("report-in-unknown", "request.dispatch_not_found", None,
     lambda c: lambda s: req_svc.report_in(s, actor=c.actor, dispatch_id=999_999)),
    ("result-blank", "input.required", _dispatched_request,
     lambda c: lambda s: req_svc.record_dispatch_result(s, actor=c.actor, dispatch_id=c.ids["dispatch"], result=" ")),
    *[
        (f"rating-{label}", "request.invalid_rating", _dispatched_request,
         (lambda v: lambda c: lambda s: req_svc.rate_dispatch(s, actor=c.actor, dispatch_id=c.ids["dispatch"],
                                                               rating=v))(value))
        for label, value in [("0", 0), ("6", 6), ("bool", True), ("str", "5"), ("float", 4.5), ("neg", -1)]
    ],
    ("supporter-is-reporter", "request.already_supporter", _submitted_request,
     lambda c: lambda s: req_svc.add_supporter(s, actor=c.actor, request_id=c.ids["req"],
                                               person_id=c.w.people["zhang"].id)),
    # places
    ("compound-under-street", "place.invalid_parent", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="compound", name="新园", parent_id=c.w.street.id)),
    ("community-at-top", "place.invalid_parent", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="community", name="新社区")),
    ("street-under-street", "place.invalid_parent", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="street", name="新街道", parent_id=c.w.street.id)),
    ("poi-under-household", "place.invalid_parent", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="poi", name="门", parent_id=c.w.households[0].id)),
    ("place-kind", "input.invalid_choice", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="city", name="天津")),
    ("place-parent-unknown", "place.not_found", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="community", name="新社区", parent_id=999_999)),
    ("place-sibling-floors", "place.invalid_floors", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="micro_grid", name="7-1层",
                                                parent_id=c.w.buildings[0].id, floor_from=7, floor_to=1)),
    ("place-half-floors", "place.invalid_floors", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="micro_grid", name="7层",
                                                parent_id=c.w.buildings[0].id, floor_from=7)),
    ("housing-type-on-community", "place.housing_type_not_allowed", None,
     lambda c: lambda s: place_svc.update_place(s, actor=c.actor, place_id=c.w.communities[0].id,
                                                housing_type="public_rental")),
    ("move-under-own-child", "place.cycle", None,
     lambda c: lambda s: place_svc.move_place(s, actor=c.actor, place_id=c.w.compounds[0].id,
                                              new_parent_id=c.w.buildings[0].id)),
    ("move-under-itself", "place.cycle", None,
     lambda c: lambda s: place_svc.move_place(s, actor=c.actor, place_id=c.w.communities[0].id,
                                              new_parent_id=c.w.communities[0].id)),
    ("move-community-under-community", "place.invalid_parent", None,
     lambda c: lambda s: place_svc.move_place(s, actor=c.actor, place_id=c.w.communities[0].id,
                                              new_parent_id=c.w.communities[1].id)),
    ("move-building-under-community", "place.invalid_parent", None,
     lambda c: lambda s: place_svc.move_place(s, actor=c.actor, place_id=c.w.buildings[0].id,
                                              new_parent_id=c.w.communities[1].id)),
    ("sibling-name-taken", "place.duplicate_name", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="building", name="1号楼",
                                                parent_id=c.w.compounds[0].id)),
    ("street-name-taken", "place.duplicate_name", None,
     lambda c: lambda s: place_svc.create_place(s, actor=c.actor, kind="street", name="青源街道")),
    ("rename-to-sibling-name", "place.duplicate_name", None,
     lambda c: lambda s: place_svc.update_place(s, actor=c.actor, place_id=c.w.communities[1].id, name="盛康社区")),
    ("move-next-to-same-name", "place.duplicate_name", _same_name_building,
     lambda c: lambda s: place_svc.move_place(s, actor=c.actor, place_id=c.ids["building"],
                                              new_parent_id=c.w.compounds[0].id)),
    ("delete-with-children", "place.has_children", None,
     lambda c: lambda s: place_svc.delete_place(s, actor=c.actor, place_id=c.w.communities[0].id)),
    ("delete-with-people", "place.has_records", None,
     lambda c: lambda s: place_svc.delete_place(s, actor=c.actor, place_id=c.w.households[1].id)),
    ("delete-with-requests", "place.has_records", _poi_with_request,
     lambda c: lambda s: place_svc.delete_place(s, actor=c.actor, place_id=c.ids["poi"])),
    ("delete-unknown", "place.not_found", None,
     lambda c: lambda s: place_svc.delete_place(s, actor=c.actor, place_id=999_999)),
    # organisations and categories
    ("org-kind", "input.invalid_choice", None,
     lambda c: lambda s: org_svc.create_organisation(s, actor=c.actor, kind="club", name="棋社")),
    ("org-parent-unknown", "org.not_found", None,
     lambda c: lambda s: org_svc.create_organisation(s, actor=c.actor, kind="party_branch", name="支部",
                                                     parent_id=999_999)),
    ("membership-duplicate", "membership.duplicate", _grid_worker,
     lambda c: lambda s: org_svc.add_membership(s, actor=c.actor, person_id=c.ids["person"],
                                                organisation_id=c.w.committee.id, role="grid_worker",
                                                scope_place_id=c.w.micro_grids[0].id)),
    ("membership-dates", "membership.invalid_dates", None,
     lambda c: lambda s: org_svc.add_membership(
         s, actor=c.actor, person_id=c.w.people["wang"].id, organisation_id=c.w.committee.id, role="member",
         start_date=date(2026, 3, 1), end_date=date(2026, 2, 1))),
    ("membership-role", "input.invalid_choice", None,
     lambda c: lambda s: org_svc.add_membership(s, actor=c.actor, person_id=c.w.people["wang"].id,
                                                organisation_id=c.w.committee.id, role="king")),
    ("membership-already-ended", "membership.already_ended", _ended_membership,
     lambda c: lambda s: org_svc.end_membership(s, actor=c.actor, membership_id=c.ids["membership"])),
    ("membership-unknown", "membership.not_found", None,
     lambda c: lambda s: org_svc.end_membership(s, actor=c.actor, membership_id=999_999)),
    ("category-duplicate", "category.duplicate", None,
     lambda c: lambda s: cat_svc.create_category(s, actor=c.actor, code="lighting", name_zh="照明", name_en="light")),
    ("category-sla-zero", "category.invalid_sla", None,
     lambda c: lambda s: cat_svc.create_category(s, actor=c.actor, code="x", name_zh="某", name_en="x",
                                                 sla=(240, 120, 0, 24))),
    ("category-sla-short", "category.invalid_sla", None,
     lambda c: lambda s: cat_svc.create_category(s, actor=c.actor, code="x", name_zh="某", name_en="x",
                                                 sla=(240, 120, 48))),
    ("category-unknown-department", "org.not_found", None,
     lambda c: lambda s: cat_svc.create_category(s, actor=c.actor, code="x", name_zh="某", name_en="x",
                                                 default_department_id=999_999)),
]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def street(request, tmp_path_factory):
    """One small street per backend for all the cases of this module."""
    with fresh_database(request, request.param, tmp_path_factory.mktemp("street")) as db:
        yield db, build_world(db, Actor("测试办事员"))


@pytest.mark.parametrize(("code", "setup", "make_call"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_and_writes_nothing(street, actor, tmp_path, code, setup, make_call):
    db, w = street
    ids: dict[str, int] = {}
    if setup is not None:
        setup(db, actor, w, ids)
    scratch = tmp_path / "in"
    scratch.mkdir()
    ctx = Ctx(w=w, actor=actor, tmp=scratch, ids=ids)
    expect_rejected(db, code, make_call(ctx))
    # no attachment file was left behind in the data directory either
    stored = data_dir() / "attachments"
    assert not stored.exists() or not [p for p in stored.rglob("*") if p.is_file()]


def test_description_of_exactly_4000_characters_is_accepted(db, actor):
    w = build_world(db, actor)
    r = new_request(db, actor, w, description="灯" * 4000)
    with db.read_session() as s:
        assert len(req_svc.get_request(s, r.id).description) == 4000


def test_valid_phone_and_id_forms_are_normalised(db, actor):
    w = build_world(db, actor)
    with db.session() as s:
        p = people_svc.create_person(s, actor=actor, name="赵六", phone="+86 139-0013-8000",
                                     id_number=make_id_number(birth="20000229").lower(), household_id=w.households[0].id)
    assert p.phone == "13900138000" and p.phone_tail == "8000"
    assert p.id_number == make_id_number(birth="20000229")
    # a lower-case x check digit is the same number as the stored upper-case one
    expect_rejected(db, "person.duplicate_id_number",
                    lambda s: people_svc.create_person(s, actor=actor, name="钱七", id_number=SAMPLE_ID_NUMBER.lower()))


def test_every_error_code_renders_in_both_languages_with_its_own_fields():
    """Each message template uses only fields that a service passes; with the fields of
    its own template filled, neither language leaves a placeholder."""
    import string

    for code, (zh, en) in MESSAGES.items():
        fields = {f for text in (zh, en) for _, f, _, _ in string.Formatter().parse(text) if f}
        params = {f: f"<{f}>" for f in fields}
        err = DomainError(code, **params)
        assert_messages_render(err)
        assert str(err).startswith(code)


def test_unknown_error_code_is_a_programming_error():
    with pytest.raises(KeyError):
        DomainError("no.such_code")


def test_rejections_leave_the_session_usable(db, actor):
    """After a refused call the same session can carry on with a good one."""
    w = build_world(db, actor)
    with db.session() as s:
        with pytest.raises(DomainError):
            people_svc.create_person(s, actor=actor, name="赵六", phone="12345")
        before = count_rows(db)
        people_svc.create_person(s, actor=actor, name="赵六", phone="13712345678", household_id=w.households[0].id)
    after = count_rows(db)
    assert after["person"] == before["person"] + 1
    assert after["audit_log"] == before["audit_log"] + 1
