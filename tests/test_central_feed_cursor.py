"""The cursor contract (sync/protocol.py ``CURSOR_CONTRACT``) under
concurrent writers: PostgreSQL behind several workers, desks pushing
batches while a reader of the same site pulls in small pages. Nothing
committed is ever skipped, and the incremental feed never repeats a seq.
Also: an overloaded worker answers 429 with Retry-After."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from sync import protocol as p
from tests.central_fixtures import (  # noqa: F401
    CentralServer,
    DeskClient,
    PostgresCluster,
    postgres_cluster,
    start_central,
)
from tests.test_central_sync import app_op

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WRITERS = 4
BATCHES = 12
BATCH = 5


@pytest.fixture
def pg_server(
    postgres_cluster: PostgresCluster,  # noqa: F811
    tmp_path: Path,
) -> Iterator[CentralServer]:
    url = postgres_cluster.new_database()
    with start_central(tmp_path, database_url=url, extra=("--workers", "3")) as srv:
        yield srv


def _write(desk: DeskClient, ids: list[str]) -> None:
    for _ in range(BATCHES):
        batch = []
        for _ in range(BATCH):
            app_id = str(uuid.uuid4())
            batch.append(app_op(app_id, number=desk.new_number()))
            ids.append(app_id)
        results = desk.push(*batch)
        assert {r["result"] for r in results} == {"applied"}


def test_no_change_is_skipped_or_repeated_under_concurrent_writers(
    pg_server: CentralServer,
) -> None:
    site = "S" + uuid.uuid4().hex[:8].upper()
    reader = pg_server.new_desk(site=site, window="W00")
    writers = [pg_server.new_desk(site=site, window=f"W{i:02d}") for i in (1, 2, 3, 4)]
    _, cursor = reader.pull_all()  # snapshot of an empty site
    written: list[list[str]] = [[] for _ in writers]
    seen: list[dict[str, Any]] = []
    done = threading.Event()

    def read() -> None:
        nonlocal cursor
        while True:
            finished = done.is_set()  # drain once more after the writers
            while True:
                page = reader.changes(cursor, limit=7)
                assert page["resnapshot"] is False
                seen.extend(page["changes"])
                cursor = page["cursor"]
                if not page["more"]:
                    break
            if finished:
                return

    with ThreadPoolExecutor(WRITERS + 1) as pool:
        pulled = pool.submit(read)
        pushes = [
            pool.submit(_write, desk, ids)
            for desk, ids in zip(writers, written, strict=True)
        ]
        try:
            for push in pushes:
                push.result()
        finally:  # a failed writer is reported, not waited on by the reader
            done.set()
        pulled.result()

    seqs = [c["seq"] for c in seen]
    assert seqs == sorted(set(seqs)), "a seq came twice or out of order"
    got = {
        c["body"]["application_id"]
        for c in seen
        if c["kind"] == p.CHANGE_SITE_APPLICATION
    }
    expected = {app_id for ids in written for app_id in ids}
    assert len(expected) == WRITERS * BATCHES * BATCH
    assert got == expected
    # One transaction per batch, its feed rows written together at commit:
    # a batch's rows have consecutive seqs, whatever the other writers did.
    seq_of = {
        c["body"]["application_id"]: c["seq"]
        for c in seen
        if c["kind"] == p.CHANGE_SITE_APPLICATION
    }
    for ids in written:
        for start in range(0, len(ids), BATCH):
            seqs_of_batch = sorted(seq_of[i] for i in ids[start : start + BATCH])
            assert seqs_of_batch[-1] - seqs_of_batch[0] == BATCH - 1
    pushes_seen = {
        c["body"]["desk_id"] for c in seen if c["kind"] == p.CHANGE_WINDOW_PUSH
    }
    assert pushes_seen == {w.desk_id for w in writers}


def test_an_overloaded_worker_answers_429_with_retry_after(tmp_path: Path) -> None:
    with start_central(tmp_path, extra=("--max-concurrent", "1")) as srv:
        desk = srv.new_desk()
        for _ in range(BATCHES):
            desk.push(app_op(str(uuid.uuid4()), number=desk.new_number()))
        barrier = threading.Barrier(8)

        def pull(_: int) -> requests.Response:
            session = requests.Session()
            session.headers["Authorization"] = f"Bearer {desk.token}"
            barrier.wait()
            return session.get(srv.base_url + p.PATH_CHANGES, timeout=30)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(pull, range(8)))
        codes = sorted(r.status_code for r in answers)
        assert 200 in codes and 429 in codes, codes
        busy = next(r for r in answers if r.status_code == 429)
        assert int(busy.headers["Retry-After"]) >= 1
        assert busy.json()["error"] == p.ERROR_RATE_LIMITED
        assert set(codes) == {200, 429}


def test_a_slow_commit_is_not_skipped_by_a_reader_in_between(
    postgres_cluster: PostgresCluster,  # noqa: F811
) -> None:
    """Writers hold their feed rows uncommitted for a while (as a loaded
    server might); readers in between must wait for them, not jump past."""
    import random
    import time

    from central import feed
    from central.db import Database

    db = Database(url=postgres_cluster.new_database(), pool_size=8)
    db.create_schema()
    desk = feed.Desk(id="reader", site_code="S1", window_code="W0", name="r")
    written: list[str] = []
    seen: list[dict[str, Any]] = []
    done = threading.Event()

    def write(n: int) -> None:
        rng = random.Random(n)
        for i in range(15):
            with db.transaction() as conn:
                entity = f"w{n}-{i}"
                feed.emit(
                    conn, p.CHANGE_USER, {"n": entity}, entity_id=entity, site_code="S1"
                )
                conn.flush_changes()  # seq taken, not yet committed
                time.sleep(rng.uniform(0, 0.02))
            written.append(entity)

    def read() -> None:
        cursor = feed.read_changes(db, desk, since=None, limit=50)["cursor"]
        while True:
            finished = done.is_set()
            page = feed.read_changes(db, desk, since=cursor, limit=3)
            seen.extend(page["changes"])
            cursor = page["cursor"]
            if finished and not page["more"]:
                return

    try:
        with ThreadPoolExecutor(5) as pool:
            reader = pool.submit(read)
            for future in [pool.submit(write, n) for n in range(4)]:
                future.result()
            done.set()
            reader.result()
    finally:
        db.close()
    assert sorted(c["body"]["n"] for c in seen) == sorted(written)


def test_a_snapshot_pages_through_application_ids_over_http(tmp_path: Path) -> None:
    """Snapshot cursors carry an application's id (a UUID): they must pass
    the request's bounds."""
    with start_central(tmp_path) as srv:
        site = "S" + uuid.uuid4().hex[:8].upper()
        writer = srv.new_desk(site=site, window="W01")
        ids = {str(uuid.uuid4()) for _ in range(3)}
        writer.push(*(app_op(i, number=writer.new_number()) for i in ids))
        reader = srv.new_desk(site=site, window="W02")
        cursor, got = None, set()
        while True:
            page = reader.changes(cursor, limit=1)
            got |= {
                c["body"]["application_id"]
                for c in page["changes"]
                if c["kind"] == p.CHANGE_SITE_APPLICATION
            }
            cursor = page["cursor"]
            if not page["more"]:
                break
        assert got == ids
