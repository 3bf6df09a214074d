"""What the clerk and the supervisor do about sync problems: conflicts
(stale edits, both versions kept) and dead letters (ops the server
rejected). Each action is one transaction and leaves an audit event."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from counter_app.clock import now_iso
from counter_app.i18n import N_, _
from counter_app.store import records
from counter_app.store.db import Store
from counter_app.store.events import add_event
from counter_app.store.outbox import add_op, decode_payload
from sync import protocol as p
from sync.engine import REASON_LOCAL_BLOB_MISSING, REASON_LOCAL_TOO_LARGE

REASON_TEXTS: dict[str, str] = {
    p.REASON_BLOB_MISSING: N_("中心平台缺少该操作引用的扫描件"),
    p.REASON_OP_ID_REUSED: N_("操作编号重复但内容不同"),
    p.REASON_UNKNOWN_ENTITY: N_("中心平台不认识这类记录"),
    p.REASON_INVALID_PAYLOAD: N_("记录内容不完整或格式不对"),
    p.REASON_NOT_OWNER: N_("该办件属于其他窗口终端"),
    p.REASON_OTHER_SITE: N_("记录属于其他站点或窗口，本终端不能提交"),
    p.REASON_NUMBER_PREFIX: N_("受理编号不是本站点、本窗口的编号"),
    p.REASON_NUMBER_TAKEN: N_("受理编号已被另一办件使用"),
    p.REASON_NUMBER_CHANGED: N_("办件的受理编号不能更改"),
    p.REASON_NOT_OWNER_REF: N_("记录所指的办件属于其他窗口终端"),
    p.REASON_UNKNOWN_REF: N_("中心平台没有记录所指的办件"),
    REASON_LOCAL_TOO_LARGE: N_("记录超过中心平台允许的大小"),
    REASON_LOCAL_BLOB_MISSING: N_("本机缺少扫描件文件"),
}


class ResolveError(Exception):
    pass


def reason_text(reason: str) -> str:
    """The server's reason code in words, with its detail kept."""
    code, _sep, detail = (reason or "").partition(": ")
    text = REASON_TEXTS.get(code)
    if text is None:
        return reason
    return _(text) + (f"（{detail}）" if detail else "")


# -- dead letters ---------------------------------------------------------------


@dataclass(frozen=True)
class DeadLetter:
    op_id: str
    seq: int
    entity: str
    entity_id: str
    reason: str
    created_at: str
    acked_at: str
    attempts: int
    acceptance_no: str


def dead_letters(db: Database) -> list[DeadLetter]:
    rows = db.execute(
        "SELECT o.op_id, o.seq, o.entity, o.entity_id, COALESCE(o.reason, ''),"
        " o.created_at, COALESCE(o.acked_at, ''), o.attempts,"
        " COALESCE(a.acceptance_no, '')"
        " FROM outbox o LEFT JOIN applications a ON a.id = o.entity_id"
        " WHERE o.state = 'rejected' ORDER BY o.seq"
    ).fetchall()
    return [DeadLetter(*row) for row in rows]


def _dead_row(db: Database, op_id: str) -> dict[str, Any]:
    rows = list(
        db.query("SELECT * FROM outbox WHERE op_id = ? AND state = 'rejected'", [op_id])
    )
    if not rows:
        raise ResolveError(_("该操作已不在被拒绝列表中，可能已被他人处理。"))
    return dict(rows[0])


def resend(store: Store, op_id: str, *, actor: str) -> str:
    """Queue the rejected op again under a new op id (after the cause was
    fixed); an application is resent as it stands now. Returns the new id."""
    with store.transaction() as db:
        row = _dead_row(db, op_id)
        payload: dict[str, Any] = decode_payload(row["payload"])
        blobs: list[str] = json.loads(row["blobs"] or "[]")
        base = row["base_version"]
        if row["entity"] == p.ENTITY_APPLICATION:
            record = records.application(db, row["entity_id"])
            if record is not None:
                blobs = _live_blobs(db, row["entity_id"])
                record["blobs"] = blobs
                payload, base = record, int(record["version"]) - 1
        new_id = add_op(
            db,
            entity=row["entity"],
            entity_id=row["entity_id"],
            base_version=base,
            payload=payload,
            blobs=blobs,
        )
        db.execute("DELETE FROM outbox WHERE op_id = ?", [op_id])
        add_event(
            db,
            kind="sync.dead_letter.resend",
            actor=actor,
            application_id=_app_id(row),
            detail={"op_id": op_id, "new_op_id": new_id, "reason": row["reason"]},
        )
    return new_id


def discard(store: Store, op_id: str, *, actor: str) -> None:
    """Give up a rejected op; its content stays in the audit log."""
    with store.transaction() as db:
        row = _dead_row(db, op_id)
        db.execute("DELETE FROM outbox WHERE op_id = ?", [op_id])
        add_event(
            db,
            kind="sync.dead_letter.discard",
            actor=actor,
            application_id=_app_id(row),
            detail={
                "op_id": op_id,
                "entity": row["entity"],
                "entity_id": row["entity_id"],
                "reason": row["reason"],
                "payload": decode_payload(row["payload"]),
            },
        )


def _app_id(row: dict[str, Any]) -> str | None:
    return str(row["entity_id"]) if row["entity"] == p.ENTITY_APPLICATION else None


def _live_blobs(db: Database, application_id: str) -> list[str]:
    return [
        str(r[0])
        for r in db.execute(
            "SELECT DISTINCT sha256 FROM material_files WHERE application_id = ?"
            " AND removed_at IS NULL",
            [application_id],
        )
    ]


# -- conflicts -------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    id: int
    entity: str
    entity_id: str
    op_id: str
    local: dict[str, Any]
    remote: dict[str, Any]
    created_at: str

    @property
    def remote_version(self) -> int:
        return int(self.remote.get("version") or 0)

    def differences(self) -> list[tuple[str, Any, Any]]:
        """(field, local value, server value) for every field that differs."""
        keys = sorted(set(self.local) | set(self.remote))
        skip = {"version", "updated_at", "blobs"}
        return [
            (k, self.local.get(k), self.remote.get(k))
            for k in keys
            if k not in skip and self.local.get(k) != self.remote.get(k)
        ]


def open_conflicts(db: Database) -> list[Conflict]:
    rows = db.execute(
        "SELECT id, entity, entity_id, COALESCE(op_id, ''), local, remote, created_at"
        " FROM conflicts WHERE resolved_at IS NULL ORDER BY id"
    ).fetchall()
    return [
        Conflict(r[0], r[1], r[2], r[3], json.loads(r[4]), json.loads(r[5]), r[6])
        for r in rows
    ]


def _conflict(db: Database, conflict_id: int) -> Conflict:
    for conflict in open_conflicts(db):
        if conflict.id == conflict_id:
            return conflict
    raise ResolveError(_("该冲突已处理或不存在。"))


def _resolved(db: Database, conflict: Conflict, *, actor: str, choice: str) -> None:
    db.execute(
        "UPDATE conflicts SET resolved_at = ?, resolved_by = ? WHERE id = ?",
        [now_iso(), f"{actor}:{choice}", conflict.id],
    )
    add_event(
        db,
        kind=f"sync.conflict.{choice}",
        actor=actor,
        application_id=conflict.entity_id
        if conflict.entity == p.ENTITY_APPLICATION
        else None,
        detail={"conflict_id": conflict.id, "server_version": conflict.remote_version},
    )


def keep_local(store: Store, conflict_id: int, *, actor: str) -> str:
    """The desk's version wins: push it again on top of the server's version."""
    with store.transaction() as db:
        conflict = _conflict(db, conflict_id)
        payload = conflict.local
        blobs = list(payload.get("blobs") or [])
        if conflict.entity == p.ENTITY_APPLICATION:
            record = records.application(db, conflict.entity_id)
            if record is not None:
                blobs = _live_blobs(db, conflict.entity_id)
                record["blobs"] = blobs
                record["version"] = conflict.remote_version + 1
                payload = record
            db.execute(
                "UPDATE applications SET version = ? WHERE id = ?",
                [conflict.remote_version + 1, conflict.entity_id],
            )
        op_id = add_op(
            db,
            entity=conflict.entity,
            entity_id=conflict.entity_id,
            base_version=conflict.remote_version,
            payload=payload,
            blobs=blobs,
        )
        _resolved(db, conflict, actor=actor, choice="keep_local")
    return op_id


_NOT_COPIED = {"id", "origin", "materials", "blobs", "desk_id", "status_url"}


def take_remote(store: Store, conflict_id: int, *, actor: str) -> None:
    """The server's version wins: the desk's record takes its fields."""
    with store.transaction() as db:
        conflict = _conflict(db, conflict_id)
        if conflict.entity == p.ENTITY_APPLICATION:
            columns = {str(r[1]) for r in db.execute("PRAGMA table_info(applications)")}
            values = {
                k: json.dumps(v, ensure_ascii=False, sort_keys=True)
                if isinstance(v, dict | list)
                else v
                for k, v in conflict.remote.items()
                if k in columns and k not in _NOT_COPIED
            }
            if values:
                db.execute(
                    "UPDATE applications SET "
                    + ", ".join(f"{k} = ?" for k in values)
                    + " WHERE id = ?",
                    [*values.values(), conflict.entity_id],
                )
        _resolved(db, conflict, actor=actor, choice="take_remote")
