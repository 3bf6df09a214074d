"""Work the scan widgets hand to the task runner: plain arguments in, plain
data out, never a widget. ``Relay`` carries progress from a worker thread to
the UI thread (a queued signal)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

from counter_app.i18n import _
from counter_app.services import materials
from counter_app.services.materials import FileRow
from counter_app.store.blobstore import BlobStore
from counter_app.store.db import Store


class Relay(QObject):
    """Emitted from a worker, received on the UI thread. Kept without a parent
    so a closed widget never leaves a worker emitting into a deleted object."""

    progress = Signal(int, int)

    def callback(self) -> Callable[[int, int], None]:
        return lambda done, total: self.progress.emit(done, total)


@dataclass(frozen=True)
class Thumb:
    sha256: str
    image: QImage | None
    error: str = ""


def load_thumbnails(blobs: BlobStore, shas: list[str]) -> list[Thumb]:
    """Render or fetch the cached thumbnail of each blob's first page."""
    out = []
    for sha in shas:
        try:
            image = QImage.fromData(blobs.thumbnail(sha, 0))
        except (OSError, ValueError) as exc:
            out.append(Thumb(sha, None, str(exc)))
            continue
        out.append(Thumb(sha, None if image.isNull() else image))
    return out


def pending_for(rows: list[FileRow], row: FileRow) -> FileRow | None:
    """The processed copy awaiting confirmation for ``row`` (or row itself)."""
    if row.replaces is not None:
        return row
    return next((r for r in rows if r.replaces == row.id), None)


def moved_order(rows: list[FileRow], file_id: int, step: int) -> list[int] | None:
    """The original files' ids with ``file_id`` moved ``step`` places."""
    ids = [r.id for r in rows if r.replaces is None]
    if file_id not in ids:
        return None
    index = ids.index(file_id)
    target = index + step
    if not 0 <= target < len(ids):
        return None
    ids[index], ids[target] = ids[target], ids[index]
    return ids


def original_count(rows: list[FileRow]) -> int:
    return sum(1 for r in rows if r.replaces is None)


def rotate_pending(store: Store, *, row: FileRow, actor: str) -> FileRow:
    """Turn the page 90° clockwise more; the original stays until confirmed."""
    return materials.rotate(store, file_id=row.id, degrees=90, actor=actor)


def import_summary(result: materials.ImportResult) -> str:
    if not result.attached:
        return ""
    return _("已加入 {count} 个文件。").format(count=len(result.attached))
