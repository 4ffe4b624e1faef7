"""Steps the micro-projects' tests share: a list walked through its phases."""

from __future__ import annotations

from datetime import date

from gongzhi.core.services import Actor
from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.services import ProjectInput

YEAR = 2026


def project_input(street, name: str = "路灯增亮", budget: int = 5_000_00, **kw) -> ProjectInput:
    return ProjectInput(
        name=name, content="更换小区路灯为LED", category=kw.pop("category", "facilities"),
        place_ids=[street.compound], responsible_org_id=street.committee,
        responsible_person_id=street.responsible, deadline=date(YEAR, 6, 30),
        expected_effect="夜间出行安全", budget=budget, **kw,
    )


def new_list(db, actor: Actor, street, year: int = YEAR):
    with db.session() as s:
        return svc.create_list(s, actor=actor, community_id=street.community, year=year, on=date(year, 1, 5))


def advance(db, actor: Actor, plist_id: int, *phases: str, on: date | None = None):
    with db.session() as s:
        for phase in phases:
            plist = svc.advance_list(s, actor=actor, list_id=plist_id, to_phase=phase, on=on)
    return plist


def executing_project(db, actor: Actor, street, *, allocate: int = 5_000_00, from_requests: bool = True):
    """A list in execution with one feasible, funded project (from the street's requests)."""
    plist = new_list(db, actor, street)
    with db.session() as s:
        if from_requests:
            p = svc.from_requests(s, actor=actor, list_id=plist.id, request_ids=street.requests,
                                  data=project_input(street))
        else:
            p = svc.add_project(s, actor=actor, list_id=plist.id, data=project_input(street))
    advance(db, actor, plist.id, "reviewing")
    with db.session() as s:
        svc.decide_feasibility(s, actor=actor, project_id=p.id, feasible=True)
        if allocate:
            svc.allocate(s, actor=actor, project_id=p.id, amount=allocate)
    advance(db, actor, plist.id, "publicised", "executing")
    return plist, p
