"""Request shapes as the server validates them (pydantic), on top of the
TypedDicts of :mod:`sync.protocol`.

Two levels: the envelope of a request (op ids, entity ids, counts, types)
answers 422 ``invalid_request`` for the whole request; the content of one
op (its payload) is judged per op, so one bad record is rejected
(``invalid payload`` with where) while the rest of the batch goes on.
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any, cast

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from sync import protocol as p

Code = Annotated[str, StringConstraints(max_length=p.MAX_CODE_CHARS)]


class PrefixIn(BaseModel):
    model_config = ConfigDict(strict=True)

    site_code: Annotated[str, StringConstraints(pattern=p.SITE_CODE_PATTERN)]
    window_code: Annotated[str, StringConstraints(pattern=p.WINDOW_CODE_PATTERN)]


class EnrollIn(BaseModel):
    model_config = ConfigDict(strict=True)

    prefixes: Annotated[list[PrefixIn], Field(max_length=p.MAX_PREFIXES)] = []

    code: Annotated[str, StringConstraints(pattern=p.ENROLLMENT_CODE_PATTERN)]
    desk_name: (
        Annotated[str, StringConstraints(min_length=1, max_length=p.MAX_NAME_CHARS)]
        | None
    ) = None


class OpIn(BaseModel):
    model_config = ConfigDict(strict=True)

    op_id: Annotated[str, StringConstraints(pattern=p.UUID_PATTERN)]
    entity: Code
    entity_id: Annotated[str, StringConstraints(pattern=p.ENTITY_ID_PATTERN)]
    base_version: Annotated[int, Field(ge=0, le=p.MAX_SAFE_INT)] | None = None
    payload: dict[str, Any]
    created_at: Code
    blobs: (
        Annotated[
            list[Annotated[str, StringConstraints(pattern=p.SHA256_PATTERN)]],
            Field(max_length=p.MAX_BLOBS_PER_OP),
        ]
        | None
    ) = None

    def wire(self) -> p.Op:
        op = p.Op(
            op_id=self.op_id,
            entity=self.entity,
            entity_id=self.entity_id,
            base_version=self.base_version,
            payload=self.payload,
            created_at=self.created_at,
        )
        if self.blobs is not None:
            op["blobs"] = self.blobs
        return op


class OpsIn(BaseModel):
    model_config = ConfigDict(strict=True)

    ops: Annotated[list[OpIn], Field(max_length=p.MAX_OPS_PER_REQUEST)]


Seq = Annotated[int, Field(ge=0, le=p.MAX_SAFE_INT)]
Hash = Annotated[str, StringConstraints(max_length=64, pattern=r"^[0-9a-f]*$")]


class AuditBreakIn(BaseModel):
    model_config = ConfigDict(strict=True)

    seq: Seq
    at: Code
    problem: Code
    detail: Annotated[str, StringConstraints(max_length=p.MAX_TEXT_CHARS)]


class AuditHeadIn(BaseModel):
    """The desk's audit chain head (sync/protocol.py ``AuditHead``)."""

    model_config = ConfigDict(strict=True)

    head_seq: Seq
    head_hash: Hash
    count: Seq
    anchor_seq: Seq
    chain_hash: Hash | None = None
    broken: AuditBreakIn | None = None

    def head(self) -> p.AuditHead:
        return cast(p.AuditHead, self.model_dump(exclude_none=True))


_ACCEPTANCE_NO = re.compile(p.ACCEPTANCE_NO_PATTERN)
_STATUS_KEY = re.compile(p.STATUS_KEY_PATTERN)


def op_problem(op: p.Op) -> str | None:
    """What is wrong with the content of one op (None: nothing)."""
    if problem := p.json_problem(op["payload"], path="payload"):
        return problem
    if op["entity"] in p.UUID_ENTITIES and not _is_uuid(op["entity_id"]):
        return "entity_id: not a UUID"
    if op["entity"] != p.ENTITY_APPLICATION:
        return None
    payload = op["payload"]
    status = payload.get("status")
    if status not in p.ALL_STATUSES:
        return "payload.status: unknown status"
    number = payload.get("acceptance_no")
    if number is not None and not (
        isinstance(number, str) and _ACCEPTANCE_NO.match(number)
    ):
        return "payload.acceptance_no: not an acceptance number"
    key = payload.get("status_key")
    if key is not None and not (isinstance(key, str) and _STATUS_KEY.match(key)):
        return "payload.status_key: not a hex key"
    return None


def is_status_key(value: str | None) -> bool:
    return bool(value) and bool(_STATUS_KEY.match(str(value)))


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _clean(value: Any) -> Any:
    """Text safe to encode (a lone surrogate in the input must not turn the
    error answer itself into a 500)."""
    if isinstance(value, str):
        return value.encode("utf-8", "replace").decode("utf-8")[:200]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return _clean(str(value))


async def validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = [
        {
            "loc": [_clean(part) for part in err.get("loc", ())],
            "msg": _clean(err.get("msg", "")),
            "type": _clean(err.get("type", "")),
        }
        for err in exc.errors()[:20]
    ]
    where = ".".join(str(x) for x in detail[0]["loc"]) if detail else ""
    body = {
        "error": p.ERROR_INVALID_REQUEST,
        "message": f"请求格式不符合接口规定（{where}），请升级或检查客户端",
        "detail": detail,
        "server_time": p.utc_now_iso(),
    }
    return JSONResponse(body, status_code=422)


# --- 排队叫号 (central/queue.py) -------------------------------------------
QueueType = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]


class QueueIssueIn(BaseModel):
    model_config = ConfigDict(strict=True)

    business_type: QueueType


class QueueCallIn(BaseModel):
    model_config = ConfigDict(strict=True)

    types: Annotated[list[QueueType], Field(max_length=p.MAX_QUEUE_TYPES)]


class QueueTransferIn(BaseModel):
    model_config = ConfigDict(strict=True)

    window_code: Annotated[str, StringConstraints(pattern=p.WINDOW_CODE_PATTERN)]
