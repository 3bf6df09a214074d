"""Handing memory the app has freed back to the system.

glibc keeps the heap pages of freed objects mapped, one arena per thread
that allocated them: after the start-up checks read a million-application
store on their own threads, the process stays ~10 MB bigger than what it
holds. ``malloc_trim(0)`` returns those pages; it takes milliseconds. Other
C libraries (and Windows) release differently and are left alone.
"""

from __future__ import annotations

import ctypes
import sys


def release_free_memory() -> bool:
    """Return freed heap pages to the system; False where there is no way."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:  # musl and others: no glibc
        return False
    trim = getattr(libc, "malloc_trim", None)
    if trim is None:
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    trim(0)
    return True
