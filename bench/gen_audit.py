"""The audit chain and the scan files of a generated desk store.

Events are chained in time order exactly as ``store/events.py`` links them
(SM3 over ``sync.protocol.event_hash``), and retention is replayed as the
day close runs it (``store/audit.archive_old``): at each close, events older
than ``audit.keep_days`` move to ``events_archive`` with an
``audit_archives`` boundary and an ``audit.archived`` event — so
``main.py verify-audit`` walks the result as it would a real desk's.

Scan files are tiny distinct PNG pages, sealed with the desk key into the
blob store as ``BlobStore.put_bytes`` seals them (without its per-file
fsync: a generated store is thrown away, not trusted).
"""

from __future__ import annotations

import hashlib
import os
import random
import struct
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.gen_records import Event, dumps
from counter_app.store.blobcrypt import BlobCipher
from counter_app.store.blobstore import BlobStore
from sync.protocol import GENESIS_HASH, OUTCOME_SUCCESS, event_hash

EVENT_ROW = (
    "seq, uid, at, actor, kind, object, outcome, application_id, detail,"
    " prev_hash, hash"
)


@dataclass
class Chain:
    live: list[tuple[object, ...]]
    archived: list[tuple[object, ...]]
    boundaries: list[tuple[object, ...]]
    head_seq: int
    head_hash: str


def uuid7_at(at: str, rng: random.Random) -> str:
    """A UUIDv7 for an event written at ``at`` (as ``new_op_id`` makes one)."""
    ms = int(datetime.fromisoformat(at).timestamp() * 1000)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76 | rng.getrandbits(12) << 64
    value |= 0b10 << 62 | rng.getrandbits(62)
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def build_chain(
    events: Iterable[Event],
    *,
    keep_days: int,
    actor: str,
    seed: int,
    prefix: Sequence[tuple[object, ...]] = (),
) -> Chain:
    """Chain ``events`` (in time order; sorted here, stably) after the
    ``prefix`` rows already in the table (seq 1, 2, …), and replay the
    retention at every ``day_close``."""
    rng = random.Random(seed)
    ordered = sorted(events, key=lambda e: e.at)
    rows: list[tuple[object, ...]] = list(prefix)
    archived_at: dict[int, str] = {}
    boundaries: list[tuple[object, ...]] = []
    prev, upto = (str(rows[-1][10]) if rows else GENESIS_HASH), 0

    def append(e: Event) -> None:
        nonlocal prev
        target = e.target or (
            f"application:{e.application_id}" if e.application_id else ""
        )
        detail = dumps(e.detail)
        seq = len(rows) + 1
        body = {
            "seq": seq,
            "at": e.at,
            "actor": e.actor,
            "kind": e.kind,
            "object": target,
            "outcome": OUTCOME_SUCCESS,
            "application_id": e.application_id,
            "detail": detail,
            "prev_hash": prev,
        }
        digest = event_hash(body)
        rows.append(
            (
                seq,
                uuid7_at(e.at, rng),
                e.at,
                e.actor,
                e.kind,
                target,
                OUTCOME_SUCCESS,
                e.application_id,
                detail,
                prev,
                digest,
            )
        )
        prev = digest

    for event in ordered:
        append(event)
        if event.kind != "day_close":
            continue
        before = (
            date.fromisoformat(event.at[:10]) - timedelta(days=keep_days)
        ).isoformat()
        last = upto
        while last < len(rows) and str(rows[last][2]) < before:
            last += 1
        if last == upto:
            continue
        first, count = upto + 1, last - upto
        for seq in range(first, last + 1):
            archived_at[seq] = event.at
        boundaries.append(
            (first, last, rows[last - 1][10], count, before, event.at, actor)
        )
        upto = last
        append(
            Event(
                event.at,
                actor,
                "audit.archived",
                None,
                {"count": count, "before": before},
                target=f"events:{first}-{last}",
            )
        )
    archived = [(*row, archived_at[int(row[0])]) for row in rows[:upto]]  # type: ignore[call-overload]
    return Chain(rows[upto:], archived, boundaries, len(rows), prev)


# -- scan files -----------------------------------------------------------------
def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


_PAGE = zlib.compress(b"".join(b"\x00" + b"\xf0" * 24 for _ in range(34)))


def page_png(label: str) -> bytes:
    """A 24×34 gray page, distinct by its text chunk (so every scan is its
    own blob, as real scans are)."""
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", 24, 34, 8, 0, 0, 0, 0))
        + _chunk(b"tEXt", b"Comment\x00" + label.encode())
        + _chunk(b"IDAT", _PAGE)
        + _chunk(b"IEND", b"")
    )


def write_scans(
    data_dir: Path, key: bytes, scans: Sequence[tuple[str, str, int, str]]
) -> Iterator[tuple[tuple[object, ...], tuple[object, ...]]]:
    """Seal one page per (application, material, position, created_at);
    yields its ``blobs`` row and its ``material_files`` row."""
    blobs = BlobStore(data_dir, key=key)
    cipher = BlobCipher(key) if key else None
    made: set[Path] = set()
    for app_id, material_key, position, created in scans:
        data = page_png(f"{app_id}/{material_key}/{position}")
        sha = hashlib.sha256(data).hexdigest()
        name = blobs.name_for(sha)
        path = blobs.path_for(sha)
        if path.parent not in made:
            path.parent.mkdir(mode=0o700, exist_ok=True)
            made.add(path.parent)
        sealed = cipher.seal(data, name=name) if cipher else data
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(sealed)
        yield (
            (sha, len(data), "image/png", 1, created, created),
            (
                app_id,
                material_key,
                sha,
                position,
                1,
                0,
                "scanner",
                f"扫描件{position + 1}.png",
                created,
            ),
        )
