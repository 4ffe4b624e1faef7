"""Writes go through a service, as in the core: validate, write, audit, commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.permissions import check
from gongzhi.core.services.base import (
    Actor,
    audit,
    optional_text,
    require_text,
    snapshot,
    transaction,
)
from gongzhi.core.services.places import get_place
from gongzhi_noticeboard.models import NoticeItem


def post_notice(
    session: Session, *, actor: Actor, title: str, body: str = "", place_id: int | None = None,
    request_id: int | None = None,
) -> NoticeItem:
    with transaction(session):
        check(session, actor, "noticeboard.post", place_id)  # declared in plugin.register_permissions
        if place_id is not None:
            get_place(session, place_id)
        item = NoticeItem(title=require_text(title, "title", max_len=200),
                          body=optional_text(body, "description", max_len=4000),
                          place_id=place_id, request_id=request_id, posted_by=actor.name)
        session.add(item)
        session.flush()
        audit(session, actor, "notice.post", "notice_item", item.id, None, snapshot(item))
    return item


def list_notices(session: Session, limit: int = 50) -> list[NoticeItem]:
    return list(session.scalars(select(NoticeItem).order_by(NoticeItem.id.desc()).limit(limit)))
