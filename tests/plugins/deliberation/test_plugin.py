"""The plugin as a plugin: alone and beside the example plugin, its migrations and
append-only triggers on SQLite and PostgreSQL, enabling and disabling, its hooks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.cli import main
from gongzhi.core.config import load_settings
from gongzhi.core.db import Database
from gongzhi.core.plugins import available_plugins
from gongzhi.core.services import Actor
from gongzhi.plugins.deliberation import services as svc
from tests.plugins.deliberation.conftest import make_table

ROOT = Path(__file__).resolve().parents[3]
TABLES = {"delib_consultation", "delib_consultation_request", "delib_participant", "delib_option", "delib_meeting",
          "delib_round", "delib_ballot", "delib_round_result", "delib_tie_break", "delib_outcome"}


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _closed_tied_round(db, table, actor) -> int:
    with db.session() as s:
        r = svc.open_round(s, actor=actor, consultation_id=table.consultation_id, preset="plurality",
                           option_ids=table.options[:2])
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[0], option_id=table.options[0])
        svc.record_ballot(s, actor=actor, round_id=r.id, participant_id=table.residents[1], option_id=table.options[1])
        svc.close_round(s, actor=actor, round_id=r.id)
        svc.break_tie(s, actor=actor, round_id=r.id, option_id=table.options[0], method="chair")
        return r.id


def test_the_plugin_is_installed_under_the_entry_point_group():
    found = available_plugins()
    assert found["deliberation"].module == "gongzhi.plugins.deliberation.plugin"
    assert found["deliberation"].source == "built-in"


def test_plugin_module_imports_nothing_heavy():
    code = ("import sys, gongzhi.plugins.deliberation.plugin\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith('gongzhi.plugins.deliberation.'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "gongzhi.plugins.deliberation.plugin"


def test_alone_migrated_and_matching_its_models(site):
    assert _tables(site.db) >= TABLES and "deliberation_alembic_version" in _tables(site.db)
    assert site.host.migration_state(site.db, "deliberation") == "up to date"
    assert site.host.check(site.db, "deliberation") == []
    assert site.host.metas["deliberation"].title_zh == "居民议事厅"
    assert site.host.metas["deliberation"].title_en == "Residents' council"
    assert site.host.specs["deliberation"].table_prefix == "delib_"


def test_migrations_go_down_and_up_again(site):
    site.host.downgrade(site.db, "deliberation")
    assert not (TABLES & _tables(site.db)) and "request" in _tables(site.db)
    site.host.upgrade(site.db, "deliberation")
    assert _tables(site.db) >= TABLES
    assert site.host.check(site.db, "deliberation") == []


def test_a_core_only_site_has_no_delib_tables(gongzhi_site, db):
    core_only = gongzhi_site(plugins=[], url=db.url)
    assert not any(t.startswith("delib_") for t in _tables(core_only.db))


@pytest.mark.parametrize("table_name", ["delib_ballot", "delib_round_result", "delib_tie_break"])
@pytest.mark.parametrize("statement", ["UPDATE {t} SET id = id", "DELETE FROM {t}"])
def test_triggers_refuse_update_and_delete(site, table, actor, table_name, statement):
    _closed_tied_round(site.db, table, actor)
    with site.db.engine.connect() as conn:
        before = conn.execute(text(f"SELECT count(*) FROM {table_name}")).scalar_one()
    assert before > 0
    with site.db.engine.begin() as conn, pytest.raises(DBAPIError) as exc:
        conn.execute(text(statement.format(t=table_name)))
    assert "append-only" in str(exc.value)
    with site.db.engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {table_name}")).scalar_one() == before


def test_the_orm_cannot_change_a_ballot_or_a_result_either(site, table, actor):
    from gongzhi.plugins.deliberation.models import Ballot, RoundResult

    round_id = _closed_tied_round(site.db, table, actor)
    with site.db.session() as s:
        b = s.scalar(select(Ballot).where(Ballot.round_id == round_id).limit(1))
        b.choice = "yes"
        with pytest.raises(DBAPIError):
            s.commit()
    with site.db.session() as s:
        res = s.scalar(select(RoundResult).where(RoundResult.round_id == round_id))
        res.outcome = "adopted"
        with pytest.raises(DBAPIError):
            s.commit()
    with site.db.read_session() as s:
        assert s.scalar(select(RoundResult.outcome).where(RoundResult.round_id == round_id)) == "tie"


def test_truncate_is_refused_on_postgresql(gongzhi_site, pg_db, actor):
    site = gongzhi_site(plugins=["deliberation"], url=pg_db.url)
    _closed_tied_round(site.db, make_table(site.db, actor), actor)
    with site.db.engine.begin() as conn, pytest.raises(DBAPIError) as exc:
        conn.execute(text("TRUNCATE delib_ballot CASCADE"))
    assert "append-only" in str(exc.value)


def test_together_with_the_example_plugin(noticeboard, gongzhi_site, db, actor):
    both = gongzhi_site(plugins=["deliberation", "noticeboard"], url=db.url)
    assert _tables(both.db) >= TABLES and "notice_item" in _tables(both.db)
    assert both.host.check(both.db, "deliberation") == [] and both.host.check(both.db, "noticeboard") == []
    table = make_table(both.db, actor)
    with both.db.session() as s:
        svc.decide(s, actor=actor, consultation_id=table.consultation_id, decision="安装6组公共晾衣架")
    from gongzhi_noticeboard.models import NoticeItem

    with both.db.read_session() as s:
        assert s.scalar(select(NoticeItem.title)) == "协商结果公示：荣诚园晾衣架"
    code, out, err = both.cli("deliberation", "list", "--json")
    assert code == 0, err
    assert [c["status"] for c in json.loads(out)] == ["decided"]
    code, out, _ = both.cli("notice", "list", "--json")
    assert code == 0 and "协商结果公示" in out


def test_disable_hides_the_plugin_and_keeps_its_data(db, tmp_path, capsys, actor):
    def cli(*args):
        capsys.readouterr()
        code = main(["--db", db.url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert not (TABLES & _tables(db))
    code, _, err = cli("plugins", "enable", "deliberation")
    assert code == 0, err
    assert "deliberation" in load_settings().plugins and _tables(db) >= TABLES
    code, out, err = cli("deliberation", "create", "荣诚园晾衣架", "--json")
    assert code == 0, err
    consultation_id = json.loads(out)["id"]

    code, _, err = cli("plugins", "disable", "deliberation")
    assert code == 0, err
    assert cli("deliberation", "list")[0] != 0  # no such command any more
    assert _tables(db) >= TABLES
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT title FROM delib_consultation")).scalar_one() == "荣诚园晾衣架"
    code, _, err = cli("plugins", "enable", "deliberation")
    assert code == 0, err
    code, out, _ = cli("deliberation", "show", str(consultation_id), "--json")
    assert json.loads(out)["title"] == "荣诚园晾衣架"


def test_contribution_hooks(site, table, tmp_path):
    palette = site.host.collect("register_palette_commands")
    keys = {c.key: c.args for c in palette}
    assert keys["议事: 从诉求发起协商"][0] == "Deliberation: open a consultation from a request"
    assert callable(keys["议事: 从诉求发起协商"][1])  # called as action(app) by the palette
    exports = site.host.collect("register_exports")
    assert [e.key for e in exports] == ["deliberation_minutes"]
    with site.db.read_session() as s:
        path = exports[0].args[2](s, tmp_path / "minutes.md")
    assert "居民议事厅会议纪要：荣诚园晾衣架" in path.read_text(encoding="utf-8")
    code, out, _ = site.cli("--help")
    assert "deliberation" in out


def test_the_plugin_survives_a_missing_compound_in_demo_data(site, actor):
    site.host.pm.hook.demo_data(db=site.db, actor=Actor("demo"), seed=1, scale="small")
    with site.db.read_session() as s:
        assert svc.list_consultations(s) == []
