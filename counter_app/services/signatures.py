"""签名: keep the applicant's signature on a document, and the card photo
an item asks for. One transaction each; a saved signature is never changed
(the table refuses UPDATE and DELETE), so "redo" exists only before saving.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from sqlite_utils import Database

from counter_app.clock import now_iso
from counter_app.domain.signature import (
    SIGNABLE,
    SignatureError,
    Stroke,
    check_strokes,
)
from counter_app.i18n import _
from counter_app.services.context import DeskContext
from counter_app.store.db import Store
from counter_app.store.events import add_event
from counter_app.store.outbox import add_op
from counter_app.store.records import signature_payload
from sync.protocol import ENTITY_SIGNATURE, MAX_SIGNATURE_PNG

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
MAX_PNG = MAX_SIGNATURE_PNG  # a pad's signature is tens of KB


def save_signature(
    store: Store,
    ctx: DeskContext,
    *,
    application_ids: Sequence[str],
    document: str,
    strokes: Sequence[Stroke],
    png: bytes,
    width: int,
    height: int,
    signer: str = "applicant",
) -> None:
    """The signature for ``document`` of each application (a bundle signs
    once for all its applications)."""
    if document not in SIGNABLE:
        raise SignatureError(
            _("“{document}”不需要签名").format(document=document), field="signature"
        )
    data = check_strokes(strokes, width=width, height=height)
    if not png.startswith(PNG_MAGIC) or len(png) > MAX_PNG:
        raise SignatureError(_("签名图像无效，请重新签名"), field="signature")
    sha = hashlib.sha256(png).hexdigest()
    with store.transaction() as db:
        for app_id in application_ids:
            if (
                db.execute(
                    "SELECT 1 FROM applications WHERE id = ?", [app_id]
                ).fetchone()
                is None
            ):
                raise SignatureError(
                    _("找不到要签名的办件，请刷新后重试"), field="signature"
                )
            if signed(store, app_id, document):
                raise SignatureError(
                    _("该{document}已经签名，签名保存后不能更改").format(
                        document=_(SIGNABLE[document])
                    ),
                    field="signature",
                )
            row = {
                "id": str(uuid.uuid4()),
                "application_id": app_id,
                "document": document,
                "signer": signer,
                "strokes": data,
                "width": width,
                "height": height,
                "png": png,
                "png_sha256": sha,
                "signed_at": now_iso(),
                "clerk": ctx.username,
            }
            db.execute(
                f"INSERT INTO signatures ({', '.join(row)})"
                f" VALUES ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            send_signature(
                db, row, site_code=ctx.site_code, window_code=ctx.window_code
            )
            add_event(
                db,
                kind="signature.saved",
                actor=ctx.username,
                application_id=app_id,
                detail={"document": document, "signer": signer, "png_sha256": sha},
            )


def send_signature(
    db: Database, row: dict[str, object], *, site_code: str, window_code: str
) -> None:
    """Queue the signature for the platform, in the transaction that saved
    it: a lost or stolen desk does not take the applicant's signature with
    it."""
    add_op(
        db,
        entity=ENTITY_SIGNATURE,
        entity_id=str(row["id"]),
        base_version=None,
        payload=signature_payload(row, site_code=site_code, window_code=window_code),
    )


def signed(store: Store, application_id: str, document: str) -> bool:
    row = store.db.execute(
        "SELECT 1 FROM signatures WHERE application_id = ? AND document = ?",
        [application_id, document],
    ).fetchone()
    return row is not None


def signature_png(store: Store, application_id: str, document: str) -> bytes:
    row = store.db.execute(
        "SELECT png FROM signatures WHERE application_id = ? AND document = ?",
        [application_id, document],
    ).fetchone()
    return bytes(row[0]) if row else b""


def signature_strokes(store: Store, application_id: str, document: str) -> str:
    row = store.db.execute(
        "SELECT strokes FROM signatures WHERE application_id = ? AND document = ?",
        [application_id, document],
    ).fetchone()
    return str(row[0]) if row else ""


# -- the photo read from an ID card -------------------------------------------

PHOTO_WORDS = ("照片", "相片")


def photo_material(material_names: Sequence[tuple[str, str]]) -> str:
    """The key of the first material that is a photo, "" when none is: the
    card photo is kept only for items that ask for one."""
    for key, name in material_names:
        if any(w in name for w in PHOTO_WORDS):
            return key
    return ""


def save_card_photo(
    store: Store,
    ctx: DeskContext,
    *,
    application_id: str,
    material_key: str,
    photo: bytes,
) -> None:
    if not material_key or not photo.startswith(PNG_MAGIC):
        return
    with store.transaction() as db:
        db.execute(
            "INSERT INTO application_photos (application_id, material_key, photo,"
            " source, stored_at) VALUES (?, ?, ?, 'id_card', ?)"
            " ON CONFLICT(application_id) DO NOTHING",
            [application_id, material_key, photo, now_iso()],
        )
        add_event(
            db,
            kind="card_photo.stored",
            actor=ctx.username,
            application_id=application_id,
            detail={"material_key": material_key},
        )


def card_photo(store: Store, application_id: str) -> bytes:
    row = store.db.execute(
        "SELECT photo FROM application_photos WHERE application_id = ?",
        [application_id],
    ).fetchone()
    return bytes(row[0]) if row else b""
