"""Users and offline sign-in against locally stored password verifiers."""

from __future__ import annotations

from dataclasses import dataclass

from counter_app import clock
from counter_app.i18n import _
from counter_app.store.db import Store
from counter_app.store.events import KIND_USER_CHANGED, add_event
from sync.protocol import hash_password, verify_password


class SignInFailed(Exception):
    pass


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str


def add_user(
    store: Store,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    actor: str = "system",
) -> None:
    if role not in ("clerk", "supervisor"):
        raise ValueError(role)
    if len(password) < 6:
        raise SignInFailed(_("密码至少需要 6 位。"))
    with store.transaction() as db:
        before = db.execute(
            "SELECT display_name, role FROM users WHERE username = ?", [username]
        ).fetchone()
        db.execute(
            "INSERT INTO users (username, display_name, role, password_verifier,"
            " updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET"
            " display_name = excluded.display_name, role = excluded.role,"
            " password_verifier = excluded.password_verifier,"
            " updated_at = excluded.updated_at",
            [username, display_name, role, hash_password(password), clock.now_iso()],
        )
        # Never the password or its verifier: only who changed what.
        add_event(
            db,
            kind=KIND_USER_CHANGED,
            actor=actor,
            target=f"user:{username}",
            detail={
                "action": "added" if before is None else "updated",
                "role": role,
                "old_role": None if before is None else before[1],
                "display_name": display_name,
                "password_set": True,
            },
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
