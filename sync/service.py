"""The long-lived sync service: a daemon thread that runs a round on a timer
and on demand, keeps an honest status, and reports by plain callbacks
(``on_event``), called on the service thread. No Qt here; the UI adapts it.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.db import Store
from counter_app.store.outbox import pending_summary
from sync import protocol as p
from sync.engine import EngineConfig, EventSink, SyncEngine, SyncEvent, SyncReport
from sync.runner import SyncBusy, load_credentials, make_transport, sync_lock
from sync.state import get_state, last_success, problem_counts, quarantine_count
from sync.transport import Clock, SyncError, Transport, utc_now
from sync.urls import INSECURE_SETTING

log = logging.getLogger(__name__)

DEFAULT_INTERVAL = 60.0
STATUS_REFRESH = 3.0


@dataclass(frozen=True)
class SyncStatus:
    pending_ops: int = 0
    pending_bytes: int = 0
    last_success: datetime | None = None
    online: bool | None = None  # None: not known yet (or not enrolled)
    running: bool = False
    skew_seconds: float | None = None
    dead_letters: int = 0
    conflicts: int = 0
    quarantined: int = 0  # feed changes not applied yet (sync/quarantine.py)
    message: str = ""
    insecure_http: bool = False  # enrolled with --insecure-http (a lab)

    @property
    def skew_warning(self) -> bool:
        return (
            self.skew_seconds is not None
            and abs(self.skew_seconds) > p.CLOCK_SKEW_WARNING_SECONDS
        )


class SyncService:
    def __init__(
        self,
        data_dir: Path,
        *,
        on_event: EventSink,
        interval: float = DEFAULT_INTERVAL,
        config: EngineConfig | None = None,
        server_url: str | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.on_event = on_event
        self.interval = interval
        self.config = config or EngineConfig()
        self.server_url = server_url
        self.clock = clock
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._transport: Transport | None = None
        self._status = SyncStatus()
        self._batch = self.config.batch_start
        self._chunk = self.config.chunk_bytes
        self.last_report: SyncReport | None = None

    # -- control (any thread) --------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="counter-sync", daemon=True
        )
        self._thread.start()

    def sync_now(self) -> None:
        self._wake.set()

    def cancel(self) -> None:
        """End the running round soon (between requests; a stuck request is
        cut by closing its connection)."""
        self._cancel.set()
        with self._lock:
            transport = self._transport
        if transport is not None:
            transport.close()

    def stop(self, timeout: float = 15.0) -> bool:
        """Stop and wait for the thread; True when it ended in time."""
        self._stop.set()
        self.cancel()
        self._wake.set()
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        ended = not thread.is_alive()
        if ended:
            self._thread = None
        return ended

    def status(self) -> SyncStatus:
        with self._lock:
            return self._status

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the thread ------------------------------------------------------------
    def _run(self) -> None:
        try:
            store = Store.open(self.data_dir)
        except Exception as exc:
            log.exception("sync service cannot open the store")
            self._set(message=str(exc), online=None)
            return
        try:
            self._refresh(store)
            next_round = time.monotonic()  # first round at once
            while not self._stop.is_set():
                wait = max(0.0, min(STATUS_REFRESH, next_round - time.monotonic()))
                woke = self._wake.wait(wait)
                if self._stop.is_set():
                    break
                if woke or time.monotonic() >= next_round:
                    self._wake.clear()
                    delay = self._round(store)
                    next_round = time.monotonic() + delay
                else:
                    self._refresh(store)
        finally:
            store.close()

    def _round(self, store: Store) -> float:
        """Run one round; returns seconds until the next one."""
        self._cancel.clear()
        self._set(running=True)
        delay = self.interval
        report: SyncReport | None = None
        try:
            with sync_lock(self.data_dir, wait=False):
                creds = load_credentials(store, server_url=self.server_url)
                transport = make_transport(
                    creds, timeouts=self.config.timeouts, clock=self.clock
                )
                with self._lock:
                    self._transport = transport
                try:
                    engine = SyncEngine(
                        store,
                        transport,
                        config=self.config,
                        cancel=self._cancel,
                        on_event=self._forward,
                        clock=self.clock,
                    )
                    engine.batch, engine.chunk = self._batch, self._chunk
                    report = engine.run_once()
                    self._batch, self._chunk = engine.batch, engine.chunk
                finally:
                    with self._lock:
                        self._transport = None
                    transport.close()
        except SyncBusy as exc:
            self._set(message=str(exc))
        except SyncError as exc:  # not enrolled, no keyring
            self._set(message=str(exc), online=None)
        except Exception as exc:  # reported, and the service lives on
            log.exception("sync round failed")
            self._set(message=_("同步出错：{error}").format(error=exc))
        self.last_report = report
        if report is not None:
            if report.retry_after:
                delay = max(delay, report.retry_after)
            message = report.error or _("同步完成")
            if report.skew_warning:
                message = _(
                    "本机时钟与中心平台相差约 {minutes} 分钟，请校准时间（同步不受影响）。"
                ).format(minutes=round((report.skew_seconds or 0) / 60))
            self._set(online=report.online, message=message)
        self._set(running=False)
        self._refresh(store)
        return delay

    def _forward(self, event: SyncEvent) -> None:
        report = event.data.get("report")
        if isinstance(report, SyncReport):  # listeners of "finished" see it
            self.last_report = report
        try:
            self.on_event(event)
        except Exception:
            log.exception("sync listener failed")

    def _refresh(self, store: Store) -> None:
        try:
            ops, size = pending_summary(store.db)
            dead, conflicts = problem_counts(store)
            quarantined = quarantine_count(store)
            skew_text = get_state(store.db, "server_skew_seconds")
            skew = float(skew_text) if skew_text else None
            success = last_success(store)
            insecure = settings.get(store.db, INSECURE_SETTING) == "1"
        except Exception:
            log.exception("cannot read the sync status")
            return
        self._set(
            pending_ops=ops,
            pending_bytes=size,
            dead_letters=dead,
            conflicts=conflicts,
            quarantined=quarantined,
            skew_seconds=skew,
            last_success=success,
            insecure_http=insecure,
        )

    def _set(self, **changes: object) -> None:
        with self._lock:
            new = replace(self._status, **changes)  # type: ignore[arg-type]
            changed = new != self._status
            self._status = new
        if changed:
            self._forward(SyncEvent("status", new.message, {"status": new}))


def run_forever(data_dir: Path, *, server_url: str | None = None) -> int:
    """``main.py sync`` without ``--once``: run until Ctrl-C."""
    import sys

    def show(event: SyncEvent) -> None:
        if event.kind in ("finished", "failed", "dead_letter", "conflict", "retry"):
            print(f"[{event.kind}] {event.message}", file=sys.stderr, flush=True)

    service = SyncService(data_dir, on_event=show, server_url=server_url)
    service.start()
    try:
        while service.running:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
    return 0
