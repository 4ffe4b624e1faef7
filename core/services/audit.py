"""Reading the audit log (street_admin only: ``audit.read``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.models.audit import AuditLog
from gongzhi.core.permissions import requires
from gongzhi.core.services.base import Actor, optional_text


@requires("audit.read")
def list_audit(
    session: Session,
    *,
    actor: Actor,
    who: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Audit rows, newest first; ``action`` matches a whole action or a prefix ending in
    ``.`` (``person.`` is every person action); ``until`` is exclusive."""
    stmt = select(AuditLog)
    if who:
        stmt = stmt.where(AuditLog.actor == optional_text(who, "operator", max_len=100))
    if action:
        action = optional_text(action, "action", max_len=60)
        stmt = stmt.where(AuditLog.action.startswith(action, autoescape=True) if action.endswith(".")
                          else AuditLog.action == action)
    if entity:
        stmt = stmt.where(AuditLog.entity == optional_text(entity, "entity", max_len=60))
    if entity_id is not None:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if since is not None:
        stmt = stmt.where(AuditLog.at >= since)
    if until is not None:
        stmt = stmt.where(AuditLog.at < until)
    rows = session.scalars(stmt.order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit))
    return [
        {"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "entity": r.entity,
         "entity_id": r.entity_id, "before": r.before, "after": r.after}
        for r in rows
    ]
