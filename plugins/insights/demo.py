"""The insights plugin's demo: segment the demo's requests (the bulk backfill) and
import the sample chat of 盛康园's residents' group (``data/sample_chat_shengkangyuan.txt``,
invented messages), moved so that it ends on the demo's last day. 高空抛物 is hot in
the chat and rare in the formal requests: it comes out as a flagged chat topic."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

SAMPLE_CHAT = Path(__file__).parent / "data" / "sample_chat_shengkangyuan.txt"
SAMPLE_LAST_DAY = date(2026, 10, 31)


def build_insights(db, *, actor, seed: int, scale: str) -> dict:
    from gongzhi.plugins.insights.models import InsightsDoc
    from gongzhi.plugins.insights.services import import_chat, sync_tokens

    out = sync_tokens(db)
    with db.session() as s:
        last = s.scalar(select(func.max(InsightsDoc.day)))
    shift = (last - SAMPLE_LAST_DAY).days if last else 0
    out["chat"] = import_chat(db, SAMPLE_CHAT, actor=getattr(actor, "name", str(actor)),
                              group_label="盛康园居民群（示例）", compound=None, shift_days=shift)
    return out
