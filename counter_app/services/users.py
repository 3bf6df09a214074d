"""Users and offline sign-in against locally stored password verifiers.

等保 身份鉴别 / 登录失败处理, for every way in (the window, the lock screen,
the command line):

- one message for an unknown name, an inactive account and a wrong
  password, and the same work for each: an unknown name is checked against
  a dummy scrypt verifier, so the time taken does not tell names apart;
- ``signin.max_failures`` consecutive failures lock the name for
  ``signin.lock_minutes`` (kept in ``sign_in_guard``, so a restart does not
  clear it). Names that are not accounts lock the same way;
- new passwords follow :mod:`counter_app.domain.passwords`; accounts made or
  reset by an administrator must change theirs at the next sign-in;
- sign-in, lock, unlock, reset and password change are audit events
  (time, actor, kind, and in the detail the user concerned and the outcome).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.errors import DomainError
from counter_app.domain.passwords import Guard, after_failure, check_new_password
from counter_app.domain.text import NAME_MAX, clean_text, shown
from counter_app.i18n import _
from counter_app.services.context import DeskContext
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.store.events import (
    KIND_ACCOUNT_LOCKED,
    KIND_ACCOUNT_UNLOCKED,
    KIND_PASSWORD_CHANGED,
    KIND_PASSWORD_RESET,
    KIND_SIGNIN,
    KIND_USER_CHANGED,
    add_event,
)
from sync import protocol as p
from sync.protocol import OUTCOME_FAILURE, OUTCOME_SUCCESS

#: Longest user name kept in the guard table and the audit log.
NAME_LIMIT = 64

# Same parameters as a real verifier, a key no password produces: checking
# an unknown name costs what checking a real one costs.
_DUMMY_VERIFIER = (
    f"scrypt${p.SCRYPT_N}${p.SCRYPT_R}${p.SCRYPT_P}"
    "$Y291bnRlci1kdW1teS1zYWx0$" + "A" * 43
)


class SignInFailed(Exception):
    pass


class AccountLocked(SignInFailed):
    def __init__(self, message: str, *, until: datetime) -> None:
        super().__init__(message)
        self.until = until


class UnknownUser(DomainError):
    pass


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    must_change: bool = False


@dataclass(frozen=True)
class Account:
    """One account as the supervisor's user list shows it."""

    username: str
    display_name: str
    role: str
    active: bool
    must_change: bool
    failures: int
    locked_until: datetime | None


def wrong_credentials_message() -> str:
    return _("用户名或密码不正确。")


def locked_message(until: datetime) -> str:
    return _(
        "该账户因连续多次密码错误已暂时锁定，请在 {time} 以后再试，或请科室负责人解锁。"
    ).format(time=until.astimezone().strftime("%H:%M"))


def cli_admin_context() -> DeskContext:
    """Who acts at the command line: whoever can open the data folder is its
    administrator; audited under the operating-system account."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return DeskContext(
        username=f"cli:{who}",
        display_name=_("命令行管理员"),
        role="supervisor",
        site_code="",
        window_code="",
    )


# -- sign-in ---------------------------------------------------------------------


def authenticate(
    store: Store, *, username: str, password: str, channel: str = "window"
) -> User:
    """The user, or :class:`SignInFailed` / :class:`AccountLocked` (both
    audited). ``channel`` names the way in: window, unlock, switch, cli."""
    return _check(store, username, password, channel=channel, record_success=True)


def _check(
    store: Store, username: str, password: str, *, channel: str, record_success: bool
) -> User:
    name = _typed_name(username)
    key = name[:NAME_LIMIT]
    row = store.db.execute(
        "SELECT username, display_name, role, password_verifier, active,"
        " must_change FROM users WHERE username = ?",
        [name],
    ).fetchone()
    verifier = row[3] if row is not None else _DUMMY_VERIFIER
    if not p.is_password_verifier(verifier):
        verifier = _DUMMY_VERIFIER
    # Always the full check, whatever is known already: equal work for
    # unknown, inactive, locked and real names.
    # No stored password holds broken Unicode (check_new_password refuses
    # it); a typed one is checked as replaced, so the work stays the same.
    broken = _has_surrogates(password)
    matches = p.verify_password(_replaced(password), verifier) and not broken
    ok = matches and row is not None and bool(row[4])
    now = clock.now()
    max_failures, lock_minutes = _limits(store.db)
    shown = key if row is not None else audit_name(key)
    # Written first, raised after: an exception inside the transaction
    # would roll the audit event back.
    refusal: SignInFailed | None = None
    with store.transaction() as db:
        guard = _guard(db, key)
        if guard.locked_at(now):
            assert guard.locked_until is not None
            _event(db, KIND_SIGNIN, shown, shown, outcome="locked", channel=channel)
            refusal = AccountLocked(
                locked_message(guard.locked_until), until=guard.locked_until
            )
        elif not ok:
            after = after_failure(
                guard, now=now, max_failures=max_failures, lock_minutes=lock_minutes
            )
            _put_guard(db, key, after, now)
            _event(db, KIND_SIGNIN, shown, shown, outcome="failed", channel=channel)
            refusal = SignInFailed(wrong_credentials_message())
            if after.locked_until is not None:
                _event(
                    db,
                    KIND_ACCOUNT_LOCKED,
                    shown,
                    shown,
                    outcome="locked",
                    channel=channel,
                    failures=after.failures,
                    until=after.locked_until.isoformat(timespec="seconds"),
                )
                # the failure that locks says so, for every name alike
                refusal = AccountLocked(
                    locked_message(after.locked_until), until=after.locked_until
                )
        else:
            db.execute("DELETE FROM sign_in_guard WHERE username = ?", [key])
            if record_success:
                _event(db, KIND_SIGNIN, key, key, outcome="success", channel=channel)
    if refusal is not None:
        raise refusal
    assert row is not None
    return User(row[0], row[1], row[2], must_change=bool(row[5]))


def _has_surrogates(text: str) -> bool:
    return any("\ud800" <= c <= "\udfff" for c in text)


def _replaced(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def _typed_name(typed: str) -> str:
    """A typed user name as accounts are stored (``domain.text``); broken
    Unicode, which no account has, just fails like any unknown name."""
    try:
        return clean_text(typed, field="username", label=_("用户名"), max_len=10**6)
    except DomainError:
        return _replaced(typed).strip()


def audit_name(typed: str) -> str:
    """How a name that is no account appears in the audit log: people type
    their password into the name field, and the log travels to the
    platform. Enough to see probing (first two characters and length)."""
    return f"?{typed[:2]}…[{len(typed)}]"  # data, not UI: one form in any language


def _limits(db: Database) -> tuple[int, int]:
    return (
        settings.get_int(db, "signin.max_failures"),
        settings.get_int(db, "signin.lock_minutes"),
    )


def _guard(db: Database, key: str) -> Guard:
    row = db.execute(
        "SELECT failures, locked_until FROM sign_in_guard WHERE username = ?", [key]
    ).fetchone()
    if row is None:
        return Guard()
    until = datetime.fromisoformat(row[1]) if row[1] else None
    return Guard(int(row[0]), until)


def _put_guard(db: Database, key: str, guard: Guard, now: datetime) -> None:
    db.execute(
        "INSERT INTO sign_in_guard (username, failures, locked_until,"
        " last_failure_at) VALUES (?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET"
        " failures = excluded.failures, locked_until = excluded.locked_until,"
        " last_failure_at = excluded.last_failure_at",
        [
            key,
            guard.failures,
            guard.locked_until.isoformat() if guard.locked_until else None,
            now.isoformat(),
        ],
    )
    # Rows of names tried once long ago and never again do not pile up.
    stale = (now - timedelta(days=7)).isoformat()
    db.execute(
        "DELETE FROM sign_in_guard WHERE last_failure_at < ?"
        " AND (locked_until IS NULL OR locked_until < ?)",
        [stale, now.isoformat()],
    )


def _event(
    db: Database,
    kind: str,
    actor: str,
    user: str,
    *,
    outcome: str,
    **extra: object,
) -> None:
    add_event(
        db,
        kind=kind,
        actor=actor,
        target=f"user:{user}",
        outcome=OUTCOME_SUCCESS if outcome == "success" else OUTCOME_FAILURE,
        detail={"user": user, "outcome": outcome, **extra},
    )


# -- passwords and accounts ------------------------------------------------------


def change_password(
    store: Store, *, username: str, old_password: str, new_password: str
) -> User:
    """The user sets a new password (on first sign-in, or at will). The old
    one is checked like a sign-in: wrong guesses count towards the lock."""
    check_new_password(new_password, field="new_password", old_password=old_password)
    user = _check(
        store, username, old_password, channel="password_change", record_success=False
    )
    with store.transaction() as db:
        db.execute(
            "UPDATE users SET password_verifier = ?, must_change = 0,"
            " password_changed_at = ? WHERE username = ?",
            [p.hash_password(new_password), clock.now_iso(), user.username],
        )
        _event(
            db, KIND_PASSWORD_CHANGED, user.username, user.username, outcome="success"
        )
    return User(user.username, user.display_name, user.role, must_change=False)


def add_user(
    store: Store,
    *,
    username: str,
    display_name: str,
    role: str,
    password: str,
    must_change: bool = True,
    by: DeskContext | None = None,
) -> None:
    """Add or reset a local account. ``must_change``: an administrator chose
    the password, so the user sets their own at the first sign-in."""
    if role not in ("clerk", "supervisor"):
        raise ValueError(role)
    name = clean_text(username, field="username", label=_("用户名"), max_len=500)
    display_name = clean_text(
        display_name, field="display_name", label=_("姓名"), max_len=NAME_MAX
    )
    if not name or len(name) > NAME_LIMIT:
        raise DomainError(
            _("用户名不能为空，且不超过 {n} 个字符。").format(n=NAME_LIMIT),
            field="username",
        )
    check_new_password(password)
    actor = (by or cli_admin_context()).username
    with store.transaction() as db:
        before = db.execute(
            "SELECT display_name, role FROM users WHERE username = ?", [name]
        ).fetchone()
        db.execute(
            "INSERT INTO users (username, display_name, role, password_verifier,"
            " updated_at, must_change, password_changed_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(username) DO UPDATE SET"
            " display_name = excluded.display_name, role = excluded.role,"
            " password_verifier = excluded.password_verifier,"
            " updated_at = excluded.updated_at, must_change = excluded.must_change,"
            " password_changed_at = excluded.password_changed_at",
            [
                name,
                display_name,
                role,
                p.hash_password(password),
                clock.now_iso(),
                1 if must_change else 0,
                clock.now_iso(),
            ],
        )
        db.execute("DELETE FROM sign_in_guard WHERE username = ?", [name])
        # Never the password or its verifier: only who changed what.
        _event(
            db,
            KIND_USER_CHANGED,
            actor,
            name,
            outcome="success",
            action="added" if before is None else "updated",
            role=role,
            old_role=None if before is None else before[1],
            display_name=display_name,
            must_change=must_change,
        )


def _require_user(db: Database, username: str) -> str:
    row = db.execute(
        "SELECT username FROM users WHERE username = ?", [_typed_name(username)]
    ).fetchone()
    if row is None:
        raise UnknownUser(
            _("本机没有用户 {username}，请核对用户名。").format(
                username=shown(username, limit=64)
            ),
            field="username",
        )
    return str(row[0])


def unlock_user(store: Store, by: DeskContext, *, username: str) -> bool:
    """Clear the failure count and lock; True when the account was locked."""
    by.require_supervisor(_("解锁用户"))
    now = clock.now()
    with store.transaction() as db:
        name = _require_user(db, username)
        was_locked = _guard(db, name[:NAME_LIMIT]).locked_at(now)
        db.execute("DELETE FROM sign_in_guard WHERE username = ?", [name[:NAME_LIMIT]])
        _event(
            db,
            KIND_ACCOUNT_UNLOCKED,
            by.username,
            name,
            outcome="success",
            was_locked=was_locked,
        )
    return was_locked


def reset_password(
    store: Store, by: DeskContext, *, username: str, new_password: str
) -> None:
    """A supervisor sets a temporary password: the account is unlocked and
    must choose its own at the next sign-in."""
    by.require_supervisor(_("重置密码"))
    check_new_password(new_password)
    with store.transaction() as db:
        name = _require_user(db, username)
        db.execute(
            "UPDATE users SET password_verifier = ?, must_change = 1,"
            " password_changed_at = ?, updated_at = ? WHERE username = ?",
            [p.hash_password(new_password), clock.now_iso(), clock.now_iso(), name],
        )
        db.execute("DELETE FROM sign_in_guard WHERE username = ?", [name[:NAME_LIMIT]])
        _event(db, KIND_PASSWORD_RESET, by.username, name, outcome="success")


def accounts(store: Store) -> list[Account]:
    """Every local account with its lock state (store worker)."""
    now = clock.now()
    out = []
    for row in store.db.execute(
        "SELECT u.username, u.display_name, u.role, u.active, u.must_change,"
        " g.failures, g.locked_until FROM users u"
        " LEFT JOIN sign_in_guard g ON g.username = u.username ORDER BY u.username"
    ):
        until = datetime.fromisoformat(row[6]) if row[6] else None
        failures = int(row[5] or 0)
        if until is not None and until <= now:
            until, failures = None, 0  # expired: the next failure counts from 1
        out.append(
            Account(
                username=row[0],
                display_name=row[1],
                role=row[2],
                active=bool(row[3]),
                must_change=bool(row[4]),
                failures=failures,
                locked_until=until,
            )
        )
    return out
