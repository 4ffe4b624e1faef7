"""Declared permissions, the roles that hold them, and the scope check (issue 15).

Every permission is declared here (the core's) or by a plugin through the
``register_permissions`` hook. A role grant is made on a place; an action on a
place is allowed when some grant of the actor holds the permission and the place
lies inside the granted place (the place tree's materialised ``path``). Actions
that concern no place (street-wide ones) need a grant on a root place (the street).

An actor without grants (``Actor.grants is None``) is the implicit local operator of
a database without accounts: ``street_admin`` on the street.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from gongzhi.core.errors import DomainError

if TYPE_CHECKING:
    from sqlmodel import Session

    from gongzhi.core.services.base import Actor

ROLES: tuple[str, ...] = (
    "street_admin",
    "community_secretary",
    "grid_worker",
    "facilitator",
    "property_secretary",
    "points_clerk",
    "viewer",
)

ROLE_TITLES: dict[str, tuple[str, str]] = {
    "street_admin": ("街道管理员", "street admin"),
    "community_secretary": ("社区书记", "community secretary"),
    "grid_worker": ("网格员", "grid worker"),
    "facilitator": ("议事主持人", "facilitator"),
    "property_secretary": ("物业党支部书记", "property secretary"),
    "points_clerk": ("积分管理员", "points clerk"),
    "viewer": ("只读用户", "viewer"),
}


@dataclass(frozen=True)
class Permission:
    name: str
    title_zh: str
    title_en: str
    roles: frozenset[str]
    source: str = "core"


_REGISTRY: dict[str, Permission] = {}


def declare(name: str, title_zh: str, title_en: str, roles: tuple[str, ...] | list[str] | set[str],
            *, source: str = "core") -> Permission:
    """Declare a permission and the roles that hold it (``street_admin`` always does)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise DomainError("input.invalid_choice", field="role", value=", ".join(sorted(unknown)),
                          choices=", ".join(ROLES))
    existing = _REGISTRY.get(name)
    if existing is not None and existing.source != source:
        raise DomainError("permission.duplicate", name=name, source=existing.source)
    perm = Permission(name, title_zh, title_en, frozenset(roles) | {"street_admin"}, source)
    _REGISTRY[name] = perm
    return perm


def registry() -> dict[str, Permission]:
    return dict(_REGISTRY)


def role_permissions(role: str) -> set[str]:
    return {p.name for p in _REGISTRY.values() if role in p.roles}


# who handles calls from residents (and so may look a caller up by full phone number)
CALL_HANDLERS = ("street_admin", "community_secretary", "grid_worker")

_CORE: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("person.read", "查看居民", "view people", ROLES),
    ("person.create", "登记居民", "add people", ("community_secretary", "grid_worker")),
    ("person.update", "修改居民", "edit people", ("community_secretary", "grid_worker")),
    ("person.reveal", "查看完整手机号和身份证号", "reveal phone and ID numbers",
     ("community_secretary", "grid_worker")),
    ("person.find_by_phone", "按完整手机号查找居民", "find people by full phone number", CALL_HANDLERS),
    ("person.care_tags", "查看关爱标签", "view care tags", ("community_secretary",)),
    ("request.read", "查看诉求", "view requests", ROLES),
    ("request.create", "登记诉求", "log requests", ("community_secretary", "grid_worker", "property_secretary")),
    ("request.update", "办理诉求", "work on requests", ("community_secretary", "grid_worker", "property_secretary")),
    ("request.dispatch", "派单与吹哨", "dispatch and whistle", ("community_secretary",)),
    ("request.close", "办结与关闭诉求", "resolve and close requests", ("community_secretary",)),
    ("place.manage", "管理地点", "manage places", ("community_secretary",)),
    ("org.manage", "管理组织与任职", "manage organisations and posts", ("community_secretary",)),
    ("category.manage", "管理诉求类别", "manage request categories", ()),
    ("operator.manage", "管理操作员", "manage operators", ()),
    ("audit.read", "查看审计日志", "read the audit log", ()),
    ("export.personal", "导出个人信息", "export personal data", ()),
]

for _name, _zh, _en, _roles in _CORE:
    declare(_name, _zh, _en, _roles)


@dataclass(frozen=True)
class Grant:
    role: str
    place_id: int
    path: str  # the granted place's materialised path, "/1/4/"


def place_path(session: Session, place_id: int | None) -> str | None:
    if place_id is None:
        return None
    from gongzhi.core.models.places import Place

    place = session.get(Place, place_id)
    if place is None:
        raise DomainError("place.not_found", ref=place_id)
    return place.path or f"/{place.id}/"


def allowed(session: Session, actor: Actor, permission: str, place_id: int | None = None) -> bool:
    """Whether ``actor`` may do ``permission`` on ``place_id`` (``None``: street-wide)."""
    if actor.grants is None:  # the implicit local operator: street_admin on the street
        return True
    perm = _REGISTRY.get(permission)
    if perm is None:
        raise DomainError("permission.unknown", name=permission)
    target = place_path(session, place_id)
    for g in actor.grants:
        if g.role not in perm.roles:
            continue
        if target is None:
            if g.path.count("/") == 2:  # granted on a root place: the street
                return True
        elif target.startswith(g.path):
            return True
    return False


def check(session: Session, actor: Actor, permission: str, place_id: int | None = None) -> None:
    """Refuse (``permission.denied``) unless :func:`allowed`."""
    if not allowed(session, actor, permission, place_id):
        perm = _REGISTRY[permission]
        raise DomainError("permission.denied", operator=actor.name, permission=perm.name,
                          what=perm.title_zh, what_en=perm.title_en)


def check_any(session: Session, actor: Actor, permission: str) -> None:
    """Refuse unless some grant of the actor holds ``permission``, wherever it is granted
    (for look-ups that are not about one place)."""
    perm = _REGISTRY.get(permission)
    if perm is None:
        raise DomainError("permission.unknown", name=permission)
    if actor.grants is None or any(g.role in perm.roles for g in actor.grants):
        return
    raise DomainError("permission.denied", operator=actor.name, permission=perm.name,
                      what=perm.title_zh, what_en=perm.title_en)


def has_role(actor: Actor, *roles: str) -> bool:
    return actor.grants is None or any(g.role in roles for g in actor.grants)
