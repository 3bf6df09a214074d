"""The window's decisions on an application, one transaction each:
accept (also deferred and on commitment), one-time notice, reject; then
supplement, withdrawal, delivery of the result and evaluation."""

from __future__ import annotations

import json
import secrets
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import quote

from sqlite_utils import Database

from counter_app import clock
from counter_app.domain.identifiers import (
    IdType,
    mask_identifier,
    normalize,
    resident_id_info,
)
from counter_app.domain.numbering import format_acceptance_number
from counter_app.domain.status import (
    Decision,
    Status,
    check_transition,
    status_for_decision,
)
from counter_app.domain.workdays import due_date_or_provisional
from counter_app.i18n import _, listing
from counter_app.services import deferred
from counter_app.services.context import DeskContext
from counter_app.services.day_close import assert_day_open
from counter_app.services.intake import (
    RECEIVED,
    Applicant,
    IntakeError,
    IntakeForm,
    MaterialEntry,
    MaterialState,
    check_decision,
    check_reason_code,
    check_rejection,
    clean_line,
    clean_reason,
    entries_for,
    normalised_applicant,
)
from counter_app.store import records, settings
from counter_app.store.calendar import load_calendar
from counter_app.store.catalog import get_item
from counter_app.store.db import Store
from counter_app.store.events import add_event
from counter_app.store.outbox import add_op

ACCEPTING = {Decision.ACCEPT, Decision.ACCEPT_DEFERRED, Decision.ACCEPT_COMMITMENT}
#: How a result is handed over: at the window, or mailed by EMS (tracking no.).
DELIVERY_METHODS = ("window", "ems")


@dataclass(frozen=True)
class DecisionResult:
    application_id: str
    acceptance_no: str
    item_code: str
    status: Status
    due_date: date | None
    due_provisional: bool


class NotFound(IntakeError):
    pass


def decide(
    store: Store,
    ctx: DeskContext,
    form: IntakeForm,
    decision: Decision,
    *,
    reason: str = "",
    reason_code: str = "",
    promise_date: date | None = None,
    competent_organ: str = "",
) -> list[DecisionResult]:
    """Store the intake with its decision; for a bundle, one linked
    application per item. Returns what the receipt needs. A rejection as
    not competent names the organ the applicant is sent to."""
    if not form.item_codes:
        raise IntakeError(_("请先选择办理事项。"), field="item")
    competent_organ = " ".join(competent_organ.split())
    if decision is Decision.REJECT:
        check_rejection(reason_code, competent_organ)
    items = [get_item(store.db, code) for code in form.item_codes]
    applicant = normalised_applicant(form.applicant, form.answers)
    reason = clean_reason(reason)
    check_reason_code(reason_code)
    plans = []
    for item in items:
        pairs = entries_for(item.materials_for(form.answers), form.materials)
        plans.append((item, pairs))
    if decision is Decision.NOTICE:
        if all(e.state in RECEIVED for _i, pairs in plans for _m, e in pairs):
            raise IntakeError(
                _("材料已齐全，无需一次性告知，请直接受理。"), field="decision"
            )
    else:
        for item, pairs in plans:
            check_decision(
                item, pairs, decision, reason=reason, promise_date=promise_date
            )
    status = status_for_decision(decision)
    group_id = str(uuid.uuid4()) if len(items) > 1 else None
    results = []
    with _window_transaction(store, ctx) as db:
        today = clock.today()
        calendar = load_calendar(db)
        for index, (item, pairs) in enumerate(plans):
            app_id = _application_id(db, form.application_id if not index else "")
            number = _next_number(db, ctx, today)
            due, provisional, accepted_on = None, False, None
            if decision in ACCEPTING:
                accepted_on = today
                dd = due_date_or_provisional(calendar, today, item.promised_days)
                due, provisional = dd.date, dd.provisional
                if promise_date is not None:
                    _check_promise(promise_date, today=today, due=due)
            status_key = secrets.token_hex(6)
            now = clock.now_iso()
            row = {
                "id": app_id,
                "acceptance_no": number,
                "item_code": item.code,
                "item_name": item.name,
                "department": item.department,
                "bundle_code": form.bundle_code or None,
                "group_id": group_id,
                "status": status.value,
                "decision": decision.value,
                "applicant_type": applicant.applicant_type,
                "applicant_name": applicant.name,
                "id_type": applicant.id_type if applicant.id_number else None,
                "id_number": applicant.id_number or None,
                "phone": applicant.phone or None,
                "org_name": applicant.org_name or None,
                "uscc": applicant.uscc or None,
                "agent_name": applicant.agent_name or None,
                "agent_id_type": applicant.agent_id_type
                if applicant.agent_id_number
                else None,
                "agent_id_number": applicant.agent_id_number or None,
                "agent_relation": applicant.agent_relation or None,
                "address": applicant.address or None,
                "assisted": int(applicant.assisted),
                "answers": json.dumps(form.answers, sort_keys=True),
                "site_code": ctx.site_code,
                "window_code": ctx.window_code,
                "desk_id": ctx.desk_id or None,
                "clerk": ctx.username,
                "created_at": now,
                "decided_at": now,
                "day": today.isoformat(),
                "accepted_on": accepted_on.isoformat() if accepted_on else None,
                "promised_days": item.promised_days,
                "due_date": due.isoformat() if due else None,
                "due_provisional": int(provisional),
                "promise_date": promise_date.isoformat() if promise_date else None,
                "reason": reason.strip() or None,
                "reason_code": reason_code or None,
                "competent_organ": competent_organ or None,
                "notice_deadline": _notice_deadline(db, calendar, today, decision),
                "consultation_id": form.consultation_id or None,
                "intake_seconds": form.intake_seconds,
                "status_key": status_key,
                "status_url": _status_url(db, number, status_key),
                "updated_at": now,
            }
            birth, sex = _birth_and_sex(applicant)
            row["birth_date"], row["sex"] = birth, sex
            columns = ", ".join(row)
            db.execute(
                f"INSERT INTO applications ({columns}) VALUES"
                f" ({', '.join('?' * len(row))})",
                list(row.values()),
            )
            _store_materials(db, app_id, pairs)
            add_event(
                db,
                kind=f"decision.{decision.value}",
                actor=ctx.username,
                application_id=app_id,
                detail={"acceptance_no": number},
            )
            push_application(db, app_id)
            results.append(
                DecisionResult(app_id, number, item.code, status, due, provisional)
            )
        if form.consultation_id:
            db.execute(
                "UPDATE consultations SET application_id = ? WHERE id = ?",
                [results[0].application_id, form.consultation_id],
            )
        if form.draft_id:
            db.execute("DELETE FROM drafts WHERE id = ?", [form.draft_id])
    return results


def supplement(
    store: Store,
    ctx: DeskContext,
    *,
    application_id: str,
    materials: Sequence[MaterialEntry],
) -> DecisionResult:
    """Record the materials brought after a one-time notice. When nothing is
    missing any more the application is accepted; the acceptance date is
    today, the day the last material arrived."""
    with _window_transaction(store, ctx) as db:
        record = _load(db, application_id)
        check_transition(Status(record["status"]), Status.SUBMITTED)
        item = get_item(db, record["item_code"])
        pairs = entries_for(item.materials_for(record["answers"]), materials)
        still = [m.name for m, e in pairs if e.state not in RECEIVED]
        if still:
            raise IntakeError(
                _("仍缺少材料：{names}。材料齐全后才能受理。").format(
                    names=listing(still)
                ),
                field="materials",
            )
        today = clock.today()
        dd = due_date_or_provisional(load_calendar(db), today, item.promised_days)
        db.execute(
            "UPDATE applications SET status = ?, accepted_on = ?, due_date = ?,"
            " due_provisional = ?, decided_at = ?, version = version + 1,"
            " updated_at = ? WHERE id = ?",
            [
                Status.SUBMITTED.value,
                today.isoformat(),
                dd.date.isoformat(),
                int(dd.provisional),
                clock.now_iso(),
                clock.now_iso(),
                application_id,
            ],
        )
        db.execute(
            "DELETE FROM application_materials WHERE application_id = ?",
            [application_id],
        )
        _store_materials(db, application_id, pairs)
        add_event(
            db, kind="supplement", actor=ctx.username, application_id=application_id
        )
        push_application(db, application_id)
    return DecisionResult(
        application_id,
        record["acceptance_no"],
        item.code,
        Status.SUBMITTED,
        dd.date,
        dd.provisional,
    )


def withdraw(
    store: Store, ctx: DeskContext, *, application_id: str, reason: str
) -> None:
    reason = clean_reason(reason)
    if not reason:
        raise IntakeError(_("撤回须写明申请人的撤回理由。"), field="reason")
    _move(
        store,
        ctx,
        application_id,
        Status.WITHDRAWN,
        "withdraw",
        {"reason": reason},
    )


def deliver(
    store: Store,
    ctx: DeskContext,
    *,
    application_id: str,
    recipient_name: str,
    recipient_id_number: str,
    method: str = "window",
    tracking_no: str = "",
    override_reason: str = "",
    result_name: str = "",
    result_number: str = "",
) -> None:
    """Hand the result over (出件) after checking the recipient's ID against
    the applicant's or the agent's; refused while a deferred material is
    outstanding unless a supervisor gives ``override_reason``. The result
    document's name (default: the item's result) and number go on the
    送达回证."""
    if method not in DELIVERY_METHODS:
        raise IntakeError(_("请选择送达方式。"), field="method")
    recipient_name = clean_line(
        recipient_name, field="recipient_name", label=_("领取人姓名"), max_len=64
    )
    tracking_no = clean_line(tracking_no, field="tracking_no", label=_("运单号"))
    override_reason = clean_reason(override_reason, field="override_reason")
    result_name = clean_line(result_name, field="result_name", label=_("送达文书名称"))
    result_number = clean_line(
        result_number, field="result_number", label=_("文书编号")
    )
    record = _load(store.db, application_id)
    given = normalize(recipient_id_number)
    if given and given == record["id_number"]:
        role = "applicant"
    elif given and given == record["agent_id_number"]:
        role = "agent"
    else:
        role = ""
    if method == "window" and given not in {
        record["id_number"],
        record["agent_id_number"],
    }:
        raise IntakeError(
            _("领取人证件号码与申请人、代理人均不一致，不能出件。请核对证件。"),
            field="recipient_id_number",
        )
    if method != "window" and not tracking_no.strip():
        raise IntakeError(_("邮寄送达请填写运单号。"), field="tracking_no")
    if not recipient_name.strip():
        raise IntakeError(_("请填写领取人姓名。"), field="recipient_name")
    with _window_transaction(store, ctx) as db:
        override = deferred.check_deliverable(db, ctx, application_id, override_reason)
        _move_in(
            db,
            ctx,
            application_id,
            Status.DELIVERED,
            "deliver",
            {
                "recipient_name": recipient_name.strip(),
                "method": method,
                "tracking_no": tracking_no.strip(),
                "recipient_id_masked": _mask(given),
                "recipient_role": role,
                "result_name": " ".join(result_name.split())
                or default_result_name(record["item_name"]),
                "result_number": result_number.strip(),
                **override,
            },
        )


def receive_deferred(
    store: Store,
    ctx: DeskContext,
    *,
    application_id: str,
    received: Sequence[tuple[str, MaterialState]],
) -> list[str]:
    """补交: deferred materials brought in after acceptance."""
    with _window_transaction(store, ctx) as db:
        record = _load(db, application_id)
        if Status(record["status"]) in (Status.WITHDRAWN, Status.REJECTED):
            raise IntakeError(_("该办件已终止，不能再补交材料。"), field="materials")
        names = deferred.record_received(db, ctx, application_id, received)
        db.execute(
            "UPDATE applications SET version = version + 1, updated_at = ?"
            " WHERE id = ?",
            [clock.now_iso(), application_id],
        )
        push_application(db, application_id)
    return names


def evaluate(
    store: Store,
    ctx: DeskContext,
    *,
    application_id: str,
    level: int,
    reasons: Sequence[str] = (),
    comment: str = "",
    channel: str = "window",
) -> str:
    """Record the applicant's 好差评 rating (1–5)."""
    if level not in range(1, 6):
        raise IntakeError(_("评价等级须为 1 至 5。"), field="level")
    comment = clean_reason(comment, field="comment")
    reasons = [clean_line(r, field="reasons", label=_("评价原因")) for r in reasons]
    eval_id = str(uuid.uuid4())
    with _window_transaction(store, ctx) as db:
        _load(db, application_id)
        now = clock.now_iso()
        db.execute(
            "INSERT INTO evaluations (id, application_id, level, reasons, comment,"
            " channel, clerk, window_code, created_at, day)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                eval_id,
                application_id,
                level,
                json.dumps(list(reasons), ensure_ascii=False),
                comment.strip() or None,
                channel,
                ctx.username,
                ctx.window_code,
                now,
                clock.today().isoformat(),
            ],
        )
        add_event(
            db,
            kind="evaluation",
            actor=ctx.username,
            application_id=application_id,
            detail={"level": level},
        )
        add_op(
            db,
            entity="evaluation",
            entity_id=eval_id,
            base_version=None,
            payload=_evaluation_payload(db, eval_id),
        )
    return eval_id


def follow_up(store: Store, ctx: DeskContext, *, evaluation_id: str, text: str) -> None:
    """The follow-up record every bad rating needs (核实、整改、反馈)."""
    text = clean_reason(text, field="follow_up")
    if not text:
        raise IntakeError(_("请填写回访与整改情况。"), field="follow_up")
    with store.transaction() as db:
        db.execute(
            "UPDATE evaluations SET follow_up = ?, follow_up_by = ?, follow_up_at = ?"
            " WHERE id = ?",
            [text.strip(), ctx.username, clock.now_iso(), evaluation_id],
        )
        add_op(
            db,
            entity="evaluation",
            entity_id=evaluation_id,
            base_version=None,
            payload=_evaluation_payload(db, evaluation_id),
        )


def _application_id(db: Database, wanted: str) -> str:
    """The intake's own id when it has one not used yet, else a new one."""
    if wanted:
        used = db.execute("SELECT 1 FROM applications WHERE id = ?", [wanted])
        if used.fetchone() is None:
            return wanted
    return str(uuid.uuid4())


def push_application(db: Database, application_id: str) -> None:
    """Queue the application's current state for the central platform."""
    record = records.application(db, application_id)
    assert record is not None
    blobs = [
        r[0]
        for r in db.execute(
            "SELECT DISTINCT sha256 FROM material_files WHERE application_id = ?"
            " AND removed_at IS NULL",
            [application_id],
        )
    ]
    record["blobs"] = blobs
    add_op(
        db,
        entity="application",
        entity_id=application_id,
        base_version=record["version"] - 1,
        payload=record,
        blobs=blobs,
    )


def _move(
    store: Store,
    ctx: DeskContext,
    application_id: str,
    target: Status,
    kind: str,
    detail: dict[str, Any],
) -> None:
    with _window_transaction(store, ctx) as db:
        _move_in(db, ctx, application_id, target, kind, detail)


def _move_in(
    db: Database,
    ctx: DeskContext,
    application_id: str,
    target: Status,
    kind: str,
    detail: dict[str, Any],
) -> None:
    record = _load(db, application_id)
    check_transition(Status(record["status"]), target)
    db.execute(
        "UPDATE applications SET status = ?, version = version + 1,"
        " updated_at = ? WHERE id = ?",
        [target.value, clock.now_iso(), application_id],
    )
    add_event(
        db,
        kind=kind,
        actor=ctx.username,
        application_id=application_id,
        detail=detail,
    )
    push_application(db, application_id)


@contextmanager
def _window_transaction(store: Store, ctx: DeskContext) -> Iterator[Database]:
    """A write by the window: one transaction, refused once today is closed."""
    with store.transaction() as db:
        assert_day_open(
            db,
            site_code=ctx.site_code,
            window_code=ctx.window_code,
            day=clock.today().isoformat(),
        )
        yield db


def _load(db: Database, application_id: str) -> dict[str, Any]:
    record = records.application(db, application_id)
    if record is None:
        raise NotFound(_("找不到该办件，可能已被删除或尚未同步。"))
    return record


def _next_number(db: Database, ctx: DeskContext, day: date) -> str:
    db.execute(
        "INSERT INTO window_sequences (site_code, window_code, day, last_sequence)"
        " VALUES (?, ?, ?, 1) ON CONFLICT(site_code, window_code, day)"
        " DO UPDATE SET last_sequence = last_sequence + 1",
        [ctx.site_code, ctx.window_code, day.isoformat()],
    )
    seq = db.execute(
        "SELECT last_sequence FROM window_sequences WHERE site_code = ?"
        " AND window_code = ? AND day = ?",
        [ctx.site_code, ctx.window_code, day.isoformat()],
    ).fetchone()[0]
    return format_acceptance_number(
        site_code=ctx.site_code, window_code=ctx.window_code, day=day, sequence=seq
    )


def _stored_state(entry: MaterialEntry) -> MaterialState:
    """What was really received: copies only are never 已收原件."""
    if entry.state is MaterialState.ORIGINAL and not entry.originals and entry.copies:
        return MaterialState.COPY
    return entry.state


def _store_materials(db: Database, app_id: str, pairs: Sequence[Any]) -> None:
    now = clock.now_iso()
    db.conn.executemany(
        "INSERT INTO application_materials (application_id, material_key, position,"
        " name, state, originals, copies, problem, note, reused_from, received_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                app_id,
                m.key,
                pos,
                m.name,
                _stored_state(e).value,
                e.originals,
                e.copies,
                e.problem or None,
                e.note or None,
                e.reused_from or None,
                now if e.state in RECEIVED else None,
            )
            for pos, (m, e) in enumerate(pairs)
        ],
    )


def _check_promise(promise: date, *, today: date, due: date) -> None:
    """Deferred materials come in before the item's promised time runs out."""
    if promise < today:
        raise IntakeError(_("承诺补交日期不能早于今天。"), field="promise_date")
    if promise > due and due > today:
        raise IntakeError(
            _("承诺补交日期不能晚于办结期限 {due}。").format(due=due.isoformat()),
            field="promise_date",
        )


def _status_url(db: Database, number: str, key: str) -> str | None:
    """The applicant's status link, valid before the first sync: the key is
    made here and travels with the application to the platform."""
    base = settings.status_base_url(db)
    if not base:
        return None
    return f"{base}/{quote(number, safe='')}?k={key}"


def _birth_and_sex(applicant: Applicant) -> tuple[str | None, str | None]:
    if applicant.id_number and applicant.id_type == IdType.RESIDENT_ID.value:
        info = resident_id_info(applicant.id_number)
        return info.birth_date.isoformat(), info.sex
    return None, None


def _notice_deadline(
    db: Database, calendar: Any, today: date, decision: Decision
) -> str | None:
    if decision is not Decision.NOTICE:
        return None
    days = settings.get_int(db, "notice_bring_days")
    return due_date_or_provisional(calendar, today, days).date.isoformat()


def default_result_name(item_name: str) -> str:
    """The result document when the clerk names none at 出件."""
    return _("“{item}”办理结果文书").format(item=item_name)


def _mask(code: str) -> str:
    return mask_identifier(code) if code else ""


def _evaluation_payload(db: Database, eval_id: str) -> dict[str, Any]:
    rows = list(db.query("SELECT * FROM evaluations WHERE id = ?", [eval_id]))
    return dict(rows[0])


__all__ = [
    "DecisionResult",
    "MaterialState",
    "decide",
    "deliver",
    "evaluate",
    "follow_up",
    "supplement",
    "withdraw",
]
