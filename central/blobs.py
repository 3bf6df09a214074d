"""Content-addressed scans, uploaded in resumable chunks.

Files live under ``<root>/<sha[:2]>/<sha>``. An upload in progress belongs
to the desk that started it: each desk writes its own part file
``<sha>.<desk_id>.part``, so another desk can neither append to it nor fix
its declared size; whichever desk finishes first with the right SHA-256
makes the blob, and the others then find it complete. The bytes on disk
are the truth for the offset (a crash between writing and recording loses
nothing); an exclusive ``flock`` on the part file keeps two requests of the
same desk, even in two server processes, from interleaving.

Partial uploads untouched for ``stale_after`` are purged (on access, at most
once a minute, and by ``python -m central purge-uploads``); a desk's partial
bytes are capped by ``quota_bytes``.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sync import protocol as p

from .db import Database

_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
MAX_BLOB_BYTES = 2 * 1024**3


class BlobError(Exception):
    def __init__(self, status: int, error: str, message: str, *, offset: int = 0):
        super().__init__(message)
        self.status = status
        self.error = error
        self.offset = offset


def parse_content_range(header: str | None, length: int) -> tuple[int, int]:
    """``bytes START-END/TOTAL`` → (start, total), checked against the body."""
    match = _RANGE.match((header or "").strip())
    if not match:
        raise BlobError(
            400, p.ERROR_BAD_RANGE, "Content-Range 应为 bytes START-END/TOTAL"
        )
    start, end, total = (int(g) for g in match.groups())
    if end < start or end >= total or end - start + 1 != length:
        raise BlobError(400, p.ERROR_BAD_RANGE, "Content-Range 与请求体长度不符")
    if total > MAX_BLOB_BYTES:
        raise BlobError(413, p.ERROR_TOO_LARGE, "文件过大")
    return start, total


DEFAULT_STALE_HOURS = 24
DEFAULT_PARTIAL_QUOTA_BYTES = 4 * 1024**3
_PURGE_EVERY = timedelta(minutes=1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class BlobStore:
    db: Database
    root: Path
    stale_after: timedelta = timedelta(hours=DEFAULT_STALE_HOURS)
    quota_bytes: int = DEFAULT_PARTIAL_QUOTA_BYTES
    clock: Callable[[], datetime] = _utc_now
    _last_purge: datetime | None = field(default=None, init=False)

    def _final(self, sha: str) -> Path:
        return self.root / sha[:2] / sha

    def _part(self, sha: str, desk_id: str) -> Path:
        return self.root / sha[:2] / f"{sha}.{desk_id}.part"

    def status(self, sha: str, desk_id: str) -> p.BlobStatus | None:
        """Complete for everyone; otherwise what this desk has sent."""
        final = self._final(sha)
        if final.exists():  # renamed only after the hash was verified
            size = final.stat().st_size
            with self.db.transaction(write=False) as conn:
                row = conn.one("SELECT complete FROM blobs WHERE sha256 = ?", (sha,))
            if row is None or not row["complete"]:  # crash before recording
                self._record(sha, total=size)
            return p.BlobStatus(sha256=sha, offset=size, complete=True)
        self.purge_stale(throttled=True)
        part = self._part(sha, desk_id)
        if part.exists():
            return p.BlobStatus(sha256=sha, offset=part.stat().st_size, complete=False)
        return None

    def put_chunk(
        self, sha: str, *, desk_id: str, start: int, total: int, data: bytes
    ) -> p.BlobStatus:
        done = self.status(sha, desk_id)
        if done is not None and done["complete"]:
            return done  # identical bytes upload once
        final, part = self._final(sha), self._part(sha, desk_id)
        part.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if final.exists():  # finished by a concurrent upload meanwhile
                part.unlink(missing_ok=True)
                self._forget_upload(sha, desk_id)
                return p.BlobStatus(
                    sha256=sha, offset=final.stat().st_size, complete=True
                )
            offset = os.fstat(fd).st_size
            known = self._declared_size(sha, desk_id)
            if offset and known is not None and known != total:
                if start != 0:
                    raise BlobError(
                        409,
                        p.ERROR_OFFSET_MISMATCH,
                        "文件总长与本终端先前上传的不同，请从第 0 字节重新上传",
                        offset=0,
                    )
                os.ftruncate(fd, 0)  # the desk starts over: its own part only
                offset = 0
            if start != offset:
                raise BlobError(
                    409,
                    p.ERROR_OFFSET_MISMATCH,
                    f"应从第 {offset} 字节续传",
                    offset=offset,
                )
            if offset + len(data) < total:
                self._check_quota(desk_id, sha, offset + len(data))
            os.pwrite(fd, data, offset)
            offset += len(data)
            if offset < total:
                os.fsync(fd)
                self._record_upload(sha, desk_id, total=total, received=offset)
                return p.BlobStatus(sha256=sha, offset=offset, complete=False)
            if _sha256_of(fd) != sha:
                os.ftruncate(fd, 0)
                part.unlink(missing_ok=True)
                self._forget_upload(sha, desk_id)
                raise BlobError(
                    422,
                    p.ERROR_HASH_MISMATCH,
                    "文件内容与 SHA-256 不符，已丢弃，请重新上传",
                )
            os.fsync(fd)
            os.replace(part, final)
            self._record(sha, total=total)
            self._forget_upload(sha, desk_id)
            return p.BlobStatus(sha256=sha, offset=total, complete=True)
        finally:
            os.close(fd)

    # -- expiry and quota --------------------------------------------------
    def purge_stale(self, *, throttled: bool = False) -> int:
        """Drop partial uploads untouched for ``stale_after``; returns how
        many. Orphan part files (no row, e.g. from an older version) go by
        their modification time."""
        now = self.clock()
        if throttled and self._last_purge and now - self._last_purge < _PURGE_EVERY:
            return 0
        self._last_purge = now
        cutoff = now - self.stale_after
        with self.db.transaction() as conn:
            rows = conn.all(
                "SELECT sha256, desk_id FROM blob_uploads WHERE updated_at < ?",
                (cutoff.isoformat(timespec="milliseconds"),),
            )
            conn.execute(
                "DELETE FROM blob_uploads WHERE updated_at < ?",
                (cutoff.isoformat(timespec="milliseconds"),),
            )
            # Rows of the old single-part layout that never completed.
            conn.execute(
                "DELETE FROM blobs WHERE complete = 0 AND updated_at < ?",
                (cutoff.isoformat(timespec="milliseconds"),),
            )
        purged = 0
        for row in rows:
            part = self._part(str(row["sha256"]), str(row["desk_id"]))
            if part.exists():
                part.unlink(missing_ok=True)
            purged += 1
        if self.root.is_dir():
            for part in self.root.glob("*/*.part"):
                try:
                    mtime = datetime.fromtimestamp(part.stat().st_mtime, UTC)
                except FileNotFoundError:
                    continue
                if mtime < cutoff and not self._has_row(part):
                    part.unlink(missing_ok=True)
                    purged += 1
        return purged

    def _has_row(self, part: Path) -> bool:
        sha, _, rest = part.name.partition(".")
        desk_id = rest.removesuffix(".part") if rest != "part" else ""
        if not desk_id:
            return False
        with self.db.transaction(write=False) as conn:
            return (
                conn.one(
                    "SELECT 1 AS x FROM blob_uploads WHERE sha256 = ? AND desk_id = ?",
                    (sha, desk_id),
                )
                is not None
            )

    def _check_quota(self, desk_id: str, sha: str, after: int) -> None:
        with self.db.transaction(write=False) as conn:
            others = conn.scalar(
                "SELECT COALESCE(SUM(received), 0) FROM blob_uploads"
                " WHERE desk_id = ? AND sha256 <> ?",
                (desk_id, sha),
            )
        if int(others or 0) + after > self.quota_bytes:
            raise BlobError(
                413,
                p.ERROR_UPLOAD_QUOTA,
                f"本终端未完成的上传已超过 {self.quota_bytes} 字节的限额，"
                "请先完成已开始的上传，或等过期的上传被清理后再试",
            )

    # -- bookkeeping -------------------------------------------------------
    def _declared_size(self, sha: str, desk_id: str) -> int | None:
        with self.db.transaction(write=False) as conn:
            size = conn.scalar(
                "SELECT size FROM blob_uploads WHERE sha256 = ? AND desk_id = ?",
                (sha, desk_id),
            )
        return None if size is None else int(size)

    def _record_upload(
        self, sha: str, desk_id: str, *, total: int, received: int
    ) -> None:
        now = self.clock().isoformat(timespec="milliseconds")
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO blob_uploads (sha256, desk_id, size, received,"
                " started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (sha256, desk_id) DO UPDATE SET"
                " size = excluded.size, received = excluded.received,"
                " updated_at = excluded.updated_at",
                (sha, desk_id, total, received, now, now),
            )

    def _forget_upload(self, sha: str, desk_id: str) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "DELETE FROM blob_uploads WHERE sha256 = ? AND desk_id = ?",
                (sha, desk_id),
            )

    def _record(self, sha: str, *, total: int) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO blobs (sha256, size, received, complete, updated_at)"
                " VALUES (?, ?, ?, 1, ?) ON CONFLICT (sha256) DO UPDATE SET"
                " size = excluded.size, received = excluded.received,"
                " complete = 1, updated_at = excluded.updated_at",
                (sha, total, total, p.utc_now_iso()),
            )


def _sha256_of(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, 1024 * 1024, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()
