"""A Hypothesis state machine over the whole ledger — earn, approve, void,
redeem, reverse, restock, adjust, expire, and resubmitting a key — on SQLite and
PostgreSQL. A plain Python model predicts every balance and stock; after every
step the model must agree with the database and ``verify()`` must find nothing.

Each example makes its own people and goods in the shared database, so examples
never see each other's figures (verify() checks everything there is)."""

from __future__ import annotations

import itertools
from datetime import timedelta

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

from gongzhi.core.errors import DomainError
from gongzhi.core.services import Actor, people
from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.verify import verify

CLERK, CHECKER = Actor("录入员甲"), Actor("审核员乙")
RULES = {"resident_volunteer": (10, False), "resident_suggestion": (10, True)}
_ids = itertools.count()


def machine_for(db):
    class Ledger(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            n = next(_ids)
            self.s = db.session()
            self.people = [
                people.create_person(self.s, actor=CLERK, name=f"居民{n}{i}").id for i in range(2)
            ]
            self.goods = {
                svc.add_goods(
                    self.s, actor=CLERK, name=f"物品{n}-{i}", price=price, stock=2
                ).id: price
                for i, price in enumerate((3, 7))
            }
            self.balance = dict.fromkeys(self.people, 0)
            self.pending_in = dict.fromkeys(self.people, 0)
            self.stock = dict.fromkeys(self.goods, 2)
            self.pending: list[tuple[int, int, int]] = []  # (transfer id, person, amount)
            self.reversible: list[
                tuple[int, int, int, dict[int, int]]
            ] = []  # (id, person, signed amount, goods)
            self.keys: list[tuple[str, int, str]] = []

        def teardown(self) -> None:
            self.s.close()

        def _earn_ok(self, person: int, code: str, key: str):
            try:
                return svc.earn(self.s, actor=CLERK, person_id=person, rule_code=code, key=key)
            except (
                DomainError
            ) as exc:  # caps are the model's blind spot: allowed, and nothing moved
                assert exc.code in ("points.daily_cap_reached", "points.monthly_cap_reached")
                return None

        @rule(who=st.integers(0, 1), code=st.sampled_from(sorted(RULES)))
        def earn(self, who: int, code: str) -> None:
            person, key = self.people[who], f"earn-{next(_ids)}"
            result = self._earn_ok(person, code, key)
            if result is None:
                return
            amount, approval = RULES[code]
            self.keys.append((key, person, code))
            if approval:
                self.pending.append((result.transfer.id, person, amount))
                self.pending_in[person] += amount
            else:
                self.balance[person] += amount
                self.reversible.append((result.transfer.id, person, amount, {}))

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def resubmit(self, data) -> None:
            key, person, code = data.draw(st.sampled_from(self.keys))
            result = svc.earn(self.s, actor=CLERK, person_id=person, rule_code=code, key=key)
            assert result.result == "exists"

        @precondition(lambda self: self.pending)
        @rule(data=st.data(), approve=st.booleans())
        def resolve(self, data, approve: bool) -> None:
            tid, person, amount = data.draw(st.sampled_from(self.pending))
            self.pending.remove((tid, person, amount))
            self.pending_in[person] -= amount
            if approve:
                svc.approve(self.s, actor=CHECKER, transfer_id=tid)
                self.balance[person] += amount
                self.reversible.append((tid, person, amount, {}))
            else:
                svc.void(self.s, actor=CLERK, transfer_id=tid)

        @rule(
            who=st.integers(0, 1),
            picks=st.dictionaries(st.integers(0, 1), st.integers(1, 3), min_size=1),
        )
        def redeem(self, who: int, picks: dict[int, int]) -> None:
            person = self.people[who]
            ids = sorted(self.goods)
            basket = {ids[i]: q for i, q in picks.items()}
            cost = sum(self.goods[g] * q for g, q in basket.items())
            try:
                result = svc.redeem(
                    self.s,
                    actor=CLERK,
                    person_id=person,
                    items=[(g, q, self.goods[g]) for g, q in basket.items()],
                )
            except DomainError as exc:
                if any(self.stock[g] < q for g, q in basket.items()):
                    assert exc.code == "points.out_of_stock"
                else:
                    assert exc.code == "points.exceeds_credits" and cost > self.balance[person]
                return
            assert cost <= self.balance[person] and all(
                self.stock[g] >= q for g, q in basket.items()
            )
            self.balance[person] -= cost
            for g, q in basket.items():
                self.stock[g] -= q
            self.reversible.append((result.transfer.id, person, -cost, basket))

        @precondition(lambda self: self.reversible)
        @rule(data=st.data())
        def reverse(self, data) -> None:
            tid, person, signed, basket = data.draw(st.sampled_from(self.reversible))
            try:
                svc.reverse(self.s, actor=CHECKER, transfer_id=tid)
            except DomainError as exc:
                assert exc.code == "points.exceeds_credits" and signed > self.balance[person]
                return
            self.reversible.remove((tid, person, signed, basket))
            self.balance[person] -= signed
            for g, q in basket.items():
                self.stock[g] += q
            with pytest.raises(DomainError) as again:
                svc.reverse(self.s, actor=CHECKER, transfer_id=tid)
            assert again.value.code == "points.already_reversed"

        @rule(which=st.integers(0, 1), quantity=st.integers(1, 3))
        def restock(self, which: int, quantity: int) -> None:
            g = sorted(self.goods)[which]
            svc.restock(self.s, actor=CLERK, goods_id=g, quantity=quantity, kind="purchase")
            self.stock[g] += quantity

        @rule(who=st.integers(0, 1), amount=st.integers(-15, 15).filter(bool))
        def adjust(self, who: int, amount: int) -> None:
            person = self.people[who]
            try:
                svc.adjust(self.s, actor=CLERK, person_id=person, amount=amount, note="盘点调整")
            except DomainError as exc:
                assert exc.code == "points.exceeds_credits" and -amount > self.balance[person]
                return
            self.balance[person] += amount

        @rule()
        def expire(self) -> None:
            """Everything posted so far expires (an explicit cutoff just after now)."""
            cutoff = svc.when(None) + timedelta(seconds=1)
            svc.expire(self.s, actor=CLERK, cutoff=cutoff)
            assert svc.expire(self.s, actor=CLERK, cutoff=cutoff) == []
            self.balance = dict.fromkeys(self.people, 0)
            self.reversible = [r for r in self.reversible if r[2] < 0]  # earnings are spent now

        @invariant()
        def agrees_with_the_model(self) -> None:
            if not hasattr(self, "s"):
                return
            for person in self.people:
                summary = svc.person_summary(self.s, person)
                assert (summary.balance, summary.pending_in) == (
                    self.balance[person],
                    self.pending_in[person],
                )
            for g, n in self.stock.items():
                assert svc.get_goods(self.s, g).stock == n
            assert verify(self.s) == []
            self.s.rollback()  # end the reading transaction: no lock held between steps

    return Ledger


def test_the_ledger_state_machine(site) -> None:
    run_state_machine_as_test(
        machine_for(site.db),
        settings=settings(
            max_examples=10,
            stateful_step_count=15,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        ),
    )
