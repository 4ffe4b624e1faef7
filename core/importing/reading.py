"""A table file's header and data rows, every cell as stripped text."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from gongzhi.core.errors import DomainError

SUFFIXES = (".csv", ".xlsx", ".xls")


@dataclass
class Table:
    path: Path
    sha256: str
    encoding: str  # "utf-8", "utf-8-sig", "gb18030" or "excel"
    header: list[str]
    # (row number as the user sees it in the file, 1 = header; cells as text)
    rows: list[tuple[int, list[str]]]


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a CSV file and the encoding it was in: UTF-8 with or without BOM,
    else GB18030 (a superset of GBK and GB2312, what Chinese Excel writes)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    return data.decode("gb18030"), "gb18030"


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a clerk would see (integral floats without
    ``.0``; floats too large to be exact keep their exponent and are refused later)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value).strip()


def read_table(path: str | Path) -> Table:
    path = Path(path)
    if not path.is_file():
        raise DomainError("import.file_missing", path=str(path))
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DomainError("import.unsupported_format", suffix=suffix or path.name)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    try:
        if suffix == ".csv":
            text, encoding = decode_csv(data)
            # quoted newlines and commas are the csv module's business
            grid = [[c.strip() for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
        else:
            from python_calamine import CalamineWorkbook

            sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
            grid = [[cell_text(c) for c in row] for row in sheet.to_python(skip_empty_area=False)]
            encoding = "excel"
    except (UnicodeDecodeError, csv.Error, ValueError, OSError) as exc:
        raise DomainError("import.unreadable", path=str(path), detail=str(exc).splitlines()[0]) from None
    except Exception as exc:  # calamine's own errors (a corrupt workbook)
        if type(exc).__module__.startswith("python_calamine"):
            raise DomainError("import.unreadable", path=str(path), detail=str(exc).splitlines()[0]) from None
        raise
    # leading blank lines are skipped; the first non-blank line is the header
    numbered = [(i + 1, row) for i, row in enumerate(grid)]
    numbered = [(n, row) for n, row in numbered if any(c for c in row)]
    if not numbered:
        raise DomainError("import.empty", path=str(path))
    (_, header), body = numbered[0], numbered[1:]
    if not body:
        raise DomainError("import.empty", path=str(path))
    width = len(header)
    rows = [(n, (row + [""] * width)[:max(width, len(row))]) for n, row in body]
    return Table(path=path, sha256=digest, encoding=encoding, header=[h.strip() for h in header], rows=rows)
