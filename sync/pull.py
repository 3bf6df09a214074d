"""Pull: apply the server's changes feed to the desk, one page per
transaction, with the cursor saved in the same transaction as the page."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.catalog import Bundle, item_from_dict
from counter_app.domain.errors import DomainError
from counter_app.domain.status import Status
from counter_app.domain.text import NAME_MAX, clean_text
from counter_app.domain.workdays import CALENDAR_FORMAT, parse_calendar
from counter_app.i18n import _
from counter_app.services.backoffice import apply_status_change
from counter_app.store import settings
from counter_app.store.calendar import store_years
from counter_app.store.catalog import upsert_bundle, upsert_item
from counter_app.store.db import INTEGRITY_ERRORS, Store
from counter_app.store.events import add_event
from sync import protocol as p
from sync import quarantine
from sync.state import get_state, put_state
from sync.transport import ProtocolError, Transport

log = logging.getLogger(__name__)

#: Event kind the UI shows as "办结待取件 — 请通知申请人".
EVENT_RESULT_READY = "result_ready"
_SNAPSHOT_ACTIVE = "snapshot_active"


@dataclass
class PullReport:
    pages: int = 0
    changes: int = 0
    resnapshot: bool = False
    result_ready: list[str] = field(default_factory=list)  # acceptance numbers
    #: "kind key: reason" of each change put in (or kept in) quarantine
    quarantined: list[str] = field(default_factory=list)
    released: int = 0  # quarantined changes that applied on retry
    catalog_changed: bool = False


def pull(
    store: Store,
    transport: Transport,
    *,
    limit: int = p.DEFAULT_CHANGES_LIMIT,
    should_stop: Callable[[], bool] = lambda: False,
) -> PullReport:
    report = PullReport()
    desk_id = settings.get(store.db, "desk_id")
    # Older first: what waited (a kind this version now knows) applies
    # before the newer feed supersedes it.
    _retry_quarantine(store, desk_id, report)
    while not should_stop():
        since = get_state(store.db, "cursor")
        params: dict[str, Any] = {"limit": limit}
        if since:
            params["since"] = since
        page = transport.json_call("GET", p.PATH_CHANGES, params=params)
        changes: list[dict[str, Any]] = list(page.get("changes") or [])
        with store.transaction() as db:
            if page.get("resnapshot"):
                report.resnapshot = True
                if get_state(db, _SNAPSHOT_ACTIVE) != "1":
                    # First page of a full snapshot: remote copies are replaced.
                    db.execute("DELETE FROM applications WHERE origin = 'remote'")
                put_state(db, _SNAPSHOT_ACTIVE, "1" if page.get("more") else "0")
            calendar_changed = False
            for change in changes:
                _applied, cal = _apply_or_quarantine(db, change, desk_id, report)
                calendar_changed |= cal
            if calendar_changed:
                _recompute(db)
            put_state(db, "cursor", str(page["cursor"]))
        report.pages += 1
        report.changes += len(changes)
        if not page.get("more"):
            break
        if not changes and str(page["cursor"]) == (since or ""):
            # "More" that never moves the cursor would loop for ever: end
            # the round; the engine's backoff decides when to ask again.
            raise ProtocolError(
                _("中心平台的变更数据没有进展，本轮同步已停止，稍后会自动重试。")
            )
    if report.catalog_changed:
        # An item that was missing may have just arrived.
        _retry_quarantine(store, desk_id, report)
    return report


def _retry_quarantine(store: Store, desk_id: str, report: PullReport) -> None:
    with store.transaction() as db:
        calendar_changed = False
        for waiting in quarantine.changes(db):
            change = {"seq": waiting.seq, "kind": waiting.kind, "body": waiting.body}
            before = len(report.quarantined)
            applied, cal = _apply_or_quarantine(db, change, desk_id, report)
            # Still waiting is not news: the report lists what is new.
            del report.quarantined[before:]
            calendar_changed |= cal
            report.released += applied
        if calendar_changed:
            _recompute(db)


def _recompute(db: Database) -> None:
    from counter_app.services.setup import recompute_provisional

    recompute_provisional(db, actor="sync")


def _apply_or_quarantine(
    db: Database, change: dict[str, Any], desk_id: str, report: PullReport
) -> tuple[bool, bool]:
    """Apply one change, or keep it in quarantine with the reason; never
    raises for a bad change, so the rest of the feed goes on.
    Returns (applied, calendar changed)."""
    if not isinstance(change, dict):
        change = {"body": change}
    kind = quarantine.storable(str(change.get("kind", "")))
    body = change.get("body")
    seq = _seq(change.get("seq"))
    key = quarantine.entity_key(kind, body, seq)
    db.execute("SAVEPOINT pull_change")
    try:
        calendar_changed = _apply(db, kind, _checked_body(kind, body), desk_id, report)
    except quarantine.Unapplicable as exc:
        reason, detail = exc.reason, exc.detail
    except INTEGRITY_ERRORS as exc:
        # Another desk's number this desk also used (e.g. before enrollment).
        reason, detail = quarantine.REASON_INVALID, str(exc)
        if "acceptance_no" in detail and isinstance(body, dict):
            reason = quarantine.REASON_DUPLICATE_NUMBER
            detail = str(body.get("acceptance_no") or "")
    except (DomainError, ValueError, KeyError, TypeError, OverflowError) as exc:
        # ValueError includes text SQLite cannot store (broken Unicode);
        # OverflowError a number beyond SQLite's 64 bits or an infinity.
        reason, detail = quarantine.REASON_INVALID, str(exc)
    else:
        db.execute("RELEASE pull_change")
        quarantine.forget(db, kind=kind, key=key)
        if kind in (p.CHANGE_CATALOG_ITEM, p.CHANGE_CATALOG_META):
            report.catalog_changed = True
        return True, calendar_changed
    db.execute("ROLLBACK TO pull_change")
    db.execute("RELEASE pull_change")
    log.warning("change %s %s quarantined: %s %s", kind, key, reason, detail)
    quarantine.put(
        db, seq=seq, kind=kind, key=key, body=body, reason=reason, detail=detail
    )
    report.quarantined.append(f"{kind} {key}: {reason}")
    return False, False


def _seq(value: Any) -> int:
    """The feed position, or 0 when the server sent none usable."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -(2**63) <= value < 2**63 else 0
    return 0


def _str(body: dict[str, Any], name: str, *, required: bool = True) -> str:
    """A text field of a change: never ``str()`` of a null, list or number
    (a user named "None" or a record with id "[]" is worse than none)."""
    value = body.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value):
        raise ValueError(f"{name}: expected text, got {type(value).__name__}")
    return value


def _checked_body(kind: str, body: Any) -> dict[str, Any]:
    if kind not in p.CHANGE_KINDS:
        raise quarantine.Unapplicable(quarantine.REASON_UNKNOWN_KIND, kind)
    if not isinstance(body, dict):
        raise quarantine.Unapplicable(quarantine.REASON_INVALID, "body")
    schema = body.get(p.CHANGE_SCHEMA_FIELD, p.CHANGE_SCHEMA)
    if not isinstance(schema, int) or schema > p.CHANGE_SCHEMA:
        raise quarantine.Unapplicable(
            quarantine.REASON_NEWER_SCHEMA, f"{p.CHANGE_SCHEMA_FIELD}={schema}"
        )
    return body


def _apply(
    db: Database, kind: str, body: dict[str, Any], desk_id: str, report: PullReport
) -> bool:
    if kind == p.CHANGE_CATALOG_ITEM:
        _catalog_item(db, body)
    elif kind == p.CHANGE_CATALOG_META:
        for key, label in dict(body.get("conditions") or {}).items():
            db.execute(
                "INSERT INTO catalog_conditions (key, label) VALUES (?, ?)"
                " ON CONFLICT(key) DO UPDATE SET label = excluded.label",
                [str(key), str(label)],
            )
        for raw in body.get("bundles") or []:
            if isinstance(raw, dict) and raw.get("code"):
                upsert_bundle(
                    db,
                    Bundle(
                        code=str(raw["code"]),
                        name=str(raw.get("name") or raw["code"]),
                        description=str(raw.get("description") or ""),
                        item_codes=tuple(str(c) for c in raw.get("items") or []),
                    ),
                )
        put_state(db, "catalog_version", str(body.get("version", "")))
    elif kind == p.CHANGE_CALENDAR_YEAR:
        year = str(int(body["year"]))
        text = json.dumps(
            {
                "format": CALENDAR_FORMAT,
                "years": {
                    year: {
                        "holidays": list(body.get("holidays") or []),
                        "workdays": list(body.get("workdays") or []),
                    }
                },
            }
        )
        store_years(db, parse_calendar(text, source="sync"), source="sync")
        return True
    elif kind == p.CHANGE_USER:
        _user(db, body)
    elif kind == p.CHANGE_APPLICATION_STATUS:
        _status(db, body, report)
    elif kind == p.CHANGE_SITE_APPLICATION:
        if body.get("desk_id") != desk_id:
            _site_application(db, body)
    elif kind == p.CHANGE_WINDOW_PUSH and body.get("desk_id") != desk_id:
        _window_push(db, body)
    return False


def _catalog_item(db: Database, body: dict[str, Any]) -> None:
    if body.get("deleted"):
        code = str(body["code"])
        db.execute("DELETE FROM catalog_materials WHERE item_code = ?", [code])
        db.execute("DELETE FROM catalog_fts WHERE code = ?", [code])
        db.execute("DELETE FROM catalog_items WHERE code = ?", [code])
        return
    upsert_item(db, item_from_dict(body, source=_("中心平台")))


def _user(db: Database, body: dict[str, Any]) -> None:
    verifier = str(body["password_verifier"])
    if not p.is_password_verifier(verifier) or body.get("role") not in p.ROLES:
        raise ValueError(f"user {body.get('username')!r}: bad verifier or role")
    username = _str(body, "username")
    if clean_text(username, field="username", label="username") != username:
        raise ValueError(f"user {username!r}: not a user name")
    if not isinstance(body.get("active", True), bool):
        raise ValueError(f"user {username!r}: active is not true or false")
    display = clean_text(
        _str(body, "display_name", required=False) or username,
        field="display_name",
        label=_("姓名"),
        max_len=NAME_MAX,
    )
    fields = [
        display or username,
        str(body["role"]),
        _str(body, "site_code", required=False),
        1 if body.get("active", True) else 0,
        clock.now_iso(),
    ]
    known = db.execute(
        "SELECT pulled_verifier FROM users WHERE username = ?", [username]
    ).fetchone()
    if known is not None and known[0] == verifier:
        # The platform still has the password it sent before: a password
        # changed on this desk since then stays.
        db.execute(
            "UPDATE users SET display_name = ?, role = ?, site_code = ?, active = ?,"
            " updated_at = ? WHERE username = ?",
            [*fields, username],
        )
        return
    # A new password from the platform; one an administrator set (marked in
    # the verifier) must be changed at the next sign-in on this desk.
    db.execute(
        "INSERT INTO users (display_name, role, site_code, active, updated_at,"
        " username, password_verifier, pulled_verifier, must_change)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(username) DO UPDATE SET display_name = excluded.display_name,"
        " role = excluded.role, password_verifier = excluded.password_verifier,"
        " site_code = excluded.site_code, active = excluded.active,"
        " updated_at = excluded.updated_at,"
        " pulled_verifier = excluded.pulled_verifier,"
        " must_change = excluded.must_change",
        [
            *fields,
            username,
            verifier,
            verifier,
            1 if p.verifier_must_change(verifier) else 0,
        ],
    )


def _status(db: Database, body: dict[str, Any], report: PullReport) -> None:
    app_id = str(body["application_id"])
    status = str(body["status"])
    version = int(body.get("version") or 0)
    row = db.execute(
        "SELECT status, acceptance_no FROM applications WHERE id = ? AND origin = 'local'",
        [app_id],
    ).fetchone()
    if row is None:
        raise quarantine.Unapplicable(quarantine.REASON_UNKNOWN_APPLICATION, app_id)
    if status in p.BACK_OFFICE_STATUSES and status != row[0]:
        try:
            changed = apply_status_change(
                db,
                application_id=app_id,
                status=Status(status),
                note=str(body.get("note") or ""),
                actor="sync",
            )
        except DomainError as exc:
            # The desk moved on (e.g. delivered while offline): its pending
            # op meets the server's record as a conflict, shown there.
            log.info("status %s of %s left to the conflict: %s", status, app_id, exc)
            changed = False
        if changed and status == p.STATUS_RESULT_READY:
            number = str(row[1] or body.get("acceptance_no") or "")
            add_event(
                db,
                kind=EVENT_RESULT_READY,
                actor="sync",
                application_id=app_id,
                detail={
                    "acceptance_no": number,
                    "message": _("办结待取件 — 请通知申请人"),
                },
            )
            report.result_ready.append(number)
    # The server's version is the next base version for this application.
    db.execute(
        "UPDATE applications SET version = ? WHERE id = ? AND version < ?",
        [version, app_id, version],
    )


_APP_COLUMNS: tuple[str, ...] = ()


def _columns(db: Database) -> tuple[str, ...]:
    global _APP_COLUMNS
    if not _APP_COLUMNS:
        _APP_COLUMNS = tuple(
            r[1] for r in db.execute("PRAGMA table_info(applications)").fetchall()
        )
    return _APP_COLUMNS


_REQUIRED_DEFAULTS: dict[str, Any] = {
    "item_code": "",
    "item_name": "",
    "department": "",
    "applicant_type": "person",
    "applicant_name": "",
    "clerk": "",
    "site_code": "",
    "answers": "{}",
}


def _site_application(db: Database, body: dict[str, Any]) -> None:
    """Another window's application: a read-only copy (origin 'remote')."""
    app_id = _str(body, "application_id")
    Status(_str(body, "status"))  # ValueError for a status this desk lacks
    if not isinstance(body.get("record", {}), dict):
        raise ValueError("record: expected an object")
    local = db.execute(
        "SELECT origin FROM applications WHERE id = ?", [app_id]
    ).fetchone()
    if local is not None and local[0] != "remote":
        return  # never overwrite a record this desk owns
    record: dict[str, Any] = dict(body.get("record") or {})
    item_code = str(record.get("item_code") or "")
    if item_code and not _known_item(db, item_code):
        raise quarantine.Unapplicable(quarantine.REASON_UNKNOWN_ITEM, item_code)
    updated = str(body.get("updated_at") or clock.now_iso())
    row: dict[str, Any] = {}
    for column in _columns(db):
        if column in record:
            value = record[column]
            row[column] = (
                json.dumps(value, ensure_ascii=False, sort_keys=True)
                if isinstance(value, dict | list)
                else value
            )
    for column, default in _REQUIRED_DEFAULTS.items():
        if row.get(column) is None:
            row[column] = default
    row.update(
        id=app_id,
        status=str(body["status"]),
        version=int(body["version"]),
        window_code=str(body.get("window_code") or record.get("window_code") or ""),
        desk_id=str(body.get("desk_id") or ""),
        acceptance_no=str(body.get("acceptance_no") or "") or None,
        origin="remote",
        updated_at=updated,
    )
    row.setdefault("created_at", updated)
    row.setdefault("day", updated[:10])
    row["created_at"] = row["created_at"] or updated
    row["day"] = row["day"] or updated[:10]
    names = list(row)
    db.execute(
        f"INSERT INTO applications ({', '.join(names)})"
        f" VALUES ({', '.join('?' for _ in names)})"
        " ON CONFLICT(id) DO UPDATE SET "
        + ", ".join(f"{n} = excluded.{n}" for n in names if n != "id"),
        [row[n] for n in names],
    )
    db.execute("DELETE FROM application_materials WHERE application_id = ?", [app_id])
    for position, material in enumerate(record.get("materials") or []):
        if not isinstance(material, dict) or not material.get("material_key"):
            continue
        db.execute(
            "INSERT OR REPLACE INTO application_materials (application_id,"
            " material_key, position, name, state, originals, copies, problem, note,"
            " reused_from, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                app_id,
                str(material["material_key"]),
                position,
                str(material.get("name") or ""),
                str(material.get("state") or ""),
                int(material.get("originals") or 0),
                int(material.get("copies") or 0),
                material.get("problem"),
                material.get("note"),
                material.get("reused_from"),
                material.get("received_at"),
            ],
        )


def _known_item(db: Database, code: str) -> bool:
    found = db.execute("SELECT 1 FROM catalog_items WHERE code = ?", [code])
    return found.fetchone() is not None


def _window_push(db: Database, body: dict[str, Any]) -> None:
    """Another window's records are in up to ``pushed_at`` (its last push
    with nothing refused); the site-wide log states it per window."""
    window = str(body.get("window_code") or "")
    pushed = str(body.get("pushed_at") or "")
    key = f"window_pushed:{window}"
    if window and pushed > get_state(db, key):
        put_state(db, key, pushed)
