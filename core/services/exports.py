"""Exports of requests to a CSV file Excel opens (UTF-8 with BOM), to an .xlsx
workbook with a frozen header and set column widths, or to a Word (.docx) table for
printing (the overdue list: ``--overdue``), by the file's suffix.

Long work: rows are written in batches, ``progress(done, total)`` is called after
each, and ``cancelled()`` is asked between batches — a cancelled export leaves
no file. The file is written under a temporary name and renamed at the end; an
existing file is never overwritten. Personal numbers are not exported at all;
the export itself is audited.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request, RequestCategory
from gongzhi.core.models.types import fmt_local, utcnow
from gongzhi.core.models.vocab import Channel, Priority, RequestType, Status
from gongzhi.core.permissions import allowed, check, check_any
from gongzhi.core.services.base import Actor, audit, check_output_path, transaction
from gongzhi.core.services.open311 import scrub
from gongzhi.core.services.requests import (
    RequestFilter,
    is_overdue,
    scoped_conditions,
)

BATCH = 1000

COLUMNS: tuple[tuple[str, str], ...] = (
    ("编号", "ref"),
    ("状态", "status"),
    ("渠道", "channel"),
    ("外部工单号", "external ticket"),
    ("类型", "type"),
    ("类别", "category"),
    ("标题", "title"),
    ("地点", "place"),
    ("社区", "community"),
    ("反映人", "reporter"),
    ("优先级", "priority"),
    ("登记时间", "raised"),
    ("办理时限", "due"),
    ("超期", "overdue"),
    ("办结时间", "resolved"),
)
# .xlsx column widths (characters), in the order of COLUMNS
WIDTHS: tuple[int, ...] = (18, 10, 12, 20, 10, 14, 36, 20, 14, 10, 8, 17, 17, 6, 17)


# the columns a printed (Word) list keeps, of COLUMNS; and how long a list Word takes
DOCX_COLUMNS: tuple[int, ...] = (0, 1, 5, 6, 7, 8, 11, 12, 13)
DOCX_LIMIT = 5000


class _DocxOut:
    """Rows kept, then one Word table (core.services.word) when the export ends well."""

    def __init__(self, tmp: Path, title: str, notes: list[str]) -> None:
        self.tmp, self.title, self.notes = tmp, title, notes
        self.rows: list[list] = []

    def row(self, values: list) -> None:
        self.rows.append([values[i] for i in DOCX_COLUMNS])

    def close(self, ok: bool) -> None:
        if ok and self.rows:
            from gongzhi.core.services.word import write_table_docx

            write_table_docx(self.tmp, self.title, self.notes, self.rows[0], self.rows[1:])


class _CsvOut:
    def __init__(self, tmp: Path) -> None:
        self.f = tmp.open("w", newline="", encoding="utf-8-sig")
        self.out = csv.writer(self.f)

    def row(self, values: list) -> None:
        self.out.writerow(values)

    def close(self, ok: bool) -> None:
        self.f.close()


class _XlsxOut:
    """A write-only workbook (constant memory): header frozen, columns sized."""

    def __init__(self, tmp: Path) -> None:
        from openpyxl import Workbook
        from openpyxl.utils import get_column_letter

        self.tmp = tmp
        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet("requests")
        self.ws.freeze_panes = "A2"
        for i, width in enumerate(WIDTHS, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = width

    def row(self, values: list) -> None:
        self.ws.append(values)

    def close(self, ok: bool) -> None:
        if ok:
            self.wb.save(self.tmp)


@dataclass
class ExportResult:
    path: Path | None
    rows: int
    total: int
    cancelled: bool = False


def export_requests(
    session: Session,
    *,
    actor: Actor,
    path: Path,
    flt: RequestFilter | None = None,
    lang: str = "zh",
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    personal: bool | None = None,
) -> ExportResult:
    """Write the requests matching ``flt`` (oldest first) to ``path``: as .xlsx or .docx
    when its suffix says so, else as CSV (needs ``request.read``; no phone or ID number).

    Personal data — the reporter's name, and phone or ID numbers typed into a title — is
    written only with ``export.personal`` (street administrators): ``personal=True`` asks
    for it (refused without that permission; the CLI's ``--personal``, the operator's
    confirmation), ``False`` strips it, ``None`` includes it exactly when the role may. A
    viewer's export never holds it."""
    check_any(session, actor, "request.read")
    if personal:
        check(session, actor, "export.personal")
    include_personal = allowed(session, actor, "export.personal") if personal is None else personal
    path = check_output_path(path)
    now = utcnow()
    # confined to the actor's places, as the list on screen is (issue 15)
    conditions = scoped_conditions(session, flt or RequestFilter(), actor, now=now)
    total = session.scalar(select(func.count()).select_from(Request).where(*conditions)) or 0
    en = lang == "en"
    places = dict(session.execute(select(Place.id, Place.name)).all())
    community_of = dict(session.execute(select(Place.id, Place.community_id)).all())
    categories = {c.id: (c.name_en if en else c.name_zh) for c in session.scalars(select(RequestCategory))}
    tmp = path.with_name(f".{path.name}.part")
    written = 0
    last_id = 0
    suffix = path.suffix.lower()
    if suffix == ".docx" and total > DOCX_LIMIT:
        raise DomainError("export.too_long_for_word", rows=total, max=DOCX_LIMIT)
    try:
        if suffix == ".docx":
            overdue = bool(flt is not None and flt.overdue)
            title = (("Overdue requests" if overdue else "Requests") if en
                     else ("超期诉求清单" if overdue else "诉求清单"))
            note = (f"{total} requests · as of {fmt_local(now)}" if en else f"共 {total} 件 · 截至 {fmt_local(now)}")
            out = _DocxOut(tmp, title, [note])
        else:
            out = _XlsxOut(tmp) if suffix == ".xlsx" else _CsvOut(tmp)
        ok = False
        try:
            out.row([en_name if en else zh_name for zh_name, en_name in COLUMNS])
            while True:
                if cancelled is not None and cancelled():
                    out.close(False)
                    tmp.unlink(missing_ok=True)
                    return ExportResult(path=None, rows=written, total=total, cancelled=True)
                batch = list(
                    session.scalars(
                        select(Request).where(*conditions, Request.id > last_id).order_by(Request.id).limit(BATCH)
                    )
                )
                if not batch:
                    break
                reporters = (_names(session, {r.reporter_id for r in batch if r.reporter_id and not r.anonymous})
                             if include_personal else {})
                for r in batch:
                    out.row([
                        r.ref,
                        Status(r.status).label(lang),
                        Channel(r.channel).label(lang),
                        r.external_id or "",
                        RequestType(r.type).label(lang),
                        categories.get(r.category_id, ""),
                        r.title if include_personal else scrub(r.title),
                        places.get(r.place_id, ""),
                        places.get(community_of.get(r.place_id), ""),
                        ("anonymous" if en else "匿名") if r.anonymous else (
                            reporters.get(r.reporter_id, "") if include_personal or not r.reporter_id
                            else ("(withheld)" if en else "（已隐去）")),
                        Priority(r.priority).label(lang),
                        fmt_local(r.created_at),
                        fmt_local(r.due_at),
                        ("yes" if en else "是") if is_overdue(r, now) else "",
                        fmt_local(r.resolved_at),
                    ])
                written += len(batch)
                last_id = batch[-1].id
                if progress is not None:
                    progress(written, total)
            ok = True
        finally:
            if not ok:
                out.close(False)
        out.close(True)
        if path.exists():  # appeared while we wrote: still never overwrite
            raise DomainError("export.exists", path=str(path))
        tmp.rename(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    with transaction(session):
        audit(session, actor, "request.export", "request", None, None,
              {"path": str(path), "rows": written, "filter": _filter_dict(flt), "personal": include_personal})
    return ExportResult(path=path, rows=written, total=total)


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())


def _filter_dict(flt: RequestFilter | None) -> dict:
    if flt is None:
        return {}
    return {k: (list(v) if isinstance(v, tuple | list) else v) for k, v in flt.__dict__.items() if v}


def _pct(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def export_rates(session: Session, *, actor: Actor, path: Path, group_by: str = "community",
                 period: str | None = None, settings=None, lang: str = "zh") -> ExportResult:
    """The three rates (response, resolution, satisfaction; docs/rates.md) grouped by
    ``group_by`` over ``period``, as a Word table to print (needs ``request.read``; the
    rates name no one). The same table as ``gongzhi stats rates --docx``."""
    from gongzhi.core.config import RateSettings
    from gongzhi.core.services import stats
    from gongzhi.core.services.word import write_table_docx

    check_any(session, actor, "request.read")
    path = check_output_path(path)
    if path.suffix.lower() != ".docx":
        raise DomainError("input.invalid", field="--output", value=str(path))
    weights = settings or RateSettings()
    start = end = None
    if period:
        start, end = stats.period_bounds(period)
    rows = stats.three_rates(session, group_by=group_by, start=start, end=end, settings=weights)
    labels = stats.group_labels(session, group_by, lang)
    en = lang == "en"
    headers = (["group", "received", "response", "resolution", "satisfaction", "score"] if en
               else ["分组", "受理", "响应率", "解决率", "满意率", "综合"])
    cells = [[labels.get(r.group_id, str(r.group_id)), r.received,
              f"{_pct(r.response_rate)} ({r.responded}/{r.base})", f"{_pct(r.resolution_rate)} ({r.resolved}/{r.base})",
              f"{_pct(r.satisfaction_rate)} ({r.satisfied}+{r.basically}/{r.rated})", _pct(r.score)] for r in rows]
    now = fmt_local(utcnow())
    notes = ([f"period: {period or 'all'}; as of {now}",
              f"score weights: response {weights.weight_response}, resolution {weights.weight_resolution}, "
              f"satisfaction {weights.weight_satisfaction}"] if en else
             [f"统计期间：{period or '全部'}；截至 {now}",
              f"综合得分权重：响应 {weights.weight_response}，解决 {weights.weight_resolution}，"
              f"满意 {weights.weight_satisfaction}"])
    written = write_table_docx(path, "Three rates" if en else "三率统计", notes, headers, cells)
    with transaction(session):
        audit(session, actor, "rates.export", "request", None, None,
              {"path": str(written), "rows": len(rows), "group_by": group_by, "period": period})
    return ExportResult(path=written, rows=len(rows), total=len(rows))
