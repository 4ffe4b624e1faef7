"""The monthly report (.docx) for the street's meeting: hot words, rising topics with
their G², hot spots with their p-values, and the chat topics flagged. Built from
:mod:`.queries` (aggregates over stored tokens); Chinese, as filed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from gongzhi.core.services.base import check_output_path
from gongzhi.plugins.insights.queries import (
    ChatTopic,
    HotSpot,
    HotWord,
    Period,
    RisingTopic,
    chat_topics,
    hot_spots,
    hot_words,
    rising_topics,
)


@dataclass
class MonthReport:
    period: Period
    words: list[HotWord]
    rising: list[RisingTopic]
    spots: list[HotSpot]
    chat: list[ChatTopic] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"period": self.period.label, "words": [w.as_dict() for w in self.words],
                "rising": [r.as_dict() for r in self.rising], "hotspots": [h.as_dict() for h in self.spots],
                "chat_flagged": [c.as_dict() for c in self.chat]}


def month_report(session: Session, period: Period, *, words: int = 20) -> MonthReport:
    spots = [h for h in hot_spots(session, period) if h.flagged]
    return MonthReport(period, hot_words(session, period, limit=words), rising_topics(session, period), spots,
                       [c for c in chat_topics(session) if c.flagged])


def write_month_docx(report: MonthReport, path: Path) -> Path:
    from docx import Document

    path = Path(path)
    path = check_output_path(path)  # refused before any work: exists, no folder, not writable
    doc = Document()
    doc.add_heading(f"民意数据库月度分析（{report.period.label}）", level=1)
    doc.add_paragraph("高频词按 TF-IDF 加权；上升话题用对数似然比 G² 检验（G² ≥ 10.83 即 p < 0.001，且本月至少 5 件）；"
                      "集中点用单侧泊松检验（按每千居民诉求数，Bonferroni 校正后 α = 0.05）。")

    def table(title: str, header: tuple[str, ...], rows: list[tuple]) -> None:
        doc.add_heading(title, level=2)
        if not rows:
            doc.add_paragraph("（无）")
            return
        t = doc.add_table(rows=1, cols=len(header))
        t.style = "Table Grid"
        for cell, text in zip(t.rows[0].cells, header, strict=True):
            cell.text = text
        for row in rows:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = str(value)

    table("一、高频词", ("词", "次数", "诉求件数", "权重"), [(w.term, w.count, w.requests, w.score) for w in report.words])
    table("二、上升话题", ("词", "本月", "上月", "G²"),
          [(r.term, f"{r.now}/{r.now_total}", f"{r.before}/{r.before_total}", r.g2) for r in report.rising])
    table("三、集中点", ("小区", "诉求", "居民", "每千人", "期望", "p 值"),
          [(h.compound, h.requests, h.residents, h.per_1000, h.expected, f"{h.p_value:.2g}") for h in report.spots])
    table("四、群聊热议、正式诉求少的话题", ("话题", "群消息", "同期诉求", "G²"),
          [(c.term, f"{c.chat_messages}/{c.chat_total}", f"{c.requests}/{c.requests_total}", c.g2) for c in report.chat])
    doc.save(path)
    return path
