"""Request categories: configurable, each with SLA hours per priority and a default department."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.requests import RequestCategory
from gongzhi.core.models.vocab import Priority
from gongzhi.core.permissions import requires
from gongzhi.core.services.base import Actor, audit, require_text, snapshot, transaction
from gongzhi.core.services.orgs import get_organisation

# (code, 中文, English, hours for low/normal/high/urgent)
DEFAULT_CATEGORIES: tuple[tuple[str, str, str, tuple[int, int, int, int]], ...] = (
    ("lighting", "照明设施", "street lighting", (240, 120, 48, 24)),
    ("safety_hazard", "安全隐患", "safety hazard", (72, 48, 24, 4)),
    ("high_rise_littering", "高空抛物", "objects thrown from height", (120, 72, 24, 8)),
    ("sanitation", "环境卫生", "sanitation", (120, 72, 24, 12)),
    ("facilities", "公共设施", "public facilities", (360, 240, 72, 24)),
    ("ebike_charging", "电动车充电", "e-bike charging", (360, 240, 72, 24)),
    ("access", "出行通道", "access and gates", (360, 240, 72, 24)),
    ("property_service", "物业服务", "property service", (240, 120, 48, 24)),
    ("neighbour_dispute", "邻里纠纷", "neighbour dispute", (240, 120, 48, 24)),
    ("elderly_care", "为老服务", "care for the elderly", (120, 72, 24, 8)),
    ("policy_consult", "政策咨询", "policy question", (120, 72, 48, 24)),
    ("other", "其他", "other", (240, 120, 48, 24)),
)


def sla_hours(category: RequestCategory, priority: str) -> int:
    return {
        Priority.low: category.sla_low,
        Priority.normal: category.sla_normal,
        Priority.high: category.sla_high,
        Priority.urgent: category.sla_urgent,
    }[Priority(priority)]


def get_category(session: Session, category_id: int) -> RequestCategory:
    category = session.get(RequestCategory, category_id)
    if category is None:
        raise DomainError("category.not_found", ref=category_id)
    return category


def find_category(session: Session, ref: str | int) -> RequestCategory:
    """A category by id, code or Chinese/English name."""
    if isinstance(ref, int) or str(ref).isdigit():
        return get_category(session, int(ref))
    text = str(ref).strip()
    for column in (RequestCategory.code, RequestCategory.name_zh, RequestCategory.name_en):
        found = session.scalar(select(RequestCategory).where(column == text))
        if found is not None:
            return found
    raise DomainError("category.not_found", ref=ref)


MAX_SLA_HOURS = 366 * 24


def _sla(values: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    if len(values) != 4 or any(not isinstance(v, int) or isinstance(v, bool) or v <= 0 for v in values):
        raise DomainError("category.invalid_sla", value=values)
    if any(v > MAX_SLA_HOURS for v in values):  # a time limit of a year at most (and no overflow)
        raise DomainError("input.out_of_range", field="sla", value=max(values), min=1, max=MAX_SLA_HOURS)
    return values


@requires("category.manage")
def create_category(
    session: Session,
    *,
    actor: Actor,
    code: str,
    name_zh: str,
    name_en: str,
    sla: tuple[int, int, int, int] = (240, 120, 48, 24),
    default_department_id: int | None = None,
    source: str = "core",
) -> RequestCategory:
    with transaction(session):
        code = require_text(code, "code", max_len=40)
        if session.scalar(select(RequestCategory.id).where(RequestCategory.code == code)) is not None:
            raise DomainError("category.duplicate", code=code)
        low, normal, high, urgent = _sla(tuple(sla))
        if default_department_id is not None:
            get_organisation(session, default_department_id)
        category = RequestCategory(
            code=code,
            name_zh=require_text(name_zh, "name_zh", max_len=60),
            name_en=require_text(name_en, "name_en", max_len=60),
            sla_low=low,
            sla_normal=normal,
            sla_high=high,
            sla_urgent=urgent,
            default_department_id=default_department_id,
            source=source,
        )
        session.add(category)
        session.flush()
        audit(session, actor, "category.create", "request_category", category.id, None, snapshot(category))
    return category


@requires("category.manage")
def update_category(
    session: Session,
    *,
    actor: Actor,
    category_id: int,
    sla: tuple[int, int, int, int] | None = None,
    default_department_id: int | None = None,
    active: bool | None = None,
) -> RequestCategory:
    with transaction(session):
        category = get_category(session, category_id)
        before = snapshot(category)
        if sla is not None:
            category.sla_low, category.sla_normal, category.sla_high, category.sla_urgent = _sla(tuple(sla))
        if default_department_id is not None:
            category.default_department_id = get_organisation(session, default_department_id).id
        if active is not None:
            category.active = active
        session.flush()
        audit(session, actor, "category.update", "request_category", category.id, before, snapshot(category))
    return category


def ensure_default_categories(session: Session, *, actor: Actor) -> int:
    """Add the default categories that are missing; returns how many were added."""
    existing = set(session.scalars(select(RequestCategory.code)))
    added = 0
    for code, zh, en, sla in DEFAULT_CATEGORIES:
        if code not in existing:
            create_category(session, actor=actor, code=code, name_zh=zh, name_en=en, sla=sla)
            added += 1
    return added


def list_categories(session: Session, *, active_only: bool = False) -> list[RequestCategory]:
    stmt = select(RequestCategory).order_by(RequestCategory.id)
    if active_only:
        stmt = stmt.where(RequestCategory.active.is_(True))
    return list(session.scalars(stmt))
