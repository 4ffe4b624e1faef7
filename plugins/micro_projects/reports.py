"""Documents of the micro-projects plugin: the publicity list (张榜公示) as Word for
the notice board and as Excel, the community's annual review (述职评议) as Word, the
fund report as Excel. Built from :mod:`.queries`; Chinese, as posted."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from sqlmodel import Session

from gongzhi.core.models.places import Place
from gongzhi.core.services.base import check_output_path
from gongzhi.plugins.micro_projects.models import VOCAB, ProjectStatus
from gongzhi.plugins.micro_projects.queries import annual_review, board, fund_report
from gongzhi.plugins.micro_projects.services import fmt_yuan, get_list, today

PUBLICITY_COLUMNS = ("编号", "项目名称", "项目内容", "责任单位", "责任人", "完成时限", "预期效果", "预算（元）")


def fmt_share(share: Fraction) -> str:
    """An exact share as a percentage with one decimal ("71.4%"), rounded half up."""
    tenths = int((share * 1000 + Fraction(1, 2)) // 1)
    return f"{tenths // 10}.{tenths % 10}%"


def _check_target(path: Path) -> Path:
    path = Path(path)
    path = check_output_path(path)  # refused before any work: exists, no folder, not writable
    return path


def publicity_rows(session: Session, list_id: int) -> tuple[str, str, list[tuple[str, ...]]]:
    """(title, period line, rows) of a list's publicity: the projects it promises."""
    plist = get_list(session, list_id)
    community = session.get(Place, plist.community_id)
    promised = {ProjectStatus.planned, ProjectStatus.in_progress, ProjectStatus.done, ProjectStatus.passed,
                ProjectStatus.redo}
    rows = [
        (r.code, r.name, r.content, r.responsible_org, r.responsible_person,
         r.deadline.isoformat() if r.deadline else "", r.expected_effect, fmt_yuan(r.budget))
        for r in board(session, plist.year, list_id=plist.id)
        if r.status in promised
    ]
    title = f"{community.name}{plist.year}年民生微实事清单（公示）"
    if plist.publicised_on and plist.publicity_until:
        period = f"公示期：{plist.publicised_on.isoformat()} 至 {plist.publicity_until.isoformat()}"
    else:
        period = "公示期：待定"
    return title, period, rows


def write_publicity_docx(session: Session, list_id: int, path: Path) -> Path:
    from docx import Document

    path = _check_target(path)
    title, period, rows = publicity_rows(session, list_id)
    doc = Document()
    doc.add_heading(title, level=1)
    doc.add_paragraph(period)
    table = doc.add_table(rows=1, cols=len(PUBLICITY_COLUMNS))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, PUBLICITY_COLUMNS, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    doc.add_paragraph(f"共 {len(rows)} 项。公示期内如有异议，请向社区党群服务中心或网格员反映。完成一件，销号一件。")
    doc.save(path)
    return path


def write_publicity_xlsx(session: Session, list_id: int, path: Path) -> Path:
    from openpyxl import Workbook

    path = _check_target(path)
    title, period, rows = publicity_rows(session, list_id)
    wb = Workbook()
    ws = wb.active
    ws.title = "公示清单"
    ws.append([title])
    ws.append([period])
    ws.append(list(PUBLICITY_COLUMNS))
    for row in rows:
        ws.append(list(row))
    wb.save(path)
    return path


def write_annual_review_docx(session: Session, community_id: int, year: int, path: Path,
                             on: date | None = None) -> Path:
    from docx import Document

    path = _check_target(path)
    review = annual_review(session, community_id, year, on or today())
    doc = Document()
    doc.add_heading(f"{review.community}{year}年民生微实事述职评议报告", level=1)
    summary = (
        ("承诺项目", str(review.promised)),
        ("按期完成", str(review.done_on_time)),
        ("逾期（逾期完成或逾期未完成）", str(review.late)),
        ("尚未完成", str(review.open)),
        ("其中逾期未完成", str(review.overdue)),
        ("测评通过", str(review.passed)),
        ("重新办理", str(review.redone)),
        ("参评人次", str(review.tally.total)),
        ("满意率（满意＋基本满意）", fmt_share(review.satisfaction) if review.tally.total else "—"),
    )
    table = doc.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for label, value in summary:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    doc.add_heading("项目明细", level=2)
    detail = doc.add_table(rows=1, cols=6)
    detail.style = "Table Grid"
    for cell, text in zip(detail.rows[0].cells, ("编号", "项目名称", "完成时限", "销号日期", "状态", "测评结论"),
                          strict=True):
        cell.text = text
    for r in review.rows:
        verdict = review.verdicts.get(r.id)
        cells = detail.add_row().cells
        cells[0].text, cells[1].text = r.code, r.name
        cells[2].text = r.deadline.isoformat() if r.deadline else ""
        cells[3].text = r.closed_on.isoformat() if r.closed_on else ""
        cells[4].text = ProjectStatus(r.status).label("zh")
        cells[5].text = "" if verdict is None else ("重新办理" if verdict else "通过")
    doc.save(path)
    return path


def write_fund_xlsx(session: Session, year: int, path: Path) -> Path:
    from openpyxl import Workbook

    path = _check_target(path)
    report = fund_report(session, year)
    wb = Workbook()
    ws = wb.active
    ws.title = "按社区"
    ws.append([f"{year}年民生微实事专项资金",
               f"总额 {fmt_yuan(report.total or 0)} 元", f"已分配 {fmt_yuan(report.allocated)} 元"])
    ws.append(["社区", "项目数", "预算（元）", "已分配（元）", "已支出（元）"])
    for line in report.by_community:
        _money_row(ws, [line.key, line.projects], line)
    ws2 = wb.create_sheet("按类别")
    ws2.append(["类别", "项目数", "预算（元）", "已分配（元）", "已支出（元）"])
    for line in report.by_category:
        _money_row(ws2, [VOCAB.text("Category", line.key, "zh"), line.projects], line)
    wb.save(path)
    return path


def _money_row(ws, head: list, line) -> None:
    """A fund line: money as numbers in yuan (exact: fen / 100 as a Decimal), shown with
    two decimals and thousands separators, so the sheet sums them."""
    ws.append([*head, *(Decimal(fen) / 100 for fen in (line.budget, line.allocated, line.spent))])
    for cell in ws[ws.max_row][len(head):]:
        cell.number_format = "#,##0.00"
