"""Desks, enrollment, users, catalog and calendar: what operators publish."""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sync import protocol as p

from . import prefixes as held
from .db import Database
from .feed import Desk, emit, user_body

# No 0/O/1/I/L: the code is read aloud and typed by a supervisor.
_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
#: How long an enrollment code stays usable (create-desk / reissue-code).
DEFAULT_CODE_HOURS = 72


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def _new_code() -> str:
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))
    return "-".join(raw[i : i + 4] for i in range(0, 12, 4))


def _check_hours(hours: float) -> timedelta:
    if not 0 < hours <= 24 * 365:
        raise AdminError("注册码有效期应在 0 到 8760 小时之间")
    return timedelta(hours=hours)


class AdminError(ValueError):
    """A refused operator command or request; ``code`` is a protocol ERROR_*."""

    def __init__(self, message: str, *, code: str = "invalid") -> None:
        super().__init__(message)
        self.code = code


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalize_code(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


@dataclass(frozen=True)
class NewDesk:
    desk_id: str
    enrollment_code: str


def create_desk(
    db: Database,
    *,
    site_code: str,
    window_code: str,
    name: str,
    code_hours: float = DEFAULT_CODE_HOURS,
    now: datetime | None = None,
) -> NewDesk:
    """Register a desk; the returned enrollment code is shown once and
    expires after ``code_hours``."""
    site_code, window_code = site_code.strip(), window_code.strip()
    problem = p.real_code_problem(site_code=site_code, window_code=window_code)
    if problem:
        # The desk's numbering uses the same rule: a code it refuses would
        # make every acceptance on that desk fail. Provisional codes (see
        # sync/codes.py) belong to un-enrolled desks only.
        raise AdminError(problem)
    ttl = _check_hours(code_hours)
    code = _new_code()
    desk_id = str(uuid.uuid4())
    when = _now(now)
    with db.transaction() as conn:
        # Numbering assumes one desk per window: a second one would issue
        # the same numbers. A replaced machine re-enrolls (reissue-code).
        held_by = held.holder(conn, site_code, window_code)
        if held_by is not None:
            raise AdminError(
                f"站点 {site_code} 窗口 {window_code} 已有终端 {held_by}：一个窗口"
                "只能有一台终端，否则受理编号会重复。更换电脑请用 reissue-code"
                " 为原终端重新发放注册码，或为新终端指定另一个窗口代码"
            )
        conn.execute(
            "INSERT INTO desks (id, site_code, window_code, name, enrollment_code_hash,"
            " created_at, code_expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                desk_id,
                site_code,
                window_code,
                name,
                _sha(normalize_code(code)),
                _iso(when),
                _iso(when + ttl),
            ),
        )
    return NewDesk(desk_id=desk_id, enrollment_code=code)


def enroll(
    db: Database,
    *,
    code: str,
    desk_name: str | None,
    now: datetime | None = None,
    prefixes: Sequence[tuple[str, str]] = (),
) -> p.EnrollResponse:
    """Trade a one-time, unexpired code for a desk token (stored only as a
    hash). Enrolling again with a reissued code lifts a revocation.
    ``prefixes`` (site, window) the desk numbered under before are recorded
    for it; one held by another desk refuses the enrollment whole."""
    token = secrets.token_urlsafe(32)
    when = _now(now)
    with db.transaction() as conn:
        row = conn.one(
            "SELECT * FROM desks WHERE enrollment_code_hash = ?",
            (_sha(normalize_code(code)),),
        )
        if row is None:
            raise AdminError(
                "注册码无效或已使用，请向中心管理员申请新的注册码",
                code=p.ERROR_ENROLLMENT_CODE,
            )
        expires = row.get("code_expires_at")
        if expires and datetime.fromisoformat(str(expires)) <= when:
            raise AdminError(
                "注册码已过期，请向中心管理员申请新的注册码（reissue-code）",
                code=p.ERROR_ENROLLMENT_CODE_EXPIRED,
            )
        try:
            held.record(
                conn,
                desk_id=str(row["id"]),
                own_site=str(row["site_code"]),
                prefixes=prefixes,
                at=_iso(when),
            )
        except held.PrefixTaken as exc:
            raise AdminError(str(exc), code=exc.code) from None
        conn.execute(
            "UPDATE desks SET enrollment_code_hash = NULL, code_expires_at = NULL,"
            " token_hash = ?, enrolled_at = ?, name = ?, revoked_at = NULL"
            " WHERE id = ?",
            (_sha(token), _iso(when), desk_name or row["name"], row["id"]),
        )
    return p.EnrollResponse(
        desk_id=str(row["id"]),
        token=token,
        site_code=str(row["site_code"]),
        window_code=str(row["window_code"]),
        server_time=p.utc_now_iso(),
    )


def reissue_code(
    db: Database,
    *,
    desk_id: str,
    code_hours: float = DEFAULT_CODE_HOURS,
    now: datetime | None = None,
) -> str:
    """A fresh one-time code for an existing desk (e.g. a replaced computer).
    The old token stops working at once: whoever holds it must enroll."""
    ttl = _check_hours(code_hours)
    code = _new_code()
    with db.transaction() as conn:
        changed = conn.execute(
            "UPDATE desks SET enrollment_code_hash = ?, code_expires_at = ?,"
            " token_hash = NULL WHERE id = ?",
            (_sha(normalize_code(code)), _iso(_now(now) + ttl), desk_id),
        )
    if not changed:
        raise AdminError(f"没有编号为 {desk_id} 的窗口终端")
    return code


def revoke_desk(db: Database, *, desk_id: str, now: datetime | None = None) -> None:
    """Stop a desk at once: its token answers 401 ``desk_revoked`` and any
    unused enrollment code is void. ``reissue-code`` lets it back in."""
    with db.transaction() as conn:
        changed = conn.execute(
            "UPDATE desks SET revoked_at = ?, enrollment_code_hash = NULL,"
            " code_expires_at = NULL WHERE id = ?",
            (_iso(_now(now)), desk_id),
        )
    if not changed:
        raise AdminError(f"没有编号为 {desk_id} 的窗口终端")


@dataclass(frozen=True)
class TokenOwner:
    desk: Desk
    revoked: bool


def token_owner(db: Database, token: str) -> TokenOwner | None:
    """The desk a token belongs to (revoked or not), or None."""
    with db.transaction(write=False) as conn:
        row = conn.one("SELECT * FROM desks WHERE token_hash = ?", (_sha(token),))
    if row is None:
        return None
    desk = Desk(
        id=str(row["id"]),
        site_code=str(row["site_code"]),
        window_code=str(row["window_code"]),
        name=str(row["name"]),
    )
    return TokenOwner(desk=desk, revoked=bool(row.get("revoked_at")))


def desk_for_token(db: Database, token: str) -> Desk | None:
    """The desk of a valid token; None for unknown or revoked tokens."""
    owner = token_owner(db, token)
    return None if owner is None or owner.revoked else owner.desk


def add_user(
    db: Database,
    *,
    username: str,
    role: str,
    site_code: str,
    password_verifier: str,
    display_name: str | None = None,
    active: bool = True,
) -> None:
    """Create or replace a user; desks of the site receive it by pull."""
    if role not in p.ROLES:
        raise AdminError(f"角色必须是 clerk 或 supervisor，而不是 {role}")
    if not p.is_password_verifier(password_verifier):
        raise AdminError("口令校验串格式不对，应为 scrypt$n$r$p$salt$hash")
    if not username.strip():
        raise AdminError("用户名不能为空")
    name = username.strip()
    row: dict[str, Any] = {
        "username": name,
        "display_name": display_name or name,
        "role": role,
        "site_code": site_code,
        "password_verifier": password_verifier,
        "active": 1 if active else 0,
    }
    with db.transaction() as conn:
        old = conn.one("SELECT site_code FROM users WHERE username = ?", (name,))
        conn.execute(
            "INSERT INTO users (username, display_name, role, site_code,"
            " password_verifier, active, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (username) DO UPDATE SET"
            " display_name = excluded.display_name, role = excluded.role,"
            " site_code = excluded.site_code,"
            " password_verifier = excluded.password_verifier,"
            " active = excluded.active, updated_at = excluded.updated_at",
            (*row.values(), p.utc_now_iso()),
        )
        body = dict(user_body(row))
        emit(conn, p.CHANGE_USER, body, entity_id=name, site_code=site_code)
        if old and old["site_code"] != site_code:
            # The old site's desks learn the user left them.
            gone = {**body, "site_code": old["site_code"], "active": False}
            emit(
                conn,
                p.CHANGE_USER,
                gone,
                entity_id=name,
                site_code=str(old["site_code"]),
            )


def publish_catalog(
    db: Database, document: dict[str, Any], *, bundles: dict[str, Any] | None = None
) -> int:
    """Store a ``counter-catalog/1`` document (and optionally a
    ``counter-bundles/1`` one, carried in ``catalog_meta["bundles"]``);
    returns how many items changed (the meta counts as one).
    Items are opaque dicts keyed by ``code``; items missing from the new
    document are announced as ``{"code": ..., "deleted": true}``."""
    if not str(document.get("format", "")).startswith("counter-catalog/"):
        raise AdminError("不是事项目录文件（format 应为 counter-catalog/1）")
    items = document.get("items")
    if not isinstance(items, list) or not all(
        isinstance(i, dict) and isinstance(i.get("code"), str) for i in items
    ):
        raise AdminError("事项目录的 items 必须是带 code 的对象列表")
    version = str(document.get("version", ""))
    # Everything but the items travels as one catalog_meta change.
    meta = {k: v for k, v in document.items() if k != "items"}
    meta.update(version=version, conditions=document.get("conditions", {}))
    if bundles is not None:
        if not isinstance(bundles.get("bundles"), list):
            raise AdminError(
                "一件事文件的 bundles 必须是列表（format counter-bundles/1）"
            )
        meta["bundles"] = bundles["bundles"]
    changed = 0
    with db.transaction() as conn:
        old_meta = conn.scalar("SELECT value FROM meta WHERE key = 'catalog_meta'")
        if old_meta and "bundles" not in meta:
            # Bundles are published with --bundles; a plain catalog keeps them.
            previous = json.loads(old_meta).get("bundles")
            if previous is not None:
                meta["bundles"] = previous
        meta_text = json.dumps(meta, ensure_ascii=False, sort_keys=True)
        if old_meta != meta_text:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('catalog_meta', ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (meta_text,),
            )
            emit(conn, p.CHANGE_CATALOG_META, meta, entity_id="catalog")
            changed += 1
        current = {
            str(r["code"]): r
            for r in conn.all("SELECT code, body, deleted FROM catalog_items")
        }
        seen: set[str] = set()
        for item in items:
            code = item["code"]
            seen.add(code)
            text = json.dumps(item, ensure_ascii=False, sort_keys=True)
            old = current.get(code)
            if old is not None and old["body"] == text and not old["deleted"]:
                continue
            conn.execute(
                "INSERT INTO catalog_items (code, body, version, deleted)"
                " VALUES (?, ?, ?, 0) ON CONFLICT (code) DO UPDATE SET"
                " body = excluded.body, version = excluded.version, deleted = 0",
                (code, text, version),
            )
            emit(conn, p.CHANGE_CATALOG_ITEM, item, entity_id=code)
            changed += 1
        for code, old in current.items():
            if code not in seen and not old["deleted"]:
                conn.execute(
                    "UPDATE catalog_items SET deleted = 1, version = ? WHERE code = ?",
                    (version, code),
                )
                emit(
                    conn,
                    p.CHANGE_CATALOG_ITEM,
                    {"code": code, "deleted": True},
                    entity_id=code,
                )
                changed += 1
    return changed


def publish_calendar(db: Database, document: dict[str, Any]) -> list[int]:
    """Store a ``counter-calendar/1`` document; returns the years that changed."""
    if not str(document.get("format", "")).startswith("counter-calendar/"):
        raise AdminError("不是节假日日历文件（format 应为 counter-calendar/1）")
    years = document.get("years")
    if not isinstance(years, dict):
        raise AdminError("节假日日历的 years 必须是以年份为键的对象")
    changed: list[int] = []
    with db.transaction() as conn:
        for key, value in sorted(years.items()):
            try:
                year = int(key)
            except ValueError:
                raise AdminError(f"年份 {key} 不是数字") from None
            if not isinstance(value, dict):
                raise AdminError(f"{year} 年的内容必须是对象")
            body = {
                "year": year,
                "holidays": list(value.get("holidays", [])),
                "workdays": list(value.get("workdays", [])),
            }
            body.update({k: v for k, v in value.items() if k not in body})
            text = json.dumps(body, ensure_ascii=False, sort_keys=True)
            old = conn.scalar("SELECT body FROM calendar_years WHERE year = ?", (year,))
            if old == text:
                continue
            conn.execute(
                "INSERT INTO calendar_years (year, body) VALUES (?, ?)"
                " ON CONFLICT (year) DO UPDATE SET body = excluded.body",
                (year, text),
            )
            emit(conn, p.CHANGE_CALENDAR_YEAR, body, entity_id=str(year))
            changed.append(year)
    return changed
