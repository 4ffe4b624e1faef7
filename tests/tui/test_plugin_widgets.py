"""The dialogs plugin screens are built from (tui/widgets/forms.py), on the real app
under Pilot over a real SQLite street: the form (values of every kind, inline refusals
from the form and from a service, the write off the UI thread, a language switch), the confirmation,
the reason and the export (default path in the data dir, suffix follows the format,
never overwrites); and the prefix a plugin names (binding ids, texts, widget ids)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from textual.widgets import Button, Checkbox, Input, Label, Select

from gongzhi.core.services.people import get_person
from gongzhi.tui import i18n
from gongzhi.tui.widgets.bilingual import t
from gongzhi.tui.widgets.forms import (
    ConfirmModal,
    ExportModal,
    FormError,
    FormField,
    FormModal,
    ReasonModal,
    export_path,
    modal_binding_text,
)
from tests.tui.conftest import ids, make_app, street_db, street_template  # noqa: F401  (fixtures)
from tests.tui.pilot import settle, until

SIZE = (120, 40)
TEXTS = {"demo.decide": ("决定", "Decide"), **modal_binding_text("demo")}


class DemoForm(FormModal, prefix="demo"):
    BINDING_TEXT = TEXTS


class DemoConfirm(ConfirmModal, prefix="demo"):
    BINDING_TEXT = TEXTS


class DemoReason(ReasonModal, prefix="demo"):
    BINDING_TEXT = TEXTS


class DemoExport(ExportModal, DemoForm):
    pass


async def opened(pilot, cls) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, cls))
    await settle(pilot)


def text_of(widget) -> str:
    return str(widget.render())


@pytest.fixture(autouse=True)
def _zh_after():
    yield
    i18n.set_language("zh")


def test_a_prefix_names_the_bindings_their_texts_and_the_ids():
    for cls, names in ((DemoForm, {"form_save", "form_cancel"}), (DemoConfirm, {"confirm_yes", "confirm_no"}),
                       (DemoReason, {"reason_save", "reason_cancel"}), (DemoExport, {"form_save", "form_cancel"})):
        assert {b.id for b in cls.BINDINGS} == {f"demo.{n}" for n in names}, cls
        merged = {b.id for items in cls._merged_bindings.key_to_bindings.values() for b in items if b.id}
        assert {f"demo.{n}" for n in names} <= merged and not any(i.startswith("widgets.") for i in merged), cls
        assert all(b.id in TEXTS for b in cls.BINDINGS)
    assert DemoConfirm.PREFIX == "demo" and ConfirmModal.PREFIX == "widgets"
    assert {b.key: b.priority for b in DemoForm.BINDINGS} == {"escape": False, "ctrl+s": True}
    with pytest.raises(ValueError, match="reserved"):
        DemoForm("x", [FormField("error", "错", "Error")], lambda v: lambda: None, form_id="f")
    with pytest.raises(ValueError, match="kind"):
        DemoForm("x", [FormField("a", "甲", "A", kind="date")], lambda v: lambda: None, form_id="f")


def test_the_form_refuses_inline_writes_off_the_ui_thread_and_relabels(make_app, street_db, ids):  # noqa: F811
    app = make_app(lang="zh")
    results: list = []
    calls: list[dict] = []
    threads: list[str] = []

    def submit(v: dict) -> object:
        calls.append(v)
        if not v["name"]:
            raise FormError(t("请填写姓名", "A name is needed"))

        def write() -> str:
            threads.append(threading.current_thread().name)
            with street_db.session() as s:
                if v["name"] == "nobody":
                    get_person(s, 10**9)  # the service refuses: person.not_found
                return f"{v['name']}/{v['kind']}/{v['urgent']}/{v['place']}"

        return write

    fields = [
        FormField("name", "姓名", "Name", placeholder="…"),
        FormField("kind", "类别", "Kind", kind="select", value="a", choices=[("甲", "a"), ("乙", "b")]),
        FormField("other", "其他", "Other", kind="select", value=None, choices=[("丙", "c")]),
        FormField("urgent", "紧急", "Urgent", kind="check", value=True),
        FormField("place", "地点", "Place", kind="place"),
    ]

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(DemoForm(("新建事项", "New item"), fields, submit, form_id="demo-new"), results.append)
            await opened(pilot, DemoForm)
            form = app.screen
            assert form.query_one("#demo-new-name", Input).has_focus
            assert text_of(form.query_one(".form-title", Label)) == "新建事项"
            # empty name: the form's own refusal, in Chinese; nothing dismissed
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is form and text_of(form.query_one("#demo-new-error", Label)) == "请填写姓名"
            # the service refuses: its message inline, the form stays
            form.query_one("#demo-new-name", Input).value = "nobody"
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form
            assert text_of(form.query_one("#demo-new-error", Label)) == f"找不到居民：{10**9}"
            assert calls[-1] == {"name": "nobody", "kind": "a", "other": None, "urgent": True, "place": None}
            # the language switched (what F2 runs; a modal holds the key itself): the form
            # relabels itself, a refusal comes in English
            await app.set_language("en")
            await settle(pilot)
            assert text_of(form.query_one(".form-title", Label)) == "New item"
            assert text_of(form.query("#demo-new .form-label").first()) == "Name:"
            # a toggle says its state in words (and comes after the typed fields)
            assert str(form.query_one("#demo-new-urgent", Checkbox).label) == "Urgent: yes  (Space)"
            assert str(form.query_one("#demo-new-save", Button).label) == "Save"
            assert form.active_bindings["ctrl+s"].binding.description == "Save"
            form.query_one("#demo-new-name", Input).value = ""
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert text_of(form.query_one("#demo-new-error", Label)) == "A name is needed"
            # a good save: dismissed with the write's result, written in a worker thread
            form.query_one("#demo-new-name", Input).value = "  王芳 "
            form.query_one("#demo-new-kind", Select).value = "b"
            urgent = form.query_one("#demo-new-urgent", Checkbox)
            urgent.focus()
            await pilot.press("space")  # Space flips the toggle …
            assert urgent.value is False and str(urgent.label) == "Urgent: no  (Space)"
            form.widget("place").select(ids["荣雅园"], "荣雅园")
            urgent.focus()
            await pilot.press("enter")  # … Enter saves, it never flips it
            await settle(pilot)
            assert app.screen is not form
            assert results == [f"王芳/b/False/{ids['荣雅园']}"]
            assert threads and threading.main_thread().name not in threads
            # Esc cancels with None
            app.push_screen(DemoForm("x", fields[:1], submit, form_id="demo-x"), results.append)
            await opened(pilot, DemoForm)
            await pilot.press("escape")
            await settle(pilot)
            assert results[-1] is None

    asyncio.run(inner())


def test_confirm_and_reason(make_app):  # noqa: F811
    app = make_app(lang="zh")
    answers: list = []

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(DemoConfirm(("删除？", "Delete?"), "第一行\n[b]第二行[/b]"), answers.append)
            await opened(pilot, DemoConfirm)
            dialog = app.screen
            assert text_of(dialog.query_one("#demo-confirm-question", Label)) == "删除？"
            assert text_of(dialog.query_one("#demo-confirm-text", Label)) == "第一行\n[b]第二行[/b]"  # plain text
            await app.set_language("en")
            await settle(pilot)
            assert text_of(dialog.query_one("#demo-confirm-question", Label)) == "Delete?"
            assert str(dialog.query_one("#demo-confirm-yes", Button).label) == "Yes (y)"
            await pilot.press("y")
            await settle(pilot)
            app.push_screen(DemoConfirm("再删？"), answers.append)
            await opened(pilot, DemoConfirm)
            assert not app.screen.query("#demo-confirm-text")
            await pilot.press("escape")
            await settle(pilot)
            assert answers == [True, False]

            app.push_screen(DemoReason(("理由：", "Reason:"), ("须说明理由", "A reason, please")), answers.append)
            await opened(pilot, DemoReason)
            dialog = app.screen
            await pilot.press("enter")  # empty: stays, says why (in English now)
            await pilot.pause()
            assert app.screen is dialog
            assert text_of(dialog.query_one("#demo-reason-error", Label)) == "A reason, please"
            await pilot.press(*"too", "space", *"loud", "enter")
            await settle(pilot)
            app.push_screen(DemoReason("理由："), answers.append)
            await opened(pilot, DemoReason)
            await pilot.press("x", "escape")
            await settle(pilot)
            assert answers == [True, False, "too loud", None]

    asyncio.run(inner())


def test_export_defaults_into_the_data_dir_follows_the_format_and_never_overwrites(
        make_app, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setenv("GONGZHI_DATA_DIR", str(tmp_path / "data"))
    app = make_app(lang="en")
    written: list = []

    def write(path: Path, fmt: str) -> Path:
        assert threading.current_thread() is not threading.main_thread()
        path.write_text(f"{fmt}\n", encoding="utf-8")
        return path

    def default(fmt: str) -> Path:
        return export_path("reports", "demo", stem="report-7", fmt=fmt)

    def dialog() -> DemoExport:
        return DemoExport("Export", [("Word (.docx)", "docx"), ("Markdown (.md)", "md")], default, write,
                          form_id="demo-export")

    async def inner():
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.push_screen(dialog(), written.append)
            await opened(pilot, DemoExport)
            form = app.screen
            box = form.query_one("#demo-export-path", Input)
            assert box.value.startswith(str(tmp_path / "data" / "reports" / "demo" / "report-7-"))
            assert box.value.endswith(".docx")
            assert app.focused is form.query_one("#demo-export-format Input")  # the format, by typing
            await pilot.press("end", "ctrl+u")  # empty the box
            await pilot.press(*"md", "enter")  # Markdown by its suffix
            await pilot.pause()
            assert form.widget("format").value == "md" and app.screen is form
            assert box.value.endswith(".md")
            first = Path(box.value)
            assert not first.parent.exists()
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert written == [first] and first.read_text(encoding="utf-8") == "md\n"  # folder made
            # the same path again: refused on the form, the file untouched
            app.push_screen(dialog(), written.append)
            await opened(pilot, DemoExport)
            form = app.screen
            form.query_one("#demo-export-path", Input).value = str(first)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert app.screen is form
            assert text_of(form.query_one("#demo-export-error", Label)) == (
                f"The file exists and will not be overwritten: {first}")
            # no suffix: the chosen format's is added; an empty path is refused
            form.query_one("#demo-export-path", Input).value = ""
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert text_of(form.query_one("#demo-export-error", Label)) == "A file path is needed"
            form.query_one("#demo-export-path", Input).value = str(tmp_path / "mine")
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert written[-1] == tmp_path / "mine.docx"
            assert (tmp_path / "mine.docx").read_text(encoding="utf-8") == "docx\n"
            assert first.read_text(encoding="utf-8") == "md\n"

    asyncio.run(inner())
