"""Day close (日结): the supervisor closes a window's day. The totals are
counted, the daily log PDF is archived under ``<data_dir>/archive/YYYY/MM/``
and the close is recorded and queued for sync in one transaction. After
that the window takes no more records on that day, and a field of a record
is changed only through a logged correction by the supervisor.

Kept light on imports: ``services.applications`` calls ``assert_day_open``
in every transaction.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.errors import DomainError
from counter_app.domain.identifiers import validate_phone
from counter_app.domain.text import NAME_MAX, NOTE_MAX, clean_text, shown
from counter_app.i18n import N_, _, listing
from counter_app.services.context import DeskContext
from counter_app.store import audit
from counter_app.store.db import SQLITE_ERRORS, Store
from counter_app.store.events import add_event
from counter_app.store.outbox import add_op, pending_summary
from sync.codes import WINDOW_CODE_RULE, is_window_code

_logger = logging.getLogger(__name__)
_MAINTENANCE_ERRORS: tuple[type[Exception], ...] = (OSError, *SQLITE_ERRORS)


class DayClosed(DomainError):
    """The window's day was closed; its records are read-only."""

    def __init__(
        self, *, window_code: str, day: str, closed_by: str, closed_at: str
    ) -> None:
        super().__init__(
            _(
                "窗口 {window} 的 {day} 已由 {by} 于 {at} 日结，当日记录只读。"
                "如需更改，请由科室负责人作更正登记。"
            ).format(
                window=window_code,
                day=day,
                by=closed_by,
                at=closed_at[:16].replace("T", " "),
            )
        )
        self.window_code = window_code
        self.day = day
        self.closed_by = closed_by


class PendingNotConfirmed(DomainError):
    """Changes are still waiting for sync and nobody confirmed closing."""

    def __init__(self, pending_ops: int) -> None:
        super().__init__(
            _(
                "还有 {count} 项更改尚未同步到平台。确认仍要日结时请勾选"
                "“确认在未同步的情况下日结”，该确认将被记录。"
            ).format(count=pending_ops),
            field="confirm_pending",
        )
        self.pending_ops = pending_ops


class DayCloseError(DomainError):
    pass


def closed_record(
    db: Database, *, site_code: str, window_code: str, day: str
) -> dict[str, Any] | None:
    rows = list(
        db.query(
            "SELECT * FROM day_closes WHERE site_code = ? AND window_code = ? AND day = ?",
            [site_code, window_code, day],
        )
    )
    return dict(rows[0]) if rows else None


def assert_day_open(
    db: Database, *, site_code: str, window_code: str, day: str
) -> None:
    """Raise DayClosed when the window's day has been closed."""
    row = db.execute(
        "SELECT closed_by, closed_at FROM day_closes WHERE site_code = ?"
        " AND window_code = ? AND day = ?",
        [site_code, window_code, day],
    ).fetchone()
    if row is not None:
        name = db.execute(
            "SELECT display_name FROM users WHERE username = ?", [row[0]]
        ).fetchone()
        raise DayClosed(
            window_code=window_code,
            day=day,
            closed_by=name[0] if name else row[0],
            closed_at=row[1],
        )


@dataclass(frozen=True)
class ClosePreview:
    site_code: str
    window_code: str
    day: date
    totals: list[tuple[str, str]]
    rows: int
    pending_ops: int
    pending_bytes: int
    coverage_text: str
    already_closed: dict[str, Any] | None


@dataclass(frozen=True)
class CloseResult:
    site_code: str
    window_code: str
    day: date
    totals: list[tuple[str, str]]
    archive_path: Path
    pending_ops: int
    pending_confirmed: bool
    op_id: str
    #: Bytes the light maintenance after the close gave back (0: not run).
    reclaimed: int = 0


def preview(
    store: Store, ctx: DeskContext, *, window_code: str, day: date
) -> ClosePreview:
    """What a close would record, and what is still pending."""
    from counter_app.services.daily_log import LogFilter, daily_log

    ctx.require_supervisor(_("日结"))
    log = daily_log(store, ctx, LogFilter.day(day, window_code=window_code))
    ops, size = pending_summary(store.db)
    return ClosePreview(
        ctx.site_code,
        window_code,
        day,
        log.totals.pairs(),
        len(log.entries),
        ops,
        size,
        log.coverage_text(),
        closed_record(
            store.db,
            site_code=ctx.site_code,
            window_code=window_code,
            day=day.isoformat(),
        ),
    )


def _check_window(window_code: str) -> None:
    # The code names the archive file: nothing but a real code may reach a path.
    if not is_window_code(window_code):
        raise DayCloseError(
            _("窗口代码“{code}”无效：应为{rule}。").format(
                code=shown(window_code), rule=WINDOW_CODE_RULE
            ),
            field="window_code",
        )


def archive_path(
    data_dir: Path, *, site_code: str, window_code: str, day: date
) -> Path:
    return (
        data_dir
        / "archive"
        / f"{day:%Y}"
        / f"{day:%m}"
        / f"daily-log_{site_code}_{window_code}_{day.isoformat()}.pdf"
    )


def close_day(
    store: Store,
    ctx: DeskContext,
    *,
    window_code: str,
    day: date,
    confirm_pending: bool = False,
) -> CloseResult:
    """Close ``window_code``'s ``day``. While changes are pending sync this
    needs ``confirm_pending=True``, which is recorded."""
    from counter_app.services.daily_log import LogFilter, daily_log
    from counter_app.services.exports import pdf_bytes

    ctx.require_supervisor(_("日结"))
    _check_window(window_code)
    if day > clock.today():
        raise DayCloseError(
            _("不能对今天以后的日期（{day}）日结。").format(day=day.isoformat()),
            field="day",
        )
    target = archive_path(
        store.data_dir, site_code=ctx.site_code, window_code=window_code, day=day
    )
    with store.transaction() as db:
        assert_day_open(
            db, site_code=ctx.site_code, window_code=window_code, day=day.isoformat()
        )
        ops, _bytes = pending_summary(db)
        if ops and not confirm_pending:
            raise PendingNotConfirmed(ops)
        # Counted and printed inside the transaction: the archived PDF and
        # the recorded totals describe exactly the same records.
        log = daily_log(store, ctx, LogFilter.day(day, window_code=window_code))
        pdf = pdf_bytes(log, ctx, store)
        _write_archive(target, pdf)
        try:
            totals = asdict(log.totals)
            row = {
                "site_code": ctx.site_code,
                "window_code": window_code,
                "day": day.isoformat(),
                "closed_at": clock.now_iso(),
                "closed_by": ctx.username,
                "totals": json.dumps(totals, ensure_ascii=False, sort_keys=True),
                "pending_ops": ops,
                "pending_confirmed": int(bool(ops) and confirm_pending),
                "archive_path": str(target.relative_to(store.data_dir)),
            }
            db.execute(
                "INSERT INTO day_closes (site_code, window_code, day, closed_at,"
                " closed_by, totals, pending_ops, pending_confirmed, archive_path)"
                " VALUES (:site_code, :window_code, :day, :closed_at, :closed_by,"
                " :totals, :pending_ops, :pending_confirmed, :archive_path)",
                row,
            )
            add_event(
                db,
                kind="day_close",
                actor=ctx.username,
                target=f"day:{window_code}/{day.isoformat()}",
                detail={
                    "window": window_code,
                    "day": day.isoformat(),
                    "totals": totals,
                    "pending_ops": ops,
                    "pending_confirmed": bool(row["pending_confirmed"]),
                },
            )
            # Retention of the audit trail runs with the daily close: events
            # past audit.keep_days that the platform holds move to the archive.
            audit.archive_old(db, actor=ctx.username)
            op_id = add_op(
                db,
                entity="day_close",
                entity_id=f"{ctx.site_code}:{window_code}:{day.isoformat()}",
                base_version=None,
                payload={**row, "totals": totals},
            )
        except BaseException:
            target.unlink(missing_ok=True)
            raise
    # After the close is committed: a failure here loses nothing.
    from counter_app.services.maintenance import reclaim_if_worth_it

    try:
        maintenance = reclaim_if_worth_it(store, actor=ctx.username)
    except _MAINTENANCE_ERRORS:
        _logger.exception("maintenance after the day close failed")
        maintenance = None
    return CloseResult(
        ctx.site_code,
        window_code,
        day,
        log.totals.pairs(),
        target,
        ops,
        bool(row["pending_confirmed"]),
        op_id,
        max(0, maintenance.freed) if maintenance else 0,
    )


def reopen_day(
    store: Store, ctx: DeskContext, *, window_code: str, day: date, reason: str
) -> Path | None:
    """Reopen a closed day (a mistaken close strands the queue): supervisors
    only, with a reason that is recorded and sent to the platform. The
    archived log of the close is kept, renamed; returns its new path."""
    ctx.require_supervisor(_("重新开放已日结的日期"))
    _check_window(window_code)
    reason = clean_text(
        reason, field="reason", label=_("理由"), max_len=NOTE_MAX, multiline=True
    )
    if not reason:
        raise DayCloseError(_("请写明重新开放的理由，该理由将被记录。"), field="reason")
    stamp = clock.now_iso()
    kept: Path | None = None
    try:
        with store.transaction() as db:
            row = closed_record(
                db,
                site_code=ctx.site_code,
                window_code=window_code,
                day=day.isoformat(),
            )
            if row is None:
                raise DayCloseError(
                    _("窗口 {window} {day} 尚未日结，无需重新开放。").format(
                        window=window_code, day=day.isoformat()
                    ),
                    field="day",
                )
            db.execute(
                "DELETE FROM day_closes WHERE site_code = ? AND window_code = ?"
                " AND day = ?",
                [ctx.site_code, window_code, day.isoformat()],
            )
            detail = {
                "window": window_code,
                "day": day.isoformat(),
                "reason": reason.strip(),
                "closed_at": row["closed_at"],
                "closed_by": row["closed_by"],
            }
            add_event(db, kind="day_reopen", actor=ctx.username, detail=detail)
            add_op(
                db,
                entity="day_close",
                entity_id=f"{ctx.site_code}:{window_code}:{day.isoformat()}",
                base_version=None,
                payload={
                    "site_code": ctx.site_code,
                    "window_code": window_code,
                    "day": day.isoformat(),
                    "reopened_at": stamp,
                    "reopened_by": ctx.username,
                    "reason": reason.strip(),
                },
            )
            # Last, so a failure above leaves the archive where the close put it.
            archive = store.data_dir / row["archive_path"]
            kept = _set_aside(archive, stamp)
    except BaseException:
        if kept is not None:
            os.replace(kept, archive)
        raise
    return kept


def _set_aside(archive: Path, stamp: str) -> Path | None:
    """The reopened close's archive, kept beside the next one."""
    if not archive.exists():
        return None
    kept = archive.with_name(
        f"{archive.stem}.reopened-{stamp[:19].replace(':', '')}{archive.suffix}"
    )
    os.replace(archive, kept)
    return kept


def _write_archive(target: Path, pdf: bytes) -> None:
    if target.exists():
        raise DayCloseError(
            _("归档文件 {path} 已存在，为免覆盖已归档的日志，请先核对该文件。").format(
                path=target
            )
        )
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".pdf.part")
        tmp.write_bytes(pdf)
        os.replace(tmp, target)
    except OSError as exc:
        raise DayCloseError(
            _("无法写入归档目录 {path}：{error}。请检查磁盘空间和目录权限。").format(
                path=target.parent, error=exc.strerror or exc
            )
        ) from exc


# Fields a correction may change; identity numbers and the acceptance
# number are not among them (a wrong ID means a new application).
CORRECTABLE: dict[str, str] = {
    "applicant_name": N_("申请人姓名"),
    "phone": N_("联系电话"),
    "address": N_("地址"),
    "org_name": N_("单位名称"),
    "agent_name": N_("代理人姓名"),
    "agent_relation": N_("代理关系"),
    "reason": N_("理由"),
    "promise_date": N_("容缺承诺日期"),
    "intake_seconds": N_("受理用时（秒）"),
}


def record_correction(
    store: Store,
    ctx: DeskContext,
    *,
    application_id: str,
    field: str,
    new_value: str,
    reason: str,
) -> int:
    """Change one field of a record after its day was closed (or at any
    time), logged with the old value, the new one and the reason; queued
    for sync. Supervisor only. Returns the correction's id."""
    from counter_app.services.applications import push_application

    ctx.require_supervisor(_("更正登记"))
    if field not in CORRECTABLE:
        raise DayCloseError(
            _("字段“{field}”不能通过更正登记修改。可更正：{fields}。").format(
                field=field, fields=listing(_(v) for v in CORRECTABLE.values())
            ),
            field="field",
        )
    reason = clean_text(
        reason, field="reason", label=_("更正理由"), max_len=NOTE_MAX, multiline=True
    )
    if not reason:
        raise DayCloseError(_("更正登记须写明更正理由。"), field="reason")
    value = _checked_value(field, new_value)
    with store.transaction() as db:
        row = db.execute(
            f"SELECT {field}, day, window_code, site_code FROM applications"
            " WHERE id = ?",
            [application_id],
        ).fetchone()
        if row is None:
            raise DayCloseError(_("找不到要更正的办件。"), field="application_id")
        old, day, window, site = row
        closed = closed_record(db, site_code=site, window_code=window, day=day)
        cur = db.execute(
            "INSERT INTO corrections (application_id, field, old_value, new_value,"
            " reason, actor, at, closed_day) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                application_id,
                field,
                None if old is None else str(old),
                None if value is None else str(value),
                reason,
                ctx.username,
                clock.now_iso(),
                day if closed else None,
            ],
        )
        correction_id = int(cur.lastrowid or 0)
        db.execute(
            f"UPDATE applications SET {field} = ?, version = version + 1,"
            " updated_at = ? WHERE id = ?",
            [value, clock.now_iso(), application_id],
        )
        add_event(
            db,
            kind="correction",
            actor=ctx.username,
            application_id=application_id,
            detail={
                "field": field,
                "old": old,
                "new": value,
                "reason": reason,
                "closed_day": bool(closed),
            },
        )
        push_application(db, application_id)
    return correction_id


def _checked_value(field: str, text: str) -> Any:
    """The new value by the same rules as at intake (``domain.text``)."""
    label = _(CORRECTABLE[field])
    if field in ("applicant_name", "agent_name"):
        value = clean_text(text, field="new_value", label=label, max_len=NAME_MAX)
    elif field == "reason":
        value = clean_text(
            text, field="new_value", label=label, max_len=NOTE_MAX, multiline=True
        )
    else:
        value = clean_text(text, field="new_value", label=label)
    if not value:
        return None
    if field == "phone":
        return validate_phone(value, field="new_value")
    try:
        if field == "intake_seconds":
            return int(value)
        if field == "promise_date":
            return date.fromisoformat(value).isoformat()
    except ValueError:
        raise DayCloseError(
            _(
                "“{label}”的新值“{value}”格式不对（日期写成 YYYY-MM-DD，用时写秒数）。"
            ).format(label=label, value=shown(value)),
            field="new_value",
        ) from None
    return value


def corrections(db: Database, application_id: str) -> list[dict[str, Any]]:
    return [
        dict(r)
        for r in db.query(
            "SELECT * FROM corrections WHERE application_id = ? ORDER BY id",
            [application_id],
        )
    ]
