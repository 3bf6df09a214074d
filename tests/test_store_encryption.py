"""Encryption at rest: a copy of the data folder reveals nothing without the
desk's key, and every way of losing or misplacing the key is said in words."""

from __future__ import annotations

import logging
import os
import shutil
import stat
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest

from counter_app.services import materials
from counter_app.services.context import DeskContext
from counter_app.store import keys
from counter_app.store.db import PLAIN, Store, StoreError
from counter_app.ui.errors import setup_logging
from tests.encryption_fixtures import (
    ID,
    NAME,
    fill_store,
    forget_keys,
    found_in,
    secrets_of,
)

__all__ = ["forget_keys"]
pytestmark = pytest.mark.usefixtures("forget_keys")


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
        scan_slice = fill_store(store, clerk, tmp_path)
        # Copied while the desk runs: the WAL holds the latest pages.
        copy = _steal(data, tmp_path)
    finally:
        for handler in logging.getLogger().handlers[:]:
            if getattr(handler, "baseFilename", "").startswith(str(data)):
                logging.getLogger().removeHandler(handler)
                handler.close()
    assert found_in(copy, secrets_of(scan_slice)) == set()
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
        scan_slice = fill_store(store, clerk, tmp_path)
        copy = _steal(data, tmp_path)
    finally:
        for handler in logging.getLogger().handlers[:]:
            if getattr(handler, "baseFilename", "").startswith(str(data)):
                logging.getLogger().removeHandler(handler)
                handler.close()
        store.close()
    labels = {hit.split(" in ")[0] for hit in found_in(copy, secrets_of(scan_slice))}
    assert {"ID (ASCII)", "phone (ASCII)", "name (UTF-8)", "scan content"} <= labels


def test_folder_and_files_are_private(tmp_path: Path, clerk: DeskContext) -> None:
    data = tmp_path / "desk"
    with Store.open(data) as store:
        setup_logging(data)
        try:
            fill_store(store, clerk, tmp_path)
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
        scan_slice = fill_store(store, clerk, tmp_path)
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
    assert found_in(data, secrets_of(scan_slice)) == set()


def test_an_upgrade_cut_after_the_key_was_made_is_finished_next_time(
    tmp_path: Path,
) -> None:
    data = tmp_path / "desk"
    with Store.open(data, key=PLAIN) as store, store.transaction() as tx:
        tx.execute("INSERT INTO settings (key, value) VALUES ('probe', '42')")
    with keys.creation_lock(data):
        keys.create_key(data)  # the key was stored, then the power went
    with Store.open(data) as store:
        assert store.db.execute(
            "SELECT value FROM settings WHERE key = 'probe'"
        ).fetchone() == ("42",)
    assert not (data / "counter.sqlite3").read_bytes().startswith(b"SQLite format 3")
