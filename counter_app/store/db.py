"""The desk's local store: one SQLite file in WAL mode, owned by one writer.

``Store.transaction()`` is the only way to write: it takes the store's lock,
opens ``BEGIN IMMEDIATE`` (so a second process waits instead of failing
half-way) and commits or rolls back as a whole. Reads may use ``store.db``.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from counter_app.i18n import _
from counter_app.store.migrations import migrations

DB_FILENAME = "counter.sqlite3"
BUSY_TIMEOUT_MS = 10_000


class StoreError(Exception):
    """A problem with the database file, in words a clerk can act on."""


class Store:
    def __init__(
        self,
        data_dir: Path,
        *,
        temporary: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
    ) -> None:
        self.data_dir = data_dir
        self.path = data_dir / DB_FILENAME
        self._temporary = temporary
        self._lock = threading.RLock()
        self._conn = _connect(self.path, busy_timeout_ms)
        self.db = Database(self._conn)
        self._migrate()

    @classmethod
    def open(cls, data_dir: Path, *, busy_timeout_ms: int = BUSY_TIMEOUT_MS) -> Store:
        try:
            data_dir.mkdir(parents=True, exist_ok=True)
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
        return cls(data_dir, busy_timeout_ms=busy_timeout_ms)

    @classmethod
    def memory(cls) -> Store:
        """A throw-away store in a temporary directory (tests, benchmarks)."""
        return cls(Path(tempfile.mkdtemp(prefix="counter-")), temporary=True)

    def _migrate(self) -> None:
        known = {m.name for m in migrations._migrations}
        try:
            applied = [m.name for m in migrations.applied(self.db)]
        except sqlite3.DatabaseError as exc:
            raise _unreadable(self.path, exc) from exc
        unknown = [name for name in applied if name not in known]
        if unknown:
            raise StoreError(
                _(
                    "数据库 {path} 由更新版本的程序创建（结构版本 {version}），"
                    "本程序无法安全使用。请升级程序后再打开，数据未作任何改动。"
                ).format(path=self.path, version=unknown[-1])
            )
        with self._lock:
            try:
                migrations.apply(self.db)
            except sqlite3.OperationalError as exc:
                raise _unreadable(self.path, exc) from exc

    @contextmanager
    def transaction(self) -> Iterator[Database]:
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise _unreadable(self.path, exc) from exc
            try:
                yield self.db
            except sqlite3.OperationalError as exc:
                _rollback(conn)
                if _environmental(exc):
                    raise _unreadable(self.path, exc) from exc
                raise
            except BaseException:
                _rollback(conn)
                raise
            try:
                conn.execute("COMMIT")
            except sqlite3.OperationalError as exc:
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


def _connect(path: Path, busy_timeout_ms: int) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(
            path,
            timeout=busy_timeout_ms / 1000,
            check_same_thread=False,
            isolation_level=None,
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
    except sqlite3.DatabaseError as exc:
        raise _unreadable(path, exc) from exc
    return conn


def _rollback(conn: sqlite3.Connection) -> None:
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


def _environmental(exc: sqlite3.Error) -> bool:
    """Failures of the disk or another process, not of the code."""
    text = str(exc).lower()
    return any(word in text for word in _ENVIRONMENTAL)


def _unreadable(path: Path, exc: sqlite3.Error) -> StoreError:
    text = str(exc).lower()
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
