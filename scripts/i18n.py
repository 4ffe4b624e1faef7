"""Keep the UI catalogs in step with the code.

    .venv/bin/python scripts/i18n.py            # extract _() strings, update both catalogs, list gaps
    .venv/bin/python scripts/i18n.py --add zh "New request=新建诉求" ...
    .venv/bin/python scripts/i18n.py --domain plugins/deliberation --add zh "Vote=投票"
    .venv/bin/python scripts/i18n.py --domain core --add zh "Status|resolved=已办结"

``--domain core`` works on the core's vocabulary catalog (``core/locale``, see core/i18n.py).

``--domain DIR`` works on a plugin's own catalogs (``DIR/locale/<lang>/LC_MESSAGES/<name>.po``,
strings extracted from ``DIR`` without its migrations); a string the core's catalog
already translates needs no entry there (the plugin's ``_`` falls back to the core's).

A domain's closed vocabularies (core/i18n.py's ``Vocabulary``, found in the domain's
``vocab.py`` or ``models.py``) are kept too, each word with its vocabulary's name as the
context; ``--add`` names one as ``Context|id=text``.

Message ids are English, so the English catalog's msgstr is filled with the id
itself; the Chinese catalog needs a translator (``--add zh``). Obsolete entries
are dropped. tests/tui/test_i18n.py fails while any string lacks a translation.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gongzhi.core.i18n import VOCABULARIES  # noqa: E402
from gongzhi.tui.i18n import DOMAIN, LOCALES, compile_catalog, po_path  # noqa: E402

KEYWORDS = {"_": None, "N_": None}


def extract(folder: Path = ROOT / "tui") -> dict[str, list[tuple[str, int]]]:
    """Every ``_()``/``N_()`` string under ``folder`` (migrations left out), with where it stands."""
    found: dict[str, list[tuple[str, int]]] = {}
    rel = folder.relative_to(ROOT)
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(folder), method_map=[("migrations/**.py", "ignore"), ("**.py", "python")], keywords=KEYWORDS
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, []).append((f"{rel}/{filename}", lineno))
    return found


def vocabulary(domain_dir: Path | None) -> list[tuple[str, str]]:
    """(context, id) of every word of the domain's vocabularies."""
    import importlib

    if domain_dir is None:
        return []
    if domain_dir == ROOT / "core":
        module = "gongzhi.core.models.vocab"
    else:
        name = "vocab" if (domain_dir / "vocab.py").exists() else "models"
        module = ".".join(domain_dir.relative_to(ROOT).parts + (name,))
    importlib.import_module(module)
    vocab = VOCABULARIES.get(domain_dir.name)
    return vocab.entries() if vocab else []


def catalog_path(lang: str, domain_dir: Path | None) -> Path:
    if domain_dir is None:
        return po_path(lang)
    return po_path(lang, domain_dir / "locale", domain_dir.name)


def load(lang: str, domain_dir: Path | None = None) -> Catalog:
    path = catalog_path(lang, domain_dir)
    if path.exists():
        with path.open("rb") as f:
            return read_po(f, locale=LOCALES[lang])
    return Catalog(locale=LOCALES[lang], domain=DOMAIN, project="gongzhi")


def save(lang: str, cat: Catalog, domain_dir: Path | None = None) -> None:
    path = catalog_path(lang, domain_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, cat, width=100, sort_output=True, omit_header=False)
    compile_catalog(path, lang)


def compile_all() -> int:
    """Write every catalog's compiled form (tui/i18n.py) again."""
    for lang, folder in LOCALES.items():
        for po in sorted(ROOT.glob(f"**/locale/{folder}/LC_MESSAGES/*.po")):
            if ".venv" not in po.parts:
                print(compile_catalog(po, lang).relative_to(ROOT))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--add", nargs="+", metavar=("LANG", "ID=TEXT"))
    parser.add_argument("--domain", type=Path, help="a plugin's folder, e.g. plugins/deliberation")
    parser.add_argument("--compile", action="store_true", help="only write every catalog's compiled form")
    args = parser.parse_args()
    if args.compile:
        return compile_all()
    domain_dir = (ROOT / args.domain).resolve() if args.domain else None
    is_core = domain_dir == ROOT / "core"
    found = {} if is_core else extract(domain_dir) if domain_dir else extract()
    words = vocabulary(domain_dir)
    core = {lang: load(lang) for lang in LOCALES} if domain_dir and not is_core else {}
    additions: dict[str, str] = {}
    add_lang = None
    if args.add:
        add_lang, *pairs = args.add
        for pair in pairs:
            key, _, value = pair.partition("=")
            additions[key] = value
    missing_total = 0
    for lang in LOCALES:
        old = load(lang, domain_dir)
        new = Catalog(locale=LOCALES[lang], domain=domain_dir.name if domain_dir else DOMAIN,
                      project="gongzhi", fuzzy=False)
        for msgid, locations in sorted(found.items()):
            existing = old.get(msgid)
            own = existing is not None and bool(existing.string)
            core_entry = core[lang].get(msgid) if core else None
            in_core = core_entry is not None and bool(core_entry.string)
            if in_core and not own and not (lang == add_lang and msgid in additions):
                continue  # the plugin's _ falls back to the core's catalog
            # a plugin's own word for a msgid the core also has (身份 where the core says 职务) is kept
            text = existing.string if existing is not None and existing.string else ""
            if lang == "en" and not text:
                text = msgid
            if lang == add_lang and msgid in additions:
                text = additions[msgid]
            new.add(msgid, text, locations=locations)
        for context, msgid in words:
            existing = old.get(msgid, context=context)
            text = existing.string if existing is not None and existing.string else ""
            if lang == "en" and not text:
                text = msgid
            key = f"{context}|{msgid}"
            if lang == add_lang and key in additions:
                text = additions[key]
            new.add(msgid, text, context=context)
        save(lang, new, domain_dir)
        missing = [m for m in found if new.get(m) is not None and not new.get(m).string]
        missing += [f"{c}|{m}" for c, m in words if not new.get(m, context=c).string]
        missing_total += len(missing)
        for m in missing:
            print(f"{lang}: missing: {m}")
    unknown = sorted(set(additions) - set(found) - {f"{c}|{m}" for c, m in words})
    for m in unknown:
        print(f"not in the code: {m}")
    return 1 if missing_total or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
