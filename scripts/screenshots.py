"""Screenshots of every main screen and dialog on a real X server (Xvfb),
in Chinese and English, normal and large font, for review.

    python scripts/screenshots.py --out screenshots/ [--lang zh_CN|en|all]
                                  [--font normal|large|all]

Starts its own Xvfb (1600×1000, on a display number it picks free), seeds a
demo store in a temporary directory and saves ``OUT/<lang>-<font>/NN-name.png``
with the main window at its default 1280×800: sign-in, the 受理 tab with an
item chosen, the 办件 list with a detail, each detail action's dialog
(补正, 补交, 出件, 评价, 撤回, a document preview), the intake's decision
dialogs (容缺, 一次性告知, 不予受理), every dialog of the 同步 and 负责人 menus
(统计, 日结, 导出, 用户与锁定, …), the shortcuts, the settings, the
high-contrast theme and the lock. Prints each file's path. Then the hall's
kiosk, display and pad pages in headless chromium (scripts/hall_pages.py).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def start_xvfb() -> subprocess.Popen[bytes]:
    """Xvfb on a display it chooses itself (-displayfd), so a second run or
    another Xvfb on this machine never collides with this one."""
    read, write = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write), "-screen", "0", "1600x1000x24",
         "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write,),
    )  # fmt: skip
    os.close(write)
    number = b""
    with os.fdopen(read, "rb") as pipe:
        while not number.endswith(b"\n"):
            chunk = pipe.read(1)
            if not chunk:
                raise SystemExit("Xvfb did not start")
            number += chunk
    os.environ["DISPLAY"] = ":" + number.decode().strip()
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    return proc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--lang", default="all", choices=["zh_CN", "en", "all"])
    parser.add_argument("--font", default="all", choices=["normal", "large", "all"])
    parser.add_argument("--applications", type=int, default=120)
    args = parser.parse_args(argv)
    langs = ["zh_CN", "en"] if args.lang == "all" else [args.lang]
    fonts = ["normal", "large"] if args.font == "all" else [args.font]
    args.out.mkdir(parents=True, exist_ok=True)
    xvfb = start_xvfb()
    data_dir = Path(tempfile.mkdtemp(prefix="counter-shots-"))
    try:
        from screenshot_screens import capture_all

        status = capture_all(args.out, langs, fonts, data_dir, args.applications)
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)
    return status or capture_hall_pages(args.out)


def capture_hall_pages(out: Path) -> int:
    """The kiosk, display and pad pages in headless chromium."""
    from scripts.hall_pages import BrowserUnavailable, capture_hall

    try:
        for path in capture_hall(out):
            print(path)
    except BrowserUnavailable as exc:
        print(f"hall pages skipped: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
