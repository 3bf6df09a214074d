"""Content-addressed file store for scans: ``<root>/blobs/ab/abcdef…``.

Blobs are known by the SHA-256 of their clear content (the database and the
sync use it), but stored encrypted (:mod:`counter_app.store.blobcrypt`) under
a keyed name, so neither a file's bytes nor its name reveal the scan.
Identical bytes are stored once. A blob is written to a temporary file on the
same file system, flushed and fsynced, then renamed into place and the
directory fsynced: a crash leaves either no file or the whole file, never a
half one under its final name. Thumbnails (PNG, 256 px) are an encrypted
cache under ``<root>/thumbs/`` and can be deleted at any time.

With the :data:`~counter_app.store.db.PLAIN` key (benchmarks' baseline only)
names are the SHA-256 and files are stored as they are.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from PIL import Image, ImageDraw, ImageOps
from pypdf import PdfReader

from counter_app.i18n import _
from counter_app.scanning import sniff
from counter_app.store.blobcrypt import BlobCipher, BlobDecryptError

THUMB_SIZE = 256
_CHUNK = 1 << 20
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")
_DIR_MODE = 0o700


class BlobUnreadable(OSError):
    """A stored file cannot be decrypted: altered, truncated or another key's."""


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int
    mime: str
    pages: int


@dataclass
class CheckReport:
    """Blobs on disk nobody references (by stored name), and references with
    no file or a file that no longer opens (by SHA-256)."""

    orphans: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    corrupt: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.corrupt)


def _fsync_dir(path: Path) -> None:
    # Directories cannot be opened for fsync on Windows; rename is durable there.
    if os.name == "nt":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class BlobStore:
    def __init__(self, root: Path, *, key: bytes) -> None:
        self.root = Path(root)
        self.blobs_dir = self.root / "blobs"
        self.thumbs_dir = self.root / "thumbs"
        self.tmp_dir = self.blobs_dir / "tmp"
        self._cipher = BlobCipher(key) if key else None
        for folder in (self.root, self.blobs_dir, self.tmp_dir):
            folder.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)

    @property
    def encrypted(self) -> bool:
        return self._cipher is not None

    # -- paths ---------------------------------------------------------
    def name_for(self, sha: str) -> str:
        """The stored file name of the blob with content hash ``sha``."""
        if not _SHA_RE.match(sha):
            raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
        return self._cipher.name(sha) if self._cipher else sha

    def path_for(self, sha: str) -> Path:
        return self._path(self.name_for(sha))

    def _path(self, name: str) -> Path:
        if not _SHA_RE.match(name):
            raise ValueError(f"not a blob name: {name!r}")
        return self.blobs_dir / name[:2] / name

    def exists(self, sha: str) -> bool:
        return self.path_for(sha).is_file()

    def open(self, sha: str) -> BinaryIO:
        return io.BytesIO(self.read_bytes(sha))

    def read_bytes(self, sha: str) -> bytes:
        """The clear content; :class:`BlobUnreadable` when it does not open."""
        name = self.name_for(sha)
        return self._unseal(self._path(name).read_bytes(), name)

    def _unseal(self, stored: bytes, name: str) -> bytes:
        if self._cipher is None:
            return stored
        try:
            return self._cipher.open(stored, name=name)
        except BlobDecryptError as exc:
            raise BlobUnreadable(
                _(
                    "扫描件文件 {name} 无法解密（已被改动、不完整或不属于本机的密钥）。"
                ).format(name=name[:12])
            ) from exc

    def _seal(self, data: bytes, name: str) -> bytes:
        return self._cipher.seal(data, name=name) if self._cipher else data

    # -- writing -------------------------------------------------------
    def put_bytes(
        self, data: bytes, *, mime: str | None = None, pages: int | None = None
    ) -> BlobInfo:
        sha = hashlib.sha256(data).hexdigest()
        if mime is None or pages is None:
            facts = sniff.describe(data)
            mime, pages = mime or facts.mime, facts.pages if pages is None else pages
        if not self.exists(sha):
            name = self.name_for(sha)
            with self._temp_file() as (fh, tmp):
                fh.write(self._seal(data, name))
                self._commit(fh, tmp, name)
        return BlobInfo(sha, len(data), mime, pages)

    def put_file(
        self, path: Path, *, mime: str | None = None, pages: int | None = None
    ) -> BlobInfo:
        """Copy ``path`` in (scans are capped at a few MB by the settings, so
        the file is read whole: one read, one hash, one seal)."""
        return self.put_bytes(Path(path).read_bytes(), mime=mime, pages=pages)

    @contextlib.contextmanager
    def _temp_file(self) -> Iterator[tuple[BinaryIO, Path]]:
        fd, name = tempfile.mkstemp(dir=self.tmp_dir, prefix="put-", suffix=".part")
        tmp = Path(name)
        fh = os.fdopen(fd, "wb")
        try:
            yield fh, tmp
        finally:
            if not fh.closed:
                fh.close()
            tmp.unlink(missing_ok=True)

    def _commit(self, fh: BinaryIO, tmp: Path, name: str) -> None:
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        final = self._path(name)
        shard = final.parent
        if not shard.is_dir():
            shard.mkdir(mode=_DIR_MODE, parents=True, exist_ok=True)
            _fsync_dir(self.blobs_dir)
        os.replace(tmp, final)
        _fsync_dir(shard)

    def delete(self, sha: str) -> bool:
        """Remove a blob and its thumbnails; only for blobs nothing references."""
        return self.delete_name(self.name_for(sha))

    def delete_name(self, name: str) -> bool:
        """Remove a stored file by its name (an orphan of :meth:`check`)."""
        path = self._path(name)
        for thumb in (self.thumbs_dir / name[:2]).glob(f"{name}_p*"):
            thumb.unlink(missing_ok=True)
        if not path.exists():
            return False
        path.unlink()
        _fsync_dir(path.parent)
        return True

    def stored_path(self, name: str) -> Path:
        return self._path(name)

    def clean_temp(self) -> int:
        """Delete temporary files left by an interrupted write."""
        removed = 0
        for leftover in self.tmp_dir.glob("*.part"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    # -- inspection ----------------------------------------------------
    def iter_names(self) -> Iterator[str]:
        """Stored file names (equal to the SHA-256 only in a plain store)."""
        if not self.blobs_dir.is_dir():
            return
        for shard in sorted(self.blobs_dir.iterdir()):
            if shard.is_dir() and len(shard.name) == 2:
                for entry in sorted(shard.iterdir()):
                    if _SHA_RE.match(entry.name) and entry.name[:2] == shard.name:
                        yield entry.name

    def check(self, known: set[str], *, verify: bool = False) -> CheckReport:
        """Compare the files on disk with the hashes the database references.

        With ``verify`` every referenced file is decrypted and re-hashed
        (slow); a file that fails to open or whose content no longer matches
        its hash is reported as corrupt.
        """
        on_disk = set(self.iter_names())
        names = {sha: self.name_for(sha) for sha in known}
        wanted = set(names.values())
        report = CheckReport(
            orphans=sorted(on_disk - wanted),
            missing=sorted(sha for sha, name in names.items() if name not in on_disk),
        )
        if verify:
            for sha in sorted(known):
                if names[sha] not in on_disk:
                    continue
                try:
                    intact = hashlib.sha256(self.read_bytes(sha)).hexdigest() == sha
                except BlobUnreadable:
                    intact = False
                if not intact:
                    report.corrupt.append(sha)
        return report

    # -- thumbnails ----------------------------------------------------
    def _thumb_path(self, sha: str, page: int) -> Path:
        # Named after the blob's stored name: a thumbnail reveals no more.
        name = self.name_for(sha)
        suffix = "" if self._cipher else ".png"
        return self.thumbs_dir / name[:2] / f"{name}_p{page}{suffix}"

    def thumbnail(self, sha: str, page: int = 0) -> bytes:
        """PNG of at most 256×256 px for ``page`` (0-based), cached encrypted."""
        target = self._thumb_path(sha, page)
        if target.is_file():
            try:
                return self._unseal(target.read_bytes(), target.name)
            except BlobUnreadable:
                target.unlink(missing_ok=True)  # a cache: make it again
        if not self.exists(sha):
            raise FileNotFoundError(self.path_for(sha))
        image = _render_page(self.read_bytes(sha), page)
        image.thumbnail((THUMB_SIZE, THUMB_SIZE))
        out = io.BytesIO()
        image.save(out, "PNG")
        png = out.getvalue()
        self.thumbs_dir.mkdir(mode=_DIR_MODE, exist_ok=True)
        target.parent.mkdir(mode=_DIR_MODE, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(self._seal(png, target.name))
        os.replace(name, target)
        return png


def encrypt_plain_files(root: Path, key: bytes) -> int:
    """Encrypt the scan files of a store made before encryption (named by
    their SHA-256, stored as they are) and drop the old thumbnail cache.
    Returns how many files were encrypted."""
    plain, sealed = BlobStore(root, key=b""), BlobStore(root, key=key)
    done = 0
    for name in list(plain.iter_names()):
        path = plain.stored_path(name)
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != name:
            continue  # an encrypted file whose keyed name looks like a hash
        sealed.put_bytes(data, mime="", pages=0)
        path.unlink()
        done += 1
    shutil.rmtree(root / "thumbs", ignore_errors=True)
    return done


def _render_page(data: bytes, page: int) -> Image.Image:
    mime = sniff.sniff_mime(data[:1024])
    if mime == sniff.MIME_PDF:
        return _render_pdf_page(data, page)
    with Image.open(io.BytesIO(data)) as im:
        im.seek(page)
        out = ImageOps.exif_transpose(im)
        if out.mode not in ("RGB", "L"):
            out = out.convert("RGB")
        out.load()
        return out


def _render_pdf_page(data: bytes, page: int) -> Image.Image:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        # The clear PDF goes through a pipe: it never touches the disk.
        proc = subprocess.run(
            [pdftoppm, "-png", "-f", str(page + 1), "-l", str(page + 1),
             "-scale-to", str(THUMB_SIZE), "-singlefile", "-"],
            input=data, capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        if proc.returncode == 0 and proc.stdout:
            with Image.open(io.BytesIO(proc.stdout)) as im:
                im.load()
                return im.copy()
    # Scanned PDFs hold one image per page: show it when no renderer exists.
    reader = PdfReader(io.BytesIO(data))
    images = reader.pages[page].images
    if len(images) == 1 and images[0].image is not None:
        return images[0].image.convert("RGB")
    return _placeholder("PDF")


def _placeholder(label: str) -> Image.Image:
    im = Image.new("RGB", (181, THUMB_SIZE), "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle((0, 0, 180, THUMB_SIZE - 1), outline="gray")
    draw.text((70, 120), label, fill="gray")
    return im
