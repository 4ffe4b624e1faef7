"""Issue 13, points 6–7: every screen fits 100×30 and 160×45, in Chinese and in English.

For each case (a screen opened from the app's first screen on the small demo street,
every plugin enabled) at both sizes and in both languages:

- the footer shows the screen's primary bindings, each wholly left of the palette key
  (a key pushed past the edge or under ``^p`` is not shown);
- in Chinese, no run of three or more ASCII letters appears anywhere on the screen unless
  an entry of :data:`ALLOWED_ZH` explains it (refs, paths, format names, key names …);
- in English, the screen's chrome — footer, column headers, labels, buttons, placeholders,
  toggles, prompts, border titles — holds no Chinese (data — names, places, titles — may).

The cases are a list: a screen is one :class:`Case` (how to open it, its primary binding
ids). ``CORE_CASES`` are the core's own screens; ``OTHER_CASES`` are the screens owned
elsewhere right now (the request list, the plugins' first screens), run by their own test
so the integrator extends them as the reworks land.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select
from textual.widgets import Button, Checkbox, DataTable, Input, Label, ListView, Select
from textual.widgets._footer import FooterKey

from gongzhi.core.models.people import Person
from gongzhi.core.models.requests import Request
from gongzhi.core.plugins import available_plugins
from tests.tui.pilot import settle
from tests.tui.test_field_fit import demo_app

SIZES = ((100, 30), (160, 45))
LANGS = ("zh", "en")

# ASCII words a Chinese screen may show, each with its reason
ALLOWED_ZH = (
    r"QY-\d{4}-\d+",  # request refs
    r"\w+:/+\S*",  # URLs (data: the database)
    r"(?:[\w.-]*/)+[\w.-]*",  # paths (data: the config file)
    r"GONGZHI_\w+",  # environment variables, as they are typed
    # plugin names, as `gongzhi plugins` takes them (every installed one)
    r"\b(?:" + "|".join(available_plugins()) + r")\b",
    r"（[a-z]+）",  # a pinyin example in a placeholder: 拼音首字母（zxm）
    r"WSS-\d{4}-\S+?-\d+",  # micro-project codes (民生微实事 WSS-2026-荣雅园-003)
    r"\bTF-IDF\b",  # a method's name
    r"\bEnglish\b",  # a language is offered in its own name
    r"gongzhi-[a-z-]+",  # a plugin's distribution, as pip names it (settings, plugins)
    r"gongzhi",  # the product's name in the title bar
    r"\b(?:ctrl|esc|tab|enter|space|shift)\b",  # key names (the footer shows ^p, f2 …)
    r"\b(?:CSV|Excel|Word|docx|xlsx|xls|csv|md|Markdown|PDF|SVG|ID|STV|IRV|Borda|Schulze)\b",  # formats, methods
    r"\bUTF-8\b",  # a file's encoding, as editors name it (the import screen)
    r"\.json\b|\bOpen311\b",  # the export's JSON form, named by its standard
    r"[▁-█]+",
)
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60]")


@dataclass
class Case:
    name: str
    open: Callable[[object, object], Awaitable[None]]  # (app, pilot): from the first screen
    primary: tuple[str, ...]  # binding ids the footer must show
    data_ids: tuple[str, ...] = field(default=())  # widgets whose text is data, not chrome
    allowed_zh: tuple[str, ...] = field(default=())  # more ASCII this screen may show in Chinese, with reasons


async def press(pilot, *keys: str) -> None:
    for key in keys:
        await pilot.press(key)
        await settle(pilot, debounce=0.15)


def _latest_request(app) -> int:
    with app.db.read_session() as s:
        return s.scalar(select(Request.id).where(Request.status == "submitted").order_by(Request.id.desc()))


def _a_person(app) -> int:
    with app.db.read_session() as s:
        return s.scalar(select(Person.id).order_by(Person.id).limit(1))


async def open_request_detail(app, pilot) -> None:
    from gongzhi.tui.screens.request_detail import RequestDetailScreen

    app.push_screen(RequestDetailScreen(_latest_request(app)))
    await settle(pilot, debounce=0.2)


async def open_dispatch(app, pilot) -> None:
    await open_request_detail(app, pilot)
    await press(pilot, "w")


async def open_person_detail(app, pilot) -> None:
    from gongzhi.tui.screens.person_detail import PersonDetailScreen

    app.push_screen(PersonDetailScreen(_a_person(app)))
    await settle(pilot, debounce=0.2)


async def open_palette_no_match(app, pilot) -> None:
    await press(pilot, "ctrl+p")
    await pilot.press(*"没有这个命令")
    await settle(pilot, debounce=0.8)  # Textual waits 0.5 s before it says "no matches"


async def open_import(app, pilot) -> None:
    await press(pilot, "f4", "ctrl+l")


async def open_import_checked(app, pilot) -> None:
    """The import screen with a small export read and checked: its review list shown."""
    import csv
    import tempfile
    from pathlib import Path

    from gongzhi.core.models.places import Place
    from tests.tui.pilot import until

    with app.db.read_session() as s:
        compound = s.scalar(select(Place.name).where(Place.kind == "compound").order_by(Place.id).limit(1))
    path = Path(tempfile.mkdtemp()) / "工单导出.csv"
    with path.open("w", encoding="gb18030", newline="") as f:
        csv.writer(f).writerows([
            ["工单编号", "受理时间", "问题分类", "诉求内容", "事发地址"],
            ["202611050001", "2026-11-05 09:30", "路灯", "路灯不亮", f"天津市北辰区{compound}附近"],
            ["2.02611E+11", "2026-11-05 10:30", "路灯", "科学计数法", compound],
        ])
    await open_import(app, pilot)
    screen = app.screen
    box = screen.query_one("#import-path", Input)
    box.value = str(path)
    box.focus()
    await press(pilot, "enter")
    await until(pilot, lambda: screen.table is not None)
    await press(pilot, "ctrl+r")
    await until(pilot, lambda: screen.report is not None and not screen._busy, timeout=20)


CORE_CASES = [
    Case("dashboard", lambda app, pilot: press(pilot, "f3"), ("dashboard.refresh", "app.help")),
    Case("people", lambda app, pilot: press(pilot, "f5"), ("people.add", "people.search")),
    Case("places", lambda app, pilot: press(pilot, "f6"), ("places.requests", "places.people")),
    Case("orgs", lambda app, pilot: press(pilot, "f7"), ("orgs.add_membership", "orgs.add")),
    Case("settings", lambda app, pilot: press(pilot, "f8"), ("settings.save",), ("settings-db",)),
    Case("request form", lambda app, pilot: press(pilot, "f4", "ctrl+n"),
         ("request_form.submit", "request_form.cancel")),
    Case("request detail", open_request_detail,
         ("request.accept", "request.dispatch", "request.report_in", "request.resolve", "request.close")),
    Case("dispatch dialog", open_dispatch, ("dialog.submit", "dialog.cancel")),
    Case("person detail", open_person_detail, ("person.reveal", "person.edit", "person.close")),
    Case("help", lambda app, pilot: press(pilot, "f3", "question_mark"), ("help.close",)),
    Case("command palette", open_palette_no_match, ()),
    Case("import", open_import, ("import.dry_run", "import.commit", "import.close"), ("import-path",)),
    Case("import checked", open_import_checked, ("import.confirm", "import.reject", "import.commit"),
         ("import-path", "import-file-line", "import-mapping", "import-report", "import-review")),
]


async def open_login(app, pilot) -> None:
    from gongzhi.tui.screens.login import LoginScreen

    app.push_screen(LoginScreen(app.db, lambda *_a: None))
    await settle(pilot, debounce=0.2)


async def open_audit(app, pilot) -> None:
    from gongzhi.tui.screens.audit import AuditScreen

    app.push_screen(AuditScreen())
    await settle(pilot, debounce=0.3)


def _on_detail(*keys: str):
    async def open_dialog(app, pilot) -> None:
        await open_request_detail(app, pilot)
        await press(pilot, *keys)

    return open_dialog


DIALOG = ("dialog.submit", "dialog.cancel")
# the core's dialogs (issue 13, point 6): each opened as a clerk opens it
DIALOG_CASES = [
    Case("login", open_login, ("login.quit",)),
    Case("feedback", _on_detail("f"), DIALOG),
    Case("report-in", _on_detail("i"), DIALOG),
    Case("transition", _on_detail("a"), DIALOG),
    Case("export", lambda app, pilot: press(pilot, "f4", "f9"), ("export.start", "export.cancel"), ("export-path",)),
    Case("person form", lambda app, pilot: press(pilot, "f5", "ctrl+n"), ("person_form.save", "person_form.cancel")),
    Case("org form", lambda app, pilot: press(pilot, "f7", "ctrl+n"), ("org_form.save", "org_form.cancel")),
    Case("membership form", lambda app, pilot: press(pilot, "f7", "m"),
         ("membership_form.save", "membership_form.cancel")),
    # the audit log shows the codes its filters take (person.reveal) and a plugin's actions and
    # record kinds that have no label yet (delib.round.open, delib_round) as they are
    Case("audit", open_audit, ("audit.close", "audit.filter"),
         allowed_zh=(r"\b[a-z][a-z_.]*(?:…)?",)),
]


def _plugin_case(index: int, title: str, primary: tuple[str, ...] = ()) -> Case:
    async def open_section(app, pilot) -> None:
        await press(pilot, "f3")
        sidebar = app.query_one("#sidebar", ListView)
        keys = [s.key for s in app.sections]
        target = next(k for k in keys if k.startswith("plugin:") and keys.index(k) >= 0 and title in k)
        sidebar.focus()
        sidebar.index = keys.index(target)
        await press(pilot, "enter")

    return Case(f"plugin {title}", open_section, primary)


async def open_consultation_grid(app, pilot) -> None:
    """The demo's open round, as a facilitator records it: the consultation, the vote grid focused."""
    await _plugin_case(0, "deliberation").open(app, pilot)
    await settle(pilot, debounce=0.2)
    await press(pilot, "enter")
    await settle(pilot, debounce=0.2)
    app.screen.query_one("#delib-votes").focus()


CONSULTATION_CASE = Case("consultation, vote grid focused", open_consultation_grid,
                         ("delib.close_round", "delib.publish_round", "delib.minutes", "delib.vote_yes"))


OTHER_CASES = [
    Case("requests", lambda app, pilot: press(pilot, "f4"), ("requests.new", "requests.filter", "requests.export")),
    _plugin_case(0, "deliberation", ("delib.new_consultation", "delib.back")),
    _plugin_case(1, "red_property", ("redprop.new_meeting", "redprop.month_minutes", "redprop.action_board")),
    _plugin_case(2, "points_exchange", ("points.checkout", "points.notice")),
    _plugin_case(3, "micro_projects", ("micro.fund", "micro.evaluate", "micro.export_docx")),
    _plugin_case(4, "insights", ("insights.drill", "insights.to_request")),
    CONSULTATION_CASE,
]


# -- what the screen shows -----------------------------------------------------------------


def screen_lines(app) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def footer_problems(app, primary: tuple[str, ...]) -> list[str]:
    screen = app.screen
    keys = list(screen.query(FooterKey))
    palette = [k for k in keys if k.has_class("-command-palette")]
    limit = min([k.region.x for k in palette] + [app.size.width])
    by_key = {(k.key, k.action) for k in keys if k.region.width > 0 and k.region.right <= limit}
    shown_ids = set()
    for key, (_node, binding, _enabled, _tooltip) in screen.active_bindings.items():
        if binding.id and (key, binding.action) in by_key:
            shown_ids.add(binding.id)
    return [f"footer lacks {b}" for b in primary if b not in shown_ids]


def table_problems(app) -> list[str]:
    """A table wider than its room scrolls sideways and hides what is cut off: the
    columns must be planned for the width (tui.widgets.columns)."""
    problems = []
    for table in app.screen.query(DataTable):
        if not table.display or table.region.width == 0 or not table.columns:
            continue
        wide = sum(c.get_render_width(table) for c in table.columns.values())
        room = table.scrollable_content_region.width
        if wide > room:
            problems.append(f"table #{table.id} is {wide} cells wide in {room}")
    return problems


def untranslated_zh(app, allowed: tuple[str, ...] = ()) -> list[str]:
    problems = []
    for line in screen_lines(app):
        text = line
        for pattern in ALLOWED_ZH + allowed:
            text = re.sub(pattern, " ", text)
        for word in re.findall(r"[A-Za-z]{3,}", text):
            problems.append(f"{word!r} in {line.strip()!r}")
    return problems


def chrome_texts(app, data_ids: tuple[str, ...]) -> list[str]:
    """The screen's own words: what it says, not the records it shows."""
    screen = app.screen
    out = [k.description for k in screen.query(FooterKey)]
    out += [str(label.content) for label in screen.query("#sidebar Label")]
    for table in screen.query(DataTable):
        out += [str(c.label) for c in table.columns.values()]
    for widget in screen.query("*"):
        if widget.id in data_ids or any(a.id in data_ids for a in widget.ancestors if a.id):
            continue
        if widget.border_title:
            out.append(str(widget.border_title))
        if isinstance(widget, Label) and widget.has_class("panel-title", "field-label", "form-label"):
            out.append(str(widget.content))
        elif isinstance(widget, Button | Checkbox):
            out.append(str(widget.label))
        elif isinstance(widget, Input):
            out.append(widget.placeholder)
        elif isinstance(widget, Select):
            out.append(str(widget.prompt))
    return out


def untranslated_en(app, data_ids: tuple[str, ...]) -> list[str]:
    return [f"{text!r}" for text in chrome_texts(app, data_ids) if CJK.search(text)]


async def check_case(app, pilot, case: Case, lang: str) -> list[str]:
    await settle(pilot, debounce=0.3)
    await case.open(app, pilot)
    await settle(pilot, debounce=0.2)
    problems = footer_problems(app, case.primary)
    problems += table_problems(app)
    problems += untranslated_zh(app, case.allowed_zh) if lang == "zh" else untranslated_en(app, case.data_ids)
    return problems


def run_cases(db, cases: list[Case], lang: str, size: tuple[int, int]) -> dict[str, list[str]]:
    """Every case in one app per case (each from the first screen); its problems by name."""
    found: dict[str, list[str]] = {}

    async def body(case: Case) -> None:
        app = demo_app(db, lang)
        async with app.run_test(size=size) as pilot:
            problems = await check_case(app, pilot, case, lang)
            if problems:
                found[case.name] = problems

    for case in cases:
        asyncio.run(body(case))
    return found


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_core_screens_fit_and_speak_one_language(small_demo, lang, size):
    problems = run_cases(small_demo, CORE_CASES, lang, size)
    assert problems == {}, "\n".join(f"{name}: {p}" for name, ps in problems.items() for p in ps)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_other_screens_fit_and_speak_one_language(small_demo, lang, size):
    """The request list and each plugin section's first screen (opened through the sidebar)."""
    problems = run_cases(small_demo, OTHER_CASES, lang, size)
    assert problems == {}, "\n".join(f"{name}: {p}" for name, ps in problems.items() for p in ps)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("lang", LANGS)
def test_core_dialogs_fit_and_speak_one_language(small_demo, lang, size):
    """Login, return visit, report-in, status change, export, the person, organisation and
    membership forms, the audit log: footer keys, one language, tables within their room."""
    problems = run_cases(small_demo, DIALOG_CASES, lang, size)
    assert problems == {}, "\n".join(f"{name}: {p}" for name, ps in problems.items() for p in ps)


def test_the_check_can_fail(small_demo):
    """The checks see an English word on a Chinese screen and a key pushed off the footer."""

    async def body() -> None:
        app = demo_app(small_demo, "zh")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot, debounce=0.3)
            await press(pilot, "f5")
            app.query_one("#people-search", Input).placeholder = "Name or pinyin"
            await settle(pilot)
            assert any("'Name'" in p for p in untranslated_zh(app))
            assert footer_problems(app, ("people.add",)) == []
            assert footer_problems(app, ("people.no_such_key",)) == ["footer lacks people.no_such_key"]
        app = demo_app(small_demo, "en")
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot, debounce=0.3)
            await press(pilot, "f5")
            app.query_one("#people-search", Input).placeholder = "姓名"
            assert untranslated_en(app, ()) == ["'姓名'"]

    asyncio.run(body())
