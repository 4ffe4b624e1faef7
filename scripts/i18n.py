"""Keep the UI catalogs in step with the code.

    .venv/bin/python scripts/i18n.py            # extract _() strings, update both catalogs, list gaps
    .venv/bin/python scripts/i18n.py --add zh "New request=新建诉求" ...

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

from tui.i18n import DOMAIN, LOCALES, po_path  # noqa: E402


def extract() -> dict[str, list[tuple[str, int]]]:
    found: dict[str, list[tuple[str, int]]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "tui"), method_map=[("**.py", "python")], keywords={"_": None, "N_": None}
    ):
        if isinstance(message, str) and message:
            found.setdefault(message, []).append((f"tui/{filename}", lineno))
    return found


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as f:
            return read_po(f, locale=LOCALES[lang])
    return Catalog(locale=LOCALES[lang], domain=DOMAIN, project="gongzhi")


def save(lang: str, cat: Catalog) -> None:
    path = po_path(lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        write_po(f, cat, width=100, sort_output=True, omit_header=False)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--add", nargs="+", metavar=("LANG", "ID=TEXT"))
    args = parser.parse_args()
    found = extract()
    additions: dict[str, str] = {}
    add_lang = None
    if args.add:
        add_lang, *pairs = args.add
        for pair in pairs:
            key, _, value = pair.partition("=")
            additions[key] = value
    missing_total = 0
    for lang in LOCALES:
        old = load(lang)
        new = Catalog(locale=LOCALES[lang], domain=DOMAIN, project="gongzhi", fuzzy=False)
        for msgid, locations in sorted(found.items()):
            existing = old.get(msgid)
            text = existing.string if existing is not None and existing.string else ""
            if lang == "en" and not text:
                text = msgid
            if lang == add_lang and msgid in additions:
                text = additions[msgid]
            new.add(msgid, text, locations=locations)
        save(lang, new)
        missing = [m for m in found if not new.get(m).string]
        missing_total += len(missing)
        for m in missing:
            print(f"{lang}: missing: {m}")
    unknown = sorted(set(additions) - set(found))
    for m in unknown:
        print(f"not in the code: {m}")
    return 1 if missing_total or unknown else 0


if __name__ == "__main__":
    sys.exit(main())
