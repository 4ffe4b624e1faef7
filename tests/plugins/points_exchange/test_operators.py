"""The four-eyes rule with operator accounts, and the plugin's declared permissions (issue 15)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from gongzhi.core.errors import DomainError
from gongzhi.core.models.places import Place
from gongzhi.core.services import operators as op_svc
from gongzhi.plugins.points_exchange import services as svc


def _account(db, admin, login, role):
    with db.session() as s:
        street = s.scalar(select(Place.id).where(Place.parent_id.is_(None)))
        op_svc.create_operator(s, actor=admin, login=login, display_name=login, password="password 123")
        op_svc.grant_role(s, actor=admin, login=login, role=role, place_id=street)
        return op_svc.actor_of(s, op_svc.get_operator(s, login))


def test_four_eyes_means_two_operator_accounts(db, clerk):
    a = _account(db, clerk, "clerk-a", "points_clerk")
    b = _account(db, clerk, "clerk-b", "points_clerk")
    viewer = _account(db, clerk, "viewer", "viewer")
    with db.session() as s:
        pending = svc.earn(s, actor=a, person_id=db.street.residents[0], rule_code="resident_suggestion").transfer
        assert pending.recorded_by == "clerk-a"
        with pytest.raises(DomainError) as info:
            svc.approve(s, actor=a, transfer_id=pending.id)
        assert info.value.code == "points.approver_is_recorder"
        with pytest.raises(DomainError) as info:
            svc.approve(s, actor=viewer, transfer_id=pending.id)
        assert info.value.code == "permission.denied"
        with pytest.raises(DomainError) as info:
            svc.earn(s, actor=viewer, person_id=db.street.residents[0], rule_code="resident_suggestion")
        assert info.value.code == "permission.denied"
        done = svc.approve(s, actor=b, transfer_id=pending.id).transfer
        assert done.recorded_by == "clerk-b" and done.pending_id == pending.id
