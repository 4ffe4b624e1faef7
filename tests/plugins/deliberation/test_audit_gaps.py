"""The gaps an audit of issue 16's fixes found, each as a regression test on SQLite and
PostgreSQL: a check-out that drops ballots refused by the service itself unless
confirmed; rounds named by their number and consultation in every message; one open
round per consultation; tamper evidence in the recount; labels, never codes."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import pytest
from sqlalchemy import text

from gongzhi.core.errors import DomainError
from gongzhi.plugins.deliberation import rules
from gongzhi.plugins.deliberation import services as svc
from gongzhi.plugins.deliberation.models import Ballot, Participant
from tests.plugins.deliberation.conftest import make_table, row_counts
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)


def _refused(db, code: str, fn) -> DomainError:
    before = row_counts(db)
    with db.session() as s, pytest.raises(DomainError) as info:
        fn(s)
    assert info.value.code == code, (info.value.code, info.value.message())
    assert row_counts(db) == before
    return info.value


def _ok(site, *args, lang=None):
    code, out, err = site.cli(*args, lang=lang)
    assert code == 0, (args, err)
    return out


# -- 1. a check-out that drops ballots ---------------------------------------------------


def test_the_service_refuses_a_check_out_that_drops_ballots_unless_confirmed(site, table, actor):
    db = site.db
    a, b, giver = table.residents[0], table.residents[1], table.residents[5]
    with db.session() as s:
        svc.set_proxy(s, actor=actor, participant_id=b, proxy_for_id=giver)
        svc.checkin(s, actor=actor, participant_id=giver, present=False)  # no ballot yet: no question
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           option_ids=[table.options[0]])
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=a, choice="y")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=giver, choice="y", cast_by_id=b)
        names = {p.id: p.name for p in svc.participants_of(s, table.consultation_id)}
    err = _refused(db, "delib.checkout_drops", lambda s: svc.checkin(s, actor=actor, participant_id=a, present=False))
    assert names[a] in err.message("zh") and "1 张选票" in err.message("zh")
    err = _refused(db, "delib.checkout_drops", lambda s: svc.checkin(s, actor=actor, participant_id=b, present=False))
    assert "1 proxy vote" in err.message("en") and names[b] in err.message("en")
    # everyone out at once: refused naming both, nothing written
    err = _refused(db, "delib.checkout_drops", lambda s: svc.checkin_all(
        s, actor=actor, consultation_id=table.consultation_id, present=False))
    assert err.message("zh") == (f"{names[a]}、{names[b]} 离场后，其在进行中轮次的 1 张选票和 1 份委托投票在计票时"
                                 "将不计入；须确认后才能离场")
    with db.session() as s:
        svc.checkin(s, actor=actor, participant_id=a, present=False, confirm_drop=True)
        changed = svc.checkin_all(s, actor=actor, consultation_id=table.consultation_id, present=False,
                                  confirm_drop=True)
        assert b in {p.id for p in changed}
        assert not s.get(Participant, a).present and not s.get(Participant, b).present


def test_the_app_asks_before_a_check_out_that_drops_a_ballot(make_app, street_db, ids):  # noqa: F811
    """``space`` on a voter with a ballot in the open round opens a y/n dialog saying what
    drops; ``n`` keeps them present, ``y`` checks them out."""
    import asyncio

    from textual.widgets import DataTable

    from gongzhi.plugins.deliberation.screens import ConfirmCloseScreen
    from tests.plugins.deliberation.test_screens import build, open_consultation, text_of
    from tests.tui.pilot import settle, until

    app = make_app(plugins=("deliberation",))
    data = build(street_db, ids)  # 张晓明 (p1) present, round open
    from gongzhi.core.services import Actor

    with street_db.session() as s:
        svc.record_ballot(s, actor=Actor("议事厅主持人"), round_id=data["round"], participant_id=data["p1"],
                          choice="y")

    async def inner():
        async with app.run_test(size=(160, 50)) as pilot:
            screen = await open_consultation(app, pilot)
            people = screen.query_one("#delib-participants", DataTable)
            people.focus()
            people.move_cursor(row=0)
            await pilot.press("space")
            await until(pilot, lambda: isinstance(app.screen, ConfirmCloseScreen))
            dialog = app.screen
            assert "张晓明" in text_of(dialog.query_one("#delib-confirm-question"))
            assert "1 张选票" in text_of(dialog.query_one("#delib-confirm-text"))
            await pilot.press("n")
            await until(pilot, lambda: app.screen is screen)
            await settle(pilot)
            with street_db.read_session() as s:
                assert s.get(Participant, data["p1"]).present  # declined: nothing written
            assert str(people.get_row_at(0)[1]) == "✓ 到场"
            people.move_cursor(row=0)
            await pilot.press("space")
            await until(pilot, lambda: isinstance(app.screen, ConfirmCloseScreen))
            await pilot.press("y")
            await until(pilot, lambda: app.screen is screen)
            await until(pilot, lambda: str(people.get_row_at(0)[1]) == "— 未到")

    asyncio.run(inner())
    with street_db.read_session() as s:
        assert not s.get(Participant, data["p1"]).present


# -- 2. rounds named as people see them ----------------------------------------------------


def test_messages_name_a_round_by_its_number_and_consultation_never_its_id(site, actor):
    other = make_table(site.db, actor, title="另一协商")
    t = make_table(site.db, actor, title="荣诚园晾衣架")
    with site.db.session() as s:
        svc.open_round(s, actor=actor, consultation_id=other.consultation_id, preset="simple_majority",
                       option_ids=[other.options[0]])
        r = svc.open_round(s, actor=actor, consultation_id=t.consultation_id, preset="simple_majority",
                           option_ids=[t.options[0]])
        rid = r.id
    assert rid != 1  # the global id is not the number people see
    cid = str(t.consultation_id)
    for args, zh in (
        (("publish", cid, "1"), "「荣诚园晾衣架」第 1 轮当前「表决中」，不能变为「已公布」"),
        (("export-round", cid, "1"), "「荣诚园晾衣架」第 1 轮尚未计票"),
        (("round", "break-tie", cid, "1", "--option", "1", "--method", "lot"), "「荣诚园晾衣架」第 1 轮尚未计票"),
    ):
        before = row_counts(site.db)
        code, _, err = site.cli("deliberation", *args)
        assert code == 1 and err.strip() == f"错误：{zh}", err
        code, _, err = site.cli("deliberation", *args, lang="en")
        assert code == 1 and "round 1 of '荣诚园晾衣架'" in err and f"round {rid}" not in err, err
        assert row_counts(site.db) == before
    out = _ok(site, "deliberation", "show", cid)
    assert "第 1 轮 " in out and "（id" not in out and "(id" not in out


# -- 3. one open round per consultation ----------------------------------------------------


def test_a_consultation_takes_ballots_in_one_round_at_a_time(site, table, actor):
    db = site.db
    cid = table.consultation_id
    with db.session() as s:
        first = svc.open_round(s, actor=actor, consultation_id=cid, preset="simple_majority",
                               option_ids=[table.options[0]])
        later = svc.open_round(s, actor=actor, consultation_id=cid, preset="simple_majority",
                               option_ids=[table.options[1]], start=False)  # created, not open: allowed
    err = _refused(db, "delib.round_already_open", lambda s: svc.open_round(
        s, actor=actor, consultation_id=cid, preset="simple_majority", option_ids=[table.options[1]]))
    assert err.message("zh").startswith("「荣诚园晾衣架」第 1 轮还在表决") and f"round close {cid} 1" in err.message("zh")
    assert "close and count it first" in err.message("en")
    _refused(db, "delib.round_already_open", lambda s: svc.start_round(s, actor=actor, round_id=later.id))
    # another consultation's round may be open meanwhile
    other = make_table(db, actor, title="另一协商")
    with db.session() as s:
        svc.open_round(s, actor=actor, consultation_id=other.consultation_id, preset="simple_majority",
                       option_ids=[other.options[0]])
        svc.close_round(s, actor=actor, round_id=first.id)
        assert svc.start_round(s, actor=actor, round_id=later.id).state == "open"
        assert [r.number for r in svc._open_rounds(s, cid)] == [2]


# -- 4. tamper evidence ---------------------------------------------------------------------


def _forge(db, round_id: int, participant_id: int) -> int:
    """A ballot row written to the table directly, as someone with the database would."""
    with db.session() as s:
        row = Ballot(round_id=round_id, participant_id=participant_id, voter_key=f"p{participant_id}x", seq=1,
                     choice="yes", reason="", ranking=[], approvals=[], recorded_by="手工")
        s.add(row)
        s.commit()
        return row.id


def test_a_recount_flags_a_hand_inserted_ballot_and_tally_exits_2(site, table, actor, tmp_path):
    db = site.db
    with db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           option_ids=[table.options[0]])
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], choice="y")
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], choice="n")
        svc.close_round(s, actor=actor, round_id=r.id)
        assert svc.recount(s, round_id=r.id).out_of_sequence == []
        victim = s.get(Participant, table.residents[1]).name
    forged = _forge(db, r.id, table.residents[1])
    with db.read_session() as s:
        again = svc.recount(s, round_id=r.id)
        assert again.matches is True  # the count is the stored one: the forged row was never counted
        assert [(b["id"], b["voter"], b["name"]) for b in again.out_of_sequence] == [
            (forged, table.residents[1], victim)]
        data = json.loads(json.dumps(svc.round_file(s, round_id=r.id), ensure_ascii=False, default=str))
    # the forged row is flagged, not listed among the superseded ballots
    assert [b["id"] for b in data["superseded"]] != [] and forged not in [b["id"] for b in data["superseded"]]
    assert data["superseded_count"] == 1
    path = tmp_path / "round.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    code, out, _ = site.cli("deliberation", "tally", str(path))
    assert code == 2
    warning = next(line for line in out.splitlines() if line.startswith("警告"))
    assert victim in warning and str(forged) not in warning
    code, out, _ = site.cli("deliberation", "tally", str(path), "--json")
    assert code == 2 and [b["id"] for b in json.loads(out)["out_of_sequence"]] == [forged]
    clean = {**data, "out_of_sequence": []}
    path.write_text(json.dumps(clean, ensure_ascii=False), encoding="utf-8")
    code, out, _ = site.cli("deliberation", "tally", str(path), "--json")
    assert code == 0 and json.loads(out)["out_of_sequence"] == []


def test_a_round_with_a_stored_count_takes_no_ballot_after_a_hand_reset(site, table, actor):
    db = site.db
    with db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                           option_ids=[table.options[0]])
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], choice="y")
        svc.close_round(s, actor=actor, round_id=r.id)
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE delib_round SET state = 'open' WHERE id = :id"), {"id": r.id})
    err = _refused(db, "delib.round_has_result", lambda s: svc.record_ballot(
        s, actor=actor, round_id=r.id, participant_id=table.residents[1], choice="y"))
    assert "「荣诚园晾衣架」第 1 轮已有计票结果" in err.message("zh")


# -- 5. labels, never codes ----------------------------------------------------------------

CODES = re.compile(r"\b(resident_rep|party_rep|property_company|contractor|expert|observer|residents|party|property|"
                   r"experts|observers|simple_majority|absolute_majority|two_thirds|unanimity|consent_all_residents|"
                   r"yes_no|consent|custom|open|closed|published|adopted|rejected|no_quorum)\b")


def test_the_chinese_output_of_show_tally_and_the_explanation_holds_no_code(site, actor, tmp_path):
    t = make_table(site.db, actor)
    cid = str(t.consultation_id)
    with site.db.session() as s:
        svc.open_round(s, actor=actor, consultation_id=t.consultation_id, preset="consent_all_residents",
                       option_ids=[t.options[2]])
        rid = svc.find_round(s, t.consultation_id, 1).id
        for pid in t.residents:
            svc.record_ballot(s, actor=actor, round_id=rid, participant_id=pid, choice="y")
        svc.record_ballot(s, actor=actor, round_id=rid, participant_id=t.contractor, choice="o", reason="工期紧")
    _ok(site, "deliberation", "round", "close", cid, "1")
    _ok(site, "deliberation", "round", "open", cid, "--preset", "simple_majority", "--options", "1",
        "--per-group", "居民", "--quorum", "1/2")  # a group by its label; an adjusted preset
    _ok(site, "deliberation", "vote", cid, "2", "许玉生", "y")
    _ok(site, "deliberation", "round", "close", cid, "2")
    _ok(site, "deliberation", "export-round", cid, "1", "-o", str(tmp_path / "r1.json"))
    outputs = [
        _ok(site, "deliberation", "show", cid),
        _ok(site, "deliberation", "round", "show", cid, "1"),
        _ok(site, "deliberation", "round", "show", cid, "2"),
        _ok(site, "deliberation", "tally", str(tmp_path / "r1.json")),
    ]
    for out in outputs:
        assert not CODES.search(out), CODES.search(out).group(0) + "\n" + out
    shown, first, second = outputs[0], outputs[1], outputs[3]
    assert "居民" in shown and "施工方" in shown
    assert "施工方代表（施工方）提出异议" in first  # the role's label (the explanation names the person)
    assert "无异议（协商一致） · 全体居民代表无异议" in first  # the kind's and the preset's labels
    assert "参数已调整" in outputs[2]
    assert second  # the file's recount prints its explanation too


def test_a_fraction_above_one_is_out_of_range_not_a_decimal():
    with pytest.raises(DomainError) as info:
        rules.check_rule(rules.Rule("yes_no", Fraction(4, 3)))
    zh, en = info.value.message("zh"), info.value.message("en")
    assert "4/3" in zh and "Fraction" not in zh and "小数" not in zh
    assert "4/3" in en and "decimal" not in en and "float" not in en
    with pytest.raises(DomainError) as info:
        rules.check_rule(rules.Rule("yes_no", 0.66))  # type: ignore[arg-type]
    assert "小数" in info.value.message("zh")


def test_a_roster_error_names_the_person_when_the_names_are_known():
    roster = [rules.Voter(1, proxy_for=3), rules.Voter(2, proxy_for=3), rules.Voter(3)]
    with pytest.raises(DomainError) as info:
        rules.tally(rules.Rule("yes_no"), roster, [], [], names={1: "许玉生", 2: "王勇", 3: "任凯"})
    assert info.value.code == "delib.bad_roster"
    assert info.value.message("zh") == "名册有误：参与者 任凯 的委托同时交给了 许玉生 和 王勇"
    with pytest.raises(DomainError) as info:
        rules.tally(rules.Rule("yes_no"), [rules.Voter(1, role="mayor")], [], [], names={1: "许玉生"})
    assert "许玉生" in info.value.message("zh") and "居民代表" in info.value.message("zh")


def test_an_unknown_group_lists_the_groups_by_their_labels(site, table, actor):
    err = _refused(site.db, "delib.unknown_group", lambda s: svc.open_round(
        s, actor=actor, consultation_id=table.consultation_id,
        rule=svc.make_rule("simple_majority", per_group=["residnts"]), option_ids=[table.options[0]]))
    zh, en = err.message("zh"), err.message("en")
    assert "居民" in zh and "施工方" in zh and not CODES.search(zh.replace("residnts", "")), zh
    assert "residents" in en
    with site.db.session() as s:  # a group by its label is the group
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id,
                           rule=svc.make_rule("simple_majority", per_group=["居民", "property company"]),
                           option_ids=[table.options[0]])
        assert svc.rule_of(r).per_group == ("residents", "property")
