"""Translation catalogs: extract the marked strings, update the language
catalogs, compile them.

    python scripts/i18n.py extract   # source → counter_app/resources/locale/counter.pot
    python scripts/i18n.py update    # .pot → counter_app/resources/locale/<lang>/…/counter.po
    python scripts/i18n.py compile   # .po → .mo (run.sh does this at set-up)
    python scripts/i18n.py check     # list untranslated or stale entries

Source strings are Simplified Chinese; ``en`` is the first other language.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "counter_app" / "resources" / "locale"
POT = LOCALE / "counter.pot"
SOURCES = ("counter_app", "printing", "sync")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
LANGUAGES = ("en",)


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "counter.po"


def collect() -> Catalog:
    """The marked strings of the sources, without touching the template."""
    catalog = Catalog(project="Counter", charset="utf-8")
    for source in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / source, method_map=[("**.py", "python")], keywords=KEYWORDS
        ):
            catalog.add(
                message,
                None,
                [(f"{source}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    return catalog


def is_translated(message: Message) -> bool:
    # A plural entry's string is a tuple, truthy even when every form is empty.
    forms = message.string if isinstance(message.string, tuple) else (message.string,)
    return all(forms) and not message.fuzzy


def extract() -> Catalog:
    catalog = collect()
    with POT.open("wb") as fh:
        write_po(fh, catalog, width=0, sort_output=True)
    return catalog


def update() -> None:
    template = extract()
    for lang in LANGUAGES:
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            catalog = Catalog(locale=lang, project="Counter", charset="utf-8")
        catalog.update(template, no_fuzzy_matching=True)
        with path.open("wb") as fh:
            write_po(fh, catalog, width=0, sort_output=True, ignore_obsolete=True)


def compile_all() -> None:
    for lang in LANGUAGES:
        path = po_path(lang)
        if not path.exists():
            continue
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        # Write beside the target and rename: a running app or test reading
        # the catalog never sees a half-written file.
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as fh:
                write_mo(fh, catalog)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path.with_suffix(".mo"))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def check() -> int:
    template = collect()
    missing = 0
    for lang in LANGUAGES:
        with po_path(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        for message in template:
            if not message.id:
                continue
            entry = catalog.get(message.id)
            if entry is None or not is_translated(entry):
                missing += 1
                print(f"{lang}: untranslated: {message.id!r}")
    return 1 if missing else 0


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "compile"
    if command == "extract":
        extract()
    elif command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        return check()
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
