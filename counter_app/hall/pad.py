"""The evaluation pad (评价器) session of one window: the clerk asks for a
rating of one application; the tablet paired by the session's token shows
it, and the applicant rates or skips. Evaluation is voluntary: nothing is
preselected and the clerk cannot answer for the applicant."""

from __future__ import annotations

import hmac
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from counter_app.domain.evaluation import (
    BAD_REASONS,
    CHANNEL_PAD_WEB,
    GOOD_REASONS,
    LEVELS,
)
from counter_app.domain.hall import QueueError
from counter_app.i18n import _
from counter_app.services import applications
from counter_app.services.context import DeskContext
from counter_app.store.db import Store

MAX_REASONS = len(GOOD_REASONS) + len(BAD_REASONS)


@dataclass(frozen=True)
class PadRequest:
    request_id: str
    application_id: str
    acceptance_no: str
    item_name: str
    ctx: DeskContext


@dataclass(frozen=True)
class PadOutcome:
    request_id: str
    application_id: str
    evaluation_id: str  # "" when skipped
    level: int  # 0 when skipped


def new_token() -> str:
    return secrets.token_urlsafe(18)


class PadSession:
    def __init__(
        self,
        store: Store,
        *,
        token: str,
        on_outcome: Callable[[PadOutcome], None] | None = None,
    ) -> None:
        self.store = store
        self.token = token
        self.on_outcome = on_outcome
        self._lock = threading.Lock()
        self._request: PadRequest | None = None

    def paired(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(
            str(token).encode(), self.token.encode()
        )

    def ask(
        self,
        ctx: DeskContext,
        *,
        application_id: str,
        acceptance_no: str,
        item_name: str,
    ) -> str:
        """Show this application on the pad (replacing any pending one)."""
        request = PadRequest(
            uuid.uuid4().hex, application_id, acceptance_no, item_name, ctx
        )
        with self._lock:
            self._request = request
        return request.request_id

    def cancel(self) -> None:
        with self._lock:
            self._request = None

    def pending(self) -> PadRequest | None:
        with self._lock:
            return self._request

    def page_state(self) -> dict[str, Any]:
        request = self.pending()
        return {
            "request": None
            if request is None
            else {
                "id": request.request_id,
                "acceptance_no": request.acceptance_no,
                "item_name": request.item_name,
            },
            "levels": [{"level": n, "label": _(label)} for n, label in LEVELS],
            "good_reasons": [_(r) for r in GOOD_REASONS],
            "bad_reasons": [_(r) for r in BAD_REASONS],
        }

    def _take(self, request_id: str) -> PadRequest:
        with self._lock:
            request = self._request
            if request is None or request.request_id != request_id:
                raise QueueError(_("该评价已结束，请等待窗口的下一次邀请。"))
            self._request = None
            return request

    def rate(self, request_id: str, *, level: int, reasons: list[str]) -> PadOutcome:
        allowed = {_(r) for r in (*GOOD_REASONS, *BAD_REASONS)}
        if level not in {n for n, _l in LEVELS}:
            raise QueueError(_("请选择满意程度。"))
        if len(reasons) > MAX_REASONS or any(r not in allowed for r in reasons):
            raise QueueError(_("评价原因无效。"))
        request = self._take(request_id)
        try:
            # The store's lock serializes this write with the store worker.
            evaluation_id = applications.evaluate(
                self.store,
                request.ctx,
                application_id=request.application_id,
                level=level,
                reasons=reasons,
                channel=CHANNEL_PAD_WEB,
            )
        except Exception:
            with self._lock:  # the applicant may try again
                if self._request is None:
                    self._request = request
            raise
        outcome = PadOutcome(request_id, request.application_id, evaluation_id, level)
        self._report(outcome)
        return outcome

    def skip(self, request_id: str) -> PadOutcome:
        request = self._take(request_id)
        outcome = PadOutcome(request_id, request.application_id, "", 0)
        self._report(outcome)
        return outcome

    def _report(self, outcome: PadOutcome) -> None:
        if self.on_outcome is not None:
            self.on_outcome(outcome)
