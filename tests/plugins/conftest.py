"""Fixtures shared by the tests that span every built-in plugin."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from core.db import Database
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
            [sys.executable, "-c", "import sys; from tui.cli import main; sys.exit(main())",
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
        yield db
