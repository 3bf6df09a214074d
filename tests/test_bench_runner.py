"""The bench command's reading of figures (CI runs ``python -m bench --quick``
itself, which fails when a benchmark no longer prints a figure)."""

from __future__ import annotations

from bench.__main__ import BENCHES, Figure, read_figure, table

OUTPUT = """
41 items (stored in 0.4 s)
baseline: primary-key lookup of one item   median   0.006 ms
worst p99 at 41 items: 0.300 ms ('证'); ×50 baseline; target < 5 ms: met; worst p99 cpu 0.200 ms
3000 items (stored in 9.0 s)
baseline: primary-key lookup of one item   median   0.008 ms
worst p99 at 3,000 items: 6.000 ms ('证'); ×750 baseline; target < 5 ms: MISSED; worst p99 cpu 1.500 ms
"""


def test_the_last_size_is_read_with_its_own_baseline_and_verdict() -> None:
    catalog = next(b for b in BENCHES if b.name == "catalog")
    wall, cpu = (read_figure(f, OUTPUT) for f in catalog.figures)
    assert wall["figure"] == "catalog search worst p99, 3,000 items"
    assert (wall["value"], wall["baseline"], wall["met"]) == (6.0, 0.008, False)
    assert wall["ratio"] == 750.0
    assert (cpu["value"], cpu["met"]) == (1.5, True)


def test_targets_on_ratios_and_scaled_baselines() -> None:
    ratio = Figure(
        "wire", r"payload (?P<base>[\d.]+) MB, wire (?P<value>[\d.]+) MB", "MB",
        target=1.1, on_ratio=True,
    )  # fmt: skip
    row = read_figure(ratio, "payload 4.0 MB, wire 4.8 MB")
    assert row["ratio"] == 1.2 and row["met"] is False
    scaled = Figure(
        "pdf", r"csv (?P<base>[\d.]+) ms pdf (?P<value>[\d.]+) s", "s",
        base_scale=0.001, target=1.0,
    )  # fmt: skip
    row = read_figure(scaled, "csv 5.0 ms pdf 0.5 s")
    assert row["baseline"] == 0.005 and row["ratio"] == 100.0 and row["met"] is True


def test_a_missing_figure_is_reported_not_invented() -> None:
    row = read_figure(BENCHES[0].figures[0], "Traceback (most recent call last):")
    assert row["value"] is None and row["met"] is None
    text = table(
        [
            {"bench": "catalog", "rows": [row], "error": "exit status 1"},
            {"bench": "intake", "rows": [], "skipped": "needs pytestqt"},
        ]
    )
    assert "FAILED: exit status 1" in text
    assert "skipped: needs pytestqt" in text


def test_keyboard_intake_reads_after_against_before() -> None:
    keyboard = next(b for b in BENCHES if b.name == "keyboard")
    output = (
        "keyboard intake before: 45 keys per applicant, 45 first after sign-in,"
        " median 924.0 ms (tab between fields, 2 intakes, 2 stored)\n"
        "keyboard intake after: 44 keys per applicant, 43 first after sign-in,"
        " median 1191.2 ms (enter between fields, 2 intakes, 2 stored)\n"
    )
    keys, first, wall = (read_figure(f, output) for f in keyboard.figures)
    assert (keys["value"], keys["baseline"], keys["met"]) == (44, 45, True)
    assert (first["value"], first["baseline"], first["met"]) == (43, 45, True)
    assert (wall["value"], wall["baseline"]) == (1191.2, 924.0)
    same = read_figure(keyboard.figures[0], output.replace("after: 44", "after: 45"))
    assert same["met"] is False  # as many keys as before is not fewer
    alone = read_figure(keyboard.figures[0], output.splitlines()[1])
    assert alone["value"] == 44 and alone["baseline"] is None  # no history


def test_store_size_figures_are_read_with_their_targets() -> None:
    store = next(b for b in BENCHES if b.name == "store-size")
    output = (
        "store before sync: 4.61 KB per application (2,000 applications, 9.2 MB;"
        " target <= 6 KB: met)\n"
        "store after a clean sync: 3.56 KB per application (2,000 applications,"
        " 7.1 MB; target <= 3 KB: MISSED)\n"
    )
    before, after = (read_figure(f, output) for f in store.figures)
    assert before["figure"] == "store size before sync, 2,000 applications"
    assert (before["value"], before["met"]) == (4.61, True)
    assert after["figure"] == "store size after a clean sync, 2,000 applications"
    assert (after["value"], after["target"], after["met"]) == (3.56, 3.0, False)


START_OUTPUT = """
generated 1,000 applications in 6.1 s (CPU 5.0 s; 900 events, 300 scan files, 9 MB)
generated 1,000,000 applications in 281.5 s (CPU 402.0 s; 9 events, 3 scan files, 3,000 MB)
start to work over 1,000,000 applications
  sign-in to workspace ready 1210 ms, baseline 640 ms (target <= 1000 ms)
  CPU time in that span 830 ms, baseline 610 ms (the app's threads; …)
  cold start to the sign-in dialog 520 ms, baseline 500 ms
  memory at idle 231.5 MB, after 10 pages 262.0 MB, baseline 180.2 MB (target <= 250 MB)
"""


def test_start_figures_read_the_big_store_and_their_targets() -> None:
    start = next(b for b in BENCHES if b.name == "start")
    rows = {
        r["figure"]: r for r in (read_figure(f, START_OUTPUT) for f in start.figures)
    }
    gen = rows["store generation, 1,000,000 applications"]
    assert (gen["value"], gen["met"]) == (281.5, True)
    ready = rows["sign-in to workspace ready (1,000,000 applications)"]
    assert (ready["value"], ready["baseline"], ready["met"]) == (1210.0, 640.0, False)
    cpu = rows["sign-in to workspace ready, CPU time (1,000,000 applications)"]
    assert (cpu["value"], cpu["met"]) == (830.0, True)
    assert (
        rows["cold start to the sign-in dialog (1,000,000 applications)"]["value"]
        == 520.0
    )
    idle = rows["resident memory at idle"]
    assert (idle["value"], idle["baseline"], idle["met"]) == (231.5, 180.2, True)
    pages = rows["resident memory after 10 list pages"]
    assert (pages["value"], pages["met"]) == (262.0, False)
