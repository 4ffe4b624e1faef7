"""A deliberately naive allocation: read the fund, check in Python, then write the
figure it computed (``SET allocated = :read + :n``) in the next transaction — as a
fund screen would that shows what is left and lets the clerk confirm.

Kept in the tests only, as the proof that the concurrency tests can fail
(``test_concurrency.py``). It writes the same rows as
:func:`gongzhi.plugins.micro_projects.services.allocate`; its figures never trip the CHECK
constraint (each writer leaves what it read plus its own allocation, which its own
check allowed), so the race shows as more allocations than the fund holds and a
stored ``allocated`` that no longer equals the sum of the allocation rows.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.services import Actor
from gongzhi.plugins.micro_projects.models import Allocation, Fund, Project
from gongzhi.plugins.micro_projects.services import fmt_yuan, get_fund, get_list, get_project


def allocate(
    session: Session, *, actor: Actor, project_id: int, amount: int, note: str = "",
    pause: Callable[[], None] = lambda: None,
) -> Allocation:
    project = get_project(session, project_id)
    plist = get_list(session, project.list_id)
    fund = get_fund(session, plist.year)
    seen_fund, seen_project = fund.allocated, project.allocated
    session.commit()  # the screen showed what is left; the clerk confirms
    if seen_fund + amount > fund.total:
        raise DomainError("micro.fund_exceeded", year=plist.year, total=fmt_yuan(fund.total),
                          allocated=fmt_yuan(seen_fund), amount=fmt_yuan(amount))
    pause()
    session.execute(update(Fund).where(Fund.id == fund.id).values(allocated=seen_fund + amount))
    session.execute(update(Project).where(Project.id == project.id).values(allocated=seen_project + amount))
    row = Allocation(fund_id=fund.id, project_id=project.id, amount=amount, note=note, recorded_by=actor.name)
    session.add(row)
    session.commit()
    return row
