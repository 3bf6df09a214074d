"""Helpers for the hall tests: an accepted application, a stand-in for a
center's own queue system (a real HTTP server on loopback)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from counter_app.domain.identifiers import make_resident_id
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.context import DeskContext
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store.catalog import get_item
from counter_app.store.db import Store

RESIDENCE_PERMIT = "GG00302001"
ID = make_resident_id("320102", date(1985, 3, 9), 123)


def accept_one(store: Store, ctx: DeskContext) -> apps.DecisionResult:
    item = get_item(store.db, RESIDENCE_PERMIT)
    form = IntakeForm(
        item_codes=[RESIDENCE_PERMIT],
        applicant=Applicant(name="李𠮷", id_number=ID, phone="13812345678"),
        answers={},
        materials=[
            MaterialEntry(m.key, MaterialState.ORIGINAL, m.originals, m.copies)
            for m in item.materials_for({})
        ],
    )
    [result] = apps.decide(store, ctx, form, Decision.ACCEPT)
    return result


@dataclass
class VendorQueue:
    """A center's existing queue system: records each call it gets."""

    calls: list[tuple[str, dict[str, list[str]]]] = field(default_factory=list)
    next_number: int = 1
    base_url: str = ""

    def answer(self, path: str, query: dict[str, list[str]]) -> dict[str, Any]:
        self.calls.append((path, query))
        if path == "/qs/call":
            n, self.next_number = self.next_number, self.next_number + 1
            return {
                "id": f"v{n}",
                "number": f"B{n:03d}",
                "issued_at": "2026-11-25T09:00:00+08:00",
                "called_at": "2026-11-25T09:05:30+08:00",
                "window_code": query["w"][0],
            }
        return {}


@contextmanager
def vendor_queue() -> Iterator[VendorQueue]:
    vendor = VendorQueue()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/qs/broken":
                self.send_response(500)
                self.end_headers()
                return
            body = json.dumps(vendor.answer(parts.path, parse_qs(parts.query)))
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    vendor.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield vendor
    finally:
        httpd.shutdown()
        httpd.server_close()
