"""Desk settings: who this desk is and the local [T] rules, in one table."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

DEFAULTS: dict[str, str] = {
    # site_code/window_code: set at store creation (migration 0013: a
    # provisional code), by the supervisor (services/site.py) or enrollment.
    "center_name": "示范区政务服务中心",
    "window_name": "综合受理 1 号窗口",
    "center_address": "示范区人民路 100 号 政务服务中心一楼",
    "center_hours": "周一至周五 9:00–12:00，13:30–17:00",
    "supervision_phone": "12345",
    "window_phone": "025-8456 1201",
    "review_organ": "示范区人民政府",
    "court": "示范区人民法院",
    "deferred_consequence": "逾期未补交容缺材料的，本机关将终止办理并退回申请材料，由此产生的后果由申请人承担。",
    # Where the status page lives; empty → the enrolled server + /status.
    "status_base_url": "",
    "desk_id": "",
    "idle_lock_minutes": "10",
    # 等保 登录失败处理: consecutive wrong passwords before an account locks,
    # and for how long (0 failures = never lock).
    "signin.max_failures": "5",
    "signin.lock_minutes": "10",
    "bad_rating_follow_up_days": "15",
    "notice_bring_days": "20",
    "warn_days_left": "2",
    "language": "zh_CN",
    # Acknowledged ops: deleted at the end of the sync round that saw them
    # acknowledged (0), or kept that many days without payload as a log.
    "outbox.keep_days": "0",
    # Audit trail: retention (never under 180, see store/audit.py) and how
    # often a sync round re-walks the whole chain for the platform.
    "audit.keep_days": "180",
    "audit.recheck_minutes": "60",
    "scan.max_file_bytes": str(30 * 1024 * 1024),
    "scan.max_application_bytes": str(200 * 1024 * 1024),
}


def get(db: Database, key: str) -> str:
    row = db.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchone()
    if row is not None:
        return str(row[0])
    return DEFAULTS.get(key, "")


def get_int(db: Database, key: str) -> int:
    return int(get(db, key) or 0)


def put(db: Database, key: str, value: str) -> None:
    db.execute(
        "INSERT INTO settings (key, value) VALUES (?, ?)"
        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )


@dataclass(frozen=True)
class DeskIdentity:
    site_code: str
    window_code: str
    center_name: str
    window_name: str
    desk_id: str


def identity(db: Database) -> DeskIdentity:
    return DeskIdentity(
        site_code=get(db, "site_code"),
        window_code=get(db, "window_code"),
        center_name=get(db, "center_name"),
        window_name=get(db, "window_name"),
        desk_id=get(db, "desk_id"),
    )


def status_base_url(db: Database) -> str:
    base = get(db, "status_base_url")
    if base:
        return base.rstrip("/")
    server = get(db, "server_url")
    return server.rstrip("/") + "/status" if server else ""
