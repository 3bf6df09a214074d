"""The desk's token in the OS keyring (service ``counter``, user = desk id).

Only a real credential store will do (:func:`safe_keyring`): the plaintext
file backends of ``keyrings.alt`` and the null/fail backends are refused,
except in the test suite (``COUNTER_TEST_KEYRING=1``) and for the demo's
announced token file (:func:`allow_backend`).
"""

from __future__ import annotations

import os

import keyring
import keyring.backend
import keyring.errors

from counter_app.i18n import _
from sync.transport import SyncError

SERVICE = "counter"


class NoKeyring(SyncError):
    """This computer has no usable keyring to keep the desk's token in."""


def _no_keyring(exc: Exception) -> NoKeyring:
    return NoKeyring(
        _(
            "本机没有可用的系统密钥环（keyring），无法安全保存终端令牌。"
            "请安装并解锁系统密钥环（Linux 桌面：GNOME 密钥环或 KWallet；"
            "Windows：凭据管理器；macOS：钥匙串）后重新注册终端。（{detail}）"
        ).format(detail=exc)
    )


#: Set to 1 by the test suite only (tests/conftest.py, run.sh test): allows
#: the plaintext file keyring of ``keyrings.alt``.
TEST_KEYRING_ENV = "COUNTER_TEST_KEYRING"
_REFUSED_MODULES = ("keyrings.alt", "keyring.backends.null", "keyring.backends.fail")
_allowed: list[object] = []  # backends let through by allow_backend()


def allow_backend(backend: object) -> None:
    """Let one backend through the policy (the demo's token file, which
    says so when it starts; see counter_app/demo_platform.py)."""
    keyring.set_keyring(backend)  # type: ignore[arg-type]
    _allowed.append(backend)


def safe_keyring() -> keyring.backend.KeyringBackend:
    """The OS keyring, or :class:`NoKeyring`: plaintext files (keyrings.alt)
    and the null/fail backends are refused outside the tests, so a token or
    key never lands in clear text on disk without anyone being told."""
    backend = keyring.get_keyring()
    if backend in _allowed or os.environ.get(TEST_KEYRING_ENV) == "1":
        return backend
    inner = getattr(backend, "backends", None) or [backend]  # a chainer
    names = [f"{type(b).__module__}.{type(b).__name__}" for b in inner]
    if not inner or any(n.startswith(_REFUSED_MODULES) for n in names):
        raise NoKeyring(
            _(
                "本机没有安全的系统密钥环（当前为 {backend}：明文文件或空实现），"
                "不能用来保存终端令牌和密钥。请安装并解锁系统密钥环：Linux 桌面安装 "
                "gnome-keyring（Secret Service）或 KWallet，Windows 用凭据管理器，"
                "macOS 用钥匙串；然后重新启动程序。"
            ).format(backend=", ".join(names) or "-")
        )
    return backend


def save_token(desk_id: str, token: str) -> None:
    try:
        safe_keyring().set_password(SERVICE, desk_id, token)
    except keyring.errors.NoKeyringError as exc:
        raise _no_keyring(exc) from exc
    except keyring.errors.KeyringError as exc:
        raise NoKeyring(
            _("无法把终端令牌写入系统密钥环：{detail}。请解锁密钥环后重试。").format(
                detail=exc
            )
        ) from exc


def load_token(desk_id: str) -> str | None:
    try:
        return safe_keyring().get_password(SERVICE, desk_id)
    except keyring.errors.NoKeyringError as exc:
        raise _no_keyring(exc) from exc
    except keyring.errors.KeyringError as exc:
        raise NoKeyring(
            _("无法从系统密钥环读取终端令牌：{detail}。请解锁密钥环后重试。").format(
                detail=exc
            )
        ) from exc


def delete_token(desk_id: str) -> None:
    try:
        safe_keyring().delete_password(SERVICE, desk_id)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.NoKeyringError as exc:
        raise _no_keyring(exc) from exc
