"""Keystrokes and wall time of a standard intake by keyboard, now and before
the keyboard work of issue #14.

    python bench/bench_keyboard_intake.py [--runs 5] [--before-tree DIR]

Runs bench/keyboard_flow.py (the real window, offscreen, QTest key events,
every key counted: item search → name, ID number, phone → every material
received → accept → the 受理回执) on this tree and on the code before the
keyboard work — commit 94689ae^ (3c6a095), taken from the git history with
``git archive`` into a temporary directory (or ``--before-tree DIR``, a
checkout of it). Each version is driven with Tab and with Enter between the
applicant's fields, and its cheaper way counts (Enter did not advance
before). Figures: keys per applicant (the next one, from 下一位), keys for
the first applicant after a sign-in, and the median wall time per intake.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BEFORE = "94689ae^"  # the parent of "Intake by keyboard: …" (3c6a095)


def flow(tree: Path | None, runs: int, advance: str) -> dict[str, Any]:
    args = [sys.executable, str(ROOT / "bench" / "keyboard_flow.py")]
    args += ["--runs", str(runs), "--advance", advance]
    if tree is not None:
        args += ["--tree", str(tree)]
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    env.setdefault("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    out = subprocess.run(
        args, env=env, capture_output=True, text=True, timeout=600, check=True
    ).stdout
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def best(tree: Path | None, runs: int) -> dict[str, Any]:
    """The cheaper of Tab and Enter between fields, for one version."""
    done = [flow(tree, runs, a) for a in ("tab", "enter")]
    usable = [r for r in done if "no_advance" not in r]
    if not usable:
        raise SystemExit("no way through the applicant form by keyboard")
    return min(usable, key=lambda r: (r["next_keys"], r["first_keys"]))


def before_tree(work: Path) -> Path | None:
    """The code before the keyboard work, from the git history."""
    tree = work / "before"
    tree.mkdir()
    try:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", BEFORE],
            capture_output=True,
            check=True,
            timeout=120,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        print(f"before: not measured (git archive {BEFORE} failed: {exc})")
        return None
    return tree


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before-tree", type=Path, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="counter-kbd-"))
    try:
        tree = args.before_tree or before_tree(work)
        before = best(tree, args.runs) if tree is not None else None
        after = best(None, args.runs)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for name, r in (("before", before), ("after", after)):
        if r is None:
            continue
        print(
            f"keyboard intake {name}: {r['next_keys']:.0f} keys per applicant,"
            f" {r['first_keys']} first after sign-in,"
            f" median {r['median_s'] * 1000:.1f} ms"
            f" ({r['advance']} between fields, {r['runs']} intakes,"
            f" {r['stored']} stored)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
