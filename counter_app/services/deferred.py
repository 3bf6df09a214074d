"""Deferred materials (容缺) after acceptance: the applicant brings them in
later, and the result is not handed over while one is still outstanding —
unless a supervisor approves it with a recorded reason."""

from __future__ import annotations

from collections.abc import Sequence

from sqlite_utils import Database

from counter_app import clock
from counter_app.i18n import _, listing
from counter_app.services.context import DeskContext
from counter_app.services.intake import IntakeError, MaterialState
from counter_app.store.events import add_event


def outstanding(db: Database, application_id: str) -> list[str]:
    """Names of the application's deferred materials not yet brought in."""
    return [
        str(r[0])
        for r in db.execute(
            # Under 告知承诺 the promise replaces the proof: nothing to wait for.
            "SELECT m.name FROM application_materials m"
            " JOIN applications a ON a.id = m.application_id"
            " WHERE m.application_id = ? AND m.state = ?"
            " AND a.decision != 'accept_commitment' ORDER BY m.position",
            [application_id, MaterialState.DEFERRED.value],
        )
    ]


def check_deliverable(
    db: Database, ctx: DeskContext, application_id: str, override_reason: str
) -> dict[str, object]:
    """Refuse delivery while deferred materials are outstanding; a supervisor
    may deliver anyway with a reason. Returns what the delivery event records."""
    missing = outstanding(db, application_id)
    if not missing:
        return {}
    names = listing(missing)
    if not override_reason.strip():
        raise IntakeError(
            _(
                "容缺材料尚未补交：{names}。请先登记补交；确需先出件的，"
                "须由科室负责人核准并写明理由。"
            ).format(names=names),
            field="override_reason",
        )
    ctx.require_supervisor(_("容缺材料未补交时出件"))
    return {"override": override_reason.strip(), "outstanding": missing}


def record_received(
    db: Database,
    ctx: DeskContext,
    application_id: str,
    received: Sequence[tuple[str, MaterialState]],
) -> list[str]:
    """Mark deferred materials as brought in (key, state received as).
    Returns their names; refuses keys that are not outstanding."""
    deferred = {
        str(r[0]): str(r[1])
        for r in db.execute(
            "SELECT material_key, name FROM application_materials"
            " WHERE application_id = ? AND state = ?",
            [application_id, MaterialState.DEFERRED.value],
        )
    }
    if not received:
        raise IntakeError(_("请选择补交的容缺材料。"), field="materials")
    names = []
    now = clock.now_iso()
    for key, state in received:
        if key not in deferred:
            raise IntakeError(
                _("该材料不是待补交的容缺材料，请刷新后重试。"), field="materials"
            )
        if state in (MaterialState.MISSING, MaterialState.DEFECTIVE):
            raise IntakeError(
                _("“{name}”请选择实际收到的形式（原件、复印件等）。").format(
                    name=deferred[key]
                ),
                field="materials",
            )
        db.execute(
            "UPDATE application_materials SET state = ?, received_at = ?"
            " WHERE application_id = ? AND material_key = ?",
            [state.value, now, application_id, key],
        )
        names.append(deferred[key])
    add_event(
        db,
        kind="deferred_received",
        actor=ctx.username,
        application_id=application_id,
        detail={"materials": names},
    )
    return names
