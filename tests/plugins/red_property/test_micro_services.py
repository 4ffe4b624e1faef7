"""Property micro-services (微服务) on SQLite and PostgreSQL: priority-care residents
suggested first, requested → scheduled → done with who did it, monthly counts per
compound, and bad input refused with nothing written."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.core.services import people
from gongzhi.plugins.red_property import services as svc
from tests.plugins.red_property.conftest import at, row_counts


def test_care_tagged_residents_are_suggested_first(site, street, actor):
    with site.db.session() as s:
        a = people.create_person(s, actor=actor, name="安大妈", household_id=street.household).id
        b = people.create_person(s, actor=actor, name="白奶奶", household_id=street.household,
                                 care_tags=["elderly_alone", "disabled"]).id
        people.create_person(s, actor=actor, name="程爷爷", household_id=street.other_household,
                             care_tags=["elderly_alone"])
        rows = svc.suggest_residents(s, compound_id=street.compound)
        # 吴大爷 (street.resident) lives in 荣雅园 too; 程爷爷 lives elsewhere
        assert [(r.person_id, r.priority_care) for r in rows] == [(b, True), (a, False), (street.resident, False)]
        assert [r.person_id for r in svc.suggest_residents(s, compound_id=street.compound, query="bnn")] == [b]
        assert [r.person_id for r in svc.suggest_residents(s, compound_id=street.compound, query="吴")] == [
            street.resident]


def test_a_free_home_repair_from_request_to_done_and_the_monthly_counts(site, street, actor):
    with site.db.session() as s:
        repair = svc.log_service(s, actor=actor, kind="free_repair", resident_id=street.resident,
                                 description="更换厨房水龙头", at=at(2026, 3, 2))
        assert (repair.status, repair.compound_id) == ("requested", street.compound)
        svc.schedule_service(s, actor=actor, service_id=repair.id, scheduled_for=at(2026, 3, 3, 14))
        done = svc.complete_service(s, actor=actor, service_id=repair.id, done_by_id=street.zhou,
                                    done_by_org_id=street.prop, result="已更换", at=at(2026, 3, 3, 15))
        assert (done.status, done.done_by_id) == ("done", street.zhou)
        shop = svc.log_service(s, actor=actor, kind="shopping", resident_id=street.resident, at=at(2026, 3, 5),
                               scheduled_for=at(2026, 3, 6))
        assert shop.status == "scheduled"
        svc.log_service(s, actor=actor, kind="free_repair", resident_id=street.resident, at=at(2026, 3, 31, 23))
        # 1 April 00:30 in Shanghai is still 31 March in UTC: it counts for April
        svc.log_service(s, actor=actor, kind="free_repair", resident_id=street.resident, at=at(2026, 4, 1, 0))
        svc.log_service(s, actor=actor, kind="other", resident_id=street.zhao, compound_id=street.other_compound,
                        at=at(2026, 3, 9))
        counts = [(c.compound, c.month, c.kind, c.requested, c.done) for c in svc.service_counts(s, month="2026")]
        assert counts == [
            ("荣诚园", "2026-03", "other", 1, 0),
            ("荣雅园", "2026-03", "free_repair", 2, 1),
            ("荣雅园", "2026-03", "shopping", 1, 0),
            ("荣雅园", "2026-04", "free_repair", 1, 0),
        ]
        assert [c.requested for c in svc.service_counts(s, month="2026-04", compound_id=street.compound)] == [1]
        assert [x.id for x in svc.list_services(s, compound_id=street.compound, status="done")] == [repair.id]
        assert len(svc.list_services(s, kind="free_repair")) == 3


def test_bad_micro_services(site, street, actor):
    with site.db.session() as s:
        sid = svc.log_service(s, actor=actor, kind="shopping", resident_id=street.resident).id
        finished = svc.log_service(s, actor=actor, kind="shopping", resident_id=street.resident).id
        svc.complete_service(s, actor=actor, service_id=finished, done_by_id=street.zhou)
    calls = [
        (lambda s: svc.log_service(s, actor=actor, kind="haircut", resident_id=street.resident),
         "redprop.invalid_choice"),
        (lambda s: svc.log_service(s, actor=actor, kind="other", resident_id=street.li), "redprop.compound_required"),
        (lambda s: svc.log_service(s, actor=actor, kind="other", resident_id=street.li, compound_id=street.community),
         "redprop.not_a_compound"),
        (lambda s: svc.log_service(s, actor=actor, kind="other", resident_id=street.resident,
                                   compound_id=street.other_compound), "redprop.resident_outside_compound"),
        (lambda s: svc.complete_service(s, actor=actor, service_id=sid), "redprop.service_done_by_required"),
        (lambda s: svc.schedule_service(s, actor=actor, service_id=finished, scheduled_for=at(2026, 9, 1)),
         "redprop.illegal_service_status"),
        (lambda s: svc.complete_service(s, actor=actor, service_id=finished, done_by_id=street.zhou),
         "redprop.illegal_service_status"),
        (lambda s: svc.service_counts(s, month="2026-13"), "redprop.invalid_month"),
        (lambda s: svc.get_service(s, 999), "redprop.service_not_found"),
    ]
    before = row_counts(site.db)
    for call, code in calls:
        with site.db.session() as s, pytest.raises(DomainError) as exc:
            call(s)
        assert exc.value.code == code
        assert "{" not in exc.value.message("zh") + exc.value.message("en")
    assert row_counts(site.db) == before
