"""Two desks' processes on one data dir must never hand out one number twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from counter_app.services.setup import ensure_seeded
from counter_app.store.db import Store

WORKER = r"""
import sys
from pathlib import Path
from counter_app.services import applications as apps
from counter_app.services.context import DeskContext
from counter_app.services.intake import Applicant, IntakeForm, MaterialEntry, MaterialState
from counter_app.store.catalog import get_item
from counter_app.domain.status import Decision
from counter_app.store.db import Store

store = Store.open(Path(sys.argv[1]))
ctx = DeskContext(username="u", display_name="u", role="clerk",
                  site_code="320102001", window_code="01")
item = get_item(store.db, "GG00302001")
entries = [MaterialEntry(m.key, MaterialState.ORIGINAL, 1, 0) for m in item.materials]
print("ready", flush=True)
sys.stdin.readline()
for _ in range(int(sys.argv[2])):
    form = IntakeForm(item_codes=[item.code], materials=entries,
                      applicant=Applicant(name="并发", id_number="11010519491231002X"))
    apps.decide(store, ctx, form, Decision.ACCEPT)
store.close()
"""


@pytest.mark.e2e
def test_two_processes_never_share_a_number(tmp_path: Path) -> None:
    store = Store.open(tmp_path)
    ensure_seeded(store)
    store.close()
    per_process = 60
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(tmp_path), str(per_process)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=Path(__file__).resolve().parent.parent,
        )
        for _ in range(2)
    ]
    for p in procs:
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    for p in procs:  # start both at once
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    for p in procs:
        assert p.wait(timeout=120) == 0
        assert p.stdin is not None and p.stdout is not None
        p.stdin.close()
        p.stdout.close()
    store = Store.open(tmp_path)
    numbers = [r[0] for r in store.db.execute("SELECT acceptance_no FROM applications")]
    store.close()
    assert len(numbers) == 2 * per_process
    assert len(set(numbers)) == len(numbers)
    sequences = sorted(int(n[-4:]) for n in numbers)
    assert sequences == list(range(1, 2 * per_process + 1))
