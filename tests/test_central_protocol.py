from __future__ import annotations

import time
import uuid

import pytest

from sync import protocol as p


def test_op_ids_are_uuid7_and_strictly_increasing() -> None:
    ids = [p.new_op_id() for _ in range(20000)]  # many share one millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    parsed = uuid.UUID(ids[-1])
    assert parsed.version == 7
    assert parsed.variant == uuid.RFC_4122
    assert abs(p.op_id_timestamp_ms(ids[-1]) - time.time() * 1000) < 5000


def test_canonical_json_is_sorted_compact_utf8() -> None:
    assert p.canonical_json({"b": 1, "a": ["中", 2.5]}) == (
        '{"a":["中",2.5],"b":1}'.encode()
    )
    with pytest.raises(ValueError):
        p.canonical_json({"x": float("nan")})


def test_body_hash_ignores_key_order_and_created_at() -> None:
    op = {
        "op_id": "x",
        "entity": "event",
        "entity_id": "e1",
        "base_version": None,
        "payload": {"a": 1, "b": [1, 2]},
        "created_at": "2026-11-23T10:00:00+08:00",
    }
    same = dict(reversed(list(op.items())), created_at="later", base_version=0)
    assert p.body_hash(op) == p.body_hash(same)
    changed = dict(op, payload={"a": 2, "b": [1, 2]})
    assert p.body_hash(op) != p.body_hash(changed)


def test_op_blobs_collects_both_places() -> None:
    a, b = "a" * 64, "b" * 64
    op = {"blobs": [b], "payload": {"blobs": [a, b]}}
    assert p.op_blobs(op) == [a, b]


def test_password_verifier_round_trip_and_format() -> None:
    verifier = p.hash_password("口令 pass")
    scheme, n, r, par, salt, key = verifier.split("$")
    assert (scheme, n, r, par) == ("scrypt", str(2**14), "8", "1")
    assert salt and key
    assert p.verify_password("口令 pass", verifier)
    assert not p.verify_password("口令 pas", verifier)
    assert p.hash_password("口令 pass") != verifier  # fresh salt


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "bcrypt$1$2$3$4$5",
        "scrypt$16384$8$1$!!!$abcd",
        "scrypt$1048577$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",  # n not a power of 2
        "scrypt$4194304$8$1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",  # too much work
    ],
)
def test_malformed_or_hostile_verifiers_never_verify(bad: str) -> None:
    assert not p.is_password_verifier(bad)
    assert not p.verify_password("x", bad)


def test_client_helpers() -> None:
    from datetime import UTC, datetime, timedelta

    assert p.content_range(100, 50, 1000) == "bytes 100-149/1000"
    assert p.auth_headers("t") == {"Authorization": "Bearer t"}
    assert p.sha256_hex(b"") == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    server = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)
    text = server.isoformat(timespec="milliseconds")
    assert p.clock_skew_seconds(text, server + timedelta(seconds=30)) == 30
    assert not p.skew_warning(text, server + timedelta(minutes=9))
    assert p.skew_warning(text, server - timedelta(minutes=11))
