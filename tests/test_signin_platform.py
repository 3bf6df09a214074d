"""Users from the platform: a password the platform's administrator typed is
changed at the first sign-in on the desk; a password changed on the desk
survives later pulls until the platform sends a different one."""

from __future__ import annotations

from pathlib import Path

import pytest

from counter_app.services import users
from counter_app.store.db import Store
from sync.runner import sync_once
from tests.central_fixtures import CentralServer
from tests.sync_fixtures import (  # noqa: F401
    central_fixture,
    keyring_home_fixture,
    make_desk,
)

pytestmark = pytest.mark.e2e


def _add(central: CentralServer, password: str, *extra: str) -> None:
    central.cli(
        "add-user",
        "clerk21",
        "--role",
        "clerk",
        "--site",
        "320102001",
        "--display-name",
        "孙",
        "--password-stdin",
        *extra,
        input=password + "\n",
    )


def test_platform_password_is_changed_first_and_kept(
    central: CentralServer, tmp_path: Path, keyring_home: Path
) -> None:
    desk = make_desk(central, tmp_path / "desk")
    _add(central, "temp-2026")
    assert sync_once(desk.data_dir).clean
    with Store.open(desk.data_dir) as store:
        user = users.authenticate(store, username="clerk21", password="temp-2026")
        assert user.must_change and user.display_name == "孙"
        users.change_password(
            store,
            username="clerk21",
            old_password="temp-2026",
            new_password="mine-2026",
        )
        # a later resnapshot brings the same platform verifier again
        store.db.execute("DELETE FROM sync_state WHERE key = 'cursor'")
        store.db.conn.commit()
    again = sync_once(desk.data_dir)
    assert again.clean and again.pull is not None and again.pull.changes > 0
    with Store.open(desk.data_dir) as store:
        assert not users.authenticate(
            store, username="clerk21", password="mine-2026"
        ).must_change

    _add(central, "final-2027", "--no-must-change")
    assert sync_once(desk.data_dir).clean
    with Store.open(desk.data_dir) as store:
        with pytest.raises(users.SignInFailed):
            users.authenticate(store, username="clerk21", password="mine-2026")
        user = users.authenticate(store, username="clerk21", password="final-2027")
        assert not user.must_change
