"""Any listing as an .xlsx workbook: a frozen header, columns sized to what they hold
(issue 17: every ``--json`` listing also as .xlsx). Written under a temporary name and
renamed; an existing file is never overwritten."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

MAX_WIDTH = 60


def records_of(data: Any) -> list[dict[str, Any]]:
    """The rows of a ``--json`` listing: the list of objects itself, or the longest list of
    objects inside an object (``{"rows": […]}``); one object is one row."""
    if isinstance(data, list):
        return [d if isinstance(d, dict) else {"value": d} for d in data]
    if isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and all(isinstance(x, dict) for x in v)]
        if lists:
            return max(lists, key=len)
        return [data]
    return [{"value": data}]


def cell(value: Any) -> Any:
    """What a cell holds: numbers and text as they are, times as local text, the rest as JSON."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        from gongzhi.core.models.types import fmt_local

        return fmt_local(value)
    if isinstance(value, date):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


def write_xlsx(path: Path, header: Sequence[str], rows: Sequence[Sequence[Any]], *, sheet: str = "list") -> Path:
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from rich.cells import cell_len

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.freeze_panes = "A2"
    widths = [cell_len(str(h)) for h in header]
    values = [[cell(v) for v in r] for r in rows]
    for r in values:
        for i, v in enumerate(r[: len(widths)]):
            widths[i] = max(widths[i], min(MAX_WIDTH, cell_len("" if v is None else str(v))))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width + 2
    ws.append(list(header))
    for r in values:
        ws.append(r)
    from gongzhi.core.services.base import save_new_file

    return save_new_file(path, wb.save)


def write_records_xlsx(path: Path, data: Any) -> int:
    """A ``--json`` listing's rows to ``path``; the number of rows."""
    records = records_of(data)
    header: list[str] = []
    for r in records:
        header += [k for k in r if k not in header]
    write_xlsx(path, header, [[r.get(k) for k in header] for r in records])
    return len(records)
