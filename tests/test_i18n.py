"""The translation system: catalogs compile, placeholders survive translation,
markers receive literals, and printed documents come out fully in English."""

from __future__ import annotations

import ast
import gettext
import importlib.util
import io
import re
import shutil
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from counter_app.i18n import _, ngettext, set_language

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "i18n.py"
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}  # marker → leading string arguments
# Printed documents are laid out in printing/ from data that
# counter_app/services/documents.py words; both must be fully translated.
PRINTED = ("printing/", "counter_app/services/documents.py")
CJK = re.compile(r"[\u3400-\u9fff\U00020000-\U0002ffff]")


def _load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_tool", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tool = _load_tool()


@pytest.fixture(scope="module")
def compiled() -> None:
    """The .mo files exist and match the .po (run.sh compiles at set-up too)."""
    subprocess.run([sys.executable, str(SCRIPT), "compile"], check=True, cwd=ROOT)


@pytest.fixture(scope="module")
def template() -> Catalog:
    """The strings the sources mark right now (the .pot is not rewritten)."""
    return tool.collect()


def _catalog(lang: str) -> Catalog:
    with tool.po_path(lang).open("rb") as fh:
        return read_po(fh, locale=lang)


def _entries(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def _forms(text: str | tuple[str, ...]) -> tuple[str, ...]:
    return text if isinstance(text, tuple) else (text,)


def _placeholders(text: str) -> set[str]:
    return {
        field.split(".")[0].split("[")[0]
        for _lit, field, _spec, _conv in string.Formatter().parse(text)
        if field is not None
    }


def _accelerators(text: str) -> int:
    return len(re.findall(r"&[^&\s]", text.replace("&&", "")))


@pytest.mark.parametrize("lang", tool.LANGUAGES)
def test_catalog_compiles_without_fuzzy_entries(lang: str) -> None:
    catalog = _catalog(lang)
    fuzzy = [m.id for m in _entries(catalog) if m.fuzzy]
    assert not fuzzy, f"fuzzy entries in {lang}: {fuzzy}"
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)
    sample = next(m for m in _entries(catalog) if m.string and not m.pluralizable)
    assert translations.gettext(sample.id) == sample.string


@pytest.mark.parametrize("lang", tool.LANGUAGES)
def test_translations_keep_placeholders_and_accelerators(lang: str) -> None:
    problems = []
    for message in _entries(_catalog(lang)):
        ids = _forms(message.id)
        for form in _forms(message.string):
            if not form:
                continue
            try:
                same = _placeholders(form) == _placeholders(ids[-1])
            except ValueError as exc:  # unbalanced braces
                problems.append(f"{ids[0]!r} → {form!r}: {exc}")
                continue
            if not same:
                problems.append(f"{ids[0]!r} → {form!r}: placeholders differ")
            if _accelerators(form) != _accelerators(ids[0]):
                problems.append(f"{ids[0]!r} → {form!r}: & accelerator differs")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", tool.LANGUAGES)
def test_translations_leave_no_chinese_behind(lang: str) -> None:
    """Chinese may stay only where the source quotes it as an example."""
    problems = []
    for message in _entries(_catalog(lang)):
        source = "".join(_forms(message.id))
        quoted = set(re.findall(CJK.pattern + "+", source))
        for form in _forms(message.string):
            runs = re.findall(
                r"[\u3000-\u303f\uff00-\uffef]|" + CJK.pattern + "+", form
            )
            left = [run for run in runs if run not in quoted]
            if left:
                problems.append(f"{source!r} → {form!r}: {left}")
    assert not problems, "\n".join(problems)


def _marker_name(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _bad_argument(arg: ast.expr) -> str | None:
    if isinstance(arg, ast.JoinedStr):
        return "f-string"
    if isinstance(arg, ast.BinOp):
        return "string built with an operator"
    if isinstance(arg, ast.Constant) and not isinstance(arg.value, str):
        return "not a string"
    if (
        isinstance(arg, ast.Call)
        and isinstance(arg.func, ast.Attribute)
        and arg.func.attr in {"format", "join"}
        and isinstance(arg.func.value, ast.Constant | ast.JoinedStr)
    ):
        return "string formatted before translation"
    return None


def test_markers_receive_literal_source_strings() -> None:
    problems = []
    for source in tool.SOURCES:
        for path in sorted((ROOT / source).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                count = MARKERS.get(_marker_name(node.func) or "")
                if count is None:
                    continue
                for arg in node.args[:count]:
                    why = _bad_argument(arg)
                    if why:
                        where = f"{path.relative_to(ROOT)}:{node.lineno}"
                        problems.append(f"{where}: {why}: {ast.unparse(node)}")
    assert not problems, "\n".join(problems)


def test_bad_marker_arguments_are_recognised() -> None:
    calls = ['_(f"受理{n}")', '_("受理" + x)', '_("{n}件".format(n=1))', "_(3)"]
    for code in calls:
        call = ast.parse(code, mode="eval").body
        assert isinstance(call, ast.Call)
        assert _bad_argument(call.args[0]), code
    for code in ['_("受理")', "_(LABELS[k])", "_(label)", "_(self.title)"]:
        call = ast.parse(code, mode="eval").body
        assert isinstance(call, ast.Call)
        assert _bad_argument(call.args[0]) is None, code


@pytest.fixture
def english(compiled: None) -> Iterator[None]:
    set_language("en")
    yield
    set_language("zh_CN")


def test_set_language_switches_between_english_and_chinese(compiled: None) -> None:
    set_language("en")
    assert _("受理回执") == "Acceptance receipt"
    days = "{days} 个工作日"
    assert ngettext(days, days, 3).format(days=3) == "3 working days"
    assert ngettext(days, days, 1).format(days=1) == "1 working day"
    set_language("zh_CN")
    assert _("受理回执") == "受理回执"


@pytest.mark.parametrize("lang", tool.LANGUAGES)
def test_printed_strings_are_all_translated(lang: str, template: Catalog) -> None:
    catalog = _catalog(lang)
    untranslated = []
    for message in _entries(template):
        entry = catalog.get(message.id)
        if entry is None or not tool.is_translated(entry):
            untranslated.append(message)
    total = len(_entries(template))
    print(
        f"{lang}: {len(untranslated)} of {total} marked strings untranslated "
        f"({len(untranslated) / max(total, 1):.1%})"
    )
    printed = [
        f"{path}:{line}: {m.id!r}"
        for m in untranslated
        for path, line in m.locations
        if path.startswith(PRINTED)
    ]
    assert not printed, "printed documents would show Chinese:\n" + "\n".join(printed)


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext missing")
@pytest.mark.parametrize("paper", ["A4", "ROLL_80"])
def test_receipt_prints_in_english(english: None, paper: str) -> None:
    import printing
    from printing import samples

    data = samples.receipt()
    text = _pdf_text(printing.render_receipt(data, paper=printing.Paper[paper]))
    assert "Acceptance receipt" in text
    assert "Application no." in text
    assert "working days" in text
    for heading in ("受理回执", "受理编号", "承诺时限", "受理日期", "受理专用章"):
        assert heading not in text
    # Data stays as entered: names and item titles are not translated.
    assert data.item_name in text
    assert data.department in text


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _document_cases() -> list[tuple[str, str]]:
    import printing

    return [
        (kind, paper.name)
        for kind in printing.DOCUMENTS
        for paper in printing.Paper
        if paper is printing.Paper.A4 or kind in printing.ROLL_DOCUMENTS
    ]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext missing")
@pytest.mark.parametrize(("kind", "paper"), _document_cases())
def test_every_document_prints_without_template_chinese(
    english: None, kind: str, paper: str
) -> None:
    import printing
    from printing import samples

    data = getattr(samples, kind)()
    pdf = printing.render_document(kind, data, paper=printing.Paper[paper])
    text = _pdf_text(pdf)
    data_text = repr(data)
    stray = [
        line
        for line in text.splitlines()
        if any(char not in data_text for char in CJK.findall(line))
    ]
    assert not stray, f"{kind}: Chinese not from the data:\n" + "\n".join(stray)
