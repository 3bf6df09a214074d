"""A desk store filled through the services with one person's data and
scans, and a search of a folder's bytes for any of it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services import materials
from counter_app.services.context import DeskContext
from counter_app.services.drafts import save_draft
from counter_app.services.intake import Applicant, IntakeForm, MaterialEntry
from counter_app.services.intake import MaterialState as State
from counter_app.services.setup import ensure_seeded
from counter_app.store import keys
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from tests.scanning_fixtures import image_bytes, pdf_bytes

ID = make_resident_id("320102", date(1985, 3, 9), 123)
PHONE = "13912345678"
NAME = "欧阳𠮷龘"  # a rare character (Ext. B) and a rare BMP one
RESIDENCE_PERMIT = "GG00302001"


@pytest.fixture
def forget_keys(tmp_path: Path) -> Iterator[None]:
    yield
    for folder in tmp_path.iterdir():
        keys.forget_key(folder)


def fill_store(store: Store, clerk: DeskContext, tmp_path: Path) -> bytes:
    """A person with ID number and phone, a draft, scans and a thumbnail,
    all through the services; returns a slice of the scan's bytes."""
    ensure_seeded(store)
    item = get_item(store.db, RESIDENCE_PERMIT)
    form = IntakeForm(
        item_codes=[RESIDENCE_PERMIT],
        applicant=Applicant(name=NAME, id_number=ID, phone=PHONE),
        answers={},
        materials=[
            MaterialEntry(m.key, State.ORIGINAL, m.originals, m.copies)
            for m in item.materials_for({})
        ],
    )
    [result] = apps.decide(store, clerk, form, Decision.ACCEPT)
    save_draft(store, username=clerk.username, form=form)
    scan = pdf_bytes(2, text="identity card scan")
    photo = image_bytes("PNG")
    (tmp_path / "in").mkdir(exist_ok=True)
    paths = [tmp_path / "in" / "card.pdf", tmp_path / "in" / "photo.png"]
    paths[0].write_bytes(scan)
    paths[1].write_bytes(photo)
    imported = materials.import_files(
        store,
        application_id=result.application_id,
        material_key=item.materials_for({})[0].key,
        paths=paths,
        actor=clerk.username,
    )
    assert len(imported.attached) == 2
    blobs = materials.blob_store(store)
    for row in imported.attached:
        blobs.thumbnail(row.sha256, 0)
    logging.getLogger("counter.test").info("intake done for %s", result.acceptance_no)
    middle = len(scan) // 2
    return scan[middle : middle + 48]


def secrets_of(scan_slice: bytes) -> dict[str, bytes]:
    return {
        "ID (ASCII)": ID.encode("ascii"),
        "ID (UTF-16)": ID.encode("utf-16-le"),
        "phone (ASCII)": PHONE.encode("ascii"),
        "phone (UTF-16)": PHONE.encode("utf-16-le"),
        "name (UTF-8)": NAME.encode("utf-8"),
        "name (UTF-16)": NAME.encode("utf-16-le"),
        "scan content": scan_slice,
    }


def found_in(folder: Path, secrets: dict[str, bytes]) -> set[str]:
    hits = set()
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits |= {
                f"{label} in {path.name}" for label, s in secrets.items() if s in data
            }
    return hits
