"""Event-loop lateness while the sync service pushes a day's work.

    .venv/bin/python bench/bench_sync_ui.py [--applications 500] [--scan-mb 50]
        [--idle-seconds 3] [--slow-applications 100] [--slow-mb 8] [--rate-kb 1024]

A local central server (subprocess); a desk with N applications and their
scans (512 KB each); the real UI path — :class:`SyncService` on its thread,
its events carried to the main thread by ``ServiceSyncStatusProvider`` and
shown by the status bar's ``SyncStatusWidget`` (offscreen). A 10 ms QTimer
on the main thread measures how late each tick fires:

1. baseline: the same window, no sync, ``--idle-seconds``;
2. while the service pushes everything over loopback (until nothing is
   pending) — the busiest the sync thread gets;
3. a slower link, longer exposure: a second desk (``--slow-applications``,
   ``--slow-mb``) through the fault proxy throttled to ``--rate-kb``. The
   proxy's threads share this process's GIL, so this figure is pessimistic.

Prints median / p99 / max lateness for each (target: max < 50 ms during
sync), the sync's duration and throughput.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TMP = Path(tempfile.mkdtemp(prefix="bench-sync-ui-"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
# a throw-away token in a temporary directory: opt in like the tests do
os.environ["COUNTER_TEST_KEYRING"] = "1"
os.environ["XDG_DATA_HOME"] = str(_TMP / "keyring")

from collections.abc import Callable  # noqa: E402

from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMainWindow  # noqa: E402

from counter_app.store.db import Store  # noqa: E402
from counter_app.ui.statusbar import SyncStatusWidget  # noqa: E402
from counter_app.ui.sync_status import ServiceSyncStatusProvider  # noqa: E402
from tests.central_fixtures import CentralServer, start_central  # noqa: E402
from tests.faultproxy import FaultProxy  # noqa: E402
from tests.sync_fixtures import attach_blob, local_applications, make_desk  # noqa: E402

MB = 1024 * 1024
SCAN_BYTES = 512 * 1024
TICK_MS = 10


class LatenessProbe:
    """A 10 ms timer on the main thread; records how late each tick is."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.late_ms: list[float] = []
        self._last = 0

    def start(self) -> None:
        self.late_ms = []
        self.clock.start()
        self._last = self.clock.nsecsElapsed()
        self.timer.start()

    def stop(self) -> list[float]:
        self.timer.stop()
        return self.late_ms

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed()
        self.late_ms.append(max(0.0, (now - self._last) / 1e6 - TICK_MS))
        self._last = now


def summary(label: str, late: list[float], seconds: float) -> str:
    ordered = sorted(late)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{label}: {len(late)} ticks in {seconds:.1f} s; lateness median "
        f"{statistics.median(late):5.1f} ms, p99 {p99:5.1f} ms, "
        f"max {ordered[-1]:5.1f} ms"
    )


def run_loop(until: Callable[[], bool], *, timeout: float) -> bool:
    """Run the Qt event loop (as ``app.exec()`` does) until ``until()`` is
    true, checked every 50 ms, or ``timeout`` seconds pass."""
    loop = QEventLoop()
    check = QTimer()
    check.setInterval(50)
    met = [False]

    def poll() -> None:
        if until():
            met[0] = True
            loop.quit()

    check.timeout.connect(poll)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    check.start()
    loop.exec()
    check.stop()
    return met[0]


def prepare(
    server: CentralServer,
    apps: int,
    scan_bytes: int,
    *,
    name: str = "desk",
    url: str | None = None,
    seed: int = 0,
) -> Path:
    started = time.perf_counter()
    desk = make_desk(
        server,
        _TMP / name,
        server_url=url,
        applications=apps,
        site="U" + str(seed).zfill(5)[-5:],
        seed=7 + seed,
    )
    with Store.open(desk.data_dir) as store:
        ids = local_applications(store)
        count = max(1, scan_bytes // SCAN_BYTES)
        for n in range(count):
            attach_blob(store, ids[n % len(ids)], SCAN_BYTES, seed=seed * 10**6 + n)
        ops = store.db.execute(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending'"
        ).fetchone()[0]
    print(
        f"prepared {apps} applications ({ops} pending ops), {count} scans "
        f"({count * SCAN_BYTES / MB:.0f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return desk.data_dir


def sync_phase(
    label: str,
    provider: ServiceSyncStatusProvider,
    probe: LatenessProbe,
    scan_mb: int,
    timeout: float,
) -> list[float]:
    """Start the provider's service and run the loop until it has sent
    everything; prints the lateness and the sync's figures."""
    updates = [0]
    provider.changed.connect(lambda: updates.__setitem__(0, updates[0] + 1))

    def converged() -> bool:
        st = provider.status()
        return (
            st.last_success is not None
            and not st.running
            and st.pending_ops == 0
            and st.pending_bytes == 0
        )

    probe.start()
    started = time.perf_counter()
    provider.service.start()
    done = run_loop(converged, timeout=timeout)
    seconds = time.perf_counter() - started
    late = probe.stop()
    provider.stop()
    report = provider.service.last_report
    print(summary(label, late, seconds))
    print(
        f"  sync {'converged' if done else 'DID NOT converge'} in {seconds:.1f} s"
        f" ({scan_mb / seconds:.1f} MB/s of scans); "
        f"status updates on the main thread: {updates[0]}; "
        f"acked {report.acked if report else '?'}, "
        f"blobs {report.blobs_uploaded if report else '?'}; "
        f"{sum(x > 16 for x in late)} ticks > 16 ms"
    )
    return late


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=500)
    parser.add_argument("--scan-mb", type=int, default=50)
    parser.add_argument("--idle-seconds", type=float, default=3.0)
    parser.add_argument("--slow-applications", type=int, default=100)
    parser.add_argument("--slow-mb", type=int, default=8)
    parser.add_argument("--rate-kb", type=int, default=1024)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args()

    qt_app = QApplication.instance() or QApplication(sys.argv[:1])
    with contextlib.ExitStack() as stack:
        stack.callback(shutil.rmtree, _TMP, ignore_errors=True)
        server = stack.enter_context(start_central(_TMP / "central"))
        data_dir = prepare(server, args.applications, args.scan_mb * MB)
        window = QMainWindow()
        window.resize(1000, 600)
        probe = LatenessProbe()

        # 1. baseline: the window with a status widget, nothing syncing.
        provider = ServiceSyncStatusProvider(data_dir, interval=3600, start=False)
        stack.callback(provider.stop)
        status = SyncStatusWidget(provider)
        window.statusBar().addPermanentWidget(status)
        window.show()
        qt_app.processEvents()
        probe.start()
        run_loop(lambda: False, timeout=args.idle_seconds)
        print(summary("baseline, idle", probe.stop(), args.idle_seconds))

        # 2. the service pushes everything while the loop runs as in the app.
        lates = [
            sync_phase(
                "during sync, loopback", provider, probe, args.scan_mb, args.timeout
            )
        ]

        # 3. a second desk behind a throttled link.
        port = int(server.base_url.rsplit(":", 1)[1])
        proxy = stack.enter_context(FaultProxy(port))
        slow_dir = prepare(
            server,
            args.slow_applications,
            args.slow_mb * MB,
            name="desk-slow",
            url=proxy.url,
            seed=1,
        )
        proxy.throttle(args.rate_kb * 1024)
        slow = ServiceSyncStatusProvider(slow_dir, interval=3600, start=False)
        stack.callback(slow.stop)
        status.provider.changed.disconnect(status.update_texts)
        status.provider = slow
        slow.changed.connect(status.update_texts)
        lates.append(
            sync_phase(
                f"during sync, {args.rate_kb} KB/s link",
                slow,
                probe,
                args.slow_mb,
                args.timeout,
            )
        )
        worst = max(max(late) for late in lates)
        print(
            f"target max < 50 ms while syncing: {'met' if worst < 50 else 'NOT met'}"
            f" (worst {worst:.1f} ms)"
        )
        window.close()
        # Qt objects go before the interpreter does (else PySide may crash
        # collecting them during finalisation).
        for obj in (probe.timer, status, window, provider, slow):
            obj.deleteLater()
        qt_app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
