"""A whole sync round from a data dir: the per-dir lock, the desk's
credentials, its own store connection, one engine round."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.db import Store
from sync.engine import EngineConfig, EventSink, SyncEngine, SyncReport
from sync.transport import Clock, SyncError, Timeouts, Transport, utc_now
from sync.urls import INSECURE_SETTING, check_platform_url

LOCK_FILENAME = "sync.lock"


class SyncBusy(SyncError):
    """Another sync holds this data dir's lock."""


class NotEnrolled(SyncError):
    pass


@contextlib.contextmanager
def sync_lock(data_dir: Path, *, wait: bool = False) -> Iterator[None]:
    """Exclusive per data dir; raises :class:`SyncBusy` unless ``wait``."""
    import fcntl

    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(data_dir / LOCK_FILENAME, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise SyncBusy(
                _("另一个同步正在进行（数据目录 {path}），请稍后再试。").format(
                    path=data_dir
                )
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock


@dataclass(frozen=True)
class Credentials:
    server_url: str
    desk_id: str
    token: str
    ca_cert: str


def load_credentials(store: Store, *, server_url: str | None = None) -> Credentials:
    from sync.credentials import load_token

    desk_id = settings.get(store.db, "desk_id")
    url = server_url or settings.get(store.db, "server_url")
    if not desk_id or not url:
        raise NotEnrolled(
            _(
                "本终端尚未注册到中心平台。请由负责人运行 “main.py enroll --server 地址 "
                "--code 注册码” 完成注册。"
            )
        )
    check_platform_url(
        url, insecure_http=settings.get(store.db, INSECURE_SETTING) == "1"
    )
    token = load_token(desk_id)
    if not token:
        raise NotEnrolled(
            _("系统密钥环中没有本终端（{desk}）的令牌，请重新注册终端。").format(
                desk=desk_id
            )
        )
    return Credentials(url, desk_id, token, settings.get(store.db, "server_ca_cert"))


def make_transport(
    creds: Credentials, *, timeouts: Timeouts | None = None, clock: Clock = utc_now
) -> Transport:
    verify: bool | str = creds.ca_cert or True
    return Transport(
        creds.server_url,
        token=creds.token,
        verify=verify,
        timeouts=timeouts,
        clock=clock,
    )


def sync_once(
    data_dir: Path,
    *,
    server_url: str | None = None,
    wait: bool = False,
    config: EngineConfig | None = None,
    on_event: EventSink | None = None,
    cancel: threading.Event | None = None,
    clock: Clock = utc_now,
) -> SyncReport:
    """Lock the data dir, open a store of our own and run one round."""
    config = config or EngineConfig()
    with sync_lock(data_dir, wait=wait), Store.open(data_dir) as store:
        creds = load_credentials(store, server_url=server_url)
        transport = make_transport(creds, timeouts=config.timeouts, clock=clock)
        try:
            engine = SyncEngine(
                store,
                transport,
                config=config,
                cancel=cancel,
                on_event=on_event,
                clock=clock,
            )
            # The engine compacts acknowledged ops at the end of the round.
            return engine.run_once()
        finally:
            transport.close()
