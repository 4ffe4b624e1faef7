"""The demo street's red-property joint meetings: a year of monthly meetings for 荣雅园
and 荣诚园 with cross-appointed people at the table, agendas taken from property
requests, resolutions (some by vote), action items carried over until done (their
requests resolved through them), one dropped with its reason, some overdue at the
demo's "now", and the micro-service log with free home repairs for priority-care
residents — built through the plugin's demo_data hook, once. On a real SQLite file,
where ``gongzhi demo`` builds the demo street (the services are tested on PostgreSQL too)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select

from gongzhi.core.demo import build_demo
from gongzhi.core.models.people import PersonCareTag
from gongzhi.core.models.places import Place
from gongzhi.core.models.types import LOCAL_TZ, local
from gongzhi.core.services import Actor, requests
from gongzhi.plugins.red_property import services as svc
from gongzhi.plugins.red_property.demo import DROP_REASON, demo_now
from gongzhi.plugins.red_property.minutes import build_minutes, to_markdown
from gongzhi.plugins.red_property.models import (
    ActionItem,
    AgendaItem,
    FollowUp,
    PropertyService,
    ResolutionVote,
)
from tests.plugins.red_property.conftest import PLUGIN


@pytest.fixture
def site(gongzhi_site):
    return gongzhi_site(plugins=[PLUGIN])


def test_a_year_of_joint_meetings_for_two_compounds(site):
    # the demo's "now" as the test fixture has it: the 8th and 12th of the month are past
    build_demo(site.db, scale="small", seed=2014, now=datetime(2026, 11, 20, 10, 0, tzinfo=LOCAL_TZ))
    for _ in range(2):  # the second run adds nothing
        site.host.pm.hook.demo_data(db=site.db, actor=Actor("gongzhi demo"), seed=2014, scale="small")
    with site.db.read_session() as s:
        now = demo_now(s)
        today = local(now).date()
        for name in ("荣雅园", "荣诚园"):
            compound = s.scalar(select(Place).where(Place.name == name, Place.kind == "compound"))
            meetings = list(reversed(svc.list_meetings(s, place_id=compound.id)))
            closed = [m for m in meetings if m.status == "closed"]
            assert len(closed) == 12, name
            months = [(svc.meeting_date(m).year, svc.meeting_date(m).month) for m in closed]
            assert len(set(months)) == 12 and all(m.kind == "monthly" and m.held_at < now for m in closed)
            # this month's meeting is over (the demo's now is past the meeting day)
            this_month = (today.year, today.month)
            finished = [m for m in closed if svc.meeting_date(m).timetuple()[:2] == this_month]
            assert len(finished) == 1, name
            # next month's being prepared, and (荣雅园) an extraordinary meeting later this month
            drafts = meetings[12:]
            assert all(m.status == "draft" and m.held_at > now for m in drafts)
            assert sorted(m.kind for m in drafts) == (["extraordinary", "monthly"] if name == "荣雅园"
                                                       else ["monthly"])
            for m in drafts:
                assert svc.follow_ups(s, m.id, on=today)  # its follow-up section is waiting
                # open property requests raised since the last meeting, waiting for the agenda
                assert len(svc.candidate_requests(s, m.id)) >= 3
            if name == "荣雅园":
                (extra,) = [m for m in drafts if m.kind == "extraordinary"]
                assert svc.meeting_date(extra).timetuple()[:2] == this_month
            # the four bodies at every meeting; cross-appointed people at the table, each once
            cross = 0
            for m in closed:
                bodies = {o.id for o in svc.bodies_of(s, m.id)}
                assert len(bodies) == 4
                people = [a.person_id for a in svc.attendance_of(s, m.id)]
                assert len(people) == len(set(people)) == svc.quorum(s, m.id).headcount
                cross += sum(1 for pid in people
                             if len({o.id for _, o in svc.posts_on(s, pid, svc.meeting_date(m))} & bodies) > 1)
            assert cross >= 12, name  # the party secretary is also the residents' committee's director
            without = [m for m in closed if m.opened_without_quorum]
            assert len(without) == (1 if name == "荣诚园" else 0)
            if without:
                assert [b.kind for b in svc.quorum(s, without[0].id).missing] == ["owners_committee"]
            ids = [m.id for m in closed]
            # agendas from property requests (the follow-up comes first on its own)
            from_requests = s.scalar(select(func.count()).select_from(AgendaItem).where(
                AgendaItem.meeting_id.in_(ids), AgendaItem.request_id.is_not(None)))
            assert from_requests == 24
            assert s.scalar(select(func.count(func.distinct(ResolutionVote.resolution_id)))
                            .where(ResolutionVote.meeting_id.in_(ids))) >= 2  # the fee and satisfaction votes
            # action items: done (requests resolved through them), carried over, dropped, overdue
            actions = list(s.scalars(select(ActionItem).where(ActionItem.meeting_id.in_(ids))))
            status = Counter(svc.effective_status(a, today).value for a in actions)
            assert status["done"] >= 20 and status["dropped"] == 1 and status["overdue"] >= 1, status
            (dropped,) = [a for a in actions if a.status == "dropped"]
            assert svc.action_notes(s, dropped.id)[-1].text == DROP_REASON
            resolved = [a for a in actions if a.status == "done" and a.request_id is not None]
            assert len(resolved) >= 10
            for a in resolved[:3]:
                req = requests.get_request(s, a.request_id)
                assert req.status == "resolved"
                label = svc.meeting_label(s, svc.get_meeting(s, a.meeting_id))
                assert any(label in (e.public_note or "") for e in requests.timeline(s, req.id))
            heard = Counter(s.scalars(select(FollowUp.action_item_id).where(FollowUp.meeting_id.in_(ids))))
            assert max(heard.values()) >= 2  # carried into more than one meeting
            assert any(f.status == "overdue" for f in s.scalars(select(FollowUp).where(FollowUp.meeting_id.in_(ids))))
            # micro-services every month, free home repairs for priority-care residents among them
            counts = svc.service_counts(s, compound_id=compound.id)
            assert len({c.month for c in counts}) >= 12
            care = select(PersonCareTag.person_id)
            repairs = list(s.scalars(select(PropertyService).where(
                PropertyService.compound_id == compound.id, PropertyService.kind == "free_repair",
                PropertyService.status == "done", PropertyService.resident_id.in_(care))))
            assert repairs and all(x.done_by_id and x.done_by_org_id for x in repairs)
        md = to_markdown(build_minutes(s, closed[-1].id))
    assert "## 二、上次决议落实情况" in md and "| 1 |" in md and "兼任" in md
