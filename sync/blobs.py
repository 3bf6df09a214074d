"""Resumable blob upload: ask the server how much it has, send the rest in
``Content-Range`` chunks. A cut resumes from the server's offset, never from
zero; a blob the server already has costs one HEAD.

The desk stores scans encrypted under its own key; the platform receives the
clear content, addressed by its SHA-256, as before (the link is HTTPS)."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from counter_app.i18n import _
from counter_app.store.blobstore import BlobStore, BlobUnreadable
from sync import protocol as p
from sync.transport import (
    CancellableBody,
    Cancelled,
    ProtocolError,
    RetryableError,
    SyncError,
    Transport,
)

log = logging.getLogger(__name__)

DEFAULT_CHUNK_BYTES = 256 * 1024
MIN_CHUNK_BYTES = 16 * 1024


class BlobFileMissing(SyncError):
    def __init__(self, sha256: str, path: Path, *, unreadable: bool = False) -> None:
        message = (
            _("本机的扫描件文件 {path} 无法解密，无法上传。请重新扫描或导入该材料。")
            if unreadable
            else _("本机缺少扫描件文件 {path}，无法上传。请重新扫描或导入该材料。")
        )
        super().__init__(message.format(path=path))
        self.sha256 = sha256


@dataclass
class UploadStats:
    sha256: str
    size: int
    started_at_offset: int = 0
    bytes_sent: int = 0  # body bytes of every PUT, including ones that failed
    chunks: int = 0
    already_complete: bool = False


def read_blob(blobs: BlobStore, sha256: str) -> bytes:
    """The clear content of a stored blob, or :class:`BlobFileMissing`."""
    if not p.is_sha256_hex(sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    try:
        return blobs.read_bytes(sha256)
    except FileNotFoundError:
        raise BlobFileMissing(sha256, blobs.path_for(sha256)) from None
    except BlobUnreadable:
        raise BlobFileMissing(sha256, blobs.path_for(sha256), unreadable=True) from None


def remote_offset(transport: Transport, sha256: str) -> tuple[int, bool]:
    resp = transport.request("HEAD", f"{p.PATH_BLOBS}/{sha256}", ok=(200, 404))
    if resp.status_code == 404:
        return 0, False
    offset = int(resp.headers.get(p.HEADER_UPLOAD_OFFSET, "0") or 0)
    complete = resp.headers.get(p.HEADER_UPLOAD_COMPLETE, "0") == "1"
    return offset, complete


#: Answers in a row that move the upload nowhere (409, a 200 with the same
#: offset) before the call gives up and lets the engine back off.
MAX_STALLS = 3
#: Requests one call may make beyond the chunks the file needs.
REQUEST_SLACK = 4


def upload_blob(
    transport: Transport,
    data: bytes,
    sha256: str,
    *,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    cancel: threading.Event | None = None,
    stats: UploadStats | None = None,
) -> UploadStats:
    """Upload ``data`` (clear content) as blob ``sha256`` from wherever the
    server stands.

    Transport errors propagate (the caller retries, and the next call
    resumes from the server's offset). An answer that makes no progress
    raises :class:`RetryableError` after :data:`MAX_STALLS`, and a call
    never makes more requests than the file's chunks plus
    :data:`REQUEST_SLACK`: whatever the server answers, the engine's
    backoff and retry budget decide when to try again, never a tight loop.
    ``stats`` accumulates across calls.
    """
    size = len(data)
    stats = stats or UploadStats(sha256=sha256, size=size)
    offset, complete = remote_offset(transport, sha256)
    if not stats.chunks:
        stats.started_at_offset = offset
    if complete:
        stats.already_complete = stats.chunks == 0
        return stats
    budget = -(-size // max(1, chunk_bytes)) + REQUEST_SLACK
    restarts = stalls = 0
    while True:
        if cancel is not None and cancel.is_set():
            raise Cancelled(_("同步已取消"))
        if stalls >= MAX_STALLS or budget <= 0:
            raise RetryableError(
                _("上传扫描件 {sha} 时中心平台的应答没有进展，稍后重试").format(
                    sha=sha256[:12]
                )
            )
        budget -= 1
        if offset > size:
            offset = 0  # the server holds more than our file: start over
        chunk = data[offset : offset + chunk_bytes]
        end = offset + len(chunk) - 1
        headers = {
            "Content-Type": p.BLOB_CONTENT_TYPE,
            p.HEADER_CONTENT_RANGE: f"bytes {offset}-{end}/{size}",
        }
        stats.chunks += 1
        stats.bytes_sent += len(chunk)
        try:
            resp = transport.request(
                "PUT",
                f"{p.PATH_BLOBS}/{sha256}",
                body=CancellableBody(chunk, cancel),
                headers=headers,
                ok=(200, 201),
            )
        except ProtocolError as exc:
            if exc.status == 409:  # the server stands elsewhere: go there
                stalls += 1
                offset, complete = remote_offset(transport, sha256)
                if complete:
                    return stats
                continue
            if exc.status == 422 and restarts == 0:
                restarts += 1  # the server dropped a corrupt upload
                offset = 0
                continue
            raise
        answered, complete = _answer(resp, sha256)
        if complete:
            return stats
        if not chunk:
            raise ProtocolError(_("中心平台未接收空文件 {sha}").format(sha=sha256[:12]))
        stalls = stalls + 1 if answered <= offset else 0
        offset = answered


def _answer(resp: Any, sha256: str) -> tuple[int, bool]:
    """(offset, complete) from a PUT's answer; a garbled answer is retryable."""
    try:
        body = resp.json()
        offset = body["offset"]
        complete = body.get("complete") is True
    except (ValueError, TypeError, KeyError, AttributeError):
        raise RetryableError(
            _("中心平台对扫描件 {sha} 的应答无法识别，稍后重试").format(sha=sha256[:12])
        ) from None
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise RetryableError(
            _("中心平台对扫描件 {sha} 的应答无法识别，稍后重试").format(sha=sha256[:12])
        )
    return offset, complete
