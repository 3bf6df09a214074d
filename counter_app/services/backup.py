"""Backup and restore of a desk's data folder, and the integrity check.

A backup is one tar file holding ``manifest.json`` (format, time, counts: no
personal data), ``counter.sqlite3`` (an online-backup-API copy, encrypted
with the desk key like the store itself) and every scan file under
``blobs/`` as stored (already sealed, under keyed names). Thumbnails are a
cache and are left out. So the backup reveals no more than the folder, and
it restores only where the desk key is: the same data folder on the same
machine (OS credential store), or any machine that has the site key file
(``COUNTER_KEY_FILE``).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from counter_app.clock import now_iso
from counter_app.i18n import _
from counter_app.services.materials import blob_store, live_shas
from counter_app.store import db as store_db
from counter_app.store.blobstore import BlobStore
from counter_app.store.db import DB_FILENAME, Store, StoreError

FORMAT = "counter-backup/1"
MANIFEST = "manifest.json"
_BLOB_MEMBER = re.compile(r"^blobs/([0-9a-f]{2})/([0-9a-f]{64})$")


class BackupError(StoreError):
    """A backup cannot be made or restored: in words, with what to do."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    applications: int
    blobs: int
    size: int


@dataclass
class IntegrityReport:
    database: list[str] = field(default_factory=list)  # quick_check's findings
    missing_blobs: list[str] = field(default_factory=list)
    unreadable_blobs: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.database or self.missing_blobs or self.unreadable_blobs)

    def messages(self) -> list[str]:
        out = []
        if self.database:
            out.append(
                _(
                    "数据库文件完整性检查发现问题（{detail}）。请先用 "
                    "“main.py backup --out 文件”保存现状，再联系管理员用 "
                    "“main.py restore 备份文件”从最近的备份恢复；"
                    "恢复后未同步的办件需要重新录入。"
                ).format(detail="; ".join(self.database[:3]))
            )
        if self.missing_blobs:
            out.append(
                _(
                    "有 {count} 个扫描件文件在本机找不到。请从备份恢复，"
                    "或请申请人补交后重新扫描。"
                ).format(count=len(self.missing_blobs))
            )
        if self.unreadable_blobs:
            out.append(
                _(
                    "有 {count} 个扫描件文件无法解密（已被改动或损坏）。请从备份恢复，"
                    "或请申请人补交后重新扫描。"
                ).format(count=len(self.unreadable_blobs))
            )
        return out


def database_problems(store: Store) -> list[str]:
    """``PRAGMA quick_check`` on a connection of its own, so the store's
    worker stays free while a big file is read through (seconds at 1M)."""
    try:
        with store.read_through() as db:
            rows = db.execute("PRAGMA quick_check").fetchall()
    except store_db.DATABASE_ERRORS as exc:
        rows = [(str(exc),)]
    except StoreError as exc:
        rows = [(str(exc),)]
    return [str(r[0]) for r in rows if r[0] != "ok"]


def check_integrity(store: Store, *, verify_blobs: bool = False) -> IntegrityReport:
    """``PRAGMA quick_check`` of the database and the scan files it needs."""
    report = IntegrityReport(database=database_problems(store))
    blobs = blob_store(store)
    check = blobs.check(live_shas(store.db), verify=verify_blobs)
    report.missing_blobs = check.missing
    report.unreadable_blobs = check.corrupt
    return report


# -- backup --------------------------------------------------------------------
def backup(store: Store, out: Path) -> BackupReport:
    out = Path(out).resolve()
    if _inside(out, store.data_dir):
        raise BackupError(
            _("备份文件 {path} 不能放在数据目录之内，请换一个位置。").format(path=out)
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".counter-backup-", dir=out.parent))
    part = out.with_name(out.name + ".part")
    try:
        copy = work / DB_FILENAME
        target = store_db.bare_connection(copy, store.key)
        try:
            with store._lock:
                store._conn.backup(target)
        finally:
            target.close()
        applications = _count(copy, store.key, "applications")
        blobs = BlobStore(store.data_dir, key=store.key)
        names = list(blobs.iter_names())
        manifest = {
            "format": FORMAT,
            "created_at": now_iso(),
            "database_sha256": _file_sha256(copy),
            "applications": applications,
            "blobs": len(names),
            "encrypted": store.key != store_db.PLAIN,
        }
        fd = os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w") as tar:
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(copy, arcname=DB_FILENAME)
            for name in names:
                tar.add(blobs.stored_path(name), arcname=f"blobs/{name[:2]}/{name}")
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(part, out)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise BackupError(
            _("无法写入备份文件 {path}：{error}。请检查磁盘空间和权限。").format(
                path=out, error=exc.strerror or exc
            )
        ) from exc
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupReport(out, applications, len(names), out.stat().st_size)


# -- restore -------------------------------------------------------------------
def restore(data_dir: Path, source: Path, *, key: bytes | None = None) -> BackupReport:
    """Replace ``data_dir``'s database and scans with the backup's. The old
    ones are kept (still encrypted) in ``before-restore-<time>/`` until the
    administrator deletes them. No desk program may have the folder open."""
    data_dir = Path(data_dir)
    source = Path(source)
    if key is None:
        key = store_db.desk_key(data_dir)
    work = Path(tempfile.mkdtemp(prefix=".restore-", dir=data_dir))
    try:
        manifest = _unpack(source, work)
        restored = work / DB_FILENAME
        _check_restored(restored, key, source)
        with Store(work, key=key) as check_store:
            report = check_integrity(check_store, verify_blobs=True)
            applications = check_store.db.execute(
                "SELECT COUNT(*) FROM applications"
            ).fetchone()[0]
        if not report.ok:
            raise BackupError(
                _("备份文件 {path} 不完整，未恢复任何内容：{problems}").format(
                    path=source, problems=" ".join(report.messages())
                )
            )
        _ensure_unused(data_dir, key)
        aside = data_dir / f"before-restore-{datetime.now():%Y%m%d-%H%M%S}"
        aside.mkdir(mode=0o700)
        for name in (DB_FILENAME, DB_FILENAME + "-wal", DB_FILENAME + "-shm", "blobs"):
            if (data_dir / name).exists():
                os.replace(data_dir / name, aside / name)
        shutil.rmtree(data_dir / "thumbs", ignore_errors=True)
        os.replace(restored, data_dir / DB_FILENAME)
        os.replace(work / "blobs", data_dir / "blobs")
        store_db.secure_files(data_dir / DB_FILENAME)
        count = int(manifest.get("blobs", 0))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return BackupReport(source, int(applications), count, source.stat().st_size)


def _unpack(source: Path, work: Path) -> dict[str, Any]:
    try:
        with tarfile.open(source, mode="r") as tar:
            members = tar.getmembers()
            names = {m.name for m in members}
            if MANIFEST not in names or DB_FILENAME not in names:
                raise BackupError(_not_a_backup(source))
            manifest = json.loads(_read_member(tar, MANIFEST))
            if manifest.get("format") != FORMAT:
                raise BackupError(_not_a_backup(source))
            (work / "blobs").mkdir(mode=0o700)
            for member in members:
                match = _BLOB_MEMBER.match(member.name)
                if member.name == DB_FILENAME:
                    target = work / DB_FILENAME
                elif match and member.isfile():
                    target = work / "blobs" / match[1] / match[2]
                    target.parent.mkdir(mode=0o700, exist_ok=True)
                elif member.name == MANIFEST:
                    continue
                else:  # nothing else is ever written: refuse what is odd
                    raise BackupError(_not_a_backup(source))
                fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as fh:
                    fh.write(_read_member(tar, member.name))
    except (tarfile.TarError, ValueError, UnicodeError, KeyError) as exc:
        raise BackupError(_not_a_backup(source)) from exc
    except FileNotFoundError as exc:
        raise BackupError(_("找不到备份文件 {path}。").format(path=source)) from exc
    if _file_sha256(work / DB_FILENAME) != manifest.get("database_sha256"):
        raise BackupError(
            _(
                "备份文件 {path} 中的数据库已损坏（校验值不符），未恢复任何内容。"
                "请换一个备份文件。"
            ).format(path=source)
        )
    return dict(manifest)


def _read_member(tar: tarfile.TarFile, name: str) -> bytes:
    fh = tar.extractfile(name)
    if fh is None:
        raise KeyError(name)
    return fh.read()


def _check_restored(path: Path, key: bytes, source: Path) -> None:
    try:
        conn = store_db.bare_connection(path, key)
        try:
            conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        finally:
            conn.close()
    except store_db.DATABASE_ERRORS as exc:
        raise BackupError(
            _(
                "备份文件 {path} 无法用本目录的密钥解开：它来自另一台终端或另一个"
                "数据目录，或已损坏。请在备份时的数据目录上恢复，或设置备份时所用的"
                "站点密钥文件（{env}）。未恢复任何内容。"
            ).format(path=source, env="COUNTER_KEY_FILE")
        ) from exc


def _ensure_unused(data_dir: Path, key: bytes) -> None:
    path = data_dir / DB_FILENAME
    if not path.exists():
        return
    conn = store_db.bare_connection(path, key, timeout_s=1.0)
    try:
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("ROLLBACK")
    except store_db.OPERATIONAL_ERRORS as exc:
        raise BackupError(
            _(
                "数据目录 {path} 正被另一个 Counter 程序使用。请先关闭窗口程序和"
                "同步，再恢复。"
            ).format(path=data_dir)
        ) from exc
    finally:
        conn.close()


def _not_a_backup(source: Path) -> str:
    return _(
        "{path} 不是 Counter 的备份文件或已损坏，未恢复任何内容。请换一个备份文件。"
    ).format(path=source)


def _count(path: Path, key: bytes, table: str) -> int:
    conn = store_db.bare_connection(path, key)
    try:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        conn.close()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(Path(folder).resolve())
    except ValueError:
        return False
    return True
