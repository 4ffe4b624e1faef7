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


# -- personal data in listings written to a workbook (issue 15, item 3) -----------------------

WITHHELD = {"zh": "（已隐去）", "en": "(withheld)"}
# keys of a --json listing, and column titles of a table, that hold personal data wherever they
# appear: withheld unless the operator may export personal data and asked for it
PERSONAL_KEYS = frozenset({
    "phone", "id_number", "household", "address", "home", "reporter", "reporter_id", "reporter_name",
    "resident", "resident_id", "resident_name", "person", "person_id", "person_name", "birth_year",
    "care_tags", "notes", "member", "members_names", "participant", "voter",
})
PERSONAL_TITLES = frozenset({
    "姓名", "手机", "手机号", "电话", "联系电话", "身份证", "身份证号", "住址", "住户", "地址", "反映人", "服务对象",
    "出生年", "出生年份", "关爱标签", "备注", "居民",
    "phone", "home", "household", "reporter", "resident", "born", "care tags", "notes", "address",
})
# the key or title "name" names a person unless the listing is of things (places,
# organisations, categories, plugins, goods …): see :func:`names_are_personal`
NAME_KEYS = frozenset({"name", "display_name"})
THING_LISTINGS = ("place", "org list", "category", "plugins", "stats", "config", "db", "points goods",
                  "export", "import", "demo")


def names_are_personal(command: str) -> bool:
    """Whether a listing's ``name`` column names people: every listing but those of things
    (``place tree``, ``org list`` …; ``command`` is the command path without the program)."""
    return not any(command == c or command.startswith(c + " ") for c in THING_LISTINGS)


def _personal(key: str, names: bool) -> bool:
    key = key.strip().lower()
    return key in PERSONAL_KEYS or key in PERSONAL_TITLES or (names and key in NAME_KEYS)


def _strip(value: Any, names: bool, withheld: str) -> Any:
    from gongzhi.core.services.open311 import scrub

    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, dict):
        return {k: (withheld if _personal(k, names) and v not in (None, "", [], {}) else _strip(v, names, withheld))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strip(v, names, withheld) for v in value]
    return value


def strip_records(data: Any, *, names: bool, lang: str = "zh") -> Any:
    """A ``--json`` listing with its personal data withheld (every level) and the phone and
    ID numbers in its free text masked, as :func:`gongzhi.core.services.exports.export_requests`
    strips a request list."""
    return _strip(data, names, WITHHELD.get(lang, WITHHELD["zh"]))


def strip_table(header: Sequence[str], rows: Sequence[Sequence[Any]], *, names: bool,
                lang: str = "zh") -> list[list[Any]]:
    """A table's rows with its personal columns withheld and numbers in its text masked."""
    withheld = WITHHELD.get(lang, WITHHELD["zh"])
    personal = [_personal(str(h).strip(), names) for h in header]
    return [[withheld if i < len(personal) and personal[i] and v not in (None, "") else _strip(v, names, withheld)
             for i, v in enumerate(r)] for r in rows]
