"""Users and offline sign-in against locally stored password verifiers."""

from __future__ import annotations

from dataclasses import dataclass

from counter_app import clock
from counter_app.i18n import _
from counter_app.store.db import Store
from sync.protocol import hash_password, verify_password


class SignInFailed(Exception):
    pass


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str


def add_user(
    store: Store, *, username: str, display_name: str, role: str, password: str
) -> None:
    if role not in ("clerk", "supervisor"):
        raise ValueError(role)
    if len(password) < 6:
        raise SignInFailed(_("密码至少需要 6 位。"))
    with store.transaction() as db:
        db.execute(
            "INSERT INTO users (username, display_name, role, password_verifier,"
            " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET"
            " display_name = excluded.display_name, role = excluded.role,"
            " password_verifier = excluded.password_verifier,"
            " updated_at = excluded.updated_at",
            [username, display_name, role, hash_password(password), clock.now_iso()],
        )


def authenticate(store: Store, *, username: str, password: str) -> User:
    row = store.db.execute(
        "SELECT username, display_name, role, password_verifier, active FROM users"
        " WHERE username = ?",
        [username.strip()],
    ).fetchone()
    if row is None or not row[4] or not verify_password(password, row[3]):
        raise SignInFailed(_("用户名或密码不正确。"))
    return User(row[0], row[1], row[2])
