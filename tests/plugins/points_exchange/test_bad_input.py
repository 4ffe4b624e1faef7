"""Bad input through ``gongzhi points …`` (issue 15, item 5): numbers beyond range, facts
dated in the future, names with control characters and output into a missing folder are
refused with one line in Chinese and in English, the exit code says which (2 for a usage
error), and nothing is written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.plugins.points_exchange.conftest import row_counts, state_dump

CLERK = "积分录入员"
BIG = "99999999999999999999999"  # beyond 64 bits
HAN = re.compile(r"[\u4e00-\u9fff]")

# (arguments, exit code, Chinese words, English words)
CASES = [
    (("points", "redeem", "王芳", f"香皂:{BIG}", "--yes"), 1, "数量超出范围", "quantity is out of range"),
    (("points", "goods", "add", "肥皂", "--price", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "goods", "add", "肥皂", "--price", "9999999999"), 1, "积分超出范围", "points is out of range"),
    (("points", "approve", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "balance", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "goods", "price", "香皂", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "earn", "王芳", "resident_volunteer", "--qty", BIG), 2, "数字超出范围", "number is out of range"),
    (("points", "earn", "王芳", "resident_volunteer", "--at", "2099-01-01 10:00"), 1, "不能晚于今天",
     "cannot be after today"),
    (("points", "earn", "王芳", "resident_volunteer", "--at", "1999-06-01 10:00"), 1, "不能早于 2000-01-01",
     "cannot be before 2000-01-01"),
    (("points", "goods", "add", "肥\n皂", "--price", "3"), 1, "控制字符", "control characters"),
    (("points", "notice", "--month", "2026-11", "-o", "/nonexistent-gongzhi/notice.xlsx"), 1, "不存在",
     "does not exist"),
    (("points", "redeem", "王芳", "香皂:1", "--yes"), 1, "可用积分为 0", "has 0 points available"),
    # stock stays within 1,000,000,000: an initial stock, a restock and what it makes
    (("points", "goods", "add", "肥皂", "--price", "3", "--stock", "9223372036854775807"), 1, "超过上限 1000000000",
     "above the limit of 1000000000"),
    (("points", "goods", "restock", "香皂", "1000000000"), 1, "超过上限 1000000000", "above the limit of 1000000000"),
    (("points", "goods", "restock", "香皂", "9223372036854775807"), 1, "数量超出范围", "quantity is out of range"),
    (("points", "goods", "correct", "香皂", "--by", "9223372036854775807", "--note", "盘点"), 1, "数量超出范围",
     "quantity is out of range"),
    # the rule by its English name in English (was the Chinese one)
    (("points", "earn", "王芳", "grid_report"), 1, "不能按「上报信息」获得积分", "cannot earn under"),
]


def test_points_bad_input_is_one_clean_line_in_either_language(site, street) -> None:
    before, dump = row_counts(site.db), state_dump(site.db)
    for lang in ("zh", "en"):
        for args, code, zh, en in CASES:
            got, out, err = site.cli("--operator", CLERK, *args, lang=lang)
            assert got == code, (lang, args, out, err)
            assert "Traceback" not in out + err
            lines = err.strip().splitlines()
            assert len(lines) == 1, (args, err)
            assert (zh if lang == "zh" else en) in lines[0], (args, lines[0])
            if lang == "en":  # English throughout, the user's own input aside
                shown = lines[0]
                for value in args:
                    shown = shown.replace(value, "")
                assert not HAN.search(shown), (args, lines[0])
            assert row_counts(site.db) == before and state_dump(site.db) == dump, args
    assert not Path("/nonexistent-gongzhi").exists()


def test_the_reported_stock_overflow_is_refused_and_verify_stays_green(site, street) -> None:
    """``goods add --stock 9223372036854775807`` was accepted, a restock of 1 then stored
    9.22e18 and ``points verify`` failed on integer overflow: now refused before any write."""
    before = row_counts(site.db)
    code, _, err = site.cli("--operator", CLERK, "points", "goods", "add", "肥皂", "--price", "3",
                            "--stock", "9223372036854775807")
    assert code == 1 and "超过上限" in err and row_counts(site.db) == before
    code, out, err = site.cli("--operator", CLERK, "points", "goods", "add", "肥皂", "--price", "3",
                              "--stock", "999999999", "--json")
    assert code == 0, err
    before, dump = row_counts(site.db), state_dump(site.db)
    code, _, err = site.cli("--operator", CLERK, "points", "goods", "restock", "肥皂", "2", lang="en")
    assert code == 1 and err.strip() == "error: '肥皂': the stock would be 1000000001, above the limit of 1000000000"
    assert row_counts(site.db) == before and state_dump(site.db) == dump
    code, out, err = site.cli("--operator", CLERK, "points", "goods", "restock", "肥皂", "1", "--json")
    assert code == 0 and '"stock": 1000000000' in out, err
    code, out, err = site.cli("points", "verify")
    assert code == 0, out + err


def test_amounts_beyond_range_are_refused_before_any_write(db, clerk) -> None:
    from gongzhi.core.errors import DomainError
    from gongzhi.plugins.points_exchange import services as svc

    person = db.street.residents[0]
    calls = [
        lambda s: svc.adjust(s, actor=clerk, person_id=person, amount=svc.MAX_AMOUNT + 1, note="结转"),
        lambda s: svc.adjust(s, actor=clerk, person_id=person, amount=-(2**63), note="结转"),
        lambda s: svc.create_rule(s, actor=clerk, code="huge", name_zh="巨额", points=svc.MAX_WHOLE + 1,
                                  roles=["resident"]),
        lambda s: svc.revise_rule(s, actor=clerk, code="resident_volunteer", daily_cap=2**63),
        lambda s: svc.add_goods(s, actor=clerk, name="毛巾", price=2**63, stock=1),
        lambda s: svc.set_price(s, actor=clerk, goods_id=db.street.soap, price=svc.MAX_WHOLE + 1),
        lambda s: svc.correct_stock(s, actor=clerk, goods_id=db.street.soap, quantity=-(2**63), note="盘点"),
    ]
    before, dump = row_counts(db), state_dump(db)
    for call in calls:
        with db.session() as s, pytest.raises(DomainError) as info:
            call(s)
        assert info.value.code in ("input.out_of_range", "points.stock_too_high"), info.value
    assert row_counts(db) == before and state_dump(db) == dump
    with db.session() as s:  # a rule at the limit earns, but a quantity making it pass the amount limit is refused
        svc.create_rule(s, actor=clerk, code="big", name_zh="大额", points=svc.MAX_WHOLE, roles=["resident"])
        with pytest.raises(DomainError) as info:
            svc.earn(s, actor=clerk, person_id=person, rule_code="big", quantity=svc.MAX_AMOUNT // svc.MAX_WHOLE + 1)
        assert info.value.code == "input.out_of_range"
