"""Status changes that come from the back office (by sync): review,
decision, result ready. The window never makes these itself."""

from __future__ import annotations

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.status import Status, check_transition
from counter_app.store.events import add_event

# Sync may deliver a later state without the steps in between (the desk was
# offline while the back office worked); walk the chain so every step is legal.
_PATHS: dict[Status, list[Status]] = {
    Status.IN_REVIEW: [Status.IN_REVIEW],
    Status.SUSPENDED: [Status.SUSPENDED],
    Status.APPROVED: [Status.APPROVED],
    Status.DENIED: [Status.DENIED],
    Status.RESULT_READY: [Status.APPROVED, Status.RESULT_READY],
}


def apply_status_change(
    db: Database,
    *,
    application_id: str,
    status: Status,
    note: str = "",
    actor: str = "backoffice",
) -> bool:
    """Move a desk's application to a back-office status inside the caller's
    transaction. Returns False when it is already there or past it."""
    row = db.execute(
        "SELECT status FROM applications WHERE id = ?", [application_id]
    ).fetchone()
    if row is None:
        return False
    current = Status(row[0])
    if current == status:
        return False
    steps = _PATHS.get(status, [status])
    if current in (Status.APPROVED, Status.DENIED) and status is Status.RESULT_READY:
        steps = [Status.RESULT_READY]
    for step in steps:
        check_transition(current, step)
        current = step
    db.execute(
        "UPDATE applications SET status = ?, updated_at = ? WHERE id = ?",
        [status.value, clock.now_iso(), application_id],
    )
    add_event(
        db,
        kind=f"backoffice.{status.value}",
        actor=actor,
        application_id=application_id,
        detail={"note": note} if note else {},
    )
    return True
