"""The hall pages in a real headless browser (Debian's chromium under
Selenium) against the running servers: a ticket from the kiosk page is
called at a window and shown on the display, with its waiting time stored
with the application; a rating on the pad page reaches the application."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from counter_app import clock
from counter_app.domain.hall import seconds_between
from counter_app.hall.local_queue import LocalQueue
from counter_app.hall.pad import PadOutcome, PadSession
from counter_app.hall.remote import CentralQueue
from counter_app.hall.server import HallServer, TicketPrinter
from counter_app.hall.service import link_ticket, ticket_of
from counter_app.services.context import DeskContext
from counter_app.store.db import Store
from printing.queue_ticket import QueueTicket, render_queue_ticket
from scripts.hall_pages import BrowserUnavailable, chromium_driver
from tests.central_fixtures import (
    CentralServer,
    central_server,  # noqa: F401 - pytest fixture
)
from tests.hall_fixtures import accept_one
from tests.printing_fixtures import (
    CupsPdfPrinter,
    cups_pdf_fixture,  # noqa: F401 - pytest fixture
    pdf_text,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]
WAIT = 15


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        driver = chromium_driver()
    except BrowserUnavailable as exc:
        pytest.skip(str(exc))
    yield driver
    driver.quit()


def _wait(browser: Any, condition: Any) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, WAIT).until(condition)


def _text(browser: Any, css: str, wanted: str) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    _wait(browser, ec.text_to_be_present_in_element(("css selector", css), wanted))


def _click(browser: Any, css: str) -> None:
    from selenium.webdriver.support import expected_conditions as ec

    _wait(browser, ec.element_to_be_clickable(("css selector", css))).click()


@pytest.fixture
def hall() -> Iterator[list[HallServer]]:
    servers: list[HallServer] = []
    yield servers
    for server in servers:
        server.stop()


def test_kiosk_to_window_to_display_through_the_platform(
    browser: Any,
    central_server: CentralServer,  # noqa: F811
    seeded_store: Store,
    clerk: DeskContext,
    hall: list[HallServer],
) -> None:
    kiosk = central_server.new_desk(site=clerk.site_code, window="90")
    window = central_server.new_desk(site=clerk.site_code, window=clerk.window_code)
    server = HallServer(queue=CentralQueue(kiosk.base_url, token=kiosk.token)).start()
    hall.append(server)
    browser.get(server.url("kiosk"))
    _click(browser, "button[data-type='A']")
    _text(browser, "#ticket-number", "A001")
    _text(browser, "#ticket-ahead", "您前面还有 0 人等候")

    queue = CentralQueue(window.base_url, token=window.token)
    called = queue.call_next(window_code=clerk.window_code, types=["A"])
    assert called is not None and called.number == "A001"
    browser.get(server.url("display"))
    _text(browser, "#current", "请 A001 号到 01 号窗口办理")
    _text(browser, "#called-list li", "A001 → 01 号窗口")

    result = accept_one(seeded_store, clerk)
    link_ticket(
        seeded_store, clerk, application_ids=[result.application_id], ticket=called
    )
    queue.finish(called)
    row = ticket_of(seeded_store, result.application_id)
    assert row is not None and row["ticket_no"] == "A001"
    assert row["source"] == "central"
    waited = seconds_between(called.issued_at, called.called_at)
    assert waited is not None and row["wait_seconds"] == waited
    _wait(browser, lambda b: "A001" not in b.find_element("id", "called-list").text)


def test_kiosk_on_the_desk_queue_records_the_waiting_time(
    browser: Any, seeded_store: Store, clerk: DeskContext, hall: list[HallServer]
) -> None:
    queue = LocalQueue(seeded_store)
    queue.issue("B")  # someone is already waiting
    server = HallServer(queue=queue).start()
    hall.append(server)
    browser.get(server.url("kiosk"))
    _text(browser, "button[data-type='B'] small", "等候 1 人")
    assert browser.find_element("id", "offline").is_displayed()  # 本机排队
    _click(browser, "button[data-type='B']")
    _text(browser, "#ticket-number", "B502")
    _text(browser, "#ticket-ahead", "您前面还有 1 人等候")

    moment = clock.now() + timedelta(minutes=12)
    clock.set_clock(lambda: moment)
    first = queue.call_next(window_code=clerk.window_code, types=["B"])
    assert first is not None and first.number == "B501"
    queue.skip(first)  # 过号
    called = queue.call_next(window_code=clerk.window_code, types=["B"])
    assert called is not None and called.number == "B502"
    browser.get(server.url("display"))
    _text(browser, "#current", "请 B502 号到 01 号窗口办理")
    assert "B501" not in browser.find_element("id", "called-list").text

    result = accept_one(seeded_store, clerk)
    link_ticket(
        seeded_store, clerk, application_ids=[result.application_id], ticket=called
    )
    row = ticket_of(seeded_store, result.application_id)
    assert row is not None and row["wait_seconds"] == 12 * 60


def test_kiosk_prints_the_ticket_through_cups(
    browser: Any,
    cups_pdf: CupsPdfPrinter,
    store: Store,
    hall: list[HallServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CUPS_SERVER", cups_pdf.server)
    printer = TicketPrinter(printer=cups_pdf.name, hall_name="示范区政务服务中心")
    server = HallServer(queue=LocalQueue(store), printer=printer).start()
    hall.append(server)
    known = set(cups_pdf.out_dir.glob("*.pdf"))
    browser.get(server.url("kiosk"))
    _click(browser, "button[data-type='C']")
    _text(browser, "#ticket-number", "C501")
    _text(browser, "#print-error", "请取走号票")
    printed = pdf_text(cups_pdf.wait_for_pdf(known).read_bytes())
    # cups-pdf re-distills through Ghostscript, which drops the CJK text
    # mapping (see test_printing_cups); the number and time still extract.
    assert "C501" in printed and clock.today().isoformat() in printed
    ticket = QueueTicket(
        "示范区政务服务中心", "C501", "不动产登记", 0, "2026-11-25 10:00"
    )
    text = pdf_text(render_queue_ticket(ticket))
    assert "不动产登记" in text and "您前面还有 0 人等候" in text


def test_rating_from_the_pad_page_reaches_the_application(
    browser: Any, seeded_store: Store, clerk: DeskContext, hall: list[HallServer]
) -> None:
    outcomes: list[PadOutcome] = []
    pad = PadSession(seeded_store, token="pair-01", on_outcome=outcomes.append)
    server = HallServer(pad=pad).start()
    hall.append(server)
    result = accept_one(seeded_store, clerk)

    browser.get(server.url("pad"))
    _text(browser, "#idle", "欢迎您")
    pad.ask(
        clerk,
        application_id=result.application_id,
        acceptance_no=result.acceptance_no,
        item_name="居住证申领",
    )
    _text(browser, "#info", result.acceptance_no)
    levels = browser.find_elements("css selector", ".level-btn")
    assert [b.text for b in levels] == [
        "非常满意",
        "满意",
        "基本满意",
        "不满意",
        "非常不满意",
    ]
    # voluntary: nothing chosen, nothing to submit until the applicant picks
    assert not browser.find_elements("css selector", ".level-btn.on")
    assert not browser.find_element("id", "submit").is_enabled()
    _click(browser, ".level-btn[data-level='4']")
    browser.find_element("xpath", "//button[text()='服务态度好']").click()
    _click(browser, "#submit")
    _text(browser, "#thanks", "感谢您的评价！")

    rows = list(seeded_store.db.query("SELECT * FROM evaluations"))
    assert len(rows) == 1
    row = rows[0]
    assert row["application_id"] == result.application_id
    assert (row["level"], row["channel"]) == (4, "pad_web")
    assert json.loads(row["reasons"]) == ["服务态度好"]
    assert row["clerk"] == clerk.username
    assert [o.evaluation_id for o in outcomes] == [row["id"]]
    assert pad.pending() is None

    # the applicant may decline: 不评价 stores nothing
    pad.ask(
        clerk,
        application_id=result.application_id,
        acceptance_no=result.acceptance_no,
        item_name="居住证申领",
    )
    _click(browser, "#skip")
    _text(browser, "#thanks", "谢谢")
    assert outcomes[-1].evaluation_id == "" and outcomes[-1].level == 0
    assert (
        seeded_store.db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0] == 1
    )


def test_pad_answers_only_the_paired_tablet(
    browser: Any, seeded_store: Store, clerk: DeskContext, hall: list[HallServer]
) -> None:
    pad = PadSession(seeded_store, token="pair-02")
    server = HallServer(pad=pad).start()
    hall.append(server)
    result = accept_one(seeded_store, clerk)
    request_id = pad.ask(
        clerk,
        application_id=result.application_id,
        acceptance_no=result.acceptance_no,
        item_name="居住证申领",
    )
    base = server.url("pad").split("/pad")[0]
    browser.get(base + "/pad?t=wrong")
    _text(browser, "#idle", "未与窗口配对")
    assert requests.get(base + "/api/pad?t=wrong", timeout=5).status_code == 403
    body = {"t": "wrong", "request_id": request_id, "level": 5, "reasons": []}
    assert (
        requests.post(base + "/api/pad/rate", json=body, timeout=5).status_code == 403
    )
    body["t"] = "pair-02"
    body["level"] = 9
    answer = requests.post(base + "/api/pad/rate", json=body, timeout=5)
    assert answer.status_code == 409 and "满意程度" in answer.json()["message"]
    body |= {"level": 5, "reasons": ["<script>"]}
    assert (
        requests.post(base + "/api/pad/rate", json=body, timeout=5).status_code == 409
    )
    big = {"t": "pair-02", "pad": "x" * 5000}
    assert requests.post(base + "/api/pad/rate", json=big, timeout=5).status_code == 413
    assert requests.get(base + "/kiosk", timeout=5).status_code == 404  # no queue here
    assert (
        seeded_store.db.execute("SELECT COUNT(*) FROM evaluations").fetchone()[0] == 0
    )
    assert pad.pending() is not None  # still waiting for the applicant


def test_screenshots_of_the_three_pages(browser: Any, tmp_path: Path) -> None:
    """What scripts/screenshots.py adds after the Qt windows."""
    done = subprocess.run(
        [sys.executable, "scripts/hall_pages.py", "--out", str(tmp_path)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    for page in ("kiosk", "display", "pad"):
        png = (tmp_path / f"hall-{page}.png").read_bytes()
        assert png.startswith(b"\x89PNG") and len(png) > 10_000
