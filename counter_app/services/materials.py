"""Material files of an application: one function per clerk action.

Blob bytes are written and fsynced *before* the transaction that references
them commits, so the database never points to a missing or half file; a crash
in between leaves only an orphan blob, which ``startup_check`` reports and
``collect_garbage`` removes.

Processing never overwrites: ``rotate``/``process`` add a new row (its
``source`` is ``processed:<original id>``) next to the original, which stays
until ``confirm_processing`` (or ``discard_processing``).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from counter_app.clock import now_iso
from counter_app.i18n import _
from counter_app.scanning import pagework, processing, sniff
from counter_app.scanning.errors import FileRejected, ScanError
from counter_app.store import settings
from counter_app.store.blobstore import BlobInfo, BlobStore, CheckReport
from counter_app.store.db import Store
from counter_app.store.events import add_event
from counter_app.store.outbox import add_op
from sync.protocol import ENTITY_MATERIAL_FILE

Progress = Callable[[int, int], None]
ENTITY = ENTITY_MATERIAL_FILE
PROCESSED = "processed:"


class MaterialError(ScanError):
    """A material action cannot be done (unknown file, wrong order, …)."""


@dataclass(frozen=True)
class FileRow:
    id: int
    application_id: str
    material_key: str
    sha256: str
    position: int
    pages: int
    rotation: int
    source: str
    original_name: str
    created_at: str
    size: int = 0
    mime: str = ""
    replaces: int | None = None  # id of the original while awaiting confirmation


@dataclass(frozen=True)
class ImportError_:
    name: str
    reason: str
    message: str
    path: Path | None = None


@dataclass
class ImportResult:
    attached: list[FileRow] = field(default_factory=list)
    errors: list[ImportError_] = field(default_factory=list)


def blob_store(store: Store) -> BlobStore:
    """The store's scan files, encrypted with the same desk key."""
    return BlobStore(store.data_dir, key=store.key)


# -- reading ---------------------------------------------------------------
_SELECT = (
    "SELECT f.*, b.size AS size, b.mime AS mime FROM material_files f"
    " JOIN blobs b ON b.sha256 = f.sha256 WHERE f.removed_at IS NULL"
)


def _row(raw: dict[str, Any]) -> FileRow:
    source = raw["source"] or ""
    replaces = int(source[len(PROCESSED) :]) if source.startswith(PROCESSED) else None
    return FileRow(
        id=raw["id"],
        application_id=raw["application_id"],
        material_key=raw["material_key"],
        sha256=raw["sha256"],
        position=raw["position"],
        pages=raw["pages"],
        rotation=raw["rotation"],
        source=source,
        original_name=raw["original_name"] or "",
        created_at=raw["created_at"],
        size=raw["size"],
        mime=raw["mime"],
        replaces=replaces,
    )


def _query(db: Database, where: str, params: Sequence[Any]) -> list[FileRow]:
    sql = f"{_SELECT} AND {where} ORDER BY f.material_key, f.position, f.id"
    return [_row(dict(r)) for r in db.query(sql, list(params))]


def list_files(
    store: Store, application_id: str, *, material_key: str | None = None
) -> list[FileRow]:
    """Active files in material and page order; a pending processed file is
    listed right after its original (``replaces`` set)."""
    if material_key is None:
        return _query(store.db, "f.application_id = ?", [application_id])
    return _query(
        store.db,
        "f.application_id = ? AND f.material_key = ?",
        [application_id, material_key],
    )


def _get(db: Database, file_id: int) -> FileRow:
    rows = _query(db, "f.id = ?", [file_id])
    if not rows:
        raise MaterialError(
            _("找不到该材料文件（编号 {id}），可能已被移除。").format(id=file_id)
        )
    return rows[0]


# -- writing helpers ---------------------------------------------------------
def _insert_blob(db: Database, info: BlobInfo) -> None:
    db.execute(
        "INSERT OR IGNORE INTO blobs (sha256, size, mime, pages, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [info.sha256, info.size, info.mime, info.pages, now_iso()],
    )


def _insert_file(
    db: Database,
    *,
    application_id: str,
    material_key: str,
    info: BlobInfo,
    position: int,
    rotation: int,
    source: str,
    original_name: str,
) -> int:
    _insert_blob(db, info)
    cursor = db.execute(
        "INSERT INTO material_files (application_id, material_key, sha256, position,"
        " pages, rotation, source, original_name, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            application_id,
            material_key,
            info.sha256,
            position,
            info.pages,
            rotation,
            source,
            original_name,
            now_iso(),
        ],
    )
    return int(cursor.lastrowid or 0)


def _op(db: Database, row: FileRow, action: str, **extra: Any) -> None:
    payload = {
        "action": action,
        "application_id": row.application_id,
        "material_key": row.material_key,
        "file_id": row.id,
        "sha256": row.sha256,
        "position": row.position,
        "pages": row.pages,
        "rotation": row.rotation,
        "original_name": row.original_name,
        "mime": row.mime,
        "size": row.size,
    } | extra
    add_op(
        db,
        entity=ENTITY,
        entity_id=f"{row.application_id}/{row.id}",
        base_version=None,
        payload=payload,
        blobs=[row.sha256] if action in ("attach", "replace") else [],
    )


def _next_position(db: Database, application_id: str, material_key: str) -> int:
    value = db.execute(
        "SELECT COALESCE(MAX(position), -1) + 1 FROM material_files"
        " WHERE application_id = ? AND material_key = ? AND removed_at IS NULL",
        [application_id, material_key],
    ).fetchone()[0]
    return int(value)


def _application_bytes(db: Database, application_id: str) -> int:
    value = db.execute(
        "SELECT COALESCE(SUM(b.size), 0) FROM material_files f JOIN blobs b"
        " ON b.sha256 = f.sha256 WHERE f.application_id = ? AND f.removed_at IS NULL",
        [application_id],
    ).fetchone()[0]
    return int(value)


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}"


# -- actions -----------------------------------------------------------------
def import_files(
    store: Store,
    *,
    application_id: str,
    material_key: str,
    paths: Sequence[Path],
    actor: str,
    source: str = "import",
    progress: Progress | None = None,
) -> ImportResult:
    """Attach files to one material; bad files are reported, good ones attach."""
    result = ImportResult()
    blobs = blob_store(store)
    max_file = settings.get_int(store.db, "scan.max_file_bytes")
    max_app = settings.get_int(store.db, "scan.max_application_bytes")
    used = _application_bytes(store.db, application_id)
    accepted: list[tuple[Path, BlobInfo]] = []
    total = len(paths)
    for index, path in enumerate(paths):
        path = Path(path)
        try:
            info = _store_one(blobs, path, max_file=max_file, room=max_app - used)
            used += info.size
            accepted.append((path, info))
        except FileRejected as exc:
            result.errors.append(ImportError_(exc.name, exc.reason, exc.message, path))
        if progress is not None:
            progress(index + 1, total)
    if not accepted:
        return result
    with store.transaction() as db:
        position = _next_position(db, application_id, material_key)
        for path, info in accepted:
            file_id = _insert_file(
                db,
                application_id=application_id,
                material_key=material_key,
                info=info,
                position=position,
                rotation=0,
                source=source,
                original_name=path.name,
            )
            position += 1
            row = _get(db, file_id)
            _op(db, row, "attach")
            result.attached.append(row)
        add_event(
            db,
            kind="material.attached",
            actor=actor,
            application_id=application_id,
            detail={
                "material_key": material_key,
                "files": [r.original_name for r in result.attached],
                "ids": [r.id for r in result.attached],
            },
        )
    return result


def _store_one(blobs: BlobStore, path: Path, *, max_file: int, room: int) -> BlobInfo:
    name = path.name
    try:
        size = path.stat().st_size
        if max_file and size > max_file:
            raise FileRejected(
                name=name,
                reason="too_large",
                message=_(
                    "文件“{name}”有 {size} MB，超过单个文件上限 {limit} MB。"
                    "请以 200 dpi 灰度重新扫描或压缩后再导入。"
                ).format(name=name, size=_mb(size), limit=_mb(max_file)),
            )
        if size > room:
            raise FileRejected(
                name=name,
                reason="too_large",
                message=_(
                    "加入文件“{name}”后本办件的材料总量将超过上限，"
                    "请先压缩已有扫描件或移除不需要的文件。"
                ).format(name=name),
            )
        before = path.stat()
        facts = sniff.inspect_file(path)
        info = blobs.put_file(path, mime=facts.mime, pages=facts.pages)
        after = path.stat()
        if (before.st_size, before.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
            # Still being written (hot folder, network share): what was checked
            # may not be what was stored. The stored copy is left for GC.
            raise FileRejected(
                name=name,
                reason="changed",
                message=_(
                    "文件“{name}”在导入过程中被修改，请等扫描软件保存完成后重新导入。"
                ).format(name=name),
            )
        return info
    except FileNotFoundError as exc:
        raise FileRejected(
            name=name,
            reason="vanished",
            message=_("文件“{name}”在导入前已被移走或删除，请重新选择。").format(
                name=name
            ),
        ) from exc
    except PermissionError as exc:
        raise FileRejected(
            name=name,
            reason="unreadable",
            message=_("没有权限读取文件“{name}”，请检查文件权限。").format(name=name),
        ) from exc
    except IsADirectoryError as exc:
        raise FileRejected(
            name=name,
            reason="wrong_type",
            message=_("“{name}”是文件夹，请选择其中的文件。").format(name=name),
        ) from exc


def import_one(
    store: Store,
    *,
    application_id: str,
    material_key: str,
    path: Path,
    actor: str,
    source: str = "hot_folder",
) -> FileRow:
    """Attach one file or raise ``FileRejected`` (hot folder handler)."""
    result = import_files(
        store,
        application_id=application_id,
        material_key=material_key,
        paths=[path],
        actor=actor,
        source=source,
    )
    if result.errors:
        error = result.errors[0]
        raise FileRejected(name=error.name, reason=error.reason, message=error.message)
    return result.attached[0]


def hot_folder_handler(
    store: Store, *, application_id: str, material_key: str, actor: str
) -> Callable[[Path], None]:
    """A ``HotFolder`` handler attaching each stable file to one material."""

    def handle(path: Path) -> None:
        import_one(
            store,
            application_id=application_id,
            material_key=material_key,
            path=path,
            actor=actor,
        )

    return handle


def attach_scanned_pages(
    store: Store,
    *,
    application_id: str,
    material_key: str,
    pages: Sequence[bytes],
    actor: str,
    source: str = "sane",
    name_prefix: str = "scan",
    progress: Progress | None = None,
) -> ImportResult:
    """Attach pages from a scanner (one file per page, in scan order)."""
    with tempfile.TemporaryDirectory(prefix="counter-pages-") as tmp:
        paths = []
        for index, data in enumerate(pages, start=1):
            ext = sniff.EXTENSIONS.get(sniff.sniff_mime(data[:1024]) or "", ".bin")
            path = Path(tmp) / f"{name_prefix}_{index:03d}{ext}"
            path.write_bytes(data)
            paths.append(path)
        return import_files(
            store,
            application_id=application_id,
            material_key=material_key,
            paths=paths,
            actor=actor,
            source=source,
            progress=progress,
        )


def remove_file(store: Store, *, file_id: int, actor: str) -> None:
    with store.transaction() as db:
        row = _get(db, file_id)
        db.execute(
            "UPDATE material_files SET removed_at = ? WHERE id = ? OR source = ?",
            [now_iso(), file_id, f"{PROCESSED}{file_id}"],
        )
        _op(db, row, "remove")
        add_event(
            db,
            kind="material.removed",
            actor=actor,
            application_id=row.application_id,
            detail={"file_id": file_id, "name": row.original_name},
        )


def replace_file(store: Store, *, file_id: int, path: Path, actor: str) -> FileRow:
    """Put a new scan in the place of an old one (same material and position)."""
    blobs = blob_store(store)
    old = _get(store.db, file_id)
    max_file = settings.get_int(store.db, "scan.max_file_bytes")
    room = (
        settings.get_int(store.db, "scan.max_application_bytes")
        - _application_bytes(store.db, old.application_id)
        + old.size
    )
    info = _store_one(blobs, Path(path), max_file=max_file, room=room)
    with store.transaction() as db:
        old = _get(db, file_id)
        db.execute(
            "UPDATE material_files SET removed_at = ?"
            " WHERE (id = ? OR source = ?) AND removed_at IS NULL",
            [now_iso(), file_id, f"{PROCESSED}{file_id}"],
        )
        new_id = _insert_file(
            db,
            application_id=old.application_id,
            material_key=old.material_key,
            info=info,
            position=old.position,
            rotation=0,
            source="import",
            original_name=Path(path).name,
        )
        row = _get(db, new_id)
        _op(db, row, "replace", replaces=old.id)
        add_event(
            db,
            kind="material.replaced",
            actor=actor,
            application_id=old.application_id,
            detail={"old": old.id, "new": new_id, "name": row.original_name},
        )
    return row


def reorder(
    store: Store,
    *,
    application_id: str,
    material_key: str,
    file_ids_in_order: Sequence[int],
    actor: str,
) -> list[FileRow]:
    with store.transaction() as db:
        current = [
            r
            for r in _query(
                db,
                "f.application_id = ? AND f.material_key = ?",
                [application_id, material_key],
            )
            if r.replaces is None
        ]
        if sorted(file_ids_in_order) != sorted(r.id for r in current):
            raise MaterialError(_("文件顺序与当前材料的文件不一致，请刷新后重试。"))
        for position, file_id in enumerate(file_ids_in_order):
            db.execute(
                "UPDATE material_files SET position = ? WHERE (id = ? OR source = ?)"
                " AND removed_at IS NULL",
                [position, file_id, f"{PROCESSED}{file_id}"],
            )
        rows = _query(
            db,
            "f.application_id = ? AND f.material_key = ?",
            [application_id, material_key],
        )
        for row in rows:
            if row.replaces is None:
                _op(db, row, "reorder")
        add_event(
            db,
            kind="material.reordered",
            actor=actor,
            application_id=application_id,
            detail={"material_key": material_key, "order": list(file_ids_in_order)},
        )
    return rows


def rotate(store: Store, *, file_id: int, degrees: int, actor: str) -> FileRow:
    """A turned copy, pending confirmation; the original stays attached."""
    original = _original(store.db, file_id)
    total = (_rotation_of(store.db, file_id) + degrees) % 360
    data = processing.rotate_file(blob_store(store).read_bytes(original.sha256), total)
    return _add_processed(
        store, original, data, rotation=total, actor=actor, kind="material.rotated"
    )


def process(
    store: Store,
    *,
    file_id: int,
    page_settings: processing.PageSettings,
    actor: str,
    progress: Progress | None = None,
    cancel: processing.CancelToken | None = None,
) -> FileRow:
    """Clean up a scan (gray/bw, downsample, recompress) into a pending PDF.

    The pages are processed in a separate process (``pagework``), so Pillow
    does not hold this process's GIL away from the UI thread."""
    original = _original(store.db, file_id)
    data = blob_store(store).read_bytes(original.sha256)
    pages = pagework.process_file(data, page_settings, progress=progress, cancel=cancel)
    if len(pages) == 1:
        out = pages[0].data
    else:
        out = processing.pages_to_pdf(pages, cancel=cancel)
    return _add_processed(
        store,
        original,
        out,
        rotation=page_settings.rotate % 360,
        actor=actor,
        kind="material.processed",
    )


def _original(db: Database, file_id: int) -> FileRow:
    row = _get(db, file_id)
    return _get(db, row.replaces) if row.replaces is not None else row


def _rotation_of(db: Database, file_id: int) -> int:
    return _get(db, file_id).rotation


def _add_processed(
    store: Store,
    original: FileRow,
    data: bytes,
    *,
    rotation: int,
    actor: str,
    kind: str,
) -> FileRow:
    info = blob_store(store).put_bytes(data)
    with store.transaction() as db:
        db.execute(
            "UPDATE material_files SET removed_at = ?"
            " WHERE source = ? AND removed_at IS NULL",
            [now_iso(), f"{PROCESSED}{original.id}"],
        )
        new_id = _insert_file(
            db,
            application_id=original.application_id,
            material_key=original.material_key,
            info=info,
            position=original.position,
            rotation=rotation,
            source=f"{PROCESSED}{original.id}",
            original_name=original.original_name,
        )
        add_event(
            db,
            kind=kind,
            actor=actor,
            application_id=original.application_id,
            detail={
                "file_id": original.id,
                "processed_id": new_id,
                "rotation": rotation,
            },
        )
        return _get(db, new_id)


def confirm_processing(store: Store, *, file_id: int, actor: str) -> FileRow:
    """Keep the processed file and drop the link to the original."""
    with store.transaction() as db:
        row = _get(db, file_id)
        if row.replaces is None:
            raise MaterialError(_("该文件没有待确认的处理结果。"))
        old = _get(db, row.replaces)
        db.execute(
            "UPDATE material_files SET removed_at = ? WHERE id = ?", [now_iso(), old.id]
        )
        db.execute(
            "UPDATE material_files SET source = ? WHERE id = ?",
            [f"processed-from:{old.id}", row.id],
        )
        row = _get(db, row.id)
        _op(db, row, "replace", replaces=old.id)
        add_event(
            db,
            kind="material.processing_confirmed",
            actor=actor,
            application_id=row.application_id,
            detail={"old": old.id, "new": row.id},
        )
        return row


def discard_processing(store: Store, *, file_id: int, actor: str) -> None:
    with store.transaction() as db:
        row = _get(db, file_id)
        if row.replaces is None:
            raise MaterialError(_("该文件没有待确认的处理结果。"))
        db.execute(
            "UPDATE material_files SET removed_at = ? WHERE id = ?", [now_iso(), row.id]
        )
        add_event(
            db,
            kind="material.processing_discarded",
            actor=actor,
            application_id=row.application_id,
            detail={"file_id": row.id},
        )


def merged_pdf(
    store: Store,
    *,
    application_id: str,
    material_key: str,
    progress: Progress | None = None,
    cancel: processing.CancelToken | None = None,
) -> bytes:
    """All pages of one material, in order, as one PDF (for print/upload)."""
    blobs = blob_store(store)
    rows = [
        r
        for r in list_files(store, application_id, material_key=material_key)
        if r.replaces is None
    ]
    parts = [blobs.read_bytes(r.sha256) for r in rows]
    return processing.merge_to_pdf(parts, progress=progress, cancel=cancel)


# -- integrity -----------------------------------------------------------------
def live_shas(db: Database) -> set[str]:
    """Blobs still needed: by an attached file or by an op not yet sent."""
    rows = db.execute(
        "SELECT sha256 FROM material_files WHERE removed_at IS NULL"
        " UNION SELECT j.value FROM outbox o, json_each(o.blobs) j"
        " WHERE o.state IN ('pending', 'in_flight')"
    ).fetchall()
    return {r[0] for r in rows}


def startup_check(store: Store, *, verify: bool = False) -> CheckReport:
    """Orphan blob files (crash before commit, removed files) and attached
    files whose blob is missing. Leftover temporary files are deleted."""
    blobs = blob_store(store)
    blobs.clean_temp()
    # At a million applications the file rows are tens of MB of pages,
    # read once here.
    with store.read_through() as db:
        known = live_shas(db)
    return blobs.check(known, verify=verify)


def collect_garbage(store: Store, *, min_age_s: float = 3600.0) -> list[str]:
    """Delete blob files nothing needs any more (returns their stored names);
    the ``blobs`` rows stay as
    history. Files younger than ``min_age_s`` are kept: an import running in
    another thread may have written its blob and not yet committed its row."""
    blobs = blob_store(store)
    cutoff = time.time() - min_age_s
    removed = []
    for name in blobs.check(live_shas(store.db)).orphans:
        try:
            if blobs.stored_path(name).stat().st_mtime > cutoff:
                continue
        except FileNotFoundError:
            continue
        blobs.delete_name(name)
        removed.append(name)
    return removed
