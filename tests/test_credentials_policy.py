"""A token or key never goes to a plaintext keyring outside the tests: the
keyrings.alt file backends and the null/fail backends are refused with a
message naming what to install; the suite opts in with COUNTER_TEST_KEYRING."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import pytest
from keyring.backends import fail, null
from keyrings.alt.file import PlaintextKeyring

from sync.credentials import NoKeyring, load_token, safe_keyring, save_token

ROOT = Path(__file__).resolve().parent.parent


class MemoryKeyring(keyring.backend.KeyringBackend):
    """Stands for the system credential store (Secret Service, KWallet…)."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.items.pop((service, username))


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("COUNTER_TEST_KEYRING", raising=False)
    previous = keyring.get_keyring()
    yield
    keyring.set_keyring(previous)


def test_plaintext_file_keyring_is_refused(production: None, tmp_path: Path) -> None:
    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(plain)
    with pytest.raises(NoKeyring) as info:
        save_token("desk-1", "secret-token")
    message = str(info.value)
    assert "keyrings.alt.file.PlaintextKeyring" in message
    assert "gnome-keyring" in message and "KWallet" in message
    assert not (tmp_path / "keyring_pass.cfg").exists()
    with pytest.raises(NoKeyring):
        load_token("desk-1")


@pytest.mark.parametrize("backend", [null.Keyring, fail.Keyring])
def test_null_and_fail_backends_are_refused(
    production: None, backend: type[keyring.backend.KeyringBackend]
) -> None:
    keyring.set_keyring(backend())
    with pytest.raises(NoKeyring) as info:
        safe_keyring()
    assert "Secret Service" in str(info.value)


def test_a_real_credential_store_is_used(production: None) -> None:
    store = MemoryKeyring()
    keyring.set_keyring(store)
    save_token("desk-1", "secret-token")
    assert store.items == {("counter", "desk-1"): "secret-token"}
    assert load_token("desk-1") == "secret-token"


def test_the_tests_opt_in_explicitly(tmp_path: Path) -> None:
    assert os.environ["COUNTER_TEST_KEYRING"] == "1"
    previous = keyring.get_keyring()
    plain = PlaintextKeyring()
    plain.file_path = str(tmp_path / "keyring_pass.cfg")
    keyring.set_keyring(plain)
    try:
        save_token("desk-1", "t")
        assert load_token("desk-1") == "t"
    finally:
        keyring.set_keyring(previous)


@pytest.mark.e2e
def test_enroll_refuses_before_spending_the_code(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "COUNTER_TEST_KEYRING"}
    env["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    env["XDG_DATA_HOME"] = str(tmp_path / "xdg")
    out = subprocess.run(
        [
            *(sys.executable, "main.py", "--data-dir", str(tmp_path / "d")),
            *("enroll", "--server", "http://127.0.0.1:9", "--code", "ABC"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2
    assert "gnome-keyring" in out.stderr
    assert "连不上" not in out.stderr  # refused before any network call
