"""Applying pushed operations: once per op id, one transaction per batch."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any, cast

from sync import protocol as p

from . import audit, authz, signatures
from .db import Conn, Database
from .feed import Desk, emit, site_body, status_body
from .feed import record_push as record_push_in
from .statuspage import status_path


@dataclass(frozen=True)
class OpsContext:
    db: Database
    secret: str
    public_url: str = ""  # prefix for status_url; empty → a path


def _integrity_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.IntegrityError]
    try:
        import psycopg

        errors.append(psycopg.IntegrityError)
    except ImportError:  # pragma: no cover - psycopg is a dependency
        pass
    return tuple(errors)


def apply_ops(
    ctx: OpsContext, desk: Desk, ops: list[p.Op], *, record_push: bool = False
) -> list[p.OpResult]:
    """A push batch in one transaction. Each op runs in a savepoint: a
    refused one leaves nothing, the others stay. With ``record_push``, a
    batch whose ops all succeeded is recorded (feed.record_push) in the same
    transaction. The op-id locks are taken up front in sorted order (two
    batches sharing ids cannot deadlock); the feed lock only at commit."""
    for attempt in range(2):
        try:
            with ctx.db.transaction() as conn:
                for op_id in sorted({op["op_id"] for op in ops}):
                    conn.lock_op(op_id)
                results = [_apply_one(ctx, conn, desk, op) for op in ops]
                if (
                    record_push
                    and results
                    and all(r["result"] in p.SUCCESS_RESULTS for r in results)
                ):
                    record_push_in(conn, desk)
            return results
        except _integrity_errors():
            # A concurrent request carried the same key; look again.
            if attempt:
                raise
    raise AssertionError("unreachable")


def apply_op(ctx: OpsContext, desk: Desk, op: p.Op) -> p.OpResult:
    return apply_ops(ctx, desk, [op])[0]


def _apply_one(ctx: OpsContext, conn: Conn, desk: Desk, op: p.Op) -> p.OpResult:
    digest = p.body_hash(op)
    queued = len(conn.pending_changes)
    conn.execute("SAVEPOINT op")
    result = _apply(ctx, conn, desk, op, digest)
    if result["result"] != p.RESULT_APPLIED:
        # Nothing of a refused op stays: a resend is judged afresh.
        conn.execute("ROLLBACK TO SAVEPOINT op")
        conn.execute("RELEASE SAVEPOINT op")
        del conn.pending_changes[queued:]
        if op.get("entity") == p.ENTITY_EVENT and (
            result["result"] == p.RESULT_REJECTED
        ):
            audit.record_refusal(conn, desk, op, result)
        return result
    stored = {k: v for k, v in result.items() if k != "op_id"}
    conn.execute(
        "INSERT INTO ops (op_id, desk_id, entity, entity_id, body_hash,"
        " received_at, result) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            op["op_id"],
            desk.id,
            op["entity"],
            op["entity_id"],
            digest,
            p.utc_now_iso(),
            json.dumps(stored, ensure_ascii=False),
        ),
    )
    conn.execute("RELEASE SAVEPOINT op")
    return result


def _rejected(op: p.Op, reason: str, detail: str = "", message: str = "") -> p.OpResult:
    result = p.OpResult(op_id=op["op_id"], result="rejected", reason=reason)
    if detail:
        result["detail"] = detail
    if message:
        result["message"] = message
    return result


def _apply(
    ctx: OpsContext, conn: Conn, desk: Desk, op: p.Op, digest: str
) -> p.OpResult:
    seen = conn.one(
        "SELECT desk_id, body_hash, result FROM ops WHERE op_id = ?", (op["op_id"],)
    )
    if seen is not None:
        if seen["body_hash"] != digest or seen["desk_id"] != desk.id:
            return _rejected(op, p.REASON_OP_ID_REUSED)
        earlier: dict[str, Any] = json.loads(seen["result"])
        earlier.update(op_id=op["op_id"], result=p.RESULT_DUPLICATE)
        return cast(p.OpResult, earlier)
    if op["entity"] not in p.ENTITIES:
        return _rejected(op, p.REASON_UNKNOWN_ENTITY, op["entity"])
    if not op["entity_id"] or not isinstance(op["payload"], dict):
        return _rejected(op, p.REASON_INVALID_PAYLOAD, "entity_id/payload")
    listed = op["payload"].get("blobs", [])
    if not isinstance(listed, list) or not all(isinstance(b, str) for b in listed):
        return _rejected(op, p.REASON_INVALID_PAYLOAD, "payload.blobs")
    for sha in p.op_blobs(op):
        if not p.is_sha256_hex(sha):
            return _rejected(op, p.REASON_INVALID_PAYLOAD, f"blob {sha!r}")
        complete = conn.scalar("SELECT complete FROM blobs WHERE sha256 = ?", (sha,))
        if not complete:
            return _rejected(op, p.REASON_BLOB_MISSING, sha)
    allowed = authz.check_op(conn, desk, op)
    if isinstance(allowed, authz.Denied):
        return _rejected(op, allowed.reason, allowed.detail, allowed.message)
    if op["entity"] == p.ENTITY_APPLICATION:
        return _apply_application(ctx, conn, desk, op)
    if op["entity"] == p.ENTITY_EVENT:
        return audit.apply_event(conn, desk, op)
    payload = op["payload"]
    if op["entity"] == p.ENTITY_SIGNATURE:
        bad = signatures.invalid(payload)
        if bad:
            return _rejected(
                op,
                p.REASON_INVALID_PAYLOAD,
                bad,
                "签名记录不完整或与签名图像不符，中心平台未保存；请联系管理员检查本机数据",
            )
    ref = allowed.ref  # the referenced application's id, checked above
    conn.execute(
        "INSERT INTO records (op_id, entity, entity_id, desk_id, ref, body,"
        " received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            op["op_id"],
            op["entity"],
            op["entity_id"],
            desk.id,
            ref,
            json.dumps(payload, ensure_ascii=False),
            p.utc_now_iso(),
        ),
    )
    return p.OpResult(op_id=op["op_id"], result="applied")


def current_record(row: dict[str, Any]) -> dict[str, Any]:
    """The server's view of an application: the desk's record with the
    server-owned ``status`` and ``version`` on top."""
    record: dict[str, Any] = json.loads(row["body"])
    record.update(
        id=row["id"],
        status=row["status"],
        version=int(row["version"]),
        acceptance_no=row["acceptance_no"],
        updated_at=row["updated_at"],
    )
    return record


def _apply_application(ctx: OpsContext, conn: Conn, desk: Desk, op: p.Op) -> p.OpResult:
    payload = op["payload"]
    status = payload.get("status")
    number = payload.get("acceptance_no")
    if not isinstance(status, str) or not status:
        return _rejected(op, p.REASON_INVALID_PAYLOAD, "status")
    app_id = op["entity_id"]
    now = p.utc_now_iso()
    body = json.dumps(payload, ensure_ascii=False)
    row = conn.one("SELECT * FROM applications WHERE id = ?", (app_id,))
    if row is None:
        conn.execute(
            "INSERT INTO applications (id, desk_id, site_code, window_code,"
            " acceptance_no, status, version, body, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?)",
            (
                app_id,
                desk.id,
                desk.site_code,
                desk.window_code,
                number,
                status,
                body,
                now,
            ),
        )
        version, old_status = 1, None
    else:  # central/authz.py made sure the desk owns it
        base = int(op["base_version"] or 0)
        version = int(row["version"])
        changed = 0
        if base == version:
            changed = conn.execute(
                "UPDATE applications SET acceptance_no = ?, status = ?,"
                " version = version + 1, body = ?, updated_at = ?"
                " WHERE id = ? AND version = ?",
                (number, status, body, now, app_id, version),
            )
        if not changed:
            # The back office (or another push) moved past what the desk saw.
            return p.OpResult(
                op_id=op["op_id"],
                result="conflict",
                server_version=version,
                current=current_record(row),
            )
        version, old_status = version + 1, row["status"]
    if status != old_status:
        conn.execute(
            "INSERT INTO status_history (application_id, status, source, note, at)"
            " VALUES (?, ?, 'desk', ?, ?)",
            (app_id, status, str(payload.get("status_note", "")), now),
        )
    fresh = conn.one("SELECT * FROM applications WHERE id = ?", (app_id,))
    assert fresh is not None
    emit(
        conn,
        p.CHANGE_SITE_APPLICATION,
        dict(site_body(fresh)),
        entity_id=app_id,
        site_code=desk.site_code,
        origin_desk_id=desk.id,
    )
    result = p.OpResult(op_id=op["op_id"], result="applied", server_version=version)
    if number:
        result["status_url"] = ctx.public_url + status_path(ctx.secret, number)
    return result


class UnknownApplication(LookupError):
    pass


def find_application(conn: Conn, key: str) -> dict[str, Any]:
    """An application by id, or by acceptance number (unique on the
    platform): never "the latest row for a number"."""
    row = conn.one("SELECT * FROM applications WHERE id = ?", (key,))
    if row is None:
        row = conn.one("SELECT * FROM applications WHERE acceptance_no = ?", (key,))
    if row is None:
        raise UnknownApplication(f"没有编号或受理编号为 {key} 的办件")
    return row


def set_status(
    db: Database, *, application_id: str, status: str, note: str = ""
) -> int:
    """Back-office decision on an application (its id, or its acceptance
    number); returns its new version. The owning desk gets
    ``application_status``, the site's other desks a fresh
    ``site_application`` copy."""
    if status not in p.BACK_OFFICE_STATUSES:
        allowed = ", ".join(sorted(p.BACK_OFFICE_STATUSES))
        raise ValueError(f"后台只能设置这些状态：{allowed}（收到 {status}）")
    now = p.utc_now_iso()
    with db.transaction() as conn:
        row = find_application(conn, application_id)
        conn.execute(
            "UPDATE applications SET status = ?, version = version + 1,"
            " updated_at = ? WHERE id = ?",
            (status, now, row["id"]),
        )
        conn.execute(
            "INSERT INTO status_history (application_id, status, source, note, at)"
            " VALUES (?, ?, 'back_office', ?, ?)",
            (row["id"], status, note, now),
        )
        fresh = conn.one("SELECT * FROM applications WHERE id = ?", (row["id"],))
        assert fresh is not None
        emit(
            conn,
            p.CHANGE_APPLICATION_STATUS,
            dict(status_body(conn, fresh)),
            entity_id=str(row["id"]),
            desk_id=str(row["desk_id"]),
        )
        emit(
            conn,
            p.CHANGE_SITE_APPLICATION,
            dict(site_body(fresh)),
            entity_id=str(row["id"]),
            site_code=str(row["site_code"]),
            origin_desk_id=str(row["desk_id"]),
        )
    return int(fresh["version"])
