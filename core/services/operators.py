"""Operator accounts, role grants and login sessions (issue 15).

Passwords are kept as argon2id hashes (argon2-cffi). A login returns a random token;
the database keeps only its sha256, with an expiry. Failed logins are counted per
account and audited; after ``MAX_FAILURES`` in a row the account is locked for
``LOCK_MINUTES``. A database without accounts has one implicit local operator
(``street_admin`` on the street): :func:`has_operators` tells the two apart.

On PostgreSQL the application role ``gongzhi_app`` may not write the operator tables nor
read the password hashes (migration 0011): for a login without those rights every write
here goes through the SECURITY DEFINER functions of that migration (:func:`_routed`),
which check again what the database can — the password on login, a street_admin's live
session (its ``token``) for account changes, the first account's role. The owner and
SQLite write directly.
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
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import defer
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
    return bool(session.scalar(select(func.count(Operator.id))))


def _accounts():
    """Operators, without the password hash (loaded only where it is used: the app role
    on PostgreSQL may not read it)."""
    return select(Operator).options(defer(Operator.password_hash))


def _routed(session: Session) -> bool:
    """Whether this login writes the operator tables through migration 0011's functions
    (PostgreSQL, a login that may not write them itself: the application role)."""
    conn = session.connection()
    if conn.dialect.name != "postgresql":
        return False
    return not conn.scalar(text("SELECT has_table_privilege('operator_role', 'INSERT')"))


def _call(session: Session, sql: str, **params):
    """One of migration 0011's functions; a refusal by the database is a coded error."""
    try:
        return session.execute(text(sql), params).one()
    except DBAPIError as e:
        state = getattr(e.orig, "sqlstate", None)
        if state in ("42501", "22023", "P0002"):  # insufficient_privilege, invalid_parameter_value, no_data_found
            detail = str(getattr(getattr(e.orig, "diag", None), "message_primary", None) or e.orig)
            raise DomainError("operator.db_refused", detail=detail.removeprefix("gongzhi: ")) from None
        raise


def _reload(session: Session, op_id: int) -> Operator:
    op = session.scalar(_accounts().where(Operator.id == op_id).execution_options(populate_existing=True))
    assert op is not None
    return op


def get_operator(session: Session, login: str) -> Operator:
    op = session.scalar(_accounts().where(Operator.login == (login or "").strip()))
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


def create_operator(session: Session, *, actor: Actor, login: str, display_name: str, password: str,
                    token: str | None = None) -> Operator:
    """An account without a role (a role is granted next: :func:`grant_role`). For setting up
    accounts step by step; a person adding an account uses :func:`add_operator`, which also
    refuses a first account that could lock the street out."""
    _manage(session, actor)
    return add_operator(session, actor=actor, login=login, display_name=display_name, password=password,
                        token=token, _first_rule=False)


def add_operator(session: Session, *, actor: Actor, login: str, display_name: str, password: str,
                 role: str | None = None, place_id: int | None = None, token: str | None = None,
                 _first_rule: bool = True) -> Operator:
    """A new account and (with ``role``) its grant on ``place_id``, in one transaction:
    everything is checked before anything is written, so a refused role or place leaves no
    account behind. On a database without accounts the first one switches logins on: it
    must be street_admin on the street (``operator.first_not_admin``), or no one could
    manage accounts any more."""
    with transaction(session):
        _manage(session, actor)
        login = (login or "").strip()
        if not _LOGIN.fullmatch(login):
            raise DomainError("operator.invalid_login", value=login)
        if session.scalar(select(Operator.id).where(Operator.login == login)) is not None:
            raise DomainError("operator.duplicate", login=login)
        display_name = require_text(display_name, "name", max_len=100)
        password = _check_password(password)
        place = None
        if role is not None:
            role = choice_of(ROLES, role, "role")
            place = session.get(Place, place_id) if place_id is not None else None
            if place is None:
                raise DomainError("place.not_found", ref=place_id if place_id is not None else "-")
        if _first_rule and not has_operators(session) and (
                role != "street_admin" or place is None or place.parent_id is not None):
            raise DomainError("operator.first_not_admin")
        password_hash = _hasher.hash(password)
        if _routed(session):
            (op_id,) = _call(session, "SELECT gongzhi_operator_add(:token, :login, :name, :hash, :role, :place)",
                             token=token, login=login, name=display_name, hash=password_hash, role=role,
                             place=place.id if place is not None else None)
            op = _reload(session, op_id)
        else:
            op = Operator(login=login, display_name=display_name, password_hash=password_hash)
            session.add(op)
            session.flush()
            if role is not None:
                session.add(OperatorRole(operator_id=op.id, role=role, place_id=place.id))
        audit(session, actor, "operator.create", "operator", op.id, None, _view(op))
        if role is not None:
            audit(session, actor, "operator.grant", "operator", op.id, None,
                  {"login": op.login, "role": role, "place_id": place.id})
    return op


def set_disabled(session: Session, *, actor: Actor, login: str, disabled: bool = True,
                 token: str | None = None) -> Operator:
    with transaction(session):
        _manage(session, actor)
        op = get_operator(session, login)
        before = _view(op)
        if _routed(session):
            _call(session, "SELECT gongzhi_operator_set_disabled(:token, :login, :disabled)",
                  token=token, login=op.login, disabled=disabled)
            op = _reload(session, op.id)
        else:
            op.disabled = disabled
            if disabled:  # end every open session of the account
                for s in session.scalars(select(OperatorSession).where(
                        OperatorSession.operator_id == op.id, OperatorSession.ended_at.is_(None))):
                    s.ended_at = utcnow()
        audit(session, actor, "operator.disable" if disabled else "operator.enable", "operator", op.id,
              before, _view(op))
    return op


def set_password(session: Session, *, actor: Actor, login: str, password: str,
                 token: str | None = None) -> Operator:
    """A new password: by an operator manager, or by the account itself."""
    with transaction(session):
        op = get_operator(session, login)
        if actor.operator_id != op.id:
            _manage(session, actor)
        password_hash = _hasher.hash(_check_password(password))
        if _routed(session):
            _call(session, "SELECT gongzhi_operator_set_password(:token, :login, :hash)",
                  token=token, login=op.login, hash=password_hash)
            op = _reload(session, op.id)
        else:
            op.password_hash = password_hash
            op.failed_attempts, op.locked_until = 0, None
        audit(session, actor, "operator.passwd", "operator", op.id, None, {"login": op.login})
    return op


def grant_role(session: Session, *, actor: Actor, login: str, role: str, place_id: int,
               token: str | None = None) -> OperatorRole:
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
            if _routed(session):
                (row_id,) = _call(session, "SELECT gongzhi_operator_grant(:token, :login, :role, :place)",
                                  token=token, login=op.login, role=role, place=place_id)
                row = session.get(OperatorRole, row_id)
            else:
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
    for op in session.scalars(_accounts().order_by(Operator.login)):
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

    Every failure is audited and committed, even though the login is refused. Through
    migration 0011's functions (:func:`_routed`) the database compares the hash and
    counts failures on its own clock (``now`` is not used there)."""
    now = now or utcnow()
    login = (login or "").strip()
    if _routed(session):
        return _login_routed(session, login, password, hours)
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


def _candidate(params: str, hash_chars: int, password: str) -> str | None:
    """The argon2 hash of ``password`` with the stored hash's algorithm, parameters and salt
    (``params``: the stored hash without its last part), encoded as the stored one is."""
    import base64

    from argon2.low_level import Type, hash_secret

    try:
        _empty, name, version, costs, salt = params.split("$")
        cost = dict(part.split("=") for part in costs.split(","))
        raw_salt = base64.b64decode(salt + "=" * (-len(salt) % 4))
        return hash_secret(password.encode("utf-8", "surrogatepass"), raw_salt, time_cost=int(cost["t"]),
                           memory_cost=int(cost["m"]), parallelism=int(cost["p"]), hash_len=hash_chars * 3 // 4,
                           type={"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}[name],
                           version=int(version.removeprefix("v="))).decode("ascii")
    except (ValueError, KeyError):
        return None


def _login_routed(session: Session, login: str, password: str, hours: int) -> tuple[str, Operator]:
    system = Actor(f"login:{login[:80]}" if login else "login:-")
    params, hash_chars = session.execute(text("SELECT * FROM gongzhi_operator_hash_params(:login)"),
                                         {"login": login}).one()
    if params is None:  # unknown: as slow as a real check
        with contextlib.suppress(VerificationError):
            _hasher.verify(_dummy_hash(), password or "")
        candidate = None
    else:
        candidate = _candidate(params, hash_chars or 0, password or "")
    token = secrets.token_urlsafe(32)
    with transaction(session):
        outcome, op_id, failed, locked_until = _call(
            session, "SELECT * FROM gongzhi_operator_login(:login, :candidate, :token_hash, :hours)",
            login=login, candidate=candidate, token_hash=_token_hash(token), hours=hours)
        if outcome == "ok":
            audit(session, Actor(login, operator_id=op_id), "operator.login", "operator", op_id, None, None)
        elif outcome == "unknown":
            audit(session, system, "operator.login_failed", "operator", None, None, {"login": login[:80]})
        elif outcome in ("disabled", "locked"):
            audit(session, system, "operator.login_failed", "operator", op_id, None, {"reason": outcome})
        else:
            after = {"reason": "password", "failed_attempts": failed}
            if outcome == "locked_now":
                after["locked_until"] = locked_until.isoformat()
            audit(session, system, "operator.login_failed", "operator", op_id, None, after)
    if outcome == "disabled":
        raise DomainError("auth.disabled", login=login)
    if outcome == "locked":
        raise DomainError("auth.locked", login=login, until=locked_until.isoformat(timespec="minutes"))
    if outcome != "ok":
        raise DomainError("auth.failed")
    return token, _reload(session, op_id)


def actor_from_token(session: Session, token: str | None, *, now: datetime | None = None) -> Actor:
    """The actor a session token stands for, or ``auth.login_required`` / ``auth.session_expired``."""
    if not token:
        raise DomainError("auth.login_required")
    row = session.scalar(select(OperatorSession).where(OperatorSession.token_hash == _token_hash(token)))
    if row is None or row.ended_at is not None:
        raise DomainError("auth.login_required")
    if row.expires_at <= (now or utcnow()):
        raise DomainError("auth.session_expired")
    op = session.scalar(_accounts().where(Operator.id == row.operator_id))
    if op is None or op.disabled:
        raise DomainError("auth.login_required")
    return actor_of(session, op)


def logout(session: Session, token: str | None) -> bool:
    if not token:
        return False
    with transaction(session):
        if _routed(session):
            (op_id,) = _call(session, "SELECT gongzhi_session_end(:token)", token=token)
            if op_id is None:
                return False
        else:
            row = session.scalar(select(OperatorSession).where(OperatorSession.token_hash == _token_hash(token)))
            if row is None or row.ended_at is not None:
                return False
            row.ended_at = utcnow()
            op_id = row.operator_id
        op = session.scalar(_accounts().where(Operator.id == op_id))
        audit(session, Actor(op.login if op else "-", operator_id=op_id), "operator.logout",
              "operator", op_id, None, None)
    return True


def has_operators_safe(session: Session) -> bool:
    """:func:`has_operators`, or ``False`` on a database from before the accounts (no table)."""
    from sqlalchemy import inspect

    if not inspect(session.get_bind()).has_table("operator"):
        return False
    return has_operators(session)
