from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PIL import Image

from counter_app.scanning import sniff
from counter_app.scanning.errors import FileRejected
from counter_app.store.blobstore import BlobStore
from tests.scanning_fixtures import pdf_bytes, tiff_bytes, write_samples


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "data")


def test_put_bytes_is_content_addressed_and_deduplicated(store: BlobStore) -> None:
    data = pdf_bytes(3)
    first = store.put_bytes(data)
    second = store.put_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert first == second
    assert (first.sha256, first.mime, first.pages, first.size) == (
        sha, "application/pdf", 3, len(data))  # fmt: skip
    assert store.path_for(sha) == store.root / "blobs" / sha[:2] / sha
    assert list(store.iter_shas()) == [sha]
    assert not list(store.tmp_dir.iterdir())


def test_put_file_streams_and_matches_put_bytes(
    store: BlobStore, tmp_path: Path
) -> None:
    data = tiff_bytes(4) * 1  # a real multi-page TIFF
    src = tmp_path / "scan.tif"
    src.write_bytes(data)
    info = store.put_file(src)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert (info.mime, info.pages) == ("image/tiff", 4)
    assert store.put_bytes(data) == info
    with store.open(info.sha256) as fh:
        assert fh.read() == data


def test_path_for_rejects_non_hashes(store: BlobStore) -> None:
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def test_check_reports_orphans_missing_and_corrupt(store: BlobStore) -> None:
    a = store.put_bytes(b"%PDF-1.4 a").sha256
    b = store.put_bytes(b"%PDF-1.4 b").sha256
    ghost = "f" * 64
    report = store.check({a, ghost})
    assert report.orphans == [b]
    assert report.missing == [ghost]
    store.path_for(a).write_bytes(b"tampered")
    assert store.check({a, b}, verify=True).corrupt == [a]


def test_thumbnails_for_image_tiff_page_and_pdf(store: BlobStore) -> None:
    tif = store.put_bytes(tiff_bytes(3)).sha256
    thumb = store.thumbnail(tif, page=2)
    assert thumb.parent.parent == store.root / "thumbs"
    with Image.open(thumb) as im:
        assert im.format == "PNG" and max(im.size) <= 256
    pdf = store.put_bytes(pdf_bytes(2)).sha256
    with Image.open(store.thumbnail(pdf, page=1)) as im:
        assert max(im.size) == 256
    store.delete(pdf)
    assert not list((store.thumbs_dir / pdf[:2]).glob(f"{pdf}_*"))


def test_clean_temp_removes_leftovers(store: BlobStore) -> None:
    (store.tmp_dir / "put-x.part").write_bytes(b"half")
    assert store.clean_temp() == 1


def test_sniffing_accepts_supported_and_names_bad_files(tmp_path: Path) -> None:
    paths = write_samples(tmp_path)
    assert sniff.inspect_file(paths["good.jpg"]) == sniff.FileFacts("image/jpeg", 1)
    assert sniff.inspect_file(paths["good.png"]).mime == "image/png"
    assert sniff.inspect_file(paths["multi.tif"]) == sniff.FileFacts("image/tiff", 3)
    assert sniff.inspect_file(paths["doc.pdf"]) == sniff.FileFacts("application/pdf", 2)
    expected = {
        "locked.pdf": "encrypted",
        "broken.jpg": "corrupt",
        "empty.png": "empty",
        "notes.jpg": "wrong_type",
    }
    for name, reason in expected.items():
        with pytest.raises(FileRejected) as err:
            sniff.inspect_file(paths[name])
        assert err.value.reason == reason
        assert f"“{name}”" in str(err.value)


def test_png_named_jpg_is_accepted_by_content(tmp_path: Path) -> None:
    paths = write_samples(tmp_path)
    renamed = tmp_path / "photo.jpg"
    renamed.write_bytes(paths["good.png"].read_bytes())
    assert sniff.inspect_file(renamed).mime == "image/png"
