"""Password rules (等保 身份鉴别: complexity) and the sign-in lock rule.

Plain functions: the service decides when to call them and what to store.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from counter_app.domain.errors import DomainError
from counter_app.i18n import _

MIN_LENGTH = 8
MIN_CLASSES = 2


class WeakPassword(DomainError):
    """The new password breaks the rules; the message says how to fix it."""


def character_classes(password: str) -> int:
    """How many of: lower-case letters, upper-case letters, digits, others
    (punctuation, symbols, Chinese characters…) the password uses."""
    classes = set()
    for ch in password:
        if ch.isdigit():
            classes.add("digit")
        elif ch.isascii() and ch.islower():
            classes.add("lower")
        elif ch.isascii() and ch.isupper():
            classes.add("upper")
        elif not unicodedata.category(ch).startswith("C"):
            classes.add("other")
    return len(classes)


def check_new_password(
    password: str, *, field: str = "password", old_password: str | None = None
) -> None:
    """Raise :class:`WeakPassword` unless the password is at least 8
    characters long and mixes at least two kinds of characters."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            _(
                "密码太短：至少需要 {n} 个字符，并包含字母、数字、符号中的至少两种。"
            ).format(n=MIN_LENGTH),
            field=field,
        )
    if any(unicodedata.category(ch).startswith("C") for ch in password):
        raise WeakPassword(
            _("密码中不能有控制字符（如制表符、换行），请只用字母、数字和符号。"),
            field=field,
        )
    if character_classes(password) < MIN_CLASSES:
        raise WeakPassword(
            _(
                "密码太简单：请混用至少两种字符，例如字母加数字（如 chen2026a）"
                "或加符号。"
            ),
            field=field,
        )
    if old_password is not None and password == old_password:
        raise WeakPassword(_("新密码不能与原密码相同。"), field=field)


@dataclass(frozen=True)
class Guard:
    """The failure count of one user name and, when locked, until when."""

    failures: int = 0
    locked_until: datetime | None = None

    def locked_at(self, now: datetime) -> bool:
        return self.locked_until is not None and now < self.locked_until


def after_failure(
    guard: Guard, *, now: datetime, max_failures: int, lock_minutes: int
) -> Guard:
    """The state after one more wrong password. An expired lock starts the
    count anew; the ``max_failures``-th consecutive failure locks."""
    failures = guard.failures
    if guard.locked_until is not None and now >= guard.locked_until:
        failures = 0
    failures += 1
    if max_failures > 0 and failures >= max_failures:
        return Guard(failures, now + timedelta(minutes=max(lock_minutes, 1)))
    return Guard(failures, None)
