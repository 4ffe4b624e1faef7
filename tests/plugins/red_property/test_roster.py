"""The check-in list on SQLite and PostgreSQL (``meeting_roster``, ``attendable_bodies``):
who the meeting expects, for which bodies a cross-appointed person may stand, and a
person invited for a body that is not required."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.plugins.red_property import services as svc
from tests.plugins.red_property.conftest import at


def test_roster_and_attendable_bodies(site, street, actor):
    with site.db.session() as s:
        m = svc.create_meeting(s, actor=actor, place_id=street.compound, held_at=at(2026, 3, 5))
        # 王书记: party + residents' committee; 赵主任: owners (chair) + party (member)
        assert [o.id for o in svc.attendable_bodies(s, m.id, street.wang)] == [street.party, street.rc]
        # the owners' committee of the other compound is not a body here: offered last
        assert [o.id for o in svc.attendable_bodies(s, m.id, street.zhao)] == [
            street.party, street.owners, street.other_owners]
        # 钱前任 left the owners' committee in 2025: nothing to stand for in 2026
        assert svc.attendable_bodies(s, m.id, street.former) == []
        assert svc.attendable_bodies(s, m.id, street.resident) == []
        with pytest.raises(DomainError) as exc:
            svc.attendable_bodies(s, 999_999, street.wang)
        assert exc.value.code == "redprop.meeting_not_found"

        roster = {r.person_id: r for r in svc.meeting_roster(s, m.id)}
        assert set(roster) == {street.wang, street.li, street.zhao, street.sun, street.zhou}
        assert roster[street.wang].body_ids == (street.party, street.rc) and roster[street.wang].cross_appointed
        assert roster[street.zhou].body_ids == (street.owners, street.prop)
        assert roster[street.li].body_ids == (street.rc,) and not roster[street.li].cross_appointed
        assert not any(r.present for r in roster.values())
        # ordered by the first body each may stand for: party first, property last
        order = [r.person_id for r in svc.meeting_roster(s, m.id)]
        assert order.index(street.wang) < order.index(street.li) < order.index(street.zhou)
        assert order[-1] == street.sun

        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.wang, organisation_id=street.rc)
        svc.check_in(s, actor=actor, meeting_id=m.id, person_id=street.sun, organisation_id=street.other_prop)
        roster = {r.person_id: r for r in svc.meeting_roster(s, m.id)}
        assert roster[street.wang].attending_org_id == street.rc and roster[street.wang].present
        # 孙经理 came for the other compound's company (not required): still on the list
        assert roster[street.sun].attending_org_id == street.other_prop
        assert roster[street.sun].body_ids == (street.prop,)
