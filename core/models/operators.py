"""Operator accounts, their role grants on places, and login sessions (issue 15).

A database with no operator accounts (the embedded single-user SQLite install) has
one implicit local operator with ``street_admin`` on the street; once an account
exists, every actor is an account resolved from a session token.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from gongzhi.core.models.types import UTCDateTime, utcnow


class Operator(SQLModel, table=True):
    __tablename__ = "operator"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=50, unique=True)
    display_name: str = Field(max_length=100)
    # argon2id hash (argon2-cffi); never the password
    password_hash: str = Field(max_length=200)
    disabled: bool = Field(default=False)
    failed_attempts: int = Field(default=0)
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class OperatorRole(SQLModel, table=True):
    __tablename__ = "operator_role"
    __table_args__ = (UniqueConstraint("operator_id", "role", "place_id", name="uq_operator_role"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    role: str = Field(max_length=30)
    # the place the role is granted on: the street, a community, a compound, a grid
    place_id: int = Field(foreign_key="place.id", index=True)


class OperatorSession(SQLModel, table=True):
    __tablename__ = "operator_session"

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", index=True)
    # sha256 of the token: the token itself lives only in the user's config dir
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class DbLoginScope(SQLModel, table=True):
    """A PostgreSQL login confined to communities (row-level security, migration 0009).

    A login listed here sees and writes only the requests of its communities, even in
    plain SQL; a login not listed (the application role's ordinary logins) sees all.
    The application role may read this table, never change it: the database owner
    grants scopes (``gongzhi db scope-login``)."""

    __tablename__ = "db_login_scope"

    login: str = Field(max_length=63, primary_key=True)
    community_id: int = Field(foreign_key="place.id", primary_key=True)
