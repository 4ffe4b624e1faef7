"""Transparency: a closed round exported to a file recounts, from the file alone, to
the stored result — for hand-picked rounds and for random ones (Hypothesis)."""

from __future__ import annotations

import contextlib
import copy
import json

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import rules
from gongzhi.plugins.deliberation import services as svc
from gongzhi.plugins.deliberation.export import (
    FORMAT,
    VERSION,
    read_round_file,
    rule_from_json,
    rule_to_json,
    tally_round_file,
)


def _file(s, round_id: int) -> dict:
    """The round file as it reads back from disk."""
    return json.loads(json.dumps(svc.round_file(s, round_id=round_id, exported_by="审计员"), ensure_ascii=False))


def test_a_named_round_recounts_from_its_file(site, table, actor):
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="irv")
        rankings = [(0, 1, 2), (1, 0, 2), (2, 1, 0), (1, 2, 0), (0, 2, 1), (1, 0, 2)]
        for pid, order in zip(table.residents, rankings, strict=True):
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid,
                              ranking=[table.options[i] for i in order])
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0],
                          ranking=[table.options[1], table.options[0]])  # superseded: stays in the file's history
        res = svc.close_round(s, actor=actor, round_id=r.id)
        data = _file(s, r.id)
    assert data["format"] == FORMAT and data["version"] == VERSION and data["exported_by"] == "审计员"
    assert data["round"]["kind"] == "irv" and data["rule"]["kind"] == "irv"
    assert [o["number"] for o in data["options"]] == [1, 2, 3]
    assert {v["name"] for v in data["voters"]} >= {"许玉生", "施工方代表"}
    assert len(data["ballots"]) == 6 and data["superseded_count"] == 1
    assert data["superseded"][0]["voter"] == table.residents[0]
    assert data["result"] == res.result
    recount = tally_round_file(data)
    assert recount.matches is True
    assert recount.result.outcome == res.outcome and list(recount.result.winners) == res.winners


def test_a_secret_round_file_names_nobody(site, table, actor):
    with site.db.session() as s:
        svc.checkin(s, actor=actor, participant_id=table.residents[5], present=False)
        svc.set_proxy(s, actor=actor, participant_id=table.residents[4], proxy_for_id=table.residents[5])
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="consent_all_residents",
                           option_ids=[table.options[2]], secret=True)
        for pid in table.residents[:5]:
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, choice="yes")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[5],
                          cast_by_id=table.residents[4], choice="object", reason="晾衣架挡住我家窗户")
        res = svc.close_round(s, actor=actor, round_id=r.id)
        data = _file(s, r.id)
    assert res.outcome == "rejected"  # a resident's objection blocks, even by proxy
    text = json.dumps(data, ensure_ascii=False)
    assert "许玉生" not in text and "token" not in text
    assert all("recorded_at" not in b and "id" not in b for b in data["ballots"])
    assert data["superseded"] == []
    proxy_votes = [b for b in data["ballots"] if b["cast_by"] is not None]
    assert len(proxy_votes) == 1 and proxy_votes[0]["reason"] == "晾衣架挡住我家窗户"
    assert tally_round_file(data).matches is True


def test_a_changed_file_does_not_match(site, table, actor):
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           title="是否设置")
        for i, pid in enumerate(table.residents):
            svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, choice="yes" if i < 4 else "no")
        svc.close_round(s, actor=actor, round_id=r.id)
        data = _file(s, r.id)
    forged = copy.deepcopy(data)
    for b in forged["ballots"][:3]:
        b["choice"] = "no"
    recount = tally_round_file(forged)
    assert recount.matches is False and recount.result.outcome == "rejected"
    paper = {k: v for k, v in data.items() if k != "result"}  # a paper round: nothing stored to compare
    assert tally_round_file(paper).matches is None


def test_a_hand_written_paper_round(tmp_path):
    paper = {
        "format": FORMAT, "version": 1,
        "rule": {"kind": "yes_no", "threshold": "2/3", "comparator": ">=", "base": "YN"},
        "options": [],
        "voters": [{"id": i, "group": "residents", "role": "resident_rep"} for i in range(1, 7)],
        "ballots": [{"voter": i, "choice": "yes" if i <= 4 else "no"} for i in range(1, 7)],
    }
    path = tmp_path / "paper.json"
    path.write_text(json.dumps(paper), encoding="utf-8")
    recount = tally_round_file(read_round_file(path))
    assert recount.result.outcome == "adopted" and recount.matches is None  # 4*3 >= 2*6: exactly two thirds


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda d: d.update(format="something.else"), "delib.export_invalid"),
    (lambda d: d.update(version=99), "delib.export_invalid"),
    (lambda d: d["rule"].update(threshold=0.5), "delib.bad_rule"),
    (lambda d: d["rule"].update(base="YNA", kind="borda"), "delib.base_not_allowed"),
    (lambda d: d["voters"][0].update(weight=0), "delib.export_invalid"),
    (lambda d: d["ballots"].append(dict(d["ballots"][0])), "delib.export_invalid"),
    (lambda d: d["ballots"][0].update(choice="maybe"), "delib.export_invalid"),
    (lambda d: d.update(voters="all of them"), "delib.export_invalid"),
])
def test_a_broken_file_is_a_clear_error(mutate, code):
    data = {
        "format": FORMAT, "version": 1,
        "rule": {"kind": "yes_no", "threshold": "1/2", "comparator": ">", "base": "YN"},
        "options": [], "voters": [{"id": 1}, {"id": 2}], "ballots": [{"voter": 1, "choice": "yes"}],
    }
    mutate(data)
    with pytest.raises(DomainError) as exc:
        tally_round_file(data)
    assert exc.value.code == code


def test_unreadable_files(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    for path in (bad, tmp_path / "missing.json"):
        with pytest.raises(DomainError) as exc:
            read_round_file(path)
        assert exc.value.code == "delib.export_invalid"


@pytest.mark.parametrize("name", sorted(rules.PRESETS))
def test_every_preset_survives_the_codec(name):
    rule = rules.PRESETS[name]
    assert rule_from_json(json.loads(json.dumps(rule_to_json(rule)))) == rule


# -- random rounds ------------------------------------------------------------------------

PRESETS = sorted(rules.PRESETS)


@st.composite
def rounds(draw):
    n = draw(st.integers(2, 7))
    people = [{"role": draw(st.sampled_from(rules.ROLES)), "weight": draw(st.integers(1, 3)),
               "present": draw(st.sampled_from([True, True, True, False])), "group": draw(st.sampled_from(["residents", "property"]))}
              for _ in range(n)]
    proxy = draw(st.none() | st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)))
    n_options = draw(st.integers(2, 4))
    preset = draw(st.sampled_from(PRESETS))
    quorum = draw(st.none() | st.sampled_from(["1/2", "2/3"]))
    secret = draw(st.booleans())
    votes = []
    for i in range(n):
        if not draw(st.sampled_from([True, True, True, False])):
            continue  # not voting is not abstaining
        by_proxy = proxy is not None and proxy[1] == i and draw(st.booleans())
        perm = draw(st.permutations(range(n_options)))
        votes.append({
            "voter": i, "by_proxy": by_proxy,
            "choice": draw(st.sampled_from(["yes", "no", "abstain", "object", None])),
            "reason": draw(st.sampled_from(["", "挡光"])),
            "ranking": list(perm[: draw(st.integers(1, n_options))]),
            "approvals": sorted(set(draw(st.lists(st.integers(0, n_options - 1), max_size=n_options)))),
            "option": draw(st.integers(0, n_options - 1)),
            "again": draw(st.booleans()),
        })
    return people, proxy, n_options, preset, quorum, secret, votes


def _ballot_args(kind: str, v: dict, options: list[int]) -> dict:
    if kind in ("yes_no", "consent"):
        return {"choice": v["choice"], "reason": v["reason"]}
    if v["choice"] == "abstain":
        return {"choice": "abstain"}
    if kind == "plurality":
        return {"option_id": options[v["option"]]}
    if kind == "approval":
        return {"approvals": [options[i] for i in v["approvals"]]}
    return {"ranking": [options[i] for i in v["ranking"]]}


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=rounds())
def test_export_then_tally_reproduces_the_stored_result(site, actor, case):
    people, proxy, n_options, preset, quorum, secret, votes = case
    with site.db.session() as s:
        c = svc.create_consultation(s, actor=actor, title="随机表决")
        ps = [svc.add_participant(s, actor=actor, consultation_id=c.id, role=p["role"], name=f"参与人{i}",
                                  group=p["group"], weight=p["weight"], present=p["present"], can_vote=True)
              for i, p in enumerate(people)]
        if proxy is not None and proxy[0] != proxy[1]:
            svc.set_proxy(s, actor=actor, participant_id=ps[proxy[0]].id, proxy_for_id=ps[proxy[1]].id)
        options = [svc.add_option(s, actor=actor, consultation_id=c.id, text=f"方案{i}").id for i in range(n_options)]
        rule = svc.make_rule(preset, quorum_fraction=quorum) if quorum else svc.make_rule(preset)
        kind = rule.kind
        r = svc.open_round(s, actor=actor, consultation_id=c.id, rule=rule, secret=secret, title="随机",
                           option_ids=options[:1] if kind in ("yes_no", "consent") else options)
        for v in votes:
            cast_by = ps[proxy[0]].id if v["by_proxy"] and proxy[0] != proxy[1] else None
            for _ in range(2 if v["again"] else 1):
                # a random ballot may break a rule: refused, nothing written
                with contextlib.suppress(DomainError):
                    svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=ps[v["voter"]].id,
                                      cast_by_id=cast_by, **_ballot_args(kind, v, options))
                v = {**v, "choice": "abstain"}
        res = svc.close_round(s, actor=actor, round_id=r.id)
        fresh, same, stray = svc.recount(s, round_id=r.id)
        data = _file(s, r.id)
    event(f"{kind}: {res.outcome}, {'some' if res.ballot_ids else 'no'} ballots")
    assert same and stray == []
    recount = tally_round_file(data)
    assert recount.matches is True, (recount.as_dict(), res.result)
    assert recount.result.outcome == res.outcome
