"""The core's tables. Importing this package puts them on ``SQLModel.metadata``."""

from gongzhi.core.models.audit import AuditLog
from gongzhi.core.models.operators import DbLoginScope, Operator, OperatorRole, OperatorSession
from gongzhi.core.models.orgs import Membership, Organisation
from gongzhi.core.models.people import Person, PersonCareTag
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import (
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
