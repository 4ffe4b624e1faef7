"""``gongzhi serve`` in a real browser (issue 19): Debian's headless chromium driven by
Playwright (the system browser, nothing downloaded), against the real server process
and the real app it starts per session.

Marked ``browser``: skipped where chromium or Playwright is missing, unless
``GONGZHI_REQUIRE_BROWSER=1`` (set by ``.ci/run``, which installs chromium when it is
missing), where that fails instead.

What is checked: the page opens on the operator login and nothing else; a wrong
password is refused; after the login a request is logged with Chinese text typed as a
browser's IME commits it; the request is seen through the command line under the
operator who logged it; two browsers at once on PostgreSQL act as two operators;
Ctrl+C (SIGINT) stops the server and its sessions within seconds.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "pass-12345"
GONGZHI = [sys.executable, "-m", "gongzhi.tui"]


@pytest.fixture(scope="module", autouse=True)
def _browser_present() -> None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing = "playwright is not installed"
    else:
        missing = None if CHROMIUM else "no chromium on this machine"
    if missing:
        if os.environ.get("GONGZHI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"the browser test must run here: {missing}")
        pytest.skip(missing)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("GONGZHI_DATABASE_URL", "GONGZHI_OPERATOR", "GONGZHI_PASSWORD", "GONGZHI_SERVED")}
    env.update(GONGZHI_DATA_DIR=str(tmp_path / "data"), GONGZHI_CONFIG=str(tmp_path / "config" / "gongzhi.toml"),
               GONGZHI_LANG="zh")
    return env


def gz(env: dict[str, str], url: str, *args: str, password: str | None = None) -> str:
    run_env = dict(env)
    if password is not None:
        run_env["GONGZHI_PASSWORD"] = password
    out = subprocess.run([*GONGZHI, "--db", url, *args], env=run_env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out.stdout


def build_street(env: dict[str, str], url: str, logins: tuple[str, ...]) -> None:
    for args in (("place", "add", "street", "青源街道"),
                 ("place", "add", "community", "荣雅园社区", "--parent", "青源街道"),
                 ("place", "add", "compound", "荣雅园", "--parent", "荣雅园社区")):
        gz(env, url, *args)
    first, *others = logins
    gz(env, url, "operator", "add", first, "王秀兰", "--role", "street_admin", "--place", "青源街道",
       password=PASSWORD)
    if others:
        gz(env, url, "login", first, password=PASSWORD)
        for login in others:
            gz(env, url, "operator", "add", login, "李建国", "--role", "community_secretary", "--place", "荣雅园社区",
               password=PASSWORD)
        gz(env, url, "logout")


@contextlib.contextmanager
def served(env: dict[str, str], url: str) -> Iterator[str]:
    """``gongzhi serve`` on a free port: yields the address it printed; stopped with SIGINT."""
    port = _free_port()
    log = open(Path(env["GONGZHI_DATA_DIR"]).parent / f"serve-{port}.log", "w+", encoding="utf-8")  # noqa: SIM115
    proc = subprocess.Popen([*GONGZHI, "--db", url, "serve", "--port", str(port)], env=env, stdout=log,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        address = None
        for _ in range(300):
            log.seek(0)
            found = re.search(r"http://\S+", log.read())
            if found:
                address = found.group(0)
                break
            assert proc.poll() is None, "the server ended at start"
            time.sleep(0.1)
        assert address == f"http://127.0.0.1:{port}", address
        yield address
        proc.send_signal(signal.SIGINT)  # what Ctrl+C sends
        started = time.monotonic()
        assert proc.wait(timeout=20) == 0
        assert time.monotonic() - started < 15
        # no session process of the server is left behind
        time.sleep(0.5)
        left = subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()
        assert left == [], left
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        log.seek(0)
        print(log.read())
        log.close()


class Tab:
    """One browser tab on the served app (keys go to the page's terminal)."""

    def __init__(self, browser, address: str) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 900})
        # what the app sends to the page's terminal (the screen is drawn on a canvas): read to
        # know which screen is up; its text runs are whole within a style's segment
        self.output: list[str] = []
        self.page.on("websocket", lambda ws: ws.on("framereceived", self._frame))
        self.page.goto(address)
        self.page.wait_for_selector(".xterm", timeout=30_000)
        # keys go to the terminal's input element (a click would land on a widget of the app)
        self.page.focus(".xterm-helper-textarea")

    def _frame(self, payload) -> None:
        self.output.append(payload.decode("utf-8", "ignore") if isinstance(payload, bytes) else payload)

    def pause(self, seconds: float) -> None:
        self.page.wait_for_timeout(seconds * 1000)  # unlike time.sleep, lets Playwright deliver events

    def sees(self, text: str, timeout: float = 45.0) -> None:
        """Wait until the app has drawn ``text`` (since the tab opened)."""
        deadline = time.monotonic() + timeout
        while text not in "".join(self.output):
            assert time.monotonic() < deadline, f"the app never showed {text!r}"
            self.pause(0.2)

    def keys(self, *keys: str, pause: float = 0.3) -> None:
        for key in keys:
            self.page.keyboard.press(key)
            self.pause(pause)

    def text(self, text: str) -> None:
        self.page.keyboard.insert_text(text)  # as an IME commits it: no key events, one input
        self.pause(0.3)

    def typed(self, text: str) -> None:
        self.page.keyboard.type(text, delay=20)
        self.pause(0.3)

    def login(self, login: str, password: str) -> None:
        self.sees("密码", timeout=60)  # the login screen is drawn (the database is open)
        self.typed(login)
        self.keys("Enter")
        self.typed(password)
        self.shot("login")
        self.keys("Enter", pause=1.5)

    def new_request(self, title: str) -> None:
        self.keys("F4", pause=1.0)
        self.keys("Control+n", pause=1.0)
        self.shot("form")
        for search in ("bdh", "qz", "zmss", "ryy"):  # 板凳会, 求助, 照明设施, 荣雅园: pickers by pinyin
            self.typed(search)
            self.keys("Enter", pause=0.6)
        self.keys("Tab")  # past the reporter: an anonymous walk-up
        self.text(title)
        self.keys("Control+s", pause=2.0)
        self.shot("after-save")

    def shot(self, name: str) -> None:
        """A screenshot for whoever reads a failure (GONGZHI_BROWSER_SHOTS=folder)."""
        folder = os.environ.get("GONGZHI_BROWSER_SHOTS")
        if folder:
            self.page.screenshot(path=str(Path(folder) / f"{name}-{id(self)}.png"))


def wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, "not reached in time"
        time.sleep(0.5)


def audit_actions(env: dict[str, str], url: str) -> list[tuple[str, str]]:
    gz(env, url, "login", "clerk", password=PASSWORD)
    rows = json.loads(gz(env, url, "audit", "list", "--json", "--limit", "200"))
    return [(r["actor"], r["action"]) for r in rows]


def requests_by_title(env: dict[str, str], url: str) -> dict[str, dict]:
    gz(env, url, "login", "clerk", password=PASSWORD)
    return {r["title"]: r for r in json.loads(gz(env, url, "request", "list", "--json"))["requests"]}


def test_a_browser_logs_in_and_logs_a_request_seen_through_the_cli(tmp_path: Path):
    from playwright.sync_api import sync_playwright

    env = _env(tmp_path)
    url = f"sqlite:///{tmp_path / 'street.sqlite'}"
    gz(env, url, "db", "upgrade", "--create")
    build_street(env, url, ("clerk",))
    with served(env, url) as address, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        tab = Tab(browser, address)
        tab.pause(1)
        tab.login("clerk", "wrong-password")  # refused: still on the login, audited
        wait_for(lambda: ("login:clerk", "operator.login_failed") in audit_actions(env, url))
        tab.keys("Control+a", "Backspace")  # the password field was emptied; the name stays
        tab.typed(PASSWORD)
        tab.keys("Enter", pause=2.0)
        tab.sees("操作员：王秀兰（clerk）")  # the header names the account: its name and login
        wait_for(lambda: ("clerk", "operator.login") in audit_actions(env, url))
        tab.new_request("楼道灯坏了三天")
        tab.sees("楼道灯坏了三天")  # the saved request's page
        found = wait_for(lambda: requests_by_title(env, url).get("楼道灯坏了三天"))
        assert found["channel"] == "bench_meeting" and found["place"] == "荣雅园"
        assert ("clerk", "request.create") in audit_actions(env, url)
        browser.close()
    # the browser session's login was ended when its app closed (with the server)
    actions = audit_actions(env, url)
    assert actions.count(("clerk", "operator.logout")) >= 1


@pytest.mark.pg_only
def test_two_browsers_at_once_on_postgresql_act_as_two_operators(tmp_path: Path, empty_pg_db):
    from playwright.sync_api import sync_playwright

    env = _env(tmp_path)
    url = empty_pg_db.url
    empty_pg_db.dispose()
    gz(env, url, "db", "upgrade")
    build_street(env, url, ("clerk", "secretary"))
    with served(env, url) as address, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        first, second = Tab(browser, address), Tab(browser, address)
        first.pause(1)
        first.login("clerk", PASSWORD)
        second.login("secretary", PASSWORD)
        first.sees("操作员：王秀兰（clerk）")
        second.sees("操作员：李建国（secretary）")
        assert "secretary" not in "".join(first.output)  # nothing of one session in the other
        first.new_request("电梯异响")
        second.new_request("楼顶漏水")
        seen = wait_for(lambda: (lambda r: r if {"电梯异响", "楼顶漏水"} <= r.keys() else None)(
            requests_by_title(env, url)))
        assert len(seen) == 2
        actions = audit_actions(env, url)
        assert ("clerk", "request.create") in actions and ("secretary", "request.create") in actions
        browser.close()
