"""A fault-injecting HTTP/1.1 proxy on 127.0.0.1, run in threads.

It forwards requests to one upstream server and can, on demand:

- refuse connections (stop listening, then listen again on the same port),
- drop the reply after forwarding a request (the server applied it),
- cut a connection after N request bytes (e.g. mid-upload),
- answer bursts of 5xx/429 itself, with ``Retry-After``,
- throttle the link to N bytes/s (both directions share it).

It counts the bytes it forwards each way and the body bytes of every blob
PUT, so tests and benchmarks can measure overhead and re-sent bytes.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

_SLICE = 16 * 1024


@dataclass
class _Burst:
    status: int
    count: int
    retry_after: float | None
    path_prefix: str


@dataclass
class _OneShot:
    count: int
    path_prefix: str


@dataclass
class Stats:
    bytes_up: int = 0  # client → server, as forwarded
    bytes_down: int = 0  # server → client, as forwarded
    requests: list[tuple[str, str, int]] = field(default_factory=list)
    started: list[tuple[str, str]] = field(default_factory=list)  # heads seen
    blob_put_bytes: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    dropped_replies: int = 0
    cuts: int = 0
    injected: int = 0

    def count(self, method: str, prefix: str) -> int:
        return sum(
            1 for m, path, _ in self.requests if m == method and path.startswith(prefix)
        )

    def begun(self, method: str, prefix: str) -> int:
        """Requests whose head reached the proxy so far."""
        return sum(
            1 for m, path in self.started if m == method and path.startswith(prefix)
        )


class FaultProxy:
    def __init__(self, upstream_port: int, *, upstream_host: str = "127.0.0.1") -> None:
        self.upstream = (upstream_host, upstream_port)
        self.stats = Stats()
        self._lock = threading.Lock()
        self._bursts: list[_Burst] = []
        self._drops: list[_OneShot] = []
        self._cut: tuple[int, str] | None = None  # (budget bytes, path prefix)
        self._rate: float | None = None
        self._link_free = 0.0
        self._listener: socket.socket | None = None
        self._stopping = threading.Event()
        self._conns: set[socket.socket] = set()
        self.port = 0
        self._listen()

    # -- control ---------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def refuse(self) -> None:
        """Stop listening: new connections are refused; open ones are cut."""
        with self._lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            # shutdown wakes the thread blocked in accept(); close alone
            # would leave the socket listening on Linux.
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        self.cut_all()

    def accept_again(self) -> None:
        if self._listener is None:
            self._listen(self.port)

    def cut_all(self) -> None:
        with self._lock:
            conns = list(self._conns)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def set_upstream(self, port: int) -> None:
        self.upstream = (self.upstream[0], port)

    def burst(
        self,
        status: int,
        count: int,
        *,
        retry_after: float | None = None,
        path_prefix: str = "",
    ) -> None:
        with self._lock:
            self._bursts.append(_Burst(status, count, retry_after, path_prefix))

    def drop_reply(self, count: int = 1, *, path_prefix: str = "/api/v1/ops") -> None:
        with self._lock:
            self._drops.append(_OneShot(count, path_prefix))

    def cut_after(self, nbytes: int, *, path_prefix: str = "/api/v1/blobs") -> None:
        """Cut the connection once ``nbytes`` of matching requests went up."""
        with self._lock:
            self._cut = (nbytes, path_prefix)

    def throttle(self, bytes_per_second: float | None) -> None:
        with self._lock:
            self._rate = bytes_per_second
            self._link_free = time.monotonic()

    def clear(self) -> None:
        with self._lock:
            self._bursts.clear()
            self._drops.clear()
            self._cut = None
            self._rate = None

    def close(self) -> None:
        self._stopping.set()
        self.refuse()

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- listening -------------------------------------------------------------
    def _listen(self, port: int = 0) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Small buffers so a throttled link pushes back on the client.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 * 1024)
        sock.bind(("127.0.0.1", port))
        sock.listen(64)
        self.port = sock.getsockname()[1]
        with self._lock:
            self._listener = sock
        threading.Thread(target=self._accept_loop, args=(sock,), daemon=True).start()

    def _accept_loop(self, listener: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    # -- one client connection ------------------------------------------------------
    def _serve(self, client: socket.socket) -> None:
        with self._lock:
            self._conns.add(client)
        upstream: socket.socket | None = None
        buf = b""
        try:
            while True:
                head, buf = _read_head(client, buf)
                if head is None:
                    return
                method, path, headers = _parse_request(head)
                length = int(headers.get("content-length", "0") or 0)
                self.stats.started.append((method, path))
                burst = self._take_burst(path)
                if burst is not None:
                    buf = _discard_body(client, buf, length)
                    self._answer(client, burst)
                    self.stats.requests.append((method, path, burst.status))
                    continue
                if upstream is None:
                    try:
                        upstream = socket.create_connection(self.upstream, timeout=60)
                    except OSError:
                        return
                    with self._lock:
                        self._conns.add(upstream)
                if not self._send(upstream, head, path, up=True):
                    return
                buf, complete = self._forward_body(
                    client, upstream, buf, length, method, path
                )
                if not complete:
                    return
                response = _read_response(upstream, method)
                if response is None:
                    return
                status = _status_of(response)
                self.stats.requests.append((method, path, status))
                if self._take_drop(path):
                    self.stats.dropped_replies += 1
                    return
                if not self._send(client, response, path, up=False):
                    return
                if (
                    b"\r\nconnection: close"
                    in response.split(b"\r\n\r\n", 1)[0].lower()
                ):
                    return
        except OSError:
            return
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    with self._lock:
                        self._conns.discard(sock)
                    with contextlib.suppress(OSError):
                        sock.close()

    def _forward_body(
        self,
        client: socket.socket,
        upstream: socket.socket,
        buf: bytes,
        length: int,
        method: str,
        path: str,
    ) -> tuple[bytes, bool]:
        remaining = length
        is_blob = method == "PUT" and path.startswith("/api/v1/blobs/")
        while remaining > 0:
            if buf:
                piece, buf = buf[:remaining], buf[remaining:]
            else:
                piece = client.recv(min(_SLICE, remaining))
                if not piece:
                    return b"", False
            remaining -= len(piece)
            if not self._send(upstream, piece, path, up=True):
                return b"", False
            if is_blob:
                self.stats.blob_put_bytes[path.rsplit("/", 1)[-1]] += len(piece)
        return buf, True

    def _send(self, sock: socket.socket, data: bytes, path: str, *, up: bool) -> bool:
        """Send through the (maybe throttled) link; False when cut."""
        view = memoryview(data)
        while view:
            size = len(view)
            with self._lock:
                rate = self._rate
                cut = self._cut
            if rate:
                size = min(size, max(256, int(rate / 20)))
            if up and cut is not None and path.startswith(cut[1]):
                budget = cut[0]
                if budget <= 0 or size >= budget:
                    sock.sendall(view[:budget] if budget > 0 else b"")
                    self.stats.bytes_up += max(budget, 0)
                    with self._lock:
                        self._cut = None
                    self.stats.cuts += 1
                    return False
                with self._lock:
                    self._cut = (budget - size, cut[1])
            if rate:
                self._pace(size, rate)
            sock.sendall(view[:size])
            if up:
                self.stats.bytes_up += size
            else:
                self.stats.bytes_down += size
            view = view[size:]
        return True

    def _pace(self, size: int, rate: float) -> None:
        with self._lock:
            now = time.monotonic()
            start = max(now, self._link_free)
            self._link_free = start + size / rate
            wait = self._link_free - now
        if wait > 0:
            time.sleep(wait)

    def _take_burst(self, path: str) -> _Burst | None:
        with self._lock:
            for burst in self._bursts:
                if burst.count > 0 and path.startswith(burst.path_prefix):
                    burst.count -= 1
                    self.stats.injected += 1
                    return burst
        return None

    def _take_drop(self, path: str) -> bool:
        with self._lock:
            for drop in self._drops:
                if drop.count > 0 and path.startswith(drop.path_prefix):
                    drop.count -= 1
                    return True
        return False

    def _answer(self, client: socket.socket, burst: _Burst) -> None:
        body = json.dumps(
            {
                "error": "injected",
                "message": "fault proxy",
                "server_time": datetime.now(UTC).isoformat(),
            }
        ).encode()
        lines = [
            f"HTTP/1.1 {burst.status} Injected",
            "Content-Type: application/json",
            f"Content-Length: {len(body)}",
        ]
        if burst.retry_after is not None:
            lines.append(f"Retry-After: {int(burst.retry_after)}")
        client.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)


def _read_head(sock: socket.socket, buf: bytes) -> tuple[bytes | None, bytes]:
    while b"\r\n\r\n" not in buf:
        data = sock.recv(65536)
        if not data:
            return None, b""
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    return head + b"\r\n\r\n", rest


def _parse_request(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, target = ([*lines[0].split(" ", 2), "", ""])[:2]
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    return method, target, headers


def _discard_body(sock: socket.socket, buf: bytes, length: int) -> bytes:
    while len(buf) < length:
        data = sock.recv(65536)
        if not data:
            break
        buf += data
    return buf[length:]


def _status_of(response: bytes) -> int:
    try:
        return int(response.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def _read_response(sock: socket.socket, method: str) -> bytes | None:
    head, rest = _read_head(sock, b"")
    if head is None:
        return None
    status = _status_of(head)
    _, _, headers = _parse_request(b"X " + head.split(b" ", 1)[1])
    if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
        return head
    if "content-length" in headers:
        length = int(headers["content-length"])
        while len(rest) < length:
            data = sock.recv(65536)
            if not data:
                return None
            rest += data
        return head + rest[:length]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        while not rest.endswith(b"0\r\n\r\n"):
            data = sock.recv(65536)
            if not data:
                return None
            rest += data
        return head + rest
    while True:  # body until close
        data = sock.recv(65536)
        if not data:
            return head + rest
        rest += data
