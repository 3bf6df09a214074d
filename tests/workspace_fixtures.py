"""Fixtures for the workspace tests: a demo store with ~60 applications
made through the services, and one applicant with a rare-character name."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from counter_app import clock
from counter_app.domain.identifiers import IdType, make_resident_id
from counter_app.domain.status import Decision
from counter_app.services import applications as apps
from counter_app.services.demo import demo_context, seed_demo
from counter_app.services.intake import (
    Applicant,
    IntakeForm,
    MaterialEntry,
    MaterialState,
)
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from counter_app.ui.app import ui_settings
from counter_app.ui.context import AppContext
from counter_app.ui.messages import MessageBridge
from counter_app.ui.tasks import TaskRunner
from counter_app.ui.workspace import Workspace

RARE_NAME = "李𠮷"
RARE_ID = make_resident_id("320102", date(1990, 5, 17), 21)
RARE_PHONE = "13912345678"


def add_rare_applicant(
    store: Store, *, decision: Decision = Decision.ACCEPT, item_code: str = ""
) -> str:
    """One application by 李𠮷, accepted (or noticed, or accepted with its
    first deferrable material deferred) through the services."""
    ctx = demo_context(store, "clerk01")
    item = get_item(
        store.db,
        item_code
        or store.db.execute(
            "SELECT code FROM catalog_items ORDER BY code LIMIT 1"
        ).fetchone()[0],
    )
    materials = item.materials_for({})
    entries = [
        MaterialEntry(
            m.key,
            MaterialState.ORIGINAL if m.originals else MaterialState.COPY,
            m.originals,
            m.copies,
        )
        for m in materials
    ]
    if decision is Decision.NOTICE:
        entries[0].state = MaterialState.MISSING
    promise = None
    if decision is Decision.ACCEPT_DEFERRED:
        first = next(i for i, m in enumerate(materials) if m.deferrable)
        entries[first].state = MaterialState.DEFERRED
        promise = clock.today() + timedelta(days=1)
    form = IntakeForm(
        item_codes=[item.code],
        applicant=Applicant(
            name=RARE_NAME,
            id_type=IdType.RESIDENT_ID.value,
            id_number=RARE_ID,
            phone=RARE_PHONE,
        ),
        materials=entries,
    )
    return apps.decide(store, ctx, form, decision, promise_date=promise)[
        0
    ].application_id


@pytest.fixture
def demo_store() -> Iterator[Store]:
    s = Store.memory()
    seed_demo(s, applications=60)
    add_rare_applicant(s)
    yield s
    s.close()


@pytest.fixture
def ws(qtbot: QtBot, demo_store: Store, tmp_path: Path) -> Iterator[Workspace]:
    """The clerk's workspace on the demo store, list loaded."""
    tasks = TaskRunner()
    app = AppContext(
        store=demo_store,
        tasks=tasks,
        messages=MessageBridge(),
        settings=ui_settings(tmp_path),
        user=demo_context(demo_store, "clerk01"),
    )
    workspace = Workspace(app, idle_lock_minutes=0)
    qtbot.addWidget(workspace.window)
    workspace.show()
    workspace.window.find_applications()
    model = workspace.window.list_panel.model
    qtbot.waitUntil(lambda: model.total is not None, timeout=10_000)
    yield workspace
    workspace.close()
    tasks.wait()
