"""Request body size limit as plain ASGI middleware (before any parsing)."""

from __future__ import annotations

import json
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
