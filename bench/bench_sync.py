"""Sync benchmark: push a day's worth of applications with their scans to a
real central server, through the fault proxy (which counts every byte).

    .venv/bin/python bench/bench_sync.py [--applications 2000] [--scan-mb 200]
        [--throttled-applications 200] [--throttled-mb 8] [--rate-kb 256]

1. Loopback: N applications and their scans; halfway through the scans the
   proxy cuts the connection once in the middle of a chunk.
2. A throttled link (default 256 KB/s), scaled down (default 200
   applications, 8 MB of scans) so it finishes in under a minute.

Prints: bytes on the wire / payload bytes (target ≤ 1.1; payload = scan
bytes + op JSON), bytes re-sent after the cut (target ≤ one chunk), and the
time to converge.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_TMP = Path(tempfile.mkdtemp(prefix="bench-sync-"))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
# a throw-away token in a temporary directory: opt in like the tests do
os.environ["COUNTER_TEST_KEYRING"] = "1"
os.environ["XDG_DATA_HOME"] = str(_TMP / "keyring")

from counter_app.store.db import Store  # noqa: E402
from counter_app.store.outbox import payload_text  # noqa: E402
from sync.blobs import DEFAULT_CHUNK_BYTES  # noqa: E402
from sync.engine import EngineConfig  # noqa: E402
from sync.runner import sync_once  # noqa: E402
from tests.central_fixtures import CentralServer, start_central  # noqa: E402
from tests.faultproxy import FaultProxy  # noqa: E402
from tests.sync_fixtures import attach_blob, local_applications, make_desk  # noqa: E402

MB = 1024 * 1024


def _prepare(
    server: CentralServer,
    data_dir: Path,
    url: str,
    apps: int,
    scan_bytes: int,
    site: str,
    seed_base: int = 0,
) -> tuple[list[str], int]:
    started = time.perf_counter()
    desk = make_desk(
        server,
        data_dir,
        server_url=url,
        applications=apps,
        site=site,
    )
    shas: list[str] = []
    with Store.open(desk.data_dir) as store:
        ids = local_applications(store)
        per_scan = 512 * 1024
        count = max(1, scan_bytes // per_scan)
        for n in range(count):
            shas.append(
                attach_blob(store, ids[n % len(ids)], per_scan, seed=seed_base + n)
            )
        payload = sum(
            len(payload_text(r[0]).encode("utf-8"))
            for r in store.db.execute("SELECT payload FROM outbox")
        )
    print(
        f"  prepared {apps} applications, {len(shas)} scans "
        f"({len(shas) * per_scan / MB:.0f} MB) in {time.perf_counter() - started:.1f} s"
    )
    return shas, payload + len(shas) * per_scan


def _run(
    label: str,
    proxy: FaultProxy,
    data_dir: Path,
    payload: int,
    shas: list[str] | None = None,
) -> None:
    before_up, before_down = proxy.stats.bytes_up, proxy.stats.bytes_down
    started = time.perf_counter()
    report = sync_once(data_dir, config=EngineConfig())
    seconds = time.perf_counter() - started
    wire = proxy.stats.bytes_up - before_up + proxy.stats.bytes_down - before_down
    print(f"{label}:")
    print(
        f"  converged: {report.clean} (acked {report.acked}, "
        f"left {report.remaining_ops}, error {report.error or '-'})"
    )
    print(f"  time to converge: {seconds:.1f} s")
    print(
        f"  payload {payload / MB:.1f} MB, on the wire {wire / MB:.1f} MB, "
        f"ratio {wire / payload:.3f} (target <= 1.1)"
    )
    if shas is not None and proxy.stats.cuts:
        sizes = {sha: 512 * 1024 for sha in shas}
        resent = sum(
            max(0, proxy.stats.blob_put_bytes[sha] - size)
            for sha, size in sizes.items()
        )
        print(
            f"  cuts: {proxy.stats.cuts}; scan bytes re-sent after the cut: "
            f"{resent} (one chunk = {DEFAULT_CHUNK_BYTES}; target <= one chunk)"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--applications", type=int, default=2000)
    parser.add_argument("--scan-mb", type=int, default=200)
    parser.add_argument("--throttled-applications", type=int, default=200)
    parser.add_argument("--throttled-mb", type=int, default=8)
    parser.add_argument("--rate-kb", type=int, default=256)
    args = parser.parse_args()
    with start_central(_TMP / "central") as server:
        port = int(server.base_url.rsplit(":", 1)[1])
        with FaultProxy(port) as proxy:
            print("loopback (through the counting proxy, one cut mid-upload):")
            shas, payload = _prepare(
                server,
                _TMP / "desk-a",
                proxy.url,
                args.applications,
                args.scan_mb * MB,
                "B00001",
            )
            # Cut once, halfway through the scans and inside a chunk.
            proxy.cut_after(args.scan_mb * MB // 2 + 12_345)
            _run("loopback", proxy, _TMP / "desk-a", payload, shas)
        with FaultProxy(port) as slow:
            print(
                f"throttled {args.rate_kb} KB/s (scaled down: "
                f"{args.throttled_applications} applications, "
                f"{args.throttled_mb} MB of scans):"
            )
            _, payload = _prepare(
                server,
                _TMP / "desk-b",
                slow.url,
                args.throttled_applications,
                args.throttled_mb * MB,
                "B00002",
                seed_base=10**6,
            )
            slow.throttle(args.rate_kb * 1024)
            _run(f"throttled {args.rate_kb} KB/s", slow, _TMP / "desk-b", payload)
    shutil.rmtree(_TMP, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
