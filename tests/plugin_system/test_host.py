"""The plugin contract end to end: discovery, enabling, migrations, hooks, isolation."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from gongzhi.core.cli import main
from gongzhi.core.config import load_settings
from gongzhi.core.db import Database
from gongzhi.core.errors import DomainError
from gongzhi.core.plugins import PluginHost, available_plugins, enabled_names
from gongzhi.core.services import Actor, categories, places, requests

ROOT = Path(__file__).resolve().parents[2]


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _request(db: Database) -> int:
    actor = Actor("clerk")
    with db.session() as s:
        street = places.create_place(s, actor=actor, kind="street", name="青源街道")
        community = places.create_place(s, actor=actor, kind="community", name="荣雅园社区", parent_id=street.id)
        categories.ensure_default_categories(s, actor=actor)
        cat = categories.find_category(s, "lighting")
        r = requests.create_request(s, actor=actor, channel="patrol", type="report", category_id=cat.id,
                                    title="路灯不亮", place_id=community.id)
        return r.id


def _resolve(db: Database, request_id: int) -> None:
    actor = Actor("clerk")
    with db.session() as s:
        for to in ("accepted", "in_progress", "resolved"):
            requests.transition(s, actor=actor, request_id=request_id, to_status=to)


def test_listing_imports_no_plugin(noticeboard):
    before = set(sys.modules)
    found = available_plugins()
    assert found["noticeboard"].version == "0.1.0"
    assert found["noticeboard"].source == "package"
    assert not any(m.startswith("gongzhi_noticeboard") for m in set(sys.modules) - before)


def test_example_plugin_lifecycle_through_the_cli(noticeboard, tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'site.sqlite'}"
    (tmp_path / "site.sqlite").touch()

    def cli(*args):
        capsys.readouterr()
        code = main(["--db", url, *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = cli("plugins", "list", "--json")
    assert code == 0
    listed = {p["name"]: p for p in json.loads(out)}
    assert listed["noticeboard"] == {"name": "noticeboard", "version": "0.1.0", "source": "package",
                                     "enabled": False, "migration": "-", "module": "gongzhi_noticeboard.plugin"}
    assert all(p["source"] == "built-in" for name, p in listed.items() if name != "noticeboard")
    db = Database(url)
    assert "notice_item" not in _tables(db)
    code, _, err = cli("notice", "list")
    assert code != 0  # no such command while disabled

    code, out, err = cli("plugins", "enable", "noticeboard")
    assert code == 0, err
    assert "noticeboard" in load_settings().plugins
    assert "notice_item" in _tables(db)
    code, out, _ = cli("plugins", "list", "--json")
    listed = {p["name"]: p for p in json.loads(out)}
    assert listed["noticeboard"]["enabled"] is True and listed["noticeboard"]["migration"] == "up to date"
    code, out, err = cli("notice", "add", "停水通知", "--body", "周三 9:00–17:00")
    assert code == 0, err
    code, out, _ = cli("category", "list", "--json")
    assert "notice_board_damage" in {c["code"] for c in json.loads(out)}
    code, out, _ = cli("db", "check", "--json")
    assert json.loads(out)["ok"] is True and "noticeboard" in json.loads(out)["plugins"]

    code, out, err = cli("plugins", "disable", "noticeboard")
    assert code == 0, err
    assert "noticeboard" not in load_settings().plugins
    assert cli("notice", "list")[0] != 0
    assert "notice_item" in _tables(db)  # data kept

    code, out, err = cli("plugins", "enable", "noticeboard")
    assert code == 0, err
    code, out, _ = cli("notice", "list", "--json")
    assert [n["title"] for n in json.loads(out)] == ["停水通知"]
    db.dispose()


def test_unknown_plugin_name_is_a_clear_error(noticeboard, tmp_path, capsys):
    (tmp_path / "x.sqlite").touch()
    code = main(["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "plugins", "enable", "nosuch"])
    err = capsys.readouterr().err
    assert code == 1
    assert "没有名为「nosuch」的插件" in err and "noticeboard" in err
    code = main(["--db", f"sqlite:///{tmp_path / 'x.sqlite'}", "--lang", "en", "plugins", "disable", "nosuch"])
    assert code == 1 and "no plugin named 'nosuch'" in capsys.readouterr().err


def test_gongzhi_plugins_overrides_the_config(noticeboard, monkeypatch):
    settings = load_settings()
    settings.plugins = ["noticeboard"]
    monkeypatch.setenv("GONGZHI_PLUGINS", "")
    assert enabled_names(settings) == []
    monkeypatch.setenv("GONGZHI_PLUGINS", "noticeboard, other")
    assert enabled_names(settings) == ["noticeboard", "other"]
    monkeypatch.delenv("GONGZHI_PLUGINS")
    assert enabled_names(settings) == ["noticeboard"]


def test_core_only_site_has_no_plugin_tables(noticeboard, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GONGZHI_PLUGINS", "")
    url = f"sqlite:///{tmp_path / 'core.sqlite'}"
    assert main(["--db", url, "db", "upgrade", "--create"]) == 0
    tables = _tables(Database(url))
    assert not any(t.startswith(("notice_", "delib_", "redprop_", "points_")) for t in tables)
    assert "request" in tables


def test_disabled_plugin_modules_are_never_imported(noticeboard, tmp_path):
    code = (
        "import sys\n"
        "from gongzhi.core.cli import main\n"
        f"main(['--db', 'sqlite:///{tmp_path / 'y.sqlite'}', 'plugins', 'list', '--json'])\n"
        "print('LOADED' if any(m.startswith('gongzhi_noticeboard') for m in sys.modules) else 'CLEAN')\n"
    )
    env = {"PATH": "/usr/bin:/bin", "GONGZHI_DATA_DIR": str(tmp_path / "d"), "GONGZHI_PLUGINS": "",
           "PYTHONPATH": ":".join(p for p in sys.path if p)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True).stdout
    assert '"noticeboard"' in out and out.strip().endswith("CLEAN")


def test_event_hooks_run_after_commit(noticeboard, gongzhi_site):
    site = gongzhi_site(plugins=["noticeboard"])
    request_id = _request(site.db)
    _resolve(site.db, request_id)
    from gongzhi_noticeboard.models import NoticeItem

    with site.db.read_session() as s:
        notices = s.scalars(select(NoticeItem)).all()
    assert [n.request_id for n in notices] == [request_id]
    assert notices[0].title == "办结公示：路灯不亮"


def test_generic_plugin_event_reaches_other_plugins(noticeboard, gongzhi_site):
    from gongzhi.core.plugins import fire_plugin_event

    site = gongzhi_site(plugins=["noticeboard"])
    fire_plugin_event("deliberation", "consultation_decided", {"title": "荣诚园晾衣架"})
    from gongzhi_noticeboard.models import NoticeItem

    with site.db.read_session() as s:
        assert s.scalar(select(NoticeItem.title)) == "协商结果公示：荣诚园晾衣架"


def test_a_raising_event_hook_never_undoes_the_core_write(noticeboard, write_plugin, gongzhi_site, caplog):
    write_plugin("grumpy", """
        from gongzhi.core.hookspecs import hookimpl

        @hookimpl
        def request_status_changed(db, request_id, from_status, to_status, actor):
            raise RuntimeError("grumpy refuses")
    """)
    site = gongzhi_site(plugins=["grumpy", "noticeboard"])
    request_id = _request(site.db)
    with caplog.at_level(logging.ERROR):
        _resolve(site.db, request_id)
    with site.db.read_session() as s:
        assert requests.get_request(s, request_id).status == "resolved"
    assert any("grumpy" in r.getMessage() and "request_status_changed" in r.getMessage() for r in caplog.records)
    from gongzhi_noticeboard.models import NoticeItem

    with site.db.read_session() as s:  # the other plugin still got the event
        assert s.scalar(select(NoticeItem.request_id)) == request_id


def test_a_misspelt_hook_fails_loudly_naming_its_plugin(write_plugin, tmp_path, capsys, monkeypatch):
    write_plugin("typo", """
        from gongzhi.core.hookspecs import hookimpl

        @hookimpl
        def request_statsu_changed(db, request_id):
            pass
    """)
    with pytest.raises(DomainError) as exc:
        PluginHost(load_settings(), names=["typo"]).load()
    assert exc.value.code == "plugin.unknown_hook"
    assert "typo" in exc.value.message("zh") and "request_statsu_changed" in exc.value.message("en")
    monkeypatch.setenv("GONGZHI_PLUGINS", "typo")
    (tmp_path / "z.sqlite").touch()
    assert main(["--db", f"sqlite:///{tmp_path / 'z.sqlite'}", "place", "tree"]) == 1
    assert "插件「typo」实现了不存在的钩子" in capsys.readouterr().err


def test_a_plugin_that_fails_to_import_is_reported_and_skipped(write_plugin, tmp_path, capsys, monkeypatch):
    write_plugin("broken", "raise ImportError('missing dependency xyz')\n")
    host = PluginHost(load_settings(), names=["broken"]).load()
    assert host.names == [] and "missing dependency xyz" in host.failures["broken"]
    monkeypatch.setenv("GONGZHI_PLUGINS", "broken")
    (tmp_path / "w.sqlite").touch()
    code = main(["--db", f"sqlite:///{tmp_path / 'w.sqlite'}", "place", "tree"])
    captured = capsys.readouterr()
    assert code == 0  # the app still starts
    assert "broken" in captured.err and "missing dependency xyz" in captured.err


def test_a_table_outside_the_prefix_is_refused(write_plugin):
    write_plugin("squatter", """
        from pathlib import Path
        from gongzhi.core.hookspecs import hookimpl
        from gongzhi.core.plugins import MigrationSpec

        @hookimpl
        def plugin_migrations():
            return MigrationSpec(name="squatter", script_location=Path("."), table_prefix="req",
                                 models_module=None)
    """)
    with pytest.raises(DomainError) as exc:
        PluginHost(load_settings(), names=["squatter"]).load()
    assert exc.value.code == "plugin.table_collision"


def test_dependencies_are_checked(write_plugin):
    write_plugin("needy", """
        from gongzhi.core.hookspecs import hookimpl
        from gongzhi.core.plugins import PluginMeta

        @hookimpl
        def plugin_metadata():
            return PluginMeta(name="needy", title_zh="需要", title_en="Needy", depends=("deliberation",))
    """)
    with pytest.raises(DomainError) as exc:
        PluginHost(load_settings(), names=["needy"]).load()
    assert exc.value.code == "plugin.missing_dependency" and "deliberation" in exc.value.message("en")


def test_plugin_migrations_round_trip_and_check(noticeboard, gongzhi_site):
    site = gongzhi_site(plugins=["noticeboard"])
    assert site.host.check(site.db, "noticeboard") == []
    assert site.host.migration_state(site.db, "noticeboard") == "up to date"
    site.host.downgrade(site.db, "noticeboard")
    assert "notice_item" not in _tables(site.db) and "request" in _tables(site.db)
    assert site.host.migration_state(site.db, "noticeboard") == "not migrated"
    site.host.upgrade(site.db, "noticeboard")
    assert "notice_item" in _tables(site.db)


def test_plugin_migrations_on_postgresql(noticeboard, gongzhi_site, pg_db):
    site = gongzhi_site(plugins=["noticeboard"], url=pg_db.url)
    assert "notice_item" in _tables(site.db) and "noticeboard_alembic_version" in _tables(site.db)
    assert site.host.check(site.db, "noticeboard") == []


def test_contribution_hooks(noticeboard, gongzhi_site, tmp_path):
    site = gongzhi_site(plugins=["noticeboard"])
    host = site.host
    assert host.metas["noticeboard"].title_zh == "公示栏"
    sections = host.collect("register_sections")
    assert [(c.plugin, c.key, c.args[:2]) for c in sections] == [("noticeboard", "noticeboard", ("公示栏", "Notice board"))]
    screen = sections[0].args[2](site.db)
    assert type(screen).__name__ == "NoticeBoardScreen"
    palette = host.collect("register_palette_commands")
    assert palette[0].key == "公示栏: 查看"
    request_id = _request(site.db)
    with site.db.session() as s:
        requests.transition(s, actor=Actor("c"), request_id=request_id, to_status="accepted")
        r = requests.get_request(s, request_id)
    panels = host.collect("register_person_panels")
    with site.db.read_session() as s:
        assert "0" in panels[0].args[2](s, 1)
    exports = host.collect("register_exports")
    with site.db.read_session() as s:
        path = exports[0].args[2](s, tmp_path / "notices.csv")
    assert path.read_text(encoding="utf-8-sig").startswith("id,标题")
    cats = host.collect("register_categories")
    assert cats[0].key == "notice_board_damage" and cats[0].kwargs["sla"] == (240, 120, 48, 24)
    host.pm.hook.demo_data(db=site.db, actor=Actor("demo"), seed=1, scale="small")
    code, out, _ = site.cli("notice", "list", "--json")
    assert "2026 年度民生微实事清单公示" in out
    assert r.status == "accepted"


def test_every_hook_is_documented_and_implemented_by_the_example():
    import gongzhi.core.hookspecs as hs

    hooks = [n for n, f in vars(hs).items() if callable(f) and hasattr(f, "gongzhi_spec")]
    assert len(hooks) >= 14
    doc = (ROOT / "docs" / "plugins.md").read_text(encoding="utf-8")
    missing_doc = [h for h in hooks if f"### `{h}(" not in doc]
    assert missing_doc == []
    example = (ROOT / "examples" / "noticeboard" / "gongzhi_noticeboard" / "plugin.py").read_text(encoding="utf-8")
    missing_impl = [h for h in hooks if f"def {h}(" not in example]
    assert missing_impl == []


def test_every_core_event_reaches_a_plugin_with_its_arguments(write_plugin, gongzhi_site):
    write_plugin("recorder", """
        from gongzhi.core.hookspecs import hookimpl

        SEEN = []

        @hookimpl
        def request_created(db, request_id, actor):
            SEEN.append(("created", request_id, actor))

        @hookimpl
        def request_status_changed(db, request_id, from_status, to_status, actor):
            SEEN.append(("status", request_id, from_status, to_status))

        @hookimpl
        def request_dispatched(db, request_id, dispatch_ids, whistle, actor):
            SEEN.append(("dispatched", request_id, len(dispatch_ids), whistle))

        @hookimpl
        def feedback_recorded(db, request_id, feedback_id, actor):
            SEEN.append(("feedback", request_id, feedback_id > 0))
    """)
    site = gongzhi_site(plugins=["recorder"])
    import gz_test_recorder as rec

    from gongzhi.core.services import orgs

    request_id = _request(site.db)
    actor = Actor("clerk")
    with site.db.session() as s:
        fire = orgs.create_organisation(s, actor=actor, kind="department", name="消防")
        requests.transition(s, actor=actor, request_id=request_id, to_status="accepted")
        requests.dispatch(s, actor=actor, request_id=request_id, organisations=[(fire.id, "lead")], whistle=True)
        requests.transition(s, actor=actor, request_id=request_id, to_status="resolved")
        requests.record_feedback(s, actor=actor, request_id=request_id, contacted=True, satisfaction="satisfied",
                                 close=True)
    assert [
        ("created", request_id, "clerk"),
        ("status", request_id, "submitted", "accepted"),
        ("dispatched", request_id, 1, True),
        ("status", request_id, "accepted", "dispatched"),
        ("status", request_id, "dispatched", "resolved"),
        ("feedback", request_id, True),
        ("status", request_id, "resolved", "closed"),
    ] == rec.SEEN


def test_events_in_bulk_go_in_one_call_to_who_takes_them_and_one_by_one_to_the_rest(write_plugin, gongzhi_site):
    """Events held in a block (as an import holds them) reach a plugin implementing
    events_in_bulk in one call, instead of its per-event hooks; another plugin gets its
    per-event hooks as before; a plain listener of core.events, each event."""
    from gongzhi.core import events

    write_plugin("bulky", """
        from gongzhi.core.hookspecs import hookimpl

        CALLS = []
        ONE_BY_ONE = []

        @hookimpl
        def events_in_bulk(db, events):
            CALLS.append([(name, args["request_id"]) for name, args in events])

        @hookimpl
        def request_created(db, request_id, actor):
            ONE_BY_ONE.append(request_id)
    """)
    write_plugin("single", """
        from gongzhi.core.hookspecs import hookimpl

        SEEN = []

        @hookimpl
        def request_created(db, request_id, actor):
            SEEN.append(("created", request_id))

        @hookimpl
        def request_status_changed(db, request_id, from_status, to_status, actor):
            SEEN.append(("status", request_id, to_status))
    """)
    site = gongzhi_site(plugins=["bulky", "single"])
    import gz_test_bulky as bulky
    import gz_test_single as single

    first = _request(site.db)  # fired alone: the per-event hooks of both
    assert [first] == bulky.ONE_BY_ONE and bulky.CALLS == [] and [("created", first)] == single.SEEN
    plain: list[tuple[str, int]] = []
    unsubscribe = events.subscribe(lambda event, **p: plain.append((event, p["request_id"])))
    actor = Actor("clerk")
    try:
        with events.held(), site.db.session() as s:
            place_id = requests.get_request(s, first).place_id
            cat = categories.find_category(s, "lighting")
            made = [requests.create_request(s, actor=actor, channel="patrol", type="report", category_id=cat.id,
                                            title=f"路灯不亮{i}", place_id=place_id).id for i in range(3)]
            requests.transition(s, actor=actor, request_id=made[0], to_status="accepted")
            assert bulky.CALLS == [] and plain == []  # held until the block ends
    finally:
        unsubscribe()
    expected = [("request_created", i) for i in made] + [("request_status_changed", made[0])]
    assert [expected] == bulky.CALLS  # one call, every event, in order
    assert [first] == bulky.ONE_BY_ONE  # not also one by one
    assert single.SEEN[1:] == [("created", i) for i in made] + [("status", made[0], "accepted")]
    assert plain == expected
