"""A recorded decision is amended, never rewritten: an append-only amendment with its
reason, on SQLite and PostgreSQL — in the services, the CLI and the minutes; and the
plugin's error codes live in its own module, registered whenever any part is imported."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.errors import DomainError
from gongzhi.core.services import requests
from gongzhi.plugins.deliberation import services as svc
from gongzhi.plugins.deliberation.minutes import build_minutes, to_markdown
from tests.plugins.deliberation.conftest import row_counts

ROOT = Path(__file__).resolve().parents[3]


def _decided(site, table, actor) -> int:
    """Round 1 under consent adopts option 3; the decision rests on it (review 2027-03-01)."""
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="consent_all_residents",
                           option_ids=[table.options[2]])
        for pid in table.residents:
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, choice="y")
        svc.close_round(s, actor=actor, round_id=r.id)
        svc.decide(s, actor=actor, consultation_id=table.consultation_id, round_id=r.id,
                   decision="安装6组公共晾衣架", review_on=date(2027, 3, 1))
        return r.id


def test_an_amendment_keeps_the_original_and_its_reason(site, table, actor):
    from gongzhi.core import events

    _decided(site, table, actor)
    seen = []
    unsubscribe = events.subscribe(lambda event, **kw: seen.append((event, kw)))
    try:
        with site.db.session() as s:
            a1 = svc.amend_decision(s, actor=actor, consultation_id=table.consultation_id,
                                    reason="回访后居民要求增加两组", decision="安装8组公共晾衣架")
            a2 = svc.amend_decision(s, actor=actor, consultation_id=table.consultation_id,
                                    reason="施工延期", review_on=date(2027, 6, 1))
            assert (a1.seq, a2.seq) == (1, 2)
            now = svc.decision_in_force(s, table.consultation_id)
            # the original is as it was recorded; the decision in force is the latest amendment's
            assert now.outcome.decision == "安装6组公共晾衣架" and now.outcome.review_on == date(2027, 3, 1)
            assert (now.decision, now.option_id, now.review_on) == ("安装8组公共晾衣架", table.options[2],
                                                                    date(2027, 6, 1))
            assert [a.reason for a in now.amendments] == ["回访后居民要求增加两组", "施工延期"]
            d = svc.consultation_dict(s, svc.get_consultation(s, table.consultation_id))
            assert d["outcome"]["decision"] == "安装6组公共晾衣架"
            assert d["outcome"]["current"]["decision"] == "安装8组公共晾衣架"
            assert [a["seq"] for a in d["outcome"]["amendments"]] == [1, 2]
            notes = [e.public_note for e in requests.timeline(s, table.request_id) if e.kind == "note"]
            assert notes[-1] == "居民议事厅决定已修正（施工延期）：安装8组公共晾衣架"
            md = to_markdown(build_minutes(s, table.consultation_id))
    finally:
        unsubscribe()
    amended = [kw["payload"] for e, kw in seen if e == "plugin_event" and kw["name"] == "decision_amended"]
    assert [p["seq"] for p in amended] == [1, 2] and amended[1]["review_on"] == "2027-06-01"
    assert "- 安装8组公共晾衣架" in md and "复查日期：2027-06-01" in md
    assert "原决定" in md and "安装6组公共晾衣架" in md
    assert "第 1 次修正" in md and "理由：回访后居民要求增加两组" in md and "理由：施工延期" in md


@pytest.mark.parametrize("case", ["no_reason", "no_change", "not_decided", "other_option", "closed"])
def test_bad_amendments_are_refused_and_write_nothing(site, table, actor, case):
    if case != "not_decided":
        _decided(site, table, actor)
    if case == "closed":
        with site.db.session() as s:
            svc.close_consultation(s, actor=actor, consultation_id=table.consultation_id)
    kwargs = {
        "no_reason": {"reason": "  ", "decision": "新决定"},
        "no_change": {"reason": "重复", "decision": "安装6组公共晾衣架"},
        "not_decided": {"reason": "x", "decision": "y"},
        # the decision rests on round 1, which chose option 3: option 1 needs a new round
        "other_option": {"reason": "改选", "option_id": table.options[0]},
        "closed": {"reason": "x", "decision": "y"},
    }[case]
    code = {"no_reason": "input.required", "no_change": "delib.amendment_no_change",
            "not_decided": "delib.not_decided", "other_option": "delib.not_a_winner",
            "closed": "delib.consultation_locked"}[case]
    before = row_counts(site.db)
    with site.db.session() as s, pytest.raises(DomainError) as exc:
        svc.amend_decision(s, actor=actor, consultation_id=table.consultation_id, **kwargs)
    assert exc.value.code == code
    assert exc.value.message("zh") and exc.value.message("en")
    assert row_counts(site.db) == before
    with site.db.read_session() as s:
        assert svc.amendments_of(s, svc.outcome_of(s, table.consultation_id).id if case != "not_decided" else 0) == []


@pytest.mark.parametrize("table_name", ["delib_outcome", "delib_outcome_amendment"])
def test_the_decision_and_its_amendments_are_append_only(site, table, actor, table_name):
    _decided(site, table, actor)
    with site.db.session() as s:
        svc.amend_decision(s, actor=actor, consultation_id=table.consultation_id, reason="r", decision="d")
    for statement in (f"UPDATE {table_name} SET id = id", f"DELETE FROM {table_name}"):
        with site.db.engine.begin() as conn, pytest.raises(DBAPIError) as exc:
            conn.execute(text(statement))
        assert "append-only" in str(exc.value)
    with site.db.read_session() as s:
        assert svc.decision_in_force(s, table.consultation_id).decision == "d"


def test_amend_decision_from_the_command_line(site, table, actor):
    _decided(site, table, actor)
    cid = str(table.consultation_id)
    code, out, err = site.cli("deliberation", "amend-decision", cid, "--decision", "安装8组", "--review", "-",
                              "--json")
    assert code != 0 and "--reason" in err  # the reason is required
    code, out, err = site.cli("deliberation", "amend-decision", cid, "--reason", "回访", "--decision", "安装8组",
                              "--review", "-", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["seq"], data["decision"], data["review_on"], data["reason"]) == (1, "安装8组", None, "回访")
    code, out, err = site.cli("deliberation", "amend-decision", cid, "--reason", "同上", "--decision", "安装8组",
                              "--review", "-", lang="en")
    assert code == 1 and "changes nothing" in err
    code, out, err = site.cli("deliberation", "show", cid)
    assert code == 0
    assert "决定：安装8组" in out and "原决定" in out and "第 1 次修正" in out and "理由：回访" in out


def test_rules_alone_register_the_delib_codes():
    """``gongzhi deliberation tally`` and auditors import the pure rules alone: the codes
    they raise exist then, and core.errors itself holds no delib.* entry."""
    script = (
        "import gongzhi.core.errors as e\n"
        "assert not any(k.startswith('delib.') for k in e.MESSAGES)\n"
        "import gongzhi.plugins.deliberation.rules as r\n"
        "from gongzhi.core.errors import DomainError\n"
        "try:\n"
        "    r.check_rule(r.Rule('yes_no', threshold=r.Fraction(3, 2)))\n"
        "except DomainError as exc:\n"
        "    print(exc.code, exc.message('en'))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("delib.bad_rule invalid voting rule")
