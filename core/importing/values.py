"""Values as real exports write them: mixed date formats, full-width digits, ticket
numbers Excel turned into scientific notation. Each parser returns the value or
raises :class:`gongzhi.core.errors.DomainError` with an ``import.*`` code (the reason)."""

from __future__ import annotations

import re
from datetime import datetime

from gongzhi.core.errors import DomainError
from gongzhi.core.models.types import LOCAL_TZ

# full-width digits, letters and the punctuation of dates and numbers → ASCII
_HALF = {0xFF10 + i: ord("0") + i for i in range(10)}
_HALF |= {0xFF21 + i: ord("A") + i for i in range(26)}
_HALF |= {0xFF41 + i: ord("a") + i for i in range(26)}
_HALF |= {ord("－"): ord("-"), ord("／"): ord("/"), ord("："): ord(":"), ord("．"): ord("."),
          ord("＋"): ord("+"), ord("\u3000"): ord(" ")}


def half_width(text: str) -> str:
    """Full-width digits and letters (and ：／－．＋, the ideographic space) as ASCII."""
    return text.translate(_HALF)


_DATE_TIME = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:时点]\s*(\d{1,2})\s*(?:分)?\s*(?:[:]?\s*(\d{1,2})\s*秒?)?)?"
)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?)?")


def parse_datetime(text: str) -> datetime:
    """``2026-03-05 09:30:00``, ``2026/3/5 9:30``, ``2026年3月5日 9时30分``,
    ``202603050930`` (and a bare date) → an aware time in Asia/Shanghai."""
    value = half_width(text).strip()
    if not value:
        raise DomainError("import.required")
    m = _DATE_TIME.fullmatch(value) or _COMPACT.fullmatch(value)
    if m is None:
        raise DomainError("import.bad_datetime")
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    try:
        return datetime(y, mo, d, h, mi, s, tzinfo=LOCAL_TZ)
    except ValueError:
        raise DomainError("import.impossible_datetime") from None


_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?[eE][+-]?\d+")
_TICKET = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,59}")


def parse_ticket_number(text: str) -> str:
    """A ticket number, refused when Excel has rounded it into ``2.02603E+11``."""
    value = half_width(text).strip()
    if not value:
        raise DomainError("import.required")
    if _SCIENTIFIC.fullmatch(value):
        raise DomainError("import.scientific_ticket")
    if not _TICKET.fullmatch(value):
        raise DomainError("import.bad_ticket")
    return value


def parse_phone(text: str) -> str:
    """A phone as digits only (``138 1234 5678``, ``+86-13812345678`` → ``13812345678``)."""
    digits = re.sub(r"\D", "", half_width(text))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def compact(text: str) -> str:
    """An address or a name for exact matching: half-width, without any whitespace."""
    return "".join(text.translate(_HALF).split())  # str.split() drops what \s matches
