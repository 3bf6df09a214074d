from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import pytest
from PIL import Image

from counter_app.scanning import sniff
from counter_app.scanning.errors import FileRejected
from counter_app.store import blobcrypt, gcrypt_sm4
from counter_app.store.blobstore import BlobStore, BlobUnreadable
from tests.scanning_fixtures import pdf_bytes, tiff_bytes, write_samples

KEY = bytes(range(32))


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "data", key=KEY)


def test_put_bytes_is_content_addressed_and_deduplicated(store: BlobStore) -> None:
    data = pdf_bytes(3)
    first = store.put_bytes(data)
    second = store.put_bytes(data)
    sha = hashlib.sha256(data).hexdigest()
    assert first == second
    assert (first.sha256, first.mime, first.pages, first.size) == (
        sha, "application/pdf", 3, len(data))  # fmt: skip
    name = store.name_for(sha)
    assert name != sha and sha not in name  # the name reveals nothing
    assert store.path_for(sha) == store.root / "blobs" / name[:2] / name
    assert list(store.iter_names()) == [name]
    assert store.read_bytes(sha) == data
    assert data not in store.path_for(sha).read_bytes()
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
    assert data[:64] not in store.path_for(info.sha256).read_bytes()


def test_path_for_rejects_non_hashes(store: BlobStore) -> None:
    with pytest.raises(ValueError):
        store.path_for("../../etc/passwd")


def test_check_reports_orphans_missing_and_corrupt(store: BlobStore) -> None:
    a = store.put_bytes(b"%PDF-1.4 a").sha256
    b = store.put_bytes(b"%PDF-1.4 b").sha256
    ghost = "f" * 64
    report = store.check({a, ghost})
    assert report.orphans == [store.name_for(b)]
    assert report.missing == [ghost]
    sealed = bytearray(store.path_for(a).read_bytes())
    sealed[-20] ^= 1  # one bit of the ciphertext
    store.path_for(a).write_bytes(bytes(sealed))
    assert store.check({a, b}, verify=True).corrupt == [a]
    with pytest.raises(BlobUnreadable, match="无法解密"):
        store.read_bytes(a)


def test_thumbnails_for_image_tiff_page_and_pdf(store: BlobStore) -> None:
    tif = store.put_bytes(tiff_bytes(3)).sha256
    png = store.thumbnail(tif, page=2)
    with Image.open(io.BytesIO(png)) as im:
        assert im.format == "PNG" and max(im.size) <= 256
    [cached] = (store.thumbs_dir / store.name_for(tif)[:2]).iterdir()
    assert cached.name == f"{store.name_for(tif)}_p2"
    assert b"PNG" not in cached.read_bytes()  # the cache is encrypted too
    assert store.thumbnail(tif, page=2) == png  # and read back from it
    pdf = store.put_bytes(pdf_bytes(2)).sha256
    with Image.open(io.BytesIO(store.thumbnail(pdf, page=1))) as im:
        assert max(im.size) == 256
    name = store.name_for(pdf)
    assert list((store.thumbs_dir / name[:2]).glob(f"{name}_*"))
    store.delete(pdf)
    assert not list((store.thumbs_dir / name[:2]).glob(f"{name}_*"))


def test_sm4_and_aes_blobs_both_read_and_record_their_algorithm(
    tmp_path: Path,
) -> None:
    data = pdf_bytes(1)
    sealed = {}
    for algorithm in (blobcrypt.SM4_GCM, blobcrypt.AES_256_GCM):
        cipher = blobcrypt.BlobCipher(KEY, algorithm=algorithm)
        sealed[algorithm] = cipher.seal(data, name="n")
        assert (
            blobcrypt.algorithm_of(sealed[algorithm])
            == (blobcrypt.ALGORITHM_NAMES[algorithm])
        )
    # Whatever this machine prefers for writing, it reads both.
    reader = blobcrypt.BlobCipher(KEY)
    assert reader.open(sealed[blobcrypt.SM4_GCM], name="n") == data
    assert reader.open(sealed[blobcrypt.AES_256_GCM], name="n") == data
    assert blobcrypt.preferred_algorithm() == blobcrypt.SM4_GCM
    with pytest.raises(blobcrypt.BlobDecryptError):
        reader.open(sealed[blobcrypt.SM4_GCM], name="another-name")
    with pytest.raises(blobcrypt.BlobDecryptError):
        blobcrypt.BlobCipher(bytes(32)).open(sealed[blobcrypt.AES_256_GCM], name="n")


def _sm4_backend(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv("COUNTER_SM4_BACKEND", name)
    gcrypt_sm4.library.cache_clear()


def test_sm4_files_read_the_same_through_libgcrypt_and_openssl(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """A desk with libgcrypt and one without (Windows) read each other's scans."""
    if gcrypt_sm4.library() is None:
        pytest.skip("libgcrypt >= 1.10 with SM4 is not installed here")
    request.addfinalizer(gcrypt_sm4.library.cache_clear)
    data = os.urandom(100_000)
    sealed = {}
    for backend in ("gcrypt", "openssl"):
        _sm4_backend(monkeypatch, backend)
        assert (gcrypt_sm4.library() is None) == (backend == "openssl")
        cipher = blobcrypt.BlobCipher(KEY, algorithm=blobcrypt.SM4_GCM)
        sealed[backend] = cipher.seal(data, name="n")
    for writer, reader in (("gcrypt", "openssl"), ("openssl", "gcrypt")):
        _sm4_backend(monkeypatch, reader)
        cipher = blobcrypt.BlobCipher(KEY)
        assert cipher.open(sealed[writer], name="n") == data
        tampered = bytearray(sealed[writer])
        tampered[40] ^= 1
        with pytest.raises(blobcrypt.BlobDecryptError):
            cipher.open(bytes(tampered), name="n")
        with pytest.raises(blobcrypt.BlobDecryptError):
            cipher.open(sealed[writer], name="other")


def test_another_key_names_and_reads_nothing(store: BlobStore, tmp_path: Path) -> None:
    sha = store.put_bytes(b"%PDF-1.4 secret").sha256
    other = BlobStore(store.root, key=bytes(32))
    assert not other.exists(sha)
    assert other.check({sha}).missing == [sha]


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


def test_aes_can_be_chosen_for_new_files(
    store: BlobStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sm4 = store.put_bytes(b"%PDF-1.4 before").sha256
    monkeypatch.setenv(blobcrypt.CIPHER_ENV, "aes-256-gcm")
    aes_store = BlobStore(store.root, key=KEY)
    aes = aes_store.put_bytes(b"%PDF-1.4 after").sha256
    head = aes_store.path_for(aes).read_bytes()[:8]
    assert blobcrypt.algorithm_of(head) == "AES-256-GCM"
    assert blobcrypt.algorithm_of(store.path_for(sm4).read_bytes()[:8]) == "SM4-GCM"
    assert aes_store.read_bytes(sm4) == b"%PDF-1.4 before"
