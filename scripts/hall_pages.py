"""The hall pages (kiosk, display, pad) in Debian's headless chromium.

    python scripts/hall_pages.py --out screenshots/

Used by ``scripts/screenshots.py`` and by the browser tests
(``chromium_driver``). Needs apt ``chromium chromium-driver``: nothing is
downloaded (Selenium is pointed at the system browser and driver).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CHROMIUM = ("/usr/bin/chromium", "/usr/lib/chromium/chromium")
CHROMEDRIVER = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")


class BrowserUnavailable(RuntimeError):
    """Why chromium could not start (the tests skip with it)."""


def _first(paths: tuple[str, ...], name: str) -> str:
    for path in paths:
        if os.access(path, os.X_OK):
            return path
    found = shutil.which(name)
    if found is None:
        raise BrowserUnavailable(f"{name} not installed (apt chromium chromium-driver)")
    return found


def chromium_driver(width: int = 1280, height: int = 800) -> Any:
    """A headless chromium under Selenium; BrowserUnavailable if it cannot
    start."""
    try:
        from selenium import webdriver
        from selenium.common.exceptions import WebDriverException
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        raise BrowserUnavailable(f"selenium not installed: {exc}") from exc
    options = webdriver.ChromeOptions()
    options.binary_location = _first(CHROMIUM, "chromium")
    for arg in (
        "--headless=new",
        "--no-sandbox",  # root in a container has no user namespace
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--lang=zh-CN",
        f"--window-size={width},{height}",
    ):
        options.add_argument(arg)
    service = Service(executable_path=_first(CHROMEDRIVER, "chromedriver"))
    try:
        return webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        raise BrowserUnavailable(f"chromium did not start: {exc.msg}") from exc


def capture_hall(out: Path) -> list[Path]:
    """Screenshots of the three pages with a few tickets called."""
    from counter_app.hall.local_queue import LocalQueue
    from counter_app.hall.pad import PadSession
    from counter_app.hall.server import HallServer
    from counter_app.services.context import DeskContext
    from counter_app.store.db import Store

    out.mkdir(parents=True, exist_ok=True)
    store = Store.memory()
    queue = LocalQueue(store)
    for code in "AABACAB":
        queue.issue(code)
    for window in ("01", "03", "02"):
        ticket = queue.call_next(window_code=window, types=["A", "B"])
        if ticket is not None and window == "03":
            queue.recall(ticket)
    pad = PadSession(store, token="shots")
    ctx = DeskContext("clerk01", "王晓明", "clerk", "320102001", "01")
    pad.ask(
        ctx,
        application_id="shots",
        acceptance_no="32010200101202611250001",
        item_name="居住证申领",
    )
    server = HallServer(hall_name="示范区政务服务中心", queue=queue, pad=pad).start()
    driver = chromium_driver()
    written: list[Path] = []
    try:
        for page in ("kiosk", "display", "pad"):
            driver.get(server.url(page))
            time.sleep(1.5)  # the pages fill themselves from the API
            path = out / f"hall-{page}.png"
            driver.save_screenshot(str(path))
            written.append(path)
    finally:
        driver.quit()
        server.stop()
        store.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()))
    args = parser.parse_args(argv)
    for path in capture_hall(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
