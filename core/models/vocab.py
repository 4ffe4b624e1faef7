"""Closed vocabularies of the core, with their Chinese and English labels.

One concept, one name: the codes come from shared/GLOSSARY.md.
"""

from __future__ import annotations

from enum import StrEnum


class Labelled(StrEnum):
    """A StrEnum whose members carry a (zh, en) label in ``LABELS``."""

    def label(self, lang: str = "zh") -> str:
        zh, en = LABELS[type(self).__name__][self.value]
        return en if lang == "en" else zh


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


LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "PlaceKind": {
        "street": ("街道", "street"),
        "community": ("社区", "community"),
        "compound": ("小区", "compound"),
        "building": ("楼栋", "building"),
        "micro_grid": ("微网格", "micro-grid"),
        "household": ("户", "household"),
        "poi": ("设施点位", "point of interest"),
    },
    "HousingType": {
        "public_rental": ("公租房", "public rental"),
        "relocation": ("异地安置房", "relocation housing"),
        "price_capped": ("限价商品房", "price-capped housing"),
        "commodity": ("商品房", "commodity housing"),
    },
    "PoiKind": {
        "gate": ("小门/出入口", "gate"),
        "street_lamp": ("路灯", "street lamp"),
        "charging_shed": ("充电车棚", "charging shed"),
        "notice_board": ("公示栏", "notice board"),
        "other": ("其他设施", "other facility"),
    },
    "Gender": {
        "male": ("男", "male"),
        "female": ("女", "female"),
        "unknown": ("未知", "unknown"),
    },
    "CareTag": {
        "elderly_alone": ("独居老人", "elderly living alone"),
        "disabled": ("残疾人", "person with disability"),
        "low_income": ("低保/低收入", "low income"),
        "serious_illness": ("重病", "serious illness"),
        "left_behind_child": ("留守儿童", "left-behind child"),
        "unemployed": ("失业", "unemployed"),
        "psychological_care": ("心理关爱", "psychological care"),
        "other_priority": ("其他重点关爱", "other priority care"),
    },
    "OrgKind": {
        "party_committee": ("社区党组织", "community party committee"),
        "party_branch": ("小区（网格）党支部", "compound (grid) party branch"),
        "party_group": ("楼栋党小组", "building party group"),
        "party_household_hub": ("党员中心户", "party-member household hub"),
        "residents_committee": ("居委会", "residents' committee"),
        "owners_committee": ("业委会", "owners' committee"),
        "property_company": ("物业企业", "property company"),
        "department": ("职能部门", "functional department"),
        "rider_station": ("骑手驿站", "rider station"),
        "volunteer_team": ("志愿服务队", "volunteer team"),
    },
    "Role": {
        "secretary": ("书记", "secretary"),
        "deputy_secretary": ("副书记", "deputy secretary"),
        "director": ("主任", "director"),
        "member": ("委员/成员", "member"),
        "chair": ("主任委员", "chair"),
        "manager": ("负责人", "manager"),
        "staff": ("工作人员", "staff"),
        "grid_worker": ("网格员", "grid worker"),
        "micro_grid_worker": ("微网格员", "micro-grid worker"),
        "mobile_grid_worker": ("流动网格员", "mobile grid worker"),
        "volunteer": ("志愿者", "volunteer"),
        "party_member": ("党员", "party member"),
    },
    "Channel": {
        "bench_meeting": ("板凳会", "bench meeting"),
        "hotline_12345": ("12345热线", "12345 hotline"),
        "jinzhitong": ("津治通", "Jinzhitong"),
        "wechat_group": ("网格微信群", "grid WeChat group"),
        "snapshot": ("随手拍", "snap-and-report"),
        "patrol": ("巡查走访", "patrol visit"),
        "walk_in": ("来访", "walk-in"),
        "other": ("其他", "other"),
    },
    "RequestType": {
        "consult": ("咨询", "consultation"),
        "help": ("求助", "help"),
        "complaint": ("投诉", "complaint"),
        "report": ("举报/报告", "report"),
        "suggestion": ("建议", "suggestion"),
    },
    "Priority": {
        "low": ("低", "low"),
        "normal": ("一般", "normal"),
        "high": ("高", "high"),
        "urgent": ("紧急", "urgent"),
    },
    "Status": {
        "submitted": ("已登记", "submitted"),
        "accepted": ("已受理", "accepted"),
        "dispatched": ("已派单", "dispatched"),
        "in_progress": ("办理中", "in progress"),
        "resolved": ("已办结", "resolved"),
        "closed": ("已归档", "closed"),
        "answered": ("已答复", "answered"),
        "duplicate": ("重复件", "duplicate"),
        "not_responsible": ("非本辖区职责", "not responsible"),
        "unable_to_fix": ("暂无法解决", "unable to fix"),
        "withdrawn": ("已撤回", "withdrawn"),
    },
    "DispatchRole": {
        "lead": ("主办", "lead"),
        "assist": ("协办", "assist"),
    },
    "ResolvedAnswer": {
        "yes": ("已解决", "resolved"),
        "partly": ("部分解决", "partly resolved"),
        "no": ("未解决", "not resolved"),
    },
    "Satisfaction": {
        "satisfied": ("满意", "satisfied"),
        "basically": ("基本满意", "basically satisfied"),
        "dissatisfied": ("不满意", "dissatisfied"),
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
