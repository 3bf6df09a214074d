from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from counter_app.scanning import sniff, sources
from counter_app.scanning.hotfolder import HotFolder, HotFolderEvent, HotFolderWatcher
from counter_app.services import materials
from counter_app.store.db import Store
from tests.scanning_fixtures import image_bytes, pdf_bytes


def _folder(store: Store, folder: Path) -> HotFolder:
    handler = materials.hot_folder_handler(
        store, application_id="app-7", material_key="form", actor="clerk01"
    )
    return HotFolder(folder, handler)


def test_file_written_in_two_steps_is_taken_once_stable(
    store: Store, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    hot = _folder(store, inbox)
    data = pdf_bytes(2)
    target = inbox / "scan_0001.pdf"
    with target.open("wb") as fh:
        fh.write(data[:100])
        fh.flush()
        assert hot.scan_once() == []  # first sight: not yet stable
        fh.write(data[100:])
    assert hot.scan_once() == []  # size changed since the last poll
    (event,) = hot.scan_once()
    assert event.status == "imported" and event.name == "scan_0001.pdf"
    assert event.moved_to == inbox / "done" / "scan_0001.pdf"
    assert not target.exists()
    (row,) = materials.list_files(store, "app-7")
    assert (row.original_name, row.pages, row.source) == (
        "scan_0001.pdf", 2, "hot_folder")  # fmt: skip
    assert hot.scan_once() == []  # never imported twice


def test_bad_file_goes_to_failed_with_reason(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    hot = _folder(store, inbox)
    (inbox / "half.jpg").write_bytes(image_bytes("JPEG")[:200])
    (inbox / "ok.png").write_bytes(image_bytes("PNG"))
    (inbox / "writing.tmp").write_bytes(b"partial")
    hot.scan_once()
    events = {e.name: e for e in hot.scan_once()}
    assert set(events) == {"half.jpg", "ok.png"}
    assert events["ok.png"].status == "imported"
    failed = events["half.jpg"]
    assert failed.status == "failed" and "“half.jpg”" in failed.message
    reason = inbox / "failed" / "half.jpg.txt"
    assert "损坏" in reason.read_text("utf-8")
    assert (inbox / "writing.tmp").exists()
    # A second file of the same name does not overwrite the first in done/.
    (inbox / "ok.png").write_bytes(image_bytes("PNG", color="red"))
    hot.scan_once()
    (again,) = hot.scan_once()
    assert again.moved_to == inbox / "done" / "ok (1).png"


def test_file_vanishing_before_import_is_named(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    calls: list[Path] = []

    def handler(path: Path) -> None:
        calls.append(path)
        path.unlink()  # another program takes it away mid-import
        materials.import_one(store, application_id="a", material_key="k",
                             path=path, actor="clerk01")  # fmt: skip

    hot = HotFolder(inbox, handler)
    (inbox / "gone.png").write_bytes(image_bytes("PNG"))
    hot.scan_once()
    (event,) = hot.scan_once()
    assert event.status == "vanished" and "“gone.png”" in event.message
    assert not (inbox / "failed").exists()


def test_watcher_thread_reports_events(store: Store, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    got: list[HotFolderEvent] = []
    done = threading.Event()

    def on_events(events: list[HotFolderEvent]) -> None:
        got.extend(events)
        done.set()

    watcher = HotFolderWatcher(_folder(store, inbox), interval_s=0.02,
                               on_events=on_events)  # fmt: skip
    watcher.start()
    try:
        (inbox / "a.png").write_bytes(image_bytes("PNG"))
        assert done.wait(10)
    finally:
        watcher.stop()
    assert [e.status for e in got] == ["imported"]


def test_hot_folder_reason(tmp_path: Path) -> None:
    assert sources.hot_folder_reason(None) is not None
    assert "不存在" in (sources.hot_folder_reason(tmp_path / "nope") or "")
    assert sources.hot_folder_reason(tmp_path) is None


@pytest.mark.qt_log_level_fail("CRITICAL")
def test_camera_availability_is_a_reason_or_none(qapp: object) -> None:
    reason = sources.camera_available()
    assert reason is None or (isinstance(reason, str) and reason)


def test_file_changing_during_import_is_retried(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    real_inspect = sniff.inspect_file
    calls = 0

    def inspect_then_scanner_appends(path: Path, **kw: Any) -> sniff.FileFacts:
        nonlocal calls
        calls += 1
        facts = real_inspect(path, **kw)
        if calls == 1:  # the scanner software appends while we import
            with path.open("ab") as fh:
                fh.write(b"\n%% appended\n")
        return facts

    monkeypatch.setattr(sniff, "inspect_file", inspect_then_scanner_appends)
    hot = _folder(store, inbox)
    (inbox / "doc.pdf").write_bytes(pdf_bytes(1))
    hot.scan_once()
    (event,) = hot.scan_once()
    assert event.status == "retry" and (inbox / "doc.pdf").exists()
    assert "“doc.pdf”" in event.message
    assert hot.scan_once() == []  # seen again: needs two equal polls
    (event,) = hot.scan_once()
    assert event.status == "imported"
    assert len(materials.list_files(store, "app-7")) == 1
