"""The desk's token in the OS keyring (service ``counter``, user = desk id)."""

from __future__ import annotations

import keyring
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
            "Windows：凭据管理器；macOS：钥匙串）后重新注册终端。"
            "无桌面的服务器可安装 keyrings.alt 并设置环境变量 "
            "PYTHON_KEYRING_BACKEND。（{detail}）"
        ).format(detail=exc)
    )


def save_token(desk_id: str, token: str) -> None:
    try:
        keyring.set_password(SERVICE, desk_id, token)
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
        return keyring.get_password(SERVICE, desk_id)
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
        keyring.delete_password(SERVICE, desk_id)
    except keyring.errors.PasswordDeleteError:
        pass
    except keyring.errors.NoKeyringError as exc:
        raise _no_keyring(exc) from exc
