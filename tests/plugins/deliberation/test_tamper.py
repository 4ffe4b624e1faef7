"""Issue 15, item 7: ballots hold against REPLACE on SQLite and TRUNCATE on PostgreSQL."""

from __future__ import annotations

from gongzhi.plugins.deliberation import services as svc
from tests.tamper import assert_replace_refused, assert_truncate_refused


def test_ballots_hold_against_replace_and_truncate(site, table, actor):
    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id,
                           preset="consent_all_residents", option_ids=[table.options[2]])
        ballot = svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], choice="y")
    if site.db.is_sqlite:
        assert_replace_refused(site.db, "delib_ballot", ballot.id, "choice", "o")
    else:
        assert_truncate_refused(site.db, "delib_ballot")


def test_a_hand_edited_ballot_is_named_by_db_verify(site, table, actor, capsys):
    from sqlalchemy import text

    from gongzhi.core.cli import main

    with site.db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id,
                           preset="consent_all_residents", option_ids=[table.options[2]])
        ids = [svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=p, choice="y").id
               for p in table.residents[:3]]
    assert main(["--db", site.db.url, "db", "verify"]) == 0
    victim = ids[1]
    with site.db.engine.begin() as conn:
        if site.db.is_sqlite:
            conn.execute(text("DROP TRIGGER delib_ballot_no_update"))
            conn.execute(text(f"UPDATE delib_ballot SET choice = 'o' WHERE id = {victim}"))
            conn.execute(text("CREATE TRIGGER delib_ballot_no_update BEFORE UPDATE ON delib_ballot "
                              "BEGIN SELECT RAISE(ABORT, 'delib_ballot is append-only'); END"))
        else:
            conn.execute(text("ALTER TABLE delib_ballot DISABLE TRIGGER delib_ballot_append_only"))
            conn.execute(text(f"UPDATE delib_ballot SET choice = 'o' WHERE id = {victim}"))
            conn.execute(text("ALTER TABLE delib_ballot ENABLE TRIGGER delib_ballot_append_only"))
    capsys.readouterr()
    assert main(["--db", site.db.url, "db", "verify"]) == 1
    assert f"表 delib_ballot 的第 {victim} 行" in capsys.readouterr().err
