"""The hall settings of this desk (store settings table, keys hall.*)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from counter_app.domain.hall import QueueError, parse_types
from counter_app.hall.local_queue import LocalQueue
from counter_app.hall.pad import new_token
from counter_app.hall.remote import (
    CentralQueue,
    ExternalQueue,
    FallbackQueue,
    check_templates,
)
from counter_app.hall.tickets import QueueBackend
from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.db import Store
from sync.credentials import load_token

MODES = ("auto", "local", "external")
DEFAULTS = {
    # auto: the platform's queue when enrolled, the desk's own while cut off
    "hall.queue_mode": "auto",
    "hall.window_types": "A",
    # {"call": "http://qs.local/api/call?window={window}&types={types}", …}
    "hall.external_urls": "{}",
    # The pad/kiosk/display server: off unless a port is set. 0.0.0.0
    # reaches the tablet on the hall's network; 127.0.0.1 keeps it local.
    "hall.bind_host": "0.0.0.0",
    "hall.port": "0",
    "hall.kiosk": "0",  # 1: this machine also serves the kiosk and display
    "hall.kiosk_printer": "",
    "hall.pad_token": "",
    # 叫号语音 at the window: "" off, "default" the system's text-to-speech,
    # or an engine's name (QTextToSpeech.availableEngines()).
    "hall.voice": "",
}


@dataclass(frozen=True)
class HallConfig:
    queue_mode: str
    window_types: list[str]
    external_urls: dict[str, str] = field(default_factory=dict)
    bind_host: str = "0.0.0.0"
    port: int = 0
    kiosk: bool = False
    kiosk_printer: str = ""
    pad_token: str = ""
    voice: str = ""


def _get(store: Store, key: str) -> str:
    value = settings.get(store.db, key)
    return value if value else DEFAULTS[key]


def load(store: Store) -> HallConfig:
    mode = _get(store, "hall.queue_mode")
    if mode not in MODES:
        raise QueueError(_("叫号方式“{mode}”无效。").format(mode=mode))
    try:
        urls = json.loads(_get(store, "hall.external_urls"))
    except ValueError as exc:
        raise QueueError(
            _("外部叫号地址模板不是有效的 JSON：{error}").format(error=exc)
        ) from exc
    if not isinstance(urls, dict):
        raise QueueError(_("外部叫号地址模板应为“操作: 地址”的对照表。"))
    if mode == "external":
        check_templates({str(k): str(v) for k, v in urls.items()})
    return HallConfig(
        queue_mode=mode,
        window_types=parse_types(_get(store, "hall.window_types")),
        external_urls={str(k): str(v) for k, v in urls.items()},
        bind_host=_get(store, "hall.bind_host"),
        port=int(_get(store, "hall.port") or 0)
        if _get(store, "hall.port").isdigit()
        else 0,
        kiosk=_get(store, "hall.kiosk") == "1",
        kiosk_printer=_get(store, "hall.kiosk_printer"),
        pad_token=_get(store, "hall.pad_token"),
        voice=_get(store, "hall.voice"),
    )


def save(store: Store, values: dict[str, str]) -> None:
    unknown = set(values) - set(DEFAULTS)
    if unknown:
        raise QueueError(_("未知的叫号设置：{keys}").format(keys=", ".join(unknown)))
    with store.transaction() as db:
        for key, value in values.items():
            settings.put(db, key, value)
        load(store)  # a bad value is refused (and rolled back) with its name
        port = settings.get(db, "hall.port") or "0"
        if not port.isdigit() or int(port) > 65535:
            raise QueueError(_("端口“{port}”无效：应为 0–65535。").format(port=port))


def pad_token(store: Store) -> str:
    """The pairing token of this window's pad, made on first use."""
    token = settings.get(store.db, "hall.pad_token")
    if not token:
        token = new_token()
        with store.transaction() as db:
            settings.put(db, "hall.pad_token", token)
    return token


def make_backend(store: Store, config: HallConfig) -> QueueBackend:
    """The queue this desk uses (store worker: reads the keyring)."""
    local = LocalQueue(store)
    window = settings.get(store.db, "window_code")
    if config.queue_mode == "external":
        return ExternalQueue(config.external_urls, window_code=window)
    url = settings.get(store.db, "server_url")
    desk_id = settings.get(store.db, "desk_id")
    token = load_token(desk_id) if (url and desk_id) else None
    if config.queue_mode == "local" or not token:
        return local
    verify: str | bool = settings.get(store.db, "server_ca_cert") or True
    return FallbackQueue(CentralQueue(url, token=token, verify=verify), local)
