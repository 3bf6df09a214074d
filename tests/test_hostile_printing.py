"""Hostile text in every field of every document: the PDF is produced (the
text printed as text, markup not interpreted) or a clean MissingField /
TooLong is raised before anything is drawn."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from counter_app.domain.errors import DomainError
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.context import DeskContext
from counter_app.services.documents import documents_for, render_for_applications
from counter_app.services.intake import MaterialState
from counter_app.store import records
from counter_app.store.db import Store
from printing import DOCUMENTS, MissingField, Paper, TooLong, samples
from printing.text import printable
from tests.hostile_strategies import MARKUP, SQL, hostile_text, without_surrogates
from tests.printing_fixtures import pdf_text, squeeze
from tests.test_hostile_services import form

FACTORIES: dict[str, Callable[[], Any]] = {
    "receipt": samples.receipt,
    "checklist": samples.checklist,
    "notice": samples.notice,
    "rejection": samples.rejection,
    "materials_receipt": samples.materials_receipt,
    "deferred": samples.deferred,
    "delivery": samples.delivery,
    "commitment": samples.commitment,
    "daily_log": lambda: samples.daily_log(rows=3),
}

Path = tuple[str | int, ...]


def slots(value: Any, path: Path = ()) -> list[Path]:
    """Every place in a document's data that holds text."""
    if isinstance(value, str):
        return [path]
    if dataclasses.is_dataclass(value):
        return [
            p
            for f in dataclasses.fields(value)
            for p in slots(getattr(value, f.name), (*path, f.name))
        ]
    if isinstance(value, (list, tuple)) and value:
        # the first entry stands for all of a list's entries
        first = value[0]
        if isinstance(first, (list, tuple)):
            return [
                p for i in range(len(first)) for p in slots(first[i], (*path, 0, i))
            ]
        return slots(first, (*path, 0))
    return []


def replaced(value: Any, path: Path, new: str) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = list(value)
        items[head] = replaced(items[head], rest, new)
        return type(value)(items) if isinstance(value, tuple) else items
    return dataclasses.replace(
        value, **{head: replaced(getattr(value, head), rest, new)}
    )


#: Text pdftotext gives back exactly (the body font's BMP characters).
PLAIN = re.compile(r"[\u4e00-\u9fffA-Za-z0-9 <>&;'\"%_=*\\/-]+")

CASES = [(kind, path) for kind, f in FACTORIES.items() for path in slots(f())]


def render(kind: str, data: Any, **options: Any) -> bytes | None:
    """The PDF, or None after a clean refusal."""
    try:
        pdf: bytes = DOCUMENTS[kind](data, **options)
    except (MissingField, TooLong) as exc:
        message = str(exc)
        assert message and exc.field and without_surrogates(message)
        assert len(message) < 300
        return None
    assert pdf.startswith(b"%PDF") and pdf.rstrip().endswith(b"%%EOF")
    return pdf


def test_every_document_has_text_slots() -> None:
    kinds = {kind for kind, _p in CASES}
    assert kinds == set(FACTORIES) and len(CASES) > 80


@settings(max_examples=150, deadline=None)
@given(case=st.sampled_from(CASES), value=hostile_text)
def test_any_text_in_any_field(case: tuple[str, Path], value: str) -> None:
    kind, path = case
    render(kind, replaced(FACTORIES[kind](), path, value))


# Text that extracts faithfully: BMP characters the body font covers, and
# the markup and SQL fragments that must print literally.
literal = st.lists(
    st.one_of(
        st.sampled_from(MARKUP + SQL),
        st.text(alphabet="王明堃申请人ABCxyz0129-", min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=4,
).map("".join)


@settings(max_examples=25, deadline=None)
@given(
    kind=st.sampled_from(["receipt", "rejection", "delivery", "notice"]),
    value=literal,
)
def test_markup_prints_as_text(kind: str, value: str) -> None:
    field = {"receipt": "applicant_name", "rejection": "reason"}.get(
        kind, "applicant_name"
    )
    pdf = render(kind, FACTORIES[kind](**{field: value}))
    assert pdf is not None
    text = squeeze(pdf_text(pdf, mode="-raw"))
    assert squeeze(value) in text, (value, text[:400])


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("receipt", "applicant_name"),
        ("rejection", "reason"),
        ("delivery", "note"),
        ("checklist", "address"),
    ],
)
def test_control_and_bidi_characters_are_not_printed(kind: str, field: str) -> None:
    value = "王\x00明\x1b[31m\u202e<b>甲</b>\r\n乙\ud800"
    pdf = render(kind, FACTORIES[kind](**{field: value}))
    assert pdf is not None
    text = pdf_text(pdf, mode="-raw")
    assert "王明[31m" in squeeze(text) and "<b>甲</b>" in text
    assert not any(c in text for c in "\x00\x1b\ud800")
    assert printable(value) == "王明[31m\u202e<b>甲</b>\n乙\ufffd"


@pytest.mark.parametrize("kind", ["receipt", "checklist", "delivery", "rejection"])
def test_ten_thousand_characters_refused_cleanly(kind: str) -> None:
    field = {"rejection": "reason", "checklist": "hours"}.get(kind, "item_name")
    with pytest.raises(TooLong) as err:
        DOCUMENTS[kind](FACTORIES[kind](**{field: "长" * 10_000}))
    assert "内容过长" in str(err.value)


def test_overlong_status_link_is_refused_not_crashed() -> None:
    with pytest.raises(TooLong) as err:
        DOCUMENTS["receipt"](samples.receipt(status_url="https://x/" + "q" * 3000))
    assert "内容过长" in str(err.value)


def test_long_name_on_receipt_roll_prints() -> None:
    # The roll grows with its content: no page limit to refuse.
    pdf = render(
        "receipt", samples.receipt(applicant_name="王" * 64), paper=Paper.ROLL_80
    )
    assert pdf is not None and "王" * 10 in squeeze(pdf_text(pdf))


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(name=hostile_text, reason=hostile_text, problem=hostile_text)
@example(
    name="<para>王&amp;明</b>",
    reason="'; DROP TABLE applications;--",
    problem='<font name="x">',
)
def test_stored_records_print_every_document(
    seeded_store: Store,
    clerk: DeskContext,
    name: str,
    reason: str,
    problem: str,
) -> None:
    """What the services accepted prints: every document of a rejected and
    of a noticed application, through the desk's own document service."""
    base = form(seeded_store, name=name)
    rejected = dataclasses.replace(base, materials=[])
    noticed = dataclasses.replace(
        base,
        materials=[
            dataclasses.replace(
                base.materials[0], state=MaterialState.DEFECTIVE, problem=problem
            ),
            *base.materials[1:],
        ],
    )
    for f, decision in ((rejected, Decision.REJECT), (noticed, Decision.NOTICE)):
        try:
            [result] = apps.decide(
                seeded_store, clerk, f, decision, reason=reason, reason_code="other"
            )
        except DomainError:
            continue
        record = records.application(seeded_store.db, result.application_id)
        assert record is not None
        texts = []
        for kind in documents_for(record):
            pdf = render_for_applications(
                seeded_store, clerk, kind=kind, application_ids=[result.application_id]
            )
            assert pdf.startswith(b"%PDF")
            texts.append(squeeze(pdf_text(pdf, mode="-raw")))
        stored = record["applicant_name"]
        if PLAIN.fullmatch(stored):
            # the decision document names the applicant, markup and all
            assert squeeze(stored) in texts[0], (stored, texts[0][:300])
