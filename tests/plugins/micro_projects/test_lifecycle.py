"""A community's annual list through its phases, a project from requests to close-out,
and every illegal move refused with a coded bilingual error and nothing written."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from gongzhi.core.errors import DomainError
from gongzhi.core.models.requests import Request, RequestEvent
from gongzhi.plugins.micro_projects import services as svc
from gongzhi.plugins.micro_projects.models import Milestone, Project, ProjectList
from tests.plugins.micro_projects.conftest import row_counts, state_dump
from tests.plugins.micro_projects.helpers import (
    YEAR,
    advance,
    executing_project,
    new_list,
    project_input,
)


def refused(db, code: str, call) -> DomainError:
    """``call(session)`` is refused with ``code``, both messages render, nothing written."""
    before_counts, before_state = row_counts(db), state_dump(db)
    with db.session() as s, pytest.raises(DomainError) as info:
        call(s)
    assert info.value.code == code
    zh, en = info.value.message("zh"), info.value.message("en")
    assert zh and en and zh != en and "{" not in zh and "{" not in en
    assert row_counts(db) == before_counts
    assert state_dump(db) == before_state
    return info.value


def test_phases_in_order_with_dates(db, clerk, street):
    plist = new_list(db, clerk, street)
    assert plist.phase == "collecting" and plist.collecting_on == date(YEAR, 1, 5)
    with db.session() as s:
        svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street))
    days = {"reviewing": date(YEAR, 1, 20), "publicised": date(YEAR, 2, 1), "executing": date(YEAR, 2, 10),
            "evaluating": date(YEAR, 12, 1), "finished": date(YEAR, 12, 20)}
    with db.session() as s:
        p = s.scalars(select(Project)).one()
    advance(db, clerk, plist.id, "reviewing", on=days["reviewing"])
    with db.session() as s:
        svc.decide_feasibility(s, actor=clerk, project_id=p.id, feasible=False, reason="涉及产权，须业主共同决定")
    for phase in ("publicised", "executing", "evaluating", "finished"):
        advance(db, clerk, plist.id, phase, on=days[phase])
    with db.session() as s:
        row = s.get(ProjectList, plist.id)
        assert row.phase == "finished"
        assert {ph: getattr(row, f"{ph}_on") for ph in days} == days
        assert row.publicity_until == date(YEAR, 2, 8)


@pytest.mark.parametrize("target", ["publicised", "executing", "finished", "collecting", "nonsense"])
def test_phase_cannot_skip_or_go_back(db, clerk, street, target):
    plist = new_list(db, clerk, street)
    code = "input.invalid_choice" if target == "nonsense" else "micro.illegal_phase"
    err = refused(db, code, lambda s: svc.advance_list(s, actor=clerk, list_id=plist.id, to_phase=target))
    if code == "micro.illegal_phase":
        assert "征集" in err.message("zh") and "collecting" in err.message("en")


def test_code_names_year_community_and_number(db, clerk, street):
    plist = new_list(db, clerk, street)
    with db.session() as s:
        a = svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street))
        b = svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street, "晾衣架"))
    assert (a.code, b.code) == ("WSS-2026-荣雅园-001", "WSS-2026-荣雅园-002")


def test_publicise_needs_every_feasibility_decided(db, clerk, street):
    plist = new_list(db, clerk, street)
    with db.session() as s:
        svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street))
    advance(db, clerk, plist.id, "reviewing")
    err = refused(db, "micro.undecided_projects",
                  lambda s: svc.advance_list(s, actor=clerk, list_id=plist.id, to_phase="publicised"))
    assert "WSS-2026-荣雅园-001" in err.message("zh")


def test_unfeasible_needs_a_reason(db, clerk, street):
    plist = new_list(db, clerk, street)
    with db.session() as s:
        p = svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street))
    refused(db, "micro.reason_required",
            lambda s: svc.decide_feasibility(s, actor=clerk, project_id=p.id, feasible=False, reason=" "))


def test_from_requests_links_and_notifies_reporters(db, clerk, street):
    plist = new_list(db, clerk, street)
    with db.session() as s:
        p = svc.from_requests(s, actor=clerk, list_id=plist.id, request_ids=street.requests,
                              data=project_input(street))
        assert svc.linked_request_ids(s, p.id) == sorted(street.requests)
        assert p.source == "request"
    advance(db, clerk, plist.id, "reviewing")
    with db.session() as s:
        svc.decide_feasibility(s, actor=clerk, project_id=p.id, feasible=True)
        for rid in street.requests:
            notes = s.scalars(select(RequestEvent.public_note).where(
                RequestEvent.request_id == rid, RequestEvent.kind == "note")).all()
            assert any("已列入2026年民生微实事清单" in n and p.code in n for n in notes)
    # a request belongs to one live project at a time
    with db.session() as s:
        other = svc.create_list(s, actor=clerk, community_id=street.other_community, year=YEAR)
    refused(db, "micro.request_linked", lambda s: svc.from_requests(
        s, actor=clerk, list_id=other.id, request_ids=street.requests[:1], data=project_input(street)))
    refused(db, "micro.no_requests", lambda s: svc.from_requests(
        s, actor=clerk, list_id=other.id, request_ids=[], data=project_input(street)))


def test_progress_milestones_and_close_out_resolve_requests(db, clerk, street):
    from gongzhi.core import events

    plist, p = executing_project(db, clerk, street)
    with db.session() as s:
        svc.record_progress(s, actor=clerk, project_id=p.id, progress=40, note="灯杆到货", photos=["a.jpg"],
                            on=date(YEAR, 3, 1))
        svc.record_progress(s, actor=clerk, project_id=p.id, progress=80, note="安装完成8盏", on=date(YEAR, 3, 15))
    refused(db, "micro.progress_backwards", lambda s: svc.record_progress(
        s, actor=clerk, project_id=p.id, progress=50, note="x"))
    refused(db, "micro.invalid_progress", lambda s: svc.record_progress(
        s, actor=clerk, project_id=p.id, progress=101, note="x"))
    refused(db, "micro.evidence_required", lambda s: svc.close_out(
        s, actor=clerk, project_id=p.id, evidence=[], note="已完成"))
    refused(db, "micro.note_required", lambda s: svc.close_out(
        s, actor=clerk, project_id=p.id, evidence=["完工照片.jpg"], note=""))
    seen: list[tuple[int, str]] = []
    unsubscribe = events.subscribe(
        lambda event, **kw: seen.append((kw["request_id"], kw["to_status"]))
        if event == events.REQUEST_STATUS_CHANGED else None
    )
    try:
        with db.session() as s:
            svc.close_out(s, actor=clerk, project_id=p.id, evidence=["完工照片.jpg"], note="居委会：路灯已全部更换",
                          on=date(YEAR, 4, 1))
    finally:
        unsubscribe()
    with db.session() as s:
        row = s.get(Project, p.id)
        assert (row.status, row.progress, row.closed_on) == ("done", 100, date(YEAR, 4, 1))
        assert [m.progress for m in s.scalars(select(Milestone).order_by(Milestone.id))] == [40, 80]
        statuses = s.scalars(select(Request.status).where(Request.id.in_(street.requests))).all()
        assert statuses == ["resolved"] * 3
    assert {(rid, "resolved") for rid in street.requests} <= set(seen)
    # closed out once
    refused(db, "micro.illegal_status", lambda s: svc.close_out(
        s, actor=clerk, project_id=p.id, evidence=["x"], note="again"))


def test_illegal_moves_by_phase(db, clerk, street):
    plist = new_list(db, clerk, street)
    with db.session() as s:
        p = svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street))
    # a candidate cannot be funded, progressed or closed
    refused(db, "micro.illegal_status", lambda s: svc.allocate(s, actor=clerk, project_id=p.id, amount=100))
    refused(db, "micro.illegal_status", lambda s: svc.record_progress(
        s, actor=clerk, project_id=p.id, progress=10, note="x"))
    refused(db, "micro.illegal_status", lambda s: svc.close_out(
        s, actor=clerk, project_id=p.id, evidence=["x"], note="x"))
    # objections only while posted
    refused(db, "micro.phase_closed", lambda s: svc.raise_objection(
        s, actor=clerk, list_id=plist.id, content="不同意", raised_by="王芳"))
    advance(db, clerk, plist.id, "reviewing")
    with db.session() as s:
        svc.decide_feasibility(s, actor=clerk, project_id=p.id, feasible=True)
    advance(db, clerk, plist.id, "publicised")
    # no new projects after posting; no progress before execution
    refused(db, "micro.phase_closed", lambda s: svc.add_project(
        s, actor=clerk, list_id=plist.id, data=project_input(street)))
    refused(db, "micro.phase_closed", lambda s: svc.record_progress(
        s, actor=clerk, project_id=p.id, progress=10, note="x"))
    refused(db, "micro.phase_closed", lambda s: svc.decide_feasibility(
        s, actor=clerk, project_id=p.id, feasible=True))
    # rating before close-out
    refused(db, "micro.illegal_status", lambda s: svc.rate(
        s, actor=clerk, project_id=p.id, ratings=[("代表甲", "满意")]))


def test_objections_recorded_and_answered(db, clerk, street):
    plist = new_list(db, clerk, street)
    with db.session() as s:
        p = svc.add_project(s, actor=clerk, list_id=plist.id, data=project_input(street))
    advance(db, clerk, plist.id, "reviewing")
    with db.session() as s:
        svc.decide_feasibility(s, actor=clerk, project_id=p.id, feasible=True)
    advance(db, clerk, plist.id, "publicised")
    with db.session() as s:
        o = svc.raise_objection(s, actor=clerk, list_id=plist.id, project_id=p.id, content="灯太亮影响休息",
                                raised_by="李娜", person_id=street.residents[1])
        svc.answer_objection(s, actor=clerk, objection_id=o.id, answer="选用暖光并加装灯罩")
    refused(db, "micro.objection_answered",
            lambda s: svc.answer_objection(s, actor=clerk, objection_id=o.id, answer="again"))
    refused(db, "micro.objection_not_found",
            lambda s: svc.answer_objection(s, actor=clerk, objection_id=9999, answer="x"))


def test_unknown_refs_and_bad_input(db, clerk, street):
    refused(db, "micro.project_not_found", lambda s: svc.find_project(s, "WSS-2026-荣雅园-999"))
    refused(db, "micro.list_not_found", lambda s: svc.find_list(s, "荣雅园", 2030))
    refused(db, "micro.not_community", lambda s: svc.create_list(
        s, actor=clerk, community_id=street.compound, year=YEAR))
    plist = new_list(db, clerk, street)
    refused(db, "micro.list_exists", lambda s: svc.create_list(
        s, actor=clerk, community_id=street.community, year=YEAR))
    refused(db, "micro.invalid_category", lambda s: svc.add_project(
        s, actor=clerk, list_id=plist.id, data=project_input(street, category="rockets")))
    refused(db, "input.required", lambda s: svc.add_project(
        s, actor=clerk, list_id=plist.id, data=project_input(street, name="  ")))


@pytest.mark.parametrize("text,fen", [("1500", 150000), ("1,234.5", 123450), ("¥0.01", 1), ("80元", 8000)])
def test_yuan_to_fen(text, fen):
    assert svc.parse_yuan(text) == fen
    assert svc.fmt_yuan(fen).replace(",", "") == f"{fen // 100}.{fen % 100:02d}"


@pytest.mark.parametrize("text", ["0", "-5", "1.001", "abc", "nan", "inf"])
def test_yuan_refused(text):
    with pytest.raises(DomainError) as info:
        svc.parse_yuan(text)
    assert info.value.code == "micro.invalid_amount"
