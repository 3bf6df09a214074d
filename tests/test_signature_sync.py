"""The applicant's signature goes to the platform with the record: queued in
the transaction that saved it, kept there only whole (its PNG hashes to the
SHA-256 the desk saved), and signatures saved before this queue once."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path

import pytest

from counter_app.services.context import DeskContext
from counter_app.services.signatures import save_signature
from counter_app.store.db import Store
from counter_app.store.migrations import m0019_signatures_to_platform
from counter_app.store.outbox import decode_payload
from sync import protocol as p
from sync.engine import EngineConfig
from sync.runner import sync_once
from tests.central_fixtures import CentralServer, start_central
from tests.signature_fixtures import ink_png
from tests.sync_fixtures import (
    FAST_RETRY,
    assert_converged,
    central_blobs,
    central_db,
    keyring_home_fixture,  # noqa: F401
    local_applications,
    make_desk,
)
from tests.test_central_sync import app_op
from tests.test_ui_documents import accepted

STROKES = [[(10, 10, 1), (60, 40, 1), (120, 20, 1), (200, 60, 1), (260, 30, 1)]]


def sign(store: Store, ctx: DeskContext, app_id: str, document: str) -> bytes:
    png = ink_png()
    save_signature(
        store,
        ctx,
        application_ids=[app_id],
        document=document,
        strokes=STROKES,
        png=png,
        width=480,
        height=160,
    )
    return png


def signature_ops(store: Store) -> list[dict[str, object]]:
    return [
        decode_payload(r[0])
        for r in store.db.execute(
            "SELECT payload FROM outbox WHERE entity = 'signature' ORDER BY seq"
        )
    ]


def test_saving_a_signature_queues_it_whole(
    seeded_store: Store, clerk: DeskContext
) -> None:
    app_id = accepted(seeded_store, clerk)
    png = sign(seeded_store, clerk, app_id, "receipt")
    [payload] = signature_ops(seeded_store)
    assert payload["application_id"] == app_id and payload["document"] == "receipt"
    assert base64.b64decode(str(payload["png"])) == png
    assert payload["png_sha256"] == hashlib.sha256(png).hexdigest()
    assert json.loads(str(payload["strokes"]))  # the strokes as drawn
    assert (payload["site_code"], payload["window_code"]) == (
        clerk.site_code,
        clerk.window_code,
    )


def test_signatures_saved_before_are_queued_once(
    seeded_store: Store, clerk: DeskContext
) -> None:
    first = accepted(seeded_store, clerk)
    second = accepted(seeded_store, clerk)
    sign(seeded_store, clerk, first, "receipt")
    sign(seeded_store, clerk, second, "delivery")
    with seeded_store.transaction() as db:
        db.execute("DELETE FROM outbox WHERE entity = 'signature'")  # as before 0019
        last = db.execute("SELECT MAX(seq) FROM outbox").fetchone()[0]
        m0019_signatures_to_platform(db)
    queued = seeded_store.db.execute(
        "SELECT seq, entity_id FROM outbox WHERE entity = 'signature' ORDER BY seq"
    ).fetchall()
    saved = {
        r[0] for r in seeded_store.db.execute("SELECT id FROM signatures").fetchall()
    }
    assert {entity_id for _seq, entity_id in queued} == saved and len(queued) == 2
    assert all(seq > last for seq, _id in queued)  # after what was waiting


@pytest.mark.e2e
def test_a_signed_receipt_reaches_the_platform_and_a_forged_one_does_not(
    tmp_path: Path, keyring_home: Path
) -> None:
    with start_central(tmp_path / "central") as central:
        desk = make_desk(central, tmp_path / "desk", applications=3)
        with desk.store() as store:
            app_id = local_applications(store)[0]
            ctx = DeskContext(
                username="clerk01",
                display_name="王晓明",
                role="clerk",
                site_code=desk.site_code,
                window_code=desk.window_code,
            )
            png = sign(store, ctx, app_id, "receipt")
        report = sync_once(desk.data_dir, config=EngineConfig(**FAST_RETRY))
        assert report.error == "" and report.clean, report
        assert_converged(central, desk, central_blobs(central))
        with central_db(central) as conn:
            [row] = conn.execute(
                "SELECT body, ref FROM records WHERE entity = 'signature'"
                " AND desk_id = ?",
                (desk.desk_id,),
            ).fetchall()
        body = json.loads(row["body"])
        assert row["ref"] == app_id
        assert base64.b64decode(body["png"]) == png  # what the applicant signed
        _forged_and_broken_are_refused(central)


def _forged_and_broken_are_refused(central: CentralServer) -> None:
    """Over the API: a PNG that is not the one hashed, a payload missing its
    strokes, and an image that is not a PNG are refused, and nothing of
    them is kept; the whole one beside them is."""
    client = central.new_desk()
    app_id = str(uuid.uuid4())
    [applied] = client.push(app_op(app_id, number=client.new_number()))
    assert applied["result"] == "applied"
    png = ink_png()
    good = {
        "id": str(uuid.uuid4()),
        "application_id": app_id,
        "document": "delivery",
        "signer": "applicant",
        "strokes": json.dumps(STROKES),
        "width": 480,
        "height": 160,
        "png": base64.b64encode(png).decode(),
        "png_sha256": hashlib.sha256(png).hexdigest(),
        "signed_at": "2026-11-25T10:00:00+08:00",
        "clerk": "clerk01",
    }
    forged = {**good, "png_sha256": hashlib.sha256(b"other").hexdigest()}
    broken = {k: v for k, v in good.items() if k != "strokes"}
    not_png = {**good, "png": base64.b64encode(b"GIF89a").decode()}
    results = client.push(
        *(
            _op({**payload, "id": str(uuid.uuid4())})
            for payload in (forged, broken, not_png, good)
        )
    )
    assert [(r["result"], r.get("detail")) for r in results] == [
        ("rejected", "png_sha256"),
        ("rejected", "strokes"),
        ("rejected", "png"),
        ("applied", None),
    ]
    assert {r["reason"] for r in results[:3]} == {p.REASON_INVALID_PAYLOAD}
    with central_db(central) as conn:
        kept = conn.execute(
            "SELECT COUNT(*) FROM records WHERE entity = 'signature'"
        ).fetchone()[0]
    assert kept == 2  # the desk's, and the whole one here


def _op(payload: dict[str, object]) -> dict[str, object]:
    return {
        "op_id": p.new_op_id(),
        "entity": p.ENTITY_SIGNATURE,
        "entity_id": str(payload["id"]),
        "base_version": None,
        "payload": payload,
        "created_at": "2026-11-25T10:00:00+08:00",
    }
