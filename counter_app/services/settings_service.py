"""Desk settings written by the UI: one key per call, one transaction each."""

from __future__ import annotations

from counter_app.store import settings
from counter_app.store.db import Store

HOT_FOLDER_KEY = "scan.hot_folder"


def set_setting(store: Store, key: str, value: str) -> None:
    """Store ``value`` under ``key`` (replacing any earlier value)."""
    with store.transaction() as db:
        settings.put(db, key, value)


def get_setting(store: Store, key: str) -> str:
    """The stored value, the shipped default, or an empty string."""
    return settings.get(store.db, key)
