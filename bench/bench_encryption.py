"""What encryption at rest costs, and what the rejected alternative would.

    .venv/bin/python bench/bench_encryption.py [--db DIR --plain-db DIR]

1. Opening the store: plain SQLite against SQLCipher (raw 256-bit key, so
   no passphrase derivation), first read included; with ``--db`` /
   ``--plain-db`` on stores built by bench_workspace.py (1M applications).
2. Field-level encryption (the alternative): SM4-GCM decryption of the three
   personal fields of a 100-row list page in Python, and the keyed blind
   index (HMAC-SM3) a search would compute — the work SQLCipher does in C
   at page level instead.
3. A sealed scan: SM4-GCM (libgcrypt and OpenSSL) and AES-256-GCM on a
   270 KB processed page and a 1.2 MB raw scanner page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from counter_app.store import gcrypt_sm4
from counter_app.store.blobcrypt import AES_256_GCM, SM4_GCM, BlobCipher
from counter_app.store.db import PLAIN, Store


def median_ms(fn, repeat: int = 20) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench_open(db: Path | None, plain_db: Path | None) -> None:
    print("== opening the store (first read included, median of 10) ==")
    tmp = Path(tempfile.mkdtemp(prefix="counter-bench-open-"))
    cases = [
        ("plain SQLite, empty store", tmp / "plain", PLAIN),
        ("SQLCipher, empty store", tmp / "sealed", None),
    ]
    if plain_db:
        cases.append(("plain SQLite, bench store", plain_db, PLAIN))
    if db:
        cases.append(("SQLCipher, bench store", db, None))
    for label, folder, key in cases:
        Store.open(folder, key=key).close()

        def once(folder: Path = folder, key: bytes | None = key) -> None:
            store = Store.open(folder, key=key)
            store.db.execute("SELECT COUNT(*) FROM settings").fetchone()
            store.close()

        print(f"  {label:<28} {median_ms(once, 10):7.2f} ms")


def bench_fields() -> None:
    print("== field-level alternative, per 100-row list page ==")
    key = os.urandom(16)
    values = ["320102198503091234", "13912345678", "欧阳𠮷龘"] * 100
    sealed = []
    for v in values:
        nonce = os.urandom(12)
        enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
        sealed.append((nonce, enc.update(v.encode()) + enc.finalize(), enc.tag))

    def decrypt_page() -> None:
        for nonce, body, tag in sealed:
            dec = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
            dec.update(body)
            dec.finalize()

    def blind_index() -> None:
        h = hmac.HMAC(key, hashes.SM3())
        h.update(b"320102198503091234")
        h.finalize()

    print(f"  SM4-GCM decrypt of 300 fields      {median_ms(decrypt_page):7.2f} ms")
    print(
        f"  HMAC-SM3 blind index of one term   {median_ms(blind_index) * 1000:7.1f} µs"
    )


def _sm4_backend(name: str) -> None:
    os.environ["COUNTER_SM4_BACKEND"] = name
    gcrypt_sm4.library.cache_clear()


def bench_blob() -> None:
    """SM4 through libgcrypt (what a Linux desk uses) against OpenSSL's SM4
    (Windows) and AES-256-GCM, on a processed page and a raw scanner page."""
    ciphers = [("SM4-GCM libgcrypt", SM4_GCM, "gcrypt")]
    ciphers += [("SM4-GCM OpenSSL", SM4_GCM, "openssl")]
    ciphers += [("AES-256-GCM", AES_256_GCM, "gcrypt")]
    for size_kb in (270, 1211):
        print(f"== sealing one {size_kb} KB scan page ==")
        data = os.urandom(size_kb * 1024)
        for label, algorithm, backend in ciphers:
            _sm4_backend(backend)
            no_gcrypt = gcrypt_sm4.library() is None
            if backend == "gcrypt" and algorithm == SM4_GCM and no_gcrypt:
                print(f"  {label:<18} (libgcrypt >= 1.10 not installed)")
                continue
            cipher = BlobCipher(os.urandom(32), algorithm=algorithm)
            sealed = cipher.seal(data, name="n")
            seal = median_ms(lambda c=cipher, d=data: c.seal(d, name="n"))
            unseal = median_ms(lambda c=cipher, s=sealed: c.open(s, name="n"))
            print(f"  {label:<18} seal {seal:6.2f} ms   open {unseal:6.2f} ms")
    _sm4_backend("")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an encrypted bench_workspace store")
    parser.add_argument("--plain-db", type=Path, help="a plain bench_workspace store")
    args = parser.parse_args()
    bench_open(args.db, args.plain_db)
    bench_fields()
    bench_blob()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
