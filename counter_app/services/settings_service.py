"""Desk settings written by the UI: one call per user action, one
transaction each; every change is an audit event (old and new value)."""

from __future__ import annotations

from sqlite_utils import Database

from counter_app.domain.errors import DomainError
from counter_app.domain.text import shown
from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.store.events import KIND_SETTING_CHANGED, add_event

HOT_FOLDER_KEY = "scan.hot_folder"


def set_setting(store: Store, key: str, value: str, *, actor: str = "system") -> None:
    """Store ``value`` under ``key`` (replacing any earlier value)."""
    with store.transaction() as db:
        put_audited(db, key, value, actor=actor)


def get_setting(store: Store, key: str) -> str:
    """The stored value, the shipped default, or an empty string."""
    return settings.get(store.db, key)


def save_desk_settings(
    store: Store, *, language: str, idle_lock_minutes: int, actor: str = "system"
) -> None:
    """The settings dialog's values kept in the desk's store; a value the
    site configuration fixes is refused."""
    with store.transaction() as db:
        locked = set(settings.get(db, "site_config.locked").split(","))
        if "idle_lock_minutes" in locked and settings.get(
            db, "idle_lock_minutes"
        ) != str(idle_lock_minutes):
            raise DomainError(
                _(
                    "自动锁定时间由站点配置文件规定，不能在本机修改。"
                    "请联系管理员修改站点配置。"
                ),
                field="idle_lock_minutes",
            )
        put_audited(db, "language", language, actor=actor)
        put_audited(db, "idle_lock_minutes", str(idle_lock_minutes), actor=actor)


def put_audited(db: Database, key: str, value: str, *, actor: str) -> bool:
    """Write a setting inside a transaction; an event when it changed."""
    if any("\ud800" <= c <= "\udfff" for c in value):
        raise DomainError(
            _("设置“{key}”的值含有无法识别的字符，请重新输入。").format(key=shown(key)),
            field=key,
        )
    old = settings.get(db, key)
    if old == value:
        return False
    settings.put(db, key, value)
    add_event(
        db,
        kind=KIND_SETTING_CHANGED,
        actor=actor,
        target=f"setting:{key}",
        detail={"old": old, "new": value},
    )
    return True
