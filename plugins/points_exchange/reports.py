"""What the points exchange publishes: the month's public notice of earnings (积分公示),
leaderboards (积分排行榜) and the monthly report (积分月报), as data and as files
(Excel .xlsx, Word .docx, Markdown) with Chinese headers and a printable layout.

What counts (docs/points.md, "Public notice and reports"):

- An earning counts in the month it was recorded (the day of the work, as the caps
  count it), only when it is posted — at once, or pending and since approved — and
  not reversed (:func:`gongzhi.plugins.points_exchange.services.posted_earnings`). Pending
  earnings are left out; a reversed earning is left out entirely (net of reversals).
- The monthly report's flows (issued, redeemed, expired, adjusted) are the month's
  transfers that stand today (reversed ones left out); ``outstanding`` is what
  people held at the end of the month (every posted transfer until then, a later
  reversal not yet); stock is Σ stock moves until the end of the month, valued at
  today's prices.

Read-only: nothing here writes to the database. Files are never overwritten.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.types import LOCAL_TZ, local, utcnow
from gongzhi.core.models.vocab import Role
from gongzhi.core.services.base import check_output_path
from gongzhi.plugins.points_exchange import errors as _errors  # noqa: F401  (registers the codes)
from gongzhi.plugins.points_exchange.models import (
    RESIDENT,
    Account,
    AccountKind,
    Goods,
    Phase,
    Rule,
    StockMove,
    Transfer,
    TransferKind,
)
from gongzhi.plugins.points_exchange.services import (
    EARNER_ROLES,
    month_bounds,
    posted_earnings,
    year_bounds,
)

FORMATS = ("xlsx", "docx", "md")
LOW_STOCK = 5  # goods with fewer than this many in stock are "low"
# the roles a notice names (a person holding none of them is a resident)
WORKER_ROLES = ("grid_worker", "micro_grid_worker", "mobile_grid_worker", "volunteer")


# -- periods ------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A calendar month (``2026-03``) or year (``2026``), Asia/Shanghai, as UTC bounds."""

    label: str
    start: datetime
    end: datetime

    @property
    def title(self) -> str:
        if "-" in self.label:
            y, m = self.label.split("-")
            return f"{y}年{int(m)}月"
        return f"{self.label}年"


def parse_month(text: str | Period) -> Period:
    """``2026-03`` → the month; anything else is ``input.invalid``."""
    if isinstance(text, Period):
        return text
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
    if m is None or not 1 <= int(m.group(2)) <= 12 or int(m.group(1)) < 1900:
        raise DomainError("input.invalid", field="month", value=text)
    y, mo = int(m.group(1)), int(m.group(2))
    start, end = month_bounds(datetime(y, mo, 15, 12, tzinfo=LOCAL_TZ))
    return Period(f"{y:04d}-{mo:02d}", start, end)


def parse_period(text: str | Period) -> Period:
    """``2026`` (a year) or ``2026-03`` (a month)."""
    if isinstance(text, Period):
        return text
    m = re.fullmatch(r"\s*(\d{4})\s*", text or "")
    if m is None:
        if re.fullmatch(r"\s*\d{4}-\d{1,2}\s*", text or ""):
            return parse_month(text)
        raise DomainError("input.invalid", field="period", value=text)
    y = int(m.group(1))
    if y < 1900:
        raise DomainError("input.invalid", field="period", value=text)
    return Period(f"{y:04d}", *year_bounds(datetime(y, 6, 15, 12, tzinfo=LOCAL_TZ)))


# -- who people are -----------------------------------------------------------------


@dataclass(frozen=True)
class PersonInfo:
    name: str
    roles: tuple[str, ...]  # current worker roles (WORKER_ROLES order); empty = a resident
    community: str

    @property
    def role_label(self) -> str:
        if not self.roles:
            return "居民"
        return "、".join(Role(r).label("zh") for r in self.roles)


def people_info(session: Session, person_ids: list[int] | set[int]) -> dict[int, PersonInfo]:
    """Name, current worker roles and community of each person: the community of
    their home, else of the organisation they serve in."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    today = date.today()
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    roles: dict[int, set[str]] = defaultdict(set)
    org_place: dict[int, int] = {}
    for person_id, role, place_id in session.execute(
        select(Membership.person_id, Membership.role, Organisation.place_id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Membership.person_id.in_(ids),
            or_(Membership.end_date.is_(None), Membership.end_date > today),
        )
        .order_by(Membership.id)
    ):
        roles[person_id].add(role)
        if place_id is not None:
            org_place.setdefault(person_id, place_id)
    place_ids = {p.household_id for p in people.values() if p.household_id} | set(
        org_place.values()
    )
    places = (
        {pl.id: pl for pl in session.scalars(select(Place).where(Place.id.in_(place_ids)))}
        if place_ids
        else {}
    )
    community_ids = {pl.community_id for pl in places.values() if pl.community_id}
    community_names = (
        dict(session.execute(select(Place.id, Place.name).where(Place.id.in_(community_ids))).all())
        if community_ids
        else {}
    )
    out = {}
    for pid in ids:
        p = people.get(pid)
        if p is None:
            continue
        community = ""
        for place_id in (p.household_id, org_place.get(pid)):
            pl = places.get(place_id) if place_id else None
            if pl is not None and pl.community_id in community_names:
                community = community_names[pl.community_id]
                break
        out[pid] = PersonInfo(p.name, tuple(r for r in WORKER_ROLES if r in roles[pid]), community)
    return out


# -- the public notice ----------------------------------------------------------------


@dataclass(frozen=True)
class NoticeRow:
    person_id: int
    name: str
    role: str
    community: str
    by_rule: dict[str, int]  # rule code → points
    total: int


@dataclass(frozen=True)
class Notice:
    """A month's earnings by person: posted, net of reversals, pending left out."""

    period: Period
    rules: list[tuple[str, str]]  # (code, name) of the rules with earnings, in rule order
    rows: list[NoticeRow]
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    def rule_total(self, code: str) -> int:
        return sum(r.by_rule.get(code, 0) for r in self.rows)

    def as_json(self) -> dict[str, Any]:
        return {
            "month": self.period.label,
            "rules": [{"code": c, "name": n} for c, n in self.rules],
            "rows": [r.__dict__ for r in self.rows],
            "total": self.total,
            "generated_at": self.generated_at.isoformat(),
        }


def _rule_names(session: Session, codes: set[str]) -> list[tuple[str, str]]:
    """(code, name of the latest version), in the order the rules were first made."""
    if not codes:
        return []
    rows = session.execute(
        select(Rule.code, func.min(Rule.id), func.max(Rule.version))
        .where(Rule.code.in_(codes))
        .group_by(Rule.code)
    ).all()
    out = []
    for code, _first, version in sorted(rows, key=lambda r: r[1]):
        name = session.scalar(
            select(Rule.name_zh).where(Rule.code == code, Rule.version == version)
        )
        out.append((code, name or code))
    return out


def _earnings_by_person_rule(session: Session, period: Period) -> dict[int, dict[str, int]]:
    stmt = (
        select(Account.person_id, Rule.code, func.sum(Transfer.amount))
        .join(Account, Account.id == Transfer.credit_account_id)
        .join(Rule, Rule.id == Transfer.rule_id)
        .where(posted_earnings(period.start, period.end), Account.kind == AccountKind.person.value)
        .group_by(Account.person_id, Rule.code)
    )
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for person_id, code, amount in session.execute(stmt):
        out[person_id][code] = int(amount)
    return out


def month_notice(session: Session, month: str | Period) -> Notice:
    """The public notice (积分公示) of ``month`` (``YYYY-MM``): each person who earned,
    with name, role, community, points by rule and total; by community, then total."""
    period = parse_month(month)
    earnings = _earnings_by_person_rule(session, period)
    info = people_info(session, set(earnings))
    rules = _rule_names(session, {c for by in earnings.values() for c in by})
    rows = [
        NoticeRow(
            person_id=pid,
            name=info[pid].name,
            role=info[pid].role_label,
            community=info[pid].community,
            by_rule=dict(by),
            total=sum(by.values()),
        )
        for pid, by in earnings.items()
    ]
    rows.sort(key=lambda r: (r.community, -r.total, r.person_id))
    return Notice(period, rules, rows)


# -- leaderboards ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rank:
    rank: int
    person_id: int
    name: str
    role: str
    community: str
    total: int
    count: int  # earnings (transfers) that make the total


@dataclass(frozen=True)
class Leaderboard:
    period: Period
    role: str | None
    top: int
    rows: list[Rank]
    generated_at: datetime = field(default_factory=utcnow)

    def as_json(self) -> dict[str, Any]:
        return {
            "period": self.period.label,
            "role": self.role,
            "top": self.top,
            "rows": [r.__dict__ for r in self.rows],
            "generated_at": self.generated_at.isoformat(),
        }


def role_title(role: str | None) -> str:
    if role is None:
        return ""
    return "居民" if role == RESIDENT else Role(role).label("zh")


def leaderboard(
    session: Session, period: str | Period, *, role: str | None = None, top: int = 10
) -> Leaderboard:
    """The people who earned most in ``period`` (``YYYY`` or ``YYYY-MM``), posted and
    net of reversals; ranks shared on a tie (1, 2, 2, 4), everyone ranked ``top`` or
    better. ``role``: only holders of that role (``resident``: people holding none
    of the worker roles)."""
    period = parse_period(period)
    if role is not None and role not in EARNER_ROLES:
        raise DomainError(
            "input.invalid_choice", field="role", value=role, choices=", ".join(EARNER_ROLES)
        )
    if isinstance(top, bool) or not isinstance(top, int) or top <= 0:
        raise DomainError("points.invalid_quantity", value=top)
    totals = session.execute(
        select(Account.person_id, func.sum(Transfer.amount), func.count(Transfer.id))
        .join(Account, Account.id == Transfer.credit_account_id)
        .where(posted_earnings(period.start, period.end), Account.kind == AccountKind.person.value)
        .group_by(Account.person_id)
    ).all()
    info = people_info(session, {pid for pid, _, _ in totals})
    if role is not None:
        if role == RESIDENT:
            keep = {pid for pid, i in info.items() if not i.roles}
        else:
            today = date.today()
            keep = set(
                session.scalars(
                    select(Membership.person_id).where(
                        Membership.person_id.in_(list(info) or [-1]),
                        Membership.role == role,
                        or_(Membership.end_date.is_(None), Membership.end_date > today),
                    )
                )
            )
        totals = [t for t in totals if t[0] in keep]
    ordered = sorted(totals, key=lambda t: (-int(t[1]), info[t[0]].name, t[0]))
    rows: list[Rank] = []
    for i, (pid, total, count) in enumerate(ordered):
        rank = rows[-1].rank if rows and rows[-1].total == int(total) else i + 1
        if rank > top:
            break
        rows.append(
            Rank(
                rank,
                pid,
                info[pid].name,
                info[pid].role_label,
                info[pid].community,
                int(total),
                int(count),
            )
        )
    return Leaderboard(period, role, top, rows)


# -- the monthly report ------------------------------------------------------------------


@dataclass(frozen=True)
class GoodsLine:
    goods_id: int
    name: str
    unit: str
    price: int
    stock: int  # at the end of the month
    value: int  # stock × today's price
    low: bool


@dataclass(frozen=True)
class MonthlyReport:
    """A month in figures (see the module docstring for what each counts)."""

    period: Period
    issued: int  # posted earnings recorded in the month, net of reversals
    earnings: int  # how many
    pending: int  # earnings recorded in the month still awaiting approval
    redeemed: int  # redemptions in the month, net of reversals
    redemptions: int
    expired: int
    adjusted: int  # manual grants less deductions, net of reversals
    outstanding: int  # what people held at the end of the month
    stock_value: int  # Σ stock × price
    by_rule: list[tuple[str, str, int]]  # (code, name, points issued)
    goods: list[GoodsLine]
    low_stock_below: int = LOW_STOCK
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def low_stock(self) -> list[GoodsLine]:
        return [g for g in self.goods if g.low]

    def as_json(self) -> dict[str, Any]:
        data = {k: v for k, v in self.__dict__.items() if k not in ("period", "goods", "by_rule")}
        data["month"] = self.period.label
        data["by_rule"] = [{"code": c, "name": n, "points": p} for c, n, p in self.by_rule]
        data["goods"] = [g.__dict__ for g in self.goods]
        data["low_stock"] = [g.name for g in self.low_stock]
        data["generated_at"] = self.generated_at.isoformat()
        return data


def _not_reversed():
    reversal = aliased(Transfer)
    return ~exists().where(reversal.reverses_id == Transfer.id)


def _flow(session: Session, period: Period, kind: TransferKind) -> tuple[int, int]:
    """Σ and count of ``kind`` transfers made in the month and not reversed."""
    total, count = session.execute(
        select(func.coalesce(func.sum(Transfer.amount), 0), func.count(Transfer.id)).where(
            Transfer.kind == kind.value,
            Transfer.phase == Phase.single.value,
            Transfer.created_at >= period.start,
            Transfer.created_at < period.end,
            _not_reversed(),
        )
    ).one()
    return int(total), int(count)


def monthly_report(session: Session, month: str | Period, *, low: int = LOW_STOCK) -> MonthlyReport:
    """The monthly report (积分月报) of ``month`` (``YYYY-MM``)."""
    period = parse_month(month)
    person = aliased(Account)
    issued, earnings = session.execute(
        select(func.coalesce(func.sum(Transfer.amount), 0), func.count(Transfer.id)).where(
            posted_earnings(period.start, period.end)
        )
    ).one()
    resolution = aliased(Transfer)
    pending = session.scalar(
        select(func.coalesce(func.sum(Transfer.amount), 0)).where(
            Transfer.kind == TransferKind.earn.value,
            Transfer.phase == Phase.pending.value,
            Transfer.created_at >= period.start,
            Transfer.created_at < period.end,
            ~exists().where(resolution.pending_id == Transfer.id),
        )
    )
    redeemed, redemptions = _flow(session, period, TransferKind.redeem)
    expired, _ = _flow(session, period, TransferKind.expiry)
    # adjustments: into a person's account (+) or out of it (−)
    adjusted = 0
    for side, sign in ((Transfer.credit_account_id, 1), (Transfer.debit_account_id, -1)):
        adjusted += sign * int(
            session.scalar(
                select(func.coalesce(func.sum(Transfer.amount), 0))
                .join(person, person.id == side)
                .where(
                    person.kind == AccountKind.person.value,
                    Transfer.kind == TransferKind.adjustment.value,
                    Transfer.created_at >= period.start,
                    Transfer.created_at < period.end,
                    _not_reversed(),
                )
            )
            or 0
        )
    # held by people at the end of the month: every posted movement until then
    outstanding = 0
    for side, sign in ((Transfer.credit_account_id, 1), (Transfer.debit_account_id, -1)):
        outstanding += sign * int(
            session.scalar(
                select(func.coalesce(func.sum(Transfer.amount), 0))
                .join(person, person.id == side)
                .where(
                    person.kind == AccountKind.person.value,
                    Transfer.phase.in_((Phase.single.value, Phase.post.value)),
                    Transfer.created_at < period.end,
                )
            )
            or 0
        )
    by_rule_points = dict(
        session.execute(
            select(Rule.code, func.sum(Transfer.amount))
            .join(Rule, Rule.id == Transfer.rule_id)
            .where(posted_earnings(period.start, period.end))
            .group_by(Rule.code)
        ).all()
    )
    by_rule = [
        (code, name, int(by_rule_points[code]))
        for code, name in _rule_names(session, set(by_rule_points))
    ]
    stock_at_end = dict(
        session.execute(
            select(StockMove.goods_id, func.sum(StockMove.quantity))
            .where(StockMove.created_at < period.end)
            .group_by(StockMove.goods_id)
        ).all()
    )
    goods = []
    for g in session.scalars(select(Goods).where(Goods.active.is_(True)).order_by(Goods.name)):
        stock = int(stock_at_end.get(g.id, 0) or 0)
        goods.append(GoodsLine(g.id, g.name, g.unit, g.price, stock, stock * g.price, stock < low))
    return MonthlyReport(
        period=period,
        issued=int(issued),
        earnings=int(earnings),
        pending=int(pending or 0),
        redeemed=redeemed,
        redemptions=redemptions,
        expired=expired,
        adjusted=adjusted,
        outstanding=outstanding,
        stock_value=sum(g.value for g in goods),
        by_rule=by_rule,
        goods=goods,
        low_stock_below=low,
    )


# -- documents ------------------------------------------------------------------------------


@dataclass
class TableBlock:
    caption: str
    header: list[str]
    rows: list[list[Any]]


@dataclass
class Document:
    """What a file says, whatever its format: a title, lines under it, tables, a footer."""

    title: str
    lines: list[str]
    tables: list[TableBlock]
    footer: list[str] = field(default_factory=list)


def _stamp(at: datetime) -> str:
    d = local(at)
    return f"制表日期：{d.year}年{d.month}月{d.day}日"


def notice_document(n: Notice, *, street: str = "") -> Document:
    header = ["序号", "姓名", "身份", "社区", *(name for _, name in n.rules), "合计"]
    rows: list[list[Any]] = [
        [i, r.name, r.role, r.community, *(r.by_rule.get(c, 0) for c, _ in n.rules), r.total]
        for i, r in enumerate(n.rows, 1)
    ]
    rows.append(["合计", "", "", "", *(n.rule_total(c) for c, _ in n.rules), n.total])
    return Document(
        title=f"{street}{n.period.title}积分公示",
        lines=[
            _stamp(n.generated_at),
            f"共 {len(n.rows)} 人获得积分 {n.total} 分（已入账，扣除冲正；待审核积分不列入）",
        ],
        tables=[TableBlock("", header, rows)],
        footer=["公示期 7 天。如有异议，请在公示期内向社区居委会反映。"],
    )


def leaderboard_document(b: Leaderboard, *, street: str = "") -> Document:
    who = role_title(b.role)
    return Document(
        title=f"{street}{b.period.title}{who}积分排行榜（前 {b.top} 名）",
        lines=[_stamp(b.generated_at), "按已入账积分排名（扣除冲正），积分相同者名次并列"],
        tables=[
            TableBlock(
                "",
                ["名次", "姓名", "身份", "社区", "积分", "获得次数"],
                [[r.rank, r.name, r.role, r.community, r.total, r.count] for r in b.rows],
            )
        ],
    )


def report_document(r: MonthlyReport, *, street: str = "") -> Document:
    summary = [
        ["本月发放积分（已入账，扣除冲正）", r.issued],
        ["本月发放笔数", r.earnings],
        ["待审核积分（未计入发放）", r.pending],
        ["本月兑换积分（扣除冲正）", r.redeemed],
        ["本月兑换笔数", r.redemptions],
        ["本月过期积分", r.expired],
        ["本月调整积分（增减相抵）", r.adjusted],
        ["月末居民持有积分", r.outstanding],
        ["月末库存价值（积分，按现价）", r.stock_value],
        [
            f"库存偏低的物品（少于 {r.low_stock_below}）",
            "、".join(g.name for g in r.low_stock) or "无",
        ],
    ]
    tables = [TableBlock("一、积分收支", ["项目", "数值"], summary)]
    if r.by_rule:
        tables.append(
            TableBlock(
                "二、按积分标准",
                ["积分标准", "积分"],
                [[name, points] for _, name, points in r.by_rule],
            )
        )
    tables.append(
        TableBlock(
            f"{'三' if r.by_rule else '二'}、爱心超市库存",
            ["物品", "单位", "积分价", "月末库存", "库存价值", "库存偏低"],
            [[g.name, g.unit, g.price, g.stock, g.value, "是" if g.low else ""] for g in r.goods],
        )
    )
    return Document(
        title=f"{street}{r.period.title}积分兑换月报",
        lines=[_stamp(r.generated_at)],
        tables=tables,
    )


def _width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _widths(t: TableBlock) -> list[int]:
    return [
        min(40, max(6, *(_width(row[i]) for row in [t.header, *t.rows])) + 2)
        for i in range(len(t.header))
    ]


def target(path: Path | str, fmt: str | None = None) -> tuple[Path, str]:
    """Where to write and in which format (from ``fmt``, else the file's suffix,
    else xlsx); refuses an existing file (``export.exists``) and a missing folder."""
    path = Path(path)
    if fmt is None:
        suffix = path.suffix.lower().lstrip(".")
        fmt = suffix if suffix in FORMATS else "xlsx"
    if fmt not in FORMATS:
        raise DomainError(
            "input.invalid_choice", field="--format", value=fmt, choices=", ".join(FORMATS)
        )
    path = check_output_path(path)  # refused before any work: exists, no folder, not writable
    return path, fmt


def write_document(doc: Document, path: Path | str, fmt: str | None = None) -> Path:
    """Write ``doc`` as .xlsx, .docx or Markdown; never overwrites."""
    path, fmt = target(path, fmt)
    if fmt == "xlsx":
        _to_xlsx(doc, path)
    elif fmt == "docx":
        _to_docx(doc, path)
    else:
        path.write_text(to_markdown(doc), encoding="utf-8")
    return path


def to_markdown(doc: Document) -> str:
    def cell(v: Any) -> str:
        return "" if v is None else str(v).replace("|", "\\|").replace("\n", " ")

    out = [f"# {doc.title}", ""]
    out += [f"{line}  " for line in doc.lines] + [""]
    for t in doc.tables:
        if t.caption:
            out += [f"## {t.caption}", ""]
        out.append("| " + " | ".join(cell(h) for h in t.header) + " |")
        out.append("|" + "---|" * len(t.header))
        out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in t.rows]
        out.append("")
    out += doc.footer
    return "\n".join(out).rstrip() + "\n"


def _to_xlsx(doc: Document, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "积分"
    ncols = max(len(t.header) for t in doc.tables)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    row = 1
    ws.cell(row, 1, doc.title).font = Font(bold=True, size=16)
    ws.cell(row, 1).alignment = Alignment(horizontal="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    ws.row_dimensions[row].height = 28
    for line in doc.lines:
        row += 1
        ws.cell(row, 1, line)
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncols)
    widths = [8] * ncols
    first_header = None
    for t in doc.tables:
        row += 1
        if t.caption:
            row += 1
            ws.cell(row, 1, t.caption).font = Font(bold=True, size=12)
        row += 1
        first_header = first_header or row
        for c, text in enumerate(t.header, 1):
            cell = ws.cell(row, c, text)
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor="DDDDDD")
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
        for values in t.rows:
            row += 1
            for c, value in enumerate(values, 1):
                cell = ws.cell(row, c, value)
                cell.border = border
                if isinstance(value, int):
                    cell.alignment = Alignment(horizontal="right")
        for i, w in enumerate(_widths(t)):
            widths[i] = max(widths[i], w)
    for line in doc.footer:
        row += 2
        ws.cell(row, 1, line)
    for i, w in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = w
    # printable: landscape when wide, one page wide, header row repeated on each page
    ws.page_setup.orientation = "landscape" if ncols > 6 else "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    if first_header is not None and len(doc.tables) == 1:
        ws.print_title_rows = f"{first_header}:{first_header}"
        ws.freeze_panes = ws.cell(first_header + 1, 1)
    wb.save(str(path))


def _to_docx(doc: Document, path: Path) -> None:
    from docx import Document as Docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    d = Docx()
    normal = d.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "宋体")
    if max(len(t.header) for t in doc.tables) > 6:
        section = d.sections[0]
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    heading = d.add_heading(doc.title, level=1)
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in doc.lines:
        d.add_paragraph(line)
    for t in doc.tables:
        if t.caption:
            d.add_heading(t.caption, level=2)
        table = d.add_table(rows=1, cols=len(t.header))
        table.style = "Table Grid"
        head = table.rows[0]
        # the header row repeats on every printed page
        head._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
        for cell, text in zip(head.cells, t.header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(str(text))
            run.bold = True
        for values in t.rows:
            for cell, value in zip(table.add_row().cells, values, strict=True):
                cell.text = "" if value is None else str(value)
                if isinstance(value, int):
                    cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for line in doc.footer:
        d.add_paragraph(line)
    d.save(str(path))


def street_name(session: Session) -> str:
    """The street's name for titles (empty when there is none)."""
    name = session.scalar(
        select(Place.name).where(Place.kind == "street").order_by(Place.id).limit(1)
    )
    return name or ""


def write_notice(
    session: Session, month: str | Period, path: Path | str, fmt: str | None = None
) -> Path:
    target(path, fmt)  # refuse before reading
    return write_document(
        notice_document(month_notice(session, month), street=street_name(session)), path, fmt
    )


def write_leaderboard(
    session: Session,
    period: str | Period,
    path: Path | str,
    fmt: str | None = None,
    *,
    role: str | None = None,
    top: int = 10,
) -> Path:
    target(path, fmt)
    board = leaderboard(session, period, role=role, top=top)
    return write_document(leaderboard_document(board, street=street_name(session)), path, fmt)


def write_report(
    session: Session, month: str | Period, path: Path | str, fmt: str | None = None
) -> Path:
    target(path, fmt)
    return write_document(
        report_document(monthly_report(session, month), street=street_name(session)), path, fmt
    )


def this_month() -> str:
    return local(utcnow()).strftime("%Y-%m")


__all__ = [
    "Document",
    "Leaderboard",
    "MonthlyReport",
    "Notice",
    "Period",
    "leaderboard",
    "leaderboard_document",
    "month_notice",
    "monthly_report",
    "notice_document",
    "parse_month",
    "parse_period",
    "people_info",
    "report_document",
    "target",
    "this_month",
    "to_markdown",
    "write_document",
    "write_leaderboard",
    "write_notice",
    "write_report",
]
