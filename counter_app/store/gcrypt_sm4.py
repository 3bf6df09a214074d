"""SM4-GCM through libgcrypt, when the system has it.

OpenSSL 3 runs SM4 in plain software on x86 (≈ 100 MB/s, ≈ 10 ms for a
scanner page); libgcrypt ≥ 1.10, on every Debian/Ubuntu/UOS/Kylin desk,
has SM4 in AES-NI/AVX2/GFNI code several times faster. Both produce the
same standard SM4-GCM bytes, so files written with one open with the other:
:mod:`counter_app.store.blobcrypt` uses this module where it loads and passes
its self-test, and ``cryptography`` otherwise (Windows, other systems).
ctypes releases the GIL during each call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import os

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

# gcrypt.h
_CIPHER_SM4 = 318
_MODE_GCM = 9
_CTL_FINALIZE = 5
_MIN_VERSION = b"1.10.0"
_TAG_BYTES = 16


class GcryptError(Exception):
    pass


class _Lib:
    def __init__(self, lib: ctypes.CDLL) -> None:
        self.lib = lib
        vp, sz = ctypes.c_void_p, ctypes.c_size_t
        lib.gcry_check_version.restype = ctypes.c_char_p
        lib.gcry_check_version.argtypes = [ctypes.c_char_p]
        signatures: dict[str, list[type]] = {
            "gcry_cipher_open": [ctypes.POINTER(vp), ctypes.c_int, ctypes.c_int, ctypes.c_uint],
            "gcry_cipher_setkey": [vp, ctypes.c_char_p, sz],
            "gcry_cipher_setiv": [vp, ctypes.c_char_p, sz],
            "gcry_cipher_authenticate": [vp, ctypes.c_char_p, sz],
            "gcry_cipher_ctl": [vp, ctypes.c_int, vp, sz],
            "gcry_cipher_encrypt": [vp, vp, sz, ctypes.c_char_p, sz],
            "gcry_cipher_decrypt": [vp, vp, sz, ctypes.c_char_p, sz],
            "gcry_cipher_gettag": [vp, vp, sz],
            "gcry_cipher_checktag": [vp, ctypes.c_char_p, sz],
        }  # fmt: skip
        for name, args in signatures.items():
            fn = getattr(lib, name)
            fn.argtypes = args
            fn.restype = ctypes.c_uint
        lib.gcry_cipher_close.argtypes = [vp]
        lib.gcry_cipher_close.restype = None

    def _check(self, err: int, what: str) -> None:
        if err:
            raise GcryptError(f"{what}: gcrypt error {err}")

    def run(
        self, key: bytes, nonce: bytes, aad: bytes, data: bytes, *, tag: bytes | None
    ) -> tuple[bytes, bytes]:
        """Encrypt (``tag`` None) or decrypt and check ``tag``: (output, tag)."""
        lib = self.lib
        handle = ctypes.c_void_p()
        self._check(
            lib.gcry_cipher_open(ctypes.byref(handle), _CIPHER_SM4, _MODE_GCM, 0),
            "open",
        )
        try:
            self._check(lib.gcry_cipher_setkey(handle, key, len(key)), "setkey")
            self._check(lib.gcry_cipher_setiv(handle, nonce, len(nonce)), "setiv")
            self._check(lib.gcry_cipher_authenticate(handle, aad, len(aad)), "aad")
            self._check(lib.gcry_cipher_ctl(handle, _CTL_FINALIZE, None, 0), "final")
            out = ctypes.create_string_buffer(len(data))
            if tag is None:
                self._check(
                    lib.gcry_cipher_encrypt(handle, out, len(data), data, len(data)),
                    "encrypt",
                )
                tag_buf = ctypes.create_string_buffer(_TAG_BYTES)
                self._check(lib.gcry_cipher_gettag(handle, tag_buf, _TAG_BYTES), "tag")
                return out.raw, tag_buf.raw
            self._check(
                lib.gcry_cipher_decrypt(handle, out, len(data), data, len(data)),
                "decrypt",
            )
            self._check(lib.gcry_cipher_checktag(handle, tag, len(tag)), "checktag")
            return out.raw, tag
        finally:
            lib.gcry_cipher_close(handle)


def _self_test(lib: _Lib) -> bool:
    """Same bytes as ``cryptography`` on a sample, both ways."""
    key, nonce, aad, data = bytes(range(16)), bytes(12), b"aad", os.urandom(1000)
    enc = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    enc.authenticate_additional_data(aad)
    expected = enc.update(data) + enc.finalize()
    body, tag = lib.run(key, nonce, aad, data, tag=None)
    if body != expected or tag != enc.tag:
        return False
    return lib.run(key, nonce, aad, body, tag=tag)[0] == data


@functools.cache
def library() -> _Lib | None:
    """libgcrypt's SM4-GCM, or None (not installed, too old, failed self-test,
    or ``COUNTER_SM4_BACKEND=openssl``)."""
    if os.environ.get("COUNTER_SM4_BACKEND", "").strip().lower() == "openssl":
        return None
    name = ctypes.util.find_library("gcrypt")
    if not name:
        return None
    try:
        lib = _Lib(ctypes.CDLL(name))
        if not lib.lib.gcry_check_version(_MIN_VERSION):
            return None
        return lib if _self_test(lib) else None
    except (OSError, AttributeError, GcryptError, ValueError):
        return None


def seal(key: bytes, nonce: bytes, aad: bytes, data: bytes) -> bytes | None:
    """Ciphertext · tag, or None when libgcrypt is not usable here."""
    lib = library()
    if lib is None:
        return None
    body, tag = lib.run(key, nonce, aad, data, tag=None)
    return body + tag


def unseal(key: bytes, nonce: bytes, aad: bytes, body: bytes, tag: bytes) -> bytes:
    """The clear bytes; :class:`GcryptError` when the tag does not match."""
    lib = library()
    if lib is None:
        raise GcryptError("libgcrypt not available")
    return lib.run(key, nonce, aad, body, tag=tag)[0]
