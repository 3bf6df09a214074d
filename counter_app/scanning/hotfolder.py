"""A watched folder that a standalone scanner's software saves into.

Qt-free: the UI's timer calls ``HotFolder.scan_once()`` (or a
``HotFolderWatcher`` thread does). A file is taken only once it is *stable*:
same size and modification time on two consecutive polls. After the handler
imports it, it moves to ``done/``; if the handler rejects it, to ``failed/``
next to a ``<name>.txt`` with the reason.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from counter_app.i18n import _
from counter_app.scanning.errors import FileRejected, ScanError

# The handler imports one file; it raises ScanError (FileRejected) to refuse it.
Handler = Callable[[Path], None]

DONE = "done"
FAILED = "failed"
# Partial files some scanner programs write before renaming.
_SKIP_SUFFIXES = (".tmp", ".part", ".crdownload", ".partial", "~", ".txt")
EMPTY_GRACE_POLLS = 5


@dataclass(frozen=True)
class HotFolderEvent:
    name: str
    status: str  # "imported", "failed", "vanished", "retry"
    message: str = ""
    moved_to: Path | None = None


class HotFolder:
    def __init__(self, folder: Path, handler: Handler) -> None:
        self.folder = Path(folder)
        self.handler = handler
        self._seen: dict[str, tuple[int, int, int]] = {}  # name → size, mtime, polls

    def _candidates(self) -> dict[str, tuple[int, int]]:
        found: dict[str, tuple[int, int]] = {}
        try:
            entries = list(os.scandir(self.folder))
        except FileNotFoundError:
            return found
        for entry in entries:
            name = entry.name
            if name.startswith(".") or name.lower().endswith(_SKIP_SUFFIXES):
                continue
            try:
                if not entry.is_file():
                    continue
                st = entry.stat()
            except FileNotFoundError:
                continue
            found[name] = (st.st_size, st.st_mtime_ns)
        return found

    def scan_once(self) -> list[HotFolderEvent]:
        """One poll: handle files that did not change since the last poll."""
        events: list[HotFolderEvent] = []
        current = self._candidates()
        for name in list(self._seen):
            if name not in current:
                del self._seen[name]
        ready: list[str] = []
        for name, (size, mtime) in sorted(current.items()):
            previous = self._seen.get(name)
            polls = previous[2] + 1 if previous and previous[:2] == (size, mtime) else 0
            self._seen[name] = (size, mtime, polls)
            # Zero bytes may be a file the scanner has only just created.
            if polls >= 1 and (size > 0 or polls >= EMPTY_GRACE_POLLS):
                ready.append(name)
        for name in ready:
            events.append(self._handle(name))
            self._seen.pop(name, None)
        return events

    def _handle(self, name: str) -> HotFolderEvent:
        path = self.folder / name
        if not path.exists():
            return HotFolderEvent(name, "vanished", _vanished(name))
        try:
            self.handler(path)
        except FileRejected as exc:
            if exc.reason == "vanished" or not path.exists():
                return HotFolderEvent(name, "vanished", _vanished(name))
            if exc.reason == "changed":  # still being written: try again later
                return HotFolderEvent(name, "retry", exc.message)
            return self._fail(path, exc.message)
        except ScanError as exc:
            return self._fail(path, exc.message)
        try:
            target = _move(path, self.folder / DONE)
        except FileNotFoundError:
            # Imported, then removed by someone else: the import stands.
            return HotFolderEvent(name, "imported")
        return HotFolderEvent(name, "imported", moved_to=target)

    def _fail(self, path: Path, message: str) -> HotFolderEvent:
        try:
            target = _move(path, self.folder / FAILED)
        except FileNotFoundError:
            return HotFolderEvent(path.name, "vanished", _vanished(path.name))
        target.with_name(target.name + ".txt").write_text(message + "\n", "utf-8")
        return HotFolderEvent(path.name, "failed", message, target)


def _vanished(name: str) -> str:
    return _("热文件夹中的文件“{name}”在导入前被移走或删除，未导入。").format(name=name)


def _move(path: Path, folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    counter = 1
    while target.exists():
        target = folder / f"{path.stem} ({counter}){path.suffix}"
        counter += 1
    os.replace(path, target)
    return target


class HotFolderWatcher:
    """Polls a ``HotFolder`` on a daemon thread; ``on_events`` runs there too
    (the UI must hop to its own thread before touching widgets)."""

    def __init__(
        self,
        hot_folder: HotFolder,
        *,
        interval_s: float = 1.0,
        on_events: Callable[[list[HotFolderEvent]], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.hot_folder = hot_folder
        self.interval_s = interval_s
        self.on_events = on_events
        self.on_error = on_error
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, name="hot-folder", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                events = self.hot_folder.scan_once()
                if events and self.on_events is not None:
                    self.on_events(events)
            except Exception as exc:  # reported, the watcher keeps running
                if self.on_error is None:
                    raise
                self.on_error(exc)
            self._stop.wait(self.interval_s)
