"""The queue as the desk sees it, whoever serves it: the platform, the
desk's own fallback store, or a center's existing queue system."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

SOURCE_CENTRAL = "central"
SOURCE_LOCAL = "local"
SOURCE_EXTERNAL = "external"


class QueueUnavailable(Exception):
    """The queue's server cannot be reached (the caller may fall back)."""


@dataclass(frozen=True)
class Ticket:
    id: str
    number: str
    business_type: str
    status: str
    issued_at: str
    source: str
    window_code: str = ""
    called_at: str = ""
    calls: int = 0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, body: dict[str, Any], *, source: str) -> Ticket:
        return cls(
            id=str(body["id"]),
            number=str(body["number"]),
            business_type=str(body.get("business_type") or body["number"][:1]),
            status=str(body.get("status") or "waiting"),
            issued_at=str(body.get("issued_at") or ""),
            source=source,
            window_code=str(body.get("window_code") or ""),
            called_at=str(body.get("called_at") or ""),
            calls=int(body.get("calls") or 0),
        )


@dataclass(frozen=True)
class TypeState:
    code: str
    name: str
    waiting: int


@dataclass(frozen=True)
class HallState:
    """What the kiosk and the display show."""

    types: list[TypeState]
    called: list[Ticket] = field(default_factory=list)  # newest first
    source: str = SOURCE_CENTRAL

    def to_json(self) -> dict[str, Any]:
        return {
            "types": [asdict(t) for t in self.types],
            "called": [t.to_json() for t in self.called],
            "source": self.source,
        }


class QueueBackend(Protocol):
    @property
    def source(self) -> str: ...

    def issue(self, business_type: str) -> Ticket: ...

    def call_next(self, *, window_code: str, types: list[str]) -> Ticket | None: ...

    def recall(self, ticket: Ticket) -> Ticket: ...

    def skip(self, ticket: Ticket) -> None: ...

    def transfer(self, ticket: Ticket, *, window_code: str) -> Ticket: ...

    def finish(self, ticket: Ticket) -> None: ...

    def hall_state(self) -> HallState: ...
