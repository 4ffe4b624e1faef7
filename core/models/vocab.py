"""Closed vocabularies of the core; their words are in the core's catalog.

One concept, one name: the codes come from shared/GLOSSARY.md. ``LABELS`` holds each
code's English id; the Chinese (and any language a site adds) is in
``core/locale/<lang>/LC_MESSAGES/core.po`` with the vocabulary's name as the context
(see core/i18n.py).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from core.i18n import N_, Vocabulary

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
        "street": N_("street"),
        "community": N_("community"),
        "compound": N_("compound"),
        "building": N_("building"),
        "micro_grid": N_("micro-grid"),
        "household": N_("household"),
        "poi": N_("point of interest"),
    },
    "HousingType": {
        "public_rental": N_("public rental"),
        "relocation": N_("relocation housing"),
        "price_capped": N_("price-capped housing"),
        "commodity": N_("commodity housing"),
    },
    "PoiKind": {
        "gate": N_("gate"),
        "street_lamp": N_("street lamp"),
        "charging_shed": N_("charging shed"),
        "notice_board": N_("notice board"),
        "other": N_("other facility"),
    },
    "Gender": {
        "male": N_("male"),
        "female": N_("female"),
        "unknown": N_("unknown"),
    },
    "CareTag": {
        "elderly_alone": N_("elderly living alone"),
        "disabled": N_("person with disability"),
        "low_income": N_("low income"),
        "serious_illness": N_("serious illness"),
        "left_behind_child": N_("left-behind child"),
        "unemployed": N_("unemployed"),
        "psychological_care": N_("psychological care"),
        "other_priority": N_("other priority care"),
    },
    "OrgKind": {
        "party_committee": N_("community party committee"),
        "party_branch": N_("compound (grid) party branch"),
        "party_group": N_("building party group"),
        "party_household_hub": N_("party-member household hub"),
        "residents_committee": N_("residents' committee"),
        "owners_committee": N_("owners' committee"),
        "property_company": N_("property company"),
        "department": N_("functional department"),
        "rider_station": N_("rider station"),
        "volunteer_team": N_("volunteer team"),
    },
    "Role": {
        "secretary": N_("secretary"),
        "deputy_secretary": N_("deputy secretary"),
        "director": N_("director"),
        "member": N_("member"),
        "chair": N_("chair"),
        "manager": N_("manager"),
        "staff": N_("staff"),
        "grid_worker": N_("grid worker"),
        "micro_grid_worker": N_("micro-grid worker"),
        "mobile_grid_worker": N_("mobile grid worker"),
        "volunteer": N_("volunteer"),
        "party_member": N_("party member"),
    },
    "Channel": {
        "bench_meeting": N_("bench meeting"),
        "hotline_12345": N_("12345 hotline"),
        "jinzhitong": N_("Jinzhitong"),
        "wechat_group": N_("grid WeChat group"),
        "snapshot": N_("snap-and-report"),
        "patrol": N_("patrol visit"),
        "walk_in": N_("walk-in"),
        "other": N_("other"),
    },
    "RequestType": {
        "consult": N_("consultation"),
        "help": N_("help"),
        "complaint": N_("complaint"),
        "report": N_("report"),
        "suggestion": N_("suggestion"),
    },
    "Priority": {
        "low": N_("low"),
        "normal": N_("normal"),
        "high": N_("high"),
        "urgent": N_("urgent"),
    },
    "Status": {
        "submitted": N_("submitted"),
        "accepted": N_("accepted"),
        "dispatched": N_("dispatched"),
        "in_progress": N_("in progress"),
        "resolved": N_("resolved"),
        "closed": N_("closed"),
        "answered": N_("answered"),
        "duplicate": N_("duplicate"),
        "not_responsible": N_("not responsible"),
        "unable_to_fix": N_("unable to fix"),
        "withdrawn": N_("withdrawn"),
    },
    "DispatchRole": {
        "lead": N_("lead"),
        "assist": N_("assist"),
    },
    "ResolvedAnswer": {
        "yes": N_("resolved"),
        "partly": N_("partly resolved"),
        "no": N_("not resolved"),
    },
    "Satisfaction": {
        "satisfied": N_("satisfied"),
        "basically": N_("basically satisfied"),
        "dissatisfied": N_("dissatisfied"),
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
