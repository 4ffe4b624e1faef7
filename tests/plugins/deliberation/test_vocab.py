"""The roundtable's vocabularies take their words from the plugin's catalog (context =
the vocabulary's name), as the core's do: the code holds English ids only."""

from __future__ import annotations

from gongzhi.plugins.deliberation import vocab
from gongzhi.plugins.deliberation.vocab import (
    VOCAB,
    ConsultationStatus,
    ParticipantRole,
    RoundKind,
    RoundState,
    choice_label,
    group_label,
    outcome_label,
)


def test_the_code_holds_english_ids_and_every_dict_is_registered():
    dicts = {"Group": vocab.GROUP_LABELS, "Outcome": vocab.OUTCOME_LABELS, "Choice": vocab.CHOICE_LABELS,
             "RuleKind": vocab.KIND_LABELS, "RuleBase": vocab.BASE_LABELS, "Preset": vocab.PRESET_LABELS,
             **vocab.LABELS}
    for context, codes in dicts.items():
        assert all(isinstance(msgid, str) for msgid in codes.values()), context  # no (zh, en) pairs
        assert VOCAB.ids[context] == codes


def test_one_english_word_is_two_chinese_words_by_vocabulary():
    assert ConsultationStatus.open.label("en") == RoundState.open.label("en") == "open"
    assert (ConsultationStatus.open.label("zh"), RoundState.open.label("zh")) == ("协商中", "表决中")
    assert (ConsultationStatus.closed.label(), RoundState.closed.label()) == ("已结束", "已计票")
    # the rules engine names a kind a little longer than a round's list does
    assert (RoundKind.yes_no.label(), VOCAB.text("RuleKind", "yes_no")) == ("赞成/反对", "赞成/反对表决")
    assert VOCAB.pair("RuleBase", "YN") == ("赞成票与反对票之和", "yes + no")


def test_groups_outcomes_choices_and_presets():
    assert ParticipantRole.property_company.label("zh") == "物业企业"
    assert (group_label("property", "zh"), group_label("property", "en")) == ("物业", "property company")
    # a group the facilitator typed shows as typed, even when it reads like a default's word
    assert group_label("3号楼", "en") == "3号楼" and group_label("property company", "zh") == "property company"
    assert (outcome_label("tie", "zh"), outcome_label("tie", "en"), outcome_label(None, "zh")) == ("平局", "a tie", "")
    assert outcome_label("something_new", "zh") == "something_new"  # unknown: the code itself
    assert (choice_label("object", "zh"), choice_label("object", "en")) == ("异议", "objection")
    assert VOCAB.pair("Preset", "simple_majority") == ("简单多数（赞成多于反对）", "simple majority")
