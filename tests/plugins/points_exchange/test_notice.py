"""The public notice, the leaderboards and the monthly report, on SQLite and
PostgreSQL: posted earnings only, net of reversals, pending left out; the files
opened back (openpyxl, python-docx) and their cells checked; the report's
figures against the ledger."""

from __future__ import annotations

from datetime import datetime

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import select

from gongzhi.core.errors import DomainError
from gongzhi.core.models.types import LOCAL_TZ
from gongzhi.plugins.points_exchange import reports
from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.models import Account, AccountKind, Goods


def _at(day: int, month: int = 3, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=LOCAL_TZ)


@pytest.fixture
def march(site, street, clerk, checker):
    """March 2026: 王芳 volunteers twice (one of them reversed) and has a suggestion
    approved and one pending; 李娜 volunteers once and has a suggestion voided; the
    grid worker reports 3 times and mediates (approved); the rider reports once on
    31 March at 23:30 local (still March) and once on 1 April (not March)."""
    wang, li, _zhao = street.residents
    with site.db.session() as s:

        def earn(person, code, day, month=3, hour=10, **kw):
            return svc.earn(
                s, actor=clerk, person_id=person, rule_code=code, at=_at(day, month, hour), **kw
            ).transfer

        earn(wang, "resident_volunteer", 2)
        wrong = earn(wang, "resident_volunteer", 3)
        svc.reverse(s, actor=checker, transfer_id=wrong.id, at=_at(4))
        ok = earn(wang, "resident_suggestion", 5)
        svc.approve(s, actor=checker, transfer_id=ok.id, at=_at(20))
        earn(wang, "resident_suggestion", 28)  # still pending
        earn(li, "resident_volunteer", 6)
        no = earn(li, "resident_suggestion", 6)
        svc.void(s, actor=checker, transfer_id=no.id, at=_at(7))
        earn(street.grid_worker, "grid_report", 10, quantity=3)
        med = earn(street.grid_worker, "grid_mediation", 11)
        svc.approve(s, actor=checker, transfer_id=med.id, at=_at(2, month=4))  # approved in April
        earn(street.rider, "rider_report", 31, hour=23)
        earn(street.rider, "rider_report", 1, month=4)
    return street


def test_the_notice_counts_posted_earnings_net_of_reversals(site, march) -> None:
    wang, li, zhao = march.residents
    with site.db.read_session() as s:
        n = reports.month_notice(s, "2026-03")
    by_person = {r.person_id: r for r in n.rows}
    assert set(by_person) == {wang, li, march.grid_worker, march.rider}  # 赵敏 earned nothing
    assert by_person[wang].by_rule == {"resident_volunteer": 10, "resident_suggestion": 10}
    assert by_person[wang].total == 20  # the reversed 10 and the pending 10 are not there
    assert by_person[li].by_rule == {"resident_volunteer": 10}  # the voided one is not there
    assert by_person[march.grid_worker].by_rule == {"grid_report": 15, "grid_mediation": 20}
    assert by_person[march.grid_worker].role == "微网格员"
    assert by_person[march.grid_worker].community == "盛福园社区"
    assert by_person[march.rider].by_rule == {"rider_report": 5}
    assert by_person[march.rider].role == "流动网格员"
    assert by_person[wang].role == "居民"
    assert n.total == 20 + 10 + 35 + 5
    assert [c for c, _ in n.rules] == [
        "grid_report",
        "rider_report",
        "grid_mediation",
        "resident_volunteer",
        "resident_suggestion",
    ]
    with site.db.read_session() as s:
        april = reports.month_notice(s, "2026-04")
        assert [(r.person_id, r.total) for r in april.rows] == [(march.rider, 5)]
        assert reports.month_notice(s, "2026-02").rows == []


def test_the_notice_as_excel_word_and_markdown(site, march, tmp_path) -> None:
    with site.db.read_session() as s:
        xlsx = reports.write_notice(s, "2026-03", tmp_path / "notice.xlsx")
        docx = reports.write_notice(s, "2026-03", tmp_path / "notice.docx")
        md = reports.write_notice(s, "2026-03", tmp_path / "notice.md")
    name = "王芳"  # street.residents[0]

    ws = load_workbook(xlsx).active
    assert ws["A1"].value == "青源街道2026年3月积分公示"
    cells = [[c.value for c in row] for row in ws.iter_rows()]
    header_at = next(i for i, row in enumerate(cells) if row[0] == "序号")
    header = cells[header_at]
    assert header[:4] == ["序号", "姓名", "身份", "社区"] and header[-1] == "合计"
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in cells[header_at + 1 :] if row[1]}
    assert rows[name]["参与志愿服务"] == 10 and rows[name]["提出合理化建议"] == 10
    assert rows[name]["合计"] == 20
    assert rows["张建国"]["上报信息"] == 15 and rows["张建国"]["化解矛盾纠纷"] == 20
    total_row = next(row for row in cells[header_at + 1 :] if row[0] == "合计")
    assert total_row[-1] == 70
    # printable: borders, widths, landscape (9 columns), the header repeated on each page
    assert ws.cell(header_at + 2, 2).border.left.style == "thin"
    assert ws.column_dimensions["B"].width >= 8
    assert ws.page_setup.orientation == "landscape"
    assert ws.print_title_rows is not None

    table = Document(str(docx)).tables[0]
    texts = [[c.text for c in row.cells] for row in table.rows]
    assert texts[0][:2] == ["序号", "姓名"] and texts[0][-1] == "合计"
    mine = next(row for row in texts if row[1] == name)
    assert dict(zip(texts[0], mine, strict=True))["合计"] == "20"
    assert texts[-1][0] == "合计" and texts[-1][-1] == "70"
    assert any("2026年3月积分公示" in p.text for p in Document(str(docx)).paragraphs)

    text = md.read_text(encoding="utf-8")
    assert text.startswith("# 青源街道2026年3月积分公示") and "| 20 |" in text

    # never overwritten
    before = xlsx.read_bytes()
    with site.db.read_session() as s, pytest.raises(DomainError) as exc:
        reports.write_notice(s, "2026-03", xlsx)
    assert exc.value.code == "export.exists" and xlsx.read_bytes() == before
    with site.db.read_session() as s, pytest.raises(DomainError) as exc:
        reports.write_notice(s, "2026-13", tmp_path / "bad.xlsx")
    assert exc.value.code == "input.invalid" and not (tmp_path / "bad.xlsx").exists()


def test_leaderboards_rank_ties_together_and_filter_by_role(site, march, clerk) -> None:
    wang, li, zhao = march.residents
    with site.db.session() as s:
        svc.earn(s, actor=clerk, person_id=zhao, rule_code="resident_volunteer", at=_at(9))
        svc.earn(s, actor=clerk, person_id=zhao, rule_code="resident_volunteer", at=_at(9, hour=11))
    with site.db.read_session() as s:
        board = reports.leaderboard(s, "2026-03")
        year = reports.leaderboard(s, "2026", top=2)
        residents = reports.leaderboard(s, "2026", role="resident")
        grid = reports.leaderboard(s, "2026-03", role="micro_grid_worker")
    assert [r.total for r in board.rows] == [35, 20, 20, 10, 5]
    ranks = {r.person_id: r.rank for r in board.rows}
    assert ranks == {march.grid_worker: 1, wang: 2, zhao: 2, li: 4, march.rider: 5}
    assert {r.person_id: r.count for r in board.rows}[march.grid_worker] == 2
    # the year: the rider's April report counts; top 2 keeps everyone tied with second place
    assert [(r.rank, r.total) for r in year.rows] == [(1, 35), (2, 20), (2, 20)]
    assert {r.person_id for r in residents.rows} == {wang, li, zhao}
    assert [r.person_id for r in grid.rows] == [march.grid_worker]
    with site.db.read_session() as s, pytest.raises(DomainError) as exc:
        reports.leaderboard(s, "2026", role="mayor")
    assert exc.value.code == "input.invalid_choice"
    with site.db.read_session() as s, pytest.raises(DomainError) as exc:
        reports.leaderboard(s, "26")
    assert exc.value.code == "input.invalid"


def _held_by_people(s) -> int:
    return sum(
        a.balance
        for a in s.scalars(select(Account).where(Account.kind == AccountKind.person.value))
    )


def test_the_monthly_report_matches_the_ledger(site, street, clerk, checker) -> None:
    """This month (so that "held at the end of the month" is today's balances)."""
    wang, li, _ = street.residents
    month = reports.this_month()
    with site.db.session() as s:
        for person in (wang, li):
            svc.earn(s, actor=clerk, person_id=person, rule_code="resident_volunteer")
            svc.earn(s, actor=clerk, person_id=person, rule_code="resident_volunteer")
        svc.earn(s, actor=clerk, person_id=street.grid_worker, rule_code="grid_report", quantity=4)
        pending = svc.earn(s, actor=clerk, person_id=wang, rule_code="resident_suggestion")
        r1 = svc.redeem(s, actor=clerk, person_id=wang, items=[(street.soap, 2, 5)]).transfer
        r2 = svc.redeem(s, actor=clerk, person_id=li, items=[(street.rice, 1, 20)]).transfer
        svc.reverse(s, actor=checker, transfer_id=r2.id)  # the rice goes back
        svc.adjust(s, actor=checker, person_id=li, amount=-3, note="多记了")
        svc.restock(s, actor=clerk, goods_id=street.soap, quantity=1, kind="purchase")
    with site.db.read_session() as s:
        r = reports.monthly_report(s, month)
        goods = list(s.scalars(select(Goods).where(Goods.active.is_(True))))
        assert r.issued == 10 * 4 + 20 and r.earnings == 5
        assert r.pending == pending.transfer.amount == 10
        assert r.redeemed == r1.amount == 10 and r.redemptions == 1
        assert r.adjusted == -3 and r.expired == 0
        assert r.outstanding == _held_by_people(s) == 60 - 10 - 3
        assert r.stock_value == sum(g.stock * g.price for g in goods) == 9 * 5 + 1 * 20
        assert [g.name for g in r.low_stock] == [g.name for g in svc.list_goods(s, below=5)]
        assert [g.name for g in r.low_stock] == ["大米"]
        assert {c: p for c, _, p in r.by_rule} == {"resident_volunteer": 40, "grid_report": 20}
        # before anything happened: nothing held, no stock
        empty = reports.monthly_report(s, "2020-01")
        assert (empty.issued, empty.outstanding, empty.stock_value) == (0, 0, 0)
        data = r.as_json()
        assert data["low_stock"] == ["大米"] and data["month"] == month


def test_the_report_as_excel_and_word(site, street, clerk, tmp_path) -> None:
    with site.db.session() as s:
        svc.earn(s, actor=clerk, person_id=street.residents[0], rule_code="resident_volunteer")
    month = reports.this_month()
    with site.db.read_session() as s:
        xlsx = reports.write_report(s, month, tmp_path / "report.xlsx")
        docx = reports.write_report(s, month, tmp_path / "report.docx")
    cells = {
        row[0].value: row[1].value for row in load_workbook(xlsx).active.iter_rows() if row[0].value
    }
    assert cells["本月发放积分（已入账，扣除冲正）"] == 10
    assert cells["月末库存价值（积分，按现价）"] == 10 * 5 + 1 * 20
    assert cells["库存偏低的物品（少于 5）"] == "大米"
    tables = Document(str(docx)).tables
    assert tables[0].rows[0].cells[0].text == "项目"
    stock = {row.cells[0].text: row.cells[3].text for row in tables[-1].rows}
    assert stock["香皂"] == "10" and stock["大米"] == "1"
