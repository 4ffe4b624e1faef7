"""``gongzhi serve`` refuses what it must before it listens (issue 19): a bad port, a
database without operator accounts (a served app is open to whoever reaches the port),
a missing database file. The browser itself is tested in tests/browser/."""

from __future__ import annotations

import pytest

from gongzhi.tui.cli import main


@pytest.fixture
def street(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'street.sqlite'}"
    assert main(["--db", url, "db", "upgrade", "--create"]) == 0
    assert main(["--db", url, "place", "add", "street", "青源街道"]) == 0
    capsys.readouterr()
    return url


@pytest.mark.parametrize("lang, words", [("zh", "没有操作员账号"), ("en", "no operator accounts")])
def test_serve_refuses_a_database_without_accounts(street, capsys, lang, words):
    assert main(["--db", street, "--lang", lang, "serve", "--port", "8123"]) == 1
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("port", ["0", "70000", "http", "-1"])
def test_serve_refuses_a_port_no_server_can_take(street, capsys, port):
    assert main(["--db", street, "serve", "--port", port]) in (1, 2)
    err = capsys.readouterr().err
    assert "端口" in err or "port" in err.lower()
    assert "Traceback" not in err


def test_serve_refuses_a_missing_database(tmp_path, capsys):
    target = tmp_path / "nowhere.sqlite"
    assert main(["--db", f"sqlite:///{target}", "serve"]) == 1
    assert "不存在" in capsys.readouterr().err and not target.exists()
