"""Encryption at rest: a copy of the data folder reveals nothing without the
desk's key, and every way of losing or misplacing the key is said in words."""

from __future__ import annotations

import logging
import os
import shutil
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import keyring
import keyring.backends.fail
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
from counter_app.store.db import PLAIN, Store, StoreError
from counter_app.ui.errors import setup_logging
from tests.scanning_fixtures import image_bytes, pdf_bytes

ID = make_resident_id("320102", date(1985, 3, 9), 123)
PHONE = "13912345678"
NAME = "欧阳𠮷龘"  # a rare character (Ext. B) and a rare BMP one
RESIDENCE_PERMIT = "GG00302001"


@pytest.fixture(autouse=True)
def _forget_keys(tmp_path: Path) -> Iterator[None]:
    yield
    for folder in tmp_path.iterdir():
        keys.forget_key(folder)


def _fill(store: Store, clerk: DeskContext, tmp_path: Path) -> bytes:
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


def _secrets(scan_slice: bytes) -> dict[str, bytes]:
    return {
        "ID (ASCII)": ID.encode("ascii"),
        "ID (UTF-16)": ID.encode("utf-16-le"),
        "phone (ASCII)": PHONE.encode("ascii"),
        "phone (UTF-16)": PHONE.encode("utf-16-le"),
        "name (UTF-8)": NAME.encode("utf-8"),
        "name (UTF-16)": NAME.encode("utf-16-le"),
        "scan content": scan_slice,
    }


def _found(folder: Path, secrets: dict[str, bytes]) -> set[str]:
    hits = set()
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits |= {
                f"{label} in {path.name}" for label, s in secrets.items() if s in data
            }
    return hits


def _steal(data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "stolen"
    shutil.copytree(data, copy)
    assert (copy / "counter.sqlite3-wal").stat().st_size > 0  # the WAL came too
    assert list((copy / "logs").iterdir())
    return copy


def test_stolen_folder_reveals_nothing_and_will_not_open(
    tmp_path: Path, clerk: DeskContext
) -> None:
    data = tmp_path / "desk"
    store = Store.open(data)
    setup_logging(data)
    try:
        scan_slice = _fill(store, clerk, tmp_path)
        # Copied while the desk runs: the WAL holds the latest pages.
        copy = _steal(data, tmp_path)
    finally:
        for handler in logging.getLogger().handlers[:]:
            if getattr(handler, "baseFilename", "").startswith(str(data)):
                logging.getLogger().removeHandler(handler)
                handler.close()
    assert _found(copy, _secrets(scan_slice)) == set()
    with pytest.raises(StoreError) as err:
        Store.open(copy)
    assert "找不到它的密钥" in str(err.value) and "重新注册终端" in str(err.value)
    # The desk itself still reads everything with its key.
    record = store.db.execute("SELECT applicant_name, id_number FROM applications")
    assert record.fetchone() == (NAME, ID)
    store.close()


def test_the_same_folder_unencrypted_would_reveal_everything(
    tmp_path: Path, clerk: DeskContext
) -> None:
    """The control for the test above: the search finds what is there."""
    data = tmp_path / "plain"
    store = Store.open(data, key=PLAIN)
    setup_logging(data)
    try:
        scan_slice = _fill(store, clerk, tmp_path)
        copy = _steal(data, tmp_path)
    finally:
        for handler in logging.getLogger().handlers[:]:
            if getattr(handler, "baseFilename", "").startswith(str(data)):
                logging.getLogger().removeHandler(handler)
                handler.close()
        store.close()
    labels = {hit.split(" in ")[0] for hit in _found(copy, _secrets(scan_slice))}
    assert {"ID (ASCII)", "phone (ASCII)", "name (UTF-8)", "scan content"} <= labels


def test_folder_and_files_are_private(tmp_path: Path, clerk: DeskContext) -> None:
    data = tmp_path / "desk"
    with Store.open(data) as store:
        setup_logging(data)
        try:
            _fill(store, clerk, tmp_path)
            modes = {
                str(p.relative_to(data)): stat.S_IMODE(p.stat().st_mode)
                for p in [data, *data.rglob("*")]
            }
        finally:
            for handler in logging.getLogger().handlers[:]:
                if getattr(handler, "baseFilename", "").startswith(str(data)):
                    logging.getLogger().removeHandler(handler)
                    handler.close()
    assert modes["."] == 0o700
    assert modes["counter.sqlite3"] == modes["counter.sqlite3-wal"] == 0o600
    assert modes["logs/counter.log"] == 0o600
    loose = {
        name: oct(mode)
        for name, mode in modes.items()
        if mode & 0o077  # anything the group or others may read or enter
    }
    assert loose == {}


def test_key_file_outside_the_folder_and_refused_inside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "desk"
    key_file = tmp_path / "site" / "desk.key"
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(key_file))
    Store.open(data).close()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(bytes.fromhex(key_file.read_text())) == 32
    assert keyring.get_password(keys.KEYRING_SERVICE, keys.account(data)) is None
    Store.open(data).close()  # reopens with the same key
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(data / "desk.key"))
    with pytest.raises(StoreError, match="位于数据目录之内"):
        Store.open(data)
    other = tmp_path / "site" / "other.key"
    other.write_text(os.urandom(32).hex())
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(other))
    with pytest.raises(StoreError, match="无法用本机保存的密钥解开"):
        Store.open(data)


def test_no_credential_store_is_said_in_words(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())
    try:
        with pytest.raises(StoreError) as err:
            Store.open(tmp_path / "desk")
    finally:
        keyring.set_keyring(previous)
    assert "没有可用的系统凭据存储" in str(err.value)
    assert keys.KEY_FILE_ENV in str(err.value)


def test_a_store_from_before_encryption_is_encrypted_on_first_open(
    tmp_path: Path, clerk: DeskContext
) -> None:
    data = tmp_path / "desk"
    with Store.open(data, key=PLAIN) as store:
        scan_slice = _fill(store, clerk, tmp_path)
        shas = sorted(materials.live_shas(store.db))
    assert ID.encode() in (data / "counter.sqlite3").read_bytes()
    with Store.open(data) as store:  # no key yet: made now, and the data sealed
        assert store.db.execute("SELECT id_number FROM applications").fetchone() == (
            ID,
        )
        blobs = materials.blob_store(store)
        assert all(len(blobs.read_bytes(sha)) for sha in shas)
        assert materials.startup_check(store, verify=True).ok
    assert not (data / "thumbs").exists()
    assert _found(data, _secrets(scan_slice)) == set()
