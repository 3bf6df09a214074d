"""A feed that says "more" without moving its cursor ends the round with a
clear error instead of looping; the cursor stays where it was."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from counter_app.store.db import Store
from sync import protocol as p
from sync.pull import pull
from sync.state import get_state, put_state
from sync.transport import ProtocolError, Transport


class _StuckFeed(BaseHTTPRequestHandler):
    requests = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        _StuckFeed.requests += 1
        body = json.dumps(
            {
                "changes": [],
                "cursor": "c-41",
                "more": True,
                "resnapshot": False,
                "server_time": p.utc_now_iso(),
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(name="stuck_feed")
def stuck_feed_fixture() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _StuckFeed)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_feed_that_never_advances_ends_the_round(
    seeded_store: Store, stuck_feed: str
) -> None:
    with seeded_store.transaction() as db:
        put_state(db, "cursor", "c-41")
    _StuckFeed.requests = 0
    transport = Transport(stuck_feed, token="t")
    try:
        with pytest.raises(ProtocolError, match="没有进展"):
            pull(seeded_store, transport)
    finally:
        transport.close()
    assert _StuckFeed.requests == 1
    assert get_state(seeded_store.db, "cursor") == "c-41"
