"""Authenticated encryption of scan files and their names.

A stored file is ``CNTB`` · format version · algorithm · 12-byte nonce ·
ciphertext · 16-byte GCM tag. The algorithm byte says how to read it back:
SM4-GCM (商用密码; through libgcrypt's vectorised SM4 where the system has
it, :mod:`counter_app.store.gcrypt_sm4`, else OpenSSL's) or AES-256-GCM, so a file written on one machine reads on the other. The header
and the file's name are authenticated too: a file swapped under another name
fails to open.

File names are an HMAC-SHA256 of the content's SHA-256 under a key derived
from the desk key: equal content still stores once, but a name reveals
nothing about the content (no look-up of a known document's hash).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from counter_app.store import gcrypt_sm4
from counter_app.store.keys import subkey

MAGIC = b"CNTB"
VERSION = 1
SM4_GCM = 1
AES_256_GCM = 2
ALGORITHM_NAMES = {SM4_GCM: "SM4-GCM", AES_256_GCM: "AES-256-GCM"}
NONCE_BYTES = 12
TAG_BYTES = 16
HEADER_BYTES = len(MAGIC) + 2 + NONCE_BYTES


class BlobDecryptError(Exception):
    """The file is not one of ours, was altered, or belongs to another key."""


@functools.cache
def sm4_gcm_available() -> bool:
    if gcrypt_sm4.library() is not None:
        return True
    try:
        enc = Cipher(algorithms.SM4(bytes(16)), modes.GCM(bytes(NONCE_BYTES)))
        encryptor = enc.encryptor()
        encryptor.update(b"x")
        encryptor.finalize()
    except (UnsupportedAlgorithm, ValueError):
        return False
    return True


CIPHER_ENV = "COUNTER_BLOB_CIPHER"


def preferred_algorithm() -> int:
    """SM4-GCM where available; ``COUNTER_BLOB_CIPHER=aes-256-gcm`` picks AES
    for new files (an OpenSSL whose SM4 is slow, see README); files already
    written keep the algorithm in their header and read either way."""
    if os.environ.get(CIPHER_ENV, "").strip().lower() == "aes-256-gcm":
        return AES_256_GCM
    return SM4_GCM if sm4_gcm_available() else AES_256_GCM


class BlobCipher:
    def __init__(self, key: bytes, *, algorithm: int | None = None) -> None:
        self._enc_key = subkey(key, "counter/blob-content/v1")
        self._name_key = subkey(key, "counter/blob-name/v1")
        self.algorithm = preferred_algorithm() if algorithm is None else algorithm

    def name(self, label: str) -> str:
        """The stored name of a blob (``label`` = its SHA-256) or a thumbnail."""
        return hmac.new(
            self._name_key, label.encode("ascii"), hashlib.sha256
        ).hexdigest()

    def seal(self, data: bytes, *, name: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        header = MAGIC + bytes((VERSION, self.algorithm)) + nonce
        aad = header + name.encode("ascii")
        if self.algorithm == SM4_GCM:
            fast = gcrypt_sm4.seal(self._enc_key[:16], nonce, aad, data)
            if fast is not None:
                return header + fast
            encryptor = Cipher(
                algorithms.SM4(self._enc_key[:16]), modes.GCM(nonce)
            ).encryptor()
            encryptor.authenticate_additional_data(aad)
            body = encryptor.update(data) + encryptor.finalize() + encryptor.tag
        else:
            body = AESGCM(self._enc_key).encrypt(nonce, data, aad)
        return header + body

    def open(self, sealed: bytes, *, name: str) -> bytes:
        if len(sealed) < HEADER_BYTES + TAG_BYTES or not sealed.startswith(MAGIC):
            raise BlobDecryptError("not an encrypted blob")
        version, algorithm = sealed[len(MAGIC)], sealed[len(MAGIC) + 1]
        if version != VERSION or algorithm not in ALGORITHM_NAMES:
            raise BlobDecryptError(f"unknown blob format {version}/{algorithm}")
        header, body = sealed[:HEADER_BYTES], sealed[HEADER_BYTES:]
        nonce = header[-NONCE_BYTES:]
        aad = header + name.encode("ascii")
        try:
            if algorithm == SM4_GCM and gcrypt_sm4.library() is not None:
                return gcrypt_sm4.unseal(
                    self._enc_key[:16], nonce, aad, body[:-TAG_BYTES], body[-TAG_BYTES:]
                )
            if algorithm == SM4_GCM:
                decryptor = Cipher(
                    algorithms.SM4(self._enc_key[:16]),
                    modes.GCM(nonce, body[-TAG_BYTES:]),
                ).decryptor()
                decryptor.authenticate_additional_data(aad)
                return decryptor.update(body[:-TAG_BYTES]) + decryptor.finalize()
            return AESGCM(self._enc_key).decrypt(nonce, body, aad)
        except (InvalidTag, gcrypt_sm4.GcryptError) as exc:
            raise BlobDecryptError("authentication failed") from exc
        except UnsupportedAlgorithm as exc:
            raise BlobDecryptError(
                f"{ALGORITHM_NAMES[algorithm]} is not available here"
            ) from exc


def algorithm_of(sealed_head: bytes) -> str:
    """The algorithm named in a stored file's header (for reports)."""
    if len(sealed_head) < len(MAGIC) + 2 or not sealed_head.startswith(MAGIC):
        return ""
    return ALGORITHM_NAMES.get(sealed_head[len(MAGIC) + 1], "")
