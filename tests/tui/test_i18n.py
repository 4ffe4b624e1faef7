"""Every UI string has both translations, and the language switches at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from gongzhi.tui import i18n

ROOT = Path(__file__).resolve().parents[2]


PLUGIN_DIRS = sorted(p.parent for p in (ROOT / "plugins").glob("*/plugin.py"))


def ui_strings(folder: Path = ROOT / "tui") -> set[str]:
    return {
        message
        for _f, _l, message, _c, _ctx in extract_from_dir(
            str(folder), method_map=[("migrations/**.py", "ignore"), ("**.py", "python")],
            keywords={"_": None, "N_": None},
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


@pytest.mark.parametrize("plugin_dir", PLUGIN_DIRS, ids=lambda p: p.name)
def test_every_plugin_string_has_both_translations(plugin_dir: Path):
    """A plugin's strings are in its own catalog (or the core's, which its ``_`` falls back to)."""
    strings = ui_strings(plugin_dir)
    for lang in ("zh", "en"):
        i18n.catalog.cache_clear()
        own = i18n.read_catalog(i18n.po_path(lang, plugin_dir / "locale", plugin_dir.name), lang)
        core = i18n.catalog(lang)
        missing = sorted(s for s in strings if not (own.get(s) or core.get(s)))
        assert missing == [], f"{plugin_dir.name} {lang} lacks: {missing}"


def test_a_plugin_translator_reads_its_own_catalog_then_the_cores(tmp_path: Path):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    for lang, text in (("zh", "投票"), ("en", "Vote")):
        cat = Catalog(locale=i18n.LOCALES[lang])
        cat.add("Vote", text)
        path = i18n.po_path(lang, tmp_path / "locale", "demo_plugin")
        path.parent.mkdir(parents=True)
        with path.open("wb") as f:
            write_po(f, cat)
    _ = i18n.translator("demo_plugin", tmp_path / "locale")
    try:
        i18n.set_language("zh")
        assert _("Vote") == "投票"
        assert _("Requests") == "诉求"  # from the core's catalog
        assert _("no such message") == "no such message"
        i18n.set_language("en")
        assert _("Vote") == "Vote"
    finally:
        i18n.set_language("zh")


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



ALL_PO = sorted((po, lang) for lang, folder in i18n.LOCALES.items()
                for po in ROOT.glob(f"**/locale/{folder}/LC_MESSAGES/*.po") if ".venv" not in po.parts)


@pytest.mark.parametrize(("po", "lang"), ALL_PO, ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else v)
def test_every_catalog_has_its_current_compiled_form(po: Path, lang: str):
    """The app reads the compiled form (no Babel before the first frame): it must hold
    exactly what the .po says. Stale? ``python scripts/i18n.py --compile``."""
    import hashlib
    import json

    compiled = json.loads(i18n.compiled_path(po).read_text(encoding="utf-8"))
    assert compiled["po_sha1"] == hashlib.sha1(po.read_bytes()).hexdigest(), f"stale: {po}"
    assert compiled["messages"] == i18n.parse_po(po.read_bytes(), lang)


def test_an_edited_catalog_is_read_from_the_po_until_compiled_again(tmp_path: Path):
    po = tmp_path / "x.po"
    po.write_text('msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
                  'msgid "Save"\nmsgstr "保存"\n', encoding="utf-8")
    i18n.compile_catalog(po, "zh")
    i18n.read_catalog.cache_clear()
    assert i18n.read_catalog(po, "zh") == {"Save": "保存"}
    po.write_text(po.read_text(encoding="utf-8").replace("保存", "存盘"), encoding="utf-8")  # by hand
    i18n.read_catalog.cache_clear()
    assert i18n.read_catalog(po, "zh") == {"Save": "存盘"}  # the stale compiled form is not used
    i18n.read_catalog.cache_clear()


def _vocabularies():
    import importlib

    from gongzhi.core.i18n import VOCABULARIES

    importlib.import_module("gongzhi.core.models.vocab")
    for plugin_dir in PLUGIN_DIRS:
        name = "vocab" if (plugin_dir / "vocab.py").exists() else "models"
        importlib.import_module(f"gongzhi.plugins.{plugin_dir.name}.{name}")
    return VOCABULARIES


def test_every_vocabulary_word_has_both_translations():
    """Statuses, kinds, roles … have their words in their domain's catalog (context = the
    vocabulary's name), not in (zh, en) pairs in the code."""
    from gongzhi.core.i18n import message_key

    vocabularies = _vocabularies()
    assert "core" in vocabularies
    for domain, vocab in vocabularies.items():
        assert vocab.entries(), domain
        for lang in ("zh", "en"):
            i18n.read_catalog.cache_clear()
            own = i18n.read_catalog(i18n.po_path(lang, vocab.locale_dir, domain), lang)
            missing = [f"{c}|{m}" for c, m in vocab.entries() if not own.get(message_key(m, c))]
            assert missing == [], f"{domain} {lang} lacks: {missing}"


def test_one_english_word_can_be_two_chinese_words_by_vocabulary():
    from gongzhi.core.models.vocab import ResolvedAnswer, Status

    assert Status.resolved.label("en") == ResolvedAnswer.yes.label("en") == "resolved"
    assert (Status.resolved.label("zh"), ResolvedAnswer.yes.label("zh")) == ("已办结", "已解决")
