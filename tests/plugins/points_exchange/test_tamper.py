"""Issue 15, item 7: the ledger holds against REPLACE on SQLite (it rewrote amount 5 ->
1005) and TRUNCATE on PostgreSQL."""

from __future__ import annotations

from gongzhi.plugins.points_exchange import services as svc
from gongzhi.plugins.points_exchange.verify import verify
from tests.tamper import assert_replace_refused, assert_truncate_refused


def test_the_ledger_holds_against_replace_and_truncate(site, street, clerk) -> None:
    with site.db.session() as s:
        t = svc.earn(s, actor=clerk, person_id=street.residents[0], rule_code="resident_volunteer").transfer
    if site.db.is_sqlite:
        assert_replace_refused(site.db, "points_transfer", t.id, "amount", 1005)
    else:
        for table in ("points_transfer", "points_rule"):
            assert_truncate_refused(site.db, table)
    with site.db.read_session() as s:
        assert svc.get_transfer(s, t.id).amount == 10
        assert verify(s) == []



def test_a_hand_edited_transfer_is_named_by_db_verify(site, street, clerk, capsys) -> None:
    from sqlalchemy import text

    from gongzhi.core.cli import main

    with site.db.session() as s:
        ts = [svc.earn(s, actor=clerk, person_id=p, rule_code="resident_volunteer").transfer
              for p in street.residents[:3]]
    assert main(["--db", site.db.url, "db", "verify"]) == 0
    victim = ts[1].id
    with site.db.engine.begin() as conn:  # an owner lifts the guard, edits, puts it back
        if site.db.is_sqlite:
            conn.execute(text("DROP TRIGGER points_transfer_no_update"))
            conn.execute(text(f"UPDATE points_transfer SET note = 'x' WHERE id = {victim}"))
            conn.execute(text("CREATE TRIGGER points_transfer_no_update BEFORE UPDATE ON points_transfer "
                              "BEGIN SELECT RAISE(ABORT, 'points_transfer is append-only'); END"))
        else:
            conn.execute(text("ALTER TABLE points_transfer DISABLE TRIGGER points_transfer_append_only"))
            conn.execute(text(f"UPDATE points_transfer SET note = 'x' WHERE id = {victim}"))
            conn.execute(text("ALTER TABLE points_transfer ENABLE TRIGGER points_transfer_append_only"))
    capsys.readouterr()
    assert main(["--db", site.db.url, "--lang", "en", "db", "verify"]) == 1
    assert f"hash chain broken: table points_transfer, row id {victim}" in capsys.readouterr().err
