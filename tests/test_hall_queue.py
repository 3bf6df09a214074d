"""排队叫号: the desk's own queue, the platform's (a real central server),
the fallback between them, a center's own queue system, and the ticket
stored with the application it served."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests

from counter_app import clock
from counter_app.domain.hall import (
    LOCAL_FIRST_SEQ,
    QueueError,
    parse_types,
    seconds_between,
    ticket_number,
)
from counter_app.hall import config as hall_config
from counter_app.hall.local_queue import LocalQueue
from counter_app.hall.remote import CentralQueue, ExternalQueue, FallbackQueue
from counter_app.hall.service import link_ticket, ticket_of
from counter_app.hall.tickets import (
    SOURCE_CENTRAL,
    SOURCE_LOCAL,
    QueueUnavailable,
)
from counter_app.services import statistics
from counter_app.services.context import DeskContext
from counter_app.services.daily_log import LogFilter, daily_log
from counter_app.services.statistics import StatsFilter
from counter_app.store.db import Store
from counter_app.ui.supervisor.stats_view import queue_summary
from sync import protocol as p
from tests.central_fixtures import (
    CentralServer,
    PostgresCluster,
    central_server,  # noqa: F401 - pytest fixture
    free_port,
    postgres_cluster,  # noqa: F401 - pytest fixture
    start_central,
)
from tests.faultproxy import FaultProxy
from tests.hall_fixtures import accept_one, vendor_queue


def test_types_and_numbers() -> None:
    assert parse_types("a, B，c a") == ["A", "B", "C"]
    assert ticket_number("A", 1) == "A001"
    assert ticket_number("D", 999) == "D999"
    with pytest.raises(QueueError, match="已发完"):
        ticket_number("A", 1000)
    with pytest.raises(QueueError, match="业务类型"):
        parse_types("AB")
    assert (
        seconds_between("2026-11-25T09:00:00+08:00", "2026-11-25T01:05:30+00:00") == 330
    )
    assert (
        seconds_between("2026-11-25T09:10:00+08:00", "2026-11-25T09:00:00+08:00")
        is None
    )
    assert seconds_between("", "2026-11-25T09:00:00+08:00") is None


def _advance(minutes: float) -> None:
    moment = clock.now() + timedelta(minutes=minutes)
    clock.set_clock(lambda: moment)


def test_local_queue_calls_in_order_by_type_and_transfer_first(store: Store) -> None:
    q = LocalQueue(store)
    a1 = q.issue("A")
    b1 = q.issue("B")
    a2 = q.issue("a")
    assert (a1.number, b1.number, a2.number) == (
        f"A{LOCAL_FIRST_SEQ}",
        f"B{LOCAL_FIRST_SEQ}",
        f"A{LOCAL_FIRST_SEQ + 1}",
    )
    with pytest.raises(QueueError, match="没有“Z”类业务"):
        q.issue("Z")
    first = q.call_next(window_code="01", types=["A"])
    assert first is not None and first.number == a1.number
    assert first.status == "called" and first.window_code == "01"
    # window 02 serves only B; window 01 hands its A ticket over to 02
    moved = q.transfer(first, window_code="02")
    assert moved.status == "waiting"
    at_02 = q.call_next(window_code="02", types=["B"])
    assert at_02 is not None and at_02.number == a1.number  # transferred first
    assert at_02.called_at == first.called_at  # waiting time is not reset
    again = q.recall(at_02)
    assert again.calls == 3
    q.finish(again)
    with pytest.raises(QueueError, match="不在叫号中"):
        q.recall(again)
    nxt = q.call_next(window_code="01", types=["A"])
    assert nxt is not None and nxt.number == a2.number
    q.skip(nxt)
    assert q.call_next(window_code="01", types=["A"]) is None
    state = q.hall_state()
    assert {t.code: t.waiting for t in state.types}["B"] == 1
    assert [t.number for t in state.called] == []


def test_ticket_is_stored_with_the_application_with_its_times(
    seeded_store: Store, clerk: DeskContext, supervisor: DeskContext
) -> None:
    q = LocalQueue(seeded_store)
    ticket = q.issue("A")
    _advance(7)
    called = q.call_next(window_code=clerk.window_code, types=["A"])
    assert called is not None
    _advance(3)
    result = accept_one(seeded_store, clerk)
    assert (
        link_ticket(
            seeded_store, clerk, application_ids=[result.application_id], ticket=called
        )
        == 1
    )
    row = ticket_of(seeded_store, result.application_id)
    assert row is not None
    assert row["ticket_no"] == ticket.number and row["source"] == SOURCE_LOCAL
    assert row["wait_seconds"] == 7 * 60
    assert 3 * 60 <= int(str(row["service_seconds"])) <= 3 * 60 + 5

    # an application without a ticket counts in neither figure
    accept_one(seeded_store, clerk)
    stats = statistics.report(
        seeded_store, supervisor, StatsFilter(clock.today(), clock.today())
    )
    assert stats.queue.tickets == 1
    assert stats.queue.average_wait == 420 and stats.queue.longest_wait == 420
    assert stats.queue.by_window == {"01": (1, 420.0)}
    summary = queue_summary(stats)
    assert "排队取号 1 件，平均等候 7.0 分钟" in summary
    assert "平均办理 3.0 分钟" in summary
    log = daily_log(seeded_store, supervisor, LogFilter.day(clock.today()))
    [entry] = [e for e in log.entries if e.ticket_no]
    assert (entry.ticket_no, entry.wait_seconds) == (ticket.number, 420)
    pairs = dict(log.totals.pairs())
    assert pairs["排队取号办件"] == "1" and pairs["平均等候"] == "7.0 分钟"
    assert pairs["平均办理（叫号至受理）"] == "3.0 分钟"


@pytest.fixture(params=["sqlite", "postgres"])
def queue_server(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[CentralServer]:
    url = None
    if request.param == "postgres":
        cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_database()
    with start_central(tmp_path / "central", database_url=url) as server:
        yield server


def test_platform_queue_is_shared_by_the_site_and_closed_to_others(
    queue_server: CentralServer,
) -> None:
    central_server = queue_server  # noqa: F811
    kiosk = central_server.new_desk(site="320102001", window="90")
    w1 = central_server.new_desk(site="320102001", window="01")
    w2 = central_server.new_desk(site="320102001", window="02")
    other = central_server.new_desk(site="320105001", window="01")
    queues = {
        name: CentralQueue(d.base_url, token=d.token)
        for name, d in (("kiosk", kiosk), ("w1", w1), ("w2", w2), ("other", other))
    }
    t1 = queues["kiosk"].issue("A")
    t2 = queues["kiosk"].issue("A")
    tb = queues["kiosk"].issue("B")
    assert (t1.number, t2.number, tb.number) == ("A001", "A002", "B001")
    assert t1.source == SOURCE_CENTRAL
    # the other site's queue is its own: its own numbering, nothing to call
    assert queues["other"].issue("A").number == "A001"
    called = queues["w1"].call_next(window_code="01", types=["A", "B"])
    assert called is not None and called.number == "A001"
    assert called.window_code == "01" and called.called_at
    with pytest.raises(QueueError):  # not another site's, not another window's
        queues["other"].recall(called)
    with pytest.raises(QueueError):
        queues["w2"].skip(called)
    queues["w1"].transfer(called, window_code="02")
    at_w2 = queues["w2"].call_next(window_code="02", types=["B"])
    assert at_w2 is not None and at_w2.number == "A001"
    state = queues["kiosk"].hall_state()
    assert [(t.number, t.window_code) for t in state.called] == [("A001", "02")]
    assert {t.code: t.waiting for t in state.types} == {"A": 1, "B": 1, "C": 0, "D": 0}
    queues["w2"].finish(at_w2)
    assert queues["kiosk"].hall_state().called == []
    # bounded input: a type is one capital letter
    resp = w1.request("POST", p.PATH_QUEUE_CALL, json={"types": ["AA"]})
    assert resp.status_code == 422
    resp = w1.request("POST", p.PATH_QUEUE_TICKETS + "/../../time/recall")
    assert resp.status_code == 404
    assert (
        w1.request("GET", p.PATH_QUEUE_HALL, headers={"Authorization": ""}).status_code
        == 401
    )


def test_fallback_turns_to_the_local_queue_when_the_platform_is_down(
    store: Store,
) -> None:
    dead = CentralQueue(f"http://127.0.0.1:{free_port()}", token="x" * 32)
    with pytest.raises(QueueUnavailable):
        dead.hall_state()
    q = FallbackQueue(dead, LocalQueue(store))
    ticket = q.issue("A")
    assert q.degraded and ticket.source == SOURCE_LOCAL
    called = q.call_next(window_code="01", types=["A"])
    assert called is not None and called.number == ticket.number
    q.finish(called)  # acted on where it was issued
    assert LocalQueue(store).hall_state().called == []


def test_center_queue_system_through_url_templates() -> None:
    with vendor_queue() as vendor:
        base = vendor.base_url
        q = ExternalQueue(
            {
                "call": base + "/qs/call?w={window}&t={types}",
                "recall": base + "/qs/recall?w={window}&n={number}",
                "transfer": base + "/qs/move?n={number}&to={to}",
            },
            window_code="07",
        )
        ticket = q.call_next(window_code="07", types=["B", "C"])
        assert ticket is not None and ticket.number == "B001"
        assert seconds_between(ticket.issued_at, ticket.called_at) == 330
        q.recall(ticket)
        q.transfer(ticket, window_code="03")
        assert vendor.calls == [
            ("/qs/call", {"w": ["07"], "t": ["B,C"]}),
            ("/qs/recall", {"w": ["07"], "n": ["B001"]}),
            ("/qs/move", {"n": ["B001"], "to": ["03"]}),
        ]
        with pytest.raises(QueueError, match="未配置“skip”"):
            q.skip(ticket)
        broken = ExternalQueue({"call": base + "/qs/broken"}, window_code="07")
        with pytest.raises(QueueUnavailable):
            broken.call_next(window_code="07", types=["A"])
    with pytest.raises(QueueError, match="模板"):
        ExternalQueue({"call": "http://x/{secret}"}, window_code="07")


def test_local_numbers_restart_each_day(store: Store) -> None:
    q = LocalQueue(store)
    assert q.issue("A").number == f"A{LOCAL_FIRST_SEQ}"
    tomorrow = datetime.combine(clock.today() + timedelta(days=1), datetime.min.time())
    clock.set_clock(lambda: tomorrow.astimezone())
    assert q.issue("A").number == f"A{LOCAL_FIRST_SEQ}"


def test_migration_tables(tmp_path: Path, store: Store) -> None:
    tables = set(store.db.table_names())
    assert {"hall_tickets", "application_tickets"} <= tables


def test_site_types_set_on_the_platform(
    central_server: CentralServer,  # noqa: F811
) -> None:
    central_server.cli("queue-types", "--site", "320102001", "A=综合受理", "E=公积金")
    kiosk = central_server.new_desk(site="320102001", window="90")
    queue = CentralQueue(kiosk.base_url, token=kiosk.token)
    assert [(t.code, t.name) for t in queue.hall_state().types] == [
        ("A", "综合受理"),
        ("E", "公积金"),
    ]
    assert queue.issue("E").number == "E001"
    with pytest.raises(QueueError, match="没有该类业务"):
        queue.issue("B")
    done = central_server.cli("queue-types", "--site", "1", "AA=x", check=False)
    assert done.returncode == 2 and "业务类型" in done.stderr


def test_hall_command_sets_and_serves_the_kiosk(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHON_KEYRING_BACKEND": "keyrings.alt.file.PlaintextKeyring",
        "COUNTER_TEST_KEYRING": "1",
    }
    main = [sys.executable, "main.py", "--data-dir", str(tmp_path / "desk"), "hall"]
    root = Path(__file__).resolve().parent.parent

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*main, *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    bad = run("set", "queue_mode=sometimes")
    assert bad.returncode == 2 and "叫号方式“sometimes”无效" in bad.stderr
    shown = run("set", "window_types=a,b", "port=18765", "bind_host=127.0.0.1")
    assert shown.returncode == 0, shown.stderr
    assert "window_types=a,b" in shown.stdout and "queue_mode=auto" in shown.stdout
    assert "评价器配对链接：http://127.0.0.1:18765/pad?t=" in shown.stdout
    port = free_port()
    proc = subprocess.Popen(
        [*main, "serve", "--port", str(port), "--host", "127.0.0.1"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == f"取号机：http://127.0.0.1:{port}/kiosk", line
        base = f"http://127.0.0.1:{port}"
        assert "取号" in requests.get(base + "/kiosk", timeout=5).text
        answer = requests.post(
            base + "/api/tickets", json={"business_type": "B"}, timeout=5
        ).json()
        assert answer["ticket"]["number"] == f"B{LOCAL_FIRST_SEQ}"  # not enrolled
        assert answer["ticket"]["source"] == SOURCE_LOCAL
        bad_type = requests.post(
            base + "/api/tickets", json={"business_type": "BB"}, timeout=5
        )
        assert bad_type.status_code == 409 and "业务类型" in bad_type.json()["message"]
        assert requests.get(base + "/pad", timeout=5).status_code == 404
    finally:
        proc.terminate()
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()


def test_fallback_serves_the_cut_off_tickets_when_the_link_returns(
    central_server: CentralServer,  # noqa: F811
    store: Store,
) -> None:
    desk = central_server.new_desk(site="320102001", window="01")
    port = int(desk.base_url.rsplit(":", 1)[1])
    with FaultProxy(port) as proxy:
        q = FallbackQueue(CentralQueue(proxy.url, token=desk.token), LocalQueue(store))
        proxy.refuse()
        cut_off = q.issue("A")
        assert q.degraded and cut_off.number == f"A{LOCAL_FIRST_SEQ}"
        proxy.accept_again()
        q.issue("A")  # still local: the platform is tried again after a pause
        assert q.source == SOURCE_LOCAL
        q._retry_at = 0.0  # the pause is over
        online = q.issue("A")
        assert not q.degraded and online.number == "A001"
        first = q.call_next(window_code="01", types=["A"])
        assert first is not None and first.number == cut_off.number
        q.finish(first)
        q.call_next(window_code="01", types=["A"])  # the second local one
        third = q.call_next(window_code="01", types=["A"])
        assert third is not None and (third.number, third.source) == ("A001", "central")


def test_concurrent_kiosks_never_share_a_number(
    queue_server: CentralServer,
) -> None:
    central_server = queue_server  # noqa: F811
    kiosks = [central_server.new_desk(site="320102001", window=w) for w in ("91", "92")]
    queues = [CentralQueue(k.base_url, token=k.token) for k in kiosks]

    def take(i: int) -> list[str]:
        return [queues[i % 2].issue("A").number for _n in range(5)]

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = [n for batch in pool.map(take, range(6)) for n in batch]
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, 31)]


def test_external_templates_are_checked_before_they_are_stored(store: Store) -> None:
    for urls, words in (
        ('{"recall": "http://qs/r?n={number}"}', "缺少“call”"),
        ('{"call": "http://qs/c?w={window"}', "无效"),
        ('{"call": "file:///etc/passwd"}', "无效"),
        ('{"call": "http://qs/c", "launch": "http://qs/x"}', "“launch”无效"),
        ("[1]", "对照表"),
    ):
        with pytest.raises(QueueError, match=words):
            hall_config.save(
                store, {"hall.queue_mode": "external", "hall.external_urls": urls}
            )
    assert hall_config.load(store).queue_mode == "auto"  # nothing was stored


def test_the_desk_queue_issues_the_site_types_while_cut_off(
    central_server: CentralServer,  # noqa: F811
    store: Store,
) -> None:
    central_server.cli("queue-types", "--site", "320102001", "E=公积金")
    desk = central_server.new_desk(site="320102001", window="01")
    port = int(desk.base_url.rsplit(":", 1)[1])
    with FaultProxy(port) as proxy:
        q = FallbackQueue(CentralQueue(proxy.url, token=desk.token), LocalQueue(store))
        assert [t.code for t in q.hall_state().types] == ["E"]
        proxy.refuse()
        assert q.issue("E").number == f"E{LOCAL_FIRST_SEQ}"
        assert [t.name for t in q.hall_state().types] == ["公积金"]
