"""The window's queue actions that touch its records: the ticket an
application was served under, with its waiting and service times."""

from __future__ import annotations

from collections.abc import Sequence

from counter_app.domain.hall import seconds_between
from counter_app.hall.tickets import Ticket
from counter_app.services.context import DeskContext
from counter_app.store.db import Store


def link_ticket(
    store: Store,
    ctx: DeskContext,
    *,
    application_ids: Sequence[str],
    ticket: Ticket,
) -> int:
    """Store ``ticket`` with each application taken in under it (a bundle
    makes several); the first link of an application stays. Returns how
    many were linked."""
    linked = 0
    with store.transaction() as db:
        for application_id in application_ids:
            row = db.execute(
                "SELECT created_at FROM applications WHERE id = ?", [application_id]
            ).fetchone()
            if row is None:
                continue
            linked += db.execute(
                "INSERT INTO application_tickets (application_id, ticket_no,"
                " business_type, source, window_code, issued_at, called_at,"
                " wait_seconds, service_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(application_id) DO NOTHING",
                [
                    application_id,
                    ticket.number,
                    ticket.business_type,
                    ticket.source,
                    ticket.window_code or ctx.window_code,
                    ticket.issued_at,
                    ticket.called_at or ticket.issued_at,
                    seconds_between(ticket.issued_at, ticket.called_at),
                    seconds_between(ticket.called_at, str(row[0])),
                ],
            ).rowcount
    return linked


def ticket_of(store: Store, application_id: str) -> dict[str, object] | None:
    cur = store.db.execute(
        "SELECT * FROM application_tickets WHERE application_id = ?", [application_id]
    )
    names = [d[0] for d in cur.description]
    row = cur.fetchone()
    return None if row is None else dict(zip(names, row, strict=True))
