"""The life of an application (办件) and the window's decisions at intake.

draft → submitted (受理) → in_review (审查) → approved/denied → result_ready →
delivered (已出件), plus notified_to_supplement (补正), rejected (不予受理),
withdrawn (撤回) and suspended (挂起, the clock stops). Back-office steps
arrive by sync; the window records intake, supplement, withdrawal and
delivery, and decides 即办件 on the spot.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from counter_app.domain.errors import DomainError
from counter_app.i18n import N_, _


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    DENIED = "denied"
    RESULT_READY = "result_ready"
    DELIVERED = "delivered"
    NOTIFIED_TO_SUPPLEMENT = "notified_to_supplement"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SUSPENDED = "suspended"


STATUS_LABELS: dict[Status, str] = {
    Status.DRAFT: N_("草稿"),
    Status.SUBMITTED: N_("已受理"),
    Status.IN_REVIEW: N_("审查中"),
    Status.APPROVED: N_("审批通过"),
    Status.DENIED: N_("审批未通过"),
    Status.RESULT_READY: N_("待出件"),
    Status.DELIVERED: N_("已出件"),
    Status.NOTIFIED_TO_SUPPLEMENT: N_("待补正"),
    Status.REJECTED: N_("不予受理"),
    Status.WITHDRAWN: N_("已撤回"),
    Status.SUSPENDED: N_("挂起"),
}

ALLOWED: Mapping[Status, frozenset[Status]] = MappingProxyType(
    {
        Status.DRAFT: frozenset(
            {
                Status.SUBMITTED,
                Status.NOTIFIED_TO_SUPPLEMENT,
                Status.REJECTED,
                Status.WITHDRAWN,
            }
        ),
        Status.NOTIFIED_TO_SUPPLEMENT: frozenset(
            {Status.SUBMITTED, Status.WITHDRAWN, Status.REJECTED}
        ),
        # approved/denied straight from submitted: 即办件 decided on the spot.
        Status.SUBMITTED: frozenset(
            {
                Status.IN_REVIEW,
                Status.APPROVED,
                Status.DENIED,
                Status.SUSPENDED,
                Status.WITHDRAWN,
            }
        ),
        Status.IN_REVIEW: frozenset(
            {Status.APPROVED, Status.DENIED, Status.SUSPENDED, Status.WITHDRAWN}
        ),
        Status.SUSPENDED: frozenset({Status.IN_REVIEW}),
        Status.APPROVED: frozenset({Status.RESULT_READY}),
        Status.DENIED: frozenset({Status.RESULT_READY}),
        Status.RESULT_READY: frozenset({Status.DELIVERED}),
        Status.DELIVERED: frozenset(),
        Status.REJECTED: frozenset(),
        Status.WITHDRAWN: frozenset(),
    }
)

TERMINAL: frozenset[Status] = frozenset(
    s for s, targets in ALLOWED.items() if not targets
)

# Targets reached in the back office; at the window they arrive by sync.
BACK_OFFICE_TARGETS: frozenset[Status] = frozenset(
    {
        Status.IN_REVIEW,
        Status.APPROVED,
        Status.DENIED,
        Status.SUSPENDED,
        Status.RESULT_READY,
    }
)

ALL_TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    (current, target) for current, targets in ALLOWED.items() for target in targets
)
BACK_OFFICE_TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    pair for pair in ALL_TRANSITIONS if pair[1] in BACK_OFFICE_TARGETS
)
# What the window records itself: intake, supplement, withdrawal, delivery.
WINDOW_TRANSITIONS: frozenset[tuple[Status, Status]] = (
    ALL_TRANSITIONS - BACK_OFFICE_TRANSITIONS
)
# A 即办件 is decided and handed over at the window in one visit.
ON_THE_SPOT_TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset(
    {
        (Status.SUBMITTED, Status.APPROVED),
        (Status.SUBMITTED, Status.DENIED),
        (Status.APPROVED, Status.RESULT_READY),
        (Status.DENIED, Status.RESULT_READY),
    }
)


def status_label(status: Status) -> str:
    return _(STATUS_LABELS[status])


class IllegalTransition(DomainError):
    """A status change the rules do not allow, naming both states."""

    def __init__(self, current: Status, target: Status, *, reason: str = "") -> None:
        message = _("办件状态不能从“{current}”改为“{target}”。").format(
            current=status_label(current), target=status_label(target)
        )
        if not reason and is_terminal(current):
            reason = _("“{current}”的办件已经办结，不能再更改。").format(
                current=status_label(current)
            )
        super().__init__(message + reason, field="status")
        self.current = current
        self.target = target


def is_terminal(s: Status) -> bool:
    return s in TERMINAL


def check_transition(current: Status, target: Status) -> Status:
    """``target`` if the rules allow ``current`` → ``target``.

    Raises IllegalTransition otherwise, naming both states.
    """
    if target not in ALLOWED[current]:
        raise IllegalTransition(current, target)
    return target


def check_window_transition(
    current: Status, target: Status, *, on_the_spot: bool = False
) -> Status:
    """Like ``check_transition`` for a change made at the window itself.

    Back-office changes are refused unless ``on_the_spot`` (即办件) allows
    that decision to be taken at the counter.
    """
    check_transition(current, target)
    pair = (current, target)
    if pair in WINDOW_TRANSITIONS or (on_the_spot and pair in ON_THE_SPOT_TRANSITIONS):
        return target
    raise IllegalTransition(
        current,
        target,
        reason=_("这一步由审批部门办理，结果会通过同步传回窗口。"),
    )


class Decision(StrEnum):
    ACCEPT = "accept"
    ACCEPT_DEFERRED = "accept_deferred"
    ACCEPT_COMMITMENT = "accept_commitment"
    NOTICE = "notice"
    REJECT = "reject"


DECISION_LABELS: dict[Decision, str] = {
    Decision.ACCEPT: N_("受理"),
    Decision.ACCEPT_DEFERRED: N_("容缺受理"),
    Decision.ACCEPT_COMMITMENT: N_("告知承诺受理"),
    Decision.NOTICE: N_("一次性告知"),
    Decision.REJECT: N_("不予受理"),
}

_DECISION_STATUS: Mapping[Decision, Status] = MappingProxyType(
    {
        Decision.ACCEPT: Status.SUBMITTED,
        Decision.ACCEPT_DEFERRED: Status.SUBMITTED,
        Decision.ACCEPT_COMMITMENT: Status.SUBMITTED,
        Decision.NOTICE: Status.NOTIFIED_TO_SUPPLEMENT,
        Decision.REJECT: Status.REJECTED,
    }
)


def status_for_decision(decision: Decision) -> Status:
    """The status an intake decision puts the application in."""
    return _DECISION_STATUS[decision]
