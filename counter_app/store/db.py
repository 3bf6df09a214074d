"""The desk's local store: one SQLite file in WAL mode, owned by one writer.

``Store.transaction()`` is the only way to write: it takes the store's lock,
opens ``BEGIN IMMEDIATE`` (so a second process waits instead of failing
half-way) and commits or rolls back as a whole. Reads may use ``store.db``.

The file is encrypted whole with SQLCipher (pages, WAL and indexes alike) with
the desk's key from :mod:`counter_app.store.keys`; ``Store.open`` is the one
way every process (window, CLI, sync, demo, benchmarks) opens it. The data
folder is 0700 and the database files 0600.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlcipher3 import dbapi2 as sqlcipher
from sqlite_utils import Database

from counter_app import clock
from counter_app.i18n import _
from counter_app.store import keys
from counter_app.store.migrations import migrations

log = logging.getLogger(__name__)

DB_FILENAME = "counter.sqlite3"
BACKUP_DIR = "backups"
BUSY_TIMEOUT_MS = 10_000
# Not encrypted: only the benchmarks' baseline and reading a pre-encryption store.
PLAIN = b""
_SQLITE_MAGIC = b"SQLite format 3\x00"
CACHE_KIB = 65_536
DIR_MODE = 0o700
FILE_MODE = 0o600

# Both drivers' errors: the desk's store is SQLCipher, plain SQLite elsewhere.
SQLITE_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, sqlcipher.Error)
DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.DatabaseError,
    sqlcipher.DatabaseError,
)
OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.OperationalError,
    sqlcipher.OperationalError,
)
COPY_ERRORS: tuple[type[Exception], ...] = (OSError, *SQLITE_ERRORS)
INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    sqlite3.IntegrityError,
    sqlcipher.IntegrityError,
)


class StoreError(Exception):
    """A problem with the database file, in words a clerk can act on."""


class Store:
    def __init__(
        self,
        data_dir: Path,
        *,
        key: bytes,
        temporary: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_FILENAME
        self.key = key
        self._temporary = temporary
        self._lock = threading.RLock()
        self._conn = _connect(self.path, key, busy_timeout_ms)
        self.db = Database(self._conn)
        #: the copy taken before this start migrated an older store
        self.upgrade_backup: Path | None = None
        self._migrate()
        secure_files(self.path)

    @classmethod
    def open(
        cls,
        data_dir: Path,
        *,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        key: bytes | None = None,
    ) -> Store:
        """Open (or create) the store of ``data_dir`` with its desk key;
        ``key`` is given only by tests and benchmarks."""
        try:
            data_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                _("无法创建数据目录 {path}：{error}。请检查磁盘和目录权限。").format(
                    path=data_dir, error=exc.strerror or exc
                )
            ) from exc
        if not data_dir.is_dir():
            raise StoreError(
                _(
                    "数据目录 {path} 不是一个目录。请用 --data-dir 指定一个目录。"
                ).format(path=data_dir)
            )
        secure_dir(data_dir)
        if key is None:
            key = desk_key(data_dir)
        return cls(data_dir, key=key, busy_timeout_ms=busy_timeout_ms)

    @classmethod
    def memory(cls, *, key: bytes | None = None) -> Store:
        """A throw-away store in a temporary directory (tests, benchmarks),
        encrypted with a key of its own that is kept nowhere."""
        key = secrets.token_bytes(keys.KEY_BYTES) if key is None else key
        return cls(Path(tempfile.mkdtemp(prefix="counter-")), key=key, temporary=True)

    def _migrate(self) -> None:
        known = {m.name for m in migrations._migrations}
        try:
            applied = [m.name for m in migrations.applied(self.db)]
        except DATABASE_ERRORS as exc:
            raise _unreadable(self.path, exc, self.key) from exc
        unknown = [name for name in applied if name not in known]
        pending = [m.name for m in migrations._migrations if m.name not in applied]
        if unknown:
            raise StoreError(
                _(
                    "数据库 {path} 由更新版本的程序创建（结构版本 {version}），"
                    "本程序无法安全使用。请升级程序后再打开，数据未作任何改动。"
                ).format(path=self.path, version=unknown[-1])
            )
        if applied and pending and not self._temporary:
            # A newer version's first start: keep the data as it was.
            self.upgrade_backup = self._backup_before_upgrade(applied[-1])
        with self._lock:
            try:
                migrations.apply(self.db)
            except OPERATIONAL_ERRORS as exc:
                raise _unreadable(self.path, exc, self.key) from exc

    def _backup_before_upgrade(self, version: str) -> Path:
        """Copy the database (SQLite online backup, same key) to
        ``backups/before-upgrade-<time>-<version>.sqlite3``, kept."""
        folder = self.data_dir / BACKUP_DIR
        stamp = clock.now().strftime("%Y%m%d-%H%M%S")
        target = folder / f"before-upgrade-{stamp}-{version}.sqlite3"
        n = 1
        while target.exists():
            n += 1
            target = folder / f"before-upgrade-{stamp}-{version}-{n}.sqlite3"
        part = target.with_name(target.name + ".part")
        try:
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
            part.unlink(missing_ok=True)
            copy = bare_connection(part, self.key)
            try:
                with self._lock:
                    self._conn.backup(copy)
            finally:
                copy.close()
            os.chmod(part, FILE_MODE)
            os.replace(part, target)
        except COPY_ERRORS as exc:
            part.unlink(missing_ok=True)
            raise StoreError(
                _(
                    "升级前无法备份数据库到 {path}：{error}。数据库未作任何改动；"
                    "请检查磁盘空间和权限后重新启动。"
                ).format(path=target, error=exc)
            ) from exc
        log.warning("store %s backed up to %s before upgrading", self.path, target)
        return target

    @contextmanager
    def read(self) -> Iterator[Database]:
        """The database for reads from a thread other than the store worker
        (the hall pages' server): the connection is shared, and a read
        interleaved with another thread's transaction breaks it."""
        with self._lock:
            yield self.db

    @contextmanager
    def read_through(self) -> Iterator[Database]:
        """A short-lived connection of its own, with a 2 MB page cache, for
        reading through much of the file once beside the store's worker
        (the start-up checks: seconds at a million applications). The pages
        it reads do not stay in the store's 64 MB cache."""
        conn = open_connection(self.data_dir, key=self.key)
        try:
            conn.execute("PRAGMA cache_size = -2048")
            yield Database(conn)
        finally:
            conn.close()

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except OPERATIONAL_ERRORS as exc:
                raise _unreadable(self.path, exc) from exc
            try:
                yield self.db
            except OPERATIONAL_ERRORS as exc:
                _rollback(conn)
                if _environmental(exc):
                    raise _unreadable(self.path, exc) from exc
                raise
            except BaseException:
                _rollback(conn)
                raise
            try:
                conn.execute("COMMIT")
            except OPERATIONAL_ERRORS as exc:
                _rollback(conn)
                raise _unreadable(self.path, exc) from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()
        if self._temporary:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def desk_key(data_dir: Path) -> bytes:
    """The key of ``data_dir``'s store: looked up, or made for a new folder.
    A store from before encryption is encrypted in place on first open."""
    path = data_dir / DB_FILENAME
    try:
        key = keys.load_key(data_dir)
        if key is not None and not _is_plain(path):
            return key
        with keys.creation_lock(data_dir):
            if key is None:
                if (
                    _has_data(path)
                    and not _is_plain(path)
                    and keys.load_key(data_dir) is None
                ):
                    raise StoreError(keys.missing_key_message(path))
                key = keys.create_key(data_dir)
            if _is_plain(path):
                from counter_app.store.blobstore import encrypt_plain_files

                # Scans first: the database's swap is what ends the upgrade,
                # so a cut before it is simply done again at the next start.
                encrypt_plain_files(data_dir, key)
                encrypt_plain_store(path, key)
            return key
    except keys.KeyUnavailable as exc:
        raise StoreError(str(exc)) from exc


def bare_connection(path: Path, key: bytes, *, timeout_s: float = 10.0) -> Any:
    """A connection to one database file with ``key`` and nothing else set
    (backup copies, restore checks)."""
    if key == PLAIN:
        return sqlite3.connect(path, timeout=timeout_s, isolation_level=None)
    if not path.exists():
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
    conn = sqlcipher.connect(str(path), timeout=timeout_s, isolation_level=None)
    conn.execute(f"PRAGMA key = {_key_pragma(key)}")
    return conn


def open_connection(data_dir: Path, *, key: bytes | None = None) -> Any:
    """A bare DB-API connection to an existing store with its key, for tools
    and tests that read the file beside a running desk."""
    key = keys.load_key(data_dir) if key is None else key
    path = data_dir / DB_FILENAME
    if key is None:
        raise StoreError(keys.missing_key_message(path))
    return _connect(path, key, BUSY_TIMEOUT_MS)


def _has_data(path: Path) -> bool:
    try:
        return path.stat().st_size > 0
    except FileNotFoundError:
        return False


def _is_plain(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(len(_SQLITE_MAGIC)) == _SQLITE_MAGIC
    except FileNotFoundError:
        return False


def _key_pragma(key: bytes) -> str:
    # A raw 256-bit key: no passphrase derivation, so opening costs nothing.
    return f"\"x'{key.hex()}'\""


def encrypt_plain_store(path: Path, key: bytes) -> None:
    """Rewrite a plain SQLite store as an encrypted one (same path)."""
    target = path.with_name(path.name + ".encrypting")
    target.unlink(missing_ok=True)
    conn = sqlcipher.connect(str(path), isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        conn.execute(f"ATTACH DATABASE ? AS enc KEY {_key_pragma(key)}", [str(target)])
        conn.execute("SELECT sqlcipher_export('enc')")
        conn.execute(f"PRAGMA enc.user_version = {int(version)}")
        conn.execute("DETACH DATABASE enc")
    except sqlcipher.DatabaseError as exc:
        target.unlink(missing_ok=True)
        raise _unreadable(path, exc) from exc
    finally:
        conn.close()
    os.chmod(target, FILE_MODE)
    os.replace(target, path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def secure_dir(path: Path) -> None:
    """Only the desk's account may enter the data folder (best effort: a folder
    owned by someone else keeps its mode, and Windows has no such bits)."""
    with contextlib.suppress(OSError):
        if os.name != "nt" and (path.stat().st_mode & 0o777) != DIR_MODE:
            os.chmod(path, DIR_MODE)


def secure_files(path: Path) -> None:
    """The database, its WAL and shared-memory files: 0600."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.chmod(path.with_name(path.name + suffix), FILE_MODE)


def _connect(path: Path, key: bytes, busy_timeout_ms: int) -> Any:
    """A connection to ``path``: SQLCipher with ``key``, plain SQLite with
    :data:`PLAIN`."""
    try:
        if key == PLAIN:
            conn: Any = sqlite3.connect(
                path,
                timeout=busy_timeout_ms / 1000,
                check_same_thread=False,
                isolation_level=None,
            )
        else:
            # New files get 0600 from the start; SQLite gives the WAL and
            # shared-memory files the database file's mode.
            if not path.exists():
                os.close(os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE))
            conn = sqlcipher.connect(
                str(path),
                timeout=busy_timeout_ms / 1000,
                check_same_thread=False,
                isolation_level=None,
            )
            conn.execute(f"PRAGMA key = {_key_pragma(key)}")
        # SQLCipher decrypts and verifies every page it reads from disk (or
        # the OS cache): keep the hot indexes decrypted in memory (64 MB).
        conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    except DATABASE_ERRORS as exc:
        raise _unreadable(path, exc, key) from exc
    except OSError as exc:
        # As SQLite itself would have said it (read-only folder, full disk).
        reason = "database or disk is full" if exc.errno == 28 else "unable to open"
        raise _unreadable(path, sqlite3.OperationalError(reason)) from exc
    return conn


def _rollback(conn: Any) -> None:
    if conn.in_transaction:
        conn.execute("ROLLBACK")


_ENVIRONMENTAL = (
    "readonly",
    "read-only",
    "full",
    "locked",
    "busy",
    "disk i/o",
    "unable to open",
)


def _environmental(exc: Exception) -> bool:
    """Failures of the disk or another process, not of the code."""
    text = str(exc).lower()
    return any(word in text for word in _ENVIRONMENTAL)


def _unreadable(path: Path, exc: Exception, key: bytes = PLAIN) -> StoreError:
    text = str(exc).lower()
    if key != PLAIN and "not a database" in text:
        return StoreError(keys.wrong_key_message(path))
    if "locked" in text or "busy" in text:
        message = _(
            "数据库 {path} 正被另一个程序占用。请关闭其他正在运行的 Counter 后重试。"
        )
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        message = _(
            "无法写入数据库 {path}：目录或文件是只读的。请检查权限，"
            "或用 --data-dir 指定可写的目录。"
        )
    elif "full" in text:
        message = _(
            "磁盘已满，无法写入数据库 {path}。请清理磁盘空间后重试，已保存的数据不受影响。"
        )
    elif "not a database" in text or "malformed" in text or "corrupt" in text:
        message = _(
            "数据库文件 {path} 已损坏或不是 Counter 的数据库。请勿删除它，"
            "联系管理员从备份恢复，或用 --data-dir 指定其他目录。"
        )
    else:
        message = _("数据库 {path} 出错：{error}")
    return StoreError(message.format(path=path, error=exc))
