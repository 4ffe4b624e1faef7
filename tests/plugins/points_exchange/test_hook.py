"""A request reported by a grid worker or rider that reaches resolved earns its
reporter points — through the real event path (core service → commit → host →
the plugin's ``request_status_changed``), once per request."""

from __future__ import annotations

from sqlalchemy import func, select

from gongzhi.core.services import requests
from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.models import Transfer
from gongzhi.plugins.points_exchange.verify import verify


def _request(s, street, clerk, reporter: int | None, **kw) -> int:
    return requests.create_request(
        s,
        actor=clerk,
        channel="snapshot",
        type="report",
        category_id=street.category_id,
        title="楼道堆放杂物",
        place_id=street.compound_id,
        reporter_id=reporter,
        **kw,
    ).id


def _resolve(s, clerk, request_id: int, path=("accepted", "in_progress", "resolved")) -> None:
    for status in path:
        requests.transition(s, actor=clerk, request_id=request_id, to_status=status)


def _count(s) -> int:
    return s.scalar(select(func.count()).select_from(Transfer))


def test_a_resolved_request_earns_its_reporter_once(site, street, clerk) -> None:
    with site.db.session() as s:
        rid = _request(s, street, clerk, street.grid_worker)
        requests.transition(s, actor=clerk, request_id=rid, to_status="accepted")
        assert svc.balance(s, street.grid_worker) == 0
        _resolve(s, clerk, rid, ("in_progress", "resolved"))
        line = svc.person_transfers(s, street.grid_worker)[0]
        assert (line.rule_code, line.amount, line.state) == ("grid_report", 5, "posted")
        assert svc.find_transfer(s, svc.request_key(rid)).request_id == rid
        # reopened and resolved again: still once
        _resolve(s, clerk, rid, ("in_progress", "resolved"))
        assert svc.balance(s, street.grid_worker) == 5 and _count(s) == 1
        # a rider's report earns the rider's rule
        rider_req = _request(s, street, clerk, street.rider)
        _resolve(s, clerk, rider_req)
        assert svc.person_transfers(s, street.rider)[0].rule_code == "rider_report"
        assert verify(s) == []


def test_residents_and_anonymous_reports_earn_nothing(site, street, clerk) -> None:
    with site.db.session() as s:
        _resolve(s, clerk, _request(s, street, clerk, street.residents[0]))
        _resolve(s, clerk, _request(s, street, clerk, None, anonymous=True))
        _resolve(s, clerk, _request(s, street, clerk, None))
        assert _count(s) == 0


def test_the_mapping_is_a_setting_and_approval_applies(site, street, clerk, checker) -> None:
    with site.db.session() as s:
        svc.update_settings(s, actor=clerk, request_rules={"micro_grid_worker": "grid_mediation"})
        rid = _request(s, street, clerk, street.grid_worker)
        _resolve(s, clerk, rid)
        line = svc.pending_approvals(s)[0]
        assert (line.rule_code, line.amount, line.person_id) == (
            "grid_mediation",
            20,
            street.grid_worker,
        )
        assert svc.balance(s, street.grid_worker) == 0
        svc.approve(s, actor=checker, transfer_id=line.id)
        assert svc.balance(s, street.grid_worker) == 20
        # the rider's role is no longer mapped
        _resolve(s, clerk, _request(s, street, clerk, street.rider))
        assert svc.balance(s, street.rider) == 0
