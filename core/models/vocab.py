"""Closed vocabularies of the core; their words are in the core's catalog.

One concept, one name: the codes come from shared/GLOSSARY.md. ``LABELS`` holds each
code's English id; the Chinese (and any language a site adds) is in
``core/locale/<lang>/LC_MESSAGES/core.po`` with the vocabulary's name as the context
(see core/i18n.py).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from gongzhi.core.i18n import V_, Vocabulary

VOCAB = Vocabulary("core", Path(__file__).resolve().parent.parent / "locale")


class Labelled(StrEnum):
    """A StrEnum whose members have words in the core's catalog."""

    def label(self, lang: str = "zh") -> str:
        return VOCAB.label(self, lang)


class PlaceKind(Labelled):
    street = "street"
    community = "community"
    compound = "compound"
    building = "building"
    micro_grid = "micro_grid"
    household = "household"
    poi = "poi"


# which kinds may sit directly under which (a point of interest under any node)
PLACE_PARENTS: dict[PlaceKind, tuple[PlaceKind | None, ...]] = {
    PlaceKind.street: (None,),
    PlaceKind.community: (PlaceKind.street,),
    PlaceKind.compound: (PlaceKind.community,),
    PlaceKind.building: (PlaceKind.compound,),
    PlaceKind.micro_grid: (PlaceKind.building,),
    # a household sits in its micro-grid, or straight in a low-rise building
    PlaceKind.household: (PlaceKind.micro_grid, PlaceKind.building),
    PlaceKind.poi: (
        PlaceKind.street,
        PlaceKind.community,
        PlaceKind.compound,
        PlaceKind.building,
        PlaceKind.micro_grid,
    ),
}


class HousingType(Labelled):
    public_rental = "public_rental"
    relocation = "relocation"
    price_capped = "price_capped"
    commodity = "commodity"


class PoiKind(Labelled):
    gate = "gate"
    street_lamp = "street_lamp"
    charging_shed = "charging_shed"
    notice_board = "notice_board"
    other = "other"


class Gender(Labelled):
    male = "male"
    female = "female"
    unknown = "unknown"


class CareTag(Labelled):
    """Priority-care groups (“四失五类”重点关爱人群 and the like). Sensitive."""

    elderly_alone = "elderly_alone"
    disabled = "disabled"
    low_income = "low_income"
    serious_illness = "serious_illness"
    left_behind_child = "left_behind_child"
    unemployed = "unemployed"
    psychological_care = "psychological_care"
    other_priority = "other_priority"


class OrgKind(Labelled):
    party_committee = "party_committee"
    party_branch = "party_branch"
    party_group = "party_group"
    party_household_hub = "party_household_hub"
    residents_committee = "residents_committee"
    owners_committee = "owners_committee"
    property_company = "property_company"
    department = "department"
    rider_station = "rider_station"
    volunteer_team = "volunteer_team"


class Role(Labelled):
    """Posts a person holds through a membership."""

    secretary = "secretary"
    deputy_secretary = "deputy_secretary"
    director = "director"
    member = "member"
    chair = "chair"
    manager = "manager"
    staff = "staff"
    grid_worker = "grid_worker"
    micro_grid_worker = "micro_grid_worker"
    mobile_grid_worker = "mobile_grid_worker"
    volunteer = "volunteer"
    party_member = "party_member"


class Channel(Labelled):
    bench_meeting = "bench_meeting"
    hotline_12345 = "hotline_12345"
    jinzhitong = "jinzhitong"
    wechat_group = "wechat_group"
    snapshot = "snapshot"
    patrol = "patrol"
    walk_in = "walk_in"
    other = "other"


class RequestType(Labelled):
    consult = "consult"
    help = "help"
    complaint = "complaint"
    report = "report"
    suggestion = "suggestion"


class Priority(Labelled):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class Status(Labelled):
    submitted = "submitted"
    accepted = "accepted"
    dispatched = "dispatched"
    in_progress = "in_progress"
    resolved = "resolved"
    closed = "closed"
    answered = "answered"
    duplicate = "duplicate"
    not_responsible = "not_responsible"
    unable_to_fix = "unable_to_fix"
    withdrawn = "withdrawn"


class DispatchRole(Labelled):
    lead = "lead"
    assist = "assist"


class ResolvedAnswer(Labelled):
    yes = "yes"
    partly = "partly"
    no = "no"


class Satisfaction(Labelled):
    satisfied = "satisfied"
    basically = "basically"
    dissatisfied = "dissatisfied"


LABELS: dict[str, dict[str, str]] = {
    "PlaceKind": {
        "street": V_("street"),
        "community": V_("community"),
        "compound": V_("compound"),
        "building": V_("building"),
        "micro_grid": V_("micro-grid"),
        "household": V_("household"),
        "poi": V_("point of interest"),
    },
    "HousingType": {
        "public_rental": V_("public rental"),
        "relocation": V_("relocation housing"),
        "price_capped": V_("price-capped housing"),
        "commodity": V_("commodity housing"),
    },
    "PoiKind": {
        "gate": V_("gate"),
        "street_lamp": V_("street lamp"),
        "charging_shed": V_("charging shed"),
        "notice_board": V_("notice board"),
        "other": V_("other facility"),
    },
    "Gender": {
        "male": V_("male"),
        "female": V_("female"),
        "unknown": V_("unknown"),
    },
    "CareTag": {
        "elderly_alone": V_("elderly living alone"),
        "disabled": V_("person with disability"),
        "low_income": V_("low income"),
        "serious_illness": V_("serious illness"),
        "left_behind_child": V_("left-behind child"),
        "unemployed": V_("unemployed"),
        "psychological_care": V_("psychological care"),
        "other_priority": V_("other priority care"),
    },
    "OrgKind": {
        "party_committee": V_("community party committee"),
        "party_branch": V_("compound (grid) party branch"),
        "party_group": V_("building party group"),
        "party_household_hub": V_("party-member household hub"),
        "residents_committee": V_("residents' committee"),
        "owners_committee": V_("owners' committee"),
        "property_company": V_("property company"),
        "department": V_("functional department"),
        "rider_station": V_("rider station"),
        "volunteer_team": V_("volunteer team"),
    },
    "Role": {
        "secretary": V_("secretary"),
        "deputy_secretary": V_("deputy secretary"),
        "director": V_("director"),
        "member": V_("member"),
        "chair": V_("chair"),
        "manager": V_("manager"),
        "staff": V_("staff"),
        "grid_worker": V_("grid worker"),
        "micro_grid_worker": V_("micro-grid worker"),
        "mobile_grid_worker": V_("mobile grid worker"),
        "volunteer": V_("volunteer"),
        "party_member": V_("party member"),
    },
    "Channel": {
        "bench_meeting": V_("bench meeting"),
        "hotline_12345": V_("12345 hotline"),
        "jinzhitong": V_("Jinzhitong"),
        "wechat_group": V_("grid WeChat group"),
        "snapshot": V_("snap-and-report"),
        "patrol": V_("patrol visit"),
        "walk_in": V_("walk-in"),
        "other": V_("other"),
    },
    "RequestType": {
        "consult": V_("consultation"),
        "help": V_("help"),
        "complaint": V_("complaint"),
        "report": V_("report"),
        "suggestion": V_("suggestion"),
    },
    "Priority": {
        "low": V_("low"),
        "normal": V_("normal"),
        "high": V_("high"),
        "urgent": V_("urgent"),
    },
    "Status": {
        "submitted": V_("submitted"),
        "accepted": V_("accepted"),
        "dispatched": V_("dispatched"),
        "in_progress": V_("in progress"),
        "resolved": V_("resolved"),
        "closed": V_("closed"),
        "answered": V_("answered"),
        "duplicate": V_("duplicate"),
        "not_responsible": V_("not responsible"),
        "unable_to_fix": V_("unable to fix"),
        "withdrawn": V_("withdrawn"),
    },
    "DispatchRole": {
        "lead": V_("lead"),
        "assist": V_("assist"),
    },
    "ResolvedAnswer": {
        "yes": V_("resolved"),
        "partly": V_("partly resolved"),
        "no": V_("not resolved"),
    },
    "Satisfaction": {
        "satisfied": V_("satisfied"),
        "basically": V_("basically satisfied"),
        "dissatisfied": V_("dissatisfied"),
    },
}


# The closed loop 发现问题—分类交办—限时办结—反馈评价 as a transition table.
TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.submitted: frozenset(
        {Status.accepted, Status.answered, Status.duplicate, Status.not_responsible, Status.withdrawn}
    ),
    Status.accepted: frozenset(
        {
            Status.dispatched,
            Status.in_progress,
            Status.answered,
            Status.duplicate,
            Status.not_responsible,
            Status.unable_to_fix,
            Status.withdrawn,
        }
    ),
    Status.dispatched: frozenset(
        {Status.in_progress, Status.resolved, Status.unable_to_fix, Status.withdrawn}
    ),
    Status.in_progress: frozenset({Status.resolved, Status.unable_to_fix, Status.withdrawn}),
    Status.resolved: frozenset({Status.closed, Status.in_progress}),
    Status.closed: frozenset({Status.in_progress}),
    Status.answered: frozenset({Status.closed}),
    Status.duplicate: frozenset(),
    Status.not_responsible: frozenset(),
    Status.unable_to_fix: frozenset(),
    Status.withdrawn: frozenset(),
}

# statuses that count as "the request is dealt with" (not open, not overdue)
DONE_STATUSES: frozenset[Status] = frozenset(
    {
        Status.resolved,
        Status.closed,
        Status.answered,
        Status.duplicate,
        Status.not_responsible,
        Status.unable_to_fix,
        Status.withdrawn,
    }
)
# requests that leave the base of the resolution rate (not ours to resolve)
EXCLUDED_FROM_RATES: frozenset[Status] = frozenset(
    {Status.duplicate, Status.not_responsible, Status.withdrawn}
)
OPEN_STATUSES: frozenset[Status] = frozenset(set(Status) - DONE_STATUSES)

VOCAB.add(LABELS)
