"""Freed heap pages go back to the system after the start-up checks."""

from __future__ import annotations

import ctypes
import sys

import pytest

from counter_app.memory import release_free_memory

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="malloc_trim is glibc's"
)


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_freed_heap_pages_go_back_to_the_system() -> None:
    libc = ctypes.CDLL("libc.so.6")
    libc.malloc.restype = ctypes.c_void_p
    libc.malloc.argtypes = [ctypes.c_size_t]
    libc.free.argtypes = [ctypes.c_void_p]
    libc.memset.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_size_t]
    # 80 MB in small blocks (below the mmap threshold, so on the heap), all
    # touched; then every block freed but the last, which pins the heap's top
    # so plain free() cannot shrink it.
    blocks = []
    for _ in range(20_000):
        block = libc.malloc(4096)
        libc.memset(block, 1, 4096)
        blocks.append(block)
    for block in blocks[:-1]:
        libc.free(block)
    held = _rss_kib()
    assert release_free_memory()
    released = held - _rss_kib()
    libc.free(blocks[-1])
    assert released > 40_000  # KiB: most of the 80 MB
