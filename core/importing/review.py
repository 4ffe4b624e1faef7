"""The clerk's review of a dry run (the TUI's review list, docs/importing.md): an
approximate address match the clerk rejects makes its row a bad row.

:func:`reject_rows` moves the planned rows named in ``rejected`` (row number → the
reason) to the report's errors, so the all-or-nothing commit refuses the file and
``valid_only`` writes those rows to the rejected workbook with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.core.importing.requests import RowIssue


def reject_rows(report: Any, rejected: Mapping[int, tuple[str, str, DomainError]] | None) -> Any:
    """``rejected``: row → (column, value, reason). Returns ``report``, changed in place."""
    if not rejected:
        return report
    kept = []
    for planned in report.planned:
        if planned.row in rejected:
            column, value, reason = rejected[planned.row]
            report.errors.append(RowIssue(planned.row, column, value, reason))
        else:
            kept.append(planned)
    report.planned = kept
    report.errors.sort(key=lambda issue: issue.row)
    return report
