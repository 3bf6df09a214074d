"""等保 sign-in: lockout, equal answers and timing for unknown names, password
rules, change on first sign-in, supervisor unlock and reset, audit events."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from counter_app import clock
from counter_app.domain.passwords import WeakPassword, check_new_password
from counter_app.services import users
from counter_app.services.context import DeskContext, PermissionDenied
from counter_app.store import settings
from counter_app.store.db import Store
from sync import protocol as p

GOOD = "counter123"


class Clock:
    """The desk's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = clock.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += timedelta(**kw)


@pytest.fixture
def moved() -> Iterator[Clock]:
    c = Clock()
    clock.set_clock(c)
    yield c


def _add(store: Store, name: str = "clerk01", *, must_change: bool = False) -> None:
    users.add_user(
        store,
        username=name,
        display_name="王晓明",
        role="clerk",
        password=GOOD,
        must_change=must_change,
    )


def _events(store: Store, kind: str) -> list[dict[str, object]]:
    return [
        {"actor": actor, **json.loads(detail)}
        for actor, detail in store.db.execute(
            "SELECT actor, detail FROM events WHERE kind = ? ORDER BY id", [kind]
        )
    ]


def _fail(store: Store, name: str, password: str = "wrong-one1") -> str:
    with pytest.raises(users.SignInFailed) as info:
        users.authenticate(store, username=name, password=password)
    return str(info.value)


def _supervisor() -> DeskContext:
    return DeskContext("chief01", "张堃", "supervisor", "320102001", "01")


def _clerk() -> DeskContext:
    return DeskContext("clerk02", "李𠮷祥", "clerk", "320102001", "01")


# -- lockout -----------------------------------------------------------------------


def test_five_failures_lock_for_ten_minutes_across_a_restart(
    tmp_path: Path, moved: Clock
) -> None:
    store = Store.open(tmp_path)
    _add(store)
    for _i in range(4):
        assert _fail(store, "clerk01") == "用户名或密码不正确。"
    fifth = _fail(store, "clerk01")
    assert "锁定" in fifth
    until = (moved.now + timedelta(minutes=10)).strftime("%H:%M")
    assert until in fifth
    store.close()

    store = Store.open(tmp_path)  # a restart does not clear the lock
    with pytest.raises(users.AccountLocked):
        users.authenticate(store, username="clerk01", password=GOOD)
    moved.advance(minutes=9, seconds=59)
    with pytest.raises(users.AccountLocked):
        users.authenticate(store, username="clerk01", password=GOOD)
    moved.advance(seconds=1)
    user = users.authenticate(store, username="clerk01", password=GOOD)
    assert user.username == "clerk01"

    outcomes = [e["outcome"] for e in _events(store, "sign_in")]
    assert outcomes == ["failed"] * 5 + ["locked", "locked", "success"]
    locks = _events(store, "account_locked")
    assert len(locks) == 1 and locks[0]["user"] == "clerk01"
    assert locks[0]["failures"] == 5
    store.close()


def test_success_resets_the_count_and_an_expired_lock_counts_anew(
    store: Store, moved: Clock
) -> None:
    _add(store)
    for _i in range(4):
        _fail(store, "clerk01")
    users.authenticate(store, username="clerk01", password=GOOD)
    for _i in range(4):  # four more: not consecutive with the first four
        _fail(store, "clerk01")
    users.authenticate(store, username="clerk01", password=GOOD)
    for _i in range(5):
        _fail(store, "clerk01")
    moved.advance(minutes=11)
    # after the lock ran out one failure is one failure, not a new lock
    assert _fail(store, "clerk01") == "用户名或密码不正确。"


def test_limits_are_settings(store: Store, moved: Clock) -> None:
    _add(store)
    with store.transaction() as db:
        settings.put(db, "signin.max_failures", "3")
        settings.put(db, "signin.lock_minutes", "30")
    _fail(store, "clerk01")
    _fail(store, "clerk01")
    assert "锁定" in _fail(store, "clerk01")
    moved.advance(minutes=29)
    with pytest.raises(users.AccountLocked):
        users.authenticate(store, username="clerk01", password=GOOD)
    moved.advance(minutes=1)
    users.authenticate(store, username="clerk01", password=GOOD)


def test_unknown_and_inactive_names_answer_like_a_wrong_password(
    store: Store, moved: Clock
) -> None:
    _add(store)
    _add(store, "gone01")
    store.db.execute("UPDATE users SET active = 0 WHERE username = 'gone01'")
    store.db.conn.commit()
    real = [_fail(store, "clerk01") for _i in range(5)]
    unknown = [_fail(store, "nobody99") for _i in range(5)]
    inactive = [_fail(store, "gone01", GOOD) for _i in range(5)]
    assert real == unknown == inactive
    assert real[0] == "用户名或密码不正确。" and "锁定" in real[4]
    # a name that is no account (often a password typed in the wrong field)
    # is not written whole into the audit log
    logged = {e["user"] for e in _events(store, "sign_in")}
    assert logged == {"clerk01", "gone01", "?no…[8]"}


def test_unknown_name_takes_as_long_as_a_real_one(store: Store) -> None:
    _add(store)
    with store.transaction() as db:
        settings.put(db, "signin.max_failures", "0")  # never lock here

    def timed(name: str) -> float:
        started = time.perf_counter()
        with pytest.raises(users.SignInFailed):
            users.authenticate(store, username=name, password="wrong-one1")
        return time.perf_counter() - started

    known, unknown = [], []
    for i in range(9):  # interleaved, so load on the machine hits both alike
        known.append(timed("clerk01"))
        unknown.append(timed(f"nobody{i}"))
    ratio = statistics.median(unknown) / statistics.median(known)
    # before: 0.01 ms against 40 ms (×4000); scrypt dominates both now
    assert 0.67 < ratio < 1.5, (ratio, known, unknown)
    assert statistics.median(unknown) > 0.005


# -- password rules and first sign-in ----------------------------------------------


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("abc12", "太短"),
        ("abcdefgh", "太简单"),
        ("12345678", "太简单"),
        ("abcd\t1234", "控制字符"),
    ],
)
def test_password_rules_say_what_to_do(password: str, words: str) -> None:
    with pytest.raises(WeakPassword) as info:
        check_new_password(password)
    assert words in str(info.value)


@pytest.mark.parametrize(
    "password", ["abcdefg1", "ABCDEFGa", "密码密码密码12", "a-b-c-d-"]
)
def test_passwords_that_pass(password: str) -> None:
    check_new_password(password)


def test_weak_password_is_refused_when_adding(store: Store) -> None:
    with pytest.raises(WeakPassword):
        users.add_user(
            store, username="x1", display_name="x", role="clerk", password="short"
        )
    assert store.db.execute("SELECT COUNT(*) FROM users").fetchone()[0] == 0


def test_admin_made_account_changes_password_first(store: Store) -> None:
    users.add_user(
        store, username="clerk03", display_name="赵", role="clerk", password=GOOD
    )
    assert users.authenticate(store, username="clerk03", password=GOOD).must_change
    with pytest.raises(WeakPassword):
        users.change_password(
            store, username="clerk03", old_password=GOOD, new_password=GOOD
        )
    with pytest.raises(users.SignInFailed):
        users.change_password(
            store,
            username="clerk03",
            old_password="bad-guess1",
            new_password="n3w-pass",
        )
    user = users.change_password(
        store, username="clerk03", old_password=GOOD, new_password="n3w-pass"
    )
    assert not user.must_change
    with pytest.raises(users.SignInFailed):
        users.authenticate(store, username="clerk03", password=GOOD)
    assert not users.authenticate(
        store, username="clerk03", password="n3w-pass"
    ).must_change
    changed = _events(store, "password_changed")
    assert changed == [{"actor": "clerk03", "user": "clerk03", "outcome": "success"}]
    saved = _events(store, "user_saved")
    assert saved[0]["user"] == "clerk03" and str(saved[0]["actor"]).startswith("cli:")


# -- supervisor unlock and reset -----------------------------------------------------


def test_supervisor_unlocks_and_resets(store: Store, moved: Clock) -> None:
    _add(store)
    for _i in range(5):
        _fail(store, "clerk01")
    [account] = [a for a in users.accounts(store) if a.username == "clerk01"]
    assert account.locked_until == moved.now + timedelta(minutes=10)
    assert account.failures == 5
    with pytest.raises(PermissionDenied):
        users.unlock_user(store, _clerk(), username="clerk01")
    assert users.unlock_user(store, _supervisor(), username="clerk01") is True
    users.authenticate(store, username="clerk01", password=GOOD)

    for _i in range(5):
        _fail(store, "clerk01")
    with pytest.raises(PermissionDenied):
        users.reset_password(
            store, _clerk(), username="clerk01", new_password="temp-2026"
        )
    users.reset_password(
        store, _supervisor(), username="clerk01", new_password="temp-2026"
    )
    user = users.authenticate(store, username="clerk01", password="temp-2026")
    assert user.must_change
    with pytest.raises(users.UnknownUser):
        users.unlock_user(store, _supervisor(), username="nobody")

    unlocked = _events(store, "account_unlocked")
    assert unlocked == [
        {
            "actor": "chief01",
            "user": "clerk01",
            "outcome": "success",
            "was_locked": True,
        }
    ]
    reset = _events(store, "password_reset")
    assert reset == [{"actor": "chief01", "user": "clerk01", "outcome": "success"}]


# -- users from the platform -----------------------------------------------------------


def _pull_user(store: Store, verifier: str) -> None:
    from sync.pull import _user

    with store.transaction() as db:
        _user(
            db,
            {
                "username": "remote01",
                "display_name": "钱",
                "role": "clerk",
                "site_code": "320102001",
                "password_verifier": verifier,
                "active": True,
            },
        )


def test_platform_users_change_first_only_when_their_verifier_says_so(
    store: Store,
) -> None:
    _pull_user(store, p.hash_password(GOOD))
    assert not users.authenticate(store, username="remote01", password=GOOD).must_change

    marked = p.mark_must_change(p.hash_password("temp-2026"))
    assert p.is_password_verifier(marked) and p.verifier_must_change(marked)
    assert p.verify_password("temp-2026", marked)
    _pull_user(store, marked)
    assert users.authenticate(
        store, username="remote01", password="temp-2026"
    ).must_change
    users.change_password(
        store, username="remote01", old_password="temp-2026", new_password="mine-2026"
    )
    # the same verifier again (any later change of the user, a resnapshot):
    # the password chosen here stays
    _pull_user(store, marked)
    assert not users.authenticate(
        store, username="remote01", password="mine-2026"
    ).must_change
    # a new password from the platform replaces it
    _pull_user(store, p.hash_password("plat-2027"))
    users.authenticate(store, username="remote01", password="plat-2027")
