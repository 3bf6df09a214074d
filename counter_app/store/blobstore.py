"""Content-addressed file store for scans: ``<root>/blobs/ab/abcdef…``.

Identical bytes are stored once. A blob is written to a temporary file on the
same file system, flushed and fsynced, then renamed into place and the
directory fsynced: a crash leaves either no file or the whole file, never a
half one under its final name. Thumbnails (PNG, 256 px) are a cache under
``<root>/thumbs/`` and can be deleted at any time.
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

from counter_app.scanning import sniff

THUMB_SIZE = 256
_CHUNK = 1 << 20
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int
    mime: str
    pages: int


@dataclass
class CheckReport:
    """Blobs on disk nobody references, and references with no file."""

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
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.blobs_dir = self.root / "blobs"
        self.thumbs_dir = self.root / "thumbs"
        self.tmp_dir = self.blobs_dir / "tmp"
        self.tmp_dir.mkdir(parents=True, exist_ok=True)

    # -- paths ---------------------------------------------------------
    def path_for(self, sha: str) -> Path:
        if not _SHA_RE.match(sha):
            raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
        return self.blobs_dir / sha[:2] / sha

    def exists(self, sha: str) -> bool:
        return self.path_for(sha).is_file()

    def open(self, sha: str) -> BinaryIO:
        return self.path_for(sha).open("rb")

    def read_bytes(self, sha: str) -> bytes:
        return self.path_for(sha).read_bytes()

    # -- writing -------------------------------------------------------
    def put_bytes(
        self, data: bytes, *, mime: str | None = None, pages: int | None = None
    ) -> BlobInfo:
        sha = hashlib.sha256(data).hexdigest()
        if mime is None or pages is None:
            facts = sniff.describe(data)
            mime, pages = mime or facts.mime, facts.pages if pages is None else pages
        if not self.exists(sha):
            with self._temp_file() as (fh, tmp):
                fh.write(data)
                self._commit(fh, tmp, sha)
        return BlobInfo(sha, len(data), mime, pages)

    def put_file(
        self, path: Path, *, mime: str | None = None, pages: int | None = None
    ) -> BlobInfo:
        """Copy ``path`` in, hashing while copying (one pass for big files)."""
        digest = hashlib.sha256()
        size = 0
        with self._temp_file() as (fh, tmp), Path(path).open("rb") as src:
            head = b""
            while chunk := src.read(_CHUNK):
                if not head:
                    head = chunk[:1024]
                digest.update(chunk)
                fh.write(chunk)
                size += len(chunk)
            sha = digest.hexdigest()
            if self.exists(sha):
                fh.close()
            else:
                self._commit(fh, tmp, sha)
        if mime is None or pages is None:
            facts = sniff.describe(self.read_bytes(sha))
            mime, pages = mime or facts.mime, facts.pages if pages is None else pages
        return BlobInfo(sha, size, mime, pages)

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

    def _commit(self, fh: BinaryIO, tmp: Path, sha: str) -> None:
        fh.flush()
        os.fsync(fh.fileno())
        fh.close()
        final = self.path_for(sha)
        shard = final.parent
        if not shard.is_dir():
            shard.mkdir(parents=True, exist_ok=True)
            _fsync_dir(self.blobs_dir)
        os.replace(tmp, final)
        _fsync_dir(shard)

    def delete(self, sha: str) -> bool:
        """Remove a blob and its thumbnails; only for blobs nothing references."""
        path = self.path_for(sha)
        for thumb in (self.thumbs_dir / sha[:2]).glob(f"{sha}_p*.png"):
            thumb.unlink(missing_ok=True)
        if not path.exists():
            return False
        path.unlink()
        _fsync_dir(path.parent)
        return True

    def clean_temp(self) -> int:
        """Delete temporary files left by an interrupted write."""
        removed = 0
        for leftover in self.tmp_dir.glob("*.part"):
            leftover.unlink(missing_ok=True)
            removed += 1
        return removed

    # -- inspection ----------------------------------------------------
    def iter_shas(self) -> Iterator[str]:
        if not self.blobs_dir.is_dir():
            return
        for shard in sorted(self.blobs_dir.iterdir()):
            if shard.is_dir() and len(shard.name) == 2:
                for entry in sorted(shard.iterdir()):
                    if _SHA_RE.match(entry.name) and entry.name[:2] == shard.name:
                        yield entry.name

    def check(self, known: set[str], *, verify: bool = False) -> CheckReport:
        """Compare the files on disk with the hashes the database references.

        With ``verify`` every referenced file is re-hashed (slow) and a file
        whose content no longer matches its name is reported as corrupt.
        """
        on_disk = set(self.iter_shas())
        report = CheckReport(
            orphans=sorted(on_disk - known), missing=sorted(known - on_disk)
        )
        if verify:
            for sha in sorted(known & on_disk):
                if self._hash_file(self.path_for(sha)) != sha:
                    report.corrupt.append(sha)
        return report

    @staticmethod
    def _hash_file(path: Path) -> str:
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
        return digest.hexdigest()

    # -- thumbnails ----------------------------------------------------
    def thumbnail(self, sha: str, page: int = 0) -> Path:
        """PNG of at most 256×256 px for ``page`` (0-based), cached."""
        target = self.thumbs_dir / sha[:2] / f"{sha}_p{page}.png"
        if target.is_file():
            return target
        source = self.path_for(sha)
        if not source.is_file():
            raise FileNotFoundError(source)
        image = _render_page(source, page)
        image.thumbnail((THUMB_SIZE, THUMB_SIZE))
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            image.save(fh, "PNG")
        os.replace(name, target)
        return target


def _render_page(source: Path, page: int) -> Image.Image:
    with source.open("rb") as fh:
        mime = sniff.sniff_mime(fh.read(1024))
    if mime == sniff.MIME_PDF:
        return _render_pdf_page(source, page)
    with Image.open(source) as im:
        im.seek(page)
        out = ImageOps.exif_transpose(im)
        if out.mode not in ("RGB", "L"):
            out = out.convert("RGB")
        out.load()
        return out


def _render_pdf_page(source: Path, page: int) -> Image.Image:
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm:
        proc = subprocess.run(
            [pdftoppm, "-png", "-f", str(page + 1), "-l", str(page + 1),
             "-scale-to", str(THUMB_SIZE), "-singlefile", str(source)],
            capture_output=True, timeout=60, check=False,
        )  # fmt: skip
        if proc.returncode == 0 and proc.stdout:
            with Image.open(io.BytesIO(proc.stdout)) as im:
                im.load()
                return im.copy()
    # Scanned PDFs hold one image per page: show it when no renderer exists.
    with source.open("rb") as fh:
        reader = PdfReader(fh)
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
