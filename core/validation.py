"""Validation of typed values: mainland mobile numbers, 18-digit ID numbers, calendar days."""

from __future__ import annotations

import re
from datetime import date

from gongzhi.core.errors import DomainError

_PHONE = re.compile(r"^1[3-9]\d{9}$")
_ID = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalise_phone(value: str | None) -> str | None:
    """``+86 138-0013-8000`` → ``13800138000``; ``None``/blank stays ``None``."""
    if value is None:
        return None
    text = re.sub(r"[\s\-()]", "", str(value))
    if not text:
        return None
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix):]
    if not _PHONE.match(text):
        raise DomainError("person.invalid_phone", value=value)
    return text


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(value: str | None) -> str | None:
    """An 18-digit resident ID number, checked for its birth date and check digit."""
    if value is None:
        return None
    text = re.sub(r"\s", "", str(value)).upper()
    if not text:
        return None
    if not _ID.match(text):
        raise DomainError(
            "person.invalid_id_number", value=value, reason="应为 18 位（末位可为 X）",
            reason_en="expected 18 characters, digits with an optional final X",
        )
    try:
        date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        raise DomainError(
            "person.invalid_id_number", value=value, reason="出生日期无效", reason_en="the birth date is invalid"
        ) from None
    if id_check_digit(text[:17]) != text[17]:
        raise DomainError(
            "person.invalid_id_number", value=value, reason="校验位不符", reason_en="the check digit does not match"
        )
    return text


def mask_phone(phone: str | None) -> str:
    return f"{phone[:3]}****{phone[-4:]}" if phone else ""


def mask_id_number(id_number: str | None) -> str:
    return f"{id_number[:3]}{'*' * 11}{id_number[-4:]}" if id_number else ""


def parse_day(text: str) -> date:
    """A calendar day written ``YYYY-MM-DD`` (the CLI's and every form's rule): one
    written the right way that the calendar lacks (2026-02-30, 2026-13-01) is called
    impossible (``input.impossible_date``), anything else badly written
    (``input.invalid_date``)."""
    cleaned = text.strip()
    try:
        return date.fromisoformat(cleaned)
    except ValueError:
        code = "input.impossible_date" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", cleaned) else "input.invalid_date"
        raise DomainError(code, value=text) from None
