"""The core's tables. Importing this package puts them on ``SQLModel.metadata``."""

from core.models.audit import AuditLog
from core.models.operators import DbLoginScope, Operator, OperatorRole, OperatorSession
from core.models.orgs import Membership, Organisation
from core.models.people import Person, PersonCareTag
from core.models.places import Place
from core.models.requests import (
    RefCounter,
    Request,
    RequestAttachment,
    RequestCategory,
    RequestDispatch,
    RequestEvent,
    RequestFeedback,
    RequestSupporter,
)

CORE_TABLES = frozenset(
    m.__tablename__
    for m in (
        AuditLog,
        DbLoginScope,
        Membership,
        Operator,
        OperatorRole,
        OperatorSession,
        Organisation,
        Person,
        PersonCareTag,
        Place,
        RefCounter,
        Request,
        RequestAttachment,
        RequestCategory,
        RequestDispatch,
        RequestEvent,
        RequestFeedback,
        RequestSupporter,
    )
)

__all__ = [
    "AuditLog",
    "CORE_TABLES",
    "DbLoginScope",
    "Membership",
    "Operator",
    "OperatorRole",
    "OperatorSession",
    "Organisation",
    "Person",
    "PersonCareTag",
    "Place",
    "RefCounter",
    "Request",
    "RequestAttachment",
    "RequestCategory",
    "RequestDispatch",
    "RequestEvent",
    "RequestFeedback",
    "RequestSupporter",
]
