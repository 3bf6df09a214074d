"""One way for GUI tests to make the window's context (store, task runner,
message bridge, settings file, signed-in user) around a store.

    with app_context(Store.memory(), tmp_path) as ctx: ...
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from counter_app.services.context import DeskContext
from counter_app.services.demo import demo_context, seed_users
from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store
from counter_app.ui.app import ui_settings
from counter_app.ui.context import AppContext
from counter_app.ui.messages import MessageBridge
from counter_app.ui.tasks import TaskRunner


@contextmanager
def app_context(
    store: Store,
    settings_dir: Path,
    user: str | DeskContext | None = "clerk01",
    *,
    seed: bool = True,
) -> Iterator[AppContext]:
    """The context on ``store`` (seeded with the catalog and the demo users
    unless ``seed`` is False), signed in as ``user`` (a demo user name, a
    context, or None: nobody yet). Waits for the tasks on exit; the store
    stays the caller's to close."""
    if seed:
        ensure_seeded(store)
        seed_users(store)
    tasks = TaskRunner()
    ctx = AppContext(
        store=store,
        tasks=tasks,
        messages=MessageBridge(),
        settings=ui_settings(settings_dir),
        user=demo_context(store, user) if isinstance(user, str) else user,
    )
    try:
        yield ctx
    finally:
        tasks.wait()
