"""The plugin as a plugin: its migrations match its models (a ``db check``), go
down and up again, keep notes and addenda append-only; its categories; a core-only
site has none of its tables; plugin.py imports nothing heavy."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from gongzhi.core.models.requests import RequestCategory
from gongzhi.core.plugins import available_plugins
from gongzhi.plugins.red_property import services as svc
from tests.plugins.red_property.conftest import TABLES, at, open_meeting

ROOT = Path(__file__).resolve().parents[3]


def _tables(db) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_the_plugin_is_installed_under_the_entry_point_group():
    found = available_plugins()
    assert found["red_property"].module == "gongzhi.plugins.red_property.plugin"
    assert found["red_property"].source == "built-in"


def test_plugin_module_imports_nothing_heavy():
    code = ("import sys, gongzhi.plugins.red_property.plugin\n"
            "print(','.join(sorted(m for m in sys.modules if m.startswith('gongzhi.plugins.red_property.'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "gongzhi.plugins.red_property.plugin"


def test_migrated_up_to_date_and_matching_its_models(site):
    assert _tables(site.db) >= set(TABLES) and "red_property_alembic_version" in _tables(site.db)
    assert site.host.migration_state(site.db, "red_property") == "up to date"
    assert site.host.check(site.db, "red_property") == []
    assert site.host.metas["red_property"].title_zh == "红色物业"
    assert site.host.specs["red_property"].table_prefix == "redprop_"


def test_migrations_go_down_and_up_again(site):
    site.host.downgrade(site.db, "red_property")
    assert not (set(TABLES) & _tables(site.db)) and "request" in _tables(site.db)
    site.host.upgrade(site.db, "red_property")
    assert _tables(site.db) >= set(TABLES)
    assert site.host.check(site.db, "red_property") == []


def test_a_core_only_site_has_no_redprop_tables(gongzhi_site, db):
    core_only = gongzhi_site(plugins=[], url=db.url)
    assert not any(t.startswith("redprop_") for t in _tables(core_only.db))


def test_the_property_categories_reuse_the_core_ones(gongzhi_site, db, actor):
    from gongzhi.core.plugins import PluginHost
    from gongzhi.core.services import categories

    core_only = gongzhi_site(plugins=[], url=db.url)
    with core_only.db.session() as s:
        categories.ensure_default_categories(s, actor=actor)
    host = PluginHost(core_only.settings, names=["red_property"]).load()
    host.upgrade(core_only.db)
    with core_only.db.read_session() as s:
        cats = {c.code: (c.name_zh, c.source) for c in s.scalars(select(RequestCategory))}
    assert cats["repair"] == ("维修", "red_property")
    assert cats["parking"] == ("停车", "red_property")
    assert cats["elevator"] == ("电梯", "red_property")
    # the core's own 环境卫生 and 安全隐患 are kept, not duplicated
    assert cats["sanitation"] == ("环境卫生", "core") and cats["safety_hazard"] == ("安全隐患", "core")
    assert host.upgrade(core_only.db) == ["red_property"] and host.seed_categories(core_only.db) == 0


def test_notes_and_addenda_are_append_only(site, actor):
    from tests.plugins.red_property.conftest import make_street

    street = make_street(site.db, actor)
    m = open_meeting(site.db, actor, street, at(2026, 1, 8))
    with site.db.session() as s:
        item = svc.add_agenda_item(s, actor=actor, meeting_id=m, title="议题")
        r = svc.add_resolution(s, actor=actor, agenda_item_id=item.id, text="决议", responsible_org_id=street.prop,
                               deadline=date(2026, 2, 1))
        [action] = svc.action_items_of(s, resolution_id=r.id)
        svc.add_progress(s, actor=actor, action_item_id=action.id, text="进展")
        svc.close_meeting(s, actor=actor, meeting_id=m)
        svc.add_addendum(s, actor=actor, meeting_id=m, text="补记")
    for statement in ("UPDATE redprop_action_note SET text = 'x'", "DELETE FROM redprop_action_note",
                      "UPDATE redprop_addendum SET text = 'x'", "DELETE FROM redprop_addendum"):
        with site.db.engine.begin() as conn, pytest.raises(DBAPIError) as exc:
            conn.execute(text(statement))
        assert "append-only" in str(exc.value)
    # the action item itself lives on after its meeting closed
    with site.db.session() as s:
        assert svc.start_action(s, actor=actor, action_item_id=action.id).status == "in_progress"


def test_truncate_of_notes_is_refused_on_postgresql(gongzhi_site, pg_db):
    site = gongzhi_site(plugins=["red_property"], url=pg_db.url)
    with site.db.engine.begin() as conn, pytest.raises(DBAPIError) as exc:
        conn.execute(text("TRUNCATE redprop_action_note CASCADE"))
    assert "append-only" in str(exc.value)
