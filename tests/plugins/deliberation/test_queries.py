"""What the screens show is read a query per list, never a query per row: the number of
statements ``load_detail`` and ``load_consultations`` run does not grow with the rounds,
ballots or consultations. And the round file's codecs import no services (the import
circle export ↔ services is gone)."""

from __future__ import annotations

import ast
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event

from gongzhi.plugins.deliberation import services as svc
from gongzhi.plugins.deliberation.queries import load_consultations, load_detail
from tests.plugins.deliberation.conftest import make_table


@contextmanager
def counted(engine):
    seen: list[str] = []

    def hook(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", hook)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", hook)


def closed_rounds(db, actor, table, n: int) -> None:
    with db.session() as s:
        for _ in range(n):
            r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="simple_majority",
                               option_ids=[table.options[0]])
            for pid in table.residents:
                svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=pid, choice="y")
            svc.close_round(s, actor=actor, round_id=r.id)


def statements(db, fn) -> int:
    with db.read_session() as s, counted(db.engine) as seen:
        fn(s)
    return len(seen)


def test_a_query_per_list_not_per_row(site, actor):
    small = make_table(site.db, actor, title="一轮")
    big = make_table(site.db, actor, title="五轮")
    closed_rounds(site.db, actor, small, 1)
    closed_rounds(site.db, actor, big, 5)
    one = statements(site.db, lambda s: load_detail(s, small.consultation_id))
    five = statements(site.db, lambda s: load_detail(s, big.consultation_id))
    assert one == five, (one, five)
    with site.db.read_session() as s:
        detail = load_detail(s, big.consultation_id)
    assert len(detail.rounds) == 5 and all(len(r.ballots) == 6 and r.outcome == "adopted" for r in detail.rounds)
    listed = statements(site.db, load_consultations)
    make_table(site.db, actor, title="再一项")
    assert statements(site.db, load_consultations) == listed


def test_the_round_file_codecs_import_no_services():
    source = Path(__file__).resolve().parents[3] / "plugins" / "deliberation" / "export.py"
    imported = {n.module for n in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
                if isinstance(n, ast.ImportFrom)} | {
        f"gongzhi.plugins.deliberation.{a.name}" for n in ast.walk(ast.parse(source.read_text(encoding="utf-8")))
        if isinstance(n, ast.ImportFrom) and n.module == "gongzhi.plugins.deliberation" for a in n.names}
    assert "gongzhi.plugins.deliberation.services" not in imported
