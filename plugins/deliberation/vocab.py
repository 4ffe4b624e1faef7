"""The roundtable's vocabularies: StrEnums with (zh, en) labels, as the core's are.

Kept apart from the tables (``models.py`` re-exports them) so that what needs only
names and labels — the recount of a round file, ``gongzhi deliberation tally`` —
imports no SQLModel (issue 12).
"""

from __future__ import annotations

from enum import StrEnum

# -- vocabularies -----------------------------------------------------------------


class Labelled(StrEnum):
    def label(self, lang: str = "zh") -> str:
        zh, en = LABELS[type(self).__name__][self.value]
        return en if lang == "en" else zh


class ConsultationStatus(Labelled):
    draft = "draft"
    open = "open"
    decided = "decided"
    closed = "closed"
    withdrawn = "withdrawn"


class ParticipantRole(Labelled):
    resident_rep = "resident_rep"
    party_rep = "party_rep"
    property_company = "property_company"
    contractor = "contractor"
    expert = "expert"
    observer = "observer"


class RoundState(Labelled):
    created = "created"
    open = "open"
    closed = "closed"
    published = "published"


class RoundKind(Labelled):
    yes_no = "yes_no"
    consent = "consent"
    plurality = "plurality"
    approval = "approval"
    borda = "borda"
    irv = "irv"
    schulze = "schulze"
    ranked_choice = "ranked_choice"
    ranked_pairs = "ranked_pairs"


class TieBreakMethod(Labelled):
    lot = "lot"
    chair = "chair"
    earliest = "earliest"
    other = "other"


# a yes/no or consent round votes on one motion; the others choose among options
MOTION_KINDS = frozenset({RoundKind.yes_no, RoundKind.consent})
CHOOSING_KINDS = frozenset(RoundKind) - MOTION_KINDS

# a participant's stakeholder group unless one is given
DEFAULT_GROUPS: dict[str, str] = {
    "resident_rep": "residents",
    "party_rep": "party",
    "property_company": "property",
    "contractor": "contractor",
    "expert": "experts",
    "observer": "observers",
}
# how the default groups read (a group a facilitator typed shows as typed)
GROUP_LABELS: dict[str, tuple[str, str]] = {
    "residents": ("居民", "residents"),
    "party": ("党组织", "party"),
    "property": ("物业", "property company"),
    "contractor": ("施工方", "contractor"),
    "experts": ("专业人士", "experts"),
    "observers": ("列席", "observers"),
}


def group_label(group: str, lang: str) -> str:
    zh, en = GROUP_LABELS.get(group, (group, group))
    return en if lang == "en" else zh


# experts advise and observers watch: neither votes unless told otherwise
NON_VOTING_ROLES = frozenset({"expert", "observer"})

LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "ConsultationStatus": {
        "draft": ("筹备中", "draft"),
        "open": ("协商中", "open"),
        "decided": ("已决定", "decided"),
        "closed": ("已结束", "closed"),
        "withdrawn": ("已撤回", "withdrawn"),
    },
    "ParticipantRole": {
        "resident_rep": ("居民代表", "residents' representative"),
        "party_rep": ("党员代表", "party-member representative"),
        "property_company": ("物业企业", "property company"),
        "contractor": ("施工方", "contractor"),
        "expert": ("专业人士", "expert"),
        "observer": ("列席", "observer"),
    },
    "RoundState": {
        "created": ("未开始", "created"),
        "open": ("表决中", "open"),
        "closed": ("已计票", "closed"),
        "published": ("已公布", "published"),
    },
    "RoundKind": {
        "yes_no": ("赞成/反对", "yes/no"),
        "consent": ("无异议通过", "consent"),
        "plurality": ("相对多数", "plurality"),
        "approval": ("认可投票", "approval"),
        "borda": ("波达计数", "Borda count"),
        "irv": ("排序复选（即时决选）", "instant runoff"),
        "schulze": ("舒尔茨法", "Schulze"),
        "ranked_choice": ("前 k 名计分", "ranked choice (top k)"),
        "ranked_pairs": ("排序对法", "ranked pairs"),
    },
    "TieBreakMethod": {
        "lot": ("抽签", "drawing lots"),
        "chair": ("主持人决定", "the chair's casting vote"),
        "earliest": ("先提出的方案优先", "the earliest proposal"),
        "other": ("其他（见说明）", "other (see note)"),
    },
}

OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "adopted": ("通过", "adopted"),
    "rejected": ("未通过", "rejected"),
    "tie": ("平局", "a tie"),
    "no_quorum": ("未达到法定人数", "without a quorum"),
}

# the ``choice`` of a row that takes a voter's ballot back (an undone first ballot): the
# voter then has no current ballot; the row stays in the history like any other
WITHDRAWN = "withdrawn"

CHOICE_LABELS: dict[str, tuple[str, str]] = {
    "yes": ("赞成", "yes"),
    "no": ("反对", "no"),
    "abstain": ("弃权", "abstain"),
    "object": ("异议", "objection"),
}
