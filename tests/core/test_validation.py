"""Personal identifiers: phone and ID number normalisation, checks and masks (pure functions)."""

from __future__ import annotations

import pytest

from gongzhi.core.errors import DomainError
from gongzhi.core.validation import (
    id_check_digit,
    mask_id_number,
    mask_phone,
    normalise_id_number,
    normalise_phone,
)
from tests.core.helpers import SAMPLE_ID_NUMBER, make_id_number


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("(138) 1234 5678", "13812345678"),
        ("19912345678", "19912345678"),
        (None, None),
        ("   ", None),
    ],
)
def test_phone_normalised(raw, expected):
    assert normalise_phone(raw) == expected


@pytest.mark.parametrize(
    "raw", ["1381234567", "138123456789", "12812345678", "11812345678", "23812345678", "1381234567a", "+8513812345678"]
)
def test_phone_refused(raw):
    with pytest.raises(DomainError) as info:
        normalise_phone(raw)
    assert info.value.code == "person.invalid_phone"
    assert raw in info.value.message("zh") and raw in info.value.message("en")


def test_known_id_numbers_have_the_check_digit_of_gb11643():
    assert id_check_digit(SAMPLE_ID_NUMBER[:17]) == "X"
    # worked example: weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2 over 11010519491231002
    total = sum(int(d) * w for d, w in zip("11010519491231002", (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    assert "10X98765432"[total % 11] == "X"
    assert normalise_id_number(SAMPLE_ID_NUMBER) == SAMPLE_ID_NUMBER
    assert normalise_id_number(SAMPLE_ID_NUMBER.lower()) == SAMPLE_ID_NUMBER
    assert normalise_id_number(" 110105 19491231 002x ") == SAMPLE_ID_NUMBER
    assert normalise_id_number("") is None and normalise_id_number(None) is None


@pytest.mark.parametrize(
    ("raw", "reason_en"),
    [
        (SAMPLE_ID_NUMBER[:17] + "0", "the check digit does not match"),
        (make_id_number(birth="19800230"), "the birth date is invalid"),
        (make_id_number(birth="19801301"), "the birth date is invalid"),
        (make_id_number(birth="19810229"), "the birth date is invalid"),  # 1981 is no leap year
        (SAMPLE_ID_NUMBER[:17], "expected 18 characters, digits with an optional final X"),
        (SAMPLE_ID_NUMBER + "0", "expected 18 characters, digits with an optional final X"),
        ("X" + SAMPLE_ID_NUMBER[1:], "expected 18 characters, digits with an optional final X"),
        ("11010519491231002Y", "expected 18 characters, digits with an optional final X"),
    ],
)
def test_id_number_refused_with_its_reason(raw, reason_en):
    with pytest.raises(DomainError) as info:
        normalise_id_number(raw)
    assert info.value.code == "person.invalid_id_number"
    assert reason_en in info.value.message("en")
    assert info.value.params["reason"] in info.value.message("zh")


def test_leap_day_birth_date_is_valid():
    number = make_id_number(birth="20000229")
    assert normalise_id_number(number) == number


def test_masks_keep_only_the_ends():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_id_number(SAMPLE_ID_NUMBER) == "110***********002X"
    assert len(mask_id_number(SAMPLE_ID_NUMBER)) == 18
    assert mask_phone(None) == "" and mask_id_number(None) == ""
