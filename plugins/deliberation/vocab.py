"""The roundtable's vocabularies: StrEnums whose words are in the plugin's catalog, as
the core's are (core/i18n.py).

The code keeps each code's English id; the words live in the plugin's own catalog
(``plugins/deliberation/locale/<lang>/LC_MESSAGES/deliberation.po``) with the
vocabulary's name as the context (``msgctxt "RoundState"`` / ``msgid "open"``: 表决中,
while ``ConsultationStatus`` / ``open`` is 协商中). Besides the enums: the default
stakeholder groups (``Group``), a round's outcome (``Outcome``), a motion ballot's
choice (``Choice``), the rules engine's names of a kind and a base (``RuleKind``,
``RuleBase``) and the presets a facilitator picks (``Preset``). Words:
:meth:`Vocabulary.text` (one language) and :meth:`Vocabulary.pair` (both, for the
bilingual texts). ``scripts/i18n.py --domain plugins/deliberation`` keeps the catalog's
entries in step with the dicts registered below.

Kept apart from the tables (``models.py`` re-exports them) so that what needs only
names and labels — the recount of a round file, ``gongzhi deliberation tally`` —
imports no SQLModel (issue 12); core/i18n.py is as light.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from gongzhi.core.i18n import V_, Vocabulary

VOCAB = Vocabulary("deliberation", Path(__file__).resolve().parent / "locale")



# -- vocabularies -----------------------------------------------------------------


class Labelled(StrEnum):
    """A StrEnum whose members have words in the plugin's catalog."""

    def label(self, lang: str = "zh") -> str:
        return VOCAB.label(self, lang)


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
    stv = "stv"
    plurality_at_large = "plurality_at_large"
    approval_seats = "approval_seats"
    owners = "owners"


class TieBreakMethod(Labelled):
    lot = "lot"
    chair = "chair"
    earliest = "earliest"
    other = "other"


# a yes/no or consent round votes on one motion; the others choose among options
MOTION_KINDS = frozenset({RoundKind.yes_no, RoundKind.consent, RoundKind.owners})
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
# how the default groups read (context "Group"; a group a facilitator typed shows as typed)
GROUP_LABELS: dict[str, str] = {
    "residents": V_("residents"),
    "party": V_("party"),
    "property": V_("property company"),
    "contractor": V_("contractor"),
    "experts": V_("experts"),
    "observers": V_("observers"),
}


def group_label(group: str, lang: str) -> str:
    """A stakeholder group in ``lang``: a default group's word, any other as typed."""
    return VOCAB.text("Group", group, lang) if group in GROUP_LABELS else group


# experts advise and observers watch: neither votes unless told otherwise
NON_VOTING_ROLES = frozenset({"expert", "observer"})

LABELS: dict[str, dict[str, str]] = {
    "ConsultationStatus": {
        "draft": V_("draft"),
        "open": V_("open"),
        "decided": V_("decided"),
        "closed": V_("closed"),
        "withdrawn": V_("withdrawn"),
    },
    "ParticipantRole": {
        "resident_rep": V_("residents' representative"),
        "party_rep": V_("party-member representative"),
        "property_company": V_("property company"),
        "contractor": V_("contractor"),
        "expert": V_("expert"),
        "observer": V_("observer"),
    },
    "RoundState": {
        "created": V_("created"),
        "open": V_("open"),
        "closed": V_("closed"),
        "published": V_("published"),
    },
    "RoundKind": {
        "yes_no": V_("yes/no"),
        "consent": V_("consent"),
        "plurality": V_("plurality"),
        "approval": V_("approval"),
        "borda": V_("Borda count"),
        "irv": V_("instant runoff"),
        "schulze": V_("Schulze"),
        "ranked_choice": V_("ranked choice (top k)"),
        "ranked_pairs": V_("ranked pairs"),
        "stv": V_("single transferable vote (seats)"),
        "plurality_at_large": V_("plurality at large (seats)"),
        "approval_seats": V_("approval (seats)"),
        "owners": V_("owners' decision"),
    },
    "TieBreakMethod": {
        "lot": V_("drawing lots"),
        "chair": V_("the chair's casting vote"),
        "earliest": V_("the earliest proposal"),
        "other": V_("other (see note)"),
    },
}

# a round's outcome (context "Outcome")
OUTCOME_LABELS: dict[str, str] = {
    "adopted": V_("adopted"),
    "rejected": V_("rejected"),
    "tie": V_("a tie"),
    "no_quorum": V_("without a quorum"),
}

# the ``choice`` of a row that takes a voter's ballot back (an undone first ballot): the
# voter then has no current ballot; the row stays in the history like any other
WITHDRAWN = "withdrawn"

# a motion ballot's choice (context "Choice")
CHOICE_LABELS: dict[str, str] = {
    "yes": V_("yes"),
    "no": V_("no"),
    "abstain": V_("abstain"),
    "object": V_("objection"),
}

# the rules engine's names of a round's kind and of a majority's base, in its
# explanations and refusals (context "RuleKind" / "RuleBase"; a kind reads a little
# longer there than in a round's list: 赞成/反对表决)
KIND_LABELS: dict[str, str] = {
    "yes_no": V_("yes/no"),
    "consent": V_("consent"),
    "plurality": V_("plurality"),
    "approval": V_("approval"),
    "borda": V_("Borda count"),
    "irv": V_("instant-runoff"),
    "schulze": V_("Schulze"),
    "ranked_choice": V_("ranked choice (top k scored, as Loomio)"),
    "ranked_pairs": V_("ranked pairs"),
    "stv": V_("single transferable vote (Droop quota, weighted inclusive Gregory)"),
    "plurality_at_large": V_("plurality at large (one mark per seat at most)"),
    "approval_seats": V_("approval with several seats"),
    "owners": V_("owners' decision (Civil Code art. 278)"),
}
BASE_LABELS: dict[str, str] = {
    "YN": V_("yes + no"),
    "YNA": V_("yes + no + abstain"),
    "valid": V_("all valid ballots"),
    "cast": V_("all ballots cast (invalid ones included)"),
    "entitled": V_("everyone entitled to vote"),
    "entitled_present": V_("those entitled who are present (or represented by a present proxy)"),
}

# the presets a facilitator picks a new round's rule from (context "Preset")
PRESET_LABELS: dict[str, str] = {
    "simple_majority": V_("simple majority"),
    "absolute_majority": V_("absolute majority"),
    "two_thirds": V_("two-thirds"),
    "unanimity": V_("unanimity"),
    "consent_all_residents": V_("consent of all residents"),
    "plurality": V_("plurality"),
    "approval": V_("approval"),
    "borda": V_("Borda count (ranked)"),
    "irv": V_("instant runoff (ranked)"),
    "schulze": V_("Schulze (ranked)"),
}

# a rule's name beside the presets' (context "RuleName"): a rule built from its kind, and
# what an adjusted preset (``simple_majority*``) adds to its label
RULE_NAME_LABELS: dict[str, str] = {
    "custom": V_("custom rule"),
    "adjusted": V_("parameters changed"),
}


def outcome_label(outcome: str | None, lang: str) -> str:
    """A round's outcome in ``lang`` ("" when it has none yet)."""
    return "" if outcome is None else VOCAB.text("Outcome", outcome, lang)


def choice_label(choice: str, lang: str) -> str:
    """A motion ballot's choice (yes/no/abstain/object) in ``lang``."""
    return VOCAB.text("Choice", choice, lang)


VOCAB.add(LABELS)
VOCAB.add({"Group": GROUP_LABELS, "Outcome": OUTCOME_LABELS, "Choice": CHOICE_LABELS, "RuleKind": KIND_LABELS,
           "RuleBase": BASE_LABELS, "Preset": PRESET_LABELS, "RuleName": RULE_NAME_LABELS})
