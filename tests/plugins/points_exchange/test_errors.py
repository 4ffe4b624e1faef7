"""One table-driven case per ``points.*`` error code: each case sets up what it
needs, then makes the one call that must be refused with exactly that code — and
writes nothing (row counts and every stored balance, stock and price unchanged).
A last test checks that the table covers every code the plugin registers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.core.services import Actor, people, requests
from tests.plugins.points_exchange.conftest import Street, row_counts, state_dump


@dataclass
class Ctx:
    s: Any
    st: Street
    clerk: Actor
    checker: Actor
    v: dict[str, Any] = field(default_factory=dict)

    @property
    def svc(self):
        from gongzhi.plugins.points_exchange import services

        return services

    def earn(self, person: int, rule: str = "resident_volunteer", **kw):
        return self.svc.earn(
            self.s, actor=kw.pop("actor", self.clerk), person_id=person, rule_code=rule, **kw
        )

    def key(self, name: str) -> str:
        """A key (or code) of this case only: the cases share one database."""
        return f"{name}-{self.v['case']}"

    def grant(self, person: int, amount: int = 100):
        return self.svc.adjust(
            self.s, actor=self.clerk, person_id=person, amount=amount, note="开户补录"
        )


Setup = Callable[[Ctx], None]


@dataclass(frozen=True)
class Case:
    code: str
    setup: Setup
    call: Setup
    cleanup: Setup | None = None


def nothing(c: Ctx) -> None:
    return None


def print_to(command: str) -> None:
    """Send a one-line receipt to ``command`` (the ``receipt_printer`` setting)."""
    from gongzhi.plugins.points_exchange.receipts import Receipt, print_receipt

    print_receipt(Receipt(1, "k", "created", "王芳", (), 0, 0, datetime.now(LOCAL_TZ), "x"), command)


def pending(c: Ctx, person: int = 0, name: str = "p") -> None:
    c.v[name] = c.earn(c.st.residents[person], "resident_suggestion").transfer.id


def request_id(c: Ctx) -> int:
    return requests.create_request(
        c.s,
        actor=c.clerk,
        channel="walk_in",
        type="suggestion",
        category_id=c.st.category_id,
        title="楼道灯坏了",
        place_id=c.st.compound_id,
    ).id


def _seq(*steps: Setup) -> Setup:
    def run(c: Ctx) -> None:
        for step in steps:
            step(c)

    return run


def issued_this_month(c: Ctx) -> int:
    return c.svc.earned(c.s, *c.svc.month_bounds(datetime.now(LOCAL_TZ)))


R0 = 0  # the first resident


def r(c: Ctx, i: int = R0) -> int:
    return c.st.residents[i]


CASES = [
    # the ledger
    Case(
        "points.exceeds_credits",
        nothing,
        lambda c: c.svc.redeem(c.s, actor=c.clerk, person_id=r(c), items=[(c.st.soap, 1, 5)]),
    ),
    Case(
        "points.already_reversed",
        lambda c: c.v.update(
            t=c.svc.reverse(
                c.s, actor=c.clerk, transfer_id=c.earn(r(c)).transfer.id
            ).transfer.reverses_id
        ),
        lambda c: c.svc.reverse(c.s, actor=c.checker, transfer_id=c.v["t"]),
    ),
    Case(
        "points.cannot_reverse_reversal",
        lambda c: c.v.update(
            rv=c.svc.reverse(c.s, actor=c.clerk, transfer_id=c.earn(r(c)).transfer.id).transfer.id
        ),
        lambda c: c.svc.reverse(c.s, actor=c.checker, transfer_id=c.v["rv"]),
    ),
    Case(
        "points.not_posted",
        pending,
        lambda c: c.svc.reverse(c.s, actor=c.checker, transfer_id=c.v["p"]),
    ),
    Case(
        "points.not_pending",
        lambda c: c.v.update(t=c.earn(r(c)).transfer.id),
        lambda c: c.svc.approve(c.s, actor=c.checker, transfer_id=c.v["t"]),
    ),
    Case(
        "points.pending_already_posted",
        _seq(pending, lambda c: c.svc.approve(c.s, actor=c.checker, transfer_id=c.v["p"])),
        lambda c: c.svc.void(c.s, actor=c.checker, transfer_id=c.v["p"]),
    ),
    Case(
        "points.pending_already_voided",
        _seq(pending, lambda c: c.svc.void(c.s, actor=c.checker, transfer_id=c.v["p"])),
        lambda c: c.svc.approve(c.s, actor=c.checker, transfer_id=c.v["p"]),
    ),
    Case(
        "points.approver_is_recorder",
        pending,
        lambda c: c.svc.approve(c.s, actor=c.clerk, transfer_id=c.v["p"]),
    ),
    Case(
        "points.transfer_not_found",
        nothing,
        lambda c: c.svc.approve(c.s, actor=c.checker, transfer_id=999_999),
    ),
    Case("points.invalid_key", nothing, lambda c: c.earn(r(c), key="k" * 65)),
    # rules
    Case("points.rule_not_found", nothing, lambda c: c.earn(r(c), "no_such_rule")),
    Case(
        "points.rule_exists",
        nothing,
        lambda c: c.svc.create_rule(
            c.s,
            actor=c.clerk,
            code="grid_report",
            name_zh="上报信息",
            points=5,
            roles=["grid_worker"],
        ),
    ),
    Case(
        "points.rule_not_valid",
        nothing,
        lambda c: c.earn(r(c), at=datetime(2023, 6, 1, 10, tzinfo=LOCAL_TZ)),
    ),
    Case("points.role_not_allowed", nothing, lambda c: c.earn(r(c), "grid_report")),
    Case(
        "points.invalid_role",
        nothing,
        lambda c: c.svc.create_rule(
            c.s, actor=c.clerk, code="x", name_zh="x", points=5, roles=["mayor"]
        ),
    ),
    Case(
        "points.invalid_dates",
        nothing,
        lambda c: c.svc.create_rule(
            c.s,
            actor=c.clerk,
            code="x",
            name_zh="x",
            points=5,
            roles=["resident"],
            valid_from=date(2025, 2, 1),
            valid_to=date(2025, 1, 1),
        ),
    ),
    Case("points.daily_cap_reached", pending, lambda c: c.earn(r(c), "resident_suggestion")),
    Case(
        "points.monthly_cap_reached",
        lambda c: (
            c.svc.create_rule(
                c.s,
                actor=c.clerk,
                code=c.key("cleanup"),
                name_zh="楼道清扫",
                points=10,
                roles=["resident"],
                monthly_cap=15,
                valid_from=date(2024, 1, 1),
            ),
            c.earn(r(c), c.key("cleanup")),
        ),
        lambda c: c.earn(r(c), c.key("cleanup")),
    ),
    Case(
        "points.budget_exceeded",
        lambda c: (
            c.svc.update_settings(c.s, actor=c.clerk, budget_cap=15 + issued_this_month(c)),
            c.earn(r(c)),
        ),
        lambda c: c.earn(r(c, 1)),
        lambda c: c.svc.update_settings(c.s, actor=c.clerk, budget_cap=None),
    ),
    # goods and the counter
    Case(
        "points.goods_not_found",
        lambda c: c.grant(r(c)),
        lambda c: c.svc.redeem(c.s, actor=c.clerk, person_id=r(c), items=[(999_999, 1, 5)]),
    ),
    Case(
        "points.goods_exists",
        nothing,
        lambda c: c.svc.add_goods(c.s, actor=c.clerk, name="香皂", price=5),
    ),
    Case(
        "points.goods_inactive",
        lambda c: (
            c.grant(r(c)),
            c.svc.set_goods_active(c.s, actor=c.clerk, goods_id=c.st.soap, active=False),
        ),
        lambda c: c.svc.redeem(c.s, actor=c.clerk, person_id=r(c), items=[(c.st.soap, 1, 5)]),
    ),
    Case(
        "points.out_of_stock",
        lambda c: c.grant(r(c)),
        lambda c: c.svc.redeem(
            c.s, actor=c.clerk, person_id=r(c), items=[(c.st.soap, 1, 5), (c.st.rice, 2, 20)]
        ),
    ),
    Case(
        "points.price_changed",
        lambda c: c.grant(r(c)),
        lambda c: c.svc.redeem(c.s, actor=c.clerk, person_id=r(c), items=[(c.st.soap, 1, 4)]),
    ),
    Case(
        "points.empty_basket",
        nothing,
        lambda c: c.svc.redeem(c.s, actor=c.clerk, person_id=r(c), items=[]),
    ),
    Case(
        "points.duplicate_goods",
        nothing,
        lambda c: c.svc.redeem(
            c.s, actor=c.clerk, person_id=r(c), items=[(c.st.soap, 1, 5), (c.st.soap, 1, 5)]
        ),
    ),
    Case(
        "points.invalid_quantity",
        nothing,
        lambda c: c.svc.redeem(c.s, actor=c.clerk, person_id=r(c), items=[(c.st.soap, 0, 5)]),
    ),
    Case(
        "points.invalid_points",
        nothing,
        lambda c: c.svc.add_goods(c.s, actor=c.clerk, name="毛巾", price=0),
    ),
    Case(
        "points.invalid_correction",
        nothing,
        lambda c: c.svc.correct_stock(
            c.s, actor=c.clerk, goods_id=c.st.soap, quantity=0, note="盘点"
        ),
    ),
    Case(
        "points.stock_too_high",  # soap has 10: 10 + 1,000,000,000 is over the limit
        nothing,
        lambda c: c.svc.restock(c.s, actor=c.clerk, goods_id=c.st.soap, quantity=c.svc.MAX_STOCK),
    ),
    # settings
    Case(
        "points.invalid_setting",
        nothing,
        lambda c: c.svc.update_settings(c.s, actor=c.clerk, expiry_policy="weekly"),
    ),
    # the counter's printer: a command that is not there
    Case("points.print_failed", nothing, lambda c: print_to("/nonexistent/gongzhi-lp")),
    # the same idempotency key with other content, one case per differing field
    Case(
        "points.exists_with_different_kind",
        lambda c: c.earn(r(c), key=c.key("K")),
        lambda c: c.svc.adjust(
            c.s, actor=c.clerk, person_id=r(c), amount=10, key=c.key("K"), note="补录"
        ),
    ),
    Case(
        "points.exists_with_different_debit_account",
        lambda c: (
            c.grant(r(c)),
            c.svc.adjust(c.s, actor=c.clerk, person_id=r(c), amount=10, key=c.key("K"), note="补"),
        ),
        lambda c: c.svc.adjust(
            c.s, actor=c.clerk, person_id=r(c), amount=-10, key=c.key("K"), note="扣"
        ),
    ),
    Case(
        "points.exists_with_different_credit_account",
        lambda c: c.earn(r(c), key=c.key("K")),
        lambda c: c.earn(r(c, 1), key=c.key("K")),
    ),
    Case(
        "points.exists_with_different_amount",
        lambda c: c.svc.adjust(
            c.s, actor=c.clerk, person_id=r(c), amount=10, key=c.key("K"), note="补"
        ),
        lambda c: c.svc.adjust(
            c.s, actor=c.clerk, person_id=r(c), amount=20, key=c.key("K"), note="补"
        ),
    ),
    Case(
        "points.exists_with_different_rule",
        lambda c: c.earn(r(c), key=c.key("K")),
        lambda c: c.earn(r(c), "resident_suggestion", key=c.key("K")),
    ),
    Case(
        "points.exists_with_different_quantity",
        lambda c: c.earn(r(c), key=c.key("K")),
        lambda c: c.earn(r(c), key=c.key("K"), quantity=2),
    ),
    Case(
        "points.exists_with_different_flags",
        _seq(
            pending,
            lambda c: c.svc.approve(c.s, actor=c.checker, transfer_id=c.v["p"], key=c.key("K")),
        ),
        lambda c: c.svc.void(c.s, actor=c.checker, transfer_id=c.v["p"], key=c.key("K")),
    ),
    Case(
        "points.exists_with_different_pending_id",
        _seq(
            pending,
            lambda c: pending(c, 1, "p2"),
            lambda c: c.svc.approve(c.s, actor=c.checker, transfer_id=c.v["p"], key=c.key("K")),
        ),
        lambda c: c.svc.approve(c.s, actor=c.checker, transfer_id=c.v["p2"], key=c.key("K")),
    ),
    Case(
        "points.exists_with_different_reverses",
        lambda c: (
            c.v.update(t2=c.earn(r(c, 1)).transfer.id),
            c.svc.reverse(c.s, actor=c.clerk, transfer_id=c.earn(r(c)).transfer.id, key=c.key("K")),
        ),
        lambda c: c.svc.reverse(c.s, actor=c.clerk, transfer_id=c.v["t2"], key=c.key("K")),
    ),
    Case(
        "points.exists_with_different_request",
        lambda c: c.earn(r(c), key=c.key("K"), request_id=request_id(c)),
        lambda c: c.earn(r(c), key=c.key("K")),
    ),
    Case(
        "points.exists_with_different_basket",
        lambda c: (
            c.grant(r(c)),
            c.svc.redeem(
                c.s, actor=c.clerk, person_id=r(c), items=[(c.st.soap, 4, 5)], key=c.key("K")
            ),
        ),
        lambda c: c.svc.redeem(
            c.s, actor=c.clerk, person_id=r(c), items=[(c.st.rice, 1, 20)], key=c.key("K")
        ),
    ),
    Case(
        "points.exists_with_different_goods",
        lambda c: c.svc.restock(c.s, actor=c.clerk, goods_id=c.st.soap, quantity=1, key=c.key("K")),
        lambda c: c.svc.restock(c.s, actor=c.clerk, goods_id=c.st.rice, quantity=1, key=c.key("K")),
    ),
    Case(
        "points.exists_with_different_move_kind",
        lambda c: c.svc.restock(c.s, actor=c.clerk, goods_id=c.st.soap, quantity=1, key=c.key("K")),
        lambda c: c.svc.restock(
            c.s, actor=c.clerk, goods_id=c.st.soap, quantity=1, key=c.key("K"), kind="purchase"
        ),
    ),
]


def fresh_street(db, clerk: Actor, n: int) -> Street:
    """Three new residents and new goods (soap 5 points × 10, rice 20 × 1) for one case."""
    from gongzhi.plugins.points_exchange import services as svc

    base: Street = db.street
    with db.session() as s:
        residents = [people.create_person(s, actor=clerk, name=f"居民{n}-{i}").id for i in range(3)]
        soap = svc.add_goods(s, actor=clerk, name=f"香皂{n}", unit="块", price=5, stock=10).id
        rice = svc.add_goods(s, actor=clerk, name=f"大米{n}", unit="袋", price=20, stock=1).id
    return replace(base, residents=residents, soap=soap, rice=rice)


@pytest.mark.parametrize("case", CASES, ids=[c.code.removeprefix("points.") for c in CASES])
def test_error_code(case: Case, shared_db, clerk, checker) -> None:
    db = shared_db
    n = CASES.index(case)
    with db.session() as s:
        ctx = Ctx(s, fresh_street(db, clerk, n), clerk, checker, {"case": n})
        case.setup(ctx)
        counts, state = row_counts(db), state_dump(db)
        try:
            with pytest.raises(DomainError) as caught:
                case.call(ctx)
            assert caught.value.code == case.code
            for lang in ("zh", "en"):
                message = caught.value.message(lang)
                assert "{" not in message, message
            assert row_counts(db) == counts
            assert state_dump(db) == state
            # the session is still usable: the failed operation left no transaction behind
            assert ctx.svc.person_summary(s, r(ctx)).person_id == r(ctx)
        finally:
            if case.cleanup is not None:
                case.cleanup(ctx)


def test_every_code_has_a_case() -> None:
    from gongzhi.plugins.points_exchange.errors import MESSAGES

    assert {c.code for c in CASES} == set(MESSAGES)
    assert len({c.code for c in CASES}) == len(CASES)


def test_not_valid_after_a_rule_is_retired(site, street, clerk) -> None:
    """A rule revised with an end date refuses earnings after it (and names the dates)."""
    from gongzhi.plugins.points_exchange import services as svc

    yesterday = date.today() - timedelta(days=1)
    with site.db.session() as s:
        svc.revise_rule(
            s,
            actor=clerk,
            code="resident_volunteer",
            valid_from=yesterday - timedelta(days=1),
            valid_to=yesterday,
        )
        with pytest.raises(DomainError) as caught:
            svc.earn(s, actor=clerk, person_id=street.residents[0], rule_code="resident_volunteer")
        assert caught.value.code == "points.rule_not_valid"
        assert yesterday.isoformat() in caught.value.message("en")
