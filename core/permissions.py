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

import functools
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from gongzhi.core.errors import DomainError

if TYPE_CHECKING:
    from sqlmodel import Session

    from gongzhi.core.models.places import Place
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
    ("place.read", "查看地点", "view places", ROLES),
    ("org.read", "查看组织与任职", "view organisations and posts", ROLES),
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


# -- reading: what an actor may see ---------------------------------------------------


def _holds(actor: Actor, permission: str) -> list[Grant] | None:
    """The actor's grants whose role holds ``permission``; ``None``: everywhere (a grant
    on the street, or the implicit local operator)."""
    if actor.grants is None:
        return None
    perm = _REGISTRY.get(permission)
    if perm is None:
        raise DomainError("permission.unknown", name=permission)
    grants = [g for g in actor.grants if g.role in perm.roles]
    if any(g.path.count("/") == 2 for g in grants):
        return None
    return grants


def _denied(actor: Actor, permission: str) -> DomainError:
    perm = _REGISTRY[permission]
    return DomainError("permission.denied", operator=actor.name, permission=perm.name,
                       what=perm.title_zh, what_en=perm.title_en)


@dataclass(frozen=True)
class Scope:
    """Where an actor may read: below any of ``paths`` (the granted places' paths).
    ``communities`` are the granted places that are communities (a list is confined to
    them through the indexed ``community_id``), ``below`` the others: nodes inside a
    community (a compound, a grid) or between the street and its communities.
    ``above`` are the ids of every place above a granted one (its ancestors: the way
    to one's own places is shown, not what else hangs from it)."""

    paths: tuple[str, ...]
    communities: tuple[int, ...]
    below: tuple[tuple[int, str, int | None], ...]  # (place id, path, its community id)
    above: tuple[int, ...]

    def covers(self, path: str | None) -> bool:
        return path is not None and any(path.startswith(p) for p in self.paths)

    def sees_place(self, place: Place) -> bool:
        """In scope, or on the way to it (an ancestor of a granted place)."""
        return self.covers(place.path or f"/{place.id}/") or place.id in self.above


def read_scope(session: Session, actor: Actor | None, permission: str) -> Scope | None:
    """Where ``actor`` may read rows under ``permission``: ``None`` everywhere (a street
    grant, the implicit local operator, or no actor: the services' own internal reads);
    refused (``permission.denied``) when no grant of the actor holds it at all."""
    if actor is None:
        return None
    grants = _holds(actor, permission)
    if grants is None:
        return None
    if not grants:
        raise _denied(actor, permission)
    from gongzhi.core.models.places import Place

    communities: list[int] = []
    below: list[tuple[int, str, int | None]] = []
    above: set[int] = set()
    for g in grants:
        place = session.get(Place, g.place_id)
        if place is None:
            continue
        if place.community_id == place.id:
            communities.append(place.id)
        else:
            below.append((place.id, g.path, place.community_id))
        above.update(int(x) for x in g.path.strip("/").split("/")[:-1] if x)
    return Scope(tuple(g.path for g in grants), tuple(sorted(set(communities))), tuple(below),
                 tuple(sorted(above)))


def check_read(session: Session, actor: Actor | None, permission: str, place_id: int | None, *,
               above: bool = False) -> None:
    """Refuse (``permission.denied``) a read of one row at ``place_id`` outside the
    actor's scope. A row at no place is street-wide: whoever holds the permission
    somewhere reads it (as row-level security lets every login see it). ``above``: a
    place above the scope (on the way to it) is readable too (places, organisations)."""
    scope = read_scope(session, actor, permission)
    if scope is None or place_id is None:
        return
    from gongzhi.core.models.places import Place

    place = session.get(Place, place_id)
    if place is None:
        raise DomainError("place.not_found", ref=place_id)
    if scope.sees_place(place) if above else scope.covers(place.path or f"/{place.id}/"):
        return
    assert actor is not None
    raise _denied(actor, permission)


# -- declared permissions of the services ---------------------------------------------


@dataclass(frozen=True)
class Requirement:
    """What a service function declares (:func:`requires`): the permission it checks and
    how: ``kind`` "action" (on the place ``place`` returns; ``None``: street-wide),
    "read" (one row at that place, refused outside the scope), or "list" (rows
    confined to the scope by the function itself; refused when the role holds the
    permission nowhere)."""

    permission: str
    kind: str
    place: Callable[[Session, dict[str, Any]], int | None] | None
    above: bool = False


# every decorated service: "module.function" → (the function, its requirement)
SERVICES: dict[str, tuple[Callable[..., Any], Requirement]] = {}

F = TypeVar("F", bound=Callable[..., Any])


def requires(permission: str, place: Callable[[Session, dict[str, Any]], int | None] | None = None, *,
             read: bool = False, confine: bool = False, above: bool = False) -> Callable[[F], F]:
    """Declare (and check) the permission a service function needs, before its body runs.

    ``place(session, args)`` names the place the call concerns from its arguments (by
    parameter name; ``None``: street-wide). ``read``: a read of one row there (outside
    the actor's scope refused; see :func:`check_read`); ``confine``: a list the body
    confines to :func:`read_scope` (refused only when no grant holds the permission).
    Otherwise an action: :func:`check`. Reads with ``actor=None`` are the services' own
    (unchecked); an action always needs an actor. The declaration is kept in
    :data:`SERVICES`, from which the permission matrix test is generated."""
    if read and confine:
        raise ValueError("a service reads one row or confines a list, not both")
    kind = "list" if confine else "read" if read else "action"
    req = Requirement(permission, kind, place, above)

    def decorate(fn: F) -> F:
        sig = inspect.signature(fn)
        if "actor" not in sig.parameters:
            raise TypeError(f"{fn.__qualname__}: a service that requires a permission takes an actor")

        by_position = sig.parameters["actor"].kind != inspect.Parameter.KEYWORD_ONLY

        @functools.wraps(fn)
        def wrapper(session: Session, *args: Any, **kwargs: Any) -> Any:
            actor = kwargs.get("actor")
            if actor is None and by_position and "actor" not in kwargs:
                actor = sig.bind_partial(session, *args, **kwargs).arguments.get("actor")
            if actor is None:
                if kind == "action":
                    raise DomainError("input.required", field="operator")
                return fn(session, *args, **kwargs)
            if kind == "list":
                read_scope(session, actor, permission)  # refuses an actor holding it nowhere
            else:
                bound = sig.bind(session, *args, **kwargs)
                bound.apply_defaults()
                place_id = place(session, bound.arguments) if place is not None else None
                if kind == "read":
                    check_read(session, actor, permission, place_id, above=above)
                else:
                    check(session, actor, permission, place_id)
            return fn(session, *args, **kwargs)

        wrapper.__requires__ = req  # type: ignore[attr-defined]
        SERVICES[f"{fn.__module__}.{fn.__name__}"] = (wrapper, req)
        return wrapper  # type: ignore[return-value]

    return decorate
