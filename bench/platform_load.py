"""Load on the central platform: N desks pushing and pulling on schedule.

    python -m bench.platform_load --desks 600 --backend sqlite --seconds 60
        [--compress 4] [--workers 2] [--ramp 1,2,4] [--batch 20]

Each desk (ten windows a site) pushes a realistic batch every 5 minutes —
new applications, changes with their base version, an evaluation, a print
job and a run of audit events on the desk's hash chain — then pulls to the
end of its feed, which covers its site's other windows. ``--compress F``
runs the 5 minutes F times faster. Arrivals are open-loop (each desk at a
random phase of its period, sent when due whatever the server's latency),
and 10 % of batches are sent twice, as after a lost response. A 429 is
counted and the batch sent again after its Retry-After, as the desk does.

Prints p50/p95/p99/max of push and pull, the 429s, how late the client
itself was (if it lags, the figures are the client's, not the server's),
the server's RSS, and then proves nothing lost or doubled by counting rows
in the platform's database. ``--ramp`` multiplies the rate step by step and
names the last step whose p99s stayed under 250 ms: the saturation point.
The baseline is ``GET /time`` on the same server, measured first.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from central import admin  # noqa: E402
from central.db import open_database  # noqa: E402
from sync import protocol as p  # noqa: E402

PERIOD_S = 300.0
TARGET_MS = 250.0
WINDOWS_PER_SITE = 10


@dataclass
class LoadDesk:
    desk_id: str
    token: str
    site: str
    window: str
    session: requests.Session = field(default_factory=requests.Session)
    apps: list[tuple[str, str, int]] = field(default_factory=list)  # id, no, ver
    seq: int = 0
    prev_hash: str = p.GENESIS_HASH
    cursor: str | None = None
    numbers: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass
class Tally:
    push_ms: list[float] = field(default_factory=list)
    pull_ms: list[float] = field(default_factory=list)
    lag_ms: list[float] = field(default_factory=list)
    pushed_back: int = 0
    results: dict[str, int] = field(default_factory=dict)
    sent_ops: int = 0
    resent_ops: int = 0
    new_apps: int = 0
    events: int = 0
    records: int = 0
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+08:00")


def _op(
    entity: str, entity_id: str, payload: dict[str, Any], base: int | None
) -> dict[str, Any]:
    return {
        "op_id": p.new_op_id(),
        "entity": entity,
        "entity_id": entity_id,
        "base_version": base,
        "payload": payload,
        "created_at": _now_iso(),
    }  # fmt: skip


def _batch(desk: LoadDesk, size: int, tally: Tally) -> list[dict[str, Any]]:
    """About a desk's 5 minutes: 2 intakes, 2 changes, an evaluation, a print
    job, the rest audit events (the bulk of a real batch)."""
    ops: list[dict[str, Any]] = []
    today = time.strftime("%Y%m%d")
    for _ in range(2):
        desk.numbers += 1
        app_id = str(uuid.uuid4())
        number = f"{desk.site}{desk.window}{today}{desk.numbers:04d}"
        payload = {
            "id": app_id, "acceptance_no": number, "status": "submitted",
            "item_code": "XK00001001", "applicant_name": "张𠮷",
            "materials": [{"name": "居民身份证", "received": True}],
        }  # fmt: skip
        ops.append(_op(p.ENTITY_APPLICATION, app_id, payload, None))
        desk.apps.append((app_id, number, 1))
        tally.new_apps += 1
    for index in range(max(0, len(desk.apps) - 4), len(desk.apps) - 2):
        app_id, number, version = desk.apps[index]
        payload = {
            "id": app_id, "acceptance_no": number, "status": "submitted",
            "item_code": "XK00001001", "applicant_name": "张𠮷",
            "phone": f"138{random.randrange(10**8):08d}",
        }  # fmt: skip
        ops.append(_op(p.ENTITY_APPLICATION, app_id, payload, version))
        desk.apps[index] = (app_id, number, version + 1)
    app_id = desk.apps[-1][0]
    for entity in (p.ENTITY_EVALUATION, p.ENTITY_PRINT_JOB):
        payload = {"application_id": app_id, "note": "记录"}
        ops.append(_op(entity, str(uuid.uuid4()), payload, None))
        tally.records += 1
    while len(ops) < size:
        desk.seq += 1
        event = {
            "seq": desk.seq, "at": _now_iso(), "actor": "clerk01",
            "kind": "application.read", "object": f"application:{app_id}",
            "outcome": "success", "application_id": app_id, "detail": "{}",
            "prev_hash": desk.prev_hash,
        }  # fmt: skip
        event["hash"] = desk.prev_hash = p.event_hash(event)
        ops.append(_op(p.ENTITY_EVENT, str(desk.seq), event, None))
        tally.events += 1
    return ops


def _send(
    base: str, desk: LoadDesk, method: str, path: str, tally: Tally, **kw: Any
) -> tuple[requests.Response, float]:
    """One request, sent again after Retry-After on a 429."""
    while True:
        start = time.perf_counter()
        resp = desk.session.request(method, base + path, timeout=120, **kw)
        elapsed = (time.perf_counter() - start) * 1000
        if resp.status_code != 429:
            return resp, elapsed
        with tally.lock:
            tally.pushed_back += 1
        time.sleep(min(float(resp.headers.get("Retry-After", "1")), 5.0))


def _round(base: str, desk: LoadDesk, size: int, resend: bool, tally: Tally) -> None:
    with desk.lock:  # a desk syncs one round at a time, as the engine does
        ops = _batch(desk, size, tally)
        sends = 2 if resend else 1
        for attempt in range(sends):
            resp, ms = _send(base, desk, "POST", p.PATH_OPS, tally, json={"ops": ops})
            if resp.status_code != 200:
                tally.errors.append(f"push {resp.status_code}: {resp.text[:200]}")
                return
            with tally.lock:
                tally.push_ms.append(ms)
                tally.sent_ops += len(ops) if attempt == 0 else 0
                tally.resent_ops += len(ops) if attempt else 0
                for result in resp.json()["results"]:
                    key = result["result"]
                    tally.results[key] = tally.results.get(key, 0) + 1
                    if key == "rejected" and len(tally.errors) < 5:
                        tally.errors.append(f"rejected: {result.get('reason')}")
        _pull(base, desk, tally)


def _pull(base: str, desk: LoadDesk, tally: Tally | None) -> None:
    while True:
        params: dict[str, Any] = {"limit": 500}
        if desk.cursor is not None:
            params["since"] = desk.cursor
        sink = tally or Tally()
        resp, ms = _send(base, desk, "GET", p.PATH_CHANGES, sink, params=params)
        if resp.status_code != 200:
            sink.errors.append(f"pull {resp.status_code}: {resp.text[:200]}")
            return
        body = resp.json()
        if tally is not None:
            with tally.lock:
                tally.pull_ms.append(ms)
        desk.cursor = body["cursor"]
        if not body["more"]:
            return


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _rss_mb(pid: int) -> float:
    """RSS of a process and its children (uvicorn workers)."""
    total = 0
    pids = {pid}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.add(int(stat.parent.name))
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _make_desks(
    db_args: dict[str, str | None], count: int
) -> list[tuple[str, str, str, str]]:
    """Register and enroll desks straight in the database (minutes saved at
    3,000 desks; enrollment over HTTP is not what is measured)."""
    db = open_database(**db_args)  # type: ignore[arg-type]
    out = []
    try:
        for index in range(count):
            site = f"3201{index // WINDOWS_PER_SITE:05d}"
            window = f"{index % WINDOWS_PER_SITE + 1:02d}"
            new = admin.create_desk(db, site_code=site, window_code=window, name="窗口")
            enrolled = admin.enroll(db, code=new.enrollment_code, desk_name=None)
            out.append((enrolled["desk_id"], enrolled["token"], site, window))
    finally:
        db.close()
    return out  # fmt: skip


def _serve(
    db_args: list[str], workdir: Path, workers: int, port: int
) -> subprocess.Popen[bytes]:
    log = (workdir / "central.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "central", "serve", *db_args, "--port", str(port),
         "--blobs-dir", str(workdir / "blobs"), "--workers", str(workers),
         "--limit-desk", "0", "--limit-enroll", "0", "--limit-status", "0"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit((workdir / "central.log").read_text(errors="replace"))
        try:
            if requests.get(f"http://127.0.0.1:{port}{p.PATH_TIME}", timeout=2).ok:
                return proc
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("central did not answer within 60 s")


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _step(
    base: str,
    desks: list[LoadDesk],
    rate_factor: float,
    args: argparse.Namespace,
    pid: int,
) -> Tally:
    period = PERIOD_S / (args.compress * rate_factor)
    tally = Tally()
    rng = random.Random(7)
    start = time.monotonic() + 0.5
    end = start + args.seconds
    due = sorted((start + rng.uniform(0, period), i) for i in range(len(desks)))
    arrivals: list[tuple[float, int]] = []
    for first, index in due:
        at = first
        while at < end:
            arrivals.append((at, index))
            at += period
    arrivals.sort()
    rss = [0.0]
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.5):
            rss[0] = max(rss[0], _rss_mb(pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(max_workers=args.clients) as pool:
        futures = []
        for at, index in arrivals:
            delay = at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            resend = rng.random() < args.resend

            def job(
                at: float = at, desk: LoadDesk = desks[index], r: bool = resend
            ) -> None:
                with tally.lock:
                    tally.lag_ms.append((time.monotonic() - at) * 1000)
                _round(base, desk, args.batch, r, tally)

            futures.append(pool.submit(job))
        for future in futures:
            future.result()
    stop.set()
    watcher.join()
    rss[0] = max(rss[0], _rss_mb(pid))
    rate = len(desks) / period
    print(f"== {len(desks):,} desks, {args.backend}, {args.workers} worker(s),"
          f" ×{args.compress * rate_factor:g}: {rate:.1f} batches/s for {args.seconds:g} s ==")  # fmt: skip
    for name, values in (("push", tally.push_ms), ("pull", tally.pull_ms)):
        print(f"  {name} n={len(values):,}  p50 {_pct(values, 0.5):.1f} ms"
              f"  p95 {_pct(values, 0.95):.1f} ms  p99 {_pct(values, 0.99):.1f} ms"
              f"  max {max(values, default=float('nan')):.1f} ms")  # fmt: skip
    print(f"  429 pushed back: {tally.pushed_back:,}   client lag p99:"
          f" {_pct(tally.lag_ms, 0.99):.1f} ms   server RSS max: {rss[0]:.0f} MB")  # fmt: skip
    for error in tally.errors[:5]:
        print(f"  ERROR {error}")
    return tally


def _count(db_args: dict[str, str | None]) -> dict[str, int]:
    db = open_database(**db_args)  # type: ignore[arg-type]
    try:
        with db.transaction() as conn:
            counts = {}
            for table in ("ops", "applications", "audit_events", "records"):
                row = conn.one(f"SELECT COUNT(*) AS n FROM {table}", ())
                counts[table] = int(row["n"]) if row else 0
            return counts
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--desks", type=int, default=600)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--compress", type=float, default=4.0)
    parser.add_argument("--ramp", default="1", help="rate factors, e.g. 1,2,4")
    parser.add_argument(
        "--workers", type=int, default=2, help="server workers (PostgreSQL)"
    )
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--resend", type=float, default=0.1)
    parser.add_argument("--clients", type=int, default=64, help="client threads")
    parser.add_argument(
        "--max-concurrent", type=int, help="the server's limit (default: its own)"
    )
    args = parser.parse_args(argv)
    if args.backend == "sqlite":
        args.workers = 1
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        if args.backend == "postgresql":
            from tests.central_fixtures import start_postgres

            try:
                cluster = stack.enter_context(start_postgres())
            except RuntimeError as exc:
                print(f"skipped: PostgreSQL cannot start here: {exc}")
                return 0
            url = cluster.new_database()
            db_kw: dict[str, str | None] = {"db_path": None, "database_url": url}
            serve_args = ["--database-url", url]
        else:
            path = str(workdir / "central.db")
            db_kw = {"db_path": path, "database_url": None}
            serve_args = ["--db", path]
        started = time.perf_counter()
        made = _make_desks(db_kw, args.desks)
        print(
            f"  ({args.desks:,} desks registered in {time.perf_counter() - started:.1f} s)"
        )
        port = _free_port()
        if args.max_concurrent is not None:
            serve_args += ["--max-concurrent", str(args.max_concurrent)]
        proc = _serve(serve_args, workdir, args.workers, port)
        stack.callback(proc.wait, 30)
        stack.callback(proc.terminate)
        base = f"http://127.0.0.1:{port}"
        desks = [LoadDesk(d, t, s, w) for d, t, s, w in made]
        for desk in desks:
            desk.session.headers["Authorization"] = f"Bearer {desk.token}"
        times = []
        for _ in range(50):
            start = time.perf_counter()
            requests.get(base + p.PATH_TIME, timeout=10)
            times.append((time.perf_counter() - start) * 1000)
        print(f"  baseline: GET /time median {statistics.median(times):.2f} ms")
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(lambda d: _pull(base, d, None), desks))
        knee: float | None = None
        reached = False
        first: Tally | None = None
        sent = resent = apps = events = records = 0
        for factor in (float(f) for f in args.ramp.split(",")):
            tally = _step(base, desks, factor, args, proc.pid)
            first = first or tally
            sent += tally.sent_ops
            resent += tally.resent_ops
            apps, events = apps + tally.new_apps, events + tally.events
            records += tally.records
            p99 = max(_pct(tally.push_ms, 0.99), _pct(tally.pull_ms, 0.99))
            if p99 >= TARGET_MS or tally.errors or tally.pushed_back:
                reached = True
                break
            knee = args.compress * factor
        proc.terminate()
        proc.wait(30)
        counts = _count(db_kw)  # only this run's desks are in the database
        ok = counts["ops"] == sent and counts["applications"] == apps
        ok = ok and counts["audit_events"] == events and counts["records"] == records
        print(f"  check: {sent:,} ops sent, {resent:,} sent again; platform rows:"
              f" ops {counts['ops']:,}/{sent:,}, applications {counts['applications']:,}/{apps:,},"
              f" events {counts['audit_events']:,}/{events:,}, records {counts['records']:,}/{records:,}"
              f" — {'nothing lost or doubled' if ok else 'MISMATCH'}")  # fmt: skip
        assert first is not None
        print(f"{args.desks:,} desks at ×{args.compress:g}: push p99"
              f" {_pct(first.push_ms, 0.99):.1f} ms, pull p99 {_pct(first.pull_ms, 0.99):.1f} ms"
              f" (target < {TARGET_MS:.0f} ms)")  # fmt: skip
        if knee is None:
            print("saturation: already past it at the first step")
        elif reached:
            rate = args.desks / (PERIOD_S / knee)
            print(f"saturation: after ×{knee:g} ({rate:.1f} batches/s), the last step"
                  f" with p99 < {TARGET_MS:.0f} ms and no 429")  # fmt: skip
        else:
            print(f"saturation: not reached (×{knee:g} still under {TARGET_MS:.0f} ms)")
        return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
