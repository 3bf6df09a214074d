"""Who may do what to which record: every authorization check on a desk's
op, in one place (README, "The platform": the table of who may do what).

A desk is one window of one site. It creates and changes only records of
its own site and window; an acceptance number carries the desk's site and
window (or a prefix recorded for the desk at enrollment, central/prefixes.py)
and is unique on the platform (a unique index backs the check); an
op that references another record (an evaluation, a material file, an
event, a consultation turned into an application) is checked against that
record's owner. Records are addressed by id. A refusal is a per-op
``rejected`` result with a stable reason code and a Chinese message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sync import protocol as p

from . import prefixes
from .db import Conn
from .feed import Desk


@dataclass(frozen=True)
class Denied:
    reason: str  # p.REASON_*
    message: str  # Chinese, for the clerk
    detail: str = ""


@dataclass(frozen=True)
class Allowed:
    """What the op may be stored with: ``ref`` is the id of the application
    it refers to (None when it refers to none)."""

    ref: str | None = None


def check_op(conn: Conn, desk: Desk, op: p.Op) -> Allowed | Denied:
    """The one gate every op passes before it is stored."""
    payload: dict[str, Any] = op["payload"]
    # The desk's own site and window, and the prefixes it numbered under
    # before enrolling (central/prefixes.py): records made then keep them.
    held = prefixes.held(
        conn, desk_id=desk.id, site_code=desk.site_code, window_code=desk.window_code
    )
    denied = _own_site_and_window(desk, held, payload)
    if denied is not None:
        return denied
    if op["entity"] == p.ENTITY_APPLICATION:
        return _application(conn, desk, held, op)
    if op["entity"] == p.ENTITY_DAY_CLOSE and not any(
        op["entity_id"].startswith(f"{s}:{w}:") for s, w in held
    ):
        return Denied(
            p.REASON_OTHER_SITE,
            "只能提交本窗口的日结记录",
            op["entity_id"],
        )
    owner = _record_owner(conn, op["entity"], op["entity_id"])
    if owner is not None and owner != desk.id:
        return Denied(p.REASON_NOT_OWNER_REF, "该记录属于其他窗口终端", op["entity_id"])
    # An audit event may name an application the platform never saw (a
    # draft); it shows nowhere, so only another desk's application is refused.
    ref = _referenced_application(
        conn, desk, payload, must_exist=op["entity"] != p.ENTITY_EVENT
    )
    if isinstance(ref, Denied):
        return ref
    # A material file's entity_id is "<application id>/<file id>".
    if (
        op["entity"] == p.ENTITY_MATERIAL_FILE
        and ref is not None
        and not op["entity_id"].startswith(ref + "/")
    ):
        return Denied(
            p.REASON_INVALID_PAYLOAD,
            "扫描件记录的编号与所属办件不一致",
            op["entity_id"],
        )
    return Allowed(ref=ref)


def _own_site_and_window(
    desk: Desk, held: set[prefixes.Prefix], payload: dict[str, Any]
) -> Denied | None:
    # Either code may be absent (an evaluation names only its window).
    site = payload.get("site_code")
    window = payload.get("window_code")
    site, window = (None if v == "" else v for v in (site, window))
    if not isinstance(site, str | None) or not isinstance(window, str | None):
        return Denied(p.REASON_INVALID_PAYLOAD, "站点和窗口代码必须是文本", "site_code")
    if any(site in (None, s) and window in (None, w) for s, w in held):
        return None
    key, value, own, label = "window_code", window, desk.window_code, "窗口"
    if site is not None and site not in {s for s, _w in held}:
        key, value, own, label = "site_code", site, desk.site_code, "站点"
    return Denied(
        p.REASON_OTHER_SITE,
        f"记录属于{label}“{value}”，本终端只能提交{label}“{own}”的记录",
        f"{key}={value}",
    )


def _application(
    conn: Conn, desk: Desk, held: set[prefixes.Prefix], op: p.Op
) -> Allowed | Denied:
    payload = op["payload"]
    row = conn.one(
        "SELECT desk_id, acceptance_no FROM applications WHERE id = ?",
        (op["entity_id"],),
    )
    if row is not None and row["desk_id"] != desk.id:
        return Denied(p.REASON_NOT_OWNER, "该办件属于其他窗口终端，不能修改")
    number = payload.get("acceptance_no")
    if number is not None and not isinstance(number, str):
        return Denied(p.REASON_INVALID_PAYLOAD, "受理编号必须是文本", "acceptance_no")
    if row is not None and row["acceptance_no"] and number != row["acceptance_no"]:
        return Denied(
            p.REASON_NUMBER_CHANGED,
            f"办件已有受理编号 {row['acceptance_no']}，不能改为 {number}",
            str(number),
        )
    if number:
        if not any(
            p.is_acceptance_number_of(str(number), site_code=s, window_code=w)
            for s, w in held
        ):
            return Denied(
                p.REASON_NUMBER_PREFIX,
                f"受理编号 {number} 不是本窗口的编号：应以站点代码"
                f" {desk.site_code} 和窗口代码 {desk.window_code} 开头，"
                "后接日期和流水号",
                str(number),
            )
        taken = conn.scalar(
            "SELECT id FROM applications WHERE acceptance_no = ? AND id <> ?",
            (number, op["entity_id"]),
        )
        if taken is not None:
            return Denied(
                p.REASON_NUMBER_TAKEN,
                f"受理编号 {number} 已被另一办件使用，请联系中心管理员核对",
                str(number),
            )
    consultation = payload.get("consultation_id")
    if consultation:
        owner = _record_owner(conn, p.ENTITY_CONSULTATION, str(consultation))
        if owner is not None and owner != desk.id:
            return Denied(
                p.REASON_NOT_OWNER_REF,
                "转为办件的咨询记录属于其他窗口终端",
                str(consultation),
            )
    return Allowed(ref=None)


def _referenced_application(
    conn: Conn, desk: Desk, payload: dict[str, Any], *, must_exist: bool
) -> str | Denied | None:
    """The application an append-only op refers to (by id, or by acceptance
    number), owned by this desk; None when it names none."""
    app_id = payload.get("application_id")
    number = payload.get("acceptance_no")
    if app_id:
        row = conn.one(
            "SELECT id, desk_id FROM applications WHERE id = ?", (str(app_id),)
        )
    elif number:
        row = conn.one(
            "SELECT id, desk_id FROM applications WHERE acceptance_no = ?",
            (str(number),),
        )
    else:
        return None
    named = str(app_id or number)
    if row is None:
        if not must_exist:
            return None
        return Denied(
            p.REASON_UNKNOWN_REF,
            f"中心平台没有记录所指的办件 {named}：请先同步该办件",
            named,
        )
    if row["desk_id"] != desk.id:
        return Denied(p.REASON_NOT_OWNER_REF, "记录所指的办件属于其他窗口终端", named)
    return str(row["id"])


def _record_owner(conn: Conn, entity: str, entity_id: str) -> str | None:
    owner = conn.scalar(
        "SELECT desk_id FROM records WHERE entity = ? AND entity_id = ?"
        " ORDER BY received_at LIMIT 1",
        (entity, entity_id),
    )
    return None if owner is None else str(owner)
