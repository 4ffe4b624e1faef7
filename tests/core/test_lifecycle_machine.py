"""The request lifecycle as a Hypothesis state machine against the real services.

Random sequences of transitions, duplicate marking, dispatches (plain and whistle)
and return visits (with reopen / close), legal and illegal, run on a real
database. The oracle is a model of :data:`gongzhi.core.models.vocab.TRANSITIONS` plus the
service rules around it (who may be dispatched, when a return visit may happen,
what a duplicate may point at). After every step:

- a legal step did what the model says; an illegal one raised the expected
  DomainError code (rendering in both languages) and changed no row of any core table;
- every status is a member of :class:`Status` and equals the model's;
- ``replay_status(timeline(...))`` equals the stored status;
- the lifecycle timestamps agree with the status.

Rules draw the request they act on with a bias towards the statuses where that
rule is interesting (a return visit mostly on resolved requests, …), so that
short runs still reach reopen, close and whistle; ``MUST_COVER`` checks that
every run actually tried each kind of step.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from fnmatch import fnmatch

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.models.requests import Request, RequestDispatch, RequestEvent, RequestFeedback
from gongzhi.core.models.vocab import OPEN_STATUSES, TRANSITIONS, Satisfaction, Status
from gongzhi.core.services import Actor
from gongzhi.core.services import requests as req_svc
from tests.core.helpers import assert_messages_render, build_world, count_rows

FEEDBACK_STATUSES = frozenset({Status.resolved, Status.closed, Status.answered})
# a submitted request is accepted on the way (the timeline records both changes)
DISPATCHABLE = frozenset({Status.submitted, Status.accepted, Status.dispatched, Status.in_progress})
DUPLICABLE = frozenset(s for s, nxt in TRANSITIONS.items() if Status.duplicate in nxt)
# the main loop, one step at a time (accepted → dispatched goes through dispatch())
MAIN_LOOP = {
    Status.submitted: Status.accepted,
    Status.dispatched: Status.in_progress,
    Status.in_progress: Status.resolved,
}
LOOP_OPEN = frozenset(MAIN_LOOP) | {Status.accepted}
MAX_REQUESTS = 4


@dataclass
class Model:
    """What the oracle knows of one request."""

    id: int
    status: Status
    duplicate_of: int | None = None
    transitions: int = 0  # timeline events with a to_status
    dispatch_rows: int = 0
    feedback_rows: int = 0


def _machine(db: Database, actor: Actor, coverage: Counter):
    """The state machine class, bound to one database; ``coverage`` counts what it tried."""
    world = build_world(db, actor)
    reporters = [p.id for p in world.people.values()]
    orgs = {  # name -> (id, is a department); departments first, the simplest draw
        "dept": (world.department.id, True),
        "dept2": (world.department2.id, True),
        "committee": (world.committee.id, False),
    }
    org_names = list(orgs)

    class Lifecycle(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.model: dict[int, Model] = {}

        # -- helpers -----------------------------------------------------------

        def _pick(self, data, prefer: frozenset[Status] | None = None, *, strict: bool = False) -> Model:
            """A request: from those in ``prefer`` if any (always if ``strict``,
            else when a coin says so), otherwise any."""
            ids = sorted(self.model)
            if prefer is not None:
                preferred = [i for i in ids if self.model[i].status in prefer]
                if preferred and (strict or not data.draw(st.booleans(), label="any request")):
                    ids = preferred
            return self.model[data.draw(st.sampled_from(ids), label="request")]

        def _attempt(self, what: str, m: Model | None, call, expected: set[str]):
            """Run ``call(session)``; an empty ``expected`` means it must succeed."""
            status = m.status.value if m is not None else None
            before = count_rows(db) if expected else None
            with db.session() as s:
                try:
                    result = call(s)
                except DomainError as err:
                    assert expected, f"{what} from {status}: legal step rejected: {err.code}: {err}"
                    assert err.code in expected, f"{what} from {status}: got {err.code}, expected {expected}"
                    assert_messages_render(err)
                    assert count_rows(db) == before, f"{what}: rejected step ({err.code}) changed rows"
                    coverage[(what, status, err.code)] += 1
                    return None
            assert not expected, f"{what} from {status}: illegal step accepted (expected {expected})"
            coverage[(what, status, "ok")] += 1
            return result

        def _create(self, reporter: int | None) -> None:
            request = self._attempt(
                "create", None,
                lambda s: req_svc.create_request(
                    s, actor=actor, channel="bench_meeting", type="help", category_id=world.category.id,
                    title="路灯不亮", place_id=world.compounds[0].id, reporter_id=reporter,
                ),
                set(),
            )
            assert request.status == Status.submitted
            self.model[request.id] = Model(id=request.id, status=Status.submitted)

        def _transition(self, m: Model, to: Status) -> None:
            legal = to in TRANSITIONS[m.status] and to != Status.dispatched
            if legal:
                expected: set[str] = set()
            elif to == Status.dispatched and to in TRANSITIONS[m.status]:
                expected = {"request.dispatch_required"}  # only dispatch() names the organisations
            else:
                expected = {"request.illegal_transition"}
            self._attempt(
                "transition", m,
                lambda s: req_svc.transition(s, actor=actor, request_id=m.id, to_status=to.value),
                expected,
            )
            if legal:
                m.status = to
                m.transitions += 1

        def _dispatch(self, m: Model, picks: list[str], whistle: bool) -> None:
            expected: set[str] = set()
            if m.status not in DISPATCHABLE:
                expected.add("request.dispatch_not_allowed")
            elif whistle and not all(orgs[p][1] for p in picks):
                expected.add("request.dispatch_needs_department")
            pairs = [(orgs[p][0], "lead" if i == 0 else "assist") for i, p in enumerate(picks)]
            rows = self._attempt(
                "whistle" if whistle else "dispatch", m,
                lambda s: req_svc.dispatch(s, actor=actor, request_id=m.id, organisations=pairs, whistle=whistle),
                expected,
            )
            if not expected:
                assert [r.organisation_id for r in rows] == [p[0] for p in pairs]
                assert all(r.whistle == whistle for r in rows)
                m.dispatch_rows += len(picks)
                if m.status == Status.submitted:
                    m.status = Status.accepted
                    m.transitions += 1
                if m.status == Status.accepted:
                    m.status = Status.dispatched
                    m.transitions += 1

        def _feedback(self, m: Model, contacted: bool, satisfaction: Satisfaction | None,
                      reopen: bool, close: bool) -> None:
            expected: set[str] = set()
            new_status = m.status
            if m.status not in FEEDBACK_STATUSES:
                expected.add("request.feedback_not_resolved")
            elif contacted and satisfaction is None:
                expected.add("input.required")
            elif reopen and satisfaction != Satisfaction.dissatisfied:
                expected.add("request.reopen_needs_dissatisfied")
            elif reopen and close:
                expected.add("input.invalid")
            elif reopen:
                if Status.in_progress in TRANSITIONS[m.status]:
                    new_status = Status.in_progress
                else:
                    expected.add("request.illegal_transition")
            elif close and m.status != Status.closed:
                if Status.closed in TRANSITIONS[m.status]:
                    new_status = Status.closed
                else:
                    expected.add("request.illegal_transition")
            what = "visit" + ("+reopen" if reopen else "") + ("+close" if close else "")
            row = self._attempt(
                what, m,
                lambda s: req_svc.record_feedback(
                    s, actor=actor, request_id=m.id, contacted=contacted,
                    satisfaction=satisfaction.value if satisfaction else None, reopen=reopen, close=close,
                ),
                expected,
            )
            if not expected:
                assert row.satisfaction == (satisfaction.value if satisfaction else None)
                m.feedback_rows += 1
                if new_status != m.status:
                    m.status = new_status
                    m.transitions += 1

        def _duplicate(self, m: Model, target: Model | None) -> None:
            expected: set[str] = set()
            if target is None:
                expected.add("request.duplicate_ref")
            elif target.id == m.id or target.status == Status.duplicate or target.duplicate_of is not None:
                expected.add("request.duplicate_target")
            if Status.duplicate not in TRANSITIONS[m.status]:
                expected.add("request.illegal_transition")
            self._attempt(
                "duplicate", m,
                lambda s: req_svc.transition(
                    s, actor=actor, request_id=m.id, to_status="duplicate",
                    duplicate_of_id=target.id if target else None,
                ),
                expected,
            )
            if not expected:
                m.status = Status.duplicate
                m.duplicate_of = target.id
                m.transitions += 1

        # -- rules -------------------------------------------------------------
        # Random rules act on any request with any arguments (mostly illegal steps);
        # steering rules (guarded by a precondition) act on a request for which the
        # step is meaningful, so that runs reach resolution, reopen, close and whistle.

        def _some(self, statuses: frozenset[Status]) -> bool:
            return any(m.status in statuses for m in self.model.values())

        @initialize()
        def first_requests(self):
            self._create(reporters[0])
            self._create(None)

        @precondition(lambda self: len(self.model) < MAX_REQUESTS)
        @rule(reporter=st.sampled_from([None, *reporters]))
        def create(self, reporter):
            self._create(reporter)

        @rule(data=st.data(), to=st.sampled_from([s for s in Status if s != Status.duplicate]))
        def any_transition(self, data, to):
            """Any status at all: legal or not."""
            self._transition(self._pick(data), to)

        @precondition(lambda self: self._some(LOOP_OPEN))
        @rule(data=st.data())
        def advance(self, data):
            """One step along the main loop: accept, dispatch, start, resolve."""
            self._step(self._pick(data, LOOP_OPEN, strict=True))

        @precondition(lambda self: self._some(LOOP_OPEN))
        @rule(data=st.data())
        def resolve(self, data):
            """The whole main loop at once, each step checked."""
            m = self._pick(data, LOOP_OPEN, strict=True)
            while m.status in LOOP_OPEN:
                self._step(m)
            assert m.status == Status.resolved

        def _step(self, m: Model) -> None:
            if m.status == Status.accepted:
                self._dispatch(m, ["committee"], whistle=False)
            else:
                self._transition(m, MAIN_LOOP[m.status])

        @rule(data=st.data(), with_target=st.booleans())
        def mark_duplicate(self, data, with_target):
            m = self._pick(data, DUPLICABLE)
            self._duplicate(m, self._pick(data) if with_target else None)

        @rule(data=st.data(), picks=st.lists(st.sampled_from(org_names), min_size=1, max_size=3, unique=True),
              whistle=st.booleans())
        def dispatch(self, data, picks, whistle):
            self._dispatch(self._pick(data), picks, whistle)

        @precondition(lambda self: self._some(DISPATCHABLE))
        @rule(data=st.data(), picks=st.lists(st.sampled_from(org_names), min_size=1, max_size=3, unique=True))
        def whistle(self, data, picks):
            """吹哨报到 on a request that can take it (the committee is no department)."""
            self._dispatch(self._pick(data, DISPATCHABLE, strict=True), picks, whistle=True)

        @rule(data=st.data(), satisfaction=st.sampled_from([None, *Satisfaction]), contacted=st.booleans(),
              action=st.sampled_from(["none", "close", "reopen", "both"]))
        def return_visit(self, data, satisfaction, contacted, action):
            """A return visit with any answers, on any request."""
            self._feedback(self._pick(data, FEEDBACK_STATUSES), contacted, satisfaction,
                           reopen=action in ("reopen", "both"), close=action in ("close", "both"))

        @precondition(lambda self: self._some(FEEDBACK_STATUSES))
        @rule(data=st.data(), satisfaction=st.sampled_from([*Satisfaction, None]), contacted=st.booleans(),
              action=st.sampled_from(["close", "none", "reopen", "both"]))
        def visit_resolved(self, data, satisfaction, contacted, action):
            """A return visit with any answers, on a request that may have one."""
            self._feedback(self._pick(data, FEEDBACK_STATUSES, strict=True), contacted, satisfaction,
                           reopen=action in ("reopen", "both"), close=action in ("close", "both"))

        @precondition(lambda self: self._some(FEEDBACK_STATUSES))
        @rule(data=st.data())
        def dissatisfied_reopen(self, data):
            self._feedback(self._pick(data, FEEDBACK_STATUSES, strict=True), True, Satisfaction.dissatisfied,
                           reopen=True, close=False)

        # -- a scripted tour through the same oracle ---------------------------------

        def tour(self) -> None:
            """Every kind of step at least once, legal and illegal, checked after each."""
            base = len(self.model)
            for reporter in (reporters[0], None, reporters[1], reporters[2]):
                self._create(reporter)
            a, b, c, d = (self.model[i] for i in sorted(self.model)[base:])
            steps = [
                lambda: self._feedback(a, True, Satisfaction.satisfied, False, False),  # not resolved
                lambda: self._dispatch(a, ["dept"], whistle=False),  # submitted: not allowed
                lambda: self._transition(a, Status.resolved),  # illegal
                lambda: self._transition(a, Status.accepted),
                lambda: self._dispatch(a, ["dept", "committee"], whistle=True),  # committee is no department
                lambda: self._dispatch(a, ["committee"], whistle=False),  # accepted -> dispatched
                lambda: self._dispatch(a, ["dept", "dept2"], whistle=True),  # whistle while dispatched
                lambda: self._transition(a, Status.in_progress),
                lambda: self._feedback(a, True, Satisfaction.satisfied, False, False),  # in progress
                lambda: self._transition(a, Status.resolved),
                lambda: self._feedback(a, True, None, False, False),  # satisfaction required
                lambda: self._feedback(a, True, Satisfaction.basically, True, False),  # reopen needs dissatisfied
                lambda: self._feedback(a, True, Satisfaction.dissatisfied, True, True),  # both
                lambda: self._feedback(a, False, None, False, False),  # not reached: fine
                lambda: self._feedback(a, True, Satisfaction.satisfied, False, True),  # close
                lambda: self._feedback(a, True, Satisfaction.dissatisfied, True, False),  # reopen from closed
                lambda: self._transition(a, Status.resolved),
                lambda: self._feedback(a, True, Satisfaction.dissatisfied, True, False),  # reopen from resolved
                lambda: self._duplicate(b, None),  # no target
                lambda: self._duplicate(b, b),  # itself
                lambda: self._duplicate(c, b),  # c duplicates b
                lambda: self._duplicate(b, c),  # c is itself a duplicate
                lambda: self._duplicate(a, b),  # a is in progress
                lambda: self._transition(c, Status.accepted),  # duplicate is final
                lambda: self._transition(b, Status.answered),
                lambda: self._feedback(b, True, Satisfaction.dissatisfied, True, False),  # answered cannot reopen
                lambda: self._feedback(b, True, Satisfaction.satisfied, False, True),  # answered -> closed
                lambda: self._transition(d, Status.accepted),
                lambda: self._transition(d, Status.unable_to_fix),
                lambda: self._dispatch(d, ["dept"], whistle=True),  # final
            ]
            for step in steps:
                step()
                self.database_agrees_with_model()

        # -- invariants ----------------------------------------------------------

        @invariant()
        def database_agrees_with_model(self):
            ids = list(self.model)
            with db.read_session() as s:
                rows = {r.id: r for r in s.scalars(select(Request).where(Request.id.in_(ids)))}
                events: dict[int, list[RequestEvent]] = {i: [] for i in ids}
                for e in s.scalars(select(RequestEvent).where(RequestEvent.request_id.in_(ids)).order_by(RequestEvent.id)):
                    events[e.request_id].append(e)
                n_dispatch = dict(s.execute(select(RequestDispatch.request_id, func.count())
                                            .where(RequestDispatch.request_id.in_(ids)).group_by(RequestDispatch.request_id)).all())
                n_feedback = dict(s.execute(select(RequestFeedback.request_id, func.count())
                                            .where(RequestFeedback.request_id.in_(ids)).group_by(RequestFeedback.request_id)).all())
            for m in self.model.values():
                request = rows[m.id]
                status = Status(request.status)  # never leaves the allowed set
                assert status == m.status
                assert events[m.id][0].kind == "created"
                assert req_svc.replay_status(events[m.id]) == status
                assert sum(1 for e in events[m.id] if e.to_status is not None) == m.transitions
                assert n_dispatch.get(m.id, 0) == m.dispatch_rows
                assert n_feedback.get(m.id, 0) == m.feedback_rows
                assert request.duplicate_of_id == m.duplicate_of
                # the timestamps follow the status
                assert (request.first_response_at is None) == (status == Status.submitted)
                if status in (Status.resolved, Status.answered):
                    assert request.resolved_at is not None
                if status == Status.closed:
                    assert request.closed_at is not None
                if status in OPEN_STATUSES:
                    assert request.resolved_at is None and request.closed_at is None

    return Lifecycle


# what every run must have tried (the tour guarantees it; the random runs add more),
# so that a green run means the oracle's every branch was exercised
# (what, status before or None for any, outcome)
MUST_COVER = [
    ("transition", None, "ok"),
    ("transition", None, "request.illegal_transition"),
    ("duplicate", None, "ok"),
    ("duplicate", None, "request.duplicate_target"),
    ("duplicate", None, "request.duplicate_ref"),
    ("duplicate", None, "request.illegal_transition"),
    ("dispatch", "accepted", "ok"),
    ("whistle", None, "ok"),
    ("whistle", None, "request.dispatch_needs_department"),
    ("dispatch", None, "request.dispatch_not_allowed"),
    ("visit", "resolved", "ok"),
    ("visit*", None, "request.feedback_not_resolved"),
    ("visit*", None, "input.required"),
    ("visit+close", "resolved", "ok"),
    ("visit+reopen", "resolved", "ok"),
    ("visit+reopen", "closed", "ok"),
    ("visit+reopen*", None, "request.reopen_needs_dissatisfied"),
    ("visit+reopen+close", None, "input.invalid"),
    ("visit+reopen", "answered", "request.illegal_transition"),
    ("visit+close", "answered", "ok"),
]


def _covered(coverage: Counter, what: str, status: str | None, outcome: str) -> bool:
    return any(
        fnmatch(w, what) and (status is None or s == status) and o == outcome
        for (w, s, o) in coverage
    )


@pytest.mark.parametrize("db_name", ["sqlite_db", "pg_db"])
def test_lifecycle_state_machine(request, db_name, actor):
    db = request.getfixturevalue(db_name)
    coverage: Counter = Counter()
    machine = _machine(db, actor, coverage)
    machine().tour()
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=30 if db_name == "sqlite_db" else 15,
            stateful_step_count=25,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    missing = [c for c in MUST_COVER if not _covered(coverage, *c)]
    assert not missing, f"the machine never tried: {missing}"
    # the main loop and its side exits were entered by some request
    with db.read_session() as s:
        reached = set(s.scalars(select(RequestEvent.to_status).where(RequestEvent.to_status.is_not(None))))
    assert {"accepted", "dispatched", "in_progress", "resolved", "closed", "duplicate"} <= reached, reached
    assert len(reached) >= 8, reached
