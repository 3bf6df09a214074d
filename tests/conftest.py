from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")

from counter_app import clock
from counter_app.i18n import set_language
from counter_app.services.context import DeskContext
from counter_app.store.db import Store


@pytest.fixture(autouse=True)
def _chinese_and_real_clock() -> Iterator[None]:
    set_language("zh_CN")
    yield
    clock.set_clock(None)
    set_language("zh_CN")


@pytest.fixture
def store() -> Iterator[Store]:
    """A fresh, empty store (migrated, nothing seeded)."""
    s = Store.memory()
    yield s
    s.close()


@pytest.fixture
def seeded_store(store: Store) -> Store:
    """A store with the shipped catalog and calendar."""
    from counter_app.services.setup import ensure_seeded

    ensure_seeded(store)
    return store


@pytest.fixture
def clerk() -> DeskContext:
    return DeskContext(
        username="clerk01",
        display_name="王晓明",
        role="clerk",
        site_code="320102001",
        window_code="01",
    )


@pytest.fixture
def supervisor() -> DeskContext:
    return DeskContext(
        username="chief01",
        display_name="张堃",
        role="supervisor",
        site_code="320102001",
        window_code="01",
    )
