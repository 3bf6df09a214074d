"""Content-addressed scans, uploaded in resumable chunks.

Files live under ``<root>/<sha[:2]>/<sha>``; a partial upload is
``<sha>.part``. The bytes on disk are the truth for the offset (a crash
between writing and recording loses nothing); an exclusive ``flock`` on the
part file keeps two uploads of the same blob, even from two server
processes, from interleaving.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
from dataclasses import dataclass
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


@dataclass
class BlobStore:
    db: Database
    root: Path

    def _paths(self, sha: str) -> tuple[Path, Path]:
        folder = self.root / sha[:2]
        return folder / sha, folder / (sha + ".part")

    def status(self, sha: str) -> p.BlobStatus | None:
        final, part = self._paths(sha)
        if final.exists():  # renamed only after the hash was verified
            size = final.stat().st_size
            with self.db.transaction(write=False) as conn:
                row = conn.one("SELECT complete FROM blobs WHERE sha256 = ?", (sha,))
            if row is None or not row["complete"]:  # crash before recording
                self._record(sha, total=size, received=size, complete=True)
            return p.BlobStatus(sha256=sha, offset=size, complete=True)
        if part.exists():
            return p.BlobStatus(sha256=sha, offset=part.stat().st_size, complete=False)
        return None

    def put_chunk(
        self, sha: str, *, start: int, total: int, data: bytes
    ) -> p.BlobStatus:
        final, part = self._paths(sha)
        done = self.status(sha)
        if done is not None and done["complete"]:
            return done  # identical bytes upload once
        part.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(part, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            if final.exists():  # finished by a concurrent upload meanwhile
                return self.status(sha) or p.BlobStatus(
                    sha256=sha, offset=total, complete=True
                )
            offset = os.fstat(fd).st_size
            known = self._known_size(sha)
            if known is not None and known != total and offset:
                raise BlobError(
                    409,
                    p.ERROR_OFFSET_MISMATCH,
                    "文件总长与先前上传的不同",
                    offset=offset,
                )
            if start != offset:
                raise BlobError(
                    409,
                    p.ERROR_OFFSET_MISMATCH,
                    f"应从第 {offset} 字节续传",
                    offset=offset,
                )
            os.pwrite(fd, data, offset)
            offset += len(data)
            if offset < total:
                os.fsync(fd)
                self._record(sha, total=total, received=offset, complete=False)
                return p.BlobStatus(sha256=sha, offset=offset, complete=False)
            if _sha256_of(fd) != sha:
                os.ftruncate(fd, 0)
                part.unlink(missing_ok=True)
                self._forget(sha)
                raise BlobError(
                    422,
                    p.ERROR_HASH_MISMATCH,
                    "文件内容与 SHA-256 不符，已丢弃，请重新上传",
                )
            os.fsync(fd)
            os.replace(part, final)
            self._record(sha, total=total, received=total, complete=True)
            return p.BlobStatus(sha256=sha, offset=total, complete=True)
        finally:
            os.close(fd)

    def _known_size(self, sha: str) -> int | None:
        with self.db.transaction(write=False) as conn:
            size = conn.scalar("SELECT size FROM blobs WHERE sha256 = ?", (sha,))
        return None if size is None else int(size)

    def _record(self, sha: str, *, total: int, received: int, complete: bool) -> None:
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO blobs (sha256, size, received, complete, updated_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET"
                " size = excluded.size, received = excluded.received,"
                " complete = excluded.complete, updated_at = excluded.updated_at",
                (sha, total, received, 1 if complete else 0, p.utc_now_iso()),
            )

    def _forget(self, sha: str) -> None:
        with self.db.transaction() as conn:
            conn.execute("DELETE FROM blobs WHERE sha256 = ?", (sha,))


def _sha256_of(fd: int) -> str:
    digest = hashlib.sha256()
    offset = 0
    while chunk := os.pread(fd, 1024 * 1024, offset):
        digest.update(chunk)
        offset += len(chunk)
    return digest.hexdigest()
