"""One sync round: push the outbox (blobs first), then pull the feed.

Rules the code keeps:
- an op is marked ``in_flight`` (committed) before it is sent and acked only
  from the server's answer; after a crash in-flight ops are simply resent,
  the server answers ``duplicate`` for what it already applied;
- connection errors, timeouts, 5xx and 429 are retried with exponential
  backoff and full jitter, never sooner than ``Retry-After``;
- the batch halves on 413 or a timeout and doubles back on success;
- one round at a time per data dir (``sync.lock``, an exclusive flock);
- the engine has its own store connection, never the UI's.
"""

from __future__ import annotations

import json
import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from counter_app.i18n import _
from counter_app.store import settings
from counter_app.store.blobstore import BlobStore
from counter_app.store.db import Store
from counter_app.store.events import add_event
from counter_app.store.outbox import compact, payload_text, pending_summary
from sync import audit as audit_sync
from sync import protocol as p
from sync.blobs import (
    DEFAULT_CHUNK_BYTES,
    MIN_CHUNK_BYTES,
    BlobFileMissing,
    UploadStats,
    read_blob,
    upload_blob,
)
from sync.pull import PullReport, pull
from sync.state import problem_counts, put_state
from sync.transport import (
    Cancelled,
    Clock,
    ProtocolError,
    RequestTimeout,
    RetryableError,
    SyncError,
    Timeouts,
    TooLarge,
    Transport,
    utc_now,
)

log = logging.getLogger(__name__)

REASON_LOCAL_TOO_LARGE = "op larger than the server accepts"
REASON_LOCAL_BLOB_MISSING = "scan file missing on this desk"
_BLOB_MISSING_RESENDS = 3


@dataclass(frozen=True)
class SyncEvent:
    kind: str  # started | progress | finished | failed | result_ready | …
    message: str = ""
    data: dict[str, Any] = field(default_factory=dict)


EventSink = Callable[[SyncEvent], None]


@dataclass
class EngineConfig:
    batch_start: int = 50
    batch_max: int = 200
    batch_max_bytes: int = 1024 * 1024  # well under the server's 2 MiB limit
    chunk_bytes: int = DEFAULT_CHUNK_BYTES
    max_failures: int = 6  # consecutive retryable failures before giving up
    backoff_base: float = 0.5
    backoff_cap: float = 30.0
    max_retry_after: float = 120.0  # a longer Retry-After ends the round
    pull_limit: int = p.DEFAULT_CHANGES_LIMIT
    timeouts: Timeouts = field(default_factory=Timeouts)


@dataclass
class SyncReport:
    ok: bool = False
    acked: int = 0
    duplicates: int = 0
    rejected: int = 0
    conflicts: int = 0
    blobs_uploaded: int = 0
    blob_bytes_sent: int = 0
    blob_bytes_resumed: int = 0  # bytes the server already had at first HEAD
    retries: int = 0
    pull: PullReport | None = None
    remaining_ops: int = 0
    remaining_bytes: int = 0
    dead_letters: int = 0  # rejected ops waiting for a supervisor, all rounds
    open_conflicts: int = 0
    skew_seconds: float | None = None
    online: bool | None = None
    error: str = ""
    retry_after: float | None = None
    events_pushed: int = 0
    #: The platform's findings on the audit chain (or its refusal of an
    #: event): events deleted or rewritten on this desk.
    audit_problems: list[str] = field(default_factory=list)

    @property
    def skew_warning(self) -> bool:
        return (
            self.skew_seconds is not None
            and abs(self.skew_seconds) > p.CLOCK_SKEW_WARNING_SECONDS
        )

    @property
    def clean(self) -> bool:
        """Nothing left to send and nothing failed."""
        return self.ok and self.remaining_ops == 0 and self.dead_letters == 0


# -- the engine ----------------------------------------------------------------


class SyncEngine:
    def __init__(
        self,
        store: Store,
        transport: Transport,
        *,
        config: EngineConfig | None = None,
        cancel: threading.Event | None = None,
        on_event: EventSink | None = None,
        rng: random.Random | None = None,
        clock: Clock = utc_now,
    ) -> None:
        self.store = store
        self.transport = transport
        self.config = config or EngineConfig()
        self.cancel = cancel or threading.Event()
        self.on_event = on_event or (lambda event: None)
        self.rng = rng or random.Random()
        self.clock = clock
        self.batch = self.config.batch_start
        self.chunk = self.config.chunk_bytes
        self._failures = 0
        self._report = SyncReport()

    # -- public ------------------------------------------------------------
    def run_once(self) -> SyncReport:
        self._report = report = SyncReport()
        self._failures = 0
        self._emit("started")
        try:
            self._push()
            self._push_audit()
            report.pull = self._pull()
            self._check_cancel()
            report.ok = True
            report.online = True
        except RetryableError as exc:
            report.error, report.online = str(exc), False
            report.retry_after = exc.retry_after
        except (SyncError, OSError) as exc:
            report.error = str(exc)
            report.online = report.online if report.online is not None else None
        finally:
            self._finish(report)
        return report

    def _pull(self) -> PullReport:
        total = PullReport()
        while True:
            self._check_cancel()
            try:
                part = pull(
                    self.store,
                    self.transport,
                    limit=self.config.pull_limit,
                    should_stop=self.cancel.is_set,
                )
            except RetryableError as exc:
                if isinstance(exc, RequestTimeout):
                    self.config.pull_limit = max(10, self.config.pull_limit // 2)
                self._failed(exc)
                continue
            total.pages += part.pages
            total.changes += part.changes
            total.resnapshot |= part.resnapshot
            total.result_ready += part.result_ready
            total.quarantined += part.quarantined
            total.released += part.released
            for number in part.result_ready:
                self._emit(
                    "result_ready",
                    _("办结待取件 — 请通知申请人（受理编号 {number}）").format(
                        number=number
                    ),
                    {"acceptance_no": number},
                )
            return total

    # -- push ----------------------------------------------------------------
    def _push(self) -> None:
        while True:
            self._check_cancel()
            batch = self._next_batch()
            if not batch:
                return
            batch = self._upload_blobs(batch)
            if not batch:
                continue
            self._mark_in_flight(batch)
            ops = [_wire_op(row) for row in batch]
            try:
                answer = self.transport.json_call(
                    "POST", p.PATH_OPS, payload={"ops": ops}
                )
            except TooLarge:
                if len(batch) == 1:
                    self._dead_letter(batch[0], REASON_LOCAL_TOO_LARGE)
                self.batch = max(1, len(batch) // 2)
                continue
            except RetryableError as exc:
                if isinstance(exc, RequestTimeout):
                    self.batch = max(1, len(batch) // 2)
                self._failed(exc)
                continue
            self._report.online = True
            self._failures = 0
            answered = self._apply_results(batch, list(answer.get("results") or []))
            if not answered:
                # Resending what the server will not answer would loop forever.
                raise ProtocolError(
                    _("中心平台没有对发送的操作给出结果，本轮同步中止。")
                )
            self.batch = min(self.config.batch_max, max(self.batch, len(batch)) * 2)
            self._emit("progress", data={"acked": self._report.acked})

    def _push_audit(self) -> None:
        """Events in their own batches, then the chain head."""
        while True:
            self._check_cancel()
            batch = audit_sync.next_events(self.store, self.batch)
            if not batch:
                break
            ops = [audit_sync.event_op(row) for row in batch]
            try:
                answer = self.transport.json_call(
                    "POST", p.PATH_OPS, payload={"ops": ops}
                )
            except TooLarge:
                if len(batch) == 1:
                    raise
                self.batch = max(1, len(batch) // 2)
                continue
            except RetryableError as exc:
                if isinstance(exc, RequestTimeout):
                    self.batch = max(1, len(batch) // 2)
                self._failed(exc)
                continue
            results = list(answer.get("results") or [])
            acked, refused = audit_sync.record_results(self.store, batch, results)
            self._report.events_pushed += acked
            if refused:
                self._audit_problem(refused)
            if audit_sync.next_events(self.store, 1) == batch[:1]:
                # Resending what the server will not answer would loop forever.
                raise ProtocolError(
                    _("中心平台没有对发送的操作给出结果，本轮同步中止。")
                )
        head = audit_sync.head_report(self.store, self.clock())
        while True:
            self._check_cancel()
            try:
                answer = self.transport.json_call(
                    "POST", p.PATH_AUDIT_HEAD, payload=dict(head)
                )
                break
            except RetryableError as exc:
                self._failed(exc)
        for problem in audit_sync.record_answer(self.store, answer):
            self._audit_problem(audit_sync.problem_text([problem]))

    def _audit_problem(self, text: str) -> None:
        self._report.audit_problems.append(text)
        self._emit(
            "audit_problem",
            _("中心平台发现本机审计记录异常：{problem}。请报告安全管理员。").format(
                problem=text
            ),
            {"problem": text},
        )

    def _next_batch(self) -> list[dict[str, Any]]:
        rows = [
            dict(r)
            for r in self.store.db.query(
                "SELECT * FROM outbox WHERE state IN ('pending', 'in_flight')"
                " ORDER BY seq LIMIT ?",
                [self.batch],
            )
        ]
        batch: list[dict[str, Any]] = []
        size = 0
        for row in rows:
            # Stored compressed; sent (and counted against the limit) as JSON.
            row["payload"] = payload_text(row["payload"])
            row_size = len(row["payload"].encode()) + 256
            if batch and size + row_size > self.config.batch_max_bytes:
                break
            batch.append(row)
            size += row_size
        return batch

    def _upload_blobs(self, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
        ready: list[dict[str, Any]] = []
        for row in batch:
            try:
                for sha in _row_blobs(row):
                    self._ensure_blob(sha)
            except BlobFileMissing as exc:
                self._dead_letter(row, REASON_LOCAL_BLOB_MISSING, detail=exc.sha256)
                continue
            ready.append(row)
        return ready

    def _ensure_blob(self, sha: str) -> None:
        row = self.store.db.execute(
            "SELECT uploaded_at FROM blobs WHERE sha256 = ?", [sha]
        ).fetchone()
        if row is not None and row[0]:
            return
        data = read_blob(BlobStore(self.store.data_dir, key=self.store.key), sha)
        stats: UploadStats | None = None
        while True:
            self._check_cancel()
            try:
                stats = upload_blob(
                    self.transport,
                    data,
                    sha,
                    chunk_bytes=self.chunk,
                    cancel=self.cancel,
                    stats=stats,
                )
                break
            except TooLarge:
                if self.chunk <= MIN_CHUNK_BYTES:
                    raise
                self.chunk = max(MIN_CHUNK_BYTES, self.chunk // 2)
            except RetryableError as exc:
                if isinstance(exc, RequestTimeout):
                    self.chunk = max(MIN_CHUNK_BYTES, self.chunk // 2)
                self._failed(exc)
        self._failures = 0
        self._report.online = True
        if not stats.already_complete:
            self._report.blobs_uploaded += 1
        self._report.blob_bytes_sent += stats.bytes_sent
        self._report.blob_bytes_resumed += stats.started_at_offset
        if self.chunk < self.config.chunk_bytes:
            self.chunk = min(self.config.chunk_bytes, self.chunk * 2)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE blobs SET uploaded_at = ? WHERE sha256 = ?",
                [_now_iso(), sha],
            )
        self._emit("progress", data={"blob": sha, "bytes": stats.bytes_sent})

    def _mark_in_flight(self, batch: list[dict[str, Any]]) -> None:
        now = _now_iso()
        with self.store.transaction() as db:
            db.conn.executemany(
                "UPDATE outbox SET state = 'in_flight', attempts = attempts + 1,"
                " sent_at = ? WHERE op_id = ? AND state IN ('pending', 'in_flight')",
                [(now, row["op_id"]) for row in batch],
            )

    def _apply_results(
        self, batch: list[dict[str, Any]], results: list[dict[str, Any]]
    ) -> int:
        """Record the server's answers; returns how many ops got one."""
        by_id = {str(r.get("op_id")): r for r in results}
        base_url = self.transport.base_url
        now = _now_iso()
        answered = 0
        with self.store.transaction() as db:
            for row in batch:
                res = by_id.get(row["op_id"])
                if res is None:
                    continue  # no answer for it: stays in flight, resent later
                answered += 1
                result = str(res.get("result"))
                if result in p.SUCCESS_RESULTS:
                    db.execute(
                        "UPDATE outbox SET state = 'acked', acked_at = ?, result = ?,"
                        " reason = NULL WHERE op_id = ?",
                        [now, result, row["op_id"]],
                    )
                    self._report.acked += 1
                    self._report.duplicates += result == p.RESULT_DUPLICATE
                    url = res.get("status_url")
                    if row["entity"] == p.ENTITY_APPLICATION and url:
                        full = base_url + url if str(url).startswith("/") else url
                        db.execute(
                            "UPDATE applications SET status_url = ? WHERE id = ?"
                            " AND origin = 'local'",
                            [full, row["entity_id"]],
                        )
                elif result == p.RESULT_CONFLICT:
                    self._record_conflict(db, row, res, now)
                elif result == p.RESULT_REJECTED:
                    reason = str(res.get("reason") or "")
                    detail = str(res.get("detail") or "")
                    if (
                        reason in p.RETRYABLE_REASONS
                        and int(row["attempts"]) < _BLOB_MISSING_RESENDS
                    ):
                        # The server lacks a blob we thought uploaded (or the
                        # record this op refers to): upload it again and
                        # resend the very same op, a bounded number of times.
                        db.execute(
                            "UPDATE outbox SET state = 'pending', reason = ?"
                            " WHERE op_id = ?",
                            [reason, row["op_id"]],
                        )
                        if p.is_sha256_hex(detail):
                            db.execute(
                                "UPDATE blobs SET uploaded_at = NULL WHERE sha256 = ?",
                                [detail],
                            )
                        continue
                    self._dead_letter_in(db, row, reason, detail=detail, now=now)
        return answered

    def _record_conflict(
        self, db: Any, row: dict[str, Any], res: dict[str, Any], now: str
    ) -> None:
        remote = json.dumps(res.get("current") or {}, ensure_ascii=False)
        open_row = db.execute(
            "SELECT id FROM conflicts WHERE entity = ? AND entity_id = ?"
            " AND resolved_at IS NULL",
            [row["entity"], row["entity_id"]],
        ).fetchone()
        if open_row is None:
            db.execute(
                "INSERT INTO conflicts (entity, entity_id, op_id, local, remote,"
                " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    row["entity"],
                    row["entity_id"],
                    row["op_id"],
                    row["payload"],
                    remote,
                    now,
                ],
            )
        else:  # one open conflict per record: keep the newest of both sides
            db.execute(
                "UPDATE conflicts SET op_id = ?, local = ?, remote = ? WHERE id = ?",
                [row["op_id"], row["payload"], remote, open_row[0]],
            )
        # Acked with a conflict: never resent blindly; the clerk decides.
        db.execute(
            "UPDATE outbox SET state = 'acked', acked_at = ?, result = ?,"
            " reason = ? WHERE op_id = ?",
            [now, p.RESULT_CONFLICT, "conflict", row["op_id"]],
        )
        add_event(
            db,
            kind="sync.conflict",
            actor="sync",
            application_id=row["entity_id"]
            if row["entity"] == p.ENTITY_APPLICATION
            else None,
            detail={"op_id": row["op_id"], "server_version": res.get("server_version")},
        )
        self._report.conflicts += 1
        self._emit(
            "conflict",
            _("办件记录与中心平台的版本冲突，请在“同步冲突”中处理。"),
            {"entity": row["entity"], "entity_id": row["entity_id"]},
        )

    def _dead_letter(
        self, row: dict[str, Any], reason: str, *, detail: str = ""
    ) -> None:
        with self.store.transaction() as db:
            self._dead_letter_in(db, row, reason, detail=detail, now=_now_iso())

    def _dead_letter_in(
        self, db: Any, row: dict[str, Any], reason: str, *, detail: str, now: str
    ) -> None:
        text = f"{reason}: {detail}" if detail else reason
        db.execute(
            "UPDATE outbox SET state = 'rejected', acked_at = ?, result = ?,"
            " reason = ? WHERE op_id = ?",
            [now, p.RESULT_REJECTED, text, row["op_id"]],
        )
        add_event(
            db,
            kind="sync.rejected",
            actor="sync",
            application_id=row["entity_id"]
            if row["entity"] == p.ENTITY_APPLICATION
            else None,
            detail={"op_id": row["op_id"], "entity": row["entity"], "reason": text},
        )
        self._report.rejected += 1
        self._emit(
            "dead_letter",
            _("有操作被中心平台拒绝：{reason}").format(reason=text),
            {"op_id": row["op_id"]},
        )

    # -- failures, backoff, cancel -------------------------------------------
    def _failed(self, exc: RetryableError) -> None:
        """Count a retryable failure; sleep the backoff or give up the round."""
        self._failures += 1
        self._report.retries += 1
        if self._failures >= self.config.max_failures:
            raise exc
        retry_after = exc.retry_after or 0.0
        if retry_after > self.config.max_retry_after:
            raise exc
        ceiling = min(
            self.config.backoff_cap, self.config.backoff_base * 2**self._failures
        )
        delay = max(retry_after, self.rng.uniform(0, ceiling))
        self._emit("retry", str(exc), {"delay": delay, "failures": self._failures})
        if self.cancel.wait(delay):
            raise Cancelled(_("同步已取消"))

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            raise Cancelled(_("同步已取消"))

    def _finish(self, report: SyncReport) -> None:
        report.skew_seconds = self.transport.skew_seconds
        try:
            ops, size = pending_summary(self.store.db)
            report.remaining_ops, report.remaining_bytes = ops, size
            report.dead_letters, report.open_conflicts = problem_counts(self.store)
            with self.store.transaction() as db:
                if report.skew_seconds is not None:
                    put_state(db, "server_skew_seconds", f"{report.skew_seconds:.3f}")
                if report.ok:
                    put_state(db, "last_success", self.clock().isoformat())
                put_state(db, "last_attempt", self.clock().isoformat())
                put_state(db, "last_error", report.error)
                # Read by the status bar when no service runs in this process.
                if report.online is not None:
                    put_state(db, "online", "1" if report.online else "0")
                put_state(db, "message", report.error)
        except Exception:  # the report must still reach the caller
            log.exception("could not record the sync outcome")
        try:  # acknowledged is final, whatever became of the rest
            with self.store.transaction() as db:
                keep = settings.get(db, "outbox.keep_days")
                compact(db, keep_days=int(keep) if keep.isdigit() else 0)
        except Exception:  # compaction waits for the next round
            log.exception("could not compact the outbox")
        self._emit(
            "finished" if report.ok else "failed", report.error, {"report": report}
        )

    def _emit(
        self, kind: str, message: str = "", data: dict[str, Any] | None = None
    ) -> None:
        try:
            self.on_event(SyncEvent(kind, message, data or {}))
        except Exception:  # a listener's bug must not break the round
            log.exception("sync event listener failed")


def _row_blobs(row: dict[str, Any]) -> list[str]:
    op = {
        "blobs": json.loads(row["blobs"] or "[]"),
        "payload": json.loads(row["payload"]),
    }
    return [sha for sha in p.op_blobs(op) if p.is_sha256_hex(sha)]


def _wire_op(row: dict[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {
        "op_id": row["op_id"],
        "entity": row["entity"],
        "entity_id": row["entity_id"],
        "base_version": row["base_version"],
        "payload": json.loads(row["payload"]),
        "created_at": row["created_at"],
    }
    blobs = json.loads(row["blobs"] or "[]")
    if blobs:
        op["blobs"] = blobs
    return op


def _now_iso() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")
