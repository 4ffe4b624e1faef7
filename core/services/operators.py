"""Operator accounts, role grants and login sessions (issue 15).

Passwords are kept as argon2id hashes (argon2-cffi). A login returns a random token;
the database keeps only its sha256, with an expiry. Failed logins are counted per
account and audited; after ``MAX_FAILURES`` in a row the account is locked for
``LOCK_MINUTES``. A database without accounts has one implicit local operator
(``street_admin`` on the street): :func:`has_operators` tells the two apart.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlmodel import Session

from gongzhi.core.errors import DomainError
from gongzhi.core.models.operators import Operator, OperatorRole, OperatorSession
from gongzhi.core.models.places import Place
from gongzhi.core.models.types import utcnow
from gongzhi.core.permissions import ROLES, Grant, check
from gongzhi.core.services.base import Actor, audit, choice_of, require_text, transaction

MAX_FAILURES = 5
LOCK_MINUTES = 15
SESSION_HOURS = 12
MIN_PASSWORD = 8
_LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,49}")
_hasher = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the login is unknown: the same time either way.
    Made on the first such login, not at import: argon2 takes 64 MB and a tenth of a
    second, and every start of the app imports this module (has_operators_safe)."""
    return _hasher.hash("not a password of anyone")


def has_operators(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(Operator)))


def get_operator(session: Session, login: str) -> Operator:
    op = session.scalar(select(Operator).where(Operator.login == (login or "").strip()))
    if op is None:
        raise DomainError("operator.not_found", ref=login)
    return op


def _check_password(password: str) -> str:
    if len(password or "") < MIN_PASSWORD:
        raise DomainError("operator.weak_password", min=MIN_PASSWORD)
    if len(password) > 1000:
        raise DomainError("input.too_long", field="password", max=1000, length=len(password))
    return password


def _manage(session: Session, actor: Actor) -> None:
    # the first account is made by the local operator of a database without accounts
    check(session, actor, "operator.manage")


def _view(op: Operator) -> dict:
    return {"login": op.login, "display_name": op.display_name, "disabled": op.disabled}


def create_operator(session: Session, *, actor: Actor, login: str, display_name: str, password: str) -> Operator:
    with transaction(session):
        _manage(session, actor)
        login = (login or "").strip()
        if not _LOGIN.fullmatch(login):
            raise DomainError("operator.invalid_login", value=login)
        if session.scalar(select(Operator).where(Operator.login == login)) is not None:
            raise DomainError("operator.duplicate", login=login)
        op = Operator(login=login, display_name=require_text(display_name, "name", max_len=100),
                      password_hash=_hasher.hash(_check_password(password)))
        session.add(op)
        session.flush()
        audit(session, actor, "operator.create", "operator", op.id, None, _view(op))
    return op


def set_disabled(session: Session, *, actor: Actor, login: str, disabled: bool = True) -> Operator:
    with transaction(session):
        _manage(session, actor)
        op = get_operator(session, login)
        before = _view(op)
        op.disabled = disabled
        if disabled:  # end every open session of the account
            for s in session.scalars(select(OperatorSession).where(
                    OperatorSession.operator_id == op.id, OperatorSession.ended_at.is_(None))):
                s.ended_at = utcnow()
        audit(session, actor, "operator.disable" if disabled else "operator.enable", "operator", op.id,
              before, _view(op))
    return op


def set_password(session: Session, *, actor: Actor, login: str, password: str) -> Operator:
    """A new password: by an operator manager, or by the account itself."""
    with transaction(session):
        op = get_operator(session, login)
        if actor.operator_id != op.id:
            _manage(session, actor)
        op.password_hash = _hasher.hash(_check_password(password))
        op.failed_attempts, op.locked_until = 0, None
        audit(session, actor, "operator.passwd", "operator", op.id, None, {"login": op.login})
    return op


def grant_role(session: Session, *, actor: Actor, login: str, role: str, place_id: int) -> OperatorRole:
    with transaction(session):
        _manage(session, actor)
        op = get_operator(session, login)
        role = choice_of(ROLES, role, "role")
        if session.get(Place, place_id) is None:
            raise DomainError("place.not_found", ref=place_id)
        row = session.scalar(select(OperatorRole).where(OperatorRole.operator_id == op.id,
                                                        OperatorRole.role == role,
                                                        OperatorRole.place_id == place_id))
        if row is None:
            row = OperatorRole(operator_id=op.id, role=role, place_id=place_id)
            session.add(row)
            session.flush()
            audit(session, actor, "operator.grant", "operator", op.id, None,
                  {"login": op.login, "role": role, "place_id": place_id})
    return row


@dataclass
class OperatorLine:
    login: str
    display_name: str
    disabled: bool
    locked_until: datetime | None
    roles: list[tuple[str, int, str]]  # (role, place id, place name)


def list_operators(session: Session) -> list[OperatorLine]:
    out = []
    for op in session.scalars(select(Operator).order_by(Operator.login)):
        roles = [(r.role, p.id, p.name) for r, p in session.execute(
            select(OperatorRole, Place).join(Place, Place.id == OperatorRole.place_id)
            .where(OperatorRole.operator_id == op.id).order_by(OperatorRole.id)).all()]
        out.append(OperatorLine(op.login, op.display_name, op.disabled, op.locked_until, roles))
    return out


def grants_of(session: Session, operator_id: int) -> tuple[Grant, ...]:
    rows = session.execute(
        select(OperatorRole.role, Place.id, Place.path)
        .join(Place, Place.id == OperatorRole.place_id)
        .where(OperatorRole.operator_id == operator_id)
        .order_by(OperatorRole.id)
    ).all()
    return tuple(Grant(role, pid, path or f"/{pid}/") for role, pid, path in rows)


def actor_of(session: Session, op: Operator) -> Actor:
    return Actor(op.login, operator_id=op.id, grants=grants_of(session, op.id), display_name=op.display_name)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def login(session: Session, login: str, password: str, *, now: datetime | None = None,
          hours: int = SESSION_HOURS) -> tuple[str, Operator]:
    """Check the password; a new session token (only its hash is stored) or DomainError.

    Every failure is audited and committed, even though the login is refused."""
    now = now or utcnow()
    login = (login or "").strip()
    op = session.scalar(select(Operator).where(Operator.login == login))
    system = Actor(f"login:{login[:80]}" if login else "login:-")
    if op is None:
        with contextlib.suppress(VerificationError):  # as slow as a real check
            _hasher.verify(_dummy_hash(), password or "")
        with transaction(session):
            audit(session, system, "operator.login_failed", "operator", None, None, {"login": login[:80]})
        raise DomainError("auth.failed")
    if op.disabled:
        with transaction(session):
            audit(session, system, "operator.login_failed", "operator", op.id, None, {"reason": "disabled"})
        raise DomainError("auth.disabled", login=op.login)
    if op.locked_until is not None and op.locked_until > now:
        with transaction(session):
            audit(session, system, "operator.login_failed", "operator", op.id, None, {"reason": "locked"})
        raise DomainError("auth.locked", login=op.login, until=op.locked_until.isoformat(timespec="minutes"))
    try:
        _hasher.verify(op.password_hash, password or "")
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        with transaction(session):
            op.failed_attempts += 1
            after = {"reason": "password", "failed_attempts": op.failed_attempts}
            if op.failed_attempts >= MAX_FAILURES:
                op.locked_until = now + timedelta(minutes=LOCK_MINUTES)
                op.failed_attempts = 0
                after["locked_until"] = op.locked_until.isoformat()
            audit(session, system, "operator.login_failed", "operator", op.id, None, after)
        raise DomainError("auth.failed") from None
    token = secrets.token_urlsafe(32)
    with transaction(session):
        op.failed_attempts, op.locked_until = 0, None
        if _hasher.check_needs_rehash(op.password_hash):
            op.password_hash = _hasher.hash(password)
        session.add(OperatorSession(operator_id=op.id, token_hash=_token_hash(token), created_at=now,
                                    expires_at=now + timedelta(hours=hours)))
        audit(session, Actor(op.login, operator_id=op.id), "operator.login", "operator", op.id, None, None)
    return token, op


def actor_from_token(session: Session, token: str | None, *, now: datetime | None = None) -> Actor:
    """The actor a session token stands for, or ``auth.login_required`` / ``auth.session_expired``."""
    if not token:
        raise DomainError("auth.login_required")
    row = session.scalar(select(OperatorSession).where(OperatorSession.token_hash == _token_hash(token)))
    if row is None or row.ended_at is not None:
        raise DomainError("auth.login_required")
    if row.expires_at <= (now or utcnow()):
        raise DomainError("auth.session_expired")
    op = session.get(Operator, row.operator_id)
    if op is None or op.disabled:
        raise DomainError("auth.login_required")
    return actor_of(session, op)


def logout(session: Session, token: str | None) -> bool:
    if not token:
        return False
    with transaction(session):
        row = session.scalar(select(OperatorSession).where(OperatorSession.token_hash == _token_hash(token)))
        if row is None or row.ended_at is not None:
            return False
        row.ended_at = utcnow()
        op = session.get(Operator, row.operator_id)
        audit(session, Actor(op.login if op else "-", operator_id=row.operator_id), "operator.logout",
              "operator", row.operator_id, None, None)
    return True


def has_operators_safe(session: Session) -> bool:
    """:func:`has_operators`, or ``False`` on a database from before the accounts (no table)."""
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table("operator"):
        return False
    return has_operators(session)
