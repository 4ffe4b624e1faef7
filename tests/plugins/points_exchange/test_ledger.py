"""The ledger's guarantees on SQLite and PostgreSQL: append-only transfers at the
database, a person's account never below zero even behind the services' back,
idempotent keys, two-phase earnings, reversals, rule versions, the counter,
expiry, and verify() catching what it should."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.errors import DomainError
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.verify import verify


def _raw(db, sql: str) -> None:
    with db.engine.begin() as conn:
        conn.execute(text(sql))


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE points_transfer SET amount = amount + 1 WHERE id = {t}",
        "UPDATE points_transfer SET note = 'edited' WHERE id = {t}",
        "DELETE FROM points_transfer WHERE id = {t}",
        "DELETE FROM points_stock_move",
        "UPDATE points_stock_move SET quantity = 100",
        "UPDATE points_rule SET points = 1000",
        "DELETE FROM points_rule WHERE code = 'grid_report'",
    ],
)
def test_posted_rows_cannot_be_changed_at_the_database(site, street, clerk, sql) -> None:
    with site.db.session() as s:
        t = svc.earn(
            s, actor=clerk, person_id=street.residents[0], rule_code="resident_volunteer"
        ).transfer
    with pytest.raises(DBAPIError, match="append-only"):
        _raw(site.db, sql.format(t=t.id))
    with site.db.read_session() as s:
        assert svc.get_transfer(s, t.id).amount == 10
        assert svc.rule_for(s, "grid_report").points == 5
        assert verify(s) == []


def test_check_constraints_stand_behind_the_conditional_updates(site, street, clerk) -> None:
    with site.db.session() as s:
        svc.earn(s, actor=clerk, person_id=street.residents[0], rule_code="resident_volunteer")
        account = svc.account_of(s, street.residents[0]).id
    with pytest.raises(DBAPIError):
        _raw(
            site.db,
            f"UPDATE points_account SET debits_posted = credits_posted + 1 WHERE id = {account}",
        )
    with pytest.raises(DBAPIError):
        _raw(site.db, f"UPDATE points_goods SET stock = -1 WHERE id = {street.soap}")
    # a transfer from an account to itself, or of no points, never gets in
    for debit, amount in ((account, 5), (1, 0)):
        with pytest.raises(DBAPIError, match="ck_points_transfer|CHECK"):
            _raw(
                site.db,
                "INSERT INTO points_transfer (key, kind, phase, debit_account_id, credit_account_id, "
                "amount, quantity, note, recorded_by, created_at) VALUES "
                f"('raw-{amount}', 'earn', 'single', {debit}, {account}, {amount}, 1, '', 'x', "
                "CURRENT_TIMESTAMP)",
            )
    with site.db.read_session() as s:
        assert verify(s) == []


def test_same_key_same_content_is_exists_and_changes_nothing(site, street, clerk) -> None:
    person = street.residents[0]
    with site.db.session() as s:
        first = svc.earn(
            s, actor=clerk, person_id=person, rule_code="resident_volunteer", key="vol-2026-001"
        )
        again = svc.earn(
            s, actor=clerk, person_id=person, rule_code="resident_volunteer", key="vol-2026-001"
        )
        assert (first.result, again.result) == ("created", "exists")
        assert again.transfer.id == first.transfer.id
        assert svc.balance(s, person) == 10
        g = svc.restock(s, actor=clerk, goods_id=street.soap, quantity=5, key="donation-1")
        assert (
            svc.restock(s, actor=clerk, goods_id=street.soap, quantity=5, key="donation-1").result
            == "exists"
        )
        assert g.created and svc.get_goods(s, street.soap).stock == 15
        svc.adjust(s, actor=clerk, person_id=person, amount=20, note="开户")
        basket = [svc.BasketItem(street.soap, 2, 5)]
        r1 = svc.redeem(s, actor=clerk, person_id=person, items=basket, key="counter-1")
        r2 = svc.redeem(s, actor=clerk, person_id=person, items=basket, key="counter-1")
        assert (r1.result, r2.result) == ("created", "exists") and len(r2.moves) == 1
        assert svc.balance(s, person) == 20 and svc.get_goods(s, street.soap).stock == 13
        assert verify(s) == []


def test_two_phase_earning_needs_a_second_person(site, street, clerk, checker) -> None:
    person = street.residents[0]
    with site.db.session() as s:
        pending = svc.earn(
            s, actor=clerk, person_id=person, rule_code="resident_suggestion"
        ).transfer
        summary = svc.person_summary(s, person)
        assert (summary.balance, summary.pending_in) == (0, 10)
        assert [line.id for line in svc.pending_approvals(s)] == [pending.id]
        posted = svc.approve(s, actor=checker, transfer_id=pending.id, key="approve-1")
        assert (
            svc.approve(s, actor=checker, transfer_id=pending.id, key="approve-1").result
            == "exists"
        )
        assert posted.transfer.pending_id == pending.id and posted.transfer.phase == "post"
        summary = svc.person_summary(s, person)
        assert (summary.balance, summary.pending_in, summary.earned) == (10, 0, 10)
        assert svc.pending_approvals(s) == []
        assert [(line.id, line.state) for line in summary.recent] == [(pending.id, "posted")]
        # a voided one never reaches the balance, and frees the daily cap
        other = svc.earn(
            s, actor=clerk, person_id=street.residents[1], rule_code="resident_suggestion"
        ).transfer
        svc.void(s, actor=clerk, transfer_id=other.id, note="重复录入")
        assert svc.person_summary(s, street.residents[1]).recent[0].state == "voided"
        assert svc.earn(
            s, actor=clerk, person_id=street.residents[1], rule_code="resident_suggestion"
        ).created
        # reversing the approved earning: by the id of the pending transfer or of its post
        rev = svc.reverse(s, actor=checker, transfer_id=posted.transfer.id)
        assert rev.transfer.reverses_id == pending.id
        assert svc.balance(s, person) == 0
        assert svc.transfer_line(s, pending.id).state == "reversed"
        assert verify(s) == []


def test_a_reversal_that_would_overdraw_is_refused(site, street, clerk) -> None:
    person = street.residents[0]
    with site.db.session() as s:
        earned = svc.earn(s, actor=clerk, person_id=person, rule_code="resident_volunteer").transfer
        svc.redeem(s, actor=clerk, person_id=person, items=[(street.soap, 2, 5)])
        with pytest.raises(DomainError) as caught:
            svc.reverse(s, actor=clerk, transfer_id=earned.id)
        assert caught.value.code == "points.exceeds_credits"
        assert svc.balance(s, person) == 0 and svc.transfer_line(s, earned.id).state == "posted"


def test_reversing_a_redemption_puts_the_goods_back(site, street, clerk) -> None:
    person = street.residents[0]
    with site.db.session() as s:
        svc.adjust(s, actor=clerk, person_id=person, amount=50, note="活动奖励")
        red = svc.redeem(
            s, actor=clerk, person_id=person, items=[(street.soap, 2, 5), (street.rice, 1, 20)]
        )
        assert red.transfer.amount == 30 and svc.balance(s, person) == 20
        assert (svc.get_goods(s, street.soap).stock, svc.get_goods(s, street.rice).stock) == (8, 0)
        rev = svc.reverse(s, actor=clerk, transfer_id=red.transfer.id, note="退货")
        assert sorted((m.goods_id, m.quantity, m.kind) for m in rev.moves) == sorted(
            [(street.soap, 2, "reversal"), (street.rice, 1, "reversal")]
        )
        assert svc.balance(s, person) == 50
        assert (svc.get_goods(s, street.soap).stock, svc.get_goods(s, street.rice).stock) == (10, 1)
        summary = svc.person_summary(s, person)
        assert summary.redeemed == 0
        assert verify(s) == []


def test_a_transfer_keeps_the_points_of_its_rule_version(site, street, clerk) -> None:
    person = street.grid_worker
    with site.db.session() as s:
        old = svc.earn(s, actor=clerk, person_id=person, rule_code="grid_report").transfer
        v2 = svc.revise_rule(
            s,
            actor=clerk,
            code="grid_report",
            points=8,
            valid_from=date.today() - timedelta(days=1),
        )
        new = svc.earn(s, actor=clerk, person_id=person, rule_code="grid_report").transfer
        assert (old.amount, new.amount) == (5, 8)
        assert new.rule_id == v2.id != old.rule_id and v2.version == 2
        assert [r.points for r in svc.rule_versions(s, "grid_report")] == [5, 8]
        # the daily cap (20) counts both versions: 5 + 8 + 8 = 21 is one too many
        with pytest.raises(DomainError) as caught:
            svc.earn(s, actor=clerk, person_id=person, rule_code="grid_report")
        assert caught.value.code == "points.daily_cap_reached"
        # the rider may not use a grid worker's rule, but has one of their own
        assert (
            svc.earn(
                s, actor=clerk, person_id=street.rider, rule_code="rider_report"
            ).transfer.amount
            == 5
        )


def test_calendar_year_expiry_is_first_in_first_out_and_idempotent(site, street, clerk) -> None:
    person = street.residents[0]
    last_year = datetime(date.today().year - 1, 6, 1, 10, tzinfo=LOCAL_TZ)
    with site.db.session() as s:
        svc.earn(s, actor=clerk, person_id=person, rule_code="resident_volunteer", at=last_year)
        svc.earn(
            s,
            actor=clerk,
            person_id=person,
            rule_code="resident_volunteer",
            at=last_year + timedelta(days=1),
        )
        svc.earn(s, actor=clerk, person_id=person, rule_code="resident_volunteer")  # this year
        svc.redeem(
            s, actor=clerk, person_id=person, items=[(street.soap, 1, 5)]
        )  # uses old points first
        assert svc.expire(s, actor=clerk) == []  # policy "none": nothing expires
        svc.update_settings(s, actor=clerk, expiry_policy="calendar_year")
        swept = svc.expire(s, actor=clerk)
        assert [(t.amount, t.kind) for t in swept] == [(15, "expiry")]
        assert svc.balance(s, person) == 10
        assert svc.expire(s, actor=clerk) == []
        assert svc.balance(s, person) == 10
        assert verify(s) == []


def test_rolling_expiry(site, street, clerk) -> None:
    person = street.residents[0]
    with site.db.session() as s:
        svc.earn(
            s,
            actor=clerk,
            person_id=person,
            rule_code="resident_volunteer",
            at=datetime.now(LOCAL_TZ) - timedelta(days=70),
        )
        svc.earn(s, actor=clerk, person_id=person, rule_code="resident_volunteer")
        svc.update_settings(s, actor=clerk, expiry_policy="rolling", expiry_months=2)
        assert [t.amount for t in svc.expire(s, actor=clerk)] == [10]
        assert svc.expire(s, actor=clerk) == [] and svc.balance(s, person) == 10


def test_verify_finds_stored_figures_that_disagree(site, street, clerk) -> None:
    with site.db.session() as s:
        svc.earn(s, actor=clerk, person_id=street.residents[0], rule_code="resident_volunteer")
        account = svc.account_of(s, street.residents[0]).id
        assert verify(s) == []
    _raw(
        site.db,
        f"UPDATE points_account SET credits_posted = credits_posted + 7 WHERE id = {account}",
    )
    _raw(site.db, f"UPDATE points_goods SET stock = stock + 1 WHERE id = {street.rice}")
    with site.db.read_session() as s:
        found = {(v.check, v.subject) for v in verify(s)}
    assert ("stored_balance", f"account {account}") in found
    assert ("ledger_balances", "posted") in found
    assert ("stock", f"goods {street.rice}") in found


def test_counters_hold_more_than_32_bits(site, street, clerk) -> None:
    """Years of a street's earnings sum on the issuance account: 64-bit on PostgreSQL too."""
    person = street.residents[0]
    big = 3_000_000_000  # > 2**31
    with site.db.session() as s:
        svc.adjust(s, actor=clerk, person_id=person, amount=big, note="上年度积分结转")
        svc.adjust(s, actor=clerk, person_id=person, amount=-(big - 7), note="结转更正")
    with site.db.read_session() as s:
        assert svc.balance(s, person) == 7
        assert verify(s) == []


def test_person_page_panel_and_summary(site, street, clerk) -> None:
    person = street.residents[0]
    with site.db.session() as s:
        assert svc.person_panel_text(s, person) == "尚无积分记录"
        svc.earn(
            s, actor=clerk, person_id=person, rule_code="resident_volunteer", note="敬老院志愿服务"
        )
        svc.earn(s, actor=clerk, person_id=person, rule_code="resident_suggestion")
        text_ = svc.person_panel_text(s, person)
        assert "积分余额 10 分" in text_ and "待审核 +10" in text_ and "参与志愿服务" in text_
        data = svc.person_summary(s, person).as_json()
        assert data["balance"] == 10 and [r["amount"] for r in data["recent"]] == [10, 10]
    contributions = site.host.collect("register_person_panels")
    assert [c.key for c in contributions] == ["points_balance"]
    with site.db.read_session() as s:
        assert "积分余额 10 分" in contributions[0].args[2](s, person)
        english = contributions[0].args[2](s, person, lang="en")
        assert "Balance 10 points" in english and "+10 awaiting approval" in english
        assert "积分余额" not in english
        assert "Volunteering" in english and "参与志愿服务" not in english  # the rule too
