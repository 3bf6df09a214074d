"""Queue backends across the network: the platform's queue, a center's own
queue system (HTTP URL templates), and the fallback that turns to the
desk's own queue while the platform cannot be reached."""

from __future__ import annotations

import logging
import string
import threading
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

import requests

from counter_app.domain.hall import BusinessType, QueueError
from counter_app.hall.local_queue import LocalQueue
from counter_app.hall.tickets import (
    SOURCE_CENTRAL,
    SOURCE_EXTERNAL,
    SOURCE_LOCAL,
    HallState,
    QueueBackend,
    QueueUnavailable,
    Ticket,
    TypeState,
)
from counter_app.i18n import _
from sync import protocol as p
from sync.transport import ProtocolError, RetryableError, SyncError, Timeouts, Transport

log = logging.getLogger(__name__)
QUEUE_TIMEOUTS = Timeouts(connect=2.0, read_base=5.0)


def _state(body: Mapping[str, Any], source: str) -> HallState:
    return HallState(
        types=[
            TypeState(str(t["code"]), str(t["name"]), int(t.get("waiting") or 0))
            for t in body.get("types") or []
        ],
        called=[Ticket.from_json(t, source=source) for t in body.get("called") or []],
        source=source,
    )


class CentralQueue:
    """The site's queue on the platform, as this desk (its own window)."""

    source = SOURCE_CENTRAL

    def __init__(
        self, server_url: str, *, token: str, verify: str | bool = True
    ) -> None:
        self.transport = Transport(
            server_url, token=token, verify=verify, timeouts=QUEUE_TIMEOUTS
        )
        self._lock = threading.Lock()  # one requests.Session, many threads

    def _call(self, method: str, path: str, payload: Any = None) -> dict[str, Any]:
        try:
            with self._lock:
                return self.transport.json_call(method, path, payload=payload)
        except ProtocolError as exc:
            raise QueueError(str(exc)) from exc
        except (RetryableError, SyncError) as exc:
            raise QueueUnavailable(str(exc)) from exc

    def issue(self, business_type: str) -> Ticket:
        body = self._call(
            "POST", p.PATH_QUEUE_TICKETS, {"business_type": business_type}
        )
        return Ticket.from_json(body, source=self.source)

    def call_next(self, *, window_code: str, types: list[str]) -> Ticket | None:
        body = self._call("POST", p.PATH_QUEUE_CALL, {"types": types})
        ticket = body.get("ticket")
        return Ticket.from_json(ticket, source=self.source) if ticket else None

    def _act(self, ticket: Ticket, action: str, payload: Any = None) -> Ticket:
        path = f"{p.PATH_QUEUE_TICKETS}/{ticket.id}/{action}"
        return Ticket.from_json(self._call("POST", path, payload), source=self.source)

    def recall(self, ticket: Ticket) -> Ticket:
        return self._act(ticket, "recall")

    def skip(self, ticket: Ticket) -> None:
        self._act(ticket, "skip")

    def finish(self, ticket: Ticket) -> None:
        self._act(ticket, "done")

    def transfer(self, ticket: Ticket, *, window_code: str) -> Ticket:
        return self._act(ticket, "transfer", {"window_code": window_code})

    def hall_state(self) -> HallState:
        return _state(self._call("GET", p.PATH_QUEUE_HALL), self.source)


#: The actions a center's queue system is driven by; each a URL template
#: with {window}, {types}, {type}, {ticket} and {number} placeholders.
EXTERNAL_ACTIONS = ("issue", "call", "recall", "skip", "done", "transfer", "hall")


def check_templates(templates: Mapping[str, str]) -> None:
    """Refuse a template set the queue could not use, naming the action."""
    if not templates.get("call"):
        raise QueueError(
            _("外部叫号系统缺少“{action}”地址模板。").format(action="call")
        )
    allowed = {"window", "types", "type", "ticket", "number", "to"}
    for action, template in templates.items():
        try:
            names = {f for _t, f, _s, _c in string.Formatter().parse(template) if f}
        except ValueError as exc:
            names, detail = set(), str(exc)
        else:
            detail = ", ".join(sorted(names - allowed))
        if (
            action not in EXTERNAL_ACTIONS
            or detail
            or not template.startswith(("http://", "https://"))
        ):
            raise QueueError(
                _("外部叫号地址模板“{action}”无效：{detail}").format(
                    action=action, detail=detail or template
                )
            )


class ExternalQueue:
    """A center's existing queue system, driven by configured URL templates
    (POST, JSON answers: a ticket as ``{"id", "number", …}``; ``call``
    may answer ``{}`` when nobody waits; ``hall`` as the platform's)."""

    source = SOURCE_EXTERNAL

    def __init__(self, templates: Mapping[str, str], *, window_code: str) -> None:
        check_templates(templates)
        self.templates = dict(templates)
        self.window_code = window_code
        self.session = requests.Session()

    def _call(self, action: str, **values: str) -> dict[str, Any]:
        template = self.templates.get(action)
        if not template:
            raise QueueError(
                _("外部叫号系统未配置“{action}”操作。").format(action=action)
            )
        fields = {"window": self.window_code, "types": "", "type": "", "ticket": ""}
        fields |= {"number": "", "to": ""} | values
        url = template.format(**{k: quote(v, safe=",") for k, v in fields.items()})
        try:
            resp = self.session.post(url, timeout=(2.0, 5.0))
        except requests.RequestException as exc:
            raise QueueUnavailable(str(exc)) from exc
        if resp.status_code >= 500:
            raise QueueUnavailable(f"HTTP {resp.status_code}")
        if resp.status_code >= 400:
            raise QueueError(
                _("外部叫号系统拒绝了请求（HTTP {status}）。").format(
                    status=resp.status_code
                )
            )
        try:
            body = resp.json() if resp.content else {}
        except ValueError as exc:
            raise QueueUnavailable(str(exc)) from exc
        return body if isinstance(body, dict) else {}

    def _ticket(self, body: dict[str, Any]) -> Ticket:
        return Ticket.from_json(
            {"id": body.get("id") or body.get("number"), **body}, source=self.source
        )

    def issue(self, business_type: str) -> Ticket:
        return self._ticket(self._call("issue", type=business_type))

    def call_next(self, *, window_code: str, types: list[str]) -> Ticket | None:
        body = self._call("call", types=",".join(types))
        return self._ticket(body) if body.get("number") else None

    def _on(self, action: str, ticket: Ticket, **values: str) -> dict[str, Any]:
        return self._call(action, ticket=ticket.id, number=ticket.number, **values)

    def recall(self, ticket: Ticket) -> Ticket:
        self._on("recall", ticket)
        return ticket

    def skip(self, ticket: Ticket) -> None:
        self._on("skip", ticket)

    def finish(self, ticket: Ticket) -> None:
        if self.templates.get("done"):
            self._on("done", ticket)

    def transfer(self, ticket: Ticket, *, window_code: str) -> Ticket:
        self._on("transfer", ticket, to=window_code)
        return ticket

    def hall_state(self) -> HallState:
        return _state(self._call("hall"), self.source)


class FallbackQueue:
    """The platform's queue while it answers, the desk's own while it does
    not. A ticket is acted on where it was issued; ``degraded`` tells the
    panel which one is in use."""

    #: After a failure the platform is tried again after this many seconds
    #: (the display polls every 1.5 s; each try could wait a timeout).
    RETRY_SECONDS = 20.0

    def __init__(self, primary: QueueBackend, local: QueueBackend) -> None:
        self.primary, self.local = primary, local
        self.degraded = False
        self._retry_at = 0.0

    @property
    def source(self) -> str:
        return self.local.source if self.degraded else self.primary.source

    def _both(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.degraded and time.monotonic() < self._retry_at:
            return getattr(self.local, name)(*args, **kwargs)
        try:
            result = getattr(self.primary, name)(*args, **kwargs)
        except QueueUnavailable as exc:
            if not self.degraded:
                log.warning(
                    "queue: platform unreachable, using the local queue: %s", exc
                )
            self.degraded = True
            self._retry_at = time.monotonic() + self.RETRY_SECONDS
            return getattr(self.local, name)(*args, **kwargs)
        self.degraded = False
        return result

    def _of(self, ticket: Ticket) -> QueueBackend:
        return self.local if ticket.source == SOURCE_LOCAL else self.primary

    def issue(self, business_type: str) -> Ticket:
        return self._both("issue", business_type)  # type: ignore[no-any-return]

    def call_next(self, *, window_code: str, types: list[str]) -> Ticket | None:
        # Tickets issued here while the platform was unreachable go first,
        # also once it answers again.
        local = self.local.call_next(window_code=window_code, types=types)
        if local is not None:
            return local
        return self._both(  # type: ignore[no-any-return]
            "call_next", window_code=window_code, types=types
        )

    def recall(self, ticket: Ticket) -> Ticket:
        return self._of(ticket).recall(ticket)

    def skip(self, ticket: Ticket) -> None:
        self._of(ticket).skip(ticket)

    def finish(self, ticket: Ticket) -> None:
        self._of(ticket).finish(ticket)

    def transfer(self, ticket: Ticket, *, window_code: str) -> Ticket:
        return self._of(ticket).transfer(ticket, window_code=window_code)

    def hall_state(self) -> HallState:
        state: HallState = self._both("hall_state")
        if not self.degraded and isinstance(self.local, LocalQueue) and state.types:
            # while cut off, the desk issues the site's types, not defaults
            self.local.types = tuple(BusinessType(t.code, t.name) for t in state.types)
        return state
