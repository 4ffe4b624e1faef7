"""Every UI string has both translations, and the language switches at once."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir

from tui import i18n

ROOT = Path(__file__).resolve().parents[2]


def ui_strings() -> set[str]:
    return {
        message
        for _f, _l, message, _c, _ctx in extract_from_dir(
            str(ROOT / "tui"), method_map=[("**.py", "python")], keywords={"_": None, "N_": None}
        )
        if isinstance(message, str) and message
    }


def test_every_ui_string_has_both_translations():
    strings = ui_strings()
    assert len(strings) > 40
    for lang in ("zh", "en"):
        i18n.catalog.cache_clear()
        catalog = i18n.catalog(lang)
        missing = sorted(s for s in strings if not catalog.get(s))
        assert missing == [], f"{lang} lacks: {missing}"


def test_chinese_catalog_is_chinese_and_keeps_placeholders():
    import re

    zh = i18n.catalog("zh")
    for msgid, text in zh.items():
        assert set(re.findall(r"{\w+}", msgid)) == set(re.findall(r"{\w+}", text)), msgid
    assert sum(1 for t in zh.values() if re.search(r"[\u4e00-\u9fff]", t)) > len(zh) * 0.8


def test_switching_language_switches_messages():
    try:
        i18n.set_language("en")
        assert i18n._("Requests") == "Requests"
        i18n.set_language("zh")
        assert i18n._("Requests") == "诉求"
    finally:
        i18n.set_language("zh")

