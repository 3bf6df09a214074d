"""Background operations for the UI: the one mechanism every widget uses.

``run_op(fn, success=..., failure=...)`` runs ``fn`` on the store's worker
thread and delivers the result (or the exception) on the main thread. Store
work is serial — one worker, one writer — so two clicks never interleave two
transactions. An op never touches a widget; it gets plain arguments and
returns plain data.

``run_io(fn, ...)`` is the same for work that does not touch the store
(rendering a PDF, a network call) and may run beside store work.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)


class _Relay(QObject):
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, fn: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.fn = fn
        self.relay = relay
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = self.fn()
        except BaseException as exc:  # routed to the failure path, never lost
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self.relay.failed.emit(exc)
            return
        self.relay.done.emit(result)


class TaskRunner(QObject):
    """Owns the worker pools; ``wait()`` on quit so no write is cut in half."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store_pool = QThreadPool(self)
        self.store_pool.setMaxThreadCount(1)
        self.io_pool = QThreadPool(self)
        self.io_pool.setMaxThreadCount(2)
        self._relays: set[_Relay] = set()
        self.default_failure: Callable[[BaseException], None] = _log_failure

    def run_op(
        self,
        fn: Callable[[], Any],
        *,
        success: Callable[[Any], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._start(self.store_pool, fn, success, failure)

    def run_io(
        self,
        fn: Callable[[], Any],
        *,
        success: Callable[[Any], None] | None = None,
        failure: Callable[[BaseException], None] | None = None,
    ) -> None:
        self._start(self.io_pool, fn, success, failure)

    def _start(
        self,
        pool: QThreadPool,
        fn: Callable[[], Any],
        success: Callable[[Any], None] | None,
        failure: Callable[[BaseException], None] | None,
    ) -> None:
        relay = _Relay()
        self._relays.add(relay)

        @Slot(object)
        def on_done(result: Any) -> None:
            self._relays.discard(relay)
            if success is not None:
                success(result)

        @Slot(object)
        def on_failed(exc: BaseException) -> None:
            self._relays.discard(relay)
            (failure or self.default_failure)(exc)

        relay.done.connect(on_done)
        relay.failed.connect(on_failed)
        pool.start(_Job(fn, relay))

    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = 30_000) -> bool:
        ok = self.store_pool.waitForDone(msecs)
        return self.io_pool.waitForDone(msecs) and ok


def _log_failure(exc: BaseException) -> None:
    log.error(
        "background operation failed: %s\n%s",
        exc,
        getattr(exc, "__traceback_text__", ""),
    )
