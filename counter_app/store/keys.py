"""The desk's data key: 32 random bytes kept outside the data folder.

Where it lives, in this order:

1. ``COUNTER_KEY_FILE`` names a key file (64 hex digits), for machines with no
   OS credential store: a site key file owned by root and readable by the
   clerk's account (e.g. ``/etc/counter/desk.key``). It must lie outside the
   data folder, or a copy of the folder would carry its own key.
2. Otherwise the OS credential store (Secret Service / KWallet, Windows
   Credential Manager, macOS Keychain) through ``keyring``, service
   ``counter-data-key``, user = the data folder's absolute path.

The key is made on the first start of an empty data folder. A folder whose
database exists but whose key is gone cannot be read by anyone: the recovery
is to enroll the desk again in a new folder and pull from the platform.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors

from counter_app.i18n import _
from counter_app.store import keyring_policy

KEY_FILE_ENV = "COUNTER_KEY_FILE"
KEYRING_SERVICE = "counter-data-key"
KEY_BYTES = 32
_LOCK_FILENAME = ".key.lock"


class KeyUnavailable(Exception):
    """No key can be had: in words a clerk or administrator can act on."""


def _recovery() -> str:
    return _(
        "没有密钥，任何人都无法读取该目录中的数据。恢复办法：用 --data-dir 指定"
        "一个新的空目录，重新注册终端（main.py enroll）并从中心平台同步，"
        "已上传的办件和扫描件会回到本机；尚未上传的部分无法恢复。"
    )


def _no_store_message(detail: object) -> str:
    return _(
        "本机没有可用的系统凭据存储（keyring），无法保存数据加密密钥。"
        "请安装并解锁系统凭据存储（Linux 桌面：GNOME 密钥环或 KWallet；"
        "Windows：凭据管理器），或由管理员准备一个数据目录之外的站点密钥文件，"
        "并设置环境变量 {env}=该文件路径（见 README“数据加密”）。（{detail}）"
    ).format(env=KEY_FILE_ENV, detail=detail)


def _backend() -> keyring.backend.KeyringBackend:
    """The credential store, under the same policy as the sync token."""
    try:
        return keyring_policy.safe_keyring()
    except keyring_policy.UnsafeKeyring as exc:
        raise KeyUnavailable(_no_store_message(exc)) from None


def account(data_dir: Path) -> str:
    """The credential store's user name for a data folder."""
    return str(Path(data_dir).resolve())


def key_file() -> Path | None:
    value = os.environ.get(KEY_FILE_ENV, "").strip()
    return Path(value).expanduser() if value else None


def load_key(data_dir: Path) -> bytes | None:
    """The folder's key, or None when none was ever made for it."""
    path = key_file()
    if path is not None:
        return _read_key_file(path, data_dir)
    try:
        stored = _backend().get_password(KEYRING_SERVICE, account(data_dir))
    except keyring.errors.NoKeyringError as exc:
        raise KeyUnavailable(_no_store_message(exc)) from exc
    except keyring.errors.KeyringError as exc:
        raise KeyUnavailable(
            _(
                "无法从系统凭据存储读取数据加密密钥：{detail}。请解锁凭据存储后重试。"
            ).format(detail=exc)
        ) from exc
    return _parse(stored, _("系统凭据存储")) if stored else None


def create_key(data_dir: Path) -> bytes:
    """Make and keep a new key for an empty folder, or return the one that a
    process starting at the same moment made first. Call under
    :func:`creation_lock`."""
    existing = load_key(data_dir)
    if existing is not None:
        return existing
    key = secrets.token_bytes(KEY_BYTES)
    path = key_file()
    if path is not None:
        _write_key_file(path, data_dir, key)
        return key
    try:
        _backend().set_password(KEYRING_SERVICE, account(data_dir), key.hex())
    except keyring.errors.NoKeyringError as exc:
        raise KeyUnavailable(_no_store_message(exc)) from exc
    except keyring.errors.KeyringError as exc:
        raise KeyUnavailable(
            _(
                "无法把数据加密密钥写入系统凭据存储：{detail}。请解锁凭据存储后重试。"
            ).format(detail=exc)
        ) from exc
    return key


def forget_key(data_dir: Path) -> None:
    """Remove a folder's key from the credential store (tests, a wiped desk)."""
    with contextlib.suppress(keyring.errors.KeyringError):
        _backend().delete_password(KEYRING_SERVICE, account(data_dir))


def missing_key_message(db_path: Path) -> str:
    where = key_file() or _("系统凭据存储")
    return _(
        "数据库 {path} 已加密，但本机找不到它的密钥（应在：{where}），"
        "或者文件已损坏。请勿删除该目录。{recovery}"
    ).format(path=db_path, where=where, recovery=_recovery())


def wrong_key_message(db_path: Path) -> str:
    return _(
        "数据库 {path} 无法用本机保存的密钥解开：密钥不是这个目录的，"
        "或者文件已损坏。请勿删除该目录，检查 {env} 或系统凭据存储是否指向"
        "正确的密钥。{recovery}"
    ).format(path=db_path, env=KEY_FILE_ENV, recovery=_recovery())


def subkey(key: bytes, purpose: str) -> bytes:
    """An independent key for one use (HMAC-SHA256 of the purpose)."""
    return hmac.new(key, purpose.encode("ascii"), hashlib.sha256).digest()


# -- key file --------------------------------------------------------------------
def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True


def _read_key_file(path: Path, data_dir: Path) -> bytes | None:
    if _inside(path, data_dir):
        raise KeyUnavailable(
            _(
                "密钥文件 {path} 位于数据目录之内，复制该目录的人也会拿到密钥。"
                "请把密钥文件放到数据目录之外，并相应设置 {env}。"
            ).format(path=path, env=KEY_FILE_ENV)
        )
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeError) as exc:
        raise KeyUnavailable(
            _("无法读取密钥文件 {path}：{error}。请检查文件权限。").format(
                path=path, error=getattr(exc, "strerror", None) or exc
            )
        ) from exc
    return _parse(text, str(path))


def _write_key_file(path: Path, data_dir: Path, key: bytes) -> None:
    if _inside(path, data_dir):
        _read_key_file(path, data_dir)  # raises the words for this case
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key.hex() + "\n")
    except OSError as exc:
        raise KeyUnavailable(
            _("无法创建密钥文件 {path}：{error}。请由管理员创建该文件。").format(
                path=path, error=exc.strerror or exc
            )
        ) from exc


def _parse(text: str, where: str) -> bytes:
    try:
        key = bytes.fromhex(text.strip())
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyUnavailable(
            _("{where} 中的数据加密密钥格式不对（应为 64 位十六进制数）。").format(
                where=where
            )
        )
    return key


@contextlib.contextmanager
def creation_lock(data_dir: Path) -> Iterator[None]:
    """Two processes starting an empty folder at once must not make two keys."""
    if os.name == "nt":  # pragma: no cover - Windows desks start one process
        yield
        return
    import fcntl

    try:
        fd = os.open(Path(data_dir) / _LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a read-only folder: opening the database will say so
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
