"""HTTP to the central platform: one session, timeouts on every request,
typed errors, and the server clock measured from every JSON answer.

Timeouts: connecting gets ``connect`` seconds; reading the answer gets
``read_base`` plus the body size divided by ``min_rate`` (the slowest link we
still wait for). A request that runs out of time is an error, never a
success: the caller acks nothing it has no answer for.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import urllib3
import urllib3.connection
from requests.adapters import HTTPAdapter

from sync import protocol as p

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
_AUTH_ERROR = re.compile(r'error="([a-z_]+)"')


def utc_now() -> datetime:
    return datetime.now(UTC)


class SyncError(Exception):
    """A sync failure with a message in words a clerk can read."""


class RetryableError(SyncError):
    """Connection error, timeout, 5xx or 429: worth trying again later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RequestTimeout(RetryableError):
    pass


class TooLarge(SyncError):
    """413: the body is over the server's limit; send less at once."""


class Unauthorized(SyncError):
    """401: the desk is not enrolled, its token was replaced, or the platform
    revoked it (``error == ERROR_DESK_REVOKED``)."""

    def __init__(self, message: str, *, error: str = "") -> None:
        super().__init__(message)
        self.error = error


class ProtocolError(SyncError):
    """An answer the protocol does not allow (4xx other than the above)."""

    def __init__(self, message: str, *, status: int = 0, error: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.error = error


class Cancelled(SyncError):
    """The round was cancelled (stop, quit, or the clerk asked)."""


class CancellableBody:
    """A request body sent in small reads that checks ``cancel`` between
    them, so cancelling cuts a slow upload within one read, not one chunk."""

    def __init__(self, data: bytes, cancel: threading.Event | None) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._cancel = cancel

    def __len__(self) -> int:
        return len(self._data)

    def read(self, size: int = -1) -> bytes:
        if self._cancel is not None and self._cancel.is_set():
            from counter_app.i18n import _

            raise Cancelled(_("同步已取消"))
        end = len(self._data) if size < 0 else min(len(self._data), self._pos + size)
        piece = bytes(self._data[self._pos : end])
        self._pos = end
        return piece


@dataclass(frozen=True)
class Timeouts:
    connect: float = 5.0
    read_base: float = 15.0
    #: Bytes per second below which a transfer counts as stalled.
    min_rate: float = 2048.0

    def for_body(self, size: int) -> tuple[float, float]:
        return (self.connect, self.read_base + size / self.min_rate)


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or utc_now())).total_seconds())


def parse_server_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


class _TrackingAdapter(HTTPAdapter):
    """Remembers the sockets it opens so :meth:`Transport.close` can cut a
    request that is blocked sending or waiting on a slow link."""

    def __init__(self, sockets: weakref.WeakSet[socket.socket]) -> None:
        self._sockets = sockets
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        sockets = self._sockets

        class _Http(urllib3.connection.HTTPConnection):
            def connect(self) -> None:
                super().connect()
                sockets.add(self.sock)

        class _Https(urllib3.connection.HTTPSConnection):
            def connect(self) -> None:
                super().connect()
                sockets.add(self.sock)

        class _HttpPool(urllib3.HTTPConnectionPool):
            ConnectionCls = _Http

        class _HttpsPool(urllib3.HTTPSConnectionPool):
            ConnectionCls = _Https

        self.poolmanager.pool_classes_by_scheme = {
            "http": _HttpPool,
            "https": _HttpsPool,
        }


class Transport:
    """Requests to one server. Thread-safe enough for one engine thread plus
    :meth:`close` from another (which ends a stuck round)."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        verify: bool | str = True,
        timeouts: Timeouts | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.verify = verify
        self.timeouts = timeouts or Timeouts()
        self.clock = clock
        self.session = requests.Session()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        adapter = _TrackingAdapter(self._sockets)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "counter-desk/1"
        if token:
            self.session.headers[p.HEADER_AUTHORIZATION] = f"Bearer {token}"
        #: server time minus local time, seconds, from the latest JSON answer.
        self.skew_seconds: float | None = None
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the session and cut any request still on the wire."""
        with self._lock:
            for sock in list(self._sockets):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            self.session.close()

    # -- requests ----------------------------------------------------------
    def request(
        self,
        method: str,
        path: str,
        *,
        body: bytes | CancellableBody | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200,),
    ) -> requests.Response:
        """Send one request; an answer outside ``ok`` raises a typed error."""
        size = len(body) if body is not None else 0
        sent_at = self.clock()
        try:
            resp = self.session.request(
                method,
                self.base_url + path,
                data=body,
                headers=dict(headers or {}),
                params=dict(params or {}),
                timeout=self.timeouts.for_body(size),
                verify=self.verify,
                allow_redirects=False,
            )
        except SyncError:
            raise  # e.g. Cancelled from a CancellableBody
        except requests.Timeout as exc:
            raise RequestTimeout(_text("timeout", detail=str(exc))) from exc
        except requests.exceptions.SSLError as exc:
            raise SyncError(_text("tls", detail=str(exc))) from exc
        except (
            requests.ConnectionError,
            requests.exceptions.ChunkedEncodingError,
        ) as exc:
            raise RetryableError(_text("connection", detail=str(exc))) from exc
        except requests.RequestException as exc:
            raise RetryableError(_text("connection", detail=str(exc))) from exc
        received_at = self.clock()
        self._measure(resp, sent_at, received_at)
        if resp.status_code in ok:
            return resp
        raise self._error(resp)

    def json_call(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        body = None
        headers: dict[str, str] = {"Accept": "application/json"}
        if payload is not None:
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
            body_bytes = body.encode("utf-8")
            headers["Content-Type"] = "application/json; charset=utf-8"
        else:
            body_bytes = None
        resp = self.request(
            method, path, body=body_bytes, headers=headers, params=params
        )
        try:
            data = resp.json()
        except ValueError as exc:
            raise RetryableError(_text("bad_json", detail=str(exc))) from exc
        if not isinstance(data, dict):
            raise ProtocolError(_text("bad_json", detail=type(data).__name__))
        return data

    # -- helpers ------------------------------------------------------------
    def _measure(
        self, resp: requests.Response, sent_at: datetime, received_at: datetime
    ) -> None:
        if "json" not in resp.headers.get("Content-Type", ""):
            return
        try:
            server = parse_server_time(resp.json().get("server_time"))
        except (ValueError, AttributeError):
            return
        if server is None:
            return
        local_mid = sent_at + (received_at - sent_at) / 2
        self.skew_seconds = (server - local_mid).total_seconds()

    def _error(self, resp: requests.Response) -> SyncError:
        status = resp.status_code
        code, message = "", ""
        try:
            data = resp.json()
            if isinstance(data, dict):
                code = str(data.get("error", ""))
                message = str(data.get("message", ""))
        except ValueError:
            message = resp.text[:200]
        if not code:  # e.g. a HEAD answer: no body, the reason is in a header
            found = _AUTH_ERROR.search(resp.headers.get("WWW-Authenticate", ""))
            code = found.group(1) if found else ""
        detail = f"HTTP {status} {code} {message}".strip()
        if status == 429 or status >= 500:
            retry_after = parse_retry_after(resp.headers.get("Retry-After"))
            return RetryableError(
                _text("server_busy", detail=detail), retry_after=retry_after
            )
        if status == 413 and code == p.ERROR_UPLOAD_QUOTA:
            # Not a size to shrink: unfinished uploads must finish or expire.
            return ProtocolError(
                _text("upload_quota", detail=detail), status=status, error=code
            )
        if status == 413:
            return TooLarge(_text("too_large", detail=detail))
        if status == 401:
            kind = "revoked" if code == p.ERROR_DESK_REVOKED else "unauthorized"
            return Unauthorized(_text(kind, detail=detail), error=code)
        return ProtocolError(
            _text("protocol", detail=detail), status=status, error=code
        )


def _text(kind: str, *, detail: str) -> str:
    # Imported here so the wire layer stays importable without the desk app.
    from counter_app.i18n import _

    messages = {
        "timeout": _("连接中心平台超时，稍后自动重试（{detail}）"),
        "tls": _(
            "与中心平台的加密连接失败，请检查服务器证书或 CA 证书设置（{detail}）"
        ),
        "connection": _("无法连接中心平台，稍后自动重试（{detail}）"),
        "bad_json": _("中心平台的应答无法识别（{detail}）"),
        "server_busy": _("中心平台暂时繁忙，稍后自动重试（{detail}）"),
        "too_large": _("发送的数据超过中心平台的上限（{detail}）"),
        "unauthorized": _(
            "本终端未注册或令牌已失效，请由负责人重新注册终端（{detail}）"
        ),
        "protocol": _("中心平台拒绝了请求（{detail}）"),
        # No detail: this is the whole message the status bar shows.
        "revoked": _("本机已被平台吊销，请联系平台管理员"),
        "upload_quota": _(
            "本机在中心平台上未完成的上传超过限额，请稍后再同步或联系平台管理员"
            "（{detail}）"
        ),
    }
    return messages[kind].format(detail=detail)
