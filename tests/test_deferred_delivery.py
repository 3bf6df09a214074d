"""容缺: a result is not handed over while a deferred material is outstanding,
unless a supervisor approves with a reason; materials brought in later are
recorded (补交) and reach the platform."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from counter_app import clock
from counter_app.domain.status import Decision, Status
from counter_app.services import applications as apps
from counter_app.services.backoffice import apply_status_change
from counter_app.services.context import DeskContext, PermissionDenied
from counter_app.services.intake import IntakeError, MaterialState
from counter_app.store import records
from counter_app.store.db import Store
from tests.test_services import ID, SOLE_TRADER, form


def _deferred_ready(store: Store, clerk: DeskContext) -> str:
    f = form(store, SOLE_TRADER)
    next(e for e in f.materials if e.key == "premises").state = MaterialState.DEFERRED
    [r] = apps.decide(
        store,
        clerk,
        f,
        Decision.ACCEPT_DEFERRED,
        promise_date=clock.today() + timedelta(days=1),
    )
    with store.transaction() as db:
        apply_status_change(
            db, application_id=r.application_id, status=Status.RESULT_READY
        )
    return r.application_id


def _deliver(store: Store, ctx: DeskContext, app_id: str, override: str = "") -> None:
    apps.deliver(
        store,
        ctx,
        application_id=app_id,
        recipient_name="李𠮷",
        recipient_id_number=ID,
        override_reason=override,
    )


def _events(store: Store, app_id: str, kind: str) -> list[dict[str, object]]:
    return [
        json.loads(r[0])
        for r in store.db.execute(
            "SELECT detail FROM events WHERE application_id = ? AND kind = ?",
            [app_id, kind],
        )
    ]


def test_delivery_waits_for_deferred_materials(
    seeded_store: Store, clerk: DeskContext
) -> None:
    app_id = _deferred_ready(seeded_store, clerk)
    with pytest.raises(IntakeError, match="容缺材料尚未补交") as err:
        _deliver(seeded_store, clerk, app_id)
    assert err.value.field == "override_reason"
    record = records.application(seeded_store.db, app_id)
    assert record is not None and record["status"] == Status.RESULT_READY.value
    premises = next(m for m in record["materials"] if m["state"] == "deferred")
    assert premises["name"] in str(err.value)

    pending = seeded_store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
    names = apps.receive_deferred(
        seeded_store,
        clerk,
        application_id=app_id,
        received=[(premises["material_key"], MaterialState.COPY)],
    )
    assert names == [premises["name"]]
    record = records.application(seeded_store.db, app_id)
    assert record is not None
    got = next(
        m for m in record["materials"] if m["material_key"] == premises["material_key"]
    )
    assert got["state"] == "copy" and got["received_at"]
    # The platform learns of it: one more op for the application.
    assert (
        seeded_store.db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] > pending
    )
    assert _events(seeded_store, app_id, "deferred_received") == [
        {"materials": [premises["name"]]}
    ]
    _deliver(seeded_store, clerk, app_id)
    record = records.application(seeded_store.db, app_id)
    assert record is not None and record["status"] == Status.DELIVERED.value


def test_supervisor_may_deliver_first_with_a_recorded_reason(
    seeded_store: Store, clerk: DeskContext, supervisor: DeskContext
) -> None:
    app_id = _deferred_ready(seeded_store, clerk)
    with pytest.raises(PermissionDenied):
        _deliver(seeded_store, clerk, app_id, override="申请人急需")
    _deliver(seeded_store, supervisor, app_id, override="申请人急需，已承诺三日内补交")
    [detail] = _events(seeded_store, app_id, "deliver")
    assert detail["override"] == "申请人急需，已承诺三日内补交"
    assert detail["outstanding"] == [
        m["name"]
        for m in records.application(seeded_store.db, app_id)["materials"]  # type: ignore[index]
        if m["state"] == "deferred"
    ]


def test_only_outstanding_deferred_materials_can_be_brought_in(
    seeded_store: Store, clerk: DeskContext
) -> None:
    app_id = _deferred_ready(seeded_store, clerk)
    record = records.application(seeded_store.db, app_id)
    assert record is not None
    received = next(m for m in record["materials"] if m["state"] == "original")
    with pytest.raises(IntakeError, match="不是待补交"):
        apps.receive_deferred(
            seeded_store,
            clerk,
            application_id=app_id,
            received=[(received["material_key"], MaterialState.ORIGINAL)],
        )
    deferred = next(m for m in record["materials"] if m["state"] == "deferred")
    with pytest.raises(IntakeError, match="实际收到的形式"):
        apps.receive_deferred(
            seeded_store,
            clerk,
            application_id=app_id,
            received=[(deferred["material_key"], MaterialState.MISSING)],
        )
    assert _events(seeded_store, app_id, "deferred_received") == []
