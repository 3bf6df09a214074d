"""What the desk imports before its first window (the sign-in dialog) shows.

    python -m bench.importtime [--top 15] [--data-dir DIR]

Starts ``main.py --data-dir DIR gui`` offscreen under ``-X importtime``,
stops at the sign-in dialog, and lists the slowest imports before it (self
time and cumulative time, in ms), then any module of the heavy set (the
store, the services, SQLCipher, reportlab, …) that was imported before the
dialog although the dialog does not need it. Exit status 1 when there is one.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARKER = "COUNTER_SIGNIN_SHOWN"
_LINE = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")
# Loaded behind the shown dialog, never before it (app.py, signin.py).
NOT_BEFORE_DIALOG = (
    "counter_app.store",
    "counter_app.services.users",
    "counter_app.services.applications",
    "counter_app.ui.workspace",
    "counter_app.ui.mainwindow",
    "sqlcipher3",
    "sqlite_utils",
    "sqlite3",
    "reportlab",
    "printing",
    "sync",
    "PIL",
    "cryptography",
    "pypinyin",
    "httpx",
    "keyring",
)


@dataclass(frozen=True)
class Imported:
    module: str
    self_us: int
    cumulative_us: int
    depth: int


def first_window_imports(data_dir: Path, *, timeout_s: float = 120) -> list[Imported]:
    """The imports of a GUI start up to the moment its sign-in dialog shows."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(QT_QPA_PLATFORM="offscreen", COUNTER_STARTUP_MARKER="1")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-X",
            "importtime",
            str(ROOT / "main.py"),
            "--data-dir",
            str(data_dir),
            "gui",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        cwd=ROOT,
        text=True,
    )
    assert proc.stdout is not None
    found: list[Imported] = []
    shown = False
    try:
        for line in proc.stdout:
            if MARKER in line:
                shown = True
                break
            m = _LINE.search(line)
            if m:
                found.append(Imported(m[4], int(m[1]), int(m[2]), len(m[3]) // 2))
    finally:
        proc.kill()
        proc.stdout.close()
        proc.wait(timeout=timeout_s)
    if not shown:
        raise RuntimeError("the sign-in dialog did not show")
    return found


#: Exceptions: the site and window code rules (a few lines, no I/O) that a
#: site configuration file is checked against before anything starts.
ALLOWED_BEFORE_DIALOG = frozenset({"sync", "sync.codes"})


def too_early(found: list[Imported]) -> list[str]:
    return sorted(
        {
            i.module
            for i in found
            if i.module not in ALLOWED_BEFORE_DIALOG
            and any(
                i.module == name or i.module.startswith(name + ".")
                for name in NOT_BEFORE_DIALOG
            )
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="counter-importtime-"))
    first_window_imports(data_dir)  # a first start creates the store; then warm
    found = first_window_imports(data_dir)
    total = sum(i.self_us for i in found)
    print(
        f"{len(found)} modules imported before the sign-in dialog, {total / 1000:.0f} ms"
    )
    print("slowest (self ms, cumulative ms):")
    for i in sorted(found, key=lambda i: i.self_us, reverse=True)[: args.top]:
        print(f"  {i.self_us / 1000:7.1f} {i.cumulative_us / 1000:8.1f}  {i.module}")
    print("slowest top-level packages (cumulative ms):")
    tops = [i for i in found if i.depth == 0]
    for i in sorted(tops, key=lambda i: i.cumulative_us, reverse=True)[: args.top]:
        print(f"  {i.cumulative_us / 1000:8.1f}  {i.module}")
    early = too_early(found)
    if early:
        print("imported before the dialog although it does not need them:")
        for name in early:
            print(f"  {name}")
        return 1
    print("nothing of the store, services, printing or sync before the dialog")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
