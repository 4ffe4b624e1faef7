"""Fixtures shared by the tests that span every built-in plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from gongzhi.core.db import Database
from gongzhi.core.models.people import Person
from gongzhi.core.models.places import Place
from gongzhi.core.models.requests import Request
from tests.conftest import DEMO_NOW
from tests.dbs import pg_database


@pytest.fixture(scope="session")
def demo_street(pg_url: str, pg_template: str, tmp_path_factory) -> Iterator[Database]:
    """``gongzhi demo --scale small`` with every built-in plugin, built into PostgreSQL
    through the real command (a subprocess: the CLI keeps process-wide state)."""
    with pg_database(pg_url, "gz_scope_demo", template=pg_template) as db:
        folder = tmp_path_factory.mktemp("scope-demo")
        env = {**os.environ, "GONGZHI_DATA_DIR": str(folder), "GONGZHI_LANG": "zh"}
        for var in ("GONGZHI_DATABASE_URL", "GONGZHI_CONFIG", "GONGZHI_PLUGINS", "GONGZHI_OPERATOR"):
            env.pop(var, None)
        subprocess.run(
            [sys.executable, "-c", "import sys; from gongzhi.tui.cli import main; sys.exit(main())",
             "--db", db.url, "demo", "--scale", "small", "--no-open", "--now", DEMO_NOW],
            check=True, env=env, capture_output=True,
        )
        with db.engine.begin() as conn:  # what the small demo has in one community or none: one per community
            conn.execute(text(
                "INSERT INTO request_attachment (request_id, filename, stored_path, sha256, size, at, actor) "
                "SELECT DISTINCT ON (community_id) id, 'a.jpg', 'a.jpg', repeat('0', 64), 1, now(), '测试' "
                "FROM request ORDER BY community_id, id"))
            conn.execute(text(
                "INSERT INTO micro_objection (list_id, raised_by, content, raised_on, answer, answered_by, "
                "recorded_by, created_at) SELECT DISTINCT ON (community_id) id, '居民', '异议', '2026-11-01', '', '', "
                "'测试', now() FROM micro_list ORDER BY community_id, id"))
            conn.execute(text(
                "INSERT INTO redprop_addendum (meeting_id, refers_to, text, at, recorded_by) "
                "SELECT DISTINCT ON (p.community_id) m.id, '', '补记', now(), '测试' FROM redprop_meeting m "
                "JOIN place p ON p.id = m.place_id ORDER BY p.community_id, m.id"))
            for n, compound in enumerate(conn.scalars(text(
                    "SELECT DISTINCT ON (community_id) id FROM place WHERE kind = 'compound' ORDER BY community_id, id"))):
                chat = conn.scalar(text(
                    "INSERT INTO insights_chat_import (group_label, compound_id, messages, text_hash, imported_at, "
                    "imported_by) VALUES (:g, :c, 1, :h, now(), '测试') RETURNING id"),
                    {"g": f"业主群{n}", "c": compound, "h": f"{n:064d}"})
                conn.execute(text("INSERT INTO insights_chat_heat (import_id, day, term, messages) "
                                  "VALUES (:i, '2026-11-01', '漏水', 1)"), {"i": chat})
        _roundtables(db)
        yield db


def _roundtables(db: Database) -> None:
    """A roundtable in each of the first two communities, through the services, with a row
    in every deliberation table (a tied round settled by lot, a decision and its amendment),
    so row-level security has rows on both sides of any split of the communities."""
    from gongzhi.core.services.base import Actor
    from gongzhi.plugins.deliberation import evaluation
    from gongzhi.plugins.deliberation import services as delib

    actor = Actor("测试主持人")
    with db.engine.connect() as conn:
        compounds = conn.execute(text(
            "SELECT DISTINCT ON (community_id) id, community_id FROM place WHERE kind = 'compound' "
            "ORDER BY community_id, id LIMIT 2")).all()
    for compound, community in compounds:
        with db.session() as s:
            people = list(s.scalars(select(Person.id).join(Place, Place.id == Person.household_id)
                                    .where(Place.community_id == community).order_by(Person.id).limit(2)))
            request = s.scalar(select(Request.id).where(Request.community_id == community).order_by(Request.id))
            c = delib.create_consultation(s, actor=actor, title="楼道堆物清理", place_id=compound,
                                          request_ids=[request])
            ps = [delib.add_participant(s, actor=actor, consultation_id=c.id, role="resident_rep", person_id=p,
                                        present=True).id for p in people]
            delib.add_meeting(s, actor=actor, consultation_id=c.id, venue="议事厅", attendance=ps)
            a, b = (delib.add_option(s, actor=actor, consultation_id=c.id, text=t).id for t in ("清走", "保留"))
            r = delib.open_round(s, actor=actor, consultation_id=c.id, rule=delib.make_rule(kind="plurality"))
            for p, o in zip(ps, (a, b), strict=True):  # one each: a tie
                delib.record_ballot(s, actor=actor, round_id=r.id, participant_id=p, option_id=o)
            delib.close_round(s, actor=actor, round_id=r.id)
            delib.break_tie(s, actor=actor, round_id=r.id, option_id=a, method="lot")
            delib.decide(s, actor=actor, consultation_id=c.id, decision="一周内清走", round_id=r.id, option_id=a)
            delib.amend_decision(s, actor=actor, consultation_id=c.id, reason="延期", decision="两周内清走")
        # a micro-project's evaluation round in the community, as the micro-projects plugin asks for one
        evaluation.open_evaluation_round(db, {
            "project_id": 900_000 + community, "year": 2026, "community_id": community, "code": f"TEST-{community}",
            "options": [{"key": k, "text_zh": t, "text_en": k} for k, t in (("satisfied", "满意"),
                                                                             ("dissatisfied", "不满意"))],
            "requested_by": "测试"})
