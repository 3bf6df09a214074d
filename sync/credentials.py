"""The desk's token in the OS keyring (service ``counter``, user = desk id).

Only a real credential store will do: the policy of
:mod:`counter_app.store.keyring_policy`, shared with the data key.
"""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors

from counter_app.i18n import _
from counter_app.store import keyring_policy
from counter_app.store.keyring_policy import TEST_KEYRING_ENV, allow_backend
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


def safe_keyring() -> keyring.backend.KeyringBackend:
    """The OS keyring under the desk's policy, or :class:`NoKeyring`."""
    try:
        return keyring_policy.safe_keyring()
    except keyring_policy.UnsafeKeyring as exc:
        raise NoKeyring(str(exc)) from None


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


__all__ = [
    "SERVICE",
    "TEST_KEYRING_ENV",
    "NoKeyring",
    "allow_backend",
    "delete_token",
    "load_token",
    "safe_keyring",
    "save_token",
]
