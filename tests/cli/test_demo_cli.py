"""`gongzhi demo`: builds once into its own file, shows an existing demo, and an
interrupted build leaves nothing behind."""

from __future__ import annotations

import json

from gongzhi.core.cli import main
from gongzhi.core.config import data_dir


def test_demo_builds_once_into_its_own_file(capsys):
    assert main(["demo", "--no-open", "--json", "--now", "2026-11-01 09:00"]) == 0
    overview = json.loads(capsys.readouterr().out)
    assert overview["street"] == "青（广）源街道"
    assert overview["places"]["community"] == 15 and overview["places"]["compound"] == 24
    assert (data_dir() / "demo.sqlite").exists()
    assert not list(data_dir().glob(".demo.sqlite.building*"))
    assert not (data_dir() / "gongzhi.sqlite").exists()  # the street's own database is untouched

    assert main(["demo", "--no-open"]) == 0
    assert "演示街道已存在" in capsys.readouterr().out
    assert main(["demo", "--no-open", "--rebuild", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["places"]["community"] == 15
    assert len(list((data_dir() / "backups").glob("demo-*.sqlite"))) == 1  # the old one, moved aside


def test_an_interrupted_build_leaves_no_demo(capsys, monkeypatch):
    import rich.progress

    calls = {"n": 0}
    real_update = rich.progress.Progress.update

    def interrupt_on_the_fifth_update(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 5:
            raise KeyboardInterrupt  # the clerk presses Ctrl+C during the build
        return real_update(self, *args, **kwargs)

    monkeypatch.setattr(rich.progress.Progress, "update", interrupt_on_the_fifth_update)
    assert main(["demo", "--no-open"]) == 130
    assert "已中断" in capsys.readouterr().err
    assert not (data_dir() / "demo.sqlite").exists()
    assert not list(data_dir().glob(".demo.sqlite.building*"))


def test_the_demo_shows_every_installed_plugin_without_changing_the_config(capsys):
    from gongzhi.core.cli.context import state
    from gongzhi.core.config import load_settings
    from gongzhi.core.plugins import available_plugins

    assert main(["demo", "--no-open", "--json", "--now", "2026-11-01 09:00"]) == 0
    capsys.readouterr()
    assert list(state.host.requested) == list(available_plugins())
    assert "deliberation" in state.host.requested
    assert load_settings().plugins == []  # the site's own config still enables nothing


def test_the_demo_refuses_an_unknown_plugin(capsys):
    assert main(["demo", "--no-open", "--plugins", "deliberation,nosuch"]) == 1
    assert "nosuch" in capsys.readouterr().err
    assert not (data_dir() / "demo.sqlite").exists()
