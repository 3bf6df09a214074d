"""Which keyring backends may hold the desk's secrets (its data key and its
sync token): only a real credential store. The plaintext file backends of
``keyrings.alt`` and the null/fail backends are refused, except in the test
suite (``COUNTER_TEST_KEYRING=1``) and for a backend let through by name
(the demo's announced token file, see counter_app/demo_platform.py)."""

from __future__ import annotations

import os

import keyring
import keyring.backend

from counter_app.i18n import _

#: Set to 1 by the test suite only (tests/conftest.py, run.sh test): allows
#: the plaintext file keyring of ``keyrings.alt``.
TEST_KEYRING_ENV = "COUNTER_TEST_KEYRING"
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")
_allowed: list[object] = []  # backends let through by allow_backend()


class UnsafeKeyring(Exception):
    """The keyring at hand would keep secrets in clear text, or nowhere."""


def allow_backend(backend: object) -> None:
    """Let one backend through the policy (the demo's token file, which
    says so when it starts)."""
    keyring.set_keyring(backend)  # type: ignore[arg-type]
    _allowed.append(backend)


def safe_keyring() -> keyring.backend.KeyringBackend:
    """The OS keyring, or :class:`UnsafeKeyring`, so a token or key never
    lands in clear text on disk without anyone being told."""
    backend = keyring.get_keyring()
    if backend in _allowed or os.environ.get(TEST_KEYRING_ENV) == "1":
        return backend
    inner = getattr(backend, "backends", None) or [backend]  # a chainer
    names = [f"{type(b).__module__}.{type(b).__name__}" for b in inner]
    if not inner or any(n.startswith(_REFUSED_MODULES) for n in names):
        raise UnsafeKeyring(
            _(
                "本机没有安全的系统密钥环（当前为 {backend}：明文文件或空实现），"
                "不能用来保存终端令牌和密钥。请安装并解锁系统密钥环：Linux 桌面安装 "
                "gnome-keyring（Secret Service）或 KWallet，Windows 用凭据管理器，"
                "macOS 用钥匙串；然后重新启动程序。"
            ).format(backend=", ".join(names) or "-")
        )
    return backend
