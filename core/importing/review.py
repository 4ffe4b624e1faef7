"""The review of approximate address matches (docs/importing.md, "Addresses"): what the
clerk decided in the TUI's review list, or the CLI's ``--confirm-approximate``, applied
to a dry run's report before anything is written.

An address matched only approximately (``import.address_approximate``, a notice carrying
the place chosen) is never committed unconfirmed: :func:`settle` makes it a bad row
(``import.address_unconfirmed``) unless ``confirm_approximate``; a row the clerk rejected
is a bad row too (``import.address_rejected``); a row the clerk re-pointed to another
place (``places``: row → place id) is imported with that place. So the all-or-nothing
commit refuses the file and ``valid_only`` writes those rows to the rejected workbook.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gongzhi.core.errors import DomainError
from gongzhi.core.importing.requests import RowIssue

APPROXIMATE = "import.address_approximate"


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


def repoint(report: Any, places: Mapping[int, int] | None) -> Any:
    """Rows the clerk pointed at another place (row → place id): planned with that place
    (a ticket's place, a resident's household), their review notice settled. The services'
    checks of the place (it exists, the permission on it, a household for a resident) run
    when the row is written."""
    if not places:
        return report
    for planned in report.planned:
        if planned.row in places:
            if hasattr(planned, "household_id"):
                planned.household_id = places[planned.row]
            else:
                planned.place_id = places[planned.row]
    report.warnings = [w for w in report.warnings if not (w.error.code == APPROXIMATE and w.row in places)]
    return report


def settle(report: Any, *, rejected: Mapping[int, tuple[str, str, DomainError]] | None = None,
           places: Mapping[int, int] | None = None, confirm_approximate: bool = False) -> Any:
    """Apply the review to ``report`` (in place): rejected rows are bad rows, re-pointed
    rows take their new place, and the approximate matches left are confirmed
    (``confirm_approximate``: they stay notices) or bad rows (``import.address_unconfirmed``)."""
    reject_rows(report, rejected)
    repoint(report, places)
    if confirm_approximate:
        return report
    unconfirmed = {w.row: RowIssue(w.row, w.column, w.value, DomainError(
        "import.address_unconfirmed", place=w.error.params.get("place", "")))
        for w in report.warnings if w.error.code == APPROXIMATE}
    if unconfirmed:
        reject_rows(report, {row: (i.column, i.value, i.error) for row, i in unconfirmed.items()})
        report.warnings = [w for w in report.warnings if w.error.code != APPROXIMATE]
    return report
