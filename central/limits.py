"""Request limits: the body size (plain ASGI middleware, before any
parsing) and rate limits (token buckets answered with 429 + Retry-After)."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sync import protocol as p

Scope = dict[str, Any]
Message = dict[str, Any]


_DRAIN_FACTOR = 16


async def _drain(receive: Any) -> None:
    while True:
        message: Message = await receive()
        if message["type"] != "http.request" or not message.get("more_body", False):
            return


class BodySizeLimit:
    """Answer 413 when a body exceeds ``max_bytes``: at once when
    ``Content-Length`` says so; a body without a length (chunked) is read
    here up to the limit and handed on whole."""

    def __init__(self, app: Any, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        declared: int | None = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = None
        if declared is not None:
            if declared > self.max_bytes:
                if declared <= _DRAIN_FACTOR * self.max_bytes:
                    await _drain(receive)  # so the client reads our answer, not RST
                await self._reject(send)
                return
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message: Message = await receive()
            if message["type"] != "http.request":
                return  # client went away
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.max_bytes:
                await self._reject(send)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        whole: Message = {"type": "http.request", "body": b"".join(chunks)}
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return whole
            message: Message = await receive()
            return message

        await self.app(scope, replay, send)

    async def _reject(self, send: Any) -> None:
        body = json.dumps(
            {
                "error": p.ERROR_TOO_LARGE,
                "message": f"请求体超过 {self.max_bytes} 字节，请分批发送",
                "server_time": p.utc_now_iso(),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# --- rate limits ------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """``per_minute`` requests on average, up to ``burst`` at once; 0 = off."""

    per_minute: int
    burst: int

    @property
    def off(self) -> bool:
        return self.per_minute <= 0


class RateLimiter:
    """Token buckets by key (a source address, a desk id), in this process.

    With ``serve --workers N`` each worker keeps its own buckets, so the
    effective limit is up to N times the setting. ``clock`` is seconds
    (monotonic); tests inject one.
    """

    def __init__(
        self, rate: Rate, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # key → (tokens, at)
        self._lock = threading.Lock()

    def _level(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (float(self.rate.burst), now))
        refill = (now - at) * self.rate.per_minute / 60.0
        return min(float(self.rate.burst), tokens + refill)

    def hit(self, key: str) -> float:
        """Take one token; 0.0 when allowed, else seconds until one is back."""
        if self.rate.off:
            return 0.0
        with self._lock:
            now = self.clock()
            tokens = self._level(key, now)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                self._trim(now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) * 60.0 / self.rate.per_minute

    def blocked(self, key: str) -> float:
        """Seconds until ``key`` may hit again, without taking a token."""
        if self.rate.off:
            return 0.0
        with self._lock:
            tokens = self._level(key, self.clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) * 60.0 / self.rate.per_minute

    def _trim(self, now: float) -> None:
        # Full buckets carry no information: forget them so memory stays small.
        if len(self._buckets) < 10_000:
            return
        for key in list(self._buckets):
            if self._level(key, now) >= self.rate.burst:
                del self._buckets[key]


def retry_after_header(seconds: float) -> dict[str, str]:
    return {"Retry-After": str(max(1, math.ceil(seconds)))}


# --- overload ---------------------------------------------------------------------


#: API requests in progress per worker before 429. Measured with
#: bench/platform_load.py past the knee (600 desks at 64 batches/s, SQLite):
#: at 32 a request still waited behind 31 others (p99 840 ms); at 6, p99
#: 128 ms and the overflow answered 429 at once.
DEFAULT_MAX_CONCURRENT = 8


class ConcurrencyLimit:
    """Past ``max_inflight`` API requests in progress in this process, answer
    429 with ``Retry-After`` at once instead of queueing: a desk backs off
    (sync/engine.py honours the header) and latency stays bounded instead of
    running to seconds for everyone. 0 = off. Requests run on one event
    loop, so a plain counter is exact."""

    def __init__(
        self, app: Any, *, max_inflight: int, retry_after: float = 2.0
    ) -> None:
        self.app = app
        self.max_inflight = max_inflight
        self.retry_after = retry_after
        self.inflight = 0
        self.refused = 0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http"
            or self.max_inflight <= 0
            or not str(scope.get("path", "")).startswith("/api/")
        ):
            await self.app(scope, receive, send)
            return
        if self.inflight >= self.max_inflight:
            self.refused += 1
            if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                await _drain(receive)  # so the client reads our answer, not RST
            await self._busy(send)
            return
        self.inflight += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.inflight -= 1

    async def _busy(self, send: Any) -> None:
        body = json.dumps(
            {
                "error": p.ERROR_RATE_LIMITED,
                "message": "中心平台繁忙，请稍后自动重试",
                "server_time": p.utc_now_iso(),
            },
            ensure_ascii=False,
        ).encode("utf-8")
        ((name, value),) = retry_after_header(self.retry_after).items()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (name.lower().encode(), value.encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
