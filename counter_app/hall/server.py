"""The desk's small web server for the hall (stdlib, on its own thread):
the evaluation pad page for the window's tablet and, where this machine
runs them, the ticket kiosk and the hall display.

Only the pad needs the pairing token (a rating is the window's); the kiosk
issues tickets anyone in the hall may take and the display shows numbers
only. Request bodies are a few hundred bytes and bounded.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from counter_app.domain.errors import DomainError
from counter_app.hall import pages
from counter_app.hall.pad import PadSession
from counter_app.hall.tickets import QueueBackend, QueueUnavailable, Ticket
from counter_app.i18n import _

log = logging.getLogger(__name__)
MAX_BODY = 4096


@dataclass
class TicketPrinter:
    """Prints each issued ticket on a CUPS queue (the kiosk's roll)."""

    printer: str
    hall_name: str

    def print_ticket(self, ticket: Ticket, *, business_name: str, ahead: int) -> None:
        from printing.cups import submit_pdf
        from printing.queue_ticket import QueueTicket, render_queue_ticket

        issued = ticket.issued_at
        with contextlib.suppress(ValueError):
            issued = datetime.fromisoformat(issued).strftime("%Y-%m-%d %H:%M")
        pdf = render_queue_ticket(
            QueueTicket(self.hall_name, ticket.number, business_name, ahead, issued)
        )
        with tempfile.TemporaryDirectory(prefix="counter-ticket-") as tmp:
            path = Path(tmp) / f"{ticket.number}.pdf"
            path.write_bytes(pdf)
            submit_pdf(path, printer=self.printer, title=ticket.number)


def lan_address() -> str:
    """This machine's address on its network, for the tablet's link (no
    packet is sent: a UDP socket only picks its route)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1, never reached
            return str(probe.getsockname()[0])
    except OSError:
        return "127.0.0.1"


class HallServer:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        hall_name: str = "",
        queue: QueueBackend | None = None,
        pad: PadSession | None = None,
        printer: TicketPrinter | None = None,
        on_ticket: Callable[[Ticket], None] | None = None,
    ) -> None:
        self.hall_name = hall_name or _("政务服务大厅")
        self.queue, self.pad, self.printer = queue, pad, printer
        self.on_ticket = on_ticket
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, page: str, *, host: str = "") -> str:
        address = host or str(self.httpd.server_address[0])
        if address in ("0.0.0.0", "::"):
            address = lan_address()
        query = f"?t={self.pad.token}" if page == "pad" and self.pad else ""
        return f"http://{address}:{self.port}/{page}{query}"

    def start(self) -> HallServer:
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, name="hall-server", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(5)

    # -- the API the pages call ------------------------------------------------
    def hall(self) -> dict[str, Any]:
        assert self.queue is not None
        return self.queue.hall_state().to_json()

    def issue(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self.queue is not None
        code = str(body.get("business_type") or "")
        ticket = self.queue.issue(code)
        state = self.queue.hall_state()
        names = {t.code: t.name for t in state.types}
        ahead = max(0, next((t.waiting for t in state.types if t.code == code), 1) - 1)
        answer: dict[str, Any] = {
            "ticket": ticket.to_json(),
            "waiting_before": ahead,
            "printed": False,
            "print_error": "",
        }
        if self.printer is not None:
            try:
                self.printer.print_ticket(
                    ticket, business_name=names.get(code, code), ahead=ahead
                )
                answer["printed"] = True
            except Exception as exc:  # the number is shown on screen anyway
                log.warning("ticket %s not printed: %s", ticket.number, exc)
                answer["print_error"] = str(exc)
        if self.on_ticket is not None:
            self.on_ticket(ticket)
        return answer


def _handler(server: HallServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "CounterHall/1"

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("hall %s " + format, self.address_string(), *args)

        def _send(self, status: int, body: bytes, kind: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("X-Frame-Options", "DENY")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, data: Any) -> None:
            body = json.dumps(data, ensure_ascii=False).encode("utf-8")
            self._send(status, body, "application/json; charset=utf-8")

        def _error(self, status: int, message: str) -> None:
            self._json(status, {"message": message})

        def _html(self, text: str) -> None:
            self._send(200, text.encode("utf-8"), "text/html; charset=utf-8")

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query)
            route = parts.path.rstrip("/") or "/"
            try:
                if route == "/kiosk" and server.queue is not None:
                    self._html(pages.kiosk_page(server.hall_name))
                elif route == "/display" and server.queue is not None:
                    self._html(pages.display_page(server.hall_name))
                elif route == "/pad" and server.pad is not None:
                    self._html(pages.pad_page(server.hall_name))
                elif route == "/api/hall" and server.queue is not None:
                    self._json(200, server.hall())
                elif route == "/api/pad" and server.pad is not None:
                    if not server.pad.paired((query.get("t") or [""])[0]):
                        self._error(403, _("评价器未配对"))
                        return
                    self._json(200, server.pad.page_state())
                else:
                    self._error(404, _("没有这个页面"))
            except QueueUnavailable:
                self._error(503, _("叫号服务暂时无法连接"))
            except Exception:
                log.exception("hall GET %s", route)
                self._error(500, _("服务出错，请联系大厅工作人员"))

        def do_POST(self) -> None:
            route = urlsplit(self.path).path.rstrip("/")
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if not 0 <= length <= MAX_BODY:
                self._error(413, _("请求过大"))
                return
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("not an object")
            except ValueError:
                self._error(400, _("请求格式错误"))
                return
            try:
                self._post(route, body)
            except DomainError as exc:
                self._error(409, str(exc))
            except QueueUnavailable:
                self._error(503, _("叫号服务暂时无法连接"))
            except Exception:
                log.exception("hall POST %s", route)
                self._error(500, _("服务出错，请联系大厅工作人员"))

        def _post(self, route: str, body: dict[str, Any]) -> None:
            pad = server.pad
            if route == "/api/tickets" and server.queue is not None:
                self._json(200, server.issue(body))
                return
            if route in ("/api/pad/rate", "/api/pad/skip") and pad is not None:
                if not pad.paired(str(body.get("t") or "")):
                    self._error(403, _("评价器未配对"))
                    return
                request_id = str(body.get("request_id") or "")
                if route.endswith("skip"):
                    pad.skip(request_id)
                    self._json(200, {"skipped": True})
                    return
                level, reasons = body.get("level"), body.get("reasons") or []
                if not isinstance(level, int) or not isinstance(reasons, list):
                    self._error(400, _("请求格式错误"))
                    return
                outcome = pad.rate(
                    request_id, level=level, reasons=[str(r) for r in reasons]
                )
                self._json(200, {"evaluation_id": outcome.evaluation_id})
                return
            self._error(HTTPStatus.NOT_FOUND, _("没有这个页面"))

    return Handler
